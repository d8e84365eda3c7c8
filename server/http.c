/*
** HTTP/1.1 connections over libuv with llhttp.
**
** Lifetime rules. A connection owns its requests in a FIFO, in arrival order;
** responses are written from the head while the head is ready, so pipelined
** responses leave in order. A request handed to the handler stays in the FIFO
** until answered. When a connection closes (client gone, error, timeout), its
** unanswered requests become orphans: the connection's memory stays until the
** last of them is answered (wf_http_respond then just frees it).
*/
#include "http.h"

#include <errno.h>
#include <llhttp.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum timer_mode { TIMER_NONE, TIMER_REQUEST, TIMER_IDLE };

struct wf_http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    wf_http_server_t *server;
    wf_http_conn_t *prev, *next; /* in server->conns while open */
    llhttp_t parser;
    llhttp_settings_t settings;
    wf_http_request_t *head, *tail; /* FIFO of requests, parsed and unanswered */
    int pending;                    /* requests in the FIFO */
    wf_http_request_t *current;     /* being parsed */
    size_t header_bytes;
    wf_buf_t url, field, value; /* of the request being parsed */
    bool in_value;
    int error_status; /* set by a callback that refuses the request */
    bool reading;
    bool closing;     /* no more requests: close once the writes are done */
    bool closed;      /* uv_close called */
    int handles_open; /* tcp and timer until their close callbacks */
    int writes;       /* uv_write requests in flight */
    int orphans;      /* requests alive after close */
    int direct_claims; /* direct responses claimed and not finished: the socket stays open */
    bool tcp_close_deferred; /* closed, but the socket waits for direct_claims to end */
    /* Claims whose worker has not sent everything yet (workers decrement):
       no new claim, and no write of the loop's, while it is not 0. */
    atomic_int direct_busy;
    enum timer_mode timer_mode;
    uint64_t deadline;  /* loop time (ms) at which timer_mode's wait ends */
    uint64_t timer_due; /* loop time the libuv timer fires at; 0: not armed */
    char remote[64];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
** The reason phrase of a status code: the IANA registry's (RFC 9110 and the
** RFCs it lists), and for an unregistered code its class ("Informational",
** "Success", "Redirection", "Client Error", "Server Error").
*/
const char *wf_http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 102:
        return "Processing";
    case 103:
        return "Early Hints";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 205:
        return "Reset Content";
    case 206:
        return "Partial Content";
    case 207:
        return "Multi-Status";
    case 208:
        return "Already Reported";
    case 226:
        return "IM Used";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 305:
        return "Use Proxy";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 418:
        return "I'm a teapot";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 423:
        return "Locked";
    case 424:
        return "Failed Dependency";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 451:
        return "Unavailable For Legal Reasons";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    case 506:
        return "Variant Also Negotiates";
    case 507:
        return "Insufficient Storage";
    case 508:
        return "Loop Detected";
    case 510:
        return "Not Extended";
    case 511:
        return "Network Authentication Required";
    default:
        break;
    }
    if (status >= 100 && status < 200)
        return "Informational";
    if (status >= 200 && status < 300)
        return "Success";
    if (status >= 300 && status < 400)
        return "Redirection";
    if (status >= 400 && status < 500)
        return "Client Error";
    return "Server Error";
}

/* ------------------------------------------------------------ requests -- */

/* At most this many answered requests are kept for reuse (about 2 KiB each). */
#define MAX_SPARE_REQUESTS 256
/* A recycled request keeps a body buffer up to this size. */
#define MAX_KEPT_BODY 65536

/* A zeroed request for conn: a recycled one when there is one. NULL: out of memory. */
static wf_http_request_t *request_new(wf_http_conn_t *conn)
{
    wf_http_server_t *server = conn->server;
    wf_http_request_t *req = server->spare_requests;
    if (req) {
        server->spare_requests = req->next;
        server->spare_request_count--;
        wf_buf_t body = req->body;
        /* The store is never read past store_used: only the rest is cleared. */
        memset(req, 0, offsetof(wf_http_request_t, store_used) + sizeof req->store_used);
        req->body = body;
        wf_buf_clear(&req->body);
    } else {
        req = malloc(sizeof *req);
        if (!req)
            return NULL;
        memset(req, 0, offsetof(wf_http_request_t, store_used) + sizeof req->store_used);
        wf_buf_init(&req->body);
    }
    req->conn = conn;
    req->headers = req->header_store;
    req->header_cap = WF_HTTP_REQUEST_HEADERS;
    return req;
}

static bool in_store(const wf_http_request_t *req, const char *p)
{
    return p >= req->store && p < req->store + sizeof req->store;
}

/* A NUL-terminated copy of data in req's store, or allocated when it is full. */
static char *request_copy(wf_http_request_t *req, const char *data, size_t len)
{
    char *copy;
    if (len < sizeof req->store - req->store_used) {
        copy = req->store + req->store_used;
        req->store_used += len + 1;
    } else {
        copy = malloc(len + 1);
        if (!copy)
            return NULL;
    }
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

static void request_free_string(wf_http_request_t *req, char *p)
{
    if (!in_store(req, p))
        free(p);
}

static void free_spare_requests(wf_http_server_t *server)
{
    while (server->spare_requests) {
        wf_http_request_t *req = server->spare_requests;
        server->spare_requests = req->next;
        wf_buf_close(&req->body);
        free(req);
    }
    server->spare_request_count = 0;
}

/* Frees a request, or keeps it for reuse (not once the server drains). */
static void request_free(wf_http_request_t *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->header_count; i++) {
        request_free_string(req, req->headers[i].name);
        request_free_string(req, req->headers[i].value);
    }
    if (req->headers != req->header_store)
        free(req->headers);
    request_free_string(req, req->url);
    request_free_string(req, req->path);
    free(req->response);
    wf_http_server_t *server = req->conn ? req->conn->server : NULL;
    if (server && !server->draining && server->spare_request_count < MAX_SPARE_REQUESTS) {
        if (req->body.cap > MAX_KEPT_BODY)
            wf_buf_close(&req->body);
        req->next = server->spare_requests;
        server->spare_requests = req;
        server->spare_request_count++;
        return;
    }
    wf_buf_close(&req->body);
    free(req);
}

