/*
** Robustness of the text format: every text module of every script given
** (files or directories of .wast files) is fed to wf_wat_to_wasm truncated
** at many points, and with single bytes mutated. Truncated (module ...)
** forms must end in an error (they lose their closing parenthesis; quoted
** field lists may stay valid); mutated ones must end in
** an error or in bytes, never in a crash (run it under ASan and UBSan).
** Whole scripts are also parsed truncated and mutated. Deterministic: a fixed seed.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/text.h"

#define TRUNCATIONS 24
#define MUTATIONS 24

static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;

static unsigned long long rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static long modules, truncations, mutations, failures;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
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
    *len = n;
    return text;
}

/* Feeds one module's text, damaged in many ways, through the encoder. */
static void fuzz_module(const char *path, uint32_t line, const char *text, size_t len,
                        int truncation_must_fail)
{
    static const char interesting[] = "()\";$0x.-_\\ \n@pinfa9";
    char *copy = malloc(len + 1);
    modules++;
    for (int i = 1; i <= TRUNCATIONS && len > 1; i++) {
        size_t cut = 1 + (len - 2) * (size_t)i / (TRUNCATIONS + 1);
        uint8_t *out = NULL;
        size_t out_len;
        wf_error_info_t err;
        memcpy(copy, text, cut);
        truncations++;
        if (wf_wat_to_wasm(copy, cut, &out, &out_len, &err) == WF_OK && truncation_must_fail) {
            fprintf(stderr, "%s:%u: module truncated to %zu bytes was accepted\n", path, line, cut);
            failures++;
            wf_wat_free(out);
        } else if (out) {
            wf_wat_free(out);
        }
    }
    for (int i = 0; i < MUTATIONS && len > 0; i++) {
        uint8_t *out;
        size_t out_len;
        memcpy(copy, text, len);
        copy[rng() % len] = interesting[rng() % (sizeof interesting - 1)];
        if (i % 3 == 0)
            copy[rng() % len] = (char)(rng() & 0xFF);
        mutations++;
        if (wf_wat_to_wasm(copy, len, &out, &out_len, NULL) == WF_OK)
            wf_wat_free(out);
    }
    free(copy);
}

static void fuzz_commands(const char *path, const char *text, const wf_wast_command_t *commands,
                          size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const wf_wast_command_t *c = &commands[i];
        if (c->kind == WF_WAST_THREAD)
            fuzz_commands(path, text, c->commands, c->command_count);
        if (!c->has_module)
            continue;
        if (c->module.form == WF_WAST_FORM_TEXT)
            fuzz_module(path, c->module.line, text + c->module.source_offset, c->module.source_len,
                        1);
        else if (c->module.form == WF_WAST_FORM_QUOTE)
            fuzz_module(path, c->module.line, c->module.text, c->module.text_len, 0);
    }
}

static void fuzz_file(const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    wf_wast_script_t *script;
    wf_error_info_t err;
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        failures++;
        return;
    }
    if (wf_wast_parse(text, len, &script, &err) != WF_OK) {
        fprintf(stderr, "%s:%u:%u: %s\n", path, err.line, err.column, err.message);
        failures++;
        free(text);
        return;
    }
    fuzz_commands(path, text, script->commands, script->command_count);
    wf_wast_free(script);
    /* Whole scripts, truncated or mutated: an error or a script, never a crash. */
    for (int i = 1; i <= 4; i++) {
        wf_wast_script_t *s;
        if (wf_wast_parse(text, len * (size_t)i / 5, &s, NULL) == WF_OK)
            wf_wast_free(s);
    }
    for (int i = 0; i < 4 && len > 0; i++) {
        static const char interesting[] = "()\";$0.-\\ \nnx";
        wf_wast_script_t *s;
        char *copy = malloc(len);
        memcpy(copy, text, len);
        for (int k = 0; k < 8; k++)
            copy[rng() % len] = interesting[rng() % (sizeof interesting - 1)];
        if (wf_wast_parse(copy, len, &s, NULL) == WF_OK)
            wf_wast_free(s);
        free(copy);
    }
    free(text);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int main(int argc, char **argv)
{
    long files = 0;
    for (int a = 1; a < argc; a++) {
        DIR *dir = opendir(argv[a]);
        if (!dir) {
            fuzz_file(argv[a]);
            files++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (!ends_with(e->d_name, ".wast"))
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            fuzz_file(path);
            files++;
        }
        closedir(dir);
    }
    printf("%ld files, %ld modules, %ld truncations, %ld mutations, %ld failures\n", files, modules,
           truncations, mutations, failures);
    return failures ? 1 : files == 0 ? 77 : 0;
}
