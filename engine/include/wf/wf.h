/*
** wafer's WebAssembly engine: the public API.
**
** Thread rules, once for all:
**   - A wf_module_t is immutable after wf_module_load and may be shared by any
**     number of threads; it is reference-counted (wf_module_retain/_free).
**   - A wf_instance_t is used by one thread at a time. wf_instance_interrupt
**     is the one call that another thread may make on it.
**   - A wf_memory_t that is shared (threads proposal) may be used by many
**     instances on many threads at once; its base address never moves.
**   - Host functions (wf_func_t made by wf_func_new_host) may be imported by
**     instances on several threads if their callback is thread-safe.
**
** Ownership is written on every declaration: "borrows", "takes ownership",
** "returns owned (free with ...)". Every free function accepts NULL.
*/
#ifndef WF_WF_H
#define WF_WF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wf_module wf_module_t;
typedef struct wf_instance wf_instance_t;
typedef struct wf_memory wf_memory_t;
typedef struct wf_table wf_table_t;
typedef struct wf_global wf_global_t;
typedef struct wf_func wf_func_t;
typedef struct wf_host_call wf_host_call_t;

/* ---------------------------------------------------------------------- */
/* Values                                                                  */
/* ---------------------------------------------------------------------- */

/* Value types carry their binary-format codes. */
typedef enum wf_valtype {
    WF_I32 = 0x7F,
    WF_I64 = 0x7E,
    WF_F32 = 0x7D,
    WF_F64 = 0x7C,
    WF_V128 = 0x7B,
    WF_FUNCREF = 0x70,
    WF_EXTERNREF = 0x6F
} wf_valtype_t;

/*
** A typed value. Floats are held as their bit patterns so that NaN payloads
** pass through unchanged. A null reference is NULL. An externref is any
** non-NULL pointer the embedder chooses; wafer never dereferences it.
*/
typedef struct wf_val {
    wf_valtype_t type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        wf_func_t *funcref;
        void *externref;
    } of;
} wf_val_t;

/*
** A function type, as a view: the arrays belong to whoever handed out the
** view (a module, a function) and live as long as it does.
*/
typedef struct wf_functype {
    uint32_t param_count;
    uint32_t result_count;
    const uint8_t *params;  /* wf_valtype_t codes */
    const uint8_t *results; /* wf_valtype_t codes */
} wf_functype_t;

const char *wf_valtype_name(wf_valtype_t type);

/* ---------------------------------------------------------------------- */
/* Allocation                                                              */
/* ---------------------------------------------------------------------- */

/*
** The one allocation hook. Called as realloc: new_size 0 frees ptr and
** returns NULL; ptr NULL allocates. Returns NULL when out of memory, which
** the engine reports as WF_ERR_NOMEM. NULL for the whole struct means the C
** library's allocator. Linear memories are mapped by the OS layer instead.
*/
typedef struct wf_allocator {
    void *(*realloc)(void *user, void *ptr, size_t old_size, size_t new_size);
    void *user;
} wf_allocator_t;

/* ---------------------------------------------------------------------- */
/* Modules                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct wf_load_options {
    const wf_allocator_t *allocator; /* NULL: the C library's */
    const char *name;                /* for messages; NULL: from the name section */
} wf_load_options_t;

/*
** Decodes, validates and compiles a binary module. Borrows bytes (the module
** keeps its own copy). On success *out is owned by the caller (free with
** wf_module_free); on failure returns the error and fills err (if not NULL)
** with the byte offset and the spec's message.
*/
wf_err_t wf_module_load(const wf_load_options_t *options, const uint8_t *bytes, size_t size,
                        wf_module_t **out, wf_error_info_t *err);

/* Adds a reference; returns module. Thread-safe. */
wf_module_t *wf_module_retain(wf_module_t *module);
/* Drops a reference; the last one frees. Thread-safe; accepts NULL. */
void wf_module_free(wf_module_t *module);

typedef enum wf_extern_kind {
    WF_EXTERN_FUNC = 0,
    WF_EXTERN_TABLE = 1,
    WF_EXTERN_MEMORY = 2,
    WF_EXTERN_GLOBAL = 3
} wf_extern_kind_t;

