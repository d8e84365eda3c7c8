/*
** Instances: the Wasm 2.0 instantiation algorithm (import checks, building
** the index spaces, global initialisers, segments, the start function), the
** instance's free, exports, and the per-instance controls (fuel, interrupt,
** user data).
**
** An instance is one allocation ("the block") holding the struct and every
** array whose length the module fixes; only memories, tables and exported
** globals, which can outlive the instance, are allocated apart.
*/
#include <stdio.h>

#include "objects.h"

#define DEFAULT_MAX_MEMORY_PAGES WF_MAX_PAGES
#define DEFAULT_MAX_TABLE_ELEMS 10000000u
#define DEFAULT_MAX_CALL_DEPTH 10000u
#define DEFAULT_STACK_BYTES (1u << 20)

/* ---------------------------------------------------------------------- */
/* The block                                                               */
/* ---------------------------------------------------------------------- */

/* Where each array sits in the block, in bytes from its start. */
typedef struct layout {
    size_t funcs, own_funcs, memories, tables, globals, own_globals;
    size_t elem_refs, elem_items, data_sizes, elem_sizes;
    size_t total;
} layout_t;

/* Appends count items of size bytes (aligned to 16); false on overflow. */
static bool layout_add(size_t *total, size_t count, size_t size, size_t *offset)
{
    if (size && count > (SIZE_MAX - 16 - *total) / size)
        return false;
    *offset = *total;
    *total += (count * size + 15) & ~(size_t)15;
    return true;
}

/* The block's layout for module; false if it does not fit in size_t. */
static bool layout_compute(const wf_module_t *module, layout_t *l)
{
    size_t total = (sizeof(wf_instance_t) + 15) & ~(size_t)15;
    size_t items = 0;
    for (uint32_t i = 0; i < module->elem_count; i++)
        items += module->elems[i].count; /* each < 2^32, at most 100,000 of them */
    bool ok = layout_add(&total, module->func_count, sizeof(wf_func_t *), &l->funcs) &&
              layout_add(&total, module->func_count - module->import_func_count, sizeof(wf_func_t),
                         &l->own_funcs) &&
              layout_add(&total, module->memory_count, sizeof(wf_memory_t *), &l->memories) &&
              layout_add(&total, module->table_count, sizeof(wf_table_t *), &l->tables) &&
              layout_add(&total, module->global_count, sizeof(wf_global_t *), &l->globals) &&
              layout_add(&total, module->global_count - module->import_global_count,
                         sizeof(wf_global_t), &l->own_globals) &&
              layout_add(&total, module->elem_count, sizeof(void **), &l->elem_refs) &&
              layout_add(&total, items, sizeof(void *), &l->elem_items) &&
              layout_add(&total, module->data_segment_count, sizeof(uint32_t), &l->data_sizes) &&
              layout_add(&total, module->elem_count, sizeof(uint32_t), &l->elem_sizes);
    l->total = total;
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Import checks                                                           */
/* ---------------------------------------------------------------------- */

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case WF_EXTERN_FUNC:
        return "func";
    case WF_EXTERN_TABLE:
        return "table";
    case WF_EXTERN_MEMORY:
        return "memory";
    case WF_EXTERN_GLOBAL:
        return "global";
    }
    return "unknown";
}

/* Writes "(i32 i64) -> (f32)" into buf. */
static void format_functype(const wf__functype_t *type, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "(");
    for (uint32_t i = 0; i < type->param_count && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "",
                              wf_valtype_name((wf_valtype_t)WF__PARAMS(type)[i]));
    if (n < size)
        n += (size_t)snprintf(buf + n, size - n, ") -> (");
    for (uint32_t i = 0; i < type->result_count && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "",
                              wf_valtype_name((wf_valtype_t)WF__RESULTS(type)[i]));
    if (n < size)
        snprintf(buf + n, size - n, ")");
}

static bool functype_equal(const wf__functype_t *a, const wf__functype_t *b)
{
    if (a == b)
        return true;
    return a->param_count == b->param_count && a->result_count == b->result_count &&
           (a->param_count + a->result_count == 0 ||
            memcmp(a->types, b->types, (size_t)a->param_count + a->result_count) == 0);
}

