/*
** The spec-script runner (see wast_runner.h): runs wast2json-shaped command
** lists against the engine, one command at a time, and tallies the results.
*/
#include "wast_runner.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"
#include "spectest.h"

/* ------------------------------------------------------------------------ */
/* State of one script                                                       */
/* ------------------------------------------------------------------------ */

/*
** One module command's outcome. Every instance lives until the end of the
** script: a later module may import its functions through a registered
** instance, or reach them through a table it wrote into.
*/
typedef struct wast_entry {
    char *name;              /* "$M" from a named module, or NULL; owned */
    wf_instance_t *instance; /* NULL when the module failed to load */
} wast_entry_t;

typedef struct wast_registration {
    char *as;     /* the name imports use; owned */
    size_t entry; /* index in entries */
} wast_registration_t;

/* Slots of the per-action time limit: the script and its threads, one each. */
#define WAST_TIMER_SLOTS 64

/* The time limit's watchdog, common to a script and its threads. */
typedef struct wast_timer {
    wf_sandbox_t *sandbox;
    atomic_size_t next_slot;
} wast_timer_t;

typedef struct wast_state {
    const char *script;
    wast_timer_t *timer; /* NULL: no time limit */
    size_t timer_slot;   /* this thread's slot; WAST_TIMER_SLOTS: none left, no limit */
    const wf_wast_options_t *options;
    FILE *out;
    wf_wast_counts_t *counts;
    wf_wast_load_fn load;
    void *load_user;
    wf_spectest_t *spectest;
    wast_entry_t *entries;
    size_t entry_count, entry_cap;
    wast_registration_t *registrations;
    size_t registration_count, registration_cap;
    int line; /* of the command running, for messages */
    const char *command;
    struct wast_thread **threads; /* thread commands not yet waited for (threads proposal) */
    size_t thread_count, thread_cap;
} wast_state_t;

/* The result of running an action. */
typedef enum wast_outcome {
    WAST_RETURNED, /* results are valid */
    WAST_TRAPPED,  /* err holds the trap (or another engine error) */
    WAST_BROKEN,   /* the action could not be run: why says why */
    WAST_SKIPPED   /* the action uses something the runner cannot express */
} wast_outcome_t;

/* An action's results, with their types from the function's signature. */
typedef struct wast_results {
    size_t count;
    wf_val_t *values; /* owned, malloc'd */
    uint8_t *types;   /* owned, malloc'd */
} wast_results_t;

static void results_clear(wast_results_t *results)
{
    free(results->values);
    free(results->types);
    memset(results, 0, sizeof *results);
}

static char *string_copy(const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, s, len + 1);
    return copy;
}

/* ------------------------------------------------------------------------ */
/* Reporting                                                                 */
/* ------------------------------------------------------------------------ */

static void pass(wast_state_t *state)
{
    state->counts->passed++;
}

/* Counts a failure and prints "FILE:LINE: command: <message>". */
static void fail(wast_state_t *state, const char *fmt, ...)
{
    va_list ap;
    state->counts->failed++;
    /* One line, whole, even when thread commands report at the same time. */
    flockfile(state->out);
    fprintf(state->out, "%s:%d: %s: ", state->script, state->line, state->command);
    va_start(ap, fmt);
    vfprintf(state->out, fmt, ap);
    va_end(ap);
    fputc('\n', state->out);
    funlockfile(state->out);
}

/* Counts a skipped command; says why when verbose. */
static void skip(wast_state_t *state, const char *why)
{
    state->counts->skipped++;
    if (state->options->verbose)
        fprintf(state->out, "%s:%d: %s: skipped: %s\n", state->script, state->line, state->command,
                why);
}

/* An engine error as "CATEGORY: message". */
static const char *describe_error(wf_err_t code, const wf_error_info_t *err, char *buf, size_t size)
{
    const char *message = err && err->message[0] ? err->message : wf_strerror(code);
    snprintf(buf, size, "%s: %s", wf_err_name(code), message);
    return buf;
}

/* A value as "i32:42", "f32:0x3f800000 (1)", "externref:3", "funcref:null". */
static const char *describe_value(uint8_t type, const wf_val_t *v, char *buf, size_t size)
{
    float f32;
    double f64;
    switch (type) {
    case WF_I32:
        snprintf(buf, size, "i32:%" PRIu32, (uint32_t)v->of.i32);
        break;
    case WF_I64:
        snprintf(buf, size, "i64:%" PRIu64, (uint64_t)v->of.i64);
        break;
    case WF_F32:
        memcpy(&f32, &v->of.f32_bits, sizeof f32);
        snprintf(buf, size, "f32:0x%08" PRIx32 " (%.9g)", v->of.f32_bits, (double)f32);
        break;
    case WF_F64:
        memcpy(&f64, &v->of.f64_bits, sizeof f64);
        snprintf(buf, size, "f64:0x%016" PRIx64 " (%.17g)", v->of.f64_bits, f64);
        break;
    case WF_V128: {
        int n = snprintf(buf, size, "v128:0x");
        for (int i = 15; i >= 0 && n > 0 && (size_t)n < size; i--)
            n += snprintf(buf + n, size - n, "%02x", v->of.v128[i]);
        break;
    }
    case WF_FUNCREF:
        if (v->of.funcref)
            snprintf(buf, size, "funcref:%p", (void *)v->of.funcref);
        else
            snprintf(buf, size, "funcref:null");
        break;
    case WF_EXTERNREF:
        if (v->of.externref)
            snprintf(buf, size, "externref:%" PRIuPTR, (uintptr_t)v->of.externref - 1);
        else
            snprintf(buf, size, "externref:null");
        break;
    default:
        snprintf(buf, size, "(type 0x%02x)", type);
        break;
    }
    return buf;
}

