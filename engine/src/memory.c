/*
** Linear memories. The address space for a memory's effective maximum (with
** guard pages, for every address wasm can form; see bounds.h) is reserved
** when it is made and pages are committed as it grows, so the base address
** never moves: a shared memory can be used by many threads while one of them
** grows it, and the interpreter may cache the base.
*/
#include <time.h>

#include "objects.h"
#include "os.h"

#ifndef WF_BOUNDS_GUARD
#define WF_BOUNDS_GUARD 0 /* see bounds.h */
#endif

/*
** With guard pages (bounds.h) every memory reserves 8 GiB plus one wasm
** page: an i32 address plus an i32 offset is below 2^33 - 1, and the widest
** access (16 bytes) ends inside the extra page, so every access the
** interpreter makes without a check lands in the reservation, where the
** pages past the current size fault. The size does not depend on the
** maximum, so a pool reuses any memory for any other.
*/
#define GUARD_RESERVATION_BYTES (((size_t)1 << 33) + WF_PAGE_SIZE)

/*
** Bytes of address space reserved for a memory whose effective maximum is
** max_pages: the guard reservation, or with explicit checks exactly the
** maximum (at least one wasm page, so base is never NULL).
*/
static size_t reservation_bytes(uint64_t max_pages)
{
#if WF_BOUNDS_GUARD
    (void)max_pages;
    return GUARD_RESERVATION_BYTES;
#else
    uint64_t pages = max_pages ? max_pages : 1;
    return (size_t)(pages * WF_PAGE_SIZE);
#endif
}

/*
** The most pages a single memory may reserve on this host: all of them on
** 64-bit hosts, 1 GiB worth on 32-bit ones (where 4 GiB of address space
** does not exist).
*/
static uint64_t host_page_cap(void)
{
    return SIZE_MAX > 0xFFFFFFFFu ? WF_MAX_PAGES : (1u << 30) / WF_PAGE_SIZE;
}

/* ---------------------------------------------------------------------- */
/* Waiters (threads proposal: memory.atomic.wait / notify)                 */
/* ---------------------------------------------------------------------- */

/* One waiting thread; lives on that thread's stack while it waits. */
typedef struct waiter {
    uint64_t offset;
    bool woken;
    pthread_cond_t cond;
    struct waiter *next;
} waiter_t;

/* A shared memory's waiters, oldest first, under one lock. */
typedef struct waiters {
    pthread_mutex_t lock;
    waiter_t *head, *tail;
} waiters_t;

#define WAIT_POLL_NS 10000000u /* how often a waiter looks at its interrupt flag */

static waiters_t *waiters_new(const wf_allocator_t *allocator)
{
    waiters_t *w = wf__calloc(allocator, 1, sizeof *w);
    if (w && pthread_mutex_init(&w->lock, NULL) != 0) {
        wf__free(allocator, w, sizeof *w);
        return NULL;
    }
    return w;
}

static void waiters_free(const wf_allocator_t *allocator, waiters_t *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->lock);
    wf__free(allocator, w, sizeof *w);
}

/* Unlinks me from the list (it is there). Called under the lock. */
static void waiters_remove(waiters_t *w, waiter_t *me)
{
    waiter_t *prev = NULL;
    for (waiter_t *cur = w->head; cur; prev = cur, cur = cur->next) {
        if (cur != me)
            continue;
        if (prev)
            prev->next = cur->next;
        else
            w->head = cur->next;
        if (w->tail == cur)
            w->tail = prev;
        return;
    }
}

static struct timespec timespec_of(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    return ts;
}

