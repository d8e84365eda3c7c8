/* Tests of engine/src/memory.c: creation, limits, growth rules, sharing. */
#include <pthread.h>
#include <time.h>

#include "objects.h"
#include "test.h"

static void test_basic(void)
{
    wf_limits_t limits = {.min = 1, .max = 3, .has_max = true};
    wf_memory_t *memory;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK(wf_memory_data(memory) != NULL);
    CHECK_INT(wf_memory_size(memory), WF_PAGE_SIZE);
    uint8_t *base = wf_memory_data(memory);
    CHECK_INT(base[0], 0);
    CHECK_INT(base[WF_PAGE_SIZE - 1], 0);
    base[123] = 7;

    CHECK_INT(wf_memory_grow(memory, 0), 1);
    CHECK_INT(wf_memory_grow(memory, 1), 1);
    CHECK(wf_memory_data(memory) == base); /* never moves */
    CHECK_INT(base[123], 7);
    CHECK_INT(base[2 * WF_PAGE_SIZE - 1], 0); /* new pages are zero */
    base[2 * WF_PAGE_SIZE - 1] = 1;
    CHECK_INT(wf_memory_grow(memory, 2), -1); /* past the declared max */
    CHECK_INT(wf_memory_size(memory), 2 * WF_PAGE_SIZE);
    CHECK_INT(wf_memory_grow(memory, 1), 2);
    CHECK_INT(wf_memory_grow(memory, 1), -1);
    CHECK_INT(wf_memory_grow(memory, UINT64_MAX), -1);
    CHECK_INT(wf_memory_size(memory), 3 * WF_PAGE_SIZE);

    wf_limits_t now = wf_memory_limits(memory);
    CHECK_INT(now.min, 3); /* the current size */
    CHECK(now.has_max);
    CHECK_INT(now.max, 3);
    CHECK(!now.shared);

    CHECK(wf_memory_retain(memory) == memory);
    wf_memory_free(memory);
    CHECK_INT(base[123], 7); /* still alive: one reference left */
    wf_memory_free(memory);
    wf_memory_free(NULL);
}

static void test_no_max(void)
{
    wf_limits_t limits = {.min = 0};
    wf_memory_t *memory;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK(wf_memory_data(memory) != NULL);
    CHECK_INT(wf_memory_size(memory), 0);
    CHECK_INT(wf_memory_grow(memory, WF_MAX_PAGES + 1), -1);
    CHECK_INT(wf_memory_grow(memory, 2), 0);
    CHECK_INT(wf_memory_size(memory), 2 * WF_PAGE_SIZE);
    wf_memory_data(memory)[2 * WF_PAGE_SIZE - 1] = 9;
    CHECK(!wf_memory_limits(memory).has_max);
    wf_memory_free(memory);
}

