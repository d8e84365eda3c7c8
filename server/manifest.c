/*
** The manifest parser: strict, every unknown key an error.
*/
#include "manifest.h"

#include <cjson/cJSON.h>

#include "cgi.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *abi_names[] = {"s32", "u32",  "s64",    "u64",  "f32",
                                  "f64", "bool", "string", "bytes"};

const char *wf_abi_type_name(wf_abi_type_t type)
{
    return (unsigned)type < sizeof abi_names / sizeof abi_names[0] ? abi_names[type] : "?";
}

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

void wf_manifest_free(wf_manifest_t *manifest)
{
    if (!manifest)
        return;
    for (size_t i = 0; i < manifest->export_count; i++)
        free(manifest->exports[i].name);
    free(manifest->exports);
    for (size_t i = 0; i < manifest->route_count; i++)
        free(manifest->routes[i]);
    free(manifest->routes);
    wf_cgi_config_free(manifest->wasi);
    free(manifest);
}

const wf_manifest_export_t *wf_manifest_find(const wf_manifest_t *manifest, const char *name)
{
    for (size_t i = 0; manifest && i < manifest->export_count; i++)
        if (!strcmp(manifest->exports[i].name, name))
            return &manifest->exports[i];
    return NULL;
}

static int parse_limits(wf_manifest_t *m, const cJSON *limits, char *err, size_t size)
{
    static const struct {
        const char *name;
        size_t offset;
        int64_t min, max;
    } keys[] = {
        {"timeout_ms", offsetof(wf_manifest_t, timeout_ms), 1, 3600000},
        {"memory_pages", offsetof(wf_manifest_t, memory_pages), 0, 65536},
        {"fuel", offsetof(wf_manifest_t, fuel), 0, INT64_MAX / 2},
        {"call_depth", offsetof(wf_manifest_t, call_depth), 16, 1000000},
        {"max_concurrency", offsetof(wf_manifest_t, max_concurrency), 0, 100000},
    };
    if (!cJSON_IsObject(limits))
        return fail(err, size, "limits: expected an object");
    for (const cJSON *item = limits->child; item; item = item->next) {
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k].name, item->string))
            k++;
        if (k == sizeof keys / sizeof keys[0])
            return fail(err, size, "limits: unknown key '%s'", item->string);
        double d = item->valuedouble;
        if (!cJSON_IsNumber(item) || d != (double)(int64_t)d || d < (double)keys[k].min ||
            d > (double)keys[k].max)
            return fail(err, size, "limits.%s: expected an integer in [%lld, %lld]", item->string,
                        (long long)keys[k].min, (long long)keys[k].max);
        *(int64_t *)((char *)m + keys[k].offset) = (int64_t)d;
    }
    return 0;
}

static int parse_types(const cJSON *list, const char *where, wf_abi_type_t *types, uint32_t *count,
                       char *err, size_t size)
{
    if (!cJSON_IsArray(list))
        return fail(err, size, "%s: expected an array of types", where);
    *count = 0;
    for (const cJSON *item = list->child; item; item = item->next) {
        if (*count == WF_MANIFEST_MAX_VALUES)
            return fail(err, size, "%s: more than %d values", where, WF_MANIFEST_MAX_VALUES);
        if (!cJSON_IsString(item))
            return fail(err, size, "%s: expected type names", where);
        size_t t = 0;
        while (t < sizeof abi_names / sizeof abi_names[0] &&
               strcmp(abi_names[t], item->valuestring))
            t++;
        if (t == sizeof abi_names / sizeof abi_names[0])
            return fail(err, size,
                        "%s: unknown type '%s' (s32 u32 s64 u64 f32 f64 bool string bytes)", where,
                        item->valuestring);
        types[(*count)++] = (wf_abi_type_t)t;
    }
    return 0;
}

static int parse_exports(wf_manifest_t *m, const cJSON *exports, char *err, size_t size)
{
    if (!cJSON_IsObject(exports))
        return fail(err, size, "exports: expected an object");
    size_t n = (size_t)cJSON_GetArraySize(exports);
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports)
        return fail(err, size, "out of memory");
    for (const cJSON *e = exports->child; e; e = e->next) {
        wf_manifest_export_t *x = &m->exports[m->export_count++];
        x->name = strdup(e->string);
        if (!x->name)
            return fail(err, size, "out of memory");
        if (!cJSON_IsObject(e))
            return fail(err, size, "exports.%s: expected an object", e->string);
        for (const cJSON *item = e->child; item; item = item->next) {
            char where[160];
            snprintf(where, sizeof where, "exports.%s.%s", e->string, item->string);
            if (!strcmp(item->string, "params")) {
                if (parse_types(item, where, x->params, &x->param_count, err, size))
                    return -1;
            } else if (!strcmp(item->string, "results")) {
                if (parse_types(item, where, x->results, &x->result_count, err, size))
                    return -1;
            } else {
                return fail(err, size, "exports.%s: unknown key '%s'", e->string, item->string);
            }
        }
    }
    return 0;
}

