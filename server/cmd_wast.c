/*
** wafer wast FILE...: runs WebAssembly spec scripts.
**
** By default wafer's own WAST parser reads each script (wast_native.c: the
** engine's text unit parses it and encodes its modules), and the runner
** (wast_runner.c) executes the commands. With --wast2json, each script is
** instead converted by wabt's wast2json into a private temporary directory,
** whose modules are read into memory and which is removed before anything
** runs; that cross-checks wafer's text encoder against an independent one
** (scripts wast2json cannot convert still go through the native parser, and
** malformed text modules count as skipped, as only a text parser can check
** them). A .json file (wast2json's output) may be given directly; its
** modules are read beside it.
**
** Output: one line per failure ("FILE:LINE: command: expected ..., got ..."),
** a tally per script when there are several, and finally
**     N passed, M failed[, K skipped]
** Exit status: 0 when nothing failed, 1 otherwise, 2 on usage errors.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "wast_native.h"
#include "wast_runner.h"

#define WAST_STDERR_NAME "wast2json.err"

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer wast [-v] [--strict] [--wast2json] [--timeout-ms N] FILE.wast...\n"
                 "Runs WebAssembly spec scripts and ends with 'N passed, M failed[, K skipped]'.\n"
                 "  -v, --verbose  print each command (and what spectest.print* prints)\n"
                 "  --strict       also require the spec's message for malformed, invalid\n"
                 "                 and unlinkable modules (by default their class is checked)\n"
                 "  --wast2json    convert scripts with wabt's wast2json (WF_WAST2JSON names\n"
                 "                 the binary) instead of wafer's own parser; malformed text\n"
                 "                 modules are then skipped\n"
                 "  --timeout-ms N an action still running after N ms is interrupted and\n"
                 "                 fails (default 60000; 0: no limit)\n"
                 "A FILE ending in .json is read as wast2json output.\n");
}

/*
** Reads a whole file into a malloc'd buffer with a NUL after the end.
** Returns 0 and sets *bytes (owned, free with free) and *size; otherwise an
** errno value.
*/
static int read_file(const char *path, uint8_t **bytes, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 1 >= cap) {
            size_t new_cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, new_cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return ENOMEM;
            }
            buf = grown;
            cap = new_cap;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return EIO;
    }
    buf[len] = '\0';
    *bytes = buf;
    *size = len;
    return 0;
}

/* One module file read into memory. */
typedef struct wast_file {
    char *name;     /* owned */
    uint8_t *bytes; /* owned */
    size_t size;
} wast_file_t;

/*
** Where the module files of one script are: in dir, or, once preloaded (for
** a temporary directory, which is then removed before anything runs, so a
** crash cannot leave it behind), in memory.
*/
typedef struct wast_files {
    const char *dir;
    bool preloaded;
    wast_file_t *files; /* owned */
    size_t count;
} wast_files_t;

static void files_clear(wast_files_t *files)
{
    for (size_t i = 0; i < files->count; i++) {
        free(files->files[i].name);
        free(files->files[i].bytes);
    }
    free(files->files);
    files->files = NULL;
    files->count = 0;
}

/* Reads every module file (.wasm, .wat) of files->dir into memory. Returns 0 or an errno value. */
static int files_preload(wast_files_t *files)
{
    DIR *d = opendir(files->dir);
    if (!d)
        return errno;
    int errnum = 0;
    size_t cap = 0;
    struct dirent *e;
    while (!errnum && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (!(len > 5 && !strcmp(e->d_name + len - 5, ".wasm")) &&
            !(len > 4 && !strcmp(e->d_name + len - 4, ".wat")))
            continue;
        if (files->count == cap) {
            size_t new_cap = cap ? cap * 2 : 64;
            wast_file_t *grown = realloc(files->files, new_cap * sizeof *grown);
            if (!grown) {
                errnum = ENOMEM;
                break;
            }
            files->files = grown;
            cap = new_cap;
        }
        wast_file_t *file = &files->files[files->count];
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", files->dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path) {
            errnum = ENAMETOOLONG;
            break;
        }
        file->name = malloc(len + 1);
        if (!file->name) {
            errnum = ENOMEM;
            break;
        }
        memcpy(file->name, e->d_name, len + 1);
        errnum = read_file(path, &file->bytes, &file->size);
        if (errnum) {
            free(file->name);
            break;
        }
        files->count++;
    }
    closedir(d);
    files->preloaded = true;
    return errnum;
}

