/*
** The read-only queries of the public API on a loaded module: its imports,
** exports and function names, as views into the module.
*/
#include <string.h>

#include "runtime.h"

const char *wf_valtype_name(wf_valtype_t type)
{
    switch (type) {
    case WF_I32:
        return "i32";
    case WF_I64:
        return "i64";
    case WF_F32:
        return "f32";
    case WF_F64:
        return "f64";
    case WF_V128:
        return "v128";
    case WF_FUNCREF:
        return "funcref";
    case WF_EXTERNREF:
        return "externref";
    }
    return "unknown";
}

/* The type of entity index of kind in the module's index spaces. */
static void extern_type(const wf_module_t *module, uint8_t kind, uint32_t index,
                        wf_extern_type_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = (wf_extern_kind_t)kind;
    switch (kind) {
    case WF_EXTERN_FUNC: {
        const wf__functype_t *type = &module->types[module->funcs[index].type_index];
        out->func.param_count = type->param_count;
        out->func.result_count = type->result_count;
        out->func.params = WF__PARAMS(type);
        out->func.results = WF__RESULTS(type);
        break;
    }
    case WF_EXTERN_TABLE:
        out->limits = module->tables[index].limits;
        out->elem_type = module->tables[index].elem_type;
        break;
    case WF_EXTERN_MEMORY:
        out->limits = module->memories[index];
        break;
    case WF_EXTERN_GLOBAL:
        out->global_type = module->globals[index].type;
        out->global_mutable = module->globals[index].mutable_;
        break;
    }
}

uint32_t wf_module_import_count(const wf_module_t *module)
{
    return module->import_count;
}

wf_err_t wf_module_import(const wf_module_t *module, uint32_t i, wf_import_desc_t *out)
{
    if (i >= module->import_count)
        return WF_ERR_ARGUMENT;
    const wf__import_t *import = &module->imports[i];
    out->module = import->module;
    out->name = import->name;
    extern_type(module, import->kind, import->index, &out->type);
    return WF_OK;
}

uint32_t wf_module_export_count(const wf_module_t *module)
{
    return module->export_count;
}

wf_err_t wf_module_export(const wf_module_t *module, uint32_t i, wf_export_desc_t *out)
{
    if (i >= module->export_count)
        return WF_ERR_ARGUMENT;
    const wf__export_t *export = &module->exports[i];
    out->name = export->name;
    out->index = export->index;
    extern_type(module, export->kind, export->index, &out->type);
    return WF_OK;
}

wf_err_t wf_module_find_export(const wf_module_t *module, const char *name, wf_export_desc_t *out)
{
    for (uint32_t i = 0; i < module->export_count; i++)
        if (strcmp(module->exports[i].name, name) == 0)
            return wf_module_export(module, i, out);
    return WF_ERR_NOT_FOUND;
}

const char *wf_module_func_name(const wf_module_t *module, uint32_t func_index)
{
    if (!module->func_names || func_index >= module->func_count)
        return NULL;
    return module->func_names[func_index];
}
