/*
** Tests of engine/src/interp.c: calls without C recursion, traps with exact
** offsets and a usable instance afterwards, stack exhaustion, fuel and
** interrupts, host functions calling back into the instance, calls across
** instances (each with its own memory), and the spec's numeric edge cases
** seen through whole functions. Modules come from WAT through the engine's
** own text front end.
*/
#include "runtime.h"
#include "test.h"
#include "wat_util.h"
#include "wf/text.h"

static wf_val_t i32(int32_t v)
{
    return (wf_val_t){.type = WF_I32, .of.i32 = v};
}
static wf_val_t i64(int64_t v)
{
    return (wf_val_t){.type = WF_I64, .of.i64 = v};
}

/* Calls a function of (i32...) -> i32; returns the result or the error code. */
static int64_t call_i32(wf_instance_t *instance, const char *name, int n, int32_t a, int32_t b,
                        wf_error_info_t *err)
{
    wf_func_t *f = export_func(instance, name);
    if (!f)
        return -99999;
    wf_val_t args[2] = {i32(a), i32(b)}, result;
    wf_err_t rc = wf_func_call(f, args, (size_t)n, &result, 1, err);
    return rc == WF_OK ? result.of.i32 : rc;
}

/* ---------------------------------------------------------------------- */

static const char fib_wat[] =
    "(module"
    "  (func $fib (export \"fib\") (param i32) (result i32)"
    "    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))"
    "      (then (local.get 0))"
    "      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
    "                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
    "  (func $down (export \"down\") (param i32) (result i32)"
    "    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))"
    "      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))"
    "  (func (export \"div\") (param i32 i32) (result i32)"
    "    (i32.div_s (local.get 0) (local.get 1)))"
    "  (func (export \"boom\") (param i32 i32) (result i32) unreachable))";

