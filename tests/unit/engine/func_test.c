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
    static const uint8_t seven[] = {WF_I32,  WF_I64,     WF_F32,      WF_F64,
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
        case WF_I32:
            args[i].of.i32 = -i;
            break;
        case WF_I64:
            args[i].of.i64 = -((int64_t)i << 40);
            break;
        case WF_F32:
            args[i].of.f32_bits = 0x7FC00000u + (uint32_t)i;
            break;
        case WF_F64:
            args[i].of.f64_bits = 0x7FF8000000000000ull + (uint64_t)i;
            break;
        case WF_V128:
            memset(args[i].of.v128, i, 16);
            args[i].of.v128[15] = 0xEE;
            break;
        case WF_FUNCREF:
            args[i].of.funcref = i % 2 ? f : NULL;
            break;
        case WF_EXTERNREF:
            args[i].of.externref = &object;
            break;
        }
    }
    wf_error_info_t err;
    CHECK_INT(wf_func_call(f, args, N, out, N, &err), WF_OK);
    for (int i = 0; i < N; i++) {
        const wf_val_t *want = &args[N - 1 - i];
        CHECK_INT(out[i].type, want->type);
        switch (want->type) {
        case WF_I32:
            CHECK_INT(out[i].of.i32, want->of.i32);
            break;
        case WF_I64:
            CHECK(out[i].of.i64 == want->of.i64);
            break;
        case WF_F32:
            CHECK_INT(out[i].of.f32_bits, want->of.f32_bits);
            break;
        case WF_F64:
            CHECK(out[i].of.f64_bits == want->of.f64_bits);
            break;
        case WF_V128:
            CHECK(memcmp(out[i].of.v128, want->of.v128, 16) == 0);
            break;
        case WF_FUNCREF:
            CHECK(out[i].of.funcref == want->of.funcref);
            break;
        case WF_EXTERNREF:
            CHECK(out[i].of.externref == want->of.externref);
            break;
        }
    }
    wf_func_free(f);
}

/* ---------------------------------------------------------------------- */
/* Calls into wasm code, and from it into the host                         */
/* ---------------------------------------------------------------------- */

/*
** wat2wasm of:
** (module
**   (import "env" "host" (func $host (param i32) (result i32)))
**   (memory (export "mem") 1)
**   (global $counter (mut i32) (i32.const 0))
**   (func $start (global.set $counter (i32.const 100)))
**   (start $start)
**   (func (export "counter") (result i32) (global.get $counter))
**   (func (export "call_host") (param i32) (result i32) (call $host (local.get 0)))
**   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
**   (func (export "swap") (param i64 f64) (result f64 i64) (local.get 1) (local.get 0)))
*/
static const uint8_t wasm_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1a, 0x05, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e,
    0x7c, 0x02, 0x7c, 0x7e, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x68, 0x6f, 0x73, 0x74,
    0x00, 0x00, 0x03, 0x06, 0x05, 0x01, 0x02, 0x00, 0x03, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06,
    0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x2a, 0x05, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x02, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x03, 0x03, 0x64, 0x69, 0x76, 0x00, 0x04, 0x04, 0x73, 0x77, 0x61,
    0x70, 0x00, 0x05, 0x08, 0x01, 0x01, 0x0a, 0x24, 0x05, 0x07, 0x00, 0x41, 0xe4, 0x00, 0x24, 0x00,
    0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x6d, 0x0b, 0x06, 0x00, 0x20, 0x01, 0x20, 0x00, 0x0b,
};

/* env.host: stores its argument at memory[0] of the caller, returns it doubled. */
static wf_err_t host_from_wasm(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    wf_instance_t *caller = wf_host_call_instance(call);
    CHECK(caller != NULL);
    CHECK(wf_host_call_user_data(call) == (void *)&wasm_module);
    if (caller)
        CHECK(wf_instance_user_data(caller) == (void *)host_from_wasm);
    if (args[0].of.i32 < 0)
        return wf_host_call_trap(call, "negative argument");
    wf_memory_t *memory = wf_host_call_memory(call);
    CHECK(memory != NULL);
    if (memory)
        memcpy(wf_memory_data(memory), &args[0].of.i32, 4);
    results[0].of.i32 = args[0].of.i32 * 2;
    return WF_OK;
}

