/*
** Module files for the CLI and the server: binary as is, text converted.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_file.h"
#include "wf/text.h"

/* Reads a whole file; returns 0 or an errno value. *data is malloc'd. */
static int read_all(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f)
        return errno;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, ncap);
            if (!grown) {
                free(buf);
                fclose(f);
                return ENOMEM;
            }
            buf = grown;
            cap = ncap;
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
    *data = buf;
    *size = len;
    return 0;
}

/* Whether the file is text: by name, or by its first significant byte. */
static int is_text(const char *path, const uint8_t *data, size_t size)
{
    size_t n = strlen(path);
    if (n >= 4 && strcmp(path + n - 4, ".wat") == 0)
        return 1;
    if (n >= 5 && strcmp(path + n - 5, ".wasm") == 0)
        return 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')
            continue;
        return data[i] == '(' || data[i] == ';';
    }
    return 0;
}

wf_err_t wf_load_file(const char *path, uint8_t **bytes, size_t *size, wf_error_info_t *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    wf_error_info_t local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    *bytes = NULL;
    *size = 0;
    int errnum = read_all(path, &data, &len);
    if (errnum) {
        err->code = WF_ERR_IO;
        snprintf(err->message, sizeof err->message, "cannot read: %s", strerror(errnum));
        return WF_ERR_IO;
    }
    if (!is_text(path, data, len)) {
        *bytes = data;
        *size = len;
        return WF_OK;
    }
    uint8_t *wasm = NULL;
    size_t wasm_len = 0;
    wf_err_t rc = wf_wat_to_wasm((const char *)data, len, &wasm, &wasm_len, err);
    free(data);
    if (rc != WF_OK)
        return rc;
    /* Hand back a malloc'd copy, so callers free every result the same way. */
    *bytes = malloc(wasm_len ? wasm_len : 1);
    if (!*bytes) {
        wf_wat_free(wasm);
        err->code = WF_ERR_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return WF_ERR_NOMEM;
    }
    memcpy(*bytes, wasm, wasm_len);
    *size = wasm_len;
    wf_wat_free(wasm);
    return WF_OK;
}

void wf_load_file_print_error(void *out, const char *path, const wf_error_info_t *err)
{
    if (err->line)
        fprintf(out, "%s:%u:%u: %s\n", path, err->line, err->column, err->message);
    else
        fprintf(out, "%s: %s\n", path, err->message[0] ? err->message : wf_strerror(err->code));
}
