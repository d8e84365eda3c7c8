;; The runner's time limit (wafer wast --timeout-ms) and the interpreter's
;; interrupt polls: every loop shape below never ends, so each call must be
;; interrupted and fail, and the script goes on; so must a start function
;; that never ends. Expected tallies with --timeout-ms 200: 4 passed, 6 failed.
(module
  ;; a loop whose body is one branch
  (func (export "br") (loop $l (br $l)))
  ;; a loop whose body is one conditional branch: the branch targets itself
  (func (export "br_if_self") (param i32) (result i32)
    (loop $l (br_if $l (local.get 0)))
    (i32.const 7))
  ;; a compare fused with the branch, targeting itself
  (func (export "cmp_br_if_self") (param i32) (result i32)
    (loop $l (br_if $l (i32.ne (local.get 0) (i32.const 5))))
    (i32.const 7))
  ;; a counter that wraps around (2^32 rounds)
  (func (export "countdown") (param i32) (result i32)
    (loop $l
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (i32.const 7))
  ;; br_table back to the loop
  (func (export "br_table") (param i32) (result i32)
    (block $b (loop $l (br_table $l $b (local.get 0))))
    (i32.const 7))
  (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "br"))
(assert_return (invoke "br_if_self" (i32.const 1)) (i32.const 7))
(assert_return (invoke "cmp_br_if_self" (i32.const 0)) (i32.const 7))
(assert_return (invoke "countdown" (i32.const 0)) (i32.const 7))
(assert_return (invoke "br_table" (i32.const 0)) (i32.const 7))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "br_if_self" (i32.const 0)) (i32.const 7))
(assert_return (invoke "br_table" (i32.const 1)) (i32.const 7))
;; a start function that never ends: the module command fails
(module (func $s (loop $l (br $l))) (start $s))
