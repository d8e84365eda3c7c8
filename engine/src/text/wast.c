/*
** The WAST script parser: the spec test format's commands, with every module
** encoded to the binary format as it is read (see wf/text.h).
*/
#include <string.h>

#include "../module.h"
#include "wat.h"
#include "wf/text.h"

typedef struct wast {
    const char *text;
    const wf__token_list_t *list;
    const wf__token_t *toks;
    size_t pos;
    wf_error_info_t *err;
    uint32_t depth; /* nesting of threads and either, bounded like the encoder's */
} wast_t;

#define WAST_MAX_NESTING 100

static const wf__token_t *peek(const wast_t *p)
{
    return &p->toks[p->pos < p->list->count ? p->pos : p->list->count - 1];
}

static const wf__token_t *peek2(const wast_t *p)
{
    size_t i = p->pos + 1 < p->list->count ? p->pos + 1 : p->list->count - 1;
    return &p->toks[i];
}

static const wf__token_t *next(wast_t *p)
{
    const wf__token_t *t = peek(p);
    if (p->pos < p->list->count - 1)
        p->pos++;
    return t;
}

/* A script error at the current token: "unexpected X, expected what". */
static wf_err_t unexpected(wast_t *p, const char *what)
{
    const wf__token_t *t = peek(p);
    if (t->kind == WF_TOK_EOF)
        return wf__text_error(p->err, t, "unexpected end of input, expected %s", what);
    return wf__text_error(p->err, t, "unexpected token '%.*s', expected %s",
                          (int)(t->len > 40 ? 40 : t->len), t->text, what);
}

static wf_err_t expect_rparen(wast_t *p)
{
    if (peek(p)->kind != WF_TOK_RPAREN)
        return unexpected(p, "')'");
    next(p);
    return WF_OK;
}

/* A NUL-terminated copy of a token's text, or NULL when out of memory. */
static char *dup_token(const wf__token_t *t)
{
    return wf__strndup(NULL, t->text, t->len);
}

/* Decodes a string token to a NUL-terminated copy; *len excludes the NUL. */
static wf_err_t take_string(wast_t *p, char **out, size_t *len)
{
    const wf__token_t *t = peek(p);
    if (t->kind != WF_TOK_STRING)
        return unexpected(p, "a string");
    char *s = wf__alloc(NULL, t->len + 1);
    size_t n;
    if (!s)
        return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
    if (!wf__string_decode(t, (uint8_t *)s, &n)) {
        wf__free(NULL, s, t->len + 1);
        return wf__text_error(p->err, t, "malformed string escape");
    }
    s[n] = '\0';
    *out = s;
    if (len)
        *len = n;
    next(p);
    return WF_OK;
}

/* Concatenates strings up to ')' into a buffer (NUL-terminated). */
static wf_err_t take_strings(wast_t *p, char **out, size_t *len)
{
    size_t total = 1, n = 0;
    for (size_t i = p->pos; p->toks[i].kind == WF_TOK_STRING; i++)
        total += p->toks[i].len;
    char *s = wf__alloc(NULL, total);
    if (!s)
        return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
    while (peek(p)->kind == WF_TOK_STRING) {
        size_t k;
        if (!wf__string_decode(peek(p), (uint8_t *)s + n, &k)) {
            wf__free(NULL, s, total);
            return wf__text_error(p->err, peek(p), "malformed string escape");
        }
        n += k;
        next(p);
    }
    s[n] = '\0';
    *out = s;
    *len = n;
    return WF_OK;
}

/* ---------------------------------------------------------------- modules -- */

/* parse_module without the span bookkeeping. */
static wf_err_t parse_module_inner(wast_t *p, wf_wast_module_t *m);

