/*
** The decoded module: what decode.c fills in, validate.c checks, compile.c
** translates, and instance.c instantiates. After wf_module_load returns it is
** never written again (except its reference count) and is shared by threads.
**
** Index spaces put imports first: funcs[0 .. import_func_count) are the
** imported functions, and likewise for tables, memories and globals.
*/
#ifndef WF_MODULE_H
#define WF_MODULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf/wf.h"

/* Limits for untrusted input: beyond these a module is refused. */
#define WF_MAX_TYPES 1000000u
#define WF_MAX_FUNCS 1000000u
#define WF_MAX_IMPORTS 100000u
#define WF_MAX_EXPORTS 100000u
#define WF_MAX_GLOBALS 1000000u
#define WF_MAX_TABLES 100000u
#define WF_MAX_MEMORIES 1u /* Wasm 2.0 */
#define WF_MAX_SEGMENTS 100000u
#define WF_MAX_PARAMS 1000u
#define WF_MAX_RESULTS 1000u
#define WF_MAX_LOCALS 50000u      /* per function, params included */
#define WF_MAX_BR_TABLE 100000u   /* labels in one br_table */
#define WF_MAX_FUNC_SIZE 7654321u /* bytes of one function body */
#define WF_MAX_PAGES 65536u       /* 32-bit memories */
#define WF_MAX_TABLE_SIZE 0xFFFFFFFFu

typedef struct wf__functype {
    uint32_t param_count;
    uint32_t result_count;
    uint8_t *types; /* param_count params, then result_count results */
} wf__functype_t;

#define WF__PARAMS(ft) ((ft)->types)
#define WF__RESULTS(ft) ((ft)->types + (ft)->param_count)

/*
** A constant expression (global initialisers, segment offsets, element
** items). Wasm 2.0 allows exactly one instruction before `end`.
*/
typedef enum wf__const_kind {
    WF__CONST_VALUE,      /* t.const: bits holds the value (v128 in v128) */
    WF__CONST_REF_NULL,   /* ref.null t */
    WF__CONST_REF_FUNC,   /* ref.func index */
    WF__CONST_GLOBAL_GET, /* global.get index */
    /* Only between decode and validate (which rejects them): an expression
       with a non-constant instruction, and one that does not leave exactly
       one value (empty, or several constants). */
    WF__CONST_NOT_CONSTANT,
    WF__CONST_BAD_ARITY
} wf__const_kind_t;

typedef struct wf__const_expr {
    uint8_t kind; /* wf__const_kind_t */
    uint8_t type; /* the value type it produces */
    uint32_t index;
    uint64_t bits;
    uint8_t v128[16];
} wf__const_expr_t;

typedef struct wf__global_def {
    uint8_t type;
    bool mutable_;
    wf__const_expr_t init; /* unused for imports */
} wf__global_def_t;

typedef struct wf__table_def {
    uint8_t elem_type; /* WF_FUNCREF or WF_EXTERNREF */
    wf_limits_t limits;
} wf__table_def_t;

typedef struct wf__import {
    char *module;
    char *name;
    uint8_t kind;        /* wf_extern_kind_t */
    uint32_t index;      /* index in that kind's space (< its import count) */
} wf__import_t;

typedef struct wf__export {
    char *name;
    uint32_t name_len; /* bytes: a name may hold NUL */
    uint8_t kind;      /* wf_extern_kind_t */
    uint32_t index; /* in that kind's index space */
} wf__export_t;

typedef enum wf__segment_mode {
    WF__SEGMENT_ACTIVE,
    WF__SEGMENT_PASSIVE,
    WF__SEGMENT_DECLARATIVE
} wf__segment_mode_t;

typedef struct wf__elem_segment {
    uint8_t mode;      /* wf__segment_mode_t */
    uint8_t elem_type; /* WF_FUNCREF or WF_EXTERNREF */
    uint32_t table;    /* active only */
    wf__const_expr_t offset;
    uint32_t count;
    wf__const_expr_t *items; /* count entries: REF_FUNC, REF_NULL or GLOBAL_GET */
} wf__elem_segment_t;

