#!/usr/bin/env python3
"""Writes a large C program for the load-throughput benchmark of bench/run.sh.

    python3 bench/gen_large.py FUNCS DIR
    for c in DIR/*.c; do clang-14 --target=wasm32-wasi -O0 -c "$c" -o "${c%.c}.o"; done
    clang-14 --target=wasm32-wasi -o large.wasm DIR/*.o

The machine holds no large real-world module, so this one is made to look
like compiled application code: FUNCS functions, each mixing integer and
floating-point arithmetic, loops over a global array, a dense switch (a
br_table), a string table, and calls to earlier functions and through a
function-pointer table (call_indirect) that holds every function (so the
linker keeps them all). The source is split into files of PER_FILE functions
(one huge file makes clang need gigabytes). main() runs a few of the
functions, so the module is also a runnable WASI command.
"""
import os
import sys


def function(i):
    """The C source of function number i."""
    k1, k2, k3 = (i * 7919) % 251 + 1, (i * 104729) % 31 + 1, i % 17 + 2
    callee = f"g{(i * 37) % i}(x + {k1})" if i else "x"
    cases = "\n".join(
        f"    case {c}: acc = acc * {k1 + c}u + (uint32_t)buf[(x + {c}) & 1023]; break;"
        for c in range(6 + i % 5))
    # Calls go to lower-numbered functions only, so every call chain ends.
    indirect = (f"    if ((x & 127) == {(i * 3) % 128}u)\n"
                f"        acc ^= table[(x >> 3) % {i}u](acc);") if i else ""
    return f"""
__attribute__((noinline)) uint32_t g{i}(uint32_t x)
{{
    uint32_t acc = {(i * 2246822519) % 4294967296}u ^ x;
    double f = (double)x * {k3}.5 + {k1}.0;
    for (uint32_t n = 0; n < (x & 15); n++) {{
        acc += buf[(acc + n) & 1023] * {k2}u;
        f = f * 0.75 + (double)(acc >> {k3 % 13 + 1});
        if (acc & {1 << (i % 9)}u)
            buf[(n * {k1}) & 1023] = acc;
    }}
    switch ((acc ^ x) % {8 + i % 5}u) {{
{cases}
    default: acc ^= (uint32_t)names[{i} % NAMES][x & 3]; break;
    }}
    if ((x & 63) == {i % 64}u)
        acc += {callee};
{indirect}
    return acc + (uint32_t)(int64_t)f;
}}
"""


PER_FILE = 500
HEADER = """#include <stdint.h>
#include <stdio.h>

extern uint32_t buf[1024];
#define NAMES 64
extern const char *const names[NAMES];
#define TABLE %d
extern uint32_t (*const table[TABLE])(uint32_t);
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16000
    out_dir = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(out_dir, exist_ok=True)
    header = HEADER % n + "".join(f"uint32_t g{i}(uint32_t x);\n" for i in range(n))
    for start in range(0, n, PER_FILE):
        with open(os.path.join(out_dir, f"part{start // PER_FILE:04d}.c"), "w") as out:
            out.write(header)
            for i in range(start, min(n, start + PER_FILE)):
                out.write(function(i))
    with open(os.path.join(out_dir, "main.c"), "w") as out:
        out.write(header)
        out.write("uint32_t buf[1024];\nconst char *const names[NAMES] = {\n")
        out.write("".join(f'    "name-{i}-{i * 31 % 97}",\n' for i in range(64)))
        out.write("};\nuint32_t (*const table[TABLE])(uint32_t) = {\n")
        out.write(",\n".join(f"    g{i}" for i in range(n)))
        out.write(f"""
}};

int main(void)
{{
    uint32_t sum = 0;
    for (uint32_t x = 0; x < 1000; x++)
        sum += g{n - 1}(x) + table[x % TABLE](x * 3);
    printf("large: %u\\n", sum);
    return 0;
}}
""")


if __name__ == "__main__":
    main()
