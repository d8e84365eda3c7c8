;; A one-slot mailbox between requests (threads proposal): one request waits
;; for a value that another request posts.
;;
;; Layout of the shared memory (one per module version, common to every
;; worker): address 0 is the flag (1: a value is waiting), address 4 the
;; value.
;;   curl -d '[5000]' localhost:8080/fn/mailbox/take   waits up to 5000 ms:
;;        [value] once posted, [-1] at the timeout
;;   curl -d '[42]' localhost:8080/fn/mailbox/post     → [woken waiters]
;; A take still waiting when its request deadline (limits.timeout_ms in
;; mailbox.json) passes is interrupted and answered 504; others carry on.
(module
  (import "env" "memory" (memory 1 1 shared))

  ;; Leaves value in the slot, raises the flag and wakes every waiter on it.
  ;; Returns how many waiters were woken.
  (func (export "post") (param $value i32) (result i32)
    (i32.atomic.store (i32.const 4) (local.get $value))
    (i32.atomic.store (i32.const 0) (i32.const 1))
    (memory.atomic.notify (i32.const 0) (i32.const -1)))

  ;; Takes the posted value (lowering the flag), waiting for one up to
  ;; timeout_ms milliseconds each time it sleeps. Returns -1 on timeout.
  (func (export "take") (param $timeout_ms i32) (result i32)
    (local $timeout i64)
    (local.set $timeout
      (i64.mul (i64.extend_i32_u (local.get $timeout_ms)) (i64.const 1000000)))
    (loop $again
      ;; A value is waiting: whoever lowers the flag gets it.
      (if (i32.eq (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 1) (i32.const 0))
                  (i32.const 1))
        (then (return (i32.atomic.load (i32.const 4)))))
      ;; Sleep while the flag is 0: 0 woken, 1 the flag changed, 2 timed out.
      (br_if $again
        (i32.ne (memory.atomic.wait32 (i32.const 0) (i32.const 0) (local.get $timeout))
                (i32.const 2))))
    (i32.const -1)))
