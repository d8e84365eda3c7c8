/*
** Tests of engine/src/compile.c: the shape of the code it emits (lazy locals,
** retargeted results, immediates, fused compare-and-branch), the hazards of
** those shortcuts checked by running code, the trap map, and the refusal of
** what is not supported yet.
*/
#include <math.h>

#include "compile.h"
#include "runtime.h"
#include "test.h"
#include "wf/text.h"

static wf_module_t *load_rc(const char *wat, wf_err_t *rc)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_error_info_t err;
    *rc = wf_wat_to_wasm(wat, strlen(wat), &bytes, &size, &err);
    if (*rc != WF_OK) {
        fprintf(stderr, "wat: %s (line %u)\n", err.message, err.line);
        return NULL;
    }
    wf_module_t *module = NULL;
    *rc = wf_module_load(NULL, bytes, size, &module, &err);
    wf_wat_free(bytes);
    return module;
}

static wf_module_t *load(const char *wat)
{
    wf_err_t rc;
    wf_module_t *m = load_rc(wat, &rc);
    if (!m)
        fprintf(stderr, "load failed: %s\n", wf_strerror(rc));
    return m;
}

/* The listing of function index (wf__code_dump), in a static buffer. */
static const char *listing(wf_module_t *m, uint32_t index)
{
    static char text[8192];
    text[0] = '\0';
    if (!m || index >= m->func_count || !m->funcs[index].code)
        return text;
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    if (!f)
        return text;
    wf__code_dump(f, m->funcs[index].code);
    fclose(f);
    return text;
}

static int count(const char *text, const char *word)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, word)) != NULL; p += strlen(word))
        n++;
    return n;
}

static void test_shapes(void)
{
    wf_module_t *m = load("(module"
                          "  (func (param i32 i32) (local i32)"
                          "    (local.set 2 (i32.add (local.get 0) (local.get 1))))"
                          "  (func (param i32) (result i32)"
                          "    (i32.sub (local.get 0) (i32.const 5)))"
                          "  (func (param i32) (local i32)"
                          "    (loop $l"
                          "      (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
                          "      (br_if $l (i32.lt_s (local.get 1) (local.get 0))))))");
    CHECK(m != NULL);
    if (!m)
        return;
    const char *f0 = listing(m, 0);
    /* one add reading both params and writing the local; no copies */
    CHECK(strstr(f0, "I32_ADD          2 0 1") != NULL);
    CHECK_INT(count(f0, "COPY"), 0);
    const char *f1 = listing(m, 1);
    CHECK(strstr(f1, "I32_SUB_I") != NULL); /* the constant is an immediate */
    CHECK_INT(count(f1, "CONST"), 0);
    const char *f2 = listing(m, 2);
    CHECK(strstr(f2, "I32_ADD_I        1 1 1") != NULL);
    CHECK(strstr(f2, "BR_I32_LT_S      1 0 -") != NULL); /* fused, backwards */
    CHECK_INT(count(f2, " I32_LT_S "), 0);
    /* The trap map: the first instruction maps to the add (after the
       body's local declarations). */
    const struct wf__code *code = m->funcs[0].code;
    size_t off = wf__code_offset(code, code->cells);
    CHECK(off > m->funcs[0].body_offset && off < m->funcs[0].body_end);
    CHECK_INT(m->bytes[off], 0x6A); /* i32.add */
    wf_module_free(m);
}

/* Calls export name with two i32 arguments; returns the i32 result. */
static int32_t run2(wf_instance_t *inst, const char *name, int32_t a, int32_t b)
{
    wf_extern_t e;
    if (wf_instance_export(inst, name, &e) != WF_OK)
        return -12345;
    wf_val_t args[2] = {{.type = WF_I32, .of.i32 = a}, {.type = WF_I32, .of.i32 = b}};
    wf_val_t results[2];
    wf_error_info_t err;
    uint32_t nparams = wf_func_type(e.of.func).param_count;
    if (wf_func_call(e.of.func, args, nparams, results, 1, &err) != WF_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return -12345;
    }
    return results[0].of.i32;
}

