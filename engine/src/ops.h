/*
** The internal instruction set: what compile.c emits and interp.c runs. One
** X-macro list generates the enum, the names and (in interp.c) the dispatch
** table and most handlers.
**
** Code is an array of 64-bit cells (wf__cell_t, compile.h). An instruction is
** one handler cell (a label address with computed goto, an op number with the
** switch) followed by its operand cells. Operands name frame slots (a value's
** index from the frame pointer: params, then locals, then the operand stack),
** hold immediates, or hold branch offsets in cells relative to the start of
** the instruction.
**
** WF__IOPS(X) calls X(NAME, CATEGORY, CELLS, ...) where CELLS counts the
** operand cells (-1: variable) and the rest depends on the category:
**   SPECIAL              handler written by hand in interp.c
**   UN    TA, TR, EXPR   fp[d] = EXPR(a)             operands: d, a
**   UNT   TA, TR, FN     trapping FN(a, &r)          operands: d, a
**   BIN   TA, TB, TR, EXPR  fp[d] = EXPR(a, b)       operands: d, a, b
**         and two automatic variants: NAME_I, whose b is an immediate cell,
**         and NAME_M, whose b is loaded from memory (the full-width load of
**         b's type): operands d, a, addr, add, offset; and NAME_R, the same
**         but storing the result back where b came from (read-modify-write;
**         d unused); and NAME_RL, the same with the memory value as a and
**         the slot as b (operands d, b, addr, add, offset)
**   BINT  TA, TB, TR, FN trapping FN(a, b, &r)       operands: d, a, b
**   LOAD  MEMTYPE, CONV  fp[d] = CONV(load)          operands: d, addr, add, offset
**   STORE MEMTYPE        store (MEMTYPE)fp[v]        operands: addr, v, offset
**         and NAME_I storing an immediate: addr, value, offset
** A load's effective address is (u32)(fp[addr] + add) + offset: add is an
** i32.add/sub of a constant folded in from the instruction before.
** The type tags are I32, I64, F32, F64 (slot encodings in runtime.h).
*/
#ifndef WF_OPS_H
#define WF_OPS_H

#ifndef WF_JUMPTABLE
#define WF_JUMPTABLE 1
#endif

