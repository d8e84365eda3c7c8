/*
** The host calls behind WASI path resolution (Linux).
**
** Resolution beneath a granted directory uses openat2 with RESOLVE_BENEATH:
** the kernel refuses absolute paths, `..` above the directory and symbolic
** links that lead out of it (EXDEV), atomically, with no window for a
** concurrent rename to exploit. Without openat2 (kernels before 5.6, or a
** seccomp filter that hides it) the walk is done here one component at a
** time with O_NOFOLLOW, following links by hand and counting `..` levels.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wasi_impl.h"

#define MAX_SYMLINKS 40
#define MAX_DEPTH 256

/*
** Reads the symbolic link name in dir into target (NUL-terminated), counting
** it in *links. Returns its length, or a negative errno: unreadable (-unreadable),
** one link too many (-ELOOP) or an absolute target (-EXDEV).
*/
static ssize_t read_link(int dir, const char *name, char target[PATH_MAX], int unreadable,
                         int *links)
{
    ssize_t n = readlinkat(dir, name, target, PATH_MAX - 1);
    if (n < 0)
        return -unreadable;
    target[n] = '\0';
    if (++*links > MAX_SYMLINKS)
        return -ELOOP;
    if (target[0] == '/')
        return -EXDEV;
    return n;
}

/*
** The fallback walk. path is resolved against dirfd; depth counts how far
** below dirfd the walk is, and `..` at depth 0 fails with EXDEV (as openat2
** would). Symbolic links are read and spliced into the remaining path; an
** absolute target fails with EXDEV. The last component is opened with flags
** (O_NOFOLLOW in flags means a final link is not followed).
*/
int wf__wasi_os_open_walk(int dirfd, const char *path, int flags, unsigned mode)
{
    char *work = malloc(2 * WASI_MAX_PATH + 2);
    if (!work)
        return -ENOMEM;
    size_t path_len = strlen(path);
    if (path_len == 0) {
        free(work);
        return -ENOENT;
    }
    if (path_len > WASI_MAX_PATH) {
        free(work);
        return -ENAMETOOLONG;
    }
    if (path[0] == '/') {
        free(work);
        return -EXDEV;
    }
    memcpy(work, path, path_len + 1);

    int stack[MAX_DEPTH]; /* stack[i]: fd of the directory at depth i (0: dirfd, borrowed) */
    int depth = 0;
    int links = 0;
    int result = -EINVAL;
    stack[0] = dirfd;
    char *rest = work;
    for (;;) {
        while (*rest == '/')
            rest++;
        char *slash = strchr(rest, '/');
        bool last = !slash || !slash[strspn(slash, "/")];
        bool trailing_slash = slash != NULL && last;
        if (slash)
            *slash = '\0';
        const char *name = *rest ? rest : ".";
        char *next = slash ? slash + 1 : rest + strlen(rest);

        if (!strcmp(name, ".") && !last) {
            rest = next; /* "." names the same directory: nothing to push */
            continue;
        }
        if (!strcmp(name, "..")) {
            if (depth == 0) {
                result = -EXDEV;
                goto done;
            }
            close(stack[depth--]);
            if (last) {
                result = openat(stack[depth], ".", flags & ~(O_CREAT | O_EXCL), mode);
                result = result < 0 ? -errno : result;
                goto done;
            }
            rest = next;
            continue;
        }
        if (!last) {
            int fd = openat(stack[depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
                /* Maybe a symbolic link: read it and splice it in. */
                char target[PATH_MAX];
                ssize_t n = read_link(stack[depth], name, target, ENOTDIR, &links);
                if (n < 0) {
                    result = (int)n;
                    goto done;
                }
                size_t tail = strlen(next);
                if ((size_t)n + 1 + tail > 2 * WASI_MAX_PATH) {
                    result = -ENAMETOOLONG;
                    goto done;
                }
                char *spliced = malloc((size_t)n + tail + 2);
                if (!spliced) {
                    result = -ENOMEM;
                    goto done;
                }
                memcpy(spliced, target, (size_t)n);
                spliced[n] = '/';
                memcpy(spliced + n + 1, next, tail + 1);
                memcpy(work, spliced, (size_t)n + tail + 2);
                free(spliced);
                rest = work;
                continue;
            }
            if (fd < 0) {
                result = -errno;
                goto done;
            }
            if (depth + 1 >= MAX_DEPTH) {
                close(fd);
                result = -ENAMETOOLONG;
                goto done;
            }
            stack[++depth] = fd;
            rest = next;
            continue;
        }
        /* The last component. */
        int final_flags = flags | O_NOFOLLOW | (trailing_slash ? O_DIRECTORY : 0);
        struct stat st;
        bool is_link = !(flags & O_NOFOLLOW) &&
                       fstatat(stack[depth], name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       S_ISLNK(st.st_mode);
        int fd = is_link ? -1 : openat(stack[depth], name, final_flags, mode);
        if (is_link) {
            char target[PATH_MAX];
            ssize_t n = read_link(stack[depth], name, target, ELOOP, &links);
            if (n < 0) {
                result = (int)n;
                goto done;
            }
            memcpy(work, target, (size_t)n + 1);
            rest = work;
            continue;
        }
        result = fd < 0 ? -errno : fd;
        goto done;
    }
done:
    while (depth > 0)
        close(stack[depth--]);
    free(work);
    return result;
}

int wf__wasi_os_open_beneath(int dirfd, const char *path, int flags, unsigned mode)
{
#ifdef SYS_openat2
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 8; attempt++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno == EAGAIN || errno == EINTR)
            continue; /* a concurrent rename raced the lookup: try again */
        if (errno != ENOSYS && errno != EPERM)
            return -errno;
        if (errno == EPERM) {
            /* EPERM is a real answer unless seccomp hides openat2 behind it. */
            int probe_errno = errno;
            long probe = syscall(SYS_openat2, dirfd, ".", &how, sizeof how);
            if (probe >= 0) {
                close((int)probe);
                return -probe_errno;
            }
        }
        break;
    }
#endif
    return wf__wasi_os_open_walk(dirfd, path, flags | O_CLOEXEC, mode);
}

int wf__wasi_os_futimes(int fd, const struct timespec times[2])
{
    /* utimensat(fd, NULL, ...) works on O_PATH descriptors; glibc's wrapper
       refuses a NULL path, so the system call is made directly. */
    if (syscall(SYS_utimensat, fd, NULL, times, 0) < 0)
        return -errno;
    return 0;
}
