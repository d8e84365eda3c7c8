/*
** The SIMD instruction list (prefix 0xFD), in the style of wasm_ops.h. The
** engine does not execute SIMD yet: this list serves the text format, which
** must encode SIMD modules (the spec suite's simd_*.wast files).
**
** WF_SIMD_OPS(X) calls X(ID, "text name", CODE, IMM, NAT):
**   ID    C identifier; the enum constant is WF_SIMD_<ID>
**   CODE  the u32 sub-opcode after the 0xFD prefix
**   IMM   the immediate kind (WF_SIMD_IMM_*)
**   NAT   log2 of the natural alignment of a memory access (0 otherwise)
*/
#ifndef WF_SIMD_OPS_H
#define WF_SIMD_OPS_H

typedef enum wf__simd_imm_kind {
    WF_SIMD_IMM_NONE,
    WF_SIMD_IMM_MEMARG,      /* u32 align, u32 offset */
    WF_SIMD_IMM_V128,        /* 16 bytes */
    WF_SIMD_IMM_SHUFFLE,     /* 16 lane index bytes */
    WF_SIMD_IMM_LANE,        /* one lane index byte */
    WF_SIMD_IMM_MEMARG_LANE  /* memarg, then a lane index byte */
} wf__simd_imm_kind_t;

