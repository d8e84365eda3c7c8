/*
** wafer serve: the daemon. Reads the config, starts the registry (hot
** reload), the worker pool and the HTTP front end, routes requests, and
** handles SIGTERM (drain, then exit 0) and SIGHUP (reload the config's
** reloadable keys).
**
** Threads: the main loop runs the registry, the signals and the first I/O
** loop; http.io_threads - 1 more threads each run an I/O loop of their own,
** listening on the same port (SO_REUSEPORT: the kernel spreads connections
** over them), with their own dispatch port and their own copy of the config.
** The main loop tells them of a drain, a config reload and the end through
** their inbox (a mutex, flags and a uv_async); each tells the main loop when
** it has drained.
**
** Routes:
**   GET  /healthz                 200 while serving, 503 while draining
**   GET  /metrics                 Prometheus text
**   GET  /admin/modules           JSON list of modules (admin.token, or loopback)
**   POST /fn/<module>/<export>    call a function (JSON call or adapter ABI)
**   ANY  /fn/<module>[/<path>]    a WASI command module (_start), CGI (WAGI) style
**   ANY  /run/<module>[/<path>]   the same, through the module's CGI routes: the
**                                 manifest's "routes", default /run/<module>/...
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cgi.h"
#include "commands.h"
#include "config.h"
#include "dispatch.h"
#include "http.h"
#include "invoke.h"
#include "log.h"
#include "metrics.h"
#include "registry.h"

typedef struct serve serve_t;

/* Messages from the main loop to another I/O loop (flags in its inbox). */
enum { MSG_CONFIG = 1, MSG_DRAIN = 2, MSG_FINISH = 4 };

/* One I/O loop: its HTTP server, its dispatch port and its copy of the config. */
typedef struct io {
    serve_t *serve;
    int index;        /* 0: the main loop's */
    uv_loop_t *loop;  /* the main loop, or own_loop */
    uv_loop_t own_loop;
    uv_thread_t thread;
    bool thread_started;
    wf_config_t config; /* read on this loop's thread only */
    wf_http_server_t http;
    bool http_started;
    wf_dispatch_port_t *port;
    /* the inbox (loops other than the main one) */
    uv_async_t inbox;
    pthread_mutex_t inbox_mutex;
    unsigned inbox_flags;
    wf_config_t inbox_config; /* with MSG_CONFIG: the main loop's config */
    /* the thread's start: posted when it listens or failed (start_rc) */
    uv_sem_t started;
    int start_rc;
    char start_err[512];
} io_t;

struct serve {
    uv_loop_t loop;
    wf_config_t config; /* the main loop's */
    const char *config_path;
    wf_log_t log;
    wf_metrics_t metrics;
    wf_registry_t *registry;
    wf_dispatch_t *dispatch;
    io_t *io;
    int io_count;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t drain_timer;
    bool drain_timer_started;
    atomic_bool draining;
    bool finished;
    atomic_int serving; /* I/O loops not drained yet */
    uv_async_t drained; /* the last loop drained */
    int workers;
};

static void finish(serve_t *s);

/* ------------------------------------------------------------- routes -- */

static void respond_json_error(wf_http_request_t *req, int status, const char *message,
                               const char *extra)
{
    wf_buf_t body;
    wf_buf_init(&body);
    wf_buf_puts(&body, "{\"error\":");
    wf_buf_json_cstr(&body, message);
    wf_buf_puts(&body, "}\n");
    wf_http_respond(req, status, "application/json", extra, body.data ? body.data : "", body.len);
    wf_buf_close(&body);
}

static void respond_buf(wf_http_request_t *req, int status, const char *type, wf_buf_t *body)
{
    if (body->failed)
        respond_json_error(req, 500, "out of memory", NULL);
    else
        wf_http_respond(req, status, type, NULL, body->data ? body->data : "", body->len);
    wf_buf_close(body);
}

