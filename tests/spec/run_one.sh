#!/bin/sh
# Runs spec scripts for CTest. Exit status 77 means "skipped" (the tests set
# SKIP_RETURN_CODE 77), so a missing test suite or a script that cannot be run
# yet is reported as skipped, never as passed.
#
#   run_one.sh WAFER DEFAULT_SPEC_DIR NAME          core/NAME.wast
#   run_one.sh WAFER DEFAULT_SPEC_DIR DIR/NAME      DIR/NAME.wast (e.g. threads/atomic)
#   run_one.sh WAFER DEFAULT_SPEC_DIR --all [OPT]   every non-SIMD core script at once,
#                                                   with `wafer wast` options OPT
#
# The test suite is $WF_SPEC_DIR (the wasm-testsuite checkout, holding core/
# and threads/), or DEFAULT_SPEC_DIR when the variable is unset.
set -u
wafer=$1
spec_dir=${WF_SPEC_DIR:-$2}
name=$3
shift 3
core=$spec_dir/core
skip=77

if [ ! -d "$core" ]; then
    echo "skipped: spec test suite not found at $core (set WF_SPEC_DIR)"
    exit $skip
fi

if [ "$name" = --all ]; then
    for f in "$core"/*.wast; do
        case $(basename "$f") in simd_*) continue ;; esac
        set -- "$@" "$f"
    done
    exec "$wafer" wast "$@"
fi

case $name in
*/*) file=$spec_dir/$name.wast ;;
*) file=$core/$name.wast ;;
esac
if [ ! -f "$file" ]; then
    echo "skipped: $file not found"
    exit $skip
fi
case $(basename "$name") in
simd_*)
    echo "skipped: SIMD not supported yet ($name.wast)"
    exit $skip
    ;;
esac
exec "$wafer" wast "$file"
