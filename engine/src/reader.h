/*
** Reading the binary format: bounded byte reader, LEB128 with the spec's
** limits, and one-instruction decoding shared by the validator and the
** compiler (so immediates are decoded by one piece of code). reader.c.
**
** Every function returns WF_OK or WF_ERR_MALFORMED with err filled with the
** spec's message ("unexpected end", "integer representation too long",
** "integer too large", "illegal opcode", "zero byte expected", ...) and the
** absolute byte offset in the module.
*/
#ifndef WF_READER_H
#define WF_READER_H

#include <stddef.h>
#include <stdint.h>

#include "wasm_ops.h"
#include "wf/error.h"

typedef struct wf__reader {
    const uint8_t *base; /* start of the module: offsets are relative to it */
    const uint8_t *p;    /* next byte */
    const uint8_t *end;  /* one past the last readable byte */
} wf__reader_t;

static inline size_t wf__reader_offset(const wf__reader_t *r)
{
    return (size_t)(r->p - r->base);
}

wf_err_t wf__read_u8(wf__reader_t *r, uint8_t *out, wf_error_info_t *err);
/* Any u32 LEB128; wf__read_u32 below is its inline one-byte fast path. */
wf_err_t wf__read_u32_any(wf__reader_t *r, uint32_t *out, wf_error_info_t *err);
wf_err_t wf__read_s32(wf__reader_t *r, int32_t *out, wf_error_info_t *err);
wf_err_t wf__read_s33(wf__reader_t *r, int64_t *out, wf_error_info_t *err);
wf_err_t wf__read_s64(wf__reader_t *r, int64_t *out, wf_error_info_t *err);
wf_err_t wf__read_u64(wf__reader_t *r, uint64_t *out, wf_error_info_t *err);
wf_err_t wf__read_bytes(wf__reader_t *r, size_t n, const uint8_t **out, wf_error_info_t *err);
/* A name: u32 length + UTF-8 bytes, checked ("malformed UTF-8 encoding"). */
wf_err_t wf__read_name(wf__reader_t *r, const uint8_t **out, uint32_t *len, wf_error_info_t *err);

typedef enum wf__block_kind {
    WF__BLOCK_EMPTY,  /* 0x40 */
    WF__BLOCK_VALUE,  /* a single result of valtype */
    WF__BLOCK_TYPEIDX /* a function type index (multi-value) */
} wf__block_kind_t;

/* One decoded instruction with its immediates. */
typedef struct wf__instr {
    uint16_t op;   /* wf__op_t */
    size_t offset; /* of the opcode's first byte, absolute */
    union {
        struct {
            uint8_t kind; /* wf__block_kind_t */
            uint8_t valtype;
            uint32_t type_index;
        } block;
        uint32_t index; /* label, func, local, global, table, elem, data, memory */
        struct {
            uint32_t type_index;
            uint32_t table;
        } call_indirect;
        struct {
            uint32_t align; /* log2, as encoded */
            uint32_t offset;
            uint32_t memory;
        } memarg;
        struct {
            uint32_t count;         /* labels before the default */
            const uint8_t *targets; /* their LEB128 encodings (read with
                                       wf__read_u32 from a reader over them) */
            uint32_t default_label;
        } br_table;
        struct {
            uint32_t count; /* select t: number of types (1 is valid) */
            uint8_t type;   /* the first type */
        } select;
        struct {
            uint32_t a; /* memory.init: data; table.init: elem; copies: dst */
            uint32_t b; /* memory.init: memory; table.init: table; copies: src */
        } pair;
        uint8_t reftype; /* ref.null */
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
    } imm;
} wf__instr_t;

/*
** Reads one instruction at r->p, advancing past it. Unknown opcodes are
** "illegal opcode"; a 0xFD (SIMD) prefix is WF_ERR_UNSUPPORTED with the
** message "SIMD instructions are not supported yet". wf__read_instr below
** is its inline fast path for the common encodings.
*/
wf_err_t wf__read_instr_any(wf__reader_t *r, wf__instr_t *out, wf_error_info_t *err);

/* ---------------------------------------------------------------------- */
/* Inline fast paths                                                       */
/* ---------------------------------------------------------------------- */

/*
** Every instruction of every body is read three times per load (decoder,
** validator, compiler), so the encodings most code is made of are decoded
** here, inline in the caller's loop; anything else (long LEB128s, other
** immediates, prefixes, errors) goes to the general functions, which read it
** again from the start. The results are the same either way.
*/

/* The forms the fast path decodes (bits 16.. of wf__reader_ops). */
enum {
    WF__FAST_NONE = 1,   /* no immediate */
    WF__FAST_INDEX = 2,  /* one u32 (label, function, local, global) */
    WF__FAST_MEMARG = 3, /* u32 align, u32 offset */
    WF__FAST_I32 = 4,    /* s32 */
    WF__FAST_BLOCK = 5   /* a block type */
};

