/*
** The native command source of `wafer wast` (see wast_native.h).
**
** The document built here has the shape wast2json writes, so that one runner
** serves both sources. Module files are named "<n>.wasm" after their index
** in a table of the script's modules. An assert_malformed whose text module
** did not encode is decided here (the text was rejected, as the assertion
** asks); for any other command such a module fails to load with the text
** error's position and message.
**
** The threads proposal's commands become {"type": "thread", "name": "$T",
** "shared": ["$M"], "commands": [...]} and {"type": "wait", "thread": "$T"}.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wast_native.h"
#include "wf/text.h"

typedef struct native_module {
    const wf_wast_module_t *module;
} native_module_t;

typedef struct native {
    native_module_t *modules;
    size_t count, cap;
    bool simd_supported;
    /* SIMD modules the engine cannot load: their names, and whether the latest is one. */
    const char **simd_names;
    size_t simd_count, simd_cap;
    bool latest_simd;
    uint64_t skipped;
    uint64_t passed, failed; /* assert_malformed on text the encoder rejected */
    const char *script;
    const wf_wast_options_t *options;
    bool oom;
} native_t;

/* Remembers a module; returns its index, or -1 when out of memory. */
static long add_module(native_t *n, const wf_wast_module_t *m)
{
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 64;
        native_module_t *grown = realloc(n->modules, cap * sizeof *grown);
        if (!grown)
            return -1;
        n->modules = grown;
        n->cap = cap;
    }
    n->modules[n->count].module = m;
    return (long)n->count++;
}

static int load_native(void *user, const char *filename, uint8_t **bytes, size_t *size, char *why,
                       size_t why_size)
{
    native_t *n = user;
    char *end;
    unsigned long index = strtoul(filename, &end, 10);
    if (end == filename || strcmp(end, ".wasm") != 0 || index >= n->count) {
        snprintf(why, why_size, "no module %s", filename);
        return 1;
    }
    const wf_wast_module_t *m = n->modules[index].module;
    if (!m->bytes) {
        snprintf(why, why_size, "text format: %u:%u: %s", m->error.line, m->error.column,
                 m->error.message);
        return 1;
    }
    *bytes = malloc(m->size ? m->size : 1);
    if (!*bytes) {
        snprintf(why, why_size, "out of memory");
        return 1;
    }
    memcpy(*bytes, m->bytes, m->size);
    *size = m->size;
    return 0;
}

/* ---------------------------------------------------------------- values -- */

static const char *type_name(uint8_t type)
{
    switch (type) {
    case 0x7F:
        return "i32";
    case 0x7E:
        return "i64";
    case 0x7D:
        return "f32";
    case 0x7C:
        return "f64";
    case 0x7B:
        return "v128";
    case 0x70:
        return "funcref";
    case 0x6F:
        return "externref";
    default:
        return "?";
    }
}

