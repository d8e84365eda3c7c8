/*
** The OS layer on POSIX systems (Linux, the BSDs, macOS): mmap for address
** space, mprotect to commit, clock_gettime for time.
*/
#include <sys/mman.h>
#include <time.h>
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
