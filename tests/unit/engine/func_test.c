/* Tests of engine/src/func.c: host functions called through wf_func_call and wf__host_call. */
#include "objects.h"
#include "test.h"

static wf_err_t add(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    int *calls = wf_host_call_user_data(call);
    (*calls)++;
    CHECK(wf_host_call_instance(call) == NULL);
    CHECK(wf_host_call_memory(call) == NULL);
    results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
    return WF_OK;
}

static wf_err_t trap_with_message(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    return wf_host_call_trap(call, "no such file");
}

static wf_err_t trap_bare(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    return WF_ERR_TRAP_HOST;
}

static wf_err_t divide_by_zero(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    return WF_ERR_TRAP_DIV_ZERO;
}

static wf_err_t exit_3(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    return wf_host_call_exit(call, 3);
}

/* (i32 i64 f32 f64 v128 funcref externref) x 6 params -> the same 7 results, reversed. */
static wf_err_t reverse(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    const wf_functype_t *type = wf_host_call_user_data(call);
    for (uint32_t i = 0; i < type->result_count; i++) {
        results[i] = args[type->param_count - 1 - i];
        results[i].type = WF_I32; /* a wrong tag: the declared type wins */
    }
    return WF_OK;
}

static void test_add(void)
{
    static const uint8_t params[] = {WF_I32, WF_I32}, results[] = {WF_I32};
    wf_functype_t type = {2, 1, params, results};
    int calls = 0;
    wf_func_t *f = wf_func_new_host(NULL, &type, add, &calls);
    CHECK(f != NULL);
    wf_functype_t view = wf_func_type(f);
    CHECK_INT(view.param_count, 2);
    CHECK_INT(view.result_count, 1);
    CHECK(view.params != params); /* copied */
    CHECK_INT(view.params[1], WF_I32);
    CHECK_INT(view.results[0], WF_I32);

    wf_val_t args[2] = {{.type = WF_I32, .of.i32 = 40}, {.type = WF_I32, .of.i32 = 2}};
    wf_val_t out[2];
    wf_error_info_t err;
    CHECK_INT(wf_func_call(f, args, 2, out, 1, &err), WF_OK);
    CHECK_INT(out[0].type, WF_I32);
    CHECK_INT(out[0].of.i32, 42);
    CHECK_INT(calls, 1);
    CHECK_INT(wf_func_call(f, args, 2, out, 2, NULL), WF_OK); /* more room is fine */

    CHECK_INT(wf_func_call(f, args, 1, out, 1, &err), WF_ERR_ARGUMENT);
    CHECK_STR(err.message, "expected 2 arguments, got 1");
    CHECK_INT(wf_func_call(f, args, 2, out, 0, &err), WF_ERR_ARGUMENT);
    args[1].type = WF_I64;
    CHECK_INT(wf_func_call(f, args, 2, out, 1, &err), WF_ERR_ARGUMENT);
    CHECK_STR(err.message, "argument 1: expected i32, got i64");
    CHECK_INT(calls, 2);

    /* The slot interface the interpreter uses. */
    uint64_t slots[2] = {0xFFFFFFFF00000005ull, 7};
    CHECK_INT(wf__host_call(f, NULL, slots, NULL), WF_OK);
    CHECK_INT((uint32_t)slots[0], 12);
    wf_func_free(f);
    wf_func_free(NULL);
}

