/*
** Internal constructors of the run-time objects (memory.c, table.c,
** global.c) used by instance.c, and the conversions between wf_val_t and the
** interpreter's 64-bit value slots (see runtime.h for the slot encoding).
*/
#ifndef WF_OBJECTS_H
#define WF_OBJECTS_H

#include <string.h>

#include "runtime.h"

/*
** Makes a memory with the declared limits whose growth is also capped at
** cap_pages (the instance limit; at most WF_MAX_PAGES): an idle one from
** pool if it has one of the same reservation (pool may be NULL; shared
** memories never come from or go to a pool), else a fresh one whose struct
** is allocated with allocator (with the pool's, when there is a pool). Returns WF_ERR_LIMIT if
*limits->min exceeds
** the cap, WF_ERR_NOMEM when memory or address space is short. On success
** *out is owned (wf_memory_free, which gives it back to the pool).
*/
wf_err_t wf__memory_new(const wf_allocator_t *allocator, wf_memory_pool_t *pool,
                        const wf_limits_t *limits, uint64_t cap_pages, wf_memory_t **out);

/*
** Makes a table of elem_type (WF_FUNCREF / WF_EXTERNREF) with the declared
** limits, growth capped at cap_elems, every element null. Errors as
** wf__memory_new. On success *out is owned (wf_table_free).
*/
wf_err_t wf__table_new(const wf_allocator_t *allocator, const wf_limits_t *limits,
                       uint8_t elem_type, uint64_t cap_elems, wf_table_t **out);

/*
** Called by wf_table_free when the table's count reaches zero while it keeps
** instances alive (instance.c, "Kept instances"): frees those kept by it
** alone, hands the table to the others. Returns true if the table must live
** on (an instance now owns it), false if it can be freed.
*/
bool wf__table_release_kept(wf_table_t *table);

/*
** Makes a global holding the slot-encoded value (value[1] only read for
** v128). Returns owned (wf_global_free), or NULL when out of memory.
*/
wf_global_t *wf__global_new(const wf_allocator_t *allocator, uint8_t type, bool mutable_,
                            const uint64_t value[2]);

/* Whether type is a value type this engine knows. */
static inline bool wf__valtype_known(uint8_t type)
{
    switch (type) {
    case WF_I32:
    case WF_I64:
    case WF_F32:
    case WF_F64:
    case WF_V128:
    case WF_FUNCREF:
    case WF_EXTERNREF:
        return true;
    }
    return false;
}

/*
** Writes val (of the given type) into slots: one slot, or two for v128.
** i32 and f32 are zero-extended, so the high bits are always defined here.
*/
static inline void wf__val_to_slots(uint8_t type, const wf_val_t *val, uint64_t *slots)
{
    switch (type) {
    case WF_I32:
        slots[0] = (uint32_t)val->of.i32;
        break;
    case WF_I64:
        slots[0] = (uint64_t)val->of.i64;
        break;
    case WF_F32:
        slots[0] = val->of.f32_bits;
        break;
    case WF_F64:
        slots[0] = val->of.f64_bits;
        break;
    case WF_V128:
        memcpy(slots, val->of.v128, 16);
        break;
    case WF_FUNCREF:
        slots[0] = (uint64_t)(uintptr_t)val->of.funcref;
        break;
    case WF_EXTERNREF:
        slots[0] = (uint64_t)(uintptr_t)val->of.externref;
        break;
    default:
        slots[0] = 0;
        break;
    }
}

/* Reads a value of the given type from slots into *val (type set too). */
static inline void wf__val_from_slots(uint8_t type, const uint64_t *slots, wf_val_t *val)
{
    memset(val, 0, sizeof *val);
    val->type = (wf_valtype_t)type;
    switch (type) {
    case WF_I32:
        val->of.i32 = (int32_t)(uint32_t)slots[0];
        break;
    case WF_I64:
        val->of.i64 = (int64_t)slots[0];
        break;
    case WF_F32:
        val->of.f32_bits = (uint32_t)slots[0];
        break;
    case WF_F64:
        val->of.f64_bits = slots[0];
        break;
    case WF_V128:
        memcpy(val->of.v128, slots, 16);
        break;
    case WF_FUNCREF:
        val->of.funcref = (wf_func_t *)(uintptr_t)slots[0];
        break;
    case WF_EXTERNREF:
        val->of.externref = (void *)(uintptr_t)slots[0];
        break;
    default:
        break;
    }
}

#endif
