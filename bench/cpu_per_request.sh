#!/usr/bin/env bash
# CPU time a server spends per HTTP request: its threads' user + system time
# (/proc/PID/stat) over one wrk run, divided by the requests wrk completed.
# Steadier than req/s on a shared machine, and comparable between servers.
# usage: bench/cpu_per_request.sh "PID..." URL BODY [SECONDS]
#   e.g. bench/cpu_per_request.sh "$(pgrep -f 'wafer serve')" http://127.0.0.1:8080/fn/add/add '[2,3]'
#   (for nginx give every worker's pid: "$(pgrep -f 'nginx: worker' | tr '\n' ' ')")
set -euo pipefail
pids=$1 url=$2 body=$3 secs=${4:-5}
tick=$(getconf CLK_TCK)
lua=$(mktemp --suffix=.lua)
trap 'rm -f "$lua"' EXIT
printf 'wrk.method = "POST"\nwrk.body = "%s"\n' "$body" > "$lua"
cpu() {
    local t=0 p
    for p in $pids; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
    echo "$t"
}
before=$(cpu)
out=$(wrk -t2 -c64 -d"${secs}s" --latency -s "$lua" "$url")
after=$(cpu)
requests=$(echo "$out" | awk '/requests in/ {print $1}')
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
awk -v a="$before" -v b="$after" -v t="$tick" -v n="$requests" -v r="$rps" -v p="$p99" \
    'BEGIN { printf "%s req/s, p99 %s, server CPU %.2f us per request\n", r, p, (b - a) * 1e6 / t / n }'
