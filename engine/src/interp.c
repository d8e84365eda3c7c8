/*
** The interpreter: runs compiled code (compile.h, ops.h) on an instance's
** execution stack. The hot loop and nothing else.
**
** Wasm calls never recurse on the C stack: each call saves the caller's
** state in a frame record on the exec and continues in the same loop. A host
** function may call back into wasm: wf__interp_call then starts a new run
** above the live frames (exec->top), on the same exec.
**
** Dispatch is computed goto (WF_JUMPTABLE=1: a handler cell holds the label
** address) or a switch (WF_JUMPTABLE=0: it holds the op number); both come
** from the one list in ops.h, and each handler is written once.
*/
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "atomic.h"
#include "compile.h"
#include "numeric.h"
#include "runtime.h"

#define WF__DEFAULT_STACK_BYTES ((size_t)1 << 20)
#define WF__DEFAULT_CALL_DEPTH 10000u

typedef struct frame {
    const wf__cell_t *pc; /* where the caller resumes */
    uint64_t *fp;
    const struct wf__code *code;
    wf_instance_t *inst;
} frame_t;

struct wf__exec {
    wf_allocator_t allocator;
    uint64_t *stack;
    uint64_t *stack_end;
    size_t stack_slots;
    frame_t *frames; /* max_depth + 1 records */
    uint32_t max_depth;
    uint32_t depth; /* wasm frames live on this exec */
    uint64_t *top;  /* first slot above the live frames (for reentry) */
};

static struct wf__exec *exec_new(wf_instance_t *inst)
{
    const wf_allocator_t *alloc = &inst->allocator;
    struct wf__exec *ex = wf__calloc(alloc, 1, sizeof *ex);
    if (!ex)
        return NULL;
    ex->allocator = *alloc;
    size_t bytes = inst->limits.stack_bytes ? inst->limits.stack_bytes : WF__DEFAULT_STACK_BYTES;
    ex->stack_slots = bytes / sizeof(uint64_t);
    if (ex->stack_slots < 16)
        ex->stack_slots = 16;
    ex->max_depth =
        inst->limits.max_call_depth ? inst->limits.max_call_depth : WF__DEFAULT_CALL_DEPTH;
    ex->stack = wf__alloc(alloc, ex->stack_slots * sizeof *ex->stack);
    ex->frames = wf__alloc(alloc, ((size_t)ex->max_depth + 1) * sizeof *ex->frames);
    if (!ex->stack || !ex->frames) {
        wf__exec_free(alloc, ex);
        return NULL;
    }
    ex->stack_end = ex->stack + ex->stack_slots;
    ex->top = ex->stack;
    return ex;
}

void wf__exec_free(const wf_allocator_t *allocator, struct wf__exec *exec)
{
    if (!exec)
        return;
    wf__free(allocator, exec->stack, exec->stack_slots * sizeof *exec->stack);
    wf__free(allocator, exec->frames, ((size_t)exec->max_depth + 1) * sizeof *exec->frames);
    wf__free(allocator, exec, sizeof *exec);
}

/*
** Slow path of the access check: a shared memory may have been grown by
** another thread since the size was cached. Returns the size to cache now
** (the caller checks again). The cached size is never address-taken, so the
** compiler may keep it in a register across stores.
*/
static uint64_t memory_size_now(wf_memory_t *mem, uint64_t cached)
{
    if (!mem || !mem->shared)
        return cached;
    return atomic_load_explicit(&mem->size, memory_order_acquire);
}

static bool functype_equal(const wf__functype_t *a, const wf__functype_t *b)
{
    if (a->param_count != b->param_count || a->result_count != b->result_count)
        return false;
    size_t n = (size_t)a->param_count + a->result_count;
    return n == 0 || memcmp(a->types, b->types, n) == 0;
}

/*
** Whether the T_F64_AXPY2_LOOP_C at pc (cells in ops.h and compile.c) is a
** whole loop whose state can live in registers: its branch goes back to
** itself, the next turn reads the addresses where this turn's second adds
** wrote them, the counter steps in place and is compared with a slot the
** loop never writes, and nothing the loop reads again (a, the limit) is
** written by it.
*/
static bool axpy_loop_in_registers(const wf__cell_t *pc)
{
    uint64_t a = pc[2].u, p = pc[3].u, q = pc[9].u, q2 = pc[13].u, p2 = pc[16].u;
    uint64_t n = pc[39].u;
    if (pc[45].i != -42 || pc[32].u != q || pc[35].u != p || pc[40].u != n)
        return false;
    if ((pc[43].u == n) == (pc[44].u == n))
        return false;
    uint64_t limit = pc[43].u == n ? pc[44].u : pc[43].u;
    const uint64_t written[] = {q2, p2, q, p, n};
    for (size_t k = 0; k < sizeof written / sizeof written[0]; k++)
        if (written[k] == a || written[k] == limit)
            return false;
    return n != q2 && n != p2 && n != q && n != p;
}

/* ------------------------------------------------------------ the loop ---- */

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Slot encodings (runtime.h): reading and writing each value type. */
#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double
#define RD_I32(x) ((uint32_t)(x))
#define RD_I64(x) ((uint64_t)(x))
#define RD_F32(x) wf__f32_from_bits((uint32_t)(x))
#define RD_F64(x) wf__f64_from_bits((uint64_t)(x))
#define WR_I32(v) ((uint64_t)(uint32_t)(v))
#define WR_I64(v) ((uint64_t)(v))
#define WR_F32(v) ((uint64_t)wf__f32_bits(v))
#define WR_F64(v) wf__f64_bits(v)

/* Operand k of the current instruction as a frame slot. */
#define S(k) fp[pc[k].u]

#if WF_JUMPTABLE
#define CASE(name) L_##name:
#define DISPATCH() goto * pc->h
#else
#define CASE(name) case WF_IOP_##name:
#define DISPATCH() goto dispatch
#endif
#define NEXT(n)                                                                                    \
    do {                                                                                           \
        pc += (n);                                                                                 \
        DISPATCH();                                                                                \
    } while (0)

