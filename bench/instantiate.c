/*
** Benchmark: the request path's engine cost. Each run instantiates a small
** module (a memory of one page, a mutable global, a table with one active
** element segment, a data segment) and calls its exported add(i32, i32),
** then frees the instance. Prints the median and 99th percentile of the
** whole run, and of instantiation alone, in microseconds: once with fresh
** memories, once with a wf_memory_pool_t.
**
** Build (release) and run:
**   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
**   cmake --build build/release --target wf_engine_goto
**   cc -O2 -Iengine/include bench/instantiate.c build/release/libwf_engine_goto.a \
**      -lpthread -lm -o build/release/bench-instantiate
**   ./build/release/bench-instantiate [runs [FILE.wasm...]]
** With files: instantiate+free of each (imports stubbed), no call.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wf/wf.h"

/*
** (module
**   (memory 1)
**   (global $g (mut i32) (i32.const 0))
**   (table 2 funcref)
**   (func $add (export "add") (param i32 i32) (result i32)
**     local.get 0 local.get 1 i32.add)
**   (elem (i32.const 0) $add)
**   (data (i32.const 16) "hello"))
*/
static const uint8_t module_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x07,
    0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b,
    0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x0b,
    0x0b, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *samples, size_t n)
{
    qsort(samples, n, sizeof *samples, compare);
    printf("%-44s median %.2f us   p99 %.2f us   (%zu runs)\n", what,
           (double)samples[n / 2] / 1000.0, (double)samples[n * 99 / 100] / 1000.0, n);
}

/* Runs the loop; pool may be NULL. Returns 0, or 1 on a failure. */
static int run(wf_module_t *module, wf_memory_pool_t *pool, size_t runs, const char *label)
{
    uint64_t *whole = malloc(runs * sizeof *whole), *inst_only = malloc(runs * sizeof *inst_only);
    if (!whole || !inst_only)
        return 1;
    wf_instance_limits_t limits = {.memory_pool = pool};
    wf_error_info_t err;
    for (size_t i = 0; i < runs; i++) {
        uint64_t t0 = now_ns();
        wf_instance_t *instance;
        wf_err_t rc = wf_instance_new(module, NULL, 0, &limits, &instance, &err);
        uint64_t t1 = now_ns();
        if (rc != WF_OK) {
            fprintf(stderr, "instantiate: %s: %s\n", wf_strerror(rc), err.message);
            return 1;
        }
        wf_extern_t add;
        wf_val_t args[2] = {{.type = WF_I32, .of.i32 = (int32_t)i}, {.type = WF_I32, .of.i32 = 1}};
        wf_val_t result;
        if (wf_instance_export(instance, "add", &add) != WF_OK) {
            fprintf(stderr, "export \"add\" not found\n");
            return 1;
        }
        rc = wf_func_call(add.of.func, args, 2, &result, 1, &err);
        if (rc != WF_OK) {
            fprintf(stderr, "call failed: %s: %s\n", wf_strerror(rc), err.message);
            return 1;
        }
        if (result.of.i32 != (int32_t)i + 1) {
            fprintf(stderr, "add(%d, 1) returned %d\n", (int)i, (int)result.of.i32);
            return 1;
        }
        wf_instance_free(instance);
        uint64_t t2 = now_ns();
        whole[i] = t2 - t0;
        inst_only[i] = t1 - t0;
    }
    char what[64];
    snprintf(what, sizeof what, "%s: new+call+free", label);
    report(what, whole, runs);
    snprintf(what, sizeof what, "%s: new only", label);
    report(what, inst_only, runs);
    free(whole);
    free(inst_only);
    return 0;
}

static wf_err_t stub(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    (void)args;
    (void)results;
    return wf_host_call_trap(call, "stub import");
}