/* Limits of a memory (in pages) or a table (in elements). */
typedef struct wf_limits {
    uint64_t min;
    uint64_t max; /* valid when has_max */
    bool has_max;
    bool shared; /* memories only */
} wf_limits_t;

/*
** What an import or export is, as a view into the module (valid while the
** module lives).
*/
typedef struct wf_extern_type {
    wf_extern_kind_t kind;
    wf_functype_t func;   /* WF_EXTERN_FUNC */
    wf_limits_t limits;   /* WF_EXTERN_TABLE, WF_EXTERN_MEMORY */
    uint8_t elem_type;    /* WF_EXTERN_TABLE: WF_FUNCREF or WF_EXTERNREF */
    uint8_t global_type;  /* WF_EXTERN_GLOBAL: a wf_valtype_t code */
    bool global_mutable;  /* WF_EXTERN_GLOBAL */
} wf_extern_type_t;

typedef struct wf_import_desc {
    const char *module; /* borrowed from the module, NUL-terminated UTF-8 */
    const char *name;
    wf_extern_type_t type;
} wf_import_desc_t;

typedef struct wf_export_desc {
    const char *name;
    wf_extern_type_t type;
    uint32_t index; /* in the module's index space of that kind */
} wf_export_desc_t;

uint32_t wf_module_import_count(const wf_module_t *module);
/* Borrows; fills *out with views into module. WF_ERR_ARGUMENT if i is out of range. */
wf_err_t wf_module_import(const wf_module_t *module, uint32_t i, wf_import_desc_t *out);
uint32_t wf_module_export_count(const wf_module_t *module);
wf_err_t wf_module_export(const wf_module_t *module, uint32_t i, wf_export_desc_t *out);
/* Finds an export by name; WF_ERR_NOT_FOUND if there is none. */
wf_err_t wf_module_find_export(const wf_module_t *module, const char *name, wf_export_desc_t *out);
/* The function's name from the name section, or NULL. Borrowed from module. */
const char *wf_module_func_name(const wf_module_t *module, uint32_t func_index);

/* ---------------------------------------------------------------------- */
/* Externals: functions, memories, tables, globals                          */
/* ---------------------------------------------------------------------- */

/* An import or export value: one of the four kinds, borrowed. */
typedef struct wf_extern {
    wf_extern_kind_t kind;
    union {
        wf_func_t *func;
        wf_table_t *table;
        wf_memory_t *memory;
        wf_global_t *global;
    } of;
} wf_extern_t;

/*
** A host function. args holds type->param_count values, results has room for
** type->result_count values whose types the callback must set. Return WF_OK,
** or an error: WF_ERR_TRAP_HOST (with wf_host_call_trap for the message),
** WF_ERR_EXIT (with wf_host_call_exit), or any other trap code, which unwinds
** the whole wasm call with that error.
*/
typedef wf_err_t (*wf_host_fn_t)(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results);

/*
** Makes a host function. Borrows type (copied). user_data is borrowed and
** handed to every call. Returns owned (free with wf_func_free, after every
** instance that imported it), or NULL when out of memory.
*/
wf_func_t *wf_func_new_host(const wf_allocator_t *allocator, const wf_functype_t *type,
                            wf_host_fn_t fn, void *user_data);
/* Frees a host function; does nothing for a function owned by an instance. */
void wf_func_free(wf_func_t *func);
/* The function's type; the view lives as long as func. */
wf_functype_t wf_func_type(const wf_func_t *func);

/* Inside a host function: the user_data given to wf_func_new_host. */
void *wf_host_call_user_data(wf_host_call_t *call);
/* Inside a host function: the instance whose code made the call (NULL if the
   embedder called the host function directly). */
wf_instance_t *wf_host_call_instance(wf_host_call_t *call);
/* Inside a host function: the calling instance's memory 0, or NULL. */
wf_memory_t *wf_host_call_memory(wf_host_call_t *call);
/* Records a trap message; returns WF_ERR_TRAP_HOST for the callback to return. */
wf_err_t wf_host_call_trap(wf_host_call_t *call, const char *message);
/* Records an exit status; returns WF_ERR_EXIT for the callback to return. */
wf_err_t wf_host_call_exit(wf_host_call_t *call, int status);

