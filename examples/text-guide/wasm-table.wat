;; Tables and call_indirect: two functions in a funcref table, placed by an
;; active element segment; callByIndex calls the one at index $i through the
;; table, checking its type against $return_i32 at run time.
;;   wafer run --invoke callByIndex examples/text-guide/wasm-table.wat 0   ->  42
;;   wafer run --invoke callByIndex examples/text-guide/wasm-table.wat 1   ->  13
;;   (index 2 traps: undefined element)
(module
  (table 2 funcref)
  (elem (i32.const 0) $f1 $f2)
  (func $f1 (result i32)
    i32.const 42)
  (func $f2 (result i32)
    i32.const 13)
  (type $return_i32 (func (result i32)))
  (func (export "callByIndex") (param $i i32) (result i32)
    local.get $i
    call_indirect (type $return_i32)))