static cJSON *value_json(const wf_wast_value_t *v)
{
    char buf[32];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (v->kind == WF_WAST_VALUE_EITHER) {
        cJSON *alts = cJSON_AddArrayToObject(o, "values");
        cJSON_AddStringToObject(o, "type", "either");
        for (size_t i = 0; alts && i < v->alternative_count; i++)
            cJSON_AddItemToArray(alts, value_json(&v->alternatives[i]));
        return o;
    }
    cJSON_AddStringToObject(o, "type", type_name(v->type));
    switch (v->kind) {
    case WF_WAST_VALUE_NAN_CANONICAL:
        cJSON_AddStringToObject(o, "value", "nan:canonical");
        return o;
    case WF_WAST_VALUE_NAN_ARITHMETIC:
        cJSON_AddStringToObject(o, "value", "nan:arithmetic");
        return o;
    case WF_WAST_VALUE_REF_NULL:
        cJSON_AddStringToObject(o, "value", "null");
        return o;
    case WF_WAST_VALUE_REF_HOST:
        snprintf(buf, sizeof buf, "%" PRIu64, v->of.ref);
        cJSON_AddStringToObject(o, "value", buf);
        return o;
    case WF_WAST_VALUE_REF_ANY:
        /* The runner takes any non-"null" funcref as "any non-null". */
        cJSON_AddStringToObject(o, "value", "0");
        return o;
    default:
        break;
    }
    switch (v->type) {
    case 0x7F:
        snprintf(buf, sizeof buf, "%" PRIu32, (uint32_t)v->of.i32);
        break;
    case 0x7E:
        snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)v->of.i64);
        break;
    case 0x7D:
        snprintf(buf, sizeof buf, "%" PRIu32, v->of.f32_bits);
        break;
    case 0x7C:
        snprintf(buf, sizeof buf, "%" PRIu64, v->of.f64_bits);
        break;
    case 0x7B: {
        static const char *const lane_types[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
        static const unsigned lanes[] = {16, 8, 4, 2, 4, 2};
        unsigned shape = v->shape < 6 ? v->shape : 2, width = 16 / lanes[shape];
        cJSON *arr = cJSON_AddArrayToObject(o, "value");
        cJSON_AddStringToObject(o, "lane_type", lane_types[shape]);
        for (unsigned i = 0; arr && i < lanes[shape]; i++) {
            uint64_t lane = 0;
            for (unsigned k = 0; k < width; k++)
                lane |= (uint64_t)v->of.v128[i * width + k] << (8 * k);
            uint8_t kind = v->kind == WF_WAST_VALUE_V128_LANES && i < 4 ? v->lane_kind[i] : 0;
            if (kind == WF_WAST_VALUE_NAN_CANONICAL)
                snprintf(buf, sizeof buf, "nan:canonical");
            else if (kind == WF_WAST_VALUE_NAN_ARITHMETIC)
                snprintf(buf, sizeof buf, "nan:arithmetic");
            else
                snprintf(buf, sizeof buf, "%" PRIu64, lane);
            cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
        }
        return o;
    }
    default:
        snprintf(buf, sizeof buf, "0");
        break;
    }
    cJSON_AddStringToObject(o, "value", buf);
    return o;
}

static bool values_use_v128(const wf_wast_value_t *v, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (v[i].type == 0x7B)
            return true;
        if (v[i].kind == WF_WAST_VALUE_EITHER &&
            values_use_v128(v[i].alternatives, v[i].alternative_count))
            return true;
    }
    return false;
}

static cJSON *action_json(const wf_wast_action_t *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "type", a->kind == WF_WAST_GET ? "get" : "invoke");
    if (a->module)
        cJSON_AddStringToObject(o, "module", a->module);
    if (strlen(a->name) == a->name_len) {
        cJSON_AddStringToObject(o, "field", a->name);
    } else {
        /*
        ** cJSON strings end at NUL: the runner reads the text "\u0000" in
        ** a field as a NUL byte.
        */
        char *field = malloc(a->name_len * 6 + 1);
        size_t n = 0;
        for (size_t i = 0; field && i < a->name_len; i++) {
            if (a->name[i] == '\0') {
                memcpy(field + n, "\\u0000", 6);
                n += 6;
            } else {
                field[n++] = a->name[i];
            }
        }
        if (field) {
            field[n] = '\0';
            cJSON_AddStringToObject(o, "field", field);
            free(field);
        }
    }
    cJSON *args = cJSON_AddArrayToObject(o, "args");
    for (size_t i = 0; args && i < a->arg_count; i++)
        cJSON_AddItemToArray(args, value_json(&a->args[i]));
    return o;
}

/* ------------------------------------------------------------- commands -- */

static bool is_simd_name(const native_t *n, const char *name)
{
    for (size_t i = 0; i < n->simd_count; i++)
        if (!strcmp(n->simd_names[i], name))
            return true;
    return false;
}

/*
** Whether a binary module is one the engine refuses for want of SIMD: it has
** a v128 type or SIMD prefix byte somewhere and loading says "unsupported".
*/
static bool binary_needs_simd(const wf_wast_module_t *m)
{
    if (!m->bytes || (!memchr(m->bytes, 0x7B, m->size) && !memchr(m->bytes, 0xFD, m->size)))
        return false;
    wf_module_t *module = NULL;
    wf_err_t rc = wf_module_load(NULL, m->bytes, m->size, &module, NULL);
    wf_module_free(module);
    return rc == WF_ERR_UNSUPPORTED;
}