const char *wf_http_header(const wf_http_request_t *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, name))
            return req->headers[i].value;
    return NULL;
}

const char *wf_http_request_remote(const wf_http_request_t *req)
{
    return req->conn->remote;
}

/*
** Whether a client-supplied request id is safe to echo and log: 1..128 of
** letters, digits and "-_.:".
*/
static bool request_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

/*
** Copies the server's next request id into req: the seed and a counter in
** hex, at least 8 digits each (what "%08x%08llx" prints, without printf).
*/
static void next_request_id(wf_http_server_t *server, wf_http_request_t *req)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t parts[2] = {server->id_seed, ++server->next_id};
    size_t n = 0;
    for (int p = 0; p < 2; p++) {
        int digits = 8;
        while (digits < 16 && parts[p] >> (4 * digits))
            digits++;
        for (int i = digits - 1; i >= 0; i--)
            req->request_id[n++] = hex[(parts[p] >> (4 * i)) & 15];
    }
    req->request_id[n] = '\0';
}

/* --------------------------------------------------------- connections -- */

static void conn_maybe_free(wf_http_conn_t *conn)
{
    if (conn->closed && conn->handles_open == 0 && conn->orphans == 0 && conn->writes == 0) {
        wf_buf_close(&conn->url);
        wf_buf_close(&conn->field);
        wf_buf_close(&conn->value);
        free(conn);
    }
}

static void on_handle_closed(uv_handle_t *handle)
{
    wf_http_conn_t *conn = handle->data;
    conn->handles_open--;
    conn_maybe_free(conn);
}

/*
** Closes the connection now. Unanswered requests handed to the handler become
** orphans; the rest are freed.
*/
static void log_dropped(wf_http_conn_t *conn, wf_http_request_t *req, bool sent);

static void conn_close(wf_http_conn_t *conn)
{
    if (conn->closed)
        return;
    wf_http_server_t *server = conn->server;
    conn->closed = true;
    conn->closing = true;
    request_free(conn->current);
    conn->current = NULL;
    wf_http_request_t *req = conn->head;
    while (req) {
        wf_http_request_t *next = req->next;
        if (req->ready) {
            log_dropped(conn, req, false);
            request_free(req);
        } else {
            req->next = NULL;
            conn->orphans++;
        }
        req = next;
    }
    conn->head = conn->tail = NULL;
    conn->pending = 0;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        server->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    server->conn_count--;
    atomic_fetch_sub(&server->metrics->connections_open, 1);
    uv_timer_stop(&conn->timer);
    uv_close((uv_handle_t *)&conn->timer, on_handle_closed);
    if (conn->direct_claims == 0) {
        uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
    } else {
        /* A worker may still write to the socket: close it when it is done. */
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
        conn->tcp_close_deferred = true;
    }
    if (server->draining && server->conn_count == 0 && server->on_idle) {
        void (*on_idle)(void *) = server->on_idle;
        server->on_idle = NULL;
        on_idle(server->user);
    }
}

