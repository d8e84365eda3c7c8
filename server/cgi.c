/*
** CGI functions (WAGI style): request -> environment + stdin, stdout -> HTTP
** response. See cgi.h.
*/
#include "cgi.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADER_LINES 100

/* ---------------------------------------------------------------------- */
/* Responses                                                               */
/* ---------------------------------------------------------------------- */

void wf_cgi_response_init(wf_cgi_response_t *response)
{
    memset(response, 0, sizeof *response);
    wf_buf_init(&response->headers);
    wf_buf_init(&response->body);
}

void wf_cgi_response_close(wf_cgi_response_t *response)
{
    wf_buf_close(&response->headers);
    wf_buf_close(&response->body);
}

/* Replaces response with a JSON error made by wafer. */
static void response_error(wf_cgi_response_t *response, int status, const char *module,
                           const char *error, const char *detail)
{
    wf_buf_close(&response->headers);
    wf_buf_close(&response->body);
    response->status = status;
    snprintf(response->content_type, sizeof response->content_type, "application/json");
    snprintf(response->error, sizeof response->error, "%s%s%s", error, detail ? ": " : "",
             detail ? detail : "");
    wf_buf_puts(&response->body, "{\"error\":");
    wf_buf_json_cstr(&response->body, error);
    wf_buf_puts(&response->body, ",\"trap\":");
    if (detail)
        wf_buf_json_cstr(&response->body, detail);
    else
        wf_buf_puts(&response->body, "null");
    wf_buf_puts(&response->body, ",\"module\":");
    wf_buf_json_cstr(&response->body, module ? module : "");
    wf_buf_puts(&response->body, ",\"function\":\"_start\"}\n");
}

static bool name_is(const char *name, size_t len, const char *expected)
{
    return strlen(expected) == len && !strncasecmp(name, expected, len);
}

/* A header name is a token (RFC 9110): visible characters but separators. */
static bool valid_token(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 32 || ch >= 127 || strchr("()<>@,;:\\\"/[]?={}", ch))
            return false;
    }
    return true;
}

