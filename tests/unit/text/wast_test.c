/*
** Unit tests of the WAST script parser (engine/src/text/wast.c): every
** command kind, values and result patterns, and module forms.
*/
#include <string.h>

#include "test.h"
#include "wf/text.h"

static const char script[] =
    "(module $M (func (export \"f\") (param i32) (result i32) (local.get 0)))\n"
    "(register \"m\" $M)\n"
    "(assert_return (invoke $M \"f\" (i32.const -1)) (i32.const 0xffffffff))\n"
    "(assert_return (invoke \"g\" (f32.const 1.5) (ref.null extern) (ref.extern 7))\n"
    "  (f32.const nan:canonical) (f64.const nan:arithmetic) (ref.null func) (ref.func))\n"
    "(assert_return (invoke \"v\") (v128.const f32x4 1 nan:canonical 2 nan:arithmetic)"
    " (v128.const i16x8 1 2 3 4 5 6 7 -1))\n"
    "(assert_trap (invoke \"t\") \"unreachable\")\n"
    "(assert_exhaustion (invoke \"x\") \"call stack exhausted\")\n"
    "(assert_malformed (module quote \"(func i32.const0)\") \"unknown operator\")\n"
    "(assert_malformed (module binary \"\\00asm\") \"unexpected end\")\n"
    "(assert_invalid (module (func (result i32))) \"type mismatch\")\n"
    "(assert_unlinkable (module (import \"a\" \"b\" (func))) \"unknown import\")\n"
    "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
    "(get \"glob\")\n"
    "(thread $T (shared (module $M)) (register \"mem\" $M) (invoke \"f\" (i32.const 1)))\n"
    "(wait $T)\n"
    "(assert_return (invoke \"r\") (either (i32.const 0) (i32.const 42)))\n"
    "(module (func nop (unknown)))\n";

int main(void)
{
    wf_wast_script_t *s = NULL;
    wf_error_info_t err;
    wf_err_t rc = wf_wast_parse(script, strlen(script), &s, &err);
    CHECK_INT(rc, WF_OK);
    if (rc != WF_OK) {
        fprintf(stderr, "%u:%u: %s\n", err.line, err.column, err.message);
        return TEST_DONE();
    }
    CHECK_INT(s->command_count, 17);
    wf_wast_command_t *c = s->commands;

    CHECK_INT(c[0].kind, WF_WAST_MODULE);
    CHECK_STR(c[0].module.name, "$M");
    CHECK(c[0].module.bytes != NULL);
    CHECK_INT(c[0].module.source_offset, 0);

    CHECK_INT(c[1].kind, WF_WAST_REGISTER);
    CHECK_STR(c[1].name, "m");
    CHECK_STR(c[1].module_ref, "$M");
    CHECK_INT(c[1].line, 2);

    CHECK_INT(c[2].kind, WF_WAST_ASSERT_RETURN);
    CHECK_STR(c[2].action.module, "$M");
    CHECK_STR(c[2].action.name, "f");
    CHECK_INT(c[2].action.arg_count, 1);
    CHECK_INT(c[2].action.args[0].of.i32, -1);
    CHECK_INT(c[2].results[0].of.i32, -1);

    CHECK_INT(c[3].action.arg_count, 3);
    CHECK_INT(c[3].action.args[0].of.f32_bits, 0x3FC00000);
    CHECK_INT(c[3].action.args[1].kind, WF_WAST_VALUE_REF_NULL);
    CHECK_INT(c[3].action.args[1].type, 0x6F);
    CHECK_INT(c[3].action.args[2].kind, WF_WAST_VALUE_REF_HOST);
    CHECK_INT(c[3].action.args[2].of.ref, 7);
    CHECK_INT(c[3].result_count, 4);
    CHECK_INT(c[3].results[0].kind, WF_WAST_VALUE_NAN_CANONICAL);
    CHECK_INT(c[3].results[1].kind, WF_WAST_VALUE_NAN_ARITHMETIC);
    CHECK_INT(c[3].results[2].type, 0x70);
    CHECK_INT(c[3].results[3].kind, WF_WAST_VALUE_REF_ANY);

    CHECK_INT(c[4].results[0].kind, WF_WAST_VALUE_V128_LANES);
    CHECK_INT(c[4].results[0].shape, WF_WAST_F32X4);
    CHECK_INT(c[4].results[0].lane_kind[1], WF_WAST_VALUE_NAN_CANONICAL);
    CHECK_INT(c[4].results[0].lane_kind[3], WF_WAST_VALUE_NAN_ARITHMETIC);
    CHECK_INT(c[4].results[0].of.v128[2], 0x80); /* 1.0f = 0x3f800000, little-endian */
    CHECK_INT(c[4].results[1].kind, WF_WAST_VALUE_EXACT);
    CHECK_INT(c[4].results[1].of.v128[14], 0xFF);

    CHECK_INT(c[5].kind, WF_WAST_ASSERT_TRAP);
    CHECK_STR(c[5].message, "unreachable");
    CHECK_INT(c[6].kind, WF_WAST_ASSERT_EXHAUSTION);

    CHECK_INT(c[7].kind, WF_WAST_ASSERT_MALFORMED);
    CHECK_INT(c[7].module.form, WF_WAST_FORM_QUOTE);
    CHECK(c[7].module.bytes == NULL);
    CHECK_STR(c[7].module.text, "(func i32.const0)");
    CHECK_INT(c[8].module.form, WF_WAST_FORM_BINARY);
    CHECK_INT(c[8].module.size, 4);

    CHECK_INT(c[9].kind, WF_WAST_ASSERT_INVALID);
    CHECK(c[9].module.bytes != NULL);
    CHECK_INT(c[10].kind, WF_WAST_ASSERT_UNLINKABLE);
    CHECK_INT(c[11].kind, WF_WAST_ASSERT_TRAP);
    CHECK(c[11].has_module);
    CHECK_INT(c[12].kind, WF_WAST_ACTION);
    CHECK_INT(c[12].action.kind, WF_WAST_GET);

    CHECK_INT(c[13].kind, WF_WAST_THREAD);
    CHECK_STR(c[13].name, "$T");
    CHECK_INT(c[13].shared_count, 1);
    CHECK_STR(c[13].shared[0], "$M");
    CHECK_INT(c[13].command_count, 2);
    CHECK_INT(c[14].kind, WF_WAST_WAIT);
    CHECK_INT(c[15].results[0].kind, WF_WAST_VALUE_EITHER);
    CHECK_INT(c[15].results[0].alternative_count, 2);
    CHECK_INT(c[15].results[0].alternatives[1].of.i32, 42);

    /* A module that does not encode is kept, with its error. */
    CHECK_INT(c[16].kind, WF_WAST_MODULE);
    CHECK(c[16].module.bytes == NULL);
    CHECK_INT(c[16].module.error.line, 18);
    wf_wast_free(s);

    /* A script that is not well-formed is an error with its position. */
    CHECK_INT(wf_wast_parse("(assert_return (invoke \"f\")", 27, &s, &err), WF_ERR_TEXT);
    CHECK_INT(err.line, 1);
    CHECK_INT(wf_wast_parse("(bogus)", 7, &s, &err), WF_ERR_TEXT);
    return TEST_DONE();
}
