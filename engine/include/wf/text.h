/*
** wafer's text format: WebAssembly text modules (WAT) become binary modules,
** which then go through wf_module_load like any other; WAST scripts (the spec
** test format) become a list of commands whose modules are already encoded.
**
** Errors are WF_ERR_TEXT with err->line and err->column (1-based) and a
** message naming what was expected or found.
*/
#ifndef WF_TEXT_H
#define WF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* WAT                                                                     */
/* ---------------------------------------------------------------------- */

/*
** Encodes one text module to the binary format. text holds either a whole
** `(module ...)` or the module's fields alone (an implicit module). Borrows
** text (len bytes; need not be NUL-terminated). On success *out is owned by
** the caller (free with wf_wat_free) and holds *out_len bytes; on failure
** returns WF_ERR_TEXT (or WF_ERR_NOMEM) and fills err (if not NULL).
*/
wf_err_t wf_wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len,
                        wf_error_info_t *err);

/* Frees a buffer returned by wf_wat_to_wasm. Accepts NULL. */
void wf_wat_free(void *bytes);

/* ---------------------------------------------------------------------- */
/* WAST scripts                                                            */
/* ---------------------------------------------------------------------- */

typedef enum wf_wast_kind {
    WF_WAST_MODULE,                /* module: define and instantiate */
    WF_WAST_REGISTER,              /* register "name" $module? */
    WF_WAST_ACTION,                /* a bare invoke or get */
    WF_WAST_ASSERT_RETURN,         /* action, expected results */
    WF_WAST_ASSERT_TRAP,           /* action or module, message */
    WF_WAST_ASSERT_EXHAUSTION,     /* action, message */
    WF_WAST_ASSERT_INVALID,        /* module, message */
    WF_WAST_ASSERT_MALFORMED,      /* module, message */
    WF_WAST_ASSERT_UNLINKABLE,     /* module, message */
    WF_WAST_ASSERT_UNINSTANTIABLE, /* module, message */
    WF_WAST_THREAD,                /* threads proposal: a sub-script on a thread */
    WF_WAST_WAIT                   /* threads proposal: join a thread */
} wf_wast_kind_t;

/* How a script module was written. */
typedef enum wf_wast_module_form {
    WF_WAST_FORM_TEXT,   /* (module ...) fields */
    WF_WAST_FORM_BINARY, /* (module binary "...") */
    WF_WAST_FORM_QUOTE   /* (module quote "...") */
} wf_wast_module_form_t;

/*
** A module of a script. Encoding is attempted while parsing: bytes is the
** binary module, or NULL when the text did not encode (then error says why;
** that is the expected outcome of an assert_malformed). For the quote form,
** text holds the quoted source.
*/
typedef struct wf_wast_module {
    char *name;           /* "$id" or NULL */
    uint32_t line;        /* 1-based line of "(module" */
    size_t source_offset; /* the module's text in the script: "(module ... )" */
    size_t source_len;
    wf_wast_module_form_t form;
    uint8_t *bytes;
    size_t size;
    char *text; /* quote form: the concatenated strings, NUL-terminated */
    size_t text_len;
    wf_error_info_t error; /* when bytes is NULL */
    bool uses_simd;        /* the text uses v128 or SIMD instructions */
} wf_wast_module_t;

/* Expected-value patterns (results) and plain values (arguments). */
typedef enum wf_wast_value_kind {
    WF_WAST_VALUE_EXACT,          /* of / v128 bits, compared bit for bit */
    WF_WAST_VALUE_NAN_CANONICAL,  /* f32/f64: any canonical NaN */
    WF_WAST_VALUE_NAN_ARITHMETIC, /* f32/f64: any arithmetic NaN */
    WF_WAST_VALUE_V128_LANES,     /* v128 with per-lane patterns (lane_kind) */
    WF_WAST_VALUE_REF_NULL,       /* ref.null of type */
    WF_WAST_VALUE_REF_HOST,       /* ref.extern N: the host reference N (of.ref) */
    WF_WAST_VALUE_REF_ANY,        /* (ref.extern) / (ref.func): any non-null reference */
    WF_WAST_VALUE_EITHER          /* threads: any one of alternatives */
} wf_wast_value_kind_t;

/* v128 lane shapes, for lane patterns and for printing. */
typedef enum wf_wast_shape {
    WF_WAST_I8X16,
    WF_WAST_I16X8,
    WF_WAST_I32X4,
    WF_WAST_I64X2,
    WF_WAST_F32X4,
    WF_WAST_F64X2
} wf_wast_shape_t;

typedef struct wf_wast_value {
    uint8_t type;         /* a wf_valtype_t code (WF_I32 ...) */
    uint8_t kind;         /* wf_wast_value_kind_t */
    uint8_t shape;        /* v128: wf_wast_shape_t as written */
    uint8_t lane_kind[4]; /* V128_LANES (f32x4/f64x2 only): kind of each lane */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16]; /* little-endian lanes */
        uint64_t ref;     /* REF_HOST: N */
    } of;
    struct wf_wast_value *alternatives; /* EITHER */
    size_t alternative_count;
} wf_wast_value_t;

typedef enum wf_wast_action_kind { WF_WAST_INVOKE, WF_WAST_GET } wf_wast_action_kind_t;

typedef struct wf_wast_action {
    wf_wast_action_kind_t kind;
    char *module; /* "$id" or NULL: the most recent module */
    char *name;   /* export name, NUL-terminated (name_len excludes the NUL) */
    size_t name_len;
    wf_wast_value_t *args;
    size_t arg_count;
} wf_wast_action_t;

typedef struct wf_wast_command wf_wast_command_t;

struct wf_wast_command {
    wf_wast_kind_t kind;
    uint32_t line;   /* 1-based line of the command's opening parenthesis */
    bool has_module; /* module field is used (MODULE, assert on a module) */
    bool has_action; /* action field is used */
    wf_wast_module_t module;
    wf_wast_action_t action;
    wf_wast_value_t *results; /* ASSERT_RETURN */
    size_t result_count;
    char *message;    /* asserts: the expected message */
    char *name;       /* REGISTER: the name; THREAD/WAIT: "$thread" */
    char *module_ref; /* REGISTER: "$module" or NULL */
    char **shared;    /* THREAD: "$module" names shared with the thread */
    size_t shared_count;
    wf_wast_command_t *commands; /* THREAD: its sub-script */
    size_t command_count;
};

typedef struct wf_wast_script {
    wf_wast_command_t *commands;
    size_t command_count;
} wf_wast_script_t;

/*
** Parses a WAST script. Borrows text. On success *out is owned by the caller
** (free with wf_wast_free). A module that does not encode is not a parse
** error (see wf_wast_module_t); a script that is not well-formed is, and err
** tells where.
*/
wf_err_t wf_wast_parse(const char *text, size_t len, wf_wast_script_t **out, wf_error_info_t *err);

/* Frees a script. Accepts NULL. */
void wf_wast_free(wf_wast_script_t *script);

#ifdef __cplusplus
}
#endif

#endif
