/*
** Tests of engine/src/decode.c: the header, section order and sizes, each
** section's contents, the name section, and that wf__module_clear gives back
** every byte (through a counting allocator).
*/
#include "module.h"
#include "test.h"

/* ---------------------------------------------------------------------- */
/* A counting allocator and a module shell like module.c's                 */
/* ---------------------------------------------------------------------- */

typedef struct counter {
    long live_bytes;
    long live_blocks;
    long allocations_left; /* < 0: unlimited; 0: the next allocation fails */
} counter_t;

static void *counting_realloc(void *user, void *ptr, size_t old_size, size_t new_size)
{
    counter_t *c = user;
    if (ptr) {
        c->live_bytes -= (long)old_size;
        c->live_blocks--;
    }
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (c->allocations_left == 0) {
        if (ptr) {
            c->live_bytes += (long)old_size;
            c->live_blocks++;
        }
        return NULL;
    }
    if (c->allocations_left > 0)
        c->allocations_left--;
    void *p = realloc(ptr, new_size);
    if (p) {
        c->live_bytes += (long)new_size;
        c->live_blocks++;
    } else if (ptr) {
        c->live_bytes += (long)old_size;
        c->live_blocks++;
    }
    return p;
}

static counter_t counter = {0, 0, -1};

static wf_module_t *module_new(const uint8_t *bytes, size_t size)
{
    wf_module_t *m = calloc(1, sizeof *m);
    m->allocator.realloc = counting_realloc;
    m->allocator.user = &counter;
    m->bytes = malloc(size ? size : 1);
    memcpy(m->bytes, bytes, size);
    m->size = size;
    return m;
}

static void module_delete(wf_module_t *m)
{
    wf__module_clear(m);
    if (m->debug_name)
        wf__free(&m->allocator, m->debug_name, strlen(m->debug_name) + 1);
    CHECK_INT(counter.live_bytes, 0);
    CHECK_INT(counter.live_blocks, 0);
    free(m->bytes);
    free(m);
}

/* Decodes bytes; returns the code and leaves the message in err. */
static wf_err_t decode(const uint8_t *bytes, size_t size, wf_error_info_t *err)
{
    wf_module_t *m = module_new(bytes, size);
    wf_err_t rc = wf__decode(m, err);
    module_delete(m);
    return rc;
}

#define HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00
#define DECODE(...)                                                                                \
    do {                                                                                           \
        static const uint8_t b_[] = {__VA_ARGS__};                                                 \
        rc = decode(b_, sizeof b_, &err);                                                          \
    } while (0)

static void test_header(void)
{
    wf_error_info_t err;
    wf_err_t rc;
    DECODE(HEADER);
    CHECK_INT(rc, WF_OK);
    DECODE(0x00, 0x61, 0x73);
    CHECK_INT(rc, WF_ERR_MALFORMED);
    CHECK_STR(err.message, "unexpected end");
    DECODE(0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00);
    CHECK_STR(err.message, "magic header not detected");
    DECODE(0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00);
    CHECK_STR(err.message, "unknown binary version");
    DECODE(HEADER, 0x0D, 0x00);
    CHECK_STR(err.message, "malformed section id");
    CHECK_INT(err.offset, 8);
}

