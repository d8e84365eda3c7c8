/*
** The registry: directory scanning, settle detection, compilation on the
** loader thread, atomic version swaps, and load errors kept for operators.
*/
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "sandbox.h"
#include "wf/text.h"

/*
** The text format is another engineer's unit, linked in when present. Weak
** references let the daemon build and serve .wasm files before it is, and
** report a clear load error for .wat files meanwhile.
*/
#pragma weak wf_wat_to_wasm
#pragma weak wf_wat_free

/* What a scan saw of a module's files; equal signatures mean no change. */
typedef struct signature {
    bool present;
    int64_t mtime_ns, size, ino;
    bool manifest_present;
    int64_t manifest_mtime_ns, manifest_size, manifest_ino;
} signature_t;

typedef struct entry {
    char *name;
    char *source;          /* path of the module file */
    wf_version_t *current; /* retained, or NULL (never loaded, or failed first) */
    uint64_t versions;     /* versions made so far */
    signature_t applied;   /* what current (or the last failure) came from */
    signature_t seen;      /* last observed, waiting to settle */
    uint64_t seen_at_ns;
    bool failed;     /* the last attempt failed */
    char error[512]; /* the last load error, or "" */
    double error_at;
    bool marked; /* found by this scan */
    wf_module_counters_t *counters; /* owned reference, handed to each version */
} entry_t;

struct wf_registry {
    char *dir;
    uint64_t rescan_ns, settle_ns;
    wf_log_t *log;
    wf_metrics_t *metrics;
    atomic_int_fast64_t memory_pages; /* the config's default limit, 0: none */
    pthread_mutex_t mutex; /* guards entries and each entry's fields */
    entry_t *entries;
    size_t entry_count, entry_cap;
    /* loader thread */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t wake_mutex;
    pthread_cond_t wake;
    bool poked, stop;
    /* file system watch, on the loop thread */
    uv_fs_event_t watch;
    bool watching;
};