static void test_caps_and_errors(void)
{
    wf_memory_t *memory = (wf_memory_t *)1;
    /* The instance limit caps growth below the declared maximum. */
    wf_limits_t limits = {.min = 1, .max = 100, .has_max = true};
    CHECK_INT(wf__memory_new(NULL, NULL, &limits, 2, &memory), WF_OK);
    CHECK_INT(wf__memory_grow(memory, 1), 1);
    CHECK_INT(wf__memory_grow(memory, 1), -1);
    CHECK_INT(wf_memory_limits(memory).max, 100); /* the declared type is unchanged */
    wf_memory_free(memory);

    limits = (wf_limits_t){.min = 3};
    CHECK_INT(wf__memory_new(NULL, NULL, &limits, 2, &memory), WF_ERR_LIMIT);
    CHECK(memory == NULL);

    limits = (wf_limits_t){.min = 2, .max = 1, .has_max = true};
    CHECK_INT(wf_memory_new(&limits, &memory), WF_ERR_ARGUMENT);
    limits = (wf_limits_t){.min = WF_MAX_PAGES + 1};
    CHECK_INT(wf_memory_new(&limits, &memory), WF_ERR_ARGUMENT);
    limits = (wf_limits_t){.min = 1, .shared = true};
    CHECK_INT(wf_memory_new(&limits, &memory), WF_ERR_ARGUMENT); /* shared needs a max */
    CHECK_INT(wf_memory_new(NULL, &memory), WF_ERR_ARGUMENT);

    /* A memory of max 0 still has a base address. */
    limits = (wf_limits_t){.min = 0, .max = 0, .has_max = true};
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK(wf_memory_data(memory) != NULL);
    CHECK_INT(wf_memory_grow(memory, 0), 0);
    CHECK_INT(wf_memory_grow(memory, 1), -1);
    wf_memory_free(memory);

    /* A whole 4 GiB memory is addressable. */
    limits = (wf_limits_t){.min = 0, .max = WF_MAX_PAGES, .has_max = true};
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK_INT(wf_memory_grow(memory, WF_MAX_PAGES), 0);
    CHECK_INT(wf_memory_size(memory), (uint64_t)WF_MAX_PAGES * WF_PAGE_SIZE);
    wf_memory_data(memory)[(size_t)WF_MAX_PAGES * WF_PAGE_SIZE - 1] = 1;
    CHECK_INT(wf_memory_grow(memory, 1), -1);
    CHECK_INT(wf_memory_grow(memory, 0), WF_MAX_PAGES);
    wf_memory_free(memory);
}

#define GROWERS 4
#define GROWS_EACH 50

static void *grower(void *arg)
{
    wf_memory_t *memory = arg;
    for (int i = 0; i < GROWS_EACH; i++) {
        int64_t old = wf__memory_grow(memory, 1);
        if (old < 0)
            return (void *)1;
        /* The page just grown is visible and writable by this thread. */
        wf_memory_data(memory)[(size_t)old * WF_PAGE_SIZE] = 1;
    }
    return NULL;
}

static void test_shared(void)
{
    wf_limits_t limits = {
        .min = 1, .max = 1 + GROWERS * GROWS_EACH, .has_max = true, .shared = true};
    wf_memory_t *memory;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK(wf_memory_limits(memory).shared);
    uint8_t *base = wf_memory_data(memory);
    pthread_t threads[GROWERS];
    for (int i = 0; i < GROWERS; i++)
        CHECK_INT(pthread_create(&threads[i], NULL, grower, memory), 0);
    for (int i = 0; i < GROWERS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        CHECK(result == NULL);
    }
    CHECK(wf_memory_data(memory) == base);
    CHECK_INT(wf_memory_size(memory), (uint64_t)(1 + GROWERS * GROWS_EACH) * WF_PAGE_SIZE);
    int marked = 0;
    for (uint64_t p = 1; p <= GROWERS * GROWS_EACH; p++)
        marked += base[p * WF_PAGE_SIZE];
    CHECK_INT(marked, GROWERS * GROWS_EACH); /* every grow got its own page */
    CHECK_INT(wf_memory_grow(memory, 1), -1);
    wf_memory_free(memory);
}

