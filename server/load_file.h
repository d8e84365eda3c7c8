/*
** Reading a module file for the CLI and the server: .wasm files as they are,
** .wat files through the engine's text encoder.
*/
#ifndef WF_LOAD_FILE_H
#define WF_LOAD_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "wf/error.h"

/*
** Reads path. A name ending in ".wat" (or a file whose first non-blank byte
** is '(' or ';') is converted from the text format. On success *bytes is
** owned by the caller (free with free) and holds *size bytes of binary
** module. On failure returns WF_ERR_IO (err->message has the reason) or the
** text error (err->line, err->column set), and *bytes is NULL.
*/
wf_err_t wf_load_file(const char *path, uint8_t **bytes, size_t *size, wf_error_info_t *err);

/*
** Prints an error of wf_load_file as "PATH:LINE:COL: message" (text errors)
** or "PATH: message" to out (a FILE *).
*/
void wf_load_file_print_error(void *out, const char *path, const wf_error_info_t *err);

#endif
