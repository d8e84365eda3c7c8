/*
** The OS layer on POSIX systems (Linux, the BSDs, macOS): mmap for address
** space, mprotect to commit, sigaction for faults in guard regions,
** clock_gettime for time.
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "os.h"

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0 /* not every system has it; it is only a hint */
#endif

/*
** The page size. sysconf is cheap and thread-safe, so there is no cached
** copy (the engine keeps no mutable statics).
*/
size_t wf__os_page_size(void)
{
    long size = sysconf(_SC_PAGESIZE);
    return size > 0 ? (size_t)size : 4096u;
}

/*
** PROT_NONE with MAP_NORESERVE: the reservation costs address space only,
** and is not charged against the commit limit until pages are made writable.
*/
void *wf__os_reserve(size_t size)
{
    if (size == 0)
        return NULL;
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/*
** Anonymous private pages read as zero until written, so committing never
** needs a memset. mprotect fails with ENOMEM when the system will not back
** the pages (strict overcommit accounting), which the caller reports.
*/
bool wf__os_commit(void *addr, size_t size)
{
    if (size == 0)
        return true;
    return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

/*
** On Linux MADV_DONTNEED drops private anonymous pages, which then read as
** zero: one call, and the page tables stay. Elsewhere its effect on content
** is not promised, so a fresh anonymous mapping replaces the range.
*/
bool wf__os_zero(void *addr, size_t size)
{
    if (size == 0)
        return true;
#ifdef __linux__
    return madvise(addr, size, MADV_DONTNEED) == 0;
#else
    void *p = mmap(addr, size, PROT_READ | PROT_WRITE,
                   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p != MAP_FAILED;
#endif
}

/*
** wf__os_clear writes zeros over at most this many resident pages; past
** that, giving the pages back costs less than writing them, and keeps idle
** pooled memories from holding on to much RAM.
*/
#define CLEAR_MAX_WRITTEN_PAGES 64u
/* Pages whose residency one mincore call reports (its vector on the stack). */
#define CLEAR_CHUNK_PAGES 4096u
/*
** Up to this many bytes are simply written over: for a memory of a page or
** two, zeroing it whole costs less than the mincore system call that would
** find the few pages to zero (and its pages stay resident for the next use).
*/
#define CLEAR_SMALL_BYTES (128u * 1024u)

bool wf__os_clear(void *addr, size_t size)
{
#ifdef __linux__
    if (size <= CLEAR_SMALL_BYTES) {
        memset(addr, 0, size);
        return true;
    }
    size_t page = wf__os_page_size();
    uint8_t *start = addr;
    size_t pages = size / page, written = 0;
    unsigned char resident[CLEAR_CHUNK_PAGES];
    for (size_t first = 0; first < pages; first += CLEAR_CHUNK_PAGES) {
        size_t count = pages - first < CLEAR_CHUNK_PAGES ? pages - first : CLEAR_CHUNK_PAGES;
        uint8_t *chunk = start + first * page;
        if (mincore(chunk, count * page, resident) != 0)
            return wf__os_zero(chunk, size - first * page);
        for (size_t i = 0; i < count; i++) {
            if (!(resident[i] & 1))
                continue;
            if (++written > CLEAR_MAX_WRITTEN_PAGES) /* many: the rest goes back at once */
                return wf__os_zero(chunk + i * page, size - (first + i) * page);
            memset(chunk + i * page, 0, page);
        }
    }
    return true;
#else
    return wf__os_zero(addr, size);
#endif
}

bool wf__os_decommit(void *addr, size_t size)
{
    if (size == 0)
        return true;
    return mprotect(addr, size, PROT_NONE) == 0;
}

void wf__os_release(void *addr, size_t size)
{
    if (addr && size)
        munmap(addr, size);
}

uint64_t wf__os_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------- */
/* Faults in guard regions                                                 */
/* ---------------------------------------------------------------------- */

/*
** One registered fault region. Slots are never freed: a removed one is
** reused by the next add, so the signal handler can walk the list without a
** lock while other threads add and remove.
*/
typedef struct fault_region {
    _Atomic(uintptr_t) start; /* 0: free */
    _Atomic(uintptr_t) end;
    atomic_bool used;
    struct fault_region *next; /* written once, before the slot is published */
} fault_region_t;

/*
** The engine's one piece of process-wide mutable state (everything else
** lives in objects the embedder owns): a signal handler is per process, so
** the handlers it replaced, the key whose destructor frees each thread's
** alternate stack, and the list of fault regions live here. Set up once
** (pthread_once) by the first thread that enters wasm in a guard-page build.
*/
static struct {
    pthread_once_t once;
    bool ready;
    pthread_key_t altstack_key;
    struct sigaction previous_segv, previous_bus;
    _Atomic(fault_region_t *) regions;
} fault_state = {.once = PTHREAD_ONCE_INIT};

/*
** Per thread: the current recovery point, and whether the thread has an
** alternate signal stack (its own, or the one given here).
*/
static _Thread_local wf__os_trap_point_t *thread_trap_point;
static _Thread_local bool thread_has_altstack;

#define ALTSTACK_BYTES ((size_t)256 << 10) /* also room for a chained sanitizer report */

static bool fault_region_contains(uintptr_t addr)
{
    for (fault_region_t *r = atomic_load_explicit(&fault_state.regions, memory_order_acquire); r;
         r = r->next) {
        uintptr_t start = atomic_load_explicit(&r->start, memory_order_acquire);
        if (start && addr >= start && addr < atomic_load_explicit(&r->end, memory_order_relaxed))
            return true;
    }
    return false;
}

/*
** Hands a fault that is not the engine's to the handler installed before,
** or restores the default action and returns, so that the faulting
** instruction runs again and the process dies of it as it would have.
*/
static void fault_chain(int sig, siginfo_t *info, void *context)
{
    const struct sigaction *previous =
        sig == SIGSEGV ? &fault_state.previous_segv : &fault_state.previous_bus;
    if (previous->sa_flags & SA_SIGINFO) {
        previous->sa_sigaction(sig, info, context);
        return;
    }
    if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    if (info->si_code <= 0) /* sent by kill or raise: returning would not repeat it */
        raise(sig);
}

static void fault_handler(int sig, siginfo_t *info, void *context)
{
    wf__os_trap_point_t *point = thread_trap_point;
    /* si_code > 0: a fault of this thread's own access, not a kill(). */
    if (point && info->si_code > 0 && fault_region_contains((uintptr_t)info->si_addr)) {
        point->fault_addr = info->si_addr;
        /* The mask from before the fault: SA_NODEFER is not enough where a
           sanitizer's handler runs ours (TSan), and the jump does not
           restore it (sigsetjmp saved none). */
        pthread_sigmask(SIG_SETMASK, &((ucontext_t *)context)->uc_sigmask, NULL);
        siglongjmp(point->env, 1);
    }
    fault_chain(sig, info, context);
}

/* pthread key destructor: the exiting thread's alternate stack. */
static void altstack_free(void *stack)
{
    stack_t disable = {.ss_flags = SS_DISABLE};
    sigaltstack(&disable, NULL);
    munmap(stack, ALTSTACK_BYTES);
}

static void fault_install(void)
{
    if (pthread_key_create(&fault_state.altstack_key, altstack_free) != 0)
        return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = fault_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &fault_state.previous_segv) != 0)
        return;
    if (sigaction(SIGBUS, &action, &fault_state.previous_bus) != 0) {
        sigaction(SIGSEGV, &fault_state.previous_segv, NULL);
        return;
    }
    fault_state.ready = true;
}

bool wf__os_fault_thread_init(void)
{
    if (thread_has_altstack)
        return true;
    pthread_once(&fault_state.once, fault_install);
    if (!fault_state.ready)
        return false;
    stack_t current;
    if (sigaltstack(NULL, &current) != 0)
        return false;
    if (!(current.ss_flags & SS_DISABLE)) { /* the thread has one (a sanitizer's, say) */
        thread_has_altstack = true;
        return true;
    }
    void *stack =
        mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED)
        return false;
    stack_t mine = {.ss_sp = stack, .ss_size = ALTSTACK_BYTES};
    if (sigaltstack(&mine, NULL) != 0 ||
        pthread_setspecific(fault_state.altstack_key, stack) != 0) {
        stack_t disable = {.ss_flags = SS_DISABLE};
        sigaltstack(&disable, NULL);
        munmap(stack, ALTSTACK_BYTES);
        return false;
    }
    thread_has_altstack = true;
    return true;
}

