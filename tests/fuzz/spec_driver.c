/*
** Drives the decoder and the validator with the spec test suite's modules.
**
**   spec_driver check <spec-dir> <work-dir>
**     Converts every non-SIMD core .wast with wast2json and checks that each
**     `module` decodes and validates, each binary `assert_malformed` module is
**     rejected as WF_ERR_MALFORMED and each `assert_invalid` one as
**     WF_ERR_INVALID. Reports how many messages match the expected text (the
**     reference interpreter's rule: the expected text is a prefix of ours).
**
**   spec_driver dump <spec-dir> <work-dir> <count> <out-dir>
**     Writes mutants and our verdicts for a differential test against
**     another engine (tests/fuzz/differential.js, with Node.js).
**
**   spec_driver fuzz <spec-dir> <work-dir> [count] [wafer-binary]
**     Feeds every rejected module, and `count` truncated and bit-flipped
**     copies of valid ones (fixed seed), through decode + validate; each must
**     end in success or an error, never a crash (run it under ASan+UBSan).
**     With a wafer binary, a few hundred of them also go through
**     `wafer validate` in a child process, which must exit normally.
**
** Exit status 77 (CTest's "skipped") when the spec directory is absent.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "module.h"

#define SKIP_STATUS 77

/* snprintf that gives up on truncation (paths here are short). */
static void format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        buf[size - 1] = '\0';
}

typedef struct blob {
    uint8_t *bytes;
    size_t size;
} blob_t;

typedef struct corpus {
    blob_t *items;
    size_t count, capacity;
} corpus_t;

typedef struct tally {
    unsigned modules_ok, modules_failed;
    unsigned malformed_ok, malformed_wrong, malformed_text, malformed_equal;
    unsigned invalid_ok, invalid_wrong, invalid_text, invalid_equal;
    unsigned unsupported;
    unsigned printed;
} tally_t;

static int read_file(const char *path, blob_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    out->bytes = malloc(n > 0 ? (size_t)n : 1);
    out->size = n > 0 ? (size_t)n : 0;
    if (!out->bytes || fread(out->bytes, 1, out->size, f) != out->size) {
        fclose(f);
        free(out->bytes);
        return -1;
    }
    fclose(f);
    return 0;
}

static void corpus_add(corpus_t *c, const blob_t *b)
{
    if (c->count == c->capacity) {
        c->capacity = c->capacity ? c->capacity * 2 : 256;
        c->items = realloc(c->items, c->capacity * sizeof *c->items);
        if (!c->items)
            abort();
    }
    c->items[c->count].bytes = malloc(b->size ? b->size : 1);
    if (!c->items[c->count].bytes)
        abort();
    memcpy(c->items[c->count].bytes, b->bytes, b->size);
    c->items[c->count].size = b->size;
    c->count++;
}

/* Decodes and validates bytes the way wf_module_load does (without compiling). */
static wf_err_t decode_and_validate(const uint8_t *bytes, size_t size, wf_error_info_t *err)
{
    wf_module_t *module = calloc(1, sizeof *module);
    if (!module)
        abort();
    atomic_init(&module->refcount, 1);
    module->bytes = malloc(size ? size : 1);
    if (!module->bytes)
        abort();
    memcpy(module->bytes, bytes, size);
    module->size = size;
    memset(err, 0, sizeof *err);
    wf_err_t rc = wf__decode(module, err);
    if (rc == WF_OK)
        rc = wf__validate(module, err);
    wf__module_clear(module);
    if (module->debug_name)
        free(module->debug_name);
    free(module->bytes);
    free(module);
    return rc;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Runs wast2json on one file into dir; returns the parsed JSON or NULL. */
static cJSON *convert(const char *wast, const char *dir, const char *flags)
{
    char command[8192];
    format(command, sizeof command,
           "mkdir -p '%s' && cd '%s' && wast2json %s '%s' -o out.json "
           ">/dev/null 2>&1",
           dir, dir, flags, wast);
    if (system(command) != 0)
        return NULL;
    char path[4200];
    format(path, sizeof path, "%s/out.json", dir);
    blob_t b;
    if (read_file(path, &b) != 0)
        return NULL;
    cJSON *json = cJSON_ParseWithLength((const char *)b.bytes, b.size);
    free(b.bytes);
    return json;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .wast files of <spec>/core, without SIMD, sorted. Returns the count. */
static size_t list_wast(const char *core, char ***out)
{
    *out = NULL;
    DIR *dir = opendir(core);
    if (!dir)
        return 0;
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".wast") != 0 || has_prefix(e->d_name, "simd"))
            continue;
        names = realloc(names, (count + 1) * sizeof *names);
        if (!names)
            abort();
        names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof *names, compare_names);
    *out = names;
    return count;
}

