/*
** The validator: the module-level rules of the spec (indices, limits,
** constant expressions, exports, start function, segments) and the type
** checking of every function body with the algorithm of the spec's appendix:
** an operand stack of value types and a control stack of frames, where an
** unreachable frame lets pops produce the "unknown" type.
**
** Fills module->func_declared and each defined function's max_stack. Errors
** are WF_ERR_INVALID with the spec test suite's messages; errors in code carry
** the function index and the instruction's byte offset.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "reader.h"

/* The operand type of a value produced in unreachable code. */
#define UNKNOWN 0x00

typedef struct frame {
    uint16_t op;     /* WF_OP_BLOCK, LOOP, IF, ELSE; BLOCK for the function */
    uint8_t kind;    /* wf__block_kind_t, or KIND_FUNC */
    uint8_t valtype; /* WF__BLOCK_VALUE */
    uint32_t type_index;
    uint32_t height; /* operand stack height at entry (after the params) */
    bool unreachable;
} frame_t;

#define KIND_FUNC 3

typedef struct validator {
    wf_module_t *module;
    const wf_allocator_t *allocator;
    wf_error_info_t *err;

    /* The function being checked. */
    uint32_t func_index;
    const wf__func_t *func;
    uint32_t local_total;

    uint8_t *values;
    uint32_t value_count, value_capacity, max_height;
    frame_t *frames;
    uint32_t frame_count, frame_capacity;

    size_t offset;       /* of the instruction being checked */
    uint32_t data_limit; /* data segments memory.init may name */
} validator_t;

/* Fills err with WF_ERR_INVALID, the message, the current offset and function. */
static wf_err_t invalid(validator_t *v, const char *message)
{
    wf__error(v->err, WF_ERR_INVALID, v->offset, "%s", message);
    if (v->err && v->func)
        v->err->func_index = v->func_index;
    return WF_ERR_INVALID;
}

/* Like invalid, for "unknown <what> <index>". */
static wf_err_t invalid_index(validator_t *v, const char *what, uint32_t index)
{
    wf__error(v->err, WF_ERR_INVALID, v->offset, "unknown %s %u", what, index);
    if (v->err && v->func)
        v->err->func_index = v->func_index;
    return WF_ERR_INVALID;
}

/* Whether t is a reference type. */
static bool is_ref(uint8_t t)
{
    return t == WF_FUNCREF || t == WF_EXTERNREF;
}

/* ====================================================================== */
/* Operand and control stacks                                              */
/* ====================================================================== */

/*
** The deepest operand stack a function may have, in values. Calls with many
** results can push far more values than the body has bytes; beyond this the
** module is refused rather than given frames of gigabytes.
*/
#define MAX_OPERAND_STACK (1u << 20)

/* Doubles the operand stack for push (out of line: it is rarely needed). */
static wf_err_t grow_values(validator_t *v)
{
    if (v->value_capacity >= MAX_OPERAND_STACK)
        return wf__error(v->err, WF_ERR_LIMIT, v->offset, "operand stack too deep");
    uint32_t cap = v->value_capacity ? v->value_capacity * 2 : 64;
    uint8_t *p = wf__realloc(v->allocator, v->values, v->value_capacity, cap);
    if (!p)
        return wf__error(v->err, WF_ERR_NOMEM, v->offset, "out of memory");
    v->values = p;
    v->value_capacity = cap;
    return WF_OK;
}

/* Pushes a value type, tracking the deepest stack for max_stack. */
static wf_err_t push(validator_t *v, uint8_t type)
{
    if (v->value_count == v->value_capacity) {
        wf_err_t rc = grow_values(v);
        if (rc != WF_OK)
            return rc;
    }
    v->values[v->value_count++] = type;
    if (v->value_count > v->max_height)
        v->max_height = v->value_count;
    return WF_OK;
}

/* Pops any value into *out (UNKNOWN in unreachable code). */
static wf_err_t pop_any(validator_t *v, uint8_t *out)
{
    frame_t *f = &v->frames[v->frame_count - 1];
    if (v->value_count == f->height) {
        if (f->unreachable) {
            *out = UNKNOWN;
            return WF_OK;
        }
        return invalid(v, "type mismatch");
    }
    *out = v->values[--v->value_count];
    return WF_OK;
}

