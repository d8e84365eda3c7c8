/*
** A growable byte buffer for building responses, JSON and log lines. Out of
** memory is sticky: the buffer remembers it (failed) and further appends do
** nothing, so a builder checks once at the end.
*/
#ifndef WF_HTTP_BUF_H
#define WF_HTTP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wf_buf {
    char *data; /* owned; NUL-terminated while !failed */
    size_t len;
    size_t cap;
    bool failed;
} wf_buf_t;

void wf_buf_init(wf_buf_t *buf);
/* Frees the storage; the buffer is empty and usable again. */
void wf_buf_close(wf_buf_t *buf);
/* Empties the buffer but keeps its storage (a failed one starts afresh). */
void wf_buf_clear(wf_buf_t *buf);
/* Hands the storage to the caller (free with free()); the buffer is reset. */
char *wf_buf_take(wf_buf_t *buf, size_t *len);
bool wf_buf_reserve(wf_buf_t *buf, size_t extra);
void wf_buf_append(wf_buf_t *buf, const void *data, size_t len);
void wf_buf_puts(wf_buf_t *buf, const char *s);
void wf_buf_printf(wf_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends value in decimal (what "%llu" prints, without the cost of printf). */
void wf_buf_put_uint(wf_buf_t *buf, uint64_t value);
/* Appends s (len bytes) as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
void wf_buf_json_string(wf_buf_t *buf, const char *s, size_t len);
/* The same for a NUL-terminated string. */
void wf_buf_json_cstr(wf_buf_t *buf, const char *s);

/* Whether data is well-formed UTF-8 (no surrogates, no overlongs). */
bool wf_utf8_valid(const uint8_t *data, size_t len);

#endif
