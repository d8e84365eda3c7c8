/*
** wafer's one error list. WF_ERRORS(X) calls X(NAME, value, "message") and
** generates the wf_err_t enum, wf_strerror() and wf_err_name(). 0 is success;
** errors are negative and grouped by stage: decode (-1xx), validate (-2xx),
** link and instantiate (-3xx), trap (-4xx), resource (-5xx), I/O and API
** (-6xx). Trap messages are the spec's wording, as the test suite expects.
**
** Detail (byte offset, function, a specific message) travels beside the code
** in a wf_error_info_t.
*/
#ifndef WF_ERROR_H
#define WF_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* clang-format off */
#define WF_ERRORS(X) \
    X(OK,                    0,    "ok") \
    /* decode: the bytes are not a well-formed module */ \
    X(MALFORMED,            -100,  "malformed module") \
    X(UNSUPPORTED,          -101,  "feature not supported yet") \
    /* validate: well-formed, but the module does not type-check */ \
    X(INVALID,              -200,  "invalid module") \
    /* link and instantiate */ \
    X(UNLINKABLE,           -300,  "unlinkable") \
    X(UNKNOWN_IMPORT,       -301,  "unknown import") \
    X(INCOMPATIBLE_IMPORT,  -302,  "incompatible import type") \
    X(NOT_FOUND,            -303,  "no such export") \
    /* traps: the spec's messages */ \
    X(TRAP_UNREACHABLE,     -400,  "unreachable") \
    X(TRAP_MEMORY_OOB,      -401,  "out of bounds memory access") \
    X(TRAP_TABLE_OOB,       -402,  "out of bounds table access") \
    X(TRAP_DIV_ZERO,        -403,  "integer divide by zero") \
    X(TRAP_INT_OVERFLOW,    -404,  "integer overflow") \
    X(TRAP_BAD_CONVERSION,  -405,  "invalid conversion to integer") \
    X(TRAP_UNDEFINED_ELEM,  -406,  "undefined element") \
    X(TRAP_UNINIT_ELEM,     -407,  "uninitialized element") \
    X(TRAP_INDIRECT_TYPE,   -408,  "indirect call type mismatch") \
    X(TRAP_STACK_EXHAUSTED, -409,  "call stack exhausted") \
    X(TRAP_UNALIGNED,       -410,  "unaligned atomic") \
    X(TRAP_UNSHARED_WAIT,   -411,  "expected shared memory") \
    X(TRAP_INTERRUPTED,     -412,  "interrupted: deadline exceeded") \
    X(TRAP_FUEL,            -413,  "fuel exhausted") \
    X(TRAP_HOST,            -414,  "host function trapped") \
    X(EXIT,                 -415,  "program exited") \
    /* resources */ \
    X(NOMEM,                -500,  "out of memory") \
    X(LIMIT,                -501,  "resource limit exceeded") \
    /* I/O and API use */ \
    X(IO,                   -600,  "input/output error") \
    X(ARGUMENT,             -601,  "invalid argument") \
    X(TEXT,                 -602,  "text format error")
/* clang-format on */

typedef enum wf_err {
#define WF__ERR_ENUM(name, value, message) WF_ERR_##name = value,
    WF_ERRORS(WF__ERR_ENUM)
#undef WF__ERR_ENUM
    WF_OK = WF_ERR_OK /* the usual spelling of success */
} wf_err_t;

/* Whether an error code is a trap (a guest's fault at run time). */
#define WF_ERR_IS_TRAP(code) ((code) <= -400 && (code) > -500)

/*
** Detail that travels beside an error code. Every field is filled as far as
** it is known; unknown numbers are WF_NO_INDEX / 0 and unknown text is "".
*/
#define WF_NO_INDEX UINT32_MAX
typedef struct wf_error_info {
    wf_err_t code;
    char message[256];   /* the specific message, e.g. "type mismatch" */
    size_t offset;       /* byte offset in the module (decode, validate) or
                            in the function's code (trap) */
    uint32_t func_index; /* the function, for validation errors and traps */
    char func_name[64];  /* from the name section or an export, or "" */
    uint32_t line;       /* text format: 1-based line and column, or 0 */
    uint32_t column;
    int exit_code;       /* WF_ERR_EXIT: the program's exit status */
} wf_error_info_t;

/* The fixed message for a code ("unknown error" for a value not listed). */
const char *wf_strerror(wf_err_t code);
/* The code's name without prefix, e.g. "TRAP_DIV_ZERO". */
const char *wf_err_name(wf_err_t code);

#endif