static void test_sections(void)
{
    wf_error_info_t err;
    wf_err_t rc;
    /* type section twice */
    DECODE(HEADER, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00);
    CHECK_STR(err.message, "unexpected content after last section");
    /* data count after code */
    DECODE(HEADER, 0x0A, 0x01, 0x00, 0x0C, 0x01, 0x00);
    CHECK_STR(err.message, "unexpected content after last section");
    /* custom sections may go anywhere */
    DECODE(HEADER, 0x00, 0x02, 0x01, 'x', 0x01, 0x01, 0x00, 0x00, 0x02, 0x01, 'y');
    CHECK_INT(rc, WF_OK);
    /* a section longer than the module */
    DECODE(HEADER, 0x01, 0x05, 0x00);
    CHECK_STR(err.message, "length out of bounds");
    /* content shorter than the section */
    DECODE(HEADER, 0x01, 0x02, 0x00, 0x00);
    CHECK_STR(err.message, "section size mismatch");
    /* custom section name must be UTF-8 */
    DECODE(HEADER, 0x00, 0x02, 0x01, 0xFF);
    CHECK_STR(err.message, "malformed UTF-8 encoding");
    /* function without code */
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00);
    CHECK_STR(err.message, "function and code section have inconsistent lengths");
    /* data count 1, no data section */
    DECODE(HEADER, 0x0C, 0x01, 0x01);
    CHECK_STR(err.message, "data count and data section have inconsistent lengths");
    /* import kind 4 */
    DECODE(HEADER, 0x02, 0x05, 0x01, 0x01, 'm', 0x01, 'f', 0x04);
    CHECK_STR(err.message, "malformed import kind");
    /* global mutability 2 */
    DECODE(HEADER, 0x06, 0x06, 0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B);
    CHECK_STR(err.message, "malformed mutability");
    /* too many locals */
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x0C, 0x01,
           0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B);
    CHECK_STR(err.message, "too many locals");
    /* a body that runs out before its end */
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x06, 0x01,
           0x04, 0x00, 0x41, 0x01, 0x1A);
    CHECK_STR(err.message, "unexpected end of section or function");
    /* else outside an if, and a second else */
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x05, 0x01,
           0x03, 0x00, 0x05, 0x0B);
    CHECK_STR(err.message, "END opcode expected");
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x0B, 0x01,
           0x09, 0x00, 0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0B, 0x0B);
    CHECK_STR(err.message, "END opcode expected");
    DECODE(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x0A, 0x01,
           0x08, 0x00, 0x41, 0x00, 0x04, 0x40, 0x05, 0x0B, 0x0B);
    CHECK_INT(rc, WF_OK);
}

/* A module with every section (see test_contents for what it holds). */
static const uint8_t contents[] = {
    HEADER,
    /* types: (i32) -> (i64), () -> () */
    0x01, 0x09, 0x02, 0x60, 0x01, 0x7F, 0x01, 0x7E, 0x60, 0x00, 0x00,
    /* imports: "env" "f" func 1; "env" "g" global mut i32 */
    0x02, 0x12, 0x02, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'g',
    0x03, 0x7F, 0x01,
    /* functions: type 0, type 1 */
    0x03, 0x03, 0x02, 0x00, 0x01,
    /* table funcref 1..2 */
    0x04, 0x05, 0x01, 0x70, 0x01, 0x01, 0x02,
    /* memory 1 */
    0x05, 0x03, 0x01, 0x00, 0x01,
    /* global f64 = 1.0 */
    0x06, 0x0D, 0x01, 0x7C, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B,
    /* export "run" func 2 */
    0x07, 0x07, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x02,
    /* start 2 */
    0x08, 0x01, 0x02,
    /* elem: flags 0 (offset 0, funcs 1 2); flags 5 passive externref (ref.null extern) */
    0x09, 0x0E, 0x02, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x01, 0x02, 0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,
    /* data count 2 */
    0x0C, 0x01, 0x02,
    /* code: f1 (2 i32 locals, 1 f32), f2 empty */
    0x0A, 0x0D, 0x02, 0x08, 0x02, 0x02, 0x7F, 0x01, 0x7D, 0x42, 0x00, 0x0B, 0x02, 0x00, 0x0B,
    /* data: active "hi" at 8; passive "!" */
    0x0B, 0x0B, 0x02, 0x00, 0x41, 0x08, 0x0B, 0x02, 'h', 'i', 0x01, 0x01, '!',
    /* name section: module "mod", function 2 "run" */
    0x00, 0x13, 0x04, 'n', 'a', 'm', 'e', 0x00, 0x04, 0x03, 'm', 'o', 'd', 0x01, 0x06, 0x01, 0x02,
    0x03, 'r', 'u', 'n'};