typedef void (*module_fn)(void *user, const char *wast, const char *type, int line,
                          const blob_t *bytes, const char *expected);

/* Calls fn for each binary module of interest in one converted file. */
static void for_each_command(const cJSON *json, const char *dir, const char *name, module_fn fn,
                             void *user)
{
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(json, "commands"))
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "type"));
        const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "filename"));
        const char *module_type = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "module_type"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "text"));
        const cJSON *line = cJSON_GetObjectItem(cmd, "line");
        if (!type || !file)
            continue;
        if (module_type && strcmp(module_type, "binary") != 0)
            continue;
        size_t n = strlen(file);
        if (n < 5 || strcmp(file + n - 5, ".wasm") != 0)
            continue;
        char path[16600];
        format(path, sizeof path, "%s/%s", dir, file);
        blob_t b;
        if (read_file(path, &b) != 0)
            continue;
        fn(user, name, type, line ? line->valueint : 0, &b, text ? text : "");
        free(b.bytes);
    }
}

/*
** Skips whitespace and comments (";;" to the end of the line, nested
** "(; ;)") from text[i]; returns the next index and counts newlines.
*/
static size_t skip_blank(const char *text, size_t i, size_t n, unsigned *line)
{
    while (i < n) {
        if (text[i] == '\n') {
            (*line)++;
            i++;
        } else if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
            i++;
        } else if (text[i] == ';' && i + 1 < n && text[i + 1] == ';') {
            while (i < n && text[i] != '\n')
                i++;
        } else if (text[i] == '(' && i + 1 < n && text[i + 1] == ';') {
            unsigned depth = 0;
            do {
                if (text[i] == '(' && i + 1 < n && text[i + 1] == ';')
                    depth++, i += 2;
                else if (text[i] == ';' && i + 1 < n && text[i + 1] == ')')
                    depth--, i += 2;
                else
                    *line += text[i++] == '\n';
            } while (i < n && depth > 0);
        } else {
            break;
        }
    }
    return i;
}

/*
** A file that wast2json cannot parse as a whole (this wabt lags the suite's
** syntax): converts its module, assert_malformed and assert_invalid forms
** one by one, each at its original line, and keeps those that convert.
** Returns how many forms could not be converted.
*/
static unsigned convert_forms(const char *wast, const char *dir, const char *flags,
                              const char *name, module_fn fn, void *user)
{
    blob_t b;
    if (read_file(wast, &b) != 0)
        return 1;
    const char *text = (const char *)b.bytes;
    size_t n = b.size, i = 0;
    unsigned line = 1, form = 0, failed = 0;
    while ((i = skip_blank(text, i, n, &line)) < n) {
        size_t start = i;
        unsigned start_line = line, depth = 0;
        do {
            if (text[i] == '"') {
                for (i++; i < n && text[i] != '"'; i++)
                    if (text[i] == '\\')
                        i++;
                i++;
            } else if ((text[i] == ';' && i + 1 < n && text[i + 1] == ';') ||
                       (text[i] == '(' && i + 1 < n && text[i + 1] == ';')) {
                i = skip_blank(text, i, n, &line);
            } else {
                depth += text[i] == '(';
                depth -= text[i] == ')';
                line += text[i] == '\n';
                i++;
            }
        } while (i < n && depth > 0);
        bool wanted = has_prefix(text + start, "(module") ||
                      has_prefix(text + start, "(assert_malformed") ||
                      has_prefix(text + start, "(assert_invalid");
        if (!wanted)
            continue;
        char form_dir[8300], form_wast[8400];
        format(form_dir, sizeof form_dir, "%s/form%u", dir, form++);
        format(form_wast, sizeof form_wast, "%s.wast", form_dir);
        FILE *f = fopen(form_wast, "w");
        if (!f)
            continue;
        for (unsigned k = 1; k < start_line; k++)
            fputc('\n', f);
        fwrite(text + start, 1, i - start, f);
        fputc('\n', f);
        fclose(f);
        cJSON *json = convert(form_wast, form_dir, flags);
        if (!json) {
            failed++;
            continue;
        }
        for_each_command(json, form_dir, name, fn, user);
        cJSON_Delete(json);
    }
    free(b.bytes);
    return failed;
}

