/*
** The instruction table generated from wasm_ops.h.
*/
#include "wasm_ops.h"

#define S WF_T_SPECIAL
#define N WF_T_NONE
#define I WF_T_I32
#define L WF_T_I64
#define F WF_T_F32
#define D WF_T_F64

const wf__op_info_t wf__op_info[WF_OP_COUNT_] = {
#define WF__OP_ROW(id, name, prefix, code, imm, p1, p2, r, nat) \
    {name, prefix, code, imm, p1, p2, r, nat},
    WF_WASM_OPS(WF__OP_ROW)
#undef WF__OP_ROW
};
