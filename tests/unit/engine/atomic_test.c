/*
** Tests of the threads proposal's atomics (engine/src/atomic.h) on real
** threads: exact atomic counts from four instances sharing one memory,
** wait woken by notify from another thread, wait ended by the interrupt
** flag (the daemon's deadline), and the traps. Meant to be clean under TSan.
*/
#include <pthread.h>
#include <time.h>

#include "test.h"
#include "wf/text.h"
#include "wf/wf.h"

static const char WAT[] =
    "(module\n"
    "  (import \"env\" \"memory\" (memory 1 1 shared))\n"
    "  (func (export \"inc\") (param $n i32)\n"
    "    (loop $l\n"
    "      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))\n"
    "      (i64.atomic.rmw.add (i32.const 16) (i64.const 3)) drop\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))\n"
    "  (func (export \"wait\") (param $timeout i64) (result i32)\n"
    "    (memory.atomic.wait32 (i32.const 8) (i32.const 0) (local.get $timeout)))\n"
    "  (func (export \"notify\") (result i32)\n"
    "    (memory.atomic.notify (i32.const 8) (i32.const 1)))\n"
    "  (func (export \"unaligned\") (result i32)\n"
    "    (i32.atomic.load (i32.const 2))))\n";

static const char WAT_UNSHARED[] =
    "(module (memory 1)\n"
    "  (func (export \"wait\") (result i32)\n"
    "    (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0)))\n"
    "  (func (export \"notify\") (result i32)\n"
    "    (memory.atomic.notify (i32.const 0) (i32.const 1))))\n";

static wf_module_t *load(const char *wat)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_module_t *module = NULL;
    if (wf_wat_to_wasm(wat, strlen(wat), &bytes, &size, NULL) != WF_OK)
        return NULL;
    if (wf_module_load(NULL, bytes, size, &module, NULL) != WF_OK)
        module = NULL;
    wf_wat_free(bytes);
    return module;
}

static wf_func_t *export_func(wf_instance_t *inst, const char *name)
{
    wf_extern_t ext;
    if (wf_instance_export(inst, name, &ext) != WF_OK || ext.kind != WF_EXTERN_FUNC)
        return NULL;
    return ext.of.func;
}

typedef struct job {
    wf_instance_t *inst;
    const char *export;
    wf_val_t arg;
    size_t arg_count;
    wf_val_t result;
    wf_err_t rc;
} job_t;

static void *run_job(void *arg)
{
    job_t *job = arg;
    wf_error_info_t err;
    wf_func_t *f = export_func(job->inst, job->export);
    job->rc = f ? wf_func_call(f, &job->arg, job->arg_count, &job->result,
                               strcmp(job->export, "inc") ? 1 : 0, &err)
                : WF_ERR_NOT_FOUND;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void)
{
    enum { THREADS = 4, PER_THREAD = 20000 };
    wf_module_t *module = load(WAT);
    CHECK(module != NULL);
    wf_limits_t limits = {.min = 1, .max = 1, .has_max = true, .shared = true};
    wf_memory_t *memory = NULL;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    if (!module || !memory)
        return TEST_DONE();
    wf_extern_t import = {.kind = WF_EXTERN_MEMORY, .of.memory = memory};
    wf_instance_t *inst[THREADS];
    wf_error_info_t err;
    for (int i = 0; i < THREADS; i++)
        CHECK_INT(wf_instance_new(module, &import, 1, NULL, &inst[i], &err), WF_OK);

    /* Four instances on four threads: every increment counts. */
    pthread_t threads[THREADS];
    job_t jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job_t){.inst = inst[i], .export = "inc", .arg_count = 1};
        jobs[i].arg.type = WF_I32;
        jobs[i].arg.of.i32 = PER_THREAD;
        pthread_create(&threads[i], NULL, run_job, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT(jobs[i].rc, WF_OK);
    }
    uint8_t *data = wf_memory_data(memory);
    CHECK_INT(__atomic_load_n((uint32_t *)data, __ATOMIC_SEQ_CST), THREADS * PER_THREAD);
    CHECK_INT(__atomic_load_n((uint64_t *)(data + 16), __ATOMIC_SEQ_CST),
              3LL * THREADS * PER_THREAD);

    /* A timed wait with nobody notifying: 2 ("timed-out") after the timeout. */
    job_t timed = {.inst = inst[0], .export = "wait", .arg_count = 1};
    timed.arg.type = WF_I64;
    timed.arg.of.i64 = 30000000; /* 30 ms */
    double start = now_s();
    run_job(&timed);
    CHECK_INT(timed.rc, WF_OK);
    CHECK_INT(timed.result.of.i32, 2);
    CHECK(now_s() - start >= 0.029);

    /* A wait without timeout, woken by notify from another instance. */
    job_t waiter = {.inst = inst[0], .export = "wait", .arg_count = 1};
    waiter.arg.type = WF_I64;
    waiter.arg.of.i64 = -1;
    pthread_create(&threads[0], NULL, run_job, &waiter);
    job_t notifier = {.inst = inst[1], .export = "notify", .arg_count = 0};
    int woken = 0;
    for (int tries = 0; tries < 5000 && !woken; tries++) {
        run_job(&notifier);
        CHECK_INT(notifier.rc, WF_OK);
        woken = notifier.result.of.i32;
        if (!woken)
            sleep_ms(1);
    }
    pthread_join(threads[0], NULL);
    CHECK_INT(woken, 1);
    CHECK_INT(waiter.rc, WF_OK);
    CHECK_INT(waiter.result.of.i32, 0);

    /* A wait without timeout ends with the interrupt (a request's deadline). */
    job_t stuck = {.inst = inst[2], .export = "wait", .arg_count = 1};
    stuck.arg.type = WF_I64;
    stuck.arg.of.i64 = -1;
    start = now_s();
    pthread_create(&threads[0], NULL, run_job, &stuck);
    sleep_ms(50);
    wf_instance_interrupt(inst[2]);
    pthread_join(threads[0], NULL);
    CHECK_INT(stuck.rc, WF_ERR_TRAP_INTERRUPTED);
    CHECK(now_s() - start < 2.0);
    wf_instance_clear_interrupt(inst[2]);

    /* Traps: unaligned access; waiting on an unshared memory. */
    job_t unaligned = {.inst = inst[3], .export = "unaligned", .arg_count = 0};
    run_job(&unaligned);
    CHECK_INT(unaligned.rc, WF_ERR_TRAP_UNALIGNED);
    wf_module_t *unshared = load(WAT_UNSHARED);
    CHECK(unshared != NULL);
    wf_instance_t *plain = NULL;
    if (unshared)
        CHECK_INT(wf_instance_new(unshared, NULL, 0, NULL, &plain, &err), WF_OK);
    if (plain) {
        job_t w = {.inst = plain, .export = "wait", .arg_count = 0};
        run_job(&w);
        CHECK_INT(w.rc, WF_ERR_TRAP_UNSHARED_WAIT);
        job_t n = {.inst = plain, .export = "notify", .arg_count = 0};
        run_job(&n);
        CHECK_INT(n.rc, WF_OK);
        CHECK_INT(n.result.of.i32, 0);
    }
    wf_instance_free(plain);
    wf_module_free(unshared);

    for (int i = 0; i < THREADS; i++)
        wf_instance_free(inst[i]);
    wf_memory_free(memory);
    wf_module_free(module);
    return TEST_DONE();
}
