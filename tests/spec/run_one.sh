#!/bin/sh
# Runs spec scripts for CTest. Exit status 77 means "skipped" (the tests set
# SKIP_RETURN_CODE 77), so a missing test suite or a script that cannot be run
# yet is reported as skipped, never as passed.
#
#   run_one.sh WAFER DEFAULT_SPEC_DIR NAME     one core script, NAME.wast
#   run_one.sh WAFER DEFAULT_SPEC_DIR --all    every non-SIMD core script at once
#
# The test suite is $WF_SPEC_DIR (the wasm-testsuite checkout, holding core/),
# or DEFAULT_SPEC_DIR when the variable is unset.
set -u
wafer=$1
spec_dir=${WF_SPEC_DIR:-$2}
name=$3
core=$spec_dir/core
skip=77

if [ ! -d "$core" ]; then
    echo "skipped: spec test suite not found at $core (set WF_SPEC_DIR)"
    exit $skip
fi

if [ "$name" = --all ]; then
    set --
    for f in "$core"/*.wast; do
        case $(basename "$f") in simd_*) continue ;; esac
        set -- "$@" "$f"
    done
    exec "$wafer" wast "$@"
fi

file=$core/$name.wast
if [ ! -f "$file" ]; then
    echo "skipped: $file not found"
    exit $skip
fi
case $name in
simd_*)
    echo "skipped: SIMD not supported yet ($name.wast)"
    exit $skip
    ;;
esac

# Scripts that wabt's converter cannot read are skipped, with its reason.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wafer-spec-XXXXXX") || exit 1
if ! wast2json --enable-threads "$file" -o "$tmp/script.json" >"$tmp/err" 2>&1; then
    version=$(wast2json --version 2>/dev/null)
    echo "skipped: wast2json $version cannot convert $name.wast: $(head -n 1 "$tmp/err")"
    rm -rf "$tmp"
    exit $skip
fi
rm -rf "$tmp"
exec "$wafer" wast "$file"
