/*
** The WebAssembly instruction list (binary format, Wasm 2.0 without SIMD, plus
** the threads proposal's atomics). One X-macro generates every table that
** needs an instruction's name, encoding, immediates or simple signature: the
** decoder's reader, the validator, the text format and the disassembler.
**
** WF_WASM_OPS(X) calls X(ID, "text name", PREFIX, CODE, IMM, P1, P2, R, NAT):
**   ID      C identifier; the enum constant is WF_OP_<ID>
**   PREFIX  0 for single-byte opcodes, 0xFC or 0xFE for prefixed ones
**   CODE    the opcode byte, or the u32 sub-opcode after a prefix
**   IMM     the immediate kind (WF_IMM_*)
**   P1, P2  operand types popped (P2 on top), R the result pushed; WF_T_NONE
**           where absent. Instructions whose typing the validator does by hand
**           (control, calls, locals, parametric, bulk, ...) use WF_T_SPECIAL.
**   NAT     log2 of the natural alignment of a memory access (0 otherwise)
**
** Types are the binary type codes, so they compare with decoded value types.
*/
#ifndef WF_WASM_OPS_H
#define WF_WASM_OPS_H

#define WF_T_NONE 0x00
#define WF_T_SPECIAL 0x01
#define WF_T_I32 0x7F
#define WF_T_I64 0x7E
#define WF_T_F32 0x7D
#define WF_T_F64 0x7C
#define WF_T_V128 0x7B
#define WF_T_FUNCREF 0x70
#define WF_T_EXTERNREF 0x6F

typedef enum wf__imm_kind {
    WF_IMM_NONE,
    WF_IMM_BLOCKTYPE,     /* block, loop, if: s33 block type */
    WF_IMM_LABEL,         /* br, br_if: u32 label */
    WF_IMM_BR_TABLE,      /* vec(u32) labels, u32 default */
    WF_IMM_FUNC,          /* call, ref.func: u32 function index */
    WF_IMM_CALL_INDIRECT, /* u32 type index, u32 table index */
    WF_IMM_LOCAL,         /* u32 local index */
    WF_IMM_GLOBAL,        /* u32 global index */
    WF_IMM_TABLE,         /* u32 table index */
    WF_IMM_MEMARG,        /* u32 align, u32 offset */
    WF_IMM_MEMORY,        /* memory index (a 0x00 byte in Wasm 2.0) */
    WF_IMM_I32,           /* s32 */
    WF_IMM_I64,           /* s64 */
    WF_IMM_F32,           /* 4 bytes */
    WF_IMM_F64,           /* 8 bytes */
    WF_IMM_SELECT_T,      /* vec(valtype) */
    WF_IMM_REFTYPE,       /* ref.null: reftype byte */
    WF_IMM_MEMORY_INIT,   /* u32 data index, memory index byte */
    WF_IMM_DATA,          /* data.drop: u32 data index */
    WF_IMM_MEMORY_COPY,   /* two memory index bytes */
    WF_IMM_TABLE_INIT,    /* u32 elem index, u32 table index */
    WF_IMM_ELEM,          /* elem.drop: u32 elem index */
    WF_IMM_TABLE_COPY,    /* u32 dst table, u32 src table */
    WF_IMM_FENCE          /* atomic.fence: a 0x00 byte */
} wf__imm_kind_t;

#define S WF_T_SPECIAL
#define N WF_T_NONE
#define I WF_T_I32
#define L WF_T_I64
#define F WF_T_F32
#define D WF_T_F64

