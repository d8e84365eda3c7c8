/*
** The daemon's configuration: one table declares every key (JSON name, type,
** default, bounds, whether SIGHUP reloads it, one line of help). The loader,
** the validator, `wafer serve --help` and config/README.md all come from it.
**
** A key's JSON name may be dotted ("limits.timeout_ms"): the file nests it as
** {"limits": {"timeout_ms": ...}}. Unknown keys and bad values are errors that
** name the key.
*/
#ifndef WF_CONFIG_H
#define WF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct wf_config {
    char listen[128];
    char modules_dir[512];
    int64_t workers;
    int64_t queue_depth;
    int64_t io_threads;
    int64_t inline_fuel;
    int64_t max_connections;
    int64_t max_header_bytes;
    int64_t max_body_bytes;
    int64_t max_pipeline;
    int64_t request_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t drain_timeout_ms;
    int64_t rescan_ms;
    int64_t settle_ms;
    int64_t timeout_ms;
    int64_t memory_pages;
    int64_t fuel;
    int64_t call_depth;
    int64_t max_concurrency;
    char log_format[16];
    char log_level[16];
    bool access_log;
    char admin_token[128];
} wf_config_t;

typedef enum wf_config_type {
    WF_CONFIG_INT,
    WF_CONFIG_BOOL,
    WF_CONFIG_STRING,
} wf_config_type_t;

/* One key of the table. */
typedef struct wf_config_key {
    const char *name; /* JSON name, dotted for nested objects */
    wf_config_type_t type;
    size_t offset;       /* into wf_config_t */
    size_t size;         /* strings: buffer size */
    const char *def;     /* default, as text */
    int64_t min, max;    /* ints: bounds; strings: max is 0 */
    const char *choices; /* strings: "a|b|c", or NULL for free text */
    bool reloadable;     /* applied on SIGHUP */
    const char *help;
} wf_config_key_t;

/* The table, and its length. */
extern const wf_config_key_t wf_config_keys[];
extern const size_t wf_config_key_count;

/* Fills config with every key's default. */
void wf_config_defaults(wf_config_t *config);

/*
** Reads a JSON config file over config (keys absent from the file keep their
** current value). Returns 0, or -1 with a message naming the file and key in
** err (err_size bytes).
*/
int wf_config_load_file(wf_config_t *config, const char *path, char *err, size_t err_size);

/* Parses a JSON text the same way (for tests and the loader). */
int wf_config_load_text(wf_config_t *config, const char *text, char *err, size_t err_size);

/*
** Sets one key from command-line text ("--workers 4" → "workers", "4"),
** with the same validation. Returns 0 or -1 with err filled.
*/
int wf_config_set(wf_config_t *config, const char *name, const char *value, char *err,
                  size_t err_size);

/* Copies the reloadable keys of from into to. */
void wf_config_apply_reloadable(wf_config_t *to, const wf_config_t *from);

/* Prints one line per key (name, type, default, bounds, help) for --help. */
void wf_config_print_help(FILE *out);

/* Prints config/README.md's key table as Markdown. */
void wf_config_print_markdown(FILE *out);

#endif