uint32_t wf__memory_wait(wf_memory_t *memory, uint64_t offset, uint64_t expected, bool is64,
                         int64_t timeout_ns, _Atomic int *interrupt)
{
    waiters_t *w = memory->waiters;
    if (!w)
        return 1; /* unshared: the caller traps before this */
    pthread_mutex_lock(&w->lock);
    uint8_t *p = memory->base + offset;
    uint64_t current = is64 ? __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST)
                            : __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
    if (current != (is64 ? expected : (uint32_t)expected)) {
        pthread_mutex_unlock(&w->lock);
        return 1;
    }
    waiter_t me = {.offset = offset};
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the clock wf__os_monotonic_ns reads */
    pthread_cond_init(&me.cond, &attr);
    pthread_condattr_destroy(&attr);
    if (w->tail)
        w->tail->next = &me;
    else
        w->head = &me;
    w->tail = &me;

    uint64_t start = wf__os_monotonic_ns();
    uint64_t deadline = timeout_ns >= 0 ? start + (uint64_t)timeout_ns : UINT64_MAX;
    uint32_t result;
    for (;;) {
        if (me.woken) {
            result = 0;
            break;
        }
        if (interrupt && atomic_load_explicit(interrupt, memory_order_acquire)) {
            result = 3;
            break;
        }
        uint64_t now = wf__os_monotonic_ns();
        if (now >= deadline) {
            result = 2;
            break;
        }
        if (!interrupt && deadline == UINT64_MAX) {
            pthread_cond_wait(&me.cond, &w->lock);
            continue;
        }
        uint64_t until = interrupt && deadline - now > WAIT_POLL_NS ? now + WAIT_POLL_NS : deadline;
        struct timespec ts = timespec_of(until);
        pthread_cond_timedwait(&me.cond, &w->lock, &ts);
    }
    if (!me.woken) /* a notifier unlinks the waiters it wakes */
        waiters_remove(w, &me);
    pthread_mutex_unlock(&w->lock);
    pthread_cond_destroy(&me.cond);
    return result;
}

