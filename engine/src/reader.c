/*
** Reading the binary format: bounded reads, LEB128 with the spec's limits,
** UTF-8 names, and the one-instruction decoder shared by every stage that
** walks code. See reader.h for the contract; errors are WF_ERR_MALFORMED with
** the spec's message and an absolute offset.
*/
#include <string.h>

#include "module.h"
#include "reader.h"

/* ====================================================================== */
/* Bytes and integers                                                      */
/* ====================================================================== */

static wf_err_t unexpected_end(const wf__reader_t *r, wf_error_info_t *err)
{
    return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(r), "unexpected end");
}

/* One byte; "unexpected end" at the end of the input. */
wf_err_t wf__read_u8(wf__reader_t *r, uint8_t *out, wf_error_info_t *err)
{
    if (r->p >= r->end)
        return unexpected_end(r, err);
    *out = *r->p++;
    return WF_OK;
}

/* n raw bytes, returned as a pointer into the input. */
wf_err_t wf__read_bytes(wf__reader_t *r, size_t n, const uint8_t **out, wf_error_info_t *err)
{
    if ((size_t)(r->end - r->p) < n)
        return unexpected_end(r, err);
    *out = r->p;
    r->p += n;
    return WF_OK;
}

/*
** Reads an LEB128 number of at most `bits` bits into *out (unsigned or, when
** is_signed, sign-extended to 64 bits). The spec allows at most ceil(bits/7)
** bytes; in the last one the bits beyond `bits` must be zero (unsigned) or
** copies of the sign bit (signed).
*/
static wf_err_t read_leb(wf__reader_t *r, unsigned bits, int is_signed, uint64_t *out,
                         wf_error_info_t *err)
{
    const unsigned max_bytes = (bits + 6) / 7;
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = wf__reader_offset(r);
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return unexpected_end(r, err);
        uint8_t byte = *r->p++;
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return wf__error(err, WF_ERR_MALFORMED, start, "integer representation too long");
            unsigned used = bits - shift; /* value bits in this byte, 1..7 */
            uint8_t extra = (uint8_t)(byte & 0x7F & ~((1u << used) - 1));
            if (is_signed) {
                uint8_t sign = (byte >> (used - 1)) & 1;
                uint8_t want = sign ? (uint8_t)(0x7F & ~((1u << used) - 1)) : 0;
                if (extra != want)
                    return wf__error(err, WF_ERR_MALFORMED, start, "integer too large");
            } else if (extra) {
                return wf__error(err, WF_ERR_MALFORMED, start, "integer too large");
            }
        }
        result |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (is_signed && shift < 64 && (result >> (shift - 1)) & 1)
        result |= ~(uint64_t)0 << shift;
    *out = result;
    return WF_OK;
}

/* See reader.h: an unsigned LEB128 of at most 32 bits (5 bytes). */
wf_err_t wf__read_u32_any(wf__reader_t *r, uint32_t *out, wf_error_info_t *err)
{
    uint64_t v = 0;
    wf_err_t rc = read_leb(r, 32, 0, &v, err);
    if (rc == WF_OK)
        *out = (uint32_t)v;
    return rc;
}

/* A signed LEB128 of at most `bits` bits, sign-extended to 64. */
static wf_err_t read_signed(wf__reader_t *r, unsigned bits, int64_t *out, wf_error_info_t *err)
{
    uint64_t v = 0;
    wf_err_t rc = read_leb(r, bits, 1, &v, err);
    if (rc == WF_OK)
        *out = (int64_t)v;
    return rc;
}

/* A signed LEB128 of at most 32 bits (5 bytes). */
wf_err_t wf__read_s32(wf__reader_t *r, int32_t *out, wf_error_info_t *err)
{
    int64_t v = 0;
    wf_err_t rc = read_signed(r, 32, &v, err);
    if (rc == WF_OK)
        *out = (int32_t)v; /* in range: sign-extended from 32 bits */
    return rc;
}