/* clang-format off */
#define WF_WASM_OPS(X) \
    X(UNREACHABLE,         "unreachable",         0, 0x00, WF_IMM_NONE,          S, S, S, 0) \
    X(NOP,                 "nop",                 0, 0x01, WF_IMM_NONE,          N, N, N, 0) \
    X(BLOCK,               "block",               0, 0x02, WF_IMM_BLOCKTYPE,     S, S, S, 0) \
    X(LOOP,                "loop",                0, 0x03, WF_IMM_BLOCKTYPE,     S, S, S, 0) \
    X(IF,                  "if",                  0, 0x04, WF_IMM_BLOCKTYPE,     S, S, S, 0) \
    X(ELSE,                "else",                0, 0x05, WF_IMM_NONE,          S, S, S, 0) \
    X(END,                 "end",                 0, 0x0B, WF_IMM_NONE,          S, S, S, 0) \
    X(BR,                  "br",                  0, 0x0C, WF_IMM_LABEL,         S, S, S, 0) \
    X(BR_IF,               "br_if",               0, 0x0D, WF_IMM_LABEL,         S, S, S, 0) \
    X(BR_TABLE,            "br_table",            0, 0x0E, WF_IMM_BR_TABLE,      S, S, S, 0) \
    X(RETURN,              "return",              0, 0x0F, WF_IMM_NONE,          S, S, S, 0) \
    X(CALL,                "call",                0, 0x10, WF_IMM_FUNC,          S, S, S, 0) \
    X(CALL_INDIRECT,       "call_indirect",       0, 0x11, WF_IMM_CALL_INDIRECT, S, S, S, 0) \
    X(DROP,                "drop",                0, 0x1A, WF_IMM_NONE,          S, S, S, 0) \
    X(SELECT,              "select",              0, 0x1B, WF_IMM_NONE,          S, S, S, 0) \
    X(SELECT_T,            "select",              0, 0x1C, WF_IMM_SELECT_T,      S, S, S, 0) \
    X(LOCAL_GET,           "local.get",           0, 0x20, WF_IMM_LOCAL,         S, S, S, 0) \
    X(LOCAL_SET,           "local.set",           0, 0x21, WF_IMM_LOCAL,         S, S, S, 0) \
    X(LOCAL_TEE,           "local.tee",           0, 0x22, WF_IMM_LOCAL,         S, S, S, 0) \
    X(GLOBAL_GET,          "global.get",          0, 0x23, WF_IMM_GLOBAL,        S, S, S, 0) \
    X(GLOBAL_SET,          "global.set",          0, 0x24, WF_IMM_GLOBAL,        S, S, S, 0) \
    X(TABLE_GET,           "table.get",           0, 0x25, WF_IMM_TABLE,         S, S, S, 0) \
    X(TABLE_SET,           "table.set",           0, 0x26, WF_IMM_TABLE,         S, S, S, 0) \
    X(I32_LOAD,            "i32.load",            0, 0x28, WF_IMM_MEMARG,        I, N, I, 2) \
    X(I64_LOAD,            "i64.load",            0, 0x29, WF_IMM_MEMARG,        I, N, L, 3) \
    X(F32_LOAD,            "f32.load",            0, 0x2A, WF_IMM_MEMARG,        I, N, F, 2) \
    X(F64_LOAD,            "f64.load",            0, 0x2B, WF_IMM_MEMARG,        I, N, D, 3) \
    X(I32_LOAD8_S,         "i32.load8_s",         0, 0x2C, WF_IMM_MEMARG,        I, N, I, 0) \
    X(I32_LOAD8_U,         "i32.load8_u",         0, 0x2D, WF_IMM_MEMARG,        I, N, I, 0) \
    X(I32_LOAD16_S,        "i32.load16_s",        0, 0x2E, WF_IMM_MEMARG,        I, N, I, 1) \
    X(I32_LOAD16_U,        "i32.load16_u",        0, 0x2F, WF_IMM_MEMARG,        I, N, I, 1) \
    X(I64_LOAD8_S,         "i64.load8_s",         0, 0x30, WF_IMM_MEMARG,        I, N, L, 0) \
    X(I64_LOAD8_U,         "i64.load8_u",         0, 0x31, WF_IMM_MEMARG,        I, N, L, 0) \
    X(I64_LOAD16_S,        "i64.load16_s",        0, 0x32, WF_IMM_MEMARG,        I, N, L, 1) \
    X(I64_LOAD16_U,        "i64.load16_u",        0, 0x33, WF_IMM_MEMARG,        I, N, L, 1) \
    X(I64_LOAD32_S,        "i64.load32_s",        0, 0x34, WF_IMM_MEMARG,        I, N, L, 2) \
    X(I64_LOAD32_U,        "i64.load32_u",        0, 0x35, WF_IMM_MEMARG,        I, N, L, 2) \
    X(I32_STORE,           "i32.store",           0, 0x36, WF_IMM_MEMARG,        I, I, N, 2) \
    X(I64_STORE,           "i64.store",           0, 0x37, WF_IMM_MEMARG,        I, L, N, 3) \
    X(F32_STORE,           "f32.store",           0, 0x38, WF_IMM_MEMARG,        I, F, N, 2) \
    X(F64_STORE,           "f64.store",           0, 0x39, WF_IMM_MEMARG,        I, D, N, 3) \
    X(I32_STORE8,          "i32.store8",          0, 0x3A, WF_IMM_MEMARG,        I, I, N, 0) \
    X(I32_STORE16,         "i32.store16",         0, 0x3B, WF_IMM_MEMARG,        I, I, N, 1) \
    X(I64_STORE8,          "i64.store8",          0, 0x3C, WF_IMM_MEMARG,        I, L, N, 0) \
    X(I64_STORE16,         "i64.store16",         0, 0x3D, WF_IMM_MEMARG,        I, L, N, 1) \
    X(I64_STORE32,         "i64.store32",         0, 0x3E, WF_IMM_MEMARG,        I, L, N, 2) \
    X(MEMORY_SIZE,         "memory.size",         0, 0x3F, WF_IMM_MEMORY,        N, N, I, 0) \
    X(MEMORY_GROW,         "memory.grow",         0, 0x40, WF_IMM_MEMORY,        I, N, I, 0) \
    X(I32_CONST,           "i32.const",           0, 0x41, WF_IMM_I32,           N, N, I, 0) \
    X(I64_CONST,           "i64.const",           0, 0x42, WF_IMM_I64,           N, N, L, 0) \
    X(F32_CONST,           "f32.const",           0, 0x43, WF_IMM_F32,           N, N, F, 0) \
    X(F64_CONST,           "f64.const",           0, 0x44, WF_IMM_F64,           N, N, D, 0) \
    X(I32_EQZ,             "i32.eqz",             0, 0x45, WF_IMM_NONE,          I, N, I, 0) \
    X(I32_EQ,              "i32.eq",              0, 0x46, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_NE,              "i32.ne",              0, 0x47, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_LT_S,            "i32.lt_s",            0, 0x48, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_LT_U,            "i32.lt_u",            0, 0x49, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_GT_S,            "i32.gt_s",            0, 0x4A, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_GT_U,            "i32.gt_u",            0, 0x4B, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_LE_S,            "i32.le_s",            0, 0x4C, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_LE_U,            "i32.le_u",            0, 0x4D, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_GE_S,            "i32.ge_s",            0, 0x4E, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_GE_U,            "i32.ge_u",            0, 0x4F, WF_IMM_NONE,          I, I, I, 0) \
    X(I64_EQZ,             "i64.eqz",             0, 0x50, WF_IMM_NONE,          L, N, I, 0) \
    X(I64_EQ,              "i64.eq",              0, 0x51, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_NE,              "i64.ne",              0, 0x52, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_LT_S,            "i64.lt_s",            0, 0x53, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_LT_U,            "i64.lt_u",            0, 0x54, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_GT_S,            "i64.gt_s",            0, 0x55, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_GT_U,            "i64.gt_u",            0, 0x56, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_LE_S,            "i64.le_s",            0, 0x57, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_LE_U,            "i64.le_u",            0, 0x58, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_GE_S,            "i64.ge_s",            0, 0x59, WF_IMM_NONE,          L, L, I, 0) \
    X(I64_GE_U,            "i64.ge_u",            0, 0x5A, WF_IMM_NONE,          L, L, I, 0) \
    X(F32_EQ,              "f32.eq",              0, 0x5B, WF_IMM_NONE,          F, F, I, 0) \
    X(F32_NE,              "f32.ne",              0, 0x5C, WF_IMM_NONE,          F, F, I, 0) \
    X(F32_LT,              "f32.lt",              0, 0x5D, WF_IMM_NONE,          F, F, I, 0) \
    X(F32_GT,              "f32.gt",              0, 0x5E, WF_IMM_NONE,          F, F, I, 0) \
    X(F32_LE,              "f32.le",              0, 0x5F, WF_IMM_NONE,          F, F, I, 0) \
    X(F32_GE,              "f32.ge",              0, 0x60, WF_IMM_NONE,          F, F, I, 0) \
    X(F64_EQ,              "f64.eq",              0, 0x61, WF_IMM_NONE,          D, D, I, 0) \
    X(F64_NE,              "f64.ne",              0, 0x62, WF_IMM_NONE,          D, D, I, 0) \
    X(F64_LT,              "f64.lt",              0, 0x63, WF_IMM_NONE,          D, D, I, 0) \
    X(F64_GT,              "f64.gt",              0, 0x64, WF_IMM_NONE,          D, D, I, 0) \
    X(F64_LE,              "f64.le",              0, 0x65, WF_IMM_NONE,          D, D, I, 0) \
    X(F64_GE,              "f64.ge",              0, 0x66, WF_IMM_NONE,          D, D, I, 0) \
    X(I32_CLZ,             "i32.clz",             0, 0x67, WF_IMM_NONE,          I, N, I, 0) \
    X(I32_CTZ,             "i32.ctz",             0, 0x68, WF_IMM_NONE,          I, N, I, 0) \
    X(I32_POPCNT,          "i32.popcnt",          0, 0x69, WF_IMM_NONE,          I, N, I, 0) \
    X(I32_ADD,             "i32.add",             0, 0x6A, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_SUB,             "i32.sub",             0, 0x6B, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_MUL,             "i32.mul",             0, 0x6C, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_DIV_S,           "i32.div_s",           0, 0x6D, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_DIV_U,           "i32.div_u",           0, 0x6E, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_REM_S,           "i32.rem_s",           0, 0x6F, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_REM_U,           "i32.rem_u",           0, 0x70, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_AND,             "i32.and",             0, 0x71, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_OR,              "i32.or",              0, 0x72, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_XOR,             "i32.xor",             0, 0x73, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_SHL,             "i32.shl",             0, 0x74, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_SHR_S,           "i32.shr_s",           0, 0x75, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_SHR_U,           "i32.shr_u",           0, 0x76, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_ROTL,            "i32.rotl",            0, 0x77, WF_IMM_NONE,          I, I, I, 0) \
    X(I32_ROTR,            "i32.rotr",            0, 0x78, WF_IMM_NONE,          I, I, I, 0) \
    X(I64_CLZ,             "i64.clz",             0, 0x79, WF_IMM_NONE,          L, N, L, 0) \
    X(I64_CTZ,             "i64.ctz",             0, 0x7A, WF_IMM_NONE,          L, N, L, 0) \
    X(I64_POPCNT,          "i64.popcnt",          0, 0x7B, WF_IMM_NONE,          L, N, L, 0) \
    X(I64_ADD,             "i64.add",             0, 0x7C, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_SUB,             "i64.sub",             0, 0x7D, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_MUL,             "i64.mul",             0, 0x7E, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_DIV_S,           "i64.div_s",           0, 0x7F, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_DIV_U,           "i64.div_u",           0, 0x80, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_REM_S,           "i64.rem_s",           0, 0x81, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_REM_U,           "i64.rem_u",           0, 0x82, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_AND,             "i64.and",             0, 0x83, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_OR,              "i64.or",              0, 0x84, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_XOR,             "i64.xor",             0, 0x85, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_SHL,             "i64.shl",             0, 0x86, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_SHR_S,           "i64.shr_s",           0, 0x87, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_SHR_U,           "i64.shr_u",           0, 0x88, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_ROTL,            "i64.rotl",            0, 0x89, WF_IMM_NONE,          L, L, L, 0) \
    X(I64_ROTR,            "i64.rotr",            0, 0x8A, WF_IMM_NONE,          L, L, L, 0) \
    X(F32_ABS,             "f32.abs",             0, 0x8B, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_NEG,             "f32.neg",             0, 0x8C, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_CEIL,            "f32.ceil",            0, 0x8D, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_FLOOR,           "f32.floor",           0, 0x8E, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_TRUNC,           "f32.trunc",           0, 0x8F, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_NEAREST,         "f32.nearest",         0, 0x90, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_SQRT,            "f32.sqrt",            0, 0x91, WF_IMM_NONE,          F, N, F, 0) \
    X(F32_ADD,             "f32.add",             0, 0x92, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_SUB,             "f32.sub",             0, 0x93, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_MUL,             "f32.mul",             0, 0x94, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_DIV,             "f32.div",             0, 0x95, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_MIN,             "f32.min",             0, 0x96, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_MAX,             "f32.max",             0, 0x97, WF_IMM_NONE,          F, F, F, 0) \
    X(F32_COPYSIGN,        "f32.copysign",        0, 0x98, WF_IMM_NONE,          F, F, F, 0) \
    X(F64_ABS,             "f64.abs",             0, 0x99, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_NEG,             "f64.neg",             0, 0x9A, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_CEIL,            "f64.ceil",            0, 0x9B, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_FLOOR,           "f64.floor",           0, 0x9C, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_TRUNC,           "f64.trunc",           0, 0x9D, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_NEAREST,         "f64.nearest",         0, 0x9E, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_SQRT,            "f64.sqrt",            0, 0x9F, WF_IMM_NONE,          D, N, D, 0) \
    X(F64_ADD,             "f64.add",             0, 0xA0, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_SUB,             "f64.sub",             0, 0xA1, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_MUL,             "f64.mul",             0, 0xA2, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_DIV,             "f64.div",             0, 0xA3, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_MIN,             "f64.min",             0, 0xA4, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_MAX,             "f64.max",             0, 0xA5, WF_IMM_NONE,          D, D, D, 0) \
    X(F64_COPYSIGN,        "f64.copysign",        0, 0xA6, WF_IMM_NONE,          D, D, D, 0) \
    X(I32_WRAP_I64,        "i32.wrap_i64",        0, 0xA7, WF_IMM_NONE,          L, N, I, 0) \
    X(I32_TRUNC_F32_S,     "i32.trunc_f32_s",     0, 0xA8, WF_IMM_NONE,          F, N, I, 0) \
    X(I32_TRUNC_F32_U,     "i32.trunc_f32_u",     0, 0xA9, WF_IMM_NONE,          F, N, I, 0) \
    X(I32_TRUNC_F64_S,     "i32.trunc_f64_s",     0, 0xAA, WF_IMM_NONE,          D, N, I, 0) \
    X(I32_TRUNC_F64_U,     "i32.trunc_f64_u",     0, 0xAB, WF_IMM_NONE,          D, N, I, 0) \
    X(I64_EXTEND_I32_S,    "i64.extend_i32_s",    0, 0xAC, WF_IMM_NONE,          I, N, L, 0) \
    X(I64_EXTEND_I32_U,    "i64.extend_i32_u",    0, 0xAD, WF_IMM_NONE,          I, N, L, 0) \
    X(I64_TRUNC_F32_S,     "i64.trunc_f32_s",     0, 0xAE, WF_IMM_NONE,          F, N, L, 0) \
    X(I64_TRUNC_F32_U,     "i64.trunc_f32_u",     0, 0xAF, WF_IMM_NONE,          F, N, L, 0) \
    X(I64_TRUNC_F64_S,     "i64.trunc_f64_s",     0, 0xB0, WF_IMM_NONE,          D, N, L, 0) \
    X(I64_TRUNC_F64_U,     "i64.trunc_f64_u",     0, 0xB1, WF_IMM_NONE,          D, N, L, 0) \
    X(F32_CONVERT_I32_S,   "f32.convert_i32_s",   0, 0xB2, WF_IMM_NONE,          I, N, F, 0) \
    X(F32_CONVERT_I32_U,   "f32.convert_i32_u",   0, 0xB3, WF_IMM_NONE,          I, N, F, 0) \
    X(F32_CONVERT_I64_S,   "f32.convert_i64_s",   0, 0xB4, WF_IMM_NONE,          L, N, F, 0) \
    X(F32_CONVERT_I64_U,   "f32.convert_i64_u",   0, 0xB5, WF_IMM_NONE,          L, N, F, 0) \
    X(F32_DEMOTE_F64,      "f32.demote_f64",      0, 0xB6, WF_IMM_NONE,          D, N, F, 0) \
    X(F64_CONVERT_I32_S,   "f64.convert_i32_s",   0, 0xB7, WF_IMM_NONE,          I, N, D, 0) \
    X(F64_CONVERT_I32_U,   "f64.convert_i32_u",   0, 0xB8, WF_IMM_NONE,          I, N, D, 0) \
    X(F64_CONVERT_I64_S,   "f64.convert_i64_s",   0, 0xB9, WF_IMM_NONE,          L, N, D, 0) \
    X(F64_CONVERT_I64_U,   "f64.convert_i64_u",   0, 0xBA, WF_IMM_NONE,          L, N, D, 0) \
    X(F64_PROMOTE_F32,     "f64.promote_f32",     0, 0xBB, WF_IMM_NONE,          F, N, D, 0) \
    X(I32_REINTERPRET_F32, "i32.reinterpret_f32", 0, 0xBC, WF_IMM_NONE,          F, N, I, 0) \
    X(I64_REINTERPRET_F64, "i64.reinterpret_f64", 0, 0xBD, WF_IMM_NONE,          D, N, L, 0) \
    X(F32_REINTERPRET_I32, "f32.reinterpret_i32", 0, 0xBE, WF_IMM_NONE,          I, N, F, 0) \
    X(F64_REINTERPRET_I64, "f64.reinterpret_i64", 0, 0xBF, WF_IMM_NONE,          L, N, D, 0) \
    X(I32_EXTEND8_S,       "i32.extend8_s",       0, 0xC0, WF_IMM_NONE,          I, N, I, 0) \
    X(I32_EXTEND16_S,      "i32.extend16_s",      0, 0xC1, WF_IMM_NONE,          I, N, I, 0) \
    X(I64_EXTEND8_S,       "i64.extend8_s",       0, 0xC2, WF_IMM_NONE,          L, N, L, 0) \
    X(I64_EXTEND16_S,      "i64.extend16_s",      0, 0xC3, WF_IMM_NONE,          L, N, L, 0) \
    X(I64_EXTEND32_S,      "i64.extend32_s",      0, 0xC4, WF_IMM_NONE,          L, N, L, 0) \
    X(REF_NULL,            "ref.null",            0, 0xD0, WF_IMM_REFTYPE,       S, S, S, 0) \
    X(REF_IS_NULL,         "ref.is_null",         0, 0xD1, WF_IMM_NONE,          S, S, S, 0) \
    X(REF_FUNC,            "ref.func",            0, 0xD2, WF_IMM_FUNC,          S, S, S, 0) \
    X(I32_TRUNC_SAT_F32_S, "i32.trunc_sat_f32_s", 0xFC, 0x00, WF_IMM_NONE,       F, N, I, 0) \
    X(I32_TRUNC_SAT_F32_U, "i32.trunc_sat_f32_u", 0xFC, 0x01, WF_IMM_NONE,       F, N, I, 0) \
    X(I32_TRUNC_SAT_F64_S, "i32.trunc_sat_f64_s", 0xFC, 0x02, WF_IMM_NONE,       D, N, I, 0) \
    X(I32_TRUNC_SAT_F64_U, "i32.trunc_sat_f64_u", 0xFC, 0x03, WF_IMM_NONE,       D, N, I, 0) \
    X(I64_TRUNC_SAT_F32_S, "i64.trunc_sat_f32_s", 0xFC, 0x04, WF_IMM_NONE,       F, N, L, 0) \
    X(I64_TRUNC_SAT_F32_U, "i64.trunc_sat_f32_u", 0xFC, 0x05, WF_IMM_NONE,       F, N, L, 0) \
    X(I64_TRUNC_SAT_F64_S, "i64.trunc_sat_f64_s", 0xFC, 0x06, WF_IMM_NONE,       D, N, L, 0) \
    X(I64_TRUNC_SAT_F64_U, "i64.trunc_sat_f64_u", 0xFC, 0x07, WF_IMM_NONE,       D, N, L, 0) \
    X(MEMORY_INIT,         "memory.init",         0xFC, 0x08, WF_IMM_MEMORY_INIT, S, S, S, 0) \
    X(DATA_DROP,           "data.drop",           0xFC, 0x09, WF_IMM_DATA,        S, S, S, 0) \
    X(MEMORY_COPY,         "memory.copy",         0xFC, 0x0A, WF_IMM_MEMORY_COPY, S, S, S, 0) \
    X(MEMORY_FILL,         "memory.fill",         0xFC, 0x0B, WF_IMM_MEMORY,      S, S, S, 0) \
    X(TABLE_INIT,          "table.init",          0xFC, 0x0C, WF_IMM_TABLE_INIT,  S, S, S, 0) \
    X(ELEM_DROP,           "elem.drop",           0xFC, 0x0D, WF_IMM_ELEM,        S, S, S, 0) \
    X(TABLE_COPY,          "table.copy",          0xFC, 0x0E, WF_IMM_TABLE_COPY,  S, S, S, 0) \
    X(TABLE_GROW,          "table.grow",          0xFC, 0x0F, WF_IMM_TABLE,       S, S, S, 0) \
    X(TABLE_SIZE,          "table.size",          0xFC, 0x10, WF_IMM_TABLE,       S, S, S, 0) \
    X(TABLE_FILL,          "table.fill",          0xFC, 0x11, WF_IMM_TABLE,       S, S, S, 0) \
    WF_ATOMIC_OPS(X)

