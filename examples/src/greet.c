/*
** greet, in C: the string adapter ABI with a return pointer. Built with
**   clang-14 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export-dynamic \
**     -o examples/greet_c.wasm examples/src/greet.c
** The host lowers the request body through alloc(size), calls greet(ptr, len)
** and reads the (ptr, len) of the answer at the returned pointer.
*/
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;
static uintptr_t heap_top;

/* A bump allocator over the heap; grows memory as needed. */
__attribute__((export_name("alloc"))) void *alloc(size_t size)
{
    if (!heap_top)
        heap_top = (uintptr_t)&__heap_base;
    uintptr_t ptr = (heap_top + 7) & ~(uintptr_t)7;
    uintptr_t end = ptr + size;
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
        __builtin_trap();
    heap_top = end;
    return (void *)ptr;
}

struct result {
    const char *ptr;
    size_t len;
};

static struct result answer;

__attribute__((export_name("greet"))) struct result *greet(const char *name, size_t len)
{
    static const char hello[] = "Hello, ";
    char *out = alloc(sizeof hello - 1 + len + 1);
    size_t n = 0;
    for (size_t i = 0; i < sizeof hello - 1; i++)
        out[n++] = hello[i];
    for (size_t i = 0; i < len; i++)
        out[n++] = name[i];
    out[n++] = '!';
    answer.ptr = out;
    answer.len = n;
    return &answer;
}
