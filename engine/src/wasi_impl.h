/*
** The WASI unit's private declarations, shared by wasi.c (the context, the
** fd table, streams, clocks, the import table), wasi_fs.c (paths and
** directories) and wasi_os.c (the few Linux calls behind path resolution).
**
** Every WASI function is written as `int32_t fn(wasi_call_t *c, const wf_val_t
** *a)`: it returns a WASI errno (>= 0), or a negative wf_err_t that the
** trampoline hands back to the interpreter (proc_exit, traps).
*/
#ifndef WF_WASI_IMPL_H
#define WF_WASI_IMPL_H

#include <sys/stat.h>

#include "module.h"
#include "wf/wasi.h"

/* WASI errno values (wasi_snapshot_preview1, witx `errno`). */
enum {
    WASI_ESUCCESS = 0,
    WASI_E2BIG = 1,
    WASI_EACCES = 2,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EBUSY = 10,
    WASI_EEXIST = 20,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_EISDIR = 31,
    WASI_ELOOP = 32,
    WASI_EMFILE = 33,
    WASI_EMLINK = 34,
    WASI_ENAMETOOLONG = 37,
    WASI_ENFILE = 41,
    WASI_ENODEV = 43,
    WASI_ENOENT = 44,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTDIR = 54,
    WASI_ENOTEMPTY = 55,
    WASI_ENOTSUP = 58,
    WASI_ENOTTY = 59,
    WASI_ENXIO = 60,
    WASI_EOVERFLOW = 61,
    WASI_EPERM = 63,
    WASI_EPIPE = 64,
    WASI_ERANGE = 68,
    WASI_EROFS = 69,
    WASI_ESPIPE = 70,
    WASI_ETXTBSY = 74,
    WASI_EXDEV = 75,
    WASI_ENOTCAPABLE = 76
};

/* File types. */
enum {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4,
    WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6,
    WASI_FILETYPE_SYMBOLIC_LINK = 7
};

/* fdflags, oflags, lookupflags, fstflags. */
enum {
    WASI_FDFLAG_APPEND = 1,
    WASI_FDFLAG_DSYNC = 2,
    WASI_FDFLAG_NONBLOCK = 4,
    WASI_FDFLAG_RSYNC = 8,
    WASI_FDFLAG_SYNC = 16,
    WASI_OFLAG_CREAT = 1,
    WASI_OFLAG_DIRECTORY = 2,
    WASI_OFLAG_EXCL = 4,
    WASI_OFLAG_TRUNC = 8,
    WASI_LOOKUP_SYMLINK_FOLLOW = 1,
    WASI_FSTFLAG_ATIM = 1,
    WASI_FSTFLAG_ATIM_NOW = 2,
    WASI_FSTFLAG_MTIM = 4,
    WASI_FSTFLAG_MTIM_NOW = 8
};

/* Rights (only those the implementation looks at). */
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_FD_ALLOCATE (UINT64_C(1) << 8)
#define WASI_RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (UINT64_C(1) << 22)
#define WASI_RIGHTS_ALL ((UINT64_C(1) << 30) - 1)

#define WASI_MAX_FDS 1024u
#define WASI_MAX_PATH 4096u
#define WASI_DEFAULT_OUTPUT_LIMIT (16u << 20)

typedef enum wasi_fd_kind {
    WASI_FD_FREE = 0,
    WASI_FD_STDIO,
    WASI_FD_DIR,
    WASI_FD_FILE
} wasi_fd_kind_t;

typedef struct wasi_fd {
    uint8_t kind;       /* wasi_fd_kind_t */
    uint8_t filetype;   /* a WASI file type */
    uint8_t stream;     /* WASI_FD_STDIO: 0, 1 or 2 */
    bool read_only;     /* opened beneath a read-only grant */
    int host_fd;        /* WASI_FD_DIR/FILE: owned; WASI_FD_STDIO with an fd: borrowed */
    char *preopen_name; /* preopens only: owned, NUL-terminated */
    uint64_t rights_base;
    uint64_t rights_inheriting;
} wasi_fd_t;

