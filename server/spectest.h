/*
** The "spectest" host module that the WebAssembly spec scripts import, made
** exactly as the reference interpreter makes it:
**
**   global_i32 = 666, global_i64 = 666, global_f32 = 666.6,
**   global_f64 = 666.6                     (all immutable)
**   table  (funcref, min 10, max 20)
**   memory (min 1, max 2 pages)
**   print, print_i32, print_i64, print_f32, print_f64, print_i32_f32,
**   print_f64_f64                          (functions returning nothing)
**
** The print functions write their arguments to the stream given at creation,
** or nothing when that stream is NULL.
*/
#ifndef WF_SPECTEST_H
#define WF_SPECTEST_H

#include <stdio.h>

#include "wf/wf.h"

typedef struct wf_spectest wf_spectest_t;

/*
** Makes the module's functions, table, memory and globals. print_to is
** borrowed (NULL: the print functions print nothing) and must outlive the
** spectest. On success *out is owned (free with wf_spectest_free, after every
** instance that imported from it).
*/
wf_err_t wf_spectest_new(FILE *print_to, wf_spectest_t **out);

/* Frees everything the spectest made. Accepts NULL. */
void wf_spectest_free(wf_spectest_t *spectest);

/*
** Finds the export called name. On success fills *out with a borrowed view
** (valid while spectest lives); WF_ERR_NOT_FOUND if there is no such export.
*/
wf_err_t wf_spectest_lookup(wf_spectest_t *spectest, const char *name, wf_extern_t *out);

#endif