/* clang-format off */
#define WF__IOPS(X) \
    /* control */ \
    X(UNREACHABLE,   SPECIAL, 0) \
    X(BR,            SPECIAL, 1)  /* off */ \
    X(BR_BACK,       SPECIAL, 1)  /* off: a loop back-edge, polls fuel/interrupt */ \
    X(BR_IF,         SPECIAL, 2)  /* cond, off */ \
    X(BR_IF_BACK,    SPECIAL, 2)  /* cond, off */ \
    X(BR_UNLESS,     SPECIAL, 2)  /* cond, off */ \
    X(BR_TABLE,      SPECIAL, -1) /* index, count, count + 1 offsets */ \
    X(RETURN,        SPECIAL, 0) \
    X(RETURN1,       SPECIAL, 1)  /* s: return the one value in slot s */ \
    X(CALL,          SPECIAL, 2)  /* arg base, const wf__func_t * (same module) */ \
    X(CALL_IMPORT,   SPECIAL, 2)  /* arg base, function index */ \
    X(CALL_INDIRECT, SPECIAL, 4)  /* arg base, index, const wf__functype_t *, table */ \
    /* fused compare-and-branch: a, b, off (branch if the comparison holds) */ \
    X(BR_I32_EQ,     SPECIAL, 3) \
    X(BR_I32_NE,     SPECIAL, 3) \
    X(BR_I32_LT_S,   SPECIAL, 3) \
    X(BR_I32_LT_U,   SPECIAL, 3) \
    X(BR_I32_GT_S,   SPECIAL, 3) \
    X(BR_I32_GT_U,   SPECIAL, 3) \
    X(BR_I32_LE_S,   SPECIAL, 3) \
    X(BR_I32_LE_U,   SPECIAL, 3) \
    X(BR_I32_GE_S,   SPECIAL, 3) \
    X(BR_I32_GE_U,   SPECIAL, 3) \
    X(BR_I32_EQ_I,   SPECIAL, 3)  /* the same with b an immediate */ \
    X(BR_I32_NE_I,   SPECIAL, 3) \
    X(BR_I32_LT_S_I, SPECIAL, 3) \
    X(BR_I32_LT_U_I, SPECIAL, 3) \
    X(BR_I32_GT_S_I, SPECIAL, 3) \
    X(BR_I32_GT_U_I, SPECIAL, 3) \
    X(BR_I32_LE_S_I, SPECIAL, 3) \
    X(BR_I32_LE_U_I, SPECIAL, 3) \
    X(BR_I32_GE_S_I, SPECIAL, 3) \
    X(BR_I32_GE_U_I, SPECIAL, 3) \
    /* float compare-and-branch (only where the branch is taken when the
       comparison holds: negating one is not the opposite comparison) */ \
    X(BR_F32_EQ,     SPECIAL, 3) \
    X(BR_F32_NE,     SPECIAL, 3) \
    X(BR_F32_LT,     SPECIAL, 3) \
    X(BR_F32_GT,     SPECIAL, 3) \
    X(BR_F32_LE,     SPECIAL, 3) \
    X(BR_F32_GE,     SPECIAL, 3) \
    X(BR_F32_EQ_I,   SPECIAL, 3) \
    X(BR_F32_NE_I,   SPECIAL, 3) \
    X(BR_F32_LT_I,   SPECIAL, 3) \
    X(BR_F32_GT_I,   SPECIAL, 3) \
    X(BR_F32_LE_I,   SPECIAL, 3) \
    X(BR_F32_GE_I,   SPECIAL, 3) \
    X(BR_F64_EQ,     SPECIAL, 3) \
    X(BR_F64_NE,     SPECIAL, 3) \
    X(BR_F64_LT,     SPECIAL, 3) \
    X(BR_F64_GT,     SPECIAL, 3) \
    X(BR_F64_LE,     SPECIAL, 3) \
    X(BR_F64_GE,     SPECIAL, 3) \
    X(BR_F64_EQ_I,   SPECIAL, 3) \
    X(BR_F64_NE_I,   SPECIAL, 3) \
    X(BR_F64_LT_I,   SPECIAL, 3) \
    X(BR_F64_GT_I,   SPECIAL, 3) \
    X(BR_F64_LE_I,   SPECIAL, 3) \
    X(BR_F64_GE_I,   SPECIAL, 3) \
    /* i32 compare-and-branch with b from memory: a, addr, add, offset, off */ \
    X(BR_I32_EQ_M,   SPECIAL, 5) \
    X(BR_I32_NE_M,   SPECIAL, 5) \
    X(BR_I32_LT_S_M, SPECIAL, 5) \
    X(BR_I32_LT_U_M, SPECIAL, 5) \
    X(BR_I32_GT_S_M, SPECIAL, 5) \
    X(BR_I32_GT_U_M, SPECIAL, 5) \
    X(BR_I32_LE_S_M, SPECIAL, 5) \
    X(BR_I32_LE_U_M, SPECIAL, 5) \
    X(BR_I32_GE_S_M, SPECIAL, 5) \
    X(BR_I32_GE_U_M, SPECIAL, 5) \
    /* triples: a pair (WF__GEN_PAIRS below: two adjacent instructions,
       no label between, run by one handler, see compile.c fuse_pairs) and
       the instruction after it. The cells stay the instructions' own (the
       later handler cells unused), so CELLS are the first one's and a trap
       in a later one reports that one. */ \
    X(T_F64_MUL_SUB_I64_STORE, SPECIAL, 3) \
    X(T_I32_SUB_I_F64_MUL_ADD_R, SPECIAL, 3) \
    X(T_I64_LOAD_F64_SUB_M_MUL, SPECIAL, 4) \
    X(T_I32_ROTL_I_ROTL_I_XOR, SPECIAL, 3) /* the xor of the two rotations */ \
    X(T_F64_MUL_M_ADD_R_ADD_I2, SPECIAL, 5) \
    /* the same when it is y[q] += a * x[p]; q += k; p += k' (addresses with
       no add or offset, the product a dead stack slot, the adds stepping the
       two addresses): values reused in registers */ \
    X(T_F64_AXPY,            SPECIAL, 5) \
    /* T_F64_AXPY, then T_F64_MUL_M_ADD_R_ADD_I2's three (linked), then
       i32.add_i + br_i32_ne: a whole loop body unrolled twice (cells: the
       eight instructions' own) */ \
    X(T_F64_AXPY2_LOOP,      SPECIAL, 5) \
    /* the same when the second half takes the same a and the addresses the
       first made, and steps the first's addresses: all kept in registers
       (and when the branch goes back to it, the whole loop runs in it) */ \
    X(T_F64_AXPY2_LOOP_C,    SPECIAL, 5) \
    /* data movement */ \
    X(COPY,          SPECIAL, 2)  /* d, s */ \
    X(COPY2,         SPECIAL, 4)  /* d1, s1, d2, s2: two copies in order */ \
    X(COPY3,         SPECIAL, 6)  /* d1, s1, d2, s2, d3, s3: three */ \
    X(I32_ADD_I2,    SPECIAL, 6)  /* d1, a1, k1, d2, a2, k2: two i32 adds in order */ \
    X(I32_ADD2,      SPECIAL, 6)  /* d1, a1, b1, d2, a2, b2: the same with slots */ \
    X(CONST,         SPECIAL, 2)  /* d, 64-bit immediate */ \
    X(SELECT,        SPECIAL, 4)  /* d, a, b, cond */ \
    X(GLOBAL_GET,    SPECIAL, 2)  /* d, global */ \
    X(GLOBAL_SET,    SPECIAL, 2)  /* global, s */ \
    X(REF_FUNC,      SPECIAL, 2)  /* d, function index */ \
    X(REF_IS_NULL,   SPECIAL, 2)  /* d, a */ \
    /* tables */ \
    X(TABLE_GET,     SPECIAL, 3)  /* d, index, table */ \
    X(TABLE_SET,     SPECIAL, 3)  /* table, index, value */ \
    X(TABLE_SIZE,    SPECIAL, 2)  /* d, table */ \
    X(TABLE_GROW,    SPECIAL, 4)  /* d, init, n, table */ \
    X(TABLE_FILL,    SPECIAL, 4)  /* table, index, value, n */ \
    X(TABLE_COPY,    SPECIAL, 5)  /* dst, src, n, dst table, src table */ \
    X(TABLE_INIT,    SPECIAL, 5)  /* dst, src, n, elem, table */ \
    X(ELEM_DROP,     SPECIAL, 1)  /* elem */ \
    /* memory */ \
    X(MEMORY_SIZE,   SPECIAL, 1)  /* d */ \
    X(MEMORY_GROW,   SPECIAL, 2)  /* d, delta */ \
    X(MEMORY_FILL,   SPECIAL, 3)  /* dst, value, n */ \
    X(MEMORY_COPY,   SPECIAL, 3)  /* dst, src, n */ \
    X(MEMORY_INIT,   SPECIAL, 4)  /* dst, src, n, data */ \
    X(DATA_DROP,     SPECIAL, 1)  /* data */ \
    X(ATOMIC,        SPECIAL, 6)  /* d, wasm op, s0, s1, s2, offset: every 0xFE op (atomic.h) */ \
    X(I32_LOAD,      LOAD, 4, uint32_t, (uint64_t)) \
    X(I64_LOAD,      LOAD, 4, uint64_t, (uint64_t)) \
    X(I32_LOAD8_S,   LOAD, 4, int8_t,   (uint64_t)(uint32_t)(int32_t)) \
    X(I32_LOAD8_U,   LOAD, 4, uint8_t,  (uint64_t)) \
    X(I32_LOAD16_S,  LOAD, 4, int16_t,  (uint64_t)(uint32_t)(int32_t)) \
    X(I32_LOAD16_U,  LOAD, 4, uint16_t, (uint64_t)) \
    X(I64_LOAD8_S,   LOAD, 4, int8_t,   (uint64_t)(int64_t)) \
    X(I64_LOAD8_U,   LOAD, 4, uint8_t,  (uint64_t)) \
    X(I64_LOAD16_S,  LOAD, 4, int16_t,  (uint64_t)(int64_t)) \
    X(I64_LOAD16_U,  LOAD, 4, uint16_t, (uint64_t)) \
    X(I64_LOAD32_S,  LOAD, 4, int32_t,  (uint64_t)(int64_t)) \
    X(I64_LOAD32_U,  LOAD, 4, uint32_t, (uint64_t)) \
    X(I32_STORE,     STORE, 3, uint32_t) \
    X(I64_STORE,     STORE, 3, uint64_t) \
    X(I32_STORE8,    STORE, 3, uint8_t) \
    X(I32_STORE16,   STORE, 3, uint16_t) \
    X(I64_STORE32,   STORE, 3, uint32_t) \
    /* integer comparisons and arithmetic */ \
    X(I32_EQZ,       UN,  2, I32, I32, a == 0) \
    X(I64_EQZ,       UN,  2, I64, I32, a == 0) \
    X(I32_EQ,        BIN, 3, I32, I32, I32, a == b) \
    X(I32_NE,        BIN, 3, I32, I32, I32, a != b) \
    X(I32_LT_S,      BIN, 3, I32, I32, I32, (int32_t)a < (int32_t)b) \
    X(I32_LT_U,      BIN, 3, I32, I32, I32, a < b) \
    X(I32_GT_S,      BIN, 3, I32, I32, I32, (int32_t)a > (int32_t)b) \
    X(I32_GT_U,      BIN, 3, I32, I32, I32, a > b) \
    X(I32_LE_S,      BIN, 3, I32, I32, I32, (int32_t)a <= (int32_t)b) \
    X(I32_LE_U,      BIN, 3, I32, I32, I32, a <= b) \
    X(I32_GE_S,      BIN, 3, I32, I32, I32, (int32_t)a >= (int32_t)b) \
    X(I32_GE_U,      BIN, 3, I32, I32, I32, a >= b) \
    X(I64_EQ,        BIN, 3, I64, I64, I32, a == b) \
    X(I64_NE,        BIN, 3, I64, I64, I32, a != b) \
    X(I64_LT_S,      BIN, 3, I64, I64, I32, (int64_t)a < (int64_t)b) \
    X(I64_LT_U,      BIN, 3, I64, I64, I32, a < b) \
    X(I64_GT_S,      BIN, 3, I64, I64, I32, (int64_t)a > (int64_t)b) \
    X(I64_GT_U,      BIN, 3, I64, I64, I32, a > b) \
    X(I64_LE_S,      BIN, 3, I64, I64, I32, (int64_t)a <= (int64_t)b) \
    X(I64_LE_U,      BIN, 3, I64, I64, I32, a <= b) \
    X(I64_GE_S,      BIN, 3, I64, I64, I32, (int64_t)a >= (int64_t)b) \
    X(I64_GE_U,      BIN, 3, I64, I64, I32, a >= b) \
    X(F32_EQ,        BIN, 3, F32, F32, I32, a == b) \
    X(F32_NE,        BIN, 3, F32, F32, I32, a != b) \
    X(F32_LT,        BIN, 3, F32, F32, I32, a < b) \
    X(F32_GT,        BIN, 3, F32, F32, I32, a > b) \
    X(F32_LE,        BIN, 3, F32, F32, I32, a <= b) \
    X(F32_GE,        BIN, 3, F32, F32, I32, a >= b) \
    X(F64_EQ,        BIN, 3, F64, F64, I32, a == b) \
    X(F64_NE,        BIN, 3, F64, F64, I32, a != b) \
    X(F64_LT,        BIN, 3, F64, F64, I32, a < b) \
    X(F64_GT,        BIN, 3, F64, F64, I32, a > b) \
    X(F64_LE,        BIN, 3, F64, F64, I32, a <= b) \
    X(F64_GE,        BIN, 3, F64, F64, I32, a >= b) \
    X(I32_CLZ,       UN,  2, I32, I32, wf__clz32(a)) \
    X(I32_CTZ,       UN,  2, I32, I32, wf__ctz32(a)) \
    X(I32_POPCNT,    UN,  2, I32, I32, wf__popcnt32(a)) \
    X(I32_ADD,       BIN, 3, I32, I32, I32, a + b) \
    X(I32_SUB,       BIN, 3, I32, I32, I32, a - b) \
    X(I32_MUL,       BIN, 3, I32, I32, I32, a * b) \
    X(I32_DIV_S,     BINT, 3, I32, I32, I32, wf__i32_div_s) \
    X(I32_DIV_U,     BINT, 3, I32, I32, I32, wf__i32_div_u) \
    X(I32_REM_S,     BINT, 3, I32, I32, I32, wf__i32_rem_s) \
    X(I32_REM_U,     BINT, 3, I32, I32, I32, wf__i32_rem_u) \
    X(I32_AND,       BIN, 3, I32, I32, I32, a & b) \
    X(I32_OR,        BIN, 3, I32, I32, I32, a | b) \
    X(I32_XOR,       BIN, 3, I32, I32, I32, a ^ b) \
    X(I32_SHL,       BIN, 3, I32, I32, I32, a << (b & 31u)) \
    X(I32_SHR_S,     BIN, 3, I32, I32, I32, wf__shr_s32(a, b)) \
    X(I32_SHR_U,     BIN, 3, I32, I32, I32, a >> (b & 31u)) \
    X(I32_ROTL,      BIN, 3, I32, I32, I32, wf__rotl32(a, b)) \
    X(I32_ROTR,      BIN, 3, I32, I32, I32, wf__rotr32(a, b)) \
    X(I64_CLZ,       UN,  2, I64, I64, wf__clz64(a)) \
    X(I64_CTZ,       UN,  2, I64, I64, wf__ctz64(a)) \
    X(I64_POPCNT,    UN,  2, I64, I64, wf__popcnt64(a)) \
    X(I64_ADD,       BIN, 3, I64, I64, I64, a + b) \
    X(I64_SUB,       BIN, 3, I64, I64, I64, a - b) \
    X(I64_MUL,       BIN, 3, I64, I64, I64, a * b) \
    X(I64_DIV_S,     BINT, 3, I64, I64, I64, wf__i64_div_s) \
    X(I64_DIV_U,     BINT, 3, I64, I64, I64, wf__i64_div_u) \
    X(I64_REM_S,     BINT, 3, I64, I64, I64, wf__i64_rem_s) \
    X(I64_REM_U,     BINT, 3, I64, I64, I64, wf__i64_rem_u) \
    X(I64_AND,       BIN, 3, I64, I64, I64, a & b) \
    X(I64_OR,        BIN, 3, I64, I64, I64, a | b) \
    X(I64_XOR,       BIN, 3, I64, I64, I64, a ^ b) \
    X(I64_SHL,       BIN, 3, I64, I64, I64, a << (b & 63u)) \
    X(I64_SHR_S,     BIN, 3, I64, I64, I64, wf__shr_s64(a, b)) \
    X(I64_SHR_U,     BIN, 3, I64, I64, I64, a >> (b & 63u)) \
    X(I64_ROTL,      BIN, 3, I64, I64, I64, wf__rotl64(a, b)) \
    X(I64_ROTR,      BIN, 3, I64, I64, I64, wf__rotr64(a, b)) \
    /* floats: abs, neg and copysign work on the bits (NaN payloads kept) */ \
    X(F32_ABS,       UN,  2, I32, I32, a & 0x7FFFFFFFu) \
    X(F32_NEG,       UN,  2, I32, I32, a ^ 0x80000000u) \
    X(F32_CEIL,      UN,  2, F32, F32, wf__f32_ceil(a)) \
    X(F32_FLOOR,     UN,  2, F32, F32, wf__f32_floor(a)) \
    X(F32_TRUNC,     UN,  2, F32, F32, wf__f32_trunc(a)) \
    X(F32_NEAREST,   UN,  2, F32, F32, wf__f32_nearest(a)) \
    X(F32_SQRT,      UN,  2, F32, F32, sqrtf(a)) \
    X(F32_ADD,       BIN, 3, F32, F32, F32, a + b) \
    X(F32_SUB,       BIN, 3, F32, F32, F32, a - b) \
    X(F32_MUL,       BIN, 3, F32, F32, F32, a * b) \
    X(F32_DIV,       BIN, 3, F32, F32, F32, a / b) \
    X(F32_MIN,       BIN, 3, F32, F32, F32, wf__f32_min(a, b)) \
    X(F32_MAX,       BIN, 3, F32, F32, F32, wf__f32_max(a, b)) \
    X(F32_COPYSIGN,  BIN, 3, I32, I32, I32, (a & 0x7FFFFFFFu) | (b & 0x80000000u)) \
    X(F64_ABS,       UN,  2, I64, I64, a & UINT64_C(0x7FFFFFFFFFFFFFFF)) \
    X(F64_NEG,       UN,  2, I64, I64, a ^ UINT64_C(0x8000000000000000)) \
    X(F64_CEIL,      UN,  2, F64, F64, wf__f64_ceil(a)) \
    X(F64_FLOOR,     UN,  2, F64, F64, wf__f64_floor(a)) \
    X(F64_TRUNC,     UN,  2, F64, F64, wf__f64_trunc(a)) \
    X(F64_NEAREST,   UN,  2, F64, F64, wf__f64_nearest(a)) \
    X(F64_SQRT,      UN,  2, F64, F64, sqrt(a)) \
    X(F64_ADD,       BIN, 3, F64, F64, F64, a + b) \
    X(F64_SUB,       BIN, 3, F64, F64, F64, a - b) \
    X(F64_MUL,       BIN, 3, F64, F64, F64, a * b) \
    X(F64_DIV,       BIN, 3, F64, F64, F64, a / b) \
    X(F64_MIN,       BIN, 3, F64, F64, F64, wf__f64_min(a, b)) \
    X(F64_MAX,       BIN, 3, F64, F64, F64, wf__f64_max(a, b)) \
    X(F64_COPYSIGN,  BIN, 3, I64, I64, I64, \
      (a & UINT64_C(0x7FFFFFFFFFFFFFFF)) | (b & UINT64_C(0x8000000000000000))) \
    /* conversions (wrap and reinterpretations cost nothing: see compile.c) */ \
    X(I32_TRUNC_F32_S,     UNT, 2, F32, I32, wf__i32_trunc_f32_s) \
    X(I32_TRUNC_F32_U,     UNT, 2, F32, I32, wf__i32_trunc_f32_u) \
    X(I32_TRUNC_F64_S,     UNT, 2, F64, I32, wf__i32_trunc_f64_s) \
    X(I32_TRUNC_F64_U,     UNT, 2, F64, I32, wf__i32_trunc_f64_u) \
    X(I64_EXTEND_I32_S,    UN,  2, I32, I64, (uint64_t)(int64_t)(int32_t)a) \
    X(I64_EXTEND_I32_U,    UN,  2, I32, I64, (uint64_t)a) \
    X(I64_TRUNC_F32_S,     UNT, 2, F32, I64, wf__i64_trunc_f32_s) \
    X(I64_TRUNC_F32_U,     UNT, 2, F32, I64, wf__i64_trunc_f32_u) \
    X(I64_TRUNC_F64_S,     UNT, 2, F64, I64, wf__i64_trunc_f64_s) \
    X(I64_TRUNC_F64_U,     UNT, 2, F64, I64, wf__i64_trunc_f64_u) \
    X(F32_CONVERT_I32_S,   UN,  2, I32, F32, (float)(int32_t)a) \
    X(F32_CONVERT_I32_U,   UN,  2, I32, F32, (float)a) \
    X(F32_CONVERT_I64_S,   UN,  2, I64, F32, (float)(int64_t)a) \
    X(F32_CONVERT_I64_U,   UN,  2, I64, F32, (float)a) \
    X(F32_DEMOTE_F64,      UN,  2, F64, F32, (float)a) \
    X(F64_CONVERT_I32_S,   UN,  2, I32, F64, (double)(int32_t)a) \
    X(F64_CONVERT_I32_U,   UN,  2, I32, F64, (double)a) \
    X(F64_CONVERT_I64_S,   UN,  2, I64, F64, (double)(int64_t)a) \
    X(F64_CONVERT_I64_U,   UN,  2, I64, F64, (double)a) \
    X(F64_PROMOTE_F32,     UN,  2, F32, F64, (double)a) \
    X(I32_EXTEND8_S,       UN,  2, I32, I32, (uint32_t)(int32_t)(int8_t)a) \
    X(I32_EXTEND16_S,      UN,  2, I32, I32, (uint32_t)(int32_t)(int16_t)a) \
    X(I64_EXTEND8_S,       UN,  2, I64, I64, (uint64_t)(int64_t)(int8_t)a) \
    X(I64_EXTEND16_S,      UN,  2, I64, I64, (uint64_t)(int64_t)(int16_t)a) \
    X(I64_EXTEND32_S,      UN,  2, I64, I64, (uint64_t)(int64_t)(int32_t)a) \
    X(I32_TRUNC_SAT_F32_S, UN,  2, F32, I32, wf__i32_trunc_f32_s_sat(a)) \
    X(I32_TRUNC_SAT_F32_U, UN,  2, F32, I32, wf__i32_trunc_f32_u_sat(a)) \
    X(I32_TRUNC_SAT_F64_S, UN,  2, F64, I32, wf__i32_trunc_f64_s_sat(a)) \
    X(I32_TRUNC_SAT_F64_U, UN,  2, F64, I32, wf__i32_trunc_f64_u_sat(a)) \
    X(I64_TRUNC_SAT_F32_S, UN,  2, F32, I64, wf__i64_trunc_f32_s_sat(a)) \
    X(I64_TRUNC_SAT_F32_U, UN,  2, F32, I64, wf__i64_trunc_f32_u_sat(a)) \
    X(I64_TRUNC_SAT_F64_S, UN,  2, F64, I64, wf__i64_trunc_f64_s_sat(a)) \
    X(I64_TRUNC_SAT_F64_U, UN,  2, F64, I64, wf__i64_trunc_f64_u_sat(a))