/*
** Limits subtyping (import matching): the actual minimum is at least the
** declared one, and if a maximum is declared the actual one exists and is
** no larger.
*/
static bool limits_match(const wf_limits_t *actual, const wf_limits_t *declared)
{
    if (actual->min < declared->min)
        return false;
    if (declared->has_max && (!actual->has_max || actual->max > declared->max))
        return false;
    return true;
}

static void format_limits(const wf_limits_t *l, char *buf, size_t size)
{
    if (l->has_max)
        snprintf(buf, size, "%llu %llu%s", (unsigned long long)l->min, (unsigned long long)l->max,
                 l->shared ? " shared" : "");
    else
        snprintf(buf, size, "%llu%s", (unsigned long long)l->min, l->shared ? " shared" : "");
}

static wf_err_t incompatible(wf_error_info_t *err, const wf__import_t *import, const char *want,
                             const char *got)
{
    return wf__error(err, WF_ERR_INCOMPATIBLE_IMPORT, 0,
                     "incompatible import type: \"%s\".\"%s\": expected %s, got %s", import->module,
                     import->name, want, got);
}

/* Checks imports[i] against the module's i-th import (spec: extern subtyping). */
static wf_err_t check_import(const wf_module_t *module, uint32_t i, const wf_extern_t *ext,
                             wf_error_info_t *err)
{
    const wf__import_t *import = &module->imports[i];
    char want[160], got[160];
    if (ext->kind != import->kind)
        return wf__error(err, WF_ERR_INCOMPATIBLE_IMPORT, 0,
                         "incompatible import type: \"%s\".\"%s\": expected a %s, got a %s",
                         import->module, import->name, kind_name(import->kind),
                         kind_name((uint8_t)ext->kind));
    if (!ext->of.func)
        return wf__error(err, WF_ERR_UNKNOWN_IMPORT, 0, "unknown import: \"%s\".\"%s\"",
                         import->module, import->name);
    switch (import->kind) {
    case WF_EXTERN_FUNC: {
        const wf__functype_t *declared = &module->types[module->funcs[import->index].type_index];
        if (!functype_equal(ext->of.func->type, declared)) {
            format_functype(declared, want, sizeof want);
            format_functype(ext->of.func->type, got, sizeof got);
            return incompatible(err, import, want, got);
        }
        return WF_OK;
    }
    case WF_EXTERN_TABLE: {
        const wf__table_def_t *declared = &module->tables[import->index];
        const wf_table_t *table = ext->of.table;
        wf_limits_t actual = table->limits;
        actual.min = table->size;
        if (table->elem_type != declared->elem_type || !limits_match(&actual, &declared->limits)) {
            char lw[64], lg[64];
            format_limits(&declared->limits, lw, sizeof lw);
            format_limits(&actual, lg, sizeof lg);
            snprintf(want, sizeof want, "table %s %s", lw,
                     wf_valtype_name((wf_valtype_t)declared->elem_type));
            snprintf(got, sizeof got, "table %s %s", lg,
                     wf_valtype_name((wf_valtype_t)table->elem_type));
            return incompatible(err, import, want, got);
        }
        return WF_OK;
    }
    case WF_EXTERN_MEMORY: {
        const wf_limits_t *declared = &module->memories[import->index];
        wf_limits_t actual = wf_memory_limits(ext->of.memory);
        if (actual.shared != declared->shared || !limits_match(&actual, declared)) {
            char lw[64], lg[64];
            format_limits(declared, lw, sizeof lw);
            format_limits(&actual, lg, sizeof lg);
            snprintf(want, sizeof want, "memory %s", lw);
            snprintf(got, sizeof got, "memory %s", lg);
            return incompatible(err, import, want, got);
        }
        return WF_OK;
    }
    case WF_EXTERN_GLOBAL: {
        const wf__global_def_t *declared = &module->globals[import->index];
        const wf_global_t *global = ext->of.global;
        if (global->type != declared->type || global->mutable_ != declared->mutable_) {
            snprintf(want, sizeof want, "global %s%s", declared->mutable_ ? "mut " : "",
                     wf_valtype_name((wf_valtype_t)declared->type));
            snprintf(got, sizeof got, "global %s%s", global->mutable_ ? "mut " : "",
                     wf_valtype_name((wf_valtype_t)global->type));
            return incompatible(err, import, want, got);
        }
        return WF_OK;
    }
    }
    return wf__error(err, WF_ERR_UNLINKABLE, 0, "import \"%s\".\"%s\" has an unknown kind",
                     import->module, import->name);
}

