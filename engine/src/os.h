/*
** The engine's operating-system layer: address space for linear memories and
** a monotonic clock. Everything platform-specific lives behind these few
** functions (os_posix.c); nothing else in the engine names mmap or clocks.
*/
#ifndef WF_OS_H
#define WF_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The OS page size in bytes (a power of two). */
size_t wf__os_page_size(void);

/*
** Reserves size bytes of address space, inaccessible (any access faults) and
** not backed by memory. size must be a multiple of the page size. Returns
** the base, or NULL when the address space cannot be had.
*/
void *wf__os_reserve(size_t size);

/*
** Makes [addr, addr + size) of a reservation readable and writable. Pages
** never committed before read as zero. addr and size must be page-aligned.
** Returns false when the system refuses (out of memory).
*/
bool wf__os_commit(void *addr, size_t size);

/*
** Makes committed pages [addr, addr + size) read as zero again and gives
** their memory back to the system; they stay readable and writable.
** Returns false if the system refused (the caller then releases the whole
** reservation instead).
*/
bool wf__os_zero(void *addr, size_t size);

/* Makes [addr, addr + size) of a reservation inaccessible again. */
bool wf__os_decommit(void *addr, size_t size);

/*
** Gives [addr, addr + size) back to the system, which must be a whole
** reservation made by wf__os_reserve (or NULL, which does nothing).
*/
void wf__os_release(void *addr, size_t size);

/* Nanoseconds from an arbitrary fixed point; never goes backwards. */
uint64_t wf__os_monotonic_ns(void);

#endif
