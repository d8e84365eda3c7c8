/*
** `wafer run`: run a WASI command, or call one export and print its results.
**
**   wafer run [--invoke EXPORT] [--dir HOST[::GUEST][:ro]]... [--env K=V]...
**             [--argv0 NAME] FILE [ARGS...]
**
** FILE is a binary module or WAT text. Options come before FILE; everything after FILE goes to the
*program (as its
** arguments, or with --invoke as the export's parameters). Exit status: the
** program's own, 0 after a successful --invoke, 1 for a trap or a failure to
** load, 2 for a usage error.
*/
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "load_file.h"
#include "wf/wasi.h"
#include "wf/wf.h"

#define MAX_DIRS 64
#define MAX_ENVS 256

typedef struct run_options {
    const char *invoke;
    const char *argv0;
    const char *file;
    wf_wasi_preopen_t dirs[MAX_DIRS];
    char *dir_copies[MAX_DIRS]; /* owned: dirs[i] point into these */
    size_t dir_count;
    const char *envs[MAX_ENVS];
    size_t env_count;
    int arg_count; /* arguments after FILE */
    char **args;
} run_options_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer run [--invoke EXPORT] [--dir HOST[::GUEST][:ro]]... [--env K=V]...\n"
                 "                 [--argv0 NAME] FILE [ARGS...]\n"
                 "\n"
                 "Runs FILE's _start as a WASI command with this terminal's stdin, stdout and\n"
                 "stderr and exits with the program's status; with --invoke, calls EXPORT with\n"
                 "ARGS converted to its parameter types and prints each result on a line.\n"
                 "  --dir HOST[::GUEST][:ro]  grant directory HOST (seen as GUEST; read-only)\n"
                 "  --env K=V                 set an environment variable of the program\n"
                 "  --argv0 NAME              the program's argv[0] (default: FILE)\n");
}

/*
** Parses one --dir value into opts->dirs; returns 0, or -1 with a message.
** The value is copied, so opts owns what dirs point at.
*/
static int parse_dir(run_options_t *opts, const char *value)
{
    if (opts->dir_count == MAX_DIRS) {
        fprintf(stderr, "wafer run: too many --dir options (at most %d)\n", MAX_DIRS);
        return -1;
    }
    char *copy = strdup(value);
    if (!copy) {
        fprintf(stderr, "wafer run: out of memory\n");
        return -1;
    }
    wf_wasi_preopen_t *dir = &opts->dirs[opts->dir_count];
    opts->dir_copies[opts->dir_count++] = copy;
    size_t len = strlen(copy);
    dir->read_only = false;
    if (len > 3 && !strcmp(copy + len - 3, ":ro")) {
        dir->read_only = true;
        copy[len - 3] = '\0';
    }
    char *sep = strstr(copy, "::");
    dir->host_path = copy;
    dir->guest_path = copy;
    if (sep) {
        *sep = '\0';
        dir->guest_path = sep + 2;
    }
    if (!*dir->host_path || !*dir->guest_path) {
        fprintf(stderr, "wafer run: bad --dir value '%s'\n", value);
        return -1;
    }
    return 0;
}

/* Parses the command line; returns 0, or the exit status to leave with. */
static int parse_options(run_options_t *opts, int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !strcmp(a, "-"))
            break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        const char *value = NULL;
        const char *eq = strchr(a, '=');
        char name[32];
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        if (name_len >= sizeof name) {
            fprintf(stderr, "wafer run: unknown option '%s'\n", a);
            return 2;
        }
        memcpy(name, a, name_len);
        name[name_len] = '\0';
        if (strcmp(name, "--invoke") && strcmp(name, "--dir") && strcmp(name, "--env") &&
            strcmp(name, "--argv0")) {
            fprintf(stderr, "wafer run: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc) {
                fprintf(stderr, "wafer run: option '%s' needs a value\n", a);
                return 2;
            }
            value = argv[++i];
        }
        if (!strcmp(name, "--invoke")) {
            opts->invoke = value;
        } else if (!strcmp(name, "--argv0")) {
            opts->argv0 = value;
        } else if (!strcmp(name, "--dir")) {
            if (parse_dir(opts, value) < 0)
                return 2;
        } else {
            if (!strchr(value, '=')) {
                fprintf(stderr, "wafer run: --env wants K=V, not '%s'\n", value);
                return 2;
            }
            if (opts->env_count == MAX_ENVS) {
                fprintf(stderr, "wafer run: too many --env options\n");
                return 2;
            }
            opts->envs[opts->env_count++] = value;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    opts->file = argv[i];
    opts->args = argv + i + 1;
    opts->arg_count = argc - i - 1;
    return 0;
}