static void conn_stop_reading(wf_http_conn_t *conn)
{
    if (conn->reading && !conn->closed) {
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void update_timer(wf_http_conn_t *conn);

static void conn_start_reading(wf_http_conn_t *conn)
{
    if (!conn->reading && !conn->closing && !conn->closed) {
        if (uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read) == 0)
            conn->reading = true;
    }
}

/* Responses queued for a client that does not read them stop its reading. */
#define MAX_WRITE_QUEUE (1u << 20)

/*
** Reads again once the connection has room: fewer than max_pipeline requests
** unanswered and less than MAX_WRITE_QUEUE bytes waiting to be sent.
*/
static void conn_maybe_resume(wf_http_conn_t *conn)
{
    if (!conn->closing && !conn->closed && conn->pending < conn->server->config->max_pipeline &&
        uv_stream_get_write_queue_size((uv_stream_t *)&conn->tcp) < MAX_WRITE_QUEUE)
        conn_start_reading(conn);
}

typedef struct write_req {
    uv_write_t req;
    wf_http_conn_t *conn;
    char *data;
} write_req_t;

static void on_write(uv_write_t *req, int status)
{
    write_req_t *w = (write_req_t *)req;
    wf_http_conn_t *conn = w->conn;
    free(w->data);
    free(w);
    conn->writes--;
    if (conn->closed) {
        conn_maybe_free(conn);
        return;
    }
    if (status < 0) {
        conn_close(conn);
        return;
    }
    if (conn->closing && conn->writes == 0 && !conn->head)
        conn_close(conn);
    else
        conn_maybe_resume(conn);
}

/*
** Sends len bytes of data (owned; freed here). With nothing queued the bytes
** go out at once with uv_try_write: no write request, no callback and no
** change of the socket's poll interest; what the socket does not take is
** queued with uv_write. Returns false when the connection failed (the caller
** closes it).
*/
static bool conn_write(wf_http_conn_t *conn, char *data, size_t len)
{
    size_t sent = 0;
    if (conn->writes == 0) {
        uv_buf_t buf = uv_buf_init(data, (unsigned)len);
        int n = uv_try_write((uv_stream_t *)&conn->tcp, &buf, 1);
        if (n >= 0 && (size_t)n == len) {
            free(data);
            return true;
        }
        if (n > 0)
            sent = (size_t)n;
        else if (n != UV_EAGAIN) {
            free(data);
            return false;
        }
    }
    write_req_t *w = malloc(sizeof *w);
    if (!w) {
        free(data);
        return false;
    }
    w->conn = conn;
    w->data = data;
    uv_buf_t buf = uv_buf_init(data + sent, (unsigned)(len - sent));
    if (uv_write(&w->req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write) < 0) {
        free(data);
        free(w);
        return false;
    }
    conn->writes++;
    return true;
}

/* Writes the access lines gathered so far (one write per PIPE_BUF of lines). */
static void flush_access_lines(wf_http_server_t *server)
{
    wf_buf_t *lines = &server->access_lines;
    /* Out of memory: those lines are lost. */
    if (!lines->failed && lines->len)
        wf_log_write_lines(server->log, lines->data, lines->len);
    wf_buf_clear(lines); /* the storage stays for the next iteration */
}

static void on_log_flush(uv_prepare_t *prepare)
{
    flush_access_lines(prepare->data);
    uv_prepare_stop(prepare);
}

/* From the drain on, access lines are written as they come. */
static void stop_log_batching(wf_http_server_t *server)
{
    if (!server->log_batching)
        return;
    flush_access_lines(server);
    wf_buf_close(&server->access_lines);
    uv_close((uv_handle_t *)&server->log_flush, NULL);
    server->log_batching = false;
}

static void log_and_count(wf_http_conn_t *conn, wf_http_request_t *req)
{
    wf_http_server_t *server = conn->server;
    uint64_t us = ((req->end_ns ? req->end_ns : now_ns()) - req->start_ns) / 1000;
    wf_metrics_request(server->metrics, req->status, us);
    atomic_fetch_add(&server->metrics->bytes_out, req->wire_len);
    wf_log_access_t access = {
        .request_id = req->request_id,
        .method = req->method,
        .path = req->path ? req->path : "",
        .module = req->module[0] ? req->module : NULL,
        .status = req->status,
        .duration_ms = (double)us / 1000.0,
        .bytes_in = req->body.len,
        .bytes_out = req->body_out,
        .remote = conn->remote,
    };
    if (!server->log_batching) {
        wf_log_request(server->log, &access);
        return;
    }
    wf_log_request_format(server->log, &access, &server->access_lines);
    if (server->access_lines.len >= 65536)
        flush_access_lines(server);
    else if (server->access_lines.len)
        uv_prepare_start(&server->log_flush, on_log_flush);
}

/*
** A request whose response never reached the socket because the client went
** away (its call ran all the same): logged once, as 499 with nothing sent
** (nginx's "client closed request"), unless sent is true, for a response a
** worker sent whole before the connection closed.
*/
static void log_dropped(wf_http_conn_t *conn, wf_http_request_t *req, bool sent)
{
    if (!sent) {
        req->status = 499;
        req->body_out = 0;
        req->wire_len = 0;
    }
    log_and_count(conn, req);
}

/*
** Writes every ready response at the head of the FIFO, in order. A response
** that closes the connection drops whatever was pipelined behind it.
*/
static void conn_flush(wf_http_conn_t *conn)
{
    while (conn->head && conn->head->ready && !conn->closed) {
        wf_http_request_t *req = conn->head;
        conn->head = req->next;
        if (!conn->head)
            conn->tail = NULL;
        conn->pending--;
        char *data = req->response;
        size_t len = req->response_len;
        req->response = NULL;
        log_and_count(conn, req);
        bool close_after = req->close_after;
        bool failed = req->send_failed;
        request_free(req);
        if (failed) {
            free(data);
            conn_close(conn);
            return;
        }
        if (len == 0) {
            free(data); /* sent directly: nothing is left */
        } else if (!conn_write(conn, data, len)) {
            conn_close(conn);
            return;
        }
        if (close_after) {
            conn->closing = true;
            conn_stop_reading(conn);
            /* Requests pipelined behind a closing response are never answered. */
            while (conn->head) {
                wf_http_request_t *rest = conn->head;
                conn->head = rest->next;
                conn->pending--;
                if (rest->ready) {
                    log_dropped(conn, rest, false);
                    request_free(rest);
                } else {
                    rest->next = NULL;
                    rest->conn = conn;
                    conn->orphans++;
                    /* Marked so that wf_http_respond frees it. */
                    rest->ready = true;
                }
            }
            conn->tail = NULL;
            break;
        }
    }
    if (conn->closed)
        return;
    if (conn->closing && conn->writes == 0 && !conn->head) {
        /* Everything was sent at once: nothing is left to wait for. */
        conn_close(conn);
        return;
    }
    conn_maybe_resume(conn);
    update_timer(conn);
}

const char *wf_http_date_now(wf_http_date_t *date)
{
    time_t now = time(NULL);
    if (now != date->time || !date->text[0]) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date->text, sizeof date->text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        date->time = now;
    }
    return date->text;
}

/* Statuses after which the connection closes (the input cannot be trusted). */
static bool status_closes(int status)
{
    return status == 400 || status == 408 || status == 413 || status == 431;
}

