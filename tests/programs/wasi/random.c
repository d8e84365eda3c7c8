/*
** Random bytes (getentropy, which WASI does with random_get): two 64-byte
** draws differ, and the bits are roughly balanced over 64 KiB.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[64], b[64];
    if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) {
        printf("getentropy failed\n");
        return 1;
    }
    printf("two draws differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    static unsigned char big[65536];
    for (size_t off = 0; off < sizeof big; off += 256)
        if (getentropy(big + off, 256)) {
            printf("getentropy failed\n");
            return 1;
        }
    long ones = 0;
    for (size_t i = 0; i < sizeof big; i++)
        ones += __builtin_popcount(big[i]);
    long expected = (long)sizeof big * 4;
    printf("bit balance within 1%%: %s\n",
           ones > expected - expected / 100 && ones < expected + expected / 100 ? "yes" : "no");
    return 0;
}