/*
** Whether given equals secret, in a time that depends only on their lengths
** (not on where they first differ), so the token cannot be guessed byte by
** byte from response times.
*/
static bool secret_equal(const char *given, const char *secret)
{
    size_t n = strlen(given), m = strlen(secret);
    unsigned char diff = n != m;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)given[i] ^ (unsigned char)secret[i % (m ? m : 1)];
    return diff == 0;
}

/*
** Admin access: the bearer token when one is configured; without one, only
** clients on the loopback interface.
*/
static bool admin_allowed(io_t *io, wf_http_request_t *req)
{
    if (io->config.admin_token[0]) {
        const char *auth = wf_http_header(req, "Authorization");
        return auth && !strncasecmp(auth, "Bearer ", 7) &&
               secret_equal(auth + 7, io->config.admin_token);
    }
    const char *remote = wf_http_request_remote(req);
    return !strncmp(remote, "127.", 4) || !strcmp(remote, "::1");
}

/*
** Calls that may run on the I/O loop's thread (run_inline): a call of a
** fresh instance of a module without imports depends on its arguments
** alone, so when it runs out of the inline fuel it can run again from the
** start on a worker, with the same outcome. A version's calls run inline
** once one of them finished on a worker, answered 200, in less than this.
*/
#define INLINE_LEARN_NS 1000000u

static bool rerunnable(const wf_version_t *v)
{
    return !v->manifest->reuse && wf_module_import_count(v->module) == 0;
}

/*
** On the worker, right after the call: counts it (so that a client's next
** request already sees the module's running calls without this one) and
** sends the response of a claimed request (http.h).
*/
static void on_job_finish(void *user, wf_job_t *job, wf_invoke_worker_t *worker)
{
    (void)user;
    wf_version_t *v = job->version;
    uint64_t now = wf_sandbox_now_ns();
    wf_registry_record(v, job->body.failed ? 500 : job->status, (now - job->queued_ns) / 1000);
    atomic_fetch_sub(&v->counters->running, 1);
    /* A short call of a module whose calls may run again with the same
       outcome: from now on its calls run on the I/O loop (run_inline). */
    int unknown = 0;
    if (job->status == 200 && now - job->started_ns < INLINE_LEARN_NS &&
        atomic_load_explicit(&v->run_inline, memory_order_relaxed) == 0 && rerunnable(v))
        atomic_compare_exchange_strong(&v->run_inline, &unknown, 1);
    if (!job->direct.claimed || job->body.failed)
        return; /* the loop answers */
    wf_http_direct_send((wf_http_request_t *)job->request, &job->direct, &worker->date,
                        &worker->head, job->status,
                        job->content_type[0] ? job->content_type : NULL,
                        job->extra_headers[0] ? job->extra_headers : NULL,
                        job->body.data ? job->body.data : "", job->body.len);
}

static void on_job_done(void *user, wf_job_t *job)
{
    io_t *io = user;
    wf_http_request_t *req = (wf_http_request_t *)job->request;
    /* A response the worker sent is answered by the finish already. */
    if (!wf_http_direct_finish(req, &job->direct)) {
        if (job->body.failed)
            respond_json_error(req, 500, "out of memory", NULL);
        else
            wf_http_respond(req, job->status, job->content_type[0] ? job->content_type : NULL,
                            job->extra_headers[0] ? job->extra_headers : NULL,
                            job->body.data ? job->body.data : "", job->body.len);
    }
    wf_version_release(job->version);
    wf_dispatch_job_free(io->port, job); /* keeps the body's storage for the next job */
}

static int64_t pick(int64_t manifest, int64_t config)
{
    return manifest >= 0 ? manifest : config;
}

/*
** Queues a call of export_name ("" for the CGI entry) on v (a reference the
** job takes over), after checking the module's concurrency limit. script and
** route are the matched CGI route's SCRIPT_NAME and text, or NULL.
*/
static void queue_job(io_t *io, wf_http_request_t *req, wf_version_t *v, const char *export_name,
                      const char *script, const char *route);

