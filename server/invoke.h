/*
** Invocation: what a worker does with one job. Instantiates (or reuses) the
** module, converts the request into wasm arguments by the export's ABI, runs
** the call under the sandbox limits, and turns results or traps into an HTTP
** status and body.
**
** ABIs, chosen per export:
**   - JSON call (no adapter in the manifest): a JSON array of numbers in, a
**     JSON array of results out; i64 beyond 2^53 as strings, floats also as
**     "nan", "inf", "-inf".
**   - Interface adapters (declared in the manifest): strings and bytes lowered
**     into linear memory through the module's cabi_realloc or alloc export,
**     passed as (ptr, len); results lifted from (ptr, len) values or through a
**     return pointer.
**   - CGI (WAGI): a WASI command's _start, through a handler another unit
**     provides (wf_invoke_cgi_fn; server/cgi.c), for /fn/<module> and for
**     any /fn/<module>/<path> that names no function export; without a
**     handler, 404. Functions are called with POST only (else 405).
*/
#ifndef WF_INVOKE_H
#define WF_INVOKE_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "http_buf.h"
#include "log.h"
#include "metrics.h"
#include "registry.h"
#include "sandbox.h"
#include "wf/wasi.h"
#include "wf/wf.h"

/* The limits of one call, resolved from the config and the manifest. */
typedef struct wf_invoke_limits {
    uint64_t timeout_ms;
    uint32_t memory_pages;
    uint64_t fuel; /* 0: unlimited */
    uint32_t call_depth;
} wf_invoke_limits_t;

/* One request for a worker, and its outcome. */
struct wf_dispatch_port;

typedef struct wf_job {
    struct wf_job *next;              /* in a dispatch queue */
    struct wf_dispatch_port *port;    /* where its result goes (dispatch.c) */
    wf_version_t *version;            /* retained by the submitter */
    char export_name[128];            /* "" for the module's CGI entry */
    /* CGI routes (serve.c): the path's part the route fixed (SCRIPT_NAME) and
       the route itself (X_MATCHED_ROUTE); "" when reached through /fn/. */
    char script_name[WF_MANIFEST_MAX_ROUTE];
    char matched_route[WF_MANIFEST_MAX_ROUTE];
    const wf_http_request_t *request; /* borrowed; read-only while the job runs */
    wf_invoke_limits_t limits;
    uint64_t queued_ns;
    /* outcome, filled by wf_invoke_run */
    int status;
    char content_type[64];
    char extra_headers[4096]; /* CRLF-terminated lines, or "" */
    wf_buf_t body;
    uint64_t started_ns; /* when wf_invoke_run began it */
    /* run with the worker's speculative_fuel, it ran out of it: nothing was
       answered, and the job may run again with its own limits */
    bool out_of_speculative_fuel;
    /* a direct response (http.h): claimed by the loop, sent by the worker */
    wf_http_direct_t direct;
} wf_job_t;

/*
** The CGI hook: runs a WASI command module for job->request and fills
** job->status, content_type, extra_headers and body. arm/disarm put the
** instance under the job's deadline (call them around wf_wasi_run).
*/
typedef struct wf_invoke_cgi {
    wf_job_t *job;
    wf_module_t *module;         /* borrowed */
    wf_instance_limits_t limits; /* memory, call depth, fuel */
    uint64_t deadline_ns;        /* CLOCK_MONOTONIC */
    void (*arm)(struct wf_invoke_cgi *cgi, wf_instance_t *instance);
    bool (*disarm)(struct wf_invoke_cgi *cgi); /* true: the deadline fired */
    void *worker;                              /* for arm/disarm */
    wf_log_t *log;                             /* the daemon's log, for guest stderr */
} wf_invoke_cgi_t;
typedef void (*wf_invoke_cgi_fn)(wf_invoke_cgi_t *cgi);

/* A worker's state: its sandbox slot and its reused instances. */
#define WF_INVOKE_CACHE 16
typedef struct wf_invoke_worker {
    size_t slot;
    wf_sandbox_t *sandbox;         /* borrowed */
    wf_metrics_t *metrics;         /* borrowed */
    wf_invoke_cgi_fn cgi;          /* NULL: no CGI */
    /* When not 0: calls run with at most this much fuel, and a call that
       runs out of it (while its own budget would go on) is not answered but
       marked job->out_of_speculative_fuel. For calls that can run again
       with the same outcome (a fresh instance of a module without imports). */
    uint64_t speculative_fuel;
    wf_log_t *log;                 /* borrowed */
    wf_memory_pool_t *memory_pool; /* borrowed; NULL: none */
    /* for direct responses: the Date header and a buffer for the head */
    wf_http_date_t date;
    wf_buf_t head;
    struct {
        wf_version_t *version; /* retained */
        wf_instance_t *instance;
        wf_wasi_t *wasi; /* its WASI context, or NULL */
    } cache[WF_INVOKE_CACHE];
} wf_invoke_worker_t;

/* Runs one job on the calling (worker) thread; fills its outcome. */
void wf_invoke_run(wf_invoke_worker_t *worker, wf_job_t *job);
/* Frees the worker's reused instances. */
void wf_invoke_worker_close(wf_invoke_worker_t *worker);

/* Fills job with a JSON error body {"error", "trap", "module", "function"}. */
void wf_invoke_error(wf_job_t *job, int status, const char *error, const char *trap);

#endif
