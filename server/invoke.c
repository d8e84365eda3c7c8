/*
** Invocation ABIs: JSON call, interface adapters (strings and bytes through
** the guest's allocator), and the hand-off to the CGI handler. Runs on worker
** threads; touches nothing but the job, the worker and the engine.
*/
#include "invoke.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* ------------------------------------------------------------- errors -- */

void wf_invoke_error(wf_job_t *job, int status, const char *error, const char *trap)
{
    wf_buf_clear(&job->body);
    job->status = status;
    snprintf(job->content_type, sizeof job->content_type, "application/json");
    wf_buf_puts(&job->body, "{\"error\":");
    wf_buf_json_cstr(&job->body, error);
    wf_buf_puts(&job->body, ",\"trap\":");
    if (trap)
        wf_buf_json_cstr(&job->body, trap);
    else
        wf_buf_puts(&job->body, "null");
    wf_buf_puts(&job->body, ",\"module\":");
    wf_buf_json_cstr(&job->body, job->version ? job->version->name : "");
    wf_buf_puts(&job->body, ",\"function\":");
    wf_buf_json_cstr(&job->body, job->export_name);
    wf_buf_puts(&job->body, "}\n");
}

/*
** Answers a failed call: deadline and fuel are 504, other traps 500.
*/
static void call_failed(wf_invoke_worker_t *w, wf_job_t *job, wf_err_t rc,
                        const wf_error_info_t *info, bool deadline_fired)
{
    if (rc == WF_ERR_TRAP_FUEL && w->speculative_fuel &&
        (job->limits.fuel == 0 || job->limits.fuel > w->speculative_fuel)) {
        /* Not an outcome: the call runs again with its own budget, and
           counts then. */
        job->out_of_speculative_fuel = true;
        atomic_fetch_sub(&w->metrics->calls, 1);
        return;
    }
    if (rc == WF_ERR_TRAP_INTERRUPTED || rc == WF_ERR_TRAP_FUEL || deadline_fired) {
        atomic_fetch_add(&w->metrics->timeouts, 1);
        const char *what = rc == WF_ERR_TRAP_FUEL ? "fuel exhausted" : "deadline exceeded";
        wf_invoke_error(job, 504, what, wf_strerror(rc));
        return;
    }
    atomic_fetch_add(&w->metrics->traps, 1);
    char message[400];
    if (info && info->message[0] && strcmp(info->message, wf_strerror(rc)))
        snprintf(message, sizeof message, "%s: %s", wf_strerror(rc), info->message);
    else
        snprintf(message, sizeof message, "%s", wf_strerror(rc));
    wf_invoke_error(job, 500, WF_ERR_IS_TRAP(rc) ? "trap" : "call failed", message);
}

/* ---------------------------------------------------- JSON <-> values -- */

/*
** Reads an integer argument: a JSON number that is an exact integer (within
** 2^53 when not representable otherwise) or a decimal string. Returns false
** if it is neither or outside [min, max] (as signed) / [0, umax].
*/
static bool json_integer(const cJSON *item, bool wide, int64_t *out)
{
    if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (d != floor(d) || fabs(d) >= 9007199254740992.0)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (cJSON_IsString(item) && item->valuestring[0]) {
        const char *s = item->valuestring;
        char *end;
        if (s[0] == '-') {
            long long v = strtoll(s, &end, 10);
            if (*end || end == s || (v == LLONG_MIN && strcmp(s, "-9223372036854775808")))
                return false;
            *out = v;
        } else {
            unsigned long long v = strtoull(s, &end, 10);
            if (*end || end == s || (v == ULLONG_MAX && strcmp(s, "18446744073709551615")))
                return false;
            *out = (int64_t)v;
        }
        (void)wide;
        return true;
    }
    return false;
}

static bool json_float(const cJSON *item, double *out)
{
    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return true;
    }
    if (!cJSON_IsString(item))
        return false;
    const char *s = item->valuestring;
    if (!strcmp(s, "nan") || !strcmp(s, "NaN"))
        *out = NAN;
    else if (!strcmp(s, "-nan"))
        *out = -NAN;
    else if (!strcmp(s, "inf") || !strcmp(s, "+inf") || !strcmp(s, "Infinity"))
        *out = INFINITY;
    else if (!strcmp(s, "-inf") || !strcmp(s, "-Infinity"))
        *out = -INFINITY;
    else {
        char *end;
        *out = strtod(s, &end);
        if (!*s || *end)
            return false;
    }
    return true;
}