/*
** The threads proposal (prefix 0xFE). Atomic accesses must be naturally
** aligned: the memarg alignment must equal NAT exactly (validation), and the
** effective address must be a multiple of the access width (a trap).
*/
#define WF_ATOMIC_OPS(X) \
    X(MEMORY_ATOMIC_NOTIFY,   "memory.atomic.notify",      0xFE, 0x00, WF_IMM_MEMARG, S, S, S, 2) \
    X(MEMORY_ATOMIC_WAIT32,   "memory.atomic.wait32",      0xFE, 0x01, WF_IMM_MEMARG, S, S, S, 2) \
    X(MEMORY_ATOMIC_WAIT64,   "memory.atomic.wait64",      0xFE, 0x02, WF_IMM_MEMARG, S, S, S, 3) \
    X(ATOMIC_FENCE,           "atomic.fence",              0xFE, 0x03, WF_IMM_FENCE,  N, N, N, 0) \
    X(I32_ATOMIC_LOAD,        "i32.atomic.load",           0xFE, 0x10, WF_IMM_MEMARG, I, N, I, 2) \
    X(I64_ATOMIC_LOAD,        "i64.atomic.load",           0xFE, 0x11, WF_IMM_MEMARG, I, N, L, 3) \
    X(I32_ATOMIC_LOAD8_U,     "i32.atomic.load8_u",        0xFE, 0x12, WF_IMM_MEMARG, I, N, I, 0) \
    X(I32_ATOMIC_LOAD16_U,    "i32.atomic.load16_u",       0xFE, 0x13, WF_IMM_MEMARG, I, N, I, 1) \
    X(I64_ATOMIC_LOAD8_U,     "i64.atomic.load8_u",        0xFE, 0x14, WF_IMM_MEMARG, I, N, L, 0) \
    X(I64_ATOMIC_LOAD16_U,    "i64.atomic.load16_u",       0xFE, 0x15, WF_IMM_MEMARG, I, N, L, 1) \
    X(I64_ATOMIC_LOAD32_U,    "i64.atomic.load32_u",       0xFE, 0x16, WF_IMM_MEMARG, I, N, L, 2) \
    X(I32_ATOMIC_STORE,       "i32.atomic.store",          0xFE, 0x17, WF_IMM_MEMARG, I, I, N, 2) \
    X(I64_ATOMIC_STORE,       "i64.atomic.store",          0xFE, 0x18, WF_IMM_MEMARG, I, L, N, 3) \
    X(I32_ATOMIC_STORE8,      "i32.atomic.store8",         0xFE, 0x19, WF_IMM_MEMARG, I, I, N, 0) \
    X(I32_ATOMIC_STORE16,     "i32.atomic.store16",        0xFE, 0x1A, WF_IMM_MEMARG, I, I, N, 1) \
    X(I64_ATOMIC_STORE8,      "i64.atomic.store8",         0xFE, 0x1B, WF_IMM_MEMARG, I, L, N, 0) \
    X(I64_ATOMIC_STORE16,     "i64.atomic.store16",        0xFE, 0x1C, WF_IMM_MEMARG, I, L, N, 1) \
    X(I64_ATOMIC_STORE32,     "i64.atomic.store32",        0xFE, 0x1D, WF_IMM_MEMARG, I, L, N, 2) \
    WF_ATOMIC_RMW_OPS(X, ADD, "add", 0x1E) \
    WF_ATOMIC_RMW_OPS(X, SUB, "sub", 0x25) \
    WF_ATOMIC_RMW_OPS(X, AND, "and", 0x2C) \
    WF_ATOMIC_RMW_OPS(X, OR, "or", 0x33) \
    WF_ATOMIC_RMW_OPS(X, XOR, "xor", 0x3A) \
    WF_ATOMIC_RMW_OPS(X, XCHG, "xchg", 0x41) \
    X(I32_ATOMIC_RMW_CMPXCHG,     "i32.atomic.rmw.cmpxchg",     0xFE, 0x48, WF_IMM_MEMARG, S, S, S, 2) \
    X(I64_ATOMIC_RMW_CMPXCHG,     "i64.atomic.rmw.cmpxchg",     0xFE, 0x49, WF_IMM_MEMARG, S, S, S, 3) \
    X(I32_ATOMIC_RMW8_CMPXCHG_U,  "i32.atomic.rmw8.cmpxchg_u",  0xFE, 0x4A, WF_IMM_MEMARG, S, S, S, 0) \
    X(I32_ATOMIC_RMW16_CMPXCHG_U, "i32.atomic.rmw16.cmpxchg_u", 0xFE, 0x4B, WF_IMM_MEMARG, S, S, S, 1) \
    X(I64_ATOMIC_RMW8_CMPXCHG_U,  "i64.atomic.rmw8.cmpxchg_u",  0xFE, 0x4C, WF_IMM_MEMARG, S, S, S, 0) \
    X(I64_ATOMIC_RMW16_CMPXCHG_U, "i64.atomic.rmw16.cmpxchg_u", 0xFE, 0x4D, WF_IMM_MEMARG, S, S, S, 1) \
    X(I64_ATOMIC_RMW32_CMPXCHG_U, "i64.atomic.rmw32.cmpxchg_u", 0xFE, 0x4E, WF_IMM_MEMARG, S, S, S, 2)

