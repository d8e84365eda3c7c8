#!/bin/sh
# wafer compile: a text module becomes the same bytes wat2wasm writes (when
# wat2wasm is installed), and a broken one fails with FILE:LINE:COL.
# usage: compile_test.sh WAFER WORKDIR
set -u
wafer=$1
dir=$2
mkdir -p "$dir"
status=0

cat > "$dir/guide.wat" <<'WAT'
(module
  (import "console" "log" (func $log (param i32 i32)))
  (import "js" "mem" (memory 1))
  (global $g (import "js" "global") (mut i32))
  (data (i32.const 0) "Hi")
  (table 2 funcref)
  (elem (i32.const 0) $f1 $f2)
  (type $return_i32 (func (result i32)))
  (func $f1 (result i32) i32.const 42)
  (func $f2 (result i32) i32.const 13)
  (func (export "callByIndex") (param $i i32) (result i32)
    local.get $i
    call_indirect (type $return_i32))
  (func $getAnswer (result i32) i32.const 42)
  (func (export "getAnswerPlus1") (result i32)
    call $getAnswer
    i32.const 1
    i32.add)
  (func (export "writeHi") (call $log (i32.const 0) (i32.const 2)))
  (func (export "getGlobal") (result i32) (global.get $g))
  (func $swap (export "swap") (param i32 i32) (result i32 i32)
    (local.get 1) (local.get 0))
  (func (export "fill") (memory.fill (i32.const 0) (i32.const 0) (i32.const 2))))
WAT
if ! "$wafer" compile "$dir/guide.wat" -o "$dir/guide.wasm"; then
    echo "FAIL: wafer compile guide.wat"
    status=1
elif command -v wat2wasm > /dev/null; then
    wat2wasm "$dir/guide.wat" -o "$dir/guide.ref.wasm"
    if ! cmp "$dir/guide.wasm" "$dir/guide.ref.wasm"; then
        echo "FAIL: guide.wasm differs from wat2wasm's"
        status=1
    fi
fi

printf '(module\n  (func (i32.const0)))\n' > "$dir/broken.wat"
"$wafer" compile "$dir/broken.wat" -o "$dir/broken.wasm" 2> "$dir/broken.err"
code=$?
if [ $code -ne 1 ] || ! grep -q "broken.wat:2:10: unknown operator" "$dir/broken.err"; then
    echo "FAIL: broken.wat: exit $code, stderr: $(cat "$dir/broken.err")"
    status=1
fi
[ $status -eq 0 ] && echo "compile: ok"
exit $status
