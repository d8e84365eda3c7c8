/*
** Tests of engine/src/bounds.h (and the fault handling of os_posix.c): the
** edges of linear memory trap with the same error, function and offset in
** either build of the bounds checks (this file is built against both, see
** tests/CMakeLists.txt): the last byte in bounds and the first out, a store
** across the end that must not write, offsets near 4 GiB, memory.grow, a
** shared memory grown by another thread, wasm called from a host function
** called from wasm, a callee in another instance; and a real crash (outside
** wasm, or in host code touching a memory's guard region) still crashes.
*/
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "test.h"
#include "wat_util.h"
#include "wf/text.h"

#ifndef WF_TEST_BOUNDS
#define WF_TEST_BOUNDS "guard"
#endif

/* Calls name(a) of (i32) -> i32 (or -> nothing); returns the result or the error code. */
static int64_t call1(wf_instance_t *instance, const char *name, int32_t a, wf_error_info_t *err)
{
    wf_func_t *f = export_func(instance, name);
    if (!f)
        return WF_ERR_ARGUMENT;
    wf_val_t arg = {.type = WF_I32, .of.i32 = a}, result = {0};
    size_t results = wf_func_type(f).result_count;
    wf_err_t rc = wf_func_call(f, &arg, 1, &result, results, err);
    return rc != WF_OK ? rc : results ? (int64_t)(uint32_t)result.of.i32 : 0;
}

/*
** Checks that err is the out-of-bounds trap of function func_index of module
** at an instruction whose first byte is opcode.
*/
static void check_oob(const wf_module_t *module, const wf_error_info_t *err, uint32_t func_index,
                      uint8_t opcode, int line)
{
    int failures = wf_test_failures;
    CHECK_INT(err->code, WF_ERR_TRAP_MEMORY_OOB);
    CHECK_STR(err->message, "out of bounds memory access");
    CHECK_INT(err->func_index, func_index);
    CHECK(err->offset < module->size);
    if (err->offset < module->size)
        CHECK_INT(module->bytes[err->offset], opcode);
    if (wf_test_failures != failures)
        fprintf(stderr, "  (from line %d)\n", line);
}
#define CHECK_OOB(module, err, func_index, opcode)                                                 \
    check_oob(module, err, func_index, opcode, __LINE__)

#define OP_I32_LOAD 0x28
#define OP_I64_LOAD 0x29
#define OP_I32_LOAD8_U 0x2D
#define OP_I64_STORE 0x37
#define OP_I32_STORE8 0x3A

static void test_build(void)
{
    CHECK_STR(wf_bounds_checks(), WF_TEST_BOUNDS);
}

static const char *edges_wat =
    "(module (memory 1 2)"
    "  (func (export \"load8\") (param i32) (result i32) (i32.load8_u (local.get 0)))"
    "  (func (export \"load32\") (param i32) (result i32) (i32.load (local.get 0)))"
    "  (func (export \"load64\") (param i32) (result i32)"
    "    (i32.wrap_i64 (i64.load (local.get 0))))"
    "  (func (export \"far\") (param i32) (result i32)"
    "    (i32.load offset=4294967295 (local.get 0)))"
    "  (func (export \"far8\") (param i32) (result i32)"
    "    (i32.load8_u offset=65535 (local.get 0)))"
    "  (func (export \"store64\") (param i32) (i64.store (local.get 0) (i64.const -1)))"
    "  (func (export \"store8\") (param i32) (i32.store8 (local.get 0) (i32.const 0x5A)))"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))";