static void test_hazards(void)
{
    wf_module_t *m = load(
        "(module"
        /* a lazy local.get under a local.set of the same local */
        "  (func (export \"set\") (param i32 i32) (result i32)"
        "    local.get 0 local.get 1 local.set 0 local.get 0 i32.sub)"
        "  (func (export \"tee\") (param i32 i32) (result i32)"
        "    local.get 0 local.get 1 local.tee 0 i32.sub)"
        /* the result could be retargeted into local 0, but local 0 is still
           on the stack underneath */
        "  (func (export \"retarget\") (param i32 i32) (result i32)"
        "    local.get 0 local.get 0 i32.const 1 i32.add local.set 0 local.get 0 i32.sub)"
        /* swapping two locals through the stack */
        "  (func (export \"swap\") (param i32 i32) (result i32)"
        "    local.get 0 local.get 1 local.set 0 local.set 1"
        "    (i32.sub (local.get 0) (local.get 1)))"
        /* lazy values carried out of blocks by branches */
        "  (func (export \"br_table\") (param i32 i32) (result i32)"
        "    (i32.add (block (result i32)"
        "      (br_table 0 1 0 (local.get 1) (local.get 0)) (i32.const 2)) (i32.const 50)))"
        "  (func (export \"br_if\") (param i32 i32) (result i32)"
        "    (block (result i32) (br_if 0 (local.get 0) (local.get 1)) local.set 1 (i32.const 7))"
        "    (local.get 1) i32.add)"
        "  (func (export \"if\") (param i32 i32) (result i32)"
        "    (local.get 1) (if (result i32) (i32.gt_u (local.get 0) (i32.const 3))"
        "      (then (local.set 1 (i32.const 100)) (i32.const 1)) (else (i32.const 2)))"
        "    i32.add local.get 1 i32.add)"
        "  (func (export \"multi\") (param i32 i32) (result i32)"
        "    (call $pair (local.get 0) (local.get 1)) i32.sub)"
        "  (func $pair (param i32 i32) (result i32 i32) (local.get 1) (local.get 0)))");
    CHECK(m != NULL);
    if (!m)
        return;
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        CHECK_INT(run2(inst, "set", 10, 3), 7);
        CHECK_INT(run2(inst, "tee", 10, 3), 7);
        CHECK_INT(run2(inst, "retarget", 10, 3), -1);
        CHECK_INT(run2(inst, "swap", 10, 3), -7);
        /* index 0 and 2 go to the block (x + 50), 1 returns from the function */
        CHECK_INT(run2(inst, "br_table", 0, 9), 59);
        CHECK_INT(run2(inst, "br_table", 2, 9), 59);
        CHECK_INT(run2(inst, "br_table", 7, 9), 59);
        CHECK_INT(run2(inst, "br_table", 1, 9), 9);
        /* taken: block = local 0 and local 1 unchanged; not taken: local 1 = local 0 */
        CHECK_INT(run2(inst, "br_if", 5, 1), 6);
        CHECK_INT(run2(inst, "br_if", 5, 0), 12);
        CHECK_INT(run2(inst, "if", 5, 10), 10 + 1 + 100);
        CHECK_INT(run2(inst, "if", 1, 10), 10 + 2 + 10);
        CHECK_INT(run2(inst, "multi", 10, 3), 3 - 10);
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

static wf_err_t call_f64(wf_instance_t *inst, const char *name, double x, int32_t *out)
{
    wf_extern_t e;
    if (wf_instance_export(inst, name, &e) != WF_OK)
        return WF_ERR_NOT_FOUND;
    wf_val_t arg = {.type = WF_F64}, result;
    memcpy(&arg.of.f64_bits, &x, sizeof x);
    wf_error_info_t err;
    wf_err_t rc = wf_func_call(e.of.func, &arg, 1, &result, 1, &err);
    *out = result.of.i32;
    return rc;
}

/* The memory-operand and pairing shortcuts: shapes, results, edge cases. */
static void test_fusions(void)
{
    wf_module_t *m =
        load("(module (memory 1)"
             "  (func (export \"rmw\") (param i32 i32) (result i32)"
             "    (i32.store (local.get 0) (i32.add (local.get 1) (i32.load (local.get 0))))"
             "    (i32.load (local.get 0)))"
             "  (func (export \"fold\") (param i32 i32) (result i32)"
             "    (i32.load (i32.sub (local.get 0) (i32.const 4))))"
             "  (func (export \"store_imm\") (param i32 i32) (result i32)"
             "    (i32.store8 (local.get 0) (i32.const 0x1ff)) (i32.load (local.get 0)))"
             "  (func (export \"chain\") (param i32 i32) (result i32)"
             "    local.get 0 local.get 1 i32.add local.set 0"
             "    local.get 0 local.get 1 i32.add local.set 1"
             "    local.get 0 i32.const 1 i32.add local.set 0"
             "    local.get 0 i32.const 10 i32.add local.set 0"
             "    (i32.sub (local.get 1) (local.get 0)))"
             "  (func (export \"mem_lt\") (param i32 i32) (result i32)"
             "    (block (br_if 0 (i32.lt_s (i32.load (local.get 0)) (local.get 1))) (return "
             "(i32.const 0)))"
             "    (if (result i32) (i32.lt_s (i32.load (local.get 0)) (local.get 1))"
             "      (then (i32.const 1)) (else (i32.const 2))))"
             "  (func (export \"less\") (param f64) (result i32)"
             "    (block (br_if 0 (f64.lt (local.get 0) (f64.const 1))) (return (i32.const 0)))"
             "    (i32.const 1)))");
    CHECK(m != NULL);
    if (!m)
        return;
    const char *rmw = listing(m, 0);
    CHECK(strstr(rmw, "I32_ADD_R") != NULL);
    CHECK_INT(count(rmw, "I32_STORE"), 0);
    const char *fold = listing(m, 1);
    CHECK(strstr(fold, "I32_LOAD         2 0 4294967292 0") != NULL);
    CHECK_INT(count(fold, "SUB"), 0);
    CHECK(strstr(listing(m, 2), "I32_STORE8_I") != NULL);
    CHECK(strstr(listing(m, 3), "I32_ADD2") != NULL);
    CHECK(strstr(listing(m, 3), "I32_ADD_I2") != NULL);
    /* load < local: the swapped comparison takes the load (local > load) */
    CHECK(strstr(listing(m, 4), "BR_I32_GT_S_M") != NULL);
    CHECK(strstr(listing(m, 4), "BR_I32_LE_S_M") != NULL); /* if: branch when it fails */
    CHECK(strstr(listing(m, 5), "BR_F64_LT_I") != NULL);

    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        CHECK_INT(run2(inst, "rmw", 100, 5), 5);
        CHECK_INT(run2(inst, "rmw", 100, 7), 12);
        /* out of bounds: the trap names the load, which comes first */
        wf_extern_t e;
        CHECK_INT(wf_instance_export(inst, "rmw", &e), WF_OK);
        wf_val_t args[2] = {{.type = WF_I32, .of.i32 = 65534}, {.type = WF_I32, .of.i32 = 1}};
        wf_val_t result;
        CHECK_INT(wf_func_call(e.of.func, args, 2, &result, 1, &err), WF_ERR_TRAP_MEMORY_OOB);
        CHECK_INT(m->bytes[err.offset], 0x28); /* i32.load */
        CHECK_INT(run2(inst, "fold", 104, 0), 12);
        /* 2 - 4 wraps to 0xFFFFFFFE before the offset: out of bounds */
        CHECK_INT(wf_instance_export(inst, "fold", &e), WF_OK);
        args[0].of.i32 = 2;
        CHECK_INT(wf_func_call(e.of.func, args, 2, &result, 1, &err), WF_ERR_TRAP_MEMORY_OOB);
        CHECK_INT(run2(inst, "store_imm", 200, 0), 0xFF);
        /* a = 3 + 4 = 7; b = 7 + 4 = 11; a = 7 + 1 + 10 = 18 */
        CHECK_INT(run2(inst, "chain", 3, 4), 11 - 18);
        /* mem[200] = 0xFF from store_imm: 255 < 300 holds, 255 < 7 fails */
        CHECK_INT(run2(inst, "mem_lt", 200, 300), 1);
        CHECK_INT(run2(inst, "mem_lt", 200, 7), 0);
        int32_t r = -1;
        CHECK_INT(call_f64(inst, "less", 0.5, &r), WF_OK);
        CHECK_INT(r, 1);
        CHECK_INT(call_f64(inst, "less", 2.0, &r), WF_OK);
        CHECK_INT(r, 0);
        CHECK_INT(call_f64(inst, "less", NAN, &r), WF_OK);
        CHECK_INT(r, 0);
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

/* Calls name(a, b) expecting a trap; returns the trap's module offset. */
static size_t trap_offset(wf_instance_t *inst, const char *name, int32_t a, int32_t b)
{
    wf_extern_t e;
    if (wf_instance_export(inst, name, &e) != WF_OK)
        return 0;
    wf_val_t args[2] = {{.type = WF_I32, .of.i32 = a}, {.type = WF_I32, .of.i32 = b}};
    wf_val_t result;
    wf_error_info_t err;
    if (wf_func_call(e.of.func, args, 2, &result, 1, &err) != WF_ERR_TRAP_MEMORY_OOB)
        return 0;
    return err.offset;
}

static void test_pairs(void)
{
    wf_module_t *m =
        load("(module (memory 1)"
             "  (func (export \"sigma\") (param i32 i32) (result i32)"
             "    (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 7))"
             "                      (i32.rotl (local.get 0) (i32.const 18)))"
             "             (i32.shr_u (local.get 0) (i32.const 3))))"
             "  (func (export \"mac\") (param i32 i32) (result i32) (local f64)"
             "    (local.set 2 (f64.const 2))"
             "    (f64.store (local.get 0)"
             "      (f64.add (f64.mul (local.get 2) (f64.load (local.get 1)))"
             "                                      (f64.load (local.get 0))))"
             "    (local.set 0 (i32.add (local.get 0) (i32.const 8)))"
             "    (local.set 1 (i32.add (local.get 1) (i32.const 8)))"
             "    (i32.trunc_f64_s (f64.load (i32.sub (local.get 0) (i32.const 8)))))"
             "  (data (i32.const 64) \"\\00\\00\\00\\00\\00\\00\\08\\40\"))"); /* 3.0 */
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(strstr(listing(m, 0), "T_I32_ROTL_I_ROTL_I_XOR") != NULL);
    CHECK(strstr(listing(m, 0), "P_I32_SHR_U_I_XOR") != NULL);
    CHECK(strstr(listing(m, 1), "T_F64_AXPY") != NULL);
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        uint32_t x = 0x12345678u;
        uint32_t want = ((x << 7) | (x >> 25)) ^ ((x << 18) | (x >> 14)) ^ (x >> 3);
        CHECK_INT(run2(inst, "sigma", (int32_t)x, 0), (int32_t)want);
        /* mem[128] = 0 + 2 * mem[64] = 6, twice: 6 then 12 */
        CHECK_INT(run2(inst, "mac", 128, 64), 6);
        CHECK_INT(run2(inst, "mac", 128, 64), 12);
        /* A trap in either half of the pair names its own load. */
        size_t in_first = trap_offset(inst, "mac", 128, 65535);
        size_t in_second = trap_offset(inst, "mac", 65535, 64);
        CHECK(in_first != 0 && in_second != 0);
        CHECK(in_second > in_first);
        CHECK_INT(m->bytes[in_first], 0x2B);  /* f64.load */
        CHECK_INT(m->bytes[in_second], 0x2B); /* f64.load */
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

/* The unrolled loop body that becomes T_F64_AXPY2_LOOP (clang's shape). */
static void test_axpy_loop(void)
{
    wf_module_t *m =
        load("(module (memory 1)"
             "  (func (export \"axpy\") (param $q i32) (param $p i32) (result i32)"
             "    (local $a f64) (local $i i32) (local $n i32) (local $q2 i32) (local $p2 i32)"
             "    (local.set $a (f64.const 2)) (local.set $n (i32.const 4))"
             "    (loop $l"
             "      (f64.store (local.get $q) (f64.add (f64.mul (local.get $a)"
             "        (f64.load (local.get $p))) (f64.load (local.get $q))))"
             "      (local.set $q2 (i32.add (local.get $q) (i32.const 8)))"
             "      (local.set $p2 (i32.add (local.get $p) (i32.const 8)))"
             "      (f64.store (local.get $q2) (f64.add (f64.mul (local.get $a)"
             "        (f64.load (local.get $p2))) (f64.load (local.get $q2))))"
             "      (local.set $q (i32.add (local.get $q) (i32.const 16)))"
             "      (local.set $p (i32.add (local.get $p) (i32.const 16)))"
             "      (br_if $l (i32.ne (local.get $n)"
             "        (local.tee $i (i32.add (local.get $i) (i32.const 2))))))"
             "    (i32.trunc_f64_s (f64.load (i32.sub (local.get $q) (i32.const 8)))))"
             "  (func (export \"axpy_b\") (param $q i32) (param $p i32) (result i32)"
             "    (local $a f64) (local $b f64)"
             "    (local $i i32) (local $n i32) (local $q2 i32) (local $p2 i32)"
             "    (local.set $a (f64.const 2)) (local.set $b (f64.const 2))"
             "    (local.set $n (i32.const 4))"
             "    (loop $l"
             "      (f64.store (local.get $q) (f64.add (f64.mul (local.get $a)"
             "        (f64.load (local.get $p))) (f64.load (local.get $q))))"
             "      (local.set $q2 (i32.add (local.get $q) (i32.const 8)))"
             "      (local.set $p2 (i32.add (local.get $p) (i32.const 8)))"
             "      (f64.store (local.get $q2) (f64.add (f64.mul (local.get $b)"
             "        (f64.load (local.get $p2))) (f64.load (local.get $q2))))"
             "      (local.set $q (i32.add (local.get $q) (i32.const 16)))"
             "      (local.set $p (i32.add (local.get $p) (i32.const 16)))"
             "      (br_if $l (i32.ne (local.get $n)"
             "        (local.tee $i (i32.add (local.get $i) (i32.const 2))))))"
             "    (i32.trunc_f64_s (f64.load (i32.sub (local.get $q) (i32.const 8)))))"
             "  (data (i32.const 64) \"\\00\\00\\00\\00\\00\\00\\08\\40\""
             "    \"\\00\\00\\00\\00\\00\\00\\08\\40\\00\\00\\00\\00\\00\\00\\08\\40\""
             "    \"\\00\\00\\00\\00\\00\\00\\10\\40\"))"); /* 3, 3, 3, 4 */
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(strstr(listing(m, 0), "T_F64_AXPY2_LOOP_C") != NULL);
    /* another a in the second half: the general form */
    CHECK(strstr(listing(m, 1), "T_F64_AXPY2_LOOP ") != NULL);
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        /* y[3] = 0 + 2 * 4, then 8 + 2 * 4 */
        CHECK_INT(run2(inst, "axpy", 256, 64), 8);
        CHECK_INT(run2(inst, "axpy", 256, 64), 16);
        CHECK_INT(run2(inst, "axpy_b", 256, 64), 24);
        size_t first_b = trap_offset(inst, "axpy_b", 65536 - 16, 64);
        size_t second_b = trap_offset(inst, "axpy_b", 65536 - 8, 64);
        CHECK(first_b != 0 && second_b > first_b);
        /* y[0..1] fits at the end of memory, y[2] does not (the second
           iteration's first half); y[1] (first iteration's second half)
           would not if it started 8 bytes later */
        size_t first = trap_offset(inst, "axpy", 65536 - 16, 64);
        size_t second = trap_offset(inst, "axpy", 65536 - 8, 64);
        CHECK(first != 0 && second != 0);
        CHECK(second > first);
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

/*
** mem[p] = mem[p] op v with v computed after the load: the load joins the op
** (NAME_RL, NAME_R when commutative); not across what may trap or write the
** address. Traps name the load.
*/
static void test_load_op_store(void)
{
    wf_module_t *m =
        load("(module (memory 1)"
             "  (func (export \"sub\") (param i32 i32) (result i32)"
             "    (i32.store (local.get 0) (i32.sub (i32.load (local.get 0))"
             "      (i32.mul (local.get 1) (i32.const 3))))"
             "    (i32.load (local.get 0)))"
             "  (func (export \"add\") (param i32 i32) (result i32)"
             "    (i32.store offset=4 (local.get 0) (i32.add (i32.load offset=4 (local.get 0))"
             "      (i32.xor (local.get 1) (i32.const 1))))"
             "    (i32.load offset=4 (local.get 0)))"
             "  (func (export \"fsub\") (param i32 i32) (result i32) (local f64)"
             "    (local.set 2 (f64.convert_i32_s (local.get 1)))"
             "    (f64.store (local.get 0) (f64.sub (f64.load (local.get 0))"
             "      (f64.mul (local.get 2) (local.get 2))))"
             "    (i32.trunc_f64_s (f64.load (local.get 0))))"
             /* a load between may trap first: stays apart */
             "  (func (export \"between\") (param i32 i32) (result i32)"
             "    (i32.store (local.get 0) (i32.sub (i32.load (local.get 0))"
             "      (i32.load (local.get 1))))"
             "    (i32.load (local.get 0)))"
             /* the address changes between: stays apart */
             "  (func (export \"moved\") (param i32 i32) (result i32)"
             "    (i32.store (local.get 0) (i32.sub (i32.load (local.get 0))"
             "      (local.tee 0 (i32.add (local.get 0) (local.get 1)))))"
             "    (i32.load (local.get 0))))");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(strstr(listing(m, 0), "I32_SUB_RL") != NULL);
    CHECK(strstr(listing(m, 0), "I32_LOAD         ") != NULL); /* the final load only */
    CHECK_INT(count(listing(m, 0), "I32_LOAD"), 1);
    CHECK(strstr(listing(m, 1), "I32_ADD_R") != NULL);
    CHECK(strstr(listing(m, 2), "F64_SUB_RL") != NULL);
    CHECK(strstr(listing(m, 3), "_RL") == NULL);
    CHECK(strstr(listing(m, 4), "_RL") == NULL);
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        CHECK_INT(run2(inst, "sub", 16, 5), -15);
        CHECK_INT(run2(inst, "sub", 16, 5), -30);
        CHECK_INT(run2(inst, "add", 16, 6), 7);
        CHECK_INT(run2(inst, "fsub", 32, 3), -9);
        CHECK_INT(run2(inst, "fsub", 32, 2), -13);
        /* mem[40] = 0 - mem[16] (-30) */
        CHECK_INT(run2(inst, "between", 40, 16), 30);
        /* mem[16] = -30 - (16 + 8); then p = 24: mem[24] is 0 */
        CHECK_INT(run2(inst, "moved", 16, 8), 0);
        CHECK_INT(run2(inst, "sub", 16, 0), -54);
        /* the trap is the load's (the first access), the store's offset
           otherwise */
        size_t at = trap_offset(inst, "sub", 65534, 1);
        CHECK(at != 0);
        CHECK_INT(m->bytes[at], 0x28); /* i32.load */
        at = trap_offset(inst, "fsub", 65530, 1);
        CHECK(at != 0);
        CHECK_INT(m->bytes[at], 0x2B); /* f64.load */
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

/*
** Generated pairs (ops.h WF__GEN_PAIRS) in their plain and linked forms:
** results, a trap in the second step, and i32.sub of a constant joining
** an add.
*/
static void test_generated_pairs(void)
{
    wf_module_t *m = load("(module (memory 1)"
                          /* linked: the load's address is the add's result */
                          "  (func (export \"add_load\") (param i32 i32) (result i32)"
                          "    (i32.load (i32.add (local.get 0) (local.get 1))))"
                          /* plain: the add writes a local the load does not read */
                          "  (func (export \"shl_add\") (param i32 i32) (result i32) (local i32)"
                          "    (local.set 2 (i32.shl (local.get 0) (i32.const 2)))"
                          "    (i32.mul (i32.add (local.get 0) (local.get 1)) (local.get 2)))"
                          /* a loop counted down by i32.sub joining the add before it, then
                             the back branch */
                          "  (func (export \"count\") (param i32 i32) (result i32)"
                          "    (loop $l"
                          "      (local.set 1 (i32.add (local.get 1) (i32.const 3)))"
                          "      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))"
                          "    (local.get 1))"
                          /* three copies in a row run as one, in order */
        "  (func (export \"copies\") (param i32 i32) (result i32) (local i32 i32)"
        "    (local.set 2 (local.get 0)) (local.set 3 (local.get 1))"
        "    (local.set 0 (local.get 3))"
        "    (i32.add (i32.mul (local.get 0) (i32.const 100))"
        "      (i32.add (i32.mul (local.get 2) (i32.const 10)) (local.get 3))))"
        "  (data (i32.const 8) \"\\2a\"))");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(strstr(listing(m, 3), "COPY3") != NULL);
    CHECK(strstr(listing(m, 0), "P_I32_ADD_LOAD_L") != NULL);
    CHECK(strstr(listing(m, 1), "P_I32_SHL_I_ADD ") != NULL);
    CHECK(strstr(listing(m, 2), "P_I32_ADD_I2_BR_IF_BACK") != NULL);
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        CHECK_INT(run2(inst, "add_load", 5, 3), 42);
        CHECK_INT(run2(inst, "shl_add", 5, 3), 160);
        CHECK_INT(run2(inst, "count", 4, 1), 13);
        CHECK_INT(run2(inst, "copies", 5, 3), 353);
        /* the add cannot trap; the load, the pair's second step, does */
        size_t at = trap_offset(inst, "add_load", 65535, 1);
        CHECK(at != 0);
        CHECK_INT(m->bytes[at], 0x28); /* i32.load */
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

/*
** The same loop run whole inside the handler with its state in registers:
** what it leaves in the locals, its polls (fuel), and the form that cannot
** (an instruction before the body at the loop head).
*/
static void test_axpy_register_loop(void)
{
    /* AXPY_BODY(K): the loop of test_axpy_loop; K runs at the loop head. */
#define AXPY_BODY(K)                                                                               \
    "    (loop $l " K "      (f64.store (local.get $q) (f64.add (f64.mul (local.get $a)"           \
    "        (f64.load (local.get $p))) (f64.load (local.get $q))))"                               \
    "      (local.set $q2 (i32.add (local.get $q) (i32.const 8)))"                                 \
    "      (local.set $p2 (i32.add (local.get $p) (i32.const 8)))"                                 \
    "      (f64.store (local.get $q2) (f64.add (f64.mul (local.get $a)"                            \
    "        (f64.load (local.get $p2))) (f64.load (local.get $q2))))"                             \
    "      (local.set $q (i32.add (local.get $q) (i32.const 16)))"                                 \
    "      (local.set $p (i32.add (local.get $p) (i32.const 16)))"                                 \
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2)))"                \
    "        (local.get $n))))"
#define AXPY_LOCALS                                                                                \
    "(param $q i32) (param $p i32) (result i32)"                                                   \
    "    (local $a f64) (local $i i32) (local $n i32) (local $q2 i32) (local $p2 i32)"             \
    "    (local $k i32)"                                                                           \
    "    (local.set $a (f64.const 0.5)) (local.set $n (i32.const 6))"
    /* returns i, then q, p, q2, p2 relative to their start, packed */
#define AXPY_RESULT                                                                                \
    "    (i32.add (i32.add (i32.mul (local.get $i) (i32.const 100000000))"                         \
    "                      (i32.mul (i32.sub (local.get $q) (i32.const 256)) (i32.const "          \
    "1000000)))"                                                                                   \
    "      (i32.add (i32.add (i32.mul (i32.sub (local.get $p) (i32.const 64))"                     \
    "                                 (i32.const 10000))"                                          \
    "                        (i32.mul (i32.sub (local.get $q2) (i32.const 256))"                   \
    "                                 (i32.const 100)))"                                           \
    "               (i32.sub (local.get $p2) (i32.const 64)))))"
    wf_module_t *m = load(
        "(module (memory 1)"
        "  (func (export \"regs\") " AXPY_LOCALS AXPY_BODY("") AXPY_RESULT
        "  (func (export \"head\") " AXPY_LOCALS AXPY_BODY(
            "(local.set $k (i32.add (local.get $k) (i32.const 1)))") "    (i32.add (local.get $k) "
                                                                     "(i32.mul (i32.const 1000)"
                                                                     "      (i32.trunc_f64_s "
                                                                     "(f64.load (i32.const "
                                                                     "256))))))"
                                                                     "  (data (i32.const 64) "
                                                                     "\"\\00\\00\\00\\00\\00\\00\\0"
                                                                     "0\\40\"))"); /* 2.0 */
#undef AXPY_BODY
#undef AXPY_LOCALS
#undef AXPY_RESULT
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(strstr(listing(m, 0), "T_F64_AXPY2_LOOP_C") != NULL);
    CHECK(strstr(listing(m, 1), "T_F64_AXPY2_LOOP_C") != NULL);
    wf_instance_t *inst = NULL;
    wf_error_info_t err;
    CHECK_INT(wf_instance_new(m, NULL, 0, NULL, &inst, &err), WF_OK);
    if (inst) {
        /* three turns: i = 6, q and p 48 on, q2 and p2 40 on */
        CHECK_INT(run2(inst, "regs", 256, 64),
                  6 * 100000000 + 48 * 1000000 + 48 * 10000 + 40 * 100 + 40);
        /* y[0] = 0.5 * 2.0 from each of regs and head; three turns of k */
        CHECK_INT(run2(inst, "head", 256, 64), 3 + 2 * 1000);
        /* two polls (the back branches) run on a fuel of 3, not on one of 2 */
        wf_instance_set_fuel(inst, 3);
        CHECK_INT(run2(inst, "regs", 256, 64),
                  6 * 100000000 + 48 * 1000000 + 48 * 10000 + 40 * 100 + 40);
        wf_instance_set_fuel(inst, 2);
        wf_extern_t e;
        CHECK_INT(wf_instance_export(inst, "regs", &e), WF_OK);
        wf_val_t args[2] = {{.type = WF_I32, .of.i32 = 256}, {.type = WF_I32, .of.i32 = 64}};
        wf_val_t result;
        CHECK_INT(wf_func_call(e.of.func, args, 2, &result, 1, &err), WF_ERR_TRAP_FUEL);
        wf_instance_free(inst);
    }
    wf_module_free(m);
}

static void test_unsupported(void)
{
    wf_err_t rc;
    /* v128 values are refused cleanly (SIMD comes later). */
    wf_module_t *m = load_rc("(module (func (result i32) (local v128) (i32.const 1)))", &rc);
    CHECK(m == NULL);
    CHECK_INT(rc, WF_ERR_UNSUPPORTED);
    wf_module_free(m);
}

int main(void)
{
    test_shapes();
    test_hazards();
    test_fusions();
    test_pairs();
    test_axpy_loop();
    test_axpy_register_loop();
    test_load_op_store();
    test_generated_pairs();
    test_unsupported();
    return TEST_DONE();
}
