/*
** The worker pool. Workers take jobs from a bounded ring (mutex and
** condition variable), run them with wf_invoke_run, and push each on the
** result list of the port (I/O loop) that submitted it; that loop's thread
** drains the list in its async callback.
**
** Wake-ups are what a request costs most here, so none is spent needlessly:
** a worker takes the next job without sleeping while the ring has one;
** sleeping workers are woken once per loop iteration, before the loop polls
** again (a prepare handle), for the jobs the iteration queued, rather than
** per job (a worker is quicker with a small call than the loop is with the
** next request, so waking it at once had it sleep and wake for every job);
** a worker that no earlier signal is already waking gets one; results go on
** a lock-free list whose uv_async_send wake-ups coalesce.
*/
#include "dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct worker {
    wf_dispatch_t *dispatch;
    pthread_t thread;
    bool started;
    wf_invoke_worker_t invoke;
} worker_t;

/* One I/O loop's side of the pool: everything here but results is its thread's. */
struct wf_dispatch_port {
    wf_dispatch_t *dispatch;
    bool started;
    uv_async_t async;
    uv_prepare_t prepare; /* wakes workers for the jobs queued this iteration */
    wf_dispatch_done_t done;
    void *user;
    /* finished jobs, newest first (pushed by workers, taken whole by the loop) */
    _Atomic(wf_job_t *) results;
    /* jobs given back, for reuse */
    wf_job_t *spare;
    size_t spare_count;
    wf_invoke_worker_t invoke; /* for calls run on the loop's own thread */
};

struct wf_dispatch {
    wf_metrics_t *metrics;
    wf_dispatch_finish_t finish;
    void *user; /* finish's */
    wf_log_t *log;
    wf_sandbox_t *sandbox;
    wf_memory_pool_t *memory_pool;
    /* the job ring */
    pthread_mutex_t mutex;
    pthread_cond_t ready;
    wf_job_t **ring;
    size_t depth, head, count;
    bool stop;
    int sleepers; /* workers waiting on ready */
    int wakes;    /* signals sent that no worker has woken from yet */
    wf_dispatch_port_t *ports;
    int port_count;
    int worker_count;
    worker_t workers[];
};

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    wf_dispatch_t *d = w->dispatch;
    pthread_mutex_lock(&d->mutex);
    for (;;) {
        while (d->count == 0 && !d->stop) {
            d->sleepers++;
            pthread_cond_wait(&d->ready, &d->mutex);
            d->sleepers--;
            if (d->wakes > 0)
                d->wakes--;
        }
        if (d->count == 0)
            break; /* stopping, and nothing is left */
        wf_job_t *job = d->ring[d->head];
        d->head = (d->head + 1) % d->depth;
        d->count--;
        pthread_mutex_unlock(&d->mutex);
        atomic_fetch_sub(&d->metrics->queue_length, 1);
        atomic_fetch_add(&d->metrics->inflight, 1);

        wf_invoke_run(&w->invoke, job);
        if (d->finish)
            d->finish(d->user, job, &w->invoke);

        atomic_fetch_sub(&d->metrics->inflight, 1);
        wf_dispatch_port_t *port = job->port;
        wf_job_t *top = atomic_load_explicit(&port->results, memory_order_relaxed);
        do
            job->next = top;
        while (!atomic_compare_exchange_weak_explicit(&port->results, &top, job,
                                                      memory_order_release, memory_order_relaxed));
        uv_async_send(&port->async);
        pthread_mutex_lock(&d->mutex);
    }
    pthread_mutex_unlock(&d->mutex);
    wf_invoke_worker_close(&w->invoke);
    return NULL;
}