static void test_contents(void)
{
    const uint8_t *bytes = contents;

    wf_error_info_t err;
    wf_module_t *m = module_new(bytes, sizeof contents);
    if (wf__decode(m, &err) != WF_OK) {
        CHECK_STR(err.message, "");
        CHECK_INT(err.offset, 0);
        module_delete(m);
        return;
    }
    CHECK_INT(m->type_count, 2);
    CHECK_INT(m->types[0].param_count, 1);
    CHECK_INT(WF__RESULTS(&m->types[0])[0], WF_I64);
    CHECK_INT(m->import_count, 2);
    CHECK_STR(m->imports[1].name, "g");
    CHECK_INT(m->imports[1].kind, WF_EXTERN_GLOBAL);
    CHECK_INT(m->func_count, 3);
    CHECK_INT(m->import_func_count, 1);
    CHECK(m->funcs[0].type == &m->types[1]);
    CHECK_INT(m->funcs[1].local_count, 3);
    CHECK_INT(m->funcs[1].local_types[1], WF_I32);
    CHECK_INT(m->funcs[1].local_types[2], WF_F32);
    CHECK_INT(m->bytes[m->funcs[1].body_offset], 0x42);
    CHECK_INT(m->bytes[m->funcs[1].body_end - 1], 0x0B);
    CHECK_INT(m->table_count, 1);
    CHECK_INT(m->tables[0].limits.max, 2);
    CHECK_INT(m->memory_count, 1);
    CHECK_INT(m->global_count, 2);
    CHECK_INT(m->import_global_count, 1);
    CHECK(m->globals[0].mutable_);
    CHECK_INT(m->globals[1].init.kind, WF__CONST_VALUE);
    CHECK(m->globals[1].init.bits == 0x3FF0000000000000u);
    CHECK_STR(m->exports[0].name, "run");
    CHECK(m->has_start);
    CHECK_INT(m->start, 2);
    CHECK_INT(m->elem_count, 2);
    CHECK_INT(m->elems[0].mode, WF__SEGMENT_ACTIVE);
    CHECK_INT(m->elems[0].count, 2);
    CHECK_INT(m->elems[0].items[1].index, 2);
    CHECK_INT(m->elems[1].mode, WF__SEGMENT_PASSIVE);
    CHECK_INT(m->elems[1].elem_type, WF_EXTERNREF);
    CHECK_INT(m->elems[1].items[0].kind, WF__CONST_REF_NULL);
    CHECK_INT(m->data_segment_count, 2);
    CHECK_INT(m->datas[0].size, 2);
    CHECK(memcmp(m->datas[0].bytes, "hi", 2) == 0);
    CHECK_INT(m->datas[0].offset.bits, 8);
    CHECK_INT(m->datas[1].mode, WF__SEGMENT_PASSIVE);
    CHECK_INT(m->custom_count, 1);
    CHECK_STR(m->module_name, "mod");
    CHECK_STR(m->debug_name, "mod");
    CHECK(m->func_names != NULL && m->func_names[0] == NULL);
    CHECK(m->func_names != NULL && m->func_names[2] && strcmp(m->func_names[2], "run") == 0);
    module_delete(m);
}

static void test_bad_name_section_ignored(void)
{
    /* function names subsection with a name longer than the section */
    static const uint8_t bytes[] = {HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                                    0x00,   0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B, 0x00, 0x0B, 0x04,
                                    'n',    'a',  'm',  'e',  0x01, 0x04, 0x01, 0x00, 0x09, 'x'};
    wf_error_info_t err;
    wf_module_t *m = module_new(bytes, sizeof bytes);
    CHECK_INT(wf__decode(m, &err), WF_OK);
    CHECK(m->func_names == NULL);
    module_delete(m);
}

static void test_truncations_free_everything(void)
{
    /* Every prefix of a valid module fails or succeeds without leaking. */
    static const uint8_t bytes[] = {HEADER, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F, 0x02, 0x0A,
                                    0x01,   0x01, 'm',  0x04, 'n',  'a',  'm',  'e',  0x00, 0x00,
                                    0x03,   0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 'e',  0x00,
                                    0x01,   0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0B};
    for (size_t n = 0; n <= sizeof bytes; n++) {
        wf_error_info_t err;
        wf_module_t *m = module_new(bytes, n);
        wf_err_t rc = wf__decode(m, &err);
        /* Prefixes that end between sections are modules too. */
        CHECK(rc == WF_OK || rc == WF_ERR_MALFORMED);
        if (n == sizeof bytes || n < 8)
            CHECK_INT(rc, n < 8 ? WF_ERR_MALFORMED : WF_OK);
        module_delete(m);
    }
}

static void test_out_of_memory(void)
{
    /* Fail the first, second, ... allocation: decode and validate report
       WF_ERR_NOMEM and the clear gives everything back. */
    bool succeeded = false;
    for (long n = 0; n < 200 && !succeeded; n++) {
        wf_error_info_t err;
        wf_module_t *m = module_new(contents, sizeof contents);
        counter.allocations_left = n;
        wf_err_t rc = wf__decode(m, &err);
        if (rc == WF_OK)
            rc = wf__validate(m, &err);
        counter.allocations_left = -1;
        CHECK(rc == WF_OK || rc == WF_ERR_NOMEM);
        succeeded = rc == WF_OK;
        module_delete(m);
    }
    CHECK(succeeded);
}

int main(void)
{
    test_header();
    test_sections();
    test_contents();
    test_bad_name_section_ignored();
    test_truncations_free_everything();
    test_out_of_memory();
    return TEST_DONE();
}
