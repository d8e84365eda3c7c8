/*
** The config table and everything generated from it: defaults, the JSON
** loader and validator, command-line overrides, --help and the Markdown key
** list of config/README.md.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define KEY_INT(json, field, def, lo, hi, reload, help)                                            \
    {                                                                                              \
        json, WF_CONFIG_INT, offsetof(wf_config_t, field), 0, def, lo, hi, NULL, reload, help      \
    }
#define KEY_BOOL(json, field, def, reload, help)                                                   \
    {                                                                                              \
        json, WF_CONFIG_BOOL, offsetof(wf_config_t, field), 0, def, 0, 1, NULL, reload, help       \
    }
#define KEY_STR(json, field, def, choices, reload, help)                                           \
    {                                                                                              \
        json, WF_CONFIG_STRING, offsetof(wf_config_t, field), sizeof(((wf_config_t *)0)->field),   \
            def, 0, 0, choices, reload, help                                                       \
    }

/* clang-format off */
const wf_config_key_t wf_config_keys[] = {
    KEY_STR("listen", listen, "127.0.0.1:8080", NULL, false,
            "address and port to listen on (HOST:PORT; IPv6 as [::1]:PORT)"),
    KEY_STR("modules_dir", modules_dir, "./modules", NULL, false,
            "directory of <name>.wasm / <name>.wat modules and <name>.json manifests"),
    KEY_INT("workers", workers, "0", 0, 256, false,
            "worker threads running wasm; 0 means one per CPU core"),
    KEY_INT("queue_depth", queue_depth, "1024", 1, 1000000, false,
            "requests waiting for a worker before new ones get 503"),
    KEY_INT("http.io_threads", io_threads, "0", 0, 64, false,
            "threads serving HTTP, each with its own event loop on the same port; 0 means one "
            "per CPU core (at most 64)"),
    KEY_INT("http.inline_fuel", inline_fuel, "20000", 0, 10000000, true,
            "fuel a short call of a module without imports may use on the I/O thread before "
            "it moves to a worker (0: every call goes to a worker)"),
    KEY_INT("http.max_connections", max_connections, "10000", 1, 1000000, false,
            "open client connections; more are closed at once"),
    KEY_INT("http.max_header_bytes", max_header_bytes, "8192", 256, 1048576, true,
            "request line plus headers; more is answered 431"),
    KEY_INT("http.max_body_bytes", max_body_bytes, "1048576", 0, 1073741824, true,
            "request body; more is answered 413"),
    KEY_INT("http.max_pipeline", max_pipeline, "16", 1, 1024, true,
            "pipelined requests per connection in flight before reading pauses"),
    KEY_INT("http.request_timeout_ms", request_timeout_ms, "10000", 10, 3600000, true,
            "time for a client to send a whole request; then 408"),
    KEY_INT("http.idle_timeout_ms", idle_timeout_ms, "30000", 10, 3600000, true,
            "keep-alive connection idle time before it is closed"),
    KEY_INT("drain_timeout_ms", drain_timeout_ms, "10000", 0, 3600000, true,
            "on SIGTERM, how long in-flight requests may finish before exit"),
    KEY_INT("registry.rescan_ms", rescan_ms, "250", 20, 60000, false,
            "period of the modules directory rescan (besides file-system events)"),
    KEY_INT("registry.settle_ms", settle_ms, "100", 0, 60000, false,
            "a file is loaded once unchanged for this long (half-written files wait)"),
    KEY_INT("limits.timeout_ms", timeout_ms, "1000", 1, 3600000, true,
            "default wall-time deadline of one call; then 504"),
    KEY_INT("limits.memory_pages", memory_pages, "256", 1, 65536, true,
            "default maximum linear memory, in 64 KiB pages"),
    KEY_INT("limits.fuel", fuel, "0", 0, INT64_MAX, true,
            "default instruction budget of one call (0: unlimited); then 504"),
    KEY_INT("limits.call_depth", call_depth, "10000", 16, 1000000, true,
            "default maximum wasm call depth; deeper traps (500)"),
    KEY_INT("limits.max_concurrency", max_concurrency, "0", 0, 100000, true,
            "default concurrent calls per module (0: unlimited); more get 429"),
    KEY_STR("log.format", log_format, "json", "json|text", true,
            "log line format"),
    KEY_STR("log.level", log_level, "info", "debug|info|warn|error", true,
            "least severe level logged"),
    KEY_BOOL("log.access", access_log, "true", true,
             "one log line per request"),
    KEY_STR("admin.token", admin_token, "", NULL, true,
            "bearer token required by /admin/* (empty: admin open to loopback only)"),
};
/* clang-format on */
const size_t wf_config_key_count = sizeof wf_config_keys / sizeof wf_config_keys[0];

