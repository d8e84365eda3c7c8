/*
** The interpreter's linear-memory bounds check, in one of two forms chosen
** when the engine is built (WF_BOUNDS_GUARD, from the CMake option
** WF_BOUNDS_CHECKS). interp.c includes this file and nothing else does: the
** macros use the locals of its loop (pc, mem, mem_size, TRAP).
**
** explicit (WF_BOUNDS_GUARD 0): every access compares its end with the
** cached size (for a shared memory, with the size now before trapping).
**
** guard pages (WF_BOUNDS_GUARD 1, 64-bit hosts): each memory reserves 8 GiB
** plus a page (memory.c) and only its current size is accessible, so a plain
** load or store needs no check: an out-of-bounds one faults, and the fault
** handler (os_posix.c) jumps back to the recovery point that
** wf__interp_call set, which returns the same trap the explicit check gives.
** An access is left to the guard only when its width is a compile-time
** constant of at most 16 bytes (a single machine access, which either
** happens whole or faults without writing) and its effective address is an
** i32 address plus an i32 offset, below 2^33 (every MEM_CHECK in interp.c
** follows that rule). Everything else keeps the explicit check: bulk memory
** (memory.fill/copy/init must trap before writing a byte; their length is
** not a constant), atomics (atomic.h checks bounds and alignment itself) and
** the host-side accessors.
**
** The jump abandons run()'s C frame, which is safe because that frame holds
** nothing to release: the loop allocates nothing and holds no lock while it
** makes a plain access (grow_lock and the waiters' lock are taken inside
** memory.c, which touches linear memory only after an explicit check), and a
** host function runs with no recovery point (func.c), so a jump never
** crosses host code. wf__interp_call then restores the exec (depth, top,
** fuel) as after any trap.
*/
#ifndef WF_BOUNDS_H
#define WF_BOUNDS_H

#include <setjmp.h>

#include "compile.h"
#include "os.h"
#include "runtime.h"

#ifndef WF_BOUNDS_GUARD
#define WF_BOUNDS_GUARD 0
#endif

