/*
** The threads proposal's atomic instructions (prefix 0xFE), for compile.c and
** interp.c. compile.c turns every 0xFE instruction into one internal ATOMIC
** instruction (ops.h) whose operand cells are:
**     d, wasm op (WF_OP_*), s0, s1, s2, offset
** where s0..s2 are the frame slots of the popped operands (bottom first; as
** many as the instruction pops) and d is the result's slot (unused when the
** instruction has no result). interp.c's handler is one call to
** wf__atomic_step.
**
** Every access goes straight to the memory bytes with the compiler's
** __atomic builtins (sequentially consistent), which is what the proposal
** asks of atomics; the host is little-endian like wasm (DESIGN.md), so the
** bytes are the value. Narrow read-modify-writes work on a narrow object and
** zero-extend. An access must be in bounds (else "out of bounds memory
** access") and naturally aligned (else "unaligned atomic"), in that order.
** wait32/wait64 trap "expected shared memory" on an unshared memory; notify
** on one wakes nobody and returns 0.
*/
#ifndef WF_ATOMIC_H
#define WF_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

#include "compile.h"
#include "runtime.h"
#include "wasm_ops.h"

/* Number of ATOMIC operand cells after the handler cell. */
#define WF__ATOMIC_CELLS 6

/*
** How many operands a 0xFE instruction pops (0..3) and the type it pushes
** (WF_I32, WF_I64, or 0 for none). Sub-opcodes as in wasm_ops.h.
*/
static inline uint32_t wf__atomic_pops(uint16_t op)
{
    unsigned code = wf__op_info[op].code;
    if (code == 0x03)
        return 0; /* atomic.fence */
    if (code == 0x00)
        return 2; /* notify: address, count */
    if (code <= 0x02 || code >= 0x48)
        return 3; /* waits: address, expected, timeout; cmpxchg: address, expected, new */
    if (code <= 0x16)
        return 1; /* loads */
    return 2;     /* stores and read-modify-writes */
}

static inline uint8_t wf__atomic_result(uint16_t op)
{
    unsigned code = wf__op_info[op].code;
    if (code <= 0x02)
        return WF_I32; /* notify, waits */
    if (code == 0x03 || (code >= 0x17 && code <= 0x1D))
        return 0; /* fence, stores */
    if (code >= 0x48) /* cmpxchg: i32 forms are 0x48, 0x4A, 0x4B */
        return code == 0x48 || code == 0x4A || code == 0x4B ? WF_I32 : WF_I64;
    return wf__op_info[op].result == WF_T_I64 ? WF_I64 : WF_I32;
}

/* The read-modify-write kinds, in sub-opcode order from 0x1E, 7 per kind. */
enum { WF__RMW_ADD, WF__RMW_SUB, WF__RMW_AND, WF__RMW_OR, WF__RMW_XOR, WF__RMW_XCHG };

/* One read-modify-write of kind on a T at p; returns the old value. */
#define WF__ATOMIC_RMW(T, p, kind, v, out)                                         \
    do {                                                                           \
        T *p_ = (T *)(p);                                                          \
        T v_ = (T)(v);                                                             \
        switch (kind) {                                                            \
        case WF__RMW_ADD: (out) = __atomic_fetch_add(p_, v_, __ATOMIC_SEQ_CST); break; \
        case WF__RMW_SUB: (out) = __atomic_fetch_sub(p_, v_, __ATOMIC_SEQ_CST); break; \
        case WF__RMW_AND: (out) = __atomic_fetch_and(p_, v_, __ATOMIC_SEQ_CST); break; \
        case WF__RMW_OR: (out) = __atomic_fetch_or(p_, v_, __ATOMIC_SEQ_CST); break;   \
        case WF__RMW_XOR: (out) = __atomic_fetch_xor(p_, v_, __ATOMIC_SEQ_CST); break; \
        default: (out) = __atomic_exchange_n(p_, v_, __ATOMIC_SEQ_CST); break;         \
        }                                                                          \
    } while (0)

/* Compare-and-exchange of a T at p: returns the old value (narrowed expected). */
#define WF__ATOMIC_CMPXCHG(T, p, expected, replacement, out)                       \
    do {                                                                           \
        T e_ = (T)(expected);                                                      \
        __atomic_compare_exchange_n((T *)(p), &e_, (T)(replacement), false,        \
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);           \
        (out) = e_;                                                                \
    } while (0)

