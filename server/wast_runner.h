/*
** The spec-script runner behind `wafer wast`.
**
** It runs a script given as a list of commands in the shape wast2json writes
** ({"commands": [{"type": "module", "line": 3, "filename": "x.0.wasm"}, ...]})
** and gets each module's bytes by file name from a callback. So the command
** source is pluggable: today cmd_wast.c converts .wast text with wast2json and
** reads the files it wrote; a native WAST parser can build the same cJSON
** document and hand out the bytes it assembled from memory.
**
** Commands understood: module (named too), register, action (invoke, get),
** assert_return (i32/i64/f32/f64 as decimal bit patterns, nan:canonical and
** nan:arithmetic, funcref/externref incl. null, v128 lanes, "either"),
** assert_trap, assert_exhaustion, assert_invalid, assert_malformed,
** assert_unlinkable, assert_uninstantiable. Modules in text form
** ("module_type": "text", file names ending in .wat) cannot be checked by a
** binary engine and count as skipped.
*/
#ifndef WF_WAST_RUNNER_H
#define WF_WAST_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "wf/wf.h"

/*
** Returns the bytes of the module a command names. On success returns 0 and
** sets *bytes (owned by the caller, free with free()) and *size. On failure
** returns non-zero and writes a message into why (why_size bytes).
*/
typedef int (*wf_wast_load_fn)(void *user, const char *filename, uint8_t **bytes, size_t *size,
                               char *why, size_t why_size);

typedef struct wf_wast_options {
    bool verbose;         /* print each command as it runs, and spectest prints */
    bool strict_messages; /* also require the expected message of module errors */
    FILE *out;            /* where reports go; NULL: stdout */
    /* An action running longer is interrupted and fails (0: no limit). The
       called instance is interrupted, as the daemon's deadline does. */
    uint64_t timeout_ms;
} wf_wast_options_t;

/* Tallies, added to by each run. */
typedef struct wf_wast_counts {
    uint64_t passed;
    uint64_t failed;
    uint64_t skipped;
} wf_wast_counts_t;

/*
** Runs every command of one script. doc is the wast2json-shaped document;
** script names the script in messages ("FILE:LINE: ..."). Borrows doc,
** script and options; load is called once per module command. Each command
** adds one to counts->passed, ->failed or ->skipped; failures are reported on
** options->out. Every module and instance made is freed before returning.
** Returns WF_OK, or WF_ERR_ARGUMENT when doc has no command list,
** WF_ERR_NOMEM when the runner itself ran out of memory.
*/
wf_err_t wf_wast_run(const cJSON *doc, const char *script, wf_wast_load_fn load, void *load_user,
                     const wf_wast_options_t *options, wf_wast_counts_t *counts);

#endif
