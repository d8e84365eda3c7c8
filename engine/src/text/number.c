/*
** Number literals of the text format: integers in decimal or hex with
** optional sign and underscores between digits; floats in decimal or hex
** (correctly rounded, through the C library's strtof/strtod after the
** spec's grammar has been checked here), inf, nan and nan:0x payloads.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../module.h"
#include "lexer.h"

/* Float literals up to this length convert through a stack buffer, longer ones a heap one. */
#define NUMBER_MAX 400

/* Whether c is a decimal (or, with hex, hexadecimal) digit. */
static bool is_digit(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return true;
    return hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

/*
** Scans one or more digits with single underscores between them, copying the
** digits (without underscores) to out at *o when out is not NULL. Returns the
** position after them, or NULL when there is no digit or an underscore is
** misplaced.
*/
static const char *scan_digits(const char *s, const char *end, bool hex, char *out, size_t *o)
{
    if (s >= end || !is_digit(*s, hex))
        return NULL;
    while (s < end) {
        if (is_digit(*s, hex)) {
            if (out)
                out[(*o)++] = *s;
            s++;
        } else if (*s == '_' && s + 1 < end && is_digit(s[1], hex)) {
            s++;
        } else {
            break;
        }
    }
    return s;
}

/*
** Parses [sign] (digits | 0x hexdigits) as a magnitude; *sign is 0 when
** absent, else '+' or '-'. Fails on overflow of 64 bits or trailing text.
*/
static bool parse_magnitude(const wf__token_t *tok, char *sign, uint64_t *out)
{
    const char *s = tok->text, *end = tok->text + tok->len;
    *sign = 0;
    if (tok->kind != WF_TOK_NUMBER)
        return false;
    if (s < end && (*s == '+' || *s == '-'))
        *sign = *s++;
    bool hex = false;
    if (end - s > 2 && s[0] == '0' && s[1] == 'x') {
        hex = true;
        s += 2;
    }
    const char *after = scan_digits(s, end, hex, NULL, NULL);
    if (!after || after != end)
        return false;
    uint64_t v = 0;
    for (; s < end; s++) {
        char c = *s;
        if (c == '_')
            continue;
        uint64_t d = (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        uint64_t base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* The public conversions (contracts in lexer.h). */
bool wf__parse_u64(const wf__token_t *tok, uint64_t *out)
{
    char sign;
    return parse_magnitude(tok, &sign, out) && sign == 0;
}

bool wf__parse_u32(const wf__token_t *tok, uint32_t *out)
{
    uint64_t v;
    if (!wf__parse_u64(tok, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Parses an N-bit integer (unsigned or signed range) into two's-complement bits. */
static bool parse_int_bits(const wf__token_t *tok, unsigned bits, uint64_t *out)
{
    char sign;
    uint64_t v;
    uint64_t umax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t half = (uint64_t)1 << (bits - 1);
    if (!parse_magnitude(tok, &sign, &v))
        return false;
    if (sign == 0) {
        if (v > umax)
            return false;
    } else if (sign == '+') {
        if (v > half - 1)
            return false;
    } else {
        if (v > half)
            return false;
        v = (uint64_t)0 - v;
    }
    *out = v & umax;
    return true;
}

bool wf__parse_i64(const wf__token_t *tok, uint64_t *out)
{
    return parse_int_bits(tok, 64, out);
}

bool wf__parse_i32(const wf__token_t *tok, uint32_t *out)
{
    uint64_t v;
    if (!parse_int_bits(tok, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool wf__parse_i16(const wf__token_t *tok, uint16_t *out)
{
    uint64_t v;
    if (!parse_int_bits(tok, 16, &v))
        return false;
    *out = (uint16_t)v;
    return true;
}

bool wf__parse_i8(const wf__token_t *tok, uint8_t *out)
{
    uint64_t v;
    if (!parse_int_bits(tok, 8, &v))
        return false;
    *out = (uint8_t)v;
    return true;
}

/* ---------------------------------------------------------------- floats -- */

/*
** Parses a float literal. mantissa_bits is 23 or 52. For a finite number,
** copies a C-syntax form (sign, digits, '.', exponent; no underscores) to
** buf (tok->len + 8 bytes) and sets *kind 0; for inf sets 1; for nan sets 2 with *payload (0 when
** no payload was written).
*/
static bool scan_float(const wf__token_t *tok, unsigned mantissa_bits, char *buf, int *kind,
                       bool *negative, uint64_t *payload)
{
    const char *s = tok->text, *end = tok->text + tok->len;
    size_t o = 0;
    if (tok->kind != WF_TOK_NUMBER && tok->kind != WF_TOK_KEYWORD)
        return false;
    *negative = false;
    if (s < end && (*s == '+' || *s == '-')) {
        *negative = *s == '-';
        buf[o++] = *s++;
    }
    size_t rest = (size_t)(end - s);
    if (rest == 3 && memcmp(s, "inf", 3) == 0) {
        *kind = 1;
        return true;
    }
    if (rest >= 3 && memcmp(s, "nan", 3) == 0) {
        *kind = 2;
        *payload = 0;
        if (rest == 3)
            return true;
        if (rest < 7 || memcmp(s + 3, ":0x", 3) != 0)
            return false;
        const char *after = scan_digits(s + 6, end, true, NULL, NULL);
        if (after != end)
            return false;
        uint64_t v = 0;
        for (const char *q = s + 6; q < end; q++) {
            if (*q == '_')
                continue;
            uint64_t d = (uint64_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
            if (v >> 60)
                return false;
            v = v * 16 + d;
        }
        if (v == 0 || v >= ((uint64_t)1 << mantissa_bits))
            return false;
        *payload = v;
        return true;
    }
    *kind = 0;
    bool hex = rest > 2 && s[0] == '0' && s[1] == 'x';
    if (hex) {
        buf[o++] = '0';
        buf[o++] = 'x';
        s += 2;
    }
    s = scan_digits(s, end, hex, buf, &o);
    if (!s)
        return false;
    if (s < end && *s == '.') {
        buf[o++] = *s++;
        if (s < end && is_digit(*s, hex)) {
            s = scan_digits(s, end, hex, buf, &o);
            if (!s)
                return false;
        }
    }
    if (s < end && (hex ? (*s == 'p' || *s == 'P') : (*s == 'e' || *s == 'E'))) {
        buf[o++] = *s++;
        if (s < end && (*s == '+' || *s == '-'))
            buf[o++] = *s++;
        s = scan_digits(s, end, false, buf, &o);
        if (!s)
            return false;
    } else if (hex) {
        buf[o++] = 'p';
        buf[o++] = '0';
    }
    if (s != end)
        return false;
    buf[o] = '\0';
    return true;
}

/* A buffer for scan_float: on the stack when the literal is short. */
static char *float_buffer(const wf__token_t *tok, char *stack)
{
    return tok->len + 8 <= NUMBER_MAX ? stack : wf__alloc(NULL, (size_t)tok->len + 8);
}

bool wf__parse_f32(const wf__token_t *tok, uint32_t *out)
{
    char stack[NUMBER_MAX], *buf = float_buffer(tok, stack);
    int kind;
    bool negative;
    uint64_t payload;
    if (!buf)
        return false;
    bool ok = scan_float(tok, 23, buf, &kind, &negative, &payload);
    float f = 0;
    if (ok && kind == 0)
        f = strtof(buf, NULL);
    if (buf != stack)
        wf__free(NULL, buf, (size_t)tok->len + 8);
    if (!ok)
        return false;
    uint32_t sign = negative ? 0x80000000u : 0;
    if (kind == 1) {
        *out = sign | 0x7F800000u;
    } else if (kind == 2) {
        *out = sign | 0x7F800000u | (payload ? (uint32_t)payload : 0x400000u);
    } else {
        if (isinf(f))
            return false;
        memcpy(out, &f, 4);
    }
    return true;
}

bool wf__parse_f64(const wf__token_t *tok, uint64_t *out)
{
    char stack[NUMBER_MAX], *buf = float_buffer(tok, stack);
    int kind;
    bool negative;
    uint64_t payload;
    if (!buf)
        return false;
    bool ok = scan_float(tok, 52, buf, &kind, &negative, &payload);
    double d = 0;
    if (ok && kind == 0)
        d = strtod(buf, NULL);
    if (buf != stack)
        wf__free(NULL, buf, (size_t)tok->len + 8);
    if (!ok)
        return false;
    uint64_t sign = negative ? (uint64_t)1 << 63 : 0;
    if (kind == 1) {
        *out = sign | 0x7FF0000000000000ull;
    } else if (kind == 2) {
        *out = sign | 0x7FF0000000000000ull | (payload ? payload : 0x8000000000000ull);
    } else {
        if (isinf(d))
            return false;
        memcpy(out, &d, 8);
    }
    return true;
}

/* Whether tok is written as an integer literal (its range is not checked). */
bool wf__is_int_literal(const wf__token_t *tok)
{
    const char *s = tok->text, *end = tok->text + tok->len;
    if (tok->kind != WF_TOK_NUMBER)
        return false;
    if (s < end && (*s == '+' || *s == '-'))
        s++;
    bool hex = end - s > 2 && s[0] == '0' && s[1] == 'x';
    if (hex)
        s += 2;
    return scan_digits(s, end, hex, NULL, NULL) == end;
}

/* Whether tok is written as a float literal (its range is not checked). */
bool wf__is_float_literal(const wf__token_t *tok)
{
    char stack[NUMBER_MAX], *buf = float_buffer(tok, stack);
    int kind;
    bool negative;
    uint64_t payload;
    if (!buf)
        return false;
    bool ok = scan_float(tok, 52, buf, &kind, &negative, &payload);
    if (buf != stack)
        wf__free(NULL, buf, (size_t)tok->len + 8);
    if (ok)
        return true;
    /* nan:0x with any payload (zero, too wide) is still a float literal's form. */
    const char *p = tok->text, *end = tok->text + tok->len;
    if (p < end && (*p == '+' || *p == '-'))
        p++;
    return end - p > 6 && memcmp(p, "nan:0x", 6) == 0 &&
           scan_digits(p + 6, end, true, NULL, NULL) == end;
}
