;; The guide's first function: two named parameters, one result, the body in
;; linear (stack-machine) form, exported by a top-level export.
;;   wafer run --invoke add examples/text-guide/add.wat 2 3   ->  5
(module
  (func $add (param $lhs i32) (param $rhs i32) (result i32)
    local.get $lhs
    local.get $rhs
    i32.add)
  (export "add" (func $add)))