/* Whether route is one of the daemon's own paths (or would shadow them). */
static bool route_reserved(const char *route)
{
    static const char *const fixed[] = {"/healthz", "/metrics", "/admin", "/fn"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        size_t n = strlen(fixed[i]);
        if (!strncmp(route, fixed[i], n) && (route[n] == '\0' || route[n] == '/'))
            return true;
    }
    return false;
}

/*
** "routes": an array of paths, each starting with '/', without a query, a
** fragment, spaces or control characters; "/..." at the end means "and
** below". The daemon's own paths cannot be taken.
*/
static int parse_routes(wf_manifest_t *m, const cJSON *routes, char *err, size_t size)
{
    if (m->routes)
        return fail(err, size, "routes: given twice");
    if (!cJSON_IsArray(routes) || !routes->child)
        return fail(err, size, "routes: expected a non-empty array of paths");
    size_t n = (size_t)cJSON_GetArraySize(routes);
    m->routes = calloc(n, sizeof *m->routes);
    if (!m->routes)
        return fail(err, size, "out of memory");
    for (const cJSON *item = routes->child; item; item = item->next) {
        if (!cJSON_IsString(item))
            return fail(err, size, "routes: expected strings");
        const char *r = item->valuestring;
        size_t len = strlen(r);
        if (r[0] != '/' || len >= WF_MANIFEST_MAX_ROUTE)
            return fail(err, size,
                        "routes: '%.80s': expected a path starting with '/' (at most %d bytes)", r,
                        WF_MANIFEST_MAX_ROUTE - 1);
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)r[i] <= ' ' || r[i] == 0x7F || r[i] == '?' || r[i] == '#')
                return fail(err, size, "routes: '%.80s': no spaces, controls, '?' or '#'", r);
        const char *dots = strstr(r, "...");
        if (dots && (dots != r + len - 3 || dots[-1] != '/'))
            return fail(err, size, "routes: '%.80s': \"...\" only as the last segment", r);
        if (route_reserved(r))
            return fail(err, size, "routes: '%.80s' is one of the daemon's own paths", r);
        m->routes[m->route_count] = strdup(r);
        if (!m->routes[m->route_count++])
            return fail(err, size, "out of memory");
    }
    return 0;
}

/*
** Matches path against one route: exact, or for "<prefix>/..." the prefix
** itself or anything below it. Returns the score (0: no match).
*/
static size_t route_score(const char *route, const char *path, size_t *script_len)
{
    size_t len = strlen(route);
    if (len >= 4 && !strcmp(route + len - 4, "/...")) {
        size_t prefix = len - 4;
        if (strncmp(path, route, prefix) || (path[prefix] != '\0' && path[prefix] != '/'))
            return 0;
        *script_len = prefix;
        return 2 * prefix + 2;
    }
    if (strcmp(path, route))
        return 0;
    *script_len = len;
    return 2 * len + 3;
}

size_t wf_manifest_route_match(const wf_manifest_t *m, const char *name, const char *path,
                               size_t *script_len, char *route, size_t route_size)
{
    size_t best = 0;
    if (!m || !m->route_count) {
        char fallback[WF_MANIFEST_MAX_ROUTE + 80];
        snprintf(fallback, sizeof fallback, "/run/%s/...", name);
        best = route_score(fallback, path, script_len);
        if (best)
            snprintf(route, route_size, "%s", fallback);
        return best;
    }
    for (size_t i = 0; i < m->route_count; i++) {
        size_t len = 0, score = route_score(m->routes[i], path, &len);
        if (score > best) {
            best = score;
            *script_len = len;
            snprintf(route, route_size, "%s", m->routes[i]);
        }
    }
    return best;
}

