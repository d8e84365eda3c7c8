/*
** Unit tests of the WAT encoder (engine/src/text/wat.c, lexer.c, number.c):
** bytes of small modules, the text format's abbreviations, number and string
** forms, and errors with their line and column.
*/
#include <string.h>

#include "test.h"
#include "text/lexer.h"
#include "wf/text.h"

/* Encodes text; returns the bytes (owned, wf_wat_free) or NULL with err. */
static uint8_t *encode(const char *text, size_t *len, wf_error_info_t *err)
{
    uint8_t *out = NULL;
    if (wf_wat_to_wasm(text, strlen(text), &out, len, err) != WF_OK)
        return NULL;
    return out;
}

/* Whether text encodes to exactly the expected bytes. */
static int encodes_to(const char *text, const uint8_t *expected, size_t expected_len)
{
    size_t len;
    wf_error_info_t err;
    uint8_t *out = encode(text, &len, &err);
    if (!out) {
        fprintf(stderr, "  encode failed: %u:%u: %s\n", err.line, err.column, err.message);
        return 0;
    }
    int same = len == expected_len && memcmp(out, expected, len) == 0;
    if (!same) {
        fprintf(stderr, "  got:");
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", out[i]);
        fprintf(stderr, "\n");
    }
    wf_wat_free(out);
    return same;
}

/* Whether text fails with a message containing what, at line:column. */
static int fails_at(const char *text, const char *what, uint32_t line, uint32_t column)
{
    size_t len;
    wf_error_info_t err;
    uint8_t *out = encode(text, &len, &err);
    if (out) {
        wf_wat_free(out);
        fprintf(stderr, "  encoded, expected \"%s\"\n", what);
        return 0;
    }
    int ok = err.code == WF_ERR_TEXT && strstr(err.message, what) != NULL &&
             (line == 0 || (err.line == line && err.column == column));
    if (!ok)
        fprintf(stderr, "  got %u:%u: %s; expected %u:%u: %s\n", err.line, err.column, err.message,
                line, column, what);
    return ok;
}

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static void test_modules(void)
{
    static const uint8_t empty[] = {HEADER};
    CHECK(encodes_to("(module)", empty, sizeof empty));
    CHECK(encodes_to("(module $m)", empty, sizeof empty));
    CHECK(encodes_to("", empty, sizeof empty));
    CHECK(encodes_to(" ;; comment\n(; nested (; block ;) comment ;)(module (@custom \"x\" (a b)))",
                     empty, sizeof empty));

    /* The guide's add, folded, with named params and an inline export. */
    static const uint8_t add[] = {
        HEADER, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,        /* type */
        0x03,   0x02, 0x01, 0x00,                                            /* func */
        0x07,   0x07, 0x01, 0x03, 'a',  'd',  'd',  0x00, 0x00,              /* export */
        0x0a,   0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b}; /* code */
    CHECK(encodes_to("(module (func (export \"add\") (param $a i32) (param $b i32) (result i32)"
                     " (i32.add (local.get $a) (local.get $b))))",
                     add, sizeof add));
    CHECK(encodes_to("(func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"
                     "(export \"add\" (func $add))",
                     add, sizeof add));

    /* Memory with inline data and a string's escapes. */
    size_t len;
    wf_error_info_t err;
    uint8_t *out = encode("(memory (data \"Hi\\n\\00\\u{e9}\"))", &len, &err);
    CHECK(out != NULL);
    if (out) {
        CHECK_INT(len, 8 + 6 + 14);
        CHECK(memcmp(out + 8 + 6 + 8, "Hi\n\0\xc3\xa9", 6) == 0);
        wf_wat_free(out);
    }

    /* Implicit types: appended after explicit ones, reused when equal. */
    static const uint8_t types[] = {HEADER, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60,
                                    0x00,   0x00, 0x03, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x07,
                                    0x02,   0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b};
    CHECK(encodes_to("(func) (func (param i32)) (type (func (param i32)))", types, sizeof types));
}

