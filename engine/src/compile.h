/*
** The compiled form of a function (compile.c writes it, interp.c runs it).
** See ops.h for the instruction encoding.
**
** Frame layout (in 64-bit slots from the frame pointer): params, then
** declared locals, then the operand stack. A call passes its arguments in
** the caller's operand-stack slots, which become the callee's first slots;
** results come back in the same place.
*/
#ifndef WF_COMPILE_H
#define WF_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "module.h"
#include "ops.h"

typedef union wf__cell {
    const void *h; /* handler: a label address (computed goto) */
    uint64_t u;    /* op number (switch), slot index, unsigned immediate */
    int64_t i;     /* branch offset in cells from the instruction start */
    const void *p; /* pointer immediate */
} wf__cell_t;

struct wf__code {
    wf__cell_t *cells;
    size_t cell_count;
    uint32_t func_index;
    uint32_t param_slots; /* params */
    uint32_t local_slots; /* params + declared locals */
    uint32_t result_slots;
    uint32_t frame_slots; /* everything the frame may touch */
    /* Trap map: map_pc[i] (a cell index where an instruction starts, in
       ascending order) came from the wasm instruction at module byte offset
       map_offset[i]. */
    uint32_t map_count;
    uint32_t *map_pc;
    uint32_t *map_offset;
};

/*
** interp.c: the computed-goto handler addresses indexed by wf__iop_t, or NULL
** when the interpreter dispatches with a switch (then a handler cell holds
** the op number).
*/
const void *const *wf__interp_handlers(void);

/* Debugging: an internal op's name, and a listing of a function's code. */
const char *wf__iop_name(unsigned iop);
void wf__code_dump(FILE *out, const struct wf__code *code);

/* The module byte offset of the instruction at pc (a cell of code). */
size_t wf__code_offset(const struct wf__code *code, const wf__cell_t *pc);

#endif