typedef struct wasi_entry wasi_entry_t;

/* What a host function's user_data points at: the context and its entry. */
typedef struct wasi_binding {
    wf_wasi_t *wasi;
    const wasi_entry_t *entry;
} wasi_binding_t;

/* A captured output stream. */
typedef struct wasi_output {
    uint8_t *data;
    size_t size, capacity, limit;
    bool overflowed;
} wasi_output_t;

struct wf_wasi {
    wf_allocator_t allocator;
    char **argv; /* argc strings, owned */
    size_t argc;
    char **env; /* envc strings, owned */
    size_t envc;
    wf_wasi_stdio_t stdio[3];
    size_t input_pos;        /* stdin BUFFER: bytes already read */
    wasi_output_t output[3]; /* [1] and [2] used */
    wasi_fd_t *fds;
    uint32_t fd_count; /* entries in fds (free ones included) */
    int (*clock_time)(void *user, uint32_t clock_id, uint64_t *out_ns);
    void *clock_user;
    int (*random)(void *user, uint8_t *buf, size_t size);
    void *random_user;
    uint64_t deadline_ns;
    wasi_binding_t *bindings; /* one per entry of the import table */
    wf_func_t **funcs;        /* made on first use; owned */
};

/* One host call in progress: the context and the caller's memory. */
typedef struct wasi_call {
    wf_wasi_t *wasi;
    wf_host_call_t *call;
    uint8_t *mem;
    uint64_t mem_size;
} wasi_call_t;

typedef int32_t (*wasi_fn_t)(wasi_call_t *c, const wf_val_t *a);

struct wasi_entry {
    const char *name;
    const char *params; /* 'i': i32, 'I': i64 */
    bool has_result;    /* false only for proc_exit */
    wasi_fn_t fn;
};

/* Guest memory access: a host pointer to [ptr, ptr + len), or NULL. */
static inline uint8_t *wasi_mem(wasi_call_t *c, uint32_t ptr, uint64_t len)
{
    if ((uint64_t)ptr + len > c->mem_size)
        return NULL;
    return c->mem + ptr;
}

static inline void wasi_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void wasi_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t wasi_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t wasi_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t wasi_get_u64(const uint8_t *p)
{
    return (uint64_t)wasi_get_u32(p) | (uint64_t)wasi_get_u32(p + 4) << 32;
}

/* wasi.c */
int32_t wf__wasi_errno(int host_errno);
wasi_fd_t *wf__wasi_fd(wf_wasi_t *wasi, uint32_t fd);
/* Takes a free slot for host_fd (owned); returns its number or -WASI errno. */
int64_t wf__wasi_fd_add(wf_wasi_t *wasi, const wasi_fd_t *entry);
uint8_t wf__wasi_filetype(mode_t mode);
void wf__wasi_put_filestat(uint8_t *out, const struct stat *st);

/* wasi_fs.c: the path and directory functions. */
int32_t wf__wasi_path_open(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_create_directory(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_remove_directory(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_unlink_file(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_rename(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_filestat_get(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_filestat_set_times(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_readlink(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_symlink(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_path_link(wasi_call_t *c, const wf_val_t *a);
int32_t wf__wasi_fd_readdir(wasi_call_t *c, const wf_val_t *a);

/* wasi_os.c: resolution that cannot leave dirfd. */
/* Opens path beneath dirfd (no absolute paths, no `..` above dirfd, no
   symbolic link leading out); returns a host fd or -(host errno). */
int wf__wasi_os_open_beneath(int dirfd, const char *path, int flags, unsigned mode);
/* The same, walked one component at a time in user space (the fallback
   when openat2 is missing; exposed for tests). */
int wf__wasi_os_open_walk(int dirfd, const char *path, int flags, unsigned mode);
/* Sets the times of the file an O_PATH descriptor refers to. */
int wf__wasi_os_futimes(int fd, const struct timespec times[2]);

#endif