/*
** Converts every file of the core suite (without SIMD) and of the threads
** suite, and calls fn for each binary module of interest.
*/
static int for_each_module(const char *spec, const char *work, module_fn fn, void *user)
{
    static const char *const suites[2][2] = {{"core", ""}, {"threads", "--enable-threads"}};
    unsigned files = 0, split = 0, lost = 0;
    for (int suite = 0; suite < 2; suite++) {
        char root[4096];
        format(root, sizeof root, "%s/%s", spec, suites[suite][0]);
        char **names;
        size_t count = list_wast(root, &names);
        if (count == 0 && suite == 0)
            return -1;
        for (size_t i = 0; i < count; i++) {
            char wast[8192], dir[8192], name[512];
            format(wast, sizeof wast, "%s/%s", root, names[i]);
            format(dir, sizeof dir, "%s/%s-%.*s", work, suites[suite][0],
                   (int)(strlen(names[i]) - 5), names[i]);
            format(name, sizeof name, "%s/%s", suites[suite][0], names[i]);
            cJSON *json = convert(wast, dir, suites[suite][1]);
            if (json) {
                for_each_command(json, dir, name, fn, user);
                cJSON_Delete(json);
            } else {
                split++;
                lost += convert_forms(wast, dir, suites[suite][1], name, fn, user);
            }
            free(names[i]);
            files++;
        }
        free(names);
    }
    printf("%u files; %u converted form by form, where %u forms could not be converted\n", files,
           split, lost);
    return 0;
}

/* ====================================================================== */
/* check                                                                   */
/* ====================================================================== */

static void report(tally_t *t, const char *wast, int line, const char *what)
{
    if (t->printed++ < 400)
        printf("%s:%d: %s\n", wast, line, what);
}

static void check_one(void *user, const char *wast, const char *type, int line, const blob_t *b,
                      const char *expected)
{
    tally_t *t = user;
    wf_error_info_t err;
    wf_err_t rc = decode_and_validate(b->bytes, b->size, &err);
    char what[1024];
    if (rc == WF_ERR_UNSUPPORTED) {
        t->unsupported++;
        return;
    }
    if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0) {
        bool malformed = type[7] == 'm';
        wf_err_t want = malformed ? WF_ERR_MALFORMED : WF_ERR_INVALID;
        if (rc != want) {
            format(what, sizeof what, "%s \"%s\": got %s \"%s\"", type, expected, wf_err_name(rc),
                   rc ? err.message : "");
            report(t, wast, line, what);
            (*(malformed ? &t->malformed_wrong : &t->invalid_wrong))++;
            return;
        }
        (*(malformed ? &t->malformed_ok : &t->invalid_ok))++;
        if (strcmp(err.message, expected) == 0)
            (*(malformed ? &t->malformed_equal : &t->invalid_equal))++;
        if (has_prefix(err.message, expected)) {
            (*(malformed ? &t->malformed_text : &t->invalid_text))++;
        } else {
            format(what, sizeof what, "message: expected \"%s\", got \"%s\"", expected,
                   err.message);
            report(t, wast, line, what);
        }
        return;
    }
    /* module, assert_unlinkable, assert_uninstantiable, ...: must load. */
    if (rc == WF_OK) {
        t->modules_ok++;
    } else {
        t->modules_failed++;
        format(what, sizeof what, "%s: rejected: %s \"%s\" at %zu (func %u)", type, wf_err_name(rc),
               err.message, err.offset, err.func_index);
        report(t, wast, line, what);
    }
}

static int run_check(const char *spec, const char *work)
{
    tally_t t = {0};
    if (for_each_module(spec, work, check_one, &t) != 0) {
        printf("no .wast files under %s/core\n", spec);
        return 1;
    }
    printf("valid modules: %u accepted, %u rejected\n", t.modules_ok, t.modules_failed);
    printf("assert_malformed: %u rejected as malformed (messages: %u start with the expected "
           "text, %u equal it), %u wrong\n",
           t.malformed_ok, t.malformed_text, t.malformed_equal, t.malformed_wrong);
    printf("assert_invalid: %u rejected as invalid (messages: %u start with the expected text, "
           "%u equal it), %u wrong\n",
           t.invalid_ok, t.invalid_text, t.invalid_equal, t.invalid_wrong);
    printf("unsupported (SIMD): %u\n", t.unsupported);
    return t.modules_failed || t.malformed_wrong || t.invalid_wrong ? 1 : 0;
}

/* ====================================================================== */
/* fuzz                                                                    */
/* ====================================================================== */

typedef struct fuzz_state {
    corpus_t valid, rejected;
} fuzz_state_t;

