/* Placeholder: the compiler. */
#include "module.h"

wf_err_t wf__compile(wf_module_t *module, wf_error_info_t *err)
{
    (void)module;
    return wf__error(err, WF_ERR_UNSUPPORTED, 0, "compiler not written yet");
}

void wf__code_free(const wf_allocator_t *allocator, struct wf__code *code)
{
    (void)allocator;
    (void)code;
}
