/*
** The engine's operating-system layer: address space for linear memories,
** faults in their guard regions, and a monotonic clock. Everything
** platform-specific lives behind these few functions (os_posix.c); nothing
** else in the engine names mmap, signals or clocks.
*/
#ifndef WF_OS_H
#define WF_OS_H

#include <setjmp.h>
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

/*
** Makes the committed pages [addr, addr + size) read as zero again, like
** wf__os_zero, but cheaper when the memory was mostly not touched: where the
** system can say which pages are resident (touched since they were last
** cleared), and they are few, only those are written with zeros; they stay
** resident, and other threads are spared the TLB shootdown that giving
** pages back costs. Otherwise the range goes to wf__os_zero. Returns false
** if the system refused (the caller then releases the reservation).
*/
bool wf__os_clear(void *addr, size_t size);

/* Makes [addr, addr + size) of a reservation inaccessible again. */
bool wf__os_decommit(void *addr, size_t size);

/*
** Gives [addr, addr + size) back to the system, which must be a whole
** reservation made by wf__os_reserve (or NULL, which does nothing).
*/
void wf__os_release(void *addr, size_t size);

/* Nanoseconds from an arbitrary fixed point; never goes backwards. */
uint64_t wf__os_monotonic_ns(void);

/* ---------------------------------------------------------------------- */
/* Faults in linear memory (guard pages)                                   */
/* ---------------------------------------------------------------------- */

/*
** A recovery point: where a fault in a fault region, taken on a thread while
** the point is that thread's current one, goes back to. The function that
** owns the point calls sigsetjmp(point.env, 0) in its own frame, then makes
** the point current; a fault then returns from that sigsetjmp with 1 and
** fault_addr set. The signal mask is not saved (no system call per entry):
** the handler puts back the mask the thread had when it faulted before it
** jumps.
*/
typedef struct wf__os_trap_point {
    sigjmp_buf env;
    void *fault_addr;
} wf__os_trap_point_t;

/*
** Prepares the calling thread to take faults: installs the SIGSEGV and
** SIGBUS handlers once per process and gives the thread an alternate signal
** stack unless it has one (freed when the thread exits). Cheap after the
** first call on a thread. Returns false when the handlers or the stack
** could not be set up.
*/
bool wf__os_fault_thread_init(void);

/*
** The calling thread's current recovery point (NULL: none; a fault is then
** not the engine's), and setting it. A host function runs with none, so a
** fault in host code is a real crash; wasm that it calls sets its own.
*/
wf__os_trap_point_t *wf__os_trap_point(void);
void wf__os_trap_point_set(wf__os_trap_point_t *point);

/*
** Registers [start, start + size) as a fault region (a linear memory's
** reservation) until wf__os_fault_region_remove(start). Only a fault inside a
** region is turned into a jump to the recovery point; every other fault goes
** to the handler that was installed before the engine's (or the default
** action), so real crashes still crash. Returns false when out of memory.
*/
bool wf__os_fault_region_add(const void *start, size_t size);
void wf__os_fault_region_remove(const void *start);

#endif
