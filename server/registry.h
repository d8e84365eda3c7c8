/*
** The module registry: the modules directory, watched and hot-reloaded.
**
** <name>.wasm or <name>.wat, with an optional <name>.json manifest. A loader
** thread rescans the directory periodically (and at once when libuv reports
** a change), waits until a changed file has settled (same size and mtime for
** settle_ms), compiles it and swaps the route's version pointer under the
** registry mutex. Versions are reference-counted: a request retains the
** version it started on, and the last release frees it. A file that fails to
** load leaves the previous version serving; its error is logged and shown by
** wf_registry_describe.
*/
#ifndef WF_REGISTRY_H
#define WF_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http_buf.h"
#include "log.h"
#include "manifest.h"
#include "metrics.h"
#include "wf/wf.h"

/*
** A module's counters, shared by its versions (a reload hands them on, so
** max_concurrency does not start again at 0): the calls running, and the
** calls answered by class with their total time (for /metrics). Atomics, so
** a call is counted without a lock.
*/
typedef struct wf_module_counters {
    atomic_int running;
    atomic_uint_fast64_t ok, client_error, trap, timeout, other;
    atomic_uint_fast64_t call_us;
    atomic_int refs; /* the registry's entry and the versions */
} wf_module_counters_t;

/* One loaded version of a module: immutable but for the counters. */
typedef struct wf_version {
    atomic_int refs;
    wf_module_counters_t *counters; /* owned reference; the module's (set once it is served) */
    atomic_bool retired;     /* replaced or removed: reused instances drop it */
    char *name;              /* owned: the module's name (file stem) */
    char *source;            /* owned: the file it came from */
    uint64_t number;         /* 1 for the first load of this name, then 2, ... */
    double loaded_at;        /* Unix time */
    wf_module_t *module;     /* owned reference */
    wf_manifest_t *manifest; /* owned; never NULL */
    /* The shared memory this version's instances import (threads proposal):
       one per version, common to every worker's instances, so requests can
       share state with atomics. Owned; NULL when the module imports none. */
    wf_memory_t *shared_memory;
    uint32_t shared_memory_import; /* its import index */
    /* Whether its calls run on the I/O loop's thread (serve.c): 0 not known
       yet, 1 yes, -1 no. */
    atomic_int run_inline;
} wf_version_t;

/* Adds a reference. Thread-safe. */
wf_version_t *wf_version_retain(wf_version_t *version);
/* Drops a reference; the last frees the version. Thread-safe; accepts NULL. */
void wf_version_release(wf_version_t *version);

typedef struct wf_registry wf_registry_t;

/*
** Makes a registry of dir (copied). Borrows log and metrics. Returns owned
** (free with wf_registry_free), or NULL.
*/
wf_registry_t *wf_registry_new(const char *dir, int64_t rescan_ms, int64_t settle_ms, wf_log_t *log,
                               wf_metrics_t *metrics);
/*
** The config's limits.memory_pages, which bounds a shared memory made when a
** version loads unless its manifest sets a limit (0: none). Applies to
** versions loaded from now on. Thread-safe.
*/
void wf_registry_set_memory_pages(wf_registry_t *registry, int64_t pages);
/*
** Loads what is in the directory now (synchronously, so the daemon starts
** with its modules), then starts the loader thread and, on loop, a file
** system watch that wakes it. Returns 0 or -1.
*/
int wf_registry_start(wf_registry_t *registry, uv_loop_t *loop);
/* Stops the watch (on the loop thread) and the loader thread. */
void wf_registry_stop(wf_registry_t *registry);
/* Frees the registry and releases its versions; accepts NULL. */
void wf_registry_free(wf_registry_t *registry);

/* The current version of a module, retained (release it), or NULL. Thread-safe. */
wf_version_t *wf_registry_get(wf_registry_t *registry, const char *name);
/*
** Calls fn(user, version) for the current version of every module, under
** the registry's lock: fn must be quick, must not call back into the
** registry, and retains a version it keeps. Thread-safe.
*/
void wf_registry_each(wf_registry_t *registry, void (*fn)(void *user, wf_version_t *version),
                      void *user);
/* The number of modules being served. Thread-safe. */
int wf_registry_count(wf_registry_t *registry);
/* Counts a finished call on version (status, duration) for /metrics. Thread-safe, lock-free. */
void wf_registry_record(wf_version_t *version, int status, uint64_t duration_us);
/* Appends per-module counters in the Prometheus text format. Thread-safe. */
void wf_registry_metrics(wf_registry_t *registry, wf_buf_t *out);
/* Appends the JSON array of modules for GET /admin/modules. Thread-safe. */
void wf_registry_describe(wf_registry_t *registry, wf_buf_t *out);

/*
** Checks a manifest against a module: every declared adapter names an
** exported function whose wasm type is the canonical-ABI flattening of the
** declared types. Returns 0, or -1 with err filled.
*/
int wf_registry_check_manifest(const wf_module_t *module, const wf_manifest_t *manifest, char *err,
                               size_t err_size);

#endif