/*
** Appends a response's head (status line, headers, blank line) to out, for a
** body of body_len bytes. Built without printf (it was a tenth of the loop
** thread's own time). Runs on the loop and on workers: reads only req's
** version and id.
*/
static void format_head(wf_buf_t *out, const wf_http_request_t *req, const char *date,
                        int status, bool close_after, const char *content_type,
                        const char *extra_headers, size_t body_len)
{
    wf_buf_puts(out, status < 0 ? "HTTP/1.1 -" : "HTTP/1.1 ");
    wf_buf_put_uint(out, status < 0 ? 0u - (uint64_t)status : (uint64_t)status);
    wf_buf_puts(out, " ");
    wf_buf_puts(out, wf_http_reason(status));
    wf_buf_puts(out, "\r\nServer: wafer\r\nDate: ");
    wf_buf_puts(out, date);
    wf_buf_puts(out, "\r\n");
    if (content_type) {
        wf_buf_puts(out, "Content-Type: ");
        wf_buf_puts(out, content_type);
        wf_buf_puts(out, "\r\n");
    }
    wf_buf_puts(out, "Content-Length: ");
    wf_buf_put_uint(out, body_len);
    wf_buf_puts(out, "\r\n");
    if (req->request_id[0]) {
        wf_buf_puts(out, "X-Request-Id: ");
        wf_buf_puts(out, req->request_id);
        wf_buf_puts(out, "\r\n");
    }
    if (close_after)
        wf_buf_puts(out, "Connection: close\r\n");
    else if (req->http_minor == 0)
        wf_buf_puts(out, "Connection: keep-alive\r\n");
    if (extra_headers)
        wf_buf_puts(out, extra_headers);
    wf_buf_puts(out, "\r\n");
}

/*
** Formats the response bytes into req and marks it ready; the caller flushes.
*/
static void prepare_response(wf_http_conn_t *conn, wf_http_request_t *req, int status,
                             const char *content_type, const char *extra_headers, const void *body,
                             size_t body_len)
{
    wf_http_server_t *server = conn->server;
    bool close_after = !req->keep_alive || server->draining || status_closes(status);
    bool head = !strcmp(req->method, "HEAD");
    wf_buf_t out;
    wf_buf_init(&out);
    wf_buf_reserve(&out, 256 + (head ? 0 : body_len));
    format_head(&out, req, wf_http_date_now(&server->date), status, close_after, content_type,
                extra_headers, body_len);
    if (!head)
        wf_buf_append(&out, body, body_len);
    req->status = status;
    req->close_after = close_after;
    req->body_out = head ? 0 : body_len;
    req->response = wf_buf_take(&out, &req->response_len);
    if (!req->response) {
        /* Out of memory: a fixed answer that needs no allocation would still
           need a buffer to write from; close instead. */
        req->close_after = true;
        req->response = strdup("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n");
        req->response_len = req->response ? strlen(req->response) : 0;
    }
    req->wire_len = req->response_len;
    req->ready = true;
}

/* ----------------------------------------------------- direct responses -- */

void wf_http_direct_claim(wf_http_request_t *req, wf_http_direct_t *direct)
{
    wf_http_conn_t *conn = req->conn;
    memset(direct, 0, sizeof *direct);
    direct->fd = -1;
    if (conn->closing || conn->closed || conn->writes || conn->server->draining)
        return;
    /* Everything ahead must be on the wire already: claimed, and sent. */
    for (const wf_http_request_t *ahead = conn->head; ahead != req; ahead = ahead->next)
        if (!ahead || !ahead->direct)
            return;
    if (atomic_load_explicit(&conn->direct_busy, memory_order_acquire) != 0)
        return;
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)&conn->tcp, &fd) != 0)
        return;
    req->direct = true;
    conn->direct_claims++;
    atomic_fetch_add_explicit(&conn->direct_busy, 1, memory_order_relaxed);
    direct->claimed = true;
    direct->fd = fd;
    direct->close_after = !req->keep_alive;
}

