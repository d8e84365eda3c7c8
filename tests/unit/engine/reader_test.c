/*
** Tests of engine/src/reader.c: LEB128 limits, UTF-8 names, and decoding one
** instruction with its immediates.
*/
#include "module.h"
#include "reader.h"
#include "test.h"

#define READER(...)                                                                                \
    static const uint8_t bytes_[] = {__VA_ARGS__};                                                 \
    wf__reader_t r = {bytes_, bytes_, bytes_ + sizeof bytes_};                                     \
    wf_error_info_t err;                                                                           \
    memset(&err, 0, sizeof err)

static void test_u32(void)
{
    {
        READER(0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
        uint32_t v = 0;
        CHECK_INT(wf__read_u32(&r, &v, &err), WF_OK);
        CHECK_INT(v, 0xFFFFFFFFu);
        CHECK(r.p == r.end);
    }
    {
        READER(0x83, 0x80, 0x00); /* redundant bytes are allowed */
        uint32_t v = 0;
        CHECK_INT(wf__read_u32(&r, &v, &err), WF_OK);
        CHECK_INT(v, 3);
    }
    {
        READER(0xFF, 0xFF, 0xFF, 0xFF, 0x1F);
        uint32_t v;
        CHECK_INT(wf__read_u32(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer too large");
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
        uint32_t v;
        CHECK_INT(wf__read_u32(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer representation too long");
    }
    {
        READER(0x00, 0x80);
        uint32_t v;
        r.p++;
        CHECK_INT(wf__read_u32(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "unexpected end");
        CHECK_INT(err.offset, 2);
    }
}

static void test_signed(void)
{
    {
        READER(0x7F);
        int32_t v = 0;
        CHECK_INT(wf__read_s32(&r, &v, &err), WF_OK);
        CHECK_INT(v, -1);
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x78);
        int32_t v = 0;
        CHECK_INT(wf__read_s32(&r, &v, &err), WF_OK);
        CHECK_INT(v, INT32_MIN);
    }
    {
        READER(0xFF, 0xFF, 0xFF, 0xFF, 0x4F); /* high bits not a sign extension */
        int32_t v;
        CHECK_INT(wf__read_s32(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer too large");
    }
    {
        READER(0xFF, 0xFF, 0xFF, 0xFF, 0x07); /* 0x7FFFFFFF */
        int32_t v = 0;
        CHECK_INT(wf__read_s32(&r, &v, &err), WF_OK);
        CHECK_INT(v, INT32_MAX);
    }
    {
        READER(0x40);
        int64_t v = 0;
        CHECK_INT(wf__read_s33(&r, &v, &err), WF_OK);
        CHECK_INT(v, -64);
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x70); /* -2^32, the smallest s33 */
        int64_t v = 0;
        CHECK_INT(wf__read_s33(&r, &v, &err), WF_OK);
        CHECK_INT(v, -4294967296LL);
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x10); /* sign bit set, high bits clear */
        int64_t v = 0;
        CHECK_INT(wf__read_s33(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer too large");
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F);
        int64_t v = 0;
        CHECK_INT(wf__read_s64(&r, &v, &err), WF_OK);
        CHECK(v == INT64_MIN);
    }
    {
        READER(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
        int64_t v;
        CHECK_INT(wf__read_s64(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer too large");
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
        uint64_t v = 0;
        CHECK_INT(wf__read_u64(&r, &v, &err), WF_OK);
        CHECK(v == (uint64_t)1 << 63);
    }
    {
        READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02);
        uint64_t v;
        CHECK_INT(wf__read_u64(&r, &v, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "integer too large");
    }
}

static wf_err_t name_of(const uint8_t *bytes, size_t n, wf_error_info_t *err)
{
    wf__reader_t r = {bytes, bytes, bytes + n};
    const uint8_t *name;
    uint32_t len;
    return wf__read_name(&r, &name, &len, err);
}

static void test_names(void)
{
    wf_error_info_t err;
    static const uint8_t ok[] = {7, 'h', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0x00};
    CHECK_INT(name_of(ok, sizeof ok, &err), WF_OK);
    static const uint8_t astral[] = {4, 0xF4, 0x8F, 0xBF, 0xBF}; /* U+10FFFF */
    CHECK_INT(name_of(astral, sizeof astral, &err), WF_OK);
    static const uint8_t overlong[] = {2, 0xC0, 0x80};
    CHECK_INT(name_of(overlong, sizeof overlong, &err), WF_ERR_MALFORMED);
    CHECK_STR(err.message, "malformed UTF-8 encoding");
    static const uint8_t overlong3[] = {3, 0xE0, 0x9F, 0xBF};
    CHECK_INT(name_of(overlong3, sizeof overlong3, &err), WF_ERR_MALFORMED);
    static const uint8_t surrogate[] = {3, 0xED, 0xA0, 0x80};
    CHECK_INT(name_of(surrogate, sizeof surrogate, &err), WF_ERR_MALFORMED);
    static const uint8_t too_big[] = {4, 0xF4, 0x90, 0x80, 0x80};
    CHECK_INT(name_of(too_big, sizeof too_big, &err), WF_ERR_MALFORMED);
    static const uint8_t truncated[] = {2, 0xE2, 0x82};
    CHECK_INT(name_of(truncated, sizeof truncated, &err), WF_ERR_MALFORMED);
    static const uint8_t lone_continuation[] = {1, 0x80};
    CHECK_INT(name_of(lone_continuation, sizeof lone_continuation, &err), WF_ERR_MALFORMED);
    static const uint8_t short_name[] = {5, 'a', 'b'};
    CHECK_INT(name_of(short_name, sizeof short_name, &err), WF_ERR_MALFORMED);
    CHECK_STR(err.message, "length out of bounds");
}

static void test_instructions(void)
{
    wf__instr_t in;
    {
        READER(0x41, 0x7F, 0x0B);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_I32_CONST);
        CHECK_INT(in.imm.i32, -1);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_END);
        CHECK_INT(in.offset, 2);
    }
    {
        READER(0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F); /* f64.const 1.0 */
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK(in.imm.f64_bits == 0x3FF0000000000000u);
    }
    {
        READER(0x02, 0x7F, 0x03, 0x40, 0x04, 0x05);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.imm.block.kind, WF__BLOCK_VALUE);
        CHECK_INT(in.imm.block.valtype, WF_I32);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.imm.block.kind, WF__BLOCK_EMPTY);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_IF);
        CHECK_INT(in.imm.block.kind, WF__BLOCK_TYPEIDX);
        CHECK_INT(in.imm.block.type_index, 5);
    }
    {
        READER(0x0E, 0x02, 0x00, 0x81, 0x01, 0x03);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_BR_TABLE);
        CHECK_INT(in.imm.br_table.count, 2);
        CHECK_INT(in.imm.br_table.default_label, 3);
        wf__reader_t t = {bytes_, in.imm.br_table.targets, bytes_ + sizeof bytes_};
        uint32_t label = 0;
        CHECK_INT(wf__read_u32(&t, &label, &err), WF_OK);
        CHECK_INT(label, 0);
        CHECK_INT(wf__read_u32(&t, &label, &err), WF_OK);
        CHECK_INT(label, 129);
    }
    {
        READER(0x11, 0x02, 0x81, 0x00); /* call_indirect: table index as a LEB */
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.imm.call_indirect.type_index, 2);
        CHECK_INT(in.imm.call_indirect.table, 1);
    }
    {
        READER(0x28, 0x02, 0x10, 0x28, 0x20, 0x00);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.imm.memarg.align, 2);
        CHECK_INT(in.imm.memarg.offset, 16);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "malformed memop flags");
    }
    {
        READER(0x3F, 0x01);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "zero byte expected");
    }
    {
        READER(0xFC, 0x0A, 0x00, 0x00, 0xFC, 0x0C, 0x03, 0x01, 0xFC, 0x12);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_MEMORY_COPY);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_TABLE_INIT);
        CHECK_INT(in.imm.pair.a, 3);
        CHECK_INT(in.imm.pair.b, 1);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "illegal opcode");
        CHECK_INT(err.offset, 8);
    }
    {
        READER(0xFE, 0x03, 0x00, 0xFE, 0x48, 0x02, 0x00);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_ATOMIC_FENCE);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_I32_ATOMIC_RMW_CMPXCHG);
    }
    {
        READER(0x06);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "illegal opcode");
    }
    {
        READER(0xFD, 0x0C);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_UNSUPPORTED);
        CHECK_STR(err.message, "SIMD instructions are not supported yet");
    }
    {
        READER(0xD0, 0x6F, 0xD0, 0x7F, 0x1C, 0x01, 0x7E);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.imm.reftype, WF_EXTERNREF);
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_ERR_MALFORMED);
        CHECK_STR(err.message, "malformed reference type");
        r.p = bytes_ + 4;
        CHECK_INT(wf__read_instr(&r, &in, &err), WF_OK);
        CHECK_INT(in.op, WF_OP_SELECT_T);
        CHECK_INT(in.imm.select.count, 1);
        CHECK_INT(in.imm.select.type, WF_I64);
    }
}

