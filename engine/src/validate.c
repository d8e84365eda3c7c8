/* Placeholder: the validator. */
#include "module.h"

wf_err_t wf__validate(wf_module_t *module, wf_error_info_t *err)
{
    (void)module;
    return wf__error(err, WF_ERR_UNSUPPORTED, 0, "validator not written yet");
}