void wf_http_direct_send(wf_http_request_t *req, wf_http_direct_t *direct, wf_http_date_t *date,
                         wf_buf_t *scratch, int status, const char *content_type,
                         const char *extra_headers, const void *body, size_t body_len)
{
    bool close_after = direct->close_after || status_closes(status);
    bool head = !strcmp(req->method, "HEAD");
    wf_buf_clear(scratch);
    format_head(scratch, req, wf_http_date_now(date), status, close_after, content_type,
                extra_headers, body_len);
    if (scratch->failed)
        return; /* not formatted: the loop answers */
    direct->formatted = true;
    direct->status = status;
    direct->close_after = close_after;
    direct->body_out = head ? 0 : body_len;
    struct iovec parts[2] = {{scratch->data, scratch->len}, {(void *)body, head ? 0 : body_len}};
    direct->wire_len = parts[0].iov_len + parts[1].iov_len;
    size_t sent = 0;
    while (sent < direct->wire_len) {
        size_t skip = sent;
        int first = skip >= parts[0].iov_len ? 1 : 0;
        if (first)
            skip -= parts[0].iov_len;
        struct iovec rest[2] = {parts[0], parts[1]};
        rest[first].iov_base = (char *)rest[first].iov_base + skip;
        rest[first].iov_len -= skip;
        struct msghdr msg = {.msg_iov = rest + first, .msg_iovlen = (size_t)(2 - first)};
        ssize_t n = sendmsg(direct->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            sent += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* the loop sends the rest when the socket has room */
        else {
            direct->error = n < 0 ? errno : EIO;
            break;
        }
    }
    direct->sent = sent;
    direct->sent_ns = now_ns();
    if (!direct->error && sent < direct->wire_len) {
        size_t left = direct->wire_len - sent;
        direct->rest = malloc(left);
        if (!direct->rest) {
            direct->error = ENOMEM;
        } else {
            size_t at = 0;
            for (int i = 0; i < 2; i++) {
                size_t from = sent > parts[i].iov_len ? parts[i].iov_len : sent;
                sent -= from;
                memcpy(direct->rest + at, (char *)parts[i].iov_base + from,
                       parts[i].iov_len - from);
                at += parts[i].iov_len - from;
            }
        }
    }
    if (!direct->error && !direct->rest && !close_after) {
        /* All on the wire: the next request may be claimed. Not after a
           closing response, which must stay the connection's last. */
        direct->released = true;
        atomic_fetch_sub_explicit(&req->conn->direct_busy, 1, memory_order_release);
    }
}

bool wf_http_direct_finish(wf_http_request_t *req, wf_http_direct_t *direct)
{
    wf_http_conn_t *conn = req->conn;
    if (!direct->claimed)
        return false;
    direct->claimed = false;
    conn->direct_claims--;
    if (!direct->released)
        atomic_fetch_sub_explicit(&conn->direct_busy, 1, memory_order_relaxed);
    if (conn->tcp_close_deferred && conn->direct_claims == 0) {
        conn->tcp_close_deferred = false;
        uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
    }
    if (!direct->formatted) {
        req->direct = false;
        return false;
    }
    if (conn->closed || req->ready) {
        /* An orphan: the client is gone, or a closing response went first. */
        bool whole = !direct->rest && !direct->error;
        req->status = direct->status;
        req->body_out = direct->body_out;
        req->wire_len = direct->wire_len;
        req->end_ns = direct->sent_ns;
        log_dropped(conn, req, whole);
        free(direct->rest);
        direct->rest = NULL;
        conn->orphans--;
        request_free(req);
        conn_maybe_free(conn);
        return true;
    }
    req->status = direct->status;
    req->close_after = direct->close_after || direct->error;
    req->send_failed = direct->error != 0;
    req->body_out = direct->body_out;
    req->wire_len = direct->wire_len;
    if (!direct->rest)
        req->end_ns = direct->sent_ns;
    req->response = direct->rest;
    req->response_len = direct->rest ? direct->wire_len - direct->sent : 0;
    direct->rest = NULL;
    req->ready = true;
    conn_flush(conn);
    return true;
}

void wf_http_respond(wf_http_request_t *req, int status, const char *content_type,
                     const char *extra_headers, const void *body, size_t body_len)
{
    wf_http_conn_t *conn = req->conn;
    if (conn->closed || req->ready) {
        /* An orphan: the client is gone, or a closing response went first. */
        log_dropped(conn, req, false);
        conn->orphans--;
        request_free(req);
        conn_maybe_free(conn);
        return;
    }
    prepare_response(conn, req, status, content_type, extra_headers, body, body_len);
    conn_flush(conn);
}

/*
** Refuses the input: an error response joins the FIFO behind the requests
** still being answered, then the connection closes.
*/
static void conn_fail(wf_http_conn_t *conn, int status, const char *message)
{
    if (conn->closing || conn->closed)
        return;
    conn_stop_reading(conn);
    wf_http_request_t *req = conn->current;
    conn->current = NULL;
    if (!req) {
        req = request_new(conn);
        if (!req) {
            conn_close(conn);
            return;
        }
        req->start_ns = now_ns();
    }
    req->keep_alive = false;
    if (!req->method[0])
        snprintf(req->method, sizeof req->method, "-");
    if (!req->request_id[0])
        next_request_id(conn->server, req);
    req->next = NULL;
    if (conn->tail)
        conn->tail->next = req;
    else
        conn->head = req;
    conn->tail = req;
    conn->pending++;
    wf_buf_t body;
    wf_buf_init(&body);
    wf_buf_puts(&body, "{\"error\":");
    wf_buf_json_cstr(&body, message);
    wf_buf_puts(&body, "}");
    prepare_response(conn, req, status, "application/json", NULL, body.data ? body.data : "",
                     body.len);
    wf_buf_close(&body);
    conn->closing = true;
    conn_flush(conn);
}

/* -------------------------------------------------------------- timers -- */

static void on_timer(uv_timer_t *timer);

/*
** Makes the timer fire by deadline. The libuv timer is moved only when it
** would fire too late: a later deadline (the next request's, the next idle
** period's) is left to on_timer, which re-arms for the rest. So a busy
** keep-alive connection touches the timer heap about once per timeout rather
** than three times per request.
*/
static void arm_timer(wf_http_conn_t *conn, uint64_t deadline)
{
    conn->deadline = deadline;
    if (conn->timer_due && conn->timer_due <= deadline)
        return;
    uint64_t now = uv_now(conn->server->loop);
    uv_timer_start(&conn->timer, on_timer, deadline > now ? deadline - now : 0, 0);
    conn->timer_due = deadline > now ? deadline : now;
}

static void on_timer(uv_timer_t *timer)
{
    wf_http_conn_t *conn = timer->data;
    conn->timer_due = 0;
    if (conn->timer_mode == TIMER_NONE)
        return; /* nothing is waited for now; update_timer arms again */
    if (uv_now(conn->server->loop) < conn->deadline) {
        arm_timer(conn, conn->deadline); /* the wait was extended meanwhile */
        return;
    }
    if (conn->timer_mode == TIMER_REQUEST && conn->current) {
        conn->timer_mode = TIMER_NONE;
        conn_fail(conn, 408, "request not received in time");
    } else if (conn->pending == 0) {
        conn_close(conn);
    }
}

/*
** Arms the connection's one timer for what it is waiting for: the rest of a
** request (request timeout, counted from its first byte), or the next request
** on an idle keep-alive connection (idle timeout). A connection waiting for
** its own responses has no timer: the call deadlines bound that.
*/
static void update_timer(wf_http_conn_t *conn)
{
    if (conn->closed)
        return;
    const wf_config_t *config = conn->server->config;
    uint64_t now = uv_now(conn->server->loop);
    if (conn->closing) {
        conn->timer_mode = TIMER_NONE; /* an armed timer finds nothing to do */
    } else if (conn->current) {
        if (conn->timer_mode != TIMER_REQUEST) {
            conn->timer_mode = TIMER_REQUEST;
            arm_timer(conn, now + (uint64_t)config->request_timeout_ms);
        }
    } else if (conn->pending > 0) {
        conn->timer_mode = TIMER_NONE;
    } else {
        conn->timer_mode = TIMER_IDLE;
        arm_timer(conn, now + (uint64_t)config->idle_timeout_ms);
    }
}

/* ----------------------------------------------------- parser callbacks -- */

static wf_http_conn_t *conn_of(llhttp_t *parser)
{
    return parser->data;
}

/* Counts request-line and header bytes; false once over the limit. */
static bool count_header_bytes(wf_http_conn_t *conn, size_t len)
{
    conn->header_bytes += len;
    if (conn->header_bytes > (size_t)conn->server->config->max_header_bytes) {
        conn->error_status = 431;
        return false;
    }
    return true;
}

static int on_message_begin(llhttp_t *parser)
{
    wf_http_conn_t *conn = conn_of(parser);
    wf_http_request_t *req = request_new(conn);
    if (!req) {
        conn->error_status = 500;
        return -1;
    }
    req->start_ns = now_ns();
    conn->current = req;
    conn->header_bytes = 0;
    conn->in_value = false;
    /* Emptied, not freed: the next request's strings gather in the same storage. */
    wf_buf_clear(&conn->url);
    wf_buf_clear(&conn->field);
    wf_buf_clear(&conn->value);
    update_timer(conn);
    return 0;
}

static int on_url(llhttp_t *parser, const char *at, size_t len)
{
    wf_http_conn_t *conn = conn_of(parser);
    if (!count_header_bytes(conn, len))
        return -1;
    wf_buf_append(&conn->url, at, len);
    if (conn->url.failed) {
        conn->error_status = 500;
        return -1;
    }
    return 0;
}

/*
** Moves the header being accumulated into the request's list. Returns 0, 1
** for an empty header name (a bad request), or -1 when out of memory.
*/
static int finish_header(wf_http_conn_t *conn)
{
    wf_http_request_t *req = conn->current;
    if (!conn->in_value)
        return 0;
    conn->in_value = false;
    if (req->header_count == req->header_cap) {
        size_t cap = req->header_cap * 2;
        bool inside = req->headers == req->header_store;
        wf_http_header_t *grown = realloc(inside ? NULL : req->headers, cap * sizeof *grown);
        if (!grown)
            return -1;
        if (inside)
            memcpy(grown, req->header_store, sizeof req->header_store);
        req->headers = grown;
        req->header_cap = cap;
    }
    if (conn->field.len == 0)
        return 1; /* an empty field name */
    char *name = request_copy(req, conn->field.data, conn->field.len);
    char *value = name ? request_copy(req, conn->value.data, conn->value.len) : NULL;
    wf_buf_clear(&conn->field);
    wf_buf_clear(&conn->value);
    if (!value) {
        if (name)
            request_free_string(req, name);
        return -1;
    }
    req->headers[req->header_count].name = name;
    req->headers[req->header_count].value = value;
    req->header_count++;
    return 0;
}

static int on_header_field(llhttp_t *parser, const char *at, size_t len)
{
    wf_http_conn_t *conn = conn_of(parser);
    if (!count_header_bytes(conn, len))
        return -1;
    int finished = conn->in_value ? finish_header(conn) : 0;
    if (finished) {
        conn->error_status = finished > 0 ? 400 : 500;
        return -1;
    }
    /* The ": " and CRLF around each header count toward the limit too. */
    if (conn->field.len == 0 && !count_header_bytes(conn, 4))
        return -1;
    wf_buf_append(&conn->field, at, len);
    return 0;
}

static int on_header_value(llhttp_t *parser, const char *at, size_t len)
{
    wf_http_conn_t *conn = conn_of(parser);
    if (!count_header_bytes(conn, len))
        return -1;
    conn->in_value = true;
    wf_buf_append(&conn->value, at, len);
    if (conn->value.len == 0 && !conn->value.data)
        wf_buf_reserve(&conn->value, 1);
    return 0;
}

static int on_headers_complete(llhttp_t *parser)
{
    wf_http_conn_t *conn = conn_of(parser);
    wf_http_request_t *req = conn->current;
    int finished = finish_header(conn);
    if (finished || conn->field.failed || conn->value.failed) {
        conn->error_status = finished > 0 ? 400 : 500;
        return -1;
    }
    req->url = request_copy(req, conn->url.data, conn->url.len);
    if (!req->url) {
        conn->error_status = 500;
        return -1;
    }
    if ((parser->flags & F_CONTENT_LENGTH) && (parser->flags & F_TRANSFER_ENCODING)) {
        /* Both framings at once is how requests are smuggled: refuse. */
        conn->error_status = 400;
        return -1;
    }
    const char *method = llhttp_method_name((llhttp_method_t)llhttp_get_method(parser));
    size_t method_len = strnlen(method, sizeof req->method - 1);
    memcpy(req->method, method, method_len);
    req->method[method_len] = '\0';
    req->http_minor = llhttp_get_http_minor(parser);
    if (llhttp_get_http_major(parser) != 1) {
        conn->error_status = 505;
        return -1;
    }
    if ((parser->flags & F_CONTENT_LENGTH) &&
        parser->content_length > (uint64_t)conn->server->config->max_body_bytes) {
        conn->error_status = 413;
        return -1;
    }
    const char *id = wf_http_header(req, "X-Request-Id");
    if (id && request_id_ok(id))
        memcpy(req->request_id, id, strlen(id) + 1); /* at most 128 bytes + NUL */
    else
        next_request_id(conn->server, req);
    const char *expect = wf_http_header(req, "Expect");
    if (expect && !strcasecmp(expect, "100-continue") && conn->pending == 0) {
        /* The client waits for this before sending a large body. */
        write_req_t *w = malloc(sizeof *w);
        char *text = strdup("HTTP/1.1 100 Continue\r\n\r\n");
        if (w && text) {
            w->conn = conn;
            w->data = text;
            uv_buf_t buf = uv_buf_init(text, (unsigned)strlen(text));
            if (uv_write(&w->req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write) == 0) {
                conn->writes++;
                w = NULL;
                text = NULL;
            }
        }
        free(text);
        free(w);
    }
    return 0;
}

static int on_body(llhttp_t *parser, const char *at, size_t len)
{
    wf_http_conn_t *conn = conn_of(parser);
    wf_http_request_t *req = conn->current;
    if (req->body.len + len > (size_t)conn->server->config->max_body_bytes) {
        conn->error_status = 413;
        return -1;
    }
    wf_buf_append(&req->body, at, len);
    if (req->body.failed) {
        conn->error_status = 500;
        return -1;
    }
    return 0;
}

static int on_message_complete(llhttp_t *parser)
{
    wf_http_conn_t *conn = conn_of(parser);
    wf_http_server_t *server = conn->server;
    wf_http_request_t *req = conn->current;
    conn->current = NULL;
    req->keep_alive = llhttp_should_keep_alive(parser);
    atomic_fetch_add(&server->metrics->bytes_in, req->body.len);
    /* Split the target into path and query. */
    char *q = strchr(req->url, '?');
    size_t path_len = q ? (size_t)(q - req->url) : strlen(req->url);
    req->path = request_copy(req, req->url, path_len);
    if (!req->path) {
        request_free(req);
        conn->error_status = 500;
        return -1;
    }
    req->query = q ? q + 1 : "";
    if (conn->tail)
        conn->tail->next = req;
    else
        conn->head = req;
    conn->tail = req;
    conn->pending++;
    if (!req->keep_alive) {
        /* Nothing after this request will be read. */
        conn->closing = true;
        conn_stop_reading(conn);
    }
    server->on_request(server->user, req);
    /* The handler may have answered and the connection closed: stop parsing. */
    if (conn->closed || conn->closing)
        return HPE_PAUSED;
    return 0;
}

/* ---------------------------------------------------------------- I/O -- */

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    wf_http_conn_t *conn = handle->data;
    /* One buffer per loop is enough: on_read consumes it before returning. */
    *buf = uv_buf_init(conn->server->read_buffer, sizeof conn->server->read_buffer);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    wf_http_conn_t *conn = stream->data;
    if (nread == 0)
        return;
    if (nread < 0) {
        /* EOF or error. A half-received request cannot be answered usefully;
           responses still owed are dropped with the connection. */
        if (nread == UV_EOF && conn->pending > 0 && !conn->current) {
            /* The client half-closed after sending: still answer it. */
            conn_stop_reading(conn);
            conn->closing = true;
            return;
        }
        conn_close(conn);
        return;
    }
    if (conn->closing)
        return;
    llhttp_errno_t rc = llhttp_execute(&conn->parser, buf->base, (size_t)nread);
    if (conn->closed)
        return;
    if (rc == HPE_PAUSED) {
        /* Paused by on_message_complete because the connection is closing. */
        update_timer(conn);
        return;
    }
    if (rc != HPE_OK) {
        int status = conn->error_status ? conn->error_status : 400;
        const char *message = status == 431               ? "request header fields too large"
                              : status == 413             ? "request body too large"
                              : status == 505             ? "HTTP version not supported"
                              : conn->error_status == 400 ? "malformed request headers"
                              : status == 500             ? "out of memory"
                                                          : llhttp_get_error_reason(&conn->parser);
        conn_fail(conn, status, message ? message : "malformed request");
        return;
    }
    if (conn->pending >= conn->server->config->max_pipeline ||
        uv_stream_get_write_queue_size((uv_stream_t *)&conn->tcp) >= MAX_WRITE_QUEUE)
        conn_stop_reading(conn);
    update_timer(conn);
}