static double unix_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Formats a message into err (vsnprintf: truncation is expected and fine). */
static void errorf(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

/* ----------------------------------------------------------- versions -- */

static void counters_release(wf_module_counters_t *counters)
{
    if (counters && atomic_fetch_sub(&counters->refs, 1) == 1)
        free(counters);
}

wf_version_t *wf_version_retain(wf_version_t *version)
{
    atomic_fetch_add(&version->refs, 1);
    return version;
}

void wf_version_release(wf_version_t *version)
{
    if (!version || atomic_fetch_sub(&version->refs, 1) != 1)
        return;
    counters_release(version->counters);
    wf_memory_free(version->shared_memory);
    wf_module_free(version->module);
    wf_manifest_free(version->manifest);
    free(version->name);
    free(version->source);
    free(version);
}

/* ------------------------------------------------------------- loading -- */

int wf_registry_check_manifest(const wf_module_t *module, const wf_manifest_t *manifest, char *err,
                               size_t err_size)
{
    for (size_t i = 0; i < manifest->export_count; i++) {
        const wf_manifest_export_t *x = &manifest->exports[i];
        wf_export_desc_t desc;
        if (wf_module_find_export(module, x->name, &desc) != WF_OK ||
            desc.type.kind != WF_EXTERN_FUNC) {
            errorf(err, err_size, "exports.%s: the module exports no such function", x->name);
            return -1;
        }
        bool result_pointer;
        if (wf_manifest_check_export(x, desc.type.func.param_count, desc.type.func.params,
                                     desc.type.func.result_count, desc.type.func.results,
                                     &result_pointer, err, err_size))
            return -1;
    }
    return 0;
}

/*
** Reads a whole file. Returns owned bytes (free()) or NULL with err filled.
*/
static char *read_file(const char *path, size_t *len, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errorf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    wf_buf_t buf;
    wf_buf_init(&buf);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        wf_buf_append(&buf, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || buf.failed) {
        wf_buf_close(&buf);
        errorf(err, err_size, "%s: read failed", path);
        return NULL;
    }
    if (!buf.data)
        wf_buf_reserve(&buf, 1);
    return wf_buf_take(&buf, len);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/*
** Loads a module file and its manifest into a new version. Returns owned, or
** NULL with err filled. Runs on the loader thread, without the mutex.
*/
static wf_version_t *load_version(wf_registry_t *reg, const char *name, const char *source,
                                  bool has_manifest, char *err, size_t err_size)
{
    char path[1024];
    size_t len, manifest_len = 0;
    char *manifest_text = NULL;
    wf_manifest_t *manifest = NULL;
    if (has_manifest) {
        errorf(path, sizeof path, "%s/%s.json", reg->dir, name);
        manifest_text = read_file(path, &manifest_len, err, err_size);
        if (!manifest_text)
            return NULL;
    }
    char inner[400];
    if (wf_manifest_parse(manifest_text, manifest_len, &manifest, inner, sizeof inner)) {
        errorf(err, err_size, "%s.json: %s", name, inner);
        free(manifest_text);
        return NULL;
    }
    free(manifest_text);
    char *bytes = read_file(source, &len, err, err_size);
    if (!bytes)
        goto fail_manifest;
    uint8_t *wasm = (uint8_t *)bytes;
    size_t wasm_len = len;
    uint8_t *encoded = NULL;
    wf_error_info_t info;
    memset(&info, 0, sizeof info);
    if (ends_with(source, ".wat")) {
        if (!wf_wat_to_wasm) {
            errorf(err, err_size, "%s: this build cannot read the text format", source);
            goto fail_bytes;
        }
        wf_err_t rc = wf_wat_to_wasm(bytes, len, &encoded, &wasm_len, &info);
        if (rc != WF_OK) {
            errorf(err, err_size, "%s:%u:%u: %s", source, info.line, info.column,
                   info.message[0] ? info.message : wf_strerror(rc));
            goto fail_bytes;
        }
        wasm = encoded;
    }
    wf_load_options_t options = {.allocator = NULL, .name = name};
    wf_module_t *module = NULL;
    wf_err_t rc = wf_module_load(&options, wasm, wasm_len, &module, &info);
    if (encoded && wf_wat_free)
        wf_wat_free(encoded);
    if (rc != WF_OK) {
        errorf(err, err_size, "%s: %s at byte %zu%s%s", source, wf_strerror(rc), info.offset,
               info.message[0] ? ": " : "", info.message);
        goto fail_bytes;
    }
    if (wf_registry_check_manifest(module, manifest, inner, sizeof inner)) {
        errorf(err, err_size, "%s.json: %s", name, inner);
        goto fail_module;
    }
    /* One shared memory per version for a module that imports one. */
    wf_memory_t *shared = NULL;
    uint32_t shared_import = 0;
    for (uint32_t i = 0; i < wf_module_import_count(module); i++) {
        wf_import_desc_t imp;
        if (wf_module_import(module, i, &imp) != WF_OK || imp.type.kind != WF_EXTERN_MEMORY ||
            !imp.type.limits.shared)
            continue;
        if (shared) {
            errorf(err, err_size, "%s: more than one shared memory import", source);
            goto fail_shared;
        }
        /* It counts once against limits.memory_pages, the manifest's or else
           the config's (instances import it and make no memory for it): a
           smaller maximum still links. */
        wf_limits_t shared_limits = imp.type.limits;
        int64_t pages = manifest->memory_pages >= 0 ? manifest->memory_pages
                                                    : (int64_t)atomic_load(&reg->memory_pages);
        if (pages > 0 && shared_limits.max > (uint64_t)pages) {
            if (shared_limits.min > (uint64_t)pages) {
                errorf(err, err_size,
                       "%s: shared memory %s.%s needs %llu pages, over limits.memory_pages",
                       source, imp.module, imp.name, (unsigned long long)shared_limits.min);
                goto fail_module;
            }
            shared_limits.max = (uint64_t)pages;
        }
        wf_err_t mrc = wf_memory_new(&shared_limits, &shared);
        if (mrc != WF_OK) {
            errorf(err, err_size, "%s: shared memory %s.%s: %s", source, imp.module, imp.name,
                   wf_strerror(mrc));
            goto fail_module;
        }
        shared_import = i;
    }
    wf_version_t *v = calloc(1, sizeof *v);
    if (!v)
        goto fail_shared;
    v->name = strdup(name);
    v->source = strdup(source);
    if (!v->name || !v->source) {
        free(v->name);
        free(v->source);
        free(v);
        errorf(err, err_size, "out of memory");
        goto fail_shared;
    }
    v->shared_memory = shared;
    v->shared_memory_import = shared_import;
    atomic_init(&v->refs, 1);
    atomic_init(&v->retired, false);
    atomic_init(&v->run_inline, 0);
    v->module = module;
    v->manifest = manifest;
    v->loaded_at = unix_now();
    free(bytes);
    return v;
fail_shared:
    wf_memory_free(shared);
fail_module:
    wf_module_free(module);
fail_bytes:
    free(bytes);
fail_manifest:
    wf_manifest_free(manifest);
    return NULL;
}

/* ------------------------------------------------------------ scanning -- */

static bool valid_name(const char *name, size_t len)
{
    if (len == 0 || len > 63 || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static entry_t *find_entry(wf_registry_t *reg, const char *name)
{
    for (size_t i = 0; i < reg->entry_count; i++)
        if (!strcmp(reg->entries[i].name, name))
            return &reg->entries[i];
    return NULL;
}

static bool same_signature(const signature_t *a, const signature_t *b)
{
    return a->present == b->present && a->mtime_ns == b->mtime_ns && a->size == b->size &&
           a->ino == b->ino && a->manifest_present == b->manifest_present &&
           a->manifest_mtime_ns == b->manifest_mtime_ns && a->manifest_size == b->manifest_size &&
           a->manifest_ino == b->manifest_ino;
}

static void stat_signature(const char *path, const char *manifest_path, signature_t *sig)
{
    memset(sig, 0, sizeof *sig);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        sig->present = true;
        sig->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        sig->size = (int64_t)st.st_size;
        sig->ino = (int64_t)st.st_ino;
    }
    if (stat(manifest_path, &st) == 0 && S_ISREG(st.st_mode)) {
        sig->manifest_present = true;
        sig->manifest_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        sig->manifest_size = (int64_t)st.st_size;
        sig->manifest_ino = (int64_t)st.st_ino;
    }
}

/*
** Adds an entry for name (under the mutex). Returns it, or NULL.
*/
static entry_t *add_entry(wf_registry_t *reg, const char *name)
{
    if (reg->entry_count == reg->entry_cap) {
        size_t cap = reg->entry_cap ? reg->entry_cap * 2 : 16;
        entry_t *grown = realloc(reg->entries, cap * sizeof *grown);
        if (!grown)
            return NULL;
        reg->entries = grown;
        reg->entry_cap = cap;
    }
    entry_t *e = &reg->entries[reg->entry_count];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    e->counters = calloc(1, sizeof *e->counters);
    if (!e->name || !e->counters) {
        free(e->name);
        free(e->counters);
        return NULL;
    }
    atomic_init(&e->counters->refs, 1);
    reg->entry_count++;
    return e;
}

/*
** Considers one module file found by a scan: loads it when it changed and
** has settled. force skips the settle wait (the first scan at start-up).
*/
static void consider(wf_registry_t *reg, const char *name, const char *file, bool force)
{
    char path[1024], manifest_path[1024];
    errorf(path, sizeof path, "%s/%s", reg->dir, file);
    errorf(manifest_path, sizeof manifest_path, "%s/%s.json", reg->dir, name);
    signature_t sig;
    stat_signature(path, manifest_path, &sig);
    if (!sig.present)
        return;
    uint64_t now = wf_sandbox_now_ns();

    pthread_mutex_lock(&reg->mutex);
    entry_t *e = find_entry(reg, name);
    if (!e)
        e = add_entry(reg, name);
    if (!e) {
        pthread_mutex_unlock(&reg->mutex);
        return;
    }
    e->marked = true;
    if (sig.size == 0) {
        /* An empty file is one being written (truncated, not yet filled):
           keep serving what was there, and wait. */
        pthread_mutex_unlock(&reg->mutex);
        return;
    }
    bool same_source = e->source && !strcmp(e->source, path);
    if (same_source && same_signature(&sig, &e->applied)) {
        pthread_mutex_unlock(&reg->mutex);
        return;
    }
    if (!same_signature(&sig, &e->seen)) {
        e->seen = sig;
        e->seen_at_ns = now;
        if (!force) {
            pthread_mutex_unlock(&reg->mutex);
            return;
        }
    }
    /* Settled: unchanged for settle_ns, and the last write that long ago. */
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t wall_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
    int64_t newest = sig.mtime_ns > sig.manifest_mtime_ns ? sig.mtime_ns : sig.manifest_mtime_ns;
    if (!force &&
        (now - e->seen_at_ns < reg->settle_ns || wall_ns - newest < (int64_t)reg->settle_ns)) {
        pthread_mutex_unlock(&reg->mutex);
        return;
    }
    bool reload = e->current != NULL;
    pthread_mutex_unlock(&reg->mutex);

    char err[512] = "";
    wf_version_t *v = load_version(reg, name, path, sig.manifest_present, err, sizeof err);
    /* A file that changed while it was read is being written again: forget
       this attempt (success or failure); a later scan sees it settle. */
    signature_t after;
    stat_signature(path, manifest_path, &after);
    if (!same_signature(&sig, &after)) {
        wf_version_release(v);
        return;
    }

    pthread_mutex_lock(&reg->mutex);
    e = find_entry(reg, name); /* the array may have moved; never removed here */
    e->applied = sig;
    wf_version_t *old = NULL;
    char number[24];
    if (v) {
        v->number = ++e->versions;
        old = e->current;
        /* The module's counters: calls still running on the old version
           count against the new one's max_concurrency too. */
        v->counters = e->counters;
        atomic_fetch_add(&v->counters->refs, 1);
        e->current = v;
        free(e->source);
        e->source = strdup(path);
        e->failed = false;
        e->error[0] = 0;
        snprintf(number, sizeof number, "%llu", (unsigned long long)v->number);
    } else {
        e->failed = true;
        e->error_at = unix_now();
        errorf(e->error, sizeof e->error, "%s", err);
        if (!e->source)
            e->source = strdup(path);
    }
    pthread_mutex_unlock(&reg->mutex);

    if (v) {
        atomic_fetch_add(&reg->metrics->module_loads, 1);
        wf_log_event(reg->log, WF_LOG_INFO, reload ? "module reloaded" : "module loaded", "module",
                     name, "file", path, "#version", number, NULL);
    } else {
        atomic_fetch_add(&reg->metrics->module_load_failures, 1);
        wf_log_event(reg->log, WF_LOG_ERROR, "module load failed", "module", name, "file", path,
                     "error", err, NULL);
    }
    if (old) {
        atomic_store(&old->retired, true);
        wf_version_release(old);
    }
}

/*
** One pass over the directory: new and changed files are considered, and
** entries whose file is gone are removed.
*/
static void scan(wf_registry_t *reg, bool force)
{
    DIR *dir = opendir(reg->dir);
    pthread_mutex_lock(&reg->mutex);
    for (size_t i = 0; i < reg->entry_count; i++)
        reg->entries[i].marked = false;
    pthread_mutex_unlock(&reg->mutex);
    if (dir) {
        struct dirent *d;
        while ((d = readdir(dir))) {
            const char *file = d->d_name;
            size_t n = strlen(file);
            size_t stem;
            if (ends_with(file, ".wasm"))
                stem = n - 5;
            else if (ends_with(file, ".wat"))
                stem = n - 4;
            else
                continue;
            if (!valid_name(file, stem))
                continue;
            char name[64];
            memcpy(name, file, stem);
            name[stem] = 0;
            /* name.wasm wins over name.wat when both exist. */
            if (ends_with(file, ".wat")) {
                char other[1024];
                struct stat st;
                errorf(other, sizeof other, "%s/%s.wasm", reg->dir, name);
                if (stat(other, &st) == 0)
                    continue;
            }
            consider(reg, name, file, force);
        }
        closedir(dir);
    }
    /* Remove what is gone (everything, when the directory is unreadable). */
    wf_version_t *gone[64];
    char names[64][64];
    size_t gone_count;
    do {
        gone_count = 0;
        pthread_mutex_lock(&reg->mutex);
        for (size_t i = 0; i < reg->entry_count && gone_count < 64;) {
            entry_t *e = &reg->entries[i];
            if (e->marked) {
                i++;
                continue;
            }
            if (e->current) {
                snprintf(names[gone_count], sizeof names[0], "%s", e->name);
                gone[gone_count++] = e->current;
            }
            free(e->name);
            free(e->source);
            counters_release(e->counters);
            reg->entries[i] = reg->entries[--reg->entry_count];
        }
        pthread_mutex_unlock(&reg->mutex);
        for (size_t i = 0; i < gone_count; i++) {
            atomic_fetch_add(&reg->metrics->module_unloads, 1);
            wf_log_event(reg->log, WF_LOG_INFO, "module removed", "module", names[i], NULL);
            atomic_store(&gone[i]->retired, true);
            wf_version_release(gone[i]);
        }
    } while (gone_count == 64);
}

/* Whether some entry is waiting to settle (then rescan sooner). */
static bool settling(wf_registry_t *reg)
{
    bool any = false;
    pthread_mutex_lock(&reg->mutex);
    for (size_t i = 0; i < reg->entry_count; i++)
        any |= !same_signature(&reg->entries[i].seen, &reg->entries[i].applied);
    pthread_mutex_unlock(&reg->mutex);
    return any;
}

static void *loader_main(void *arg)
{
    wf_registry_t *reg = arg;
    pthread_mutex_lock(&reg->wake_mutex);
    while (!reg->stop) {
        uint64_t wait =
            settling(reg)
                ? (reg->settle_ns < reg->rescan_ns ? reg->settle_ns / 2 + 1000000 : reg->rescan_ns)
                : reg->rescan_ns;
        if (!reg->poked) {
            uint64_t until = wf_sandbox_now_ns() + wait;
            struct timespec ts = {(time_t)(until / 1000000000u), (long)(until % 1000000000u)};
            pthread_cond_timedwait(&reg->wake, &reg->wake_mutex, &ts);
        }
        reg->poked = false;
        if (reg->stop)
            break;
        pthread_mutex_unlock(&reg->wake_mutex);
        scan(reg, false);
        pthread_mutex_lock(&reg->wake_mutex);
    }
    pthread_mutex_unlock(&reg->wake_mutex);
    return NULL;
}

static void on_fs_event(uv_fs_event_t *handle, const char *filename, int events, int status)
{
    wf_registry_t *reg = handle->data;
    pthread_mutex_lock(&reg->wake_mutex);
    reg->poked = true;
    pthread_cond_signal(&reg->wake);
    pthread_mutex_unlock(&reg->wake_mutex);
}

/* -------------------------------------------------------------- public -- */

void wf_registry_set_memory_pages(wf_registry_t *reg, int64_t pages)
{
    atomic_store(&reg->memory_pages, pages > 0 ? pages : 0);
}

wf_registry_t *wf_registry_new(const char *dir, int64_t rescan_ms, int64_t settle_ms, wf_log_t *log,
                               wf_metrics_t *metrics)
{
    wf_registry_t *reg = calloc(1, sizeof *reg);
    if (!reg)
        return NULL;
    reg->dir = strdup(dir);
    if (!reg->dir)
        goto fail_dir;
    reg->rescan_ns = (uint64_t)rescan_ms * 1000000u;
    reg->settle_ns = (uint64_t)settle_ms * 1000000u;
    reg->log = log;
    reg->metrics = metrics;
    if (pthread_mutex_init(&reg->mutex, NULL))
        goto fail_mutex;
    if (pthread_mutex_init(&reg->wake_mutex, NULL))
        goto fail_wake_mutex;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&reg->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc)
        goto fail_cond;
    return reg;
fail_cond:
    pthread_mutex_destroy(&reg->wake_mutex);
fail_wake_mutex:
    pthread_mutex_destroy(&reg->mutex);
fail_mutex:
    free(reg->dir);
fail_dir:
    free(reg);
    return NULL;
}

int wf_registry_start(wf_registry_t *reg, uv_loop_t *loop)
{
    DIR *probe = opendir(reg->dir);
    if (probe)
        closedir(probe);
    else
        wf_log_event(reg->log, WF_LOG_WARN, "modules directory not readable; rescanning", "dir",
                     reg->dir, "error", strerror(errno), NULL);
    scan(reg, true);
    if (uv_fs_event_init(loop, &reg->watch) == 0) {
        reg->watch.data = reg;
        if (uv_fs_event_start(&reg->watch, on_fs_event, reg->dir, 0) == 0)
            reg->watching = true;
        else
            uv_close((uv_handle_t *)&reg->watch, NULL);
    }
    if (!reg->watching)
        wf_log_event(reg->log, WF_LOG_WARN, "no file system events; rescanning only", "dir",
                     reg->dir, NULL);
    if (pthread_create(&reg->thread, NULL, loader_main, reg))
        return -1;
    reg->thread_started = true;
    return 0;
}

void wf_registry_stop(wf_registry_t *reg)
{
    if (reg->watching) {
        uv_fs_event_stop(&reg->watch);
        uv_close((uv_handle_t *)&reg->watch, NULL);
        reg->watching = false;
    }
    if (reg->thread_started) {
        pthread_mutex_lock(&reg->wake_mutex);
        reg->stop = true;
        pthread_cond_signal(&reg->wake);
        pthread_mutex_unlock(&reg->wake_mutex);
        pthread_join(reg->thread, NULL);
        reg->thread_started = false;
    }
}

void wf_registry_free(wf_registry_t *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->entry_count; i++) {
        wf_version_release(reg->entries[i].current);
        free(reg->entries[i].name);
        free(reg->entries[i].source);
        counters_release(reg->entries[i].counters);
    }
    free(reg->entries);
    pthread_cond_destroy(&reg->wake);
    pthread_mutex_destroy(&reg->wake_mutex);
    pthread_mutex_destroy(&reg->mutex);
    free(reg->dir);
    free(reg);
}

wf_version_t *wf_registry_get(wf_registry_t *reg, const char *name)
{
    wf_version_t *v = NULL;
    pthread_mutex_lock(&reg->mutex);
    entry_t *e = find_entry(reg, name);
    if (e && e->current)
        v = wf_version_retain(e->current);
    pthread_mutex_unlock(&reg->mutex);
    return v;
}

void wf_registry_each(wf_registry_t *reg, void (*fn)(void *user, wf_version_t *version), void *user)
{
    pthread_mutex_lock(&reg->mutex);
    for (size_t i = 0; i < reg->entry_count; i++)
        if (reg->entries[i].current)
            fn(user, reg->entries[i].current);
    pthread_mutex_unlock(&reg->mutex);
}

int wf_registry_count(wf_registry_t *reg)
{
    int n = 0;
    pthread_mutex_lock(&reg->mutex);
    for (size_t i = 0; i < reg->entry_count; i++)
        n += reg->entries[i].current != NULL;
    pthread_mutex_unlock(&reg->mutex);
    return n;
}

static void put_time(wf_buf_t *out, double t)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[40];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    wf_buf_printf(out, "\"%s.%03dZ\"", text, (int)((t - (double)secs) * 1000));
}