/*
** Linear memories. A memory made here is owned by the caller; memories are
** reference-counted, so an instance that imports one keeps it alive.
** wf_memory_new: returns owned (free with wf_memory_free).
*/
#define WF_PAGE_SIZE 65536u
wf_err_t wf_memory_new(const wf_limits_t *limits, wf_memory_t **out);
wf_memory_t *wf_memory_retain(wf_memory_t *memory);
void wf_memory_free(wf_memory_t *memory);
/* The current base address; stable for the memory's life. Borrowed. */
uint8_t *wf_memory_data(const wf_memory_t *memory);
/* The current size in bytes (an acquire load: safe while others grow it). */
size_t wf_memory_size(const wf_memory_t *memory);
wf_limits_t wf_memory_limits(const wf_memory_t *memory);
/* Grows by delta pages; returns the old size in pages, or -1 (as memory.grow). */
int64_t wf_memory_grow(wf_memory_t *memory, uint64_t delta_pages);
/*
** How this build of the engine keeps wasm code inside its memories: "guard"
** (guard pages: each memory reserves 8 GiB of address space and an
** out-of-bounds access faults into a trap) or "explicit" (a check per
** access). Returns a static string.
*/
const char *wf_bounds_checks(void);
/* How this build's interpreter dispatches: "computed goto" or "switch". Static. */
const char *wf_interp_dispatch(void);

/*
** A cache of linear memories for instances to reuse. An instance made with
** limits.memory_pool takes its (unshared) memories from the pool and gives
** them back, zeroed, when freed; the next instance then skips most of the
** address-space work that dominates instantiation. Thread-safe. max_idle is
** how many idle memories it keeps (0: 64). allocator: NULL for the C
** library's. Returns owned (free with wf_memory_pool_free; memories still
** in use keep the pool alive until they are freed).
*/
typedef struct wf_memory_pool wf_memory_pool_t;
wf_err_t wf_memory_pool_new(const wf_allocator_t *allocator, uint32_t max_idle,
                            wf_memory_pool_t **out);
void wf_memory_pool_free(wf_memory_pool_t *pool);

/* Tables of references (funcref: wf_func_t *, externref: void *). */
wf_err_t wf_table_new(const wf_limits_t *limits, wf_valtype_t elem_type, wf_table_t **out);
wf_table_t *wf_table_retain(wf_table_t *table);
void wf_table_free(wf_table_t *table);
uint32_t wf_table_size(const wf_table_t *table);
wf_err_t wf_table_get(const wf_table_t *table, uint32_t index, wf_val_t *out);
wf_err_t wf_table_set(wf_table_t *table, uint32_t index, const wf_val_t *value);
/* Grows by delta filled with init; returns the old size, or -1. */
int64_t wf_table_grow(wf_table_t *table, uint32_t delta, const wf_val_t *init);

/* Globals. */
wf_err_t wf_global_new(wf_valtype_t type, bool mutable_, const wf_val_t *value, wf_global_t **out);
wf_global_t *wf_global_retain(wf_global_t *global);
void wf_global_free(wf_global_t *global);
void wf_global_get(const wf_global_t *global, wf_val_t *out);
/* WF_ERR_ARGUMENT if the global is immutable or the type differs. */
wf_err_t wf_global_set(wf_global_t *global, const wf_val_t *value);
wf_valtype_t wf_global_type(const wf_global_t *global);
bool wf_global_mutable(const wf_global_t *global);

/* ---------------------------------------------------------------------- */
/* Instances                                                               */
/* ---------------------------------------------------------------------- */

