;; Calling one function from another: getAnswerPlus1 calls $getAnswer (42)
;; and adds 1. The export is written inline, inside the func.
;;   wafer run --invoke getAnswerPlus1 examples/text-guide/call.wat   ->  43
(module
  (func $getAnswer (result i32)
    i32.const 42)
  (func (export "getAnswerPlus1") (result i32)
    call $getAnswer
    i32.const 1
    i32.add))
