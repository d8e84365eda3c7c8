;; A CGI program that writes a header block, then body bytes without end.
;; The output limit must stop it (the request fails cleanly).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 0: the header at 64 (26 bytes); iovec at 8: 1024 body bytes at 1024
  (data (i32.const 0) "\40\00\00\00\1a\00\00\00\00\04\00\00\00\04\00\00")
  (data (i32.const 64) "Content-Type: text/plain\n\n")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 32)))
      (br $again))))
