/*
** The compiler: validated wasm function bodies → internal register code
** (ops.h, compile.h).
**
** A single pass walks each body with a virtual operand stack. Every stack
** position has a home slot in the frame (after params and locals); an entry
** on the virtual stack is either in its home slot (STACK), still a reference
** to a local (LOCAL: local.get costs nothing until someone needs the value
** in a slot), or a constant not yet written anywhere (CONST: binary operators
** take it as an immediate). Lazy entries are written to their homes
** ("materialized") at control-flow joins, before calls (the arguments), and
** before a local.set/tee overwrites a local that a lazy entry still names.
**
** Peephole rewrites of the instruction just emitted (valid only while no
** label has been placed after it, see label_here):
**   - the producer of the top of the stack is retargeted to write straight
**     into the local of a following local.set/tee;
**   - a comparison (or eqz) followed by br_if/if becomes one compare-and-
**     branch; eqz of an integer comparison becomes the opposite comparison;
**   - an i32.add/sub of a constant followed by a load folds into the load;
**   - a full-width load followed by a binary op using it becomes the op's
**     NAME_M form (operand from memory; operands swapped where that is the
**     same operation), and a store of that result to the same address its
**     NAME_R form (read-modify-write);
**   - a store of op(t, v) where t was loaded from the same address a few
**     instructions back, with nothing between that can trap or write
**     memory, t or the address, drops the load and becomes NAME_RL (the
**     memory value as a; NAME_R when op is commutative);
**   - a store of a constant takes it as an immediate;
**   - adjacent copies and adjacent i32 adds (an i32.sub of a constant is an
**     add of its negation) run as one instruction.
** Every trap keeps the exact wasm offset: a rewritten instruction keeps the
** map entry of the part that can trap.
**
** When a function is done, fuse_pairs runs adjacent instructions as one
** handler where ops.h lists the pair (WF__GEN_PAIRS) or a triple.
**
** Branches to block ends are forward fixups patched at `end`; branches to
** loops go backwards and poll fuel and interrupts. Code after an
** unconditional branch is skipped up to its block's end/else.
*/
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "compile.h"
#include "reader.h"
#include "runtime.h"

/* --------------------------------------------------------------- state ---- */

enum { V_STACK, V_LOCAL, V_CONST };

typedef struct vval {
    uint8_t kind;
    uint8_t type;
    uint32_t slot; /* V_LOCAL: the local's slot; V_STACK: the home slot */
    uint64_t imm;  /* V_CONST: the value in slot encoding */
} vval_t;

enum { K_FUNC, K_BLOCK, K_LOOP, K_IF };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;
    bool has_else;
    uint8_t single;  /* the result type of a one-value block type */
    uint32_t height; /* stack entries below the block's params */
    uint32_t nparams, nresults;
    const wf__functype_t *type; /* a type-index block type, or NULL */
    size_t start;               /* K_LOOP: cell index of the loop head */
    int32_t fixups;             /* forward branches to the end (list head) */
    int32_t else_fixup;         /* K_IF: the branch to the else arm */
} ctrl_t;

typedef struct fixup {
    uint32_t instr; /* the branch instruction's first cell */
    uint32_t cell;  /* the cell holding its offset */
    int32_t next;
} fixup_t;

typedef struct compiler {
    const wf_allocator_t *alloc;
    wf_module_t *module;
    const void *const *handlers;
    bool oom;

    uint32_t func_index;
    const wf__func_t *func;
    uint32_t nlocals; /* params + declared locals: also the first stack slot */
    uint32_t max_height;
    uint32_t dead_depth; /* blocks opened inside skipped code */
    size_t offset;       /* module offset of the instruction being compiled */

    wf__cell_t *cells;
    size_t ncells, cap_cells;
    uint32_t *map_pc, *map_offset;
    size_t nmap, cap_map_pc, cap_map_offset;
    vval_t *vs;
    size_t nvs, cap_vs;
    ctrl_t *cs;
    size_t ncs, cap_cs;
    fixup_t *fx;
    size_t nfx, cap_fx;
    uint32_t *scratch; /* br_table labels */
    size_t cap_scratch;
    int64_t *stubs; /* br_table: stub cell per label depth */
    size_t cap_stubs;
    uint32_t *labels; /* cells where a label was placed, ascending (fuse_pairs) */
    size_t nlabels, cap_labels;
    /* fuse_pairs: pair_table's first and second handler cells, the link
       each entry asks for (LINK_A widened to LINK_AB where the second is
       commutative), and the entries by pair_hash of the two handler cells:
       a chain per bucket in table order (0xFF ends) */
    const uint64_t *pair_cells;
    const uint8_t *pair_link, *pair_bucket, *pair_next;

    /* The last instruction, when it wrote a single value into the home slot
       of stack position last_pos and nothing has been emitted or joined
       since. */
    bool last_valid;
    uint32_t last_pos;
    size_t last_instr;
    uint16_t last_iop;
    /* The last instruction is a COPY that a following copy may join (no
       label since): its first cell. SIZE_MAX when not. */
    size_t last_copy;
    /* Likewise for an i32.add (of an immediate: last_addi_imm), which a
       following one joins into I32_ADD2 / I32_ADD_I2. */
    size_t last_addi;
    bool last_addi_imm;
    /* The cell holding the last instruction's destination (last_valid). */
    size_t last_dst;
} compiler_t;

static bool grow(compiler_t *c, void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    if (c->oom)
        return false;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = wf__realloc(c->alloc, *ptr, *cap * elem, ncap * elem);
    if (!p) {
        c->oom = true;
        return false;
    }
    *ptr = p;
    *cap = ncap;
    return true;
}

/* The capacity test is inline: most calls need no growth. */
#define GROW(c, arr, cap, need)                                                                    \
    ((need) <= (cap) || grow((c), (void **)&(arr), &(cap), (need), sizeof *(arr)))

static inline uint32_t home(const compiler_t *c, size_t pos)
{
    return c->nlocals + (uint32_t)pos;
}

/* ------------------------------------------------------------ emitting ---- */

static void set_handler(compiler_t *c, size_t at, wf__iop_t iop)
{
    if (c->handlers)
        c->cells[at].h = c->handlers[iop];
    else
        c->cells[at].u = (uint64_t)iop;
}

/* Whether the instruction at cell at runs op iop. */
static bool is_op(const compiler_t *c, size_t at, wf__iop_t iop)
{
    return c->handlers ? c->cells[at].h == c->handlers[iop] : c->cells[at].u == (uint64_t)iop;
}

/* Starts an instruction; returns the index of its first cell. */
static inline size_t emit_op(compiler_t *c, wf__iop_t iop)
{
    c->last_valid = false;
    c->last_copy = SIZE_MAX;
    c->last_addi = SIZE_MAX;
    if (!GROW(c, c->cells, c->cap_cells, c->ncells + 1) ||
        !GROW(c, c->map_pc, c->cap_map_pc, c->nmap + 1) ||
        !GROW(c, c->map_offset, c->cap_map_offset, c->nmap + 1)) {
        return 0;
    }
    size_t at = c->ncells++;
    c->cells[at].u = 0;
    set_handler(c, at, iop);
    c->map_pc[c->nmap] = (uint32_t)at;
    c->map_offset[c->nmap] = (uint32_t)c->offset;
    c->nmap++;
    return at;
}

static inline size_t emit_u(compiler_t *c, uint64_t v)
{
    if (!GROW(c, c->cells, c->cap_cells, c->ncells + 1))
        return 0;
    c->cells[c->ncells].u = v;
    return c->ncells++;
}

static void emit_p(compiler_t *c, const void *p)
{
    if (!GROW(c, c->cells, c->cap_cells, c->ncells + 1))
        return;
    c->cells[c->ncells++].p = p;
}

/* Writes a branch offset into an emitted cell (nothing after out of memory). */
static void set_offset(compiler_t *c, size_t cell, int64_t offset)
{
    if (!c->oom)
        c->cells[cell].i = offset;
}

/*
** Emits fp[d] = fp[s], joining it to a COPY or COPY2 just before (into
** COPY2 or COPY3: the copies still run in order).
*/
static void emit_copy(compiler_t *c, uint32_t d, uint32_t s)
{
    if (c->last_copy != SIZE_MAX && !c->oom) {
        size_t at = c->last_copy;
        bool one = c->last_copy + 3 == c->ncells && is_op(c, at, WF_IOP_COPY);
        bool two = c->last_copy + 5 == c->ncells && is_op(c, at, WF_IOP_COPY2);
        if (one || two) {
            set_handler(c, at, one ? WF_IOP_COPY2 : WF_IOP_COPY3);
            emit_u(c, d);
            emit_u(c, s);
            c->last_copy = one && !c->oom ? at : SIZE_MAX;
            c->last_valid = false;
            return;
        }
    }
    size_t at = emit_op(c, WF_IOP_COPY);
    emit_u(c, d);
    emit_u(c, s);
    c->last_copy = c->oom ? SIZE_MAX : at;
}

/* A label at the current end of the code: nothing before may be changed. */
static void label_here(compiler_t *c)
{
    c->last_valid = false;
    c->last_copy = SIZE_MAX;
    c->last_addi = SIZE_MAX;
    if (c->nlabels && c->labels[c->nlabels - 1] == (uint32_t)c->ncells)
        return;
    if (GROW(c, c->labels, c->cap_labels, c->nlabels + 1))
        c->labels[c->nlabels++] = (uint32_t)c->ncells;
}

static void set_last(compiler_t *c, size_t instr, wf__iop_t iop)
{
    c->last_valid = !c->oom;
    c->last_pos = (uint32_t)(c->nvs - 1);
    c->last_instr = instr;
    c->last_iop = (uint16_t)iop;
    c->last_dst = instr + 1;
}

/* --------------------------------------------------- the virtual stack ---- */

static inline void push(compiler_t *c, uint8_t kind, uint8_t type, uint32_t slot, uint64_t imm)
{
    if (!GROW(c, c->vs, c->cap_vs, c->nvs + 1))
        return;
    vval_t *v = &c->vs[c->nvs++];
    v->kind = kind;
    v->type = type;
    v->slot = kind == V_STACK ? home(c, c->nvs - 1) : slot;
    v->imm = imm;
    if (c->nvs > c->max_height)
        c->max_height = (uint32_t)c->nvs;
}

static void push_stack(compiler_t *c, uint8_t type)
{
    push(c, V_STACK, type, 0, 0);
}

/* Writes a lazy entry into its home slot. */
static void materialize(compiler_t *c, size_t pos)
{
    vval_t *v = &c->vs[pos];
    if (v->kind == V_LOCAL) {
        emit_copy(c, home(c, pos), v->slot);
    } else if (v->kind == V_CONST) {
        emit_op(c, WF_IOP_CONST);
        emit_u(c, home(c, pos));
        emit_u(c, v->imm);
    } else {
        return;
    }
    v->kind = V_STACK;
    v->slot = home(c, pos);
}