static void test_pool(void)
{
    wf_memory_pool_t *pool;
    CHECK_INT(wf_memory_pool_new(NULL, 2, &pool), WF_OK);
    wf_limits_t limits = {.min = 2};
    wf_memory_t *a, *b, *c;
    CHECK_INT(wf__memory_new(NULL, pool, &limits, 0, &a), WF_OK);
    uint8_t *base_a = wf_memory_data(a);
    base_a[0] = 1;
    base_a[2 * WF_PAGE_SIZE - 1] = 2;
    CHECK_INT(wf__memory_grow(a, 1), 2);
    base_a[3 * WF_PAGE_SIZE - 1] = 3;
    wf_memory_free(a); /* back to the pool, zeroed */

    /* The same reservation comes back: zeroed, resized to the new minimum. */
    limits.min = 1;
    CHECK_INT(wf__memory_new(NULL, pool, &limits, 0, &b), WF_OK);
    CHECK(wf_memory_data(b) == base_a);
    CHECK_INT(wf_memory_size(b), WF_PAGE_SIZE);
    CHECK_INT(wf_memory_data(b)[0], 0);
    CHECK_INT(wf_memory_grow(b, 2), 1); /* pages past the old size come back zero too */
    CHECK_INT(wf_memory_data(b)[2 * WF_PAGE_SIZE - 1], 0);
    CHECK_INT(wf_memory_data(b)[3 * WF_PAGE_SIZE - 1], 0);
    CHECK_INT(wf_memory_limits(b).min, 3);
    CHECK(!wf_memory_limits(b).has_max);

    /* A different maximum means a different reservation: a fresh memory. */
    wf_limits_t small = {.min = 1, .max = 1, .has_max = true};
    CHECK_INT(wf__memory_new(NULL, pool, &small, 0, &c), WF_OK);
    CHECK(wf_memory_data(c) != base_a);
    CHECK_INT(wf_memory_grow(c, 1), -1);

    /* Shared memories bypass the pool. */
    wf_limits_t shared = {.min = 1, .max = 2, .has_max = true, .shared = true};
    wf_memory_t *s;
    CHECK_INT(wf__memory_new(NULL, pool, &shared, 0, &s), WF_OK);
    CHECK(s->pool == NULL);
    wf_memory_free(s);

    /* The pool lives on while its memories do; at most 2 idle ones stay. */
    wf_memory_pool_free(pool);
    wf_memory_free(b);
    wf_memory_free(c); /* the last reference: the pool goes with it */

    /* A memory of one page is zeroed whole (no residency lookup): every byte. */
    CHECK_INT(wf_memory_pool_new(NULL, 1, &pool), WF_OK);
    wf_limits_t one = {.min = 1};
    CHECK_INT(wf__memory_new(NULL, pool, &one, 0, &a), WF_OK);
    base_a = wf_memory_data(a);
    for (size_t at = 0; at < WF_PAGE_SIZE; at += 4093)
        base_a[at] = 0xAB;
    base_a[WF_PAGE_SIZE - 1] = 0xCD;
    wf_memory_free(a);
    CHECK_INT(wf__memory_new(NULL, pool, &one, 0, &b), WF_OK);
    CHECK(wf_memory_data(b) == base_a);
    size_t nonzero = 0;
    for (size_t at = 0; at < WF_PAGE_SIZE; at++)
        nonzero += wf_memory_data(b)[at] != 0;
    CHECK_INT(nonzero, 0);
    wf_memory_free(b);
    wf_memory_pool_free(pool);

    /* A full pool unmaps what it cannot keep. */
    CHECK_INT(wf_memory_pool_new(NULL, 1, &pool), WF_OK);
    CHECK_INT(wf__memory_new(NULL, pool, &limits, 0, &a), WF_OK);
    CHECK_INT(wf__memory_new(NULL, pool, &limits, 0, &b), WF_OK);
    base_a = wf_memory_data(a);
    wf_memory_free(a); /* kept */
    wf_memory_free(b); /* unmapped */
    CHECK_INT(wf__memory_new(NULL, pool, &limits, 0, &c), WF_OK);
    CHECK(wf_memory_data(c) == base_a);
    wf_memory_free(c);
    wf_memory_pool_free(pool);
    wf_memory_pool_free(NULL);
}

/* Threads taking memories from one pool and giving them back. */
static void *pool_user(void *arg)
{
    wf_memory_pool_t *pool = arg;
    wf_limits_t limits = {.min = 1, .max = 4, .has_max = true};
    for (int i = 0; i < 200; i++) {
        wf_memory_t *memory;
        if (wf__memory_new(NULL, pool, &limits, 0, &memory) != WF_OK)
            return (void *)1;
        uint8_t *base = wf_memory_data(memory);
        if (base[7] != 0) /* someone else's write leaked through */
            return (void *)2;
        base[7] = 1;
        if (i % 3 == 0 && wf__memory_grow(memory, 1) != 1)
            return (void *)3;
        wf_memory_free(memory);
    }
    return NULL;
}