/*
** The explicit check: the effective address ea (a 64-bit sum of the i32
** address and the offset, so it cannot wrap) plus the access width must not
** pass the current size. A trap reports the instruction at pc + base (a step
** of a pair handler names its own instruction).
*/
#define BOUNDS_EXPLICIT(base, ea, width)                                                           \
    do {                                                                                           \
        if (UNLIKELY((ea) + (width) > mem_size)) {                                                 \
            mem_size = memory_size_now(mem, mem_size);                                             \
            if ((ea) + (width) > mem_size) {                                                       \
                pc += (base);                                                                      \
                TRAP(MEMORY_OOB);                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#if WF_BOUNDS_GUARD

#if UINTPTR_MAX <= 0xFFFFFFFFu
#error "guard pages need a 64-bit address space (build with WF_BOUNDS_CHECKS=explicit)"
#endif

/* Whether the guard region covers an access of this width (see above). */
#define BOUNDS_GUARDED(width) (__builtin_constant_p(width) && (width) <= 16)

/*
** The instruction of the latest guarded access on this thread: one store
** per access, so that a fault reports the same function and offset as the
** explicit check would (the loop's pc lives in a register the handler
** cannot name). Static, so only interp.c's accesses and its
** wf__interp_call see it, and the compiler can address it directly.
*/
static _Thread_local const wf__cell_t *bounds_access_pc;

/*
** Records the instruction at before its access. The empty asm reads the
** record and hands mem_base back as if changed, so the store can be neither
** dropped nor sunk below the access, whose address now depends on the asm:
** nothing else tells the compiler that the access may fault. (It costs no
** instruction; it only limits scheduling: +6% instructions on matmul.)
*/
#define BOUNDS_RECORD(at)                                                                          \
    do {                                                                                           \
        bounds_access_pc = (at);                                                                   \
        __asm__ volatile("" : "+r"(mem_base) : "m"(bounds_access_pc));                             \
    } while (0)

#define MEM_CHECK(ea, width)                                                                       \
    do {                                                                                           \
        if (BOUNDS_GUARDED(width))                                                                 \
            BOUNDS_RECORD(pc);                                                                     \
        else                                                                                       \
            BOUNDS_EXPLICIT(0, ea, width);                                                         \
    } while (0)
#define MEM_CHECK_AT(base, ea, width)                                                              \
    do {                                                                                           \
        if (BOUNDS_GUARDED(width))                                                                 \
            BOUNDS_RECORD(pc + (base));                                                            \
        else                                                                                       \
            BOUNDS_EXPLICIT(base, ea, width);                                                      \
    } while (0)

/*
** An entry into the interpreter (wf__interp_call): its recovery point and
** the thread's point before it (a host function's wasm callee nests inside
** the outer entry, which had none while the host ran).
*/
typedef struct bounds_entry {
    wf__os_trap_point_t point;
    wf__os_trap_point_t *outer;
} bounds_entry_t;

/* Prepares the thread (handlers, signal stack); false if that failed. */
static inline bool bounds_enter(bounds_entry_t *entry)
{
    entry->outer = wf__os_trap_point();
    return wf__os_fault_thread_init();
}

/* True when the run faulted: a second return from sigsetjmp. */
#define BOUNDS_FAULTED(entry) (sigsetjmp((entry)->point.env, 0) != 0)

static inline void bounds_arm(bounds_entry_t *entry)
{
    wf__os_trap_point_set(&entry->point);
}

static inline void bounds_leave(bounds_entry_t *entry)
{
    wf__os_trap_point_set(entry->outer);
}

/* The compiled function of module whose code holds pc, or NULL. */
static const struct wf__code *bounds_code_at(const wf_module_t *module, const wf__cell_t *pc)
{
    for (uint32_t i = module->import_func_count; i < module->func_count; i++) {
        const struct wf__code *code = module->funcs[i].code;
        if (code && pc >= code->cells && pc < code->cells + code->cell_count)
            return code;
    }
    return NULL;
}

#define BOUNDS_MAX_INSTANCES 64

/* Adds instance to seen[0 .. *count) unless it is there or seen is full. */
static void bounds_note(wf_instance_t **seen, size_t *count, wf_instance_t *instance)
{
    if (!instance || *count == BOUNDS_MAX_INSTANCES)
        return;
    for (size_t i = 0; i < *count; i++)
        if (seen[i] == instance)
            return;
    seen[(*count)++] = instance;
}

/*
** After a fault: fills err with the trap the explicit check gives, found
** from the faulting access's instruction. The function is searched in the
** entry instance, then in the instances its code can reach (imported
** functions, functions in its tables, and theirs, up to 64 instances); if
** none holds it (a table changed since the call), the entry function is
** named, at offset 0. Runs only on a trap, so the search may be slow.
*/
static wf_err_t bounds_fault(wf_instance_t *inst, uint32_t entry_func, wf_error_info_t *err)
{
    const wf__cell_t *pc = bounds_access_pc;
    wf_instance_t *seen[BOUNDS_MAX_INSTANCES];
    size_t count = 0;
    bounds_note(seen, &count, inst);
    for (size_t k = 0; k < count; k++) {
        wf_instance_t *at = seen[k];
        const wf_module_t *module = at->module;
        const struct wf__code *code = bounds_code_at(module, pc);
        if (code)
            return wf__trap(err, WF_ERR_TRAP_MEMORY_OOB, module, code->func_index,
                            wf__code_offset(code, pc));
        for (uint32_t i = 0; i < module->func_count; i++)
            bounds_note(seen, &count, at->funcs[i] ? at->funcs[i]->instance : NULL);
        for (uint32_t t = 0; t < module->table_count; t++) {
            const wf_table_t *table = at->tables[t];
            if (!table || table->elem_type != WF_FUNCREF)
                continue;
            for (uint32_t e = 0; e < table->size; e++) {
                const wf_func_t *func = table->elems[e];
                bounds_note(seen, &count, func ? func->instance : NULL);
            }
        }
    }
    return wf__trap(err, WF_ERR_TRAP_MEMORY_OOB, inst->module, entry_func, 0);
}

#else /* explicit checks */

#define MEM_CHECK(ea, width) BOUNDS_EXPLICIT(0, ea, width)
#define MEM_CHECK_AT(base, ea, width) BOUNDS_EXPLICIT(base, ea, width)

/* No recovery point: nothing faults. */
typedef struct bounds_entry {
    char unused;
} bounds_entry_t;

static inline bool bounds_enter(bounds_entry_t *entry)
{
    (void)entry;
    return true;
}

#define BOUNDS_FAULTED(entry) 0

static inline void bounds_arm(bounds_entry_t *entry)
{
    (void)entry;
}

static inline void bounds_leave(bounds_entry_t *entry)
{
    (void)entry;
}

static inline wf_err_t bounds_fault(wf_instance_t *inst, uint32_t entry_func, wf_error_info_t *err)
{
    return wf__trap(err, WF_ERR_TRAP_MEMORY_OOB, inst->module, entry_func, 0);
}

#endif

#endif