/*
** Parses an integer in decimal or 0x hex, with an optional sign; accepts the
** signed and the unsigned range of a bits-wide integer. Returns 0 or -1.
*/
static int parse_int(const char *s, unsigned bits, uint64_t *out)
{
    bool negative = false;
    const char *p = s;
    if (*p == '-' || *p == '+')
        negative = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return -1;
    uint64_t value = 0;
    for (; *p; p++) {
        if (*p == '_')
            continue;
        unsigned digit;
        if (*p >= '0' && *p <= '9')
            digit = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            digit = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            digit = (unsigned)(*p - 'A' + 10);
        else
            return -1;
        if (value > (UINT64_MAX - digit) / (uint64_t)base)
            return -1;
        value = value * (uint64_t)base + digit;
    }
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (negative) {
        if (value > (UINT64_C(1) << (bits - 1)))
            return -1;
        value = (uint64_t)0 - value;
    } else if (value > umax) {
        return -1;
    }
    *out = bits == 64 ? value : (value & umax);
    return 0;
}

/*
** Parses a float: what strtod accepts (decimal, hex, inf, nan), plus
** "nan:0xPAYLOAD" for a NaN with a given payload. Returns 0 or -1.
*/
static int parse_float(const char *s, bool is_f32, uint64_t *bits)
{
    const char *p = s;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!strncmp(p, "nan:", 4)) {
        uint64_t payload;
        if (parse_int(p + 4, is_f32 ? 23 : 52, &payload) < 0 || payload == 0)
            return -1;
        if (is_f32)
            *bits = (negative ? 0x80000000u : 0) | 0x7F800000u | payload;
        else
            *bits = (negative ? UINT64_C(1) << 63 : 0) | UINT64_C(0x7FF0000000000000) | payload;
        return 0;
    }
    char *end;
    errno = 0;
    if (is_f32) {
        float f = strtof(s, &end);
        if (end == s || *end)
            return -1;
        uint32_t b;
        memcpy(&b, &f, sizeof b);
        *bits = b;
    } else {
        double d = strtod(s, &end);
        if (end == s || *end)
            return -1;
        memcpy(bits, &d, sizeof *bits);
    }
    return 0;
}

/* Prints a float so that reading it back gives the same bits. */
static void print_float(uint64_t bits, bool is_f32)
{
    double value;
    bool sign;
    uint64_t payload, quiet;
    if (is_f32) {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        value = f;
        sign = b >> 31;
        payload = b & 0x7FFFFFu;
        quiet = 0x400000u;
    } else {
        memcpy(&value, &bits, sizeof value);
        sign = bits >> 63;
        payload = bits & UINT64_C(0xFFFFFFFFFFFFF);
        quiet = UINT64_C(1) << 51;
    }
    if (isnan(value)) {
        if (payload == quiet)
            printf("%snan\n", sign ? "-" : "");
        else
            printf("%snan:0x%" PRIx64 "\n", sign ? "-" : "", payload);
    } else if (isinf(value)) {
        printf("%sinf\n", sign ? "-" : "");
    } else {
        printf(is_f32 ? "%.9g\n" : "%.17g\n", value);
    }
}