/* ---------------------------------------------------------------------- */
/* Instantiation                                                           */
/* ---------------------------------------------------------------------- */

/*
** Evaluates a constant expression against the instance built so far. The
** validator has checked that global.get names an earlier (in Wasm 2.0: an
** imported) global and ref.func a function of the module.
*/
static void eval_const(const wf_instance_t *instance, const wf__const_expr_t *expr,
                       uint64_t value[2])
{
    value[0] = value[1] = 0;
    switch (expr->kind) {
    case WF__CONST_VALUE:
        if (expr->type == WF_V128)
            memcpy(value, expr->v128, 16);
        else
            value[0] = expr->bits;
        break;
    case WF__CONST_REF_NULL:
        break;
    case WF__CONST_REF_FUNC:
        value[0] = (uint64_t)(uintptr_t)instance->funcs[expr->index];
        break;
    case WF__CONST_GLOBAL_GET:
        value[0] = instance->globals[expr->index]->value[0];
        value[1] = instance->globals[expr->index]->value[1];
        break;
    }
}

static void apply_limit_defaults(const wf_instance_limits_t *given, wf_instance_limits_t *out)
{
    if (given)
        *out = *given;
    else
        memset(out, 0, sizeof *out);
    if (out->max_memory_pages == 0 || out->max_memory_pages > WF_MAX_PAGES)
        out->max_memory_pages = DEFAULT_MAX_MEMORY_PAGES;
    if (out->max_table_elems == 0)
        out->max_table_elems = DEFAULT_MAX_TABLE_ELEMS;
    if (out->max_call_depth == 0)
        out->max_call_depth = DEFAULT_MAX_CALL_DEPTH;
    if (out->stack_bytes == 0)
        out->stack_bytes = DEFAULT_STACK_BYTES;
}

/* Makes the defined memories, tables and globals (imports are already in). */
static wf_err_t create_objects(wf_instance_t *instance, wf_error_info_t *err)
{
    const wf_module_t *module = instance->module;
    const wf_allocator_t *allocator = &instance->allocator;
    wf_err_t rc;

    for (uint32_t i = module->import_memory_count; i < module->memory_count; i++) {
        rc = wf__memory_new(allocator, instance->limits.memory_pool, &module->memories[i],
                            instance->limits.max_memory_pages, &instance->memories[i]);
        if (rc == WF_ERR_LIMIT)
            return wf__error(err, rc, 0, "memory %u: %llu pages exceed the limit of %u", i,
                             (unsigned long long)module->memories[i].min,
                             instance->limits.max_memory_pages);
        if (rc != WF_OK)
            return wf__error(err, rc, 0, "memory %u: cannot map %llu pages", i,
                             (unsigned long long)module->memories[i].min);
    }
    for (uint32_t i = module->import_table_count; i < module->table_count; i++) {
        const wf__table_def_t *def = &module->tables[i];
        rc = wf__table_new(allocator, &def->limits, def->elem_type,
                           instance->limits.max_table_elems, &instance->tables[i]);
        if (rc == WF_ERR_LIMIT)
            return wf__error(err, rc, 0, "table %u: %llu elements exceed the limit of %u", i,
                             (unsigned long long)def->limits.min, instance->limits.max_table_elems);
        if (rc != WF_OK)
            return wf__error(err, rc, 0, "table %u: out of memory", i);
    }

    /* Storage first, then the initialisers in order. Defined globals live in
       the block, except exported ones: an importer may hold those beyond
       the instance's life, so they are allocated apart. */
    for (uint32_t i = module->import_global_count; i < module->global_count; i++) {
        const wf__global_def_t *def = &module->globals[i];
        wf_global_t *global = &instance->own_globals[i - module->import_global_count];
        atomic_init(&global->refcount, 1);
        global->type = def->type;
        global->mutable_ = def->mutable_;
        global->allocator = *allocator;
        instance->globals[i] = global;
    }
    static const uint64_t zero[2] = {0, 0};
    for (uint32_t e = 0; e < module->export_count; e++) {
        uint32_t i = module->exports[e].index;
        if (module->exports[e].kind != WF_EXTERN_GLOBAL || i < module->import_global_count ||
            instance->globals[i] != &instance->own_globals[i - module->import_global_count])
            continue; /* imported, or exported twice */
        const wf__global_def_t *def = &module->globals[i];
        instance->globals[i] = wf__global_new(allocator, def->type, def->mutable_, zero);
        if (!instance->globals[i])
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    }
    for (uint32_t i = module->import_global_count; i < module->global_count; i++)
        eval_const(instance, &module->globals[i].init, instance->globals[i]->value);
    return WF_OK;
}