wf__os_trap_point_t *wf__os_trap_point(void)
{
    return thread_trap_point;
}

void wf__os_trap_point_set(wf__os_trap_point_t *point)
{
    thread_trap_point = point;
}

bool wf__os_fault_region_add(const void *start, size_t size)
{
    fault_region_t *r = atomic_load_explicit(&fault_state.regions, memory_order_acquire);
    for (; r; r = r->next) {
        bool expected = false;
        if (!atomic_load_explicit(&r->used, memory_order_relaxed) &&
            atomic_compare_exchange_strong(&r->used, &expected, true))
            break;
    }
    if (!r) {
        /* Never freed (see fault_region_t), so plain calloc, not an instance's allocator. */
        r = calloc(1, sizeof *r);
        if (!r)
            return false;
        atomic_init(&r->used, true);
        atomic_init(&r->start, 0);
        atomic_init(&r->end, 0);
        r->next = atomic_load_explicit(&fault_state.regions, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&fault_state.regions, &r->next, r,
                                                      memory_order_release, memory_order_relaxed))
            ;
    }
    atomic_store_explicit(&r->end, (uintptr_t)start + size, memory_order_relaxed);
    atomic_store_explicit(&r->start, (uintptr_t)start, memory_order_release);
    return true;
}

void wf__os_fault_region_remove(const void *start)
{
    for (fault_region_t *r = atomic_load_explicit(&fault_state.regions, memory_order_acquire); r;
         r = r->next) {
        if (atomic_load_explicit(&r->start, memory_order_relaxed) != (uintptr_t)start)
            continue;
        atomic_store_explicit(&r->start, 0, memory_order_release);
        atomic_store_explicit(&r->end, 0, memory_order_relaxed);
        atomic_store_explicit(&r->used, false, memory_order_release);
        return;
    }
}
