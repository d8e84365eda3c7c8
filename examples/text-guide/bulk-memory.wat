;; Bulk memory operations: memory.fill, memory.copy, and a passive data
;; segment copied in by memory.init until data.drop discards it (after which
;; an init of a non-zero length traps: out of bounds memory access).
;; The memory is exported so the host can look at the effects.
;;   wafer run --invoke fill examples/text-guide/bulk-memory.wat 0 65 3
(module
  (memory (export "memory") 1)
  (data $greeting "Hello")  ;; passive: no offset, copied only by memory.init
  (func (export "fill") (param $dest i32) (param $value i32) (param $len i32)
    (memory.fill (local.get $dest) (local.get $value) (local.get $len)))
  (func (export "copy") (param $dest i32) (param $src i32) (param $len i32)
    (memory.copy (local.get $dest) (local.get $src) (local.get $len)))
  (func (export "init") (param $dest i32)
    (memory.init $greeting (local.get $dest) (i32.const 0) (i32.const 5)))
  (func (export "drop")
    (data.drop $greeting))
  (func (export "load8") (param $addr i32) (result i32)
    (i32.load8_u (local.get $addr))))
