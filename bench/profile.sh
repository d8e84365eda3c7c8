#!/usr/bin/env bash
# Where the interpreter spends its time on one benchmark program, by handler.
#
# usage: bench/profile.sh [PROGRAM...]     (default: matmul nbody sha256)
#   Builds wafer in build/prof (Release plus -g, computed goto), runs each
#   program of ../shared/bench/wasm under `perf record -e cpu-clock`, and prints
#   the top functions and the top interpreter handlers: each sample's address is
#   attributed to the nearest preceding label (L_<OP> of interp.c, read from
#   the DWARF of the -g build). Labels are where handlers start; the compiler
#   may move shared tails (dispatch) elsewhere, so the split is approximate.
# Environment: WF_BENCH_DIR (default ../shared/bench beside the clone),
#   WF_PROF_BUILD (build dir, default build/prof), WF_PROF_TOP (rows, default 25).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench_dir=${WF_BENCH_DIR:-$root/../shared/bench}
build=${WF_PROF_BUILD:-$root/build/prof}
top=${WF_PROF_TOP:-25}
programs=${*:-matmul nbody sha256}
command -v perf >/dev/null || { echo "perf not found" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g >/dev/null
cmake --build "$build" -j 2 --target wafer >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# label name -> address, for the labels of the interpreter (DW_TAG_label with a low_pc).
readelf --debug-dump=info "$build/wafer" 2>/dev/null | awk '
    /DW_TAG_label/ { inlabel = 1; name = ""; next }
    /DW_TAG_/ { inlabel = 0 }
    inlabel && /DW_AT_name/ { name = $NF }
    inlabel && /DW_AT_low_pc/ && name != "" { print $NF, name; inlabel = 0 }' \
    | sort -u > "$tmp/labels"

for p in $programs; do
    echo "=== $p: perf record -e cpu-clock wafer run $p.wasm"
    perf record -q -e cpu-clock -F 2999 -o "$tmp/perf.data" -- \
        "$build/wafer" run "$bench_dir/wasm/$p.wasm" > /dev/null 2> "$tmp/perf.err" \
        || { cat "$tmp/perf.err" >&2; exit 1; }
    echo "--- top functions"
    perf report -q -i "$tmp/perf.data" --stdio --no-children --sort sym 2>/dev/null \
        | grep -v '^$' | head -8
    echo "--- top interpreter handlers (share of all samples)"
    perf script -i "$tmp/perf.data" -F ip,sym,symoff 2>/dev/null | awk "{ print \$NF }" > "$tmp/ips"
    nm "$build/wafer" > "$tmp/nm"
    python3 - "$tmp/labels" "$tmp/ips" "$top" "$tmp/nm" <<'PY'
import bisect, collections, sys
# Samples are "symbol+0xOFF" (the binary is position independent): file address = nm + OFF.
symbols = {}
for line in open(sys.argv[4]):
    f = line.split()
    if len(f) == 3:
        symbols.setdefault(f[2], int(f[0], 16))
labels = []
for line in open(sys.argv[1]):
    addr, name = line.split()
    labels.append((int(addr, 16), name))
labels.sort()
addrs = [a for a, _ in labels]
counts = collections.Counter()
total = 0
for line in open(sys.argv[2]):
    line = line.strip()
    if not line:
        continue
    total += 1
    sym, _, off = line.rpartition("+0x")
    if sym not in symbols:
        counts["(other code: " + (sym or "?") + ")"] += 1
        continue
    ip = symbols[sym] + int(off, 16)
    i = bisect.bisect_right(addrs, ip) - 1
    # Handler labels are L_<OP> (interp.c); other samples count by function.
    if i >= 0 and ip - addrs[i] < 4096 and labels[i][1].startswith("L_"):
        counts[labels[i][1]] += 1
    else:
        counts["(" + sym + ", not a handler)"] += 1
for name, n in counts.most_common(int(sys.argv[3])):
    print(f"{100.0 * n / total:6.2f}%  {name}")
print(f"({total} samples)")
PY
done