/* Whether a command needs SIMD the engine lacks (and so is skipped). */
static bool needs_simd(native_t *n, const wf_wast_command_t *c)
{
    if (n->simd_supported)
        return false;
    if (c->has_module && c->module.uses_simd)
        return true;
    if (c->has_module && c->module.form == WF_WAST_FORM_BINARY && binary_needs_simd(&c->module))
        return true;
    if (c->has_action) {
        if (c->action.module ? is_simd_name(n, c->action.module) : n->latest_simd)
            return true;
        if (values_use_v128(c->action.args, c->action.arg_count) ||
            values_use_v128(c->results, c->result_count))
            return true;
    }
    if (c->kind == WF_WAST_REGISTER)
        return c->module_ref ? is_simd_name(n, c->module_ref) : n->latest_simd;
    return false;
}

static cJSON *commands_json(native_t *n, const wf_wast_command_t *cs, size_t count);

static cJSON *command_json(native_t *n, const wf_wast_command_t *c)
{
    static const char *const kinds[] = {
        [WF_WAST_MODULE] = "module",
        [WF_WAST_REGISTER] = "register",
        [WF_WAST_ACTION] = "action",
        [WF_WAST_ASSERT_RETURN] = "assert_return",
        [WF_WAST_ASSERT_TRAP] = "assert_trap",
        [WF_WAST_ASSERT_EXHAUSTION] = "assert_exhaustion",
        [WF_WAST_ASSERT_INVALID] = "assert_invalid",
        [WF_WAST_ASSERT_MALFORMED] = "assert_malformed",
        [WF_WAST_ASSERT_UNLINKABLE] = "assert_unlinkable",
        [WF_WAST_ASSERT_UNINSTANTIABLE] = "assert_uninstantiable",
        [WF_WAST_THREAD] = "thread",
        [WF_WAST_WAIT] = "wait",
    };
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const char *kind = kinds[c->kind];
    /* wast2json's name for assert_trap on a module. */
    if (c->kind == WF_WAST_ASSERT_TRAP && c->has_module)
        kind = "assert_uninstantiable";
    cJSON_AddStringToObject(o, "type", kind);
    cJSON_AddNumberToObject(o, "line", c->line);
    if (c->has_module) {
        char filename[32];
        long index = add_module(n, &c->module);
        if (index < 0)
            n->oom = true;
        snprintf(filename, sizeof filename, "%ld.wasm", index);
        cJSON_AddStringToObject(o, "filename", filename);
        cJSON_AddStringToObject(o, "module_type", "binary");
        if (c->kind == WF_WAST_MODULE && c->module.name)
            cJSON_AddStringToObject(o, "name", c->module.name);
    }
    if (c->has_action) {
        cJSON_AddItemToObject(o, "action", action_json(&c->action));
        cJSON *expected = cJSON_AddArrayToObject(o, "expected");
        for (size_t i = 0; expected && i < c->result_count; i++)
            cJSON_AddItemToArray(expected, value_json(&c->results[i]));
    }
    if (c->message)
        cJSON_AddStringToObject(o, "text", c->message);
    if (c->kind == WF_WAST_REGISTER) {
        cJSON_AddStringToObject(o, "as", c->name);
        if (c->module_ref)
            cJSON_AddStringToObject(o, "name", c->module_ref);
    }
    if (c->kind == WF_WAST_WAIT)
        cJSON_AddStringToObject(o, "thread", c->name);
    if (c->kind == WF_WAST_THREAD) {
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON *shared = cJSON_AddArrayToObject(o, "shared");
        for (size_t i = 0; shared && i < c->shared_count; i++)
            cJSON_AddItemToArray(shared, cJSON_CreateString(c->shared[i]));
        cJSON_AddItemToObject(o, "commands", commands_json(n, c->commands, c->command_count));
    }
    return o;
}

/*
** assert_malformed on a text module that wafer's encoder rejected: that is
** the expected outcome, counted here (the runner never sees the module).
** With --strict the encoder's message must also contain the expected one.
*/
static void check_rejected_text(native_t *n, const wf_wast_command_t *c)
{
    const char *expected = c->message ? c->message : "";
    FILE *out = n->options->out ? n->options->out : stdout;
    if (n->options->strict_messages && !strstr(c->module.error.message, expected)) {
        fprintf(out, "%s:%u: assert_malformed: expected \"%s\", got text error %u:%u: %s\n",
                n->script, c->line, expected, c->module.error.line, c->module.error.column,
                c->module.error.message);
        n->failed++;
        return;
    }
    if (n->options->verbose)
        fprintf(out, "%s:%u: assert_malformed (text rejected: %s)\n", n->script, c->line,
                c->module.error.message);
    n->passed++;
}