/* clang-format on */

/*
** Generated pairs: two adjacent instructions run by one handler that
** interp.c builds from the two steps (each step does exactly what its
** instruction's own handler does, in order, so no link between them is
** needed). compile.c fuse_pairs pairs them like the hand-written P_ ops.
**
** WF__GEN_PAIRS(X) calls X(NAME, KIND1, OP1, KIND2, OP2). A step's KIND
** says which form of OP it is, and so its op, its operand cells and what it
** does:
**   S, I, M, R  the BIN op OP with b a slot, an immediate, from memory, or
**               read-modify-write (OP, OP_I, OP_M, OP_R); RL: OP_RL
**   SB          the BIN op OP with b a slot, linked by b (operand cell 3)
**   U           the UN op OP
**   LD, ST, STI the LOAD or STORE op OP (STI: OP_I, storing an immediate)
**   BR, BRI     the compare-and-branch BR_OP or BR_OP_I (OP: the BIN
**               comparison it tests); second only
**   COPY, COPY2, COPY3, CONST, ADD2, ADDI2 (I32_ADD2, I32_ADD_I2)
**   BRIF, BRUNLESS (OP: BR_IF, BR_IF_BACK or BR_UNLESS), BRBACK, RET1
**               (RETURN1): second only
** A pair whose second step branches or returns ends there.
**
** Each pair also has a linked form NAME_L where the first step leaves one
** result (WF__PK_OUT) and the second reads it from its link cell
** (WF__PK_LINKCELL, where WF__PK_IN): the second takes it from a register.
*/
/* clang-format off */
#define WF__GEN_PAIRS(X) \
    /* integer: rotations, shifts and logic (hashes, sha256) */ \
    X(P_I32_ROTL_I_ROTL_I,   I, I32_ROTL,  I, I32_ROTL) \
    X(P_I32_ROTL_I_XOR,      I, I32_ROTL,  S, I32_XOR) \
    X(P_I32_SHR_U_I_XOR,     I, I32_SHR_U, S, I32_XOR) \
    X(P_I32_XOR_ROTL_I,      S, I32_XOR,   I, I32_ROTL) \
    X(P_I32_XOR_SHR_U_I,     S, I32_XOR,   I, I32_SHR_U) \
    X(P_I32_XOR_XOR,         S, I32_XOR,   S, I32_XOR) \
    X(P_I32_AND_XOR,         S, I32_AND,   S, I32_XOR) \
    X(P_I32_XOR_AND,         S, I32_XOR,   S, I32_AND) \
    X(P_I32_XOR_I_AND,       I, I32_XOR,   S, I32_AND) \
    X(P_I32_AND_ADD2,        S, I32_AND,   ADD2, I32_ADD2) \
    X(P_I32_ADD2_ADD,        ADD2, I32_ADD2, S, I32_ADD) \
    X(P_I32_ADD2_XOR_I,      ADD2, I32_ADD2, I, I32_XOR) \
    X(P_I32_AND_SHL_I,       S, I32_AND,   I, I32_SHL) \
    X(P_I32_ADD_I_AND,       I, I32_ADD,   S, I32_AND) \
    /* address arithmetic around loads and stores */ \
    X(P_I32_SHL_I_ADD,       I, I32_SHL,   S, I32_ADD) \
    X(P_I32_ADD_LOAD,        S, I32_ADD,   LD, I32_LOAD) \
    X(P_I32_SUB_I_LOAD,      I, I32_SUB,   LD, I32_LOAD) \
    X(P_I32_ADD_I2_LOAD,     ADDI2, I32_ADD_I2, LD, I32_LOAD) \
    X(P_I32_LOAD_AND,        LD, I32_LOAD, S, I32_AND) \
    X(P_I32_LOAD_ADD_I,      LD, I32_LOAD, I, I32_ADD) \
    X(P_I32_LOAD_SUB_I,      LD, I32_LOAD, I, I32_SUB) \
    X(P_I32_LOAD_SHL_I,      LD, I32_LOAD, I, I32_SHL) \
    X(P_I32_ADD_STORE,       S, I32_ADD,   ST, I32_STORE) \
    X(P_I32_ADD_I_STORE,     I, I32_ADD,   ST, I32_STORE) \
    X(P_I32_STORE_ADD_I,     ST, I32_STORE, I, I32_ADD) \
    X(P_I32_STORE8_I_ADD2,   STI, I32_STORE8, ADD2, I32_ADD2) \
    X(P_I64_LOAD_I64_LOAD,   LD, I64_LOAD, LD, I64_LOAD) \
    X(P_I64_STORE_I64_LOAD,  ST, I64_STORE, LD, I64_LOAD) \
    /* copies (locals rotated at a loop's end, results kept in locals) */ \
    X(P_COPY2_COPY,          COPY2, COPY2, COPY, COPY) \
    X(P_COPY2_COPY2,         COPY2, COPY2, COPY2, COPY2) \
    X(P_I32_ADD_COPY,        S, I32_ADD,   COPY, COPY) \
    X(P_I32_ADD_I_COPY2,     I, I32_ADD,   COPY2, COPY2) \
    X(P_I32_ADD_I_COPY3,     I, I32_ADD,   COPY3, COPY3) \
    X(P_COPY3_COPY2,         COPY3, COPY3, COPY2, COPY2) \
    X(P_F64_ADD_COPY,        S, F64_ADD,   COPY, COPY) \
    X(P_COPY_F64_SUB,        COPY, COPY,   S, F64_SUB) \
    X(P_COPY_F64_MUL,        COPY, COPY,   S, F64_MUL) \
    /* floats */ \
    X(P_F64_MUL_M_ADD_R,     M, F64_MUL,   R, F64_ADD) \
    X(P_F64_MUL_ADD_R,       S, F64_MUL,   R, F64_ADD) \
    X(P_F64_MUL_ADD,         S, F64_MUL,   S, F64_ADD) \
    X(P_F64_MUL_SUB,         S, F64_MUL,   SB, F64_SUB) \
    X(P_F64_MUL_MUL,         S, F64_MUL,   S, F64_MUL) \
    X(P_F64_ADD_ADD,         S, F64_ADD,   S, F64_ADD) \
    X(P_F64_SUB_M_MUL,       M, F64_SUB,   S, F64_MUL) \
    X(P_F64_SUB_I64_STORE,   S, F64_SUB,   ST, I64_STORE) \
    X(P_F64_SQRT_MUL,        U, F64_SQRT,  S, F64_MUL) \
    X(P_CONST_F64_DIV,       CONST, CONST, S, F64_DIV) \
    X(P_I32_SUB_I_F64_MUL,   I, I32_SUB,   S, F64_MUL) \
    X(P_I64_LOAD_F64_SUB_M,  LD, I64_LOAD, M, F64_SUB) \
    X(P_I64_LOAD_F64_MUL_I,  LD, I64_LOAD, I, F64_MUL) \
    X(P_F64_ADD_I64_STORE,   S, F64_ADD,   ST, I64_STORE) \
    X(P_F64_SUB_ADD,         S, F64_SUB,   S, F64_ADD) \
    X(P_F64_MUL_SUB_RL,      S, F64_MUL,   RL, F64_SUB) \
    X(P_I64_SUB_I_I32_ADD_I, I, I64_SUB,   I, I32_ADD) \
    /* loop steps, tests and exits */ \
    X(P_I32_ADD_I_BR_NE,     I, I32_ADD,   BR, I32_NE) \
    X(P_I32_ADD_I_BR_NE_I,   I, I32_ADD,   BRI, I32_NE) \
    X(P_I32_ADD_I_BR_GT_U_I, I, I32_ADD,   BRI, I32_GT_U) \
    X(P_I32_SUB_I_BR_IF_BACK, I, I32_SUB,  BRIF, BR_IF_BACK) \
    X(P_I32_ADD_I2_BR_IF_BACK, ADDI2, I32_ADD_I2, BRIF, BR_IF_BACK) \
    X(P_I32_ADD_I2_BR_NE,    ADDI2, I32_ADD_I2, BR, I32_NE) \
    X(P_I32_ADD_I2_BR_NE_I,  ADDI2, I32_ADD_I2, BRI, I32_NE) \
    X(P_I32_SUB_I_BR_GT_S,   I, I32_SUB,   BR, I32_GT_S) \
    X(P_I32_SUB_I_BR_GT_U_I, I, I32_SUB,   BRI, I32_GT_U) \
    X(P_I32_ADD_BR_EQ_I,     S, I32_ADD,   BRI, I32_EQ) \
    X(P_I32_ADD2_BR_LE_U,    ADD2, I32_ADD2, BR, I32_LE_U) \
    X(P_I32_LOAD_BR_LT_S,    LD, I32_LOAD, BR, I32_LT_S) \
    X(P_I32_LOAD_BR_IF_BACK, LD, I32_LOAD, BRIF, BR_IF_BACK) \
    X(P_I32_LOAD_BR_UNLESS,  LD, I32_LOAD, BRUNLESS, BR_UNLESS) \
    X(P_COPY_BR_BACK,        COPY, COPY,   BRBACK, BR_BACK) \
    X(P_COPY2_BR_BACK,       COPY2, COPY2, BRBACK, BR_BACK) \
    X(P_COPY3_BR_BACK,       COPY3, COPY3, BRBACK, BR_BACK) \
    X(P_I32_ADD_RETURN1,     S, I32_ADD,   RET1, RETURN1)
