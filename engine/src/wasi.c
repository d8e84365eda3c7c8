/*
** WASI preview1: the context, the fd table, the standard streams, arguments,
** environment, clocks, random, poll_oneoff and proc_exit, and the import
** table that binds names to host functions. Paths and directories are in
** wasi_fs.c.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasi_impl.h"

#define WASI_MODULE "wasi_snapshot_preview1"

/* ---------------------------------------------------------------------- */
/* Errors, fds, file types                                                 */
/* ---------------------------------------------------------------------- */

/*
** Maps a host errno to its WASI value. Codes with no WASI meaning become EIO.
*/
int32_t wf__wasi_errno(int e)
{
    switch (e) {
    case 0:
        return WASI_ESUCCESS;
    case E2BIG:
        return WASI_E2BIG;
    case EACCES:
        return WASI_EACCES;
    case EAGAIN:
        return WASI_EAGAIN;
    case EBADF:
        return WASI_EBADF;
    case EBUSY:
        return WASI_EBUSY;
    case EEXIST:
        return WASI_EEXIST;
    case EFAULT:
        return WASI_EFAULT;
    case EFBIG:
        return WASI_EFBIG;
    case EINTR:
        return WASI_EINTR;
    case EINVAL:
        return WASI_EINVAL;
    case EIO:
        return WASI_EIO;
    case EISDIR:
        return WASI_EISDIR;
    case ELOOP:
        return WASI_ELOOP;
    case EMFILE:
        return WASI_EMFILE;
    case EMLINK:
        return WASI_EMLINK;
    case ENAMETOOLONG:
        return WASI_ENAMETOOLONG;
    case ENFILE:
        return WASI_ENFILE;
    case ENODEV:
        return WASI_ENODEV;
    case ENOENT:
        return WASI_ENOENT;
    case ENOMEM:
        return WASI_ENOMEM;
    case ENOSPC:
        return WASI_ENOSPC;
    case ENOSYS:
        return WASI_ENOSYS;
    case ENOTDIR:
        return WASI_ENOTDIR;
    case ENOTEMPTY:
        return WASI_ENOTEMPTY;
    case ENOTSUP:
        return WASI_ENOTSUP;
    case ENOTTY:
        return WASI_ENOTTY;
    case ENXIO:
        return WASI_ENXIO;
    case EOVERFLOW:
        return WASI_EOVERFLOW;
    case EPERM:
        return WASI_EPERM;
    case EPIPE:
        return WASI_EPIPE;
    case ERANGE:
        return WASI_ERANGE;
    case EROFS:
        return WASI_EROFS;
    case ESPIPE:
        return WASI_ESPIPE;
    case ETXTBSY:
        return WASI_ETXTBSY;
    case EXDEV:
        return WASI_EXDEV;
    default:
        return WASI_EIO;
    }
}

/* The entry for a guest fd, or NULL if it is not open. */
wasi_fd_t *wf__wasi_fd(wf_wasi_t *wasi, uint32_t fd)
{
    if (fd >= wasi->fd_count || wasi->fds[fd].kind == WASI_FD_FREE)
        return NULL;
    return &wasi->fds[fd];
}

/* Puts entry in the lowest free slot (growing the table); returns the fd or -WASI errno. */
int64_t wf__wasi_fd_add(wf_wasi_t *wasi, const wasi_fd_t *entry)
{
    uint32_t fd = 0;
    while (fd < wasi->fd_count && wasi->fds[fd].kind != WASI_FD_FREE)
        fd++;
    if (fd == wasi->fd_count) {
        if (wasi->fd_count >= WASI_MAX_FDS)
            return -WASI_EMFILE;
        uint32_t count = wasi->fd_count * 2;
        if (count > WASI_MAX_FDS)
            count = WASI_MAX_FDS;
        wasi_fd_t *bigger = wf__realloc(&wasi->allocator, wasi->fds,
                                        wasi->fd_count * sizeof *bigger, count * sizeof *bigger);
        if (!bigger)
            return -WASI_ENOMEM;
        memset(bigger + wasi->fd_count, 0, (count - wasi->fd_count) * sizeof *bigger);
        wasi->fds = bigger;
        wasi->fd_count = count;
    }
    wasi->fds[fd] = *entry;
    return fd;
}

uint8_t wf__wasi_filetype(mode_t mode)
{
    if (S_ISREG(mode))
        return WASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(mode))
        return WASI_FILETYPE_DIRECTORY;
    if (S_ISCHR(mode))
        return WASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(mode))
        return WASI_FILETYPE_BLOCK_DEVICE;
    if (S_ISLNK(mode))
        return WASI_FILETYPE_SYMBOLIC_LINK;
    if (S_ISSOCK(mode))
        return WASI_FILETYPE_SOCKET_STREAM;
    return WASI_FILETYPE_UNKNOWN;
}

static uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Writes a 64-byte WASI filestat for st. */
void wf__wasi_put_filestat(uint8_t *out, const struct stat *st)
{
    memset(out, 0, 64);
    wasi_put_u64(out + 0, (uint64_t)st->st_dev);
    wasi_put_u64(out + 8, (uint64_t)st->st_ino);
    out[16] = wf__wasi_filetype(st->st_mode);
    wasi_put_u64(out + 24, (uint64_t)st->st_nlink);
    wasi_put_u64(out + 32, (uint64_t)st->st_size);
    wasi_put_u64(out + 40, timespec_ns(&st->st_atim));
    wasi_put_u64(out + 48, timespec_ns(&st->st_mtim));
    wasi_put_u64(out + 56, timespec_ns(&st->st_ctim));
}