static void test_calls_and_traps(void)
{
    wf_module_t *m = load(fib_wat);
    wf_instance_limits_t limits = {.max_call_depth = 1000};
    wf_instance_t *inst = instantiate(m, NULL, 0, &limits);
    CHECK(inst != NULL);
    if (!inst)
        return;
    wf_error_info_t err;
    CHECK_INT(call_i32(inst, "fib", 1, 20, 0, &err), 6765);
    CHECK_INT(call_i32(inst, "down", 1, 900, 0, &err), 900);
    /* Deeper than the limit: a trap, not a crash; then the instance works. */
    CHECK_INT(call_i32(inst, "down", 1, 5000, 0, &err), WF_ERR_TRAP_STACK_EXHAUSTED);
    CHECK_STR(err.message, "call stack exhausted");
    CHECK_INT(call_i32(inst, "down", 1, 999, 0, &err), 999);
    CHECK_INT(call_i32(inst, "div", 2, 7, 0, &err), WF_ERR_TRAP_DIV_ZERO);
    CHECK_STR(err.message, "integer divide by zero");
    CHECK_INT(err.func_index, 2);
    /* The offset points at the div_s opcode: local.get 0, local.get 1 come
       first (2 bytes each) after the body's local declarations. */
    size_t div_offset = err.offset;
    CHECK(div_offset > 0);
    CHECK_INT(call_i32(inst, "div", 2, INT32_MIN, -1, &err), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(err.offset, div_offset);
    CHECK_INT(m->bytes[div_offset], 0x6D); /* i32.div_s */
    CHECK_INT(call_i32(inst, "boom", 2, 0, 0, &err), WF_ERR_TRAP_UNREACHABLE);
    CHECK_INT(m->bytes[err.offset], 0x00);
    CHECK_INT(call_i32(inst, "div", 2, -7, 2, &err), -3);
    wf_instance_free(inst);
    wf_module_free(m);
}

static const char loop_wat[] = "(module"
                               "  (func (export \"spin\") (param i32) (result i32)"
                               "    (local i32)"
                               "    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
                               "      (br_if $l (i32.ne (local.get 1) (local.get 0))))"
                               "    (local.get 1)))";

static void test_fuel_and_interrupt(void)
{
    wf_module_t *m = load(loop_wat);
    wf_instance_t *inst = instantiate(m, NULL, 0, NULL);
    CHECK(inst != NULL);
    if (!inst)
        return;
    wf_error_info_t err;
    CHECK_INT(call_i32(inst, "spin", 1, 100000, 0, &err), 100000);
    wf_instance_set_fuel(inst, 1000);
    CHECK_INT(call_i32(inst, "spin", 1, 100000, 0, &err), WF_ERR_TRAP_FUEL);
    /* The budget is per call: a fuel trap does not leave the instance
       exhausted, and a call that fits runs again and again. */
    CHECK_INT(wf_instance_fuel(inst), 1000);
    CHECK_INT(call_i32(inst, "spin", 1, 500, 0, &err), 500);
    CHECK_INT(call_i32(inst, "spin", 1, 500, 0, &err), 500);
    CHECK_INT(call_i32(inst, "spin", 1, 100000, 0, &err), WF_ERR_TRAP_FUEL);
    CHECK_INT(call_i32(inst, "spin", 1, 800, 0, &err), 800);
    wf_instance_set_fuel(inst, 0);
    CHECK_INT(call_i32(inst, "spin", 1, 10, 0, &err), 10);
    wf_instance_interrupt(inst);
    CHECK_INT(call_i32(inst, "spin", 1, 0, 0, &err), WF_ERR_TRAP_INTERRUPTED);
    wf_instance_clear_interrupt(inst);
    CHECK_INT(call_i32(inst, "spin", 1, 10, 0, &err), 10);
    wf_instance_free(inst);
    wf_module_free(m);
}

/* Bulk instructions burn fuel by their size: one unit per KiB or 256 elements. */
static const char bulk_wat[] =
    "(module (memory 4) (table 4096 funcref) (data $d \"abcdefgh\")"
    "  (func (export \"fill\") (param i32) (result i32)"
    "    (memory.fill (i32.const 0) (i32.const 7) (local.get 0)) (i32.const 1))"
    "  (func (export \"copy\") (param i32) (result i32)"
    "    (memory.copy (i32.const 65536) (i32.const 0) (local.get 0)) (i32.const 1))"
    "  (func (export \"tfill\") (param i32) (result i32)"
    "    (table.fill (i32.const 0) (ref.null func) (local.get 0)) (i32.const 1)))";

static void test_bulk_fuel(void)
{
    wf_module_t *m = load(bulk_wat);
    wf_instance_t *inst = instantiate(m, NULL, 0, NULL);
    CHECK(inst != NULL);
    if (!inst)
        return;
    wf_error_info_t err;
    wf_instance_set_fuel(inst, 100);
    CHECK_INT(call_i32(inst, "fill", 1, 64 * 1024, 0, &err), 1);  /* 64 units */
    CHECK_INT(call_i32(inst, "fill", 1, 128 * 1024, 0, &err), WF_ERR_TRAP_FUEL);
    CHECK_INT(wf_memory_data(wf_instance_memory(inst, 0))[100 * 1024], 0); /* before it acted */
    CHECK_INT(call_i32(inst, "copy", 1, 64 * 1024, 0, &err), 1);
    CHECK_INT(call_i32(inst, "copy", 1, 128 * 1024, 0, &err), WF_ERR_TRAP_FUEL);
    CHECK_INT(call_i32(inst, "tfill", 1, 4096, 0, &err), 1); /* 16 units */
    wf_instance_set_fuel(inst, 10);
    CHECK_INT(call_i32(inst, "tfill", 1, 4096, 0, &err), WF_ERR_TRAP_FUEL);
    CHECK_INT(call_i32(inst, "fill", 1, 1023, 0, &err), 1); /* under a KiB: free */
    wf_instance_set_fuel(inst, 0); /* no budget: no limit */
    CHECK_INT(call_i32(inst, "fill", 1, 4 * 65536, 0, &err), 1);
    wf_instance_free(inst);
    wf_module_free(m);
}

/* ---------------------------------------------------------------------- */
/* Host functions calling back in                                         */
/* ---------------------------------------------------------------------- */

typedef struct reenter {
    wf_func_t *target; /* an export of the instance to call back */
    int calls;
} reenter_t;

/* host(n): returns target(n - 1) + 1 by calling back into wasm. */
static wf_err_t host_reenter(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    reenter_t *r = wf_host_call_user_data(call);
    r->calls++;
    results[0].type = WF_I32;
    if (args[0].of.i32 <= 0) {
        results[0].of.i32 = 0;
        return WF_OK;
    }
    wf_val_t arg = i32(args[0].of.i32 - 1), result;
    wf_error_info_t err;
    wf_err_t rc = wf_func_call(r->target, &arg, 1, &result, 1, &err);
    if (rc != WF_OK)
        return rc;
    results[0].of.i32 = result.of.i32 + 1;
    return WF_OK;
}

static const char reenter_wat[] =
    "(module"
    "  (import \"env\" \"host\" (func $host (param i32) (result i32)))"
    "  (memory (export \"mem\") 1)"
    "  (func (export \"wasm\") (param i32) (result i32)"
    "    (local i32)"
    "    (local.set 1 (i32.mul (local.get 0) (i32.const 1000)))"
    "    (i32.store (i32.const 0) (local.get 0))"
    /* the local and the stack value below the call survive reentry */
    "    (i32.add (local.get 1)"
    "      (i32.add (call $host (local.get 0)) (i32.sub (local.get 1) (local.get 1)))))"
    "  (func (export \"trapper\") (param i32) (result i32)"
    "    (if (i32.eqz (local.get 0)) (then unreachable))"
    "    (call $host (local.get 0))))";

static void test_reentry(void)
{
    static const uint8_t p[] = {WF_I32}, r[] = {WF_I32};
    wf_functype_t type = {1, 1, p, r};
    reenter_t state = {0};
    wf_func_t *host = wf_func_new_host(NULL, &type, host_reenter, &state);
    wf_module_t *m = load(reenter_wat);
    wf_extern_t imp = {.kind = WF_EXTERN_FUNC, .of.func = host};
    wf_instance_t *inst = instantiate(m, &imp, 1, NULL);
    CHECK(inst != NULL);
    if (!inst) {
        wf_func_free(host);
        return;
    }
    state.target = export_func(inst, "wasm");
    wf_error_info_t err;
    /* wasm(3) = 3000 + host(3) = 3000 + wasm(2) + 1 = ... */
    CHECK_INT(call_i32(inst, "wasm", 1, 3, 0, &err), 3000 + 1 + 2000 + 1 + 1000 + 1 + 0);
    CHECK_INT(state.calls, 4);
    /* A trap deep inside nested runs unwinds every level; then all is well. */
    state.target = export_func(inst, "trapper");
    CHECK_INT(call_i32(inst, "trapper", 1, 3, 0, &err), WF_ERR_TRAP_UNREACHABLE);
    CHECK_INT(call_i32(inst, "trapper", 1, 0, 0, &err), WF_ERR_TRAP_UNREACHABLE);
    state.target = export_func(inst, "wasm");
    CHECK_INT(call_i32(inst, "wasm", 1, 1, 0, &err), 1000 + 1 + 0);
    CHECK(inst->exec != NULL);
    wf_instance_free(inst);
    wf_module_free(m);
    wf_func_free(host);
}

/* ---------------------------------------------------------------------- */
/* Calls across instances                                                 */
/* ---------------------------------------------------------------------- */

static const char provider_wat[] =
    "(module"
    "  (memory 1)"
    "  (data (i32.const 0) \"\\2a\")"
    "  (table (export \"tab\") 2 funcref)"
    "  (elem (i32.const 0) $peek)"
    "  (func $peek (export \"peek\") (result i32) (i32.load8_u (i32.const 0)))"
    "  (func (export \"grow\") (result i32) (memory.grow (i32.const 1))))";

static const char user_wat[] =
    "(module"
    "  (import \"p\" \"peek\" (func $peek (result i32)))"
    "  (import \"p\" \"grow\" (func $grow (result i32)))"
    "  (import \"p\" \"tab\" (table 2 funcref))"
    "  (type $t (func (result i32)))"
    "  (memory 1)"
    "  (data (i32.const 0) \"\\07\")"
    "  (func (export \"mix\") (result i32)"
    /* own memory, then the provider's (through a direct and an indirect
       call), then own memory again after the callee grew its memory */
    "    (i32.add (i32.load8_u (i32.const 0))"
    "      (i32.add (call $peek)"
    "        (i32.add (call_indirect (type $t) (i32.const 0))"
    "          (i32.add (i32.mul (call $grow) (i32.const 0))"
    "            (i32.add (memory.size) (i32.load8_u (i32.const 0))))))))"
    "  (func (export \"bad\") (result i32) (call_indirect (type $t) (i32.const 1)))"
    "  (func (export \"far\") (result i32) (call_indirect (type $t) (i32.const 5))))";

static void test_cross_instance(void)
{
    wf_module_t *pm = load(provider_wat);
    wf_instance_t *p = instantiate(pm, NULL, 0, NULL);
    wf_module_t *um = load(user_wat);
    CHECK(p != NULL && um != NULL);
    if (!p || !um)
        return;
    wf_extern_t imports[3];
    CHECK_INT(wf_instance_export(p, "peek", &imports[0]), WF_OK);
    CHECK_INT(wf_instance_export(p, "grow", &imports[1]), WF_OK);
    CHECK_INT(wf_instance_export(p, "tab", &imports[2]), WF_OK);
    wf_instance_t *u = instantiate(um, imports, 3, NULL);
    CHECK(u != NULL);
    if (u) {
        wf_error_info_t err;
        CHECK_INT(call_i32(u, "mix", 0, 0, 0, &err), 7 + 42 + 42 + 1 + 7);
        CHECK_INT(wf_memory_size(wf_instance_memory(p, 0)), 2 * WF_PAGE_SIZE);
        CHECK_INT(call_i32(u, "bad", 0, 0, 0, &err), WF_ERR_TRAP_UNINIT_ELEM);
        CHECK_STR(err.message, "uninitialized element");
        CHECK_INT(call_i32(u, "far", 0, 0, 0, &err), WF_ERR_TRAP_UNDEFINED_ELEM);
        CHECK_STR(err.message, "undefined element");
        wf_instance_free(u);
    }
    wf_instance_free(p);
    wf_module_free(um);
    wf_module_free(pm);
}

/* ---------------------------------------------------------------------- */
/* Memory and numerics through code                                       */
/* ---------------------------------------------------------------------- */

static const char memory_wat[] =
    "(module"
    "  (memory 1 2)"
    "  (func (export \"load\") (param i32) (result i32) (i32.load offset=4 (local.get 0)))"
    "  (func (export \"fill\") (param i32 i32) (result i32)"
    "    (memory.fill (local.get 0) (i32.const 0xAB) (local.get 1)) (i32.const 0))"
    "  (func (export \"copy\") (param i32 i32) (result i32)"
    "    (memory.copy (local.get 0) (local.get 1) (i32.const 4))"
    "    (i32.load (local.get 0)))"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
    "  (func (export \"wide\") (param i64) (result i64)"
    "    (i64.rotl (local.get 0) (i64.const 68))))";

static void test_memory(void)
{
    wf_module_t *m = load(memory_wat);
    wf_instance_t *inst = instantiate(m, NULL, 0, NULL);
    CHECK(inst != NULL);
    if (!inst)
        return;
    wf_error_info_t err;
    CHECK_INT(call_i32(inst, "load", 1, 65532 - 4, 0, &err), 0);
    CHECK_INT(call_i32(inst, "load", 1, 65533 - 4, 0, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_STR(err.message, "out of bounds memory access");
    /* address + offset must not wrap around 32 bits */
    CHECK_INT(call_i32(inst, "load", 1, -4, 0, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_INT(call_i32(inst, "fill", 2, 65536, 0, &err), 0);
    CHECK_INT(call_i32(inst, "fill", 2, 65530, 7, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_INT(call_i32(inst, "fill", 2, 8, 4, &err), 0);
    CHECK_INT(call_i32(inst, "copy", 2, 10, 8, &err), (int32_t)0xABABABABu); /* overlapping */
    CHECK_INT(call_i32(inst, "grow", 1, 1, 0, &err), 1);
    CHECK_INT(call_i32(inst, "load", 1, 65533 - 4, 0, &err), 0); /* the new page is visible */
    CHECK_INT(call_i32(inst, "grow", 1, 1, 0, &err), -1);
    wf_func_t *wide = export_func(inst, "wide");
    wf_val_t arg = i64(1), result;
    CHECK_INT(wf_func_call(wide, &arg, 1, &result, 1, &err), WF_OK);
    CHECK(result.of.i64 == 16);
    wf_instance_free(inst);
    wf_module_free(m);
}

int main(void)
{
    test_calls_and_traps();
    test_fuel_and_interrupt();
    test_bulk_fuel();
    test_reentry();
    test_cross_instance();
    test_memory();
    return TEST_DONE();
}