/*
** log2 of the access width of a 0xFE instruction with a memory operand
** (0..3). Loads, stores and read-modify-writes cycle through the widths
** i32, i64, 8, 16 (i32), 8, 16, 32 (i64) in groups of seven.
*/
static inline unsigned wf__atomic_width_log2(uint16_t op)
{
    return wf__op_info[op].natural_align;
}

/*
** Runs the ATOMIC instruction at pc (see the top of this file) for instance
** inst with frame fp. Returns 0, or the trap code (WF_ERR_TRAP_*) for the
** caller to raise. A wait blocks this thread on the OS until notified, timed
** out, or inst->interrupt is set (then WF_ERR_TRAP_INTERRUPTED).
*/
static inline int wf__atomic_step(wf_instance_t *inst, uint64_t *fp, const wf__cell_t *pc)
{
    uint16_t op = (uint16_t)pc[2].u;
    unsigned code = wf__op_info[op].code;
    if (code == 0x03) {
        atomic_thread_fence(memory_order_seq_cst);
        return 0;
    }
    wf_memory_t *mem = inst->memories[0];
    uint64_t a = fp[pc[3].u], b = fp[pc[4].u], c = fp[pc[5].u];
    uint64_t ea = (uint64_t)(uint32_t)a + pc[6].u;
    unsigned width_log2 = wf__atomic_width_log2(op);
    uint64_t width = (uint64_t)1 << width_log2;
    if (ea + width > atomic_load_explicit(&mem->size, memory_order_acquire))
        return WF_ERR_TRAP_MEMORY_OOB;
    if (ea & (width - 1))
        return WF_ERR_TRAP_UNALIGNED;
    uint8_t *p = mem->base + ea;
    uint64_t r = 0;

    if (code <= 0x02) {
        if (code == 0x00) {
            fp[pc[1].u] = wf__memory_notify(mem, ea, (uint32_t)b);
            return 0;
        }
        if (!mem->shared)
            return WF_ERR_TRAP_UNSHARED_WAIT;
        uint32_t w = wf__memory_wait(mem, ea, code == 0x01 ? (uint32_t)b : b, code == 0x02,
                                     (int64_t)c, &inst->interrupt);
        if (w == 3)
            return WF_ERR_TRAP_INTERRUPTED;
        fp[pc[1].u] = w;
        return 0;
    }
    if (code <= 0x16) { /* loads, zero-extended */
        switch (width_log2) {
        case 0: r = __atomic_load_n(p, __ATOMIC_SEQ_CST); break;
        case 1: r = __atomic_load_n((uint16_t *)p, __ATOMIC_SEQ_CST); break;
        case 2: r = __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST); break;
        default: r = __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST); break;
        }
        fp[pc[1].u] = r;
        return 0;
    }
    if (code <= 0x1D) { /* stores, truncating */
        switch (width_log2) {
        case 0: __atomic_store_n(p, (uint8_t)b, __ATOMIC_SEQ_CST); break;
        case 1: __atomic_store_n((uint16_t *)p, (uint16_t)b, __ATOMIC_SEQ_CST); break;
        case 2: __atomic_store_n((uint32_t *)p, (uint32_t)b, __ATOMIC_SEQ_CST); break;
        default: __atomic_store_n((uint64_t *)p, b, __ATOMIC_SEQ_CST); break;
        }
        return 0;
    }
    if (code < 0x48) { /* read-modify-writes */
        int kind = (int)((code - 0x1E) / 7);
        switch (width_log2) {
        case 0: WF__ATOMIC_RMW(uint8_t, p, kind, b, r); break;
        case 1: WF__ATOMIC_RMW(uint16_t, p, kind, b, r); break;
        case 2: WF__ATOMIC_RMW(uint32_t, p, kind, b, r); break;
        default: WF__ATOMIC_RMW(uint64_t, p, kind, b, r); break;
        }
    } else { /* compare-and-exchange */
        switch (width_log2) {
        case 0: WF__ATOMIC_CMPXCHG(uint8_t, p, b, c, r); break;
        case 1: WF__ATOMIC_CMPXCHG(uint16_t, p, b, c, r); break;
        case 2: WF__ATOMIC_CMPXCHG(uint32_t, p, b, c, r); break;
        default: WF__ATOMIC_CMPXCHG(uint64_t, p, b, c, r); break;
        }
    }
    fp[pc[1].u] = r;
    return 0;
}

#endif
