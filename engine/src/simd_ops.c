/*
** The SIMD instruction table generated from simd_ops.h.
*/
#include "simd_ops.h"

const wf__simd_op_info_t wf__simd_op_info[WF_SIMD_OP_COUNT_] = {
#define WF__SIMD_ROW(id, name, code, imm, nat) {name, code, imm, nat},
    WF_SIMD_OPS(WF__SIMD_ROW)
#undef WF__SIMD_ROW
};
