/*
** WASI paths and directories: path_open and the other path_* functions, and
** fd_readdir. Every path is resolved beneath the directory fd it is relative
** to (wf__wasi_os_open_beneath); operations on a final component (mkdir,
** unlink, rename, ...) first open the parent that way and then act on one
** plain name with the *at system calls, which never follow a link in it.
** An attempt to leave a grant fails with ENOTCAPABLE; a write beneath a
** read-only grant fails with EROFS.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_impl.h"

int32_t wf__wasi_make_times(struct timespec times[2], uint64_t atim, uint64_t mtim, uint16_t flags);

/* Maps a resolution failure: leaving the grant is ENOTCAPABLE. */
static int32_t resolve_errno(int host_errno)
{
    return host_errno == EXDEV ? WASI_ENOTCAPABLE : wf__wasi_errno(host_errno);
}

/*
** A guest path copied out of memory as a NUL-terminated string (owned by the
** caller: free with path_free). Returns a WASI errno.
*/
static int32_t path_copy(wasi_call_t *c, uint32_t ptr, uint32_t len, char **out)
{
    *out = NULL;
    const uint8_t *src = wasi_mem(c, ptr, len);
    if (!src)
        return WASI_EFAULT;
    if (len > WASI_MAX_PATH)
        return WASI_ENAMETOOLONG;
    if (memchr(src, '\0', len))
        return WASI_EINVAL;
    char *copy = wf__strndup(&c->wasi->allocator, (const char *)src, len);
    if (!copy)
        return WASI_ENOMEM;
    *out = copy;
    return WASI_ESUCCESS;
}

static void path_free(wasi_call_t *c, char *path)
{
    if (path)
        wf__free(&c->wasi->allocator, path, strlen(path) + 1);
}

/* The directory entry for a guest fd, or NULL (with *rc set). */
static wasi_fd_t *dir_fd(wasi_call_t *c, uint32_t fd, int32_t *rc)
{
    wasi_fd_t *entry = wf__wasi_fd(c->wasi, fd);
    if (!entry) {
        *rc = WASI_EBADF;
        return NULL;
    }
    if (entry->kind != WASI_FD_DIR) {
        *rc = WASI_ENOTDIR;
        return NULL;
    }
    return entry;
}

/*
** Opens the parent of path beneath dir and leaves the last component in
** *name (pointing into path, which is modified). *parent is a host fd to
** close with parent_close. Trailing slashes are dropped. A last component of
** "." or ".." is refused (EINVAL / ENOTCAPABLE): the *at calls would act on
** a directory other than the one named.
*/
static int32_t open_parent(const wasi_fd_t *dir, char *path, int *parent, const char **name)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    if (len == 0)
        return WASI_ENOENT;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    char *slash = strrchr(path, '/');
    const char *last = slash ? slash + 1 : path;
    if (!strcmp(last, "."))
        return WASI_EINVAL;
    if (!strcmp(last, ".."))
        return WASI_ENOTCAPABLE;
    if (!slash) {
        *parent = dir->host_fd;
        *name = last;
        return WASI_ESUCCESS;
    }
    *slash = '\0';
    int fd = wf__wasi_os_open_beneath(dir->host_fd, path, O_PATH | O_DIRECTORY, 0);
    if (fd < 0)
        return resolve_errno(-fd);
    *parent = fd;
    *name = last;
    return WASI_ESUCCESS;
}

static void parent_close(const wasi_fd_t *dir, int parent)
{
    if (parent >= 0 && parent != dir->host_fd)
        close(parent);
}

