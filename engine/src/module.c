/*
** Loading a module: copy the bytes, then decode, validate and compile. Also
** the module's reference count, its free, and the read-only queries of the
** public API.
*/
#include <string.h>

#include "runtime.h"

wf_err_t wf_module_load(const wf_load_options_t *options, const uint8_t *bytes, size_t size,
                        wf_module_t **out, wf_error_info_t *err)
{
    static const wf_allocator_t libc_allocator = {0};
    const wf_allocator_t *allocator =
        options && options->allocator ? options->allocator : &libc_allocator;
    wf_err_t rc;

    *out = NULL;
    wf_module_t *module = wf__calloc(allocator, 1, sizeof *module);
    if (!module)
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    module->allocator = *allocator;
    atomic_init(&module->refcount, 1);
    if (options && options->name) {
        module->debug_name = wf__strndup(allocator, options->name, strlen(options->name));
        if (!module->debug_name) {
            rc = wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
            goto fail;
        }
    }
    module->bytes = wf__alloc(allocator, size);
    if (!module->bytes) {
        rc = wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
        goto fail;
    }
    if (size)
        memcpy(module->bytes, bytes, size);
    module->size = size;

    rc = wf__decode(module, err);
    if (rc != WF_OK)
        goto fail;
    rc = wf__validate(module, err);
    if (rc != WF_OK)
        goto fail;
    rc = wf__compile(module, err);
    if (rc != WF_OK)
        goto fail;
    *out = module;
    return WF_OK;

fail:
    wf_module_free(module);
    return rc;
}

wf_module_t *wf_module_retain(wf_module_t *module)
{
    if (module)
        atomic_fetch_add_explicit(&module->refcount, 1, memory_order_relaxed);
    return module;
}

void wf_module_free(wf_module_t *module)
{
    if (!module)
        return;
    if (atomic_fetch_sub_explicit(&module->refcount, 1, memory_order_acq_rel) != 1)
        return;
    wf_allocator_t allocator = module->allocator;
    wf__module_clear(module);
    if (module->debug_name)
        wf__free(&allocator, module->debug_name, strlen(module->debug_name) + 1);
    wf__free(&allocator, module->bytes, module->size);
    wf__free(&allocator, module, sizeof *module);
}