int wf_manifest_parse(const char *text, size_t len, wf_manifest_t **out, char *err, size_t err_size)
{
    *out = NULL;
    wf_manifest_t *m = calloc(1, sizeof *m);
    if (!m)
        return fail(err, err_size, "out of memory");
    m->timeout_ms = m->memory_pages = m->fuel = m->call_depth = m->max_concurrency = -1;
    if (!text) {
        *out = m;
        return 0;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    int rc = 0;
    if (!root) {
        rc = fail(err, err_size, "manifest: invalid JSON");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        rc = fail(err, err_size, "manifest: expected a JSON object");
        goto done;
    }
    for (const cJSON *item = root->child; item && !rc; item = item->next) {
        if (!strcmp(item->string, "instance")) {
            if (cJSON_IsString(item) && !strcmp(item->valuestring, "fresh"))
                m->reuse = false;
            else if (cJSON_IsString(item) && !strcmp(item->valuestring, "reuse"))
                m->reuse = true;
            else
                rc = fail(err, err_size, "instance: expected \"fresh\" or \"reuse\"");
        } else if (!strcmp(item->string, "limits")) {
            rc = parse_limits(m, item, err, err_size);
        } else if (!strcmp(item->string, "exports")) {
            if (m->exports)
                rc = fail(err, err_size, "exports: given twice");
            else
                rc = parse_exports(m, item, err, err_size);
        } else if (!strcmp(item->string, "routes")) {
            rc = parse_routes(m, item, err, err_size);
        } else if (!strcmp(item->string, "wasi")) {
            if (m->wasi)
                rc = fail(err, err_size, "wasi: given twice");
            else
                rc = wf_cgi_config_parse(item, &m->wasi, err, err_size);
        } else {
            rc = fail(err, err_size, "manifest: unknown key '%s'", item->string);
        }
    }
done:
    cJSON_Delete(root);
    if (rc) {
        wf_manifest_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

/*
** Flattens types into wasm value type codes; returns the count, or -1 if
** there are more than cap.
*/
static int flatten(const wf_abi_type_t *types, uint32_t count, uint8_t *out, int cap)
{
    int n = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t a, b = 0;
        switch (types[i]) {
        case WF_ABI_S64:
        case WF_ABI_U64:
            a = 0x7E;
            break;
        case WF_ABI_F32:
            a = 0x7D;
            break;
        case WF_ABI_F64:
            a = 0x7C;
            break;
        case WF_ABI_STRING:
        case WF_ABI_BYTES:
            a = 0x7F, b = 0x7F;
            break;
        default:
            a = 0x7F;
            break;
        }
        if (n + (b ? 2 : 1) > cap)
            return -1;
        out[n++] = a;
        if (b)
            out[n++] = b;
    }
    return n;
}

static void type_text(char *out, size_t size, uint32_t count, const uint8_t *types)
{
    size_t used = 0;
    out[0] = 0;
    for (uint32_t i = 0; i < count && used + 6 < size; i++) {
        const char *name = types[i] == 0x7F   ? "i32"
                           : types[i] == 0x7E ? "i64"
                           : types[i] == 0x7D ? "f32"
                           : types[i] == 0x7C ? "f64"
                                              : "?";
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", name);
    }
}

int wf_manifest_check_export(const wf_manifest_export_t *x, uint32_t param_count,
                             const uint8_t *params, uint32_t result_count, const uint8_t *results,
                             bool *result_pointer, char *err, size_t err_size)
{
    uint8_t flat[2 * WF_MANIFEST_MAX_VALUES];
    char want[128], have[128];
    int n = flatten(x->params, x->param_count, flat, 16);
    if (n < 0)
        return fail(err, err_size, "exports.%s: more than 16 flattened parameters", x->name);
    if ((uint32_t)n != param_count || memcmp(flat, params, (size_t)n)) {
        type_text(want, sizeof want, (uint32_t)n, flat);
        type_text(have, sizeof have, param_count, params);
        return fail(err, err_size, "exports.%s: params flatten to (%s) but the function takes (%s)",
                    x->name, want, have);
    }
    n = flatten(x->results, x->result_count, flat, (int)sizeof flat);
    *result_pointer = false;
    if ((uint32_t)n == result_count && !memcmp(flat, results, (size_t)n))
        return 0;
    if (n > 1 && result_count == 1 && results[0] == 0x7F) {
        *result_pointer = true;
        return 0;
    }
    type_text(want, sizeof want, (uint32_t)n, flat);
    type_text(have, sizeof have, result_count, results);
    return fail(err, err_size,
                "exports.%s: results flatten to (%s) (or one i32 return pointer) but the "
                "function returns (%s)",
                x->name, want, have);
}