/*
** Parses the request body as one JSON value with nothing but whitespace after
** it. Returns owned (cJSON_Delete), or NULL. The body buffer is
** NUL-terminated, which cJSON needs.
*/
static cJSON *parse_body(const wf_http_request_t *req)
{
    if (!req->body.data || !req->body.len)
        return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(req->body.data, req->body.len + 1, &end, 0);
    if (!root)
        return NULL;
    const char *stop = req->body.data + req->body.len;
    while (end && end < stop && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != stop) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Converts a JSON argument to a wasm value of type; false if it does not fit. */
static bool json_to_val(const cJSON *item, uint8_t type, wf_val_t *out)
{
    int64_t i;
    double d;
    out->type = (wf_valtype_t)type;
    switch (type) {
    case WF_I32:
        if (!json_integer(item, false, &i) || i < INT32_MIN || i > (int64_t)UINT32_MAX)
            return false;
        out->of.i32 = (int32_t)(uint32_t)i;
        return true;
    case WF_I64:
        if (!json_integer(item, true, &i))
            return false;
        out->of.i64 = i;
        return true;
    case WF_F32: {
        if (!json_float(item, &d))
            return false;
        float f = (float)d;
        memcpy(&out->of.f32_bits, &f, 4);
        return true;
    }
    case WF_F64:
        if (!json_float(item, &d))
            return false;
        memcpy(&out->of.f64_bits, &d, 8);
        return true;
    default:
        return false;
    }
}

static void put_double(wf_buf_t *out, double d, bool single)
{
    if (isnan(d))
        wf_buf_puts(out, "\"nan\"");
    else if (isinf(d))
        wf_buf_puts(out, d > 0 ? "\"inf\"" : "\"-inf\"");
    else
        wf_buf_printf(out, single ? "%.9g" : "%.17g", d);
}

static void put_i64(wf_buf_t *out, int64_t v, bool is_unsigned)
{
    if (is_unsigned) {
        uint64_t u = (uint64_t)v;
        wf_buf_printf(out, u > 9007199254740992ull ? "\"%llu\"" : "%llu", (unsigned long long)u);
    } else {
        bool quote = v > 9007199254740992ll || v < -9007199254740992ll;
        wf_buf_printf(out, quote ? "\"%lld\"" : "%lld", (long long)v);
    }
}

static void val_to_json(wf_buf_t *out, const wf_val_t *v, uint8_t type)
{
    switch (type) {
    case WF_I32:
        wf_buf_printf(out, "%d", v->of.i32);
        break;
    case WF_I64:
        put_i64(out, v->of.i64, false);
        break;
    case WF_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, 4);
        put_double(out, (double)f, true);
        break;
    }
    case WF_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, 8);
        put_double(out, d, false);
        break;
    }
    default:
        wf_buf_puts(out, "null");
        break;
    }
}

/* --------------------------------------------------------- instances -- */

static void limits_of(const wf_invoke_worker_t *w, const wf_job_t *job,
                      wf_instance_limits_t *limits)
{
    memset(limits, 0, sizeof *limits);
    limits->memory_pool = w->memory_pool;
    limits->max_memory_pages = job->limits.memory_pages;
    limits->max_call_depth = job->limits.call_depth;
    limits->fuel = job->limits.fuel;
    if (w->speculative_fuel && (limits->fuel == 0 || limits->fuel > w->speculative_fuel))
        limits->fuel = w->speculative_fuel;
}

