/*
** Dispatch: a bounded queue of jobs feeding N worker threads, and a result
** queue back to the loop thread (woken with uv_async_send; wake-ups coalesce,
** so the loop drains the whole queue each time).
*/
#ifndef WF_DISPATCH_H
#define WF_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "invoke.h"

typedef struct wf_dispatch wf_dispatch_t;

/* Called on the loop thread for each finished job. */
typedef void (*wf_dispatch_done_t)(void *user, wf_job_t *job);
/*
** Called on the worker thread right after a job ran, before the loop hears
** of it (e.g. to send the response from there). May be NULL.
*/
typedef void (*wf_dispatch_finish_t)(void *user, wf_job_t *job, wf_invoke_worker_t *worker);

/*
** Starts workers threads (each with a sandbox slot) and the result wake-up on
** loop. Borrows everything. Returns owned (free with wf_dispatch_free), or
** NULL.
*/
wf_dispatch_t *wf_dispatch_new(uv_loop_t *loop, int workers, size_t depth, wf_metrics_t *metrics,
                               wf_invoke_cgi_fn cgi, wf_log_t *log, wf_dispatch_finish_t finish,
                               wf_dispatch_done_t done, void *user);
/*
** A zeroed job (loop thread): a finished one reused when there is one (jobs
** are large; calloc and free of each were a tenth of the loop thread's own
** time), else a new one. Returns owned (give back with wf_dispatch_job_free),
** or NULL when out of memory.
*/
wf_job_t *wf_dispatch_job_new(wf_dispatch_t *dispatch);
/* Takes back a job from wf_dispatch_job_new (loop thread). Accepts NULL. */
void wf_dispatch_job_free(wf_dispatch_t *dispatch, wf_job_t *job);
/* Queues a job (loop thread). Returns false when the queue is full. */
bool wf_dispatch_submit(wf_dispatch_t *dispatch, wf_job_t *job);
/* Jobs queued or running. */
size_t wf_dispatch_busy(wf_dispatch_t *dispatch);
/*
** Stops the workers once the queue is empty and joins them; closes the
** async handle (the loop must run once more to finish closing it).
*/
void wf_dispatch_stop(wf_dispatch_t *dispatch);
/* Frees; call after the loop has closed the handle. Accepts NULL. */
void wf_dispatch_free(wf_dispatch_t *dispatch);

#endif