static void test_errors(void)
{
    wf_functype_t type = {0, 0, NULL, NULL};
    wf_error_info_t err;
    wf_func_t *f = wf_func_new_host(NULL, &type, trap_with_message, NULL);
    CHECK_INT(wf_func_call(f, NULL, 0, NULL, 0, &err), WF_ERR_TRAP_HOST);
    CHECK_INT(err.code, WF_ERR_TRAP_HOST);
    CHECK_STR(err.message, "no such file");
    CHECK_INT(wf_func_call(f, NULL, 0, NULL, 0, NULL), WF_ERR_TRAP_HOST);
    wf_func_free(f);

    f = wf_func_new_host(NULL, &type, trap_bare, NULL);
    CHECK_INT(wf_func_call(f, NULL, 0, NULL, 0, &err), WF_ERR_TRAP_HOST);
    CHECK_STR(err.message, "host function trapped");
    wf_func_free(f);

    f = wf_func_new_host(NULL, &type, divide_by_zero, NULL);
    CHECK_INT(wf_func_call(f, NULL, 0, NULL, 0, &err), WF_ERR_TRAP_DIV_ZERO);
    CHECK_STR(err.message, "integer divide by zero");
    wf_func_free(f);

    f = wf_func_new_host(NULL, &type, exit_3, NULL);
    CHECK_INT(wf_func_call(f, NULL, 0, NULL, 0, &err), WF_ERR_EXIT);
    CHECK_INT(err.exit_code, 3);
    wf_func_free(f);

    static const uint8_t bad[] = {0x40};
    wf_functype_t bad_type = {1, 0, bad, NULL};
    CHECK(wf_func_new_host(NULL, &bad_type, trap_bare, NULL) == NULL);
    CHECK(wf_func_new_host(NULL, &type, NULL, NULL) == NULL);
    CHECK_INT(wf_func_call(NULL, NULL, 0, NULL, 0, &err), WF_ERR_ARGUMENT);
}

static void test_every_type(void)
{
    static const uint8_t seven[] = {WF_I32, WF_I64,  WF_F32,     WF_F64,
                                    WF_V128, WF_FUNCREF, WF_EXTERNREF};
    enum { N = 42 }; /* 6 of each: 48 slots, past the on-stack buffers */
    uint8_t params[N], results[N];
    for (int i = 0; i < N; i++)
        params[i] = seven[i % 7];
    for (int i = 0; i < N; i++)
        results[i] = params[N - 1 - i];
    wf_functype_t type = {N, N, params, results};
    wf_func_t *f = wf_func_new_host(NULL, &type, reverse, &type);
    CHECK(f != NULL);
    wf_val_t args[N], out[N];
    int object;
    for (int i = 0; i < N; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].type = (wf_valtype_t)params[i];
        switch (params[i]) {
        case WF_I32: args[i].of.i32 = -i; break;
        case WF_I64: args[i].of.i64 = -((int64_t)i << 40); break;
        case WF_F32: args[i].of.f32_bits = 0x7FC00000u + (uint32_t)i; break;
        case WF_F64: args[i].of.f64_bits = 0x7FF8000000000000ull + (uint64_t)i; break;
        case WF_V128: memset(args[i].of.v128, i, 16); args[i].of.v128[15] = 0xEE; break;
        case WF_FUNCREF: args[i].of.funcref = i % 2 ? f : NULL; break;
        case WF_EXTERNREF: args[i].of.externref = &object; break;
        }
    }
    wf_error_info_t err;
    CHECK_INT(wf_func_call(f, args, N, out, N, &err), WF_OK);
    for (int i = 0; i < N; i++) {
        const wf_val_t *want = &args[N - 1 - i];
        CHECK_INT(out[i].type, want->type);
        switch (want->type) {
        case WF_I32: CHECK_INT(out[i].of.i32, want->of.i32); break;
        case WF_I64: CHECK(out[i].of.i64 == want->of.i64); break;
        case WF_F32: CHECK_INT(out[i].of.f32_bits, want->of.f32_bits); break;
        case WF_F64: CHECK(out[i].of.f64_bits == want->of.f64_bits); break;
        case WF_V128: CHECK(memcmp(out[i].of.v128, want->of.v128, 16) == 0); break;
        case WF_FUNCREF: CHECK(out[i].of.funcref == want->of.funcref); break;
        case WF_EXTERNREF: CHECK(out[i].of.externref == want->of.externref); break;
        }
    }
    wf_func_free(f);
}

int main(void)
{
    test_add();
    test_errors();
    test_every_type();
    return TEST_DONE();
}