/* POST /fn/<module>/<export>: looks the module up and queues the call. */
static void route_function(io_t *io, wf_http_request_t *req, const char *rest)
{
    const char *slash = strchr(rest, '/');
    size_t name_len = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *export_name = slash ? slash + 1 : "";
    if (name_len == 0 || name_len >= sizeof req->module || strlen(export_name) >= 128) {
        respond_json_error(req, 404, "no such function", NULL);
        return;
    }
    memcpy(req->module, rest, name_len);
    req->module[name_len] = 0;
    wf_version_t *v = wf_registry_get(io->serve->registry, req->module);
    if (!v) {
        respond_json_error(req, 404, "no such module", NULL);
        return;
    }
    queue_job(io, req, v, export_name, NULL, NULL);
}

/* The best CGI route for a path, over every module (wf_registry_each). */
typedef struct route_search {
    const char *path;
    size_t score, script_len;
    char route[WF_MANIFEST_MAX_ROUTE];
    wf_version_t *best; /* retained */
} route_search_t;

static void route_consider(void *user, wf_version_t *v)
{
    route_search_t *rs = user;
    char route[WF_MANIFEST_MAX_ROUTE];
    size_t script_len = 0;
    size_t score =
        wf_manifest_route_match(v->manifest, v->name, rs->path, &script_len, route, sizeof route);
    if (score <= rs->score)
        return;
    wf_export_desc_t start;
    if (wf_module_find_export(v->module, "_start", &start) != WF_OK ||
        start.type.kind != WF_EXTERN_FUNC || !wf_wasi_module_uses(v->module))
        return;
    wf_version_release(rs->best);
    rs->best = wf_version_retain(v);
    rs->score = score;
    rs->script_len = script_len;
    memcpy(rs->route, route, sizeof route);
}

/*
** Any other path: the WASI command module whose CGI route (the manifest's
** "routes", default /run/<module>/...) matches it best, called CGI style.
*/
static void route_cgi(io_t *io, wf_http_request_t *req)
{
    route_search_t rs = {.path = req->path};
    wf_registry_each(io->serve->registry, route_consider, &rs);
    if (!rs.best) {
        /* /run/<module> of a module that is not a WASI command: say so. */
        const char *name = !strncmp(req->path, "/run/", 5) ? req->path + 5 : NULL;
        size_t name_len = name ? strcspn(name, "/") : 0;
        char module[sizeof req->module];
        wf_version_t *v = NULL;
        if (name_len && name_len < sizeof module) {
            memcpy(module, name, name_len);
            module[name_len] = '\0';
            v = wf_registry_get(io->serve->registry, module);
        }
        respond_json_error(req, 404,
                           v ? "the module is not a CGI (WASI command) module" : "not found", NULL);
        wf_version_release(v);
        return;
    }
    char script[WF_MANIFEST_MAX_ROUTE];
    size_t len = rs.script_len < sizeof script ? rs.script_len : sizeof script - 1;
    memcpy(script, req->path, len);
    script[len] = '\0';
    snprintf(req->module, sizeof req->module, "%s", rs.best->name);
    queue_job(io, req, rs.best, "", script, rs.route);
}

/*
** Runs job on the loop's own thread when its version's calls are short and
** rerunnable (see INLINE_LEARN_NS), with at most http.inline_fuel: no
** hand-off to a worker and back. Returns true when the job was answered (and
** freed); false when it is the workers' (the call ran out of the inline
** fuel, and the version's calls go to the workers from now on). Fuel bounds
** its time: bulk memory instructions burn it by their size too.
*/
static bool run_inline(io_t *io, wf_job_t *job)
{
    wf_version_t *v = job->version;
    uint64_t fuel = (uint64_t)io->config.inline_fuel;
    if (fuel == 0 || atomic_load_explicit(&v->run_inline, memory_order_relaxed) != 1)
        return false;
    wf_invoke_worker_t *w = wf_dispatch_port_worker(io->port);
    w->speculative_fuel = fuel;
    atomic_fetch_add(&io->serve->metrics.inline_calls, 1);
    wf_invoke_run(w, job);
    if (job->out_of_speculative_fuel) {
        atomic_store(&v->run_inline, -1);
        atomic_fetch_add(&io->serve->metrics.inline_fallbacks, 1);
        job->out_of_speculative_fuel = false;
        job->status = 0;
        job->content_type[0] = '\0';
        job->extra_headers[0] = '\0';
        wf_buf_clear(&job->body);
        return false;
    }
    on_job_finish(io->serve, job, w);
    on_job_done(io, job);
    return true;
}

