/*
** Prometheus text exposition of the daemon's counters.
*/
#include "metrics.h"

#include <string.h>

/* Upper bounds of the request-duration histogram, in microseconds. */
static const uint64_t bucket_bounds_us[WF_METRICS_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, UINT64_MAX};

void wf_metrics_init(wf_metrics_t *m)
{
    memset(m, 0, sizeof *m);
}

void wf_metrics_request(wf_metrics_t *m, int status, uint64_t duration_us)
{
    if (status >= 100 && status < 600)
        atomic_fetch_add(&m->requests_by_status[status - 100], 1);
    for (int i = 0; i < WF_METRICS_BUCKETS; i++)
        if (duration_us <= bucket_bounds_us[i]) {
            atomic_fetch_add(&m->duration_buckets[i], 1);
            break;
        }
    atomic_fetch_add(&m->duration_sum_us, duration_us);
    atomic_fetch_add(&m->duration_count, 1);
}

static void counter(wf_buf_t *out, const char *name, const char *help, uint64_t value)
{
    wf_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                  (unsigned long long)value);
}

static void gauge(wf_buf_t *out, const char *name, const char *help, int64_t value)
{
    wf_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name,
                  (long long)value);
}

void wf_metrics_render(wf_metrics_t *m, wf_buf_t *out, int workers, int modules)
{
    wf_buf_puts(out, "# HELP wafer_http_requests_total HTTP requests answered, by status.\n"
                     "# TYPE wafer_http_requests_total counter\n");
    for (int i = 0; i < 500; i++) {
        uint64_t v = atomic_load(&m->requests_by_status[i]);
        if (v)
            wf_buf_printf(out, "wafer_http_requests_total{code=\"%d\"} %llu\n", i + 100,
                          (unsigned long long)v);
    }
    wf_buf_puts(out, "# HELP wafer_http_request_duration_seconds Time from request to response.\n"
                     "# TYPE wafer_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (int i = 0; i < WF_METRICS_BUCKETS; i++) {
        cumulative += atomic_load(&m->duration_buckets[i]);
        if (bucket_bounds_us[i] == UINT64_MAX)
            wf_buf_printf(out, "wafer_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cumulative);
        else
            wf_buf_printf(out, "wafer_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          (double)bucket_bounds_us[i] / 1e6, (unsigned long long)cumulative);
    }
    wf_buf_printf(out, "wafer_http_request_duration_seconds_sum %.6f\n",
                  (double)atomic_load(&m->duration_sum_us) / 1e6);
    wf_buf_printf(out, "wafer_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)atomic_load(&m->duration_count));
    counter(out, "wafer_http_connections_total", "Connections accepted.",
            atomic_load(&m->connections_total));
    gauge(out, "wafer_http_connections_open", "Connections open.",
          atomic_load(&m->connections_open));
    counter(out, "wafer_http_received_bytes_total", "Bytes read from clients.",
            atomic_load(&m->bytes_in));
    counter(out, "wafer_http_sent_bytes_total", "Bytes written to clients.",
            atomic_load(&m->bytes_out));
    counter(out, "wafer_module_loads_total", "Module versions loaded.",
            atomic_load(&m->module_loads));
    counter(out, "wafer_module_load_failures_total", "Module loads that failed.",
            atomic_load(&m->module_load_failures));
    counter(out, "wafer_module_unloads_total", "Modules removed.", atomic_load(&m->module_unloads));
    counter(out, "wafer_calls_total", "Function calls run (by workers or I/O loops).",
            atomic_load(&m->calls));
    counter(out, "wafer_inline_calls_total",
            "Calls an I/O loop ran on its own thread (short calls of modules without imports).",
            atomic_load(&m->inline_calls));
    counter(out, "wafer_inline_fallbacks_total",
            "Inline calls that ran out of the inline fuel and went to a worker.",
            atomic_load(&m->inline_fallbacks));
    counter(out, "wafer_traps_total", "Calls that trapped.", atomic_load(&m->traps));
    counter(out, "wafer_timeouts_total", "Calls stopped by deadline or fuel.",
            atomic_load(&m->timeouts));
    counter(out, "wafer_rejected_total", "Requests refused because the queue was full.",
            atomic_load(&m->rejected_queue_full));
    wf_buf_printf(out,
                  "# HELP wafer_instantiate_seconds Time spent instantiating modules.\n"
                  "# TYPE wafer_instantiate_seconds summary\n"
                  "wafer_instantiate_seconds_sum %.9f\nwafer_instantiate_seconds_count %llu\n",
                  (double)atomic_load(&m->instantiate_ns_sum) / 1e9,
                  (unsigned long long)atomic_load(&m->instantiate_count));
    gauge(out, "wafer_queue_length", "Requests waiting for a worker.",
          atomic_load(&m->queue_length));
    gauge(out, "wafer_inflight_calls", "Calls running on workers.", atomic_load(&m->inflight));
    gauge(out, "wafer_workers", "Worker threads.", workers);
    gauge(out, "wafer_modules", "Modules being served.", modules);
}