/* A signed LEB128 of at most 33 bits (block types), sign-extended. */
wf_err_t wf__read_s33(wf__reader_t *r, int64_t *out, wf_error_info_t *err)
{
    return read_signed(r, 33, out, err);
}

/* A signed LEB128 of at most 64 bits (10 bytes). */
wf_err_t wf__read_s64(wf__reader_t *r, int64_t *out, wf_error_info_t *err)
{
    return read_signed(r, 64, out, err);
}

/* An unsigned LEB128 of at most 64 bits (10 bytes). */
wf_err_t wf__read_u64(wf__reader_t *r, uint64_t *out, wf_error_info_t *err)
{
    return read_leb(r, 64, 0, out, err);
}

/* ====================================================================== */
/* Names                                                                   */
/* ====================================================================== */

/*
** Whether s[0..n) is well-formed UTF-8: shortest encodings only, no
** surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
*/
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        unsigned len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/*
** A name: its length must fit the input ("length out of bounds") and its
** bytes must be UTF-8. Returns a pointer into the input, not NUL-terminated.
*/
wf_err_t wf__read_name(wf__reader_t *r, const uint8_t **out, uint32_t *len, wf_error_info_t *err)
{
    uint32_t n;
    wf_err_t rc = wf__read_u32(r, &n, err);
    if (rc != WF_OK)
        return rc;
    size_t start = wf__reader_offset(r);
    if ((size_t)(r->end - r->p) < n)
        return wf__error(err, WF_ERR_MALFORMED, start, "length out of bounds");
    if (!utf8_valid(r->p, n))
        return wf__error(err, WF_ERR_MALFORMED, start, "malformed UTF-8 encoding");
    *out = r->p;
    *len = n;
    r->p += n;
    return WF_OK;
}

/* ====================================================================== */
/* Instructions                                                            */
/* ====================================================================== */

/*
** See reader.h. Built at compile time from the X-macro, so there is no
** run-time state.
*/
#define OP_SLOT(prefix, code)                                                                      \
    ((prefix) == 0 ? (code) : (prefix) == 0xFC ? 256 + (code) : 512 + (code))
#define FAST_FORM(imm)                                                                             \
    ((imm) == WF_IMM_NONE        ? WF__FAST_NONE                                                   \
     : (imm) == WF_IMM_LABEL     ? WF__FAST_INDEX                                                  \
     : (imm) == WF_IMM_FUNC      ? WF__FAST_INDEX                                                  \
     : (imm) == WF_IMM_LOCAL     ? WF__FAST_INDEX                                                  \
     : (imm) == WF_IMM_GLOBAL    ? WF__FAST_INDEX                                                  \
     : (imm) == WF_IMM_MEMARG    ? WF__FAST_MEMARG                                                 \
     : (imm) == WF_IMM_I32       ? WF__FAST_I32                                                    \
     : (imm) == WF_IMM_BLOCKTYPE ? WF__FAST_BLOCK                                                  \
                                 : 0)
const uint32_t wf__reader_ops[768] = {
#define WF__OP_LOOKUP(id, name, prefix, code, imm, p1, p2, r, nat)                                 \
    [OP_SLOT(prefix, code)] =                                                                      \
        (uint32_t)(WF_OP_##id + 1) | ((prefix) == 0 ? (uint32_t)FAST_FORM(imm) << 16 : 0),
    WF_WASM_OPS(WF__OP_LOOKUP)
#undef WF__OP_LOOKUP
};
#undef FAST_FORM

/* Whether b is a value type code (v128 included; callers reject SIMD). */
static int is_valtype(uint8_t b)
{
    return b == WF_T_I32 || b == WF_T_I64 || b == WF_T_F32 || b == WF_T_F64 || b == WF_T_V128 ||
           b == WF_T_FUNCREF || b == WF_T_EXTERNREF;
}

/* A byte that Wasm 2.0 reserves as a zero memory (or fence) index. */
static wf_err_t read_zero_byte(wf__reader_t *r, wf_error_info_t *err)
{
    uint8_t b = 0;
    wf_err_t rc = wf__read_u8(r, &b, err);
    if (rc != WF_OK)
        return rc;
    if (b != 0)
        return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(r) - 1, "zero byte expected");
    return WF_OK;
}