/* An action's results as "i32:1, f32:..." (or "nothing"). */
static const char *describe_results(const wast_results_t *results, char *buf, size_t size)
{
    char one[96];
    size_t n = 0;
    buf[0] = '\0';
    if (results->count == 0) {
        snprintf(buf, size, "nothing");
        return buf;
    }
    for (size_t i = 0; i < results->count && n < size; i++) {
        describe_value(results->types[i], &results->values[i], one, sizeof one);
        n += snprintf(buf + n, size - n, "%s%s", i ? ", " : "", one);
    }
    return buf;
}

/* An expected value from the JSON, as written there ("i32:42", "f32:nan:canonical"). */
static const char *describe_expected(const cJSON *expected, char *buf, size_t size)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(expected, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(expected, "value");
    const char *type_name = cJSON_IsString(type) ? type->valuestring : "?";
    if (!strcmp(type_name, "either")) {
        const cJSON *values = cJSON_GetObjectItemCaseSensitive(expected, "values");
        const cJSON *alternative;
        size_t n = snprintf(buf, size, "either(");
        int first = 1;
        cJSON_ArrayForEach(alternative, values)
        {
            if (n >= size)
                break;
            char one[128];
            describe_expected(alternative, one, sizeof one);
            n += snprintf(buf + n, size - n, "%s%s", first ? "" : " | ", one);
            first = 0;
        }
        if (n < size)
            snprintf(buf + n, size - n, ")");
        return buf;
    }
    if (cJSON_IsString(value)) {
        snprintf(buf, size, "%s:%s", type_name, value->valuestring);
    } else if (cJSON_IsArray(value)) {
        const cJSON *lane_type = cJSON_GetObjectItemCaseSensitive(expected, "lane_type");
        size_t n = snprintf(buf, size, "%s:%s[", type_name,
                            cJSON_IsString(lane_type) ? lane_type->valuestring : "?");
        const cJSON *lane;
        int first = 1;
        cJSON_ArrayForEach(lane, value)
        {
            if (n >= size)
                break;
            n += snprintf(buf + n, size - n, "%s%s", first ? "" : " ",
                          cJSON_IsString(lane) ? lane->valuestring : "?");
            first = 0;
        }
        if (n < size)
            snprintf(buf + n, size - n, "]");
    } else {
        snprintf(buf, size, "%s", type_name);
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

/* The value type named in the JSON ("i32", ...), or 0 when unknown. */
static uint8_t parse_type(const char *name)
{
    static const struct {
        const char *name;
        uint8_t type;
    } types[] = {{"i32", WF_I32},
                 {"i64", WF_I64},
                 {"f32", WF_F32},
                 {"f64", WF_F64},
                 {"v128", WF_V128},
                 {"funcref", WF_FUNCREF},
                 {"externref", WF_EXTERNREF}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(name, types[i].name))
            return types[i].type;
    return 0;
}

/*
** Parses a decimal number of at most bits bits, as wast2json writes them
** (unsigned bit patterns; a leading '-' is accepted too). Returns 0 on success.
*/
static int parse_bits(const char *text, unsigned bits, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    uint64_t value;
    if (text[0] == '-')
        value = (uint64_t)strtoll(text, &end, 10);
    else
        value = strtoull(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return -1;
    if (bits < 64)
        value &= ((uint64_t)1 << bits) - 1;
    *out = value;
    return 0;
}

/* NaN expectations in the JSON. */
typedef enum wast_nan { WAST_NAN_NONE, WAST_NAN_CANONICAL, WAST_NAN_ARITHMETIC } wast_nan_t;

static wast_nan_t parse_nan(const char *text)
{
    if (!strcmp(text, "nan:canonical"))
        return WAST_NAN_CANONICAL;
    if (!strcmp(text, "nan:arithmetic"))
        return WAST_NAN_ARITHMETIC;
    return WAST_NAN_NONE;
}

/* Whether a float's bits (of the given width) satisfy a NaN expectation. */
static int nan_matches(wast_nan_t nan, unsigned bits, uint64_t value)
{
    uint64_t sign = (uint64_t)1 << (bits - 1);
    uint64_t canonical = bits == 32 ? 0x7fc00000u : 0x7ff8000000000000u;
    if (bits < 64)
        value &= ((uint64_t)1 << bits) - 1;
    if (nan == WAST_NAN_CANONICAL)
        return (value & ~sign) == canonical;
    return (value & canonical) == canonical;
}

/* Lane shapes of v128 values. */
static int lane_shape(const char *lane_type, unsigned *lane_bits, int *is_float)
{
    static const struct {
        const char *name;
        unsigned bits;
        int is_float;
    } shapes[] = {{"i8", 8, 0},   {"i16", 16, 0}, {"i32", 32, 0},
                  {"i64", 64, 0}, {"f32", 32, 1}, {"f64", 64, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        if (!strcmp(lane_type, shapes[i].name)) {
            *lane_bits = shapes[i].bits;
            *is_float = shapes[i].is_float;
            return 0;
        }
    }
    return -1;
}

/*
** The lane shape of a v128 value in the JSON: json's "lane_type" and an
** array value of as many lanes as it implies. Returns 0, or -1 if malformed.
*/
static int v128_shape(const cJSON *json, const cJSON *value, unsigned *lane_bits, int *is_float)
{
    const cJSON *lane_type = cJSON_GetObjectItemCaseSensitive(json, "lane_type");
    if (!cJSON_IsString(lane_type) || !cJSON_IsArray(value) ||
        lane_shape(lane_type->valuestring, lane_bits, is_float))
        return -1;
    if ((unsigned)cJSON_GetArraySize(value) != 128 / *lane_bits)
        return -1;
    return 0;
}

static uint64_t lane_get(const uint8_t *v128, unsigned lane_bits, unsigned lane)
{
    uint64_t value = 0;
    unsigned bytes = lane_bits / 8;
    for (unsigned i = 0; i < bytes; i++)
        value |= (uint64_t)v128[lane * bytes + i] << (8 * i);
    return value;
}

static void lane_set(uint8_t *v128, unsigned lane_bits, unsigned lane, uint64_t value)
{
    unsigned bytes = lane_bits / 8;
    for (unsigned i = 0; i < bytes; i++)
        v128[lane * bytes + i] = (uint8_t)(value >> (8 * i));
}

/*
** Parses an argument value. Returns 0 on success, 1 when the value cannot be
** expressed (a non-null funcref), -1 when it is malformed.
*/
static int parse_value(const cJSON *json, wf_val_t *out)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(json, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(json, "value");
    if (!cJSON_IsString(type))
        return -1;
    memset(out, 0, sizeof *out);
    out->type = (wf_valtype_t)parse_type(type->valuestring);
    uint64_t bits = 0;
    switch ((int)out->type) {
    case WF_I32:
    case WF_F32:
        if (!cJSON_IsString(value) || parse_bits(value->valuestring, 32, &bits))
            return -1;
        if (out->type == WF_I32)
            out->of.i32 = (int32_t)(uint32_t)bits;
        else
            out->of.f32_bits = (uint32_t)bits;
        return 0;
    case WF_I64:
    case WF_F64:
        if (!cJSON_IsString(value) || parse_bits(value->valuestring, 64, &bits))
            return -1;
        if (out->type == WF_I64)
            out->of.i64 = (int64_t)bits;
        else
            out->of.f64_bits = bits;
        return 0;
    case WF_EXTERNREF:
        if (!cJSON_IsString(value))
            return -1;
        if (!strcmp(value->valuestring, "null")) {
            out->of.externref = NULL;
            return 0;
        }
        if (parse_bits(value->valuestring, 64, &bits))
            return -1;
        /* ref.extern N is the non-null pointer N + 1, mapped back when printed. */
        out->of.externref = (void *)(uintptr_t)(bits + 1);
        return 0;
    case WF_FUNCREF:
        if (!cJSON_IsString(value))
            return -1;
        if (!strcmp(value->valuestring, "null")) {
            out->of.funcref = NULL;
            return 0;
        }
        return 1;
    case WF_V128: {
        unsigned lane_bits;
        int is_float;
        if (v128_shape(json, value, &lane_bits, &is_float))
            return -1;
        const cJSON *lane;
        unsigned i = 0;
        cJSON_ArrayForEach(lane, value)
        {
            if (!cJSON_IsString(lane) || parse_bits(lane->valuestring, lane_bits, &bits))
                return -1;
            lane_set(out->of.v128, lane_bits, i++, bits);
        }
        return 0;
    }
    default:
        return -1;
    }
}

/*
** Whether an actual result matches one expected value from the JSON (which
** may be "either" a list of alternatives). Returns 1 or 0; -1 when the
** expectation is malformed.
*/
static int value_matches(const cJSON *expected, uint8_t actual_type, const wf_val_t *actual)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(expected, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(expected, "value");
    if (!cJSON_IsString(type))
        return -1;
    if (!strcmp(type->valuestring, "either")) {
        const cJSON *values = cJSON_GetObjectItemCaseSensitive(expected, "values");
        const cJSON *alternative;
        int any_malformed = 0;
        cJSON_ArrayForEach(alternative, values)
        {
            int m = value_matches(alternative, actual_type, actual);
            if (m == 1)
                return 1;
            if (m < 0)
                any_malformed = 1;
        }
        return any_malformed ? -1 : 0;
    }
    uint8_t expected_type = parse_type(type->valuestring);
    if (!expected_type)
        return -1;
    if (expected_type != actual_type)
        return 0;
    switch (expected_type) {
    case WF_F32:
    case WF_F64: {
        unsigned bits = expected_type == WF_F32 ? 32 : 64;
        uint64_t actual_bits = bits == 32 ? actual->of.f32_bits : actual->of.f64_bits;
        if (!cJSON_IsString(value))
            return -1;
        wast_nan_t nan = parse_nan(value->valuestring);
        if (nan != WAST_NAN_NONE)
            return nan_matches(nan, bits, actual_bits);
        break;
    }
    case WF_FUNCREF:
        if (!cJSON_IsString(value))
            return -1;
        if (!strcmp(value->valuestring, "null"))
            return actual->of.funcref == NULL;
        /* wast2json cannot name a function: any non-null reference matches. */
        return actual->of.funcref != NULL;
    case WF_V128: {
        unsigned lane_bits;
        int is_float;
        if (v128_shape(expected, value, &lane_bits, &is_float))
            return -1;
        const cJSON *lane;
        unsigned i = 0;
        cJSON_ArrayForEach(lane, value)
        {
            if (!cJSON_IsString(lane))
                return -1;
            uint64_t actual_lane = lane_get(actual->of.v128, lane_bits, i++);
            wast_nan_t nan = is_float ? parse_nan(lane->valuestring) : WAST_NAN_NONE;
            uint64_t expected_lane;
            if (nan != WAST_NAN_NONE) {
                if (!nan_matches(nan, lane_bits, actual_lane))
                    return 0;
            } else if (parse_bits(lane->valuestring, lane_bits, &expected_lane)) {
                return -1;
            } else if (expected_lane != actual_lane) {
                return 0;
            }
        }
        return 1;
    }
    default:
        break;
    }
    wf_val_t want;
    if (parse_value(expected, &want) != 0)
        return -1;
    switch (expected_type) {
    case WF_I32:
        return want.of.i32 == actual->of.i32;
    case WF_I64:
        return want.of.i64 == actual->of.i64;
    case WF_F32:
        return want.of.f32_bits == actual->of.f32_bits;
    case WF_F64:
        return want.of.f64_bits == actual->of.f64_bits;
    case WF_EXTERNREF:
        return want.of.externref == actual->of.externref;
    default:
        return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* Modules and instances                                                     */
/* ------------------------------------------------------------------------ */

static const char *json_string(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Whether a module command's module is in text form (cannot be checked yet). */
static int is_text_module(const cJSON *command)
{
    const char *module_type = json_string(command, "module_type");
    const char *filename = json_string(command, "filename");
    if (module_type && !strcmp(module_type, "text"))
        return 1;
    if (filename) {
        size_t len = strlen(filename);
        if (len >= 4 && !strcmp(filename + len - 4, ".wat"))
            return 1;
    }
    return 0;
}

/* The instance a name ("$M") or, with NULL, the latest module command made. */
static wast_entry_t *find_entry(wast_state_t *state, const char *name)
{
    for (size_t i = state->entry_count; i-- > 0;) {
        if (!name)
            return &state->entries[i];
        if (state->entries[i].name && !strcmp(state->entries[i].name, name))
            return &state->entries[i];
    }
    return NULL;
}

/*
** Loads a command's module bytes and decodes them. Returns the engine's code;
** a failure to get the bytes is WF_ERR_IO with the reason in err.
*/
static wf_err_t load_module(wast_state_t *state, const cJSON *command, wf_module_t **module,
                            wf_error_info_t *err)
{
    const char *filename = json_string(command, "filename");
    uint8_t *bytes = NULL;
    size_t size = 0;
    memset(err, 0, sizeof *err);
    *module = NULL;
    if (!filename) {
        snprintf(err->message, sizeof err->message, "command names no module file");
        err->code = WF_ERR_ARGUMENT;
        return WF_ERR_ARGUMENT;
    }
    if (state->load(state->load_user, filename, &bytes, &size, err->message, sizeof err->message)) {
        err->code = WF_ERR_IO;
        return WF_ERR_IO;
    }
    wf_load_options_t load_options = {.allocator = NULL, .name = filename};
    wf_err_t rc = wf_module_load(&load_options, bytes, size, module, err);
    free(bytes);
    return rc;
}

/* The time limit covers a start function as it does an action. */
static void guard_start(void *user, wf_instance_t *instance)
{
    wast_state_t *state = user;
    if (instance)
        wf_sandbox_arm(state->timer->sandbox, state->timer_slot, instance,
                       wf_sandbox_now_ns() + state->options->timeout_ms * 1000000u);
    else
        wf_sandbox_disarm(state->timer->sandbox, state->timer_slot);
}

/*
** Instantiates module, resolving each import by (module name, field) from
** the spectest module and the registered instances. An import found nowhere
** is WF_ERR_UNKNOWN_IMPORT; type checks are the engine's.
*/
static wf_err_t instantiate(wast_state_t *state, wf_module_t *module, wf_instance_t **out,
                            wf_error_info_t *err)
{
    uint32_t count = wf_module_import_count(module);
    wf_extern_t *imports = NULL;
    wf_err_t rc;
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (count) {
        imports = calloc(count, sizeof *imports);
        if (!imports) {
            err->code = WF_ERR_NOMEM;
            return WF_ERR_NOMEM;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        wf_import_desc_t desc;
        rc = wf_module_import(module, i, &desc);
        if (rc != WF_OK) {
            err->code = rc;
            snprintf(err->message, sizeof err->message, "cannot read import %" PRIu32, i);
            goto done;
        }
        rc = WF_ERR_NOT_FOUND;
        if (!strcmp(desc.module, "spectest") && state->spectest) {
            rc = wf_spectest_lookup(state->spectest, desc.name, &imports[i]);
        } else {
            for (size_t r = state->registration_count; r-- > 0;) {
                const wast_registration_t *reg = &state->registrations[r];
                if (strcmp(reg->as, desc.module))
                    continue;
                wf_instance_t *from = state->entries[reg->entry].instance;
                if (from)
                    rc = wf_instance_export(from, desc.name, &imports[i]);
                break;
            }
        }
        if (rc != WF_OK) {
            rc = WF_ERR_UNKNOWN_IMPORT;
            err->code = rc;
            snprintf(err->message, sizeof err->message, "unknown import \"%s\" \"%s\"", desc.module,
                     desc.name);
            goto done;
        }
    }
    wf_instance_limits_t limits;
    memset(&limits, 0, sizeof limits);
    if (state->timer && state->timer_slot < WAST_TIMER_SLOTS) {
        limits.on_init = guard_start;
        limits.on_init_user = state;
    }
    rc = wf_instance_new(module, imports, count, &limits, out, err);
done:
    free(imports);
    return rc;
}

/* Adds an entry for a module command (instance may be NULL); takes instance. */
static int add_entry(wast_state_t *state, const char *name, wf_instance_t *instance)
{
    if (state->entry_count == state->entry_cap) {
        size_t cap = state->entry_cap ? state->entry_cap * 2 : 16;
        wast_entry_t *grown = realloc(state->entries, cap * sizeof *grown);
        if (!grown)
            return -1;
        state->entries = grown;
        state->entry_cap = cap;
    }
    wast_entry_t *entry = &state->entries[state->entry_count];
    entry->name = NULL;
    if (name && !(entry->name = string_copy(name)))
        return -1;
    entry->instance = instance;
    state->entry_count++;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                   */
/* ------------------------------------------------------------------------ */

/*
** Describes an action briefly for messages: "invoke \"add\"" or "get \"g\"".
** Control characters, quotes and backslashes in the name are written as \hh,
** as in WAST.
*/
static void describe_action(const cJSON *action, char *buf, size_t size)
{
    const char *type = json_string(action, "type");
    const char *field = json_string(action, "field");
    const char *module = json_string(action, "module");
    char name[128];
    size_t n = 0;
    for (const char *c = field ? field : "?"; *c && n + 4 < sizeof name; c++) {
        unsigned char byte = (unsigned char)*c;
        if (byte < 0x20 || byte == 0x7f || byte == '"' || byte == '\\')
            n += (size_t)snprintf(name + n, sizeof name - n, "\\%02x", byte);
        else
            name[n++] = (char)byte;
    }
    name[n] = '\0';
    snprintf(buf, size, "%s%s%s \"%s\"", type ? type : "?", module ? " " : "", module ? module : "",
             name);
}

/*
** Runs an action. On WAST_RETURNED results is filled (the caller clears it);
** on WAST_TRAPPED err holds the engine's error; on WAST_BROKEN or
** WAST_SKIPPED why says what went wrong.
*/
static wast_outcome_t run_action(wast_state_t *state, const cJSON *action, wast_results_t *results,
                                 wf_error_info_t *err, char *why, size_t why_size)
{
    const char *type = json_string(action, "type");
    const char *field = json_string(action, "field");
    const char *module_name = json_string(action, "module");
    memset(results, 0, sizeof *results);
    memset(err, 0, sizeof *err);
    if (!type || !field) {
        snprintf(why, why_size, "malformed action");
        return WAST_BROKEN;
    }
    wast_entry_t *entry = find_entry(state, module_name);
    if (!entry || !entry->instance) {
        if (module_name)
            snprintf(why, why_size, "module %s is not available", module_name);
        else
            snprintf(why, why_size, "no module is available");
        return WAST_BROKEN;
    }
    /* A NUL byte in the name comes marked as the text \u0000 (wast_native.c,
       and cmd_wast.c's escape_nul_escapes for wast2json's output). */
    char name[1024];
    size_t name_len = 0;
    for (const char *c = field; *c && name_len < sizeof name; name_len++) {
        bool nul = !strncmp(c, "\\u0000", 6);
        name[name_len] = nul ? '\0' : *c;
        c += nul ? 6 : 1;
    }
    wf_extern_t ext;
    if (name_len == sizeof name ||
        wf_instance_export_n(entry->instance, name, name_len, &ext) != WF_OK) {
        snprintf(why, why_size, "no export \"%s\"", field);
        return WAST_BROKEN;
    }

    if (!strcmp(type, "get")) {
        if (ext.kind != WF_EXTERN_GLOBAL) {
            snprintf(why, why_size, "export \"%s\" is not a global", field);
            return WAST_BROKEN;
        }
        results->values = calloc(1, sizeof *results->values);
        results->types = calloc(1, sizeof *results->types);
        if (!results->values || !results->types) {
            results_clear(results);
            snprintf(why, why_size, "out of memory");
            return WAST_BROKEN;
        }
        results->count = 1;
        wf_global_get(ext.of.global, &results->values[0]);
        results->types[0] = (uint8_t)wf_global_type(ext.of.global);
        return WAST_RETURNED;
    }
    if (strcmp(type, "invoke")) {
        snprintf(why, why_size, "unknown action type \"%s\"", type);
        return WAST_SKIPPED;
    }
    if (ext.kind != WF_EXTERN_FUNC) {
        snprintf(why, why_size, "export \"%s\" is not a function", field);
        return WAST_BROKEN;
    }

    wf_functype_t functype = wf_func_type(ext.of.func);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(action, "args");
    size_t arg_count = cJSON_IsArray(args) ? (size_t)cJSON_GetArraySize(args) : 0;
    if (arg_count != functype.param_count) {
        snprintf(why, why_size, "%zu arguments given, the function takes %" PRIu32, arg_count,
                 functype.param_count);
        return WAST_BROKEN;
    }
    wf_val_t *arg_values = calloc(arg_count ? arg_count : 1, sizeof *arg_values);
    results->count = functype.result_count;
    results->values = calloc(results->count ? results->count : 1, sizeof *results->values);
    results->types = calloc(results->count ? results->count : 1, sizeof *results->types);
    if (!arg_values || !results->values || !results->types) {
        free(arg_values);
        results_clear(results);
        snprintf(why, why_size, "out of memory");
        return WAST_BROKEN;
    }
    const cJSON *arg;
    size_t i = 0;
    cJSON_ArrayForEach(arg, args)
    {
        int parsed = parse_value(arg, &arg_values[i]);
        if (parsed == 0 && arg_values[i].type != functype.params[i]) {
            snprintf(why, why_size, "argument %zu is a %s, the function takes %s", i,
                     wf_valtype_name(arg_values[i].type),
                     wf_valtype_name((wf_valtype_t)functype.params[i]));
            parsed = -2;
        } else if (parsed == 1) {
            snprintf(why, why_size, "argument %zu cannot be expressed", i);
        } else if (parsed < 0) {
            snprintf(why, why_size, "argument %zu is malformed", i);
        }
        if (parsed != 0) {
            free(arg_values);
            results_clear(results);
            return parsed == 1 ? WAST_SKIPPED : WAST_BROKEN;
        }
        i++;
    }
    for (size_t r = 0; r < results->count; r++)
        results->types[r] = functype.results[r];

    bool timed = state->timer && state->timer_slot < WAST_TIMER_SLOTS;
    if (timed)
        wf_sandbox_arm(state->timer->sandbox, state->timer_slot, entry->instance,
                       wf_sandbox_now_ns() + state->options->timeout_ms * 1000000u);
    wf_err_t rc =
        wf_func_call(ext.of.func, arg_values, arg_count, results->values, results->count, err);
    free(arg_values);
    if (timed && wf_sandbox_disarm(state->timer->sandbox, state->timer_slot)) {
        wf_instance_clear_interrupt(entry->instance);
        if (rc != WF_OK) {
            results_clear(results);
            snprintf(why, why_size, "still running after %" PRIu64 " ms: interrupted",
                     state->options->timeout_ms);
            return WAST_BROKEN;
        }
    }
    if (rc != WF_OK) {
        err->code = rc;
        results_clear(results);
        return WAST_TRAPPED;
    }
    return WAST_RETURNED;
}

/* ------------------------------------------------------------------------ */
/* Commands                                                                  */
/* ------------------------------------------------------------------------ */

/*
** Whether an engine error carries the expected text: the specific message
** contains it, or the code's fixed message starts with it (so "uninitialized
** element" matches "uninitialized element 2").
*/
static int message_matches(wf_err_t code, const wf_error_info_t *err, const char *expected)
{
    if (!expected || !expected[0])
        return 1;
    if (err->message[0] && strstr(err->message, expected))
        return 1;
    const char *fixed = wf_strerror(code);
    return !strncmp(fixed, expected, strlen(expected)) || strstr(expected, fixed) == expected;
}

static void command_module(wast_state_t *state, const cJSON *command)
{
    const char *name = json_string(command, "name");
    char buf[384];
    wf_module_t *module = NULL;
    wf_instance_t *instance = NULL;
    wf_error_info_t err;

    if (is_text_module(command)) {
        /* A later command that uses it fails, which is right: it was not checked. */
        if (add_entry(state, name, NULL))
            fail(state, "out of memory");
        else
            skip(state, "module in text form");
        return;
    }
    wf_err_t rc = load_module(state, command, &module, &err);
    if (rc == WF_OK) {
        rc = instantiate(state, module, &instance, &err);
        wf_module_free(module); /* the instance holds its own reference */
    }
    if (add_entry(state, name, instance)) {
        wf_instance_free(instance);
        fail(state, "out of memory");
        return;
    }
    if (rc != WF_OK) {
        fail(state, "expected the module to load and instantiate, got %s",
             describe_error(rc, &err, buf, sizeof buf));
        return;
    }
    pass(state);
}

static void command_register(wast_state_t *state, const cJSON *command)
{
    const char *as = json_string(command, "as");
    const char *name = json_string(command, "name");
    wast_entry_t *entry = find_entry(state, name);
    if (!as) {
        fail(state, "malformed command: no \"as\"");
        return;
    }
    if (!entry || !entry->instance) {
        fail(state, "expected module %s to register as \"%s\", but it is not available",
             name ? name : "(latest)", as);
        return;
    }
    if (state->registration_count == state->registration_cap) {
        size_t cap = state->registration_cap ? state->registration_cap * 2 : 8;
        wast_registration_t *grown = realloc(state->registrations, cap * sizeof *grown);
        if (!grown) {
            fail(state, "out of memory");
            return;
        }
        state->registrations = grown;
        state->registration_cap = cap;
    }
    char *copy = string_copy(as);
    if (!copy) {
        fail(state, "out of memory");
        return;
    }
    state->registrations[state->registration_count].as = copy;
    state->registrations[state->registration_count].entry = (size_t)(entry - state->entries);
    state->registration_count++;
    pass(state);
}

/* Threads proposal commands (section "Threads" below). */
static void command_thread(wast_state_t *state, const cJSON *command);
static void command_wait(wast_state_t *state, const cJSON *command);
static void state_close(wast_state_t *state);

/* action, assert_return, assert_trap, assert_exhaustion. */
static void command_action(wast_state_t *state, const cJSON *command, const char *type)
{
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(command, "action");
    const cJSON *expected = cJSON_GetObjectItemCaseSensitive(command, "expected");
    const char *text = json_string(command, "text");
    wast_results_t results;
    wf_error_info_t err;
    char why[256], got[512], want[512], what[192], command_name[256];

    describe_action(action, what, sizeof what);
    snprintf(command_name, sizeof command_name, "%s %s", type, what);
    state->command = command_name;

    wast_outcome_t outcome = run_action(state, action, &results, &err, why, sizeof why);
    if (outcome == WAST_SKIPPED) {
        skip(state, why);
        return;
    }
    if (outcome == WAST_BROKEN) {
        fail(state, "cannot run: %s", why);
        return;
    }

    if (!strcmp(type, "action")) {
        if (outcome == WAST_TRAPPED)
            fail(state, "expected to run, got %s", describe_error(err.code, &err, got, sizeof got));
        else
            pass(state);
        results_clear(&results);
        return;
    }

    if (!strcmp(type, "assert_return")) {
        if (outcome == WAST_TRAPPED) {
            fail(state, "expected %s, got %s",
                 cJSON_GetArraySize(expected) ? "a result" : "to return",
                 describe_error(err.code, &err, got, sizeof got));
            return;
        }
        int ok = (size_t)cJSON_GetArraySize(expected) == results.count;
        int malformed = 0;
        if (ok) {
            const cJSON *one;
            size_t i = 0;
            cJSON_ArrayForEach(one, expected)
            {
                int m = value_matches(one, results.types[i], &results.values[i]);
                if (m < 0)
                    malformed = 1;
                if (m != 1)
                    ok = 0;
                i++;
            }
        }
        if (ok) {
            pass(state);
        } else {
            size_t n = 0;
            const cJSON *one;
            want[0] = '\0';
            cJSON_ArrayForEach(one, expected)
            {
                char value[192];
                if (n < sizeof want)
                    n += snprintf(want + n, sizeof want - n, "%s%s", n ? ", " : "",
                                  describe_expected(one, value, sizeof value));
            }
            fail(state, "expected %s, got %s%s", n ? want : "nothing",
                 describe_results(&results, got, sizeof got),
                 malformed ? " (the expectation is malformed)" : "");
        }
        results_clear(&results);
        return;
    }

    /* assert_trap, assert_exhaustion */
    const char *expected_text = text ? text : "";
    if (outcome == WAST_RETURNED) {
        fail(state, "expected trap \"%s\", got %s", expected_text,
             describe_results(&results, got, sizeof got));
        results_clear(&results);
        return;
    }
    int is_trap = WF_ERR_IS_TRAP(err.code);
    if (!strcmp(type, "assert_exhaustion"))
        is_trap = err.code == WF_ERR_TRAP_STACK_EXHAUSTED ||
                  message_matches(err.code, &err, "call stack exhausted");
    if (is_trap && message_matches(err.code, &err, expected_text))
        pass(state);
    else
        fail(state, "expected trap \"%s\", got %s", expected_text,
             describe_error(err.code, &err, got, sizeof got));
}

/*
** Whether an engine error is of the class an assertion expects: a decode
** error for assert_malformed, a validation error for assert_invalid, a link
** error for assert_unlinkable, a trap for assert_uninstantiable.
*/
static int error_in_class(const char *type, wf_err_t code)
{
    if (!strcmp(type, "assert_malformed"))
        return code == WF_ERR_MALFORMED;
    if (!strcmp(type, "assert_invalid"))
        return code == WF_ERR_INVALID;
    if (!strcmp(type, "assert_unlinkable"))
        return code <= -300 && code > -400 && code != WF_ERR_NOT_FOUND;
    return WF_ERR_IS_TRAP(code);
}

/* assert_malformed, assert_invalid, assert_unlinkable, assert_uninstantiable. */
static void command_assert_module(wast_state_t *state, const cJSON *command, const char *type)
{
    const char *text = json_string(command, "text");
    const char *expected_text = text ? text : "";
    char got[384];
    wf_module_t *module = NULL;
    wf_instance_t *instance = NULL;
    wf_error_info_t err;
    int wants_load_failure = !strcmp(type, "assert_malformed") || !strcmp(type, "assert_invalid");

    if (is_text_module(command)) {
        skip(state, "module in text form");
        return;
    }
    wf_err_t rc = load_module(state, command, &module, &err);
    if (rc == WF_OK && !wants_load_failure) {
        rc = instantiate(state, module, &instance, &err);
        /*
        ** An instance that should not have come about is freed at once: no
        ** later command can name it.
        */
        wf_instance_free(instance);
    }
    wf_module_free(module);

    if (rc == WF_OK) {
        fail(state, "expected %s \"%s\", got a module that %s",
             wants_load_failure ? "error" : "failure", expected_text,
             wants_load_failure ? "loads" : "instantiates");
        return;
    }
    int ok = error_in_class(type, rc);
    /* Traps always carry the spec's message; module errors only under --strict. */
    if (ok && (!strcmp(type, "assert_uninstantiable") || state->options->strict_messages))
        ok = message_matches(rc, &err, expected_text);
    if (ok)
        pass(state);
    else
        fail(state, "expected \"%s\", got %s", expected_text,
             describe_error(rc, &err, got, sizeof got));
}

/* Runs one command, counting it. */
static void run_command(wast_state_t *state, const cJSON *command)
{
    const char *type = json_string(command, "type");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(command, "line");
    char command_name[256];
    const char *filename = json_string(command, "filename");

    state->line = cJSON_IsNumber(line) ? line->valueint : 0;
    snprintf(command_name, sizeof command_name, "%s%s%s", type ? type : "(untyped)",
             filename ? " " : "", filename ? filename : "");
    state->command = command_name;
    if (state->options->verbose)
        fprintf(state->out, "%s:%d: %s\n", state->script, state->line, command_name);

    if (!type)
        fail(state, "malformed command: no type");
    else if (!strcmp(type, "module"))
        command_module(state, command);
    else if (!strcmp(type, "register"))
        command_register(state, command);
    else if (!strcmp(type, "action") || !strcmp(type, "assert_return") ||
             !strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion"))
        command_action(state, command, type);
    else if (!strcmp(type, "assert_malformed") || !strcmp(type, "assert_invalid") ||
             !strcmp(type, "assert_unlinkable") || !strcmp(type, "assert_uninstantiable"))
        command_assert_module(state, command, type);
    else if (!strcmp(type, "thread"))
        command_thread(state, command);
    else if (!strcmp(type, "wait"))
        command_wait(state, command);
    else
        skip(state, "unknown command");
}

/* ------------------------------------------------------------------------ */
/* Threads (the threads proposal's thread and wait commands)                 */
/* ------------------------------------------------------------------------ */

/*
** A thread command: its commands run on a pthread of their own against a
** fresh state (own instances, registrations and spectest), which starts with
** the modules named in "shared" borrowed from the parent. wait joins it and
** adds its tallies to the parent's.
*/
typedef struct wast_thread {
    char *name; /* "$T"; owned */
    pthread_t thread;
    const cJSON *commands; /* borrowed from the document */
    size_t borrowed;       /* the first entries of state: the parent's, not freed */
    wf_wast_counts_t counts;
    wast_state_t state;
} wast_thread_t;

static void *thread_main(void *arg)
{
    wast_thread_t *t = arg;
    const cJSON *command;
    cJSON_ArrayForEach(command, t->commands)
    {
        run_command(&t->state, command);
    }
    return NULL;
}

/* Joins t, adds its tallies to state's and frees it with its state. */
static void thread_join(wast_state_t *state, wast_thread_t *t)
{
    pthread_join(t->thread, NULL);
    for (size_t i = 0; i < t->borrowed; i++)
        t->state.entries[i].instance = NULL;
    state_close(&t->state);
    state->counts->passed += t->counts.passed;
    state->counts->failed += t->counts.failed;
    state->counts->skipped += t->counts.skipped;
    free(t->name);
    free(t);
}

static void command_thread(wast_state_t *state, const cJSON *command)
{
    const char *name = json_string(command, "name");
    const cJSON *shared = cJSON_GetObjectItemCaseSensitive(command, "shared");
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(command, "commands");
    if (!name || !cJSON_IsArray(commands)) {
        fail(state, "malformed command: a thread needs a name and commands");
        return;
    }
    if (state->thread_count == state->thread_cap) {
        size_t cap = state->thread_cap ? state->thread_cap * 2 : 4;
        wast_thread_t **grown = realloc(state->threads, cap * sizeof *grown);
        if (!grown) {
            fail(state, "out of memory");
            return;
        }
        state->threads = grown;
        state->thread_cap = cap;
    }
    wast_thread_t *t = calloc(1, sizeof *t);
    if (!t || !(t->name = string_copy(name)))
        goto fail_alloc;
    t->commands = commands;
    t->state.script = state->script;
    t->state.timer = state->timer;
    if (state->timer)
        t->state.timer_slot = atomic_fetch_add(&state->timer->next_slot, 1);
    t->state.options = state->options;
    t->state.out = state->out;
    t->state.counts = &t->counts;
    t->state.load = state->load;
    t->state.load_user = state->load_user;
    if (wf_spectest_new(state->options->verbose ? state->out : NULL, &t->state.spectest) != WF_OK)
        goto fail_spectest;
    const cJSON *item;
    cJSON_ArrayForEach(item, shared)
    {
        const char *module = cJSON_IsString(item) ? item->valuestring : NULL;
        wast_entry_t *entry = module ? find_entry(state, module) : NULL;
        if (!entry) {
            fail(state, "thread %s shares module %s, which is not defined", name,
                 module ? module : "?");
            goto fail_shared;
        }
        if (add_entry(&t->state, module, entry->instance)) {
            fail(state, "out of memory");
            goto fail_shared;
        }
        t->borrowed++;
    }
    if (pthread_create(&t->thread, NULL, thread_main, t) != 0) {
        fail(state, "cannot start a thread");
        goto fail_shared;
    }
    state->threads[state->thread_count++] = t;
    return;

fail_shared:
    for (size_t i = 0; i < t->borrowed; i++)
        t->state.entries[i].instance = NULL;
    state_close(&t->state);
    free(t->name);
    free(t);
    return;
fail_spectest:
    free(t->name);
fail_alloc:
    free(t);
    fail(state, "out of memory");
}

static void command_wait(wast_state_t *state, const cJSON *command)
{
    const char *name = json_string(command, "thread");
    for (size_t i = 0; name && i < state->thread_count; i++) {
        wast_thread_t *t = state->threads[i];
        if (strcmp(t->name, name))
            continue;
        state->threads[i] = state->threads[--state->thread_count];
        thread_join(state, t);
        return;
    }
    fail(state, "no running thread %s to wait for", name ? name : "?");
}

/*
** Ends a state: joins the threads not waited for, then frees its instances
** (in reverse order: later ones may hold functions of earlier ones),
** registrations and spectest.
*/
static void state_close(wast_state_t *state)
{
    while (state->thread_count)
        thread_join(state, state->threads[--state->thread_count]);
    free(state->threads);
    for (size_t i = state->entry_count; i-- > 0;) {
        wf_instance_free(state->entries[i].instance);
        free(state->entries[i].name);
    }
    free(state->entries);
    for (size_t i = 0; i < state->registration_count; i++)
        free(state->registrations[i].as);
    free(state->registrations);
    wf_spectest_free(state->spectest);
}

wf_err_t wf_wast_run(const cJSON *doc, const char *script, wf_wast_load_fn load, void *load_user,
                     const wf_wast_options_t *options, wf_wast_counts_t *counts)
{
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(doc, "commands");
    if (!cJSON_IsArray(commands))
        return WF_ERR_ARGUMENT;

    wast_state_t state;
    memset(&state, 0, sizeof state);
    state.script = script;
    state.options = options;
    state.out = options->out ? options->out : stdout;
    state.counts = counts;
    state.load = load;
    state.load_user = load_user;
    wast_timer_t timer = {.sandbox = NULL};
    if (options->timeout_ms) {
        timer.sandbox = wf_sandbox_new(WAST_TIMER_SLOTS);
        if (!timer.sandbox)
            return WF_ERR_NOMEM;
        atomic_init(&timer.next_slot, 1); /* 0 is this thread's */
        state.timer = &timer;
    }
    wf_err_t rc = wf_spectest_new(options->verbose ? state.out : NULL, &state.spectest);
    if (rc != WF_OK) {
        wf_sandbox_free(timer.sandbox);
        return rc;
    }

    const cJSON *command;
    cJSON_ArrayForEach(command, commands)
    {
        run_command(&state, command);
    }
    state_close(&state); /* joins the threads: nobody uses the timer after this */
    wf_sandbox_free(timer.sandbox);
    return WF_OK;
}
