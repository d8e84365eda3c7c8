;; Imports something that is not WASI: linking must fail, naming it.
(module
  (import "env" "mystery" (func (param i32)))
  (func (export "_start")))