/* Resolves every element segment's items into references. */
static void resolve_elems(wf_instance_t *instance, void **items)
{
    const wf_module_t *module = instance->module;
    for (uint32_t i = 0; i < module->elem_count; i++) {
        const wf__elem_segment_t *seg = &module->elems[i];
        instance->elem_refs[i] = items;
        instance->elem_sizes[i] = seg->count;
        for (uint32_t j = 0; j < seg->count; j++) {
            uint64_t value[2];
            eval_const(instance, &seg->items[j], value);
            items[j] = (void *)(uintptr_t)value[0];
        }
        items += seg->count;
    }
}

/*
** Runs the active element segments (table.init then elem.drop), drops the
** declarative ones, then runs the active data segments (memory.init then
** data.drop). A segment out of bounds traps and stops everything after it;
** what was written before stays, as the spec says. *escaped is set when a
** reference to this instance's functions may now sit in an imported table.
*/
static wf_err_t run_segments(wf_instance_t *instance, bool *escaped, wf_error_info_t *err)
{
    const wf_module_t *module = instance->module;
    for (uint32_t i = 0; i < module->elem_count; i++) {
        const wf__elem_segment_t *seg = &module->elems[i];
        if (seg->mode == WF__SEGMENT_ACTIVE) {
            uint64_t value[2];
            eval_const(instance, &seg->offset, value);
            uint64_t offset = (uint32_t)value[0];
            wf_table_t *table = instance->tables[seg->table];
            if (offset + seg->count > table->size)
                return wf__trap(err, WF_ERR_TRAP_TABLE_OOB, module, WF_NO_INDEX, 0);
            if (seg->count) {
                memcpy(table->elems + offset, instance->elem_refs[i],
                       (size_t)seg->count * sizeof(void *));
                if (seg->table < module->import_table_count)
                    *escaped = true;
            }
        }
        if (seg->mode != WF__SEGMENT_PASSIVE)
            instance->elem_sizes[i] = 0;
    }
    for (uint32_t i = 0; i < module->data_segment_count; i++) {
        const wf__data_segment_t *seg = &module->datas[i];
        if (seg->mode != WF__SEGMENT_ACTIVE)
            continue;
        uint64_t value[2];
        eval_const(instance, &seg->offset, value);
        uint64_t offset = (uint32_t)value[0];
        wf_memory_t *memory = instance->memories[seg->memory];
        if (offset + seg->size > wf_memory_size(memory))
            return wf__trap(err, WF_ERR_TRAP_MEMORY_OOB, module, WF_NO_INDEX, 0);
        if (seg->size)
            memcpy(memory->base + offset, seg->bytes, seg->size);
        instance->data_sizes[i] = 0;
    }
    return WF_OK;
}

/* ---------------------------------------------------------------------- */
/* Kept instances                                                          */
/* ---------------------------------------------------------------------- */

