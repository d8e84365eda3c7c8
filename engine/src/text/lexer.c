/*
** The text format's lexer: characters to tokens (see lexer.h). Follows the
** spec's lexical rules: a token is a maximal run of characters up to white
** space, a parenthesis or a comment; a run that mixes strings and other
** characters, or holds characters outside idchar, is "reserved" (an error
** wherever it is used).
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../module.h"
#include "lexer.h"

/* ---------------------------------------------------------------- errors -- */

/*
** Records a text error at tok (or at 0:0 when tok is NULL) and returns
** WF_ERR_TEXT.
*/
wf_err_t wf__text_error(wf_error_info_t *err, const wf__token_t *tok, const char *fmt, ...)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->code = WF_ERR_TEXT;
        err->func_index = WF_NO_INDEX;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        if (tok) {
            err->line = tok->line;
            err->column = tok->column;
        }
    }
    return WF_ERR_TEXT;
}

/* -------------------------------------------------------------- helpers -- */

/* Whether c may appear in keywords, ids, numbers (the spec's idchar). */
static bool is_idchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-./:<=>?@\\^_`|~", c) != NULL;
}

/*
** Whether tok is exactly the keyword kw.
*/
bool wf__tok_is(const wf__token_t *tok, const char *kw)
{
    size_t n = strlen(kw);
    return tok->kind == WF_TOK_KEYWORD && tok->len == n && memcmp(tok->text, kw, n) == 0;
}

/*
** Checks UTF-8 per RFC 3629 (no overlongs, no surrogates, at most U+10FFFF).
*/
bool wf__utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/* The value of a hex digit, or -1. */
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

/* Appends code point cp as UTF-8 to out at *n. */
static void put_utf8(uint8_t *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (uint8_t)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (uint8_t)(0xC0 | (cp >> 6));
        out[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (uint8_t)(0xE0 | (cp >> 12));
        out[(*n)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (uint8_t)(0xF0 | (cp >> 18));
        out[(*n)++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    }
}

/*
** Decodes a string token. The decoded form is never longer than the token
** (every escape is at least as long as what it stands for), so out needs
** tok->len bytes.
*/
bool wf__string_decode(const wf__token_t *tok, uint8_t *out, size_t *out_len)
{
    const char *s = tok->text + 1, *end = tok->text + tok->len - 1;
    size_t n = 0;
    if (tok->kind != WF_TOK_STRING)
        return false;
    while (s < end) {
        char c = *s++;
        if (c != '\\') {
            out[n++] = (uint8_t)c;
            continue;
        }
        if (s >= end)
            return false;
        c = *s++;
        switch (c) {
        case 't':
            out[n++] = '\t';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case '"':
            out[n++] = '"';
            break;
        case '\'':
            out[n++] = '\'';
            break;
        case '\\':
            out[n++] = '\\';
            break;
        case 'u': {
            uint32_t cp = 0;
            int digits = 0;
            if (s >= end || *s != '{')
                return false;
            s++;
            while (s < end && *s != '}') {
                if (*s == '_' && digits > 0 && s + 1 < end && hex_value(s[1]) >= 0) {
                    s++;
                    continue;
                }
                int v = hex_value(*s);
                if (v < 0 || cp > 0x10FFFF)
                    return false;
                cp = cp * 16 + (uint32_t)v;
                digits++;
                s++;
            }
            if (s >= end || digits == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
                return false;
            s++;
            put_utf8(out, &n, cp);
            break;
        }
        default: {
            int hi = hex_value(c), lo = s < end ? hex_value(*s) : -1;
            if (hi < 0 || lo < 0)
                return false;
            s++;
            out[n++] = (uint8_t)(hi * 16 + lo);
            break;
        }
        }
    }
    *out_len = n;
    return true;
}

/* -------------------------------------------------------------- lexing -- */

typedef struct lexer {
    const char *text, *end, *p;
    uint32_t line;
    const char *line_start;
    wf_error_info_t *err;
    wf__token_list_t *list;
    size_t capacity;
} lexer_t;

/* A lexical error at position at of the current line. */
static wf_err_t lex_error(lexer_t *lx, const char *at, const char *msg)
{
    wf__token_t tok = {0};
    tok.line = lx->line;
    tok.column = (uint32_t)(at - lx->line_start) + 1;
    return wf__text_error(lx->err, &tok, "%s", msg);
}

/* Appends a token, growing the list; WF_ERR_NOMEM when it cannot. */
static wf_err_t push(lexer_t *lx, uint8_t kind, const char *start, size_t len, uint32_t line,
                     uint32_t column)
{
    if (lx->list->count == lx->capacity) {
        size_t cap = lx->capacity ? lx->capacity * 2 : 256;
        wf__token_t *t =
            wf__realloc(NULL, lx->list->tokens, lx->capacity * sizeof *t, cap * sizeof *t);
        if (!t)
            return wf__error(lx->err, WF_ERR_NOMEM, 0, "out of memory");
        lx->list->tokens = t;
        lx->capacity = cap;
    }
    wf__token_t *tok = &lx->list->tokens[lx->list->count++];
    tok->kind = kind;
    tok->text = start;
    tok->len = (uint32_t)len;
    tok->line = line;
    tok->column = column;
    return WF_OK;
}

/* Skips a block comment starting at lx->p ("(;"), nested ones included. */
static wf_err_t skip_block_comment(lexer_t *lx)
{
    const char *start = lx->p;
    int depth = 0;
    while (lx->p < lx->end) {
        if (lx->p + 1 < lx->end && lx->p[0] == '(' && lx->p[1] == ';') {
            depth++;
            lx->p += 2;
        } else if (lx->p + 1 < lx->end && lx->p[0] == ';' && lx->p[1] == ')') {
            lx->p += 2;
            if (--depth == 0)
                return WF_OK;
        } else {
            if (*lx->p == '\n') {
                lx->line++;
                lx->line_start = lx->p + 1;
            }
            lx->p++;
        }
    }
    return lex_error(lx, start, "unterminated block comment");
}

/*
** Scans a string starting at lx->p (the opening quote), checking its
** characters; leaves lx->p after the closing quote.
*/
static wf_err_t scan_string(lexer_t *lx)
{
    const char *start = lx->p++;
    while (lx->p < lx->end) {
        unsigned char c = (unsigned char)*lx->p;
        if (c == '"') {
            lx->p++;
            return WF_OK;
        }
        if (c == '\\') {
            lx->p += 2;
            continue;
        }
        if (c < 0x20 || c == 0x7F)
            return lex_error(lx, lx->p, "illegal character in string");
        if (c >= 0x80) {
            /* Source text is UTF-8: one whole, valid character. */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if ((size_t)(lx->end - lx->p) < n || !wf__utf8_valid((const uint8_t *)lx->p, n))
                return lex_error(lx, lx->p, "malformed UTF-8 encoding");
            lx->p += n;
            continue;
        }
        lx->p++;
    }
    return lex_error(lx, start, "unterminated string");
}

/* Whether a token ends at p: end of text, white space, a parenthesis or a comment. */
static bool at_token_end(const lexer_t *lx, const char *p)
{
    if (p >= lx->end)
        return true;
    char c = *p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')')
        return true;
    return c == ';' && p + 1 < lx->end && p[1] == ';';
}

/*
** Splits text into tokens (see lexer.h). Annotations "(@id ...)" are dropped
** with everything inside them, nested parentheses included.
*/
wf_err_t wf__tokenize(const char *text, size_t len, wf__token_list_t *list, wf_error_info_t *err)
{
    lexer_t lx = {text, text + len, text, 1, text, err, list, 0};
    int annotation_depth = 0;
    wf_err_t rc;
    list->tokens = NULL;
    list->count = 0;
    while (lx.p < lx.end) {
        char c = *lx.p;
        const char *start = lx.p;
        uint32_t line = lx.line, column = (uint32_t)(lx.p - lx.line_start) + 1;
        if (c == '\n') {
            lx.line++;
            lx.p++;
            lx.line_start = lx.p;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            lx.p++;
            continue;
        }
        if (c == ';' && lx.p + 1 < lx.end && lx.p[1] == ';') {
            /* A line comment ends at a newline: LF, CR or CR LF. */
            while (lx.p < lx.end && *lx.p != '\n' && *lx.p != '\r')
                lx.p++;
            continue;
        }
        if (c == '(' && lx.p + 1 < lx.end && lx.p[1] == ';') {
            if ((rc = skip_block_comment(&lx)) != WF_OK)
                goto fail;
            continue;
        }
        if (c == '(') {
            lx.p++;
            if (annotation_depth > 0) {
                annotation_depth++;
            } else if (lx.p < lx.end && *lx.p == '@' && lx.p + 1 < lx.end &&
                       is_idchar((unsigned char)lx.p[1])) {
                annotation_depth = 1;
            } else if ((rc = push(&lx, WF_TOK_LPAREN, start, 1, line, column)) != WF_OK) {
                goto fail;
            }
            continue;
        }
        if (c == ')') {
            lx.p++;
            if (annotation_depth > 0)
                annotation_depth--;
            else if ((rc = push(&lx, WF_TOK_RPAREN, start, 1, line, column)) != WF_OK)
                goto fail;
            continue;
        }
        /* A run of idchars and strings up to a delimiter. */
        bool has_string = false, has_other = false, bad = false;
        int strings = 0;
        while (!at_token_end(&lx, lx.p)) {
            unsigned char ch = (unsigned char)*lx.p;
            if (ch == '"') {
                if ((rc = scan_string(&lx)) != WF_OK)
                    goto fail;
                has_string = true;
                strings++;
            } else {
                if (!is_idchar(ch))
                    bad = true;
                has_other = true;
                lx.p++;
            }
        }
        size_t n = (size_t)(lx.p - start);
        uint8_t kind;
        if (has_string && !has_other && strings == 1)
            kind = WF_TOK_STRING;
        else if (has_string || bad)
            kind = WF_TOK_RESERVED;
        else if (c >= 'a' && c <= 'z')
            kind = WF_TOK_KEYWORD;
        else if (c == '$' && n > 1)
            kind = WF_TOK_ID;
        else if ((c >= '0' && c <= '9') || c == '+' || c == '-')
            kind = WF_TOK_NUMBER;
        else
            kind = WF_TOK_RESERVED;
        if (annotation_depth == 0 && (rc = push(&lx, kind, start, n, line, column)) != WF_OK)
            goto fail;
    }
    if (annotation_depth > 0) {
        rc = lex_error(&lx, lx.p, "unterminated annotation");
        goto fail;
    }
    rc = push(&lx, WF_TOK_EOF, lx.p, 0, lx.line, (uint32_t)(lx.p - lx.line_start) + 1);
    if (rc != WF_OK)
        goto fail;
    return WF_OK;

fail:
    wf__tokens_free(list);
    return rc;
}

/* Frees a token list's array; accepts NULL and an empty list. */
void wf__tokens_free(wf__token_list_t *list)
{
    if (!list)
        return;
    wf__free(NULL, list->tokens, 0);
    list->tokens = NULL;
    list->count = 0;
}
