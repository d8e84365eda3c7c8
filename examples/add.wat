;; add: the JSON-call ABI. POST /fn/add/add with [2, 3] answers [5].
(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
  (func (export "add64") (param $a i64) (param $b i64) (result i64)
    (i64.add (local.get $a) (local.get $b)))
  (func (export "addf") (param $a f64) (param $b f64) (result f64)
    (f64.add (local.get $a) (local.get $b))))