/* Closes what an fd entry owns and marks it free. */
static void fd_release(wf_wasi_t *wasi, wasi_fd_t *entry)
{
    if ((entry->kind == WASI_FD_DIR || entry->kind == WASI_FD_FILE) && entry->host_fd >= 0)
        close(entry->host_fd);
    if (entry->preopen_name)
        wf__free(&wasi->allocator, entry->preopen_name, strlen(entry->preopen_name) + 1);
    memset(entry, 0, sizeof *entry);
}

/* The host fd a stream or file reads and writes, or -1 (buffer, null). */
static int fd_host(const wf_wasi_t *wasi, const wasi_fd_t *entry)
{
    if (entry->kind == WASI_FD_FILE)
        return entry->host_fd;
    if (entry->kind == WASI_FD_STDIO && wasi->stdio[entry->stream].kind == WF_WASI_STDIO_FD)
        return wasi->stdio[entry->stream].fd;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Arguments, environment                                                  */
/* ---------------------------------------------------------------------- */

/* Writes count strings as a pointer array at ptrs_ptr and their bytes at buf_ptr. */
static int32_t put_strings(wasi_call_t *c, char *const *strings, size_t count, uint32_t ptrs_ptr,
                           uint32_t buf_ptr)
{
    uint8_t *ptrs = wasi_mem(c, ptrs_ptr, (uint64_t)count * 4);
    if (!ptrs)
        return WASI_EFAULT;
    uint32_t at = buf_ptr;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(strings[i]) + 1;
        uint8_t *dst = wasi_mem(c, at, len);
        if (!dst)
            return WASI_EFAULT;
        memcpy(dst, strings[i], len);
        wasi_put_u32(ptrs + 4 * i, at);
        at += (uint32_t)len;
    }
    return WASI_ESUCCESS;
}

static int32_t put_sizes(wasi_call_t *c, char *const *strings, size_t count, uint32_t count_ptr,
                         uint32_t size_ptr)
{
    uint8_t *pc = wasi_mem(c, count_ptr, 4), *ps = wasi_mem(c, size_ptr, 4);
    if (!pc || !ps)
        return WASI_EFAULT;
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += strlen(strings[i]) + 1;
    if (total > UINT32_MAX)
        return WASI_EOVERFLOW;
    wasi_put_u32(pc, (uint32_t)count);
    wasi_put_u32(ps, (uint32_t)total);
    return WASI_ESUCCESS;
}

static int32_t args_get(wasi_call_t *c, const wf_val_t *a)
{
    return put_strings(c, c->wasi->argv, c->wasi->argc, (uint32_t)a[0].of.i32,
                       (uint32_t)a[1].of.i32);
}

static int32_t args_sizes_get(wasi_call_t *c, const wf_val_t *a)
{
    return put_sizes(c, c->wasi->argv, c->wasi->argc, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32);
}

static int32_t environ_get(wasi_call_t *c, const wf_val_t *a)
{
    return put_strings(c, c->wasi->env, c->wasi->envc, (uint32_t)a[0].of.i32,
                       (uint32_t)a[1].of.i32);
}

static int32_t environ_sizes_get(wasi_call_t *c, const wf_val_t *a)
{
    return put_sizes(c, c->wasi->env, c->wasi->envc, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32);
}

/* ---------------------------------------------------------------------- */
/* Clocks, random, scheduling, exit                                        */
/* ---------------------------------------------------------------------- */

static int host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0:
        *out = CLOCK_REALTIME;
        return 0;
    case 1:
        *out = CLOCK_MONOTONIC;
        return 0;
    case 2:
        *out = CLOCK_PROCESS_CPUTIME_ID;
        return 0;
    case 3:
        *out = CLOCK_THREAD_CPUTIME_ID;
        return 0;
    default:
        return -1;
    }
}

/* Reads clock id (the embedder's source if it gave one); returns a WASI errno. */
static int32_t read_clock(wf_wasi_t *wasi, uint32_t id, uint64_t *ns)
{
    if (wasi->clock_time)
        return wasi->clock_time(wasi->clock_user, id, ns);
    clockid_t host;
    struct timespec ts;
    if (host_clock(id, &host) < 0)
        return WASI_EINVAL;
    if (clock_gettime(host, &ts) < 0)
        return wf__wasi_errno(errno);
    *ns = timespec_ns(&ts);
    return WASI_ESUCCESS;
}

static int32_t clock_res_get(wasi_call_t *c, const wf_val_t *a)
{
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, 8);
    if (!out)
        return WASI_EFAULT;
    clockid_t host;
    struct timespec ts;
    if (host_clock((uint32_t)a[0].of.i32, &host) < 0)
        return WASI_EINVAL;
    if (clock_getres(host, &ts) < 0)
        return wf__wasi_errno(errno);
    wasi_put_u64(out, timespec_ns(&ts));
    return WASI_ESUCCESS;
}

static int32_t clock_time_get(wasi_call_t *c, const wf_val_t *a)
{
    uint8_t *out = wasi_mem(c, (uint32_t)a[2].of.i32, 8);
    if (!out)
        return WASI_EFAULT;
    uint64_t ns = 0;
    int32_t rc = read_clock(c->wasi, (uint32_t)a[0].of.i32, &ns);
    if (rc == WASI_ESUCCESS)
        wasi_put_u64(out, ns);
    return rc;
}