/*
** Loop thread, before it polls: wakes as many sleeping workers as there are
** queued jobs that no awake or signalled worker will take.
*/
static void on_prepare(uv_prepare_t *prepare)
{
    wf_dispatch_port_t *port = prepare->data;
    wf_dispatch_t *d = port->dispatch;
    pthread_mutex_lock(&d->mutex);
    size_t idle = (size_t)(d->sleepers - d->wakes);
    size_t n = d->count < idle ? d->count : idle;
    for (size_t i = 0; i < n; i++) {
        d->wakes++;
        pthread_cond_signal(&d->ready);
    }
    pthread_mutex_unlock(&d->mutex);
    uv_prepare_stop(prepare);
}

/* Loop thread: hands every finished job to the done callback. */
static void on_results(uv_async_t *async)
{
    wf_dispatch_port_t *port = async->data;
    wf_job_t *newest = atomic_exchange_explicit(&port->results, NULL, memory_order_acquire);
    wf_job_t *job = NULL; /* the list reversed: in the order the jobs finished */
    while (newest) {
        wf_job_t *next = newest->next;
        newest->next = job;
        job = newest;
        newest = next;
    }
    while (job) {
        wf_job_t *next = job->next;
        port->done(port->user, job);
        job = next;
    }
}

wf_dispatch_t *wf_dispatch_new(int workers, int ports, size_t depth, wf_metrics_t *metrics,
                               wf_invoke_cgi_fn cgi, wf_log_t *log, wf_dispatch_finish_t finish,
                               void *user)
{
    wf_dispatch_t *d = calloc(1, sizeof *d + (size_t)workers * sizeof(worker_t));
    if (!d)
        return NULL;
    d->metrics = metrics;
    d->finish = finish;
    d->user = user;
    d->log = log;
    d->depth = depth;
    d->ring = calloc(depth, sizeof *d->ring);
    d->ports = calloc((size_t)ports, sizeof *d->ports);
    if (!d->ring || !d->ports)
        goto fail_ring;
    d->port_count = ports;
    for (int i = 0; i < ports; i++) {
        d->ports[i].dispatch = d;
        atomic_init(&d->ports[i].results, NULL);
    }
    /* A sandbox slot per worker, then one per port (calls run on its loop). */
    d->sandbox = wf_sandbox_new((size_t)workers + (size_t)ports);
    if (!d->sandbox)
        goto fail_ring;
    if (wf_memory_pool_new(NULL, 0, &d->memory_pool) != WF_OK)
        d->memory_pool = NULL; /* instances then map their own memories */
    if (pthread_mutex_init(&d->mutex, NULL))
        goto fail_mutex;
    if (pthread_cond_init(&d->ready, NULL))
        goto fail_cond;
    d->worker_count = workers;
    for (int i = 0; i < workers; i++) {
        worker_t *w = &d->workers[i];
        w->dispatch = d;
        w->invoke.slot = (size_t)i;
        w->invoke.sandbox = d->sandbox;
        w->invoke.metrics = metrics;
        w->invoke.cgi = cgi;
        w->invoke.log = log;
        w->invoke.memory_pool = d->memory_pool;
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            wf_dispatch_stop(d);
            wf_dispatch_free(d);
            return NULL;
        }
        w->started = true;
    }
    return d;
fail_cond:
    pthread_mutex_destroy(&d->mutex);
fail_mutex:
    wf_memory_pool_free(d->memory_pool);
    wf_sandbox_free(d->sandbox);
fail_ring:
    free(d->ports);
    free(d->ring);
    free(d);
    return NULL;
}

wf_dispatch_port_t *wf_dispatch_port_start(wf_dispatch_t *d, int index, uv_loop_t *loop,
                                           wf_dispatch_done_t done, void *user)
{
    wf_dispatch_port_t *port = &d->ports[index];
    if (uv_async_init(loop, &port->async, on_results))
        return NULL;
    port->async.data = port;
    uv_prepare_init(loop, &port->prepare);
    port->prepare.data = port;
    port->done = done;
    port->user = user;
    port->invoke.slot = (size_t)(d->worker_count + index);
    port->invoke.sandbox = d->sandbox;
    port->invoke.metrics = d->metrics;
    port->invoke.log = d->log;
    port->invoke.memory_pool = d->memory_pool;
    port->started = true;
    return port;
}

