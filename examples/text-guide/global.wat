;; A mutable global imported from the host ("js" "global"): wasm reads it
;; with getGlobal and bumps it with incGlobal; the host sees the new value.
(module
  (global $g (import "js" "global") (mut i32))
  (func (export "getGlobal") (result i32)
    (global.get $g))
  (func (export "incGlobal")
    (global.set $g
      (i32.add (global.get $g) (i32.const 1)))))
