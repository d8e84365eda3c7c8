/*
** Files in a granted directory (argv[1]): create, write, read back, seek,
** append, stat, rename, a subdirectory, a sorted listing, unlink, rmdir.
** Natively argv[1] is a real directory; under wafer it is a preopen.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path_buf[4][512];

static const char *at(int slot, const char *dir, const char *name)
{
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", dir, name);
    return path_buf[slot];
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir failed: %s\n", strerror(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], compare_names);
    printf("listing:");
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    const char *dir = argv[1];

    FILE *f = fopen(at(0, dir, "notes.txt"), "w");
    if (!f) {
        printf("fopen w failed: %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d of the notes\n", i);
    fclose(f);

    struct stat st;
    if (stat(at(0, dir, "notes.txt"), &st) == 0)
        printf("size after write: %lld, regular: %d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    f = fopen(at(0, dir, "notes.txt"), "r");
    char line[128];
    int lines = 0;
    size_t bytes = 0;
    while (f && fgets(line, sizeof line, f)) {
        lines++;
        bytes += strlen(line);
    }
    printf("read back %d lines, %zu bytes\n", lines, bytes);
    if (f) {
        fseek(f, 10 * 21, SEEK_SET);
        if (fgets(line, sizeof line, f))
            printf("after seek: %s", line);
        printf("tell: %ld\n", ftell(f));
        fclose(f);
    }

    int fd = open(at(0, dir, "notes.txt"), O_WRONLY | O_APPEND);
    if (fd >= 0) {
        ssize_t n = write(fd, "appended\n", 9);
        printf("appended %zd bytes\n", n);
        close(fd);
    }
    fd = open(at(0, dir, "notes.txt"), O_RDONLY);
    if (fd >= 0) {
        char tail[16] = {0};
        off_t end = lseek(fd, -9, SEEK_END);
        ssize_t n = read(fd, tail, 9);
        printf("tail at %lld: %zd bytes: %s", (long long)end, n, tail);
        n = pread(fd, tail, 4, 0);
        tail[4] = 0;
        printf("pread: %s\n", tail);
        close(fd);
    }

    printf("mkdir: %d\n", mkdir(at(0, dir, "sub"), 0755));
    printf("mkdir again: %d %s\n", mkdir(at(0, dir, "sub"), 0755), strerror(errno));
    printf("rename: %d\n", rename(at(0, dir, "notes.txt"), at(1, dir, "sub/moved.txt")));
    printf("old name gone: %d %s\n", stat(at(0, dir, "notes.txt"), &st), strerror(errno));
    printf("new name size: %d %lld\n", stat(at(0, dir, "sub/moved.txt"), &st),
           (long long)st.st_size);
    f = fopen(at(0, dir, "b.txt"), "w");
    if (f)
        fclose(f);
    f = fopen(at(0, dir, "a.txt"), "w");
    if (f)
        fclose(f);
    list(dir);
    list(at(2, dir, "sub"));
    printf("open missing: %d %s\n", open(at(0, dir, "missing.txt"), O_RDONLY), strerror(errno));
    printf("rmdir non-empty: %d %s\n", rmdir(at(0, dir, "sub")), strerror(errno));
    printf("unlink: %d\n", unlink(at(0, dir, "sub/moved.txt")));
    printf("rmdir: %d\n", rmdir(at(0, dir, "sub")));
    printf("unlink a, b: %d %d\n", unlink(at(0, dir, "a.txt")), unlink(at(0, dir, "b.txt")));
    list(dir);
    return 0;
}