static void collect_one(void *user, const char *wast, const char *type, int line, const blob_t *b,
                        const char *expected)
{
    (void)wast, (void)line, (void)expected;
    fuzz_state_t *s = user;
    if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0)
        corpus_add(&s->rejected, b);
    else if (strcmp(type, "module") == 0)
        corpus_add(&s->valid, b);
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/*
** The byte range [*start, *end) of the code section's contents, found by
** walking the section headers; false when there is none.
*/
static bool find_code_section(const blob_t *b, size_t *start, size_t *end)
{
    size_t i = 8;
    while (i < b->size) {
        uint8_t id = b->bytes[i++];
        uint64_t size = 0;
        unsigned shift = 0;
        while (i < b->size && shift < 35) {
            uint8_t byte = b->bytes[i++];
            size |= (uint64_t)(byte & 0x7F) << shift;
            shift += 7;
            if (!(byte & 0x80))
                break;
        }
        if (size > b->size - i)
            return false;
        if (id == 10) {
            *start = i;
            *end = i + size;
            return size > 0;
        }
        i += size;
    }
    return false;
}

/*
** One mutant of b into out (a malloc'd buffer the caller frees): a
** truncation, or a few bit flips or random bytes anywhere, or (half of the
** time) only in the code section, where they reach the validator more often.
*/
static void mutate(const blob_t *b, uint64_t *seed, blob_t *out)
{
    out->bytes = malloc(b->size ? b->size : 1);
    if (!out->bytes)
        abort();
    memcpy(out->bytes, b->bytes, b->size);
    out->size = b->size;
    unsigned how = next_random(seed) % 4;
    if (how == 0 && b->size > 0) {
        out->size = next_random(seed) % b->size; /* truncate */
        return;
    }
    size_t lo = 8, hi = out->size;
    if (next_random(seed) % 2 == 0)
        find_code_section(b, &lo, &hi);
    unsigned flips = 1 + next_random(seed) % (how == 3 ? 8 : 2);
    for (unsigned i = 0; i < flips && hi > lo; i++) {
        size_t at = lo + next_random(seed) % (hi - lo);
        if (how == 2)
            out->bytes[at] = (uint8_t)next_random(seed); /* random byte */
        else
            out->bytes[at] ^= (uint8_t)(1u << (next_random(seed) % 8)); /* bit flip */
    }
}

/* Runs `wafer validate file`; returns false if it died from a signal. */
static bool wafer_survives(const char *wafer, const char *work, const blob_t *b)
{
    char path[4200];
    format(path, sizeof path, "%s/mutant.wasm", work);
    FILE *f = fopen(path, "wb");
    if (!f)
        return true;
    fwrite(b->bytes, 1, b->size, f);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execl(wafer, wafer, "validate", path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return true;
    /* Exit codes >= 128 come from a sanitizer's abort or a crash. */
    return !WIFSIGNALED(status) && (!WIFEXITED(status) || WEXITSTATUS(status) < 128);
}

static int run_fuzz(const char *spec, const char *work, unsigned count, const char *wafer)
{
    fuzz_state_t s = {{0}, {0}};
    if (for_each_module(spec, work, collect_one, &s) != 0 || s.valid.count == 0) {
        printf("no modules found under %s/core\n", spec);
        return 1;
    }
    /* Real programs (clang output with name and debug sections), which must
       all load, join the corpus when WF_FUZZ_EXTRA names their directory. */
    unsigned extra = 0, extra_failed = 0;
    const char *extra_dir = getenv("WF_FUZZ_EXTRA");
    DIR *dir = extra_dir ? opendir(extra_dir) : NULL;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        char path[8192];
        blob_t b;
        if (n < 6 || strcmp(e->d_name + n - 5, ".wasm") != 0)
            continue;
        format(path, sizeof path, "%s/%s", extra_dir, e->d_name);
        if (read_file(path, &b) != 0)
            continue;
        wf_error_info_t load_err;
        if (decode_and_validate(b.bytes, b.size, &load_err) != WF_OK) {
            printf("%s: rejected: %s\n", path, load_err.message);
            extra_failed++;
        }
        corpus_add(&s.valid, &b);
        free(b.bytes);
        extra++;
    }
    if (dir)
        closedir(dir);
    if (extra_dir)
        printf("%u extra modules from %s, %u rejected\n", extra, extra_dir, extra_failed);

    unsigned outcomes[4] = {0}; /* ok, malformed, invalid, other */
    wf_error_info_t err;
    for (size_t i = 0; i < s.rejected.count; i++) {
        wf_err_t rc =
            decode_and_validate(s.rejected.items[i].bytes, s.rejected.items[i].size, &err);
        outcomes[rc == WF_OK ? 0 : rc == WF_ERR_MALFORMED ? 1 : rc == WF_ERR_INVALID ? 2 : 3]++;
    }
    uint64_t seed = 0x9E3779B97F4A7C15u;
    unsigned wafer_runs = 0, wafer_crashes = 0;
    for (unsigned i = 0; i < count; i++) {
        const blob_t *base = &s.valid.items[next_random(&seed) % s.valid.count];
        blob_t m;
        mutate(base, &seed, &m);
        wf_err_t rc = decode_and_validate(m.bytes, m.size, &err);
        outcomes[rc == WF_OK ? 0 : rc == WF_ERR_MALFORMED ? 1 : rc == WF_ERR_INVALID ? 2 : 3]++;
        if (wafer && i % (count / 300 + 1) == 0) {
            wafer_runs++;
            if (!wafer_survives(wafer, work, &m)) {
                wafer_crashes++;
                printf("wafer validate crashed on mutant %u\n", i);
            }
        }
        free(m.bytes);
    }
    printf("%zu rejected spec modules and %u mutants of %zu valid ones: %u ok, %u malformed, "
           "%u invalid, %u other errors\n",
           s.rejected.count, count, s.valid.count, outcomes[0], outcomes[1], outcomes[2],
           outcomes[3]);
    if (wafer)
        printf("wafer validate: %u runs, %u crashes\n", wafer_runs, wafer_crashes);
    for (size_t i = 0; i < s.valid.count; i++)
        free(s.valid.items[i].bytes);
    for (size_t i = 0; i < s.rejected.count; i++)
        free(s.rejected.items[i].bytes);
    free(s.valid.items);
    free(s.rejected.items);
    return wafer_crashes || extra_failed ? 1 : 0;
}

