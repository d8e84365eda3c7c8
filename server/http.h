/*
** The HTTP/1.1 front end: libuv TCP plus llhttp, keep-alive and pipelining
** (responses leave in request order), Content-Length and chunked bodies,
** limits on header size (431), body size (413) and slow clients (408);
** malformed input is answered 400 and the connection closed.
**
** Everything here runs on the loop's thread, except the direct responses
** below. The server hands each complete request to on_request; the handler
** answers it now or later (still on the loop thread) with wf_http_respond.
** Exactly one response per request.
**
** Direct responses: writing to the socket was half of the loop thread's
** work, so a worker thread may write a response itself. The loop claims the
** request (wf_http_direct_claim) when the response can go out at once: every
** request ahead of it on the connection is answered on the wire, nothing is
** queued, and the connection stays open. The worker formats and sends it
** (wf_http_direct_send); the loop then finishes it (wf_http_direct_finish):
** it logs it, sends what the socket did not take, and moves on. While a
** claim is out the loop writes nothing to the connection and keeps its
** socket open.
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

/* A request's strings up to this many bytes live inside it (no allocation). */
#define WF_HTTP_REQUEST_STORE 1024
/* Headers up to this many live inside it too. */
#define WF_HTTP_REQUEST_HEADERS 16

typedef struct wf_http_request {
    wf_http_conn_t *conn;
    struct wf_http_request *next; /* in the connection's FIFO */
    char method[16];
    char *url;         /* NUL-terminated (in store, or owned) */
    char *path;        /* the url up to '?' (in store, or owned) */
    const char *query; /* after '?', or "" (points into url) */
    wf_http_header_t *headers; /* header_store, or owned */
    size_t header_count, header_cap;
    wf_buf_t body; /* its storage is kept when the request is recycled */
    char request_id[132];
    int http_minor;
    bool keep_alive;
    uint64_t start_ns;
    uint64_t end_ns; /* when a worker sent the response, or 0 (then: when it is logged) */
    /* filled by the handler for the access log */
    char module[64];
    /* the response, once ready */
    bool ready;
    bool close_after;
    bool direct;      /* claimed for a direct response */
    bool send_failed; /* a direct send failed: close the connection */
    int status;
    char *response; /* owned: the bytes still to send (all of them, unless sent directly) */
    size_t response_len;
    size_t wire_len; /* the whole response's bytes */
    uint64_t body_out;
    /* where the strings and headers of a typical request live; must stay last
       (a recycled request is cleared up to here) */
    size_t store_used;
    wf_http_header_t header_store[WF_HTTP_REQUEST_HEADERS];
    char store[WF_HTTP_REQUEST_STORE];
} wf_http_request_t;

/* The Date header's text, formatted at most once a second. One per thread. */
typedef struct wf_http_date {
    time_t time;
    char text[40];
} wf_http_date_t;

/* The current Date header text (the cache is updated when the second changed). */
const char *wf_http_date_now(wf_http_date_t *date);

/* A direct response: the claim (loop thread) and the outcome (worker). */
typedef struct wf_http_direct {
    bool claimed;
    int fd;           /* the connection's socket */
    bool close_after; /* the client asked to close, or the status demands it */
    /* filled by wf_http_direct_send */
    bool formatted; /* false: nothing was sent (out of memory); answer normally */
    bool released;  /* the worker sent everything and let the loop claim again */
    int status;
    int error;        /* errno of a failed send, or 0 */
    size_t wire_len;  /* the whole response */
    size_t sent;      /* bytes the socket took */
    uint64_t sent_ns; /* when the send ended (CLOCK_MONOTONIC) */
    uint64_t body_out;
    char *rest;       /* owned: the bytes not sent (wire_len - sent) */
} wf_http_direct_t;

typedef void (*wf_http_handler_t)(void *user, wf_http_request_t *request);

struct wf_http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    struct sockaddr_storage address; /* the listener's, once bound */
    bool listening;
    bool draining;
    const wf_config_t *config; /* borrowed; read on the loop thread only */
    wf_log_t *log;
    wf_metrics_t *metrics;
    wf_http_handler_t on_request;
    void *user;
    wf_http_conn_t *conns; /* every open connection */
    wf_http_request_t *spare_requests; /* answered ones, for reuse (linked by next) */
    size_t spare_request_count;
    int64_t conn_count;
    uint64_t next_id;
    uint32_t id_seed;
    char read_buffer[65536];
    wf_http_date_t date; /* the loop thread's */
    void (*on_idle)(void *user); /* while draining: called when no connection is left */
    /* Access lines of this loop iteration, written together before the loop
       polls again (log_flush); until the drain, after which lines go out one
       by one. */
    wf_buf_t access_lines;
    uv_prepare_t log_flush;
    bool log_batching;
};

/*
** Binds to config->listen and starts accepting. With share, the socket is
** bound with SO_REUSEPORT, so that servers on other loops can join it
** (wf_http_server_join) and the kernel spreads connections over them; the
** address must still be free of any other socket. Borrows everything.
** Returns 0 or a negative libuv error (message in err).
*/
int wf_http_server_start(wf_http_server_t *server, uv_loop_t *loop, const wf_config_t *config,
                         wf_log_t *log, wf_metrics_t *metrics, wf_http_handler_t on_request,
                         void *user, bool share, char *err, size_t err_size);

/*
** Starts a server on loop listening on the same address as first (started
** with share), with first's log and metrics. index (1, 2, ...) keeps its
** request ids apart from the others'. Call on loop's thread. Returns as
** wf_http_server_start.
*/
int wf_http_server_join(wf_http_server_t *server, uv_loop_t *loop, const wf_http_server_t *first,
                        unsigned index, const wf_config_t *config, wf_http_handler_t on_request,
                        void *user, char *err, size_t err_size);

/*
** Stops accepting; idle connections close now, busy ones after their last
** response. on_idle is called once no connection remains.
*/
void wf_http_server_drain(wf_http_server_t *server, void (*on_idle)(void *user));

/* Stops accepting and closes every connection at once (drain deadline passed). */
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

/*
** Loop thread: claims request for a direct response when one can go out now
** (see above); fills direct (always: claimed says whether). The claim must
** be ended with wf_http_direct_finish.
*/
void wf_http_direct_claim(wf_http_request_t *request, wf_http_direct_t *direct);

/*
** Worker thread: formats the response to a claimed request (as
** wf_http_respond would) into scratch (the worker's, reused) and sends as
** much as the socket takes without blocking. Reads only the request's
** method, version and id. Fills direct's outcome.
*/
void wf_http_direct_send(wf_http_request_t *request, wf_http_direct_t *direct,
                         wf_http_date_t *date, wf_buf_t *scratch, int status,
                         const char *content_type, const char *extra_headers, const void *body,
                         size_t body_len);

/*
** Loop thread: ends the claim. When direct was sent (formatted), the request
** is answered: logged, the rest of it queued, and the request freed; returns
** true. Otherwise returns false and the caller answers it with
** wf_http_respond.
*/
bool wf_http_direct_finish(wf_http_request_t *request, wf_http_direct_t *direct);

/* The client's address as text ("" if unknown). Borrowed. */
const char *wf_http_request_remote(const wf_http_request_t *request);

/* The reason phrase of a status code. */
const char *wf_http_reason(int status);

#endif