static void on_connection(uv_stream_t *listener, int status)
{
    wf_http_server_t *server = listener->data;
    if (status < 0)
        return;
    wf_http_conn_t *conn = calloc(1, sizeof *conn);
    if (!conn)
        return;
    conn->server = server;
    uv_tcp_init(server->loop, &conn->tcp);
    conn->tcp.data = conn;
    conn->handles_open = 1;
    /* The limit is the daemon's (every loop's connections together). */
    if (uv_accept(listener, (uv_stream_t *)&conn->tcp) != 0 || server->draining ||
        atomic_load(&server->metrics->connections_open) >= server->config->max_connections) {
        conn->closed = true;
        uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
        return;
    }
    uv_timer_init(server->loop, &conn->timer);
    conn->timer.data = conn;
    conn->handles_open = 2;
    uv_tcp_nodelay(&conn->tcp, 1);
    struct sockaddr_storage addr;
    int len = sizeof addr;
    if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&addr, &len) == 0) {
        char ip[48] = "";
        if (addr.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&addr, ip, sizeof ip);
        else
            uv_ip4_name((struct sockaddr_in *)&addr, ip, sizeof ip);
        snprintf(conn->remote, sizeof conn->remote, "%s", ip);
    }
    llhttp_settings_init(&conn->settings);
    conn->settings.on_message_begin = on_message_begin;
    conn->settings.on_url = on_url;
    conn->settings.on_header_field = on_header_field;
    conn->settings.on_header_value = on_header_value;
    conn->settings.on_headers_complete = on_headers_complete;
    conn->settings.on_body = on_body;
    conn->settings.on_message_complete = on_message_complete;
    llhttp_init(&conn->parser, HTTP_REQUEST, &conn->settings);
    conn->parser.data = conn;
    wf_buf_init(&conn->url);
    wf_buf_init(&conn->field);
    wf_buf_init(&conn->value);
    conn->next = server->conns;
    if (server->conns)
        server->conns->prev = conn;
    server->conns = conn;
    server->conn_count++;
    atomic_fetch_add(&server->metrics->connections_total, 1);
    atomic_fetch_add(&server->metrics->connections_open, 1);
    conn_start_reading(conn);
    update_timer(conn);
}