/* Reads the immediates of kind imm into out; out->offset is the opcode's. */
static wf_err_t read_immediates(wf__reader_t *r, unsigned imm, wf__instr_t *out,
                                wf_error_info_t *err)
{
    wf_err_t rc = WF_OK;
    switch (imm) {
    case WF_IMM_NONE:
        break;
    case WF_IMM_BLOCKTYPE: {
        if (r->p >= r->end)
            return unexpected_end(r, err);
        uint8_t b = *r->p;
        out->imm.block.valtype = 0;
        out->imm.block.type_index = 0;
        if (b == 0x40) {
            r->p++;
            out->imm.block.kind = WF__BLOCK_EMPTY;
        } else if (is_valtype(b)) {
            r->p++;
            out->imm.block.kind = WF__BLOCK_VALUE;
            out->imm.block.valtype = b;
        } else {
            size_t at = wf__reader_offset(r);
            int64_t v;
            rc = wf__read_s33(r, &v, err);
            if (rc != WF_OK)
                return rc;
            if (v < 0)
                return wf__error(err, WF_ERR_MALFORMED, at, "malformed block type");
            out->imm.block.kind = WF__BLOCK_TYPEIDX;
            out->imm.block.type_index = (uint32_t)v;
        }
        break;
    }
    case WF_IMM_LABEL:
    case WF_IMM_FUNC:
    case WF_IMM_LOCAL:
    case WF_IMM_GLOBAL:
    case WF_IMM_TABLE:
    case WF_IMM_DATA:
    case WF_IMM_ELEM:
        rc = wf__read_u32(r, &out->imm.index, err);
        break;
    case WF_IMM_BR_TABLE: {
        size_t at = wf__reader_offset(r);
        uint32_t count, label;
        rc = wf__read_u32(r, &count, err);
        if (rc != WF_OK)
            return rc;
        if (count > WF_MAX_BR_TABLE)
            return wf__error(err, WF_ERR_LIMIT, at, "too many br_table labels");
        out->imm.br_table.count = count;
        out->imm.br_table.targets = r->p;
        for (uint32_t i = 0; i < count; i++) {
            rc = wf__read_u32(r, &label, err);
            if (rc != WF_OK)
                return rc;
        }
        rc = wf__read_u32(r, &out->imm.br_table.default_label, err);
        break;
    }
    case WF_IMM_CALL_INDIRECT:
        rc = wf__read_u32(r, &out->imm.call_indirect.type_index, err);
        if (rc == WF_OK)
            rc = wf__read_u32(r, &out->imm.call_indirect.table, err);
        break;
    case WF_IMM_MEMARG: {
        size_t at = wf__reader_offset(r);
        rc = wf__read_u32(r, &out->imm.memarg.align, err);
        if (rc != WF_OK)
            return rc;
        /* Wasm 2.0 has one memory: an alignment exponent of 32 or more
           (3.0's memory-index flag is bit 6) is not a valid encoding. */
        if (out->imm.memarg.align >= 32)
            return wf__error(err, WF_ERR_MALFORMED, at, "malformed memop flags");
        out->imm.memarg.memory = 0;
        rc = wf__read_u32(r, &out->imm.memarg.offset, err);
        break;
    }
    case WF_IMM_MEMORY:
    case WF_IMM_FENCE:
        out->imm.index = 0;
        rc = read_zero_byte(r, err);
        break;
    case WF_IMM_I32:
        rc = wf__read_s32(r, &out->imm.i32, err);
        break;
    case WF_IMM_I64:
        rc = wf__read_s64(r, &out->imm.i64, err);
        break;
    case WF_IMM_F32: {
        const uint8_t *b = NULL;
        rc = wf__read_bytes(r, 4, &b, err);
        if (rc == WF_OK)
            out->imm.f32_bits =
                (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        break;
    }
    case WF_IMM_F64: {
        const uint8_t *b = NULL;
        rc = wf__read_bytes(r, 8, &b, err);
        if (rc == WF_OK) {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | b[i];
            out->imm.f64_bits = v;
        }
        break;
    }
    case WF_IMM_SELECT_T: {
        uint32_t count;
        rc = wf__read_u32(r, &count, err);
        if (rc != WF_OK)
            return rc;
        out->imm.select.count = count;
        out->imm.select.type = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint8_t t = 0;
            rc = wf__read_u8(r, &t, err);
            if (rc != WF_OK)
                return rc;
            if (!is_valtype(t))
                return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(r) - 1,
                                 "malformed value type");
            if (t == WF_T_V128)
                return wf__error(err, WF_ERR_UNSUPPORTED, wf__reader_offset(r) - 1,
                                 "SIMD instructions are not supported yet");
            if (i == 0)
                out->imm.select.type = t;
        }
        break;
    }
    case WF_IMM_REFTYPE: {
        uint8_t t = 0;
        rc = wf__read_u8(r, &t, err);
        if (rc != WF_OK)
            return rc;
        if (t != WF_T_FUNCREF && t != WF_T_EXTERNREF)
            return wf__error(err, WF_ERR_MALFORMED, wf__reader_offset(r) - 1,
                             "malformed reference type");
        out->imm.reftype = t;
        break;
    }
    case WF_IMM_MEMORY_INIT:
        rc = wf__read_u32(r, &out->imm.pair.a, err);
        out->imm.pair.b = 0;
        if (rc == WF_OK)
            rc = read_zero_byte(r, err);
        break;
    case WF_IMM_MEMORY_COPY:
        out->imm.pair.a = out->imm.pair.b = 0;
        rc = read_zero_byte(r, err);
        if (rc == WF_OK)
            rc = read_zero_byte(r, err);
        break;
    case WF_IMM_TABLE_INIT:
    case WF_IMM_TABLE_COPY:
        rc = wf__read_u32(r, &out->imm.pair.a, err);
        if (rc == WF_OK)
            rc = wf__read_u32(r, &out->imm.pair.b, err);
        break;
    default:
        return wf__error(err, WF_ERR_MALFORMED, out->offset, "illegal opcode");
    }
    return rc;
}