static void flush_all(compiler_t *c)
{
    for (size_t i = 0; i < c->nvs; i++)
        materialize(c, i);
}

/* The slot an operand can be read from (constants get materialized). */
static uint32_t use_slot(compiler_t *c, size_t pos)
{
    vval_t *v = &c->vs[pos];
    if (v->kind == V_CONST)
        materialize(c, pos);
    return v->slot;
}

/* ------------------------------------------------------------- control ---- */

static const uint8_t *ctrl_params(const ctrl_t *t)
{
    return t->type ? WF__PARAMS(t->type) : NULL;
}

static const uint8_t *ctrl_results(const ctrl_t *t)
{
    return t->type ? WF__RESULTS(t->type) : &t->single;
}

static void add_fixup(compiler_t *c, int32_t *head, size_t instr, size_t cell)
{
    if (!GROW(c, c->fx, c->cap_fx, c->nfx + 1))
        return;
    fixup_t *f = &c->fx[c->nfx];
    f->instr = (uint32_t)instr;
    f->cell = (uint32_t)cell;
    f->next = *head;
    *head = (int32_t)c->nfx++;
}

/* Points every branch on the list at the current end of the code. */
static void patch_here(compiler_t *c, int32_t head)
{
    label_here(c);
    for (int32_t i = head; i >= 0; i = c->fx[i].next)
        set_offset(c, c->fx[i].cell, (int64_t)c->ncells - (int64_t)c->fx[i].instr);
}

static uint32_t label_arity(const ctrl_t *t)
{
    return t->kind == K_LOOP ? t->nparams : t->nresults;
}

/* Whether a branch to t carrying arity values needs moves first. */
static bool needs_moves(const compiler_t *c, const ctrl_t *t, uint32_t arity)
{
    if (t->kind == K_FUNC)
        return true;
    for (uint32_t i = 0; i < arity; i++) {
        size_t pos = c->nvs - arity + i;
        if (c->vs[pos].kind != V_STACK || pos != t->height + i)
            return true;
    }
    return false;
}

/*
** Moves the top arity values into the label's slots. Destinations are never
** above their sources (a label's height is at most the current one), so
** copying in ascending order is safe.
*/
static void emit_moves(compiler_t *c, const ctrl_t *t, uint32_t arity)
{
    for (uint32_t i = 0; i < arity; i++) {
        size_t pos = c->nvs - arity + i;
        const vval_t *v = &c->vs[pos];
        uint32_t dst = home(c, t->height + i);
        if (v->kind == V_CONST) {
            emit_op(c, WF_IOP_CONST);
            emit_u(c, dst);
            emit_u(c, v->imm);
        } else if (v->slot != dst) {
            emit_copy(c, dst, v->slot);
        }
    }
}

/* Returns from the function with the top values as results. */
static void emit_return(compiler_t *c)
{
    uint32_t n = c->func->type->result_count;
    if (n == 1) {
        const vval_t *v = &c->vs[c->nvs - 1];
        if (v->kind == V_CONST) {
            emit_op(c, WF_IOP_CONST);
            emit_u(c, 0);
            emit_u(c, v->imm);
        } else if (v->slot != 0) {
            emit_op(c, WF_IOP_RETURN1);
            emit_u(c, v->slot);
            return;
        }
    } else {
        /* Write lazy values home without marking them: this may be a branch
           path, after which the fall-through still sees them lazy. */
        for (uint32_t i = 0; i < n; i++) {
            size_t pos = c->nvs - n + i;
            const vval_t *v = &c->vs[pos];
            if (v->kind == V_STACK)
                continue;
            if (v->kind == V_LOCAL) {
                emit_copy(c, home(c, pos), v->slot);
                continue;
            }
            emit_op(c, WF_IOP_CONST);
            emit_u(c, home(c, pos));
            emit_u(c, v->imm);
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t src = home(c, c->nvs - n + i);
            if (src != i)
                emit_copy(c, i, src);
        }
    }
    emit_op(c, WF_IOP_RETURN);
}

/* An unconditional jump to label t (values already moved). */
static void emit_jump(compiler_t *c, ctrl_t *t)
{
    if (t->kind == K_FUNC) {
        emit_return(c);
    } else if (t->kind == K_LOOP) {
        size_t at = emit_op(c, WF_IOP_BR_BACK);
        size_t cell = emit_u(c, 0);
        set_offset(c, cell, (int64_t)t->start - (int64_t)at);
    } else {
        size_t at = emit_op(c, WF_IOP_BR);
        size_t cell = emit_u(c, 0);
        add_fixup(c, &t->fixups, at, cell);
    }
}

static void mark_unreachable(compiler_t *c)
{
    ctrl_t *t = &c->cs[c->ncs - 1];
    t->unreachable = true;
    c->nvs = t->height;
    c->last_valid = false;
}

static wf_err_t push_ctrl(compiler_t *c, uint8_t kind, const wf__instr_t *in, wf_error_info_t *err)
{
    ctrl_t t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.fixups = -1;
    t.else_fixup = -1;
    if (in->imm.block.kind == WF__BLOCK_VALUE) {
        t.nresults = 1;
        t.single = in->imm.block.valtype;
        if (t.single == WF_V128)
            return wf__error(err, WF_ERR_UNSUPPORTED, in->offset, "v128 values are not supported");
    } else if (in->imm.block.kind == WF__BLOCK_TYPEIDX) {
        if (in->imm.block.type_index >= c->module->type_count)
            return wf__error(err, WF_ERR_INVALID, in->offset, "unknown type");
        t.type = &c->module->types[in->imm.block.type_index];
        t.nparams = t.type->param_count;
        t.nresults = t.type->result_count;
        for (uint32_t i = 0; i < t.nparams + t.nresults; i++)
            if (t.type->types[i] == WF_V128)
                return wf__error(err, WF_ERR_UNSUPPORTED, in->offset,
                                 "v128 values are not supported");
    }
    if (t.nparams > c->nvs)
        return wf__error(err, WF_ERR_INVALID, in->offset, "type mismatch");
    t.height = (uint32_t)(c->nvs - t.nparams);
    label_here(c);
    t.start = c->ncells;
    if (!GROW(c, c->cs, c->cap_cs, c->ncs + 1))
        return WF_ERR_NOMEM;
    c->cs[c->ncs++] = t;
    c->last_valid = false;
    return WF_OK;
}

/* Resets the virtual stack to the block's height plus types in home slots. */
static void reset_stack(compiler_t *c, const ctrl_t *t, uint32_t n, const uint8_t *types)
{
    c->nvs = t->height;
    for (uint32_t i = 0; i < n; i++)
        push_stack(c, types ? types[i] : 0);
}

/* ------------------------------------------------ compare-and-branch ---- */