/* Parses "HOST:PORT" or "[V6]:PORT" into addr. */
static int parse_listen(const char *text, struct sockaddr_storage *addr)
{
    char host[128];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return UV_EINVAL;
    size_t host_len = (size_t)(colon - text);
    const char *h = text;
    if (text[0] == '[' && host_len >= 2 && text[host_len - 1] == ']') {
        h = text + 1;
        host_len -= 2;
    }
    if (host_len >= sizeof host)
        return UV_EINVAL;
    memcpy(host, h, host_len);
    host[host_len] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return UV_EINVAL;
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr) == 0)
        return 0;
    return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)addr);
}

/* Common to the first server and the ones that join it: everything but the socket. */
static void server_init(wf_http_server_t *server, uv_loop_t *loop, const wf_config_t *config,
                        wf_log_t *log, wf_metrics_t *metrics, wf_http_handler_t on_request,
                        void *user)
{
    memset(server, 0, sizeof *server);
    server->loop = loop;
    server->config = config;
    server->log = log;
    server->metrics = metrics;
    server->on_request = on_request;
    server->user = user;
}

/*
** Binds the listener to server->address (with SO_REUSEPORT when share) and
** starts accepting. Returns 0 or a libuv error, with a message in err.
*/
static int server_listen(wf_http_server_t *server, bool share, char *err, size_t err_size)
{
    const struct sockaddr *addr = (const struct sockaddr *)&server->address;
    int rc = uv_tcp_init_ex(server->loop, &server->listener, addr->sa_family);
    if (rc) {
        snprintf(err, err_size, "listen on %s: %s", server->config->listen, uv_strerror(rc));
        return rc;
    }
    server->listener.data = server;
    uv_os_fd_t fd;
    int one = 1;
    if (share && (uv_fileno((uv_handle_t *)&server->listener, &fd) ||
                  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)))
        rc = UV_ENOTSUP;
    if (!rc)
        rc = uv_tcp_bind(&server->listener, addr, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&server->listener, 1024, on_connection);
    int len = sizeof server->address;
    if (!rc)
        rc = uv_tcp_getsockname(&server->listener, (struct sockaddr *)&server->address, &len);
    if (rc) {
        snprintf(err, err_size, "listen on %s: %s", server->config->listen, uv_strerror(rc));
        uv_close((uv_handle_t *)&server->listener, NULL);
        return rc;
    }
    server->listening = true;
    wf_buf_init(&server->access_lines);
    uv_prepare_init(server->loop, &server->log_flush);
    server->log_flush.data = server;
    server->log_batching = true;
    return 0;
}