uint32_t wf__memory_notify(wf_memory_t *memory, uint64_t offset, uint32_t count)
{
    waiters_t *w = memory->waiters;
    if (!w || count == 0)
        return 0;
    uint32_t woken = 0;
    pthread_mutex_lock(&w->lock);
    waiter_t *prev = NULL, *cur = w->head;
    while (cur && woken < count) {
        waiter_t *next = cur->next;
        if (cur->offset != offset) {
            prev = cur;
            cur = next;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            w->head = next;
        if (w->tail == cur)
            w->tail = prev;
        cur->woken = true;
        pthread_cond_signal(&cur->cond);
        woken++;
        cur = next;
    }
    pthread_mutex_unlock(&w->lock);
    return woken;
}

/* ---------------------------------------------------------------------- */
/* Pools                                                                   */
/* ---------------------------------------------------------------------- */

struct wf_memory_pool {
    _Atomic long refcount; /* the owner's, plus one per memory in use */
    wf_allocator_t allocator;
    pthread_mutex_t lock;
    uint32_t max_idle, idle_count;
    wf_memory_t **idle; /* max_idle entries; idle memories hold no reference */
};

#define DEFAULT_MAX_IDLE 64u

/* Unmaps a memory and frees its struct (no reference counting). */
static void memory_destroy(wf_memory_t *memory)
{
    wf_allocator_t allocator = memory->allocator;
    waiters_free(&allocator, memory->waiters);
    if (WF_BOUNDS_GUARD)
        wf__os_fault_region_remove(memory->base);
    wf__os_release(memory->base, memory->reserved);
    pthread_mutex_destroy(&memory->grow_lock);
    wf__free(&allocator, memory, sizeof *memory);
}

wf_err_t wf_memory_pool_new(const wf_allocator_t *allocator, uint32_t max_idle,
                            wf_memory_pool_t **out)
{
    static const wf_allocator_t libc_allocator = {0};
    if (!allocator)
        allocator = &libc_allocator;
    *out = NULL;
    if (max_idle == 0)
        max_idle = DEFAULT_MAX_IDLE;
    wf_memory_pool_t *pool = wf__calloc(allocator, 1, sizeof *pool);
    if (!pool)
        return WF_ERR_NOMEM;
    pool->idle = wf__calloc(allocator, max_idle, sizeof *pool->idle);
    if (!pool->idle)
        goto fail_idle;
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        goto fail_lock;
    pool->allocator = *allocator;
    pool->max_idle = max_idle;
    atomic_init(&pool->refcount, 1);
    *out = pool;
    return WF_OK;

fail_lock:
    wf__free(allocator, pool->idle, max_idle * sizeof *pool->idle);
fail_idle:
    wf__free(allocator, pool, sizeof *pool);
    return WF_ERR_NOMEM;
}

/* Drops a reference; the last one unmaps every idle memory. */
void wf_memory_pool_free(wf_memory_pool_t *pool)
{
    if (!pool)
        return;
    if (atomic_fetch_sub_explicit(&pool->refcount, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < pool->idle_count; i++)
        memory_destroy(pool->idle[i]);
    pthread_mutex_destroy(&pool->lock);
    wf_allocator_t allocator = pool->allocator;
    wf__free(&allocator, pool->idle, pool->max_idle * sizeof *pool->idle);
    wf__free(&allocator, pool, sizeof *pool);
}

/* An idle memory with a reservation of exactly reserved bytes, or NULL. */
static wf_memory_t *pool_take(wf_memory_pool_t *pool, size_t reserved)
{
    wf_memory_t *memory = NULL;
    pthread_mutex_lock(&pool->lock);
    for (uint32_t i = pool->idle_count; i-- > 0;) {
        if (pool->idle[i]->reserved == reserved) {
            memory = pool->idle[i];
            pool->idle[i] = pool->idle[--pool->idle_count];
            break;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return memory;
}

/*
** Gives a memory whose last reference is gone back to its pool, its pages
** zeroed (they stay committed, so the next memory of the same size costs no
** system call to make). A request usually touches a few pages of its
** memory, so wf__os_clear writes zeros over just those. Returns false if
** the pool is full or the pages could not be zeroed; the caller then
** destroys it.
*/
static bool pool_give(wf_memory_pool_t *pool, wf_memory_t *memory)
{
    if (!wf__os_clear(memory->base, memory->committed))
        return false;
    memory->pool = NULL;
    bool kept = false;
    pthread_mutex_lock(&pool->lock);
    if (pool->idle_count < pool->max_idle) {
        pool->idle[pool->idle_count++] = memory;
        kept = true;
    }
    pthread_mutex_unlock(&pool->lock);
    return kept;
}

/* ---------------------------------------------------------------------- */
/* Memories                                                                */
/* ---------------------------------------------------------------------- */

/*
** A fresh memory: the struct, the reservation, the first size bytes
** committed. Returns NULL when memory or address space is short.
*/
static wf_memory_t *memory_map(const wf_allocator_t *allocator, size_t reserved, size_t size)
{
    wf_memory_t *memory = wf__calloc(allocator, 1, sizeof *memory);
    if (!memory)
        return NULL;
    memory->allocator = *allocator;
    memory->reserved = reserved;
    if (pthread_mutex_init(&memory->grow_lock, NULL) != 0)
        goto fail_lock;
    memory->base = wf__os_reserve(reserved);
    if (!memory->base)
        goto fail_reserve;
    if (WF_BOUNDS_GUARD && !wf__os_fault_region_add(memory->base, reserved))
        goto fail_region;
    if (!wf__os_commit(memory->base, size))
        goto fail_commit;
    memory->committed = size;
    return memory;

fail_commit:
    if (WF_BOUNDS_GUARD)
        wf__os_fault_region_remove(memory->base);
fail_region:
    wf__os_release(memory->base, memory->reserved);
fail_reserve:
    pthread_mutex_destroy(&memory->grow_lock);
fail_lock:
    wf__free(allocator, memory, sizeof *memory);
    return NULL;
}

/*
** A memory from the pool, resized to size committed bytes (its pages are
** zero), or NULL if the pool has none of this reservation size.
*/
static wf_memory_t *memory_reuse(wf_memory_pool_t *pool, size_t reserved, size_t size)
{
    wf_memory_t *memory = pool_take(pool, reserved);
    if (!memory)
        return NULL;
    bool ok = true;
    if (memory->committed > size)
        ok = wf__os_decommit(memory->base + size, memory->committed - size);
    else if (memory->committed < size)
        ok = wf__os_commit(memory->base + memory->committed, size - memory->committed);
    if (!ok) {
        memory_destroy(memory);
        return NULL;
    }
    memory->committed = size;
    return memory;
}

wf_err_t wf__memory_new(const wf_allocator_t *allocator, wf_memory_pool_t *pool,
                        const wf_limits_t *limits, uint64_t cap_pages, wf_memory_t **out)
{
    static const wf_allocator_t libc_allocator = {0};
    if (!allocator)
        allocator = &libc_allocator;
    *out = NULL;
    if (limits->min > WF_MAX_PAGES || (limits->has_max && limits->max < limits->min) ||
        (limits->has_max && limits->max > WF_MAX_PAGES) || (limits->shared && !limits->has_max))
        return WF_ERR_ARGUMENT;

    uint64_t max_pages = limits->has_max ? limits->max : WF_MAX_PAGES;
    if (cap_pages == 0 || cap_pages > WF_MAX_PAGES)
        cap_pages = WF_MAX_PAGES;
    if (max_pages > cap_pages)
        max_pages = cap_pages;
    if (max_pages > host_page_cap())
        max_pages = host_page_cap();
    if (limits->min > max_pages)
        return WF_ERR_LIMIT;

    /* Shared memories are not pooled: they outlive instances on purpose. */
    if (limits->shared)
        pool = NULL;
    size_t reserved = reservation_bytes(max_pages);
    size_t size = (size_t)(limits->min * WF_PAGE_SIZE);
    wf_memory_t *memory = pool ? memory_reuse(pool, reserved, size) : NULL;
    /* A pooled memory outlives the instance that made it, so its struct
       comes from the pool's allocator, not the instance's. */
    if (!memory)
        memory = memory_map(pool ? &pool->allocator : allocator, reserved, size);
    if (!memory)
        return WF_ERR_NOMEM;
    memory->waiters = NULL;
    if (limits->shared) {
        memory->waiters = waiters_new(allocator);
        if (!memory->waiters) {
            memory_destroy(memory);
            return WF_ERR_NOMEM;
        }
    }
    atomic_init(&memory->refcount, 1);
    memory->limits = *limits;
    memory->shared = limits->shared;
    memory->max_pages = max_pages;
    memory->pool = pool;
    if (pool)
        atomic_fetch_add_explicit(&pool->refcount, 1, memory_order_relaxed);
    atomic_init(&memory->size, size);
    *out = memory;
    return WF_OK;
}

wf_err_t wf_memory_new(const wf_limits_t *limits, wf_memory_t **out)
{
    *out = NULL;
    if (!limits)
        return WF_ERR_ARGUMENT;
    return wf__memory_new(NULL, NULL, limits, WF_MAX_PAGES, out);
}

wf_memory_t *wf_memory_retain(wf_memory_t *memory)
{
    if (memory)
        atomic_fetch_add_explicit(&memory->refcount, 1, memory_order_relaxed);
    return memory;
}

/*
** Drops a reference; the last one gives the memory back to its pool or
** unmaps it. Nobody can be waiting on it by then: a waiting thread's
** instance holds a reference.
*/
void wf_memory_free(wf_memory_t *memory)
{
    if (!memory)
        return;
    if (atomic_fetch_sub_explicit(&memory->refcount, 1, memory_order_acq_rel) != 1)
        return;
    wf_memory_pool_t *pool = memory->pool;
    if (!pool || !pool_give(pool, memory))
        memory_destroy(memory);
    wf_memory_pool_free(pool); /* the reference this memory held */
}

uint8_t *wf_memory_data(const wf_memory_t *memory)
{
    return memory->base;
}

size_t wf_memory_size(const wf_memory_t *memory)
{
    return atomic_load_explicit(&((wf_memory_t *)memory)->size, memory_order_acquire);
}

/*
** The memory's type as the spec sees it now: the minimum is the current
** size (it grows with the memory), the maximum is the declared one.
*/
wf_limits_t wf_memory_limits(const wf_memory_t *memory)
{
    wf_limits_t limits = memory->limits;
    limits.min = wf_memory_size(memory) / WF_PAGE_SIZE;
    return limits;
}

/*
** memory.grow: the old size in pages, or -1 if the new size would pass the
** effective maximum (declared, instance limit, 65536 pages) or the system
** will not commit the pages. Growing by 0 returns the size. Shared memories
** grow under grow_lock and publish the size with a release store, so a
** thread that sees the new size (acquire) also sees committed pages. The
** pages past the size stay inaccessible even when a commit fails half way:
** with guard pages they are the bounds check.
*/
int64_t wf__memory_grow(wf_memory_t *memory, uint64_t delta_pages)
{
    if (memory->shared)
        pthread_mutex_lock(&memory->grow_lock);
    size_t old_size = atomic_load_explicit(&memory->size, memory_order_relaxed);
    uint64_t old_pages = old_size / WF_PAGE_SIZE;
    int64_t result = -1;
    if (delta_pages <= memory->max_pages - old_pages) {
        size_t delta_bytes = (size_t)(delta_pages * WF_PAGE_SIZE);
        if (wf__os_commit(memory->base + old_size, delta_bytes)) {
            memory->committed = old_size + delta_bytes;
            atomic_store_explicit(&memory->size, old_size + delta_bytes, memory_order_release);
            result = (int64_t)old_pages;
        } else {
            wf__os_decommit(memory->base + old_size, delta_bytes);
        }
    }
    if (memory->shared)
        pthread_mutex_unlock(&memory->grow_lock);
    return result;
}

int64_t wf_memory_grow(wf_memory_t *memory, uint64_t delta_pages)
{
    return wf__memory_grow(memory, delta_pages);
}

const char *wf_bounds_checks(void)
{
    return WF_BOUNDS_GUARD ? "guard" : "explicit";
}

const char *wf_interp_dispatch(void)
{
    return WF_JUMPTABLE ? "computed goto" : "switch";
}
