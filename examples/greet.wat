;; greet: the string adapter ABI, in WAT. The host writes the request body
;; into memory through cabi_realloc and calls greet(ptr, len); greet returns
;; (ptr, len) of "Hello, <name>!" as two values (multi-value).
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 0) "Hello, ")
  (data (i32.const 7) "!")

  ;; A bump allocator: cabi_realloc(old_ptr, old_size, align, new_size).
  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    ;; round the heap up to align
    (local.set $ptr
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    ;; grow memory when the heap passes its end
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.lt_s
              (memory.grow
                (i32.add (i32.shr_u (i32.sub (global.get $heap)
                                             (i32.mul (memory.size) (i32.const 65536)))
                                    (i32.const 16))
                         (i32.const 1)))
              (i32.const 0))
          (then unreachable))))
    (local.get $ptr))

  (func (export "greet") (param $ptr i32) (param $len i32) (result i32 i32)
    (local $out i32)
    (local.set $out (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                        (i32.add (local.get $len) (i32.const 8))))
    (memory.copy (local.get $out) (i32.const 0) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (i32.add (local.get $out) (i32.const 7)) (local.get $len))
                (i32.const 33))
    (local.get $out)
    (i32.add (local.get $len) (i32.const 8))))
