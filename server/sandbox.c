/*
** The deadline watchdog thread. It sleeps until the earliest armed deadline
** and interrupts every instance past its deadline, under the same mutex that
** disarming takes. Arming wakes it only for a deadline earlier than the one
** it sleeps until: with one timeout for everything, calls come and go while
** it sleeps (waking it per call was a context switch per request).
*/
#include "sandbox.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

typedef struct slot {
    wf_instance_t *instance; /* NULL: disarmed */
    uint64_t deadline_ns;
    bool fired;
} slot_t;

struct wf_sandbox {
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    pthread_t thread;
    bool stop;
    uint64_t sleep_until; /* the watchdog's wake-up time; UINT64_MAX: none */
    size_t slot_count;
    slot_t slots[];
};

uint64_t wf_sandbox_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *watchdog_main(void *arg)
{
    wf_sandbox_t *sb = arg;
    pthread_mutex_lock(&sb->mutex);
    while (!sb->stop) {
        uint64_t now = wf_sandbox_now_ns();
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < sb->slot_count; i++) {
            slot_t *s = &sb->slots[i];
            if (!s->instance || s->fired)
                continue;
            if (s->deadline_ns <= now) {
                wf_instance_interrupt(s->instance);
                s->fired = true;
            } else if (s->deadline_ns < next) {
                next = s->deadline_ns;
            }
        }
        sb->sleep_until = next;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&sb->wake, &sb->mutex);
        } else {
            struct timespec until = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&sb->wake, &sb->mutex, &until);
        }
    }
    pthread_mutex_unlock(&sb->mutex);
    return NULL;
}

wf_sandbox_t *wf_sandbox_new(size_t slot_count)
{
    wf_sandbox_t *sb = calloc(1, sizeof *sb + slot_count * sizeof(slot_t));
    if (!sb)
        return NULL;
    sb->slot_count = slot_count;
    sb->sleep_until = UINT64_MAX;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&sb->mutex, NULL))
        goto fail_mutex;
    if (pthread_cond_init(&sb->wake, &attr))
        goto fail_cond;
    if (pthread_create(&sb->thread, NULL, watchdog_main, sb))
        goto fail_thread;
    pthread_condattr_destroy(&attr);
    return sb;
fail_thread:
    pthread_cond_destroy(&sb->wake);
fail_cond:
    pthread_mutex_destroy(&sb->mutex);
fail_mutex:
    pthread_condattr_destroy(&attr);
    free(sb);
    return NULL;
}

void wf_sandbox_free(wf_sandbox_t *sb)
{
    if (!sb)
        return;
    pthread_mutex_lock(&sb->mutex);
    sb->stop = true;
    pthread_cond_signal(&sb->wake);
    pthread_mutex_unlock(&sb->mutex);
    pthread_join(sb->thread, NULL);
    pthread_cond_destroy(&sb->wake);
    pthread_mutex_destroy(&sb->mutex);
    free(sb);
}

void wf_sandbox_arm(wf_sandbox_t *sb, size_t slot, wf_instance_t *instance, uint64_t deadline_ns)
{
    pthread_mutex_lock(&sb->mutex);
    sb->slots[slot].instance = instance;
    sb->slots[slot].deadline_ns = deadline_ns;
    sb->slots[slot].fired = false;
    if (deadline_ns < sb->sleep_until) {
        sb->sleep_until = deadline_ns; /* one signal is enough until it wakes */
        pthread_cond_signal(&sb->wake);
    }
    pthread_mutex_unlock(&sb->mutex);
}

bool wf_sandbox_disarm(wf_sandbox_t *sb, size_t slot)
{
    pthread_mutex_lock(&sb->mutex);
    bool fired = sb->slots[slot].fired;
    sb->slots[slot].instance = NULL;
    sb->slots[slot].fired = false;
    pthread_mutex_unlock(&sb->mutex);
    return fired;
}
