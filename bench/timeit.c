/*
** bench-timeit: runs one command once and prints what it cost, for
** bench/run.sh.
**
**   bench-timeit OUT CMD [ARGS...]
**
** The command's standard output goes to the file OUT (created or truncated),
** its standard error is inherited. Prints one line on standard output:
**
**   <wall seconds> <cpu seconds (user+sys)> <peak RSS KiB> <exit status>
**
** Wall time comes from CLOCK_MONOTONIC around fork/exec/wait; CPU time and
** peak RSS from the child's rusage (wait4). The exit status is the
** command's (128+signal when killed). Exits 0 when the command ran (whatever
** its status), 2 on a usage or system error.
**
** Build: cc -O2 -o bench-timeit bench/timeit.c
*/
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
** Monotonic time in seconds.
*/
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
** A timeval as seconds.
*/
static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-timeit OUT CMD [ARGS...]\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    fflush(stdout);
    double t0 = now_seconds();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        if (dup2(fd, STDOUT_FILENO) < 0)
            _exit(127);
        close(fd);
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    close(fd);
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("wait4");
        return 2;
    }
    double wall = now_seconds() - t0;
    double cpu = tv_seconds(usage.ru_utime) + tv_seconds(usage.ru_stime);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%.6f %.6f %ld %d\n", wall, cpu, usage.ru_maxrss, code);
    return 0;
}
