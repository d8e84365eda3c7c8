/*
** WASI preview1 (`wasi_snapshot_preview1`) host functions.
**
** A wf_wasi_t is one program's view of the world: its arguments, its
** environment, its three standard streams, the directories it was granted
** (preopens) and where its clocks and random bytes come from. Every one of
** these is handed in by the embedder through wf_wasi_config_t; nothing reaches
** the host file system unless a directory was granted, and paths are resolved
** so that `..`, absolute paths and symbolic links cannot leave a grant.
**
** A wf_wasi_t owns one host function per WASI import; wf_wasi_link fills a
** module's imports with them. It serves one instance (one program run) at a
** time, on one thread: the CGI glue makes one per request.
*/
#ifndef WF_WASI_H
#define WF_WASI_H

#include "wf/wf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wf_wasi wf_wasi_t;

/* Where a standard stream goes. */
typedef enum wf_wasi_stdio_kind {
    WF_WASI_STDIO_NULL = 0, /* reads see end of file, writes are discarded */
    WF_WASI_STDIO_FD,       /* a host file descriptor (borrowed, never closed) */
    WF_WASI_STDIO_BUFFER,   /* stdin: bytes given; stdout/stderr: captured */
    WF_WASI_STDIO_CALLBACK  /* stdout/stderr: each write is handed to a callback */
} wf_wasi_stdio_kind_t;

typedef struct wf_wasi_stdio {
    wf_wasi_stdio_kind_t kind;
    int fd;               /* WF_WASI_STDIO_FD */
    const uint8_t *input; /* stdin BUFFER: borrowed, must outlive the wf_wasi_t */
    size_t input_size;
    size_t output_limit; /* stdout/stderr BUFFER: bytes kept at most; a write
                            beyond it traps ("output limit exceeded"). 0: 16 MiB */
    void (*write)(void *user, const uint8_t *data, size_t size); /* CALLBACK */
    void *user;
} wf_wasi_stdio_t;

/* A directory granted to the program. */
typedef struct wf_wasi_preopen {
    const char *host_path;  /* opened by wf_wasi_new */
    const char *guest_path; /* the name the program sees, e.g. "/data" or "." */
    bool read_only;         /* refuse every write (EROFS) */
} wf_wasi_preopen_t;

typedef struct wf_wasi_config {
    const wf_allocator_t *allocator; /* NULL: the C library's */
    /* Arguments (argv[0] is the program name) and "KEY=VALUE" strings; all
       copied by wf_wasi_new. */
    size_t argc;
    const char *const *argv;
    size_t envc;
    const char *const *env;
    wf_wasi_stdio_t stdin_, stdout_, stderr_;
    const wf_wasi_preopen_t *preopens; /* copied; become fds 3, 4, ... */
    size_t preopen_count;
    /* Clocks: NULL reads the host's (clock_gettime). Returns a WASI errno. */
    int (*clock_time)(void *user, uint32_t clock_id, uint64_t *out_ns);
    void *clock_user;
    /* Random bytes: NULL uses the host's (getrandom). Returns a WASI errno. */
    int (*random)(void *user, uint8_t *buf, size_t size);
    void *random_user;
    /* Absolute CLOCK_MONOTONIC time in ns after which poll_oneoff stops
       sleeping (the caller's deadline also interrupts the instance); 0: none. */
    uint64_t deadline_ns;
} wf_wasi_config_t;

/*
** Makes a WASI context from config (everything in it is copied, except the
** stdin buffer, which is borrowed). Opens the preopened directories; a missing
** one fails with WF_ERR_IO and a message naming it. On success *out is owned
** (free with wf_wasi_free, after the instances that imported its functions).
*/
wf_err_t wf_wasi_new(const wf_wasi_config_t *config, wf_wasi_t **out, wf_error_info_t *err);
void wf_wasi_free(wf_wasi_t *wasi);

/*
** The host function for one import, or NULL if the import is not a WASI
** function (module name other than "wasi_snapshot_preview1", or an unknown
** name). Borrowed from wasi.
*/
wf_func_t *wf_wasi_func(wf_wasi_t *wasi, const char *module, const char *name);

/*
** Fills imports[0 .. wf_module_import_count(module)) for module: WASI
** functions from wasi (wasi may be NULL: then none are offered). Any other
** import fails with WF_ERR_UNKNOWN_IMPORT and a message naming it. The externs
** are borrowed from wasi.
*/
wf_err_t wf_wasi_link(wf_wasi_t *wasi, const wf_module_t *module, wf_extern_t *imports,
                      wf_error_info_t *err);

/* Whether the module imports anything from wasi_snapshot_preview1. */
bool wf_wasi_module_uses(const wf_module_t *module);

/*
** Runs the command: calls the instance's `_start` export. *exit_code gets the
** program's status (0 when _start returns, the proc_exit status otherwise).
** Returns WF_OK for both, or the trap / error (err filled). WF_ERR_NOT_FOUND
** if there is no `_start` function.
*/
wf_err_t wf_wasi_run(wf_wasi_t *wasi, wf_instance_t *instance, int *exit_code,
                     wf_error_info_t *err);

/*
** A captured stream (fd 1 or 2 with WF_WASI_STDIO_BUFFER): *data and *size
** describe the bytes written so far, borrowed from wasi until the next write
** or wf_wasi_free. Returns whether a write was refused for the limit.
*/
bool wf_wasi_output(const wf_wasi_t *wasi, int fd, const uint8_t **data, size_t *size);

#ifdef __cplusplus
}
#endif
#endif
