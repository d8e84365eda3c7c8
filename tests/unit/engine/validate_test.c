/*
** Tests of engine/src/validate.c: type checking of function bodies (with
** unreachable code, blocks with parameters, br_table), module-level rules,
** and the outputs max_stack and func_declared.
*/
#include "module.h"
#include "test.h"

typedef struct buffer {
    uint8_t bytes[1024];
    size_t size;
} buffer_t;

static void put(buffer_t *b, const uint8_t *bytes, size_t n)
{
    memcpy(b->bytes + b->size, bytes, n);
    b->size += n;
}

static void put_byte(buffer_t *b, uint8_t byte)
{
    b->bytes[b->size++] = byte;
}

/* Sizes here stay below 128, so one LEB128 byte each. */
static void put_section(buffer_t *b, uint8_t id, const buffer_t *content)
{
    put_byte(b, id);
    put_byte(b, (uint8_t)content->size);
    put(b, content->bytes, content->size);
}

typedef struct spec {
    const char *params, *results; /* value type bytes, NUL-terminated */
    const char *locals;           /* one i32/i64/... byte each */
    const uint8_t *body;          /* instructions including the final end */
    size_t body_size;
    bool memory;
    const uint8_t *extra; /* raw sections appended after the code section */
    size_t extra_size;
} spec_t;

/* One module with one function of the given signature and body. */
static void build(const spec_t *s, buffer_t *out)
{
    static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    buffer_t sec = {{0}, 0};
    out->size = 0;
    put(out, header, sizeof header);
    put_byte(&sec, 1);
    put_byte(&sec, 0x60);
    put_byte(&sec, (uint8_t)strlen(s->params));
    put(&sec, (const uint8_t *)s->params, strlen(s->params));
    put_byte(&sec, (uint8_t)strlen(s->results));
    put(&sec, (const uint8_t *)s->results, strlen(s->results));
    put_section(out, 1, &sec);
    sec.size = 0;
    put(&sec, (const uint8_t[]){1, 0}, 2);
    put_section(out, 3, &sec);
    if (s->memory) {
        sec.size = 0;
        put(&sec, (const uint8_t[]){1, 0, 1}, 3);
        put_section(out, 5, &sec);
    }
    buffer_t body = {{0}, 0};
    size_t nlocals = s->locals ? strlen(s->locals) : 0;
    put_byte(&body, (uint8_t)nlocals);
    for (size_t i = 0; i < nlocals; i++) {
        put_byte(&body, 1);
        put_byte(&body, (uint8_t)s->locals[i]);
    }
    put(&body, s->body, s->body_size);
    sec.size = 0;
    put_byte(&sec, 1);
    put_byte(&sec, (uint8_t)body.size);
    put(&sec, body.bytes, body.size);
    put_section(out, 10, &sec);
    if (s->extra)
        put(out, s->extra, s->extra_size);
}

static wf_err_t check(const spec_t *s, wf_error_info_t *err, uint32_t *max_stack)
{
    buffer_t b;
    build(s, &b);
    wf_module_t *m = calloc(1, sizeof *m);
    m->bytes = malloc(b.size);
    memcpy(m->bytes, b.bytes, b.size);
    m->size = b.size;
    memset(err, 0, sizeof *err);
    wf_err_t rc = wf__decode(m, err);
    if (rc == WF_OK)
        rc = wf__validate(m, err);
    if (rc == WF_OK && max_stack)
        *max_stack = m->funcs[0].max_stack;
    wf__module_clear(m);
    free(m->debug_name);
    free(m->bytes);
    free(m);
    return rc;
}

#define I32 "\x7f"
#define I64 "\x7e"
#define F32 "\x7d"

#define EXPECT(params_, results_, locals_, rc_, message_, ...)                                     \
    do {                                                                                           \
        static const uint8_t body_[] = {__VA_ARGS__};                                              \
        spec_t s_ = {params_, results_, locals_, body_, sizeof body_, true, NULL, 0};              \
        wf_error_info_t e_;                                                                        \
        CHECK_INT(check(&s_, &e_, NULL), rc_);                                                     \
        CHECK_STR(e_.message, message_);                                                           \
    } while (0)

