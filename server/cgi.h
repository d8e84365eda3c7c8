/*
** CGI functions (WAGI style): a WASI command module answers an HTTP request.
** The request becomes RFC 3875 environment variables plus WAGI's (X_MATCHED_ROUTE,
** X_FULL_URL, X_RAW_PATH_INFO), the body is the program's stdin, its stdout
** (bounded) is parsed as a CGI response (Status, Content-Type, Location, other
** headers, a blank line, the body), and its stderr lines are logged with the
** request id.
**
** wf_cgi_invoke is the hook for the worker pool (wf_invoke_cgi_fn, see
** invoke.h): pass it to wf_dispatch_new. The pieces below it (environment,
** response parsing, one run) are usable on their own and tested that way.
*/
#ifndef WF_CGI_H
#define WF_CGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "http_buf.h"
#include "invoke.h"
#include "log.h"
#include "wf/wasi.h"
#include "wf/wf.h"

#define WF_CGI_MAX_OUTPUT (16u << 20) /* stdout bytes kept by default */
#define WF_CGI_MAX_STDERR (64u << 10) /* stderr bytes logged per request */

/* A request as CGI sees it. Everything is borrowed. */
typedef struct wf_cgi_request {
    const char *method;
    const char *path;        /* raw (percent-encoded) path, without the query */
    const char *query;       /* after '?', or "" */
    const char *script_name; /* the matched route's fixed part, e.g. "/run/hello" */
    const char *matched_route; /* X_MATCHED_ROUTE, e.g. "/run/hello/..."; NULL: script_name
                                  followed by "/..." */
    const wf_http_header_t *headers;
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
    const char *remote_addr; /* "" if unknown */
    const char *server_name; /* NULL: from the Host header, else "localhost" */
    const char *server_port; /* NULL: from the Host header, else "80" */
    const char *request_id;
    const char *module_name;
} wf_cgi_request_t;

/* What the manifest grants a CGI module. Borrowed. */
typedef struct wf_cgi_grants {
    const wf_wasi_preopen_t *dirs;
    size_t dir_count;
    const char *const *env; /* "K=V", added after (and overriding) the CGI variables */
    size_t env_count;
    const char *const *args; /* argv[1..]; argv[0] is the module name */
    size_t arg_count;
} wf_cgi_grants_t;

/*
** Grants read from a manifest's "wasi" key (every part optional):
**   "wasi": {"dirs": {"/data": "data", "/scratch": {"host": "tmp", "writable": true}},
**            "env": {"GREETING": "hello"},
**            "args": ["--verbose"]}
** "dirs" maps the path the program sees to a host directory (relative paths
** are relative to the module's directory); grants are read-only unless
** "writable" is true.
*/
typedef struct wf_cgi_config wf_cgi_config_t;

/*
** Parses the value of a manifest's "wasi" key (a cJSON object, borrowed).
** On success *out is owned (free with wf_cgi_config_free); on failure
** returns -1 with a message naming the key in err.
*/
int wf_cgi_config_parse(const void *wasi_json, wf_cgi_config_t **out, char *err, size_t err_size);
void wf_cgi_config_free(wf_cgi_config_t *config);

/* How to run: limits, deadline, and where stderr goes. */
typedef struct wf_cgi_options {
    wf_instance_limits_t limits;
    uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    size_t max_output;    /* 0: WF_CGI_MAX_OUTPUT */
    /* Put the instance under the deadline and take it off again (disarm
       returns whether the deadline fired). NULL: no watchdog. */
    void (*arm)(void *user, wf_instance_t *instance);
    bool (*disarm)(void *user);
    void *user;
    wf_log_t *log; /* stderr lines go here (NULL: dropped) */
} wf_cgi_options_t;

/* A parsed CGI response. Owned by the caller: wf_cgi_response_close. */
typedef struct wf_cgi_response {
    int status;
    char content_type[128]; /* "" for none */
    wf_buf_t headers;       /* other headers as CRLF-terminated lines */
    wf_buf_t body;
    char error[256]; /* when status is a failure made by wafer: why */
} wf_cgi_response_t;

void wf_cgi_response_init(wf_cgi_response_t *response);
void wf_cgi_response_close(wf_cgi_response_t *response);

/*
** Builds the environment ("K=V" strings) for request plus grants->env.
** Returns an owned NULL-terminated array (free with wf_cgi_env_free) and its
** length in *count, or NULL when out of memory.
*/
char **wf_cgi_env_new(const wf_cgi_request_t *request, const wf_cgi_grants_t *grants,
                      size_t *count);
void wf_cgi_env_free(char **env);

/*
** Parses a program's stdout as a CGI response into response (initialised by
** the caller). Header lines end in LF or CRLF; a blank line ends them.
** Returns true, or false with response->status 502 and response->error set
** when the output is not a CGI response (no header block, a malformed line,
** none of Status / Content-Type / Location).
*/
bool wf_cgi_parse(const uint8_t *output, size_t len, wf_cgi_response_t *response);

/*
** Runs module for request: a WASI context with the CGI environment, the body
** as stdin, stdout captured, stderr logged; instantiates under options, runs
** _start and parses the output. Always fills response: the program's answer,
** or 500 (trap, exit status without a response, output over the limit), 504
** (deadline or fuel) with a JSON body naming the failure.
*/
void wf_cgi_run(wf_module_t *module, const wf_cgi_request_t *request, const wf_cgi_grants_t *grants,
                const wf_cgi_options_t *options, wf_cgi_response_t *response);

/*
** wf_cgi_run with the grants of config (NULL: none), relative host paths
** taken from base_dir (the module's directory).
*/
void wf_cgi_run_config(wf_module_t *module, const wf_cgi_request_t *request,
                       const wf_cgi_config_t *config, const char *base_dir,
                       const wf_cgi_options_t *options, wf_cgi_response_t *response);

/* The worker pool's hook (wf_invoke_cgi_fn): runs cgi->job as a CGI request. */
void wf_cgi_invoke(wf_invoke_cgi_t *cgi);

#endif
