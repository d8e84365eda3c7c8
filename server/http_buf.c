/*
** Growable buffers, JSON string escaping and UTF-8 validation.
*/
#include "http_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wf_buf_init(wf_buf_t *buf)
{
    memset(buf, 0, sizeof *buf);
}

void wf_buf_close(wf_buf_t *buf)
{
    free(buf->data);
    wf_buf_init(buf);
}

void wf_buf_clear(wf_buf_t *buf)
{
    if (buf->failed) {
        wf_buf_close(buf);
        return;
    }
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

char *wf_buf_take(wf_buf_t *buf, size_t *len)
{
    char *data = buf->failed ? NULL : buf->data;
    if (len)
        *len = buf->len;
    if (buf->failed)
        free(buf->data);
    wf_buf_init(buf);
    return data;
}

bool wf_buf_reserve(wf_buf_t *buf, size_t extra)
{
    if (buf->failed)
        return false;
    if (buf->len + extra + 1 <= buf->cap)
        return true;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < buf->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            buf->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *grown = realloc(buf->data, cap);
    if (!grown) {
        buf->failed = true;
        return false;
    }
    buf->data = grown;
    buf->cap = cap;
    return true;
}

void wf_buf_append(wf_buf_t *buf, const void *data, size_t len)
{
    if (!wf_buf_reserve(buf, len))
        return;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = 0;
}

void wf_buf_puts(wf_buf_t *buf, const char *s)
{
    wf_buf_append(buf, s, strlen(s));
}

void wf_buf_put_uint(wf_buf_t *buf, uint64_t value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    wf_buf_append(buf, digits + sizeof digits - n, n);
}

void wf_buf_printf(wf_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        wf_buf_append(buf, small, (size_t)n);
        return;
    }
    if (!wf_buf_reserve(buf, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

/*
** Length of the well-formed UTF-8 sequence at p (at most left bytes), or 0.
*/
static size_t utf8_sequence(const uint8_t *p, size_t left)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool wf_utf8_valid(const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence(data + i, len - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

void wf_buf_json_string(wf_buf_t *buf, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    wf_buf_append(buf, "\"", 1);
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            wf_buf_append(buf, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            wf_buf_printf(buf, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            wf_buf_append(buf, &p[i], 1);
            i++;
        } else {
            size_t n = utf8_sequence(p + i, len - i);
            if (n) {
                wf_buf_append(buf, &p[i], n);
                i += n;
            } else {
                wf_buf_puts(buf, "\\ufffd");
                i++;
            }
        }
    }
    wf_buf_append(buf, "\"", 1);
}

void wf_buf_json_cstr(wf_buf_t *buf, const char *s)
{
    wf_buf_json_string(buf, s ? s : "", s ? strlen(s) : 0);
}
