;; Importing a function from the host: console.log takes one i32. logIt
;; calls it with 13. Needs the host to provide "console" "log".
(module
  (import "console" "log" (func $log (param i32)))
  (func (export "logIt")
    i32.const 13
    call $log))