wf_invoke_worker_t *wf_dispatch_port_worker(wf_dispatch_port_t *port)
{
    return &port->invoke;
}

/* At most this many given-back jobs are kept per port (about 5 KiB each). */
#define MAX_SPARE_JOBS 256
/* A kept job keeps its body buffer up to this size. */
#define MAX_KEPT_BODY 65536

wf_job_t *wf_dispatch_job_new(wf_dispatch_port_t *port)
{
    wf_job_t *job = port->spare;
    if (!job)
        return calloc(1, sizeof *job);
    port->spare = job->next;
    port->spare_count--;
    /* Zero all but extra_headers past its first byte: 4 KiB that, as a
       string, is never read beyond its terminator. The body keeps its
       storage, emptied. */
    wf_buf_t body = job->body;
    size_t at = offsetof(wf_job_t, extra_headers) + 1;
    size_t after = offsetof(wf_job_t, extra_headers) + sizeof job->extra_headers;
    memset(job, 0, at);
    memset((char *)job + after, 0, sizeof *job - after);
    job->body = body;
    wf_buf_clear(&job->body);
    return job;
}

static void job_destroy(wf_job_t *job)
{
    wf_buf_close(&job->body);
    free(job);
}

void wf_dispatch_job_free(wf_dispatch_port_t *port, wf_job_t *job)
{
    if (!job)
        return;
    if (port->spare_count >= MAX_SPARE_JOBS) {
        job_destroy(job);
        return;
    }
    if (job->body.cap > MAX_KEPT_BODY)
        wf_buf_close(&job->body);
    job->next = port->spare;
    port->spare = job;
    port->spare_count++;
}

bool wf_dispatch_submit(wf_dispatch_port_t *port, wf_job_t *job)
{
    wf_dispatch_t *d = port->dispatch;
    job->port = port;
    pthread_mutex_lock(&d->mutex);
    if (d->count == d->depth || d->stop) {
        pthread_mutex_unlock(&d->mutex);
        return false;
    }
    d->ring[(d->head + d->count) % d->depth] = job;
    d->count++;
    atomic_fetch_add(&d->metrics->queue_length, 1);
    bool wake = d->sleepers > d->wakes;
    pthread_mutex_unlock(&d->mutex);
    if (wake) /* a worker sleeps: wake it once this iteration's jobs are queued */
        uv_prepare_start(&port->prepare, on_prepare);
    return true;
}

void wf_dispatch_stop(wf_dispatch_t *d)
{
    pthread_mutex_lock(&d->mutex);
    d->stop = true;
    pthread_cond_broadcast(&d->ready);
    pthread_mutex_unlock(&d->mutex);
    for (int i = 0; i < d->worker_count; i++)
        if (d->workers[i].started) {
            pthread_join(d->workers[i].thread, NULL);
            d->workers[i].started = false;
        }
}

void wf_dispatch_port_close(wf_dispatch_port_t *port)
{
    if (!port || !port->started)
        return;
    /* Jobs that finished after the loop's last drain. */
    on_results(&port->async);
    wf_invoke_worker_close(&port->invoke);
    uv_close((uv_handle_t *)&port->async, NULL);
    uv_close((uv_handle_t *)&port->prepare, NULL);
    port->started = false;
}

void wf_dispatch_free(wf_dispatch_t *d)
{
    if (!d)
        return;
    wf_sandbox_free(d->sandbox);
    wf_memory_pool_free(d->memory_pool);
    pthread_cond_destroy(&d->ready);
    pthread_mutex_destroy(&d->mutex);
    for (int i = 0; i < d->port_count; i++)
        while (d->ports[i].spare) {
            wf_job_t *next = d->ports[i].spare->next;
            job_destroy(d->ports[i].spare);
            d->ports[i].spare = next;
        }
    free(d->ports);
    free(d->ring);
    free(d);
}
