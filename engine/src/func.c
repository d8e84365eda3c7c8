/*
** Functions: host functions made by the embedder, the host-call interface
** they see, and wf_func_call, the embedder's entry into any function.
*/
#include "objects.h"
#include "os.h"

/* Argument arrays up to this many values or slots live on the C stack. */
#define SMALL_VALS 8
#define SMALL_SLOTS 32

/* ---------------------------------------------------------------------- */
/* Host functions                                                          */
/* ---------------------------------------------------------------------- */

wf_func_t *wf_func_new_host(const wf_allocator_t *allocator, const wf_functype_t *type,
                            wf_host_fn_t fn, void *user_data)
{
    static const wf_allocator_t libc_allocator = {0};
    if (!allocator)
        allocator = &libc_allocator;
    if (!type || !fn || type->param_count > WF_MAX_PARAMS || type->result_count > WF_MAX_RESULTS)
        return NULL;
    for (uint32_t i = 0; i < type->param_count; i++)
        if (!wf__valtype_known(type->params[i]))
            return NULL;
    for (uint32_t i = 0; i < type->result_count; i++)
        if (!wf__valtype_known(type->results[i]))
            return NULL;

    wf_func_t *func = wf__calloc(allocator, 1, sizeof *func);
    if (!func)
        return NULL;
    size_t count = (size_t)type->param_count + type->result_count;
    func->own_type.types = wf__alloc(allocator, count);
    if (!func->own_type.types) {
        wf__free(allocator, func, sizeof *func);
        return NULL;
    }
    if (type->param_count)
        memcpy(func->own_type.types, type->params, type->param_count);
    if (type->result_count)
        memcpy(func->own_type.types + type->param_count, type->results, type->result_count);
    func->own_type.param_count = type->param_count;
    func->own_type.result_count = type->result_count;
    func->type = &func->own_type;
    func->index = WF_NO_INDEX;
    func->host_fn = fn;
    func->user_data = user_data;
    func->allocator = *allocator;
    return func;
}

void wf_func_free(wf_func_t *func)
{
    if (!func || !func->host_fn || func->instance)
        return;
    wf_allocator_t allocator = func->allocator;
    size_t count = (size_t)func->own_type.param_count + func->own_type.result_count;
    wf__free(&allocator, func->own_type.types, count ? count : 1);
    wf__free(&allocator, func, sizeof *func);
}

wf_functype_t wf_func_type(const wf_func_t *func)
{
    wf_functype_t view = {
        .param_count = func->type->param_count,
        .result_count = func->type->result_count,
        .params = WF__PARAMS(func->type),
        .results = WF__RESULTS(func->type),
    };
    return view;
}

/* ---------------------------------------------------------------------- */
/* The host-call interface                                                 */
/* ---------------------------------------------------------------------- */

void *wf_host_call_user_data(wf_host_call_t *call)
{
    return call->func->user_data;
}

wf_instance_t *wf_host_call_instance(wf_host_call_t *call)
{
    return call->caller;
}

wf_memory_t *wf_host_call_memory(wf_host_call_t *call)
{
    return call->caller ? wf_instance_memory(call->caller, 0) : NULL;
}

wf_err_t wf_host_call_trap(wf_host_call_t *call, const char *message)
{
    return wf__error(call->err, WF_ERR_TRAP_HOST, 0, "%s",
                     message ? message : wf_strerror(WF_ERR_TRAP_HOST));
}

wf_err_t wf_host_call_exit(wf_host_call_t *call, int status)
{
    wf__error(call->err, WF_ERR_EXIT, 0, "program exited with status %d", status);
    if (call->err)
        call->err->exit_code = status;
    return WF_ERR_EXIT;
}