static void test_wasm_calls(void)
{
    wf_module_t *module;
    wf_error_info_t err;
    wf_err_t rc = wf_module_load(NULL, wasm_module, sizeof wasm_module, &module, &err);
    CHECK_INT(rc, WF_OK);
    if (rc != WF_OK) {
        fprintf(stderr, "load: %s\n", err.message);
        return;
    }
    static const uint8_t i32[] = {WF_I32};
    wf_functype_t ft = {1, 1, i32, i32};
    wf_func_t *host = wf_func_new_host(NULL, &ft, host_from_wasm, (void *)&wasm_module);
    wf_extern_t import = {WF_EXTERN_FUNC, {.func = host}};
    wf_instance_t *inst;
    CHECK_INT(wf_instance_new(module, &import, 1, NULL, &inst, &err), WF_OK);
    wf_module_free(module); /* the instance holds its own reference */
    if (!inst) {
        wf_func_free(host);
        return;
    }
    wf_instance_set_user_data(inst, (void *)host_from_wasm);
    wf_extern_t ext;
    wf_val_t args[2], results[2];

    /* The start function ran. */
    CHECK_INT(wf_instance_export(inst, "counter", &ext), WF_OK);
    CHECK_INT(wf_func_call(ext.of.func, NULL, 0, results, 1, &err), WF_OK);
    CHECK_INT(results[0].type, WF_I32);
    CHECK_INT(results[0].of.i32, 100);

    /* wasm -> host, with the caller's memory. */
    CHECK_INT(wf_instance_export(inst, "call_host", &ext), WF_OK);
    args[0] = (wf_val_t){.type = WF_I32, .of.i32 = 21};
    CHECK_INT(wf_func_call(ext.of.func, args, 1, results, 1, &err), WF_OK);
    CHECK_INT(results[0].of.i32, 42);
    int32_t stored;
    memcpy(&stored, wf_memory_data(wf_instance_memory(inst, 0)), 4);
    CHECK_INT(stored, 21);
    args[0].of.i32 = -1;
    CHECK_INT(wf_func_call(ext.of.func, args, 1, results, 1, &err), WF_ERR_TRAP_HOST);
    CHECK_STR(err.message, "negative argument");

    /* A trap, and the instance stays usable. */
    CHECK_INT(wf_instance_export(inst, "div", &ext), WF_OK);
    args[0] = (wf_val_t){.type = WF_I32, .of.i32 = 7};
    args[1] = (wf_val_t){.type = WF_I32, .of.i32 = 0};
    CHECK_INT(wf_func_call(ext.of.func, args, 2, results, 1, &err), WF_ERR_TRAP_DIV_ZERO);
    CHECK_STR(err.message, "integer divide by zero");
    args[1].of.i32 = -2;
    CHECK_INT(wf_func_call(ext.of.func, args, 2, results, 1, &err), WF_OK);
    CHECK_INT(results[0].of.i32, -3);
    args[1].type = WF_I64;
    CHECK_INT(wf_func_call(ext.of.func, args, 2, results, 1, &err), WF_ERR_ARGUMENT);

    /* Multiple results of two types. */
    CHECK_INT(wf_instance_export(inst, "swap", &ext), WF_OK);
    args[0] = (wf_val_t){.type = WF_I64, .of.i64 = -5};
    args[1] = (wf_val_t){.type = WF_F64, .of.f64_bits = 0x7FF4000000000001ull};
    CHECK_INT(wf_func_call(ext.of.func, args, 2, results, 2, &err), WF_OK);
    CHECK_INT(results[0].type, WF_F64);
    CHECK(results[0].of.f64_bits == 0x7FF4000000000001ull); /* NaN payload kept */
    CHECK_INT(results[1].type, WF_I64);
    CHECK_INT(results[1].of.i64, -5);

    wf_instance_free(inst);
    wf_func_free(host);
}

int main(void)
{
    test_add();
    test_errors();
    test_every_type();
    test_wasm_calls();
    return TEST_DONE();
}
