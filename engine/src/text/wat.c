/*
** The WAT encoder: text module fields to the binary format.
**
** Two passes over the tokens. The first collects every field's identifier
** into its index space (imports first, as the text format requires), the
** explicit type definitions, and checks field order. The second encodes each
** field into its section buffer, resolving identifiers; type uses without a
** (type ...) reuse the first equal type or append an implicit one, in text
** order, so the output matches other encoders (wabt) byte for byte.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../module.h"
#include "../simd_ops.h"
#include "../wasm_ops.h"
#include "wat.h"
#include "wf/text.h"

/* ---------------------------------------------------------------- buffers -- */

typedef struct buf {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} buf_t;

/*
** Byte buffers for sections. Growth failure sets oom and makes later writes
** no-ops; the encoder checks oom once per section.
*/
static void buf_reserve(buf_t *b, size_t more)
{
    if (b->oom || b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more)
        cap *= 2;
    uint8_t *d = wf__realloc(NULL, b->data, b->cap, cap);
    if (!d) {
        b->oom = true;
        return;
    }
    b->data = d;
    b->cap = cap;
}

static void buf_bytes(buf_t *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (b->oom || n == 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_byte(buf_t *b, uint8_t v)
{
    buf_bytes(b, &v, 1);
}

/* Unsigned LEB128, minimal length (as wabt writes it). */
static void buf_u32(buf_t *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        buf_byte(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

/* Signed LEB128, minimal length. */
static void buf_s64(buf_t *b, int64_t v)
{
    for (;;) {
        uint8_t byte = (uint8_t)(v & 0x7F);
        v >>= 7; /* arithmetic on every supported compiler */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        buf_byte(b, (uint8_t)(byte | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

static void buf_free(buf_t *b)
{
    wf__free(NULL, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- context -- */

/*
** Deepest nesting of blocks and folded instructions. The parser recurses per
** level, so this bounds its stack use (about 250 bytes a level in an
** optimized build) for any input.
*/
#define WF_TEXT_MAX_NESTING 1000

enum { SP_TYPE, SP_FUNC, SP_TABLE, SP_MEMORY, SP_GLOBAL, SP_ELEM, SP_DATA, SP_COUNT };

static const char *const space_names[SP_COUNT] = {"type",   "func", "table", "memory",
                                                  "global", "elem", "data"};

/* An index space: the identifier (a token, or NULL) of each index. */
typedef struct space {
    const wf__token_t **names;
    uint32_t count, cap;
} space_t;

/* A function type: params then results in one array. */
typedef struct sig {
    uint8_t *types;
    uint32_t params, results;
} sig_t;

/* A type use as written: (type x)? (param ...)* (result ...)*. */
typedef struct typeuse {
    bool has_type;
    uint32_t type_index;
    const wf__token_t *type_tok;
    buf_t types; /* params then results */
    uint32_t params, results;
} typeuse_t;

typedef struct wat {
    const wf__token_t *toks;
    size_t count, pos;
    wf_error_info_t *err;
    bool failed;

    space_t spaces[SP_COUNT];
    uint32_t imported[SP_COUNT]; /* imports of func, table, memory, global */
    sig_t *types;
    uint32_t type_count, type_cap;

    buf_t sec_import, sec_func, sec_table, sec_memory, sec_global, sec_export, sec_start, sec_elem,
        sec_code, sec_data;
    uint32_t n_import, n_func, n_table, n_memory, n_global, n_export, n_elem, n_data;
    bool has_start;
    bool uses_data_count;
    bool uses_simd; /* a v128 type or a SIMD instruction */

    uint32_t depth; /* current nesting of blocks and folded instructions */

    /* The function being encoded. */
    space_t locals;
    const wf__token_t **labels;
    uint32_t label_count, label_cap;
} wat_t;

static int fail(wat_t *w, const wf__token_t *tok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error (later ones are consequences) and returns -1. */
static int fail(wat_t *w, const wf__token_t *tok, const char *fmt, ...)
{
    if (!w->failed) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        wf__text_error(w->err, tok, "%s", msg);
        w->failed = true;
    }
    return -1;
}

/* Records running out of memory; returns -1. */
static int oom(wat_t *w)
{
    if (!w->failed) {
        wf__error(w->err, WF_ERR_NOMEM, 0, "out of memory");
        w->failed = true;
    }
    return -1;
}

static const wf__token_t *peek(const wat_t *w)
{
    return &w->toks[w->pos < w->count ? w->pos : w->count - 1];
}

static const wf__token_t *peek2(const wat_t *w)
{
    return &w->toks[w->pos + 1 < w->count ? w->pos + 1 : w->count - 1];
}

static const wf__token_t *next(wat_t *w)
{
    const wf__token_t *t = peek(w);
    if (w->pos < w->count - 1)
        w->pos++;
    return t;
}

/* Whether the next tokens are '(' kw. */
static bool at_group(const wat_t *w, const char *kw)
{
    return peek(w)->kind == WF_TOK_LPAREN && wf__tok_is(peek2(w), kw);
}

/* A token as messages quote it. */
static const char *describe(const wf__token_t *t, char *buf, size_t n)
{
    if (t->kind == WF_TOK_EOF)
        return "end of input";
    snprintf(buf, n, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text);
    return buf;
}

/*
** An error at the current token. A reserved token (such as "i32.const0" or
** "$l\"a\"") is an unknown operator, as the spec tests word it.
*/
static int unexpected(wat_t *w, const char *what)
{
    char d[64];
    const wf__token_t *t = peek(w);
    if (t->kind == WF_TOK_RESERVED)
        return fail(w, t, "unknown operator %s", describe(t, d, sizeof d));
    return fail(w, t, "unexpected token %s, expected %s", describe(t, d, sizeof d), what);
}

static int expect(wat_t *w, uint8_t kind, const char *what)
{
    if (peek(w)->kind != kind)
        return unexpected(w, what);
    next(w);
    return 0;
}

static int expect_rparen(wat_t *w)
{
    return expect(w, WF_TOK_RPAREN, "')'");
}

static int expect_keyword(wat_t *w, const char *kw)
{
    if (!wf__tok_is(peek(w), kw))
        return unexpected(w, kw);
    next(w);
    return 0;
}

/* See wat.h; stops at EOF when the group is not closed. */
size_t wf__skip_group(const wf__token_list_t *tokens, size_t pos)
{
    int depth = 0;
    while (pos < tokens->count) {
        uint8_t k = tokens->tokens[pos].kind;
        if (k == WF_TOK_EOF)
            return pos;
        pos++;
        if (k == WF_TOK_LPAREN)
            depth++;
        else if (k == WF_TOK_RPAREN && --depth <= 0)
            return pos;
    }
    return pos;
}

static void skip_group(wat_t *w)
{
    wf__token_list_t list = {(wf__token_t *)w->toks, w->count};
    w->pos = wf__skip_group(&list, w->pos);
    if (w->pos >= w->count)
        w->pos = w->count - 1;
}

/* ------------------------------------------------------------ index spaces -- */

static bool same_name(const wf__token_t *a, const wf__token_t *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* Appends an index (named by id, or NULL) to a space; fails on duplicates. */
static int space_add(wat_t *w, space_t *s, const wf__token_t *id, const char *what)
{
    if (id) {
        for (uint32_t i = 0; i < s->count; i++)
            if (s->names[i] && same_name(s->names[i], id))
                return fail(w, id, "duplicate %s %.*s", what, (int)id->len, id->text);
    }
    if (s->count == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        const wf__token_t **n = wf__realloc(NULL, s->names, s->cap * sizeof *n, cap * sizeof *n);
        if (!n)
            return oom(w);
        s->names = n;
        s->cap = cap;
    }
    s->names[s->count++] = id;
    return 0;
}

static void space_free(space_t *s)
{
    wf__free(NULL, s->names, s->cap * sizeof *s->names);
    memset(s, 0, sizeof *s);
}

/* Takes an optional $id at the current position. */
static const wf__token_t *opt_id(wat_t *w)
{
    return peek(w)->kind == WF_TOK_ID ? next(w) : NULL;
}

/*
** Parses an index into space s: a u32 or an identifier. Numbers are not
** checked against the space's size (that is the validator's work).
*/
static int parse_index_in(wat_t *w, const space_t *s, const char *what, uint32_t *out)
{
    const wf__token_t *t = peek(w);
    if (t->kind == WF_TOK_NUMBER) {
        if (!wf__parse_u32(t, out))
            return wf__is_int_literal(t)
                       ? fail(w, t, "i32 constant out of range")
                       : fail(w, t, "unknown operator %.*s", (int)t->len, t->text);
        next(w);
        return 0;
    }
    if (t->kind == WF_TOK_ID) {
        for (uint32_t i = 0; i < s->count; i++) {
            if (s->names[i] && same_name(s->names[i], t)) {
                *out = i;
                next(w);
                return 0;
            }
        }
        return fail(w, t, "unknown %s %.*s", what, (int)t->len, t->text);
    }
    return unexpected(w, what);
}

static int parse_index(wat_t *w, int space, uint32_t *out)
{
    return parse_index_in(w, &w->spaces[space], space_names[space], out);
}

static bool at_index(const wat_t *w)
{
    uint8_t k = peek(w)->kind;
    return k == WF_TOK_NUMBER || k == WF_TOK_ID;
}

/* ------------------------------------------------------------------ types -- */

static int parse_valtype_tok(wat_t *w, const wf__token_t *t, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t code;
    } table[] = {{"i32", 0x7F},  {"i64", 0x7E},     {"f32", 0x7D},      {"f64", 0x7C},
                 {"v128", 0x7B}, {"funcref", 0x70}, {"externref", 0x6F}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (wf__tok_is(t, table[i].name)) {
            *out = table[i].code;
            if (*out == 0x7B)
                w->uses_simd = true;
            return 0;
        }
    }
    char d[64];
    if (t->kind == WF_TOK_KEYWORD || t->kind == WF_TOK_RESERVED)
        return fail(w, t, "unknown operator %.*s, expected a value type", (int)t->len, t->text);
    return fail(w, t, "unexpected token %s, expected a value type", describe(t, d, sizeof d));
}

/* Takes a value type keyword. */
static int parse_valtype(wat_t *w, uint8_t *out)
{
    if (parse_valtype_tok(w, peek(w), out) < 0)
        return -1;
    next(w);
    return 0;
}

/* Takes funcref or externref. */
static int parse_reftype(wat_t *w, uint8_t *out)
{
    const wf__token_t *t = peek(w);
    if (wf__tok_is(t, "funcref"))
        *out = 0x70;
    else if (wf__tok_is(t, "externref"))
        *out = 0x6F;
    else
        return unexpected(w, "a reference type");
    next(w);
    return 0;
}

static void typeuse_free(typeuse_t *u)
{
    buf_free(&u->types);
}

/*
** Parses (param ...)* (result ...)* into u (appending). With locals, param
** identifiers are added to the function's local space; without, ids are an
** error (block types and call_indirect have none).
*/
static int parse_params_results(wat_t *w, typeuse_t *u, space_t *locals)
{
    while (at_group(w, "param")) {
        if (u->results > 0)
            return fail(w, peek2(w), "unexpected token param after result");
        next(w);
        next(w);
        if (peek(w)->kind == WF_TOK_ID) {
            const wf__token_t *id = next(w);
            uint8_t t;
            if (!locals)
                return fail(w, id, "unexpected token %.*s", (int)id->len, id->text);
            if (parse_valtype(w, &t) < 0 || space_add(w, locals, id, "local") < 0)
                return -1;
            buf_byte(&u->types, t);
            u->params++;
        } else {
            while (peek(w)->kind != WF_TOK_RPAREN) {
                uint8_t t;
                if (parse_valtype(w, &t) < 0)
                    return -1;
                if (locals && space_add(w, locals, NULL, "local") < 0)
                    return -1;
                buf_byte(&u->types, t);
                u->params++;
            }
        }
        if (expect_rparen(w) < 0)
            return -1;
    }
    while (at_group(w, "result")) {
        next(w);
        next(w);
        while (peek(w)->kind != WF_TOK_RPAREN) {
            uint8_t t;
            if (parse_valtype(w, &t) < 0)
                return -1;
            buf_byte(&u->types, t);
            u->results++;
        }
        if (expect_rparen(w) < 0)
            return -1;
    }
    if (at_group(w, "param") || at_group(w, "type"))
        return fail(w, peek2(w), "unexpected token %.*s after the result", (int)peek2(w)->len,
                    peek2(w)->text);
    if (u->types.oom)
        return oom(w);
    return 0;
}

/* Parses a type use; see parse_params_results for locals. */
static int parse_typeuse(wat_t *w, typeuse_t *u, space_t *locals)
{
    memset(u, 0, sizeof *u);
    if (at_group(w, "type")) {
        next(w);
        next(w);
        u->type_tok = peek(w);
        if (parse_index(w, SP_TYPE, &u->type_index) < 0 || expect_rparen(w) < 0)
            return -1;
        u->has_type = true;
    }
    return parse_params_results(w, u, locals);
}

static bool sig_equal(const sig_t *s, const uint8_t *types, uint32_t params, uint32_t results)
{
    return s->params == params && s->results == results &&
           (params + results == 0 || memcmp(s->types, types, params + results) == 0);
}

/* Appends a function type to the module's list. */
static int add_type(wat_t *w, const uint8_t *types, uint32_t params, uint32_t results)
{
    if (w->type_count == w->type_cap) {
        uint32_t cap = w->type_cap ? w->type_cap * 2 : 16;
        sig_t *t = wf__realloc(NULL, w->types, w->type_cap * sizeof *t, cap * sizeof *t);
        if (!t)
            return oom(w);
        w->types = t;
        w->type_cap = cap;
    }
    sig_t *s = &w->types[w->type_count];
    s->types = wf__alloc(NULL, params + results);
    if (!s->types)
        return oom(w);
    if (params + results)
        memcpy(s->types, types, params + results);
    s->params = params;
    s->results = results;
    w->type_count++;
    return 0;
}

/*
** Resolves a type use to a type index: the explicit one (checked against an
** inline signature when both are written), else the first equal type, else
** a new implicit type appended at the end.
*/
static int resolve_typeuse(wat_t *w, const typeuse_t *u, uint32_t *out)
{
    if (u->has_type) {
        *out = u->type_index;
        if ((u->params || u->results) && u->type_index >= w->type_count)
            return fail(w, u->type_tok, "unknown type");
        if ((u->params || u->results) && u->type_index < w->type_count &&
            !sig_equal(&w->types[u->type_index], u->types.data, u->params, u->results))
            return fail(w, u->type_tok, "inline function type does not match the type");
        return 0;
    }
    for (uint32_t i = 0; i < w->type_count; i++) {
        if (sig_equal(&w->types[i], u->types.data, u->params, u->results)) {
            *out = i;
            return 0;
        }
    }
    *out = w->type_count;
    return add_type(w, u->types.data, u->params, u->results);
}

/* The number of parameters a resolved type use gives its function. */
static uint32_t typeuse_param_count(const wat_t *w, const typeuse_t *u)
{
    if (u->has_type && !u->params && !u->results && u->type_index < w->type_count)
        return w->types[u->type_index].params;
    return u->params;
}

/* Writes a block type: empty, one value type, or a type index (s33). */
static int write_blocktype(wat_t *w, buf_t *out, const typeuse_t *u)
{
    const uint8_t *types = u->types.data;
    uint32_t params = u->params, results = u->results;
    if (u->has_type && !params && !results && u->type_index < w->type_count) {
        types = w->types[u->type_index].types;
        params = w->types[u->type_index].params;
        results = w->types[u->type_index].results;
    }
    if (u->has_type && u->type_index >= w->type_count) {
        buf_s64(out, u->type_index);
        return 0;
    }
    if (params == 0 && results == 0) {
        if (u->has_type && resolve_typeuse(w, u, &(uint32_t){0}) < 0)
            return -1;
        buf_byte(out, 0x40);
        return 0;
    }
    if (params == 0 && results == 1) {
        uint32_t ignored;
        if (u->has_type && resolve_typeuse(w, u, &ignored) < 0)
            return -1;
        buf_byte(out, types[0]);
        return 0;
    }
    uint32_t index;
    if (resolve_typeuse(w, u, &index) < 0)
        return -1;
    buf_s64(out, index);
    return 0;
}

/* ----------------------------------------------------------- instructions -- */

static int parse_instrs(wat_t *w, buf_t *out);
static int parse_folded(wat_t *w, buf_t *out);

/* Enters a block: its label (or NULL) becomes depth 0. */
static int push_label(wat_t *w, const wf__token_t *id)
{
    if (w->label_count == w->label_cap) {
        uint32_t cap = w->label_cap ? w->label_cap * 2 : 16;
        const wf__token_t **l =
            wf__realloc(NULL, w->labels, w->label_cap * sizeof *l, cap * sizeof *l);
        if (!l)
            return oom(w);
        w->labels = l;
        w->label_cap = cap;
    }
    w->labels[w->label_count++] = id;
    return 0;
}

static int parse_label(wat_t *w, uint32_t *out)
{
    const wf__token_t *t = peek(w);
    if (t->kind == WF_TOK_ID) {
        for (uint32_t i = w->label_count; i-- > 0;) {
            if (w->labels[i] && same_name(w->labels[i], t)) {
                *out = w->label_count - 1 - i;
                next(w);
                return 0;
            }
        }
        return fail(w, t, "unknown label %.*s", (int)t->len, t->text);
    }
    if (t->kind == WF_TOK_NUMBER) {
        if (!wf__parse_u32(t, out))
            return wf__is_int_literal(t)
                       ? fail(w, t, "i32 constant out of range")
                       : fail(w, t, "unknown operator %.*s", (int)t->len, t->text);
        next(w);
        return 0;
    }
    return unexpected(w, "a label");
}

/* An optional id after end/else must repeat the block's label. */
static int check_end_label(wat_t *w, const wf__token_t *label)
{
    if (peek(w)->kind != WF_TOK_ID)
        return 0;
    const wf__token_t *t = next(w);
    if (!label || !same_name(label, t))
        return fail(w, t, "mismatching label %.*s", (int)t->len, t->text);
    return 0;
}

/* Parses `offset=N`/`align=N` for an access of natural alignment 2^nat. */
static int parse_memarg(wat_t *w, buf_t *out, unsigned nat)
{
    uint64_t offset = 0, align = (uint64_t)1 << nat;
    for (int i = 0; i < 2; i++) {
        const wf__token_t *t = peek(w);
        if (t->kind != WF_TOK_KEYWORD)
            break;
        const char *key = i == 0 ? "offset=" : "align=";
        size_t klen = strlen(key);
        if (i == 0 && !(t->len > klen && memcmp(t->text, key, klen) == 0))
            continue;
        if (!(t->len > klen && memcmp(t->text, key, klen) == 0))
            break;
        wf__token_t num = *t;
        num.kind = WF_TOK_NUMBER;
        num.text += klen;
        num.len -= (uint32_t)klen;
        uint64_t v;
        if (!wf__parse_u64(&num, &v))
            return wf__is_int_literal(&num) && num.text[0] != '-' && num.text[0] != '+'
                       ? fail(w, t, "i32 constant out of range")
                       : fail(w, t, "unknown operator %.*s", (int)t->len, t->text);
        if (i == 0) {
            if (v > UINT32_MAX)
                return fail(w, t, "i32 constant out of range");
            offset = v;
        } else {
            if (v == 0 || (v & (v - 1)) || v > UINT32_MAX)
                return fail(w, t, "alignment must be a power of two");
            align = v;
        }
        next(w);
    }
    unsigned log2 = 0;
    while (((uint64_t)1 << log2) < align)
        log2++;
    buf_u32(out, log2);
    buf_u32(out, offset);
    return 0;
}

/*
** The error for a token that did not convert to a number of type what: out
** of range when it is written as a number, else not a number at all (the
** spec's tests call such a token an unknown operator, or an unexpected one
** when it is a keyword of the script format such as nan:canonical).
*/
static int number_error(wat_t *w, const wf__token_t *t, const char *what, bool is_float)
{
    char d[64];
    if (is_float ? wf__is_float_literal(t) : wf__is_int_literal(t))
        return fail(w, t, "%s constant out of range", what);
    if (t->kind == WF_TOK_RPAREN || t->kind == WF_TOK_EOF || t->kind == WF_TOK_STRING ||
        t->kind == WF_TOK_ID || wf__tok_is(t, "nan:canonical") || wf__tok_is(t, "nan:arithmetic"))
        return fail(w, t, "unexpected token %s, expected an %s constant", describe(t, d, sizeof d),
                    what);
    return fail(w, t, "unknown operator %s, expected an %s constant", describe(t, d, sizeof d),
                what);
}

static int parse_const_imm(wat_t *w, buf_t *out, unsigned kind)
{
    const wf__token_t *t = peek(w);
    switch (kind) {
    case WF_IMM_I32: {
        uint32_t v;
        if (!wf__parse_i32(t, &v))
            return number_error(w, t, "i32", false);
        buf_s64(out, (int32_t)v);
        break;
    }
    case WF_IMM_I64: {
        uint64_t v;
        if (!wf__parse_i64(t, &v))
            return number_error(w, t, "i64", false);
        buf_s64(out, (int64_t)v);
        break;
    }
    case WF_IMM_F32: {
        uint32_t v;
        if (!wf__parse_f32(t, &v))
            return number_error(w, t, "f32", true);
        uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        buf_bytes(out, b, 4);
        break;
    }
    default: {
        uint64_t v;
        if (!wf__parse_f64(t, &v))
            return number_error(w, t, "f64", true);
        for (int i = 0; i < 8; i++)
            buf_byte(out, (uint8_t)(v >> (8 * i)));
        break;
    }
    }
    next(w);
    return 0;
}

/* Parses a v128.const's shape and lanes into 16 bytes. */
static int parse_v128_const(wat_t *w, buf_t *out)
{
    static const char *const shapes[] = {"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};
    static const unsigned lanes[] = {16, 8, 4, 2, 4, 2};
    const wf__token_t *s = peek(w);
    int shape = -1;
    for (int i = 0; i < 6; i++)
        if (wf__tok_is(s, shapes[i]))
            shape = i;
    if (shape < 0)
        return unexpected(w, "a v128 shape");
    next(w);
    /* Lanes are counted first, as the reference parser does. */
    size_t count = 0;
    for (size_t p = w->pos; p < w->count; p++, count++) {
        const wf__token_t *t = &w->toks[p];
        bool number =
            t->kind == WF_TOK_NUMBER ||
            (t->kind == WF_TOK_KEYWORD &&
             (t->len >= 3 && (memcmp(t->text, "inf", 3) == 0 || memcmp(t->text, "nan", 3) == 0)));
        if (t->kind == WF_TOK_RESERVED)
            return fail(w, t, "unknown operator %.*s", (int)t->len, t->text);
        if (!number)
            break;
        if (!wf__is_int_literal(t) && !wf__is_float_literal(t))
            return fail(w, t, "unknown operator %.*s", (int)t->len, t->text);
    }
    if (count != lanes[shape])
        return fail(w, peek(w), "wrong number of lane literals");
    uint8_t bytes[16];
    unsigned width = 16 / lanes[shape];
    for (unsigned i = 0; i < lanes[shape]; i++) {
        const wf__token_t *t = peek(w);
        uint64_t v = 0;
        bool ok;
        switch (shape) {
        case 0: {
            uint8_t x;
            ok = wf__parse_i8(t, &x);
            v = x;
            break;
        }
        case 1: {
            uint16_t x;
            ok = wf__parse_i16(t, &x);
            v = x;
            break;
        }
        case 2:
        case 4: {
            uint32_t x;
            ok = shape == 2 ? wf__parse_i32(t, &x) : wf__parse_f32(t, &x);
            v = x;
            break;
        }
        case 3:
            ok = wf__parse_i64(t, &v);
            break;
        default:
            ok = wf__parse_f64(t, &v);
            break;
        }
        if (!ok)
            return number_error(w, t, shape >= 4 ? "float lane" : "integer lane", shape >= 4);
        next(w);
        for (unsigned k = 0; k < width; k++)
            bytes[i * width + k] = (uint8_t)(v >> (8 * k));
    }
    buf_bytes(out, bytes, 16);
    return 0;
}

/* A lane index: an unsigned number below 256, written as one byte. */
static int parse_lane_index(wat_t *w, buf_t *out)
{
    const wf__token_t *t = peek(w);
    uint32_t v;
    if (t->kind != WF_TOK_NUMBER || t->text[0] == '+' || t->text[0] == '-' ||
        !wf__is_int_literal(t))
        return unexpected(w, "a lane index");
    if (!wf__parse_u32(t, &v) || v > 255)
        return fail(w, t, "malformed lane index");
    buf_byte(out, (uint8_t)v);
    next(w);
    return 0;
}

/* Encodes the immediates of a SIMD instruction (after its opcode). */
static int parse_simd_imm(wat_t *w, buf_t *out, const wf__simd_op_info_t *op)
{
    switch (op->imm) {
    case WF_SIMD_IMM_NONE:
        return 0;
    case WF_SIMD_IMM_MEMARG:
        return parse_memarg(w, out, op->natural_align);
    case WF_SIMD_IMM_V128:
        return parse_v128_const(w, out);
    case WF_SIMD_IMM_SHUFFLE:
        for (int i = 0; i < 16; i++) {
            const wf__token_t *t = peek(w);
            if (t->kind != WF_TOK_NUMBER && t->kind != WF_TOK_KEYWORD)
                return fail(w, t, "invalid lane length");
            if (t->kind != WF_TOK_NUMBER || !wf__is_int_literal(t) || t->text[0] == '-' ||
                t->text[0] == '+')
                return fail(w, t, "malformed lane index");
            if (parse_lane_index(w, out) < 0)
                return -1;
        }
        if (peek(w)->kind == WF_TOK_NUMBER)
            return fail(w, peek(w), "invalid lane length");
        return 0;
    case WF_SIMD_IMM_LANE:
    case WF_SIMD_IMM_MEMARG_LANE: {
        if (op->imm == WF_SIMD_IMM_MEMARG_LANE) {
            /* The lane index ends the immediates; a number before it would
               be a memory index (multi-memory), which Wasm 2.0 lacks. */
            if (parse_memarg(w, out, op->natural_align) < 0)
                return -1;
        }
        return parse_lane_index(w, out);
    }
    }
    return 0;
}

/* Finds an instruction by name; returns its op or -1. */
static int lookup_op(const wf__token_t *t)
{
    for (int i = 0; i < WF_OP_COUNT_; i++) {
        const char *n = wf__op_info[i].name;
        if (n[0] == t->text[0] && strlen(n) == t->len && memcmp(n, t->text, t->len) == 0)
            return i;
    }
    return -1;
}

static int lookup_simd(const wf__token_t *t)
{
    for (int i = 0; i < WF_SIMD_OP_COUNT_; i++) {
        const char *n = wf__simd_op_info[i].name;
        if (n[0] == t->text[0] && strlen(n) == t->len && memcmp(n, t->text, t->len) == 0)
            return i;
    }
    return -1;
}

/* Parses an optional table index (defaulting to 0). */
static int opt_table(wat_t *w, uint32_t *out)
{
    *out = 0;
    return at_index(w) ? parse_index(w, SP_TABLE, out) : 0;
}

/*
** Encodes one plain (non-block) instruction whose name token was consumed:
** the opcode and its immediates.
*/
static int encode_op(wat_t *w, buf_t *out, const wf__token_t *name)
{
    int op = lookup_op(name);
    if (op < 0) {
        int s = lookup_simd(name);
        if (s < 0)
            return fail(w, name, "unknown operator %.*s", (int)name->len, name->text);
        w->uses_simd = true;
        buf_byte(out, 0xFD);
        buf_u32(out, wf__simd_op_info[s].code);
        return parse_simd_imm(w, out, &wf__simd_op_info[s]);
    }
    const wf__op_info_t *info = &wf__op_info[op];
    if (op == WF_OP_SELECT && at_group(w, "result")) {
        typeuse_t u = {0};
        if (parse_params_results(w, &u, NULL) < 0) {
            typeuse_free(&u);
            return -1;
        }
        buf_byte(out, 0x1C);
        buf_u32(out, u.results);
        buf_bytes(out, u.types.data, u.results);
        typeuse_free(&u);
        return 0;
    }
    if (op == WF_OP_BLOCK || op == WF_OP_LOOP || op == WF_OP_IF || op == WF_OP_ELSE ||
        op == WF_OP_END)
        return fail(w, name, "unexpected %.*s", (int)name->len, name->text);
    if (info->prefix)
        buf_byte(out, info->prefix);
    if (info->prefix)
        buf_u32(out, info->code);
    else
        buf_byte(out, (uint8_t)info->code);
    uint32_t a, b;
    switch (info->imm) {
    case WF_IMM_NONE:
        return 0;
    case WF_IMM_LABEL:
        if (parse_label(w, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_BR_TABLE: {
        buf_t labels = {0};
        uint32_t n = 0;
        while (at_index(w)) {
            if (parse_label(w, &a) < 0) {
                buf_free(&labels);
                return -1;
            }
            buf_u32(&labels, a);
            n++;
        }
        if (n == 0) {
            buf_free(&labels);
            return unexpected(w, "a label");
        }
        /* The last label is the default: the vector holds the others. */
        buf_u32(out, n - 1);
        buf_bytes(out, labels.data, labels.len);
        if (labels.oom)
            out->oom = true;
        buf_free(&labels);
        return 0;
    }
    case WF_IMM_FUNC:
        if (parse_index(w, SP_FUNC, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_CALL_INDIRECT: {
        typeuse_t u;
        if (opt_table(w, &b) < 0)
            return -1;
        if (parse_typeuse(w, &u, NULL) < 0 || resolve_typeuse(w, &u, &a) < 0) {
            typeuse_free(&u);
            return -1;
        }
        typeuse_free(&u);
        buf_u32(out, a);
        buf_u32(out, b);
        return 0;
    }
    case WF_IMM_LOCAL:
        if (parse_index_in(w, &w->locals, "local", &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_GLOBAL:
        if (parse_index(w, SP_GLOBAL, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_TABLE:
        if (opt_table(w, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_MEMARG:
        return parse_memarg(w, out, info->natural_align);
    case WF_IMM_MEMORY:
    case WF_IMM_FENCE:
        buf_byte(out, 0);
        return 0;
    case WF_IMM_I32:
    case WF_IMM_I64:
    case WF_IMM_F32:
    case WF_IMM_F64:
        return parse_const_imm(w, out, info->imm);
    case WF_IMM_REFTYPE:
        if (wf__tok_is(peek(w), "func"))
            buf_byte(out, 0x70);
        else if (wf__tok_is(peek(w), "extern"))
            buf_byte(out, 0x6F);
        else
            return unexpected(w, "func or extern");
        next(w);
        return 0;
    case WF_IMM_MEMORY_INIT:
        w->uses_data_count = true;
        if (parse_index(w, SP_DATA, &a) < 0)
            return -1;
        buf_u32(out, a);
        buf_byte(out, 0);
        return 0;
    case WF_IMM_DATA:
        w->uses_data_count = true;
        if (parse_index(w, SP_DATA, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_MEMORY_COPY:
        buf_byte(out, 0);
        buf_byte(out, 0);
        return 0;
    case WF_IMM_TABLE_INIT: {
        /* table.init elem | table.init table elem */
        b = 0;
        if (at_index(w) && (peek2(w)->kind == WF_TOK_NUMBER || peek2(w)->kind == WF_TOK_ID)) {
            if (parse_index(w, SP_TABLE, &b) < 0)
                return -1;
        }
        if (parse_index(w, SP_ELEM, &a) < 0)
            return -1;
        buf_u32(out, a);
        buf_u32(out, b);
        return 0;
    }
    case WF_IMM_ELEM:
        if (parse_index(w, SP_ELEM, &a) < 0)
            return -1;
        buf_u32(out, a);
        return 0;
    case WF_IMM_TABLE_COPY:
        a = b = 0;
        if (at_index(w)) {
            if (parse_index(w, SP_TABLE, &a) < 0 || parse_index(w, SP_TABLE, &b) < 0)
                return -1;
        }
        buf_u32(out, a);
        buf_u32(out, b);
        return 0;
    default:
        return fail(w, name, "unsupported instruction");
    }
}

/* Parses `label? blocktype` of a block, loop or if. */
static int parse_block_head(wat_t *w, const wf__token_t **label, typeuse_t *u)
{
    *label = opt_id(w);
    return parse_typeuse(w, u, NULL);
}

/* Plain block/loop/if after its keyword: through `end id?`. */
static int parse_plain_block(wat_t *w, buf_t *out, const wf__token_t *kw)
{
    const wf__token_t *label;
    typeuse_t u;
    uint8_t code = wf__tok_is(kw, "block") ? 0x02 : wf__tok_is(kw, "loop") ? 0x03 : 0x04;
    if (parse_block_head(w, &label, &u) < 0 || (buf_byte(out, code), 0) ||
        write_blocktype(w, out, &u) < 0) {
        typeuse_free(&u);
        return -1;
    }
    typeuse_free(&u);
    if (push_label(w, label) < 0 || parse_instrs(w, out) < 0)
        return -1;
    if (code == 0x04 && wf__tok_is(peek(w), "else")) {
        next(w);
        if (check_end_label(w, label) < 0)
            return -1;
        buf_byte(out, 0x05);
        size_t mark = out->len;
        if (parse_instrs(w, out) < 0)
            return -1;
        /* An empty else may be left out of the binary; wabt does. */
        if (out->len == mark)
            out->len--;
    }
    if (expect_keyword(w, "end") < 0 || check_end_label(w, label) < 0)
        return -1;
    w->label_count--;
    buf_byte(out, 0x0B);
    return 0;
}

/* Whether the token at pos starts a parenthesised immediate of an instruction. */
static bool is_imm_group(const wat_t *w, size_t pos)
{
    if (w->toks[pos].kind != WF_TOK_LPAREN || pos + 1 >= w->count)
        return false;
    const wf__token_t *k = &w->toks[pos + 1];
    return wf__tok_is(k, "type") || wf__tok_is(k, "param") || wf__tok_is(k, "result");
}

/* A folded instruction; the '(' is the current token. */
static int parse_folded_at_depth(wat_t *w, buf_t *out);

static int parse_folded(wat_t *w, buf_t *out)
{
    if (w->depth >= WF_TEXT_MAX_NESTING)
        return fail(w, peek(w), "nesting deeper than %d levels", WF_TEXT_MAX_NESTING);
    w->depth++;
    int rc = parse_folded_at_depth(w, out);
    w->depth--;
    return rc;
}

static int parse_folded_at_depth(wat_t *w, buf_t *out)
{
    next(w); /* ( */
    const wf__token_t *kw = peek(w);
    if (kw->kind != WF_TOK_KEYWORD)
        return unexpected(w, "an instruction");
    static const char *const clauses[] = {"type", "param", "result", "local", "export", "import"};
    for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++)
        if (wf__tok_is(kw, clauses[i]))
            return fail(w, kw, "unexpected token %s, out of place", clauses[i]);
    next(w);
    if (wf__tok_is(kw, "block") || wf__tok_is(kw, "loop")) {
        const wf__token_t *label;
        typeuse_t u;
        if (parse_block_head(w, &label, &u) < 0) {
            typeuse_free(&u);
            return -1;
        }
        buf_byte(out, wf__tok_is(kw, "block") ? 0x02 : 0x03);
        int rc = write_blocktype(w, out, &u);
        typeuse_free(&u);
        if (rc < 0 || push_label(w, label) < 0 || parse_instrs(w, out) < 0 || expect_rparen(w) < 0)
            return -1;
        w->label_count--;
        buf_byte(out, 0x0B);
        return 0;
    }
    if (wf__tok_is(kw, "if")) {
        const wf__token_t *label;
        typeuse_t u;
        if (parse_block_head(w, &label, &u) < 0) {
            typeuse_free(&u);
            return -1;
        }
        /* The condition's folded instructions come first. */
        while (peek(w)->kind == WF_TOK_LPAREN && !wf__tok_is(peek2(w), "then")) {
            if (parse_folded(w, out) < 0) {
                typeuse_free(&u);
                return -1;
            }
        }
        buf_byte(out, 0x04);
        int rc = write_blocktype(w, out, &u);
        typeuse_free(&u);
        if (rc < 0 || push_label(w, label) < 0)
            return -1;
        if (!at_group(w, "then"))
            return unexpected(w, "(then ...)");
        next(w);
        next(w);
        if (parse_instrs(w, out) < 0 || expect_rparen(w) < 0)
            return -1;
        if (at_group(w, "else")) {
            next(w);
            next(w);
            buf_byte(out, 0x05);
            size_t mark = out->len;
            if (parse_instrs(w, out) < 0 || expect_rparen(w) < 0)
                return -1;
            /* An empty else may be left out of the binary; wabt does. */
            if (out->len == mark)
                out->len--;
        }
        if (expect_rparen(w) < 0)
            return -1;
        w->label_count--;
        buf_byte(out, 0x0B);
        return 0;
    }
    /* (op immediates folded-operands*): operands are encoded first. */
    size_t imm_start = w->pos, p = w->pos;
    while (p < w->count - 1 && w->toks[p].kind != WF_TOK_RPAREN &&
           (w->toks[p].kind != WF_TOK_LPAREN || is_imm_group(w, p))) {
        if (w->toks[p].kind == WF_TOK_LPAREN) {
            wf__token_list_t list = {(wf__token_t *)w->toks, w->count};
            p = wf__skip_group(&list, p);
        } else {
            p++;
        }
    }
    w->pos = p;
    while (peek(w)->kind == WF_TOK_LPAREN)
        if (parse_folded(w, out) < 0)
            return -1;
    if (expect_rparen(w) < 0)
        return -1;
    size_t end = w->pos;
    w->pos = imm_start;
    if (encode_op(w, out, kw) < 0)
        return -1;
    if (w->pos != p)
        return unexpected(w, "')'");
    w->pos = end;
    return 0;
}

/*
** Parses instructions (plain and folded) until ')', end, else or EOF, which
** are left for the caller.
*/
static int parse_instrs_at_depth(wat_t *w, buf_t *out);

static int parse_instrs(wat_t *w, buf_t *out)
{
    if (w->depth >= WF_TEXT_MAX_NESTING)
        return fail(w, peek(w), "nesting deeper than %d levels", WF_TEXT_MAX_NESTING);
    w->depth++;
    int rc = parse_instrs_at_depth(w, out);
    w->depth--;
    return rc;
}

static int parse_instrs_at_depth(wat_t *w, buf_t *out)
{
    for (;;) {
        const wf__token_t *t = peek(w);
        if (t->kind == WF_TOK_LPAREN) {
            if (parse_folded(w, out) < 0)
                return -1;
            continue;
        }
        if (t->kind != WF_TOK_KEYWORD)
            return t->kind == WF_TOK_RPAREN || t->kind == WF_TOK_EOF
                       ? 0
                       : unexpected(w, "an instruction");
        if (wf__tok_is(t, "end") || wf__tok_is(t, "else"))
            return 0;
        next(w);
        if (wf__tok_is(t, "block") || wf__tok_is(t, "loop") || wf__tok_is(t, "if")) {
            if (parse_plain_block(w, out, t) < 0)
                return -1;
        } else if (encode_op(w, out, t) < 0) {
            return -1;
        }
        if (out->oom)
            return oom(w);
    }
}

/* A constant expression (instructions up to ')') followed by end. */
static int parse_expr(wat_t *w, buf_t *out)
{
    w->label_count = 0;
    if (parse_instrs(w, out) < 0)
        return -1;
    if (peek(w)->kind != WF_TOK_RPAREN)
        return unexpected(w, "')'");
    buf_byte(out, 0x0B);
    return 0;
}

/* ---------------------------------------------------------------- fields -- */

static int parse_name(wat_t *w, buf_t *out)
{
    const wf__token_t *t = peek(w);
    if (t->kind != WF_TOK_STRING)
        return unexpected(w, "a name string");
    uint8_t *tmp = wf__alloc(NULL, t->len);
    size_t n;
    if (!tmp)
        return oom(w);
    if (!wf__string_decode(t, tmp, &n)) {
        wf__free(NULL, tmp, t->len);
        return fail(w, t, "malformed string escape");
    }
    if (!wf__utf8_valid(tmp, n)) {
        wf__free(NULL, tmp, t->len);
        return fail(w, t, "malformed UTF-8 encoding");
    }
    buf_u32(out, n);
    buf_bytes(out, tmp, n);
    wf__free(NULL, tmp, t->len);
    next(w);
    return 0;
}

/* Appends strings (data bytes) to out until a non-string token. */
static int parse_strings(wat_t *w, buf_t *out)
{
    while (peek(w)->kind == WF_TOK_STRING) {
        const wf__token_t *t = next(w);
        size_t n;
        buf_reserve(out, t->len);
        if (out->oom)
            return oom(w);
        if (!wf__string_decode(t, out->data + out->len, &n))
            return fail(w, t, "malformed string escape");
        out->len += n;
    }
    return 0;
}

/* Parses (export "name")* for an item of kind at index; adds the exports. */
static int parse_inline_exports(wat_t *w, uint8_t kind, uint32_t index)
{
    while (at_group(w, "export")) {
        next(w);
        next(w);
        if (parse_name(w, &w->sec_export) < 0 || expect_rparen(w) < 0)
            return -1;
        buf_byte(&w->sec_export, kind);
        buf_u32(&w->sec_export, index);
        w->n_export++;
    }
    return 0;
}

/* Parses (import "m" "n") if present, writing the names; sets *is_import. */
static int parse_inline_import(wat_t *w, bool *is_import)
{
    *is_import = false;
    if (!at_group(w, "import"))
        return 0;
    next(w);
    next(w);
    if (parse_name(w, &w->sec_import) < 0 || parse_name(w, &w->sec_import) < 0 ||
        expect_rparen(w) < 0)
        return -1;
    *is_import = true;
    w->n_import++;
    return 0;
}

/* Limits: min max?; for memories, then `shared`. */
static int parse_limits(wat_t *w, buf_t *out, bool memory)
{
    uint32_t min, max = 0;
    bool has_max = false, shared = false;
    const wf__token_t *t = peek(w);
    if (t->kind != WF_TOK_NUMBER)
        return unexpected(w, "a limit");
    if (!wf__parse_u32(t, &min))
        return fail(w, t, "i32 constant out of range");
    next(w);
    if (peek(w)->kind == WF_TOK_NUMBER) {
        if (!wf__parse_u32(peek(w), &max))
            return fail(w, peek(w), "i32 constant out of range");
        next(w);
        has_max = true;
    }
    if (memory && wf__tok_is(peek(w), "shared")) {
        next(w);
        shared = true;
    }
    buf_byte(out, (uint8_t)((has_max ? 1 : 0) | (shared ? 2 : 0)));
    buf_u32(out, min);
    if (has_max)
        buf_u32(out, max);
    return 0;
}

static int parse_globaltype(wat_t *w, buf_t *out)
{
    uint8_t t;
    if (at_group(w, "mut")) {
        next(w);
        next(w);
        if (parse_valtype(w, &t) < 0 || expect_rparen(w) < 0)
            return -1;
        buf_byte(out, t);
        buf_byte(out, 1);
        return 0;
    }
    if (parse_valtype(w, &t) < 0)
        return -1;
    buf_byte(out, t);
    buf_byte(out, 0);
    return 0;
}

/* Encodes one function body (after its type use) into the code section. */
static int parse_func_body(wat_t *w)
{
    buf_t body = {0};
    uint8_t *local_types = NULL;
    uint32_t nlocal = 0, cap = 0;
    int rc = -1;
    while (at_group(w, "local")) {
        next(w);
        next(w);
        const wf__token_t *id = opt_id(w);
        do {
            uint8_t t;
            if (peek(w)->kind == WF_TOK_RPAREN && !id)
                break;
            if (parse_valtype(w, &t) < 0 || space_add(w, &w->locals, id, "local") < 0)
                goto done;
            if (nlocal == cap) {
                uint32_t ncap = cap ? cap * 2 : 16;
                uint8_t *n = wf__realloc(NULL, local_types, cap, ncap);
                if (!n) {
                    oom(w);
                    goto done;
                }
                local_types = n;
                cap = ncap;
            }
            local_types[nlocal++] = t;
        } while (!id);
        if (expect_rparen(w) < 0)
            goto done;
    }
    /* Locals are written as runs of one type. */
    uint32_t runs = 0;
    for (uint32_t i = 0; i < nlocal; i++)
        if (i == 0 || local_types[i] != local_types[i - 1])
            runs++;
    buf_u32(&body, runs);
    for (uint32_t i = 0; i < nlocal;) {
        uint32_t j = i;
        while (j < nlocal && local_types[j] == local_types[i])
            j++;
        buf_u32(&body, j - i);
        buf_byte(&body, local_types[i]);
        i = j;
    }
    w->label_count = 0;
    if (parse_instrs(w, &body) < 0)
        goto done;
    if (peek(w)->kind != WF_TOK_RPAREN) {
        unexpected(w, "')'");
        goto done;
    }
    buf_byte(&body, 0x0B);
    if (body.oom) {
        oom(w);
        goto done;
    }
    buf_u32(&w->sec_code, body.len);
    buf_bytes(&w->sec_code, body.data, body.len);
    rc = 0;
done:
    buf_free(&body);
    wf__free(NULL, local_types, cap);
    return rc;
}

/* (func id? export* import? typeuse local* instr*) after the keyword. */
static int parse_func(wat_t *w, uint32_t index)
{
    typeuse_t u;
    bool is_import;
    uint32_t type;
    int rc = -1;
    opt_id(w);
    space_free(&w->locals);
    if (parse_inline_exports(w, 0, index) < 0 || parse_inline_import(w, &is_import) < 0)
        return -1;
    if (parse_typeuse(w, &u, &w->locals) < 0 || resolve_typeuse(w, &u, &type) < 0)
        goto done;
    if (is_import) {
        buf_byte(&w->sec_import, 0);
        buf_u32(&w->sec_import, type);
        rc = peek(w)->kind == WF_TOK_RPAREN ? 0 : unexpected(w, "')'");
        goto done;
    }
    /* Parameters from (type x) alone are unnamed locals. */
    uint32_t params = typeuse_param_count(w, &u);
    while (w->locals.count < params)
        if (space_add(w, &w->locals, NULL, "local") < 0)
            goto done;
    buf_u32(&w->sec_func, type);
    w->n_func++;
    rc = parse_func_body(w);
done:
    typeuse_free(&u);
    return rc;
}

/*
** An element list, after the table use and offset: `reftype elemexpr*`,
** `func funcidx*`, or (abbreviated, allow_bare) `funcidx*`; with preset (a
** table's inline elem) the reftype is given and the list is `elemexpr*` or
** `funcidx*`. Writes the whole segment: mode is 0 (active), 1 (passive) or
** 3 (declarative); table and offset (with its end) serve active segments.
** Flags follow wabt: function indices when every item is a ref.func, and an
** explicit table index only when needed. Sets *count to the item count.
*/
static int parse_elem_list(wat_t *w, buf_t *out, uint8_t mode, uint32_t table, const buf_t *offset,
                           bool allow_bare, uint8_t preset, uint32_t *count)
{
    uint8_t reftype = preset ? preset : 0x70;
    bool exprs_form = false, all_funcs = true;
    buf_t funcs = {0}, exprs = {0};
    uint32_t n = 0;
    int rc = -1;
    if (preset) {
        exprs_form = peek(w)->kind == WF_TOK_LPAREN;
    } else if (wf__tok_is(peek(w), "func")) {
        next(w);
    } else if (wf__tok_is(peek(w), "funcref") || wf__tok_is(peek(w), "externref")) {
        if (parse_reftype(w, &reftype) < 0)
            goto done;
        exprs_form = true;
    } else if (!allow_bare && peek(w)->kind != WF_TOK_RPAREN) {
        unexpected(w, "an element list");
        goto done;
    }
    if (!exprs_form) {
        while (at_index(w)) {
            uint32_t f;
            if (parse_index(w, SP_FUNC, &f) < 0)
                goto done;
            buf_u32(&funcs, f);
            n++;
        }
    } else {
        if (reftype != 0x70)
            all_funcs = false;
        while (peek(w)->kind == WF_TOK_LPAREN) {
            size_t start = exprs.len;
            if (wf__tok_is(peek2(w), "item")) {
                next(w);
                next(w);
                if (parse_expr(w, &exprs) < 0 || expect_rparen(w) < 0)
                    goto done;
            } else {
                w->label_count = 0;
                if (parse_folded(w, &exprs) < 0)
                    goto done;
                buf_byte(&exprs, 0x0B);
            }
            if (exprs.oom) {
                oom(w);
                goto done;
            }
            /* wabt writes function indices when every item starts with ref.func. */
            if (exprs.data[start] == 0xD2) {
                const uint8_t *p = exprs.data + start + 1;
                uint32_t f = 0, shift = 0;
                while ((*p & 0x80) && shift < 28) {
                    f |= (uint32_t)(*p++ & 0x7F) << shift;
                    shift += 7;
                }
                f |= (uint32_t)(*p & 0x7F) << shift;
                buf_u32(&funcs, f);
            } else {
                all_funcs = false;
            }
            n++;
        }
    }
    bool explicit_table = mode == 0 && (table != 0 || (!all_funcs && reftype != 0x70));
    uint8_t flags = (uint8_t)(mode | (explicit_table ? 2 : 0) | (all_funcs ? 0 : 4));
    buf_byte(out, flags);
    if (explicit_table)
        buf_u32(out, table);
    if (mode == 0)
        buf_bytes(out, offset->data, offset->len);
    if (flags & 3)
        buf_byte(out, all_funcs ? 0x00 : reftype);
    buf_u32(out, n);
    if (all_funcs) {
        buf_bytes(out, funcs.data, funcs.len);
    } else {
        buf_bytes(out, exprs.data, exprs.len);
    }
    if (funcs.oom || exprs.oom) {
        oom(w);
        goto done;
    }
    *count = n;
    rc = 0;
done:
    buf_free(&funcs);
    buf_free(&exprs);
    return rc;
}

/* An offset: (offset instr*) or one folded instruction; written with end. */
static int parse_offset(wat_t *w, buf_t *out)
{
    if (at_group(w, "offset")) {
        next(w);
        next(w);
        return parse_expr(w, out) < 0 || expect_rparen(w) < 0 ? -1 : 0;
    }
    if (peek(w)->kind != WF_TOK_LPAREN)
        return unexpected(w, "an offset");
    w->label_count = 0;
    if (parse_folded(w, out) < 0)
        return -1;
    buf_byte(out, 0x0B);
    return 0;
}

/* (elem id? ...) after the keyword. */
static int parse_elem(wat_t *w)
{
    buf_t offset = {0};
    uint32_t count;
    int rc = -1;
    opt_id(w);
    if (wf__tok_is(peek(w), "declare")) {
        next(w);
        rc = parse_elem_list(w, &w->sec_elem, 3, 0, &offset, false, 0, &count);
    } else if (peek(w)->kind == WF_TOK_LPAREN || (at_index(w) && peek2(w)->kind == WF_TOK_LPAREN)) {
        /* Active: (table x)? or a bare table index (legacy), then the offset. */
        uint32_t table = 0;
        bool explicit_table = false;
        if (at_group(w, "table")) {
            next(w);
            next(w);
            if (parse_index(w, SP_TABLE, &table) < 0 || expect_rparen(w) < 0)
                goto done;
            explicit_table = true;
        } else if (at_index(w)) {
            if (parse_index(w, SP_TABLE, &table) < 0)
                goto done;
        }
        if (parse_offset(w, &offset) < 0)
            goto done;
        rc = parse_elem_list(w, &w->sec_elem, 0, table, &offset, !explicit_table, 0, &count);
    } else {
        rc = parse_elem_list(w, &w->sec_elem, 1, 0, &offset, false, 0, &count);
    }
    if (rc == 0) {
        w->n_elem++;
        if (peek(w)->kind != WF_TOK_RPAREN)
            rc = unexpected(w, "')'");
    }
done:
    if (offset.oom)
        rc = oom(w);
    buf_free(&offset);
    return rc;
}

/* (data id? ...) after the keyword. */
static int parse_data(wat_t *w)
{
    buf_t bytes = {0};
    int rc = -1;
    opt_id(w);
    if (peek(w)->kind == WF_TOK_LPAREN || at_index(w)) {
        uint32_t memory = 0;
        if (at_group(w, "memory")) {
            next(w);
            next(w);
            if (parse_index(w, SP_MEMORY, &memory) < 0 || expect_rparen(w) < 0)
                goto done;
        } else if (at_index(w)) {
            if (parse_index(w, SP_MEMORY, &memory) < 0)
                goto done;
        }
        if (memory != 0) {
            buf_byte(&w->sec_data, 2);
            buf_u32(&w->sec_data, memory);
        } else {
            buf_byte(&w->sec_data, 0);
        }
        if (parse_offset(w, &w->sec_data) < 0)
            goto done;
    } else {
        buf_byte(&w->sec_data, 1);
    }
    if (parse_strings(w, &bytes) < 0)
        goto done;
    if (peek(w)->kind != WF_TOK_RPAREN) {
        unexpected(w, "a string");
        goto done;
    }
    buf_u32(&w->sec_data, bytes.len);
    buf_bytes(&w->sec_data, bytes.data, bytes.len);
    w->n_data++;
    rc = bytes.oom ? oom(w) : 0;
done:
    buf_free(&bytes);
    return rc;
}

/* (table id? export* import? ...) after the keyword. */
static int parse_table(wat_t *w, uint32_t index)
{
    bool is_import;
    opt_id(w);
    if (parse_inline_exports(w, 1, index) < 0 || parse_inline_import(w, &is_import) < 0)
        return -1;
    buf_t *out = is_import ? &w->sec_import : &w->sec_table;
    if (is_import)
        buf_byte(out, 1);
    else
        w->n_table++;
    if (!is_import && (wf__tok_is(peek(w), "funcref") || wf__tok_is(peek(w), "externref"))) {
        /* reftype (elem ...): a table exactly as large as its elements. */
        uint8_t reftype = 0;
        parse_reftype(w, &reftype);
        if (!at_group(w, "elem"))
            return unexpected(w, "(elem ...)");
        next(w);
        next(w);
        buf_t offset = {0};
        uint32_t n = 0;
        buf_byte(&offset, 0x41);
        buf_byte(&offset, 0x00);
        buf_byte(&offset, 0x0B);
        int rc = parse_elem_list(w, &w->sec_elem, 0, index, &offset, true, reftype, &n);
        if (rc == 0)
            rc = expect_rparen(w);
        buf_byte(out, reftype);
        buf_byte(out, 1);
        buf_u32(out, n);
        buf_u32(out, n);
        w->n_elem++;
        bool failed_oom = offset.oom;
        buf_free(&offset);
        return failed_oom ? oom(w) : rc;
    }
    /* limits reftype */
    buf_t limits = {0};
    uint8_t reftype = 0;
    if (parse_limits(w, &limits, false) < 0 || parse_reftype(w, &reftype) < 0) {
        buf_free(&limits);
        return -1;
    }
    buf_byte(out, reftype);
    buf_bytes(out, limits.data, limits.len);
    buf_free(&limits);
    return 0;
}

/* (memory id? export* import? ...) after the keyword. */
static int parse_memory(wat_t *w, uint32_t index)
{
    bool is_import;
    opt_id(w);
    if (parse_inline_exports(w, 2, index) < 0 || parse_inline_import(w, &is_import) < 0)
        return -1;
    if (is_import) {
        buf_byte(&w->sec_import, 2);
        return parse_limits(w, &w->sec_import, true);
    }
    w->n_memory++;
    if (at_group(w, "data")) {
        next(w);
        next(w);
        buf_t bytes = {0};
        if (parse_strings(w, &bytes) < 0 || expect_rparen(w) < 0) {
            buf_free(&bytes);
            return -1;
        }
        uint64_t pages = (bytes.len + 65535) / 65536;
        buf_byte(&w->sec_memory, 1);
        buf_u32(&w->sec_memory, pages);
        buf_u32(&w->sec_memory, pages);
        if (index != 0) {
            buf_byte(&w->sec_data, 2);
            buf_u32(&w->sec_data, index);
        } else {
            buf_byte(&w->sec_data, 0);
        }
        buf_byte(&w->sec_data, 0x41);
        buf_byte(&w->sec_data, 0x00);
        buf_byte(&w->sec_data, 0x0B);
        buf_u32(&w->sec_data, bytes.len);
        buf_bytes(&w->sec_data, bytes.data, bytes.len);
        w->n_data++;
        bool failed_oom = bytes.oom;
        buf_free(&bytes);
        return failed_oom ? oom(w) : 0;
    }
    return parse_limits(w, &w->sec_memory, true);
}

/* (global id? export* import? globaltype expr?) after the keyword. */
static int parse_global(wat_t *w, uint32_t index)
{
    bool is_import;
    opt_id(w);
    if (parse_inline_exports(w, 3, index) < 0 || parse_inline_import(w, &is_import) < 0)
        return -1;
    if (is_import) {
        buf_byte(&w->sec_import, 3);
        return parse_globaltype(w, &w->sec_import);
    }
    w->n_global++;
    if (parse_globaltype(w, &w->sec_global) < 0)
        return -1;
    return parse_expr(w, &w->sec_global);
}

/* (import "m" "n" desc) after the keyword. */
static int parse_import(wat_t *w, uint32_t *counters)
{
    if (parse_name(w, &w->sec_import) < 0 || parse_name(w, &w->sec_import) < 0)
        return -1;
    if (peek(w)->kind != WF_TOK_LPAREN)
        return unexpected(w, "an import description");
    next(w);
    const wf__token_t *kind = next(w);
    w->n_import++;
    opt_id(w);
    if (wf__tok_is(kind, "func")) {
        typeuse_t u;
        uint32_t type;
        space_free(&w->locals);
        int rc = parse_typeuse(w, &u, &w->locals) < 0 || resolve_typeuse(w, &u, &type) < 0;
        typeuse_free(&u);
        if (rc)
            return -1;
        counters[SP_FUNC]++;
        buf_byte(&w->sec_import, 0);
        buf_u32(&w->sec_import, type);
    } else if (wf__tok_is(kind, "table")) {
        uint8_t reftype = 0;
        buf_t limits = {0};
        counters[SP_TABLE]++;
        if (parse_limits(w, &limits, false) < 0 || parse_reftype(w, &reftype) < 0) {
            buf_free(&limits);
            return -1;
        }
        buf_byte(&w->sec_import, 1);
        buf_byte(&w->sec_import, reftype);
        buf_bytes(&w->sec_import, limits.data, limits.len);
        buf_free(&limits);
    } else if (wf__tok_is(kind, "memory")) {
        counters[SP_MEMORY]++;
        buf_byte(&w->sec_import, 2);
        if (parse_limits(w, &w->sec_import, true) < 0)
            return -1;
    } else if (wf__tok_is(kind, "global")) {
        counters[SP_GLOBAL]++;
        buf_byte(&w->sec_import, 3);
        if (parse_globaltype(w, &w->sec_import) < 0)
            return -1;
    } else {
        char d[64];
        return fail(w, kind, "unexpected token %s, expected an import kind",
                    describe(kind, d, sizeof d));
    }
    if (expect_rparen(w) < 0)
        return -1;
    return peek(w)->kind == WF_TOK_RPAREN ? 0 : unexpected(w, "')'");
}

/* (export "name" (kind index)) after the keyword. */
static int parse_export(wat_t *w)
{
    static const char *const kinds[] = {"func", "table", "memory", "global"};
    static const int spaces[] = {SP_FUNC, SP_TABLE, SP_MEMORY, SP_GLOBAL};
    if (parse_name(w, &w->sec_export) < 0)
        return -1;
    if (peek(w)->kind != WF_TOK_LPAREN)
        return unexpected(w, "an export description");
    next(w);
    for (int k = 0; k < 4; k++) {
        if (wf__tok_is(peek(w), kinds[k])) {
            uint32_t index;
            next(w);
            if (parse_index(w, spaces[k], &index) < 0 || expect_rparen(w) < 0)
                return -1;
            buf_byte(&w->sec_export, (uint8_t)k);
            buf_u32(&w->sec_export, index);
            w->n_export++;
            return peek(w)->kind == WF_TOK_RPAREN ? 0 : unexpected(w, "')'");
        }
    }
    return unexpected(w, "an export kind");
}

/* ------------------------------------------------------------- first pass -- */

/* Parses (type id? (func params results)) in the first pass. */
static int collect_type(wat_t *w)
{
    const wf__token_t *id = opt_id(w);
    typeuse_t u = {0};
    if (space_add(w, &w->spaces[SP_TYPE], id, "type") < 0)
        return -1;
    if (!at_group(w, "func"))
        return unexpected(w, "(func ...)");
    next(w);
    next(w);
    space_t names = {0};
    int rc = parse_params_results(w, &u, &names);
    space_free(&names);
    if (rc == 0)
        rc = expect_rparen(w);
    if (rc == 0)
        rc = peek(w)->kind == WF_TOK_RPAREN ? 0 : unexpected(w, "')'");
    if (rc == 0)
        rc = add_type(w, u.types.data, u.params, u.results);
    typeuse_free(&u);
    return rc;
}

/*
** The first pass: assigns every identifier its index, records explicit
** types and checks that imports precede definitions. Leaves w->pos at the
** closing ')' or EOF.
*/
static int collect(wat_t *w)
{
    static const char *const kinds[] = {"func", "table", "memory", "global"};
    static const char *const def_names[] = {"function", "table", "memory", "global"};
    static const int kind_spaces[] = {SP_FUNC, SP_TABLE, SP_MEMORY, SP_GLOBAL};
    const wf__token_t *first_def[SP_COUNT] = {0};
    bool seen_start = false;
    while (peek(w)->kind == WF_TOK_LPAREN) {
        size_t field = w->pos;
        next(w);
        const wf__token_t *kw = next(w);
        int sp = -1;
        for (int k = 0; k < 4; k++)
            if (wf__tok_is(kw, kinds[k]))
                sp = kind_spaces[k];
        if (wf__tok_is(kw, "type")) {
            if (collect_type(w) < 0)
                return -1;
        } else if (sp >= 0) {
            const wf__token_t *id = opt_id(w);
            bool is_import = false, has_elem = false;
            while (at_group(w, "export"))
                skip_group(w);
            if (at_group(w, "import"))
                is_import = true;
            if (sp == SP_TABLE && !is_import) {
                while (peek(w)->kind != WF_TOK_RPAREN && peek(w)->kind != WF_TOK_EOF &&
                       !at_group(w, "elem"))
                    next(w);
                has_elem = at_group(w, "elem");
            }
            if (sp == SP_MEMORY && !is_import)
                has_elem = at_group(w, "data");
            if (is_import) {
                for (int k = 0; k < 4; k++)
                    if (first_def[kind_spaces[k]])
                        return fail(w, kw, "import after %s", def_names[k]);
            } else if (!first_def[sp]) {
                first_def[sp] = kw;
            }
            if (space_add(w, &w->spaces[sp], id, space_names[sp]) < 0)
                return -1;
            if (has_elem &&
                space_add(w, &w->spaces[sp == SP_TABLE ? SP_ELEM : SP_DATA], NULL, "") < 0)
                return -1;
        } else if (wf__tok_is(kw, "import")) {
            for (int k = 0; k < 4; k++)
                if (first_def[kind_spaces[k]])
                    return fail(w, kw, "import after %s", def_names[k]);
            while (peek(w)->kind == WF_TOK_STRING)
                next(w);
            if (peek(w)->kind == WF_TOK_LPAREN) {
                next(w);
                const wf__token_t *k2 = next(w);
                for (int k = 0; k < 4; k++)
                    if (wf__tok_is(k2, kinds[k]) &&
                        space_add(w, &w->spaces[kind_spaces[k]], opt_id(w),
                                  space_names[kind_spaces[k]]) < 0)
                        return -1;
            }
        } else if (wf__tok_is(kw, "elem") || wf__tok_is(kw, "data")) {
            int s = wf__tok_is(kw, "elem") ? SP_ELEM : SP_DATA;
            if (space_add(w, &w->spaces[s], opt_id(w), space_names[s]) < 0)
                return -1;
        } else if (wf__tok_is(kw, "start")) {
            if (seen_start)
                return fail(w, kw, "multiple start sections");
            seen_start = true;
        } else if (!wf__tok_is(kw, "export")) {
            char d[64];
            return fail(w, kw, "%s %s, expected a module field",
                        kw->kind == WF_TOK_RESERVED ? "unknown operator" : "unexpected token",
                        describe(kw, d, sizeof d));
        }
        w->pos = field;
        skip_group(w);
        if (w->toks[w->pos - 1].kind != WF_TOK_RPAREN)
            return fail(w, peek(w), "unexpected end of input, expected ')'");
    }
    if (peek(w)->kind != WF_TOK_RPAREN && peek(w)->kind != WF_TOK_EOF)
        return unexpected(w, "a module field");
    return 0;
}

/* ------------------------------------------------------------ second pass -- */

static int encode_fields(wat_t *w)
{
    uint32_t counters[SP_COUNT] = {0};
    /* Imports take the first indices; definitions follow. */
    while (peek(w)->kind == WF_TOK_LPAREN) {
        size_t field = w->pos;
        next(w);
        const wf__token_t *kw = next(w);
        int rc = 0;
        if (wf__tok_is(kw, "func")) {
            rc = parse_func(w, counters[SP_FUNC]++);
        } else if (wf__tok_is(kw, "table")) {
            rc = parse_table(w, counters[SP_TABLE]++);
        } else if (wf__tok_is(kw, "memory")) {
            rc = parse_memory(w, counters[SP_MEMORY]++);
        } else if (wf__tok_is(kw, "global")) {
            rc = parse_global(w, counters[SP_GLOBAL]++);
        } else if (wf__tok_is(kw, "import")) {
            rc = parse_import(w, counters);
        } else if (wf__tok_is(kw, "export")) {
            rc = parse_export(w);
        } else if (wf__tok_is(kw, "start")) {
            uint32_t f;
            rc = parse_index(w, SP_FUNC, &f);
            if (rc == 0) {
                buf_u32(&w->sec_start, f);
                w->has_start = true;
            }
        } else if (wf__tok_is(kw, "elem")) {
            rc = parse_elem(w);
        } else if (wf__tok_is(kw, "data")) {
            rc = parse_data(w);
        } else {
            /* (type ...): collected in the first pass. */
            w->pos = field;
            skip_group(w);
            continue;
        }
        if (rc < 0)
            return -1;
        if (peek(w)->kind != WF_TOK_RPAREN)
            return unexpected(w, "')'");
        w->pos = field;
        skip_group(w);
    }
    return 0;
}

static void write_section(buf_t *out, uint8_t id, const buf_t *body, uint32_t count,
                          bool with_count)
{
    buf_t tmp = {0};
    if (with_count)
        buf_u32(&tmp, count);
    buf_bytes(&tmp, body->data, body->len);
    buf_byte(out, id);
    buf_u32(out, tmp.len);
    buf_bytes(out, tmp.data, tmp.len);
    if (tmp.oom)
        out->oom = true;
    buf_free(&tmp);
}

static void wat_close(wat_t *w)
{
    for (int i = 0; i < SP_COUNT; i++)
        space_free(&w->spaces[i]);
    space_free(&w->locals);
    for (uint32_t i = 0; i < w->type_count; i++)
        wf__free(NULL, w->types[i].types, w->types[i].params + w->types[i].results);
    wf__free(NULL, w->types, w->type_cap * sizeof *w->types);
    wf__free(NULL, w->labels, w->label_cap * sizeof *w->labels);
    buf_t *bufs[] = {&w->sec_import, &w->sec_func,  &w->sec_table, &w->sec_memory, &w->sec_global,
                     &w->sec_export, &w->sec_start, &w->sec_elem,  &w->sec_code,   &w->sec_data};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        buf_free(bufs[i]);
}

wf_err_t wf__wat_encode_fields(const wf__token_list_t *tokens, size_t start, size_t *stop,
                               uint8_t **out, size_t *out_len, bool *uses_simd,
                               wf_error_info_t *err)
{
    wat_t w;
    memset(&w, 0, sizeof w);
    w.toks = tokens->tokens;
    w.count = tokens->count;
    w.pos = start;
    w.err = err;
    buf_t mod = {0};
    *out = NULL;
    *out_len = 0;

    if (collect(&w) < 0)
        goto fail;
    *stop = w.pos;
    w.pos = start;
    if (encode_fields(&w) < 0)
        goto fail;

    static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    buf_bytes(&mod, header, 8);
    if (w.type_count) {
        buf_t types = {0};
        for (uint32_t i = 0; i < w.type_count; i++) {
            const sig_t *s = &w.types[i];
            buf_byte(&types, 0x60);
            buf_u32(&types, s->params);
            buf_bytes(&types, s->types, s->params);
            buf_u32(&types, s->results);
            buf_bytes(&types, s->types + s->params, s->results);
        }
        write_section(&mod, 1, &types, w.type_count, true);
        if (types.oom)
            mod.oom = true;
        buf_free(&types);
    }
    if (w.n_import)
        write_section(&mod, 2, &w.sec_import, w.n_import, true);
    if (w.n_func)
        write_section(&mod, 3, &w.sec_func, w.n_func, true);
    if (w.n_table)
        write_section(&mod, 4, &w.sec_table, w.n_table, true);
    if (w.n_memory)
        write_section(&mod, 5, &w.sec_memory, w.n_memory, true);
    if (w.n_global)
        write_section(&mod, 6, &w.sec_global, w.n_global, true);
    if (w.n_export)
        write_section(&mod, 7, &w.sec_export, w.n_export, true);
    if (w.has_start)
        write_section(&mod, 8, &w.sec_start, 0, false);
    if (w.n_elem)
        write_section(&mod, 9, &w.sec_elem, w.n_elem, true);
    if (w.uses_data_count) {
        buf_t empty = {0};
        write_section(&mod, 12, &empty, w.n_data, true);
    }
    if (w.n_func)
        write_section(&mod, 10, &w.sec_code, w.n_func, true);
    if (w.n_data)
        write_section(&mod, 11, &w.sec_data, w.n_data, true);

    buf_t *bufs[] = {&w.sec_import, &w.sec_func,   &w.sec_table, &w.sec_memory,
                     &w.sec_global, &w.sec_export, &w.sec_start, &w.sec_elem,
                     &w.sec_code,   &w.sec_data,   &mod};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        if (bufs[i]->oom) {
            oom(&w);
            goto fail;
        }
    }
    wat_close(&w);
    *out = mod.data;
    *out_len = mod.len;
    if (uses_simd)
        *uses_simd = w.uses_simd;
    return WF_OK;

fail:
    buf_free(&mod);
    wat_close(&w);
    return err && err->code != WF_OK ? err->code : WF_ERR_TEXT;
}

/* ------------------------------------------------------------ public API -- */

wf_err_t wf_wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len,
                        wf_error_info_t *err)
{
    return wf__wat_to_wasm(text, len, out, out_len, NULL, err);
}

/*
** (module $id? binary "..."*) or (module $id? quote "..."*), as scripts write
** them: the strings are the binary module, or a text module to encode.
*/
static wf_err_t encode_binary_or_quote(const wf__token_list_t *list, size_t pos, uint8_t **out,
                                       size_t *out_len, bool *uses_simd, wf_error_info_t *err)
{
    bool binary = wf__tok_is(&list->tokens[pos], "binary");
    size_t total = 1, n = 0, i;
    for (i = pos + 1; list->tokens[i].kind == WF_TOK_STRING; i++)
        total += list->tokens[i].len;
    const wf__token_t *end = &list->tokens[i];
    char d[64];
    if (end->kind != WF_TOK_RPAREN || list->tokens[i + 1].kind != WF_TOK_EOF)
        return wf__text_error(err, end, "unexpected %s, expected a string or ')'",
                              describe(end, d, sizeof d));
    uint8_t *bytes = wf__alloc(NULL, total);
    if (!bytes)
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    for (i = pos + 1; list->tokens[i].kind == WF_TOK_STRING; i++) {
        size_t k;
        if (!wf__string_decode(&list->tokens[i], bytes + n, &k)) {
            wf__free(NULL, bytes, total);
            return wf__text_error(err, &list->tokens[i], "malformed string escape");
        }
        n += k;
    }
    if (binary) {
        *out = bytes;
        *out_len = n;
        return WF_OK;
    }
    wf_err_t rc = wf__wat_to_wasm((const char *)bytes, n, out, out_len, uses_simd, err);
    wf__free(NULL, bytes, total);
    return rc;
}

wf_err_t wf__wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len,
                         bool *uses_simd, wf_error_info_t *err)
{
    wf__token_list_t list;
    wf_error_info_t local;
    wf_err_t rc;
    size_t start = 0, stop;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    *out = NULL;
    *out_len = 0;
    if ((rc = wf__tokenize(text, len, &list, err)) != WF_OK)
        return rc;
    bool wrapped = list.count > 2 && list.tokens[0].kind == WF_TOK_LPAREN &&
                   wf__tok_is(&list.tokens[1], "module");
    if (wrapped) {
        start = 2;
        if (list.tokens[start].kind == WF_TOK_ID)
            start++;
        if (wf__tok_is(&list.tokens[start], "binary") || wf__tok_is(&list.tokens[start], "quote")) {
            rc = encode_binary_or_quote(&list, start, out, out_len, uses_simd, err);
            wf__tokens_free(&list);
            return rc;
        }
    }
    rc = wf__wat_encode_fields(&list, start, &stop, out, out_len, uses_simd, err);
    if (rc == WF_OK) {
        const wf__token_t *t = &list.tokens[stop];
        char d[64];
        if (wrapped && t->kind != WF_TOK_RPAREN)
            rc = wf__text_error(err, t, "unexpected %s, expected ')'", describe(t, d, sizeof d));
        else if (wrapped)
            t = &list.tokens[++stop];
        if (rc == WF_OK && t->kind != WF_TOK_EOF)
            rc = wf__text_error(err, t, "unexpected token %s after the module",
                                describe(t, d, sizeof d));
        if (rc != WF_OK) {
            wf_wat_free(*out);
            *out = NULL;
            *out_len = 0;
        }
    }
    wf__tokens_free(&list);
    return rc;
}

void wf_wat_free(void *bytes)
{
    wf__free(NULL, bytes, 0);
}