static void queue_job(io_t *io, wf_http_request_t *req, wf_version_t *v, const char *export_name,
                      const char *script, const char *route)
{
    const wf_config_t *config = &io->config;
    const wf_manifest_t *m = v->manifest;
    int64_t limit = pick(m->max_concurrency, config->max_concurrency);
    if (limit > 0 && atomic_load(&v->counters->running) >= limit) {
        wf_version_release(v);
        respond_json_error(req, 429, "the module is at its concurrency limit",
                           "Retry-After: 1\r\n");
        return;
    }
    wf_job_t *job = wf_dispatch_job_new(io->port);
    if (!job) {
        wf_version_release(v);
        respond_json_error(req, 500, "out of memory", NULL);
        return;
    }
    job->version = v;
    job->request = req;
    job->queued_ns = req->start_ns; /* the same clock (CLOCK_MONOTONIC), read once per request */
    snprintf(job->export_name, sizeof job->export_name, "%s", export_name);
    if (route) {
        snprintf(job->script_name, sizeof job->script_name, "%s", script);
        snprintf(job->matched_route, sizeof job->matched_route, "%s", route);
    }
    job->limits.timeout_ms = (uint64_t)pick(m->timeout_ms, config->timeout_ms);
    job->limits.memory_pages = (uint32_t)pick(m->memory_pages, config->memory_pages);
    job->limits.fuel = (uint64_t)pick(m->fuel, config->fuel);
    job->limits.call_depth = (uint32_t)pick(m->call_depth, config->call_depth);
    atomic_fetch_add(&v->counters->running, 1);
    if (run_inline(io, job))
        return;
    wf_http_direct_claim(req, &job->direct);
    if (!wf_dispatch_submit(io->port, job)) {
        wf_http_direct_finish(req, &job->direct); /* not sent: ends the claim only */
        atomic_fetch_sub(&v->counters->running, 1);
        atomic_fetch_add(&io->serve->metrics.rejected_queue_full, 1);
        wf_version_release(v);
        wf_dispatch_job_free(io->port, job);
        respond_json_error(req, 503, "all workers are busy", "Retry-After: 1\r\n");
    }
}

static void on_request(void *user, wf_http_request_t *req)
{
    io_t *io = user;
    serve_t *s = io->serve;
    const char *path = req->path;
    bool get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
    if (!strncmp(path, "/fn/", 4)) {
        route_function(io, req, path + 4);
        return;
    }
    if (!strcmp(path, "/healthz") || !strcmp(path, "/metrics") || !strcmp(path, "/admin/modules")) {
        if (!get) {
            respond_json_error(req, 405, "use GET", "Allow: GET, HEAD\r\n");
            return;
        }
    }
    wf_buf_t body;
    wf_buf_init(&body);
    if (!strcmp(path, "/healthz")) {
        bool draining = atomic_load(&s->draining);
        wf_buf_printf(&body, "{\"status\":\"%s\",\"modules\":%d}\n",
                      draining ? "draining" : "ok", wf_registry_count(s->registry));
        respond_buf(req, draining ? 503 : 200, "application/json", &body);
    } else if (!strcmp(path, "/metrics")) {
        wf_metrics_render(&s->metrics, &body, s->workers, wf_registry_count(s->registry));
        wf_registry_metrics(s->registry, &body);
        respond_buf(req, 200, "text/plain; version=0.0.4", &body);
    } else if (!strcmp(path, "/admin/modules")) {
        if (!admin_allowed(io, req)) {
            respond_json_error(req, 401, "admin access needs the bearer token",
                               "WWW-Authenticate: Bearer\r\n");
            wf_buf_close(&body);
            return;
        }
        wf_registry_describe(s->registry, &body);
        respond_buf(req, 200, "application/json", &body);
    } else {
        wf_buf_close(&body);
        route_cgi(io, req);
    }
}

