/*
** Linear memories. The address space for a memory's effective maximum is
** reserved when it is made and pages are committed as it grows, so the base
** address never moves: a shared memory can be used by many threads while
** one of them grows it, and the interpreter may cache the base.
*/
#include "objects.h"
#include "os.h"

/*
** Bytes of address space reserved for a memory whose effective maximum is
** max_pages. Today: exactly the maximum (at least one wasm page, so base is
** never NULL). A later change can return 8 GiB here (every 32-bit address
** plus 32-bit offset lands inside the reservation, and the rest faults),
** letting the interpreter drop its bounds checks; nothing else depends on
** the reservation being tight.
*/
static size_t reservation_bytes(uint64_t max_pages)
{
    uint64_t pages = max_pages ? max_pages : 1;
    return (size_t)(pages * WF_PAGE_SIZE);
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

wf_err_t wf__memory_new(const wf_allocator_t *allocator, const wf_limits_t *limits,
                        uint64_t cap_pages, wf_memory_t **out)
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

    wf_memory_t *memory = wf__calloc(allocator, 1, sizeof *memory);
    if (!memory)
        return WF_ERR_NOMEM;
    memory->allocator = *allocator;
    atomic_init(&memory->refcount, 1);
    memory->limits = *limits;
    memory->shared = limits->shared;
    memory->max_pages = max_pages;
    memory->reserved = reservation_bytes(max_pages);
    if (pthread_mutex_init(&memory->grow_lock, NULL) != 0)
        goto fail_lock;
    memory->base = wf__os_reserve(memory->reserved);
    if (!memory->base)
        goto fail_reserve;
    size_t size = (size_t)(limits->min * WF_PAGE_SIZE);
    if (!wf__os_commit(memory->base, size))
        goto fail_commit;
    atomic_init(&memory->size, size);
    *out = memory;
    return WF_OK;

fail_commit:
    wf__os_release(memory->base, memory->reserved);
fail_reserve:
    pthread_mutex_destroy(&memory->grow_lock);
fail_lock:
    wf__free(allocator, memory, sizeof *memory);
    return WF_ERR_NOMEM;
}

wf_err_t wf_memory_new(const wf_limits_t *limits, wf_memory_t **out)
{
    *out = NULL;
    if (!limits)
        return WF_ERR_ARGUMENT;
    return wf__memory_new(NULL, limits, WF_MAX_PAGES, out);
}

wf_memory_t *wf_memory_retain(wf_memory_t *memory)
{
    if (memory)
        atomic_fetch_add_explicit(&memory->refcount, 1, memory_order_relaxed);
    return memory;
}

/*
** Drops a reference; the last one unmaps the pages. The waiters list of the
** threads proposal must be empty by then: nobody can be waiting on a memory
** that nobody references.
*/
void wf_memory_free(wf_memory_t *memory)
{
    if (!memory)
        return;
    if (atomic_fetch_sub_explicit(&memory->refcount, 1, memory_order_acq_rel) != 1)
        return;
    wf_allocator_t allocator = memory->allocator;
    wf__os_release(memory->base, memory->reserved);
    pthread_mutex_destroy(&memory->grow_lock);
    wf__free(&allocator, memory, sizeof *memory);
}

uint8_t *wf_memory_data(const wf_memory_t *memory) { return memory->base; }

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
** thread that sees the new size (acquire) also sees committed pages.
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
            atomic_store_explicit(&memory->size, old_size + delta_bytes, memory_order_release);
            result = (int64_t)old_pages;
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
