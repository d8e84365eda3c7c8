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

static inline size_t wf__reader_offset(const wf__reader_t *r) { return (size_t)(r->p - r->base); }

wf_err_t wf__read_u8(wf__reader_t *r, uint8_t *out, wf_error_info_t *err);
wf_err_t wf__read_u32(wf__reader_t *r, uint32_t *out, wf_error_info_t *err);
wf_err_t wf__read_s32(wf__reader_t *r, int32_t *out, wf_error_info_t *err);
wf_err_t wf__read_s33(wf__reader_t *r, int64_t *out, wf_error_info_t *err);
wf_err_t wf__read_s64(wf__reader_t *r, int64_t *out, wf_error_info_t *err);
wf_err_t wf__read_u64(wf__reader_t *r, uint64_t *out, wf_error_info_t *err);
wf_err_t wf__read_bytes(wf__reader_t *r, size_t n, const uint8_t **out, wf_error_info_t *err);
/* A name: u32 length + UTF-8 bytes, checked ("malformed UTF-8 encoding"). */
wf_err_t wf__read_name(wf__reader_t *r, const uint8_t **out, uint32_t *len, wf_error_info_t *err);

typedef enum wf__block_kind {
    WF__BLOCK_EMPTY,   /* 0x40 */
    WF__BLOCK_VALUE,   /* a single result of valtype */
    WF__BLOCK_TYPEIDX  /* a function type index (multi-value) */
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
            uint32_t count;           /* labels before the default */
            const uint8_t *targets;   /* their LEB128 encodings (read with
                                         wf__read_u32 from a reader over them) */
            uint32_t default_label;
        } br_table;
        struct {
            uint32_t count;     /* select t: number of types (1 is valid) */
            uint8_t type;       /* the first type */
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
** message "SIMD instructions are not supported yet".
*/
wf_err_t wf__read_instr(wf__reader_t *r, wf__instr_t *out, wf_error_info_t *err);

#endif