static int32_t random_get(wasi_call_t *c, const wf_val_t *a)
{
    uint32_t size = (uint32_t)a[1].of.i32;
    uint8_t *buf = wasi_mem(c, (uint32_t)a[0].of.i32, size);
    if (!buf)
        return WASI_EFAULT;
    if (c->wasi->random)
        return c->wasi->random(c->wasi->random_user, buf, size);
    size_t done = 0;
    while (done < size) {
        ssize_t n = getrandom(buf + done, size - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wf__wasi_errno(errno);
        }
        done += (size_t)n;
    }
    return WASI_ESUCCESS;
}

static int32_t sched_yield_(wasi_call_t *c, const wf_val_t *a)
{
    sched_yield();
    return WASI_ESUCCESS;
}

static int32_t proc_exit(wasi_call_t *c, const wf_val_t *a)
{
    return wf_host_call_exit(c->call, a[0].of.i32);
}

static int32_t unsupported(wasi_call_t *c, const wf_val_t *a)
{
    return WASI_ENOSYS;
}

/*
** poll_oneoff: clock subscriptions sleep until the earliest deadline (never
** past the embedder's deadline); fd subscriptions are reported ready at once,
** since every stream wafer hands out is a file, a buffer or a terminal.
*/
static int32_t poll_oneoff(wasi_call_t *c, const wf_val_t *a)
{
    uint32_t count = (uint32_t)a[2].of.i32;
    uint8_t *in = wasi_mem(c, (uint32_t)a[0].of.i32, (uint64_t)count * 48);
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, (uint64_t)count * 32);
    uint8_t *nevents = wasi_mem(c, (uint32_t)a[3].of.i32, 4);
    if (!in || !out || !nevents)
        return WASI_EFAULT;
    if (count == 0)
        return WASI_EINVAL;
    uint64_t *due = wf__calloc(&c->wasi->allocator, count, sizeof *due);
    if (!due)
        return WASI_ENOMEM;

    /* Each clock subscription's deadline on the monotonic clock. */
    uint64_t now_mono = 0;
    read_clock(c->wasi, 1, &now_mono);
    uint64_t wake = UINT64_MAX;
    bool fd_ready = false, clock_error = false;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *sub = in + 48 * i;
        due[i] = UINT64_MAX;
        if (sub[8] != 0) {
            fd_ready = true;
            continue;
        }
        uint64_t timeout = wasi_get_u64(sub + 24), now = 0;
        if (read_clock(c->wasi, wasi_get_u32(sub + 16), &now) != WASI_ESUCCESS) {
            clock_error = true;
            continue;
        }
        uint64_t remaining = timeout;
        if (wasi_get_u16(sub + 40) & 1) /* absolute time */
            remaining = timeout > now ? timeout - now : 0;
        due[i] = remaining > UINT64_MAX - now_mono ? UINT64_MAX - 1 : now_mono + remaining;
        if (due[i] < wake)
            wake = due[i];
    }
    if (!fd_ready && !clock_error && wake != UINT64_MAX) {
        uint64_t until = wake;
        if (c->wasi->deadline_ns && c->wasi->deadline_ns < until)
            until = c->wasi->deadline_ns;
        struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
                              .tv_nsec = (long)(until % 1000000000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
    }
    uint64_t after = 0;
    read_clock(c->wasi, 1, &after);
    if (!fd_ready && !clock_error && after < wake)
        after = wake; /* cut short by the deadline: report the earliest anyway */

    uint32_t events = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *sub = in + 48 * i;
        uint8_t type = sub[8];
        uint16_t error = WASI_ESUCCESS;
        uint64_t nbytes = 0;
        if (type == 0) {
            if (due[i] == UINT64_MAX)
                error = WASI_EINVAL;
            else if (due[i] > after)
                continue;
        } else if (type == 1 || type == 2) {
            wasi_fd_t *entry = wf__wasi_fd(c->wasi, wasi_get_u32(sub + 16));
            if (!entry)
                error = WASI_EBADF;
            else if (type == 1 && entry->kind == WASI_FD_STDIO && entry->stream == 0 &&
                     c->wasi->stdio[0].kind == WF_WASI_STDIO_BUFFER)
                nbytes = c->wasi->stdio[0].input_size - c->wasi->input_pos;
            else
                nbytes = 1;
        } else {
            error = WASI_EINVAL;
        }
        uint8_t *ev = out + 32 * events++;
        memset(ev, 0, 32);
        wasi_put_u64(ev, wasi_get_u64(sub));
        wasi_put_u16(ev + 8, error);
        ev[10] = type;
        wasi_put_u64(ev + 16, nbytes);
    }
    wf__free(&c->wasi->allocator, due, count * sizeof *due);
    wasi_put_u32(nevents, events);
    return WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Reading and writing                                                     */
/* ---------------------------------------------------------------------- */

/* Appends to a captured stream; false (and overflowed set) beyond its limit. */
static bool output_append(wf_wasi_t *wasi, wasi_output_t *out, const uint8_t *data, size_t size)
{
    if (size > out->limit - out->size) {
        out->overflowed = true;
        return false;
    }
    if (out->size + size > out->capacity) {
        size_t capacity = out->capacity ? out->capacity : 4096;
        while (capacity < out->size + size)
            capacity *= 2;
        if (capacity > out->limit)
            capacity = out->limit;
        uint8_t *bigger = wf__realloc(&wasi->allocator, out->data, out->capacity, capacity);
        if (!bigger)
            return false;
        out->data = bigger;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, data, size);
    out->size += size;
    return true;
}