/* See reader.h. The (prefix, code) pair goes through wf__reader_ops. */
wf_err_t wf__read_instr_any(wf__reader_t *r, wf__instr_t *out, wf_error_info_t *err)
{
    out->offset = wf__reader_offset(r);
    uint8_t b = 0;
    wf_err_t rc = wf__read_u8(r, &b, err);
    if (rc != WF_OK)
        return rc;
    unsigned slot;
    if (b == 0xFC || b == 0xFE) {
        uint32_t sub;
        rc = wf__read_u32(r, &sub, err);
        if (rc != WF_OK)
            return rc;
        if (sub >= 256)
            return wf__error(err, WF_ERR_MALFORMED, out->offset, "illegal opcode");
        slot = b == 0xFC ? 256 + sub : 512 + sub;
    } else if (b == 0xFD) {
        return wf__error(err, WF_ERR_UNSUPPORTED, out->offset,
                         "SIMD instructions are not supported yet");
    } else {
        slot = b;
    }
    unsigned id = wf__reader_ops[slot] & 0xFFFF;
    if (id == 0)
        return wf__error(err, WF_ERR_MALFORMED, out->offset, "illegal opcode");
    out->op = (uint16_t)(id - 1);
    return read_immediates(r, wf__op_info[id - 1].imm, out, err);
}