int32_t wf__wasi_path_open(wasi_call_t *c, const wf_val_t *a)
{
    int32_t rc;
    wasi_fd_t *dir = dir_fd(c, (uint32_t)a[0].of.i32, &rc);
    if (!dir)
        return rc;
    uint32_t lookup = (uint32_t)a[1].of.i32;
    uint16_t oflags = (uint16_t)a[4].of.i32;
    uint64_t rights = (uint64_t)a[5].of.i64;
    uint64_t inheriting = (uint64_t)a[6].of.i64;
    uint16_t fdflags = (uint16_t)a[7].of.i32;
    uint8_t *out = wasi_mem(c, (uint32_t)a[8].of.i32, 4);
    if (!out)
        return WASI_EFAULT;

    bool want_write = (rights & (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                                 WASI_RIGHT_FD_FILESTAT_SET_SIZE)) ||
                      (fdflags & WASI_FDFLAG_APPEND) || (oflags & WASI_OFLAG_TRUNC);
    bool want_read = rights & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    int flags = 0;
    if (oflags & WASI_OFLAG_DIRECTORY) {
        flags = O_RDONLY | O_DIRECTORY;
        want_write = false;
    } else if (want_write) {
        flags = want_read ? O_RDWR : O_WRONLY;
    } else {
        flags = O_RDONLY;
    }
    flags |= (oflags & WASI_OFLAG_CREAT) ? O_CREAT : 0;
    flags |= (oflags & WASI_OFLAG_EXCL) ? O_EXCL : 0;
    flags |= (oflags & WASI_OFLAG_TRUNC) ? O_TRUNC : 0;
    flags |= (fdflags & WASI_FDFLAG_APPEND) ? O_APPEND : 0;
    flags |= (fdflags & WASI_FDFLAG_DSYNC) ? O_DSYNC : 0;
    flags |= (fdflags & WASI_FDFLAG_SYNC) ? O_SYNC : 0;
    flags |= (fdflags & WASI_FDFLAG_NONBLOCK) ? O_NONBLOCK : 0;
    flags |= (lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW;
    if (dir->read_only && (want_write || (flags & (O_CREAT | O_TRUNC))))
        return WASI_EROFS;

    char *path;
    rc = path_copy(c, (uint32_t)a[2].of.i32, (uint32_t)a[3].of.i32, &path);
    if (rc != WASI_ESUCCESS)
        return rc;
    int host = wf__wasi_os_open_beneath(dir->host_fd, path, flags, 0666);
    if (host < 0 && -host == EISDIR && !want_write) {
        /* Asked for reading a directory without O_DIRECTORY: fine. */
        host = wf__wasi_os_open_beneath(dir->host_fd, path, O_RDONLY | O_DIRECTORY, 0);
    }
    path_free(c, path);
    if (host < 0)
        return resolve_errno(-host);
    struct stat st;
    if (fstat(host, &st) < 0) {
        rc = wf__wasi_errno(errno);
        close(host);
        return rc;
    }
    wasi_fd_t entry;
    memset(&entry, 0, sizeof entry);
    entry.kind = S_ISDIR(st.st_mode) ? WASI_FD_DIR : WASI_FD_FILE;
    entry.filetype = wf__wasi_filetype(st.st_mode);
    entry.read_only = dir->read_only;
    entry.host_fd = host;
    entry.rights_base = rights & dir->rights_inheriting;
    entry.rights_inheriting = inheriting & dir->rights_inheriting;
    int64_t fd = wf__wasi_fd_add(c->wasi, &entry);
    if (fd < 0) {
        close(host);
        return (int32_t)-fd;
    }
    wasi_put_u32(out, (uint32_t)fd);
    return WASI_ESUCCESS;
}

/* What the simple one-name operations do once the parent is open. */
typedef enum name_op { OP_MKDIR, OP_RMDIR, OP_UNLINK, OP_READLINK } name_op_t;

static int32_t name_operation(wasi_call_t *c, uint32_t fd, uint32_t path_ptr, uint32_t path_len,
                              name_op_t op, uint8_t *buf, uint32_t buf_len, uint8_t *used)
{
    int32_t rc;
    wasi_fd_t *dir = dir_fd(c, fd, &rc);
    if (!dir)
        return rc;
    if (dir->read_only && op != OP_READLINK)
        return WASI_EROFS;
    char *path;
    rc = path_copy(c, path_ptr, path_len, &path);
    if (rc != WASI_ESUCCESS)
        return rc;
    bool trailing_slash = path[0] && path[strlen(path) - 1] == '/';
    int parent = -1;
    const char *name;
    rc = open_parent(dir, path, &parent, &name);
    if (rc == WASI_ESUCCESS) {
        int r = 0;
        switch (op) {
        case OP_MKDIR:
            r = mkdirat(parent, name, 0777);
            break;
        case OP_RMDIR:
            r = unlinkat(parent, name, AT_REMOVEDIR);
            break;
        case OP_UNLINK:
            if (trailing_slash) {
                struct stat st;
                r = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW);
                if (r == 0) {
                    errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTDIR;
                    r = -1;
                }
                break;
            }
            r = unlinkat(parent, name, 0);
            break;
        case OP_READLINK: {
            ssize_t n = readlinkat(parent, name, (char *)buf, buf_len);
            if (n >= 0)
                wasi_put_u32(used, (uint32_t)n);
            r = n < 0 ? -1 : 0;
            break;
        }
        }
        rc = r < 0 ? wf__wasi_errno(errno) : WASI_ESUCCESS;
    }
    parent_close(dir, parent);
    path_free(c, path);
    return rc;
}

int32_t wf__wasi_path_create_directory(wasi_call_t *c, const wf_val_t *a)
{
    return name_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                          OP_MKDIR, NULL, 0, NULL);
}

int32_t wf__wasi_path_remove_directory(wasi_call_t *c, const wf_val_t *a)
{
    return name_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                          OP_RMDIR, NULL, 0, NULL);
}