/*
** Moves len bytes between buf and a standard stream that is not a host file
** descriptor: output into its buffer or callback (all of it), input from the
** stdin buffer (what is left; nothing from a null stdin). *moved is the count.
** Returns a WASI errno, or a negative wf_err_t (output limit).
*/
static int32_t stdio_transfer(wasi_call_t *c, const wasi_fd_t *entry, bool reading, uint8_t *buf,
                              uint32_t len, uint32_t *moved)
{
    wf_wasi_t *wasi = c->wasi;
    *moved = 0;
    if (reading) {
        const wf_wasi_stdio_t *stream = &wasi->stdio[0];
        if (stream->kind != WF_WASI_STDIO_BUFFER)
            return WASI_ESUCCESS; /* null: end of file */
        size_t left = stream->input_size - wasi->input_pos;
        size_t n = len < left ? len : left;
        if (n)
            memcpy(buf, stream->input + wasi->input_pos, n);
        wasi->input_pos += n;
        *moved = (uint32_t)n;
        return WASI_ESUCCESS;
    }
    const wf_wasi_stdio_t *stream = &wasi->stdio[entry->stream];
    if (stream->kind == WF_WASI_STDIO_BUFFER) {
        if (!output_append(wasi, &wasi->output[entry->stream], buf, len)) {
            if (wasi->output[entry->stream].overflowed)
                return wf_host_call_trap(c->call, "output limit exceeded");
            return WASI_ENOMEM;
        }
    } else if (stream->kind == WF_WASI_STDIO_CALLBACK && stream->write) {
        stream->write(stream->user, buf, len);
    }
    *moved = len;
    return WASI_ESUCCESS;
}

/*
** The common body of fd_read, fd_pread, fd_write and fd_pwrite (offset < 0:
** the current position). Returns a WASI errno, or a negative wf_err_t
** (output limit).
*/
static int32_t do_io(wasi_call_t *c, bool reading, uint32_t fd, uint32_t iovs, uint32_t iov_count,
                     int64_t offset, uint32_t done_ptr)
{
    wf_wasi_t *wasi = c->wasi;
    wasi_fd_t *entry = wf__wasi_fd(wasi, fd);
    uint8_t *vec = wasi_mem(c, iovs, (uint64_t)iov_count * 8);
    uint8_t *done = wasi_mem(c, done_ptr, 4);
    if (!entry)
        return WASI_EBADF;
    if (!vec || !done)
        return WASI_EFAULT;
    if (entry->kind == WASI_FD_DIR)
        return WASI_EISDIR;
    /* stdin reads and stdout/stderr writes only, unless backed by a host fd */
    if (entry->kind == WASI_FD_STDIO && (entry->stream != 0) == reading &&
        wasi->stdio[entry->stream].kind != WF_WASI_STDIO_FD)
        return WASI_EBADF;
    int host = fd_host(wasi, entry);
    uint64_t total = 0;
    for (uint32_t i = 0; i < iov_count; i++) {
        uint32_t len = wasi_get_u32(vec + 8 * i + 4);
        uint8_t *buf = wasi_mem(c, wasi_get_u32(vec + 8 * i), len);
        if (!buf)
            return WASI_EFAULT;
        if (len == 0)
            continue;
        if (host < 0) {
            uint32_t moved;
            int32_t rc = stdio_transfer(c, entry, reading, buf, len, &moved);
            if (rc != WASI_ESUCCESS)
                return rc;
            total += moved;
            if (moved < len)
                break;
            continue;
        }
        ssize_t n;
        do {
            int64_t at = offset + (int64_t)total;
            if (reading)
                n = offset < 0 ? read(host, buf, len) : pread(host, buf, len, at);
            else
                n = offset < 0 ? write(host, buf, len) : pwrite(host, buf, len, at);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            if (total > 0)
                break;
            return wf__wasi_errno(errno);
        }
        total += (uint64_t)n;
        if ((uint32_t)n < len)
            break;
    }
    wasi_put_u32(done, (uint32_t)total);
    return WASI_ESUCCESS;
}

/* fd_read and fd_write: (fd, iovs, iovs_len, nread/nwritten ptr). */
static int32_t fd_stream_io(wasi_call_t *c, const wf_val_t *a, bool reading)
{
    return do_io(c, reading, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                 -1, (uint32_t)a[3].of.i32);
}

/* fd_pread and fd_pwrite: (fd, iovs, iovs_len, offset, nread/nwritten ptr); files only. */
static int32_t fd_positioned_io(wasi_call_t *c, const wf_val_t *a, bool reading)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (entry && entry->kind != WASI_FD_FILE)
        return WASI_ESPIPE;
    if (a[3].of.i64 < 0)
        return WASI_EINVAL;
    return do_io(c, reading, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                 a[3].of.i64, (uint32_t)a[4].of.i32);
}

static int32_t fd_write(wasi_call_t *c, const wf_val_t *a)
{
    return fd_stream_io(c, a, false);
}

static int32_t fd_pwrite(wasi_call_t *c, const wf_val_t *a)
{
    return fd_positioned_io(c, a, false);
}

static int32_t fd_read(wasi_call_t *c, const wf_val_t *a)
{
    return fd_stream_io(c, a, true);
}

static int32_t fd_pread(wasi_call_t *c, const wf_val_t *a)
{
    return fd_positioned_io(c, a, true);
}

static int32_t fd_seek(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    uint8_t *out = wasi_mem(c, (uint32_t)a[3].of.i32, 8);
    if (!entry)
        return WASI_EBADF;
    if (!out)
        return WASI_EFAULT;
    int whence;
    switch (a[2].of.i32) {
    case 0:
        whence = SEEK_SET;
        break;
    case 1:
        whence = SEEK_CUR;
        break;
    case 2:
        whence = SEEK_END;
        break;
    default:
        return WASI_EINVAL;
    }
    int host = fd_host(c->wasi, entry);
    if (entry->kind == WASI_FD_DIR)
        return WASI_EBADF;
    if (host < 0)
        return WASI_ESPIPE;
    off_t pos = lseek(host, (off_t)a[1].of.i64, whence);
    if (pos < 0)
        return wf__wasi_errno(errno);
    wasi_put_u64(out, (uint64_t)pos);
    return WASI_ESUCCESS;
}