/* Per-instance limits. A zero field takes the default named beside it. */
typedef struct wf_instance_limits {
    uint32_t max_memory_pages; /* caps every memory's growth; 0: 65536 */
    uint32_t max_table_elems;  /* caps table growth; 0: 10,000,000 */
    uint32_t max_call_depth;   /* wasm frames; 0: 10,000 */
    uint64_t fuel;             /* instructions (approximately: per loop
                                  back-edge and call, plus one per KiB or 256
                                  elements of a bulk memory or table
                                  instruction); 0: unlimited */
    size_t stack_bytes;        /* value stack size; 0: 1 MiB */
    wf_memory_pool_t *memory_pool; /* where defined memories come from and go
                                      back to (borrowed); NULL: none */
    /* For a module with a start function: called by wf_instance_new on its
       thread with the instance before its segments and start function run,
       and with NULL once they are done (before a failed instance is freed):
       where an embedder arms and disarms a deadline (wf_instance_interrupt)
       that stops a start function which runs too long. May be NULL. */
    void (*on_init)(void *user, wf_instance_t *instance);
    void *on_init_user;
} wf_instance_limits_t;

/*
** Instantiates module. imports holds one wf_extern_t per import of the module,
** in the module's import order; each is checked against the import's type
** (WF_ERR_UNLINKABLE / _UNKNOWN_IMPORT / _INCOMPATIBLE_IMPORT with a message
** naming the import). Runs active segments and the start function; a trap
** there returns the trap (the instance is freed, but effects on imported
** memories and tables remain, as the spec says).
** Borrows module (retains it) and the imports (retains memories, tables and
** globals; functions must outlive the instance). On success *out is owned
** (free with wf_instance_free).
** On any failure *out is NULL. When the trap came after an active element
** segment wrote into an imported table (or from the start function), that
** table may now refer to the instance's functions: the engine then keeps
** the instance alive for as long as the imported tables live, so those
** functions stay callable (the spec test linking.wast calls them later).
*/
wf_err_t wf_instance_new(wf_module_t *module, const wf_extern_t *imports, size_t import_count,
                         const wf_instance_limits_t *limits, wf_instance_t **out,
                         wf_error_info_t *err);
void wf_instance_free(wf_instance_t *instance);
const wf_module_t *wf_instance_module(const wf_instance_t *instance);

/* Looks up an export by name; WF_ERR_NOT_FOUND if absent. Borrowed views. */
wf_err_t wf_instance_export(wf_instance_t *instance, const char *name, wf_extern_t *out);
/* The same for a name of name_len bytes, which may hold NUL bytes (names are any UTF-8). */
wf_err_t wf_instance_export_n(wf_instance_t *instance, const char *name, size_t name_len,
                              wf_extern_t *out);
/* The memory with this index (0 for the usual one), or NULL. Borrowed. */
wf_memory_t *wf_instance_memory(wf_instance_t *instance, uint32_t index);

/*
** Calls a function (of this instance, of another, or a host function) on the
** calling thread. args must match the function's parameter types exactly;
** results must have room for its results. Returns WF_OK, or an error: a trap
** code with err filled (message, function index and name, code offset), or
** WF_ERR_EXIT for a program that exited. The instance stays usable after a
** trap.
*/
wf_err_t wf_func_call(wf_func_t *func, const wf_val_t *args, size_t arg_count, wf_val_t *results,
                      size_t result_count, wf_error_info_t *err);

/*
** Sets the fuel budget (0 disables it); reads it. The budget is per call:
** every loop back-edge and call made by a wf_func_call (including wasm it
** reaches through host functions) burns one unit, and a bulk memory or
** table instruction one more per KiB or 256 elements; running out traps with
** WF_ERR_TRAP_FUEL, and when the outermost call returns (normally or by a
** trap) the fuel is back at what was set, ready for the next call.
*/
void wf_instance_set_fuel(wf_instance_t *instance, uint64_t fuel);
uint64_t wf_instance_fuel(const wf_instance_t *instance);
/*
** Asks a running call to stop: the interpreter polls the flag on loop
** back-edges and calls and traps with WF_ERR_TRAP_INTERRUPTED. Safe from any
** thread (and from a signal handler). The flag stays set until cleared.
*/
void wf_instance_interrupt(wf_instance_t *instance);
void wf_instance_clear_interrupt(wf_instance_t *instance);
/* Embedder data, borrowed, for host functions to find. */
void wf_instance_set_user_data(wf_instance_t *instance, void *user_data);
void *wf_instance_user_data(const wf_instance_t *instance);

#ifdef __cplusplus
}
#endif
#endif
