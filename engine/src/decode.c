/*
** The binary decoder: module->bytes into the fields of struct wf_module
** (module.h). It checks everything the spec calls "malformed" (the binary
** grammar, section order and sizes, LEB128 and UTF-8 rules, and the syntax of
** every function body, which it walks once with wf__read_instr) and leaves
** typing to validate.c. Messages are the spec test suite's.
*/
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "reader.h"

typedef struct decoder {
    wf_module_t *module;
    const wf_allocator_t *allocator;
    wf_error_info_t *err;
    bool has_func_section;
    uint32_t defined_func_count; /* from the function section */
    bool has_code_section;
    uint32_t code_count;
    bool has_data_section;
    bool uses_data_index; /* memory.init or data.drop seen in code */
    size_t name_section_offset, name_section_size;
    bool has_name_section;
    /* scan_body's stack of open blocks: BLOCK_PLAIN, BLOCK_IF, BLOCK_ELSE. */
    uint8_t *blocks;
    uint32_t block_capacity;
} decoder_t;

enum { BLOCK_PLAIN, BLOCK_IF, BLOCK_ELSE };

/* ====================================================================== */
/* Allocation helpers                                                      */
/* ====================================================================== */

static wf_err_t out_of_memory(decoder_t *d)
{
    return wf__error(d->err, WF_ERR_NOMEM, 0, "out of memory");
}

/*
** Names are copied NUL-terminated with their allocated size stored in front,
** so that a name holding a NUL byte (valid UTF-8) is still freed with the
** size it was allocated with.
*/
static char *name_dup(const wf_allocator_t *allocator, const uint8_t *bytes, uint32_t len)
{
    size_t total = sizeof(size_t) + (size_t)len + 1;
    uint8_t *block = wf__alloc(allocator, total);
    if (!block)
        return NULL;
    memcpy(block, &total, sizeof total);
    if (len)
        memcpy(block + sizeof(size_t), bytes, len);
    block[sizeof(size_t) + len] = '\0';
    return (char *)block + sizeof(size_t);
}

/* Frees a name from name_dup; accepts NULL. */
static void name_free(const wf_allocator_t *allocator, char *name)
{
    if (!name)
        return;
    uint8_t *block = (uint8_t *)name - sizeof(size_t);
    size_t total;
    memcpy(&total, block, sizeof total);
    wf__free(allocator, block, total);
}

/* See module.h: the length recorded by name_dup. */
size_t wf__name_length(const char *name)
{
    size_t total;
    memcpy(&total, name - sizeof(size_t), sizeof total);
    return total - sizeof(size_t) - 1;
}

/* Grows an array from old_count to new_count elements (new ones zeroed). */
static wf_err_t grow(decoder_t *d, void **array, uint32_t old_count, uint32_t new_count,
                     size_t elem_size)
{
    if (new_count == old_count)
        return WF_OK;
    void *p = wf__realloc(d->allocator, *array, (size_t)old_count * elem_size,
                          (size_t)new_count * elem_size);
    if (!p)
        return out_of_memory(d);
    memset((uint8_t *)p + (size_t)old_count * elem_size, 0,
           (size_t)(new_count - old_count) * elem_size);
    *array = p;
    return WF_OK;
}

/* Appends extra zeroed elements to an array of *count ones; *count grows on success. */
static wf_err_t extend(decoder_t *d, void **array, uint32_t *count, uint32_t extra,
                       size_t elem_size)
{
    wf_err_t rc = grow(d, array, *count, *count + extra, elem_size);
    if (rc == WF_OK)
        *count += extra;
    return rc;
}

/*
** A new zeroed array of count elements into *array (NULL when count is 0),
** its length into *length on success.
*/
static wf_err_t new_array(decoder_t *d, void **array, uint32_t *length, uint32_t count,
                          size_t elem_size)
{
    if (count) {
        *array = wf__calloc(d->allocator, count, elem_size);
        if (!*array)
            return out_of_memory(d);
    }
    *length = count;
    return WF_OK;
}

/* ====================================================================== */
/* Small pieces of the grammar                                             */
/* ====================================================================== */

/* A vector's length: at most limit (else WF_ERR_LIMIT) and what the input can hold. */
static wf_err_t read_count(decoder_t *d, wf__reader_t *r, uint32_t limit, const char *what,
                           uint32_t *out)
{
    size_t at = wf__reader_offset(r);
    wf_err_t rc = wf__read_u32(r, out, d->err);
    if (rc != WF_OK)
        return rc;
    if (*out > limit)
        return wf__error(d->err, WF_ERR_LIMIT, at, "too many %s", what);
    /* Every item takes a byte at least: refuse a count the input cannot
       hold before allocating for it. */
    if (*out > (size_t)(r->end - r->p))
        return wf__error(d->err, WF_ERR_MALFORMED, wf__reader_offset(r), "unexpected end");
    return WF_OK;
}

/*
** A vector's length for a section that adds to have entries (imports
** included): read_count, then at most limit in all (else WF_ERR_LIMIT).
*/
static wf_err_t read_more_count(decoder_t *d, wf__reader_t *r, uint32_t limit, const char *what,
                                uint32_t have, uint32_t *out)
{
    wf_err_t rc = read_count(d, r, limit, what, out);
    if (rc == WF_OK && (uint64_t)*out + have > limit)
        return wf__error(d->err, WF_ERR_LIMIT, wf__reader_offset(r), "too many %s", what);
    return rc;
}

