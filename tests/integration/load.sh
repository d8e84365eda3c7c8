#!/bin/sh
# Load figures for README.md: wrk -t2 -c64 -d10s on POST /fn/add/add against
# the real daemon on a free loopback port, while add.wasm is replaced 20 times
# (alternating write-then-rename and in-place writes). Prints wrk's report
# and the reload count; fails if any response was not 2xx or the daemon does
# not exit 0 on SIGTERM.
#
# usage: tests/integration/load.sh WAFER [WORKERS] [ACCESS_LOG true|false]
set -eu
wafer=$1
workers=${2:-2}
access=${3:-true}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk not found"; exit 77; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/modules"
wat2wasm "$root/examples/add.wat" -o "$dir/a.wasm"
# The second version answers the same sums with a different body layout.
sed 's/(i32.add (local.get $a) (local.get $b))/(i32.add (local.get $b) (local.get $a))/' \
    "$root/examples/add.wat" > "$dir/b.wat"
wat2wasm "$dir/b.wat" -o "$dir/b.wasm"
cp "$dir/a.wasm" "$dir/modules/add.wasm"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '{"log": {"access": %s}, "registry": {"rescan_ms": 50, "settle_ms": 50}}\n' "$access" \
    > "$dir/config.json"
"$wafer" serve --config "$dir/config.json" --listen "127.0.0.1:$port" \
    --modules "$dir/modules" --workers "$workers" 2> "$dir/serve.log" &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cat > "$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "[2,3]"
wrk.headers["Content-Type"] = "application/json"
LUA
(
  sleep 0.5
  for i in $(seq 20); do
    if [ $((i % 2)) = 1 ]; then src=$dir/b.wasm; else src=$dir/a.wasm; fi
    if [ $((i % 4)) -lt 2 ]; then
      cp "$src" "$dir/modules/.add.tmp" && mv "$dir/modules/.add.tmp" "$dir/modules/add.wasm"
    else
      cat "$src" > "$dir/modules/add.wasm"
    fi
    sleep 0.4
  done
) &
reloader=$!
wrk -t2 -c64 -d10s --latency -s "$dir/post.lua" "http://127.0.0.1:$port/fn/add/add" | tee "$dir/wrk.out"
wait $reloader
versions=$(curl -s "http://127.0.0.1:$port/admin/modules" | python3 -c \
    'import json,sys; print([m["version"] for m in json.load(sys.stdin) if m["name"]=="add"][0])')
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^wafer_instantiate_seconds_sum/ {s=$2} /^wafer_instantiate_seconds_count/ {n=$2}
  END {if (n) printf "instantiation: %d instances, mean %.0f ns\n", n, s/n*1e9}'
kill -TERM $pid
status=0
wait $pid || status=$?
echo "add versions loaded: $versions (1 + 20 replacements)"
echo "load failures: $(grep -c "module load failed" "$dir/serve.log" || true)"; grep "module load failed" "$dir/serve.log" | head -3 || true
echo "daemon exit status: $status"
if grep -q "Non-2xx" "$dir/wrk.out"; then echo "FAIL: non-2xx responses"; exit 1; fi
[ "$status" = 0 ] || { echo "FAIL: exit status $status"; exit 1; }
echo "OK"
