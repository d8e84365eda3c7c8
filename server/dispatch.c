/*
** The worker pool. Workers take jobs from a bounded ring (mutex and
** condition variable), run them with wf_invoke_run, and push them on the
** result list; the loop thread drains the list in its async callback.
*/
#include "dispatch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct worker {
    wf_dispatch_t *dispatch;
    pthread_t thread;
    bool started;
    wf_invoke_worker_t invoke;
} worker_t;

struct wf_dispatch {
    uv_loop_t *loop;
    uv_async_t async;
    wf_metrics_t *metrics;
    wf_dispatch_done_t done;
    void *user;
    wf_sandbox_t *sandbox;
    wf_memory_pool_t *memory_pool;
    /* the job ring */
    pthread_mutex_t mutex;
    pthread_cond_t ready;
    wf_job_t **ring;
    size_t depth, head, count;
    size_t busy; /* queued or running; loop thread only */
    bool stop;
    /* results */
    pthread_mutex_t results_mutex;
    wf_job_t *results_head, *results_tail;
    int worker_count;
    worker_t workers[];
};

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    wf_dispatch_t *d = w->dispatch;
    for (;;) {
        pthread_mutex_lock(&d->mutex);
        while (d->count == 0 && !d->stop)
            pthread_cond_wait(&d->ready, &d->mutex);
        if (d->count == 0 && d->stop) {
            pthread_mutex_unlock(&d->mutex);
            break;
        }
        wf_job_t *job = d->ring[d->head];
        d->head = (d->head + 1) % d->depth;
        d->count--;
        pthread_mutex_unlock(&d->mutex);
        atomic_fetch_sub(&d->metrics->queue_length, 1);
        atomic_fetch_add(&d->metrics->inflight, 1);

        wf_invoke_run(&w->invoke, job);

        atomic_fetch_sub(&d->metrics->inflight, 1);
        pthread_mutex_lock(&d->results_mutex);
        job->next = NULL;
        if (d->results_tail)
            d->results_tail->next = job;
        else
            d->results_head = job;
        d->results_tail = job;
        pthread_mutex_unlock(&d->results_mutex);
        uv_async_send(&d->async);
    }
    wf_invoke_worker_close(&w->invoke);
    return NULL;
}

/* Loop thread: hands every finished job to the done callback. */
static void on_results(uv_async_t *async)
{
    wf_dispatch_t *d = async->data;
    pthread_mutex_lock(&d->results_mutex);
    wf_job_t *job = d->results_head;
    d->results_head = d->results_tail = NULL;
    pthread_mutex_unlock(&d->results_mutex);
    while (job) {
        wf_job_t *next = job->next;
        d->busy--;
        d->done(d->user, job);
        job = next;
    }
}

wf_dispatch_t *wf_dispatch_new(uv_loop_t *loop, int workers, size_t depth, wf_metrics_t *metrics,
                               wf_invoke_cgi_fn cgi, wf_log_t *log, wf_dispatch_done_t done,
                               void *user)
{
    wf_dispatch_t *d = calloc(1, sizeof *d + (size_t)workers * sizeof(worker_t));
    if (!d)
        return NULL;
    d->loop = loop;
    d->metrics = metrics;
    d->done = done;
    d->user = user;
    d->depth = depth;
    d->ring = calloc(depth, sizeof *d->ring);
    if (!d->ring)
        goto fail_ring;
    d->sandbox = wf_sandbox_new((size_t)workers);
    if (!d->sandbox)
        goto fail_sandbox;
    if (wf_memory_pool_new(NULL, 0, &d->memory_pool) != WF_OK)
        d->memory_pool = NULL; /* instances then map their own memories */
    if (pthread_mutex_init(&d->mutex, NULL))
        goto fail_mutex;
    if (pthread_cond_init(&d->ready, NULL))
        goto fail_cond;
    if (pthread_mutex_init(&d->results_mutex, NULL))
        goto fail_results;
    if (uv_async_init(loop, &d->async, on_results))
        goto fail_async;
    d->async.data = d;
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
            return NULL; /* the async handle is closing; d leaks by design here */
        }
        w->started = true;
    }
    return d;
fail_async:
    pthread_mutex_destroy(&d->results_mutex);
fail_results:
    pthread_cond_destroy(&d->ready);
fail_cond:
    pthread_mutex_destroy(&d->mutex);
fail_mutex:
    wf_memory_pool_free(d->memory_pool);
    wf_sandbox_free(d->sandbox);
fail_sandbox:
    free(d->ring);
fail_ring:
    free(d);
    return NULL;
}

bool wf_dispatch_submit(wf_dispatch_t *d, wf_job_t *job)
{
    pthread_mutex_lock(&d->mutex);
    if (d->count == d->depth || d->stop) {
        pthread_mutex_unlock(&d->mutex);
        return false;
    }
    d->ring[(d->head + d->count) % d->depth] = job;
    d->count++;
    atomic_fetch_add(&d->metrics->queue_length, 1);
    pthread_cond_signal(&d->ready);
    pthread_mutex_unlock(&d->mutex);
    d->busy++;
    return true;
}

size_t wf_dispatch_busy(wf_dispatch_t *d)
{
    return d->busy;
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
    /* Jobs that finished after the loop's last drain. */
    on_results(&d->async);
    uv_close((uv_handle_t *)&d->async, NULL);
}

void wf_dispatch_free(wf_dispatch_t *d)
{
    if (!d)
        return;
    wf_sandbox_free(d->sandbox);
    wf_memory_pool_free(d->memory_pool);
    pthread_mutex_destroy(&d->results_mutex);
    pthread_cond_destroy(&d->ready);
    pthread_mutex_destroy(&d->mutex);
    free(d->ring);
    free(d);
}
