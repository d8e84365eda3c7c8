;; A request counter shared by every worker (threads proposal).
;;
;; The module imports a shared memory: the daemon makes one per module
;; version and hands it to every instance on every worker, so all requests
;; see the same counter. memory.atomic add keeps concurrent increments exact.
;;   curl -d '[]' localhost:8080/fn/counter/next   → [1], [2], ...
;;   curl -d '[]' localhost:8080/fn/counter/get    → the current count
(module
  (import "env" "memory" (memory 1 1 shared))
  ;; Adds one to the counter at address 0; returns the new value.
  (func (export "next") (result i32)
    (i32.add (i32.atomic.rmw.add (i32.const 0) (i32.const 1)) (i32.const 1)))
  ;; The current value.
  (func (export "get") (result i32)
    (i32.atomic.load (i32.const 0))))
