;; Sharing a memory and a table between two modules, part 2 of 2 (see
;; shared0.wat). doIt stores 42 at address 0 of the shared memory, then calls
;; table slot 0 -- the function shared0.wat put there -- which loads it back:
;; doIt returns 42.
(module
  (import "js" "memory" (memory 1))
  (import "js" "table" (table 1 funcref))
  (type $void_to_i32 (func (result i32)))
  (func (export "doIt") (result i32)
    i32.const 0
    i32.const 42
    i32.store   ;; store 42 at address 0
    i32.const 0
    call_indirect (type $void_to_i32)))
