;; Strings in linear memory: the memory is imported from the host
;; ("js" "mem"), an active data segment puts "Hi" at offset 0, and writeHi
;; hands (offset, length) to the host's console.log, which reads the bytes.
(module
  (import "console" "log" (func $log (param i32 i32)))
  (import "js" "mem" (memory 1))
  (data (i32.const 0) "Hi")
  (func (export "writeHi")
    i32.const 0  ;; offset
    i32.const 2  ;; length
    call $log))