static void test_bodies(void)
{
    /* (i32, i32) -> i32: local.get 0, local.get 1, i32.add */
    EXPECT(I32 I32, I32, NULL, WF_OK, "", 0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B);
    /* i32.add with an i64 operand */
    EXPECT(I32, I32, NULL, WF_ERR_INVALID, "type mismatch", 0x20, 0x00, 0x42, 0x00, 0x6A, 0x0B);
    /* result missing */
    EXPECT("", I32, NULL, WF_ERR_INVALID, "type mismatch", 0x0B);
    /* value left over */
    EXPECT("", "", NULL, WF_ERR_INVALID, "type mismatch", 0x41, 0x00, 0x0B);
    /* unreachable code pops unknown values */
    EXPECT("", I32, NULL, WF_OK, "", 0x00, 0x6A, 0x0B);
    EXPECT("", I32, NULL, WF_ERR_INVALID, "type mismatch", 0x00, 0x42, 0x00, 0x6A, 0x0B);
    /* unknown local, with the local count including declared locals */
    EXPECT(I32, "", I64, WF_OK, "", 0x20, 0x01, 0x1A, 0x0B);
    EXPECT(I32, "", I64, WF_ERR_INVALID, "unknown local 2", 0x20, 0x02, 0x1A, 0x0B);
    /* br to a label that does not exist */
    EXPECT("", "", NULL, WF_ERR_INVALID, "unknown label 1", 0x0C, 0x01, 0x0B);
    /* block (result i32) with br carrying the value */
    EXPECT("", I32, NULL, WF_OK, "", 0x02, 0x7F, 0x41, 0x01, 0x0C, 0x00, 0x0B, 0x0B);
    /* if without else must not produce a value */
    EXPECT(I32, I32, NULL, WF_ERR_INVALID, "type mismatch", 0x20, 0x00, 0x04, 0x7F, 0x41, 0x01,
           0x0B, 0x0B);
    /* br_table with labels of different arity */
    EXPECT(I32, "", NULL, WF_ERR_INVALID, "type mismatch", 0x02, 0x40, 0x02, 0x7F, 0x41, 0x00, 0x20,
           0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x1A, 0x0B, 0x0B);
    /* select on references needs a type */
    EXPECT("", "", NULL, WF_ERR_INVALID, "type mismatch", 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1B,
           0x1A, 0x0B);
    EXPECT("", "", NULL, WF_OK, "", 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1C, 0x01, 0x70, 0x1A,
           0x0B);
    /* alignment */
    EXPECT("", "", NULL, WF_OK, "", 0x41, 0x00, 0x28, 0x02, 0x00, 0x1A, 0x0B);
    EXPECT("", "", NULL, WF_ERR_INVALID, "alignment must not be larger than natural", 0x41, 0x00,
           0x28, 0x03, 0x00, 0x1A, 0x0B);
    /* atomics need exactly natural alignment */
    EXPECT("", "", NULL, WF_ERR_INVALID, "atomic alignment must be natural", 0x41, 0x00, 0xFE, 0x10,
           0x01, 0x00, 0x1A, 0x0B);
    /* unknown function, global, table */
    EXPECT("", "", NULL, WF_ERR_INVALID, "unknown function 1", 0x10, 0x01, 0x0B);
    EXPECT("", "", NULL, WF_ERR_INVALID, "unknown global 0", 0x23, 0x00, 0x1A, 0x0B);
    EXPECT("", "", NULL, WF_ERR_INVALID, "unknown table 0", 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B);
    /* ref.func of a function that nothing declares */
    EXPECT("", "", NULL, WF_ERR_INVALID, "undeclared function reference", 0xD2, 0x00, 0x1A, 0x0B);
    /* data.drop without data segments */
    EXPECT("", "", NULL, WF_ERR_INVALID, "unknown data segment 0", 0xFC, 0x09, 0x00, 0x0B);
}

static void test_multi_value_and_stack(void)
{
    /* type 0 is (i32, i32) -> i32, used as a block type: block (type 0)
       takes the two params and adds them. */
    static const uint8_t body[] = {0x20, 0x00, 0x20, 0x01, 0x02, 0x00, 0x6A, 0x0B, 0x0B};
    spec_t s = {I32 I32, I32, NULL, body, sizeof body, false, NULL, 0};
    wf_error_info_t err;
    uint32_t max_stack = 0;
    CHECK_INT(check(&s, &err, &max_stack), WF_OK);
    CHECK_INT(max_stack, 2);
    /* deeper: four constants then three adds */
    static const uint8_t body2[] = {0x41, 1, 0x41, 2, 0x41, 3, 0x41, 4, 0x6A, 0x6A, 0x6A, 0x0B};
    spec_t s2 = {"", I32, NULL, body2, sizeof body2, false, NULL, 0};
    CHECK_INT(check(&s2, &err, &max_stack), WF_OK);
    CHECK_INT(max_stack, 4);
}

static wf_err_t check_raw(const uint8_t *bytes, size_t size, wf_error_info_t *err)
{
    wf_module_t *m = calloc(1, sizeof *m);
    m->bytes = malloc(size);
    memcpy(m->bytes, bytes, size);
    m->size = size;
    wf_err_t rc = wf__decode(m, err);
    if (rc == WF_OK)
        rc = wf__validate(m, err);
    wf__module_clear(m);
    free(m->debug_name);
    free(m->bytes);
    free(m);
    return rc;
}

