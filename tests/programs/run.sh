#!/bin/bash
# Builds one test program for wasm and natively, runs both, compares.
#
#   run.sh bare WAFER SRC OUT FUNC ARGS...
#       SRC is compiled with clang-14 --target=wasm32 -nostdlib (all exported)
#       and natively with -DWF_NATIVE; compares `wafer run --invoke FUNC` with
#       `native FUNC ARGS`.
#   run.sh wasi WAFER SRC OUT [--stdin FILE] [--env K=V]... [--dir] [--expect FILE]
#              [--sandbox] [--exit N] -- ARGS...
#       SRC is compiled for wasm32-wasi and natively. --dir makes a fresh
#       directory for each run; @DIR@ in ARGS becomes /work under wafer (granted
#       as --dir D::/work) and the real path natively. --expect compares the
#       wasm run with a file instead of a native run (--sandbox also prepares
#       the escape-attempt layout). stdout and the exit status must match.
# Exit 77 (skipped) when clang-14 or the WASI C library is missing.
set -u
mode=$1 wafer=$2 src=$3 out=$4
shift 4
name=$(basename "$src" .c)
mkdir -p "$out"

skip() { echo "SKIPPED: $*"; exit 77; }
command -v clang-14 >/dev/null || skip "clang-14 not found"

# Compile into a temporary name and rename, so parallel tests never see half a file.
compile() { # target, then compiler arguments
    local target=$1; shift
    if [ -s "$target" ] && [ "$target" -nt "$src" ]; then return 0; fi
    local tmp="$target.$$.tmp"
    if ! clang-14 "$@" -o "$tmp" 2>"$tmp.log"; then
        cat "$tmp.log"; rm -f "$tmp" "$tmp.log"; return 1
    fi
    rm -f "$tmp.log"; mv -f "$tmp" "$target"
}

fail() { echo "FAIL: $*"; exit 1; }

compare() { # label, native stdout file, native status, wasm stdout file, wasm status
    if ! cmp -s "$2" "$4"; then
        echo "--- native ($1)"; cat "$2"; echo "--- wafer ($1)"; cat "$4"
        diff "$2" "$4" | head -20
        fail "$name: outputs differ"
    fi
    [ "$3" = "$5" ] || fail "$name: exit status native $3, wafer $5"
    echo "ok: $name $1: $(wc -l <"$2") lines identical, exit status $3"
}

if [ "$mode" = bare ]; then
    func=$1; shift
    compile "$out/$name.wasm" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-all \
        "$src" || fail "wasm build"
    compile "$out/$name.native" -O2 -ffp-contract=off -DWF_NATIVE "$src" || fail "native build"
    "$out/$name.native" "$func" "$@" >"$out/$name.$func.native.out"; ns=$?
    "$wafer" run --invoke "$func" "$out/$name.wasm" "$@" >"$out/$name.$func.wasm.out"; ws=$?
    compare "$func $*" "$out/$name.$func.native.out" $ns "$out/$name.$func.wasm.out" $ws
    exit 0
fi

sysroot=()
[ -d /usr/share/wasi-sysroot ] && sysroot=(--sysroot=/usr/share/wasi-sysroot)
echo 'int main(void){return 0;}' >"$out/.probe.c"
clang-14 --target=wasm32-wasi "${sysroot[@]}" "$out/.probe.c" -o "$out/.probe.wasm" 2>/dev/null ||
    skip "the WASI C library (wasi-libc) is missing"

stdin=/dev/null expect="" use_dir=0 sandbox=0 envs=()
while [ $# -gt 0 ]; do
    case $1 in
        --stdin) stdin=$2; shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --dir) use_dir=1; shift ;;
        --expect) expect=$2; shift 2 ;;
        --sandbox) sandbox=1; use_dir=1; shift ;;
        --) shift; break ;;
        *) fail "bad option $1" ;;
    esac
done
tag=$(echo "$name $*" | md5sum | cut -c1-8)
compile "$out/$name.wasm" --target=wasm32-wasi "${sysroot[@]}" -O2 "$src" || fail "wasm build"

work="$out/$name.$tag.run"
rm -rf "$work"; mkdir -p "$work"
wafer_opts=()
for e in "${envs[@]+"${envs[@]}"}"; do wafer_opts+=(--env "$e"); done
if [ $sandbox = 1 ]; then
    mkdir -p "$work/sandbox/sub" "$work/outside" "$work/readonly"
    echo inside >"$work/sandbox/inside.txt"
    echo secret >"$work/outside/secret.txt"
    echo data >"$work/readonly/data.txt"
    ln -s ../outside "$work/sandbox/link_out"
    ln -s /etc "$work/sandbox/link_abs"
    ln -s inside.txt "$work/sandbox/link_in"
    wafer_opts+=(--dir "$work/sandbox::/sandbox" --dir "$work/readonly::/readonly:ro")
elif [ $use_dir = 1 ]; then
    mkdir -p "$work/wasm" "$work/native"
    wafer_opts+=(--dir "$work/wasm::/work")
fi
wasm_args=() native_args=()
for a in "$@"; do
    wasm_args+=("${a//@DIR@//work}")
    native_args+=("${a//@DIR@/$work/native}")
done

"$wafer" run "${wafer_opts[@]+"${wafer_opts[@]}"}" "$out/$name.wasm" \
    "${wasm_args[@]+"${wasm_args[@]}"}" <"$stdin" >"$work/wasm.out" 2>"$work/wasm.err"; ws=$?
if [ $sandbox = 1 ]; then
    [ "$(cat "$work/outside/secret.txt")" = secret ] || fail "the file outside was changed"
    [ -z "$(ls "$work/outside" | grep -v secret.txt)" ] || fail "a file appeared outside"
    [ "$(cat "$work/readonly/data.txt")" = data ] || fail "the read-only file was changed"
fi
if [ -n "$expect" ]; then
    cat "$work/wasm.err"
    compare "(expected output)" "$expect" 0 "$work/wasm.out" $ws
    exit 0
fi
compile "$out/$name.native" -O2 "$src" || fail "native build"
env -i "${envs[@]+"${envs[@]}"}" "$out/$name.native" "${native_args[@]+"${native_args[@]}"}" \
    <"$stdin" >"$work/native.out" 2>"$work/native.err"; ns=$?
[ $ws = 0 ] || [ $ws = $ns ] || cat "$work/wasm.err"
compare "$*" "$work/native.out" $ns "$work/wasm.out" $ws
