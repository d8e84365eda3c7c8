/*
** Run-time objects: memories, tables, globals, functions and instances.
** Shared by instance.c / memory.c / table.c (which create them) and interp.c
** (which runs code against them).
**
** Value slots: the interpreter keeps every value in a 64-bit slot. i32 and
** f32 sit in the low 32 bits (the high bits are unspecified), i64 and f64 use
** all 64, references are pointers (NULL is null; a funcref points at a
** wf_func_t), and v128 takes two consecutive slots (low half first).
*/
#ifndef WF_RUNTIME_H
#define WF_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>

#include "module.h"

/*
** A linear memory. base never moves: the address space for the maximum is
** reserved up front (wf__os_reserve) and pages are committed as it grows.
** size is in bytes; it is written under grow_lock and read with relaxed loads
** by the owning thread's interpreter (acquire loads elsewhere).
*/
struct wf_memory {
    _Atomic long refcount;
    uint8_t *base;
    _Atomic size_t size;   /* bytes currently accessible */
    size_t reserved;       /* bytes of address space reserved at base */
    uint64_t max_pages;    /* effective maximum (declared, capped by limits) */
    wf_limits_t limits;    /* as declared */
    bool shared;
    pthread_mutex_t grow_lock;
    void *waiters;         /* atomics wait/notify bookkeeping (threads) */
    wf_allocator_t allocator; /* what the struct itself is freed with */
    wf_memory_pool_t *pool;   /* where it goes back to when freed, or NULL */
    size_t committed;         /* bytes readable and writable at base */
};

struct wf_table {
    _Atomic long refcount;
    wf_allocator_t allocator;
    uint8_t elem_type;
    uint32_t size;
    uint32_t capacity;
    uint64_t max;        /* effective maximum */
    wf_limits_t limits;  /* as declared */
    void **elems;        /* funcref: wf_func_t *, externref: void *; NULL is null */
    /* Instances whose instantiation failed after storing their functions
       here: the table keeps them alive (see instance.c, "kept instances"). */
    wf_instance_t **kept;
    uint32_t kept_count;
};

struct wf_global {
    _Atomic long refcount;
    uint8_t type;
    bool mutable_;
    uint64_t value[2]; /* slot encoding; v128 uses both */
    wf_allocator_t allocator; /* what the struct is freed with (see instance.c) */
};

/*
** A function: either defined in an instance (instance != NULL, index is the
** module's function index) or a host function (host_fn != NULL).
*/
struct wf_func {
    const wf__functype_t *type;
    wf_instance_t *instance;
    uint32_t index;
    wf_host_fn_t host_fn;
    void *user_data;
    wf_allocator_t allocator;     /* host functions: what to free with */
    wf__functype_t own_type;      /* host functions: their type, owned */
};

/* What a host function sees of its call. */
struct wf_host_call {
    wf_func_t *func;
    wf_instance_t *caller; /* NULL when the embedder called directly */
    wf_error_info_t *err;  /* where wf_host_call_trap writes */
};

/* The interpreter's execution state (interp.c owns its layout). */
struct wf__exec;

struct wf_instance {
    _Atomic long refcount; /* the owner's, plus one per table keeping it */
    wf_module_t *module; /* retained */
    wf_allocator_t allocator;

    wf_func_t **funcs;     /* func_count: imports point at the exporter's */
    wf_func_t *own_funcs;  /* the defined functions */
    wf_memory_t **memories; /* retained */
    wf_table_t **tables;    /* retained */
    wf_global_t **globals;  /* retained; defined ones are own_globals */
    wf_global_t *own_globals;

    /* Segments at run time: dropping one sets its size to 0. */
    uint32_t *data_sizes; /* data_segment_count: bytes still usable */
    void ***elem_refs;    /* elem_count arrays of resolved references
                             (wf_func_t * or externref), computed at
                             instantiation from the segment's items */
    uint32_t *elem_sizes; /* elem_count: entries still usable */

    wf_instance_limits_t limits; /* with defaults applied */
    uint64_t fuel;               /* 0: unlimited */
    _Atomic int interrupt;
    void *user_data;

    struct wf__exec *exec; /* created on first call (interp.c) */
};

/*
** interp.c: runs func with args in slots[0 .. param slots) and leaves the
** results in slots[0 .. result slots). slots must have room for the larger
** of the two. Host functions are called directly. Returns WF_OK or a trap
** (err filled through wf__trap).
*/
wf_err_t wf__interp_call(wf_func_t *func, uint64_t *slots, wf_error_info_t *err);
void wf__exec_free(const wf_allocator_t *allocator, struct wf__exec *exec);

/* instance.c / memory.c / table.c: shared by the API and the interpreter. */
int64_t wf__memory_grow(wf_memory_t *memory, uint64_t delta_pages);
int64_t wf__table_grow(wf_table_t *table, uint32_t delta, void *init);

/*
** memory.atomic.wait32/64 (memory.c). The caller has checked that memory is
** shared and that offset is in bounds and aligned. If the 4-byte (or, with
** is64, 8-byte) value at base + offset equals expected, blocks until a
** notify wakes this thread or timeout_ns passes (negative: no timeout).
** interrupt (may be NULL) is polled about every 10 ms. Returns the
** instruction's result: 0 "ok" (woken), 1 "not-equal", 2 "timed-out"; or 3
** when *interrupt was set (the caller traps WF_ERR_TRAP_INTERRUPTED).
*/
uint32_t wf__memory_wait(wf_memory_t *memory, uint64_t offset, uint64_t expected, bool is64,
                         int64_t timeout_ns, _Atomic int *interrupt);
/*
** memory.atomic.notify: wakes up to count threads waiting on offset, oldest
** first; returns how many it woke (0 for an unshared memory).
*/
uint32_t wf__memory_notify(wf_memory_t *memory, uint64_t offset, uint32_t count);
/* Calls a host function with slot-encoded args/results (converts types). */
wf_err_t wf__host_call(wf_func_t *func, wf_instance_t *caller, uint64_t *slots,
                       wf_error_info_t *err);

/*
** Fills err for a trap in function func_index of module at code offset
** (error.c): the spec message, the function's name from the name section or
** an export, and the offset. Returns code.
*/
wf_err_t wf__trap(wf_error_info_t *err, wf_err_t code, const wf_module_t *module,
                  uint32_t func_index, size_t offset);

/* Slot count of a value type (v128: 2, others 1). */
static inline uint32_t wf__type_slots(uint8_t type) { return type == WF_V128 ? 2u : 1u; }

#endif
