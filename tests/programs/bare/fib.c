/*
** Recursion and 64-bit arithmetic, compiled for wasm32 without a C library.
** Built natively with -DWF_NATIVE, main() prints what `wafer run --invoke`
** prints for the same call, so the two outputs can be compared.
*/
int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

long long fib64(int n)
{
    long long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

long long collatz_steps(long long start)
{
    long long steps = 0;
    while (start != 1) {
        start = (start & 1) ? 3 * start + 1 : start / 2;
        steps++;
    }
    return steps;
}

unsigned gcd(unsigned a, unsigned b)
{
    return b ? gcd(b, a % b) : a;
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
    if (!strcmp(f, "fib"))
        printf("%d\n", fib(atoi(argv[2])));
    else if (!strcmp(f, "fib64"))
        printf("%lld\n", fib64(atoi(argv[2])));
    else if (!strcmp(f, "collatz_steps"))
        printf("%lld\n", collatz_steps(atoll(argv[2])));
    else if (!strcmp(f, "gcd") && argc > 3)
        printf("%d\n",
               (int)gcd((unsigned)strtoul(argv[2], 0, 0), (unsigned)strtoul(argv[3], 0, 0)));
    else
        return 2;
    return 0;
}
#endif