static int32_t fd_tell(wasi_call_t *c, const wf_val_t *a)
{
    wf_val_t args[4] = {a[0], {.type = WF_I64, .of.i64 = 0}, {.type = WF_I32, .of.i32 = 1}, a[1]};
    return fd_seek(c, args);
}

static int32_t fd_close(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry)
        return WASI_EBADF;
    fd_release(c->wasi, entry);
    return WASI_ESUCCESS;
}

static int32_t fd_renumber(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *from = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    wasi_fd_t *to = wf__wasi_fd(c->wasi, (uint32_t)a[1].of.i32);
    if (!from || !to)
        return WASI_EBADF;
    if (from == to)
        return WASI_ESUCCESS;
    fd_release(c->wasi, to);
    *to = *from;
    memset(from, 0, sizeof *from);
    return WASI_ESUCCESS;
}

static int32_t fd_fdstat_get(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, 24);
    if (!entry)
        return WASI_EBADF;
    if (!out)
        return WASI_EFAULT;
    uint16_t flags = 0;
    uint8_t filetype = entry->filetype;
    uint64_t rights = entry->rights_base;
    int host = fd_host(c->wasi, entry);
    if (host >= 0) {
        int fl = fcntl(host, F_GETFL);
        if (fl >= 0) {
            flags |= (fl & O_APPEND) ? WASI_FDFLAG_APPEND : 0;
            flags |= (fl & O_NONBLOCK) ? WASI_FDFLAG_NONBLOCK : 0;
            flags |= (fl & O_DSYNC) ? WASI_FDFLAG_DSYNC : 0;
            flags |= ((fl & O_SYNC) == O_SYNC) ? WASI_FDFLAG_SYNC : 0;
        }
        if (entry->kind == WASI_FD_STDIO) {
            /* A terminal is a character device that cannot seek: that is
               what the C library's isatty looks for. */
            struct stat st;
            if (fstat(host, &st) == 0)
                filetype = wf__wasi_filetype(st.st_mode);
            if (isatty(host))
                rights &= ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
        }
    }
    memset(out, 0, 24);
    out[0] = filetype;
    wasi_put_u16(out + 2, flags);
    wasi_put_u64(out + 8, rights);
    wasi_put_u64(out + 16, entry->rights_inheriting);
    return WASI_ESUCCESS;
}

static int32_t fd_fdstat_set_flags(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry)
        return WASI_EBADF;
    if (entry->kind != WASI_FD_FILE)
        return WASI_ENOTSUP;
    uint16_t flags = (uint16_t)a[1].of.i32;
    int fl = fcntl(entry->host_fd, F_GETFL);
    if (fl < 0)
        return wf__wasi_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    fl |= (flags & WASI_FDFLAG_APPEND) ? O_APPEND : 0;
    fl |= (flags & WASI_FDFLAG_NONBLOCK) ? O_NONBLOCK : 0;
    if (fcntl(entry->host_fd, F_SETFL, fl) < 0)
        return wf__wasi_errno(errno);
    return WASI_ESUCCESS;
}

static int32_t fd_fdstat_set_rights(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry)
        return WASI_EBADF;
    uint64_t base = (uint64_t)a[1].of.i64, inheriting = (uint64_t)a[2].of.i64;
    if ((base & ~entry->rights_base) || (inheriting & ~entry->rights_inheriting))
        return WASI_ENOTCAPABLE;
    entry->rights_base = base;
    entry->rights_inheriting = inheriting;
    return WASI_ESUCCESS;
}

static int32_t fd_filestat_get(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, 64);
    if (!entry)
        return WASI_EBADF;
    if (!out)
        return WASI_EFAULT;
    int host = entry->kind == WASI_FD_DIR ? entry->host_fd : fd_host(c->wasi, entry);
    if (host < 0) {
        memset(out, 0, 64);
        out[16] = entry->filetype;
        return WASI_ESUCCESS;
    }
    struct stat st;
    if (fstat(host, &st) < 0)
        return wf__wasi_errno(errno);
    wf__wasi_put_filestat(out, &st);
    return WASI_ESUCCESS;
}

static int32_t fd_filestat_set_size(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry || entry->kind != WASI_FD_FILE)
        return WASI_EBADF;
    if (entry->read_only)
        return WASI_EROFS;
    if (ftruncate(entry->host_fd, (off_t)a[1].of.i64) < 0)
        return wf__wasi_errno(errno);
    return WASI_ESUCCESS;
}

