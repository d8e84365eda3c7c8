;; Multi-value: a function with two results; add_two_numbers adds them.
;; A block can also take and return several values (swap).
;;   wafer run --invoke add_two_numbers examples/text-guide/multi-value.wat   ->  3
;;   wafer run --invoke get_two_numbers examples/text-guide/multi-value.wat   ->  1, 2
;;   wafer run --invoke swap examples/text-guide/multi-value.wat 7 9         ->  9, 7
(module
  (func $get_two_numbers (export "get_two_numbers") (result i32 i32)
    i32.const 1
    i32.const 2)
  (func (export "add_two_numbers") (result i32)
    call $get_two_numbers
    i32.add)
  (func (export "swap") (param $a i32) (param $b i32) (result i32 i32)
    local.get $a
    local.get $b
    (block (param i32 i32) (result i32 i32)
      local.set $a
      local.set $b
      local.get $a
      local.get $b)))