static cJSON *commands_json(native_t *n, const wf_wast_command_t *cs, size_t count)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < count; i++) {
        const wf_wast_command_t *c = &cs[i];
        if (needs_simd(n, c)) {
            n->skipped++;
            if (c->kind == WF_WAST_MODULE) {
                n->latest_simd = true;
                if (c->module.name) {
                    if (n->simd_count == n->simd_cap) {
                        size_t cap = n->simd_cap ? n->simd_cap * 2 : 8;
                        const char **grown = realloc(n->simd_names, cap * sizeof *grown);
                        if (!grown) {
                            n->oom = true;
                            continue;
                        }
                        n->simd_names = grown;
                        n->simd_cap = cap;
                    }
                    n->simd_names[n->simd_count++] = c->module.name;
                }
            }
            continue;
        }
        if (c->kind == WF_WAST_ASSERT_MALFORMED && c->has_module && !c->module.bytes &&
            c->module.form != WF_WAST_FORM_BINARY) {
            check_rejected_text(n, c);
            continue;
        }
        if (c->kind == WF_WAST_MODULE)
            n->latest_simd = false;
        cJSON *item = command_json(n, c);
        if (!item)
            n->oom = true;
        else
            cJSON_AddItemToArray(list, item);
    }
    return list;
}

/* Whether the engine loads a SIMD module (decided once per run). */
static bool engine_has_simd(void)
{
    static const char probe[] = "(module (func (result v128) (v128.const i64x2 0 0)))";
    uint8_t *bytes;
    size_t size;
    wf_module_t *module = NULL;
    if (wf_wat_to_wasm(probe, sizeof probe - 1, &bytes, &size, NULL) != WF_OK)
        return false;
    bool ok = wf_module_load(NULL, bytes, size, &module, NULL) == WF_OK;
    wf_module_free(module);
    wf_wat_free(bytes);
    return ok;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *text = malloc(cap);
    while (text) {
        if (n == cap) {
            char *grown = realloc(text, cap *= 2);
            if (!grown) {
                free(text);
                text = NULL;
                break;
            }
            text = grown;
        }
        size_t got = fread(text + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    if (text && ferror(f)) {
        free(text);
        text = NULL;
    }
    fclose(f);
    *len = n;
    return text;
}

void wf_wast_run_native(const char *script, const wf_wast_options_t *options,
                        wf_wast_counts_t *counts)
{
    size_t len = 0;
    char *text = read_text(script, &len);
    wf_wast_script_t *parsed = NULL;
    wf_error_info_t err;
    native_t n;
    memset(&n, 0, sizeof n);
    FILE *out = options->out ? options->out : stdout;
    if (!text) {
        fprintf(out, "%s: error: cannot read the script\n", script);
        counts->failed++;
        return;
    }
    if (wf_wast_parse(text, len, &parsed, &err) != WF_OK) {
        fprintf(out, "%s:%u:%u: error: %s\n", script, err.line, err.column, err.message);
        counts->failed++;
        free(text);
        return;
    }
    n.simd_supported = engine_has_simd();
    n.script = script;
    n.options = options;
    cJSON *doc = cJSON_CreateObject();
    if (doc) {
        cJSON_AddStringToObject(doc, "source_filename", script);
        cJSON_AddItemToObject(doc, "commands",
                              commands_json(&n, parsed->commands, parsed->command_count));
    }
    if (!doc || n.oom) {
        fprintf(out, "%s: error: out of memory\n", script);
        counts->failed++;
    } else {
        wf_err_t rc = wf_wast_run(doc, script, load_native, &n, options, counts);
        if (rc != WF_OK) {
            fprintf(out, "%s: error: %s\n", script, wf_strerror(rc));
            counts->failed++;
        }
        counts->skipped += n.skipped;
        counts->passed += n.passed;
        counts->failed += n.failed;
    }
    cJSON_Delete(doc);
    free(n.modules);
    free(n.simd_names);
    wf_wast_free(parsed);
    free(text);
}