/* (module $id? ...) at the current '('; fills m, with its span in the script. */
static wf_err_t parse_module(wast_t *p, wf_wast_module_t *m)
{
    const wf__token_t *open = peek(p);
    wf_err_t rc = parse_module_inner(p, m);
    if (rc == WF_OK) {
        const wf__token_t *close = &p->toks[p->pos - 1];
        m->source_offset = (size_t)(open->text - p->text);
        m->source_len = (size_t)(close->text + close->len - open->text);
    }
    return rc;
}

static wf_err_t parse_module_inner(wast_t *p, wf_wast_module_t *m)
{
    size_t open = p->pos;
    wf_err_t rc;
    m->line = peek(p)->line;
    next(p);
    next(p); /* module */
    if (peek(p)->kind == WF_TOK_ID && !(m->name = dup_token(next(p))))
        return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
    if (wf__tok_is(peek(p), "binary") || wf__tok_is(peek(p), "quote")) {
        bool binary = wf__tok_is(next(p), "binary");
        char *s = NULL;
        size_t n = 0;
        if ((rc = take_strings(p, &s, &n)) != WF_OK)
            return rc;
        if (binary) {
            m->form = WF_WAST_FORM_BINARY;
            m->bytes = (uint8_t *)s;
            m->size = n;
        } else {
            m->form = WF_WAST_FORM_QUOTE;
            m->text = s;
            m->text_len = n;
            rc = wf__wat_to_wasm(s, n, &m->bytes, &m->size, &m->uses_simd, &m->error);
            if (rc == WF_ERR_NOMEM)
                return wf__error(p->err, rc, 0, "out of memory");
        }
        return expect_rparen(p);
    }
    m->form = WF_WAST_FORM_TEXT;
    size_t stop;
    rc = wf__wat_encode_fields(p->list, p->pos, &stop, &m->bytes, &m->size, &m->uses_simd,
                               &m->error);
    if (rc == WF_ERR_NOMEM)
        return wf__error(p->err, rc, 0, "out of memory");
    if (rc == WF_OK) {
        p->pos = stop;
        return expect_rparen(p);
    }
    /* The module did not encode: the script goes on after it. */
    p->pos = wf__skip_group(p->list, open);
    if (p->toks[p->pos - 1].kind != WF_TOK_RPAREN)
        return wf__text_error(p->err, &p->toks[open], "unterminated module");
    return WF_OK;
}

/* ----------------------------------------------------------------- values -- */