/*
** The spec keeps a failed instantiation's effects: an active element
** segment may have stored the instance's functions in an imported table
** before a later segment trapped (or the start function may have, before it
** trapped), and they must stay callable through that table. Such an
** instance is "kept" by every table it imported: each holds a reference to
** the instance, and the instance's own references to those tables are given
** up (it borrows them), so that table and instance do not keep each other
** alive forever. When a keeping table's last owner lets go
** (wf__table_release_kept), an instance kept by it alone is freed with it;
** one still kept by another table takes its references to this table back,
** so it never points at a freed table.
*/

static bool table_keeps(const wf_table_t *table, const wf_instance_t *instance)
{
    if (!table)
        return false;
    for (uint32_t i = 0; i < table->kept_count; i++)
        if (table->kept[i] == instance)
            return true;
    return false;
}

/* How many of the instance's table slots hold table (one reference each). */
static long table_slots(const wf_instance_t *instance, const wf_table_t *table)
{
    long count = 0;
    for (uint32_t i = 0; i < instance->module->table_count; i++)
        count += instance->tables[i] == table;
    return count;
}

/* Makes table keep instance; false when out of memory. */
static bool keep_instance(wf_table_t *table, wf_instance_t *instance)
{
    if (table_keeps(table, instance))
        return true;
    wf_instance_t **kept =
        wf__realloc(&table->allocator, table->kept, table->kept_count * sizeof *kept,
                    (table->kept_count + 1) * sizeof *kept);
    if (!kept)
        return false;
    table->kept = kept;
    table->kept[table->kept_count++] = instance;
    atomic_fetch_add_explicit(&instance->refcount, 1, memory_order_relaxed);
    /* The caller still owns the table (it passed it in), so this never
       drops the count to zero. */
    atomic_fetch_sub_explicit(&table->refcount, table_slots(instance, table), memory_order_acq_rel);
    return true;
}

static void remove_kept(wf_table_t *table, uint32_t i)
{
    table->kept[i] = table->kept[--table->kept_count];
}

bool wf__table_release_kept(wf_table_t *table)
{
    /* The array always holds exactly kept_count entries until now. */
    size_t bytes = table->kept_count * sizeof *table->kept;
    while (table->kept_count) {
        wf_instance_t *instance = table->kept[table->kept_count - 1];
        if (atomic_load_explicit(&instance->refcount, memory_order_acquire) == 1) {
            wf_instance_free(instance); /* skips this table: still borrowed */
            remove_kept(table, table->kept_count - 1);
        } else {
            atomic_fetch_add_explicit(&table->refcount, table_slots(instance, table),
                                      memory_order_relaxed);
            remove_kept(table, table->kept_count - 1);
            atomic_fetch_sub_explicit(&instance->refcount, 1, memory_order_acq_rel);
        }
    }
    wf__free(&table->allocator, table->kept, bytes);
    table->kept = NULL;
    return atomic_load_explicit(&table->refcount, memory_order_acquire) > 0;
}

/*
** After a trap that may have let references escape: has every imported
** table keep the instance. Returns false if it could not be kept safely
** (out of memory, or references may sit in an imported global, which keeps
** nothing); the instance must then be leaked rather than freed.
*/
static bool keep_alive(wf_instance_t *instance)
{
    const wf_module_t *module = instance->module;
    bool kept = module->import_table_count > 0;
    for (uint32_t i = 0; i < module->import_global_count; i++) {
        const wf__global_def_t *def = &module->globals[i];
        if (def->mutable_ && (def->type == WF_FUNCREF || def->type == WF_EXTERNREF))
            kept = false;
    }
    for (uint32_t i = 0; i < module->import_table_count; i++)
        if (!keep_instance(instance->tables[i], instance))
            kept = false;
    return kept;
}

/*
** Whether code of this module can leave a reference to one of its functions
** somewhere that outlives the instance: an imported table, or an imported
** mutable global of a reference type. (Host functions take no references
** in wafer's own host modules; an embedder whose do must keep instances.)
*/
static bool can_export_refs(const wf_module_t *module)
{
    if (module->import_table_count)
        return true;
    for (uint32_t i = 0; i < module->import_global_count; i++) {
        const wf__global_def_t *def = &module->globals[i];
        if (def->mutable_ && (def->type == WF_FUNCREF || def->type == WF_EXTERNREF))
            return true;
    }
    return false;
}