int32_t wf__wasi_path_unlink_file(wasi_call_t *c, const wf_val_t *a)
{
    return name_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                          OP_UNLINK, NULL, 0, NULL);
}

int32_t wf__wasi_path_readlink(wasi_call_t *c, const wf_val_t *a)
{
    uint32_t buf_len = (uint32_t)a[4].of.i32;
    uint8_t *buf = wasi_mem(c, (uint32_t)a[3].of.i32, buf_len);
    uint8_t *used = wasi_mem(c, (uint32_t)a[5].of.i32, 4);
    if (!buf || !used)
        return WASI_EFAULT;
    return name_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                          OP_READLINK, buf, buf_len, used);
}

/*
** The two-path operations (rename, link): both parents are opened beneath
** their own directory fds.
*/
static int32_t two_path_operation(wasi_call_t *c, uint32_t fd1, uint32_t ptr1, uint32_t len1,
                                  uint32_t fd2, uint32_t ptr2, uint32_t len2, bool is_link)
{
    int32_t rc;
    wasi_fd_t *dir1 = dir_fd(c, fd1, &rc);
    if (!dir1)
        return rc;
    wasi_fd_t *dir2 = dir_fd(c, fd2, &rc);
    if (!dir2)
        return rc;
    if (dir2->read_only || (!is_link && dir1->read_only))
        return WASI_EROFS;
    char *path1 = NULL, *path2 = NULL;
    int parent1 = -1, parent2 = -1;
    const char *name1, *name2;
    rc = path_copy(c, ptr1, len1, &path1);
    if (rc != WASI_ESUCCESS)
        goto done;
    rc = path_copy(c, ptr2, len2, &path2);
    if (rc != WASI_ESUCCESS)
        goto done;
    rc = open_parent(dir1, path1, &parent1, &name1);
    if (rc != WASI_ESUCCESS)
        goto done;
    rc = open_parent(dir2, path2, &parent2, &name2);
    if (rc != WASI_ESUCCESS)
        goto done;
    int r = is_link ? linkat(parent1, name1, parent2, name2, 0)
                    : renameat(parent1, name1, parent2, name2);
    rc = r < 0 ? wf__wasi_errno(errno) : WASI_ESUCCESS;
done:
    parent_close(dir1, parent1);
    parent_close(dir2, parent2);
    path_free(c, path1);
    path_free(c, path2);
    return rc;
}

int32_t wf__wasi_path_rename(wasi_call_t *c, const wf_val_t *a)
{
    return two_path_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32,
                              (uint32_t)a[2].of.i32, (uint32_t)a[3].of.i32, (uint32_t)a[4].of.i32,
                              (uint32_t)a[5].of.i32, false);
}

int32_t wf__wasi_path_link(wasi_call_t *c, const wf_val_t *a)
{
    /* a[1] (lookup flags of the old path) is ignored: the link is made to
       the name itself, never to where a symbolic link points. */
    return two_path_operation(c, (uint32_t)a[0].of.i32, (uint32_t)a[2].of.i32,
                              (uint32_t)a[3].of.i32, (uint32_t)a[4].of.i32, (uint32_t)a[5].of.i32,
                              (uint32_t)a[6].of.i32, true);
}

int32_t wf__wasi_path_symlink(wasi_call_t *c, const wf_val_t *a)
{
    int32_t rc;
    wasi_fd_t *dir = dir_fd(c, (uint32_t)a[2].of.i32, &rc);
    if (!dir)
        return rc;
    if (dir->read_only)
        return WASI_EROFS;
    char *target = NULL, *path = NULL;
    int parent = -1;
    const char *name;
    rc = path_copy(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, &target);
    if (rc != WASI_ESUCCESS)
        goto done;
    if (target[0] == '/') {
        /* Resolution would refuse it anyway; refusing early is clearer. */
        rc = WASI_ENOTCAPABLE;
        goto done;
    }
    rc = path_copy(c, (uint32_t)a[3].of.i32, (uint32_t)a[4].of.i32, &path);
    if (rc != WASI_ESUCCESS)
        goto done;
    rc = open_parent(dir, path, &parent, &name);
    if (rc != WASI_ESUCCESS)
        goto done;
    rc = symlinkat(target, parent, name) < 0 ? wf__wasi_errno(errno) : WASI_ESUCCESS;
done:
    parent_close(dir, parent);
    path_free(c, target);
    path_free(c, path);
    return rc;
}