/* ----------------------------------------------------------- I/O loops -- */

static void close_handle(uv_handle_t *handle)
{
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

/* io's HTTP server drained (any loop's thread): the last one ends the daemon. */
static void on_io_drained(void *user)
{
    io_t *io = user;
    if (atomic_fetch_sub(&io->serve->serving, 1) == 1)
        uv_async_send(&io->serve->drained);
}

/*
** The end of an I/O loop, on its thread, once the workers have stopped:
** every connection closes, the last results are answered, and the loop's
** handles close, so that its uv_run returns.
*/
static void io_finish(io_t *io)
{
    if (io->http_started)
        wf_http_server_close_all(&io->http);
    wf_dispatch_port_close(io->port);
    if (io->index > 0)
        close_handle((uv_handle_t *)&io->inbox);
}

/* Main loop: posts messages to I/O loop io (not the main one). */
static void io_post(io_t *io, unsigned flags, const wf_config_t *config)
{
    pthread_mutex_lock(&io->inbox_mutex);
    io->inbox_flags |= flags;
    if (config)
        io->inbox_config = *config;
    pthread_mutex_unlock(&io->inbox_mutex);
    uv_async_send(&io->inbox);
}

/* An I/O loop's thread: reads its inbox. */
static void on_inbox(uv_async_t *async)
{
    io_t *io = async->data;
    pthread_mutex_lock(&io->inbox_mutex);
    unsigned flags = io->inbox_flags;
    io->inbox_flags = 0;
    if (flags & MSG_CONFIG)
        wf_config_apply_reloadable(&io->config, &io->inbox_config);
    pthread_mutex_unlock(&io->inbox_mutex);
    if (flags & MSG_DRAIN)
        wf_http_server_drain(&io->http, on_io_drained);
    if (flags & MSG_FINISH)
        io_finish(io);
}

/*
** The thread of an I/O loop other than the main one: starts its loop, port
** and server, says how that went (io->started), and runs until io_finish.
*/
static void io_main(void *arg)
{
    io_t *io = arg;
    serve_t *s = io->serve;
    io->loop = &io->own_loop;
    io->start_rc = uv_loop_init(io->loop);
    if (io->start_rc) {
        snprintf(io->start_err, sizeof io->start_err, "I/O loop %d: %s", io->index,
                 uv_strerror(io->start_rc));
        uv_sem_post(&io->started);
        return;
    }
    uv_async_init(io->loop, &io->inbox, on_inbox);
    io->inbox.data = io;
    io->port = wf_dispatch_port_start(s->dispatch, io->index, io->loop, on_job_done, io);
    io->start_rc = io->port ? 0 : UV_ENOMEM;
    if (io->start_rc)
        snprintf(io->start_err, sizeof io->start_err, "I/O loop %d: out of memory", io->index);
    else
        io->start_rc = wf_http_server_join(&io->http, io->loop, &s->io[0].http,
                                           (unsigned)io->index, &io->config, on_request, io,
                                           io->start_err, sizeof io->start_err);
    io->http_started = io->start_rc == 0;
    bool ok = io->start_rc == 0;
    uv_sem_post(&io->started); /* io->start_* are the main thread's from here on */
    if (!ok) {
        /* Nothing to serve: close what was opened and wait for nothing. */
        wf_dispatch_port_close(io->port);
        close_handle((uv_handle_t *)&io->inbox);
    }
    uv_run(io->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(io->loop))
        wf_log_event(&s->log, WF_LOG_WARN, "I/O loop closed with handles open", NULL);
}

/*
** Starts the main loop's server and port, then the other I/O loops' threads
** one by one (each waited for). Returns 0, or -1 with a message in err;
** the loops that started must then be ended with finish().
*/
static int io_start_all(serve_t *s, char *err, size_t err_size)
{
    io_t *first = &s->io[0];
    first->loop = &s->loop;
    first->port = wf_dispatch_port_start(s->dispatch, 0, &s->loop, on_job_done, first);
    if (!first->port) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (wf_http_server_start(&first->http, &s->loop, &first->config, &s->log, &s->metrics,
                             on_request, first, s->io_count > 1, err, err_size))
        return -1;
    first->http_started = true;
    for (int i = 1; i < s->io_count; i++) {
        io_t *io = &s->io[i];
        if (pthread_mutex_init(&io->inbox_mutex, NULL) || uv_sem_init(&io->started, 0)) {
            snprintf(err, err_size, "cannot start I/O loop %d", i);
            return -1;
        }
        if (uv_thread_create(&io->thread, io_main, io)) {
            uv_sem_destroy(&io->started);
            pthread_mutex_destroy(&io->inbox_mutex);
            snprintf(err, err_size, "cannot start I/O loop %d", i);
            return -1;
        }
        io->thread_started = true;
        uv_sem_wait(&io->started);
        if (io->start_rc) {
            snprintf(err, err_size, "%s", io->start_err);
            return -1;
        }
    }
    return 0;
}

/* After the main loop ended: waits for the other loops' threads. */
static void io_join_all(serve_t *s)
{
    for (int i = 1; i < s->io_count; i++) {
        io_t *io = &s->io[i];
        if (!io->thread_started)
            continue;
        uv_thread_join(&io->thread);
        uv_sem_destroy(&io->started);
        pthread_mutex_destroy(&io->inbox_mutex);
        io->thread_started = false;
    }
}

/* ------------------------------------------------------------ signals -- */

/*
** Everything stops: called when every loop's last connection closed after
** a drain, when the drain deadline passed, or when the start failed. The
** workers finish the queue first; then every I/O loop ends (io_finish).
*/
static void finish(serve_t *s)
{
    if (s->finished)
        return;
    s->finished = true;
    if (s->io[0].http_started)
        wf_http_server_close_all(&s->io[0].http);
    wf_dispatch_stop(s->dispatch);
    for (int i = 1; i < s->io_count; i++)
        if (s->io[i].thread_started && s->io[i].start_rc == 0)
            io_post(&s->io[i], MSG_FINISH, NULL);
    io_finish(&s->io[0]);
    wf_registry_stop(s->registry);
    if (s->drain_timer_started)
        uv_timer_stop(&s->drain_timer);
    close_handle((uv_handle_t *)&s->drain_timer);
    close_handle((uv_handle_t *)&s->drained);
    close_handle((uv_handle_t *)&s->sigterm);
    close_handle((uv_handle_t *)&s->sigint);
    close_handle((uv_handle_t *)&s->sighup);
    wf_log_event(&s->log, WF_LOG_INFO, "stopped", NULL);
}

static void on_all_drained(uv_async_t *async)
{
    finish(async->data);
}

static void on_drain_deadline(uv_timer_t *timer)
{
    serve_t *s = timer->data;
    wf_log_event(&s->log, WF_LOG_WARN, "drain deadline passed; closing connections", NULL);
    finish(s);
}

static void on_sigterm(uv_signal_t *handle, int signum)
{
    serve_t *s = handle->data;
    if (atomic_exchange(&s->draining, true))
        return;
    char grace[24];
    snprintf(grace, sizeof grace, "%lld", (long long)s->config.drain_timeout_ms);
    wf_log_event(&s->log, WF_LOG_INFO, "draining", "signal",
                 signum == SIGINT ? "SIGINT" : "SIGTERM", "#grace_ms", grace, NULL);
    uv_timer_start(&s->drain_timer, on_drain_deadline, (uint64_t)s->config.drain_timeout_ms, 0);
    s->drain_timer_started = true;
    for (int i = 1; i < s->io_count; i++)
        io_post(&s->io[i], MSG_DRAIN, NULL);
    wf_http_server_drain(&s->io[0].http, on_io_drained);
}

static void on_sighup(uv_signal_t *handle, int signum)
{
    serve_t *s = handle->data;
    if (!s->config_path) {
        wf_log_event(&s->log, WF_LOG_INFO, "SIGHUP: no config file to reload", NULL);
        return;
    }
    wf_config_t fresh;
    wf_config_defaults(&fresh);
    char err[512];
    if (wf_config_load_file(&fresh, s->config_path, err, sizeof err)) {
        wf_log_event(&s->log, WF_LOG_ERROR, "config reload failed; keeping the old one", "error",
                     err, NULL);
        return;
    }
    wf_config_apply_reloadable(&s->config, &fresh);
    wf_config_apply_reloadable(&s->io[0].config, &fresh);
    for (int i = 1; i < s->io_count; i++)
        io_post(&s->io[i], MSG_CONFIG, &fresh);
    wf_registry_set_memory_pages(s->registry, s->config.memory_pages);
    wf_log_configure(&s->log, s->config.log_level, s->config.log_format, s->config.access_log);
    wf_log_event(&s->log, WF_LOG_INFO, "config reloaded", "file", s->config_path, NULL);
}

/* ------------------------------------------------------------ command -- */

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer serve [--config FILE] [--listen HOST:PORT] [--modules DIR] "
                 "[--workers N]\n\n"
                 "Serves a directory of WebAssembly modules over HTTP:\n"
                 "  POST /fn/<module>/<export>   call a function\n"
                 "  ANY  /run/<module>[/...]     run a WASI command CGI style (or the\n"
                 "                               routes in the module's manifest)\n"
                 "  GET  /healthz, /metrics, /admin/modules\n\n"
                 "options (they override the config file):\n"
                 "  --config FILE        JSON config file (keys below)\n"
                 "  --listen HOST:PORT   default 127.0.0.1:8080\n"
                 "  --modules DIR        default ./modules\n"
                 "  --workers N          default: one per CPU core\n"
                 "  --check-config       load and validate the config, then exit\n"
                 "  --config-markdown    print the config key table (config/README.md)\n\n");
    wf_config_print_help(out);
}