wf_err_t wf_instance_new(wf_module_t *module, const wf_extern_t *imports, size_t import_count,
                         const wf_instance_limits_t *limits, wf_instance_t **out,
                         wf_error_info_t *err)
{
    wf_err_t rc;
    *out = NULL;
    if (!module)
        return wf__error(err, WF_ERR_ARGUMENT, 0, "no module");
    if (import_count != module->import_count || (import_count && !imports))
        return wf__error(err, WF_ERR_UNLINKABLE, 0, "the module has %u imports, %zu were given",
                         module->import_count, imports ? import_count : 0);
    for (uint32_t i = 0; i < module->import_count; i++) {
        rc = check_import(module, i, &imports[i], err);
        if (rc != WF_OK)
            return rc;
    }

    layout_t l;
    const wf_allocator_t *allocator = &module->allocator;
    if (!layout_compute(module, &l))
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    uint8_t *block = wf__alloc(allocator, l.total);
    if (!block)
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");

    /* Zero what wf_instance_free reads on a partial instance; the rest is
       written in full below before anything can fail. */
    wf_instance_t *instance = (wf_instance_t *)block;
    memset(instance, 0, sizeof *instance);
    atomic_init(&instance->refcount, 1);
    instance->module = wf_module_retain(module);
    instance->allocator = *allocator;
    instance->funcs = (wf_func_t **)(block + l.funcs);
    instance->own_funcs = (wf_func_t *)(block + l.own_funcs);
    instance->memories = (wf_memory_t **)(block + l.memories);
    instance->tables = (wf_table_t **)(block + l.tables);
    instance->globals = (wf_global_t **)(block + l.globals);
    instance->own_globals = (wf_global_t *)(block + l.own_globals);
    instance->elem_refs = (void ***)(block + l.elem_refs);
    instance->data_sizes = (uint32_t *)(block + l.data_sizes);
    instance->elem_sizes = (uint32_t *)(block + l.elem_sizes);
    memset(instance->memories, 0, module->memory_count * sizeof *instance->memories);
    memset(instance->tables, 0, module->table_count * sizeof *instance->tables);
    memset(instance->globals, 0, module->global_count * sizeof *instance->globals);
    apply_limit_defaults(limits, &instance->limits);
    instance->fuel = instance->limits.fuel;
    atomic_init(&instance->interrupt, 0);

    for (uint32_t i = 0; i < module->import_count; i++) {
        const wf__import_t *import = &module->imports[i];
        switch (import->kind) {
        case WF_EXTERN_FUNC:
            instance->funcs[import->index] = imports[i].of.func;
            break;
        case WF_EXTERN_TABLE:
            instance->tables[import->index] = wf_table_retain(imports[i].of.table);
            break;
        case WF_EXTERN_MEMORY:
            instance->memories[import->index] = wf_memory_retain(imports[i].of.memory);
            break;
        case WF_EXTERN_GLOBAL:
            instance->globals[import->index] = wf_global_retain(imports[i].of.global);
            break;
        }
    }
    for (uint32_t i = module->import_func_count; i < module->func_count; i++) {
        wf_func_t *func = &instance->own_funcs[i - module->import_func_count];
        memset(func, 0, sizeof *func);
        func->type = &module->types[module->funcs[i].type_index];
        func->instance = instance;
        func->index = i;
        instance->funcs[i] = func;
    }
    for (uint32_t i = 0; i < module->data_segment_count; i++)
        instance->data_sizes[i] = module->datas[i].size;

    rc = create_objects(instance, err);
    if (rc != WF_OK)
        goto fail;
    resolve_elems(instance, (void **)(block + l.elem_items));

    bool escaped = false;
    void (*on_init)(void *, wf_instance_t *) =
        limits && module->has_start ? limits->on_init : NULL;
    if (on_init)
        on_init(limits->on_init_user, instance);
    rc = run_segments(instance, &escaped, err);
    if (rc == WF_OK && module->has_start) {
        uint64_t slots[2] = {0, 0};
        if (can_export_refs(module))
            escaped = true;
        rc = wf__interp_call(instance->funcs[module->start], slots, err);
    }
    if (on_init)
        on_init(limits->on_init_user, NULL);
    if (rc != WF_OK) {
        /* The spec keeps a failed instantiation's effects: if an imported
           table may now refer to this instance's functions, the tables keep
           it alive (see "Kept instances"). */
        if (!escaped || keep_alive(instance))
            wf_instance_free(instance);
        return rc;
    }
    *out = instance;
    return WF_OK;

fail:
    wf_instance_free(instance);
    return rc;
}

