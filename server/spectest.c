/*
** The spectest host module (see spectest.h).
*/
#include "spectest.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The print functions, in the order of the table below. */
#define SPECTEST_FUNC_COUNT 7

static const struct {
    const char *name;
    uint32_t param_count;
    uint8_t params[2];
} spectest_funcs[SPECTEST_FUNC_COUNT] = {
    {"print", 0, {0, 0}},
    {"print_i32", 1, {WF_I32, 0}},
    {"print_i64", 1, {WF_I64, 0}},
    {"print_f32", 1, {WF_F32, 0}},
    {"print_f64", 1, {WF_F64, 0}},
    {"print_i32_f32", 2, {WF_I32, WF_F32}},
    {"print_f64_f64", 2, {WF_F64, WF_F64}},
};

/* What each print function gets as its user data: which one it is. */
typedef struct spectest_func_data {
    wf_spectest_t *spectest;
    int index;
} spectest_func_data_t;

struct wf_spectest {
    FILE *print_to;
    wf_func_t *funcs[SPECTEST_FUNC_COUNT];
    spectest_func_data_t func_data[SPECTEST_FUNC_COUNT];
    wf_table_t *table;
    wf_memory_t *memory;
    wf_global_t *global_i32;
    wf_global_t *global_i64;
    wf_global_t *global_f32;
    wf_global_t *global_f64;
};

/*
** The body of every print function: writes each argument as the reference
** interpreter does ("666 : i32"), one per line, when printing is enabled.
*/
static wf_err_t spectest_print(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    const spectest_func_data_t *data = wf_host_call_user_data(call);
    FILE *print_to = data->spectest->print_to;
    (void)results;
    if (!print_to)
        return WF_OK;
    for (uint32_t i = 0; i < spectest_funcs[data->index].param_count; i++) {
        const wf_val_t *v = &args[i];
        float f32;
        double f64;
        switch (spectest_funcs[data->index].params[i]) {
        case WF_I32:
            fprintf(print_to, "%" PRId32 " : i32\n", v->of.i32);
            break;
        case WF_I64:
            fprintf(print_to, "%" PRId64 " : i64\n", v->of.i64);
            break;
        case WF_F32:
            memcpy(&f32, &v->of.f32_bits, sizeof f32);
            fprintf(print_to, "%.9g : f32\n", (double)f32);
            break;
        case WF_F64:
            memcpy(&f64, &v->of.f64_bits, sizeof f64);
            fprintf(print_to, "%.17g : f64\n", f64);
            break;
        default:
            return WF_OK;
        }
    }
    return WF_OK;
}

wf_err_t wf_spectest_new(FILE *print_to, wf_spectest_t **out)
{
    wf_err_t rc = WF_ERR_NOMEM;
    *out = NULL;
    wf_spectest_t *spectest = calloc(1, sizeof *spectest);
    if (!spectest)
        return WF_ERR_NOMEM;
    spectest->print_to = print_to;

    for (int i = 0; i < SPECTEST_FUNC_COUNT; i++) {
        wf_functype_t type = {.param_count = spectest_funcs[i].param_count,
                              .result_count = 0,
                              .params = spectest_funcs[i].params,
                              .results = NULL};
        spectest->func_data[i].spectest = spectest;
        spectest->func_data[i].index = i;
        spectest->funcs[i] = wf_func_new_host(NULL, &type, spectest_print, &spectest->func_data[i]);
        if (!spectest->funcs[i])
            goto fail;
    }

    wf_limits_t table_limits = {.min = 10, .max = 20, .has_max = true, .shared = false};
    rc = wf_table_new(&table_limits, WF_FUNCREF, &spectest->table);
    if (rc != WF_OK)
        goto fail;
    wf_limits_t memory_limits = {.min = 1, .max = 2, .has_max = true, .shared = false};
    rc = wf_memory_new(&memory_limits, &spectest->memory);
    if (rc != WF_OK)
        goto fail;

    float f32 = 666.6f;
    double f64 = 666.6;
    wf_val_t v;
    v.type = WF_I32;
    v.of.i32 = 666;
    rc = wf_global_new(WF_I32, false, &v, &spectest->global_i32);
    if (rc != WF_OK)
        goto fail;
    v.type = WF_I64;
    v.of.i64 = 666;
    rc = wf_global_new(WF_I64, false, &v, &spectest->global_i64);
    if (rc != WF_OK)
        goto fail;
    v.type = WF_F32;
    memcpy(&v.of.f32_bits, &f32, sizeof f32);
    rc = wf_global_new(WF_F32, false, &v, &spectest->global_f32);
    if (rc != WF_OK)
        goto fail;
    v.type = WF_F64;
    memcpy(&v.of.f64_bits, &f64, sizeof f64);
    rc = wf_global_new(WF_F64, false, &v, &spectest->global_f64);
    if (rc != WF_OK)
        goto fail;

    *out = spectest;
    return WF_OK;

fail:
    wf_spectest_free(spectest);
    return rc;
}

void wf_spectest_free(wf_spectest_t *spectest)
{
    if (!spectest)
        return;
    wf_global_free(spectest->global_f64);
    wf_global_free(spectest->global_f32);
    wf_global_free(spectest->global_i64);
    wf_global_free(spectest->global_i32);
    wf_memory_free(spectest->memory);
    wf_table_free(spectest->table);
    for (int i = 0; i < SPECTEST_FUNC_COUNT; i++)
        wf_func_free(spectest->funcs[i]);
    free(spectest);
}

wf_err_t wf_spectest_lookup(wf_spectest_t *spectest, const char *name, wf_extern_t *out)
{
    for (int i = 0; i < SPECTEST_FUNC_COUNT; i++) {
        if (!strcmp(name, spectest_funcs[i].name)) {
            out->kind = WF_EXTERN_FUNC;
            out->of.func = spectest->funcs[i];
            return WF_OK;
        }
    }
    wf_global_t *global = NULL;
    if (!strcmp(name, "global_i32"))
        global = spectest->global_i32;
    else if (!strcmp(name, "global_i64"))
        global = spectest->global_i64;
    else if (!strcmp(name, "global_f32"))
        global = spectest->global_f32;
    else if (!strcmp(name, "global_f64"))
        global = spectest->global_f64;
    if (global) {
        out->kind = WF_EXTERN_GLOBAL;
        out->of.global = global;
        return WF_OK;
    }
    if (!strcmp(name, "table")) {
        out->kind = WF_EXTERN_TABLE;
        out->of.table = spectest->table;
        return WF_OK;
    }
    if (!strcmp(name, "memory")) {
        out->kind = WF_EXTERN_MEMORY;
        out->of.memory = spectest->memory;
        return WF_OK;
    }
    return WF_ERR_NOT_FOUND;
}