static const char *const shape_names[] = {"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};

/* A float lane or value that may be a NaN pattern (when patterns). */
static wf_err_t parse_float(wast_t *p, bool f64, bool patterns, uint8_t *kind, uint64_t *bits)
{
    const wf__token_t *t = peek(p);
    *kind = WF_WAST_VALUE_EXACT;
    if (patterns && wf__tok_is(t, "nan:canonical")) {
        *kind = WF_WAST_VALUE_NAN_CANONICAL;
    } else if (patterns && wf__tok_is(t, "nan:arithmetic")) {
        *kind = WF_WAST_VALUE_NAN_ARITHMETIC;
    } else if (f64) {
        if (!wf__parse_f64(t, bits))
            return unexpected(p, "an f64 value");
    } else {
        uint32_t v;
        if (!wf__parse_f32(t, &v))
            return unexpected(p, "an f32 value");
        *bits = v;
    }
    next(p);
    return WF_OK;
}

/* Frees what a value owns (its alternatives), not the value itself. */
static void value_free(wf_wast_value_t *v)
{
    for (size_t i = 0; i < v->alternative_count; i++)
        value_free(&v->alternatives[i]);
    wf__free(NULL, v->alternatives, v->alternative_count * sizeof *v->alternatives);
}

static wf_err_t parse_value(wast_t *p, wf_wast_value_t *v, bool patterns);

/* (either result*) after the keyword. */
static wf_err_t parse_either(wast_t *p, wf_wast_value_t *v)
{
    v->kind = WF_WAST_VALUE_EITHER;
    while (peek(p)->kind == WF_TOK_LPAREN) {
        size_t n = v->alternative_count;
        wf_wast_value_t *a = wf__realloc(NULL, v->alternatives, n * sizeof *a, (n + 1) * sizeof *a);
        if (!a)
            return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
        v->alternatives = a;
        memset(&a[n], 0, sizeof a[n]);
        v->alternative_count++;
        wf_err_t rc = parse_value(p, &a[n], true);
        if (rc != WF_OK)
            return rc;
        if (n == 0)
            v->type = a[0].type;
    }
    return expect_rparen(p);
}

/* A constant (argument) or, with patterns, an expected result. */
static wf_err_t parse_value(wast_t *p, wf_wast_value_t *v, bool patterns)
{
    if (peek(p)->kind != WF_TOK_LPAREN)
        return unexpected(p, "a value");
    next(p);
    const wf__token_t *kw = next(p);
    wf_err_t rc;
    uint8_t kind;
    uint64_t bits;
    v->kind = WF_WAST_VALUE_EXACT;
    if (patterns && wf__tok_is(kw, "either")) {
        if (p->depth >= WAST_MAX_NESTING)
            return wf__text_error(p->err, kw, "nesting too deep");
        p->depth++;
        rc = parse_either(p, v);
        p->depth--;
        return rc;
    }
    if (wf__tok_is(kw, "i32.const")) {
        uint32_t x;
        v->type = 0x7F;
        if (!wf__parse_i32(peek(p), &x))
            return unexpected(p, "an i32 value");
        next(p);
        v->of.i32 = (int32_t)x;
    } else if (wf__tok_is(kw, "i64.const")) {
        v->type = 0x7E;
        if (!wf__parse_i64(peek(p), &bits))
            return unexpected(p, "an i64 value");
        next(p);
        v->of.i64 = (int64_t)bits;
    } else if (wf__tok_is(kw, "f32.const") || wf__tok_is(kw, "f64.const")) {
        bool f64 = wf__tok_is(kw, "f64.const");
        v->type = f64 ? 0x7C : 0x7D;
        if ((rc = parse_float(p, f64, patterns, &kind, &bits)) != WF_OK)
            return rc;
        v->kind = kind;
        if (f64)
            v->of.f64_bits = bits;
        else
            v->of.f32_bits = (uint32_t)bits;
    } else if (wf__tok_is(kw, "v128.const")) {
        int shape = -1;
        v->type = 0x7B;
        for (int i = 0; i < 6; i++)
            if (wf__tok_is(peek(p), shape_names[i]))
                shape = i;
        if (shape < 0)
            return unexpected(p, "a v128 shape");
        next(p);
        v->shape = (uint8_t)shape;
        static const unsigned lanes[] = {16, 8, 4, 2, 4, 2};
        unsigned width = 16 / lanes[shape];
        for (unsigned i = 0; i < lanes[shape]; i++) {
            const wf__token_t *t = peek(p);
            bits = 0;
            kind = WF_WAST_VALUE_EXACT;
            bool ok = true;
            if (shape >= 4) {
                if ((rc = parse_float(p, shape == 5, patterns, &kind, &bits)) != WF_OK)
                    return rc;
                v->lane_kind[i] = kind;
                if (kind != WF_WAST_VALUE_EXACT)
                    v->kind = WF_WAST_VALUE_V128_LANES;
            } else {
                if (shape == 0) {
                    uint8_t x;
                    ok = wf__parse_i8(t, &x);
                    bits = x;
                } else if (shape == 1) {
                    uint16_t x;
                    ok = wf__parse_i16(t, &x);
                    bits = x;
                } else if (shape == 2) {
                    uint32_t x;
                    ok = wf__parse_i32(t, &x);
                    bits = x;
                } else {
                    ok = wf__parse_i64(t, &bits);
                }
                if (!ok)
                    return unexpected(p, "a lane value");
                next(p);
            }
            for (unsigned k = 0; k < width; k++)
                v->of.v128[i * width + k] = (uint8_t)(bits >> (8 * k));
        }
    } else if (wf__tok_is(kw, "ref.null")) {
        v->kind = WF_WAST_VALUE_REF_NULL;
        if (wf__tok_is(peek(p), "func"))
            v->type = 0x70;
        else if (wf__tok_is(peek(p), "extern"))
            v->type = 0x6F;
        else
            return unexpected(p, "func or extern");
        next(p);
    } else if (wf__tok_is(kw, "ref.extern") || wf__tok_is(kw, "ref.func")) {
        v->type = wf__tok_is(kw, "ref.extern") ? 0x6F : 0x70;
        if (peek(p)->kind == WF_TOK_NUMBER) {
            if (!wf__parse_u64(peek(p), &bits))
                return unexpected(p, "a reference number");
            next(p);
            v->kind = WF_WAST_VALUE_REF_HOST;
            v->of.ref = bits;
        } else if (patterns) {
            v->kind = WF_WAST_VALUE_REF_ANY;
        } else {
            return unexpected(p, "a reference number");
        }
    } else {
        p->pos--;
        return unexpected(p, "a value");
    }
    return expect_rparen(p);
}

/* Parses values until ')' into a growing array. */
static wf_err_t parse_values(wast_t *p, wf_wast_value_t **out, size_t *count, bool patterns)
{
    while (peek(p)->kind == WF_TOK_LPAREN) {
        size_t n = *count;
        wf_wast_value_t *a = wf__realloc(NULL, *out, n * sizeof *a, (n + 1) * sizeof *a);
        if (!a)
            return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
        *out = a;
        memset(&a[n], 0, sizeof a[n]);
        (*count)++;
        wf_err_t rc = parse_value(p, &a[n], patterns);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

/* (invoke $id? "name" const*) or (get $id? "name") at '('. */
static wf_err_t parse_action(wast_t *p, wf_wast_action_t *a)
{
    wf_err_t rc;
    next(p);
    const wf__token_t *kw = next(p);
    a->kind = wf__tok_is(kw, "get") ? WF_WAST_GET : WF_WAST_INVOKE;
    if (peek(p)->kind == WF_TOK_ID && !(a->module = dup_token(next(p))))
        return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
    if ((rc = take_string(p, &a->name, &a->name_len)) != WF_OK)
        return rc;
    if (a->kind == WF_WAST_INVOKE &&
        (rc = parse_values(p, &a->args, &a->arg_count, false)) != WF_OK)
        return rc;
    return expect_rparen(p);
}

static bool at_group(const wast_t *p, const char *kw)
{
    return peek(p)->kind == WF_TOK_LPAREN && wf__tok_is(peek2(p), kw);
}

static bool at_action(const wast_t *p)
{
    return at_group(p, "invoke") || at_group(p, "get");
}

/* --------------------------------------------------------------- commands -- */

static void command_free(wf_wast_command_t *c);

static wf_err_t parse_commands(wast_t *p, wf_wast_command_t **out, size_t *count);

/*
** Parses one command at the current '(' into c (zeroed by the caller). On
** failure c may hold part of what was parsed; command_free releases it.
*/
static wf_err_t parse_command(wast_t *p, wf_wast_command_t *c)
{
    static const struct {
        const char *name;
        wf_wast_kind_t kind;
    } asserts[] = {
        {"assert_return", WF_WAST_ASSERT_RETURN},
        {"assert_trap", WF_WAST_ASSERT_TRAP},
        {"assert_exhaustion", WF_WAST_ASSERT_EXHAUSTION},
        {"assert_invalid", WF_WAST_ASSERT_INVALID},
        {"assert_malformed", WF_WAST_ASSERT_MALFORMED},
        {"assert_unlinkable", WF_WAST_ASSERT_UNLINKABLE},
        {"assert_uninstantiable", WF_WAST_ASSERT_UNINSTANTIABLE},
    };
    wf_err_t rc;
    if (peek(p)->kind != WF_TOK_LPAREN)
        return unexpected(p, "a command");
    c->line = peek(p)->line;
    const wf__token_t *kw = peek2(p);
    if (wf__tok_is(kw, "module")) {
        c->kind = WF_WAST_MODULE;
        c->has_module = true;
        return parse_module(p, &c->module);
    }
    if (wf__tok_is(kw, "invoke") || wf__tok_is(kw, "get")) {
        c->kind = WF_WAST_ACTION;
        c->has_action = true;
        return parse_action(p, &c->action);
    }
    next(p);
    next(p);
    if (wf__tok_is(kw, "register")) {
        c->kind = WF_WAST_REGISTER;
        if ((rc = take_string(p, &c->name, NULL)) != WF_OK)
            return rc;
        if (peek(p)->kind == WF_TOK_ID && !(c->module_ref = dup_token(next(p))))
            return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
        return expect_rparen(p);
    }
    if (wf__tok_is(kw, "wait")) {
        c->kind = WF_WAST_WAIT;
        if (peek(p)->kind != WF_TOK_ID)
            return unexpected(p, "a thread name");
        if (!(c->name = dup_token(next(p))))
            return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
        return expect_rparen(p);
    }
    if (wf__tok_is(kw, "thread")) {
        c->kind = WF_WAST_THREAD;
        if (peek(p)->kind != WF_TOK_ID)
            return unexpected(p, "a thread name");
        if (!(c->name = dup_token(next(p))))
            return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
        while (at_group(p, "shared")) {
            next(p);
            next(p);
            if (!at_group(p, "module"))
                return unexpected(p, "(module $name)");
            next(p);
            next(p);
            if (peek(p)->kind != WF_TOK_ID)
                return unexpected(p, "a module name");
            size_t n = c->shared_count;
            char **s = wf__realloc(NULL, c->shared, n * sizeof *s, (n + 1) * sizeof *s);
            if (!s)
                return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
            c->shared = s;
            if (!(s[n] = dup_token(next(p))))
                return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
            c->shared_count++;
            if ((rc = expect_rparen(p)) != WF_OK || (rc = expect_rparen(p)) != WF_OK)
                return rc;
        }
        if (p->depth >= WAST_MAX_NESTING)
            return wf__text_error(p->err, kw, "nesting too deep");
        p->depth++;
        rc = parse_commands(p, &c->commands, &c->command_count);
        p->depth--;
        if (rc != WF_OK)
            return rc;
        return expect_rparen(p);
    }
    for (size_t i = 0; i < sizeof asserts / sizeof asserts[0]; i++) {
        if (!wf__tok_is(kw, asserts[i].name))
            continue;
        c->kind = asserts[i].kind;
        if (at_action(p)) {
            c->has_action = true;
            if ((rc = parse_action(p, &c->action)) != WF_OK)
                return rc;
        } else if (at_group(p, "module")) {
            c->has_module = true;
            if ((rc = parse_module(p, &c->module)) != WF_OK)
                return rc;
        } else {
            return unexpected(p, "an action or a module");
        }
        if (c->kind == WF_WAST_ASSERT_RETURN) {
            if (!c->has_action)
                return unexpected(p, "an action");
            rc = parse_values(p, &c->results, &c->result_count, true);
        } else {
            rc = take_string(p, &c->message, NULL);
        }
        if (rc != WF_OK)
            return rc;
        return expect_rparen(p);
    }
    p->pos--;
    return unexpected(p, "a command");
}

/* Parses commands until a token that is not '(' (EOF or a thread's ')'). */
static wf_err_t parse_commands(wast_t *p, wf_wast_command_t **out, size_t *count)
{
    size_t cap = 0;
    while (peek(p)->kind == WF_TOK_LPAREN) {
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            wf_wast_command_t *c = wf__realloc(NULL, *out, cap * sizeof *c, ncap * sizeof *c);
            if (!c)
                return wf__error(p->err, WF_ERR_NOMEM, 0, "out of memory");
            *out = c;
            cap = ncap;
        }
        wf_wast_command_t *c = &(*out)[(*count)++];
        memset(c, 0, sizeof *c);
        wf_err_t rc = parse_command(p, c);
        if (rc != WF_OK)
            return rc;
    }
    return WF_OK;
}

static void action_free(wf_wast_action_t *a)
{
    wf__free(NULL, a->module, 0);
    wf__free(NULL, a->name, 0);
    for (size_t i = 0; i < a->arg_count; i++)
        value_free(&a->args[i]);
    wf__free(NULL, a->args, 0);
}

/* Frees everything a command owns, sub-commands included. */
static void command_free(wf_wast_command_t *c)
{
    wf__free(NULL, c->module.name, 0);
    if (c->module.form == WF_WAST_FORM_BINARY)
        wf__free(NULL, c->module.bytes, 0);
    else
        wf_wat_free(c->module.bytes);
    wf__free(NULL, c->module.text, 0);
    action_free(&c->action);
    for (size_t i = 0; i < c->result_count; i++)
        value_free(&c->results[i]);
    wf__free(NULL, c->results, 0);
    wf__free(NULL, c->message, 0);
    wf__free(NULL, c->name, 0);
    wf__free(NULL, c->module_ref, 0);
    for (size_t i = 0; i < c->shared_count; i++)
        wf__free(NULL, c->shared[i], 0);
    wf__free(NULL, c->shared, 0);
    for (size_t i = 0; i < c->command_count; i++)
        command_free(&c->commands[i]);
    wf__free(NULL, c->commands, 0);
}

/* Whether a token starts a module field (a script of bare fields is a module). */
static bool is_field_keyword(const wf__token_t *t)
{
    static const char *const fields[] = {"type",   "import", "func",  "table", "memory",
                                         "global", "export", "start", "elem",  "data"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (wf__tok_is(t, fields[i]))
            return true;
    return false;
}

/*
** Parses a script (see wf/text.h). A text made of bare module fields, as a
** .wat file may be, is one implicit module command.
*/
wf_err_t wf_wast_parse(const char *text, size_t len, wf_wast_script_t **out, wf_error_info_t *err)
{
    wf_error_info_t local;
    wf__token_list_t list;
    wf_err_t rc;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if ((rc = wf__tokenize(text, len, &list, err)) != WF_OK)
        return rc;
    wf_wast_script_t *script = wf__calloc(NULL, 1, sizeof *script);
    if (!script) {
        wf__tokens_free(&list);
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    }
    wast_t p = {text, &list, list.tokens, 0, err, 0};
    /* A script may also be a bare module's fields (an implicit module). */
    if (list.tokens[0].kind == WF_TOK_LPAREN && is_field_keyword(&list.tokens[1])) {
        wf_wast_command_t *c = wf__calloc(NULL, 1, sizeof *c);
        if (!c) {
            rc = wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
            goto done;
        }
        script->commands = c;
        script->command_count = 1;
        c->kind = WF_WAST_MODULE;
        c->has_module = true;
        c->line = 1;
        rc = wf__wat_to_wasm(text, len, &c->module.bytes, &c->module.size, &c->module.uses_simd,
                             &c->module.error);
        if (rc == WF_ERR_NOMEM)
            goto done;
        rc = WF_OK;
        goto done;
    }
    rc = parse_commands(&p, &script->commands, &script->command_count);
    if (rc == WF_OK && peek(&p)->kind != WF_TOK_EOF)
        rc = unexpected(&p, "a command");
done:
    wf__tokens_free(&list);
    if (rc != WF_OK) {
        wf_wast_free(script);
        return rc;
    }
    *out = script;
    return WF_OK;
}

/* Frees a script from wf_wast_parse; accepts NULL. */
void wf_wast_free(wf_wast_script_t *script)
{
    if (!script)
        return;
    for (size_t i = 0; i < script->command_count; i++)
        command_free(&script->commands[i]);
    wf__free(NULL, script->commands, 0);
    wf__free(NULL, script, sizeof *script);
}