#define HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00
#define RAW(rc_, message_, ...)                                                                    \
    do {                                                                                           \
        static const uint8_t b_[] = {HEADER, __VA_ARGS__};                                         \
        wf_error_info_t e_;                                                                        \
        memset(&e_, 0, sizeof e_);                                                                 \
        CHECK_INT(check_raw(b_, sizeof b_, &e_), rc_);                                             \
        CHECK_STR(e_.message, message_);                                                           \
    } while (0)

static void test_module_level(void)
{
    /* type ()->(), one func, exported twice under one name */
    RAW(WF_ERR_INVALID, "duplicate export name", 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
        0x01, 0x00, 0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a', 0x00, 0x00, 0x0A, 0x04,
        0x01, 0x02, 0x00, 0x0B);
    /* start function of type (i32) -> () */
    RAW(WF_ERR_INVALID, "start function", 0x01, 0x05, 0x01, 0x60, 0x01, 0x7F, 0x00, 0x03, 0x02,
        0x01, 0x00, 0x08, 0x01, 0x00, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B);
    /* two memories */
    RAW(WF_ERR_INVALID, "multiple memories", 0x05, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00);
    /* memory min > max, memory too large */
    RAW(WF_ERR_INVALID, "size minimum must not be greater than maximum", 0x05, 0x04, 0x01, 0x01,
        0x02, 0x01);
    RAW(WF_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)", 0x05, 0x05, 0x01, 0x00,
        0x81, 0x80, 0x04);
    /* global initialised by i32.add (not constant) */
    RAW(WF_ERR_INVALID, "constant expression required", 0x06, 0x09, 0x01, 0x7F, 0x00, 0x41, 0x00,
        0x41, 0x00, 0x6A, 0x0B);
    /* global of type i64 initialised with i32.const */
    RAW(WF_ERR_INVALID, "type mismatch", 0x06, 0x06, 0x01, 0x7E, 0x00, 0x41, 0x00, 0x0B);
    /* global.get of a defined global */
    RAW(WF_ERR_INVALID, "unknown global 0", 0x06, 0x0B, 0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F,
        0x00, 0x23, 0x00, 0x0B);
    /* global.set of an immutable global in code */
    RAW(WF_ERR_INVALID, "global is immutable", 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
        0x00, 0x06, 0x06, 0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x0A, 0x08, 0x01, 0x06, 0x00, 0x41,
        0x01, 0x24, 0x00, 0x0B);
    /* ref.func declared by an element segment is fine; func_declared set */
    static const uint8_t declared[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
                                       0x01,   0x00, 0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00,
                                       0x0A,   0x07, 0x01, 0x05, 0x00, 0xD2, 0x00, 0x1A, 0x0B};
    wf_module_t *m = calloc(1, sizeof *m);
    m->bytes = malloc(sizeof declared);
    memcpy(m->bytes, declared, sizeof declared);
    m->size = sizeof declared;
    wf_error_info_t err;
    CHECK_INT(wf__decode(m, &err), WF_OK);
    CHECK_INT(wf__validate(m, &err), WF_OK);
    CHECK(m->func_declared && m->func_declared[0]);
    CHECK_INT(m->elems[0].mode, WF__SEGMENT_DECLARATIVE);
    wf__module_clear(m);
    free(m->bytes);
    free(m);
}

static void test_error_location(void)
{
    /* func 0 body: nop, i64.const 0, i32.eqz (offset of the i32.eqz) */
    static const uint8_t bytes[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                    0x03,   0x02, 0x01, 0x00, 0x0A, 0x08, 0x01,
                                    0x06,   0x00, 0x01, 0x42, 0x00, 0x45, 0x0B};
    wf_error_info_t err;
    CHECK_INT(check_raw(bytes, sizeof bytes, &err), WF_ERR_INVALID);
    CHECK_STR(err.message, "type mismatch");
    CHECK_INT(err.func_index, 0);
    CHECK_INT(err.offset, sizeof bytes - 2);
    /* the same function exported as "f": the error names it */
    static const uint8_t named[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                    0x00,   0x07, 0x05, 0x01, 0x01, 'f',  0x00, 0x00, 0x0A, 0x08,
                                    0x01,   0x06, 0x00, 0x01, 0x42, 0x00, 0x45, 0x0B};
    CHECK_INT(check_raw(named, sizeof named, &err), WF_ERR_INVALID);
    CHECK_STR(err.func_name, "f");
}

int main(void)
{
    test_bodies();
    test_multi_value_and_stack();
    test_module_level();
    test_error_location();
    return TEST_DONE();
}