/*
** Fills imports for the version's module: the version's shared memory, and
** WASI functions from *wasi (made here when the module uses WASI: no
** arguments, no environment, no files, standard streams discarded). Returns
** false with the job answered.
*/
static bool link_imports(wf_job_t *job, wf_extern_t *imports, uint32_t count, wf_wasi_t **wasi)
{
    wf_version_t *v = job->version;
    *wasi = NULL;
    if (wf_wasi_module_uses(v->module)) {
        wf_wasi_config_t config;
        memset(&config, 0, sizeof config);
        const char *argv[1] = {v->name};
        config.argc = 1;
        config.argv = argv;
        wf_error_info_t info;
        memset(&info, 0, sizeof info);
        if (wf_wasi_new(&config, wasi, &info) != WF_OK) {
            wf_invoke_error(job, 500, "instantiation failed", "cannot make a WASI context");
            return false;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        wf_import_desc_t imp;
        if (wf_module_import(v->module, i, &imp) != WF_OK)
            goto fail;
        if (v->shared_memory && i == v->shared_memory_import) {
            imports[i].kind = WF_EXTERN_MEMORY;
            imports[i].of.memory = v->shared_memory;
            continue;
        }
        wf_func_t *func = imp.type.kind == WF_EXTERN_FUNC && *wasi
                              ? wf_wasi_func(*wasi, imp.module, imp.name)
                              : NULL;
        if (!func) {
            char message[300];
            snprintf(message, sizeof message,
                     "unknown import %s.%s: the daemon provides WASI functions and one shared "
                     "memory only",
                     imp.module, imp.name);
            wf_invoke_error(job, 500, "instantiation failed", message);
            goto fail;
        }
        imports[i].kind = WF_EXTERN_FUNC;
        imports[i].of.func = func;
    }
    return true;
fail:
    if (job->status == 0)
        wf_invoke_error(job, 500, "instantiation failed", "bad import");
    wf_wasi_free(*wasi);
    *wasi = NULL;
    return false;
}

/*
** The call's deadline armed while an instance is made (wf_instance_limits_t
** on_init): a start function that runs too long is stopped like a call.
*/
typedef struct init_guard {
    wf_invoke_worker_t *worker;
    uint64_t deadline_ns;
    bool fired;
} init_guard_t;

static void guard_init(void *user, wf_instance_t *instance)
{
    init_guard_t *g = user;
    if (instance)
        wf_sandbox_arm(g->worker->sandbox, g->worker->slot, instance, g->deadline_ns);
    else
        g->fired = wf_sandbox_disarm(g->worker->sandbox, g->worker->slot);
}

/*
** Gets an instance for the job: the worker's cached one for a reused module
** (*cached = true), or a new one (with its WASI context in *wasi). Returns
** NULL with the job answered.
*/
static wf_instance_t *get_instance(wf_invoke_worker_t *w, wf_job_t *job, uint64_t deadline_ns,
                                   bool *cached, wf_wasi_t **wasi)
{
    wf_version_t *v = job->version;
    *cached = false;
    *wasi = NULL;
    if (v->manifest->reuse) {
        for (int i = 0; i < WF_INVOKE_CACHE; i++)
            if (w->cache[i].version == v) {
                *cached = true;
                *wasi = w->cache[i].wasi;
                return w->cache[i].instance;
            }
    }
    uint32_t import_count = wf_module_import_count(v->module);
    wf_extern_t *imports = NULL;
    if (import_count) {
        imports = calloc(import_count, sizeof *imports);
        if (!imports) {
            wf_invoke_error(job, 500, "out of memory", NULL);
            return NULL;
        }
        if (!link_imports(job, imports, import_count, wasi)) {
            free(imports);
            return NULL;
        }
    }
    wf_instance_limits_t limits;
    limits_of(w, job, &limits);
    init_guard_t guard = {.worker = w, .deadline_ns = deadline_ns};
    limits.on_init = guard_init;
    limits.on_init_user = &guard;
    wf_instance_t *instance = NULL;
    wf_error_info_t info;
    memset(&info, 0, sizeof info);
    uint64_t start = wf_sandbox_now_ns();
    wf_err_t rc = wf_instance_new(v->module, imports, import_count, &limits, &instance, &info);
    if (rc == WF_OK && guard.fired) /* it fired just after the start function returned */
        wf_instance_clear_interrupt(instance);
    atomic_fetch_add(&w->metrics->instantiate_ns_sum, wf_sandbox_now_ns() - start);
    atomic_fetch_add(&w->metrics->instantiate_count, 1);
    free(imports);
    if (rc != WF_OK) {
        char message[400];
        snprintf(message, sizeof message, "%s%s%s", wf_strerror(rc), info.message[0] ? ": " : "",
                 info.message);
        if (WF_ERR_IS_TRAP(rc))
            call_failed(w, job, rc, &info, guard.fired);
        else
            wf_invoke_error(job, 500, "instantiation failed", message);
        wf_wasi_free(*wasi);
        *wasi = NULL;
        return NULL;
    }
    return instance;
}

static void cache_drop(wf_invoke_worker_t *w, int i)
{
    wf_instance_free(w->cache[i].instance);
    wf_wasi_free(w->cache[i].wasi);
    wf_version_release(w->cache[i].version);
    w->cache[i].version = NULL;
    w->cache[i].instance = NULL;
    w->cache[i].wasi = NULL;
}

/*
** After the call: a reused instance goes (back) into the cache unless the
** call failed; anything else is freed.
*/
static void put_instance(wf_invoke_worker_t *w, wf_job_t *job, wf_instance_t *instance,
                         wf_wasi_t *wasi, bool cached, bool ok)
{
    wf_version_t *v = job->version;
    if (cached) {
        if (ok)
            return;
        for (int i = 0; i < WF_INVOKE_CACHE; i++)
            if (w->cache[i].instance == instance)
                cache_drop(w, i);
        return;
    }
    if (!ok || !v->manifest->reuse) {
        wf_instance_free(instance);
        wf_wasi_free(wasi);
        return;
    }
    /* Keep it: take a free slot, else one of a retired version, else slot 0. */
    int slot = -1;
    for (int i = 0; i < WF_INVOKE_CACHE && slot < 0; i++)
        if (!w->cache[i].version)
            slot = i;
    for (int i = 0; i < WF_INVOKE_CACHE && slot < 0; i++)
        if (atomic_load(&w->cache[i].version->retired))
            slot = i;
    if (slot < 0)
        slot = 0;
    if (w->cache[slot].version)
        cache_drop(w, slot);
    w->cache[slot].version = wf_version_retain(v);
    w->cache[slot].instance = instance;
    w->cache[slot].wasi = wasi;
}

/* Drops cached instances of versions that were replaced or removed. */
static void evict_retired(wf_invoke_worker_t *w)
{
    for (int i = 0; i < WF_INVOKE_CACHE; i++)
        if (w->cache[i].version && atomic_load(&w->cache[i].version->retired))
            cache_drop(w, i);
}

void wf_invoke_worker_close(wf_invoke_worker_t *w)
{
    for (int i = 0; i < WF_INVOKE_CACHE; i++)
        if (w->cache[i].version)
            cache_drop(w, i);
    wf_buf_close(&w->head);
}

/* ---------------------------------------------------------- the call -- */

typedef struct call {
    wf_invoke_worker_t *worker;
    wf_job_t *job;
    wf_instance_t *instance;
    bool fired; /* the deadline interrupted it */
} call_t;

/* Calls an export with the deadline armed; fills the job on failure. */
static wf_err_t call_func(call_t *c, wf_func_t *func, const wf_val_t *args, size_t arg_count,
                          wf_val_t *results, size_t result_count)
{
    wf_error_info_t info;
    memset(&info, 0, sizeof info);
    wf_err_t rc = wf_func_call(func, args, arg_count, results, result_count, &info);
    if (rc != WF_OK)
        call_failed(c->worker, c->job, rc, &info, false);
    return rc;
}

/*
** The JSON-call ABI: body is a JSON array of the parameters.
*/
static bool run_json_call(call_t *c, wf_func_t *func, const wf_functype_t *type,
                          const wf_val_t *args)
{
    wf_val_t results[MAX_ARGS];
    if (call_func(c, func, args, type->param_count, results, type->result_count) != WF_OK)
        return false;
    wf_job_t *job = c->job;
    job->status = 200;
    snprintf(job->content_type, sizeof job->content_type, "application/json");
    wf_buf_puts(&job->body, "[");
    for (uint32_t i = 0; i < type->result_count; i++) {
        if (i)
            wf_buf_puts(&job->body, ",");
        val_to_json(&job->body, &results[i], type->results[i]);
    }
    wf_buf_puts(&job->body, "]\n");
    return true;
}

static bool parse_json_args(wf_job_t *job, const wf_functype_t *type, wf_val_t *args)
{
    if (type->param_count > MAX_ARGS || type->result_count > MAX_ARGS) {
        wf_invoke_error(job, 500, "function has too many parameters or results", NULL);
        return false;
    }
    const wf_http_request_t *req = job->request;
    cJSON *root = parse_body(req);
    bool empty = req->body.len == 0;
    if (!empty && (!root || !cJSON_IsArray(root))) {
        cJSON_Delete(root);
        wf_invoke_error(job, 400, "the body must be a JSON array of arguments", NULL);
        return false;
    }
    uint32_t n = empty ? 0 : (uint32_t)cJSON_GetArraySize(root);
    if (n != type->param_count) {
        cJSON_Delete(root);
        char message[128];
        snprintf(message, sizeof message, "expected %u arguments, got %u", type->param_count, n);
        wf_invoke_error(job, 400, message, NULL);
        return false;
    }
    uint32_t i = 0;
    for (const cJSON *item = root ? root->child : NULL; item; item = item->next, i++) {
        if (!json_to_val(item, type->params[i], &args[i])) {
            cJSON_Delete(root);
            char message[128];
            snprintf(message, sizeof message, "argument %u is not a valid %s", i,
                     wf_valtype_name((wf_valtype_t)type->params[i]));
            wf_invoke_error(job, 400, message, NULL);
            return false;
        }
    }
    cJSON_Delete(root);
    return true;
}

/* -------------------------------------------------- interface adapters -- */

/* An adapter argument before lowering. */
typedef struct adapter_arg {
    wf_abi_type_t type;
    wf_val_t value;       /* scalar types */
    const uint8_t *bytes; /* string, bytes: borrowed or owned (owned) */
    size_t len;
    uint8_t *owned;
} adapter_arg_t;

static void free_adapter_args(adapter_arg_t *args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(args[i].owned);
}

static bool adapter_scalar(const cJSON *item, wf_abi_type_t type, wf_val_t *out)
{
    int64_t i;
    switch (type) {
    case WF_ABI_S32:
        if (!json_integer(item, false, &i) || i < INT32_MIN || i > INT32_MAX)
            return false;
        out->type = WF_I32, out->of.i32 = (int32_t)i;
        return true;
    case WF_ABI_U32:
        if (!json_integer(item, false, &i) || i < 0 || i > (int64_t)UINT32_MAX)
            return false;
        out->type = WF_I32, out->of.i32 = (int32_t)(uint32_t)i;
        return true;
    case WF_ABI_S64:
        if (!json_integer(item, true, &i) ||
            (cJSON_IsString(item) && item->valuestring[0] != '-' && i < 0))
            return false;
        out->type = WF_I64, out->of.i64 = i;
        return true;
    case WF_ABI_U64:
        if (!json_integer(item, true, &i) || (cJSON_IsNumber(item) && i < 0) ||
            (cJSON_IsString(item) && item->valuestring[0] == '-'))
            return false;
        out->type = WF_I64, out->of.i64 = i;
        return true;
    case WF_ABI_BOOL:
        if (!cJSON_IsBool(item))
            return false;
        out->type = WF_I32, out->of.i32 = cJSON_IsTrue(item) ? 1 : 0;
        return true;
    case WF_ABI_F32:
        return json_to_val(item, WF_F32, out);
    case WF_ABI_F64:
        return json_to_val(item, WF_F64, out);
    default:
        return false;
    }
}

/*
** Reads the adapter's arguments from the body: the raw body for a single
** string or bytes parameter, a JSON array otherwise. Fills args; answers the
** job and returns false on bad input.
*/
static bool parse_adapter_args(wf_job_t *job, const wf_manifest_export_t *x, adapter_arg_t *args)
{
    const wf_http_request_t *req = job->request;
    const uint8_t *body = (const uint8_t *)(req->body.data ? req->body.data : "");
    char message[160];
    memset(args, 0, sizeof *args * x->param_count);
    if (x->param_count == 1 && (x->params[0] == WF_ABI_STRING || x->params[0] == WF_ABI_BYTES)) {
        if (x->params[0] == WF_ABI_STRING && !wf_utf8_valid(body, req->body.len)) {
            wf_invoke_error(job, 400, "the body is not valid UTF-8", NULL);
            return false;
        }
        args[0].type = x->params[0];
        args[0].bytes = body;
        args[0].len = req->body.len;
        return true;
    }
    cJSON *root = parse_body(req);
    if (req->body.len && (!root || !cJSON_IsArray(root))) {
        cJSON_Delete(root);
        wf_invoke_error(job, 400, "the body must be a JSON array of arguments", NULL);
        return false;
    }
    uint32_t n = root ? (uint32_t)cJSON_GetArraySize(root) : 0;
    if (n != x->param_count) {
        cJSON_Delete(root);
        snprintf(message, sizeof message, "expected %u arguments, got %u", x->param_count, n);
        wf_invoke_error(job, 400, message, NULL);
        return false;
    }
    uint32_t i = 0;
    for (const cJSON *item = root ? root->child : NULL; item; item = item->next, i++) {
        adapter_arg_t *a = &args[i];
        a->type = x->params[i];
        bool ok;
        if (a->type == WF_ABI_STRING || a->type == WF_ABI_BYTES) {
            ok = false;
            if (cJSON_IsString(item)) {
                size_t len = strlen(item->valuestring);
                ok = a->type == WF_ABI_BYTES ||
                     wf_utf8_valid((const uint8_t *)item->valuestring, len);
                a->owned = malloc(len + 1);
                if (a->owned)
                    memcpy(a->owned, item->valuestring, len);
                a->bytes = a->owned;
                a->len = len;
                ok = ok && a->owned;
            } else if (a->type == WF_ABI_BYTES && cJSON_IsArray(item)) {
                size_t len = (size_t)cJSON_GetArraySize(item);
                a->owned = malloc(len + 1);
                a->bytes = a->owned;
                a->len = len;
                ok = a->owned != NULL;
                size_t k = 0;
                for (const cJSON *b = item->child; b && ok; b = b->next, k++) {
                    ok = cJSON_IsNumber(b) && b->valuedouble >= 0 && b->valuedouble <= 255 &&
                         b->valuedouble == floor(b->valuedouble);
                    if (ok)
                        a->owned[k] = (uint8_t)b->valuedouble;
                }
            }
        } else {
            ok = adapter_scalar(item, a->type, &a->value);
        }
        if (!ok) {
            cJSON_Delete(root);
            free_adapter_args(args, x->param_count);
            snprintf(message, sizeof message, "argument %u is not a valid %s", i,
                     wf_abi_type_name(a->type));
            wf_invoke_error(job, 400, message, NULL);
            return false;
        }
    }
    cJSON_Delete(root);
    return true;
}

/* Whether [ptr, ptr + len) lies inside memory. */
static bool in_bounds(wf_memory_t *memory, uint64_t ptr, uint64_t len)
{
    return memory && ptr + len <= (uint64_t)wf_memory_size(memory);
}

/*
** Copies bytes into guest memory through its allocator: cabi_realloc(0, 0,
** 1, len) or alloc(len). Returns false with the job answered.
*/
static bool lower_bytes(call_t *c, const uint8_t *bytes, size_t len, int32_t *ptr_out)
{
    wf_job_t *job = c->job;
    wf_extern_t ext;
    wf_val_t args[4], result;
    size_t argc;
    if (len > UINT32_MAX) {
        wf_invoke_error(job, 413, "argument too large", NULL);
        return false;
    }
    if (wf_instance_export(c->instance, "cabi_realloc", &ext) == WF_OK &&
        ext.kind == WF_EXTERN_FUNC) {
        args[0] = (wf_val_t){.type = WF_I32, .of.i32 = 0};
        args[1] = (wf_val_t){.type = WF_I32, .of.i32 = 0};
        args[2] = (wf_val_t){.type = WF_I32, .of.i32 = 1};
        args[3] = (wf_val_t){.type = WF_I32, .of.i32 = (int32_t)(uint32_t)len};
        argc = 4;
    } else if (wf_instance_export(c->instance, "alloc", &ext) == WF_OK &&
               ext.kind == WF_EXTERN_FUNC) {
        args[0] = (wf_val_t){.type = WF_I32, .of.i32 = (int32_t)(uint32_t)len};
        argc = 1;
    } else {
        wf_invoke_error(job, 500, "the module exports neither cabi_realloc nor alloc", NULL);
        return false;
    }
    wf_functype_t t = wf_func_type(ext.of.func);
    if (t.param_count != argc || t.result_count != 1 || t.results[0] != WF_I32) {
        wf_invoke_error(job, 500, "the module's allocator has the wrong type", NULL);
        return false;
    }
    for (size_t i = 0; i < argc; i++)
        if (t.params[i] != WF_I32) {
            wf_invoke_error(job, 500, "the module's allocator has the wrong type", NULL);
            return false;
        }
    if (call_func(c, ext.of.func, args, argc, &result, 1) != WF_OK)
        return false;
    wf_memory_t *memory = wf_instance_memory(c->instance, 0);
    uint32_t ptr = (uint32_t)result.of.i32;
    if (!in_bounds(memory, ptr, len)) {
        wf_invoke_error(job, 500, "trap", "out of bounds memory access (allocator result)");
        return false;
    }
    if (len)
        memcpy(wf_memory_data(memory) + ptr, bytes, len);
    *ptr_out = (int32_t)ptr;
    return true;
}

/* Size and alignment of a type stored in memory (canonical ABI). */
static uint32_t abi_size(wf_abi_type_t t)
{
    switch (t) {
    case WF_ABI_BOOL:
        return 1;
    case WF_ABI_S64:
    case WF_ABI_U64:
    case WF_ABI_F64:
    case WF_ABI_STRING:
    case WF_ABI_BYTES:
        return 8;
    default:
        return 4;
    }
}

static uint32_t abi_align(wf_abi_type_t t)
{
    return t == WF_ABI_STRING || t == WF_ABI_BYTES ? 4 : abi_size(t);
}

/* One lifted result: a scalar, or a (ptr, len) pair. */
typedef struct lifted {
    wf_abi_type_t type;
    uint64_t bits; /* scalar bits */
    uint32_t ptr, len;
} lifted_t;

/*
** Writes the adapter's results: the raw bytes for a single string or bytes
** result, a JSON array otherwise. Checks bounds and UTF-8.
*/
static bool write_adapter_results(call_t *c, const wf_manifest_export_t *x, const lifted_t *r)
{
    wf_job_t *job = c->job;
    wf_memory_t *memory = wf_instance_memory(c->instance, 0);
    for (uint32_t i = 0; i < x->result_count; i++) {
        if (r[i].type != WF_ABI_STRING && r[i].type != WF_ABI_BYTES)
            continue;
        if (!in_bounds(memory, r[i].ptr, r[i].len)) {
            wf_invoke_error(job, 500, "trap", "out of bounds memory access (result pointer)");
            return false;
        }
        if (r[i].type == WF_ABI_STRING &&
            !wf_utf8_valid(wf_memory_data(memory) + r[i].ptr, r[i].len)) {
            wf_invoke_error(job, 500, "the function returned a string that is not valid UTF-8",
                            NULL);
            return false;
        }
    }
    job->status = 200;
    if (x->result_count == 1 && (r[0].type == WF_ABI_STRING || r[0].type == WF_ABI_BYTES)) {
        snprintf(job->content_type, sizeof job->content_type, "%s",
                 r[0].type == WF_ABI_STRING ? "text/plain; charset=utf-8"
                                            : "application/octet-stream");
        wf_buf_append(&job->body, wf_memory_data(memory) + r[0].ptr, r[0].len);
        return true;
    }
    snprintf(job->content_type, sizeof job->content_type, "application/json");
    wf_buf_puts(&job->body, "[");
    for (uint32_t i = 0; i < x->result_count; i++) {
        if (i)
            wf_buf_puts(&job->body, ",");
        const lifted_t *v = &r[i];
        switch (v->type) {
        case WF_ABI_S32:
            wf_buf_printf(&job->body, "%d", (int32_t)(uint32_t)v->bits);
            break;
        case WF_ABI_U32:
            wf_buf_printf(&job->body, "%u", (uint32_t)v->bits);
            break;
        case WF_ABI_S64:
            put_i64(&job->body, (int64_t)v->bits, false);
            break;
        case WF_ABI_U64:
            put_i64(&job->body, (int64_t)v->bits, true);
            break;
        case WF_ABI_BOOL:
            wf_buf_puts(&job->body, (uint32_t)v->bits ? "true" : "false");
            break;
        case WF_ABI_F32: {
            float f;
            uint32_t b = (uint32_t)v->bits;
            memcpy(&f, &b, 4);
            put_double(&job->body, (double)f, true);
            break;
        }
        case WF_ABI_F64: {
            double d;
            memcpy(&d, &v->bits, 8);
            put_double(&job->body, d, false);
            break;
        }
        case WF_ABI_STRING:
            wf_buf_json_string(&job->body, (const char *)wf_memory_data(memory) + v->ptr, v->len);
            break;
        case WF_ABI_BYTES:
            wf_buf_puts(&job->body, "[");
            for (uint32_t k = 0; k < v->len; k++)
                wf_buf_printf(&job->body, k ? ",%u" : "%u", wf_memory_data(memory)[v->ptr + k]);
            wf_buf_puts(&job->body, "]");
            break;
        }
    }
    wf_buf_puts(&job->body, "]\n");
    return true;
}

static bool run_adapter(call_t *c, wf_func_t *func, const wf_functype_t *type,
                        const wf_manifest_export_t *x, adapter_arg_t *in)
{
    wf_job_t *job = c->job;
    wf_val_t args[MAX_ARGS], results[MAX_ARGS];
    size_t argc = 0;
    for (uint32_t i = 0; i < x->param_count; i++) {
        if (in[i].type == WF_ABI_STRING || in[i].type == WF_ABI_BYTES) {
            int32_t ptr;
            if (!lower_bytes(c, in[i].bytes, in[i].len, &ptr))
                return false;
            args[argc++] = (wf_val_t){.type = WF_I32, .of.i32 = ptr};
            args[argc++] = (wf_val_t){.type = WF_I32, .of.i32 = (int32_t)(uint32_t)in[i].len};
        } else {
            args[argc++] = in[i].value;
        }
    }
    if (call_func(c, func, args, argc, results, type->result_count) != WF_OK)
        return false;
    lifted_t lifted[WF_MANIFEST_MAX_VALUES];
    bool result_pointer = false;
    char err[200];
    (void)wf_manifest_check_export(x, type->param_count, type->params, type->result_count,
                                   type->results, &result_pointer, err, sizeof err);
    wf_memory_t *memory = wf_instance_memory(c->instance, 0);
    if (result_pointer) {
        uint64_t base = (uint32_t)results[0].of.i32, offset = 0;
        for (uint32_t i = 0; i < x->result_count; i++) {
            wf_abi_type_t t = x->results[i];
            uint32_t align = abi_align(t), size = abi_size(t);
            offset = (offset + align - 1) / align * align;
            if (!in_bounds(memory, base + offset, size)) {
                wf_invoke_error(job, 500, "trap", "out of bounds memory access (return pointer)");
                return false;
            }
            const uint8_t *p = wf_memory_data(memory) + base + offset;
            lifted[i].type = t;
            lifted[i].bits = 0;
            if (t == WF_ABI_STRING || t == WF_ABI_BYTES) {
                memcpy(&lifted[i].ptr, p, 4);
                memcpy(&lifted[i].len, p + 4, 4);
            } else {
                memcpy(&lifted[i].bits, p, size);
            }
            offset += size;
        }
    } else {
        size_t k = 0;
        for (uint32_t i = 0; i < x->result_count; i++) {
            wf_abi_type_t t = x->results[i];
            lifted[i].type = t;
            if (t == WF_ABI_STRING || t == WF_ABI_BYTES) {
                lifted[i].ptr = (uint32_t)results[k++].of.i32;
                lifted[i].len = (uint32_t)results[k++].of.i32;
            } else if (t == WF_ABI_S64 || t == WF_ABI_U64) {
                lifted[i].bits = (uint64_t)results[k++].of.i64;
            } else if (t == WF_ABI_F64) {
                lifted[i].bits = results[k++].of.f64_bits;
            } else if (t == WF_ABI_F32) {
                lifted[i].bits = results[k++].of.f32_bits;
            } else {
                lifted[i].bits = (uint32_t)results[k++].of.i32;
            }
        }
    }
    if (!write_adapter_results(c, x, lifted))
        return false;
    /* The canonical ABI's post-return: the guest may free what it returned. */
    char post_name[160];
    wf_extern_t post;
    snprintf(post_name, sizeof post_name, "cabi_post_%s", x->name);
    if (wf_instance_export(c->instance, post_name, &post) == WF_OK && post.kind == WF_EXTERN_FUNC) {
        wf_functype_t pt = wf_func_type(post.of.func);
        bool match = pt.result_count == 0 && pt.param_count == type->result_count;
        for (uint32_t i = 0; match && i < pt.param_count; i++)
            match = pt.params[i] == type->results[i];
        if (match && call_func(c, post.of.func, results, type->result_count, NULL, 0) != WF_OK)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------- CGI -- */

static void cgi_arm(wf_invoke_cgi_t *cgi, wf_instance_t *instance)
{
    wf_invoke_worker_t *w = cgi->worker;
    wf_sandbox_arm(w->sandbox, w->slot, instance, cgi->deadline_ns);
}

static bool cgi_disarm(wf_invoke_cgi_t *cgi)
{
    wf_invoke_worker_t *w = cgi->worker;
    return wf_sandbox_disarm(w->sandbox, w->slot);
}

/* ------------------------------------------------------------ run -- */

void wf_invoke_run(wf_invoke_worker_t *w, wf_job_t *job)
{
    wf_version_t *v = job->version;
    atomic_fetch_add(&w->metrics->calls, 1);
    evict_retired(w);
    job->started_ns = wf_sandbox_now_ns();
    uint64_t deadline = job->started_ns + job->limits.timeout_ms * 1000000u;

    wf_export_desc_t desc;
    bool found = job->export_name[0] &&
                 wf_module_find_export(v->module, job->export_name, &desc) == WF_OK &&
                 desc.type.kind == WF_EXTERN_FUNC;
    wf_export_desc_t start;
    bool has_start = wf_module_find_export(v->module, "_start", &start) == WF_OK &&
                     start.type.kind == WF_EXTERN_FUNC;
    if (has_start && w->cgi && (!found || !strcmp(job->export_name, "_start"))) {
        wf_invoke_cgi_t cgi = {.job = job,
                               .module = v->module,
                               .deadline_ns = deadline,
                               .arm = cgi_arm,
                               .disarm = cgi_disarm,
                               .worker = w,
                               .log = w->log};
        limits_of(w, job, &cgi.limits);
        w->cgi(&cgi);
        return;
    }
    if (!found) {
        wf_invoke_error(job, 404,
                        job->export_name[0] ? "no such function"
                                            : "the module is not a CGI (WASI command) module",
                        NULL);
        return;
    }
    if (strcmp(job->request->method, "POST")) {
        wf_invoke_error(job, 405, "functions are called with POST", NULL);
        snprintf(job->extra_headers, sizeof job->extra_headers, "Allow: POST\r\n");
        return;
    }
    /* Arguments are checked before any instance is made. */
    const wf_manifest_export_t *adapter = wf_manifest_find(v->manifest, job->export_name);
    wf_val_t json_args[MAX_ARGS];
    adapter_arg_t adapter_args[WF_MANIFEST_MAX_VALUES];
    if (adapter ? !parse_adapter_args(job, adapter, adapter_args)
                : !parse_json_args(job, &desc.type.func, json_args))
        return;

    bool cached;
    wf_wasi_t *wasi;
    wf_instance_t *instance = get_instance(w, job, deadline, &cached, &wasi);
    if (!instance)
        goto done_args;
    wf_extern_t ext;
    if (wf_instance_export(instance, job->export_name, &ext) != WF_OK ||
        ext.kind != WF_EXTERN_FUNC) {
        wf_invoke_error(job, 404, "no such function", NULL);
        put_instance(w, job, instance, wasi, cached, false);
        goto done_args;
    }
    wf_instance_limits_t limits;
    limits_of(w, job, &limits);
    wf_instance_set_fuel(instance, limits.fuel);
    call_t c = {.worker = w, .job = job, .instance = instance};
    wf_sandbox_arm(w->sandbox, w->slot, instance, deadline);
    bool ok = adapter ? run_adapter(&c, ext.of.func, &desc.type.func, adapter, adapter_args)
                      : run_json_call(&c, ext.of.func, &desc.type.func, json_args);
    bool fired = wf_sandbox_disarm(w->sandbox, w->slot);
    if (fired) {
        /* A deadline that fired after the call returned leaves the flag set. */
        wf_instance_clear_interrupt(instance);
    }
    if (job->body.failed) {
        ok = false;
        wf_invoke_error(job, 500, "out of memory", NULL);
    }
    put_instance(w, job, instance, wasi, cached, ok);
done_args:
    if (adapter)
        free_adapter_args(adapter_args, adapter->param_count);
}
