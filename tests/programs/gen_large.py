#!/usr/bin/env python3
"""Writes a large C program (N functions with loops, switches, floats and
calls between them) for measuring load throughput on a big module:

    python3 gen_large.py 20000 > large.c
    clang-14 --target=wasm32-wasi -O1 large.c -o large.wasm
    wafer run --invoke checksum large.wasm 100
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
out = sys.stdout
out.write("#include <stdint.h>\nstatic volatile uint32_t sink;\n")
for i in range(n):
    callee = f"f{i - 1}(x ^ {i})" if i else "x"
    out.write(f"""
__attribute__((noinline)) uint32_t f{i}(uint32_t x)
{{
    uint32_t acc = {i * 2654435761 % 4294967296}u;
    double d = x * {i % 97 + 1}.25;
    for (uint32_t k = 0; k < (x & 7); k++) {{
        switch ((acc + k) % 5) {{
        case 0: acc += k * {i % 13 + 3}u; break;
        case 1: acc ^= acc << {i % 7 + 1}; break;
        case 2: acc = acc * 31u + (uint32_t)d; break;
        case 3: d = d * 0.5 + acc; break;
        default: acc -= {i % 11}u; break;
        }}
    }}
    if ((x & 255) == {i % 256}u)
        acc += {callee};
    return acc + (uint32_t)d;
}}
""")
out.write("\nuint32_t checksum(uint32_t rounds)\n{\n    uint32_t s = 0;\n")
out.write("    for (uint32_t r = 0; r < rounds; r++) {\n")
for i in range(0, n, max(1, n // 64)):
    out.write(f"        s = s * 33u + f{i}(r + s);\n")
out.write("    }\n    return s;\n}\n")
out.write("int main(void) { sink = checksum(10); return 0; }\n")