/*
** Whether a plain socket (no SO_REUSEPORT) can bind addr: with SO_REUSEPORT
** alone, a second daemon of the same user would bind the port as well and
** silently take half of the connections. Fills in the port when addr's is 0.
*/
static int address_free(struct sockaddr_storage *addr)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return uv_translate_sys_error(errno);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as libuv binds */
    socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                : sizeof(struct sockaddr_in);
    int rc = 0;
    if (bind(fd, (struct sockaddr *)addr, len) || listen(fd, 1))
        rc = uv_translate_sys_error(errno);
    else if (getsockname(fd, (struct sockaddr *)addr, &len))
        rc = uv_translate_sys_error(errno);
    close(fd);
    return rc;
}

int wf_http_server_start(wf_http_server_t *server, uv_loop_t *loop, const wf_config_t *config,
                         wf_log_t *log, wf_metrics_t *metrics, wf_http_handler_t on_request,
                         void *user, bool share, char *err, size_t err_size)
{
    server_init(server, loop, config, log, metrics, on_request, user);
    server->id_seed = (uint32_t)(now_ns() ^ (uint64_t)uv_os_getpid() << 16);
    int rc = parse_listen(config->listen, &server->address);
    if (rc) {
        snprintf(err, err_size, "listen: '%s' is not HOST:PORT", config->listen);
        return rc;
    }
    if (share && (rc = address_free(&server->address)) != 0) {
        snprintf(err, err_size, "listen on %s: %s", config->listen, uv_strerror(rc));
        return rc;
    }
    return server_listen(server, share, err, err_size);
}

int wf_http_server_join(wf_http_server_t *server, uv_loop_t *loop, const wf_http_server_t *first,
                        unsigned index, const wf_config_t *config, wf_http_handler_t on_request,
                        void *user, char *err, size_t err_size)
{
    server_init(server, loop, config, first->log, first->metrics, on_request, user);
    server->id_seed = first->id_seed + index; /* request ids stay unique across servers */
    server->address = first->address;
    return server_listen(server, true, err, err_size);
}

void wf_http_server_drain(wf_http_server_t *server, void (*on_idle)(void *user))
{
    server->draining = true;
    free_spare_requests(server);
    stop_log_batching(server);
    server->on_idle = on_idle;
    if (server->listening) {
        uv_close((uv_handle_t *)&server->listener, NULL);
        server->listening = false;
    }
    wf_http_conn_t *conn = server->conns;
    while (conn) {
        wf_http_conn_t *next = conn->next;
        if (conn->pending == 0 && conn->writes == 0)
            conn_close(conn);
        else {
            conn->closing = true;
            conn_stop_reading(conn);
        }
        conn = next;
    }
    if (server->conn_count == 0 && server->on_idle) {
        server->on_idle = NULL;
        on_idle(server->user);
    }
}

void wf_http_server_close_all(wf_http_server_t *server)
{
    server->draining = true;
    free_spare_requests(server);
    stop_log_batching(server);
    if (server->listening) {
        uv_close((uv_handle_t *)&server->listener, NULL);
        server->listening = false;
    }
    while (server->conns)
        conn_close(server->conns);
}
