/*
** Helpers of the engine's unit tests that build modules from WAT text:
** load, instantiate, find an exported function. Each says on stderr why it
** failed and returns NULL.
*/
#ifndef WF_TEST_WAT_UTIL_H
#define WF_TEST_WAT_UTIL_H

#include <stdio.h>
#include <string.h>

#include "wf/text.h"
#include "wf/wf.h"

static inline wf_module_t *load(const char *wat)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_error_info_t err;
    if (wf_wat_to_wasm(wat, strlen(wat), &bytes, &size, &err) != WF_OK) {
        fprintf(stderr, "wat: %s (line %u)\n", err.message, err.line);
        return NULL;
    }
    wf_module_t *module = NULL;
    if (wf_module_load(NULL, bytes, size, &module, &err) != WF_OK)
        fprintf(stderr, "load: %s\n", err.message);
    wf_wat_free(bytes);
    return module;
}

/* limits may be NULL (the defaults). */
static inline wf_instance_t *instantiate(wf_module_t *module, const wf_extern_t *imports, size_t n,
                                         const wf_instance_limits_t *limits)
{
    wf_instance_t *instance = NULL;
    wf_error_info_t err;
    if (!module || wf_instance_new(module, imports, n, limits, &instance, &err) != WF_OK) {
        fprintf(stderr, "instantiate: %s\n", module ? err.message : "no module");
        return NULL;
    }
    return instance;
}

static inline wf_func_t *export_func(wf_instance_t *instance, const char *name)
{
    wf_extern_t e;
    if (!instance || wf_instance_export(instance, name, &e) != WF_OK || e.kind != WF_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

#endif
