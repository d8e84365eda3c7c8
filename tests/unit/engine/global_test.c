/* Tests of engine/src/global.c: every type, mutability, the slot encoding. */
#include "objects.h"
#include "test.h"

static void test_types(void)
{
    wf_global_t *g;
    wf_val_t v = {.type = WF_I32, .of.i32 = -5};
    CHECK_INT(wf_global_new(WF_I32, false, &v, &g), WF_OK);
    CHECK_INT(wf_global_type(g), WF_I32);
    CHECK(!wf_global_mutable(g));
    CHECK_INT(g->value[0], 0xFFFFFFFBu); /* i32 slot: low 32 bits */
    wf_val_t out;
    wf_global_get(g, &out);
    CHECK_INT(out.type, WF_I32);
    CHECK_INT(out.of.i32, -5);
    v.of.i32 = 1;
    CHECK_INT(wf_global_set(g, &v), WF_ERR_ARGUMENT); /* immutable */
    wf_global_free(g);

    v = (wf_val_t){.type = WF_I64, .of.i64 = INT64_MIN};
    CHECK_INT(wf_global_new(WF_I64, true, &v, &g), WF_OK);
    CHECK(wf_global_mutable(g));
    v.of.i64 = 42;
    CHECK_INT(wf_global_set(g, &v), WF_OK);
    wf_global_get(g, &out);
    CHECK_INT(out.of.i64, 42);
    wf_val_t wrong = {.type = WF_I32, .of.i32 = 1};
    CHECK_INT(wf_global_set(g, &wrong), WF_ERR_ARGUMENT);
    wf_global_free(g);

    v = (wf_val_t){.type = WF_F32, .of.f32_bits = 0x7FA00001u}; /* a signalling NaN */
    CHECK_INT(wf_global_new(WF_F32, false, &v, &g), WF_OK);
    wf_global_get(g, &out);
    CHECK_INT(out.of.f32_bits, 0x7FA00001u);
    wf_global_free(g);

    v = (wf_val_t){.type = WF_F64, .of.f64_bits = 0xFFF4000000000001ull};
    CHECK_INT(wf_global_new(WF_F64, true, &v, &g), WF_OK);
    wf_global_get(g, &out);
    CHECK(out.of.f64_bits == 0xFFF4000000000001ull);
    wf_global_free(g);

    v = (wf_val_t){.type = WF_V128};
    for (int i = 0; i < 16; i++)
        v.of.v128[i] = (uint8_t)(i + 1);
    CHECK_INT(wf_global_new(WF_V128, true, &v, &g), WF_OK);
    CHECK_INT(g->value[0] & 0xFF, 1); /* low half first */
    CHECK_INT(g->value[1] & 0xFF, 9);
    wf_global_get(g, &out);
    CHECK(memcmp(out.of.v128, v.of.v128, 16) == 0);
    wf_global_free(g);

    int object;
    v = (wf_val_t){.type = WF_EXTERNREF, .of.externref = &object};
    CHECK_INT(wf_global_new(WF_EXTERNREF, true, &v, &g), WF_OK);
    wf_global_get(g, &out);
    CHECK(out.of.externref == &object);
    v.of.externref = NULL;
    CHECK_INT(wf_global_set(g, &v), WF_OK);
    wf_global_get(g, &out);
    CHECK(out.of.externref == NULL);
    CHECK(wf_global_retain(g) == g);
    wf_global_free(g);
    wf_global_free(g);
    wf_global_free(NULL);

    v = (wf_val_t){.type = WF_FUNCREF};
    CHECK_INT(wf_global_new(WF_FUNCREF, false, &v, &g), WF_OK);
    wf_global_get(g, &out);
    CHECK_INT(out.type, WF_FUNCREF);
    CHECK(out.of.funcref == NULL);
    wf_global_free(g);
}

static void test_errors(void)
{
    wf_global_t *g = (wf_global_t *)1;
    wf_val_t v = {.type = WF_I64, .of.i64 = 1};
    CHECK_INT(wf_global_new(WF_I32, false, &v, &g), WF_ERR_ARGUMENT);
    CHECK(g == NULL);
    CHECK_INT(wf_global_new(WF_I32, false, NULL, &g), WF_ERR_ARGUMENT);
    v.type = (wf_valtype_t)0x40;
    CHECK_INT(wf_global_new((wf_valtype_t)0x40, false, &v, &g), WF_ERR_ARGUMENT);
}

int main(void)
{
    test_types();
    test_errors();
    return TEST_DONE();
}