/* Builds the two timespecs of a set_times call from fst_flags. */
static int32_t make_times(struct timespec times[2], uint64_t atim, uint64_t mtim, uint16_t flags)
{
    if (((flags & WASI_FSTFLAG_ATIM) && (flags & WASI_FSTFLAG_ATIM_NOW)) ||
        ((flags & WASI_FSTFLAG_MTIM) && (flags & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_EINVAL;
    times[0].tv_sec = (time_t)(atim / 1000000000u);
    times[0].tv_nsec = (long)(atim % 1000000000u);
    times[1].tv_sec = (time_t)(mtim / 1000000000u);
    times[1].tv_nsec = (long)(mtim % 1000000000u);
    if (flags & WASI_FSTFLAG_ATIM_NOW)
        times[0].tv_nsec = UTIME_NOW;
    else if (!(flags & WASI_FSTFLAG_ATIM))
        times[0].tv_nsec = UTIME_OMIT;
    if (flags & WASI_FSTFLAG_MTIM_NOW)
        times[1].tv_nsec = UTIME_NOW;
    else if (!(flags & WASI_FSTFLAG_MTIM))
        times[1].tv_nsec = UTIME_OMIT;
    return WASI_ESUCCESS;
}

static int32_t fd_filestat_set_times(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry || (entry->kind != WASI_FD_FILE && entry->kind != WASI_FD_DIR))
        return WASI_EBADF;
    if (entry->read_only)
        return WASI_EROFS;
    struct timespec times[2];
    int32_t rc =
        make_times(times, (uint64_t)a[1].of.i64, (uint64_t)a[2].of.i64, (uint16_t)a[3].of.i32);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (futimens(entry->host_fd, times) < 0)
        return wf__wasi_errno(errno);
    return WASI_ESUCCESS;
}

/* Exposed to wasi_fs.c through the entry table only. */
int32_t wf__wasi_make_times(struct timespec times[2], uint64_t atim, uint64_t mtim, uint16_t flags);
int32_t wf__wasi_make_times(struct timespec times[2], uint64_t atim, uint64_t mtim, uint16_t flags)
{
    return make_times(times, atim, mtim, flags);
}

static int32_t fd_sync(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry)
        return WASI_EBADF;
    if (entry->kind == WASI_FD_FILE && fsync(entry->host_fd) < 0)
        return wf__wasi_errno(errno);
    return WASI_ESUCCESS;
}

static int32_t fd_advise(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry)
        return WASI_EBADF;
    if ((uint32_t)a[3].of.i32 > 5)
        return WASI_EINVAL;
    return WASI_ESUCCESS; /* advice only */
}

static int32_t fd_allocate(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    if (!entry || entry->kind != WASI_FD_FILE)
        return WASI_EBADF;
    if (entry->read_only)
        return WASI_EROFS;
    int rc = posix_fallocate(entry->host_fd, (off_t)a[1].of.i64, (off_t)a[2].of.i64);
    return rc ? wf__wasi_errno(rc) : WASI_ESUCCESS;
}

static int32_t fd_prestat_get(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, 8);
    if (!entry || !entry->preopen_name)
        return WASI_EBADF;
    if (!out)
        return WASI_EFAULT;
    memset(out, 0, 8);
    wasi_put_u32(out + 4, (uint32_t)strlen(entry->preopen_name));
    return WASI_ESUCCESS;
}

static int32_t fd_prestat_dir_name(wasi_call_t *c, const wf_val_t *a)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, (uint32_t)a[0].of.i32);
    uint32_t len = (uint32_t)a[2].of.i32;
    uint8_t *out = wasi_mem(c, (uint32_t)a[1].of.i32, len);
    if (!entry || !entry->preopen_name)
        return WASI_EBADF;
    if (!out)
        return WASI_EFAULT;
    size_t name_len = strlen(entry->preopen_name);
    if (len < name_len)
        return WASI_ENAMETOOLONG;
    memcpy(out, entry->preopen_name, name_len);
    return WASI_ESUCCESS;
}

/* ---------------------------------------------------------------------- */
/* The import table                                                        */
/* ---------------------------------------------------------------------- */