static bool is_fusable_compare(uint16_t iop, wf__iop_t *branch, wf__iop_t *inverse)
{
    static const struct {
        uint16_t cmp;
        uint16_t br, inv;
    } table[] = {
#define FUSE(n, inv_n)                                                                             \
    {WF_IOP_I32_##n, WF_IOP_BR_I32_##n, WF_IOP_BR_I32_##inv_n},                                    \
        {WF_IOP_I32_##n##_I, WF_IOP_BR_I32_##n##_I, WF_IOP_BR_I32_##inv_n##_I},
        FUSE(EQ, NE) FUSE(NE, EQ) FUSE(LT_S, GE_S) FUSE(LT_U, GE_U) FUSE(GT_S, LE_S)
            FUSE(GT_U, LE_U) FUSE(LE_S, GT_S) FUSE(LE_U, GT_U) FUSE(GE_S, LT_S) FUSE(GE_U, LT_U)
#undef FUSE
#define FUSEM(n, inv_n) {WF_IOP_I32_##n##_M, WF_IOP_BR_I32_##n##_M, WF_IOP_BR_I32_##inv_n##_M},
                FUSEM(EQ, NE) FUSEM(NE, EQ) FUSEM(LT_S, GE_S) FUSEM(LT_U, GE_U) FUSEM(GT_S, LE_S)
                    FUSEM(GT_U, LE_U) FUSEM(LE_S, GT_S) FUSEM(LE_U, GT_U) FUSEM(GE_S, LT_S)
                        FUSEM(GE_U, LT_U)
#undef FUSEM
    /* floats: no inverse (the negation of a comparison with NaN is not one) */
#define FUSEF(t, n)                                                                                \
    {WF_IOP_##t##_##n, WF_IOP_BR_##t##_##n, WF_IOP_COUNT_},                                        \
        {WF_IOP_##t##_##n##_I, WF_IOP_BR_##t##_##n##_I, WF_IOP_COUNT_},
                            FUSEF(F32, EQ) FUSEF(F32, NE) FUSEF(F32, LT) FUSEF(F32, GT)
                                FUSEF(F32, LE) FUSEF(F32, GE) FUSEF(F64, EQ) FUSEF(F64, NE)
                                    FUSEF(F64, LT) FUSEF(F64, GT) FUSEF(F64, LE) FUSEF(F64, GE)
#undef FUSEF
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].cmp == iop) {
            *branch = (wf__iop_t)table[i].br;
            *inverse = (wf__iop_t)table[i].inv;
            return true;
        }
    }
    return false;
}

/*
** If the condition on top of the stack was just computed by a fusable
** instruction, turns that instruction into a conditional branch (taken when
** the condition holds, or when it fails if negate) and pops the condition.
** Returns the cell holding the branch offset, or 0 when it could not fuse.
** The caller must have checked that nothing needs emitting before the branch.
*/
static size_t try_fuse(compiler_t *c, bool negate)
{
    if (!c->last_valid || c->last_pos != c->nvs - 1 || c->vs[c->nvs - 1].kind != V_STACK)
        return 0;
    size_t at = c->last_instr;
    wf__iop_t br, inv;
    if (c->last_iop == WF_IOP_I32_EQZ) {
        /* [eqz d a] → [br_unless a off] (or br_if when negated) */
        set_handler(c, at, negate ? WF_IOP_BR_IF : WF_IOP_BR_UNLESS);
    } else if (is_fusable_compare(c->last_iop, &br, &inv) && (!negate || inv != WF_IOP_COUNT_)) {
        /* [cmp d a b] → [br_cmp a b off], [cmp_M d a addr add offset] →
           [br_cmp_M a addr add offset off] */
        set_handler(c, at, negate ? inv : br);
    } else {
        return 0;
    }
    /* Drop d: the operands move down a cell and the last becomes the offset. */
    for (size_t k = at + 1; k + 1 < c->ncells; k++)
        c->cells[k] = c->cells[k + 1];
    c->nvs--;
    c->last_valid = false;
    return c->ncells - 1;
}

/* ------------------------------------------------------- instructions ---- */

static wf_err_t compile_branch_if(compiler_t *c, uint32_t depth)
{
    ctrl_t *t = &c->cs[c->ncs - 1 - depth];
    uint32_t arity = label_arity(t);
    /* Could it fuse? The stack under the condition must need no moves. */
    if (c->last_valid && c->last_pos == c->nvs - 1) {
        c->nvs--;
        bool moves = needs_moves(c, t, arity);
        c->nvs++;
        if (!moves) {
            size_t instr = c->last_instr;
            size_t cell = try_fuse(c, false);
            if (cell) {
                if (t->kind == K_LOOP)
                    set_offset(c, cell, (int64_t)t->start - (int64_t)instr);
                else
                    add_fixup(c, &t->fixups, instr, cell);
                return WF_OK;
            }
        }
    }
    uint32_t cond = use_slot(c, c->nvs - 1);
    c->nvs--;
    if (!needs_moves(c, t, arity)) {
        size_t at = emit_op(c, t->kind == K_LOOP ? WF_IOP_BR_IF_BACK : WF_IOP_BR_IF);
        emit_u(c, cond);
        size_t cell = emit_u(c, 0);
        if (t->kind == K_LOOP)
            set_offset(c, cell, (int64_t)t->start - (int64_t)at);
        else
            add_fixup(c, &t->fixups, at, cell);
        return WF_OK;
    }
    size_t at = emit_op(c, WF_IOP_BR_UNLESS);
    emit_u(c, cond);
    size_t skip = emit_u(c, 0);
    if (t->kind != K_FUNC)
        emit_moves(c, t, arity);
    emit_jump(c, t);
    set_offset(c, skip, (int64_t)c->ncells - (int64_t)at);
    label_here(c);
    c->last_valid = false;
    return WF_OK;
}

static wf_err_t compile_br_table(compiler_t *c, const wf__instr_t *in, wf_error_info_t *err)
{
    uint32_t n = in->imm.br_table.count;
    if (!GROW(c, c->scratch, c->cap_scratch, (size_t)n + 1) ||
        !GROW(c, c->stubs, c->cap_stubs, c->ncs))
        return WF_ERR_NOMEM;
    wf__reader_t r = {c->module->bytes, in->imm.br_table.targets,
                      c->module->bytes + c->func->body_end};
    for (uint32_t i = 0; i < n; i++) {
        wf_err_t rc = wf__read_u32(&r, &c->scratch[i], err);
        if (rc != WF_OK)
            return rc;
    }
    c->scratch[n] = in->imm.br_table.default_label;
    for (uint32_t i = 0; i <= n; i++)
        if (c->scratch[i] >= c->ncs)
            return wf__error(err, WF_ERR_INVALID, in->offset, "unknown label");

    uint32_t index = use_slot(c, c->nvs - 1);
    c->nvs--;
    size_t at = emit_op(c, WF_IOP_BR_TABLE);
    emit_u(c, index);
    emit_u(c, n);
    size_t table = c->ncells;
    for (uint32_t i = 0; i <= n; i++)
        emit_u(c, 0);
    if (c->oom)
        return WF_ERR_NOMEM;
    for (size_t d = 0; d < c->ncs; d++)
        c->stubs[d] = -1;
    /* Direct entries for plain forward branches, stubs for the rest. */
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t depth = c->scratch[i];
        ctrl_t *t = &c->cs[c->ncs - 1 - depth];
        uint32_t arity = label_arity(t);
        if (t->kind != K_LOOP && !needs_moves(c, t, arity)) {
            add_fixup(c, &t->fixups, at, table + i);
            continue;
        }
        if (c->stubs[depth] < 0) {
            c->stubs[depth] = (int64_t)c->ncells;
            label_here(c);
            if (t->kind != K_FUNC)
                emit_moves(c, t, arity);
            emit_jump(c, t);
            if (c->oom)
                return WF_ERR_NOMEM;
        }
        c->cells[table + i].i = c->stubs[depth] - (int64_t)at;
    }
    mark_unreachable(c);
    return WF_OK;
}

static bool types_have_v128(const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (types[i] == WF_V128)
            return true;
    return false;
}

static wf_err_t compile_call(compiler_t *c, const wf__instr_t *in, bool indirect,
                             wf_error_info_t *err)
{
    const wf__functype_t *ft;
    uint32_t index_slot = 0;
    if (indirect) {
        if (in->imm.call_indirect.type_index >= c->module->type_count)
            return wf__error(err, WF_ERR_INVALID, in->offset, "unknown type");
        ft = &c->module->types[in->imm.call_indirect.type_index];
        index_slot = use_slot(c, c->nvs - 1);
        c->nvs--;
    } else {
        if (in->imm.index >= c->module->func_count)
            return wf__error(err, WF_ERR_INVALID, in->offset, "unknown function");
        ft = c->module->funcs[in->imm.index].type;
    }
    if (types_have_v128(ft->types, ft->param_count + ft->result_count))
        return wf__error(err, WF_ERR_UNSUPPORTED, in->offset, "v128 values are not supported");
    if (ft->param_count > c->nvs)
        return wf__error(err, WF_ERR_INVALID, in->offset, "type mismatch");
    size_t base = c->nvs - ft->param_count;
    for (size_t i = base; i < c->nvs; i++)
        materialize(c, i);
    if (indirect) {
        emit_op(c, WF_IOP_CALL_INDIRECT);
        emit_u(c, home(c, base));
        emit_u(c, index_slot);
        emit_p(c, ft);
        emit_u(c, in->imm.call_indirect.table);
    } else if (in->imm.index < c->module->import_func_count) {
        emit_op(c, WF_IOP_CALL_IMPORT);
        emit_u(c, home(c, base));
        emit_u(c, in->imm.index);
    } else {
        emit_op(c, WF_IOP_CALL);
        emit_u(c, home(c, base));
        emit_p(c, &c->module->funcs[in->imm.index]);
    }
    c->nvs = base;
    for (uint32_t i = 0; i < ft->result_count; i++)
        push_stack(c, WF__RESULTS(ft)[i]);
    /* Host functions write max(params, results) slots at base. */
    if (base + ft->param_count > c->max_height)
        c->max_height = (uint32_t)(base + ft->param_count);
    return WF_OK;
}

static void compile_local_set(compiler_t *c, uint32_t local, bool tee)
{
    size_t pos = c->nvs - 1;
    vval_t *v = &c->vs[pos];
    if (v->kind == V_LOCAL && v->slot == local) {
        if (!tee)
            c->nvs--;
        return;
    }
    /* Entries still reading the old value of the local get it first. */
    bool hazard = false;
    for (size_t i = 0; i < pos; i++) {
        if (c->vs[i].kind == V_LOCAL && c->vs[i].slot == local) {
            materialize(c, i);
            hazard = true;
        }
    }
    v = &c->vs[pos];
    bool constant = v->kind == V_CONST;
    if (!hazard && v->kind == V_STACK && c->last_valid && c->last_pos == pos) {
        /* Retarget: every single-result instruction has d as operand 1. */
        if (!c->oom)
            c->cells[c->last_dst].u = local;
    } else if (constant) {
        emit_op(c, WF_IOP_CONST);
        emit_u(c, local);
        emit_u(c, v->imm);
    } else {
        emit_copy(c, local, v->slot);
    }
    c->last_valid = false;
    if (!tee) {
        c->nvs--;
    } else if (!constant) {
        v->kind = V_LOCAL;
        v->slot = local;
    }
}

/* The comparison testing the opposite (integers only: floats have NaN). */
static bool inverse_compare(uint16_t iop, wf__iop_t *out)
{
    static const uint16_t pairs[][2] = {
#define INV(t, a, b)                                                                               \
    {WF_IOP_##t##_##a, WF_IOP_##t##_##b}, {WF_IOP_##t##_##a##_I, WF_IOP_##t##_##b##_I},
#define INVS(t)                                                                                    \
    INV(t, EQ, NE)                                                                                 \
    INV(t, NE, EQ)                                                                                 \
    INV(t, LT_S, GE_S)                                                                             \
    INV(t, GE_S, LT_S)                                                                             \
    INV(t, LT_U, GE_U)                                                                             \
    INV(t, GE_U, LT_U) INV(t, GT_S, LE_S) INV(t, LE_S, GT_S) INV(t, GT_U, LE_U) INV(t, LE_U, GT_U)
        INVS(I32) INVS(I64)
#undef INVS
#undef INV
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (pairs[i][0] == iop) {
            *out = (wf__iop_t)pairs[i][1];
            return true;
        }
    }
    return false;
}

/* Emits d = op(a) or d = op(a, b) for the numeric instruction list. */
static void compile_unary(compiler_t *c, wf__iop_t iop, uint8_t result)
{
    wf__iop_t inverse;
    if (iop == WF_IOP_I32_EQZ && c->last_valid && c->last_pos == c->nvs - 1 &&
        c->vs[c->nvs - 1].kind == V_STACK && inverse_compare(c->last_iop, &inverse)) {
        /* eqz of a comparison: the opposite comparison, in place. */
        set_handler(c, c->last_instr, inverse);
        c->last_iop = (uint16_t)inverse;
        return;
    }
    uint32_t a = use_slot(c, c->nvs - 1);
    c->nvs--;
    size_t at = emit_op(c, iop);
    emit_u(c, home(c, c->nvs));
    emit_u(c, a);
    push_stack(c, result);
    set_last(c, at, iop);
}

/* The full-width load whose bits an operand of this binary op takes. */
static uint16_t natural_load(wf__iop_t iop)
{
    switch (iop) {
#define NL_SPECIAL(name, cells, ...)
#define NL_UN(name, cells, ...)
#define NL_UNT(name, cells, ...)
#define NL_BINT(name, cells, ...)
#define NL_LOAD(name, cells, ...)
#define NL_STORE(name, cells, ...)
#define NL_LOAD_OF_I32 WF_IOP_I32_LOAD
#define NL_LOAD_OF_F32 WF_IOP_I32_LOAD
#define NL_LOAD_OF_I64 WF_IOP_I64_LOAD
#define NL_LOAD_OF_F64 WF_IOP_I64_LOAD
#define NL_BIN(name, cells, TA, TB, ...)                                                           \
    case WF_IOP_##name:                                                                            \
        return NL_LOAD_OF_##TB;
#define NL(name, cat, ...) NL_##cat(name, __VA_ARGS__)
        WF__IOPS(NL)
#undef NL
    default:
        return WF_IOP_COUNT_;
    }
}

/*
** Turns the load just emitted ([load t addr add off], the top two stack
** entries being its value and the other operand) into [op_m d a addr add off]:
** op_m reads operand a (a slot) and the loaded value itself. Pushes the
** result.
*/
static void fold_load(compiler_t *c, uint32_t a, wf__iop_t op_m, uint8_t result)
{
    size_t at = c->last_instr;
    c->nvs -= 2;
    emit_u(c, c->cells[at + 4].u);
    if (!c->oom) {
        c->cells[at + 4] = c->cells[at + 3];
        c->cells[at + 3] = c->cells[at + 2];
        c->cells[at + 2].u = a;
        c->cells[at + 1].u = home(c, c->nvs);
    }
    set_handler(c, at, op_m);
    push_stack(c, result);
    set_last(c, at, op_m);
}

/* Whether iop is a BIN op with b a slot or an immediate, or a UN op: no
   trap, no memory. */
static bool pure_iop(unsigned iop)
{
    switch (iop) {
#define PURE_SPECIAL(name, cells)
#define PURE_UN(name, cells, ...) case WF_IOP_##name:
#define PURE_UNT(name, cells, ...)
#define PURE_BIN(name, cells, ...)                                                                 \
    case WF_IOP_##name:                                                                            \
    case WF_IOP_##name##_I:
#define PURE_BINT(name, cells, ...)
#define PURE_LOAD(name, cells, ...)
#define PURE_STORE(name, cells, ...)
#define PURE(name, cat, ...) PURE_##cat(name, __VA_ARGS__)
        WF__IOPS(PURE)
#undef PURE
        return true;
    default:
        return false;
    }
}

/* The op with its operands swapped, where that is the same operation. */
static wf__iop_t swapped_op(wf__iop_t iop)
{
    switch (iop) {
#define SW_SAME(t)                                                                                 \
    case WF_IOP_##t##_EQ:                                                                          \
    case WF_IOP_##t##_NE:                                                                          \
        return iop;
#define SW(t, a, b)                                                                                \
    case WF_IOP_##t##_##a:                                                                         \
        return WF_IOP_##t##_##b;                                                                   \
    case WF_IOP_##t##_##b:                                                                         \
        return WF_IOP_##t##_##a;
        SW_SAME(I32)
        SW_SAME(I64)
        SW_SAME(F32)
        SW_SAME(F64)
        SW(I32, LT_S, GT_S)
        SW(I32, LT_U, GT_U)
        SW(I32, LE_S, GE_S) SW(I32, LE_U, GE_U) SW(I64, LT_S, GT_S) SW(I64, LT_U, GT_U)
            SW(I64, LE_S, GE_S) SW(I64, LE_U, GE_U) SW(F32, LT, GT) SW(F32, LE, GE) SW(F64, LT, GT)
                SW(F64, LE, GE)
#undef SW
#undef SW_SAME
                    case WF_IOP_I32_ADD : case WF_IOP_I32_MUL : case WF_IOP_I32_AND
            : case WF_IOP_I32_OR : case WF_IOP_I32_XOR : case WF_IOP_I64_ADD : case WF_IOP_I64_MUL
            : case WF_IOP_I64_AND : case WF_IOP_I64_OR : case WF_IOP_I64_XOR : return iop;
    default:
        return WF_IOP_COUNT_;
    }
}

static void compile_binary(compiler_t *c, wf__iop_t iop, bool has_imm, uint8_t result)
{
    const vval_t *vb = &c->vs[c->nvs - 1];
    size_t at;
    wf__iop_t sw = has_imm ? swapped_op(iop) : WF_IOP_COUNT_;
    if (sw != WF_IOP_COUNT_ && vb->kind == V_LOCAL && c->vs[c->nvs - 2].kind == V_STACK &&
        c->last_valid && c->last_pos == c->nvs - 2 && c->last_iop == natural_load(sw)) {
        /* [load t addr add off], then op(t, local): [sw_M d local addr add off] */
        fold_load(c, vb->slot, (wf__iop_t)(sw + 2) /* NAME_M */, result);
        return;
    }
    if (has_imm && vb->kind == V_STACK && c->vs[c->nvs - 2].kind != V_CONST && c->last_valid &&
        c->last_pos == c->nvs - 1 && c->last_iop == natural_load(iop)) {
        /* [load t addr add off] then [op d a t]: [op_M d a addr add off] */
        /* use_slot emits nothing: the operand is not a constant */
        fold_load(c, use_slot(c, c->nvs - 2), (wf__iop_t)(iop + 2) /* NAME_M follows NAME_I */,
                  result);
        return;
    }
    uint32_t a = use_slot(c, c->nvs - 2);
    uint64_t b; /* a slot, or NAME_I's immediate */
    bool imm = has_imm && vb->kind == V_CONST;
    if (imm) {
        b = vb->imm;
        iop = (wf__iop_t)(iop + 1); /* NAME_I follows NAME */
    } else {
        b = use_slot(c, c->nvs - 1);
    }
    c->nvs -= 2;
    /* An i32 add joins an adjacent one of the same form; a - k is a + (0 - k),
       so a subtraction of a constant joins like an add of one. */
    bool add = imm ? iop == WF_IOP_I32_ADD_I || iop == WF_IOP_I32_SUB_I : iop == WF_IOP_I32_ADD;
    if (add && c->last_addi != SIZE_MAX && c->last_addi_imm == imm &&
        c->last_addi + 4 == c->ncells && !c->oom) {
        /* Two adjacent adds run as one instruction (in order: the second
           may read what the first wrote). */
        at = c->last_addi;
        if (is_op(c, at, WF_IOP_I32_SUB_I))
            c->cells[at + 3].u = (uint32_t)(0u - (uint32_t)c->cells[at + 3].u);
        wf__iop_t two = imm ? WF_IOP_I32_ADD_I2 : WF_IOP_I32_ADD2;
        set_handler(c, at, two);
        emit_u(c, home(c, c->nvs));
        emit_u(c, a);
        emit_u(c, iop == WF_IOP_I32_SUB_I ? (uint32_t)(0u - (uint32_t)b) : b);
        push_stack(c, result);
        set_last(c, at, two);
        c->last_dst = at + 4;
        c->last_addi = SIZE_MAX;
        return;
    }
    at = emit_op(c, iop);
    emit_u(c, home(c, c->nvs));
    emit_u(c, a);
    emit_u(c, b);
    if (add && !c->oom) {
        c->last_addi = at;
        c->last_addi_imm = imm;
    }
    push_stack(c, result);
    set_last(c, at, iop);
}

/* Removes the last instruction (it must be last_instr, with nothing after). */
static void unemit_last(compiler_t *c)
{
    c->ncells = c->last_instr;
    c->nmap--;
    c->last_valid = false;
}

static void compile_load(compiler_t *c, wf__iop_t iop, const wf__instr_t *in, uint8_t result)
{
    uint32_t a;
    uint64_t add = 0;
    if (c->last_valid && c->last_pos == c->nvs - 1 && c->vs[c->nvs - 1].kind == V_STACK &&
        (c->last_iop == WF_IOP_I32_ADD_I || c->last_iop == WF_IOP_I32_SUB_I)) {
        /* [add_i t a k] then a load of t: the load adds k itself. */
        a = (uint32_t)c->cells[c->last_instr + 2].u;
        add = (uint32_t)c->cells[c->last_instr + 3].u;
        if (c->last_iop == WF_IOP_I32_SUB_I)
            add = (uint32_t)(0u - (uint32_t)add);
        unemit_last(c);
    } else {
        a = use_slot(c, c->nvs - 1);
    }
    c->nvs--;
    size_t at = emit_op(c, iop);
    emit_u(c, home(c, c->nvs));
    emit_u(c, a);
    emit_u(c, add);
    emit_u(c, in->imm.memarg.offset);
    push_stack(c, result);
    set_last(c, at, iop);
}

/*
** If the value to store was just computed by a NAME_M op of the store's
** width from the very address being stored to, turns that op into its
** read-modify-write form NAME_R and returns true.
*/
static bool try_read_modify_write(compiler_t *c, wf__iop_t store, const wf__instr_t *in)
{
    if (!c->last_valid || c->last_pos != c->nvs - 1 || c->vs[c->nvs - 1].kind != V_STACK ||
        c->vs[c->nvs - 2].kind == V_CONST)
        return false;
    uint16_t m = c->last_iop;
    uint16_t base = WF_IOP_COUNT_;
    switch (m) {
#define RMW_SPECIAL(name, cells, ...)
#define RMW_UN(name, cells, ...)
#define RMW_UNT(name, cells, ...)
#define RMW_BINT(name, cells, ...)
#define RMW_LOAD(name, cells, ...)
#define RMW_STORE(name, cells, ...)
#define RMW_BIN(name, cells, TA, TB, TR, ...)                                                      \
    case WF_IOP_##name##_M:                                                                        \
        base = WF_IOP_##name;                                                                      \
        break;
#define RMW(name, cat, ...) RMW_##cat(name, __VA_ARGS__)
        WF__IOPS(RMW)
#undef RMW
    default:
        return false;
    }
    /* The load the op took over must have the store's width (validation
       then makes the result the stored type). */
    uint16_t load = natural_load((wf__iop_t)base);
    if (!((load == WF_IOP_I32_LOAD && store == WF_IOP_I32_STORE) ||
          (load == WF_IOP_I64_LOAD && store == WF_IOP_I64_STORE)))
        return false;
    size_t at = c->last_instr;
    if (c->cells[at + 3].u != c->vs[c->nvs - 2].slot || c->cells[at + 4].u != 0 ||
        c->cells[at + 5].u != in->imm.memarg.offset)
        return false;
    set_handler(c, at, (wf__iop_t)(base + 3)); /* NAME_R follows NAME_M */
    c->nvs -= 2;
    c->last_valid = false;
    return true;
}

/*
** Whether the instruction at cell x cannot trap or touch memory (a BIN op
** with b a slot or immediate, a UN op, a constant, copies, adds), and writes
** neither slot t nor slot addr.
*/
static bool pure_and_clear_of(const compiler_t *c, size_t x, uint64_t t, uint64_t addr)
{
    const wf__cell_t *y = c->cells + x;
    /* the operand cells it writes: 1, and these (0: none) */
    unsigned second = 0, third = 0;
    if (is_op(c, x, WF_IOP_COPY2)) {
        second = 3;
    } else if (is_op(c, x, WF_IOP_COPY3)) {
        second = 3;
        third = 5;
    } else if (is_op(c, x, WF_IOP_I32_ADD2) || is_op(c, x, WF_IOP_I32_ADD_I2)) {
        second = 4;
    } else if (!is_op(c, x, WF_IOP_CONST) && !is_op(c, x, WF_IOP_COPY)) {
        bool pure = false;
        for (unsigned k = 0; k < WF_IOP_COUNT_ && !pure; k++)
            pure = pure_iop(k) && is_op(c, x, (wf__iop_t)k);
        if (!pure)
            return false;
    }
    const unsigned cells[3] = {1, second, third};
    for (size_t k = 0; k < 3; k++)
        if (cells[k] && (y[cells[k]].u == t || y[cells[k]].u == addr))
            return false;
    return true;
}

/*
** If the value to store is op(t, b) with t loaded from the very address
** stored to, by a full-width load no more than a few instructions back with
** only pure_and_clear_of ones between (no label after it): drops the load
** and makes op its read-modify-write form with the memory value as a
** (NAME_RL, or NAME_R when op is commutative). That access takes the load's
** map entry: it is the one that can trap (the store cannot if it did not).
*/
static bool try_load_op_store(compiler_t *c, wf__iop_t store, const wf__instr_t *in)
{
    if (c->oom || !c->last_valid || c->last_pos != c->nvs - 1 ||
        c->vs[c->nvs - 1].kind != V_STACK || c->vs[c->nvs - 2].kind == V_CONST || c->nmap < 2)
        return false;
    wf__iop_t op = (wf__iop_t)c->last_iop;
    uint16_t load = natural_load(op);
    if (!((load == WF_IOP_I32_LOAD && store == WF_IOP_I32_STORE) ||
          (load == WF_IOP_I64_LOAD && store == WF_IOP_I64_STORE)))
        return false;
    size_t at = c->last_instr, m = c->nmap - 1;
    uint64_t t = c->cells[at + 2].u, b = c->cells[at + 3].u, addr = c->vs[c->nvs - 2].slot;
    if (c->map_pc[m] != at || at + 4 != c->ncells || t != home(c, c->nvs - 1) || b == t)
        return false;
    size_t j = m, x = 0;
    for (;;) {
        if (j == 0 || m - j >= 8)
            return false;
        x = c->map_pc[--j];
        if (is_op(c, x, (wf__iop_t)load) && c->cells[x + 1].u == t)
            break;
        if (!pure_and_clear_of(c, x, t, addr))
            return false;
    }
    if (c->cells[x + 2].u != addr || c->cells[x + 3].u != 0 ||
        c->cells[x + 4].u != in->imm.memarg.offset || c->map_pc[j + 1] != x + 5 ||
        (c->nlabels && c->labels[c->nlabels - 1] > x))
        return false;
    /* [op d t b] → [op_RL d b addr 0 offset] (or op_R, the same operands) */
    emit_u(c, 0);
    emit_u(c, 0);
    if (c->oom)
        return false;
    c->cells[at + 2].u = b;
    c->cells[at + 3].u = addr;
    c->cells[at + 4].u = 0;
    c->cells[at + 5].u = in->imm.memarg.offset;
    set_handler(c, at, swapped_op(op) == op ? (wf__iop_t)(op + 3) : (wf__iop_t)(op + 4));
    /* Drop the load's five cells and its map entry. */
    memmove(c->cells + x, c->cells + x + 5, (c->ncells - x - 5) * sizeof *c->cells);
    c->ncells -= 5;
    c->map_offset[m] = c->map_offset[j];
    for (size_t i = j; i + 1 < c->nmap; i++) {
        c->map_pc[i] = c->map_pc[i + 1] - 5;
        c->map_offset[i] = c->map_offset[i + 1];
    }
    c->nmap--;
    c->nvs -= 2;
    c->last_valid = false;
    c->last_copy = SIZE_MAX;
    c->last_addi = SIZE_MAX;
    return true;
}

static void compile_store(compiler_t *c, wf__iop_t iop, const wf__instr_t *in)
{
    if (try_read_modify_write(c, iop, in) || try_load_op_store(c, iop, in))
        return;
    const vval_t *top = &c->vs[c->nvs - 1];
    if (top->kind == V_CONST) {
        uint64_t imm = top->imm;
        uint32_t a = use_slot(c, c->nvs - 2);
        c->nvs -= 2;
        emit_op(c, (wf__iop_t)(iop + 1)); /* NAME_I follows NAME */
        emit_u(c, a);
        emit_u(c, imm);
        emit_u(c, in->imm.memarg.offset);
        return;
    }
    uint32_t v = use_slot(c, c->nvs - 1);
    uint32_t a = use_slot(c, c->nvs - 2);
    c->nvs -= 2;
    emit_op(c, iop);
    emit_u(c, a);
    emit_u(c, v);
    emit_u(c, in->imm.memarg.offset);
}

/* Pops n operands into slots[0..n) (bottom first). */
static void pop_slots(compiler_t *c, uint32_t n, uint32_t *slots)
{
    for (uint32_t i = 0; i < n; i++)
        slots[i] = use_slot(c, c->nvs - n + i);
    c->nvs -= n;
}

/* Emits op with the popped operands then the given immediates. */
static void emit_with(compiler_t *c, wf__iop_t iop, bool dest, uint32_t npop, uint32_t nimm,
                      const uint64_t *imms, uint8_t result)
{
    uint32_t slots[3];
    pop_slots(c, npop, slots);
    size_t at = emit_op(c, iop);
    if (dest)
        emit_u(c, home(c, c->nvs));
    for (uint32_t i = 0; i < npop; i++)
        emit_u(c, slots[i]);
    for (uint32_t i = 0; i < nimm; i++)
        emit_u(c, imms[i]);
    if (dest) {
        push_stack(c, result);
        set_last(c, at, iop);
    }
}

/* Any 0xFE instruction: one ATOMIC (operand layout in atomic.h). */
static void compile_atomic(compiler_t *c, const wf__instr_t *in)
{
    uint32_t s[3] = {0, 0, 0};
    pop_slots(c, wf__atomic_pops(in->op), s);
    uint8_t result = wf__atomic_result(in->op);
    emit_op(c, WF_IOP_ATOMIC);
    emit_u(c, home(c, c->nvs));
    emit_u(c, in->op);
    for (int i = 0; i < 3; i++)
        emit_u(c, s[i]);
    emit_u(c, in->op == WF_OP_ATOMIC_FENCE ? 0 : in->imm.memarg.offset);
    if (result)
        push_stack(c, result);
}

static wf_err_t compile_end(compiler_t *c)
{
    ctrl_t *t = &c->cs[c->ncs - 1];
    if (t->kind == K_FUNC) {
        if (!t->unreachable)
            emit_return(c);
        c->ncs--;
        return WF_OK;
    }
    if (!t->unreachable)
        for (uint32_t i = 0; i < t->nresults; i++)
            materialize(c, t->height + i);
    if (t->kind == K_IF && !t->has_else)
        patch_here(c, t->else_fixup);
    patch_here(c, t->fixups);
    ctrl_t done = *t;
    c->ncs--;
    reset_stack(c, &done, done.nresults, ctrl_results(&done));
    c->last_valid = false;
    return WF_OK;
}

static wf_err_t compile_else(compiler_t *c)
{
    ctrl_t *t = &c->cs[c->ncs - 1];
    if (!t->unreachable) {
        for (uint32_t i = 0; i < t->nresults; i++)
            materialize(c, t->height + i);
        size_t at = emit_op(c, WF_IOP_BR);
        size_t cell = emit_u(c, 0);
        add_fixup(c, &t->fixups, at, cell);
    }
    t = &c->cs[c->ncs - 1];
    patch_here(c, t->else_fixup);
    t->else_fixup = -1;
    t->has_else = true;
    t->unreachable = false;
    reset_stack(c, t, t->nparams, ctrl_params(t));
    c->last_valid = false;
    return WF_OK;
}

static wf_err_t compile_if(compiler_t *c, const wf__instr_t *in, wf_error_info_t *err)
{
    /* Fuse when the stack under the condition is all in home slots. */
    bool clean = true;
    for (size_t i = 0; i + 1 < c->nvs; i++)
        if (c->vs[i].kind != V_STACK)
            clean = false;
    size_t cell = clean ? try_fuse(c, true) : 0;
    size_t instr = c->last_instr;
    if (!cell) {
        uint32_t cond = use_slot(c, c->nvs - 1);
        c->nvs--;
        flush_all(c);
        instr = emit_op(c, WF_IOP_BR_UNLESS);
        emit_u(c, cond);
        cell = emit_u(c, 0);
    }
    wf_err_t rc = push_ctrl(c, K_IF, in, err);
    if (rc != WF_OK)
        return rc;
    ctrl_t *t = &c->cs[c->ncs - 1];
    add_fixup(c, &t->else_fixup, instr, cell);
    return WF_OK;
}

/*
** Wasm op -> the internal op a numeric instruction compiles to and its
** category (1 unary, 2 binary, 3 trapping binary, 4 load, 5 store; 0 for
** the other instructions). A table: this is asked once per instruction.
*/
static const struct {
    uint16_t iop;
    uint8_t category;
} numeric_ops[WF_OP_COUNT_] = {
/* clang-format off */
#define NUM_UN(name) [WF_OP_##name] = {WF_IOP_##name, 1},
#define NUM_UNT(name) [WF_OP_##name] = {WF_IOP_##name, 1},
#define NUM_BIN(name) [WF_OP_##name] = {WF_IOP_##name, 2},
#define NUM_BINT(name) [WF_OP_##name] = {WF_IOP_##name, 3},
#define NUM_LOAD(name) [WF_OP_##name] = {WF_IOP_##name, 4},
#define NUM_STORE(name) [WF_OP_##name] = {WF_IOP_##name, 5},
#define NUM_SPECIAL(name)
#define NUM(name, cat, cells, ...) NUM_##cat(name)
    WF__IOPS(NUM)
#undef NUM
#undef NUM_SPECIAL
#undef NUM_STORE
#undef NUM_LOAD
#undef NUM_BINT
#undef NUM_BIN
#undef NUM_UNT
#undef NUM_UN
    /* the same bits as their integer forms */
    [WF_OP_F32_LOAD] = {WF_IOP_I32_LOAD, 4},
    [WF_OP_F64_LOAD] = {WF_IOP_I64_LOAD, 4},
    [WF_OP_F32_STORE] = {WF_IOP_I32_STORE, 5},
    [WF_OP_F64_STORE] = {WF_IOP_I64_STORE, 5},
    [WF_OP_I64_STORE8] = {WF_IOP_I32_STORE8, 5},
    [WF_OP_I64_STORE16] = {WF_IOP_I32_STORE16, 5},
    /* clang-format on */
};

/* See numeric_ops: the internal op, and the category in *category. */
static wf__iop_t numeric_iop(uint16_t op, int *category)
{
    if (op >= WF_OP_COUNT_ || numeric_ops[op].category == 0) {
        *category = 0;
        return WF_IOP_COUNT_;
    }
    *category = numeric_ops[op].category;
    return (wf__iop_t)numeric_ops[op].iop;
}

static wf_err_t compile_instr(compiler_t *c, const wf__instr_t *in, wf_error_info_t *err)
{
    ctrl_t *top = &c->cs[c->ncs - 1];
    uint16_t op = in->op;
    if (top->unreachable) {
        switch (op) {
        case WF_OP_BLOCK:
        case WF_OP_LOOP:
        case WF_OP_IF:
            c->dead_depth++;
            return WF_OK;
        case WF_OP_ELSE:
            if (c->dead_depth)
                return WF_OK;
            break;
        case WF_OP_END:
            if (c->dead_depth) {
                c->dead_depth--;
                return WF_OK;
            }
            break;
        default:
            return WF_OK;
        }
    }
    if (op < WF_OP_COUNT_ && wf__op_info[op].prefix == 0xFE) {
        if (c->nvs < wf__atomic_pops(op))
            return wf__error(err, WF_ERR_INVALID, in->offset, "type mismatch");
        compile_atomic(c, in);
        return WF_OK;
    }

    /* Operand counts: the validator checked them; stay safe regardless. */
    const wf__op_info_t *info = op < WF_OP_COUNT_ ? &wf__op_info[op] : NULL;
    int category;
    wf__iop_t iop = numeric_iop(op, &category);
    if (category) {
        uint32_t need = category == 1 || category == 4 ? 1 : 2;
        if (c->nvs < need)
            return wf__error(err, WF_ERR_INVALID, in->offset, "type mismatch");
        switch (category) {
        case 1:
            compile_unary(c, iop, info->result);
            break;
        case 2:
            compile_binary(c, iop, true, info->result);
            break;
        case 3:
            compile_binary(c, iop, false, info->result);
            break;
        case 4:
            compile_load(c, iop, in, info->result);
            break;
        default:
            compile_store(c, iop, in);
            break;
        }
        return WF_OK;
    }

    uint64_t imm[3];
    switch (op) {
    case WF_OP_UNREACHABLE:
        emit_op(c, WF_IOP_UNREACHABLE);
        mark_unreachable(c);
        return WF_OK;
    case WF_OP_NOP:
        return WF_OK;
    case WF_OP_BLOCK:
        flush_all(c);
        return push_ctrl(c, K_BLOCK, in, err);
    case WF_OP_LOOP:
        flush_all(c);
        return push_ctrl(c, K_LOOP, in, err);
    case WF_OP_IF:
        if (c->nvs < 1)
            break;
        return compile_if(c, in, err);
    case WF_OP_ELSE:
        if (top->kind != K_IF || top->has_else)
            break;
        return compile_else(c);
    case WF_OP_END:
        return compile_end(c);
    case WF_OP_BR: {
        if (in->imm.index >= c->ncs)
            break;
        ctrl_t *t = &c->cs[c->ncs - 1 - in->imm.index];
        uint32_t arity = label_arity(t);
        if (arity > c->nvs)
            break;
        if (t->kind != K_FUNC && needs_moves(c, t, arity))
            emit_moves(c, t, arity);
        emit_jump(c, t);
        mark_unreachable(c);
        return WF_OK;
    }
    case WF_OP_BR_IF:
        if (in->imm.index >= c->ncs || c->nvs < 1 ||
            label_arity(&c->cs[c->ncs - 1 - in->imm.index]) > c->nvs - 1)
            break;
        return compile_branch_if(c, in->imm.index);
    case WF_OP_BR_TABLE:
        if (c->nvs < 1)
            break;
        return compile_br_table(c, in, err);
    case WF_OP_RETURN:
        if (c->func->type->result_count > c->nvs)
            break;
        emit_return(c);
        mark_unreachable(c);
        return WF_OK;
    case WF_OP_CALL:
        return compile_call(c, in, false, err);
    case WF_OP_CALL_INDIRECT:
        if (c->nvs < 1)
            break;
        return compile_call(c, in, true, err);
    case WF_OP_DROP:
        if (c->nvs < 1)
            break;
        c->nvs--;
        c->last_valid = false;
        return WF_OK;
    case WF_OP_SELECT:
    case WF_OP_SELECT_T: {
        if (c->nvs < 3)
            break;
        uint8_t type = c->vs[c->nvs - 3].type;
        emit_with(c, WF_IOP_SELECT, true, 3, 0, NULL, type);
        return WF_OK;
    }
    case WF_OP_LOCAL_GET:
        if (in->imm.index >= c->nlocals)
            break;
        push(c, V_LOCAL, 0, in->imm.index, 0);
        return WF_OK;
    case WF_OP_LOCAL_SET:
    case WF_OP_LOCAL_TEE:
        if (in->imm.index >= c->nlocals || c->nvs < 1)
            break;
        compile_local_set(c, in->imm.index, op == WF_OP_LOCAL_TEE);
        return WF_OK;
    case WF_OP_GLOBAL_GET:
        imm[0] = in->imm.index;
        emit_with(c, WF_IOP_GLOBAL_GET, true, 0, 1, imm, 0);
        return WF_OK;
    case WF_OP_GLOBAL_SET:
        if (c->nvs < 1)
            break;
        imm[0] = in->imm.index;
        {
            uint32_t s = use_slot(c, c->nvs - 1);
            c->nvs--;
            emit_op(c, WF_IOP_GLOBAL_SET);
            emit_u(c, imm[0]);
            emit_u(c, s);
        }
        return WF_OK;
    case WF_OP_TABLE_GET:
        if (c->nvs < 1)
            break;
        imm[0] = in->imm.index;
        emit_with(c, WF_IOP_TABLE_GET, true, 1, 1, imm, 0);
        return WF_OK;
    case WF_OP_TABLE_SET: {
        if (c->nvs < 2)
            break;
        uint32_t s[2];
        pop_slots(c, 2, s);
        emit_op(c, WF_IOP_TABLE_SET);
        emit_u(c, in->imm.index);
        emit_u(c, s[0]);
        emit_u(c, s[1]);
        return WF_OK;
    }
    case WF_OP_MEMORY_SIZE:
        emit_with(c, WF_IOP_MEMORY_SIZE, true, 0, 0, NULL, WF_I32);
        return WF_OK;
    case WF_OP_MEMORY_GROW:
        if (c->nvs < 1)
            break;
        emit_with(c, WF_IOP_MEMORY_GROW, true, 1, 0, NULL, WF_I32);
        return WF_OK;
    case WF_OP_I32_CONST:
        push(c, V_CONST, WF_I32, 0, (uint64_t)(uint32_t)in->imm.i32);
        return WF_OK;
    case WF_OP_I64_CONST:
        push(c, V_CONST, WF_I64, 0, (uint64_t)in->imm.i64);
        return WF_OK;
    case WF_OP_F32_CONST:
        push(c, V_CONST, WF_F32, 0, in->imm.f32_bits);
        return WF_OK;
    case WF_OP_F64_CONST:
        push(c, V_CONST, WF_F64, 0, in->imm.f64_bits);
        return WF_OK;
    case WF_OP_I32_WRAP_I64:
    case WF_OP_I32_REINTERPRET_F32:
    case WF_OP_I64_REINTERPRET_F64:
    case WF_OP_F32_REINTERPRET_I32:
    case WF_OP_F64_REINTERPRET_I64:
        /* Same bits in the slot (an i32 reads only the low half). */
        if (c->nvs < 1)
            break;
        c->vs[c->nvs - 1].type = info->result;
        c->last_valid = false;
        return WF_OK;
    case WF_OP_REF_NULL:
        push(c, V_CONST, in->imm.reftype, 0, 0);
        return WF_OK;
    case WF_OP_REF_IS_NULL:
        if (c->nvs < 1)
            break;
        emit_with(c, WF_IOP_REF_IS_NULL, true, 1, 0, NULL, WF_I32);
        return WF_OK;
    case WF_OP_REF_FUNC:
        imm[0] = in->imm.index;
        emit_with(c, WF_IOP_REF_FUNC, true, 0, 1, imm, WF_FUNCREF);
        return WF_OK;
    case WF_OP_MEMORY_INIT:
        if (c->nvs < 3)
            break;
        imm[0] = in->imm.pair.a;
        emit_with(c, WF_IOP_MEMORY_INIT, false, 3, 1, imm, 0);
        return WF_OK;
    case WF_OP_DATA_DROP:
        emit_op(c, WF_IOP_DATA_DROP);
        emit_u(c, in->imm.index);
        return WF_OK;
    case WF_OP_MEMORY_COPY:
        if (c->nvs < 3)
            break;
        emit_with(c, WF_IOP_MEMORY_COPY, false, 3, 0, NULL, 0);
        return WF_OK;
    case WF_OP_MEMORY_FILL:
        if (c->nvs < 3)
            break;
        emit_with(c, WF_IOP_MEMORY_FILL, false, 3, 0, NULL, 0);
        return WF_OK;
    case WF_OP_TABLE_INIT:
        if (c->nvs < 3)
            break;
        imm[0] = in->imm.pair.a;
        imm[1] = in->imm.pair.b;
        emit_with(c, WF_IOP_TABLE_INIT, false, 3, 2, imm, 0);
        return WF_OK;
    case WF_OP_ELEM_DROP:
        emit_op(c, WF_IOP_ELEM_DROP);
        emit_u(c, in->imm.index);
        return WF_OK;
    case WF_OP_TABLE_COPY:
        if (c->nvs < 3)
            break;
        imm[0] = in->imm.pair.a;
        imm[1] = in->imm.pair.b;
        emit_with(c, WF_IOP_TABLE_COPY, false, 3, 2, imm, 0);
        return WF_OK;
    case WF_OP_TABLE_GROW:
        if (c->nvs < 2)
            break;
        imm[0] = in->imm.index;
        emit_with(c, WF_IOP_TABLE_GROW, true, 2, 1, imm, WF_I32);
        return WF_OK;
    case WF_OP_TABLE_SIZE:
        imm[0] = in->imm.index;
        emit_with(c, WF_IOP_TABLE_SIZE, true, 0, 1, imm, WF_I32);
        return WF_OK;
    case WF_OP_TABLE_FILL: {
        if (c->nvs < 3)
            break;
        uint32_t s[3];
        pop_slots(c, 3, s);
        emit_op(c, WF_IOP_TABLE_FILL);
        emit_u(c, in->imm.index);
        emit_u(c, s[0]);
        emit_u(c, s[1]);
        emit_u(c, s[2]);
        return WF_OK;
    }
    default:
        return wf__error(err, WF_ERR_UNSUPPORTED, in->offset, "instruction %s not supported",
                         info ? info->name : "?");
    }
    return wf__error(err, WF_ERR_INVALID, in->offset, "type mismatch");
}

/* ----------------------------------------------------------- functions ---- */

static void code_destroy(const wf_allocator_t *alloc, struct wf__code *code)
{
    if (!code)
        return;
    wf__free(alloc, code->cells, code->cell_count * sizeof *code->cells);
    wf__free(alloc, code->map_pc, code->map_count * sizeof *code->map_pc);
    wf__free(alloc, code->map_offset, code->map_count * sizeof *code->map_offset);
    wf__free(alloc, code, sizeof *code);
}

/* ------------------------------------------------------------- pairs ---- */

/*
** The bucket (0..PAIR_BUCKETS-1) of two adjacent instructions' handler
** cells: every pair_table entry for these two handlers is in its chain.
*/
#define PAIR_BUCKETS 256
static unsigned pair_hash(uint64_t first, uint64_t second)
{
    uint64_t v = (first ^ first >> 6 ^ first >> 12) * 31 + (second ^ second >> 6 ^ second >> 12);
    return (unsigned)((v ^ v >> 8) & (PAIR_BUCKETS - 1));
}

/*
** Pairs of adjacent instructions that one handler runs (ops.h P_ ops): the
** first op, its operand cell count, the second op, and the pair.
*/
enum {
    LINK_NONE,
    LINK_A,    /* the second's operand 2 (a, or a store's value) is the first's result */
    LINK_B,    /* its operand 3 (b) is */
    LINK_AB,   /* a or b (a commutative op: b is swapped into a) */
    LINK_BOTH, /* triples: the third's a and b are the results of the pair's two */
    LINK_OP1   /* the second's operand 1 (a branch's a or condition) is */
};

static const struct {
    uint16_t first;
    uint8_t cells;
    uint16_t second, pair;
    uint8_t link;
} pair_table[] = {
#define LINK_BY_CELL(k) ((k) == 1 ? LINK_OP1 : (k) == 2 ? LINK_A : LINK_B)
/* the generated pairs (each linked form before its plain one) */
/* clang-format off */
#define PAIR_ENTRY(name, k1, op1, k2, op2) \
    WF__PK_IF_LINKED(k1, k2, {WF__PK_IOP_##k1(op1), WF__PK_CELLS_##k1, WF__PK_IOP_##k2(op2), \
                              WF_IOP_##name##_L, LINK_BY_CELL(WF__PK_LINKCELL_##k2)}, ) \
    {WF__PK_IOP_##k1(op1), WF__PK_CELLS_##k1, WF__PK_IOP_##k2(op2), WF_IOP_##name, LINK_NONE},
    WF__GEN_PAIRS(PAIR_ENTRY)
#undef PAIR_ENTRY
#undef LINK_BY_CELL
    /* clang-format on */
};
#define WF__PAIRS (sizeof pair_table / sizeof pair_table[0])
_Static_assert(WF__PAIRS < 0xFF, "pair_bucket and pair_next index pair_table with 0xFF as the end");

/*
** Whether the third instruction's a and b are the results of the first and
** second (in either order: the third is commutative), which are different
** slots; the first's result must survive the second.
*/
static bool both_linked(const compiler_t *c, size_t first, size_t second, size_t third)
{
    uint64_t d1 = c->cells[first + 1].u, d2 = c->cells[second + 1].u;
    const wf__cell_t *x = c->cells + third;
    return d1 != d2 && ((x[2].u == d1 && x[3].u == d2) || (x[2].u == d2 && x[3].u == d1));
}

/* A pair and a third instruction after it: the pair, its cells from its
   start to the third's, the third op, and the triple. */
static const struct {
    uint16_t pair;
    uint8_t cells;
    uint16_t third, triple;
    uint8_t link; /* between the pair's second instruction and the third */
} triple_table[] = {
    {WF_IOP_P_F64_MUL_M_ADD_R_L, 12, WF_IOP_I32_ADD_I2, WF_IOP_T_F64_MUL_M_ADD_R_ADD_I2, LINK_NONE},
    {WF_IOP_P_F64_MUL_SUB_L, 8, WF_IOP_I64_STORE, WF_IOP_T_F64_MUL_SUB_I64_STORE, LINK_A},
    {WF_IOP_P_I32_SUB_I_F64_MUL, 8, WF_IOP_F64_ADD_R, WF_IOP_T_I32_SUB_I_F64_MUL_ADD_R, LINK_A},
    {WF_IOP_P_I64_LOAD_F64_SUB_M, 11, WF_IOP_F64_MUL, WF_IOP_T_I64_LOAD_F64_SUB_M_MUL, LINK_NONE},
    {WF_IOP_P_I32_ROTL_I_ROTL_I, 8, WF_IOP_I32_XOR, WF_IOP_T_I32_ROTL_I_ROTL_I_XOR, LINK_BOTH},
};

/*
** Whether the instruction at second reads the result of the one at first as
** link asks (LINK_AB swaps the operands of second when b is the one).
*/
static bool linked(compiler_t *c, size_t first, size_t second, uint8_t link)
{
    uint64_t d = c->cells[first + 1].u;
    wf__cell_t *x = c->cells + second;
    switch (link) {
    case LINK_A:
        return x[2].u == d;
    case LINK_B:
        return x[3].u == d;
    case LINK_OP1:
        return x[1].u == d;
    case LINK_AB:
        if (x[2].u == d)
            return true;
        if (x[3].u != d)
            return false;
        x[3] = x[2];
        x[2].u = d;
        return true;
    default:
        return true;
    }
}

/*
** Whether the triple [MUL_M t a p 0 0] [ADD_R t t q 0 0] [ADD_I2 q2 q k p2 p k2]
** at cell at is the T_F64_AXPY shape: the product t only feeds the add (a
** stack slot, dead once popped), no address adds or offsets, the adds step
** the two addresses, and the first add does not change what the second
** reads.
*/
static bool is_axpy(const compiler_t *c, size_t at)
{
    const wf__cell_t *x = c->cells + at;
    uint64_t t = x[1].u, p = x[3].u, q = x[9].u;
    return t >= c->nlocals && x[8].u == t && x[4].u == 0 && x[5].u == 0 && x[10].u == 0 &&
           x[11].u == 0 && x[14].u == q && x[17].u == p && x[13].u != p && x[2].u != t && p != t &&
           q != t;
}

/* Whether op reads operands 2 and 3 as slots whose order does not matter. */
static bool commutative_slots(uint16_t op)
{
    switch (op) {
    case WF_IOP_I32_ADD2:
    case WF_IOP_F32_ADD:
    case WF_IOP_F32_MUL:
    case WF_IOP_F64_ADD:
    case WF_IOP_F64_MUL:
        return true;
    default:
        return op < WF_IOP_COUNT_ && swapped_op((wf__iop_t)op) == op;
    }
}

/* Whether a label sits at cell at (*l: a cursor into the ascending list). */
static bool label_at(const compiler_t *c, size_t *l, size_t at)
{
    while (*l < c->nlabels && c->labels[*l] < at)
        (*l)++;
    return *l < c->nlabels && c->labels[*l] == at;
}

/* Extends the pair at map entry i with the instruction after it if a triple
   fits; returns whether it did. */
static bool try_triple(compiler_t *c, size_t i, wf__iop_t pair, size_t *l)
{
    if (i + 2 >= c->nmap)
        return false;
    size_t a = c->map_pc[i], b = c->map_pc[i + 1], t = c->map_pc[i + 2];
    if (label_at(c, l, t))
        return false;
    for (size_t k = 0; k < sizeof triple_table / sizeof triple_table[0]; k++) {
        if (triple_table[k].pair == pair && t - a == triple_table[k].cells &&
            is_op(c, t, (wf__iop_t)triple_table[k].third) &&
            (triple_table[k].link == LINK_BOTH ? both_linked(c, a, b, t)
                                               : linked(c, b, t, triple_table[k].link))) {
            wf__iop_t op = (wf__iop_t)triple_table[k].triple;
            if (op == WF_IOP_T_F64_MUL_M_ADD_R_ADD_I2 && is_axpy(c, a))
                op = WF_IOP_T_F64_AXPY;
            set_handler(c, a, op);
            return true;
        }
    }
    return false;
}

/*
** Whether the T_F64_AXPY at map entry f is followed (no label between) by
** [F64_MUL_M t ...] [F64_ADD_R t ...] [I32_ADD_I2] (linked as in
** T_F64_MUL_M_ADD_R_ADD_I2), then [I32_ADD_I] [BR_I32_NE]: then the eight
** instructions become one T_F64_AXPY2_LOOP.
*/
static bool try_axpy_loop(compiler_t *c, size_t f, size_t *l)
{
    if (f + 7 >= c->nmap)
        return false;
    const uint32_t *m = c->map_pc + f;
    size_t s = m[0];
    static const uint8_t at[8] = {0, 6, 12, 19, 25, 31, 38, 42};
    for (size_t k = 3; k < 8; k++)
        if (m[k] - s != at[k] || label_at(c, l, m[k]))
            return false;
    if (s + 46 > c->ncells || (f + 8 < c->nmap && m[8] - s != 46))
        return false;
    const wf__cell_t *y = c->cells + s + 19;
    if (!is_op(c, s + 19, WF_IOP_F64_MUL_M) || !is_op(c, s + 25, WF_IOP_F64_ADD_R) ||
        !is_op(c, s + 31, WF_IOP_I32_ADD_I2) || !is_op(c, s + 38, WF_IOP_I32_ADD_I) ||
        !is_op(c, s + 42, WF_IOP_BR_I32_NE))
        return false;
    return y[8].u == y[1].u; /* the add takes the product */
}

/*
** Whether the T_F64_AXPY2_LOOP at cell at may run as T_F64_AXPY2_LOOP_C: the
** second half's a is the first's (not overwritten), its addresses are the
** ones the first stepped to, with no add or offset, its adds read the
** first's addresses (not overwritten by the first's adds), and its product
** is not needed in its slot.
*/
static bool axpy_chained(const compiler_t *c, size_t at)
{
    const wf__cell_t *x = c->cells + at, *y = x + 19;
    uint64_t a = x[2].u, p = x[3].u, q = x[9].u, q2 = x[13].u, p2 = x[16].u;
    return y[2].u == a && a != q2 && a != p2 && y[3].u == p2 && y[9].u == q2 && q2 != p2 &&
           y[4].u == 0 && y[5].u == 0 && y[10].u == 0 && y[11].u == 0 && y[14].u == q &&
           y[17].u == p && q2 != q && q2 != p && p2 != q && p2 != p && y[13].u != p &&
           y[1].u >= c->nlocals; /* the second product: a dead stack slot */
}

/*
** Runs over the finished code pairing adjacent instructions (left to right,
** each instruction in at most one pair) where no label sits between them:
** the first one's handler becomes the pair's, every cell stays in place (so
** the trap map and branch offsets hold), and some pairs take a third
** instruction the same way. Instruction starts are the trap map's cells.
*/
static void fuse_pairs(compiler_t *c)
{
    if (c->oom)
        return;
    size_t l = 0;
    for (size_t i = 0; i + 1 < c->nmap; i++) {
        size_t a = c->map_pc[i], b = c->map_pc[i + 1];
        uint64_t ha = c->cells[a].u, hb = c->cells[b].u;
        unsigned k = c->pair_bucket[pair_hash(ha, hb)];
        if (k == 0xFF || label_at(c, &l, b))
            continue;
        for (; k != 0xFF; k = c->pair_next[k]) {
            if (c->pair_cells[2 * k] == ha && c->pair_cells[2 * k + 1] == hb &&
                b - a == (size_t)pair_table[k].cells + 1 && linked(c, a, b, c->pair_link[k])) {
                set_handler(c, a, (wf__iop_t)pair_table[k].pair);
                i++;
                if (try_triple(c, i - 1, (wf__iop_t)pair_table[k].pair, &l)) {
                    i++;
                    if (is_op(c, a, WF_IOP_T_F64_AXPY) && try_axpy_loop(c, i - 2, &l)) {
                        set_handler(c, a,
                                    axpy_chained(c, a) ? WF_IOP_T_F64_AXPY2_LOOP_C
                                                       : WF_IOP_T_F64_AXPY2_LOOP);
                        i += 5;
                    }
                }
                break;
            }
        }
    }
}

/* Copies the emitted code into an exactly sized wf__code. */
static wf_err_t finish(compiler_t *c, struct wf__code **out)
{
    fuse_pairs(c);
    const wf__func_t *f = c->func;
    struct wf__code *code = wf__calloc(c->alloc, 1, sizeof *code);
    if (!code)
        return WF_ERR_NOMEM;
    code->cells = wf__alloc(c->alloc, c->ncells * sizeof *code->cells);
    code->map_pc = wf__alloc(c->alloc, c->nmap * sizeof *code->map_pc);
    code->map_offset = wf__alloc(c->alloc, c->nmap * sizeof *code->map_offset);
    if (!code->cells || !code->map_pc || !code->map_offset) {
        code->cell_count = c->ncells;
        code->map_count = (uint32_t)c->nmap;
        code_destroy(c->alloc, code);
        return WF_ERR_NOMEM;
    }
    memcpy(code->cells, c->cells, c->ncells * sizeof *code->cells);
    memcpy(code->map_pc, c->map_pc, c->nmap * sizeof *code->map_pc);
    memcpy(code->map_offset, c->map_offset, c->nmap * sizeof *code->map_offset);
    code->cell_count = c->ncells;
    code->map_count = (uint32_t)c->nmap;
    code->func_index = c->func_index;
    code->param_slots = f->type->param_count;
    code->local_slots = c->nlocals;
    code->result_slots = f->type->result_count;
    code->frame_slots = c->nlocals + c->max_height + 1;
    if (code->frame_slots < code->result_slots)
        code->frame_slots = code->result_slots;
    *out = code;
    return WF_OK;
}

static wf_err_t compile_func(compiler_t *c, uint32_t index, wf_error_info_t *err)
{
    wf_module_t *m = c->module;
    wf__func_t *f = &m->funcs[index];
    const wf__functype_t *ft = f->type;
    c->func_index = index;
    c->func = f;
    c->ncells = c->nmap = c->nvs = c->ncs = c->nfx = c->nlabels = 0;
    c->max_height = 0;
    c->dead_depth = 0;
    c->last_valid = false;
    c->last_copy = SIZE_MAX;
    c->offset = f->body_offset;
    c->last_addi = SIZE_MAX;

    if (types_have_v128(ft->types, ft->param_count + ft->result_count) ||
        types_have_v128(f->local_types, f->local_count))
        return wf__error(err, WF_ERR_UNSUPPORTED, f->body_offset, "v128 values are not supported");
    if ((uint64_t)ft->param_count + f->local_count > WF_MAX_LOCALS * 2u)
        return wf__error(err, WF_ERR_INVALID, f->body_offset, "too many locals");
    c->nlocals = ft->param_count + f->local_count;

    ctrl_t fn;
    memset(&fn, 0, sizeof fn);
    fn.kind = K_FUNC;
    fn.nresults = ft->result_count;
    fn.type = ft;
    fn.fixups = -1;
    fn.else_fixup = -1;
    /* The function label carries the results; its type has no block params. */
    if (!GROW(c, c->cs, c->cap_cs, 1))
        return WF_ERR_NOMEM;
    c->cs[c->ncs++] = fn;

    if (f->body_end > m->size || f->body_offset > f->body_end)
        return wf__error(err, WF_ERR_MALFORMED, f->body_offset, "unexpected end");
    wf__reader_t r = {m->bytes, m->bytes + f->body_offset, m->bytes + f->body_end};
    while (c->ncs > 0) {
        if (r.p >= r.end)
            return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(&r), "unexpected end");
        wf__instr_t in;
        wf_err_t rc = wf__read_instr(&r, &in, err);
        if (rc != WF_OK)
            return rc;
        c->offset = in.offset;
        rc = compile_instr(c, &in, err);
        if (rc == WF_ERR_NOMEM || c->oom)
            return wf__error(err, WF_ERR_NOMEM, in.offset, "out of memory");
        if (rc != WF_OK)
            return rc;
    }
    wf_err_t rc = finish(c, &f->code);
    if (rc != WF_OK)
        return wf__error(err, rc, f->body_offset, "out of memory");
    return WF_OK;
}

wf_err_t wf__compile(wf_module_t *module, wf_error_info_t *err)
{
    compiler_t c;
    memset(&c, 0, sizeof c);
    c.alloc = &module->allocator;
    c.module = module;
    c.handlers = wf__interp_handlers();
    uint64_t pair_cells[2 * WF__PAIRS];
    uint8_t pair_link[WF__PAIRS], pair_bucket[PAIR_BUCKETS], pair_next[WF__PAIRS];
    memset(pair_bucket, 0xFF, sizeof pair_bucket);
    for (size_t k = WF__PAIRS; k-- > 0;) {
        wf__cell_t h[2];
        if (c.handlers) {
            h[0].h = c.handlers[pair_table[k].first];
            h[1].h = c.handlers[pair_table[k].second];
        } else {
            h[0].u = pair_table[k].first;
            h[1].u = pair_table[k].second;
        }
        pair_cells[2 * k] = h[0].u;
        pair_cells[2 * k + 1] = h[1].u;
        /* a commutative second may take the link as either operand */
        pair_link[k] = pair_table[k].link;
        if (pair_link[k] == LINK_A && commutative_slots(pair_table[k].second))
            pair_link[k] = LINK_AB;
        unsigned bucket = pair_hash(h[0].u, h[1].u);
        pair_next[k] = pair_bucket[bucket];
        pair_bucket[bucket] = (uint8_t)k;
    }
    c.pair_cells = pair_cells;
    c.pair_link = pair_link;
    c.pair_bucket = pair_bucket;
    c.pair_next = pair_next;
    wf_err_t rc = WF_OK;
    for (uint32_t i = module->import_func_count; i < module->func_count; i++) {
        rc = compile_func(&c, i, err);
        if (rc != WF_OK)
            break;
    }
    wf__free(c.alloc, c.cells, c.cap_cells * sizeof *c.cells);
    wf__free(c.alloc, c.map_pc, c.cap_map_pc * sizeof *c.map_pc);
    wf__free(c.alloc, c.map_offset, c.cap_map_offset * sizeof *c.map_offset);
    wf__free(c.alloc, c.vs, c.cap_vs * sizeof *c.vs);
    wf__free(c.alloc, c.cs, c.cap_cs * sizeof *c.cs);
    wf__free(c.alloc, c.fx, c.cap_fx * sizeof *c.fx);
    wf__free(c.alloc, c.scratch, c.cap_scratch * sizeof *c.scratch);
    wf__free(c.alloc, c.stubs, c.cap_stubs * sizeof *c.stubs);
    wf__free(c.alloc, c.labels, c.cap_labels * sizeof *c.labels);
    if (rc != WF_OK) {
        /* Code already compiled is freed by wf__module_clear through
           wf__code_free; leave it in place. */
        return rc;
    }
    return WF_OK;
}

void wf__code_free(const wf_allocator_t *allocator, struct wf__code *code)
{
    code_destroy(allocator, code);
}

size_t wf__code_offset(const struct wf__code *code, const wf__cell_t *pc)
{
    if (!code || code->map_count == 0)
        return 0;
    uint32_t at = (uint32_t)(pc - code->cells);
    uint32_t lo = 0, hi = code->map_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (code->map_pc[mid] <= at)
            lo = mid;
        else
            hi = mid;
    }
    return code->map_offset[lo];
}

/* ----------------------------------------------------------- debugging ---- */

static const struct {
    const char *name;
    int cells;
} iop_info[WF_IOP_COUNT_] = {
#define INFO_SPECIAL(name, cells) {#name, cells},
#define INFO_UN(name, cells) {#name, cells},
#define INFO_UNT(name, cells) {#name, cells},
#define INFO_BIN(name, cells)                                                                      \
    {#name, cells}, {#name "_I", cells}, {#name "_M", 5}, {#name "_R", 5}, {#name "_RL", 5},
#define INFO_BINT(name, cells) {#name, cells},
#define INFO_LOAD(name, cells) {#name, cells},
#define INFO_STORE(name, cells) {#name, cells}, {#name "_I", cells},
#define INFO(name, cat, cells, ...) INFO_##cat(name, cells)
#define INFO_PAIR(name, k1, op1, k2, op2)                                                          \
    WF__PK_IF_LINKED(k1, k2, {#name "_L", WF__PK_CELLS_##k1}, ){#name, WF__PK_CELLS_##k1},
    WF__IOPS(INFO) WF__GEN_PAIRS(INFO_PAIR)
#undef INFO_PAIR
#undef INFO
};

const char *wf__iop_name(unsigned iop)
{
    return iop < WF_IOP_COUNT_ ? iop_info[iop].name : "?";
}

/* Prints code one instruction a line (cell index, op, operand cells). */
void wf__code_dump(FILE *out, const struct wf__code *code)
{
    const void *const *handlers = wf__interp_handlers();
    fprintf(out, "func %u: params %u locals %u frame %u\n", code->func_index, code->param_slots,
            code->local_slots, code->frame_slots);
    size_t at = 0;
    while (at < code->cell_count) {
        unsigned iop = WF_IOP_COUNT_;
        if (handlers) {
            for (unsigned k = 0; k < WF_IOP_COUNT_; k++)
                if (handlers[k] == code->cells[at].h)
                    iop = k;
        } else {
            iop = (unsigned)code->cells[at].u;
        }
        if (iop >= WF_IOP_COUNT_) {
            fprintf(out, "%5zu ???\n", at);
            return;
        }
        int cells = iop_info[iop].cells;
        if (cells < 0) /* br_table */
            cells = 2 + (int)code->cells[at + 2].u + 1;
        fprintf(out, "%5zu %-16s", at, iop_info[iop].name);
        for (int k = 1; k <= cells && at + (size_t)k < code->cell_count; k++)
            fprintf(out, " %lld", (long long)code->cells[at + (size_t)k].i);
        fputc('\n', out);
        at += (size_t)cells + 1;
    }
}