static void print_value(const wf_val_t *v)
{
    switch (v->type) {
    case WF_I32:
        printf("%" PRId32 "\n", v->of.i32);
        break;
    case WF_I64:
        printf("%" PRId64 "\n", v->of.i64);
        break;
    case WF_F32:
        print_float(v->of.f32_bits, true);
        break;
    case WF_F64:
        print_float(v->of.f64_bits, false);
        break;
    case WF_V128:
        printf("0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    case WF_FUNCREF:
        printf(v->of.funcref ? "funcref\n" : "null\n");
        break;
    case WF_EXTERNREF:
        printf(v->of.externref ? "externref\n" : "null\n");
        break;
    }
}

/* Prints a trap or another run-time failure in the documented format. */
static void print_failure(wf_err_t rc, const wf_error_info_t *err)
{
    const char *message = err->message[0] ? err->message : wf_strerror(rc);
    if (WF_ERR_IS_TRAP(rc)) {
        char func[96];
        if (err->func_name[0])
            snprintf(func, sizeof func, "%s", err->func_name);
        else if (err->func_index != WF_NO_INDEX)
            snprintf(func, sizeof func, "func[%" PRIu32 "]", err->func_index);
        else
            snprintf(func, sizeof func, "?");
        fprintf(stderr, "wafer: trap: %s (in %s at offset %zu)\n", message, func, err->offset);
    } else {
        fprintf(stderr, "wafer: error: %s\n", message);
    }
}

/* Calls opts->invoke with opts->args; returns the exit status. */
static int invoke_export(wf_instance_t *instance, const run_options_t *opts)
{
    wf_extern_t ext;
    if (wf_instance_export(instance, opts->invoke, &ext) != WF_OK || ext.kind != WF_EXTERN_FUNC) {
        fprintf(stderr, "wafer run: %s: no exported function '%s'\n", opts->file, opts->invoke);
        return 1;
    }
    wf_functype_t type = wf_func_type(ext.of.func);
    if ((uint32_t)opts->arg_count != type.param_count) {
        fprintf(stderr, "wafer run: '%s' takes %" PRIu32 " argument%s, %d given\n", opts->invoke,
                type.param_count, type.param_count == 1 ? "" : "s", opts->arg_count);
        return 2;
    }
    int status = 1;
    wf_val_t *args = calloc(type.param_count + 1, sizeof *args);
    wf_val_t *results = calloc(type.result_count + 1, sizeof *results);
    if (!args || !results) {
        fprintf(stderr, "wafer run: out of memory\n");
        goto done;
    }
    for (uint32_t i = 0; i < type.param_count; i++) {
        const char *s = opts->args[i];
        uint64_t bits = 0;
        int ok = -1;
        args[i].type = (wf_valtype_t)type.params[i];
        switch (type.params[i]) {
        case WF_I32:
            ok = parse_int(s, 32, &bits);
            args[i].of.i32 = (int32_t)(uint32_t)bits;
            break;
        case WF_I64:
            ok = parse_int(s, 64, &bits);
            args[i].of.i64 = (int64_t)bits;
            break;
        case WF_F32:
            ok = parse_float(s, true, &bits);
            args[i].of.f32_bits = (uint32_t)bits;
            break;
        case WF_F64:
            ok = parse_float(s, false, &bits);
            args[i].of.f64_bits = bits;
            break;
        case WF_FUNCREF:
        case WF_EXTERNREF:
            ok = strcmp(s, "null") ? -1 : 0;
            break;
        default:
            break;
        }
        if (ok < 0) {
            fprintf(stderr, "wafer run: argument %" PRIu32 " ('%s') is not a valid %s\n", i + 1, s,
                    wf_valtype_name((wf_valtype_t)type.params[i]));
            status = 2;
            goto done;
        }
    }
    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    wf_err_t rc =
        wf_func_call(ext.of.func, args, type.param_count, results, type.result_count, &err);
    fflush(stdout);
    if (rc == WF_ERR_EXIT) {
        status = err.exit_code;
        goto done;
    }
    if (rc != WF_OK) {
        print_failure(rc, &err);
        goto done;
    }
    for (uint32_t i = 0; i < type.result_count; i++)
        print_value(&results[i]);
    status = 0;
done:
    free(args);
    free(results);
    return status;
}

int wf_cmd_run(int argc, char **argv)
{
    run_options_t opts;
    memset(&opts, 0, sizeof opts);
    int status = parse_options(&opts, argc, argv);
    if (status != 0) {
        status = status < 0 ? 0 : status;
        goto out_options;
    }
    status = 1;

    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    size_t size = 0;
    uint8_t *bytes = NULL;
    if (wf_load_file(opts.file, &bytes, &size, &err) != WF_OK) {
        wf_load_file_print_error(stderr, opts.file, &err);
        goto out_options;
    }
    wf_load_options_t load = {.allocator = NULL, .name = opts.file};
    wf_module_t *module = NULL;
    wf_err_t rc = wf_module_load(&load, bytes, size, &module, &err);
    if (rc != WF_OK) {
        fprintf(stderr, "wafer run: %s: %s at offset %zu\n", opts.file,
                err.message[0] ? err.message : wf_strerror(rc), err.offset);
        goto out_bytes;
    }

    /* The program's argument vector: argv0, then everything after FILE. */
    const char **program_argv = calloc((size_t)opts.arg_count + 2, sizeof *program_argv);
    if (!program_argv) {
        fprintf(stderr, "wafer run: out of memory\n");
        goto out_module;
    }
    program_argv[0] = opts.argv0 ? opts.argv0 : opts.file;
    for (int i = 0; i < opts.arg_count; i++)
        program_argv[i + 1] = opts.args[i];

    wf_wasi_t *wasi = NULL;
    if (!opts.invoke || wf_wasi_module_uses(module)) {
        wf_wasi_config_t config;
        memset(&config, 0, sizeof config);
        config.argc = (size_t)opts.arg_count + 1;
        config.argv = program_argv;
        config.envc = opts.env_count;
        config.env = opts.envs;
        config.stdin_ = (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_FD, .fd = 0};
        config.stdout_ = (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_FD, .fd = 1};
        config.stderr_ = (wf_wasi_stdio_t){.kind = WF_WASI_STDIO_FD, .fd = 2};
        config.preopens = opts.dirs;
        config.preopen_count = opts.dir_count;
        rc = wf_wasi_new(&config, &wasi, &err);
        if (rc != WF_OK) {
            fprintf(stderr, "wafer run: %s\n", err.message[0] ? err.message : wf_strerror(rc));
            goto out_argv;
        }
    }

    uint32_t import_count = wf_module_import_count(module);
    wf_extern_t *imports = calloc(import_count + 1, sizeof *imports);
    if (!imports) {
        fprintf(stderr, "wafer run: out of memory\n");
        goto out_wasi;
    }
    rc = wf_wasi_link(wasi, module, imports, &err);
    if (rc != WF_OK) {
        fprintf(stderr, "wafer run: %s: %s\n", opts.file, err.message);
        goto out_imports;
    }

    wf_instance_t *instance = NULL;
    rc = wf_instance_new(module, imports, import_count, NULL, &instance, &err);
    if (rc == WF_ERR_EXIT) {
        status = err.exit_code; /* proc_exit from a start function */
        goto out_imports;
    }
    if (rc != WF_OK) {
        if (WF_ERR_IS_TRAP(rc))
            print_failure(rc, &err);
        else
            fprintf(stderr, "wafer run: %s: %s\n", opts.file,
                    err.message[0] ? err.message : wf_strerror(rc));
        goto out_imports;
    }

    if (opts.invoke) {
        status = invoke_export(instance, &opts);
    } else {
        int exit_code = 0;
        rc = wf_wasi_run(wasi, instance, &exit_code, &err);
        if (rc == WF_OK) {
            status = exit_code;
        } else if (rc == WF_ERR_NOT_FOUND) {
            fprintf(stderr, "wafer run: %s: no _start function (use --invoke EXPORT)\n", opts.file);
        } else {
            print_failure(rc, &err);
        }
    }
    fflush(stdout);
    wf_instance_free(instance);
out_imports:
    free(imports);
out_wasi:
    wf_wasi_free(wasi);
out_argv:
    free(program_argv);
out_module:
    wf_module_free(module);
out_bytes:
    free(bytes);
out_options:
    for (size_t i = 0; i < opts.dir_count; i++)
        free(opts.dir_copies[i]);
    return status;
}