/*
** Calls a host function on slot-encoded values: converts the params to
** wf_val_t, calls the callback, and writes its results back as slots by the
** declared result types (the callback's own type tags are not trusted). An
** error from the callback is returned as is; if the callback did not record
** a message through wf_host_call_trap/_exit, err gets the code's text.
*/
wf_err_t wf__host_call(wf_func_t *func, wf_instance_t *caller, uint64_t *slots,
                       wf_error_info_t *err)
{
    const wf__functype_t *type = func->type;
    if (!func->host_fn)
        return wf__error(err, WF_ERR_ARGUMENT, 0, "not a host function");
    wf_val_t small_args[SMALL_VALS], small_results[SMALL_VALS];
    wf_val_t *args = small_args, *results = small_results;
    const wf_allocator_t *allocator = caller ? &caller->allocator : &func->allocator;
    if (type->param_count > SMALL_VALS) {
        args = wf__alloc(allocator, type->param_count * sizeof *args);
        if (!args)
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    }
    if (type->result_count > SMALL_VALS) {
        results = wf__alloc(allocator, type->result_count * sizeof *results);
        if (!results) {
            if (args != small_args)
                wf__free(allocator, args, type->param_count * sizeof *args);
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
        }
    }

    const uint8_t *params = WF__PARAMS(type), *result_types = WF__RESULTS(type);
    uint32_t slot = 0;
    for (uint32_t i = 0; i < type->param_count; i++) {
        wf__val_from_slots(params[i], slots + slot, &args[i]);
        slot += wf__type_slots(params[i]);
    }
    for (uint32_t i = 0; i < type->result_count; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = (wf_valtype_t)result_types[i];
    }

    if (err) {
        err->code = WF_OK;
        err->message[0] = '\0';
    }
    wf_host_call_t call = {.func = func, .caller = caller, .err = err};
    /* Host code runs without the caller's recovery point: a fault in it is
       a crash, not a wasm trap (wasm it calls sets its own; os.h). */
    wf__os_trap_point_t *point = wf__os_trap_point();
    wf__os_trap_point_set(NULL);
    wf_err_t rc = func->host_fn(&call, args, results);
    wf__os_trap_point_set(point);
    if (rc == WF_OK) {
        slot = 0;
        for (uint32_t i = 0; i < type->result_count; i++) {
            wf__val_to_slots(result_types[i], &results[i], slots + slot);
            slot += wf__type_slots(result_types[i]);
        }
    } else if (err && err->code != rc) {
        wf__error(err, rc, 0, "%s", wf_strerror(rc));
    }

    if (results != small_results)
        wf__free(allocator, results, type->result_count * sizeof *results);
    if (args != small_args)
        wf__free(allocator, args, type->param_count * sizeof *args);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Calls from the embedder                                                 */
/* ---------------------------------------------------------------------- */

wf_err_t wf_func_call(wf_func_t *func, const wf_val_t *args, size_t arg_count, wf_val_t *results,
                      size_t result_count, wf_error_info_t *err)
{
    if (!func)
        return wf__error(err, WF_ERR_ARGUMENT, 0, "no function");
    const wf__functype_t *type = func->type;
    const uint8_t *params = WF__PARAMS(type), *result_types = WF__RESULTS(type);
    if (arg_count != type->param_count)
        return wf__error(err, WF_ERR_ARGUMENT, 0, "expected %u arguments, got %zu",
                         type->param_count, arg_count);
    if (result_count < type->result_count)
        return wf__error(err, WF_ERR_ARGUMENT, 0, "room for %zu results, the function has %u",
                         result_count, type->result_count);
    size_t param_slots = 0, result_slots = 0;
    for (uint32_t i = 0; i < type->param_count; i++) {
        if ((uint8_t)args[i].type != params[i])
            return wf__error(err, WF_ERR_ARGUMENT, 0, "argument %u: expected %s, got %s", i,
                             wf_valtype_name((wf_valtype_t)params[i]),
                             wf_valtype_name(args[i].type));
        param_slots += wf__type_slots(params[i]);
    }
    for (uint32_t i = 0; i < type->result_count; i++)
        result_slots += wf__type_slots(result_types[i]);

    size_t slot_count = param_slots > result_slots ? param_slots : result_slots;
    uint64_t small_slots[SMALL_SLOTS];
    uint64_t *slots = small_slots;
    const wf_allocator_t *allocator =
        func->instance ? &func->instance->allocator : &func->allocator;
    if (slot_count > SMALL_SLOTS) {
        slots = wf__alloc(allocator, slot_count * sizeof *slots);
        if (!slots)
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    }
    size_t slot = 0;
    for (uint32_t i = 0; i < type->param_count; i++) {
        wf__val_to_slots(params[i], &args[i], slots + slot);
        slot += wf__type_slots(params[i]);
    }

    wf_err_t rc;
    if (func->host_fn)
        rc = wf__host_call(func, NULL, slots, err);
    else
        rc = wf__interp_call(func, slots, err);
    if (rc == WF_OK) {
        slot = 0;
        for (uint32_t i = 0; i < type->result_count; i++) {
            wf__val_from_slots(result_types[i], slots + slot, &results[i]);
            slot += wf__type_slots(result_types[i]);
        }
    }
    if (slots != small_slots)
        wf__free(allocator, slots, slot_count * sizeof *slots);
    return rc;
}
