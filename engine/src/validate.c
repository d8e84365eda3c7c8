/*
** The validator (interim version): accepts every decoded module and gives
** each function a safe operand-stack bound. The full type checker replaces
** this shortly.
*/
#include "module.h"

wf_err_t wf__validate(wf_module_t *module, wf_error_info_t *err)
{
    module->func_declared =
        wf__calloc(&module->allocator, module->func_count ? module->func_count : 1, sizeof(bool));
    if (!module->func_declared)
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    for (uint32_t i = 0; i < module->func_count; i++) {
        module->func_declared[i] = true;
        wf__func_t *func = &module->funcs[i];
        if (i >= module->import_func_count)
            func->max_stack = (uint32_t)(func->body_end - func->body_offset) * WF_MAX_RESULTS;
    }
    return WF_OK;
}
