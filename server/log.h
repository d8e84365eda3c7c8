/*
** Logs: one line per event, JSON (default) or plain text, written with a
** single write() so that lines from different threads never interleave.
** Level and format may change at run time (SIGHUP); both are atomics.
*/
#ifndef WF_LOG_H
#define WF_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_buf.h"

typedef enum wf_log_level {
    WF_LOG_DEBUG = 0,
    WF_LOG_INFO = 1,
    WF_LOG_WARN = 2,
    WF_LOG_ERROR = 3,
} wf_log_level_t;

typedef struct wf_log {
    atomic_int level;
    atomic_bool json;
    atomic_bool access;
    int fd;
} wf_log_t;

/* Sets up a log writing to fd (borrowed), at level info, JSON. */
void wf_log_init(wf_log_t *log, int fd);
/* Applies the config's level ("debug".."error"), format ("json"|"text") and
   whether access lines are written. Thread-safe. */
void wf_log_configure(wf_log_t *log, const char *level, const char *format, bool access);

/*
** Logs an event with string fields given as name, value pairs ending in NULL:
** wf_log_event(log, WF_LOG_INFO, "module loaded", "module", "add", NULL).
** A field name starting with '#' marks a number: its value is written bare.
*/
void wf_log_event(wf_log_t *log, wf_log_level_t level, const char *message, ...);

/* One access line. */
typedef struct wf_log_access {
    const char *request_id;
    const char *method;
    const char *path;
    const char *module; /* or NULL */
    int status;
    double duration_ms;
    uint64_t bytes_in;
    uint64_t bytes_out;
    const char *remote;
} wf_log_access_t;
void wf_log_request(wf_log_t *log, const wf_log_access_t *access);
/*
** Appends the line wf_log_request would write to out (borrowed), for a
** caller that writes lines in batches with wf_log_write_lines. Appends
** nothing when access lines are off.
*/
void wf_log_request_format(wf_log_t *log, const wf_log_access_t *access, wf_buf_t *out);
/*
** Writes whole lines (len bytes of data, each ending in '\n'), in writes of
** at most PIPE_BUF bytes cut at line ends, so that a line from another thread
** never lands inside one even on a pipe. A longer line goes alone.
*/
void wf_log_write_lines(wf_log_t *log, const char *data, size_t len);

#endif