#define TRAP(kind)                                                                                 \
    do {                                                                                           \
        trap_code = WF_ERR_TRAP_##kind;                                                            \
        goto trap;                                                                                 \
    } while (0)

/*
** Fuel and interrupt: polled on calls and backward branches. inst->fuel is 0
** for no budget, else one more than the polls left; wf__interp_call restores
** it when the outermost call ends, so the budget applies to each call.
*/
#define POLL()                                                                                     \
    do {                                                                                           \
        if (UNLIKELY(atomic_load_explicit(&inst->interrupt, memory_order_relaxed)))                \
            TRAP(INTERRUPTED);                                                                     \
        if (UNLIKELY(inst->fuel)) {                                                                \
            if (inst->fuel <= 1)                                                                   \
                TRAP(FUEL);                                                                        \
            inst->fuel--;                                                                          \
        }                                                                                          \
    } while (0)

/*
** Bulk memory and table instructions burn fuel by their size as well, one
** unit per KiB or per 256 elements (before they act), so that a budget
** bounds their time too.
*/
#define BULK_FUEL(units)                                                                           \
    do {                                                                                           \
        uint64_t units_ = (units);                                                                 \
        if (UNLIKELY(inst->fuel) && units_) {                                                      \
            if (inst->fuel <= units_ + 1)                                                          \
                TRAP(FUEL);                                                                        \
            inst->fuel -= units_;                                                                  \
        }                                                                                          \
    } while (0)

#define BRANCH(offset)                                                                             \
    do {                                                                                           \
        int64_t off_ = (offset);                                                                   \
        pc += off_;                                                                                \
        if (off_ <= 0) /* 0: a loop whose body is this branch */                                   \
            POLL();                                                                                \
        DISPATCH();                                                                                \
    } while (0)

/*
** Memory 0 of the current instance, cached in locals. Its base never moves;
** its size changes only through memory.grow (which reloads), host functions
** (reloaded after each) and, for a shared memory, other threads (the access
** check looks again before trapping). Calls between functions of the same
** instance share these locals, so only a change of instance reloads them.
*/
#define RELOAD_MEM()                                                                               \
    do {                                                                                           \
        mem = inst->module->memory_count ? inst->memories[0] : NULL;                               \
        mem_base = mem ? mem->base : NULL;                                                         \
        mem_size = mem ? atomic_load_explicit(&mem->size, memory_order_relaxed) : 0;               \
    } while (0)

/* MEM_CHECK(ea, width): the one linear-memory access check (bounds.h). */
#include "bounds.h"

/* A load's effective address from operands k (address), k+1 (add), k+2 (offset). */
#define EA(k) ((uint64_t)((uint32_t)S(k) + (uint32_t)pc[(k) + 1].u) + pc[(k) + 2].u)
/* The memory type of a full-width load of each value type. */
#define MT_I32 uint32_t
#define MT_F32 uint32_t
#define MT_I64 uint64_t
#define MT_F64 uint64_t

/*
** Each numeric op of ops.h as functions of slot values, for the handlers
** below and the steps of generated pairs: opfn_NAME (a BIN op), unfn_NAME
** (a UN op), opmem_NAME / opput_NAME (a BIN op's memory operand b, read and
** written back, opwidth_NAME bytes wide), ldfn_NAME and stfn_NAME (a LOAD
** or STORE op's access of ldwidth_NAME or stwidth_NAME bytes).
*/
#define OPFN_SPECIAL(name, cells)
#define OPFN_UN(name, cells, TA, TR, EXPR)                                                         \
    static inline uint64_t unfn_##name(uint64_t x_)                                                \
    {                                                                                              \
        CT_##TA a = RD_##TA(x_);                                                                   \
        return WR_##TR(EXPR);                                                                      \
    }