/*
** Pops a value that must be of type expected (or unknown); *out gets the
** more specific of the two.
*/
static wf_err_t pop_expect(validator_t *v, uint8_t expected, uint8_t *out)
{
    uint8_t actual;
    wf_err_t rc = pop_any(v, &actual);
    if (rc != WF_OK)
        return rc;
    if (actual != expected && actual != UNKNOWN && expected != UNKNOWN)
        return invalid(v, "type mismatch");
    if (out)
        *out = actual == UNKNOWN ? expected : actual;
    return WF_OK;
}

/* Pops a value of type expected. */
static wf_err_t pop(validator_t *v, uint8_t expected)
{
    return pop_expect(v, expected, NULL);
}

/* Pops types[count-1] .. types[0] (the last one is on top). */
static wf_err_t pop_types(validator_t *v, const uint8_t *types, uint32_t count)
{
    for (uint32_t i = count; i-- > 0;) {
        wf_err_t rc = pop(v, types[i]);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* Pushes types[0] .. types[count-1]. */
static wf_err_t push_types(validator_t *v, const uint8_t *types, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        wf_err_t rc = push(v, types[i]);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/*
** A frame's parameter and result types. A single-value block type points at
** the frame's own valtype byte, so the pointer is valid until the frame
** stack next grows.
*/
static void frame_params(const validator_t *v, const frame_t *f, const uint8_t **types,
                         uint32_t *count)
{
    if (f->kind == WF__BLOCK_TYPEIDX) {
        const wf__functype_t *t = &v->module->types[f->type_index];
        *types = WF__PARAMS(t), *count = t->param_count;
    } else {
        *types = NULL, *count = 0;
    }
}

/* See frame_params. */
static void frame_results(const validator_t *v, const frame_t *f, const uint8_t **types,
                          uint32_t *count)
{
    if (f->kind == WF__BLOCK_TYPEIDX || f->kind == KIND_FUNC) {
        const wf__functype_t *t = &v->module->types[f->type_index];
        *types = WF__RESULTS(t), *count = t->result_count;
    } else if (f->kind == WF__BLOCK_VALUE) {
        *types = &f->valtype, *count = 1;
    } else {
        *types = NULL, *count = 0;
    }
}

/* The types a branch to frame f carries: a loop's params, else its results. */
static void label_types(const validator_t *v, const frame_t *f, const uint8_t **types,
                        uint32_t *count)
{
    if (f->op == WF_OP_LOOP)
        frame_params(v, f, types, count);
    else
        frame_results(v, f, types, count);
}

/*
** Opens a frame for a block, loop or if (instr), or for the function body
** (instr NULL). Its height is the current stack height.
*/
static wf_err_t push_frame(validator_t *v, uint16_t op, const wf__instr_t *instr)
{
    if (v->frame_count == v->frame_capacity) {
        uint32_t cap = v->frame_capacity ? v->frame_capacity * 2 : 16;
        frame_t *p =
            wf__realloc(v->allocator, v->frames, v->frame_capacity * sizeof *p, cap * sizeof *p);
        if (!p)
            return wf__error(v->err, WF_ERR_NOMEM, v->offset, "out of memory");
        v->frames = p;
        v->frame_capacity = cap;
    }
    frame_t *f = &v->frames[v->frame_count++];
    memset(f, 0, sizeof *f);
    f->op = op;
    if (instr) {
        f->kind = instr->imm.block.kind;
        f->valtype = instr->imm.block.valtype;
        f->type_index = instr->imm.block.type_index;
    } else {
        f->kind = KIND_FUNC;
        f->type_index = v->func->type_index;
    }
    f->height = v->value_count;
    f->unreachable = false;
    return WF_OK;
}

/* After an unconditional branch: the rest of the frame pops unknown values. */
static void set_unreachable(validator_t *v)
{
    frame_t *f = &v->frames[v->frame_count - 1];
    v->value_count = f->height;
    f->unreachable = true;
}

/* Checks the end of the top frame's instruction sequence: exactly its results. */
static wf_err_t check_frame_end(validator_t *v)
{
    frame_t *f = &v->frames[v->frame_count - 1];
    const uint8_t *types;
    uint32_t count;
    frame_results(v, f, &types, &count);
    wf_err_t rc = pop_types(v, types, count);
    if (rc != WF_OK)
        return rc;
    if (v->value_count != f->height)
        return invalid(v, "type mismatch");
    return WF_OK;
}

/* ====================================================================== */
/* Instructions                                                            */
/* ====================================================================== */

static uint8_t local_type(const validator_t *v, uint32_t index)
{
    const wf__functype_t *t = v->func->type;
    if (index < t->param_count)
        return WF__PARAMS(t)[index];
    return v->func->local_types[index - t->param_count];
}

/* The memory index must exist ("unknown memory N"). */
static wf_err_t check_memory(validator_t *v, uint32_t index)
{
    if (index >= v->module->memory_count)
        return invalid_index(v, "memory", index);
    return WF_OK;
}

/* The table index must exist ("unknown table N"). */
static wf_err_t check_table(validator_t *v, uint32_t index)
{
    if (index >= v->module->table_count)
        return invalid_index(v, "table", index);
    return WF_OK;
}

/* A block type's index must name a type; v128 results are unsupported. */
static wf_err_t check_block_type(validator_t *v, const wf__instr_t *instr)
{
    if (instr->imm.block.kind == WF__BLOCK_TYPEIDX &&
        instr->imm.block.type_index >= v->module->type_count)
        return invalid_index(v, "type", instr->imm.block.type_index);
    if (instr->imm.block.kind == WF__BLOCK_VALUE && instr->imm.block.valtype == WF_V128)
        return wf__error(v->err, WF_ERR_UNSUPPORTED, v->offset,
                         "SIMD instructions are not supported yet");
    return WF_OK;
}

/*
** br_table: every label exists and has the default label's arity, and the
** operands match each label's types.
*/
static wf_err_t check_br_table(validator_t *v, const wf__instr_t *instr)
{
    wf_err_t rc = pop(v, WF_I32);
    if (rc != WF_OK)
        return rc;
    uint32_t def = instr->imm.br_table.default_label;
    if (def >= v->frame_count)
        return invalid_index(v, "label", def);
    const uint8_t *def_types;
    uint32_t arity;
    label_types(v, &v->frames[v->frame_count - 1 - def], &def_types, &arity);
    wf__reader_t r = {v->module->bytes, instr->imm.br_table.targets,
                      v->module->bytes + v->module->size};
    for (uint32_t i = 0; i < instr->imm.br_table.count; i++) {
        uint32_t label;
        rc = wf__read_u32(&r, &label, v->err);
        if (rc != WF_OK)
            return rc;
        if (label >= v->frame_count)
            return invalid_index(v, "label", label);
        const uint8_t *types;
        uint32_t count;
        label_types(v, &v->frames[v->frame_count - 1 - label], &types, &count);
        if (count != arity)
            return invalid(v, "type mismatch");
        /* Check this label's types against the stack without consuming it. */
        uint32_t saved = v->value_count;
        for (uint32_t k = count; k-- > 0;) {
            frame_t *f = &v->frames[v->frame_count - 1];
            uint32_t depth = count - 1 - k;
            if (saved - f->height <= depth) {
                if (!f->unreachable)
                    return invalid(v, "type mismatch");
                continue;
            }
            uint8_t actual = v->values[saved - 1 - depth];
            if (actual != types[k] && actual != UNKNOWN)
                return invalid(v, "type mismatch");
        }
    }
    rc = pop_types(v, def_types, arity);
    if (rc == WF_OK)
        set_unreachable(v);
    return rc;
}

/* Pops the parameters of t and pushes its results. */
static wf_err_t check_call(validator_t *v, const wf__functype_t *t)
{
    wf_err_t rc = pop_types(v, WF__PARAMS(t), t->param_count);
    if (rc == WF_OK)
        rc = push_types(v, WF__RESULTS(t), t->result_count);
    return rc;
}

/* The threads proposal's instructions whose typing is not in the table. */
static wf_err_t check_atomic_special(validator_t *v, uint16_t op)
{
    wf_err_t rc;
    switch (op) {
    case WF_OP_MEMORY_ATOMIC_NOTIFY:
        if ((rc = pop(v, WF_I32)) != WF_OK || (rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        return push(v, WF_I32);
    case WF_OP_MEMORY_ATOMIC_WAIT32:
    case WF_OP_MEMORY_ATOMIC_WAIT64: {
        uint8_t t = op == WF_OP_MEMORY_ATOMIC_WAIT32 ? WF_I32 : WF_I64;
        if ((rc = pop(v, WF_I64)) != WF_OK || (rc = pop(v, t)) != WF_OK ||
            (rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        return push(v, WF_I32);
    }
    default: { /* compare-exchange */
        bool is64 = op == WF_OP_I64_ATOMIC_RMW_CMPXCHG || op == WF_OP_I64_ATOMIC_RMW8_CMPXCHG_U ||
                    op == WF_OP_I64_ATOMIC_RMW16_CMPXCHG_U ||
                    op == WF_OP_I64_ATOMIC_RMW32_CMPXCHG_U;
        uint8_t t = is64 ? WF_I64 : WF_I32;
        if ((rc = pop(v, t)) != WF_OK || (rc = pop(v, t)) != WF_OK ||
            (rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        return push(v, t);
    }
    }
}

/* Pops n i32 operands. */
static wf_err_t pop_i32s(validator_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        wf_err_t rc = pop(v, WF_I32);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/*
** Type-checks one instruction against the stacks. Instructions with a
** simple signature in wasm_ops.h go through the table; the rest are here.
*/
static wf_err_t check_instr(validator_t *v, const wf__instr_t *in)
{
    wf_module_t *m = v->module;
    const wf__op_info_t *info = &wf__op_info[in->op];
    wf_err_t rc = WF_OK;
    uint8_t t = 0, t2 = 0;
    const uint8_t *types;
    uint32_t count;

    if (info->imm == WF_IMM_MEMARG) {
        if ((rc = check_memory(v, in->imm.memarg.memory)) != WF_OK)
            return rc;
        if (info->prefix == 0xFE && in->imm.memarg.align != info->natural_align)
            return invalid(v, "atomic alignment must be natural");
        if (in->imm.memarg.align > info->natural_align)
            return invalid(v, "alignment must not be larger than natural");
    }
    if (info->imm == WF_IMM_MEMORY && (rc = check_memory(v, 0)) != WF_OK)
        return rc;

    if (info->param1 != WF_T_SPECIAL) {
        /* The common case first: the operands are on the stack, in this
           frame, with exactly these types; the pops below would succeed. */
        uint32_t have = v->value_count - v->frames[v->frame_count - 1].height, k = 0;
        bool fast = true;
        if (info->param2 != WF_T_NONE)
            fast = have > k && v->values[v->value_count - 1 - k++] == info->param2;
        if (fast && info->param1 != WF_T_NONE)
            fast = have > k && v->values[v->value_count - 1 - k++] == info->param1;
        if (fast) {
            v->value_count -= k;
            return info->result != WF_T_NONE ? push(v, info->result) : WF_OK;
        }
        if (info->param2 != WF_T_NONE && (rc = pop(v, info->param2)) != WF_OK)
            return rc;
        if (info->param1 != WF_T_NONE && (rc = pop(v, info->param1)) != WF_OK)
            return rc;
        if (info->result != WF_T_NONE)
            rc = push(v, info->result);
        return rc;
    }

    switch (in->op) {
    case WF_OP_UNREACHABLE:
        set_unreachable(v);
        return WF_OK;
    case WF_OP_BLOCK:
    case WF_OP_LOOP:
    case WF_OP_IF:
        if ((rc = check_block_type(v, in)) != WF_OK)
            return rc;
        if (in->op == WF_OP_IF && (rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        /* The params move from the enclosing frame into the new one. */
        if ((rc = push_frame(v, in->op, in)) != WF_OK)
            return rc;
        frame_params(v, &v->frames[v->frame_count - 1], &types, &count);
        v->frame_count--;
        rc = pop_types(v, types, count);
        v->frame_count++;
        if (rc != WF_OK)
            return rc;
        v->frames[v->frame_count - 1].height = v->value_count;
        frame_params(v, &v->frames[v->frame_count - 1], &types, &count);
        return push_types(v, types, count);
    case WF_OP_ELSE: {
        frame_t *f = &v->frames[v->frame_count - 1];
        if (f->op != WF_OP_IF)
            return invalid(v, "else without if");
        if ((rc = check_frame_end(v)) != WF_OK)
            return rc;
        f->op = WF_OP_ELSE;
        f->unreachable = false;
        frame_params(v, f, &types, &count);
        return push_types(v, types, count);
    }
    case WF_OP_END: {
        if ((rc = check_frame_end(v)) != WF_OK)
            return rc;
        frame_t f = v->frames[v->frame_count - 1];
        if (f.op == WF_OP_IF) {
            /* No else: the implicit one passes the params through. */
            const uint8_t *results;
            uint32_t result_count;
            frame_params(v, &f, &types, &count);
            frame_results(v, &f, &results, &result_count);
            if (count != result_count || (count && memcmp(types, results, count) != 0))
                return invalid(v, "type mismatch");
        }
        v->frame_count--;
        if (v->frame_count == 0)
            return WF_OK;
        frame_results(v, &f, &types, &count);
        return push_types(v, types, count);
    }
    case WF_OP_BR:
    case WF_OP_BR_IF:
        if (in->imm.index >= v->frame_count)
            return invalid_index(v, "label", in->imm.index);
        if (in->op == WF_OP_BR_IF && (rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        label_types(v, &v->frames[v->frame_count - 1 - in->imm.index], &types, &count);
        if (in->op == WF_OP_BR) {
            if ((rc = pop_types(v, types, count)) == WF_OK)
                set_unreachable(v);
            return rc;
        }
        if ((rc = pop_types(v, types, count)) != WF_OK)
            return rc;
        label_types(v, &v->frames[v->frame_count - 1 - in->imm.index], &types, &count);
        return push_types(v, types, count);
    case WF_OP_BR_TABLE:
        return check_br_table(v, in);
    case WF_OP_RETURN:
        frame_results(v, &v->frames[0], &types, &count);
        if ((rc = pop_types(v, types, count)) == WF_OK)
            set_unreachable(v);
        return rc;
    case WF_OP_CALL:
        if (in->imm.index >= m->func_count)
            return invalid_index(v, "function", in->imm.index);
        return check_call(v, m->funcs[in->imm.index].type);
    case WF_OP_CALL_INDIRECT:
        if ((rc = check_table(v, in->imm.call_indirect.table)) != WF_OK)
            return rc;
        if (in->imm.call_indirect.type_index >= m->type_count)
            return invalid_index(v, "type", in->imm.call_indirect.type_index);
        if (m->tables[in->imm.call_indirect.table].elem_type != WF_FUNCREF)
            return invalid(v, "type mismatch");
        if ((rc = pop(v, WF_I32)) != WF_OK)
            return rc;
        return check_call(v, &m->types[in->imm.call_indirect.type_index]);
    case WF_OP_DROP:
        return pop_any(v, &t);
    case WF_OP_SELECT:
        if ((rc = pop(v, WF_I32)) != WF_OK || (rc = pop_any(v, &t)) != WF_OK ||
            (rc = pop_any(v, &t2)) != WF_OK)
            return rc;
        if (is_ref(t) || is_ref(t2) || t == WF_V128 || t2 == WF_V128)
            return invalid(v, "type mismatch");
        if (t != t2 && t != UNKNOWN && t2 != UNKNOWN)
            return invalid(v, "type mismatch");
        return push(v, t == UNKNOWN ? t2 : t);
    case WF_OP_SELECT_T:
        if (in->imm.select.count != 1)
            return invalid(v, "invalid result arity");
        t = in->imm.select.type;
        if ((rc = pop(v, WF_I32)) != WF_OK || (rc = pop(v, t)) != WF_OK ||
            (rc = pop(v, t)) != WF_OK)
            return rc;
        return push(v, t);
    case WF_OP_LOCAL_GET:
    case WF_OP_LOCAL_SET:
    case WF_OP_LOCAL_TEE:
        if (in->imm.index >= v->local_total)
            return invalid_index(v, "local", in->imm.index);
        t = local_type(v, in->imm.index);
        if (in->op == WF_OP_LOCAL_GET)
            return push(v, t);
        if ((rc = pop(v, t)) != WF_OK)
            return rc;
        return in->op == WF_OP_LOCAL_TEE ? push(v, t) : WF_OK;
    case WF_OP_GLOBAL_GET:
    case WF_OP_GLOBAL_SET:
        if (in->imm.index >= m->global_count)
            return invalid_index(v, "global", in->imm.index);
        t = m->globals[in->imm.index].type;
        if (in->op == WF_OP_GLOBAL_GET)
            return push(v, t);
        if (!m->globals[in->imm.index].mutable_)
            return invalid(v, "global is immutable");
        return pop(v, t);
    case WF_OP_TABLE_GET:
    case WF_OP_TABLE_SET:
        if ((rc = check_table(v, in->imm.index)) != WF_OK)
            return rc;
        t = m->tables[in->imm.index].elem_type;
        if (in->op == WF_OP_TABLE_GET) {
            if ((rc = pop(v, WF_I32)) != WF_OK)
                return rc;
            return push(v, t);
        }
        if ((rc = pop(v, t)) != WF_OK)
            return rc;
        return pop(v, WF_I32);
    case WF_OP_REF_NULL:
        return push(v, in->imm.reftype);
    case WF_OP_REF_IS_NULL:
        if ((rc = pop_any(v, &t)) != WF_OK)
            return rc;
        if (t != UNKNOWN && !is_ref(t))
            return invalid(v, "type mismatch");
        return push(v, WF_I32);
    case WF_OP_REF_FUNC:
        if (in->imm.index >= m->func_count)
            return invalid_index(v, "function", in->imm.index);
        if (!m->func_declared[in->imm.index])
            return invalid(v, "undeclared function reference");
        return push(v, WF_FUNCREF);
    case WF_OP_MEMORY_INIT:
        if ((rc = check_memory(v, 0)) != WF_OK)
            return rc;
        if (in->imm.pair.a >= v->data_limit)
            return invalid_index(v, "data segment", in->imm.pair.a);
        return pop_i32s(v, 3);
    case WF_OP_DATA_DROP:
        if (in->imm.index >= v->data_limit)
            return invalid_index(v, "data segment", in->imm.index);
        return WF_OK;
    case WF_OP_MEMORY_COPY:
    case WF_OP_MEMORY_FILL:
        if ((rc = check_memory(v, 0)) != WF_OK)
            return rc;
        return pop_i32s(v, 3);
    case WF_OP_TABLE_INIT:
        if ((rc = check_table(v, in->imm.pair.b)) != WF_OK)
            return rc;
        if (in->imm.pair.a >= m->elem_count)
            return invalid_index(v, "elem segment", in->imm.pair.a);
        if (m->elems[in->imm.pair.a].elem_type != m->tables[in->imm.pair.b].elem_type)
            return invalid(v, "type mismatch");
        return pop_i32s(v, 3);
    case WF_OP_ELEM_DROP:
        if (in->imm.index >= m->elem_count)
            return invalid_index(v, "elem segment", in->imm.index);
        return WF_OK;
    case WF_OP_TABLE_COPY:
        if ((rc = check_table(v, in->imm.pair.a)) != WF_OK ||
            (rc = check_table(v, in->imm.pair.b)) != WF_OK)
            return rc;
        if (m->tables[in->imm.pair.a].elem_type != m->tables[in->imm.pair.b].elem_type)
            return invalid(v, "type mismatch");
        return pop_i32s(v, 3);
    case WF_OP_TABLE_GROW:
    case WF_OP_TABLE_SIZE:
    case WF_OP_TABLE_FILL:
        if ((rc = check_table(v, in->imm.index)) != WF_OK)
            return rc;
        t = m->tables[in->imm.index].elem_type;
        if (in->op == WF_OP_TABLE_SIZE)
            return push(v, WF_I32);
        if (in->op == WF_OP_TABLE_GROW) {
            if ((rc = pop(v, WF_I32)) != WF_OK || (rc = pop(v, t)) != WF_OK)
                return rc;
            return push(v, WF_I32);
        }
        if ((rc = pop(v, WF_I32)) != WF_OK || (rc = pop(v, t)) != WF_OK)
            return rc;
        return pop(v, WF_I32);
    default:
        if (info->prefix == 0xFE)
            return check_atomic_special(v, in->op);
        return invalid(v, "unsupported instruction");
    }
}

/* Type-checks the body of defined function index and records its max_stack. */
static wf_err_t check_body(validator_t *v, uint32_t index)
{
    wf_module_t *m = v->module;
    wf__func_t *func = &m->funcs[index];
    v->func_index = index;
    v->func = func;
    v->local_total = func->type->param_count + func->local_count;
    v->value_count = v->frame_count = v->max_height = 0;
    v->offset = func->body_offset;
    for (uint32_t i = 0; i < v->local_total; i++) {
        if (local_type(v, i) == WF_V128)
            return wf__error(v->err, WF_ERR_UNSUPPORTED, func->body_offset,
                             "SIMD instructions are not supported yet");
    }
    wf_err_t rc = push_frame(v, WF_OP_BLOCK, NULL);
    if (rc != WF_OK)
        return rc;
    wf__reader_t r = {m->bytes, m->bytes + func->body_offset, m->bytes + func->body_end};
    wf__instr_t instr;
    while (v->frame_count > 0) {
        if (r.p >= r.end) {
            wf__error(v->err, WF_ERR_MALFORMED, wf__reader_offset(&r), "END opcode expected");
            return WF_ERR_MALFORMED;
        }
        rc = wf__read_instr(&r, &instr, v->err);
        if (rc != WF_OK)
            return rc;
        v->offset = instr.offset;
        rc = check_instr(v, &instr);
        if (rc != WF_OK)
            return rc;
    }
    func->max_stack = v->max_height;
    return WF_OK;
}

/*
** Checks one function body; an error names the function by index and, as
** far as known, by name (the name section's, else its first export's).
*/
static wf_err_t validate_func(validator_t *v, uint32_t index)
{
    wf_err_t rc = check_body(v, index);
    v->func = NULL;
    if (rc == WF_OK || !v->err)
        return rc;
    const wf_module_t *m = v->module;
    const char *name = m->func_names ? m->func_names[index] : NULL;
    for (uint32_t i = 0; !name && i < m->export_count; i++) {
        if (m->exports[i].kind == WF_EXTERN_FUNC && m->exports[i].index == index)
            name = m->exports[i].name;
    }
    v->err->func_index = index;
    if (name)
        snprintf(v->err->func_name, sizeof v->err->func_name, "%s", name);
    return rc;
}

/* ====================================================================== */
/* Module-level rules                                                      */
/* ====================================================================== */

/*
** Checks a constant expression's form, indices and type (expected); fills in
** the type of a global.get, which the decoder cannot know.
*/
static wf_err_t check_const_expr(validator_t *v, wf__const_expr_t *e, uint8_t expected)
{
    wf_module_t *m = v->module;
    uint8_t type = e->type;
    switch (e->kind) {
    case WF__CONST_NOT_CONSTANT:
        return invalid(v, "constant expression required");
    case WF__CONST_BAD_ARITY:
        return invalid(v, "type mismatch");
    case WF__CONST_REF_FUNC:
        if (e->index >= m->func_count)
            return invalid_index(v, "function", e->index);
        break;
    case WF__CONST_GLOBAL_GET:
        /* Wasm 2.0: only imported globals, and only immutable ones. */
        if (e->index >= m->import_global_count)
            return invalid_index(v, "global", e->index);
        if (m->globals[e->index].mutable_)
            return invalid(v, "constant expression required");
        type = e->type = m->globals[e->index].type; /* the decoder left it 0 */
        break;
    default:
        break;
    }
    if (type == WF_V128)
        return wf__error(v->err, WF_ERR_UNSUPPORTED, 0, "SIMD instructions are not supported yet");
    if (type != expected)
        return invalid(v, "type mismatch");
    return WF_OK;
}

/* Marks the target of a ref.func item as declared (C.refs in the spec). */
static void declare(validator_t *v, const wf__const_expr_t *e)
{
    if (e->kind == WF__CONST_REF_FUNC && e->index < v->module->func_count)
        v->module->func_declared[e->index] = true;
}

/* Limits: min <= max, and both within bound when bound is not 0. */
static wf_err_t check_limits(validator_t *v, const wf_limits_t *l, uint64_t bound,
                             const char *too_large)
{
    if (bound && (l->min > bound || (l->has_max && l->max > bound)))
        return invalid(v, too_large);
    if (l->has_max && l->min > l->max)
        return invalid(v, "size minimum must not be greater than maximum");
    return WF_OK;
}

/* qsort order of exports by name bytes (names may hold NUL bytes). */
static int compare_export_names(const void *a, const void *b)
{
    const wf__export_t *x = *(const wf__export_t *const *)a;
    const wf__export_t *y = *(const wf__export_t *const *)b;
    size_t nx = wf__name_length(x->name), ny = wf__name_length(y->name);
    int c = memcmp(x->name, y->name, nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

/*
** Export indices exist and names are unique; exported functions count as
** declared for ref.func.
*/
static wf_err_t check_exports(validator_t *v)
{
    wf_module_t *m = v->module;
    static const char *const kind_names[4] = {"function", "table", "memory", "global"};
    for (uint32_t i = 0; i < m->export_count; i++) {
        const wf__export_t *e = &m->exports[i];
        uint32_t limit = e->kind == WF_EXTERN_FUNC     ? m->func_count
                         : e->kind == WF_EXTERN_TABLE  ? m->table_count
                         : e->kind == WF_EXTERN_MEMORY ? m->memory_count
                                                       : m->global_count;
        if (e->index >= limit)
            return invalid_index(v, kind_names[e->kind], e->index);
        if (e->kind == WF_EXTERN_FUNC)
            m->func_declared[e->index] = true;
    }
    if (m->export_count < 2)
        return WF_OK;
    const wf__export_t **sorted = wf__calloc(v->allocator, m->export_count, sizeof *sorted);
    if (!sorted)
        return wf__error(v->err, WF_ERR_NOMEM, 0, "out of memory");
    for (uint32_t i = 0; i < m->export_count; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->export_count, sizeof *sorted, compare_export_names);
    wf_err_t rc = WF_OK;
    for (uint32_t i = 1; i < m->export_count && rc == WF_OK; i++) {
        if (compare_export_names(&sorted[i - 1], &sorted[i]) == 0)
            rc = invalid(v, "duplicate export name");
    }
    wf__free(v->allocator, sorted, m->export_count * sizeof *sorted);
    return rc;
}

/*
** The module-level rules: types of functions, limits, one memory,
** constant expressions, exports, start function, segments.
*/
static wf_err_t check_module(validator_t *v)
{
    wf_module_t *m = v->module;
    wf_err_t rc;

    for (uint32_t i = 0; i < m->func_count; i++) {
        if (m->funcs[i].type_index >= m->type_count)
            return invalid_index(v, "type", m->funcs[i].type_index);
    }
    for (uint32_t i = 0; i < m->table_count; i++) {
        rc = check_limits(v, &m->tables[i].limits, 0, "");
        if (rc != WF_OK)
            return rc;
    }
    if (m->memory_count > WF_MAX_MEMORIES)
        return invalid(v, "multiple memories");
    for (uint32_t i = 0; i < m->memory_count; i++) {
        const wf_limits_t *l = &m->memories[i];
        rc = check_limits(v, l, WF_MAX_PAGES, "memory size must be at most 65536 pages (4GiB)");
        if (rc != WF_OK)
            return rc;
        if (l->shared && !l->has_max)
            return invalid(v, "shared memory must have maximum");
    }

    /* Function references outside function bodies declare their targets. */
    for (uint32_t i = m->import_global_count; i < m->global_count; i++)
        declare(v, &m->globals[i].init);
    for (uint32_t i = 0; i < m->elem_count; i++) {
        for (uint32_t k = 0; k < m->elems[i].count; k++)
            declare(v, &m->elems[i].items[k]);
    }

    for (uint32_t i = m->import_global_count; i < m->global_count; i++) {
        rc = check_const_expr(v, &m->globals[i].init, m->globals[i].type);
        if (rc != WF_OK)
            return rc;
    }
    rc = check_exports(v);
    if (rc != WF_OK)
        return rc;
    if (m->has_start) {
        if (m->start >= m->func_count)
            return invalid_index(v, "function", m->start);
        const wf__functype_t *t = m->funcs[m->start].type;
        if (t->param_count || t->result_count)
            return invalid(v, "start function");
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        wf__elem_segment_t *s = &m->elems[i];
        if (s->mode == WF__SEGMENT_ACTIVE) {
            if ((rc = check_table(v, s->table)) != WF_OK)
                return rc;
            if ((rc = check_const_expr(v, &s->offset, WF_I32)) != WF_OK)
                return rc;
            if (m->tables[s->table].elem_type != s->elem_type)
                return invalid(v, "type mismatch");
        }
        for (uint32_t k = 0; k < s->count; k++) {
            if ((rc = check_const_expr(v, &s->items[k], s->elem_type)) != WF_OK)
                return rc;
        }
    }
    for (uint32_t i = 0; i < m->data_segment_count; i++) {
        wf__data_segment_t *s = &m->datas[i];
        if (s->mode != WF__SEGMENT_ACTIVE)
            continue;
        if ((rc = check_memory(v, s->memory)) != WF_OK)
            return rc;
        if ((rc = check_const_expr(v, &s->offset, WF_I32)) != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* See module.h. Allocates func_declared (freed by wf__module_clear). */
wf_err_t wf__validate(wf_module_t *module, wf_error_info_t *err)
{
    validator_t v = {.module = module, .allocator = &module->allocator, .err = err};
    v.data_limit = module->has_data_count ? module->data_count : module->data_segment_count;
    if (module->func_declared) { /* validated before: start afresh */
        memset(module->func_declared, 0, module->func_count * sizeof(bool));
    } else if (module->func_count) {
        module->func_declared = wf__calloc(v.allocator, module->func_count, sizeof(bool));
        if (!module->func_declared)
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    }
    wf_err_t rc = check_module(&v);
    for (uint32_t i = module->import_func_count; i < module->func_count && rc == WF_OK; i++)
        rc = validate_func(&v, i);
    wf__free(v.allocator, v.values, v.value_capacity);
    wf__free(v.allocator, v.frames, v.frame_capacity * sizeof *v.frames);
    return rc;
}