/* clang-format on */

/* Each step kind's op (from OP) and operand cells. */
#define WF__PK_IOP_S(op) WF_IOP_##op
#define WF__PK_IOP_I(op) WF_IOP_##op##_I
#define WF__PK_IOP_SB(op) WF_IOP_##op
#define WF__PK_IOP_M(op) WF_IOP_##op##_M
#define WF__PK_IOP_R(op) WF_IOP_##op##_R
#define WF__PK_IOP_RL(op) WF_IOP_##op##_RL
#define WF__PK_IOP_U(op) WF_IOP_##op
#define WF__PK_IOP_LD(op) WF_IOP_##op
#define WF__PK_IOP_ST(op) WF_IOP_##op
#define WF__PK_IOP_STI(op) WF_IOP_##op##_I
#define WF__PK_IOP_BR(op) WF_IOP_BR_##op
#define WF__PK_IOP_BRI(op) WF_IOP_BR_##op##_I
#define WF__PK_IOP_COPY(op) WF_IOP_##op
#define WF__PK_IOP_COPY2(op) WF_IOP_##op
#define WF__PK_IOP_COPY3(op) WF_IOP_##op
#define WF__PK_IOP_CONST(op) WF_IOP_##op
#define WF__PK_IOP_ADD2(op) WF_IOP_##op
#define WF__PK_IOP_ADDI2(op) WF_IOP_##op
#define WF__PK_IOP_BRIF(op) WF_IOP_##op
#define WF__PK_IOP_BRUNLESS(op) WF_IOP_##op
#define WF__PK_IOP_BRBACK(op) WF_IOP_##op
#define WF__PK_IOP_RET1(op) WF_IOP_##op
#define WF__PK_CELLS_S 3
#define WF__PK_CELLS_I 3
#define WF__PK_CELLS_SB 3
#define WF__PK_CELLS_M 5
#define WF__PK_CELLS_R 5
#define WF__PK_CELLS_RL 5
#define WF__PK_CELLS_U 2
#define WF__PK_CELLS_LD 4
#define WF__PK_CELLS_ST 3
#define WF__PK_CELLS_STI 3
#define WF__PK_CELLS_BR 3
#define WF__PK_CELLS_BRI 3
#define WF__PK_CELLS_COPY 2
#define WF__PK_CELLS_COPY2 4
#define WF__PK_CELLS_COPY3 6
#define WF__PK_CELLS_CONST 2
#define WF__PK_CELLS_ADD2 6
#define WF__PK_CELLS_ADDI2 6
#define WF__PK_CELLS_BRIF 2
#define WF__PK_CELLS_BRUNLESS 2
#define WF__PK_CELLS_BRBACK 1
#define WF__PK_CELLS_RET1 1
/* WF__PK_OUT_K(...) is its arguments when kind K writes one result, to its
   operand cell 1; WF__PK_IN_K(...) is when K reads an operand that may be
   linked, at operand cell WF__PK_LINKCELL_K. Otherwise both are empty. */