void wf_registry_describe(wf_registry_t *reg, wf_buf_t *out)
{
    pthread_mutex_lock(&reg->mutex);
    wf_buf_puts(out, "[");
    for (size_t i = 0; i < reg->entry_count; i++) {
        entry_t *e = &reg->entries[i];
        wf_version_t *v = e->current;
        wf_buf_puts(out, i ? ",\n {\"name\":" : "\n {\"name\":");
        wf_buf_json_cstr(out, e->name);
        wf_buf_puts(out, ",\"version\":");
        if (v)
            wf_buf_printf(out, "%llu", (unsigned long long)v->number);
        else
            wf_buf_puts(out, "null");
        wf_buf_puts(out, ",\"source\":");
        wf_buf_json_cstr(out, v ? v->source : e->source);
        wf_buf_puts(out, ",\"loaded_at\":");
        if (v)
            put_time(out, v->loaded_at);
        else
            wf_buf_puts(out, "null");
        wf_buf_printf(out, ",\"status\":\"%s\"", e->failed ? (v ? "stale" : "error") : "ok");
        wf_buf_puts(out, ",\"last_error\":");
        if (e->error[0])
            wf_buf_json_cstr(out, e->error);
        else
            wf_buf_puts(out, "null");
        if (v) {
            wf_buf_printf(out, ",\"instance\":\"%s\",\"inflight\":%d,\"exports\":[",
                          v->manifest->reuse ? "reuse" : "fresh",
                          atomic_load(&v->counters->running));
            uint32_t n = wf_module_export_count(v->module), listed = 0;
            for (uint32_t k = 0; k < n; k++) {
                wf_export_desc_t desc;
                if (wf_module_export(v->module, k, &desc) != WF_OK ||
                    desc.type.kind != WF_EXTERN_FUNC)
                    continue;
                if (listed++)
                    wf_buf_puts(out, ",");
                wf_buf_json_cstr(out, desc.name);
            }
            wf_buf_puts(out, "]");
        }
        wf_buf_puts(out, "}");
    }
    wf_buf_puts(out, "\n]\n");
    pthread_mutex_unlock(&reg->mutex);
}