/* A byte of at most max; a larger one is malformed with message. */
static wf_err_t read_u8_at_most(decoder_t *d, wf__reader_t *r, uint8_t max, const char *message,
                                uint8_t *out)
{
    size_t at = wf__reader_offset(r);
    wf_err_t rc = wf__read_u8(r, out, d->err);
    if (rc == WF_OK && *out > max)
        return wf__error(d->err, WF_ERR_MALFORMED, at, "%s", message);
    return rc;
}

/* A value type; v128 is WF_ERR_UNSUPPORTED, unknown codes malformed. */
static wf_err_t read_valtype(decoder_t *d, wf__reader_t *r, uint8_t *out)
{
    size_t at = wf__reader_offset(r);
    wf_err_t rc = wf__read_u8(r, out, d->err);
    if (rc != WF_OK)
        return rc;
    switch (*out) {
    case WF_I32:
    case WF_I64:
    case WF_F32:
    case WF_F64:
    case WF_FUNCREF:
    case WF_EXTERNREF:
        return WF_OK;
    case WF_V128:
        return wf__error(d->err, WF_ERR_UNSUPPORTED, at, "SIMD instructions are not supported yet");
    default:
        return wf__error(d->err, WF_ERR_MALFORMED, at, "malformed value type");
    }
}

/* A reference type (funcref or externref). */
static wf_err_t read_reftype(decoder_t *d, wf__reader_t *r, uint8_t *out)
{
    size_t at = wf__reader_offset(r);
    wf_err_t rc = wf__read_u8(r, out, d->err);
    if (rc != WF_OK)
        return rc;
    if (*out != WF_FUNCREF && *out != WF_EXTERNREF)
        return wf__error(d->err, WF_ERR_MALFORMED, at, "malformed reference type");
    return WF_OK;
}

/* A global type: a value type and a mutability byte (0 or 1). */
static wf_err_t read_global_type(decoder_t *d, wf__reader_t *r, uint8_t *type, bool *mutable_)
{
    uint8_t mut = 0;
    wf_err_t rc = read_valtype(d, r, type);
    if (rc == WF_OK)
        rc = read_u8_at_most(d, r, 1, "malformed mutability", &mut);
    *mutable_ = mut == 1;
    return rc;
}

/*
** Limits: a flags byte (bit 0: has maximum, bit 1: shared; shared only for
** memories), then u32 minimum and maximum.
*/
static wf_err_t read_limits(decoder_t *d, wf__reader_t *r, bool is_memory, wf_limits_t *out)
{
    size_t at = wf__reader_offset(r);
    uint8_t flags = 0;
    uint32_t v;
    wf_err_t rc = wf__read_u8(r, &flags, d->err);
    if (rc != WF_OK)
        return rc;
    if (flags & 0x80)
        return wf__error(d->err, WF_ERR_MALFORMED, at, "integer representation too long");
    /* Memories may be shared (threads); a shared one without a maximum is
       the validator's "shared memory must have maximum". */
    if (flags > (is_memory ? 3 : 1))
        return wf__error(d->err, WF_ERR_MALFORMED, at, "integer too large");
    memset(out, 0, sizeof *out);
    out->has_max = flags & 1;
    out->shared = (flags & 2) != 0;
    rc = wf__read_u32(r, &v, d->err);
    if (rc != WF_OK)
        return rc;
    out->min = v;
    if (out->has_max) {
        rc = wf__read_u32(r, &v, d->err);
        if (rc != WF_OK)
            return rc;
        out->max = v;
    }
    return WF_OK;
}

/* Whether op may appear in a Wasm 2.0 constant expression. */
static bool is_constant_op(uint16_t op)
{
    return op == WF_OP_I32_CONST || op == WF_OP_I64_CONST || op == WF_OP_F32_CONST ||
           op == WF_OP_F64_CONST || op == WF_OP_REF_NULL || op == WF_OP_REF_FUNC ||
           op == WF_OP_GLOBAL_GET;
}

/*
** A constant expression: instructions up to the `end` that closes it. The
** Wasm 2.0 forms become their kind; anything else is recorded as
** WF__CONST_NOT_CONSTANT or WF__CONST_BAD_ARITY for the validator to reject
** (it is a typing error, not a malformed binary).
*/
static wf_err_t read_const_expr(decoder_t *d, wf__reader_t *r, wf__const_expr_t *out)
{
    wf__instr_t instr;
    uint32_t count = 0, depth = 0;
    bool constant = true;
    memset(out, 0, sizeof *out);
    for (;;) {
        wf_err_t rc = wf__read_instr(r, &instr, d->err);
        if (rc != WF_OK)
            return rc;
        if (instr.op == WF_OP_END) {
            if (depth == 0)
                break;
            depth--;
        } else if (instr.op == WF_OP_BLOCK || instr.op == WF_OP_LOOP || instr.op == WF_OP_IF) {
            depth++;
        }
        if (instr.op == WF_OP_MEMORY_INIT || instr.op == WF_OP_DATA_DROP)
            d->uses_data_index = true;
        if (!is_constant_op(instr.op)) {
            constant = false;
            continue;
        }
        if (count++ > 0)
            continue;
        switch (instr.op) {
        case WF_OP_I32_CONST:
            out->kind = WF__CONST_VALUE, out->type = WF_I32;
            out->bits = (uint32_t)instr.imm.i32;
            break;
        case WF_OP_I64_CONST:
            out->kind = WF__CONST_VALUE, out->type = WF_I64;
            out->bits = (uint64_t)instr.imm.i64;
            break;
        case WF_OP_F32_CONST:
            out->kind = WF__CONST_VALUE, out->type = WF_F32;
            out->bits = instr.imm.f32_bits;
            break;
        case WF_OP_F64_CONST:
            out->kind = WF__CONST_VALUE, out->type = WF_F64;
            out->bits = instr.imm.f64_bits;
            break;
        case WF_OP_REF_NULL:
            out->kind = WF__CONST_REF_NULL, out->type = instr.imm.reftype;
            break;
        case WF_OP_REF_FUNC:
            out->kind = WF__CONST_REF_FUNC, out->type = WF_FUNCREF;
            out->index = instr.imm.index;
            break;
        default: /* global.get: the validator fills in the type */
            out->kind = WF__CONST_GLOBAL_GET, out->type = 0;
            out->index = instr.imm.index;
            break;
        }
    }
    if (!constant)
        out->kind = WF__CONST_NOT_CONSTANT;
    else if (count != 1)
        out->kind = WF__CONST_BAD_ARITY;
    return WF_OK;
}

