/*
** JSON and text log lines.
*/
#include "log.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http_buf.h"

static const char *level_names[] = {"debug", "info", "warn", "error"};

void wf_log_init(wf_log_t *log, int fd)
{
    atomic_init(&log->level, WF_LOG_INFO);
    atomic_init(&log->json, true);
    atomic_init(&log->access, true);
    log->fd = fd;
}

void wf_log_configure(wf_log_t *log, const char *level, const char *format, bool access)
{
    for (int i = 0; i < 4; i++)
        if (level && !strcmp(level, level_names[i]))
            atomic_store(&log->level, i);
    if (format)
        atomic_store(&log->json, strcmp(format, "text") != 0);
    atomic_store(&log->access, access);
}

/*
** Appends the time as RFC 3339 UTC with milliseconds.
*/
static void put_time(wf_buf_t *buf)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char text[40];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    wf_buf_printf(buf, "%s.%03dZ", text, (int)(tv.tv_usec / 1000));
}

static void put_field(wf_buf_t *buf, bool json, const char *name, const char *value)
{
    bool number = name[0] == '#';
    if (number)
        name++;
    if (json) {
        wf_buf_puts(buf, ",");
        wf_buf_json_cstr(buf, name);
        wf_buf_puts(buf, ":");
        if (number)
            wf_buf_puts(buf, value);
        else
            wf_buf_json_cstr(buf, value);
    } else {
        /* key=value; a value that could be misread (empty, spaces, quotes,
           '=', control bytes) is written as a JSON string. */
        const char *v = value ? value : "";
        bool quote = !v[0];
        for (const char *p = v; *p && !quote; p++)
            quote = (unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == 0x7F;
        wf_buf_printf(buf, " %s=", name);
        if (quote)
            wf_buf_json_cstr(buf, v);
        else
            wf_buf_puts(buf, v);
    }
}

static void emit(wf_log_t *log, wf_buf_t *buf, bool json)
{
    wf_buf_puts(buf, json ? "}\n" : "\n");
    if (!buf->failed) {
        const char *p = buf->data;
        size_t left = buf->len;
        while (left) {
            ssize_t n = write(log->fd, p, left);
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
    }
    wf_buf_close(buf);
}

static void start_line(wf_buf_t *buf, bool json, wf_log_level_t level, const char *message)
{
    if (json) {
        wf_buf_puts(buf, "{\"time\":\"");
        put_time(buf);
        wf_buf_printf(buf, "\",\"level\":\"%s\",\"msg\":", level_names[level]);
        wf_buf_json_cstr(buf, message);
    } else {
        put_time(buf);
        wf_buf_printf(buf, " %s %s", level_names[level], message);
    }
}

void wf_log_event(wf_log_t *log, wf_log_level_t level, const char *message, ...)
{
    if ((int)level < atomic_load(&log->level))
        return;
    bool json = atomic_load(&log->json);
    wf_buf_t buf;
    wf_buf_init(&buf);
    start_line(&buf, json, level, message);
    va_list ap;
    va_start(ap, message);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        put_field(&buf, json, name, value ? value : "");
    }
    va_end(ap);
    emit(log, &buf, json);
}

void wf_log_request(wf_log_t *log, const wf_log_access_t *a)
{
    wf_buf_t buf;
    wf_buf_init(&buf);
    wf_log_request_format(log, a, &buf);
    if (buf.len && !buf.failed)
        wf_log_write_lines(log, buf.data, buf.len);
    wf_buf_close(&buf);
}

/* Writes len bytes with as many write() calls as it takes. */
static void write_all(int fd, const char *p, size_t left)
{
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
}

void wf_log_write_lines(wf_log_t *log, const char *data, size_t len)
{
    while (len) {
        /* The longest run of whole lines within PIPE_BUF, or one long line. */
        size_t n = 0;
        for (size_t i = 0; i < len && i < PIPE_BUF; i++)
            if (data[i] == '\n')
                n = i + 1;
        if (n == 0) {
            const char *end = memchr(data, '\n', len);
            n = end ? (size_t)(end - data) + 1 : len;
        }
        write_all(log->fd, data, n);
        data += n;
        len -= n;
    }
}

void wf_log_request_format(wf_log_t *log, const wf_log_access_t *a, wf_buf_t *lines)
{
    if (!atomic_load(&log->access) || WF_LOG_INFO < atomic_load(&log->level))
        return;
    bool json = atomic_load(&log->json);
    wf_buf_t *buf = lines;
    start_line(buf, json, WF_LOG_INFO, "request");
    char status[16], duration[32], in[32], out[32];
    snprintf(status, sizeof status, "%d", a->status);
    snprintf(duration, sizeof duration, "%.3f", a->duration_ms);
    snprintf(in, sizeof in, "%llu", (unsigned long long)a->bytes_in);
    snprintf(out, sizeof out, "%llu", (unsigned long long)a->bytes_out);
    put_field(buf, json, "request_id", a->request_id);
    put_field(buf, json, "method", a->method);
    put_field(buf, json, "path", a->path);
    if (a->module)
        put_field(buf, json, "module", a->module);
    put_field(buf, json, "#status", status);
    put_field(buf, json, "#duration_ms", duration);
    put_field(buf, json, "#bytes_in", in);
    put_field(buf, json, "#bytes_out", out);
    if (a->remote)
        put_field(buf, json, "remote", a->remote);
    wf_buf_puts(buf, json ? "}\n" : "\n");
}
