/*
** The one allocation hook. Every engine allocation goes through here, so an
** embedder's allocator (or a failing one, in tests) sees all of it.
*/
#include <stdlib.h>
#include <string.h>

#include "module.h"

void *wf__realloc(const wf_allocator_t *allocator, void *ptr, size_t old_size, size_t new_size)
{
    if (allocator && allocator->realloc)
        return allocator->realloc(allocator->user, ptr, old_size, new_size);
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

void *wf__alloc(const wf_allocator_t *allocator, size_t size)
{
    return wf__realloc(allocator, NULL, 0, size ? size : 1);
}

void *wf__calloc(const wf_allocator_t *allocator, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    void *p = wf__alloc(allocator, total);
    if (p)
        memset(p, 0, total ? total : 1);
    return p;
}

void wf__free(const wf_allocator_t *allocator, void *ptr, size_t size)
{
    if (ptr)
        wf__realloc(allocator, ptr, size, 0);
}

char *wf__strndup(const wf_allocator_t *allocator, const char *s, size_t n)
{
    char *copy = wf__alloc(allocator, n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}
