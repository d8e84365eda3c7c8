;; Sharing a memory and a table between two modules, part 1 of 2 (see
;; shared1.wat). Both import the same "js" "memory" and "js" "table" from the
;; host. This one puts $shared0func into table slot 0; that function returns
;; the i32 stored at address 0 of the shared memory.
(module
  (import "js" "memory" (memory 1))
  (import "js" "table" (table 1 funcref))
  (elem (i32.const 0) $shared0func)
  (func $shared0func (result i32)
    i32.const 0
    i32.load))
