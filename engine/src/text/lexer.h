/*
** The text format's tokens, shared by the WAT encoder and the WAST script
** parser. The lexer turns a whole text into an array of tokens up front, so
** parsers can look ahead and skip balanced parentheses freely.
*/
#ifndef WF_TEXT_LEXER_H
#define WF_TEXT_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf/error.h"

typedef enum wf__token_kind {
    WF_TOK_EOF,
    WF_TOK_LPAREN,
    WF_TOK_RPAREN,
    WF_TOK_KEYWORD, /* starts with a lowercase letter */
    WF_TOK_ID,      /* $name */
    WF_TOK_NUMBER,  /* starts with a digit or a sign; checked when converted */
    WF_TOK_STRING,  /* "..." (text includes the quotes; escapes unchecked until decoded) */
    WF_TOK_RESERVED /* anything else: always an error where a token is expected */
} wf__token_kind_t;

typedef struct wf__token {
    uint8_t kind;
    const char *text;
    uint32_t len;
    uint32_t line;
    uint32_t column;
} wf__token_t;

typedef struct wf__token_list {
    wf__token_t *tokens; /* count tokens, the last of which is WF_TOK_EOF */
    size_t count;
} wf__token_list_t;

/*
** Splits text into tokens, skipping white space, comments and annotations.
** On success fills list (free with wf__tokens_free); on failure returns
** WF_ERR_TEXT or WF_ERR_NOMEM with the position in err.
*/
wf_err_t wf__tokenize(const char *text, size_t len, wf__token_list_t *list, wf_error_info_t *err);
void wf__tokens_free(wf__token_list_t *list);

/* Sets err to a text error at tok with a printf-style message; returns WF_ERR_TEXT. */
wf_err_t wf__text_error(wf_error_info_t *err, const wf__token_t *tok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether tok is the keyword kw. */
bool wf__tok_is(const wf__token_t *tok, const char *kw);

/*
** Decodes a string token's escapes into out (at least tok->len bytes);
** sets *out_len. Returns false on a bad escape.
*/
bool wf__string_decode(const wf__token_t *tok, uint8_t *out, size_t *out_len);

/* Whether the bytes are valid UTF-8. */
bool wf__utf8_valid(const uint8_t *s, size_t len);

/*
** Number conversions of a token's text. Integers accept both the signed and
** the unsigned range of their width (returned as two's-complement bits);
** unsigned ones only [0, max]. Floats return their bit patterns.
*/
bool wf__parse_u32(const wf__token_t *tok, uint32_t *out);
bool wf__parse_u64(const wf__token_t *tok, uint64_t *out);
bool wf__parse_i32(const wf__token_t *tok, uint32_t *out);
bool wf__parse_i64(const wf__token_t *tok, uint64_t *out);
bool wf__parse_i8(const wf__token_t *tok, uint8_t *out);
bool wf__parse_i16(const wf__token_t *tok, uint16_t *out);
bool wf__parse_f32(const wf__token_t *tok, uint32_t *out);
bool wf__parse_f64(const wf__token_t *tok, uint64_t *out);

/*
** Whether a token has the form of an integer or a float literal, whatever
** its value: a conversion that fails on such a token is "constant out of
** range"; on any other token, the token is not a number at all.
*/
bool wf__is_int_literal(const wf__token_t *tok);
bool wf__is_float_literal(const wf__token_t *tok);

#endif