static void test_edges(void)
{
    wf_module_t *m = load(edges_wat);
    wf_instance_t *inst = instantiate(m, NULL, 0, NULL);
    if (!inst) {
        CHECK(inst != NULL);
        wf_module_free(m);
        return;
    }
    wf_error_info_t err;
    uint8_t *base = wf_memory_data(inst->memories[0]);

    /* last byte in bounds, first byte out, for each width */
    CHECK_INT(call1(inst, "store8", 65535, &err), 0);
    CHECK_INT(call1(inst, "load8", 65535, &err), 0x5A);
    CHECK_INT(call1(inst, "load8", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 0, OP_I32_LOAD8_U);
    CHECK_INT(call1(inst, "load32", 65532, &err), 0x5A000000);
    CHECK_INT(call1(inst, "load32", 65533, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 1, OP_I32_LOAD);
    CHECK_INT(call1(inst, "load64", 65528, &err), 0);
    CHECK_INT(call1(inst, "load64", 65529, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 2, OP_I64_LOAD);
    CHECK_INT(call1(inst, "load32", -1, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 1, OP_I32_LOAD);
    CHECK_INT(call1(inst, "store8", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 6, OP_I32_STORE8);

    /* a store across the end traps without writing its in-bounds bytes */
    CHECK_INT(call1(inst, "store64", 65532, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 5, OP_I64_STORE);
    CHECK_INT(base[65532], 0);
    CHECK_INT(base[65535], 0x5A);
    CHECK_INT(call1(inst, "store64", 65528, &err), 0);
    CHECK_INT(base[65535], 0xFF);

    /* offsets near 4 GiB: the effective address does not wrap */
    CHECK_INT(call1(inst, "far", 0, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 3, OP_I32_LOAD);
    CHECK_INT(call1(inst, "far", -1, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 3, OP_I32_LOAD);
    CHECK_INT(call1(inst, "far", 1, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_INT(call1(inst, "far8", 0, &err), 0xFF);
    CHECK_INT(call1(inst, "far8", 1, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 4, OP_I32_LOAD8_U);

    /* after memory.grow the next page is there, the one after is not */
    CHECK_INT(call1(inst, "grow", 1, &err), 1);
    CHECK_INT(call1(inst, "load8", 65536, &err), 0);
    CHECK_INT(call1(inst, "store8", 131071, &err), 0);
    CHECK_INT(call1(inst, "load32", 131068, &err), 0x5A000000);
    CHECK_INT(call1(inst, "load32", 131069, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 1, OP_I32_LOAD);
    CHECK_INT(call1(inst, "grow", 1, &err), -1 & 0xFFFFFFFF); /* past the maximum */
    CHECK_INT(call1(inst, "load8", 131072, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_INT(call1(inst, "far8", 65536, &err), 0x5A);
    wf_instance_free(inst);
    wf_module_free(m);
}

/* ---------------------------------------------------------------------- */
/* A shared memory grown by another thread                                 */
/* ---------------------------------------------------------------------- */

static void *grow_one(void *memory)
{
    return (void *)(intptr_t)wf_memory_grow(memory, 1);
}

static void *grow_one_later(void *memory)
{
    usleep(20000);
    return grow_one(memory);
}

static void test_shared_grow(void)
{
    wf_limits_t limits = {.min = 1, .max = 3, .has_max = true, .shared = true};
    wf_memory_t *memory = NULL;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    wf_module_t *m = load("(module (import \"env\" \"mem\" (memory 1 3 shared))"
                          "  (func (export \"load8\") (param i32) (result i32)"
                          "    (i32.load8_u (local.get 0)))"
                          "  (func (export \"size_after\") (param i32) (result i32)"
                          "    (loop $l (br_if $l (i32.eq (memory.size) (local.get 0))))"
                          "    (memory.size)))");
    wf_extern_t import = {.kind = WF_EXTERN_MEMORY, .of.memory = memory};
    wf_instance_t *inst = memory ? instantiate(m, &import, 1, NULL) : NULL;
    if (!inst) {
        CHECK(inst != NULL);
        wf_memory_free(memory);
        wf_module_free(m);
        return;
    }
    wf_error_info_t err;
    CHECK_INT(call1(inst, "load8", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 0, OP_I32_LOAD8_U);
    pthread_t thread;
    void *old = NULL;
    CHECK_INT(pthread_create(&thread, NULL, grow_one, memory), 0);
    pthread_join(thread, &old);
    CHECK_INT((intptr_t)old, 1);
    wf_memory_data(memory)[65536 + 77] = 9; /* the other side of the page, through the host */
    CHECK_INT(call1(inst, "load8", 65536 + 77, &err), 9);
    CHECK_INT(call1(inst, "load8", 131071, &err), 0);
    CHECK_INT(call1(inst, "load8", 131072, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 0, OP_I32_LOAD8_U);
    /* memory.size sees another thread's grow while this call runs (it
       waits for the size to leave 2 pages). */
    CHECK_INT(pthread_create(&thread, NULL, grow_one_later, memory), 0);
    CHECK_INT(call1(inst, "size_after", 2, &err), 3);
    pthread_join(thread, &old);
    CHECK_INT((intptr_t)old, 2);
    wf_instance_free(inst);
    wf_module_free(m);
    wf_memory_free(memory);
}

/* ---------------------------------------------------------------------- */
/* wasm -> host -> wasm, and a callee in another instance                  */
/* ---------------------------------------------------------------------- */

typedef struct nested {
    wf_instance_t *inst;
    int32_t address;   /* what the host passes to "inner" */
    wf_err_t inner_rc; /* what that call returned */
    wf_error_info_t inner_err;
} nested_t;

/* host "h": calls the instance's "inner" with n->address; returns 1 if it trapped. */
static wf_err_t host_h(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    (void)args;
    nested_t *n = wf_host_call_user_data(call);
    int64_t r = call1(n->inst, "inner", n->address, &n->inner_err);
    n->inner_rc = r < 0 ? (wf_err_t)r : WF_OK;
    results[0] = (wf_val_t){.type = WF_I32, .of.i32 = r < 0};
    return WF_OK;
}

static void test_nested(void)
{
    wf_module_t *m = load("(module (import \"env\" \"h\" (func $h (result i32)))"
                          "  (memory 1)"
                          "  (func (export \"inner\") (param i32) (result i32)"
                          "    (i32.load (local.get 0)))"
                          "  (func (export \"outer\") (param i32) (result i32)"
                          "    (i32.add (call $h) (i32.load8_u (local.get 0)))))");
    static const uint8_t result_i32[] = {WF_I32};
    wf_functype_t type = {.result_count = 1, .results = result_i32};
    nested_t n = {0};
    wf_func_t *h = wf_func_new_host(NULL, &type, host_h, &n);
    wf_extern_t import = {.kind = WF_EXTERN_FUNC, .of.func = h};
    wf_instance_t *inst = instantiate(m, &import, 1, NULL);
    n.inst = inst;
    if (!inst) {
        CHECK(inst != NULL);
        wf_func_free(h);
        wf_module_free(m);
        return;
    }
    wf_error_info_t err;
    /* Many rounds: a trap that left the exec's depth or stack behind would
       end in stack exhaustion. */
    for (int i = 0; i < 30000; i++) {
        n.address = i % 2 ? 65533 : 0;
        int64_t r = call1(inst, "outer", i % 3 ? 0 : 65536, &err);
        if (i % 3 == 0) {
            if (r != WF_ERR_TRAP_MEMORY_OOB) {
                CHECK_INT(r, WF_ERR_TRAP_MEMORY_OOB);
                break;
            }
        } else if (r != (i % 2)) {
            CHECK_INT(r, i % 2);
            break;
        }
        if (i % 2 && n.inner_rc != WF_ERR_TRAP_MEMORY_OOB) {
            CHECK_INT(n.inner_rc, WF_ERR_TRAP_MEMORY_OOB);
            break;
        }
    }
    /* the outer trap names outer's load, the inner one inner's */
    CHECK_INT(call1(inst, "outer", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
    CHECK_OOB(m, &err, 2, OP_I32_LOAD8_U);
    CHECK_OOB(m, &n.inner_err, 1, OP_I32_LOAD);
    wf_instance_free(inst);
    wf_func_free(h);
    wf_module_free(m);
}

static void test_other_instance(void)
{
    wf_module_t *mb = load("(module (memory 1)"
                           "  (func $pad (result i32) (i32.const 0))"
                           "  (func (export \"peek\") (param i32) (result i32)"
                           "    (i32.load (local.get 0))))");
    wf_instance_t *b = instantiate(mb, NULL, 0, NULL);
    wf_module_t *ma = load("(module (import \"b\" \"peek\" (func $peek (param i32) (result i32)))"
                           "  (memory 2)"
                           "  (table 1 funcref) (elem (i32.const 0) $peek)"
                           "  (type $t (func (param i32) (result i32)))"
                           "  (func (export \"direct\") (param i32) (result i32)"
                           "    (i32.add (i32.load (local.get 0)) (call $peek (local.get 0))))"
                           "  (func (export \"indirect\") (param i32) (result i32)"
                           "    (call_indirect (type $t) (local.get 0) (i32.const 0))))");
    wf_extern_t import = {.kind = WF_EXTERN_FUNC, .of.func = export_func(b, "peek")};
    wf_instance_t *a = b ? instantiate(ma, &import, 1, NULL) : NULL;
    if (!a) {
        CHECK(a != NULL);
    } else {
        wf_error_info_t err;
        /* 65536 is inside a's memory, outside b's: b's load traps */
        CHECK_INT(call1(a, "direct", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
        CHECK_OOB(mb, &err, 1, OP_I32_LOAD);
        CHECK_INT(call1(a, "indirect", 65536, &err), WF_ERR_TRAP_MEMORY_OOB);
        CHECK_OOB(mb, &err, 1, OP_I32_LOAD);
        CHECK_INT(call1(a, "direct", 131072, &err), WF_ERR_TRAP_MEMORY_OOB);
        CHECK_OOB(ma, &err, 1, OP_I32_LOAD);
        CHECK_INT(call1(a, "direct", 8, &err), 0);
    }
    wf_instance_free(a);
    wf_module_free(ma);
    wf_instance_free(b);
    wf_module_free(mb);
}

/* ---------------------------------------------------------------------- */
/* Real crashes                                                            */
/* ---------------------------------------------------------------------- */

/* host "poke": writes one byte past the end of the caller's memory. */
static wf_err_t host_poke(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    (void)args;
    (void)results;
    wf_memory_t *memory = wf_host_call_memory(call);
    volatile uint8_t *p = wf_memory_data(memory) + wf_memory_size(memory);
    *p = 1;
    return WF_OK;
}

#define CHILD_SURVIVED 42

/*
** Runs what in a child process after a wasm call has set up the fault
** handling; true if the child died of it (a signal, or a sanitizer's report
** and exit status) instead of going on.
*/
static bool child_crashes(void (*what)(wf_instance_t *inst), const char *wat, wf_func_t *import)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        wf_module_t *m = load(wat);
        wf_extern_t e = {.kind = WF_EXTERN_FUNC, .of.func = import};
        wf_instance_t *inst = instantiate(m, &e, import ? 1 : 0, NULL);
        wf_error_info_t err;
        if (!inst || call1(inst, "oob", 65536, &err) != WF_ERR_TRAP_MEMORY_OOB)
            _exit(3);
        what(inst);
        _exit(CHILD_SURVIVED);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return false;
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS;
    return WIFEXITED(status) && WEXITSTATUS(status) != CHILD_SURVIVED && WEXITSTATUS(status) != 3 &&
           WEXITSTATUS(status) != 0;
}

static void touch_unmapped(wf_instance_t *inst)
{
    (void)inst;
    volatile uint8_t *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 1;
}

static void touch_guard_from_host(wf_instance_t *inst)
{
    wf_error_info_t err;
    call1(inst, "poke", 0, &err);
}

static void touch_guard_outside_wasm(wf_instance_t *inst)
{
    volatile uint8_t *p = wf_memory_data(inst->memories[0]) + 65536;
    *p = 1;
}

static void test_real_crashes(void)
{
    static const char *plain = "(module (memory 1)"
                               "  (func (export \"oob\") (param i32) (result i32)"
                               "    (i32.load (local.get 0))))";
    static const char *poking = "(module (import \"env\" \"poke\" (func $poke))"
                                "  (memory 1)"
                                "  (func (export \"oob\") (param i32) (result i32)"
                                "    (i32.load (local.get 0)))"
                                "  (func (export \"poke\") (param i32) (result i32)"
                                "    (call $poke) (i32.const 0)))";
    printf("three child processes crash on purpose now (with a sanitizer, each prints a report)\n");
    CHECK(child_crashes(touch_unmapped, plain, NULL));
    CHECK(child_crashes(touch_guard_outside_wasm, plain, NULL));
    wf_functype_t type = {0};
    wf_func_t *poke = wf_func_new_host(NULL, &type, host_poke, NULL);
    CHECK(child_crashes(touch_guard_from_host, poking, poke));
    wf_func_free(poke);
}

int main(void)
{
    test_build();
    test_real_crashes(); /* forks: first, before any other thread exists */
    test_edges();
    test_shared_grow();
    test_nested();
    test_other_instance();
    return TEST_DONE();
}
