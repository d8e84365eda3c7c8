#!/usr/bin/env bash
# Exact instruction counts (valgrind --tool=callgrind, no cache simulation) of the benchmark
# programs natively and under wafer, on reduced inputs: a figure that does not drift with the
# load of a shared machine, for judging an interpreter change. Prints per program the native
# and wafer counts (whole process: wafer's includes loading the module), their ratio, and the
# geometric mean; checks each output equals the native one (exit 1 otherwise).
#
# usage: bench/icount.sh [BUILD_DIR] [PROGRAM...]   (BUILD_DIR default build/release, needs wafer)
# Environment: WF_BENCH_DIR (default ../shared/bench beside the clone).
# A few minutes for all eight (valgrind runs wafer about 50 times slower).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build/release}" && pwd)
shift || true
bench_dir=${WF_BENCH_DIR:-$root/../shared/bench}
programs=${*:-fib hashtab mandelbrot matmul nbody qsort sha256 sieve}
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
out=$build/bench
mkdir -p "$out/native"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Reduced inputs: each about 1/10 to 1/50 of the timed run.
args() {
    case $1 in
    fib) echo 30 ;; hashtab) echo 200000 ;; mandelbrot) echo 400 ;; matmul) echo "100 3" ;;
    nbody) echo 100000 ;; qsort) echo 250000 ;; sha256) echo 2 ;; sieve) echo "1000000 1" ;;
    esac
}
# count OUT CMD...: total instructions executed by CMD (stdout to OUT)
count() {
    local o=$1; shift
    valgrind --tool=callgrind --cache-sim=no --callgrind-out-file="$tmp/cg.out" "$@" \
        > "$o" 2> "$tmp/cg.err" || { cat "$tmp/cg.err" >&2; return 1; }
    awk '/Collected :/ { print $NF }' "$tmp/cg.err"
}

status=0
: > "$tmp/ratios"
printf '%-11s %15s %15s %8s\n' program "native Ir" "wafer Ir" "ratio"
for p in $programs; do
    src=$bench_dir/programs/$p.c
    if [ ! -x "$out/native/$p" ] || [ "$src" -nt "$out/native/$p" ]; then
        clang-14 -O2 -o "$out/native/$p" "$src" -lm
    fi
    read -r -a a <<< "$(args "$p")"
    n=$(count "$tmp/n.out" "$out/native/$p" "${a[@]}")
    w=$(count "$tmp/w.out" "$build/wafer" run "$bench_dir/wasm/$p.wasm" "${a[@]}")
    mark=""
    if ! cmp -s "$tmp/n.out" "$tmp/w.out"; then mark="  OUTPUT DIFFERS"; status=1; fi
    awk -v p="$p" -v n="$n" -v w="$w" -v m="$mark" -v r="$tmp/ratios" \
        'BEGIN { printf "%-11s %15d %15d %7.1fx%s\n", p, n, w, w / n, m; print w / n >> r }'
done
awk '{ s += log($1) } END { printf "%-11s %15s %15s %7.1fx\n", "geomean", "", "", exp(s / NR) }' \
    "$tmp/ratios"
exit $status
