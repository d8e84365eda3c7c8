/*
** Module manifests (<name>.json), every key optional:
**   {"instance": "fresh" | "reuse",
**    "limits": {"timeout_ms": 300, "memory_pages": 16, "fuel": 100000000,
**               "call_depth": 10000, "max_concurrency": 8},
**    "exports": {"greet": {"params": ["string"], "results": ["string"]}},
**    "routes": ["/hello", "/api/..."],
**    "wasi": {"dirs": {...}, "env": {...}, "args": [...]}}
** Interface types: s32 u32 s64 u64 f32 f64 bool string bytes. "routes" and
** "wasi" concern CGI (WASI command) modules: the routes they answer (default
** "/run/<name>/...": /run/<name> and everything below it; a route ending in
** "/..." matches its prefix and below, any other only itself) and the grants
** of server/cgi.h. Unknown keys, wrong types and out-of-range values are
** errors, reported like load errors.
*/
#ifndef WF_MANIFEST_H
#define WF_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum wf_abi_type {
    WF_ABI_S32,
    WF_ABI_U32,
    WF_ABI_S64,
    WF_ABI_U64,
    WF_ABI_F32,
    WF_ABI_F64,
    WF_ABI_BOOL,
    WF_ABI_STRING,
    WF_ABI_BYTES,
} wf_abi_type_t;

#define WF_MANIFEST_MAX_VALUES 16

typedef struct wf_manifest_export {
    char *name; /* owned */
    uint32_t param_count, result_count;
    wf_abi_type_t params[WF_MANIFEST_MAX_VALUES];
    wf_abi_type_t results[WF_MANIFEST_MAX_VALUES];
} wf_manifest_export_t;

typedef struct wf_manifest {
    bool reuse; /* "instance": "reuse" */
    /* -1 where the manifest does not set the limit (the config's applies) */
    int64_t timeout_ms, memory_pages, fuel, call_depth, max_concurrency;
    size_t export_count;
    wf_manifest_export_t *exports; /* owned */
    size_t route_count;            /* 0: the default route, /run/<name>/... */
    char **routes;                 /* owned */
    struct wf_cgi_config *wasi;    /* owned: the "wasi" grants (cgi.h), or NULL */
} wf_manifest_t;

#define WF_MANIFEST_MAX_ROUTE 200 /* bytes in a route */

/*
** Parses a manifest; text NULL means no manifest file (all defaults). On
** success *out is owned (free with wf_manifest_free). On failure returns -1
** with a message naming the key in err.
*/
int wf_manifest_parse(const char *text, size_t len, wf_manifest_t **out, char *err,
                      size_t err_size);
void wf_manifest_free(wf_manifest_t *manifest);
/* The adapter declared for an export, or NULL. Borrowed. */
const wf_manifest_export_t *wf_manifest_find(const wf_manifest_t *manifest, const char *name);
/*
** Checks that a wasm function type is the canonical-ABI flattening of the
** declared adapter (string and bytes: two i32s; s32 u32 bool: i32; s64 u64:
** i64). Results come back either as those values (multi-value), or, when
** they flatten to more than one value, through a return pointer: the function
** returns one i32 pointing at the results in memory (*result_pointer = true).
** Returns 0, or -1 with err filled.
*/
int wf_manifest_check_export(const wf_manifest_export_t *adapter, uint32_t param_count,
                             const uint8_t *params, uint32_t result_count, const uint8_t *results,
                             bool *result_pointer, char *err, size_t err_size);

/*
** Matches a request path (raw, without the query) against the routes of
** module name (the manifest's, or "/run/<name>/..."). On a match returns a
** score (longer fixed parts score higher; an exact route beats a wildcard of
** the same length), fills script_len with the length of the path's part the
** route fixed (SCRIPT_NAME; the rest is PATH_INFO) and route with the
** matching route's text (X_MATCHED_ROUTE). Returns 0 when nothing matches.
*/
size_t wf_manifest_route_match(const wf_manifest_t *manifest, const char *name, const char *path,
                               size_t *script_len, char *route, size_t route_size);

/* The type's name as written in manifests. */
const char *wf_abi_type_name(wf_abi_type_t type);

#endif