static void set_err(char *err, size_t size, const char *fmt, ...)
{
    if (!err || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

static const wf_config_key_t *find_key(const char *name)
{
    for (size_t i = 0; i < wf_config_key_count; i++)
        if (!strcmp(wf_config_keys[i].name, name))
            return &wf_config_keys[i];
    return NULL;
}

/*
** Whether value is one of the '|'-separated choices.
*/
static bool in_choices(const char *choices, const char *value)
{
    size_t n = strlen(value);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, value, n))
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

/*
** Stores text into key's field after validation. The one place every value
** passes through, whatever its source.
*/
static int store(wf_config_t *config, const wf_config_key_t *key, const char *text, char *err,
                 size_t err_size)
{
    char *field = (char *)config + key->offset;
    switch (key->type) {
    case WF_CONFIG_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            set_err(err, err_size, "%s: '%s' is not an integer", key->name, text);
            return -1;
        }
        if (v < key->min || v > key->max) {
            set_err(err, err_size, "%s: %lld is out of range [%" PRId64 ", %" PRId64 "]", key->name,
                    v, key->min, key->max);
            return -1;
        }
        *(int64_t *)field = v;
        return 0;
    }
    case WF_CONFIG_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            *(bool *)field = true;
        else if (!strcmp(text, "false") || !strcmp(text, "0"))
            *(bool *)field = false;
        else {
            set_err(err, err_size, "%s: '%s' is not true or false", key->name, text);
            return -1;
        }
        return 0;
    case WF_CONFIG_STRING:
        if (strlen(text) >= key->size) {
            set_err(err, err_size, "%s: longer than %zu bytes", key->name, key->size - 1);
            return -1;
        }
        if (key->choices && !in_choices(key->choices, text)) {
            set_err(err, err_size, "%s: '%s' is not one of %s", key->name, text, key->choices);
            return -1;
        }
        memcpy(field, text, strlen(text) + 1);
        return 0;
    }
    return -1;
}

void wf_config_defaults(wf_config_t *config)
{
    memset(config, 0, sizeof *config);
    for (size_t i = 0; i < wf_config_key_count; i++)
        (void)store(config, &wf_config_keys[i], wf_config_keys[i].def, NULL, 0);
}

int wf_config_set(wf_config_t *config, const char *name, const char *value, char *err,
                  size_t err_size)
{
    const wf_config_key_t *key = find_key(name);
    if (!key) {
        set_err(err, err_size, "unknown config key '%s'", name);
        return -1;
    }
    return store(config, key, value, err, err_size);
}

/*
** Walks one JSON object; prefix is the dotted path to it ("" at the top).
** Objects recurse; leaves must be keys of the table with the right JSON type.
*/
static int load_object(wf_config_t *config, const cJSON *object, const char *prefix, char *err,
                       size_t err_size)
{
    for (const cJSON *item = object->child; item; item = item->next) {
        char name[128];
        int n = snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", item->string);
        if (n < 0 || (size_t)n >= sizeof name) {
            set_err(err, err_size, "config key name too long");
            return -1;
        }
        if (cJSON_IsObject(item)) {
            if (load_object(config, item, name, err, err_size))
                return -1;
            continue;
        }
        const wf_config_key_t *key = find_key(name);
        if (!key) {
            set_err(err, err_size, "unknown config key '%s'", name);
            return -1;
        }
        char text[64];
        const char *value = text;
        if (key->type == WF_CONFIG_INT && cJSON_IsNumber(item)) {
            double d = item->valuedouble;
            if (d != (double)(long long)d || d > 9.2e18 || d < -9.2e18) {
                set_err(err, err_size, "%s: %g is not an integer", name, d);
                return -1;
            }
            snprintf(text, sizeof text, "%lld", (long long)d);
        } else if (key->type == WF_CONFIG_BOOL && cJSON_IsBool(item)) {
            value = cJSON_IsTrue(item) ? "true" : "false";
        } else if (key->type == WF_CONFIG_STRING && cJSON_IsString(item)) {
            value = item->valuestring;
        } else {
            set_err(err, err_size, "%s: expected %s", name,
                    key->type == WF_CONFIG_INT    ? "an integer"
                    : key->type == WF_CONFIG_BOOL ? "true or false"
                                                  : "a string");
            return -1;
        }
        if (store(config, key, value, err, err_size))
            return -1;
    }
    return 0;
}