static void test_numbers(void)
{
    wf__token_t t = {WF_TOK_NUMBER, NULL, 0, 1, 1};
    uint32_t u;
    uint64_t v;
#define TOK(s)                                                                                     \
    (t.text = (s), t.len = (uint32_t)strlen(s),                                                    \
     t.kind = ((s)[0] >= 'a' ? WF_TOK_KEYWORD : WF_TOK_NUMBER), &t)
    CHECK(wf__parse_i32(TOK("0xffff_ffff"), &u) && u == 0xFFFFFFFFu);
    CHECK(wf__parse_i32(TOK("-0x8000_0000"), &u) && u == 0x80000000u);
    CHECK(!wf__parse_i32(TOK("0x1_0000_0000"), &u));
    CHECK(!wf__parse_i32(TOK("+2147483648"), &u));
    CHECK(!wf__parse_i32(TOK("1__0"), &u));
    CHECK(!wf__parse_i32(TOK("_1"), &u));
    CHECK(wf__parse_i64(TOK("-9223372036854775808"), &v) && v == 0x8000000000000000ull);
    CHECK(wf__parse_f32(TOK("0x1p-149"), &u) && u == 1);
    CHECK(wf__parse_f32(TOK("-nan:0x200000"), &u) && u == 0xFFA00000u);
    CHECK(wf__parse_f32(TOK("nan"), &u) && u == 0x7FC00000u);
    CHECK(wf__parse_f32(TOK("-inf"), &u) && u == 0xFF800000u);
    CHECK(!wf__parse_f32(TOK("nan:0x800000"), &u));
    CHECK(!wf__parse_f32(TOK("0x1p128"), &u));
    CHECK(wf__parse_f32(TOK("1_000.5e-1_0"), &u));
    CHECK(wf__parse_f64(TOK("0x1.fffffffffffffp1023"), &v) && v == 0x7FEFFFFFFFFFFFFFull);
    CHECK(wf__parse_f64(TOK("1."), &v) && v == 0x3FF0000000000000ull);
    CHECK(!wf__parse_f64(TOK("1.e"), &v));
    CHECK(!wf__parse_f64(TOK(".5"), &v));
#undef TOK
}

static void test_errors(void)
{
    CHECK(fails_at("(module\n  (func (i32.const0)))", "unknown operator", 2, 10));
    CHECK(fails_at("(func $f) (func $f)", "duplicate func", 1, 17));
    CHECK(fails_at("(func) (import \"a\" \"b\" (func))", "import after func", 1, 9));
    CHECK(fails_at("(type $t (func)) (func (type $t) (param i32))", "inline function type", 0, 0));
    CHECK(
        fails_at("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))", "alignment", 1, 34));
    CHECK(fails_at("(func block $a end $b)", "mismatching label", 1, 20));
    CHECK(fails_at("(func (br $x))", "unknown label", 1, 11));
    CHECK(fails_at("(func i32.const 4294967296 drop)", "constant out of range", 1, 17));
    CHECK(fails_at("(func (result i32) (param i32))", "param", 0, 0));
    CHECK(fails_at("(start 0) (start 0) (func)", "multiple start", 0, 0));
    CHECK(fails_at("(data \"\\q\")", "escape", 0, 0));
    CHECK(fails_at("(func (export \"\\ff\"))", "UTF-8", 0, 0));
    CHECK(fails_at("(module (func)", "expected ')'", 0, 0));
    CHECK(fails_at("(module) (func)", "after the module", 1, 10));
    CHECK(fails_at("(; open", "unterminated", 1, 1));
    CHECK(fails_at("(data $l\"a\")", "unknown operator", 0, 0));
}

/* Nesting beyond the limit is an error, not a stack overflow. */
static void test_deep_nesting(void)
{
    enum { N = 100000 };
    static const char *const opens[] = {"block ", "(block ", "(i32.add "};
    static const char *const closes[] = {"end ", ")", ")"};
    for (int k = 0; k < 3; k++) {
        size_t open_len = strlen(opens[k]), close_len = strlen(closes[k]);
        char *text = malloc(16 + N * (open_len + close_len));
        size_t n = 0;
        memcpy(text, "(func ", 6);
        n = 6;
        for (int i = 0; i < N; i++, n += open_len)
            memcpy(text + n, opens[k], open_len);
        for (int i = 0; i < N; i++, n += close_len)
            memcpy(text + n, closes[k], close_len);
        text[n++] = ')';
        text[n] = '\0';
        CHECK(fails_at(text, "nesting", 0, 0));
        free(text);
    }
}

int main(void)
{
    test_modules();
    test_numbers();
    test_errors();
    test_deep_nesting();
    return TEST_DONE();
}