/* The runner's module source: the file called filename (a plain file name). */
static int load_module_file(void *user, const char *filename, uint8_t **bytes, size_t *size,
                            char *why, size_t why_size)
{
    const wast_files_t *files = user;
    char path[4096];
    if (strchr(filename, '/') || !strcmp(filename, "..") || !strcmp(filename, ".")) {
        snprintf(why, why_size, "refusing module path \"%s\"", filename);
        return -1;
    }
    if (files->preloaded) {
        for (size_t i = 0; i < files->count; i++) {
            if (strcmp(files->files[i].name, filename))
                continue;
            /* The runner frees what it gets, so it gets a copy. */
            *bytes = malloc(files->files[i].size ? files->files[i].size : 1);
            if (!*bytes) {
                snprintf(why, why_size, "out of memory");
                return -1;
            }
            if (files->files[i].size)
                memcpy(*bytes, files->files[i].bytes, files->files[i].size);
            *size = files->files[i].size;
            return 0;
        }
        snprintf(why, why_size, "no module file %s", filename);
        return -1;
    }
    int n = snprintf(path, sizeof path, "%s/%s", files->dir, filename);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(why, why_size, "module path too long");
        return -1;
    }
    int errnum = read_file(path, bytes, size);
    if (errnum) {
        snprintf(why, why_size, "cannot read %s: %s", filename, strerror(errnum));
        return -1;
    }
    return 0;
}