/* Sorted by name. */
static const wasi_entry_t entries[] = {
    {"args_get", "ii", true, args_get},
    {"args_sizes_get", "ii", true, args_sizes_get},
    {"clock_res_get", "ii", true, clock_res_get},
    {"clock_time_get", "iIi", true, clock_time_get},
    {"environ_get", "ii", true, environ_get},
    {"environ_sizes_get", "ii", true, environ_sizes_get},
    {"fd_advise", "iIIi", true, fd_advise},
    {"fd_allocate", "iII", true, fd_allocate},
    {"fd_close", "i", true, fd_close},
    {"fd_datasync", "i", true, fd_sync},
    {"fd_fdstat_get", "ii", true, fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", true, fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", true, fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", true, fd_filestat_get},
    {"fd_filestat_set_size", "iI", true, fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", true, fd_filestat_set_times},
    {"fd_pread", "iiiIi", true, fd_pread},
    {"fd_prestat_dir_name", "iii", true, fd_prestat_dir_name},
    {"fd_prestat_get", "ii", true, fd_prestat_get},
    {"fd_pwrite", "iiiIi", true, fd_pwrite},
    {"fd_read", "iiii", true, fd_read},
    {"fd_readdir", "iiiIi", true, wf__wasi_fd_readdir},
    {"fd_renumber", "ii", true, fd_renumber},
    {"fd_seek", "iIii", true, fd_seek},
    {"fd_sync", "i", true, fd_sync},
    {"fd_tell", "ii", true, fd_tell},
    {"fd_write", "iiii", true, fd_write},
    {"path_create_directory", "iii", true, wf__wasi_path_create_directory},
    {"path_filestat_get", "iiiii", true, wf__wasi_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", true, wf__wasi_path_filestat_set_times},
    {"path_link", "iiiiiii", true, wf__wasi_path_link},
    {"path_open", "iiiiiIIii", true, wf__wasi_path_open},
    {"path_readlink", "iiiiii", true, wf__wasi_path_readlink},
    {"path_remove_directory", "iii", true, wf__wasi_path_remove_directory},
    {"path_rename", "iiiiii", true, wf__wasi_path_rename},
    {"path_symlink", "iiiii", true, wf__wasi_path_symlink},
    {"path_unlink_file", "iii", true, wf__wasi_path_unlink_file},
    {"poll_oneoff", "iiii", true, poll_oneoff},
    {"proc_exit", "i", false, proc_exit},
    {"proc_raise", "i", true, unsupported},
    {"random_get", "ii", true, random_get},
    {"sched_yield", "", true, sched_yield_},
    {"sock_accept", "iii", true, unsupported},
    {"sock_recv", "iiiiii", true, unsupported},
    {"sock_send", "iiiii", true, unsupported},
    {"sock_shutdown", "ii", true, unsupported},
};
#define ENTRY_COUNT (sizeof entries / sizeof entries[0])

/* Every WASI call enters here: set up the memory view, run, box the errno. */
static wf_err_t trampoline(wf_host_call_t *call, const wf_val_t *args, wf_val_t *results)
{
    const wasi_binding_t *binding = wf_host_call_user_data(call);
    wasi_call_t c = {.wasi = binding->wasi, .call = call, .mem = NULL, .mem_size = 0};
    wf_memory_t *memory = wf_host_call_memory(call);
    if (memory) {
        c.mem = wf_memory_data(memory);
        c.mem_size = wf_memory_size(memory);
    }
    int32_t rc = binding->entry->fn(&c, args);
    if (rc < 0)
        return (wf_err_t)rc;
    if (binding->entry->has_result) {
        results[0].type = WF_I32;
        results[0].of.i32 = rc;
    }
    return WF_OK;
}

wf_func_t *wf_wasi_func(wf_wasi_t *wasi, const char *module, const char *name)
{
    if (!wasi || strcmp(module, WASI_MODULE))
        return NULL;
    size_t lo = 0, hi = ENTRY_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(name, entries[mid].name);
        if (cmp == 0) {
            if (!wasi->funcs[mid]) {
                uint8_t params[16];
                const char *p = entries[mid].params;
                uint32_t count = (uint32_t)strlen(p);
                for (uint32_t i = 0; i < count; i++)
                    params[i] = p[i] == 'I' ? WF_I64 : WF_I32;
                static const uint8_t result_i32[1] = {WF_I32};
                wf_functype_t type = {.param_count = count,
                                      .result_count = entries[mid].has_result ? 1 : 0,
                                      .params = params,
                                      .results = result_i32};
                wasi->bindings[mid].wasi = wasi;
                wasi->bindings[mid].entry = &entries[mid];
                wasi->funcs[mid] =
                    wf_func_new_host(&wasi->allocator, &type, trampoline, &wasi->bindings[mid]);
            }
            return wasi->funcs[mid];
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool wf_wasi_module_uses(const wf_module_t *module)
{
    uint32_t count = wf_module_import_count(module);
    for (uint32_t i = 0; i < count; i++) {
        wf_import_desc_t desc;
        if (wf_module_import(module, i, &desc) == WF_OK && !strcmp(desc.module, WASI_MODULE))
            return true;
    }
    return false;
}

wf_err_t wf_wasi_link(wf_wasi_t *wasi, const wf_module_t *module, wf_extern_t *imports,
                      wf_error_info_t *err)
{
    uint32_t count = wf_module_import_count(module);
    for (uint32_t i = 0; i < count; i++) {
        wf_import_desc_t desc;
        wf_err_t rc = wf_module_import(module, i, &desc);
        if (rc != WF_OK)
            return wf__error(err, rc, 0, "cannot read import %u", i);
        wf_func_t *func = NULL;
        if (desc.type.kind == WF_EXTERN_FUNC)
            func = wf_wasi_func(wasi, desc.module, desc.name);
        if (!func) {
            if (wasi && desc.type.kind == WF_EXTERN_FUNC && !strcmp(desc.module, WASI_MODULE)) {
                /* Known names can fail only for lack of memory. */
                for (size_t e = 0; e < ENTRY_COUNT; e++)
                    if (!strcmp(entries[e].name, desc.name))
                        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
            }
            return wf__error(err, WF_ERR_UNKNOWN_IMPORT, 0, "unknown import: %s.%s", desc.module,
                             desc.name);
        }
        imports[i].kind = WF_EXTERN_FUNC;
        imports[i].of.func = func;
    }
    return WF_OK;
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                              */
/* ---------------------------------------------------------------------- */

/* Copies count strings into an owned array; NULL when out of memory. */
static char **copy_strings(const wf_allocator_t *allocator, const char *const *strings,
                           size_t count)
{
    char **copy = wf__calloc(allocator, count + 1, sizeof *copy);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        copy[i] = wf__strndup(allocator, strings[i], strlen(strings[i]));
        if (!copy[i]) {
            for (size_t j = 0; j < i; j++)
                wf__free(allocator, copy[j], strlen(copy[j]) + 1);
            wf__free(allocator, copy, (count + 1) * sizeof *copy);
            return NULL;
        }
    }
    return copy;
}

static void free_strings(const wf_allocator_t *allocator, char **strings, size_t count)
{
    if (!strings)
        return;
    for (size_t i = 0; i < count; i++)
        wf__free(allocator, strings[i], strlen(strings[i]) + 1);
    wf__free(allocator, strings, (count + 1) * sizeof *strings);
}

wf_err_t wf_wasi_new(const wf_wasi_config_t *config, wf_wasi_t **out, wf_error_info_t *err)
{
    static const wf_allocator_t libc_allocator = {0};
    const wf_allocator_t *allocator = config->allocator ? config->allocator : &libc_allocator;
    wf_err_t rc = WF_ERR_NOMEM;
    *out = NULL;
    wf_wasi_t *wasi = wf__calloc(allocator, 1, sizeof *wasi);
    if (!wasi)
        return wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
    wasi->allocator = *allocator;
    wasi->argc = config->argc;
    wasi->envc = config->envc;
    wasi->argv = copy_strings(allocator, config->argv, config->argc);
    wasi->env = copy_strings(allocator, config->env, config->envc);
    wasi->bindings = wf__calloc(allocator, ENTRY_COUNT, sizeof *wasi->bindings);
    wasi->funcs = wf__calloc(allocator, ENTRY_COUNT, sizeof *wasi->funcs);
    wasi->fd_count = 3 + (uint32_t)config->preopen_count + 8;
    if (config->preopen_count > WASI_MAX_FDS - 16) {
        rc = wf__error(err, WF_ERR_ARGUMENT, 0, "too many preopened directories");
        goto fail;
    }
    wasi->fds = wf__calloc(allocator, wasi->fd_count, sizeof *wasi->fds);
    if (!wasi->argv || !wasi->env || !wasi->bindings || !wasi->funcs || !wasi->fds) {
        rc = wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
        goto fail;
    }
    wasi->stdio[0] = config->stdin_;
    wasi->stdio[1] = config->stdout_;
    wasi->stdio[2] = config->stderr_;
    for (int i = 0; i < 3; i++) {
        wasi_fd_t *fd = &wasi->fds[i];
        fd->kind = WASI_FD_STDIO;
        fd->stream = (uint8_t)i;
        fd->host_fd = -1;
        fd->filetype = wasi->stdio[i].kind == WF_WASI_STDIO_FD ? WASI_FILETYPE_CHARACTER_DEVICE
                                                               : WASI_FILETYPE_UNKNOWN;
        fd->rights_base = i == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
        if (wasi->stdio[i].kind == WF_WASI_STDIO_FD)
            fd->rights_base |= WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL;
        wasi->output[i].limit =
            wasi->stdio[i].output_limit ? wasi->stdio[i].output_limit : WASI_DEFAULT_OUTPUT_LIMIT;
    }
    for (size_t i = 0; i < config->preopen_count; i++) {
        const wf_wasi_preopen_t *p = &config->preopens[i];
        wasi_fd_t *fd = &wasi->fds[3 + i];
        fd->host_fd = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd->host_fd < 0) {
            rc = wf__error(err, WF_ERR_IO, 0, "cannot open directory '%s': %s", p->host_path,
                           strerror(errno));
            goto fail;
        }
        fd->kind = WASI_FD_DIR;
        fd->filetype = WASI_FILETYPE_DIRECTORY;
        fd->read_only = p->read_only;
        fd->rights_base = WASI_RIGHTS_ALL;
        fd->rights_inheriting = WASI_RIGHTS_ALL;
        const char *name = p->guest_path ? p->guest_path : p->host_path;
        fd->preopen_name = wf__strndup(allocator, name, strlen(name));
        if (!fd->preopen_name) {
            rc = wf__error(err, WF_ERR_NOMEM, 0, "out of memory");
            goto fail;
        }
    }
    wasi->clock_time = config->clock_time;
    wasi->clock_user = config->clock_user;
    wasi->random = config->random;
    wasi->random_user = config->random_user;
    wasi->deadline_ns = config->deadline_ns;
    *out = wasi;
    return WF_OK;

fail:
    wf_wasi_free(wasi);
    return rc;
}

void wf_wasi_free(wf_wasi_t *wasi)
{
    if (!wasi)
        return;
    wf_allocator_t allocator = wasi->allocator;
    if (wasi->fds) {
        for (uint32_t i = 0; i < wasi->fd_count; i++)
            if (wasi->fds[i].kind != WASI_FD_FREE || wasi->fds[i].preopen_name)
                fd_release(wasi, &wasi->fds[i]);
        wf__free(&allocator, wasi->fds, wasi->fd_count * sizeof *wasi->fds);
    }
    if (wasi->funcs) {
        for (size_t i = 0; i < ENTRY_COUNT; i++)
            wf_func_free(wasi->funcs[i]);
        wf__free(&allocator, wasi->funcs, ENTRY_COUNT * sizeof *wasi->funcs);
    }
    wf__free(&allocator, wasi->bindings, ENTRY_COUNT * sizeof *wasi->bindings);
    for (int i = 0; i < 3; i++)
        wf__free(&allocator, wasi->output[i].data, wasi->output[i].capacity);
    free_strings(&allocator, wasi->argv, wasi->argc);
    free_strings(&allocator, wasi->env, wasi->envc);
    wf__free(&allocator, wasi, sizeof *wasi);
}

wf_err_t wf_wasi_run(wf_wasi_t *wasi, wf_instance_t *instance, int *exit_code, wf_error_info_t *err)
{
    wf_extern_t start;
    *exit_code = 0;
    if (wf_instance_export(instance, "_start", &start) != WF_OK || start.kind != WF_EXTERN_FUNC)
        return wf__error(err, WF_ERR_NOT_FOUND, 0, "no _start function");
    wf_error_info_t local;
    wf_error_info_t *e = err ? err : &local;
    memset(e, 0, sizeof *e);
    wf_err_t rc = wf_func_call(start.of.func, NULL, 0, NULL, 0, e);
    if (rc == WF_ERR_EXIT) {
        *exit_code = e->exit_code;
        return WF_OK;
    }
    return rc;
}

bool wf_wasi_output(const wf_wasi_t *wasi, int fd, const uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    if (!wasi || fd < 1 || fd > 2)
        return false;
    *data = wasi->output[fd].data;
    *size = wasi->output[fd].size;
    return wasi->output[fd].overflowed;
}