/* Opens path beneath fd as O_PATH (following a final link if asked). */
static int32_t open_path_only(wasi_call_t *c, uint32_t fd, uint32_t lookup, uint32_t ptr,
                              uint32_t len, wasi_fd_t **dir_out, int *host)
{
    int32_t rc;
    wasi_fd_t *dir = dir_fd(c, fd, &rc);
    if (!dir)
        return rc;
    *dir_out = dir;
    char *path;
    rc = path_copy(c, ptr, len, &path);
    if (rc != WASI_ESUCCESS)
        return rc;
    int flags = O_PATH | ((lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? 0 : O_NOFOLLOW);
    int h = wf__wasi_os_open_beneath(dir->host_fd, path, flags, 0);
    path_free(c, path);
    if (h < 0)
        return resolve_errno(-h);
    *host = h;
    return WASI_ESUCCESS;
}

int32_t wf__wasi_path_filestat_get(wasi_call_t *c, const wf_val_t *a)
{
    uint8_t *out = wasi_mem(c, (uint32_t)a[4].of.i32, 64);
    if (!out)
        return WASI_EFAULT;
    wasi_fd_t *dir;
    int host = -1;
    int32_t rc = open_path_only(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32,
                                (uint32_t)a[2].of.i32, (uint32_t)a[3].of.i32, &dir, &host);
    if (rc != WASI_ESUCCESS)
        return rc;
    struct stat st;
    if (fstat(host, &st) < 0) {
        rc = wf__wasi_errno(errno);
    } else {
        wf__wasi_put_filestat(out, &st);
    }
    close(host);
    return rc;
}

int32_t wf__wasi_path_filestat_set_times(wasi_call_t *c, const wf_val_t *a)
{
    struct timespec times[2];
    int32_t rc = wf__wasi_make_times(times, (uint64_t)a[4].of.i64, (uint64_t)a[5].of.i64,
                                     (uint16_t)a[6].of.i32);
    if (rc != WASI_ESUCCESS)
        return rc;
    wasi_fd_t *dir;
    int host = -1;
    rc = open_path_only(c, (uint32_t)a[0].of.i32, (uint32_t)a[1].of.i32, (uint32_t)a[2].of.i32,
                        (uint32_t)a[3].of.i32, &dir, &host);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (dir->read_only) {
        close(host);
        return WASI_EROFS;
    }
    int r = wf__wasi_os_futimes(host, times);
    close(host);
    return r < 0 ? wf__wasi_errno(-r) : WASI_ESUCCESS;
}

static uint8_t dirent_type(unsigned char d_type)
{
    switch (d_type) {
    case DT_REG:
        return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR:
        return WASI_FILETYPE_DIRECTORY;
    case DT_LNK:
        return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR:
        return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK:
        return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK:
        return WASI_FILETYPE_SOCKET_STREAM;
    default:
        return WASI_FILETYPE_UNKNOWN;
    }
}

/*
** fd_readdir: entries from the cookie on (the cookie is an entry's index in
** the directory stream), each a 24-byte header and the name, the last one cut
** at the end of the buffer as the spec says; a buffer left not full means the
** end was reached. The stream is reopened on every call, so no state is kept.
*/
int32_t wf__wasi_fd_readdir(wasi_call_t *c, const wf_val_t *a)
{
    int32_t rc;
    wasi_fd_t *dir = dir_fd(c, (uint32_t)a[0].of.i32, &rc);
    if (!dir)
        return rc;
    uint32_t buf_len = (uint32_t)a[2].of.i32;
    uint8_t *buf = wasi_mem(c, (uint32_t)a[1].of.i32, buf_len);
    uint8_t *used = wasi_mem(c, (uint32_t)a[4].of.i32, 4);
    uint64_t cookie = (uint64_t)a[3].of.i64;
    if (!buf || !used)
        return WASI_EFAULT;
    int copy = openat(dir->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (copy < 0)
        return wf__wasi_errno(errno);
    DIR *stream = fdopendir(copy);
    if (!stream) {
        rc = wf__wasi_errno(errno);
        close(copy);
        return rc;
    }
    uint32_t pos = 0;
    uint64_t index = 0;
    struct dirent *d;
    errno = 0;
    while (pos < buf_len && (d = readdir(stream)) != NULL) {
        if (index++ < cookie)
            continue;
        uint8_t header[24];
        size_t name_len = strlen(d->d_name);
        memset(header, 0, sizeof header);
        wasi_put_u64(header, index);
        wasi_put_u64(header + 8, (uint64_t)d->d_ino);
        wasi_put_u32(header + 16, (uint32_t)name_len);
        header[20] = dirent_type(d->d_type);
        uint32_t n = buf_len - pos < 24 ? buf_len - pos : 24;
        memcpy(buf + pos, header, n);
        pos += n;
        n = buf_len - pos < name_len ? buf_len - pos : (uint32_t)name_len;
        memcpy(buf + pos, d->d_name, n);
        pos += n;
    }
    closedir(stream);
    wasi_put_u32(used, pos);
    return WASI_ESUCCESS;
}
