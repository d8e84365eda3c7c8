/*
** Loops over linear memory: a sieve, a byte checksum, a bubble sort and
** floating-point accumulation, compiled for wasm32 without a C library.
** Built natively with -DWF_NATIVE, main() prints the same results.
*/
#define N 200000
/* A composite is marked with the current call's stamp, so no clearing pass
   is needed (clang would turn one into a call to memset, which a program
   without a C library does not have). */
static unsigned sieve_mark[N + 1];
static unsigned sieve_stamp;
static unsigned words[4096];

int count_primes(int n)
{
    if (n > N)
        n = N;
    unsigned stamp = ++sieve_stamp;
    int count = 0;
    for (int i = 2; i <= n; i++) {
        if (sieve_mark[i] == stamp)
            continue;
        count++;
        for (int j = 2 * i; j <= n; j += i)
            sieve_mark[j] = stamp;
    }
    return count;
}

unsigned checksum(int rounds)
{
    unsigned x = 2463534242u, sum = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 4096; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            words[i] = x;
        }
        for (int i = 0; i < 4096; i++)
            sum = sum * 31u + words[i];
    }
    return sum;
}

int sort_check(int n)
{
    if (n > 4096)
        n = 4096;
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        words[i] = x >> 8;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j + 1 < n - i; j++)
            if (words[j] > words[j + 1]) {
                unsigned t = words[j];
                words[j] = words[j + 1];
                words[j + 1] = t;
            }
    for (int i = 0; i + 1 < n; i++)
        if (words[i] > words[i + 1])
            return -1;
    return (int)(words[n / 2] & 0x7fffffff);
}

double harmonic(int n)
{
    double s = 0;
    for (int i = 1; i <= n; i++)
        s += 1.0 / i;
    return s;
}

float mandel_area(int steps)
{
    int inside = 0;
    for (int y = 0; y < steps; y++)
        for (int x = 0; x < steps; x++) {
            float cr = -2.0f + 3.0f * x / steps, ci = -1.5f + 3.0f * y / steps;
            float zr = 0, zi = 0;
            int k = 0;
            while (k < 100 && zr * zr + zi * zi < 4.0f) {
                float t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                k++;
            }
            inside += k == 100;
        }
    return 9.0f * inside / ((float)steps * steps);
}

#ifdef WF_NATIVE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *f = argv[1];
    int n = atoi(argv[2]);
    if (!strcmp(f, "count_primes"))
        printf("%d\n", count_primes(n));
    else if (!strcmp(f, "checksum"))
        printf("%d\n", (int)checksum(n));
    else if (!strcmp(f, "sort_check"))
        printf("%d\n", sort_check(n));
    else if (!strcmp(f, "harmonic"))
        printf("%.17g\n", harmonic(n));
    else if (!strcmp(f, "mandel_area"))
        printf("%.9g\n", mandel_area(n));
    else
        return 2;
    return 0;
}
#endif
