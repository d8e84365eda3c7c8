/*
** wafer compile FILE.wat [-o FILE.wasm]: encodes a text module to the binary
** format. Without -o, the output is FILE with its extension replaced by
** .wasm ("-" writes to stdout). Errors print as FILE:LINE:COL: message.
** Exit status: 0 on success, 1 on a text or I/O error, 2 on usage.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "load_file.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer compile FILE.wat [-o FILE.wasm]\n"
                 "Encodes a WebAssembly text module to the binary format.\n");
}

/* The default output name: input with .wat replaced by (or .wasm added). */
static char *default_output(const char *input)
{
    size_t n = strlen(input);
    if (n >= 4 && strcmp(input + n - 4, ".wat") == 0)
        n -= 4;
    char *out = malloc(n + 6);
    if (out) {
        memcpy(out, input, n);
        memcpy(out + n, ".wasm", 6);
    }
    return out;
}

int wf_cmd_compile(int argc, char **argv)
{
    const char *input = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            output = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage(stderr);
            return 2;
        } else if (!input) {
            input = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!input) {
        usage(stderr);
        return 2;
    }
    uint8_t *bytes;
    size_t size;
    wf_error_info_t err;
    if (wf_load_file(input, &bytes, &size, &err) != WF_OK) {
        wf_load_file_print_error(stderr, input, &err);
        return 1;
    }
    char *owned = NULL;
    if (!output)
        output = owned = default_output(input);
    int status = 1;
    FILE *f = output && strcmp(output, "-") == 0 ? stdout : output ? fopen(output, "wb") : NULL;
    if (!f) {
        fprintf(stderr, "%s: cannot write\n", output ? output : input);
    } else {
        if (fwrite(bytes, 1, size, f) == size)
            status = 0;
        if (f != stdout && fclose(f) != 0)
            status = 1;
        if (status)
            fprintf(stderr, "%s: write failed\n", output);
    }
    free(owned);
    free(bytes);
    return status;
}