int wf_cmd_serve(int argc, char **argv)
{
    static const struct {
        const char *flag;
        const char *key;
    } flags[] = {{"--listen", "listen"}, {"--modules", "modules_dir"}, {"--workers", "workers"}};
    serve_t *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "wafer serve: out of memory\n");
        return 1;
    }
    int rc = 2;
    char err[512];
    wf_config_defaults(&s->config);
    /* The config file first, then the flags over it. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            free(s);
            return 0;
        }
        if (!strcmp(argv[i], "--config-markdown")) {
            wf_config_print_markdown(stdout);
            free(s);
            return 0;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            s->config_path = argv[++i];
    }
    if (s->config_path && wf_config_load_file(&s->config, s->config_path, err, sizeof err)) {
        fprintf(stderr, "wafer serve: %s\n", err);
        goto fail_args;
    }
    bool check_only = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        if (!strcmp(argv[i], "--check-config")) {
            check_only = true;
            continue;
        }
        size_t f = 0;
        while (f < sizeof flags / sizeof flags[0] && strcmp(argv[i], flags[f].flag))
            f++;
        if (f == sizeof flags / sizeof flags[0] || i + 1 >= argc) {
            fprintf(stderr, "wafer serve: unknown option or missing value: %s\n", argv[i]);
            usage(stderr);
            goto fail_args;
        }
        if (wf_config_set(&s->config, flags[f].key, argv[++i], err, sizeof err)) {
            fprintf(stderr, "wafer serve: %s: %s\n", flags[f].flag, err);
            goto fail_args;
        }
    }

    if (check_only) {
        printf("config ok\n");
        free(s);
        return 0;
    }
    rc = 1;
    wf_log_init(&s->log, STDERR_FILENO);
    wf_log_configure(&s->log, s->config.log_level, s->config.log_format, s->config.access_log);
    wf_metrics_init(&s->metrics);
    signal(SIGPIPE, SIG_IGN);
    s->workers = s->config.workers > 0 ? (int)s->config.workers : (int)uv_available_parallelism();
    if (s->workers < 1)
        s->workers = 1;
    s->io_count = s->config.io_threads > 0 ? (int)s->config.io_threads
                                            : (int)uv_available_parallelism();
    if (s->io_count < 1)
        s->io_count = 1;
    if (s->io_count > 64)
        s->io_count = 64;
    s->io = calloc((size_t)s->io_count, sizeof *s->io);
    if (!s->io || uv_loop_init(&s->loop))
        goto fail_loop;
    for (int i = 0; i < s->io_count; i++) {
        s->io[i].serve = s;
        s->io[i].index = i;
        s->io[i].config = s->config;
    }
    atomic_init(&s->draining, false);
    atomic_init(&s->serving, s->io_count);
    s->registry = wf_registry_new(s->config.modules_dir, s->config.rescan_ms, s->config.settle_ms,
                                  &s->log, &s->metrics);
    if (!s->registry)
        goto fail_registry;
    wf_registry_set_memory_pages(s->registry, s->config.memory_pages);
    s->dispatch = wf_dispatch_new(s->workers, s->io_count, (size_t)s->config.queue_depth,
                                  &s->metrics, wf_cgi_invoke, &s->log, on_job_finish, s);
    if (!s->dispatch)
        goto fail_dispatch;
    uv_timer_init(&s->loop, &s->drain_timer);
    s->drain_timer.data = s;
    uv_async_init(&s->loop, &s->drained, on_all_drained);
    s->drained.data = s;
    uv_signal_init(&s->loop, &s->sigterm);
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sighup);
    s->sigterm.data = s->sigint.data = s->sighup.data = s;
    if (wf_registry_start(s->registry, &s->loop)) {
        snprintf(err, sizeof err, "cannot start the module loader");
        goto fail_start;
    }
    if (io_start_all(s, err, sizeof err))
        goto fail_start;
    uv_signal_start(&s->sigterm, on_sigterm, SIGTERM);
    uv_signal_start(&s->sigint, on_sigterm, SIGINT);
    uv_signal_start(&s->sighup, on_sighup, SIGHUP);
    char workers[16], io_threads[16];
    snprintf(workers, sizeof workers, "%d", s->workers);
    snprintf(io_threads, sizeof io_threads, "%d", s->io_count);
    wf_log_event(&s->log, WF_LOG_INFO, "listening", "listen", s->config.listen, "modules",
                 s->config.modules_dir, "#workers", workers, "#io_threads", io_threads, NULL);
    rc = 0;
    goto run;

fail_start:
    fprintf(stderr, "wafer serve: %s\n", err);
    finish(s);
run:
    /* Until finish() ran and every handle closed. */
    uv_run(&s->loop, UV_RUN_DEFAULT);
    io_join_all(s);
    wf_dispatch_free(s->dispatch);
    wf_registry_free(s->registry);
    if (uv_loop_close(&s->loop))
        wf_log_event(&s->log, WF_LOG_WARN, "loop closed with handles open", NULL);
    free(s->io);
    free(s);
    return rc;

fail_dispatch:
    wf_registry_free(s->registry);
fail_registry:
    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);
fail_loop:
    free(s->io);
fail_args:
    free(s);
    return rc;
}
