/*
** text_wastdump SCRIPT.wast DIR: parses a script with wf_wast_parse and writes
** every module it encoded as DIR/<n>.wasm, printing one line per module:
**     <n> <line> <command kind> <form> ok|err <offset> <length> <line:col> <message>
** (offset and length: the module's text in the script)
** (used by compare_wat2wasm.py to match modules with wast2json's).
*/
#include <stdio.h>
#include <stdlib.h>

#include "wf/text.h"

/* Writes the modules of a command list (and of thread sub-scripts). */
static void dump(const char *dir, const wf_wast_command_t *commands, size_t count, int *counter)
{
    for (size_t i = 0; i < count; i++) {
        const wf_wast_command_t *c = &commands[i];
        if (c->kind == WF_WAST_THREAD) {
            dump(dir, c->commands, c->command_count, counter);
            continue;
        }
        if (!c->has_module)
            continue;
        int k = (*counter)++;
        if (c->module.bytes) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%d.wasm", dir, k);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(c->module.bytes, 1, c->module.size, f);
                fclose(f);
            }
        }
        printf("%d %u %d %d %s %zu %zu %u:%u %s\n", k, c->module.line ? c->module.line : c->line,
               (int)c->kind, (int)c->module.form, c->module.bytes ? "ok" : "err",
               c->module.source_offset, c->module.source_len, c->module.error.line,
               c->module.error.column, c->module.bytes ? "" : c->module.error.message);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: text_wastdump SCRIPT.wast DIR\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    for (;;) {
        if (n == cap)
            text = realloc(text, cap *= 2);
        size_t got = fread(text + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    wf_wast_script_t *script;
    wf_error_info_t err;
    if (wf_wast_parse(text, n, &script, &err) != WF_OK) {
        fprintf(stderr, "%s:%u:%u: %s\n", argv[1], err.line, err.column, err.message);
        free(text);
        return 1;
    }
    int counter = 0;
    dump(argv[2], script->commands, script->command_count, &counter);
    wf_wast_free(script);
    free(text);
    return 0;
}