/*
** Instantiating a module from a file: every import is satisfied by a stub
** (functions trap; memories, tables and globals are made to its type).
** Measures instantiate+free only; nothing is called.
*/
static int run_file(const char *path, size_t runs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    static uint8_t bytes[16 << 20];
    size_t size = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    wf_module_t *module;
    wf_error_info_t err;
    wf_err_t rc = wf_module_load(NULL, bytes, size, &module, &err);
    if (rc != WF_OK) {
        fprintf(stderr, "load: %s: %s\n", wf_strerror(rc), err.message);
        return 1;
    }
    uint32_t count = wf_module_import_count(module);
    wf_extern_t *imports = calloc(count ? count : 1, sizeof *imports);
    for (uint32_t i = 0; i < count; i++) {
        wf_import_desc_t d;
        wf_module_import(module, i, &d);
        imports[i].kind = d.type.kind;
        wf_val_t zero = {.type = (wf_valtype_t)d.type.global_type};
        switch (d.type.kind) {
        case WF_EXTERN_FUNC:
            imports[i].of.func = wf_func_new_host(NULL, &d.type.func, stub, NULL);
            break;
        case WF_EXTERN_MEMORY:
            wf_memory_new(&d.type.limits, &imports[i].of.memory);
            break;
        case WF_EXTERN_TABLE:
            wf_table_new(&d.type.limits, (wf_valtype_t)d.type.elem_type, &imports[i].of.table);
            break;
        case WF_EXTERN_GLOBAL:
            wf_global_new(zero.type, d.type.global_mutable, &zero, &imports[i].of.global);
            break;
        }
    }
    wf_memory_pool_t *pool;
    if (wf_memory_pool_new(NULL, 0, &pool) != WF_OK)
        return 1;
    uint64_t *samples = malloc(runs * sizeof *samples);
    for (int pooled = 0; pooled < 2; pooled++) {
        wf_instance_limits_t limits = {.memory_pool = pooled ? pool : NULL};
        for (size_t i = 0; i < runs; i++) {
            uint64_t t0 = now_ns();
            wf_instance_t *instance;
            rc = wf_instance_new(module, imports, count, &limits, &instance, &err);
            if (rc != WF_OK) {
                fprintf(stderr, "instantiate: %s: %s\n", wf_strerror(rc), err.message);
                return 1;
            }
            wf_instance_free(instance);
            samples[i] = now_ns() - t0;
        }
        char what[300];
        snprintf(what, sizeof what, "%s%s: new+free", path, pooled ? " (pool)" : "");
        report(what, samples, runs);
    }
    for (uint32_t i = 0; i < count; i++) {
        switch (imports[i].kind) {
        case WF_EXTERN_FUNC:
            wf_func_free(imports[i].of.func);
            break;
        case WF_EXTERN_MEMORY:
            wf_memory_free(imports[i].of.memory);
            break;
        case WF_EXTERN_TABLE:
            wf_table_free(imports[i].of.table);
            break;
        case WF_EXTERN_GLOBAL:
            wf_global_free(imports[i].of.global);
            break;
        }
    }
    free(samples);
    free(imports);
    wf_memory_pool_free(pool);
    wf_module_free(module);
    return 0;
}

int main(int argc, char **argv)
{
    size_t runs = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    if (runs == 0)
        runs = 1;
    if (argc > 2) {
        int status = 0;
        for (int i = 2; i < argc; i++)
            status |= run_file(argv[i], runs);
        return status;
    }
    wf_module_t *module;
    wf_error_info_t err;
    wf_err_t rc = wf_module_load(NULL, module_bytes, sizeof module_bytes, &module, &err);
    if (rc != WF_OK) {
        fprintf(stderr, "load: %s: %s\n", wf_strerror(rc), err.message);
        return 1;
    }
    wf_memory_pool_t *pool;
    if (wf_memory_pool_new(NULL, 0, &pool) != WF_OK)
        return 1;
    int status = run(module, NULL, runs, "no pool") || run(module, pool, runs, "memory pool");
    wf_memory_pool_free(pool);
    wf_module_free(module);
    return status;
}
