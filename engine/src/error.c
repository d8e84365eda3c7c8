/*
** The error list's tables and the helpers that fill wf_error_info_t.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

const char *wf_strerror(wf_err_t code)
{
    switch (code) {
#define WF__ERR_MSG(name, value, message) \
    case WF_ERR_##name:                   \
        return message;
        WF_ERRORS(WF__ERR_MSG)
#undef WF__ERR_MSG
    }
    return "unknown error";
}

const char *wf_err_name(wf_err_t code)
{
    switch (code) {
#define WF__ERR_NAME(name, value, message) \
    case WF_ERR_##name:                    \
        return #name;
        WF_ERRORS(WF__ERR_NAME)
#undef WF__ERR_NAME
    }
    return "UNKNOWN";
}

static void error_reset(wf_error_info_t *err, wf_err_t code, size_t offset)
{
    memset(err, 0, sizeof *err);
    err->code = code;
    err->offset = offset;
    err->func_index = WF_NO_INDEX;
}

wf_err_t wf__error(wf_error_info_t *err, wf_err_t code, size_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    error_reset(err, code, offset);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

/*
** A function's display name: the name section's, else the first export that
** names it, else "". Written into out (size bytes).
*/
static void func_display_name(const wf_module_t *module, uint32_t func_index, char *out,
                              size_t size)
{
    out[0] = '\0';
    if (!module || func_index >= module->func_count)
        return;
    if (module->func_names && module->func_names[func_index]) {
        snprintf(out, size, "%s", module->func_names[func_index]);
        return;
    }
    for (uint32_t i = 0; i < module->export_count; i++) {
        const wf__export_t *e = &module->exports[i];
        if (e->kind == WF_EXTERN_FUNC && e->index == func_index) {
            snprintf(out, size, "%s", e->name);
            return;
        }
    }
}

wf_err_t wf__trap(wf_error_info_t *err, wf_err_t code, const wf_module_t *module,
                  uint32_t func_index, size_t offset)
{
    if (!err)
        return code;
    error_reset(err, code, offset);
    snprintf(err->message, sizeof err->message, "%s", wf_strerror(code));
    err->func_index = func_index;
    func_display_name(module, func_index, err->func_name, sizeof err->func_name);
    return code;
}