#define OPFN_UNT(name, cells, TA, TR, FN)
#define OPFN_BIN(name, cells, TA, TB, TR, EXPR)                                                    \
    static inline uint64_t opfn_##name(uint64_t x_, uint64_t y_)                                   \
    {                                                                                              \
        CT_##TA a = RD_##TA(x_);                                                                   \
        CT_##TB b = RD_##TB(y_);                                                                   \
        return WR_##TR(EXPR);                                                                      \
    }                                                                                              \
    enum { opwidth_##name = sizeof(MT_##TB) };                                                     \
    static inline uint64_t opmem_##name(const uint8_t *p)                                          \
    {                                                                                              \
        MT_##TB raw;                                                                               \
        memcpy(&raw, p, sizeof raw);                                                               \
        return raw;                                                                                \
    }                                                                                              \
    static inline void opput_##name(uint8_t *p, uint64_t v)                                        \
    {                                                                                              \
        MT_##TB raw = (MT_##TB)v;                                                                  \
        memcpy(p, &raw, sizeof raw);                                                               \
    }
#define OPFN_BINT(name, cells, TA, TB, TR, FN)
#define OPFN_LOAD(name, cells, MT, CONV)                                                           \
    enum { ldwidth_##name = sizeof(MT) };                                                          \
    static inline uint64_t ldfn_##name(const uint8_t *p)                                           \
    {                                                                                              \
        MT v;                                                                                      \
        memcpy(&v, p, sizeof v);                                                                   \
        return CONV(v);                                                                            \
    }
#define OPFN_STORE(name, cells, MT)                                                                \
    enum { stwidth_##name = sizeof(MT) };                                                          \
    static inline void stfn_##name(uint8_t *p, uint64_t x)                                         \
    {                                                                                              \
        MT v = (MT)x;                                                                              \
        memcpy(p, &v, sizeof v);                                                                   \
    }
#define OPFN(name, cat, ...) OPFN_##cat(name, __VA_ARGS__)
WF__IOPS(OPFN)
#undef OPFN

/* Handler bodies for the generic categories of ops.h. */
#define H_SPECIAL(name, cells)
#define H_UN(name, cells, TA, TR, EXPR)                                                            \
    CASE(name)                                                                                     \
    {                                                                                              \
        GSTEP_U(0, name, S(2));                                                                    \
        NEXT(3);                                                                                   \
    }
#define H_UNT(name, cells, TA, TR, FN)                                                             \
    CASE(name)                                                                                     \
    {                                                                                              \
        CT_##TA a = RD_##TA(S(2));                                                                 \
        CT_##TR r;                                                                                 \
        int e = FN(a, &r);                                                                         \
        if (UNLIKELY(e)) {                                                                         \
            trap_code = e;                                                                         \
            goto trap;                                                                             \
        }                                                                                          \
        S(1) = WR_##TR(r);                                                                         \
        NEXT(3);                                                                                   \
    }
/* The BIN forms, each the step of that kind (GSTEP_*, below) at cell 0. */
#define H_BIN_FORM(name, suffix, KIND, total)                                                      \
    CASE(name##suffix)                                                                             \
    {                                                                                              \
        GSTEP_##KIND(0, name, S(2));                                                               \
        NEXT(total);                                                                               \
    }
#define H_BIN(name, cells, TA, TB, TR, EXPR)                                                       \
    H_BIN_FORM(name, , S, 4)                                                                       \
    H_BIN_FORM(name, _I, I, 4)                                                                     \
    H_BIN_FORM(name, _M, M, 6) H_BIN_FORM(name, _R, R, 6) H_BIN_FORM(name, _RL, RL, 6)
#define H_BINT(name, cells, TA, TB, TR, FN)                                                        \
    CASE(name)                                                                                     \
    {                                                                                              \
        CT_##TA a = RD_##TA(S(2));                                                                 \
        CT_##TB b = RD_##TB(S(3));                                                                 \
        CT_##TR r;                                                                                 \
        int e = FN(a, b, &r);                                                                      \
        if (UNLIKELY(e)) {                                                                         \
            trap_code = e;                                                                         \
            goto trap;                                                                             \
        }                                                                                          \
        S(1) = WR_##TR(r);                                                                         \
        NEXT(4);                                                                                   \
    }
#define H_LOAD(name, cells, MT, CONV)                                                              \
    CASE(name)                                                                                     \
    {                                                                                              \
        GSTEP_LD(0, name, S(2));                                                                   \
        NEXT(5);                                                                                   \
    }
#define H_STORE(name, cells, MT)                                                                   \
    CASE(name)                                                                                     \
    {                                                                                              \
        GSTEP_ST(0, name, S(2));                                                                   \
        NEXT(4);                                                                                   \
    }                                                                                              \
    CASE(name##_I)                                                                                 \
    {                                                                                              \
        GSTEP_STI(0, name, 0);                                                                     \
        NEXT(4);                                                                                   \
    }
#define H(name, cat, ...) H_##cat(name, __VA_ARGS__)

/* Compare-and-branch on op (a BIN comparison): BR_op and BR_op_I. */
#define FUSED(op)                                                                                  \
    CASE(BR_##op)                                                                                  \
    {                                                                                              \
        GSTEP_BR(0, op, S(1));                                                                     \
        NEXT(4);                                                                                   \
    }                                                                                              \
    CASE(BR_##op##_I)                                                                              \
    {                                                                                              \
        GSTEP_BRI(0, op, S(1));                                                                    \
        NEXT(4);                                                                                   \
    }

/* The same with b loaded from memory: BR_op_M. */
#define FUSED_M(op)                                                                                \
    CASE(BR_##op##_M)                                                                              \
    {                                                                                              \
        uint64_t ea = EA(2);                                                                       \
        MEM_CHECK(ea, opwidth_##op);                                                               \
        if ((uint32_t)opfn_##op(S(1), opmem_##op(mem_base + ea)))                                  \
            BRANCH(pc[5].i);                                                                       \
        NEXT(6);                                                                                   \
    }

/*
** Steps of a pair handler (the P_ ops): the instruction whose handler cell
** is at pc[base]. A trap in it reports that instruction (pc moves there).
*/
#define SP(base, k) fp[pc[(base) + (k)].u]
/* MEM_CHECK_AT(base, ea, width): MEM_CHECK reporting the step at base (bounds.h). */

/*
** T_F64_AXPY's three instructions (cells in its comment below), the first
** part of T_F64_AXPY2_LOOP too.
*/
#define F64_AXPY_TRIPLE()                                                                          \
    do {                                                                                           \
        uint64_t p = (uint32_t)S(3), q = (uint32_t)S(9);                                           \
        double a = RD_F64(S(2));                                                                   \
        double t;                                                                                  \
        F64_AXPY_STEP(0, p, 6, q);                                                                 \
        fp[pc[13].u] = (uint32_t)((uint32_t)q + (uint32_t)pc[15].u);                               \
        fp[pc[16].u] = (uint32_t)((uint32_t)p + (uint32_t)pc[18].u);                               \
    } while (0)

/*
** One f64 axpy step of the fused loop handlers: t = a * mem[p]; mem[q] += t.
** The cells at p_cell and q_cell are where a trap in either access reports.
** Uses the handler's double a and t.
*/
#define F64_AXPY_STEP(p_cell, p, q_cell, q)                                                        \
    do {                                                                                           \
        uint64_t raw_;                                                                             \
        MEM_CHECK_AT(p_cell, p, 8);                                                                \
        memcpy(&raw_, mem_base + (p), sizeof raw_);                                                \
        t = a * RD_F64(raw_);                                                                      \
        MEM_CHECK_AT(q_cell, q, 8);                                                                \
        memcpy(&raw_, mem_base + (q), sizeof raw_);                                                \
        raw_ = WR_F64(t + RD_F64(raw_));                                                           \
        memcpy(mem_base + (q), &raw_, sizeof raw_);                                                \
    } while (0)

/* A branch taken by the step at base: its offset counts from there. */
#define PAIR_BRANCH(base, offset)                                                                  \
    do {                                                                                           \
        int64_t off_ = (offset);                                                                   \
        pc += (base) + off_;                                                                       \
        if (off_ <= 0)                                                                             \
            POLL();                                                                                \
        DISPATCH();                                                                                \
    } while (0)
/*
** The steps of generated pairs (ops.h WF__GEN_PAIRS), one per step kind: the
** instruction whose handler cell is at pc[base], op its OP, and A the value
** of its operand at its link cell (that slot, or a linked pair's register).
** GSTEPR_K, for the kinds with one result, also leaves the result in r.
*/
#define GSTEP_S(base, op, A) SP(base, 1) = opfn_##op(A, SP(base, 3))
#define GSTEP_I(base, op, A) SP(base, 1) = opfn_##op(A, pc[(base) + 3].u)
#define GSTEP_SB(base, op, A) SP(base, 1) = opfn_##op(SP(base, 2), A)
#define GSTEP_M(base, op, A)                                                                       \
    do {                                                                                           \
        uint64_t ea_ = EA((base) + 3);                                                             \
        MEM_CHECK_AT(base, ea_, opwidth_##op);                                                     \
        SP(base, 1) = opfn_##op(A, opmem_##op(mem_base + ea_));                                    \
    } while (0)
#define GSTEP_R(base, op, A)                                                                       \
    do {                                                                                           \
        uint64_t ea_ = EA((base) + 3);                                                             \
        MEM_CHECK_AT(base, ea_, opwidth_##op);                                                     \
        opput_##op(mem_base + ea_, opfn_##op(A, opmem_##op(mem_base + ea_)));                      \
    } while (0)
#define GSTEP_RL(base, op, A)                                                                      \
    do {                                                                                           \
        uint64_t ea_ = EA((base) + 3);                                                             \
        MEM_CHECK_AT(base, ea_, opwidth_##op);                                                     \
        opput_##op(mem_base + ea_, opfn_##op(opmem_##op(mem_base + ea_), A));                      \
    } while (0)
#define GSTEP_U(base, op, A) SP(base, 1) = unfn_##op(A)
#define GSTEP_LD(base, op, A)                                                                      \
    do {                                                                                           \
        uint64_t ea_ = (uint64_t)((uint32_t)(A) + (uint32_t)pc[(base) + 3].u) + pc[(base) + 4].u;  \
        MEM_CHECK_AT(base, ea_, ldwidth_##op);                                                     \
        SP(base, 1) = ldfn_##op(mem_base + ea_);                                                   \
    } while (0)
#define GSTEP_STORE(base, op, value)                                                               \
    do {                                                                                           \
        uint64_t ea_ = (uint64_t)(uint32_t)SP(base, 1) + pc[(base) + 3].u;                         \
        MEM_CHECK_AT(base, ea_, stwidth_##op);                                                     \
        stfn_##op(mem_base + ea_, value);                                                          \
    } while (0)
#define GSTEP_ST(base, op, A) GSTEP_STORE(base, op, A)
#define GSTEP_STI(base, op, A) GSTEP_STORE(base, op, pc[(base) + 2].u)
#define GSTEP_BR(base, op, A)                                                                      \
    do {                                                                                           \
        if ((uint32_t)opfn_##op(A, SP(base, 2)))                                                   \
            PAIR_BRANCH(base, pc[(base) + 3].i);                                                   \
    } while (0)
#define GSTEP_BRI(base, op, A)                                                                     \
    do {                                                                                           \
        if ((uint32_t)opfn_##op(A, pc[(base) + 2].u))                                              \
            PAIR_BRANCH(base, pc[(base) + 3].i);                                                   \
    } while (0)
#define GSTEP_COPY(base, op, A) SP(base, 1) = (A)
#define GSTEP_COPY2(base, op, A)                                                                   \
    do {                                                                                           \
        SP(base, 1) = (A);                                                                         \
        SP(base, 3) = SP(base, 4);                                                                 \
    } while (0)
#define GSTEP_COPY3(base, op, A)                                                                   \
    do {                                                                                           \
        SP(base, 1) = (A);                                                                         \
        SP(base, 3) = SP(base, 4);                                                                 \
        SP(base, 5) = SP(base, 6);                                                                 \
    } while (0)
#define GSTEP_CONST(base, op, A) SP(base, 1) = pc[(base) + 2].u
#define GSTEP_ADD2(base, op, A)                                                                    \
    do {                                                                                           \
        SP(base, 1) = (uint32_t)((uint32_t)(A) + (uint32_t)SP(base, 3));                           \
        SP(base, 4) = (uint32_t)((uint32_t)SP(base, 5) + (uint32_t)SP(base, 6));                   \
    } while (0)
#define GSTEP_ADDI2(base, op, A)                                                                   \
    do {                                                                                           \
        SP(base, 1) = (uint32_t)((uint32_t)(A) + (uint32_t)pc[(base) + 3].u);                      \
        SP(base, 4) = (uint32_t)((uint32_t)SP(base, 5) + (uint32_t)pc[(base) + 6].u);              \
    } while (0)
#define GSTEP_BRIF(base, op, A)                                                                    \
    do {                                                                                           \
        if ((uint32_t)(A))                                                                         \
            PAIR_BRANCH(base, pc[(base) + 2].i);                                                   \
    } while (0)
#define GSTEP_BRUNLESS(base, op, A)                                                                \
    do {                                                                                           \
        if (!(uint32_t)(A))                                                                        \
            PAIR_BRANCH(base, pc[(base) + 2].i);                                                   \
    } while (0)
/* A loop's back edge: always polls (like BR_BACK). */
#define GSTEP_BRBACK(base, op, A)                                                                  \
    do {                                                                                           \
        pc += (base) + pc[(base) + 1].i;                                                           \
        POLL();                                                                                    \
        DISPATCH();                                                                                \
    } while (0)
#define GSTEP_RET1(base, op, A)                                                                    \
    do {                                                                                           \
        fp[0] = (A);                                                                               \
        goto do_return;                                                                            \
    } while (0)
#define GSTEPR_S(base, op, r) SP(base, 1) = r = opfn_##op(SP(base, 2), SP(base, 3))
#define GSTEPR_SB(base, op, r) GSTEPR_S(base, op, r)
#define GSTEPR_I(base, op, r) SP(base, 1) = r = opfn_##op(SP(base, 2), pc[(base) + 3].u)
#define GSTEPR_M(base, op, r)                                                                      \
    do {                                                                                           \
        uint64_t ea_ = EA((base) + 3);                                                             \
        MEM_CHECK_AT(base, ea_, opwidth_##op);                                                     \
        SP(base, 1) = r = opfn_##op(SP(base, 2), opmem_##op(mem_base + ea_));                      \
    } while (0)
#define GSTEPR_U(base, op, r) SP(base, 1) = r = unfn_##op(SP(base, 2))
#define GSTEPR_LD(base, op, r)                                                                     \
    do {                                                                                           \
        uint64_t ea_ = EA((base) + 2);                                                             \
        MEM_CHECK_AT(base, ea_, ldwidth_##op);                                                     \
        SP(base, 1) = r = ldfn_##op(mem_base + ea_);                                               \
    } while (0)
#define GSTEPR_COPY(base, op, r) SP(base, 1) = r = SP(base, 2)
#define GSTEPR_CONST(base, op, r) SP(base, 1) = r = pc[(base) + 2].u
/* The value at operand cell k of the step at base. */
#define GIN(base, k) SP(base, k)
#define H_PAIR_LINKED(name, k1, op1, k2, op2)                                                      \
    CASE(name##_L)                                                                                 \
    {                                                                                              \
        uint64_t r_;                                                                               \
        GSTEPR_##k1(0, op1, r_);                                                                   \
        GSTEP_##k2(WF__PK_CELLS_##k1 + 1, op2, r_);                                                \
        NEXT(WF__PK_CELLS_##k1 + WF__PK_CELLS_##k2 + 2);                                           \
    }
#define H_PAIR(name, k1, op1, k2, op2)                                                             \
    WF__PK_IF_LINKED(k1, k2, H_PAIR_LINKED(name, k1, op1, k2, op2))                                \
    CASE(name)                                                                                     \
    {                                                                                              \
        GSTEP_##k1(0, op1, GIN(0, WF__PK_LINKCELL_##k1));                                          \
        GSTEP_##k2(WF__PK_CELLS_##k1 + 1, op2, GIN(WF__PK_CELLS_##k1 + 1, WF__PK_LINKCELL_##k2));  \
        NEXT(WF__PK_CELLS_##k1 + WF__PK_CELLS_##k2 + 2);                                           \
    }

#if WF_JUMPTABLE
#define LBL_PAIR(name, k1, op1, k2, op2) WF__PK_IF_LINKED(k1, k2, &&L_##name##_L, ) && L_##name,
#define LBL_SPECIAL(name) &&L_##name,
#define LBL_UN(name) &&L_##name,
#define LBL_UNT(name) &&L_##name,
#define LBL_BIN(name) &&L_##name, &&L_##name##_I, &&L_##name##_M, &&L_##name##_R, &&L_##name##_RL,
#define LBL_BINT(name) &&L_##name,
#define LBL_LOAD(name) &&L_##name,
#define LBL_STORE(name) &&L_##name, &&L_##name##_I,
#define LBL(name, cat, cells, ...) LBL_##cat(name)
#endif

/*
** Runs code from its first instruction with frame fp until the frame that
** was current on entry returns. ex->depth already counts the entry frame.
** Returns WF_OK or an error with err filled. With handlers_out (computed goto
** only) it just hands out the label table.
*/
static wf_err_t run(struct wf__exec *ex, wf_instance_t *inst, const struct wf__code *code,
                    uint64_t *fp, wf_error_info_t *err, const void *const **handlers_out)
{
#if WF_JUMPTABLE
    static const void *const labels[WF_IOP_COUNT_] = {WF__IOPS(LBL) WF__GEN_PAIRS(LBL_PAIR)};
    if (handlers_out) {
        *handlers_out = labels;
        return WF_OK;
    }
#else
    (void)handlers_out;
#endif
    const wf__cell_t *pc = code->cells;
    /* Frame records: fr is the next free one; returning to fr_entry leaves. */
    frame_t *fr = ex->frames + ex->depth;
    frame_t *const fr_entry = fr;
    frame_t *const fr_end = ex->frames + ex->max_depth;
    uint64_t *const stack_end = ex->stack_end;
    wf_memory_t *mem;
    uint8_t *mem_base;
    uint64_t mem_size;
    int trap_code = 0;
    wf_err_t rc;
    /* State handed to call_func. */
    wf_func_t *callee = NULL;
    uint64_t *nfp = NULL;
    const wf__cell_t *ret_pc = NULL;

    RELOAD_MEM();
#if WF_JUMPTABLE
    DISPATCH();
#else
dispatch:
    switch ((wf__iop_t)pc->u) {
#endif

    WF__IOPS(H)
    WF__GEN_PAIRS(H_PAIR)

    /* ------------------------------------------------------ control ---- */
    CASE(UNREACHABLE)
    {
        TRAP(UNREACHABLE);
    }
    CASE(BR)
    {
        pc += pc[1].i;
        DISPATCH();
    }
    CASE(BR_BACK)
    {
        pc += pc[1].i;
        POLL();
        DISPATCH();
    }
    CASE(BR_IF)
    {
        if ((uint32_t)S(1))
            BRANCH(pc[2].i);
        NEXT(3);
    }
    CASE(BR_IF_BACK)
    {
        if ((uint32_t)S(1))
            BRANCH(pc[2].i);
        NEXT(3);
    }
    CASE(BR_UNLESS)
    {
        if (!(uint32_t)S(1))
            BRANCH(pc[2].i);
        NEXT(3);
    }
    CASE(BR_TABLE)
    {
        uint64_t i = (uint32_t)S(1);
        uint64_t n = pc[2].u;
        if (i > n)
            i = n;
        pc += pc[3 + i].i;
        DISPATCH();
    }
    FUSED(I32_EQ)
    FUSED(I32_NE)
    FUSED(I32_LT_S)
    FUSED(I32_LT_U)
    FUSED(I32_GT_S)
    FUSED(I32_GT_U)
    FUSED(I32_LE_S)
    FUSED(I32_LE_U)
    FUSED(I32_GE_S)
    FUSED(I32_GE_U)
    FUSED_M(I32_EQ)
    FUSED_M(I32_NE)
    FUSED_M(I32_LT_S)
    FUSED_M(I32_LT_U)
    FUSED_M(I32_GT_S)
    FUSED_M(I32_GT_U)
    FUSED_M(I32_LE_S)
    FUSED_M(I32_LE_U)
    FUSED_M(I32_GE_S)
    FUSED_M(I32_GE_U)
    FUSED(F32_EQ)
    FUSED(F32_NE)
    FUSED(F32_LT)
    FUSED(F32_GT)
    FUSED(F32_LE)
    FUSED(F32_GE)
    FUSED(F64_EQ)
    FUSED(F64_NE)
    FUSED(F64_LT)
    FUSED(F64_GT)
    FUSED(F64_LE)
    FUSED(F64_GE)
    /* ---------------------------------------------------------- pairs ---- */
    /* Triples: a pair (compile.c triple_table) and a third instruction. */
    CASE(T_I32_ROTL_I_ROTL_I_XOR)
    {
        /* linked: the xor takes the two rotations (compile.c checks) */
        uint64_t t, u;
        GSTEPR_I(0, I32_ROTL, t);
        GSTEPR_I(4, I32_ROTL, u);
        SP(8, 1) = opfn_I32_XOR(t, u);
        NEXT(12);
    }
    CASE(T_F64_MUL_SUB_I64_STORE)
    {
        uint64_t t, u;
        GSTEPR_S(0, F64_MUL, t);
        SP(4, 1) = u = opfn_F64_SUB(SP(4, 2), t);
        GSTEP_ST(8, I64_STORE, u);
        NEXT(12);
    }
    CASE(T_I32_SUB_I_F64_MUL_ADD_R)
    {
        uint64_t t;
        GSTEP_I(0, I32_SUB, SP(0, 2));
        GSTEPR_S(4, F64_MUL, t);
        GSTEP_R(8, F64_ADD, t);
        NEXT(14);
    }
    CASE(T_I64_LOAD_F64_SUB_M_MUL)
    {
        GSTEP_LD(0, I64_LOAD, SP(0, 2));
        GSTEP_M(5, F64_SUB, SP(5, 2));
        GSTEP_S(11, F64_MUL, SP(11, 2));
        NEXT(15);
    }
    CASE(T_F64_MUL_M_ADD_R_ADD_I2)
    {
        uint64_t t;
        GSTEPR_M(0, F64_MUL, t);
        GSTEP_R(6, F64_ADD, t);
        GSTEP_ADDI2(12, I32_ADD_I2, SP(12, 2));
        NEXT(19);
    }
    CASE(T_F64_AXPY)
    {
        /* cells: [MUL_M t a p 0 0] [ADD_R - t q 0 0] [ADD_I2 q' q k p' p k'] */
        F64_AXPY_TRIPLE();
        NEXT(19);
    }
    CASE(T_F64_AXPY2_LOOP)
    {
        F64_AXPY_TRIPLE();
        uint64_t r;
        GSTEPR_M(19, F64_MUL, r);
        GSTEP_R(25, F64_ADD, r);
        GSTEP_ADDI2(31, I32_ADD_I2, SP(31, 2));
        GSTEP_I(38, I32_ADD, SP(38, 2));
        GSTEP_BR(42, I32_NE, SP(42, 1));
        NEXT(46);
    }
    CASE(T_F64_AXPY2_LOOP_C)
    {
        uint64_t p = (uint32_t)S(3), q = (uint32_t)S(9);
        double a = RD_F64(S(2));
        double t;
        if (axpy_loop_in_registers(pc)) {
            /* The whole loop here, its state in registers (written back
               when it ends; a trap abandons the frame). Each turn is what
               one run of the handler below does, polling like its branch. */
            uint64_t k_q = (uint32_t)pc[15].u, k_p = (uint32_t)pc[18].u;
            uint64_t k_q2 = (uint32_t)pc[34].u, k_p2 = (uint32_t)pc[37].u;
            uint32_t k_n = (uint32_t)pc[41].u;
            bool n_first = pc[43].u == pc[39].u;
            uint32_t n = (uint32_t)SP(38, 2), limit = (uint32_t)(n_first ? SP(42, 2) : SP(42, 1));
            uint64_t q2, p2;
            for (;;) {
                F64_AXPY_STEP(0, p, 6, q);
                q2 = (uint32_t)(q + k_q);
                p2 = (uint32_t)(p + k_p);
                F64_AXPY_STEP(19, p2, 25, q2);
                q = (uint32_t)(q + k_q2);
                p = (uint32_t)(p + k_p2);
                n += k_n;
                if (n == limit)
                    break;
                POLL();
            }
            fp[pc[13].u] = q2;
            fp[pc[16].u] = p2;
            fp[pc[32].u] = q;
            fp[pc[35].u] = p;
            fp[pc[39].u] = n;
            NEXT(46);
        }
        F64_AXPY_STEP(0, p, 6, q);
        uint64_t q2 = (uint32_t)((uint32_t)q + (uint32_t)pc[15].u);
        uint64_t p2 = (uint32_t)((uint32_t)p + (uint32_t)pc[18].u);
        fp[pc[13].u] = q2;
        fp[pc[16].u] = p2;
        F64_AXPY_STEP(19, p2, 25, q2);
        fp[pc[32].u] = (uint32_t)((uint32_t)q + (uint32_t)pc[34].u);
        fp[pc[35].u] = (uint32_t)((uint32_t)p + (uint32_t)pc[37].u);
        GSTEP_I(38, I32_ADD, SP(38, 2));
        GSTEP_BR(42, I32_NE, SP(42, 1));
        NEXT(46);
    }
    CASE(RETURN1)
    {
        fp[0] = S(1);
        goto do_return;
    }
    CASE(RETURN)
    {
    do_return:
        if (UNLIKELY(fr == fr_entry))
            return WF_OK;
        fr--;
        pc = fr->pc;
        fp = fr->fp;
        code = fr->code;
        if (UNLIKELY(fr->inst != inst)) {
            inst = fr->inst;
            RELOAD_MEM();
        }
        DISPATCH();
    }
    CASE(CALL)
    {
        const wf__func_t *target = pc[2].p;
        const struct wf__code *cc = target->code;
        uint64_t *callee_fp = fp + pc[1].u;
        if (UNLIKELY(fr >= fr_end || cc->frame_slots > (size_t)(stack_end - callee_fp)))
            TRAP(STACK_EXHAUSTED);
        POLL();
        fr->pc = pc + 3;
        fr->fp = fp;
        fr->code = code;
        fr->inst = inst;
        fr++;
        for (uint32_t k = cc->param_slots; k < cc->local_slots; k++)
            callee_fp[k] = 0;
        fp = callee_fp;
        code = cc;
        pc = cc->cells;
        DISPATCH();
    }
    CASE(CALL_IMPORT)
    {
        callee = inst->funcs[pc[2].u];
        nfp = fp + pc[1].u;
        ret_pc = pc + 3;
        goto call_func;
    }
    CASE(CALL_INDIRECT)
    {
        wf_table_t *t = inst->tables[pc[4].u];
        uint32_t i = (uint32_t)S(2);
        if (UNLIKELY(i >= t->size))
            TRAP(UNDEFINED_ELEM);
        wf_func_t *f = t->elems[i];
        if (UNLIKELY(!f))
            TRAP(UNINIT_ELEM);
        const wf__functype_t *want = pc[3].p;
        if (f->type != want && !functype_equal(f->type, want))
            TRAP(INDIRECT_TYPE);
        callee = f;
        nfp = fp + pc[1].u;
        ret_pc = pc + 5;
        goto call_func;
    }

    /* ---------------------------------------------------- data movement ---- */
    CASE(COPY)
    {
        S(1) = S(2);
        NEXT(3);
    }
    CASE(COPY2)
    {
        GSTEP_COPY2(0, COPY2, S(2));
        NEXT(5);
    }
    CASE(COPY3)
    {
        GSTEP_COPY3(0, COPY3, S(2));
        NEXT(7);
    }
    CASE(I32_ADD2)
    {
        S(1) = (uint32_t)((uint32_t)S(2) + (uint32_t)S(3));
        S(4) = (uint32_t)((uint32_t)S(5) + (uint32_t)S(6));
        NEXT(7);
    }
    CASE(I32_ADD_I2)
    {
        S(1) = (uint32_t)((uint32_t)S(2) + (uint32_t)pc[3].u);
        S(4) = (uint32_t)((uint32_t)S(5) + (uint32_t)pc[6].u);
        NEXT(7);
    }
    CASE(CONST)
    {
        S(1) = pc[2].u;
        NEXT(3);
    }
    CASE(SELECT)
    {
        S(1) = (uint32_t)S(4) ? S(2) : S(3);
        NEXT(5);
    }
    CASE(GLOBAL_GET)
    {
        S(1) = inst->globals[pc[2].u]->value[0];
        NEXT(3);
    }
    CASE(GLOBAL_SET)
    {
        inst->globals[pc[1].u]->value[0] = S(2);
        NEXT(3);
    }
    CASE(REF_FUNC)
    {
        S(1) = (uint64_t)(uintptr_t)inst->funcs[pc[2].u];
        NEXT(3);
    }
    CASE(REF_IS_NULL)
    {
        S(1) = S(2) == 0;
        NEXT(3);
    }

    /* ----------------------------------------------------------- tables ---- */
    CASE(TABLE_GET)
    {
        wf_table_t *t = inst->tables[pc[3].u];
        uint32_t i = (uint32_t)S(2);
        if (UNLIKELY(i >= t->size))
            TRAP(TABLE_OOB);
        S(1) = (uint64_t)(uintptr_t)t->elems[i];
        NEXT(4);
    }
    CASE(TABLE_SET)
    {
        wf_table_t *t = inst->tables[pc[1].u];
        uint32_t i = (uint32_t)S(2);
        if (UNLIKELY(i >= t->size))
            TRAP(TABLE_OOB);
        t->elems[i] = (void *)(uintptr_t)S(3);
        NEXT(4);
    }
    CASE(TABLE_SIZE)
    {
        S(1) = inst->tables[pc[2].u]->size;
        NEXT(3);
    }
    CASE(TABLE_GROW)
    {
        wf_table_t *t = inst->tables[pc[4].u];
        int64_t old = wf__table_grow(t, (uint32_t)S(3), (void *)(uintptr_t)S(2));
        S(1) = (uint32_t)old;
        NEXT(5);
    }
    CASE(TABLE_FILL)
    {
        wf_table_t *t = inst->tables[pc[1].u];
        uint64_t i = (uint32_t)S(2), n = (uint32_t)S(4);
        void *v = (void *)(uintptr_t)S(3);
        if (UNLIKELY(i + n > t->size))
            TRAP(TABLE_OOB);
        BULK_FUEL(n >> 8);
        for (uint64_t k = 0; k < n; k++)
            t->elems[i + k] = v;
        NEXT(5);
    }
    CASE(TABLE_COPY)
    {
        wf_table_t *dt = inst->tables[pc[4].u], *st = inst->tables[pc[5].u];
        uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
        if (UNLIKELY(d + n > dt->size || s + n > st->size))
            TRAP(TABLE_OOB);
        BULK_FUEL(n >> 8);
        if (n)
            memmove(dt->elems + d, st->elems + s, n * sizeof *dt->elems);
        NEXT(6);
    }
    CASE(TABLE_INIT)
    {
        uint32_t e = (uint32_t)pc[4].u;
        wf_table_t *t = inst->tables[pc[5].u];
        uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
        if (UNLIKELY(s + n > inst->elem_sizes[e] || d + n > t->size))
            TRAP(TABLE_OOB);
        BULK_FUEL(n >> 8);
        if (n)
            memcpy(t->elems + d, inst->elem_refs[e] + s, n * sizeof *t->elems);
        NEXT(6);
    }
    CASE(ELEM_DROP)
    {
        inst->elem_sizes[pc[1].u] = 0;
        NEXT(2);
    }

    /* ----------------------------------------------------------- memory ---- */
    CASE(MEMORY_SIZE)
    {
        mem_size = memory_size_now(mem, mem_size); /* a shared one grows under us */
        S(1) = (uint32_t)(mem_size / WF_PAGE_SIZE);
        NEXT(2);
    }
    CASE(MEMORY_GROW)
    {
        int64_t old = wf__memory_grow(inst->memories[0], (uint32_t)S(2));
        RELOAD_MEM();
        S(1) = (uint32_t)old;
        NEXT(3);
    }
    CASE(MEMORY_FILL)
    {
        uint64_t d = (uint32_t)S(1), n = (uint32_t)S(3);
        MEM_CHECK(d, n);
        BULK_FUEL(n >> 10);
        if (n)
            memset(mem_base + d, (int)(uint8_t)S(2), n);
        NEXT(4);
    }
    CASE(MEMORY_COPY)
    {
        uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
        MEM_CHECK(d, n);
        MEM_CHECK(s, n);
        BULK_FUEL(n >> 10);
        if (n)
            memmove(mem_base + d, mem_base + s, n);
        NEXT(4);
    }
    CASE(MEMORY_INIT)
    {
        uint32_t seg = (uint32_t)pc[4].u;
        uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
        if (UNLIKELY(s + n > inst->data_sizes[seg]))
            TRAP(MEMORY_OOB);
        MEM_CHECK(d, n);
        BULK_FUEL(n >> 10);
        if (n)
            memcpy(mem_base + d, inst->module->datas[seg].bytes + s, n);
        NEXT(5);
    }
    CASE(DATA_DROP)
    {
        inst->data_sizes[pc[1].u] = 0;
        NEXT(2);
    }
    CASE(ATOMIC)
    {
        /* Threads proposal: every 0xFE instruction (atomic.h). */
        trap_code = wf__atomic_step(inst, fp, pc);
        if (UNLIKELY(trap_code))
            goto trap;
        NEXT(1 + WF__ATOMIC_CELLS);
    }

#if !WF_JUMPTABLE
default:
    TRAP(UNREACHABLE);
}
#endif

/* A call through a wf_func_t: a host function, or wasm of any instance. */
call_func : if (callee->host_fn)
{
    /* The host may call back in: new runs start above this frame. */
    ex->top = fp + code->frame_slots;
    ex->depth = (uint32_t)(fr - ex->frames);
    rc = wf__host_call(callee, inst, nfp, err);
    if (rc != WF_OK)
        goto fail;
    RELOAD_MEM();
    pc = ret_pc;
    DISPATCH();
}
else
{
    wf_instance_t *ci = callee->instance;
    const struct wf__code *cc = ci->module->funcs[callee->index].code;
    if (UNLIKELY(fr >= fr_end || cc->frame_slots > (size_t)(stack_end - nfp)))
        TRAP(STACK_EXHAUSTED);
    POLL();
    fr->pc = ret_pc;
    fr->fp = fp;
    fr->code = code;
    fr->inst = inst;
    fr++;
    for (uint32_t k = cc->param_slots; k < cc->local_slots; k++)
        nfp[k] = 0;
    fp = nfp;
    code = cc;
    pc = cc->cells;
    if (ci != inst) {
        inst = ci;
        RELOAD_MEM();
    }
    DISPATCH();
}

trap : rc = wf__trap(err, (wf_err_t)trap_code, inst->module, code->func_index,
                     wf__code_offset(code, pc));
fail : return rc;
}

const void *const *wf__interp_handlers(void)
{
#if WF_JUMPTABLE
    const void *const *handlers = NULL;
    run(NULL, NULL, NULL, NULL, NULL, &handlers);
    return handlers;
#else
        return NULL;
#endif
}

wf_err_t wf__interp_call(wf_func_t *func, uint64_t *slots, wf_error_info_t *err)
{
    if (func->host_fn)
        return wf__host_call(func, NULL, slots, err);
    wf_instance_t *inst = func->instance;
    const wf_module_t *module = inst->module;
    struct wf__exec *ex = inst->exec;
    if (!ex) {
        ex = exec_new(inst);
        if (!ex)
            return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
        inst->exec = ex;
    }
    const struct wf__code *code = module->funcs[func->index].code;
    uint64_t *fp = ex->top;
    if (ex->depth >= ex->max_depth || code->frame_slots > (size_t)(ex->stack_end - fp))
        return wf__trap(err, WF_ERR_TRAP_STACK_EXHAUSTED, module, func->index, 0);
    uint64_t *saved_top = ex->top;
    uint32_t saved_depth = ex->depth;
    /* Fuel is a budget per outermost call: whatever the call (and any wasm it
       reaches through host functions) burns or whether it ends in a fuel
       trap, the next call starts again from what the embedder set. */
    uint64_t saved_fuel = inst->fuel;
    /* With guard pages, an out-of-bounds access faults back to here: run's
       state is dropped and the trap is built from the faulting access
       (bounds.h); what follows restores the exec as after any trap. */
    bounds_entry_t entry;
    if (!bounds_enter(&entry))
        return wf__error(err, WF_ERR_NOMEM, 0, "cannot set up the memory fault handler");
    memcpy(fp, slots, code->param_slots * sizeof *fp);
    memset(fp + code->param_slots, 0, (size_t)(code->local_slots - code->param_slots) * sizeof *fp);
    ex->depth++;
    wf_err_t rc;
    if (BOUNDS_FAULTED(&entry)) {
        rc = bounds_fault(inst, func->index, err);
    } else {
        bounds_arm(&entry);
        rc = run(ex, inst, code, fp, err, NULL);
    }
    bounds_leave(&entry);
    if (rc == WF_OK)
        memcpy(slots, fp, code->result_slots * sizeof *fp);
    ex->top = saved_top;
    ex->depth = saved_depth;
    if (saved_depth == 0)
        inst->fuel = saved_fuel;
    return rc;
}