/* The seven widths of one read-modify-write operation, at BASE .. BASE+6. */
#define WF_ATOMIC_RMW_OPS(X, OP, TXT, BASE) \
    X(I32_ATOMIC_RMW_##OP,     "i32.atomic.rmw." TXT,       0xFE, (BASE) + 0, WF_IMM_MEMARG, I, I, I, 2) \
    X(I64_ATOMIC_RMW_##OP,     "i64.atomic.rmw." TXT,       0xFE, (BASE) + 1, WF_IMM_MEMARG, I, L, L, 3) \
    X(I32_ATOMIC_RMW8_##OP##_U,  "i32.atomic.rmw8." TXT "_u",  0xFE, (BASE) + 2, WF_IMM_MEMARG, I, I, I, 0) \
    X(I32_ATOMIC_RMW16_##OP##_U, "i32.atomic.rmw16." TXT "_u", 0xFE, (BASE) + 3, WF_IMM_MEMARG, I, I, I, 1) \
    X(I64_ATOMIC_RMW8_##OP##_U,  "i64.atomic.rmw8." TXT "_u",  0xFE, (BASE) + 4, WF_IMM_MEMARG, I, L, L, 0) \
    X(I64_ATOMIC_RMW16_##OP##_U, "i64.atomic.rmw16." TXT "_u", 0xFE, (BASE) + 5, WF_IMM_MEMARG, I, L, L, 1) \
    X(I64_ATOMIC_RMW32_##OP##_U, "i64.atomic.rmw32." TXT "_u", 0xFE, (BASE) + 6, WF_IMM_MEMARG, I, L, L, 2)
/* clang-format on */

typedef enum wf__op {
#define WF__OP_ENUM(id, name, prefix, code, imm, p1, p2, r, nat) WF_OP_##id,
    WF_WASM_OPS(WF__OP_ENUM)
#undef WF__OP_ENUM
    WF_OP_COUNT_
} wf__op_t;

/* One row of the instruction table; wf__op_info[WF_OP_x] describes x. */
typedef struct wf__op_info {
    const char *name;
    unsigned char prefix;
    unsigned code;
    unsigned char imm;
    unsigned char param1, param2, result;
    unsigned char natural_align;
} wf__op_info_t;

extern const wf__op_info_t wf__op_info[WF_OP_COUNT_];

#undef S
#undef N
#undef I
#undef L
#undef F
#undef D

#endif