static void test_pool_threads(void)
{
    wf_memory_pool_t *pool;
    CHECK_INT(wf_memory_pool_new(NULL, 3, &pool), WF_OK);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&threads[i], NULL, pool_user, pool), 0);
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        CHECK(result == NULL);
    }
    wf_memory_pool_free(pool);
}

/* A thread blocked in wf__memory_wait on offset 8 (value 0), forever. */
typedef struct wait_arg {
    wf_memory_t *memory;
    _Atomic int *interrupt;
    uint32_t result;
} wait_arg_t;

static void *waiter(void *arg)
{
    wait_arg_t *a = arg;
    a->result = wf__memory_wait(a->memory, 8, 0, false, -1, a->interrupt);
    return NULL;
}

/* Notifies offset 8 until want threads were woken in all (they may not wait yet). */
static uint32_t notify_until(wf_memory_t *memory, uint32_t want, uint32_t count)
{
    uint32_t woken = 0;
    for (int tries = 0; woken < want && tries < 20000; tries++) {
        woken += wf__memory_notify(memory, 8, count);
        if (woken < want) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
        }
    }
    return woken;
}

static void test_wait_notify(void)
{
    wf_limits_t limits = {.min = 1, .max = 1, .has_max = true, .shared = true};
    wf_memory_t *memory;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK(memory->waiters != NULL);
    uint8_t *base = wf_memory_data(memory);
    base[16] = 5;
    CHECK_INT(wf__memory_wait(memory, 16, 4, false, -1, NULL), 1);             /* not-equal */
    CHECK_INT(wf__memory_wait(memory, 16, 5, true, 1000000, NULL), 2);         /* timed-out */
    CHECK_INT(wf__memory_wait(memory, 16, 0x100000005ull, false, 0, NULL), 2); /* low 32 bits */
    CHECK_INT(wf__memory_notify(memory, 8, 1), 0);

    /* One waiter, woken. */
    wait_arg_t a = {.memory = memory};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, waiter, &a), 0);
    CHECK_INT(notify_until(memory, 1, 1), 1);
    pthread_join(t, NULL);
    CHECK_INT(a.result, 0);

    /* Three waiters: notify 2, then the last one. */
    wait_arg_t args[3] = {{.memory = memory}, {.memory = memory}, {.memory = memory}};
    pthread_t ts[3];
    for (int i = 0; i < 3; i++)
        CHECK_INT(pthread_create(&ts[i], NULL, waiter, &args[i]), 0);
    struct timespec pause = {0, 20000000};
    nanosleep(&pause, NULL);
    CHECK_INT(notify_until(memory, 2, 2), 2);
    CHECK_INT(notify_until(memory, 1, 10), 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(ts[i], NULL);
        CHECK_INT(args[i].result, 0);
    }

    /* An interrupt ends a wait without a timeout. */
    _Atomic int interrupt = 0;
    wait_arg_t b = {.memory = memory, .interrupt = &interrupt};
    CHECK_INT(pthread_create(&t, NULL, waiter, &b), 0);
    nanosleep(&pause, NULL);
    atomic_store(&interrupt, 1);
    pthread_join(t, NULL);
    CHECK_INT(b.result, 3);
    CHECK_INT(wf__memory_notify(memory, 8, 5), 0); /* the interrupted waiter left the list */

    wf_memory_free(memory);

    /* Unshared memories have no waiters. */
    limits.shared = false;
    CHECK_INT(wf_memory_new(&limits, &memory), WF_OK);
    CHECK_INT(wf__memory_notify(memory, 8, 1), 0);
    wf_memory_free(memory);
}

int main(void)
{
    test_basic();
    test_no_max();
    test_caps_and_errors();
    test_shared();
    test_pool();
    test_pool_threads();
    test_wait_notify();
    return TEST_DONE();
}
