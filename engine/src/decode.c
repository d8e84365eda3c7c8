/* Placeholder: the binary decoder. */
#include "module.h"

wf_err_t wf__decode(wf_module_t *module, wf_error_info_t *err)
{
    (void)module;
    return wf__error(err, WF_ERR_UNSUPPORTED, 0, "decoder not written yet");
}

void wf__module_clear(wf_module_t *module) { (void)module; }