/* clang-format off */
#define WF_SIMD_OPS(X) \
    X(V128_LOAD,                       "v128.load",                         0x00, WF_SIMD_IMM_MEMARG,     4) \
    X(V128_LOAD8X8_S,                  "v128.load8x8_s",                    0x01, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD8X8_U,                  "v128.load8x8_u",                    0x02, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD16X4_S,                 "v128.load16x4_s",                   0x03, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD16X4_U,                 "v128.load16x4_u",                   0x04, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD32X2_S,                 "v128.load32x2_s",                   0x05, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD32X2_U,                 "v128.load32x2_u",                   0x06, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_LOAD8_SPLAT,                "v128.load8_splat",                  0x07, WF_SIMD_IMM_MEMARG,     0) \
    X(V128_LOAD16_SPLAT,               "v128.load16_splat",                 0x08, WF_SIMD_IMM_MEMARG,     1) \
    X(V128_LOAD32_SPLAT,               "v128.load32_splat",                 0x09, WF_SIMD_IMM_MEMARG,     2) \
    X(V128_LOAD64_SPLAT,               "v128.load64_splat",                 0x0A, WF_SIMD_IMM_MEMARG,     3) \
    X(V128_STORE,                      "v128.store",                        0x0B, WF_SIMD_IMM_MEMARG,     4) \
    X(V128_CONST,                      "v128.const",                        0x0C, WF_SIMD_IMM_V128,       0) \
    X(I8X16_SHUFFLE,                   "i8x16.shuffle",                     0x0D, WF_SIMD_IMM_SHUFFLE,    0) \
    X(I8X16_SWIZZLE,                   "i8x16.swizzle",                     0x0E, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SPLAT,                     "i8x16.splat",                       0x0F, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SPLAT,                     "i16x8.splat",                       0x10, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_SPLAT,                     "i32x4.splat",                       0x11, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_SPLAT,                     "i64x2.splat",                       0x12, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_SPLAT,                     "f32x4.splat",                       0x13, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_SPLAT,                     "f64x2.splat",                       0x14, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_EXTRACT_LANE_S,            "i8x16.extract_lane_s",              0x15, WF_SIMD_IMM_LANE,       0) \
    X(I8X16_EXTRACT_LANE_U,            "i8x16.extract_lane_u",              0x16, WF_SIMD_IMM_LANE,       0) \
    X(I8X16_REPLACE_LANE,              "i8x16.replace_lane",                0x17, WF_SIMD_IMM_LANE,       0) \
    X(I16X8_EXTRACT_LANE_S,            "i16x8.extract_lane_s",              0x18, WF_SIMD_IMM_LANE,       0) \
    X(I16X8_EXTRACT_LANE_U,            "i16x8.extract_lane_u",              0x19, WF_SIMD_IMM_LANE,       0) \
    X(I16X8_REPLACE_LANE,              "i16x8.replace_lane",                0x1A, WF_SIMD_IMM_LANE,       0) \
    X(I32X4_EXTRACT_LANE,              "i32x4.extract_lane",                0x1B, WF_SIMD_IMM_LANE,       0) \
    X(I32X4_REPLACE_LANE,              "i32x4.replace_lane",                0x1C, WF_SIMD_IMM_LANE,       0) \
    X(I64X2_EXTRACT_LANE,              "i64x2.extract_lane",                0x1D, WF_SIMD_IMM_LANE,       0) \
    X(I64X2_REPLACE_LANE,              "i64x2.replace_lane",                0x1E, WF_SIMD_IMM_LANE,       0) \
    X(F32X4_EXTRACT_LANE,              "f32x4.extract_lane",                0x1F, WF_SIMD_IMM_LANE,       0) \
    X(F32X4_REPLACE_LANE,              "f32x4.replace_lane",                0x20, WF_SIMD_IMM_LANE,       0) \
    X(F64X2_EXTRACT_LANE,              "f64x2.extract_lane",                0x21, WF_SIMD_IMM_LANE,       0) \
    X(F64X2_REPLACE_LANE,              "f64x2.replace_lane",                0x22, WF_SIMD_IMM_LANE,       0) \
    X(I8X16_EQ,                        "i8x16.eq",                          0x23, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_NE,                        "i8x16.ne",                          0x24, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_LT_S,                      "i8x16.lt_s",                        0x25, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_LT_U,                      "i8x16.lt_u",                        0x26, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_GT_S,                      "i8x16.gt_s",                        0x27, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_GT_U,                      "i8x16.gt_u",                        0x28, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_LE_S,                      "i8x16.le_s",                        0x29, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_LE_U,                      "i8x16.le_u",                        0x2A, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_GE_S,                      "i8x16.ge_s",                        0x2B, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_GE_U,                      "i8x16.ge_u",                        0x2C, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EQ,                        "i16x8.eq",                          0x2D, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_NE,                        "i16x8.ne",                          0x2E, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_LT_S,                      "i16x8.lt_s",                        0x2F, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_LT_U,                      "i16x8.lt_u",                        0x30, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_GT_S,                      "i16x8.gt_s",                        0x31, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_GT_U,                      "i16x8.gt_u",                        0x32, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_LE_S,                      "i16x8.le_s",                        0x33, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_LE_U,                      "i16x8.le_u",                        0x34, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_GE_S,                      "i16x8.ge_s",                        0x35, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_GE_U,                      "i16x8.ge_u",                        0x36, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EQ,                        "i32x4.eq",                          0x37, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_NE,                        "i32x4.ne",                          0x38, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_LT_S,                      "i32x4.lt_s",                        0x39, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_LT_U,                      "i32x4.lt_u",                        0x3A, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_GT_S,                      "i32x4.gt_s",                        0x3B, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_GT_U,                      "i32x4.gt_u",                        0x3C, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_LE_S,                      "i32x4.le_s",                        0x3D, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_LE_U,                      "i32x4.le_u",                        0x3E, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_GE_S,                      "i32x4.ge_s",                        0x3F, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_GE_U,                      "i32x4.ge_u",                        0x40, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_EQ,                        "f32x4.eq",                          0x41, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_NE,                        "f32x4.ne",                          0x42, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_LT,                        "f32x4.lt",                          0x43, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_GT,                        "f32x4.gt",                          0x44, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_LE,                        "f32x4.le",                          0x45, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_GE,                        "f32x4.ge",                          0x46, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_EQ,                        "f64x2.eq",                          0x47, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_NE,                        "f64x2.ne",                          0x48, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_LT,                        "f64x2.lt",                          0x49, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_GT,                        "f64x2.gt",                          0x4A, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_LE,                        "f64x2.le",                          0x4B, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_GE,                        "f64x2.ge",                          0x4C, WF_SIMD_IMM_NONE,       0) \
    X(V128_NOT,                        "v128.not",                          0x4D, WF_SIMD_IMM_NONE,       0) \
    X(V128_AND,                        "v128.and",                          0x4E, WF_SIMD_IMM_NONE,       0) \
    X(V128_ANDNOT,                     "v128.andnot",                       0x4F, WF_SIMD_IMM_NONE,       0) \
    X(V128_OR,                         "v128.or",                           0x50, WF_SIMD_IMM_NONE,       0) \
    X(V128_XOR,                        "v128.xor",                          0x51, WF_SIMD_IMM_NONE,       0) \
    X(V128_BITSELECT,                  "v128.bitselect",                    0x52, WF_SIMD_IMM_NONE,       0) \
    X(V128_ANY_TRUE,                   "v128.any_true",                     0x53, WF_SIMD_IMM_NONE,       0) \
    X(V128_LOAD8_LANE,                 "v128.load8_lane",                   0x54, WF_SIMD_IMM_MEMARG_LANE, 0) \
    X(V128_LOAD16_LANE,                "v128.load16_lane",                  0x55, WF_SIMD_IMM_MEMARG_LANE, 1) \
    X(V128_LOAD32_LANE,                "v128.load32_lane",                  0x56, WF_SIMD_IMM_MEMARG_LANE, 2) \
    X(V128_LOAD64_LANE,                "v128.load64_lane",                  0x57, WF_SIMD_IMM_MEMARG_LANE, 3) \
    X(V128_STORE8_LANE,                "v128.store8_lane",                  0x58, WF_SIMD_IMM_MEMARG_LANE, 0) \
    X(V128_STORE16_LANE,               "v128.store16_lane",                 0x59, WF_SIMD_IMM_MEMARG_LANE, 1) \
    X(V128_STORE32_LANE,               "v128.store32_lane",                 0x5A, WF_SIMD_IMM_MEMARG_LANE, 2) \
    X(V128_STORE64_LANE,               "v128.store64_lane",                 0x5B, WF_SIMD_IMM_MEMARG_LANE, 3) \
    X(V128_LOAD32_ZERO,                "v128.load32_zero",                  0x5C, WF_SIMD_IMM_MEMARG,     2) \
    X(V128_LOAD64_ZERO,                "v128.load64_zero",                  0x5D, WF_SIMD_IMM_MEMARG,     3) \
    X(F32X4_DEMOTE_F64X2_ZERO,         "f32x4.demote_f64x2_zero",           0x5E, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_PROMOTE_LOW_F32X4,         "f64x2.promote_low_f32x4",           0x5F, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_ABS,                       "i8x16.abs",                         0x60, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_NEG,                       "i8x16.neg",                         0x61, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_POPCNT,                    "i8x16.popcnt",                      0x62, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_ALL_TRUE,                  "i8x16.all_true",                    0x63, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_BITMASK,                   "i8x16.bitmask",                     0x64, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_NARROW_I16X8_S,            "i8x16.narrow_i16x8_s",              0x65, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_NARROW_I16X8_U,            "i8x16.narrow_i16x8_u",              0x66, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_CEIL,                      "f32x4.ceil",                        0x67, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_FLOOR,                     "f32x4.floor",                       0x68, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_TRUNC,                     "f32x4.trunc",                       0x69, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_NEAREST,                   "f32x4.nearest",                     0x6A, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SHL,                       "i8x16.shl",                         0x6B, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SHR_S,                     "i8x16.shr_s",                       0x6C, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SHR_U,                     "i8x16.shr_u",                       0x6D, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_ADD,                       "i8x16.add",                         0x6E, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_ADD_SAT_S,                 "i8x16.add_sat_s",                   0x6F, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_ADD_SAT_U,                 "i8x16.add_sat_u",                   0x70, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SUB,                       "i8x16.sub",                         0x71, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SUB_SAT_S,                 "i8x16.sub_sat_s",                   0x72, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_SUB_SAT_U,                 "i8x16.sub_sat_u",                   0x73, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_CEIL,                      "f64x2.ceil",                        0x74, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_FLOOR,                     "f64x2.floor",                       0x75, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_MIN_S,                     "i8x16.min_s",                       0x76, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_MIN_U,                     "i8x16.min_u",                       0x77, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_MAX_S,                     "i8x16.max_s",                       0x78, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_MAX_U,                     "i8x16.max_u",                       0x79, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_TRUNC,                     "f64x2.trunc",                       0x7A, WF_SIMD_IMM_NONE,       0) \
    X(I8X16_AVGR_U,                    "i8x16.avgr_u",                      0x7B, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTADD_PAIRWISE_I8X16_S,   "i16x8.extadd_pairwise_i8x16_s",     0x7C, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTADD_PAIRWISE_I8X16_U,   "i16x8.extadd_pairwise_i8x16_u",     0x7D, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTADD_PAIRWISE_I16X8_S,   "i32x4.extadd_pairwise_i16x8_s",     0x7E, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTADD_PAIRWISE_I16X8_U,   "i32x4.extadd_pairwise_i16x8_u",     0x7F, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_ABS,                       "i16x8.abs",                         0x80, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_NEG,                       "i16x8.neg",                         0x81, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_Q15MULR_SAT_S,             "i16x8.q15mulr_sat_s",               0x82, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_ALL_TRUE,                  "i16x8.all_true",                    0x83, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_BITMASK,                   "i16x8.bitmask",                     0x84, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_NARROW_I32X4_S,            "i16x8.narrow_i32x4_s",              0x85, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_NARROW_I32X4_U,            "i16x8.narrow_i32x4_u",              0x86, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTEND_LOW_I8X16_S,        "i16x8.extend_low_i8x16_s",          0x87, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTEND_HIGH_I8X16_S,       "i16x8.extend_high_i8x16_s",         0x88, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTEND_LOW_I8X16_U,        "i16x8.extend_low_i8x16_u",          0x89, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTEND_HIGH_I8X16_U,       "i16x8.extend_high_i8x16_u",         0x8A, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SHL,                       "i16x8.shl",                         0x8B, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SHR_S,                     "i16x8.shr_s",                       0x8C, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SHR_U,                     "i16x8.shr_u",                       0x8D, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_ADD,                       "i16x8.add",                         0x8E, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_ADD_SAT_S,                 "i16x8.add_sat_s",                   0x8F, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_ADD_SAT_U,                 "i16x8.add_sat_u",                   0x90, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SUB,                       "i16x8.sub",                         0x91, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SUB_SAT_S,                 "i16x8.sub_sat_s",                   0x92, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_SUB_SAT_U,                 "i16x8.sub_sat_u",                   0x93, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_NEAREST,                   "f64x2.nearest",                     0x94, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_MUL,                       "i16x8.mul",                         0x95, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_MIN_S,                     "i16x8.min_s",                       0x96, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_MIN_U,                     "i16x8.min_u",                       0x97, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_MAX_S,                     "i16x8.max_s",                       0x98, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_MAX_U,                     "i16x8.max_u",                       0x99, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_AVGR_U,                    "i16x8.avgr_u",                      0x9B, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTMUL_LOW_I8X16_S,        "i16x8.extmul_low_i8x16_s",          0x9C, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTMUL_HIGH_I8X16_S,       "i16x8.extmul_high_i8x16_s",         0x9D, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTMUL_LOW_I8X16_U,        "i16x8.extmul_low_i8x16_u",          0x9E, WF_SIMD_IMM_NONE,       0) \
    X(I16X8_EXTMUL_HIGH_I8X16_U,       "i16x8.extmul_high_i8x16_u",         0x9F, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_ABS,                       "i32x4.abs",                         0xA0, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_NEG,                       "i32x4.neg",                         0xA1, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_ALL_TRUE,                  "i32x4.all_true",                    0xA3, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_BITMASK,                   "i32x4.bitmask",                     0xA4, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTEND_LOW_I16X8_S,        "i32x4.extend_low_i16x8_s",          0xA7, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTEND_HIGH_I16X8_S,       "i32x4.extend_high_i16x8_s",         0xA8, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTEND_LOW_I16X8_U,        "i32x4.extend_low_i16x8_u",          0xA9, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTEND_HIGH_I16X8_U,       "i32x4.extend_high_i16x8_u",         0xAA, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_SHL,                       "i32x4.shl",                         0xAB, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_SHR_S,                     "i32x4.shr_s",                       0xAC, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_SHR_U,                     "i32x4.shr_u",                       0xAD, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_ADD,                       "i32x4.add",                         0xAE, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_SUB,                       "i32x4.sub",                         0xB1, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_MUL,                       "i32x4.mul",                         0xB5, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_MIN_S,                     "i32x4.min_s",                       0xB6, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_MIN_U,                     "i32x4.min_u",                       0xB7, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_MAX_S,                     "i32x4.max_s",                       0xB8, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_MAX_U,                     "i32x4.max_u",                       0xB9, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_DOT_I16X8_S,               "i32x4.dot_i16x8_s",                 0xBA, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTMUL_LOW_I16X8_S,        "i32x4.extmul_low_i16x8_s",          0xBC, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTMUL_HIGH_I16X8_S,       "i32x4.extmul_high_i16x8_s",         0xBD, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTMUL_LOW_I16X8_U,        "i32x4.extmul_low_i16x8_u",          0xBE, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_EXTMUL_HIGH_I16X8_U,       "i32x4.extmul_high_i16x8_u",         0xBF, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_ABS,                       "i64x2.abs",                         0xC0, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_NEG,                       "i64x2.neg",                         0xC1, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_ALL_TRUE,                  "i64x2.all_true",                    0xC3, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_BITMASK,                   "i64x2.bitmask",                     0xC4, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTEND_LOW_I32X4_S,        "i64x2.extend_low_i32x4_s",          0xC7, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTEND_HIGH_I32X4_S,       "i64x2.extend_high_i32x4_s",         0xC8, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTEND_LOW_I32X4_U,        "i64x2.extend_low_i32x4_u",          0xC9, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTEND_HIGH_I32X4_U,       "i64x2.extend_high_i32x4_u",         0xCA, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_SHL,                       "i64x2.shl",                         0xCB, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_SHR_S,                     "i64x2.shr_s",                       0xCC, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_SHR_U,                     "i64x2.shr_u",                       0xCD, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_ADD,                       "i64x2.add",                         0xCE, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_SUB,                       "i64x2.sub",                         0xD1, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_MUL,                       "i64x2.mul",                         0xD5, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EQ,                        "i64x2.eq",                          0xD6, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_NE,                        "i64x2.ne",                          0xD7, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_LT_S,                      "i64x2.lt_s",                        0xD8, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_GT_S,                      "i64x2.gt_s",                        0xD9, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_LE_S,                      "i64x2.le_s",                        0xDA, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_GE_S,                      "i64x2.ge_s",                        0xDB, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTMUL_LOW_I32X4_S,        "i64x2.extmul_low_i32x4_s",          0xDC, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTMUL_HIGH_I32X4_S,       "i64x2.extmul_high_i32x4_s",         0xDD, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTMUL_LOW_I32X4_U,        "i64x2.extmul_low_i32x4_u",          0xDE, WF_SIMD_IMM_NONE,       0) \
    X(I64X2_EXTMUL_HIGH_I32X4_U,       "i64x2.extmul_high_i32x4_u",         0xDF, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_ABS,                       "f32x4.abs",                         0xE0, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_NEG,                       "f32x4.neg",                         0xE1, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_SQRT,                      "f32x4.sqrt",                        0xE3, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_ADD,                       "f32x4.add",                         0xE4, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_SUB,                       "f32x4.sub",                         0xE5, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_MUL,                       "f32x4.mul",                         0xE6, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_DIV,                       "f32x4.div",                         0xE7, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_MIN,                       "f32x4.min",                         0xE8, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_MAX,                       "f32x4.max",                         0xE9, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_PMIN,                      "f32x4.pmin",                        0xEA, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_PMAX,                      "f32x4.pmax",                        0xEB, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_ABS,                       "f64x2.abs",                         0xEC, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_NEG,                       "f64x2.neg",                         0xED, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_SQRT,                      "f64x2.sqrt",                        0xEF, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_ADD,                       "f64x2.add",                         0xF0, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_SUB,                       "f64x2.sub",                         0xF1, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_MUL,                       "f64x2.mul",                         0xF2, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_DIV,                       "f64x2.div",                         0xF3, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_MIN,                       "f64x2.min",                         0xF4, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_MAX,                       "f64x2.max",                         0xF5, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_PMIN,                      "f64x2.pmin",                        0xF6, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_PMAX,                      "f64x2.pmax",                        0xF7, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_TRUNC_SAT_F32X4_S,         "i32x4.trunc_sat_f32x4_s",           0xF8, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_TRUNC_SAT_F32X4_U,         "i32x4.trunc_sat_f32x4_u",           0xF9, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_CONVERT_I32X4_S,           "f32x4.convert_i32x4_s",             0xFA, WF_SIMD_IMM_NONE,       0) \
    X(F32X4_CONVERT_I32X4_U,           "f32x4.convert_i32x4_u",             0xFB, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_TRUNC_SAT_F64X2_S_ZERO,    "i32x4.trunc_sat_f64x2_s_zero",      0xFC, WF_SIMD_IMM_NONE,       0) \
    X(I32X4_TRUNC_SAT_F64X2_U_ZERO,    "i32x4.trunc_sat_f64x2_u_zero",      0xFD, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_CONVERT_LOW_I32X4_S,       "f64x2.convert_low_i32x4_s",         0xFE, WF_SIMD_IMM_NONE,       0) \
    X(F64X2_CONVERT_LOW_I32X4_U,       "f64x2.convert_low_i32x4_u",         0xFF, WF_SIMD_IMM_NONE,       0)
/* clang-format on */

typedef enum wf__simd_op {
#define WF__SIMD_ENUM(id, name, code, imm, nat) WF_SIMD_##id,
    WF_SIMD_OPS(WF__SIMD_ENUM)
#undef WF__SIMD_ENUM
    WF_SIMD_OP_COUNT_
} wf__simd_op_t;

/* One row of the SIMD table; wf__simd_op_info[WF_SIMD_x] describes x. */
typedef struct wf__simd_op_info {
    const char *name;
    unsigned code;
    unsigned char imm;
    unsigned char natural_align;
} wf__simd_op_info_t;

extern const wf__simd_op_info_t wf__simd_op_info[WF_SIMD_OP_COUNT_];

#endif