#define WF__PK_YES(...) __VA_ARGS__
#define WF__PK_NO(...)
#define WF__PK_OUT_S WF__PK_YES
#define WF__PK_OUT_I WF__PK_YES
#define WF__PK_OUT_SB WF__PK_YES
#define WF__PK_OUT_M WF__PK_YES
#define WF__PK_OUT_R WF__PK_NO
#define WF__PK_OUT_RL WF__PK_NO
#define WF__PK_OUT_U WF__PK_YES
#define WF__PK_OUT_LD WF__PK_YES
#define WF__PK_OUT_ST WF__PK_NO
#define WF__PK_OUT_STI WF__PK_NO
#define WF__PK_OUT_BR WF__PK_NO
#define WF__PK_OUT_BRI WF__PK_NO
#define WF__PK_OUT_COPY WF__PK_YES
#define WF__PK_OUT_COPY2 WF__PK_NO
#define WF__PK_OUT_COPY3 WF__PK_NO
#define WF__PK_OUT_CONST WF__PK_YES
#define WF__PK_OUT_ADD2 WF__PK_NO
#define WF__PK_OUT_ADDI2 WF__PK_NO
#define WF__PK_OUT_BRIF WF__PK_NO
#define WF__PK_OUT_BRUNLESS WF__PK_NO
#define WF__PK_OUT_BRBACK WF__PK_NO
#define WF__PK_OUT_RET1 WF__PK_NO
#define WF__PK_IN_S WF__PK_YES
#define WF__PK_IN_I WF__PK_YES
#define WF__PK_IN_SB WF__PK_YES
#define WF__PK_IN_M WF__PK_YES
#define WF__PK_IN_R WF__PK_YES
#define WF__PK_IN_RL WF__PK_YES
#define WF__PK_IN_U WF__PK_YES
#define WF__PK_IN_LD WF__PK_YES
#define WF__PK_IN_ST WF__PK_YES
#define WF__PK_IN_STI WF__PK_NO
#define WF__PK_IN_BR WF__PK_YES
#define WF__PK_IN_BRI WF__PK_YES
#define WF__PK_IN_COPY WF__PK_YES
#define WF__PK_IN_COPY2 WF__PK_YES
#define WF__PK_IN_COPY3 WF__PK_YES
#define WF__PK_IN_CONST WF__PK_NO
#define WF__PK_IN_ADD2 WF__PK_YES
#define WF__PK_IN_ADDI2 WF__PK_YES
#define WF__PK_IN_BRIF WF__PK_YES
#define WF__PK_IN_BRUNLESS WF__PK_YES
#define WF__PK_IN_BRBACK WF__PK_NO
#define WF__PK_IN_RET1 WF__PK_YES
#define WF__PK_LINKCELL_S 2
#define WF__PK_LINKCELL_I 2
#define WF__PK_LINKCELL_SB 3
#define WF__PK_LINKCELL_M 2
#define WF__PK_LINKCELL_R 2
#define WF__PK_LINKCELL_RL 2
#define WF__PK_LINKCELL_U 2
#define WF__PK_LINKCELL_LD 2
#define WF__PK_LINKCELL_ST 2
#define WF__PK_LINKCELL_STI 2
#define WF__PK_LINKCELL_BR 1
#define WF__PK_LINKCELL_BRI 1
#define WF__PK_LINKCELL_COPY 2
#define WF__PK_LINKCELL_COPY2 2
#define WF__PK_LINKCELL_COPY3 2
#define WF__PK_LINKCELL_CONST 2
#define WF__PK_LINKCELL_ADD2 2
#define WF__PK_LINKCELL_ADDI2 2
#define WF__PK_LINKCELL_BRIF 1
#define WF__PK_LINKCELL_BRUNLESS 1
#define WF__PK_LINKCELL_BRBACK 1
#define WF__PK_LINKCELL_RET1 1
/* X(...) for a pair's linked form, nothing when it has none. */
#define WF__PK_IF_LINKED(k1, k2, ...) WF__PK_OUT_##k1(WF__PK_IN_##k2(__VA_ARGS__))

