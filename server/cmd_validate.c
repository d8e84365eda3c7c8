/*
** wafer validate FILE...: decodes, validates and compiles each module (the
** same wf_module_load the server uses) and reports the first error of each.
**
** Output, one line per file:
**     FILE: ok
**     FILE:OFFSET: error: CATEGORY: MESSAGE
** where OFFSET is the byte offset in the file (decimal) and CATEGORY is the
** error's name from wf_err_name (MALFORMED, INVALID, UNSUPPORTED, ...). A
** FILE ending in .wat is text: it is encoded first, and a text error is
** reported as FILE:LINE:COLUMN: error: TEXT: MESSAGE. (Offsets of later
** errors then refer to the encoded binary.)
** Exit status: 0 when every file is valid, 1 when one is not, 2 on usage.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "wf/text.h"
#include "wf/wf.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer validate FILE.wasm|FILE.wat...\n"
                 "Decodes, validates and compiles each module; prints 'FILE: ok' or\n"
                 "'FILE:OFFSET: error: CATEGORY: MESSAGE'. Exits 1 if any is invalid.\n");
}

/*
** Reads a whole file into a malloc'd buffer. Returns 0 and sets *bytes (owned
** by the caller, free with free) and *size; returns an errno value on failure.
*/
static int read_file(const char *path, uint8_t **bytes, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
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
        size_t n = fread(buf + len, 1, cap - len, f);
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
    *bytes = buf;
    *size = len;
    return 0;
}

/* Validates one file and prints its line. Returns whether it is valid. */
static int validate_one(const char *path)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    int errnum = read_file(path, &bytes, &size);
    if (errnum) {
        printf("%s: error: %s: cannot read: %s\n", path, wf_err_name(WF_ERR_IO), strerror(errnum));
        return 0;
    }
    wf_module_t *module = NULL;
    wf_error_info_t err;
    memset(&err, 0, sizeof err);
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".wat")) {
        /* Text first becomes binary; its errors point at line:column. */
        uint8_t *binary = NULL;
        size_t binary_size = 0;
        wf_err_t rc = wf_wat_to_wasm((const char *)bytes, size, &binary, &binary_size, &err);
        free(bytes);
        if (rc != WF_OK) {
            const char *message = err.message[0] ? err.message : wf_strerror(rc);
            printf("%s:%" PRIu32 ":%" PRIu32 ": error: %s: %s\n", path, err.line, err.column,
                   wf_err_name(rc), message);
            return 0;
        }
        /* A copy the caller frees with free(), like read_file's. */
        bytes = malloc(binary_size ? binary_size : 1);
        if (!bytes) {
            wf_wat_free(binary);
            printf("%s: error: %s: %s\n", path, wf_err_name(WF_ERR_NOMEM),
                   wf_strerror(WF_ERR_NOMEM));
            return 0;
        }
        if (binary_size)
            memcpy(bytes, binary, binary_size);
        size = binary_size;
        wf_wat_free(binary);
    }
    wf_load_options_t options = {.allocator = NULL, .name = path};
    wf_err_t rc = wf_module_load(&options, bytes, size, &module, &err);
    free(bytes);
    if (rc != WF_OK) {
        const char *message = err.message[0] ? err.message : wf_strerror(rc);
        printf("%s:%zu: error: %s: %s\n", path, err.offset, wf_err_name(rc), message);
        return 0;
    }
    wf_module_free(module);
    printf("%s: ok\n", path);
    return 1;
}

int wf_cmd_validate(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--"))
        first = 2;
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    int all_valid = 1;
    for (int i = first; i < argc; i++)
        if (!validate_one(argv[i]))
            all_valid = 0;
    return all_valid ? 0 : 1;
}