/*
** (prefix, code) -> op id + 1 in the low 16 bits, 0 where there is no
** instruction. Single-byte opcodes at [code], 0xFC ones at [256 + code],
** 0xFE ones at [512 + code]. A single-byte opcode's entry has its
** WF__FAST_* form, if any, in bits 16 and up (the prefix bytes have no
** entry, so they take the general path).
*/
extern const uint32_t wf__reader_ops[768];

/*
** A well-formed u32 LEB128 at p (left bytes readable) into *out: returns its
** length, or 0 when it is not one (too long, too large, cut short), which
** the general path then reports.
*/
static inline unsigned wf__leb_u32(const uint8_t *p, ptrdiff_t left, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 5 && (ptrdiff_t)i < left; i++) {
        uint8_t byte = p[i];
        v |= (uint32_t)(byte & 0x7F) << (7 * i);
        if (byte < 0x80) {
            if (i == 4 && byte >= 0x10) /* bits beyond 32 */
                return 0;
            *out = v;
            return i + 1;
        }
    }
    return 0;
}

/* Like wf__leb_u32 for a signed LEB128 of at most 32 bits. */
static inline unsigned wf__leb_s32(const uint8_t *p, ptrdiff_t left, int32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 5 && (ptrdiff_t)i < left; i++) {
        uint8_t byte = p[i];
        v |= (uint32_t)(byte & 0x7F) << (7 * i);
        if (byte < 0x80) {
            if (i == 4) {
                /* the bits beyond 32 must be copies of the sign bit (bit 3) */
                if ((byte & 0x70) != (byte & 0x08 ? 0x70 : 0))
                    return 0;
            } else if (byte & 0x40) {
                v |= ~(uint32_t)0 << (7 * (i + 1));
            }
            /* v holds the value's two's complement bits */
            *out = v <= INT32_MAX ? (int32_t)v : -(int32_t)~v - 1;
            return i + 1;
        }
    }
    return 0;
}

/* An unsigned LEB128 of at most 32 bits (5 bytes). */
static inline wf_err_t wf__read_u32(wf__reader_t *r, uint32_t *out, wf_error_info_t *err)
{
    if (r->p < r->end && *r->p < 0x80) {
        *out = *r->p++;
        return WF_OK;
    }
    return wf__read_u32_any(r, out, err);
}

/* See wf__read_instr_any. */
static inline wf_err_t wf__read_instr(wf__reader_t *r, wf__instr_t *out, wf_error_info_t *err)
{
    const uint8_t *p = r->p;
    ptrdiff_t left = r->end - p;
    if (left <= 0)
        return wf__read_instr_any(r, out, err);
    uint32_t entry = wf__reader_ops[p[0]];
    unsigned n = 0, n2 = 0;
    switch (entry >> 16) {
    case WF__FAST_NONE:
        n = 1;
        break;
    case WF__FAST_INDEX:
        n = wf__leb_u32(p + 1, left - 1, &out->imm.index);
        n = n ? n + 1 : 0;
        break;
    case WF__FAST_MEMARG:
        n = wf__leb_u32(p + 1, left - 1, &out->imm.memarg.align);
        /* an alignment of 32 or more is an error: the general path */
        if (!n || out->imm.memarg.align >= 32)
            return wf__read_instr_any(r, out, err);
        n2 = wf__leb_u32(p + 1 + n, left - 1 - (ptrdiff_t)n, &out->imm.memarg.offset);
        out->imm.memarg.memory = 0;
        n = n2 ? 1 + n + n2 : 0;
        break;
    case WF__FAST_I32:
        n = wf__leb_s32(p + 1, left - 1, &out->imm.i32);
        n = n ? n + 1 : 0;
        break;
    case WF__FAST_BLOCK:
        if (left < 2)
            break;
        out->imm.block.valtype = 0;
        out->imm.block.type_index = 0;
        if (p[1] == 0x40) {
            out->imm.block.kind = WF__BLOCK_EMPTY;
            n = 2;
        } else if (p[1] == WF_T_I32 || p[1] == WF_T_I64 || p[1] == WF_T_F32 || p[1] == WF_T_F64 ||
                   p[1] == WF_T_V128 || p[1] == WF_T_FUNCREF || p[1] == WF_T_EXTERNREF) {
            out->imm.block.kind = WF__BLOCK_VALUE;
            out->imm.block.valtype = p[1];
            n = 2;
        }
        break;
    default:
        break;
    }
    if (!n)
        return wf__read_instr_any(r, out, err);
    out->op = (uint16_t)((entry & 0xFFFF) - 1);
    out->offset = (size_t)(p - r->base);
    r->p = p + n;
    return WF_OK;
}

#endif