void wf_registry_record(wf_version_t *version, int status, uint64_t duration_us)
{
    wf_module_counters_t *c = version->counters;
    if (!c)
        return;
    atomic_uint_fast64_t *class = status < 400   ? &c->ok
                                  : status == 504 ? &c->timeout
                                  : status == 500 ? &c->trap
                                  : status < 500  ? &c->client_error
                                                  : &c->other;
    atomic_fetch_add_explicit(class, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->call_us, duration_us, memory_order_relaxed);
}

void wf_registry_metrics(wf_registry_t *reg, wf_buf_t *out)
{
    static const char *classes[] = {"ok", "client_error", "trap", "timeout", "other"};
    wf_buf_puts(out, "# HELP wafer_module_calls_total Calls answered per module, by outcome.\n"
                     "# TYPE wafer_module_calls_total counter\n");
    pthread_mutex_lock(&reg->mutex);
    for (size_t i = 0; i < reg->entry_count; i++) {
        entry_t *e = &reg->entries[i];
        wf_module_counters_t *c = e->counters;
        uint64_t counts[] = {atomic_load(&c->ok), atomic_load(&c->client_error),
                             atomic_load(&c->trap), atomic_load(&c->timeout),
                             atomic_load(&c->other)};
        for (size_t k = 0; k < 5; k++)
            wf_buf_printf(out, "wafer_module_calls_total{module=\"%s\",outcome=\"%s\"} %llu\n",
                          e->name, classes[k], (unsigned long long)counts[k]);
    }
    wf_buf_puts(out, "# HELP wafer_module_call_seconds_total Time spent answering calls per "
                     "module.\n# TYPE wafer_module_call_seconds_total counter\n");
    for (size_t i = 0; i < reg->entry_count; i++)
        wf_buf_printf(out, "wafer_module_call_seconds_total{module=\"%s\"} %.6f\n",
                      reg->entries[i].name,
                      (double)atomic_load(&reg->entries[i].counters->call_us) / 1e6);
    wf_buf_puts(out, "# HELP wafer_module_version Current version number per module (0: none).\n"
                     "# TYPE wafer_module_version gauge\n");
    for (size_t i = 0; i < reg->entry_count; i++)
        wf_buf_printf(
            out, "wafer_module_version{module=\"%s\"} %llu\n", reg->entries[i].name,
            (unsigned long long)(reg->entries[i].current ? reg->entries[i].current->number : 0));
    pthread_mutex_unlock(&reg->mutex);
}