bool wf_cgi_parse(const uint8_t *output, size_t len, wf_cgi_response_t *response)
{
    const char *text = (const char *)output;
    size_t pos = 0;
    int status = 0, lines = 0;
    bool have_type = false, have_location = false, local_location = false;
    for (;;) {
        const char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
        if (!nl) {
            response_error(response, 502, NULL, "malformed CGI response",
                           "the output has no blank line after the headers");
            return false;
        }
        size_t line_len = (size_t)(nl - (text + pos));
        const char *line = text + pos;
        pos += line_len + 1;
        if (line_len && line[line_len - 1] == '\r')
            line_len--;
        if (line_len == 0)
            break; /* the blank line: the body follows */
        if (++lines > MAX_HEADER_LINES) {
            response_error(response, 502, NULL, "malformed CGI response", "too many headers");
            return false;
        }
        const char *colon = memchr(line, ':', line_len);
        if (!colon || !valid_token(line, (size_t)(colon - line))) {
            response_error(response, 502, NULL, "malformed CGI response",
                           "a header line is not NAME: VALUE");
            return false;
        }
        size_t name_len = (size_t)(colon - line);
        const char *value = colon + 1;
        size_t value_len = line_len - name_len - 1;
        while (value_len && (*value == ' ' || *value == '\t')) {
            value++;
            value_len--;
        }
        while (value_len && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
            value_len--;
        for (size_t i = 0; i < value_len; i++)
            if ((unsigned char)value[i] < 32 && value[i] != '\t') {
                response_error(response, 502, NULL, "malformed CGI response",
                               "a header value holds a control character");
                return false;
            }
        if (name_is(line, name_len, "Status")) {
            /* "Status: 404" or "Status: 404 Not Found": the reason is ours. */
            if (value_len < 3 || !isdigit((unsigned char)value[0]) ||
                !isdigit((unsigned char)value[1]) || !isdigit((unsigned char)value[2]) ||
                (value_len > 3 && value[3] != ' ')) {
                response_error(response, 502, NULL, "malformed CGI response",
                               "the Status header is not a 3-digit code");
                return false;
            }
            status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
            if (status < 100 || status > 599) {
                response_error(response, 502, NULL, "malformed CGI response",
                               "the Status code is out of range");
                return false;
            }
        } else if (name_is(line, name_len, "Content-Type")) {
            if (value_len >= sizeof response->content_type) {
                response_error(response, 502, NULL, "malformed CGI response",
                               "the Content-Type is too long");
                return false;
            }
            memcpy(response->content_type, value, value_len);
            response->content_type[value_len] = '\0';
            have_type = true;
        } else if (name_is(line, name_len, "Content-Length") ||
                   name_is(line, name_len, "Transfer-Encoding") ||
                   name_is(line, name_len, "Connection") || name_is(line, name_len, "Keep-Alive")) {
            /* Framing is the server's business: the program's say is dropped. */
        } else {
            if (name_is(line, name_len, "Location")) {
                have_location = true;
                local_location = value_len && value[0] == '/';
            }
            wf_buf_append(&response->headers, line, name_len);
            wf_buf_puts(&response->headers, ": ");
            wf_buf_append(&response->headers, value, value_len);
            wf_buf_puts(&response->headers, "\r\n");
        }
    }
    if (!status && !have_type && !have_location) {
        response_error(response, 502, NULL, "malformed CGI response",
                       "no Status, Content-Type or Location header");
        return false;
    }
    /* A Location without a Status is a redirect (RFC 3875 6.2.3; a local
       path is redirected by the client too: wafer does not re-dispatch). */
    (void)local_location;
    response->status = status ? status : have_location ? 302 : 200;
    wf_buf_append(&response->body, text + pos, len - pos);
    if (response->headers.failed || response->body.failed) {
        response_error(response, 500, NULL, "out of memory", NULL);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Environment                                                             */
/* ---------------------------------------------------------------------- */

typedef struct env_builder {
    char **vars;
    size_t count, cap;
    bool failed;
} env_builder_t;

/* Adds NAME=VALUE (value_len bytes), replacing an earlier NAME. */
static void env_add(env_builder_t *b, const char *name, const char *value, size_t value_len)
{
    if (b->failed)
        return;
    size_t name_len = strlen(name);
    char *var = malloc(name_len + value_len + 2);
    if (!var) {
        b->failed = true;
        return;
    }
    memcpy(var, name, name_len);
    var[name_len] = '=';
    memcpy(var + name_len + 1, value, value_len);
    var[name_len + 1 + value_len] = '\0';
    for (size_t i = 0; i < b->count; i++)
        if (!strncmp(b->vars[i], var, name_len + 1)) {
            free(b->vars[i]);
            b->vars[i] = var;
            return;
        }
    if (b->count + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char **bigger = realloc(b->vars, cap * sizeof *bigger);
        if (!bigger) {
            free(var);
            b->failed = true;
            return;
        }
        b->vars = bigger;
        b->cap = cap;
    }
    b->vars[b->count++] = var;
    b->vars[b->count] = NULL;
}

static void env_set(env_builder_t *b, const char *name, const char *value)
{
    env_add(b, name, value, strlen(value));
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s into a new string (NUL bytes are kept encoded). */
static char *url_decode(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0 && (hi || lo)) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

char **wf_cgi_env_new(const wf_cgi_request_t *r, const wf_cgi_grants_t *grants, size_t *count)
{
    env_builder_t b = {0};
    const char *host = NULL;
    const char *content_type = "";
    for (size_t i = 0; i < r->header_count; i++) {
        if (!strcasecmp(r->headers[i].name, "Host"))
            host = r->headers[i].value;
        if (!strcasecmp(r->headers[i].name, "Content-Type"))
            content_type = r->headers[i].value;
    }
    char server_name[256] = "localhost", server_port[16] = "80";
    if (host) {
        const char *colon = strrchr(host, ':');
        const char *bracket = strrchr(host, ']');
        size_t name_len =
            colon && (!bracket || colon > bracket) ? (size_t)(colon - host) : strlen(host);
        if (name_len < sizeof server_name && name_len > 0) {
            memcpy(server_name, host, name_len);
            server_name[name_len] = '\0';
        }
        if (colon && (!bracket || colon > bracket))
            snprintf(server_port, sizeof server_port, "%s", colon + 1);
    }
    if (r->server_name)
        snprintf(server_name, sizeof server_name, "%s", r->server_name);
    if (r->server_port)
        snprintf(server_port, sizeof server_port, "%s", r->server_port);

    const char *script = r->script_name ? r->script_name : "";
    size_t script_len = strlen(script);
    const char *raw_info = !strncmp(r->path, script, script_len) ? r->path + script_len : "";
    char *path_info = url_decode(raw_info);
    char length[32];
    snprintf(length, sizeof length, "%zu", r->body_len);

    env_set(&b, "AUTH_TYPE", "");
    env_set(&b, "CONTENT_LENGTH", length);
    env_set(&b, "CONTENT_TYPE", content_type);
    env_set(&b, "GATEWAY_INTERFACE", "CGI/1.1");
    env_set(&b, "PATH_INFO", path_info ? path_info : raw_info);
    env_set(&b, "PATH_TRANSLATED", path_info ? path_info : raw_info);
    env_set(&b, "QUERY_STRING", r->query ? r->query : "");
    env_set(&b, "REMOTE_ADDR", r->remote_addr ? r->remote_addr : "");
    env_set(&b, "REMOTE_HOST", r->remote_addr ? r->remote_addr : "");
    env_set(&b, "REMOTE_USER", "");
    env_set(&b, "REQUEST_METHOD", r->method);
    env_set(&b, "SCRIPT_NAME", script);
    env_set(&b, "SERVER_NAME", server_name);
    env_set(&b, "SERVER_PORT", server_port);
    env_set(&b, "SERVER_PROTOCOL", "HTTP/1.1");
    env_set(&b, "SERVER_SOFTWARE", "wafer");
    /* WAGI's additions. */
    char *route = malloc(script_len + 5);
    if (r->matched_route) {
        env_set(&b, "X_MATCHED_ROUTE", r->matched_route);
    } else if (route) {
        snprintf(route, script_len + 5, "%s/...", script);
        env_set(&b, "X_MATCHED_ROUTE", route);
    } else {
        b.failed = true;
    }
    free(route);
    env_set(&b, "X_RAW_PATH_INFO", raw_info);
    size_t url_len = strlen(server_name) + strlen(server_port) + strlen(r->path) +
                     (r->query ? strlen(r->query) : 0) + 32;
    char *url = malloc(url_len);
    if (url) {
        snprintf(url, url_len, "http://%s:%s%s%s%s", server_name, server_port, r->path,
                 r->query && r->query[0] ? "?" : "", r->query ? r->query : "");
        env_set(&b, "X_FULL_URL", url);
        free(url);
    } else {
        b.failed = true;
    }
    if (r->request_id)
        env_set(&b, "X_REQUEST_ID", r->request_id);
    free(path_info);

    /* HTTP_* for every header but the two CGI has its own names for;
       repeated headers are joined with ", " as HTTP allows. */
    for (size_t i = 0; i < r->header_count && !b.failed; i++) {
        const char *name = r->headers[i].name;
        if (!strcasecmp(name, "Content-Type") || !strcasecmp(name, "Content-Length"))
            continue;
        size_t n = strlen(name);
        char *var = malloc(n + 6);
        if (!var) {
            b.failed = true;
            break;
        }
        memcpy(var, "HTTP_", 5);
        for (size_t k = 0; k < n; k++) {
            unsigned char ch = (unsigned char)name[k];
            var[5 + k] = ch == '-' ? '_' : (char)toupper(ch);
        }
        var[5 + n] = '\0';
        const char *previous = NULL;
        for (size_t k = 0; k < b.count; k++)
            if (!strncmp(b.vars[k], var, n + 5) && b.vars[k][n + 5] == '=')
                previous = b.vars[k] + n + 6;
        if (previous) {
            size_t joined_len = strlen(previous) + strlen(r->headers[i].value) + 3;
            char *joined = malloc(joined_len);
            if (joined) {
                snprintf(joined, joined_len, "%s, %s", previous, r->headers[i].value);
                env_set(&b, var, joined);
                free(joined);
            } else {
                b.failed = true;
            }
        } else {
            env_set(&b, var, r->headers[i].value);
        }
        free(var);
    }
    for (size_t i = 0; grants && i < grants->env_count; i++) {
        const char *eq = strchr(grants->env[i], '=');
        if (!eq)
            continue;
        char name[256];
        size_t n = (size_t)(eq - grants->env[i]);
        if (n == 0 || n >= sizeof name)
            continue;
        memcpy(name, grants->env[i], n);
        name[n] = '\0';
        env_set(&b, name, eq + 1);
    }
    if (b.failed || !b.vars) {
        for (size_t i = 0; i < b.count; i++)
            free(b.vars[i]);
        free(b.vars);
        return NULL;
    }
    *count = b.count;
    return b.vars;
}

void wf_cgi_env_free(char **env)
{
    if (!env)
        return;
    for (char **v = env; *v; v++)
        free(*v);
    free(env);
}

/* ---------------------------------------------------------------------- */
/* Grants from a manifest                                                  */
/* ---------------------------------------------------------------------- */

struct wf_cgi_config {
    wf_wasi_preopen_t *dirs; /* host_path and guest_path owned */
    size_t dir_count;
    char **env; /* "K=V", owned */
    size_t env_count;
    char **args; /* owned */
    size_t arg_count;
};

void wf_cgi_config_free(wf_cgi_config_t *config)
{
    if (!config)
        return;
    for (size_t i = 0; i < config->dir_count; i++) {
        free((char *)config->dirs[i].host_path);
        free((char *)config->dirs[i].guest_path);
    }
    free(config->dirs);
    for (size_t i = 0; i < config->env_count; i++)
        free(config->env[i]);
    free(config->env);
    for (size_t i = 0; i < config->arg_count; i++)
        free(config->args[i]);
    free(config->args);
    free(config);
}

static int config_fail(char *err, size_t err_size, const char *fmt, const char *detail)
{
    snprintf(err, err_size, fmt, detail);
    return -1;
}

int wf_cgi_config_parse(const void *wasi_json, wf_cgi_config_t **out, char *err, size_t err_size)
{
    const cJSON *root = wasi_json;
    *out = NULL;
    if (!cJSON_IsObject(root))
        return config_fail(err, err_size, "wasi: expected an object%s", "");
    wf_cgi_config_t *c = calloc(1, sizeof *c);
    if (!c)
        return config_fail(err, err_size, "out of memory%s", "");
    int rc = 0;
    for (const cJSON *item = root->child; item && !rc; item = item->next) {
        size_t n = (size_t)cJSON_GetArraySize(item);
        if (!strcmp(item->string, "dirs")) {
            if (!cJSON_IsObject(item) || c->dirs) {
                rc = config_fail(err, err_size, "wasi.dirs: expected an object%s", "");
                break;
            }
            c->dirs = calloc(n + 1, sizeof *c->dirs);
            if (!c->dirs) {
                rc = config_fail(err, err_size, "out of memory%s", "");
                break;
            }
            for (const cJSON *d = item->child; d && !rc; d = d->next) {
                const char *host = NULL;
                bool writable = false;
                if (cJSON_IsString(d)) {
                    host = d->valuestring;
                } else if (cJSON_IsObject(d)) {
                    const cJSON *h = cJSON_GetObjectItemCaseSensitive(d, "host");
                    const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, "writable");
                    host = cJSON_IsString(h) ? h->valuestring : NULL;
                    if (w && !cJSON_IsBool(w)) {
                        rc =
                            config_fail(err, err_size,
                                        "wasi.dirs.%s.writable: expected true or false", d->string);
                        break;
                    }
                    writable = cJSON_IsTrue(w);
                    for (const cJSON *k = d->child; k; k = k->next)
                        if (strcmp(k->string, "host") && strcmp(k->string, "writable")) {
                            rc = config_fail(err, err_size, "wasi.dirs: unknown key '%s'",
                                             k->string);
                            break;
                        }
                }
                if (rc)
                    break;
                if (!host || !host[0] || !d->string[0]) {
                    rc = config_fail(err, err_size,
                                     "wasi.dirs.%s: expected a host directory (a string, or "
                                     "an object with \"host\")",
                                     d->string);
                    break;
                }
                wf_wasi_preopen_t *p = &c->dirs[c->dir_count++];
                p->host_path = strdup(host);
                p->guest_path = strdup(d->string);
                p->read_only = !writable;
                if (!p->host_path || !p->guest_path)
                    rc = config_fail(err, err_size, "out of memory%s", "");
            }
        } else if (!strcmp(item->string, "env")) {
            if (!cJSON_IsObject(item) || c->env) {
                rc = config_fail(err, err_size, "wasi.env: expected an object%s", "");
                break;
            }
            c->env = calloc(n + 1, sizeof *c->env);
            if (!c->env) {
                rc = config_fail(err, err_size, "out of memory%s", "");
                break;
            }
            for (const cJSON *e = item->child; e && !rc; e = e->next) {
                if (!cJSON_IsString(e) || !e->string[0] || strchr(e->string, '=')) {
                    rc = config_fail(err, err_size,
                                     "wasi.env.%s: expected a name without '=' and a string",
                                     e->string);
                    break;
                }
                size_t len = strlen(e->string) + strlen(e->valuestring) + 2;
                char *var = malloc(len);
                if (!var) {
                    rc = config_fail(err, err_size, "out of memory%s", "");
                    break;
                }
                snprintf(var, len, "%s=%s", e->string, e->valuestring);
                c->env[c->env_count++] = var;
            }
        } else if (!strcmp(item->string, "args")) {
            if (!cJSON_IsArray(item) || c->args) {
                rc = config_fail(err, err_size, "wasi.args: expected an array of strings%s", "");
                break;
            }
            c->args = calloc(n + 1, sizeof *c->args);
            if (!c->args) {
                rc = config_fail(err, err_size, "out of memory%s", "");
                break;
            }
            for (const cJSON *a = item->child; a && !rc; a = a->next) {
                if (!cJSON_IsString(a)) {
                    rc = config_fail(err, err_size, "wasi.args: expected strings%s", "");
                    break;
                }
                c->args[c->arg_count] = strdup(a->valuestring);
                if (!c->args[c->arg_count++])
                    rc = config_fail(err, err_size, "out of memory%s", "");
            }
        } else {
            rc = config_fail(err, err_size, "wasi: unknown key '%s'", item->string);
        }
    }
    if (rc) {
        wf_cgi_config_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

/*
** The grants of config as a view, host paths made absolute against base_dir
** (the module's directory). dirs must have room for config->dir_count
** entries and paths for as many owned strings (freed by the caller).
*/
static bool config_grants(const wf_cgi_config_t *config, const char *base_dir,
                          wf_wasi_preopen_t *dirs, char **paths, wf_cgi_grants_t *out)
{
    memset(out, 0, sizeof *out);
    if (!config)
        return true;
    for (size_t i = 0; i < config->dir_count; i++) {
        const wf_wasi_preopen_t *p = &config->dirs[i];
        dirs[i] = *p;
        paths[i] = NULL;
        if (p->host_path[0] != '/' && base_dir && base_dir[0]) {
            size_t len = strlen(base_dir) + strlen(p->host_path) + 2;
            paths[i] = malloc(len);
            if (!paths[i])
                return false;
            snprintf(paths[i], len, "%s/%s", base_dir, p->host_path);
            dirs[i].host_path = paths[i];
        }
    }
    out->dirs = dirs;
    out->dir_count = config->dir_count;
    out->env = (const char *const *)config->env;
    out->env_count = config->env_count;
    out->args = (const char *const *)config->args;
    out->arg_count = config->arg_count;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Running                                                                 */
/* ---------------------------------------------------------------------- */

/* Arms the options' deadline while an instance is made (its start function). */
typedef struct start_guard {
    const wf_cgi_options_t *options;
    bool fired;
} start_guard_t;

static void start_guard(void *user, wf_instance_t *instance)
{
    start_guard_t *g = user;
    if (instance)
        g->options->arm(g->options->user, instance);
    else
        g->fired = g->options->disarm(g->options->user);
}

/* stderr of one run: collected, then logged line by line with the request id. */
typedef struct stderr_sink {
    wf_buf_t text;
    bool truncated;
} stderr_sink_t;

static void stderr_write(void *user, const uint8_t *data, size_t size)
{
    stderr_sink_t *sink = user;
    if (sink->text.len + size > WF_CGI_MAX_STDERR) {
        size = sink->text.len < WF_CGI_MAX_STDERR ? WF_CGI_MAX_STDERR - sink->text.len : 0;
        sink->truncated = true;
    }
    wf_buf_append(&sink->text, data, size);
}

static void stderr_flush(stderr_sink_t *sink, const wf_cgi_request_t *r, wf_log_t *log)
{
    if (log && !sink->text.failed && sink->text.len) {
        char *p = sink->text.data, *end = p + sink->text.len;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *stop = nl ? nl : end;
            *stop = '\0';
            wf_log_event(log, WF_LOG_INFO, "guest stderr", "request_id",
                         r->request_id ? r->request_id : "", "module",
                         r->module_name ? r->module_name : "", "line", p, NULL);
            p = stop + 1;
        }
        if (sink->truncated)
            wf_log_event(log, WF_LOG_WARN, "guest stderr truncated", "request_id",
                         r->request_id ? r->request_id : "", "module",
                         r->module_name ? r->module_name : "", NULL);
    }
    wf_buf_close(&sink->text);
}

void wf_cgi_run(wf_module_t *module, const wf_cgi_request_t *request, const wf_cgi_grants_t *grants,
                const wf_cgi_options_t *options, wf_cgi_response_t *response)
{
    const char *name = request->module_name ? request->module_name : "";
    stderr_sink_t sink;
    memset(&sink, 0, sizeof sink);
    wf_buf_init(&sink.text);
    wf_error_info_t err;
    memset(&err, 0, sizeof err);

    size_t env_count = 0;
    char **env = wf_cgi_env_new(request, grants, &env_count);
    size_t argc = 1 + (grants ? grants->arg_count : 0);
    const char **argv = calloc(argc + 1, sizeof *argv);
    if (!env || !argv) {
        response_error(response, 500, name, "out of memory", NULL);
        goto out_env;
    }
    argv[0] = name;
    for (size_t i = 1; i < argc; i++)
        argv[i] = grants->args[i - 1];

    wf_wasi_config_t config;
    memset(&config, 0, sizeof config);
    config.argc = argc;
    config.argv = argv;
    config.envc = env_count;
    config.env = (const char *const *)env;
    config.stdin_ = (wf_wasi_stdio_t){
        .kind = WF_WASI_STDIO_BUFFER, .input = request->body, .input_size = request->body_len};
    config.stdout_ = (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_BUFFER,
                                       .output_limit = options->max_output ? options->max_output
                                                                           : WF_CGI_MAX_OUTPUT};
    config.stderr_ =
        (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_CALLBACK, .write = stderr_write, .user = &sink};
    config.preopens = grants ? grants->dirs : NULL;
    config.preopen_count = grants ? grants->dir_count : 0;
    config.deadline_ns = options->deadline_ns;
    wf_wasi_t *wasi = NULL;
    wf_err_t rc = wf_wasi_new(&config, &wasi, &err);
    if (rc != WF_OK) {
        response_error(response, 500, name, "cannot set up WASI", err.message);
        goto out_env;
    }

    uint32_t import_count = wf_module_import_count(module);
    wf_extern_t *imports = calloc(import_count + 1, sizeof *imports);
    if (!imports) {
        response_error(response, 500, name, "out of memory", NULL);
        goto out_wasi;
    }
    rc = wf_wasi_link(wasi, module, imports, &err);
    if (rc != WF_OK) {
        response_error(response, 500, name, "cannot link the module", err.message);
        goto out_imports;
    }
    wf_instance_t *instance = NULL;
    wf_instance_limits_t limits = options->limits;
    start_guard_t guard = {.options = options};
    if (options->arm && options->disarm) {
        /* the deadline covers a start function too */
        limits.on_init = start_guard;
        limits.on_init_user = &guard;
    }
    rc = wf_instance_new(module, imports, import_count, &limits, &instance, &err);
    if (rc == WF_ERR_TRAP_INTERRUPTED || rc == WF_ERR_TRAP_FUEL || (guard.fired && rc != WF_OK)) {
        response_error(response, 504, name,
                       rc == WF_ERR_TRAP_FUEL ? "fuel exhausted" : "deadline exceeded",
                       wf_strerror(rc));
        goto out_imports;
    }
    if (rc != WF_OK) {
        response_error(response, 500, name, "cannot instantiate the module",
                       err.message[0] ? err.message : wf_strerror(rc));
        goto out_imports;
    }
    if (guard.fired) /* it fired just after the start function returned */
        wf_instance_clear_interrupt(instance);
    if (options->limits.fuel)
        wf_instance_set_fuel(instance, options->limits.fuel);

    int exit_code = 0;
    if (options->arm)
        options->arm(options->user, instance);
    rc = wf_wasi_run(wasi, instance, &exit_code, &err);
    bool fired = options->disarm ? options->disarm(options->user) : false;

    const uint8_t *out = NULL;
    size_t out_len = 0;
    bool overflowed = wf_wasi_output(wasi, 1, &out, &out_len);
    if (overflowed) {
        response_error(response, 500, name, "output limit exceeded", NULL);
    } else if (rc == WF_ERR_TRAP_INTERRUPTED || rc == WF_ERR_TRAP_FUEL || (fired && rc != WF_OK)) {
        response_error(response, 504, name,
                       rc == WF_ERR_TRAP_FUEL ? "fuel exhausted" : "deadline exceeded",
                       wf_strerror(rc));
    } else if (rc != WF_OK) {
        char detail[400];
        snprintf(detail, sizeof detail, "%s%s%s", wf_strerror(rc),
                 err.message[0] && strcmp(err.message, wf_strerror(rc)) ? ": " : "",
                 err.message[0] && strcmp(err.message, wf_strerror(rc)) ? err.message : "");
        response_error(response, 500, name, "trap", detail);
    } else if (!wf_cgi_parse(out, out_len, response)) {
        if (exit_code != 0) {
            char detail[64];
            snprintf(detail, sizeof detail, "exit status %d", exit_code);
            response_error(response, 500, name, "the program failed", detail);
        } else {
            char why[256];
            snprintf(why, sizeof why, "%s", response->error);
            response_error(response, 502, name, "malformed CGI response", why);
        }
    }
    if (fired)
        wf_instance_clear_interrupt(instance);
    wf_instance_free(instance);
out_imports:
    free(imports);
out_wasi:
    wf_wasi_free(wasi);
out_env:
    stderr_flush(&sink, request, options->log);
    free(argv);
    wf_cgi_env_free(env);
}

void wf_cgi_run_config(wf_module_t *module, const wf_cgi_request_t *request,
                       const wf_cgi_config_t *config, const char *base_dir,
                       const wf_cgi_options_t *options, wf_cgi_response_t *response)
{
    size_t n = config ? config->dir_count : 0;
    wf_wasi_preopen_t *dirs = calloc(n + 1, sizeof *dirs);
    char **paths = calloc(n + 1, sizeof *paths);
    wf_cgi_grants_t grants;
    if (!dirs || !paths || !config_grants(config, base_dir, dirs, paths, &grants))
        response_error(response, 500, request->module_name, "out of memory", NULL);
    else
        wf_cgi_run(module, request, &grants, options, response);
    for (size_t i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
    free(dirs);
}

/* ---------------------------------------------------------------------- */
/* The worker pool's hook                                                  */
/* ---------------------------------------------------------------------- */

static void hook_arm(void *user, wf_instance_t *instance)
{
    wf_invoke_cgi_t *cgi = user;
    cgi->arm(cgi, instance);
}

static bool hook_disarm(void *user)
{
    wf_invoke_cgi_t *cgi = user;
    return cgi->disarm(cgi);
}

void wf_cgi_invoke(wf_invoke_cgi_t *cgi)
{
    wf_job_t *job = cgi->job;
    const wf_http_request_t *req = job->request;
    const char *module_name = job->version && job->version->name ? job->version->name : "";

    /* SCRIPT_NAME: what the matched route fixed (serve.c); reached through
       /fn/, the request path up to and including the module's name segment
       (e.g. "/fn/hello" of "/fn/hello/a/b"). The rest is PATH_INFO. */
    char script[512] = "";
    size_t name_len = job->matched_route[0] ? 0 : strlen(module_name);
    if (job->matched_route[0])
        snprintf(script, sizeof script, "%s", job->script_name);
    for (const char *p = strchr(req->path, '/'); p && name_len; p = strchr(p + 1, '/')) {
        if (!strncmp(p + 1, module_name, name_len) &&
            (p[1 + name_len] == '/' || !p[1 + name_len])) {
            size_t len = (size_t)(p + 1 + name_len - req->path);
            if (len < sizeof script) {
                memcpy(script, req->path, len);
                script[len] = '\0';
            }
            break;
        }
    }
    wf_cgi_request_t request = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .script_name = script[0] || job->matched_route[0] ? script : req->path,
        .matched_route = job->matched_route[0] ? job->matched_route : NULL,
        .headers = req->headers,
        .header_count = req->header_count,
        .body = (const uint8_t *)req->body.data,
        .body_len = req->body.len,
        .remote_addr = wf_http_request_remote(req),
        .request_id = req->request_id,
        .module_name = module_name,
    };
    /* Guest stderr goes to the daemon's own log (its format and level). */
    wf_cgi_options_t options = {
        .limits = cgi->limits,
        .deadline_ns = cgi->deadline_ns,
        .arm = hook_arm,
        .disarm = hook_disarm,
        .user = cgi,
        .log = cgi->log,
    };
    wf_cgi_response_t response;
    wf_cgi_response_init(&response);
    /* Grants: a manifest's "wasi" key (wf_cgi_config_parse), host paths
       relative to the module's directory. */
    char base_dir[1024] = ".";
    const char *source = job->version ? job->version->source : NULL;
    const char *slash = source ? strrchr(source, '/') : NULL;
    if (slash && (size_t)(slash - source) < sizeof base_dir) {
        memcpy(base_dir, source, (size_t)(slash - source));
        base_dir[slash - source] = '\0';
    }
    const wf_cgi_config_t *config =
        job->version && job->version->manifest ? job->version->manifest->wasi : NULL;
    wf_cgi_run_config(cgi->module, &request, config, base_dir, &options, &response);

    wf_buf_close(&job->body);
    job->status = response.status;
    /* job->content_type and extra_headers are small: a long type moves to
       the extra headers, and whole header lines that fit are kept. */
    size_t type_len = strlen(response.content_type);
    size_t used = 0;
    job->content_type[0] = '\0';
    job->extra_headers[0] = '\0';
    if (type_len < sizeof job->content_type) {
        memcpy(job->content_type, response.content_type, type_len + 1);
    } else if (type_len + 16 < sizeof job->extra_headers) {
        used = (size_t)snprintf(job->extra_headers, sizeof job->extra_headers,
                                "Content-Type: %.200s\r\n", response.content_type);
    }
    const char *h = response.headers.data;
    int dropped = 0;
    for (size_t pos = 0; h && pos < response.headers.len;) {
        const char *end = strstr(h + pos, "\r\n");
        if (!end)
            break;
        size_t line = (size_t)(end + 2 - (h + pos));
        if (used + line < sizeof job->extra_headers) {
            memcpy(job->extra_headers + used, h + pos, line);
            used += line;
            job->extra_headers[used] = '\0';
        } else {
            dropped++;
        }
        pos += line;
    }
    if (dropped && cgi->log) {
        char count[16];
        snprintf(count, sizeof count, "%d", dropped);
        wf_log_event(cgi->log, WF_LOG_WARN, "CGI response headers dropped (over 4 KB)",
                     "request_id", req->request_id, "module", module_name, "#count", count, NULL);
    }
    job->body = response.body;
    wf_buf_init(&response.body);
    wf_cgi_response_close(&response);
}