/* Removes a temporary directory and the files in it (it has no subdirectories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (n > 0 && (size_t)n < sizeof path)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/*
** Runs wast2json on script, writing into dir. Returns 0 on success; otherwise
** writes the first line of its complaint into why.
*/
static int convert_script(const char *script, const char *dir, const char *json_path, char *why,
                          size_t why_size)
{
    const char *tool = getenv("WF_WAST2JSON");
    char err_path[4096];
    if (!tool || !tool[0])
        tool = "wast2json";
    int n1 = (int)strlen(json_path);
    int n2 = snprintf(err_path, sizeof err_path, "%s/%s", dir, WAST_STDERR_NAME);
    if (n1 == 0 || n2 < 0 || (size_t)n2 >= sizeof err_path) {
        snprintf(why, why_size, "temporary path too long");
        return -1;
    }

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        char *args[] = {(char *)tool, "--enable-threads", (char *)script,
                        "-o",         (char *)json_path,  NULL};
        execvp(tool, args);
        fprintf(stderr, "cannot run %s: %s\n", tool, strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_size, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;

    /* The first line of what it said, which names the position and the problem. */
    uint8_t *text = NULL;
    size_t size = 0;
    if (read_file(err_path, &text, &size) == 0 && size > 0) {
        char *line = (char *)text;
        line[strcspn(line, "\n")] = '\0';
        snprintf(why, why_size, "%s", line);
        free(text);
    } else {
        free(text);
        if (WIFSIGNALED(status))
            snprintf(why, why_size, "%s killed by signal %d", tool, WTERMSIG(status));
        else
            snprintf(why, why_size, "%s exited with status %d", tool, WEXITSTATUS(status));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -2 : -1;
}

/*
** Escapes the JSON escape \u0000 once more, so that a name holding a NUL
** byte reaches the runner as the six characters "\u0000" instead of being
** cut short by cJSON (whose strings end at the first NUL). The runner turns
** them back into NUL bytes for the lookup (wf_instance_export_n).
** Takes ownership of text (size bytes plus a NUL); returns the new text
** (owned, free with free) and its size, or NULL when out of memory.
*/
static char *escape_nul_escapes(char *text, size_t *size)
{
    size_t count = 0;
    for (size_t i = 0; i + 6 <= *size; i++) {
        if (text[i] == '\\') {
            if (!memcmp(text + i, "\\u0000", 6))
                count++;
            i++; /* the escaped character is never the start of an escape */
        }
    }
    if (count == 0)
        return text;
    char *escaped = malloc(*size + count + 1);
    if (!escaped) {
        free(text);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < *size; i++) {
        if (text[i] == '\\' && i + 6 <= *size && !memcmp(text + i, "\\u0000", 6))
            escaped[n++] = '\\';
        escaped[n++] = text[i];
        if (text[i] == '\\' && i + 1 < *size)
            escaped[n++] = text[++i];
    }
    escaped[n] = '\0';
    free(text);
    *size = n;
    return escaped;
}

/*
** Parses and runs a wast2json document whose modules are in dir. A temporary
** dir is read into memory and removed before the script runs.
*/
static void run_json(const char *script, const char *json_path, const char *dir, bool temporary,
                     const wf_wast_options_t *options, wf_wast_counts_t *counts)
{
    uint8_t *text = NULL;
    size_t size = 0;
    int errnum = read_file(json_path, &text, &size);
    if (errnum) {
        printf("%s: error: cannot read %s: %s\n", script, json_path, strerror(errnum));
        counts->failed++;
        return;
    }
    char *json = escape_nul_escapes((char *)text, &size);
    if (!json) {
        printf("%s: error: out of memory\n", script);
        counts->failed++;
        return;
    }
    cJSON *doc = cJSON_ParseWithLength(json, size);
    free(json);
    if (!doc) {
        printf("%s: error: %s is not valid JSON\n", script, json_path);
        counts->failed++;
        return;
    }
    wast_files_t files = {.dir = dir, .preloaded = false, .files = NULL, .count = 0};
    if (temporary) {
        errnum = files_preload(&files);
        remove_dir(dir);
        if (errnum) {
            printf("%s: error: cannot read the converted modules: %s\n", script, strerror(errnum));
            counts->failed++;
            files_clear(&files);
            cJSON_Delete(doc);
            return;
        }
    }
    wf_err_t rc = wf_wast_run(doc, script, load_module_file, &files, options, counts);
    files_clear(&files);
    cJSON_Delete(doc);
    if (rc != WF_OK) {
        printf("%s: error: %s\n", script,
               rc == WF_ERR_ARGUMENT ? "no command list in the JSON" : wf_strerror(rc));
        counts->failed++;
    }
}

/* Runs one script given on the command line. */
static void run_script(const char *script, bool use_wast2json, const wf_wast_options_t *options,
                       wf_wast_counts_t *counts)
{
    size_t len = strlen(script);
    if (access(script, R_OK) != 0) {
        printf("%s: error: cannot read: %s\n", script, strerror(errno));
        counts->failed++;
        return;
    }
    if (len > 5 && !strcmp(script + len - 5, ".json")) {
        char *dir = malloc(len + 1);
        if (!dir) {
            counts->failed++;
            return;
        }
        memcpy(dir, script, len + 1);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            strcpy(dir, ".");
        run_json(script, script, dir, false, options, counts);
        free(dir);
        return;
    }

    if (!use_wast2json) {
        wf_wast_run_native(script, options, counts);
        return;
    }

    const char *tmp = getenv("TMPDIR");
    char dir[4096], json_path[4200], why[512];
    snprintf(dir, sizeof dir, "%s/wafer-wast-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("%s: error: cannot make a temporary directory: %s\n", script, strerror(errno));
        counts->failed++;
        return;
    }
    /*
    ** The JSON takes the script's stem, so that wast2json names the modules
    ** after it ("i32.3.wasm") and messages say which script they came from.
    */
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    size_t stem = strlen(base);
    if (stem > 5 && !strcmp(base + stem - 5, ".wast"))
        stem -= 5;
    if (stem == 0 || stem > 200) {
        base = "script";
        stem = strlen(base);
    }
    int n = snprintf(json_path, sizeof json_path, "%s/%.*s.json", dir, (int)stem, base);
    if (n < 0 || (size_t)n >= sizeof json_path) {
        printf("%s: error: temporary path too long\n", script);
        counts->failed++;
        remove_dir(dir);
        return;
    }
    int converted = convert_script(script, dir, json_path, why, sizeof why);
    if (converted == 0) {
        run_json(script, json_path, dir, true, options, counts);
        return; /* run_json removed dir */
    }
    remove_dir(dir);
    /*
    ** The converter's limits (or its absence) are not wafer's failures:
    ** wafer's own parser runs the script instead (wast2json rejects newer
    ** syntax and the threads proposal's thread and wait commands, which
    ** wast_native.c understands).
    */
    if (options->verbose)
        printf("%s: %s (%s); using the native parser\n", script,
               converted == -2 ? "wast2json cannot run" : "wast2json cannot convert it", why);
    wf_wast_run_native(script, options, counts);
}

static void print_counts(const wf_wast_counts_t *counts)
{
    printf("%" PRIu64 " passed, %" PRIu64 " failed", counts->passed, counts->failed);
    if (counts->skipped)
        printf(", %" PRIu64 " skipped", counts->skipped);
    printf("\n");
}

int wf_cmd_wast(int argc, char **argv)
{
    wf_wast_options_t options = {
        .verbose = false, .strict_messages = false, .out = stdout, .timeout_ms = 60000};
    bool use_wast2json = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        const char *arg = argv[first];
        if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
            options.verbose = true;
        } else if (!strcmp(arg, "--strict")) {
            options.strict_messages = true;
        } else if (!strcmp(arg, "--wast2json")) {
            use_wast2json = true;
        } else if (!strcmp(arg, "--timeout-ms")) {
            char *end = NULL;
            unsigned long long ms = first + 1 < argc ? strtoull(argv[first + 1], &end, 10) : 0;
            if (first + 1 >= argc || !*argv[first + 1] || *end || argv[first + 1][0] == '-' ||
                ms > 86400000ull) {
                fprintf(stderr, "wafer wast: --timeout-ms needs a number of milliseconds "
                                "(0 .. 86400000)\n");
                return 2;
            }
            options.timeout_ms = ms;
            first++;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(arg, "--")) {
            first++;
            break;
        } else {
            fprintf(stderr, "wafer wast: unknown option '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }

    wf_wast_counts_t total = {0, 0, 0};
    int several = argc - first > 1;
    for (int i = first; i < argc; i++) {
        wf_wast_counts_t counts = {0, 0, 0};
        run_script(argv[i], use_wast2json, &options, &counts);
        if (several) {
            printf("%s: ", argv[i]);
            print_counts(&counts);
        }
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.skipped += counts.skipped;
        fflush(stdout);
    }
    print_counts(&total);
    return total.failed ? 1 : 0;
}