int wf_config_load_text(wf_config_t *config, const char *text, char *err, size_t err_size)
{
    cJSON *root = cJSON_Parse(text);
    if (!root) {
        set_err(err, err_size, "invalid JSON near '%.20s'",
                cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
        return -1;
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        set_err(err, err_size, "the config must be a JSON object");
        rc = -1;
    } else {
        /* Load into a copy so that a bad file changes nothing. */
        wf_config_t copy = *config;
        rc = load_object(&copy, root, "", err, err_size);
        if (!rc)
            *config = copy;
    }
    cJSON_Delete(root);
    return rc;
}

int wf_config_load_file(wf_config_t *config, const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                set_err(err, err_size, "%s: out of memory", path);
                return -1;
            }
            text = grown;
        }
        size_t n = fread(text + len, 1, 4096, f);
        len += n;
        if (n < 4096)
            break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        set_err(err, err_size, "%s: read error", path);
        return -1;
    }
    text[len] = 0;
    char inner[256];
    int rc = wf_config_load_text(config, text, inner, sizeof inner);
    if (rc)
        set_err(err, err_size, "%s: %s", path, inner);
    free(text);
    return rc;
}

void wf_config_apply_reloadable(wf_config_t *to, const wf_config_t *from)
{
    for (size_t i = 0; i < wf_config_key_count; i++) {
        const wf_config_key_t *key = &wf_config_keys[i];
        if (!key->reloadable)
            continue;
        size_t size = key->type == WF_CONFIG_INT    ? sizeof(int64_t)
                      : key->type == WF_CONFIG_BOOL ? sizeof(bool)
                                                    : key->size;
        memcpy((char *)to + key->offset, (const char *)from + key->offset, size);
    }
}

static const char *type_name(const wf_config_key_t *key)
{
    return key->type == WF_CONFIG_INT ? "int" : key->type == WF_CONFIG_BOOL ? "bool" : "string";
}

void wf_config_print_help(FILE *out)
{
    fprintf(out, "config keys (JSON file given by --config; dotted names nest):\n");
    for (size_t i = 0; i < wf_config_key_count; i++) {
        const wf_config_key_t *key = &wf_config_keys[i];
        fprintf(out, "  %-26s %-6s default %s", key->name, type_name(key),
                *key->def ? key->def : "\"\"");
        if (key->type == WF_CONFIG_INT)
            fprintf(out, " [%" PRId64 "..%" PRId64 "]", key->min, key->max);
        if (key->choices)
            fprintf(out, " (%s)", key->choices);
        fprintf(out, "%s\n      %s\n", key->reloadable ? " reloadable" : "", key->help);
    }
}

void wf_config_print_markdown(FILE *out)
{
    fprintf(out, "| key | type | default | bounds | SIGHUP | meaning |\n");
    fprintf(out, "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < wf_config_key_count; i++) {
        const wf_config_key_t *key = &wf_config_keys[i];
        fprintf(out, "| `%s` | %s | `%s` | ", key->name, type_name(key),
                *key->def ? key->def : "\"\"");
        if (key->type == WF_CONFIG_INT)
            fprintf(out, "%" PRId64 " .. %" PRId64, key->min, key->max);
        else if (key->type == WF_CONFIG_BOOL)
            fputs("true or false", out);
        else if (key->choices)
            for (const char *c = key->choices; *c; c++)
                fputs(*c == '|' ? " \\| " : (char[]){*c, 0}, out);
        else
            fprintf(out, "up to %zu bytes", key->size - 1);
        fprintf(out, " | %s | %s |\n", key->reloadable ? "yes" : "no", key->help);
    }
}
