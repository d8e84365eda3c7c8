/*
** Attempts to leave the granted directories. Run only under wafer with
** --dir WORK::/sandbox and --dir RO::/readonly:ro, where WORK holds a file
** secret.txt's sibling layout prepared by the test (see CMakeLists.txt):
** WORK/inside.txt, WORK/link_out -> ../outside, WORK/link_abs -> /etc,
** WORK/link_in -> inside.txt, and RO/data.txt. Prints each attempt's errno
** name; the expected output is sandbox.expected.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *errno_name(int e)
{
    switch (e) {
    case 0:
        return "ok";
    case ENOENT:
        return "ENOENT";
    case ENOTCAPABLE:
        return "ENOTCAPABLE";
    case EROFS:
        return "EROFS";
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case ELOOP:
        return "ELOOP";
    case ENOTDIR:
        return "ENOTDIR";
    case EINVAL:
        return "EINVAL";
    case EBADF:
        return "EBADF";
    case EXDEV:
        return "EXDEV";
    default:
        return strerror(e);
    }
}

static void try_open(const char *label, const char *path, int flags)
{
    errno = 0;
    int fd = open(path, flags, 0644);
    printf("%-34s %s\n", label, fd >= 0 ? "ok" : errno_name(errno));
    if (fd >= 0)
        close(fd);
}

/* The raw WASI call, so that the path reaches the host unchanged. */
static void try_raw(const char *label, __wasi_fd_t dir, const char *path, int follow)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path,
                                        0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    printf("%-34s %s\n", label, e == 0 ? "ok" : errno_name(e));
    if (e == 0)
        (void)__wasi_fd_close(fd);
}

int main(void)
{
    try_open("inside file", "/sandbox/inside.txt", O_RDONLY);
    try_open("dot-dot inside", "/sandbox/sub/../inside.txt", O_RDONLY);
    try_open("dot-dot escape", "/sandbox/../outside/secret.txt", O_RDONLY);
    try_open("absolute host path", "/etc/passwd", O_RDONLY);
    try_open("link to inside", "/sandbox/link_in", O_RDONLY);
    try_open("link out (relative)", "/sandbox/link_out/secret.txt", O_RDONLY);
    try_open("link out (absolute)", "/sandbox/link_abs/passwd", O_RDONLY);

    /* Preopen fd 3 is /sandbox (the first --dir). */
    try_raw("raw ../", 3, "../outside/secret.txt", 1);
    try_raw("raw deep ../", 3, "sub/../../outside/secret.txt", 1);
    try_raw("raw absolute", 3, "/etc/passwd", 1);
    try_raw("raw link out, followed", 3, "link_out/secret.txt", 1);
    try_raw("raw link abs, final", 3, "link_abs", 1);
    try_raw("raw link abs, nofollow", 3, "link_abs", 0);
    try_raw("raw link in, followed", 3, "link_in", 1);

    struct stat st;
    errno = 0;
    printf("%-34s %s\n", "stat escape",
           stat("/sandbox/../outside/secret.txt", &st) ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "mkdir escape",
           mkdir("/sandbox/link_out/newdir", 0755) ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "unlink via link",
           unlink("/sandbox/link_out/secret.txt") ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "rename out",
           rename("/sandbox/inside.txt", "/sandbox/../outside/stolen.txt") ? errno_name(errno)
                                                                           : "ok");
    errno = 0;
    printf("%-34s %s\n", "symlink absolute target",
           symlink("/etc/passwd", "/sandbox/newlink") ? errno_name(errno) : "ok");

    try_open("read-only grant: read", "/readonly/data.txt", O_RDONLY);
    try_open("read-only grant: write", "/readonly/data.txt", O_WRONLY);
    try_open("read-only grant: create", "/readonly/new.txt", O_WRONLY | O_CREAT);
    try_open("read-only grant: truncate", "/readonly/data.txt", O_RDWR | O_TRUNC);
    errno = 0;
    printf("%-34s %s\n", "read-only grant: mkdir",
           mkdir("/readonly/dir", 0755) ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "read-only grant: unlink",
           unlink("/readonly/data.txt") ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "read-only grant: rename",
           rename("/readonly/data.txt", "/readonly/x.txt") ? errno_name(errno) : "ok");
    errno = 0;
    printf("%-34s %s\n", "rename into read-only",
           rename("/sandbox/inside.txt", "/readonly/inside.txt") ? errno_name(errno) : "ok");

    DIR *d = opendir("/");
    printf("%-34s %s\n", "opendir /", d ? "ok" : errno_name(errno));
    if (d)
        closedir(d);
    try_open("outside still there", "/sandbox/../outside", O_RDONLY);
    return 0;
}
