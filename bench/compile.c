/*
** bench-compile: decode + validate + compile throughput of wf_module_load on
** one binary module, and the peak memory of one load.
**
**   bench-compile FILE.wasm [RUNS]
**
** Reads the file, loads it once and notes the process's peak RSS before and
** after that first load (getrusage; the file's bytes are already resident,
** so the difference is what loading added at its peak). Then loads and frees
** it RUNS more times (default 5) and prints the median time and throughput:
**
**   module FILE size N bytes
**   load median S s = T MB/s (min S s, first S s, R runs)
**   load CPU median S s = T MB/s
**   peak RSS P KiB (before load B KiB, load added D KiB)
**
** MB is 10^6 bytes. Exits 1 when the module does not load.
**
** Build (release):
**   cc -O2 -Iengine/include bench/compile.c build/release/libwf_engine_goto.a \
**      -lpthread -lm -o build/release/bench-compile
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "wf/wf.h"

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
** CPU time of the whole process in seconds.
*/
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
** The process's peak resident set so far, in KiB.
*/
static long peak_rss_kib(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
** Reads a whole file into a malloc'd buffer the caller frees; NULL on error.
*/
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *bytes = NULL;
    if (fseek(f, 0, SEEK_END) != 0)
        goto fail_file;
    long length = ftell(f);
    if (length < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail_file;
    bytes = malloc(length ? (size_t)length : 1);
    if (!bytes)
        goto fail_file;
    if (fread(bytes, 1, (size_t)length, f) != (size_t)length)
        goto fail_bytes;
    fclose(f);
    *size = (size_t)length;
    return bytes;
fail_bytes:
    free(bytes);
    bytes = NULL;
fail_file:
    fclose(f);
    return NULL;
}

/*
** Loads the module once and frees it; returns the wall seconds the load
** took and adds its CPU seconds to *cpu, or returns a negative number when
** the load failed (after printing why).
*/
static double load_once(const uint8_t *bytes, size_t size, const char *path, double *cpu)
{
    wf_module_t *module;
    wf_error_info_t err;
    double c0 = cpu_seconds(), t0 = now_seconds();
    wf_err_t rc = wf_module_load(NULL, bytes, size, &module, &err);
    double t1 = now_seconds();
    *cpu = cpu_seconds() - c0;
    if (rc != WF_OK) {
        fprintf(stderr, "%s:%zu: load failed: %s: %s\n", path, (size_t)err.offset,
                wf_strerror(rc), err.message);
        return -1.0;
    }
    wf_module_free(module);
    return t1 - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-compile FILE.wasm [RUNS]\n");
        return 2;
    }
    const char *path = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1)
        runs = 1;
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    if (!bytes) {
        perror(path);
        return 1;
    }
    long before = peak_rss_kib();
    double first_cpu, first = load_once(bytes, size, path, &first_cpu);
    if (first < 0) {
        free(bytes);
        return 1;
    }
    long after = peak_rss_kib();
    double *samples = malloc((size_t)runs * sizeof *samples);
    double *cpu = malloc((size_t)runs * sizeof *cpu);
    if (!samples || !cpu) {
        free(samples);
        free(cpu);
        free(bytes);
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        samples[i] = load_once(bytes, size, path, &cpu[i]);
        if (samples[i] < 0) {
            free(cpu);
            free(samples);
            free(bytes);
            return 1;
        }
    }
    qsort(samples, (size_t)runs, sizeof *samples, compare_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, compare_double);
    double median = samples[runs / 2], cpu_median = cpu[runs / 2];
    printf("module %s size %zu bytes\n", path, size);
    printf("load median %.4f s = %.1f MB/s (min %.4f s, first %.4f s, %d runs)\n", median,
           (double)size / median / 1e6, samples[0], first, runs);
    printf("load CPU median %.4f s = %.1f MB/s\n", cpu_median, (double)size / cpu_median / 1e6);
    printf("peak RSS %ld KiB (before load %ld KiB, load added %ld KiB)\n", after, before,
           after - before);
    free(cpu);
    free(samples);
    free(bytes);
    return 0;
}
