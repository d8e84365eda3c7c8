/*
** Allocation-heavy work: a linked list, a growing array with realloc, a
** hash table with chaining, qsort, and many small frees. Prints checksums.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    struct node *next;
    uint32_t value;
    char name[20];
} node_t;

static uint32_t rng = 88172645u;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    /* A list of 100000 nodes, then every other one freed. */
    node_t *head = NULL;
    for (int i = 0; i < 100000; i++) {
        node_t *n = malloc(sizeof *n);
        if (!n)
            return 1;
        n->value = next_random();
        snprintf(n->name, sizeof n->name, "node-%d", i);
        n->next = head;
        head = n;
    }
    uint64_t sum = 0;
    size_t names = 0;
    int index = 0;
    for (node_t **p = &head; *p;) {
        if (index++ % 2) {
            node_t *dead = *p;
            *p = dead->next;
            free(dead);
        } else {
            sum += (*p)->value;
            names += strlen((*p)->name);
            p = &(*p)->next;
        }
    }
    printf("list: sum %llu, name bytes %zu\n", (unsigned long long)sum, names);

    /* A growing array, sorted. */
    uint32_t *array = NULL;
    size_t size = 0, capacity = 0;
    for (int i = 0; i < 300000; i++) {
        if (size == capacity) {
            capacity = capacity ? capacity * 3 / 2 : 16;
            uint32_t *bigger = realloc(array, capacity * sizeof *array);
            if (!bigger)
                return 1;
            array = bigger;
        }
        array[size++] = next_random() % 1000000;
    }
    qsort(array, size, sizeof *array, compare_u32);
    uint64_t weighted = 0;
    for (size_t i = 0; i < size; i += 1000)
        weighted += array[i] * (uint64_t)(i + 1);
    printf("array: %zu sorted, min %u, max %u, weighted %llu\n", size, array[0], array[size - 1],
           (unsigned long long)weighted);
    free(array);

    /* A hash table of strings with chaining, then lookups. */
    enum { BUCKETS = 4096 };
    node_t **table = calloc(BUCKETS, sizeof *table);
    if (!table)
        return 1;
    for (int i = 0; i < 50000; i++) {
        node_t *n = malloc(sizeof *n);
        if (!n)
            return 1;
        snprintf(n->name, sizeof n->name, "k%u", next_random() % 30000);
        uint32_t h = 2166136261u;
        for (const char *c = n->name; *c; c++)
            h = (h ^ (uint8_t)*c) * 16777619u;
        n->value = (uint32_t)i;
        n->next = table[h % BUCKETS];
        table[h % BUCKETS] = n;
    }
    int hits = 0;
    for (int i = 0; i < 30000; i += 7) {
        char key[20];
        snprintf(key, sizeof key, "k%d", i);
        uint32_t h = 2166136261u;
        for (const char *c = key; *c; c++)
            h = (h ^ (uint8_t)*c) * 16777619u;
        for (node_t *n = table[h % BUCKETS]; n; n = n->next)
            if (!strcmp(n->name, key)) {
                hits++;
                break;
            }
    }
    size_t longest = 0;
    for (int b = 0; b < BUCKETS; b++) {
        size_t length = 0;
        for (node_t *n = table[b]; n;) {
            node_t *next = n->next;
            free(n);
            n = next;
            length++;
        }
        if (length > longest)
            longest = length;
    }
    free(table);
    printf("hash: %d hits, longest chain %zu\n", hits, longest);

    /* Many blocks of varied sizes, freed in a scrambled order. */
    enum { BLOCKS = 20000 };
    void **blocks = malloc(BLOCKS * sizeof *blocks);
    if (!blocks)
        return 1;
    size_t total = 0;
    for (int i = 0; i < BLOCKS; i++) {
        size_t n = 1 + next_random() % 2000;
        blocks[i] = malloc(n);
        if (!blocks[i])
            return 1;
        memset(blocks[i], i & 0xff, n);
        total += n;
    }
    for (int i = 0; i < BLOCKS; i++) {
        int j = (int)(next_random() % BLOCKS);
        void *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (int i = 0; i < BLOCKS; i++)
        free(blocks[i]);
    free(blocks);
    printf("blocks: %zu bytes in %d blocks\n", total, (int)BLOCKS);
    return 0;
}
