/*
** The HTTP/1.1 front end: libuv TCP plus llhttp, keep-alive and pipelining
** (responses leave in request order), Content-Length and chunked bodies,
** limits on header size (431), body size (413) and slow clients (408);
** malformed input is answered 400 and the connection closed.
**
** Everything here runs on the loop's thread. The server hands each complete
** request to on_request; the handler answers it now or later (still on the
** loop thread) with wf_http_respond. Exactly one response per request.
*/
#ifndef WF_HTTP_H
#define WF_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "config.h"
#include "http_buf.h"
#include "log.h"
#include "metrics.h"

typedef struct wf_http_server wf_http_server_t;
typedef struct wf_http_conn wf_http_conn_t;

typedef struct wf_http_header {
    char *name; /* owned, as received */
    char *value;
} wf_http_header_t;

typedef struct wf_http_request {
    wf_http_conn_t *conn;
    struct wf_http_request *next; /* in the connection's FIFO */
    char method[16];
    char *url;         /* owned, NUL-terminated */
    char *path;        /* owned: the url up to '?' */
    const char *query; /* after '?', or "" (points into url) */
    wf_http_header_t *headers;
    size_t header_count, header_cap;
    wf_buf_t body;
    char request_id[132];
    int http_minor;
    bool keep_alive;
    uint64_t start_ns;
    /* filled by the handler for the access log */
    char module[64];
    /* the response, once ready */
    bool ready;
    bool close_after;
    int status;
    char *response; /* owned, full bytes on the wire */
    size_t response_len;
    uint64_t body_out;
} wf_http_request_t;

typedef void (*wf_http_handler_t)(void *user, wf_http_request_t *request);

struct wf_http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    bool listening;
    bool draining;
    const wf_config_t *config; /* borrowed; read on the loop thread only */
    wf_log_t *log;
    wf_metrics_t *metrics;
    wf_http_handler_t on_request;
    void *user;
    wf_http_conn_t *conns; /* every open connection */
    int64_t conn_count;
    uint64_t next_id;
    uint32_t id_seed;
    char read_buffer[65536];
    char date[40]; /* the Date header, formatted once a second */
    time_t date_time;
    void (*on_idle)(void *user); /* while draining: called when no connection is left */
    /* Access lines of this loop iteration, written together before the loop
       polls again (log_flush); until the drain, after which lines go out one
       by one. */
    wf_buf_t access_lines;
    uv_prepare_t log_flush;
    bool log_batching;
};

/*
** Binds to config->listen and starts accepting. Borrows everything. Returns 0
** or a negative libuv error (message in err).
*/
int wf_http_server_start(wf_http_server_t *server, uv_loop_t *loop, const wf_config_t *config,
                         wf_log_t *log, wf_metrics_t *metrics, wf_http_handler_t on_request,
                         void *user, char *err, size_t err_size);

/*
** Stops accepting; idle connections close now, busy ones after their last
** response. on_idle is called once no connection remains.
*/
void wf_http_server_drain(wf_http_server_t *server, void (*on_idle)(void *user));

/* Closes every connection at once (drain deadline passed). */
void wf_http_server_close_all(wf_http_server_t *server);

/* The value of a request header (case-insensitive name), or NULL. */
const char *wf_http_header(const wf_http_request_t *request, const char *name);

/*
** Answers a request. content_type may be NULL (no body type); extra_headers
** is NULL or CRLF-terminated header lines. Copies body. If the client has gone
** away meanwhile, the request is just freed. The request must not be used
** afterwards.
*/
void wf_http_respond(wf_http_request_t *request, int status, const char *content_type,
                     const char *extra_headers, const void *body, size_t body_len);

/* The client's address as text ("" if unknown). Borrowed. */
const char *wf_http_request_remote(const wf_http_request_t *request);

/* The reason phrase of a status code. */
const char *wf_http_reason(int status);

#endif
