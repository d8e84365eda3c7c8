/*
** The text-format guide's examples (the .wat files in examples/text-guide), each loaded
** through wf_wat_to_wasm + wf_module_load, linked to host-made imports where
** it needs them, and checked to behave as the guide describes: add,
** getAnswerPlus1, the imported logger, the imported mutable global, "Hi" in
** an imported memory, callByIndex through a table, two modules sharing one
** memory and one table, multi-value results, and bulk memory.
*/
#include <string.h>

#include "test.h"
#include "wf/text.h"
#include "wf/wf.h"

/* Where the examples are: ../../../examples/text-guide from this file. */
static void example_path(char *out, size_t size, const char *name)
{
    const char *file = __FILE__;
    const char *tail = strstr(file, "tests/unit/text/guide_test.c");
    int prefix = tail ? (int)(tail - file) : 0;
    snprintf(out, size, "%.*sexamples/text-guide/%s", prefix, file, name);
}

/*
** Reads, encodes and loads one example. Returns the module (owned, free with
** wf_module_free) or NULL after printing why.
*/
static wf_module_t *load(const char *name)
{
    char path[1024];
    example_path(path, sizeof path, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            char *grown = realloc(text, cap);
            if (!grown)
                goto fail_read;
            text = grown;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    f = NULL;

    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    if (wf_wat_to_wasm(text, len, &bytes, &size, &err) != WF_OK) {
        fprintf(stderr, "%s:%u:%u: %s\n", path, err.line, err.column, err.message);
        goto fail_read;
    }
    wf_module_t *module = NULL;
    wf_load_options_t options = {.allocator = NULL, .name = name};
    if (wf_module_load(&options, bytes, size, &module, &err) != WF_OK) {
        fprintf(stderr, "%s: load: %s (offset %zu)\n", path, err.message, err.offset);
        module = NULL;
    }
    wf_wat_free(bytes);
    free(text);
    return module;

fail_read:
    if (f)
        fclose(f);
    free(text);
    return NULL;
}

/* Instantiates module with imports; returns the instance or NULL after printing why. */
static wf_instance_t *instantiate(wf_module_t *module, const wf_extern_t *imports, size_t count)
{
    wf_instance_t *instance = NULL;
    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    if (wf_instance_new(module, imports, count, NULL, &instance, &err) != WF_OK) {
        fprintf(stderr, "instantiate: %s\n", err.message);
        return NULL;
    }
    return instance;
}

/* The exported function name of instance, or NULL. Borrowed. */
static wf_func_t *export_func(wf_instance_t *instance, const char *name)
{
    wf_extern_t ext;
    if (wf_instance_export(instance, name, &ext) != WF_OK || ext.kind != WF_EXTERN_FUNC) {
        fprintf(stderr, "no exported function \"%s\"\n", name);
        return NULL;
    }
    return ext.of.func;
}

/*
** Calls export name with up to three i32 arguments; stores up to two i32
** results in out. Returns the call's code (a trap code when it trapped).
*/
static wf_err_t call(wf_instance_t *instance, const char *name, const int32_t *args,
                     size_t arg_count, int32_t *out, size_t result_count)
{
    wf_func_t *func = export_func(instance, name);
    if (!func)
        return WF_ERR_NOT_FOUND;
    wf_val_t in[3], res[2];
    for (size_t i = 0; i < arg_count && i < 3; i++) {
        in[i].type = WF_I32;
        in[i].of.i32 = args[i];
    }
    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    wf_err_t code = wf_func_call(func, in, arg_count, res, result_count, &err);
    if (code != WF_OK)
        return code;
    for (size_t i = 0; i < result_count && i < 2; i++) {
        CHECK_INT(res[i].type, WF_I32);
        out[i] = res[i].of.i32;
    }
    return WF_OK;
}

/* Copies n (< 16) bytes at data + offset into buf as a string, for CHECK_STR. */
static const char *text_at(const uint8_t *data, size_t offset, size_t n, char buf[16])
{
    memcpy(buf, data + offset, n);
    buf[n] = 0;
    return buf;
}

static const uint8_t I32X2[2] = {WF_I32, WF_I32};
static const uint8_t I32X1[1] = {WF_I32};

/* add.wat: add(2, 3) = 5, add(-1, 1) = 0, and it wraps. */
static void test_add(void)
{
    wf_module_t *module = load("add.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    wf_instance_t *instance = instantiate(module, NULL, 0);
    CHECK(instance != NULL);
    if (instance) {
        int32_t r = 0;
        CHECK_INT(call(instance, "add", (int32_t[]){2, 3}, 2, &r, 1), WF_OK);
        CHECK_INT(r, 5);
        CHECK_INT(call(instance, "add", (int32_t[]){-1, 1}, 2, &r, 1), WF_OK);
        CHECK_INT(r, 0);
        CHECK_INT(call(instance, "add", (int32_t[]){INT32_MAX, 1}, 2, &r, 1), WF_OK);
        CHECK_INT(r, INT32_MIN);
        wf_instance_free(instance);
    }
    wf_module_free(module);
}

/* call.wat: getAnswerPlus1 calls $getAnswer (42, not exported) and returns 43. */
static void test_call(void)
{
    wf_module_t *module = load("call.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    CHECK_INT(wf_module_export_count(module), 1);
    wf_instance_t *instance = instantiate(module, NULL, 0);
    CHECK(instance != NULL);
    if (instance) {
        int32_t r = 0;
        CHECK_INT(call(instance, "getAnswerPlus1", NULL, 0, &r, 1), WF_OK);
        CHECK_INT(r, 43);
        wf_instance_free(instance);
    }
    wf_module_free(module);
}

/* What the logging host functions saw. */
typedef struct log_record {
    int32_t values[8];
    int count;
    char text[16];        /* logger2: the string read out of memory */
    wf_memory_t *memory;  /* logger2: the memory the host made */
    int same_memory;      /* logger2: the caller's memory 0 is that memory */
} log_record_t;

/* console.log(i32): records the value. */
static wf_err_t host_log(wf_host_call_t *call_, const wf_val_t *args, wf_val_t *results)
{
    (void)results;
    log_record_t *rec = wf_host_call_user_data(call_);
    if (rec->count < 8)
        rec->values[rec->count] = args[0].of.i32;
    rec->count++;
    return WF_OK;
}

/* console.log(offset, length): reads the string out of the imported memory. */
static wf_err_t host_log_string(wf_host_call_t *call_, const wf_val_t *args, wf_val_t *results)
{
    (void)results;
    log_record_t *rec = wf_host_call_user_data(call_);
    uint32_t offset = (uint32_t)args[0].of.i32, length = (uint32_t)args[1].of.i32;
    rec->count++;
    rec->same_memory = wf_host_call_memory(call_) == rec->memory;
    if (length >= sizeof rec->text || (uint64_t)offset + length > wf_memory_size(rec->memory))
        return wf_host_call_trap(call_, "console.log: string out of range");
    memcpy(rec->text, wf_memory_data(rec->memory) + offset, length);
    rec->text[length] = 0;
    return WF_OK;
}

/* logger.wat: logIt calls the imported console.log with 13. */
static void test_logger(void)
{
    wf_module_t *module = load("logger.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    CHECK_INT(wf_module_import_count(module), 1);
    wf_import_desc_t desc;
    CHECK_INT(wf_module_import(module, 0, &desc), WF_OK);
    CHECK_STR(desc.module, "console");
    CHECK_STR(desc.name, "log");

    log_record_t rec;
    memset(&rec, 0, sizeof rec);
    wf_functype_t type = {.param_count = 1, .result_count = 0, .params = I32X1, .results = NULL};
    wf_func_t *log = wf_func_new_host(NULL, &type, host_log, &rec);
    CHECK(log != NULL);
    if (log) {
        wf_extern_t import = {.kind = WF_EXTERN_FUNC, .of.func = log};
        wf_instance_t *instance = instantiate(module, &import, 1);
        CHECK(instance != NULL);
        if (instance) {
            CHECK_INT(call(instance, "logIt", NULL, 0, NULL, 0), WF_OK);
            CHECK_INT(call(instance, "logIt", NULL, 0, NULL, 0), WF_OK);
            CHECK_INT(rec.count, 2);
            CHECK_INT(rec.values[0], 13);
            CHECK_INT(rec.values[1], 13);
            wf_instance_free(instance);
        }
        wf_func_free(log);
    }
    wf_module_free(module);
}

/*
** global.wat: the host makes a mutable i32 global (0); wasm reads it, the
** host sets it to 42 and wasm sees 42, wasm increments it and the host reads
** 43.
*/
static void test_global(void)
{
    wf_module_t *module = load("global.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    wf_global_t *global = NULL;
    wf_val_t v = {.type = WF_I32, .of.i32 = 0};
    CHECK_INT(wf_global_new(WF_I32, true, &v, &global), WF_OK);
    if (global) {
        wf_extern_t import = {.kind = WF_EXTERN_GLOBAL, .of.global = global};
        wf_instance_t *instance = instantiate(module, &import, 1);
        CHECK(instance != NULL);
        if (instance) {
            int32_t r = -1;
            CHECK_INT(call(instance, "getGlobal", NULL, 0, &r, 1), WF_OK);
            CHECK_INT(r, 0);
            v.of.i32 = 42;
            CHECK_INT(wf_global_set(global, &v), WF_OK);
            CHECK_INT(call(instance, "getGlobal", NULL, 0, &r, 1), WF_OK);
            CHECK_INT(r, 42);
            CHECK_INT(call(instance, "incGlobal", NULL, 0, NULL, 0), WF_OK);
            wf_val_t got;
            wf_global_get(global, &got);
            CHECK_INT(got.type, WF_I32);
            CHECK_INT(got.of.i32, 43);
            CHECK_INT(call(instance, "getGlobal", NULL, 0, &r, 1), WF_OK);
            CHECK_INT(r, 43);
            wf_instance_free(instance);
        }
        /* An immutable global does not match the (mut i32) import. */
        wf_global_t *fixed = NULL;
        CHECK_INT(wf_global_new(WF_I32, false, &v, &fixed), WF_OK);
        if (fixed) {
            wf_extern_t bad = {.kind = WF_EXTERN_GLOBAL, .of.global = fixed};
            wf_instance_t *no = NULL;
            wf_error_info_t err;
            CHECK(wf_instance_new(module, &bad, 1, NULL, &no, &err) != WF_OK);
            CHECK(no == NULL);
            wf_global_free(fixed);
        }
        wf_global_free(global);
    }
    wf_module_free(module);
}

/*
** logger2.wat: the host makes the memory, the data segment writes "Hi" at 0
** on instantiation, and writeHi passes (0, 2) to console.log, which reads
** "Hi" out of that memory.
*/
static void test_logger2(void)
{
    wf_module_t *module = load("logger2.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    log_record_t rec;
    char buf[16];
    memset(&rec, 0, sizeof rec);
    wf_limits_t limits = {.min = 1, .max = 0, .has_max = false, .shared = false};
    CHECK_INT(wf_memory_new(&limits, &rec.memory), WF_OK);
    wf_functype_t type = {.param_count = 2, .result_count = 0, .params = I32X2, .results = NULL};
    wf_func_t *log = wf_func_new_host(NULL, &type, host_log_string, &rec);
    CHECK(log != NULL);
    if (log && rec.memory) {
        wf_extern_t imports[2] = {{.kind = WF_EXTERN_FUNC, .of.func = log},
                                  {.kind = WF_EXTERN_MEMORY, .of.memory = rec.memory}};
        wf_instance_t *instance = instantiate(module, imports, 2);
        CHECK(instance != NULL);
        if (instance) {
            /* The active segment already wrote the bytes. */
            CHECK_STR(text_at(wf_memory_data(rec.memory), 0, 2, buf), "Hi");
            CHECK_INT(call(instance, "writeHi", NULL, 0, NULL, 0), WF_OK);
            CHECK_INT(rec.count, 1);
            CHECK_STR(rec.text, "Hi");
            CHECK_INT(rec.same_memory, 1);
            wf_instance_free(instance);
        }
    }
    wf_func_free(log);
    wf_memory_free(rec.memory);
    wf_module_free(module);
}

/* wasm-table.wat: callByIndex(0) = 42, (1) = 13, (2) traps (undefined element). */
static void test_table(void)
{
    wf_module_t *module = load("wasm-table.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    wf_instance_t *instance = instantiate(module, NULL, 0);
    CHECK(instance != NULL);
    if (instance) {
        int32_t r = 0;
        CHECK_INT(call(instance, "callByIndex", (int32_t[]){0}, 1, &r, 1), WF_OK);
        CHECK_INT(r, 42);
        CHECK_INT(call(instance, "callByIndex", (int32_t[]){1}, 1, &r, 1), WF_OK);
        CHECK_INT(r, 13);
        CHECK_INT(call(instance, "callByIndex", (int32_t[]){2}, 1, &r, 1),
                  WF_ERR_TRAP_UNDEFINED_ELEM);
        /* The instance stays usable after the trap. */
        CHECK_INT(call(instance, "callByIndex", (int32_t[]){0}, 1, &r, 1), WF_OK);
        CHECK_INT(r, 42);
        wf_instance_free(instance);
    }
    wf_module_free(module);
}

/*
** shared0.wat + shared1.wat: the host makes one memory and one table and
** both modules import them. shared0 puts its function in table slot 0;
** shared1's doIt stores 42 at address 0 and calls slot 0, which loads it.
*/
static void test_shared(void)
{
    wf_module_t *m0 = load("shared0.wat");
    wf_module_t *m1 = load("shared1.wat");
    CHECK(m0 != NULL);
    CHECK(m1 != NULL);
    wf_memory_t *memory = NULL;
    wf_table_t *table = NULL;
    wf_limits_t mem_limits = {.min = 1, .max = 0, .has_max = false, .shared = false};
    wf_limits_t table_limits = {.min = 1, .max = 0, .has_max = false, .shared = false};
    CHECK_INT(wf_memory_new(&mem_limits, &memory), WF_OK);
    CHECK_INT(wf_table_new(&table_limits, WF_FUNCREF, &table), WF_OK);
    if (!m0 || !m1 || !memory || !table)
        goto done;

    wf_val_t slot;
    CHECK_INT(wf_table_get(table, 0, &slot), WF_OK);
    CHECK(slot.of.funcref == NULL);

    wf_extern_t imports[2] = {{.kind = WF_EXTERN_MEMORY, .of.memory = memory},
                              {.kind = WF_EXTERN_TABLE, .of.table = table}};
    wf_instance_t *i0 = instantiate(m0, imports, 2);
    CHECK(i0 != NULL);
    wf_instance_t *i1 = i0 ? instantiate(m1, imports, 2) : NULL;
    CHECK(i1 != NULL);
    if (i0 && i1) {
        /* shared0's element segment filled slot 0 of the host's table. */
        CHECK_INT(wf_table_get(table, 0, &slot), WF_OK);
        CHECK(slot.of.funcref != NULL);
        int32_t r = 0;
        CHECK_INT(call(i1, "doIt", NULL, 0, &r, 1), WF_OK);
        CHECK_INT(r, 42);
        /* The host sees the store in the shared memory... */
        int32_t stored;
        memcpy(&stored, wf_memory_data(memory), 4);
        CHECK_INT(stored, 42);
        /* ...and a store by the host is what shared0's function loads. */
        stored = 7;
        memcpy(wf_memory_data(memory), &stored, 4);
        if (slot.of.funcref) {
            wf_val_t res;
            wf_error_info_t err;
            CHECK_INT(wf_func_call(slot.of.funcref, NULL, 0, &res, 1, &err), WF_OK);
            CHECK_INT(res.of.i32, 7);
        }
    }
    wf_instance_free(i1);
    wf_instance_free(i0);
done:
    wf_table_free(table);
    wf_memory_free(memory);
    wf_module_free(m1);
    wf_module_free(m0);
}

/* multi-value.wat: get_two_numbers = (1, 2), add_two_numbers = 3, swap(7, 9) = (9, 7). */
static void test_multi_value(void)
{
    wf_module_t *module = load("multi-value.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    wf_export_desc_t desc;
    CHECK_INT(wf_module_find_export(module, "get_two_numbers", &desc), WF_OK);
    CHECK_INT(desc.type.func.result_count, 2);
    wf_instance_t *instance = instantiate(module, NULL, 0);
    CHECK(instance != NULL);
    if (instance) {
        int32_t r[2] = {0, 0};
        CHECK_INT(call(instance, "get_two_numbers", NULL, 0, r, 2), WF_OK);
        CHECK_INT(r[0], 1);
        CHECK_INT(r[1], 2);
        CHECK_INT(call(instance, "add_two_numbers", NULL, 0, r, 1), WF_OK);
        CHECK_INT(r[0], 3);
        CHECK_INT(call(instance, "swap", (int32_t[]){7, 9}, 2, r, 2), WF_OK);
        CHECK_INT(r[0], 9);
        CHECK_INT(r[1], 7);
        wf_instance_free(instance);
    }
    wf_module_free(module);
}

/*
** bulk-memory.wat: fill, copy (overlapping too), init from the passive
** segment, and init after data.drop traps.
*/
static void test_bulk_memory(void)
{
    wf_module_t *module = load("bulk-memory.wat");
    CHECK(module != NULL);
    if (!module)
        return;
    wf_instance_t *instance = instantiate(module, NULL, 0);
    CHECK(instance != NULL);
    if (instance) {
        wf_memory_t *memory = wf_instance_memory(instance, 0);
        CHECK(memory != NULL);
        const uint8_t *data = memory ? wf_memory_data(memory) : NULL;
        char buf[16];
        /* A passive segment writes nothing on instantiation. */
        if (data)
            CHECK_INT(data[0], 0);

        CHECK_INT(call(instance, "fill", (int32_t[]){10, 'A', 3}, 3, NULL, 0), WF_OK);
        if (data) {
            CHECK_STR(text_at(data, 10, 3, buf), "AAA");
            CHECK_INT(data[9], 0);
            CHECK_INT(data[13], 0);
        }
        int32_t r = 0;
        CHECK_INT(call(instance, "load8", (int32_t[]){11}, 1, &r, 1), WF_OK);
        CHECK_INT(r, 'A');

        CHECK_INT(call(instance, "init", (int32_t[]){100}, 1, NULL, 0), WF_OK);
        if (data)
            CHECK_STR(text_at(data, 100, 5, buf), "Hello");
        CHECK_INT(call(instance, "copy", (int32_t[]){200, 100, 5}, 3, NULL, 0), WF_OK);
        if (data)
            CHECK_STR(text_at(data, 200, 5, buf), "Hello");
        /* Overlapping copy, forward: as if through a temporary buffer. */
        CHECK_INT(call(instance, "copy", (int32_t[]){102, 100, 5}, 3, NULL, 0), WF_OK);
        if (data)
            CHECK_STR(text_at(data, 100, 7, buf), "HeHello");

        /* Out of bounds: a fill past the end traps and writes nothing. */
        CHECK_INT(call(instance, "fill", (int32_t[]){65535, 'B', 2}, 3, NULL, 0),
                  WF_ERR_TRAP_MEMORY_OOB);
        if (data)
            CHECK_INT(data[65535], 0);

        /* After data.drop the segment is empty: init of 5 bytes traps. */
        CHECK_INT(call(instance, "drop", NULL, 0, NULL, 0), WF_OK);
        CHECK_INT(call(instance, "init", (int32_t[]){300}, 1, NULL, 0), WF_ERR_TRAP_MEMORY_OOB);
        if (data)
            CHECK_INT(data[300], 0);
        /* Dropping twice is allowed. */
        CHECK_INT(call(instance, "drop", NULL, 0, NULL, 0), WF_OK);
        wf_instance_free(instance);
    }
    wf_module_free(module);
}

int main(void)
{
    test_add();
    test_call();
    test_logger();
    test_global();
    test_logger2();
    test_table();
    test_shared();
    test_multi_value();
    test_bulk_memory();
    return TEST_DONE();
}