typedef struct wf__data_segment {
    uint8_t mode;    /* WF__SEGMENT_ACTIVE or WF__SEGMENT_PASSIVE */
    uint32_t memory; /* active only */
    wf__const_expr_t offset;
    const uint8_t *bytes; /* points into wf_module.bytes */
    uint32_t size;
} wf__data_segment_t;

/*
** A function. Imported functions have only type_index. For defined ones the
** decoder records the body; the validator fills max_stack; the compiler
** fills code (its own format, see compile.h).
*/
typedef struct wf__func {
    uint32_t type_index;
    const wf__functype_t *type; /* &module->types[type_index] */
    /* defined functions only: */
    uint32_t local_count;        /* declared locals, params excluded */
    uint8_t *local_types;        /* local_count entries */
    size_t body_offset;          /* first instruction, as an offset in bytes */
    size_t body_end;             /* one past the final `end` */
    uint32_t max_stack;          /* deepest operand stack, in values (validator) */
    struct wf__code *code;       /* compiled code (compile.c), owned */
} wf__func_t;

typedef struct wf__custom_section {
    char *name;
    size_t offset; /* payload, in bytes */
    size_t size;
} wf__custom_section_t;

struct wf_module {
    _Atomic long refcount;
    wf_allocator_t allocator;
    char *debug_name; /* options->name, the name section's module name, or NULL */

    uint8_t *bytes; /* our copy of the binary */
    size_t size;

    uint32_t type_count;
    wf__functype_t *types;

    uint32_t import_count;
    wf__import_t *imports;

    uint32_t func_count, import_func_count;
    wf__func_t *funcs;

    uint32_t table_count, import_table_count;
    wf__table_def_t *tables;

    uint32_t memory_count, import_memory_count;
    wf_limits_t *memories;

    uint32_t global_count, import_global_count;
    wf__global_def_t *globals;

    uint32_t export_count;
    wf__export_t *exports;

    bool has_start;
    uint32_t start;

    uint32_t elem_count;
    wf__elem_segment_t *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t data_segment_count;
    wf__data_segment_t *datas;

    /* Functions that ref.func may name outside constant expressions: those
       in exports, element segments or global initialisers (validation). */
    bool *func_declared; /* func_count entries */

    /* Name section: func_names[i] is NULL where absent. */
    char **func_names;
    char *module_name;

    uint32_t custom_count;
    wf__custom_section_t *customs;
};

/* Allocation through the module's hook (internal; see alloc.c). */
void *wf__alloc(const wf_allocator_t *allocator, size_t size);
void *wf__calloc(const wf_allocator_t *allocator, size_t count, size_t size);
void *wf__realloc(const wf_allocator_t *allocator, void *ptr, size_t old_size, size_t new_size);
void wf__free(const wf_allocator_t *allocator, void *ptr, size_t size);
char *wf__strndup(const wf_allocator_t *allocator, const char *s, size_t n);

/* Sets err (if not NULL) to code with a printf-style message; returns code. */
wf_err_t wf__error(wf_error_info_t *err, wf_err_t code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Pipeline stages (each in its own file). */
wf_err_t wf__decode(wf_module_t *module, wf_error_info_t *err);   /* decode.c */
wf_err_t wf__validate(wf_module_t *module, wf_error_info_t *err); /* validate.c */
wf_err_t wf__compile(wf_module_t *module, wf_error_info_t *err);  /* compile.c */
void wf__code_free(const wf_allocator_t *allocator, struct wf__code *code); /* compile.c */
/* The length in bytes of a name decode.c copied (names may hold NUL bytes). */
size_t wf__name_length(const char *name); /* decode.c */
/* Frees everything decode allocated (module.c). */
void wf__module_clear(wf_module_t *module);

#endif
