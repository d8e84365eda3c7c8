/*
** Dispatch: a bounded queue of jobs feeding N worker threads, and per I/O
** loop a port: the jobs that loop submitted come back to it on a result
** queue (woken with uv_async_send; wake-ups coalesce, so the loop drains the
** whole queue each time).
*/
#ifndef WF_DISPATCH_H
#define WF_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "invoke.h"

typedef struct wf_dispatch wf_dispatch_t;
typedef struct wf_dispatch_port wf_dispatch_port_t;

/* Called on the port's loop thread for each finished job. */
typedef void (*wf_dispatch_done_t)(void *user, wf_job_t *job);
/*
** Called on the worker thread right after a job ran, before the loop hears
** of it (e.g. to send the response from there). May be NULL.
*/
typedef void (*wf_dispatch_finish_t)(void *user, wf_job_t *job, wf_invoke_worker_t *worker);

/*
** Starts workers threads (each with a sandbox slot), with room for ports
** I/O loops. Borrows everything. Returns owned (free with wf_dispatch_free),
** or NULL.
*/
wf_dispatch_t *wf_dispatch_new(int workers, int ports, size_t depth, wf_metrics_t *metrics,
                               wf_invoke_cgi_fn cgi, wf_log_t *log, wf_dispatch_finish_t finish,
                               void *user);
/*
** Port index (0 <= index < ports) on loop: call on that loop's thread.
** Returns the port (owned by dispatch), or NULL when its handle cannot be made.
*/
wf_dispatch_port_t *wf_dispatch_port_start(wf_dispatch_t *dispatch, int index, uv_loop_t *loop,
                                           wf_dispatch_done_t done, void *user);
/*
** The port's own invoke state, for a call its loop runs itself (on its
** thread, with a sandbox slot of its own and the workers' memory pool).
*/
wf_invoke_worker_t *wf_dispatch_port_worker(wf_dispatch_port_t *port);
/*
** A zeroed job (port's loop thread): a finished one reused when there is one
** (jobs are large; calloc and free of each were a tenth of the loop thread's
** own time), else a new one. Returns owned (give back with
** wf_dispatch_job_free), or NULL when out of memory.
*/
wf_job_t *wf_dispatch_job_new(wf_dispatch_port_t *port);
/* Takes back a job from wf_dispatch_job_new (port's loop thread). Accepts NULL. */
void wf_dispatch_job_free(wf_dispatch_port_t *port, wf_job_t *job);
/*
** Queues a job (port's loop thread); its result comes back to port. Returns
** false when the queue is full or the workers stop.
*/
bool wf_dispatch_submit(wf_dispatch_port_t *port, wf_job_t *job);
/*
** Stops the workers once the queue is empty and joins them (any thread).
** Jobs submitted afterwards are refused.
*/
void wf_dispatch_stop(wf_dispatch_t *dispatch);
/*
** After wf_dispatch_stop, on the port's loop thread: hands the port's last
** results to its done callback and closes its handles (the loop must run
** once more to finish closing them). Accepts NULL.
*/
void wf_dispatch_port_close(wf_dispatch_port_t *port);
/* Frees; call after every port's loop has closed its handles. Accepts NULL. */
void wf_dispatch_free(wf_dispatch_t *dispatch);

#endif
