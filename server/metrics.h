/*
** Counters and histograms of the daemon, exported at GET /metrics in the
** Prometheus text format. Every field is an atomic: any thread may count.
*/
#ifndef WF_METRICS_H
#define WF_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "http_buf.h"

#define WF_METRICS_BUCKETS 14

typedef struct wf_metrics {
    atomic_uint_fast64_t requests_by_status[500];              /* index: status - 100 */
    atomic_uint_fast64_t duration_buckets[WF_METRICS_BUCKETS]; /* not cumulative */
    atomic_uint_fast64_t duration_sum_us;
    atomic_uint_fast64_t duration_count;
    atomic_uint_fast64_t connections_total;
    atomic_int_fast64_t connections_open;
    atomic_uint_fast64_t bytes_in;
    atomic_uint_fast64_t bytes_out;
    atomic_uint_fast64_t module_loads;
    atomic_uint_fast64_t module_load_failures;
    atomic_uint_fast64_t module_unloads;
    atomic_uint_fast64_t calls;
    atomic_uint_fast64_t traps;
    atomic_uint_fast64_t timeouts;
    atomic_uint_fast64_t rejected_queue_full;
    atomic_uint_fast64_t inline_calls;     /* run on an I/O loop's thread */
    atomic_uint_fast64_t inline_fallbacks; /* of those, handed on to a worker */
    atomic_uint_fast64_t instantiate_ns_sum;
    atomic_uint_fast64_t instantiate_count;
    atomic_int_fast64_t queue_length;
    atomic_int_fast64_t inflight;
} wf_metrics_t;

/* Zeroes every counter. */
void wf_metrics_init(wf_metrics_t *metrics);
/* Counts one finished request: its status and duration in microseconds. */
void wf_metrics_request(wf_metrics_t *metrics, int status, uint64_t duration_us);
/* Writes the Prometheus text exposition; gauges known elsewhere are passed in. */
void wf_metrics_render(wf_metrics_t *metrics, wf_buf_t *out, int workers, int modules);

#endif
