;; Self-test of `wafer wast`: every command but the first module must FAIL,
;; each for a different reason; CTest (spec.selftest.fail) expects the tally
;; "1 passed, 11 failed".

(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "nan") (result f32) (f32.const nan:0x200000))
  (func (export "neg-nan") (result f64) (f64.const -nan:0x4000000000000))
  (func (export "zero") (result f64) (f64.const -0))
  (func (export "id-extern") (param externref) (result externref) (local.get 0))
  (func (export "nothing"))
)
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "neg-nan") (f64.const nan:arithmetic))
(assert_return (invoke "zero") (f64.const 0))
(assert_return (invoke "id-extern" (ref.extern 1)) (ref.extern 2))
(assert_trap (invoke "nothing") "unreachable")
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")
(assert_unlinkable (module (import "spectest" "print" (func))) "unknown import")
(module $M (import "spectest" "nothing" (func)))
(register "M" $M)
