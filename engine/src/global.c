/*
** Globals. The value is kept in the interpreter's slot encoding (runtime.h)
** so that global.get / global.set are plain loads and stores.
*/
#include "objects.h"

wf_global_t *wf__global_new(const wf_allocator_t *allocator, uint8_t type, bool mutable_,
                            const uint64_t value[2])
{
    static const wf_allocator_t libc_allocator = {0};
    if (!allocator)
        allocator = &libc_allocator;
    wf_global_t *global = wf__alloc(allocator, sizeof *global);
    if (!global)
        return NULL;
    atomic_init(&global->refcount, 1);
    global->type = type;
    global->mutable_ = mutable_;
    global->value[0] = value[0];
    global->value[1] = type == WF_V128 ? value[1] : 0;
    global->allocator = *allocator;
    return global;
}

wf_err_t wf_global_new(wf_valtype_t type, bool mutable_, const wf_val_t *value, wf_global_t **out)
{
    *out = NULL;
    if (!wf__valtype_known((uint8_t)type) || !value || value->type != type)
        return WF_ERR_ARGUMENT;
    uint64_t slots[2] = {0, 0};
    wf__val_to_slots((uint8_t)type, value, slots);
    *out = wf__global_new(NULL, (uint8_t)type, mutable_, slots);
    return *out ? WF_OK : WF_ERR_NOMEM;
}

wf_global_t *wf_global_retain(wf_global_t *global)
{
    if (global)
        atomic_fetch_add_explicit(&global->refcount, 1, memory_order_relaxed);
    return global;
}

void wf_global_free(wf_global_t *global)
{
    if (!global)
        return;
    if (atomic_fetch_sub_explicit(&global->refcount, 1, memory_order_acq_rel) != 1)
        return;
    wf_allocator_t allocator = global->allocator;
    wf__free(&allocator, global, sizeof *global);
}

void wf_global_get(const wf_global_t *global, wf_val_t *out)
{
    wf__val_from_slots(global->type, global->value, out);
}

wf_err_t wf_global_set(wf_global_t *global, const wf_val_t *value)
{
    if (!global->mutable_ || !value || (uint8_t)value->type != global->type)
        return WF_ERR_ARGUMENT;
    wf__val_to_slots(global->type, value, global->value);
    return WF_OK;
}

wf_valtype_t wf_global_type(const wf_global_t *global)
{
    return (wf_valtype_t)global->type;
}

bool wf_global_mutable(const wf_global_t *global)
{
    return global->mutable_;
}
