/*
** Clocks: the wall clock is after 2020, the monotonic clock never goes back,
** a 20 ms sleep (nanosleep, which WASI does with poll_oneoff) takes at least
** 20 ms, and the process CPU clock moves when computing. Prints verdicts only,
** so the output is the same on every run and natively.
*/
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return -1;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    time_t now = time(NULL);
    printf("wall clock after 2020: %s\n", now > 1577836800 ? "yes" : "no");
    long long real = ns(CLOCK_REALTIME);
    printf("realtime matches time(): %s\n",
           real / 1000000000LL - now <= 1 && real / 1000000000LL >= now ? "yes" : "no");

    long long previous = ns(CLOCK_MONOTONIC), backwards = 0;
    for (int i = 0; i < 10000; i++) {
        long long t = ns(CLOCK_MONOTONIC);
        if (t < previous)
            backwards++;
        previous = t;
    }
    printf("monotonic went backwards: %lld times\n", backwards);

    struct timespec res;
    printf("monotonic resolution at most 1 ms: %s\n",
           clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec <= 1000000
               ? "yes"
               : "no");

    long long before = ns(CLOCK_MONOTONIC);
    struct timespec delay = {0, 20 * 1000000};
    int rc = nanosleep(&delay, NULL);
    long long slept = ns(CLOCK_MONOTONIC) - before;
    printf("nanosleep 20 ms: rc %d, slept at least 20 ms: %s, under 2 s: %s\n", rc,
           slept >= 20000000 ? "yes" : "no", slept < 2000000000LL ? "yes" : "no");

    long long cpu0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned x = 1;
    for (int i = 0; i < 3000000; i++)
        x = x * 1664525u + 1013904223u;
    long long cpu1 = ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("cpu clock advanced: %s\n", cpu0 >= 0 && cpu1 > cpu0 ? "yes" : "no");
    return 0;
}