/* The enum: BIN entries also make NAME_I (right operand immediate). */
#define WF__IOP_ENUM_SPECIAL(name) WF_IOP_##name,
#define WF__IOP_ENUM_UN(name) WF_IOP_##name,
#define WF__IOP_ENUM_UNT(name) WF_IOP_##name,
#define WF__IOP_ENUM_BIN(name)                                                                     \
    WF_IOP_##name, WF_IOP_##name##_I, WF_IOP_##name##_M, WF_IOP_##name##_R, WF_IOP_##name##_RL,
#define WF__IOP_ENUM_BINT(name) WF_IOP_##name,
#define WF__IOP_ENUM_LOAD(name) WF_IOP_##name,
#define WF__IOP_ENUM_STORE(name) WF_IOP_##name, WF_IOP_##name##_I,
#define WF__IOP_ENUM(name, cat, cells, ...) WF__IOP_ENUM_##cat(name)

#define WF__IOP_ENUM_PAIR(name, k1, op1, k2, op2)                                                  \
    WF__PK_IF_LINKED(k1, k2, WF_IOP_##name##_L, ) WF_IOP_##name,

typedef enum wf__iop {
    WF__IOPS(WF__IOP_ENUM) WF__GEN_PAIRS(WF__IOP_ENUM_PAIR) WF_IOP_COUNT_
} wf__iop_t;

#endif