/*
** Drops the owner's reference to an instance, whole or half-built; the last
** reference (see "Kept instances") frees it: drops the references to its
** memories, tables and globals (imported ones live on with their other
** owners), the execution state and the module.
*/
void wf_instance_free(wf_instance_t *instance)
{
    if (!instance)
        return;
    if (atomic_fetch_sub_explicit(&instance->refcount, 1, memory_order_acq_rel) != 1)
        return;
    wf_module_t *module = instance->module;
    wf_allocator_t allocator = instance->allocator;
    if (instance->exec)
        wf__exec_free(&allocator, instance->exec);
    for (uint32_t i = 0; i < module->memory_count; i++)
        wf_memory_free(instance->memories[i]);
    for (uint32_t i = 0; i < module->table_count; i++)
        if (!table_keeps(instance->tables[i], instance)) /* else borrowed */
            wf_table_free(instance->tables[i]);
    for (uint32_t i = 0; i < module->global_count; i++) {
        wf_global_t *global = instance->globals[i];
        if (i >= module->import_global_count &&
            global == &instance->own_globals[i - module->import_global_count])
            continue; /* lives in the block */
        wf_global_free(global);
    }
    layout_t l;
    layout_compute(module, &l);
    wf__free(&allocator, instance, l.total);
    wf_module_free(module);
}

const wf_module_t *wf_instance_module(const wf_instance_t *instance)
{
    return instance->module;
}

/* ---------------------------------------------------------------------- */
/* Exports and controls                                                    */
/* ---------------------------------------------------------------------- */

wf_err_t wf_instance_export(wf_instance_t *instance, const char *name, wf_extern_t *out)
{
    return wf_instance_export_n(instance, name, strlen(name), out);
}

wf_err_t wf_instance_export_n(wf_instance_t *instance, const char *name, size_t name_len,
                              wf_extern_t *out)
{
    const wf_module_t *module = instance->module;
    for (uint32_t i = 0; i < module->export_count; i++) {
        const wf__export_t *export = &module->exports[i];
        if (export->name_len != name_len || memcmp(export->name, name, name_len))
            continue;
        out->kind = (wf_extern_kind_t) export->kind;
        switch (export->kind) {
        case WF_EXTERN_FUNC:
            out->of.func = instance->funcs[export->index];
            break;
        case WF_EXTERN_TABLE:
            out->of.table = instance->tables[export->index];
            break;
        case WF_EXTERN_MEMORY:
            out->of.memory = instance->memories[export->index];
            break;
        case WF_EXTERN_GLOBAL:
            out->of.global = instance->globals[export->index];
            break;
        }
        return WF_OK;
    }
    return WF_ERR_NOT_FOUND;
}

wf_memory_t *wf_instance_memory(wf_instance_t *instance, uint32_t index)
{
    if (!instance || index >= instance->module->memory_count)
        return NULL;
    return instance->memories[index];
}

void wf_instance_set_fuel(wf_instance_t *instance, uint64_t fuel)
{
    instance->fuel = fuel;
}

uint64_t wf_instance_fuel(const wf_instance_t *instance)
{
    return instance->fuel;
}

void wf_instance_interrupt(wf_instance_t *instance)
{
    atomic_store_explicit(&instance->interrupt, 1, memory_order_release);
}

void wf_instance_clear_interrupt(wf_instance_t *instance)
{
    atomic_store_explicit(&instance->interrupt, 0, memory_order_release);
}

void wf_instance_set_user_data(wf_instance_t *instance, void *user_data)
{
    instance->user_data = user_data;
}

void *wf_instance_user_data(const wf_instance_t *instance)
{
    return instance->user_data;
}