/* ====================================================================== */
/* Sections                                                                */
/* ====================================================================== */

/* The type section: function types (form 0x60, params, results). */
static wf_err_t decode_types(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_count(d, r, WF_MAX_TYPES, "types", &count);
    if (rc != WF_OK)
        return rc;
    if (count == 0)
        return WF_OK;
    /* Arrays get their full count at once (entries zeroed), so that a
       failure part way frees them with the size they were allocated with. */
    rc = new_array(d, (void **)&m->types, &m->type_count, count, sizeof *m->types);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = wf__reader_offset(r);
        uint8_t form = 0;
        uint32_t params, results;
        rc = wf__read_u8(r, &form, d->err);
        if (rc != WF_OK)
            return rc;
        if (form & 0x80) /* the form is an s7 in LEB128: one byte at most */
            return wf__error(d->err, WF_ERR_MALFORMED, at, "integer representation too long");
        if (form != 0x60)
            return wf__error(d->err, WF_ERR_MALFORMED, at, "malformed function type");
        rc = read_count(d, r, WF_MAX_PARAMS, "parameters", &params);
        if (rc != WF_OK)
            return rc;
        if (params > (size_t)(r->end - r->p))
            return wf__error(d->err, WF_ERR_MALFORMED, at, "unexpected end");
        uint8_t buffer[WF_MAX_PARAMS];
        for (uint32_t k = 0; k < params; k++) {
            rc = read_valtype(d, r, &buffer[k]);
            if (rc != WF_OK)
                return rc;
        }
        rc = read_count(d, r, WF_MAX_RESULTS, "results", &results);
        if (rc != WF_OK)
            return rc;
        wf__functype_t *type = &m->types[i];
        if (params + results) {
            type->types = wf__alloc(d->allocator, params + results);
            if (!type->types)
                return out_of_memory(d);
        }
        type->param_count = params;
        type->result_count = results;
        if (params)
            memcpy(type->types, buffer, params);
        for (uint32_t k = 0; k < results; k++) {
            rc = read_valtype(d, r, &type->types[params + k]);
            if (rc != WF_OK)
                return rc;
        }
    }
    return WF_OK;
}

/* What an import brings, kept until the index spaces are built. */
typedef struct import_detail {
    uint32_t type_index;
    wf__table_def_t table;
    wf_limits_t memory;
    wf__global_def_t global;
} import_detail_t;

/*
** The import section. Imports open the four index spaces, so the funcs,
** tables, memories and globals arrays are created here with the imports first.
*/
static wf_err_t decode_imports(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_count(d, r, WF_MAX_IMPORTS, "imports", &count);
    if (rc != WF_OK)
        return rc;
    if (count == 0)
        return WF_OK;
    rc = new_array(d, (void **)&m->imports, &m->import_count, count, sizeof *m->imports);
    if (rc != WF_OK)
        return rc;
    import_detail_t *details = wf__calloc(d->allocator, count, sizeof *details);
    if (!details)
        return out_of_memory(d);
    uint32_t counts[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < count; i++) {
        wf__import_t *import = &m->imports[i];
        import_detail_t *detail = &details[i];
        const uint8_t *bytes;
        uint32_t len;
        rc = wf__read_name(r, &bytes, &len, d->err);
        if (rc != WF_OK)
            goto done;
        import->module = name_dup(d->allocator, bytes, len);
        if (!import->module) {
            rc = out_of_memory(d);
            goto done;
        }
        rc = wf__read_name(r, &bytes, &len, d->err);
        if (rc != WF_OK)
            goto done;
        import->name = name_dup(d->allocator, bytes, len);
        if (!import->name) {
            rc = out_of_memory(d);
            goto done;
        }
        size_t at = wf__reader_offset(r);
        uint8_t kind = 0;
        rc = wf__read_u8(r, &kind, d->err);
        if (rc != WF_OK)
            goto done;
        switch (kind) {
        case WF_EXTERN_FUNC:
            rc = wf__read_u32(r, &detail->type_index, d->err);
            break;
        case WF_EXTERN_TABLE:
            rc = read_reftype(d, r, &detail->table.elem_type);
            if (rc == WF_OK)
                rc = read_limits(d, r, false, &detail->table.limits);
            break;
        case WF_EXTERN_MEMORY:
            rc = read_limits(d, r, true, &detail->memory);
            break;
        case WF_EXTERN_GLOBAL:
            rc = read_global_type(d, r, &detail->global.type, &detail->global.mutable_);
            break;
        default:
            rc = wf__error(d->err, WF_ERR_MALFORMED, at, "malformed import kind");
            break;
        }
        if (rc != WF_OK)
            goto done;
        import->kind = kind;
        import->index = counts[kind]++;
    }
    /* The index spaces start with the imports, in order. */
    if ((rc = grow(d, (void **)&m->funcs, 0, counts[0], sizeof *m->funcs)) != WF_OK)
        goto done;
    m->func_count = m->import_func_count = counts[0];
    if ((rc = grow(d, (void **)&m->tables, 0, counts[1], sizeof *m->tables)) != WF_OK)
        goto done;
    m->table_count = m->import_table_count = counts[1];
    if ((rc = grow(d, (void **)&m->memories, 0, counts[2], sizeof *m->memories)) != WF_OK)
        goto done;
    m->memory_count = m->import_memory_count = counts[2];
    if ((rc = grow(d, (void **)&m->globals, 0, counts[3], sizeof *m->globals)) != WF_OK)
        goto done;
    m->global_count = m->import_global_count = counts[3];
    for (uint32_t i = 0; i < count; i++) {
        const wf__import_t *import = &m->imports[i];
        switch (import->kind) {
        case WF_EXTERN_FUNC: {
            wf__func_t *func = &m->funcs[import->index];
            func->type_index = details[i].type_index;
            func->type = func->type_index < m->type_count ? &m->types[func->type_index] : NULL;
            break;
        }
        case WF_EXTERN_TABLE:
            m->tables[import->index] = details[i].table;
            break;
        case WF_EXTERN_MEMORY:
            m->memories[import->index] = details[i].memory;
            break;
        default:
            m->globals[import->index] = details[i].global;
            break;
        }
    }
    rc = WF_OK;
done:
    wf__free(d->allocator, details, (size_t)count * sizeof *details);
    return rc;
}

