/*
** printf and scanf: formats integers, floats and strings, then reads
** numbers and words from stdin and prints their sums. Same output natively.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    printf("hello from %s\n", "stdio");
    printf("[%5d] [%-5d] [%05d] [%x] [%X] [%o] [%+d]\n", 42, 42, 42, 48879, 48879, 8, 7);
    printf("[%lld] [%" PRIu64 "] [%" PRId64 "]\n", -9223372036854775807LL - 1,
           UINT64_C(18446744073709551615), INT64_C(-1234567890123));
    printf("[%.3f] [%e] [%g] [%g] [%.10g]\n", 3.14159265, 123456.789, 1e-5, 1e20, 2.0 / 3);
    printf("[%10s] [%-10s] [%.2s] [%c]\n", "right", "left", "cut", 'z');
    printf("[%5.1f%%]\n", 99.5);

    /* stdin: a count N, N integers, N floats, then words up to the end. */
    int n = 0;
    if (scanf("%d", &n) != 1 || n < 0)
        return 3;
    long long isum = 0;
    double fsum = 0;
    for (int i = 0; i < n; i++) {
        long long v;
        if (scanf("%lld", &v) != 1)
            return 4;
        isum += v;
    }
    for (int i = 0; i < n; i++) {
        double v;
        if (scanf("%lf", &v) != 1)
            return 5;
        fsum += v;
    }
    char word[64];
    size_t words = 0, letters = 0;
    while (scanf("%63s", word) == 1) {
        words++;
        letters += strlen(word);
    }
    printf("read %d integers (sum %lld), %d floats (sum %.6f), %zu words (%zu letters)\n", n, isum,
           n, fsum, words, letters);
    fprintf(stderr, "this line goes to stderr\n");
    return 0;
}
