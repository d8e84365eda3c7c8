/*
** The WAT encoder's internal entry point, shared with the WAST parser.
*/
#ifndef WF_TEXT_WAT_H
#define WF_TEXT_WAT_H

#include "lexer.h"

/*
** Encodes the module fields that start at tokens[start] and run up to the
** first unmatched ')' (or EOF). On success *out is owned by the caller (free
** with wf_wat_free) and *stop is the index of that ')' or EOF token. Borrows
** tokens. *uses_simd (when not NULL) tells whether the module uses v128 or
** SIMD instructions.
*/
wf_err_t wf__wat_encode_fields(const wf__token_list_t *tokens, size_t start, size_t *stop,
                               uint8_t **out, size_t *out_len, bool *uses_simd,
                               wf_error_info_t *err);

/* wf_wat_to_wasm, also telling whether the module uses SIMD. */
wf_err_t wf__wat_to_wasm(const char *text, size_t len, uint8_t **out, size_t *out_len,
                         bool *uses_simd, wf_error_info_t *err);

/* Index of the token after the parenthesised group opening at tokens[pos]. */
size_t wf__skip_group(const wf__token_list_t *tokens, size_t pos);

#endif