/* The function section: the type index of each defined function. */
static wf_err_t decode_functions(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_more_count(d, r, WF_MAX_FUNCS, "functions", m->func_count, &count);
    if (rc != WF_OK)
        return rc;
    d->has_func_section = true;
    d->defined_func_count = count;
    uint32_t base = m->func_count;
    rc = extend(d, (void **)&m->funcs, &m->func_count, count, sizeof *m->funcs);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__func_t *func = &m->funcs[base + i];
        rc = wf__read_u32(r, &func->type_index, d->err);
        if (rc != WF_OK)
            return rc;
        func->type = func->type_index < m->type_count ? &m->types[func->type_index] : NULL;
    }
    return WF_OK;
}

/* The table section: reference type and limits of each defined table. */
static wf_err_t decode_tables(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_more_count(d, r, WF_MAX_TABLES, "tables", m->table_count, &count);
    if (rc != WF_OK)
        return rc;
    uint32_t base = m->table_count;
    rc = extend(d, (void **)&m->tables, &m->table_count, count, sizeof *m->tables);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__table_def_t *table = &m->tables[base + i];
        rc = read_reftype(d, r, &table->elem_type);
        if (rc == WF_OK)
            rc = read_limits(d, r, false, &table->limits);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* The memory section: limits of each defined memory. */
static wf_err_t decode_memories(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    /* More than one memory is a validation error ("multiple memories"), so
       accept a few here and leave the message to the validator. */
    wf_err_t rc = read_count(d, r, WF_MAX_TABLES, "memories", &count);
    if (rc != WF_OK)
        return rc;
    uint32_t base = m->memory_count;
    rc = extend(d, (void **)&m->memories, &m->memory_count, count, sizeof *m->memories);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        rc = read_limits(d, r, true, &m->memories[base + i]);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* The global section: type, mutability and initialiser of each global. */
static wf_err_t decode_globals(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_more_count(d, r, WF_MAX_GLOBALS, "globals", m->global_count, &count);
    if (rc != WF_OK)
        return rc;
    uint32_t base = m->global_count;
    rc = extend(d, (void **)&m->globals, &m->global_count, count, sizeof *m->globals);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__global_def_t *global = &m->globals[base + i];
        rc = read_global_type(d, r, &global->type, &global->mutable_);
        if (rc == WF_OK)
            rc = read_const_expr(d, r, &global->init);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* The export section; names and indices are checked by the validator. */
static wf_err_t decode_exports(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_count(d, r, WF_MAX_EXPORTS, "exports", &count);
    if (rc != WF_OK)
        return rc;
    if (count == 0)
        return WF_OK;
    rc = new_array(d, (void **)&m->exports, &m->export_count, count, sizeof *m->exports);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__export_t *export = &m->exports[i];
        const uint8_t *bytes;
        uint32_t len;
        rc = wf__read_name(r, &bytes, &len, d->err);
        if (rc != WF_OK)
            return rc;
        export->name = name_dup(d->allocator, bytes, len);
        export->name_len = len;
        if (!export->name)
            return out_of_memory(d);
        rc = read_u8_at_most(d, r, WF_EXTERN_GLOBAL, "malformed export kind", &export->kind);
        if (rc == WF_OK)
            rc = wf__read_u32(r, &export->index, d->err);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/*
** A vector of element items: function indices as REF_FUNC items (exprs
** false, element kind 0x00) or constant expressions (exprs true).
*/
static wf_err_t read_elem_items(decoder_t *d, wf__reader_t *r, bool exprs,
                                wf__elem_segment_t *segment)
{
    uint32_t count;
    wf_err_t rc = read_count(d, r, UINT32_MAX, "element items", &count);
    if (rc == WF_OK)
        rc = new_array(d, (void **)&segment->items, &segment->count, count, sizeof *segment->items);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__const_expr_t *item = &segment->items[i];
        if (exprs) {
            rc = read_const_expr(d, r, item);
        } else {
            item->kind = WF__CONST_REF_FUNC;
            item->type = WF_FUNCREF;
            rc = wf__read_u32(r, &item->index, d->err);
        }
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* An element kind: only 0x00 (funcref) exists. */
static wf_err_t read_elemkind(decoder_t *d, wf__reader_t *r)
{
    uint8_t kind = 0;
    return read_u8_at_most(d, r, 0x00, "malformed element kind", &kind);
}

/*
** Element segments, all eight encodings. Flags bit 0: passive or declarative
** (bit 1 set: declarative) vs active; bit 1 on active ones: explicit table
** index; bit 2: items are expressions (with a reftype) instead of function
** indices (with an element kind).
*/
static wf_err_t decode_elems(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    uint32_t count;
    wf_err_t rc = read_count(d, r, WF_MAX_SEGMENTS, "element segments", &count);
    if (rc != WF_OK)
        return rc;
    if (count == 0)
        return WF_OK;
    rc = new_array(d, (void **)&m->elems, &m->elem_count, count, sizeof *m->elems);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__elem_segment_t *segment = &m->elems[i];
        size_t at = wf__reader_offset(r);
        uint32_t flags;
        rc = wf__read_u32(r, &flags, d->err);
        if (rc != WF_OK)
            return rc;
        if (flags > 7)
            return wf__error(d->err, WF_ERR_MALFORMED, at, "malformed elements segment kind");
        segment->elem_type = WF_FUNCREF;
        if (flags & 1) {
            segment->mode = flags & 2 ? WF__SEGMENT_DECLARATIVE : WF__SEGMENT_PASSIVE;
        } else {
            segment->mode = WF__SEGMENT_ACTIVE;
            if (flags & 2) {
                rc = wf__read_u32(r, &segment->table, d->err);
                if (rc != WF_OK)
                    return rc;
            }
            rc = read_const_expr(d, r, &segment->offset);
            if (rc != WF_OK)
                return rc;
        }
        bool has_type = (flags & 3) != 0; /* flags 0 and 4 imply funcref */
        if (flags & 4) {
            if (has_type && (rc = read_reftype(d, r, &segment->elem_type)) != WF_OK)
                return rc;
            rc = read_elem_items(d, r, true, segment);
        } else {
            if (has_type && (rc = read_elemkind(d, r)) != WF_OK)
                return rc;
            rc = read_elem_items(d, r, false, segment);
        }
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/*
** Walks one function body with wf__read_instr to find what is malformed in
** it: unknown opcodes, bad immediates, an `else` outside an `if`, a missing
** final `end`.
*/
static wf_err_t scan_body(decoder_t *d, wf__reader_t *r)
{
    wf__instr_t instr;
    uint32_t depth = 1;
    if (!d->blocks) {
        d->blocks = wf__alloc(d->allocator, 64);
        if (!d->blocks)
            return out_of_memory(d);
        d->block_capacity = 64;
    }
    d->blocks[0] = BLOCK_PLAIN;
    while (depth > 0) {
        if (r->p >= r->end) {
            /* The reference reads on into the next body, where it meets
               the next function's bytes; at the end of the module it runs
               out of input. */
            if (r->end == d->module->bytes + d->module->size)
                return wf__error(d->err, WF_ERR_MALFORMED, wf__reader_offset(r),
                                 "unexpected end of section or function");
            if (depth == 1 && *r->end == 0x0B) /* read as the `end`, overrunning */
                return wf__error(d->err, WF_ERR_MALFORMED, wf__reader_offset(r),
                                 "section size mismatch");
            return wf__error(d->err, WF_ERR_MALFORMED, wf__reader_offset(r), "END opcode expected");
        }
        wf_err_t rc = wf__read_instr(r, &instr, d->err);
        if (rc != WF_OK)
            return rc;
        switch (instr.op) {
        case WF_OP_BLOCK:
        case WF_OP_LOOP:
        case WF_OP_IF:
            if (depth == d->block_capacity) {
                uint8_t *p = wf__realloc(d->allocator, d->blocks, d->block_capacity,
                                         (size_t)d->block_capacity * 2);
                if (!p)
                    return out_of_memory(d);
                d->blocks = p;
                d->block_capacity *= 2;
            }
            d->blocks[depth++] = instr.op == WF_OP_IF ? BLOCK_IF : BLOCK_PLAIN;
            break;
        case WF_OP_ELSE:
            /* The reference parser ends the block at `else` and then wants
               its `end`. */
            if (d->blocks[depth - 1] != BLOCK_IF)
                return wf__error(d->err, WF_ERR_MALFORMED, instr.offset, "END opcode expected");
            d->blocks[depth - 1] = BLOCK_ELSE;
            break;
        case WF_OP_END:
            depth--;
            break;
        case WF_OP_MEMORY_INIT:
        case WF_OP_DATA_DROP:
            d->uses_data_index = true;
            break;
        default:
            break;
        }
    }
    if (r->p != r->end)
        return wf__error(d->err, WF_ERR_MALFORMED, wf__reader_offset(r), "section size mismatch");
    return WF_OK;
}

/*
** The code section: each body's locals (expanded into local_types), the
** bounds of its instructions, and a syntax scan of them.
*/
static wf_err_t decode_code(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    size_t at = wf__reader_offset(r);
    uint32_t count;
    wf_err_t rc = wf__read_u32(r, &count, d->err);
    if (rc != WF_OK)
        return rc;
    d->has_code_section = true;
    d->code_count = count;
    /* Fewer bodies than functions is reported after the last section (the
       spec's order of checks); more cannot be stored. */
    if (count > d->defined_func_count)
        return wf__error(d->err, WF_ERR_MALFORMED, at,
                         "function and code section have inconsistent lengths");
    for (uint32_t i = 0; i < count; i++) {
        wf__func_t *func = &m->funcs[m->import_func_count + i];
        uint32_t size;
        at = wf__reader_offset(r);
        rc = wf__read_u32(r, &size, d->err);
        if (rc != WF_OK)
            return rc;
        if (size > (size_t)(r->end - r->p))
            return wf__error(d->err, WF_ERR_MALFORMED, at, "length out of bounds");
        if (size > WF_MAX_FUNC_SIZE)
            return wf__error(d->err, WF_ERR_LIMIT, at, "function body too large");
        wf__reader_t body = {r->base, r->p, r->p + size};
        r->p += size;

        /* Locals: groups of (count, type), counted first, then expanded. */
        uint64_t total = func->type ? func->type->param_count : 0;
        uint32_t groups;
        rc = wf__read_u32(&body, &groups, d->err);
        if (rc != WF_OK)
            return rc;
        const uint8_t *groups_start = body.p;
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t n;
            uint8_t type = 0;
            rc = wf__read_u32(&body, &n, d->err);
            if (rc != WF_OK)
                return rc;
            total += n;
            if (total > WF_MAX_LOCALS)
                return wf__error(d->err, WF_ERR_MALFORMED, at, "too many locals");
            rc = read_valtype(d, &body, &type);
            if (rc != WF_OK)
                return rc;
        }
        uint32_t local_count = (uint32_t)(total - (func->type ? func->type->param_count : 0));
        if (local_count) {
            func->local_types = wf__alloc(d->allocator, local_count);
            if (!func->local_types)
                return out_of_memory(d);
            func->local_count = local_count;
            wf__reader_t again = {r->base, groups_start, body.p};
            uint32_t k = 0;
            for (uint32_t g = 0; g < groups; g++) {
                uint32_t n;
                uint8_t type = 0;
                (void)wf__read_u32(&again, &n, NULL);
                (void)wf__read_u8(&again, &type, NULL);
                memset(func->local_types + k, type, n);
                k += n;
            }
        }
        func->body_offset = wf__reader_offset(&body);
        func->body_end = (size_t)(body.end - body.base);
        rc = scan_body(d, &body);
        if (rc != WF_OK) {
            if (d->err)
                d->err->func_index = m->import_func_count + i;
            return rc;
        }
    }
    return WF_OK;
}

/* The data section; its count must match the data count section's. */
static wf_err_t decode_datas(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    size_t at = wf__reader_offset(r);
    uint32_t count;
    wf_err_t rc = read_count(d, r, WF_MAX_SEGMENTS, "data segments", &count);
    if (rc != WF_OK)
        return rc;
    d->has_data_section = true;
    if (m->has_data_count && count != m->data_count)
        return wf__error(d->err, WF_ERR_MALFORMED, at,
                         "data count and data section have inconsistent lengths");
    if (count == 0)
        return WF_OK;
    rc = new_array(d, (void **)&m->datas, &m->data_segment_count, count, sizeof *m->datas);
    if (rc != WF_OK)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        wf__data_segment_t *segment = &m->datas[i];
        uint32_t flags, size;
        at = wf__reader_offset(r);
        rc = wf__read_u32(r, &flags, d->err);
        if (rc != WF_OK)
            return rc;
        if (flags > 2)
            return wf__error(d->err, WF_ERR_MALFORMED, at, "malformed data segment kind");
        segment->mode = flags == 1 ? WF__SEGMENT_PASSIVE : WF__SEGMENT_ACTIVE;
        if (flags == 2 && (rc = wf__read_u32(r, &segment->memory, d->err)) != WF_OK)
            return rc;
        if (flags != 1 && (rc = read_const_expr(d, r, &segment->offset)) != WF_OK)
            return rc;
        rc = wf__read_u32(r, &size, d->err);
        if (rc == WF_OK)
            rc = wf__read_bytes(r, size, &segment->bytes, d->err);
        if (rc != WF_OK)
            return rc;
        segment->size = size;
    }
    return WF_OK;
}

/*
** A custom section: recorded in customs; a "name" one is parsed after
** the last section (best effort).
*/
static wf_err_t decode_custom(decoder_t *d, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    const uint8_t *bytes;
    uint32_t len;
    wf_err_t rc = wf__read_name(r, &bytes, &len, d->err);
    if (rc != WF_OK)
        return rc;
    rc = grow(d, (void **)&m->customs, m->custom_count, m->custom_count + 1, sizeof *m->customs);
    if (rc != WF_OK)
        return rc;
    wf__custom_section_t *custom = &m->customs[m->custom_count++];
    custom->name = name_dup(d->allocator, bytes, len);
    if (!custom->name)
        return out_of_memory(d);
    custom->offset = wf__reader_offset(r);
    custom->size = (size_t)(r->end - r->p);
    if (len == 4 && memcmp(bytes, "name", 4) == 0 && !d->has_name_section) {
        d->has_name_section = true;
        d->name_section_offset = custom->offset;
        d->name_section_size = custom->size;
    }
    r->p = r->end;
    return WF_OK;
}

/* ====================================================================== */
/* The name section (best effort: a bad one is ignored)                    */
/* ====================================================================== */

static void free_func_names(decoder_t *d)
{
    wf_module_t *m = d->module;
    if (m->func_names) {
        for (uint32_t i = 0; i < m->func_count; i++)
            name_free(d->allocator, m->func_names[i]);
        wf__free(d->allocator, m->func_names, (size_t)m->func_count * sizeof *m->func_names);
        m->func_names = NULL;
    }
    name_free(d->allocator, m->module_name);
    m->module_name = NULL;
}

/* Returns WF_OK, or an error that the caller drops (except out of memory). */
static wf_err_t parse_name_section(decoder_t *d, wf_error_info_t *err)
{
    wf_module_t *m = d->module;
    wf__reader_t r = {m->bytes, m->bytes + d->name_section_offset,
                      m->bytes + d->name_section_offset + d->name_section_size};
    while (r.p < r.end) {
        uint8_t id = 0;
        uint32_t size;
        wf_err_t rc = wf__read_u8(&r, &id, err);
        if (rc == WF_OK)
            rc = wf__read_u32(&r, &size, err);
        if (rc != WF_OK)
            return rc;
        if (size > (size_t)(r.end - r.p))
            return WF_ERR_MALFORMED;
        wf__reader_t sub = {r.base, r.p, r.p + size};
        r.p += size;
        const uint8_t *bytes;
        uint32_t len;
        if (id == 0) {
            rc = wf__read_name(&sub, &bytes, &len, err);
            if (rc != WF_OK)
                return rc;
            if (!m->module_name) {
                m->module_name = name_dup(d->allocator, bytes, len);
                if (!m->module_name)
                    return WF_ERR_NOMEM;
            }
        } else if (id == 1 && !m->func_names && m->func_count) {
            uint32_t count;
            rc = wf__read_u32(&sub, &count, err);
            if (rc != WF_OK)
                return rc;
            m->func_names = wf__calloc(d->allocator, m->func_count, sizeof *m->func_names);
            if (!m->func_names)
                return WF_ERR_NOMEM;
            for (uint32_t i = 0; i < count; i++) {
                uint32_t index;
                rc = wf__read_u32(&sub, &index, err);
                if (rc == WF_OK)
                    rc = wf__read_name(&sub, &bytes, &len, err);
                if (rc != WF_OK)
                    return rc;
                if (index >= m->func_count || m->func_names[index])
                    continue;
                m->func_names[index] = name_dup(d->allocator, bytes, len);
                if (!m->func_names[index])
                    return WF_ERR_NOMEM;
            }
        }
    }
    return WF_OK;
}

/* ====================================================================== */
/* The module                                                              */
/* ====================================================================== */

/* Section ids in the order the spec requires them (data count before code). */
static int section_rank(uint8_t id)
{
    static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return rank[id];
}

/* Decodes the contents of one section with the given id (0..12). */
static wf_err_t decode_section(decoder_t *d, uint8_t id, wf__reader_t *r)
{
    wf_module_t *m = d->module;
    switch (id) {
    case 0:
        return decode_custom(d, r);
    case 1:
        return decode_types(d, r);
    case 2:
        return decode_imports(d, r);
    case 3:
        return decode_functions(d, r);
    case 4:
        return decode_tables(d, r);
    case 5:
        return decode_memories(d, r);
    case 6:
        return decode_globals(d, r);
    case 7:
        return decode_exports(d, r);
    case 8:
        m->has_start = true;
        return wf__read_u32(r, &m->start, d->err);
    case 9:
        return decode_elems(d, r);
    case 10:
        return decode_code(d, r);
    case 11:
        return decode_datas(d, r);
    default:
        m->has_data_count = true;
        return wf__read_u32(r, &m->data_count, d->err);
    }
}

/*
** See module.h. Checks the header, then each section in order, then the
** cross-section rules; on failure the caller frees with wf__module_clear.
*/
static wf_err_t decode_module(decoder_t *d);

wf_err_t wf__decode(wf_module_t *module, wf_error_info_t *err)
{
    decoder_t d = {.module = module, .allocator = &module->allocator, .err = err};
    wf_err_t rc = decode_module(&d);
    wf__free(d.allocator, d.blocks, d.block_capacity);
    return rc;
}

/* The body of wf__decode, with the decoder's scratch state in d. */
static wf_err_t decode_module(decoder_t *d)
{
    wf_module_t *module = d->module;
    wf_error_info_t *err = d->err;
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    const uint8_t *end = module->bytes + module->size;
    wf__reader_t r = {module->bytes, module->bytes, end};
    wf_err_t rc;

    if (module->size < 4)
        return wf__error(err, WF_ERR_MALFORMED, module->size, "unexpected end");
    if (memcmp(module->bytes, magic, 4) != 0)
        return wf__error(err, WF_ERR_MALFORMED, 0, "magic header not detected");
    if (module->size < 8)
        return wf__error(err, WF_ERR_MALFORMED, module->size, "unexpected end");
    if (memcmp(module->bytes + 4, version, 4) != 0)
        return wf__error(err, WF_ERR_MALFORMED, 4, "unknown binary version");
    r.p += 8;

    int last_rank = 0;
    while (r.p < r.end) {
        size_t at = wf__reader_offset(&r);
        uint8_t id = *r.p++;
        uint32_t size;
        if (id > 12)
            return wf__error(err, WF_ERR_MALFORMED, at, "malformed section id");
        rc = wf__read_u32(&r, &size, err);
        if (rc != WF_OK)
            return rc;
        if (size > (size_t)(r.end - r.p))
            return wf__error(err, WF_ERR_MALFORMED, at, "length out of bounds");
        if (id != 0) {
            if (section_rank(id) <= last_rank)
                return wf__error(err, WF_ERR_MALFORMED, at,
                                 "unexpected content after last section");
            last_rank = section_rank(id);
        }
        /* Custom sections and function bodies are read within their
           size; the other sections are read on and their size checked after,
           as the reference interpreter does (its messages depend on it). */
        const uint8_t *section_end = r.p + size;
        wf__reader_t content = {r.base, r.p, id == 0 || id == 10 ? section_end : end};
        rc = decode_section(d, id, &content);
        if (rc == WF_ERR_MALFORMED && err && strcmp(err->message, "unexpected end") == 0)
            snprintf(err->message, sizeof err->message, "unexpected end of section or function");
        if (rc != WF_OK)
            return rc;
        if (content.p != section_end)
            return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(&content),
                             "section size mismatch");
        r.p = section_end;
    }

    if (d->defined_func_count != d->code_count)
        return wf__error(err, WF_ERR_MALFORMED, module->size,
                         "function and code section have inconsistent lengths");
    if (module->has_data_count && !d->has_data_section && module->data_count != 0)
        return wf__error(err, WF_ERR_MALFORMED, module->size,
                         "data count and data section have inconsistent lengths");
    /* wast2json leaves the data count section out of modules without data
       segments; their memory.init and data.drop name unknown segments,
       which is the validator's message. */
    if (d->uses_data_index && !module->has_data_count && module->data_segment_count)
        return wf__error(err, WF_ERR_MALFORMED, module->size, "data count section required");

    if (d->has_name_section) {
        wf_error_info_t ignored;
        rc = parse_name_section(d, &ignored);
        if (rc == WF_ERR_NOMEM)
            return out_of_memory(d);
        if (rc != WF_OK)
            free_func_names(d);
        if (module->module_name && !module->debug_name) {
            size_t n = strlen(module->module_name);
            module->debug_name = wf__strndup(d->allocator, module->module_name, n);
            if (!module->debug_name)
                return out_of_memory(d);
        }
    }
    return WF_OK;
}

/*
** See module.h. Frees what decode (and validate: func_declared) allocated
** and leaves the counts at zero, so a second call does nothing.
*/
void wf__module_clear(wf_module_t *module)
{
    const wf_allocator_t *a = &module->allocator;
    for (uint32_t i = 0; i < module->type_count; i++) {
        wf__functype_t *t = &module->types[i];
        wf__free(a, t->types, (size_t)t->param_count + t->result_count);
    }
    wf__free(a, module->types, (size_t)module->type_count * sizeof *module->types);
    for (uint32_t i = 0; i < module->import_count; i++) {
        name_free(a, module->imports[i].module);
        name_free(a, module->imports[i].name);
    }
    wf__free(a, module->imports, (size_t)module->import_count * sizeof *module->imports);
    if (module->func_names) {
        for (uint32_t i = 0; i < module->func_count; i++)
            name_free(a, module->func_names[i]);
        wf__free(a, module->func_names, (size_t)module->func_count * sizeof *module->func_names);
    }
    name_free(a, module->module_name);
    for (uint32_t i = module->import_func_count; i < module->func_count; i++) {
        wf__func_t *f = &module->funcs[i];
        wf__free(a, f->local_types, f->local_count);
        if (f->code)
            wf__code_free(a, f->code);
    }
    wf__free(a, module->funcs, (size_t)module->func_count * sizeof *module->funcs);
    wf__free(a, module->func_declared, (size_t)module->func_count * sizeof(bool));
    wf__free(a, module->tables, (size_t)module->table_count * sizeof *module->tables);
    wf__free(a, module->memories, (size_t)module->memory_count * sizeof *module->memories);
    wf__free(a, module->globals, (size_t)module->global_count * sizeof *module->globals);
    for (uint32_t i = 0; i < module->export_count; i++)
        name_free(a, module->exports[i].name);
    wf__free(a, module->exports, (size_t)module->export_count * sizeof *module->exports);
    for (uint32_t i = 0; i < module->elem_count; i++) {
        wf__elem_segment_t *s = &module->elems[i];
        wf__free(a, s->items, (size_t)s->count * sizeof *s->items);
    }
    wf__free(a, module->elems, (size_t)module->elem_count * sizeof *module->elems);
    wf__free(a, module->datas, (size_t)module->data_segment_count * sizeof *module->datas);
    for (uint32_t i = 0; i < module->custom_count; i++)
        name_free(a, module->customs[i].name);
    wf__free(a, module->customs, (size_t)module->custom_count * sizeof *module->customs);

    module->type_count = module->import_count = 0;
    module->func_count = module->import_func_count = 0;
    module->table_count = module->import_table_count = 0;
    module->memory_count = module->import_memory_count = 0;
    module->global_count = module->import_global_count = 0;
    module->export_count = module->elem_count = module->data_segment_count = 0;
    module->custom_count = 0;
    module->types = NULL;
    module->imports = NULL;
    module->funcs = NULL;
    module->func_declared = NULL;
    module->func_names = NULL;
    module->module_name = NULL;
    module->tables = NULL;
    module->memories = NULL;
    module->globals = NULL;
    module->exports = NULL;
    module->elems = NULL;
    module->datas = NULL;
    module->customs = NULL;
}