/*
** Writes `count` mutants to outdir with our verdicts in outdir/verdicts.txt
** ("FILE CODE MESSAGE" lines), for tests/fuzz/differential.js to compare with
** another engine's.
*/
static int run_dump(const char *spec, const char *work, unsigned count, const char *outdir)
{
    fuzz_state_t s = {{0}, {0}};
    if (for_each_module(spec, work, collect_one, &s) != 0 || s.valid.count == 0)
        return 1;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
        return 1;
    char path[8192];
    format(path, sizeof path, "%s/verdicts.txt", outdir);
    FILE *verdicts = fopen(path, "w");
    if (!verdicts)
        return 1;
    uint64_t seed =
        getenv("WF_FUZZ_SEED") ? strtoull(getenv("WF_FUZZ_SEED"), NULL, 0) : 0x2545F4914F6CDD1Du;
    for (unsigned i = 0; i < count; i++) {
        blob_t m;
        mutate(&s.valid.items[next_random(&seed) % s.valid.count], &seed, &m);
        wf_error_info_t err;
        wf_err_t rc = decode_and_validate(m.bytes, m.size, &err);
        format(path, sizeof path, "%s/m%u.wasm", outdir, i);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(m.bytes, 1, m.size, f);
            fclose(f);
            fprintf(verdicts, "m%u.wasm %s %s\n", i, wf_err_name(rc), rc ? err.message : "");
        }
        free(m.bytes);
    }
    fclose(verdicts);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s check|fuzz <spec-dir> <work-dir> [count] [wafer]\n", argv[0]);
        return 2;
    }
    const char *spec = getenv("WF_SPEC_DIR") ? getenv("WF_SPEC_DIR") : argv[2];
    struct stat st;
    char core[4096];
    format(core, sizeof core, "%s/core", spec);
    if (stat(core, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: spec test suite not found at %s (set WF_SPEC_DIR)\n", spec);
        return SKIP_STATUS;
    }
    if (system("wast2json --version >/dev/null 2>&1") != 0) {
        printf("SKIP: wast2json not found\n");
        return SKIP_STATUS;
    }
    if (mkdir(argv[3], 0777) != 0 && errno != EEXIST) {
        perror(argv[3]);
        return 1;
    }
    if (strcmp(argv[1], "check") == 0)
        return run_check(spec, argv[3]);
    unsigned count = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 5000;
    if (strcmp(argv[1], "dump") == 0 && argc > 5)
        return run_dump(spec, argv[3], count, argv[5]);
    const char *wafer = argc > 5 && access(argv[5], X_OK) == 0 ? argv[5] : NULL;
    return run_fuzz(spec, argv[3], count, wafer);
}
