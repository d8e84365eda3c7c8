/*
** wafer validate FILE...: decodes, validates and compiles each module (the
** same wf_module_load the server uses) and reports the first error of each.
**
** Output, one line per file:
**     FILE: ok
**     FILE:OFFSET: error: CATEGORY: MESSAGE
** where OFFSET is the byte offset in the file (decimal) and CATEGORY is the
** error's name from wf_err_name (MALFORMED, INVALID, UNSUPPORTED, ...). A
** FILE ending in .wat is text (as wf_load_file decides): it is encoded
** first, and a text error is reported as FILE:LINE:COLUMN: error: TEXT:
** MESSAGE. (Offsets of later errors then refer to the encoded binary.)
** Exit status: 0 when every file is valid, 1 when one is not, 2 on usage.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "load_file.h"
#include "wf/wf.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer validate FILE.wasm|FILE.wat...\n"
                 "Decodes, validates and compiles each module; prints 'FILE: ok' or\n"
                 "'FILE:OFFSET: error: CATEGORY: MESSAGE'. Exits 1 if any is invalid.\n");
}

/* Validates one file and prints its line. Returns whether it is valid. */
static int validate_one(const char *path)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    wf_module_t *module = NULL;
    wf_error_info_t err;
    /* Text is encoded first; its errors point at line:column. */
    wf_err_t rc = wf_load_file(path, &bytes, &size, &err);
    if (rc == WF_ERR_IO) {
        printf("%s: error: %s: %s\n", path, wf_err_name(rc), err.message);
        return 0;
    }
    if (rc != WF_OK) {
        const char *message = err.message[0] ? err.message : wf_strerror(rc);
        printf("%s:%" PRIu32 ":%" PRIu32 ": error: %s: %s\n", path, err.line, err.column,
               wf_err_name(rc), message);
        return 0;
    }
    wf_load_options_t options = {.allocator = NULL, .name = path};
    rc = wf_module_load(&options, bytes, size, &module, &err);
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
