/*
** The deadline watchdog: one thread that interrupts calls running past their
** deadline. Each worker owns one slot. A worker arms its slot with the
** instance and the deadline before a call and disarms it after; once
** wf_sandbox_disarm returns, the watchdog will not touch that instance again,
** so the worker may free it.
*/
#ifndef WF_SANDBOX_H
#define WF_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf/wf.h"

typedef struct wf_sandbox wf_sandbox_t;

/* Starts the watchdog thread with slot_count slots. Returns owned, or NULL. */
wf_sandbox_t *wf_sandbox_new(size_t slot_count);
/* Stops the thread and frees; accepts NULL. No slot may be armed. */
void wf_sandbox_free(wf_sandbox_t *sandbox);
/* Watches instance until deadline_ns (CLOCK_MONOTONIC). Borrows instance. */
void wf_sandbox_arm(wf_sandbox_t *sandbox, size_t slot, wf_instance_t *instance,
                    uint64_t deadline_ns);
/* Stops watching; returns whether the deadline fired for this call. */
bool wf_sandbox_disarm(wf_sandbox_t *sandbox, size_t slot);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t wf_sandbox_now_ns(void);

#endif