/*
** wf__read_instr's inline fast path must give what the general
** wf__read_instr_any gives: the same result, position, op, immediates and
** error, for every single-byte opcode followed by immediates of every LEB128
** length (and too long, too large, cut short at each byte).
*/
static void test_fast_path(void)
{
    static const uint8_t tails[][8] = {
        {1, 0x00},
        {1, 0x3F},
        {1, 0x40}, /* block type 0x40; s32 -64 */
        {1, 0x7F}, /* block type i32; s32 -1 */
        {1, 0x7B}, /* block type v128 */
        {1, 0x05}, /* block type index 5 */
        {2, 0x80, 0x01},
        {2, 0xFF, 0x7F},
        {2, 0xC0, 0x00},
        {2, 0x03, 0x20}, /* memarg align 3, offset 32 */
        {2, 0x20, 0x00}, /* memarg align 32: malformed */
        {3, 0x02, 0x80, 0x02},
        {3, 0xFF, 0xFF, 0x03},
        {4, 0x80, 0x80, 0x80, 0x00},
        {5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F},
        {5, 0xFF, 0xFF, 0xFF, 0xFF, 0x07},
        {5, 0x80, 0x80, 0x80, 0x80, 0x08},
        {5, 0x80, 0x80, 0x80, 0x80, 0x78},
        {5, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F},       /* too large (both) */
        {5, 0x80, 0x80, 0x80, 0x80, 0x70},       /* too large signed */
        {6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, /* too long */
        {6, 0x02, 0x90, 0x80, 0x80, 0x80, 0x01}, /* memarg with a five-byte offset */
        {7, 0x02, 0x90, 0x80, 0x80, 0x80, 0x10, 0x00},
    };
    for (unsigned op = 0; op < 256; op++) {
        for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
            uint8_t bytes[9] = {0xAA, (uint8_t)op};
            size_t n = tails[t][0];
            memcpy(bytes + 2, tails[t] + 1, n);
            /* every cut: from the opcode alone to the whole tail */
            for (size_t cut = 0; cut <= n; cut++) {
                wf__reader_t fast = {bytes, bytes + 1, bytes + 2 + cut};
                wf__reader_t slow = fast;
                wf__instr_t a, b;
                wf_error_info_t ea, eb;
                memset(&a, 0, sizeof a);
                memset(&b, 0, sizeof b);
                memset(&ea, 0, sizeof ea);
                memset(&eb, 0, sizeof eb);
                wf_err_t ra = wf__read_instr(&fast, &a, &ea);
                wf_err_t rb = wf__read_instr_any(&slow, &b, &eb);
                CHECK_INT(ra, rb);
                if (ra != rb) {
                    fprintf(stderr, "opcode 0x%02X, tail %zu, cut %zu\n", op, t, cut);
                    continue;
                }
                if (ra != WF_OK) {
                    CHECK_STR(ea.message, eb.message);
                    CHECK_INT(ea.offset, eb.offset);
                    continue;
                }
                CHECK(fast.p == slow.p);
                CHECK_INT(a.op, b.op);
                CHECK_INT(a.offset, b.offset);
                switch (wf__op_info[a.op].imm) {
                case WF_IMM_BLOCKTYPE:
                    CHECK_INT(a.imm.block.kind, b.imm.block.kind);
                    CHECK_INT(a.imm.block.valtype, b.imm.block.valtype);
                    CHECK_INT(a.imm.block.type_index, b.imm.block.type_index);
                    break;
                case WF_IMM_MEMARG:
                    CHECK_INT(a.imm.memarg.align, b.imm.memarg.align);
                    CHECK_INT(a.imm.memarg.offset, b.imm.memarg.offset);
                    CHECK_INT(a.imm.memarg.memory, b.imm.memarg.memory);
                    break;
                case WF_IMM_I32:
                    CHECK_INT(a.imm.i32, b.imm.i32);
                    break;
                default:
                    CHECK(memcmp(&a.imm, &b.imm, sizeof a.imm) == 0);
                    break;
                }
            }
        }
    }
}

int main(void)
{
    test_u32();
    test_signed();
    test_names();
    test_instructions();
    test_fast_path();
    return TEST_DONE();
}
