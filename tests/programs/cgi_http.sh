#!/bin/bash
# CGI functions over real HTTP: starts `wafer serve` on a loopback port with
# examples/cgi_hello.wasm (at its default route /run/cgi_hello/...), a copy
# with manifest routes and grants, and the runaway programs of
# tests/programs/wat, then checks status, headers and body, SCRIPT_NAME /
# PATH_INFO / X_MATCHED_ROUTE, a 1 MB body, stderr lines in the log with the
# request id (JSON and text formats), manifest grants (directory read-only by
# default, writable when granted, env, args), manifest errors, and that
# runaway programs fail their request while the daemon keeps serving.
#   cgi_http.sh WAFER EXAMPLES_DIR WAT_DIR OUT_DIR
set -u
wafer=$1 examples=$2 wat=$3 out=$4
command -v curl >/dev/null || { echo "SKIPPED: curl not found"; exit 77; }
work="$out/cgi_http_${WF_LOG_FORMAT:-json}"
rm -rf "$work"; mkdir -p "$work/modules" "$work/data"
cp "$examples/cgi_hello.wasm" "$work/modules/"
cp "$wat/write_forever.wat" "$wat/read_forever.wat" "$wat/spin.wat" "$work/modules/"
echo "hello over http" >"$work/data/hello.txt"
echo secret >"$work/secret.txt"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Reading 1 MB through getchar() takes a while under sanitizers on a loaded
# machine: a generous deadline for cgi_hello (the runaways keep the default).
echo '{"limits": {"timeout_ms": 20000}}' >"$work/modules/cgi_hello.json"
# A second copy with its own routes and grants (read-only /data, writable /out).
cp "$examples/cgi_hello.wasm" "$work/modules/granted.wasm"
mkdir -p "$work/outdir"
cat >"$work/modules/granted.json" <<JSON
{"routes": ["/hello", "/api/v1/..."],
 "wasi": {"dirs": {"/data": "../data", "/out": {"host": "../outdir", "writable": true}},
          "env": {"GREETING": "hi"}, "args": ["one", "two"]}}
JSON
# A third copy whose /data grant is writable.
cp "$examples/cgi_hello.wasm" "$work/modules/writer.wasm"
echo '{"wasi": {"dirs": {"/data": {"host": "../outdir", "writable": true}}}}' \
    >"$work/modules/writer.json"
# A manifest with an unknown key inside "wasi" must fail to load, visibly.
cp "$examples/cgi_hello.wasm" "$work/modules/badgrant.wasm"
echo '{"wasi": {"dirs": {"/d": "."}, "mounts": []}}' >"$work/modules/badgrant.json"
cp "$examples/cgi_hello.wasm" "$work/modules/badroute.wasm"
echo '{"routes": ["/fn/x"]}' >"$work/modules/badroute.json"
cat >"$work/config.json" <<JSON
{"log": {"format": "${WF_LOG_FORMAT:-json}", "level": "info"}}
JSON

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
trap cleanup EXIT
for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    "$wafer" serve --config "$work/config.json" --listen 127.0.0.1:$port \
        --modules "$work/modules" --workers 2 \
        >"$work/log" 2>&1 &
    pid=$!
    for i in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    cleanup; pid=
done
[ -n "$pid" ] || { echo "FAIL: the daemon did not start"; cat "$work/log"; exit 1; }
host="http://127.0.0.1:$port"
base="$host/run"

r=$(curl -s -i "$base/cgi_hello?name=http" -H 'User-Agent: cgi-http-test' | tr -d '\r')
echo "$r" | grep -q '^HTTP/1.1 200' || fail "status 200: $r"
echo "$r" | grep -q '^Content-Type: text/plain; charset=utf-8' || fail "Content-Type"
echo "$r" | grep -q '^X-Wafer-Example: cgi_hello' || fail "extra header"
echo "$r" | grep -q '^Hello, http!' || fail "body"
echo "$r" | grep -q '^user agent: cgi-http-test' || fail "HTTP_USER_AGENT"
id=$(echo "$r" | sed -n 's/^X-Request-Id: //p')

curl -s -i "$base/cgi_hello?status=418" | head -1 | grep -q ' 418' || fail "Status: 418"
r=$(curl -s -i "$base/cgi_hello?go=/elsewhere" | tr -d '\r')
echo "$r" | head -1 | grep -q ' 302' || fail "redirect status"
echo "$r" | grep -q '^Location: /elsewhere' || fail "Location header"

head -c 1048576 /dev/urandom >"$work/body.bin"
sum=$(python3 -c "
import sys
c = 0
for b in open(sys.argv[1], 'rb').read(): c = (c * 31 + b) & 0xffffffff
print('%08x' % c)" "$work/body.bin")
curl -s --data-binary @"$work/body.bin" "$base/cgi_hello" | grep -q "body: 1048576 bytes, checksum $sum" ||
    fail "1 MB body (expected checksum $sum)"

code=$(curl -s -o "$work/w.out" -w '%{http_code}' -m 30 "$base/write_forever")
[ "$code" = 500 ] && grep -q 'output limit exceeded' "$work/w.out" || fail "write_forever: $code"
for m in read_forever spin; do
    code=$(curl -s -o "$work/$m.out" -w '%{http_code}' -m 60 -d x "$base/$m")
    [ "$code" = 504 ] || fail "$m: expected 504, got $code"
done
curl -s "$base/cgi_hello?name=after" | grep -q '^Hello, after!' || fail "serving after runaways"
# While a runaway holds one worker, the other keeps answering.
curl -s -o /dev/null -m 60 "$base/spin" &
spin_pid=$!
sleep 0.2
ok=0
for i in $(seq 10); do
    curl -s -m 5 "$base/cgi_hello?name=during" | grep -q '^Hello, during!' && ok=$((ok + 1))
done
wait $spin_pid
[ $ok = 10 ] || fail "served during a runaway: $ok of 10"

sleep 0.3
grep 'guest stderr' "$work/log" | grep "$id" | grep -q 'cgi_hello: GET request for http' ||
    fail "stderr line with request id $id in the log"
if [ "${WF_LOG_FORMAT:-json}" = text ]; then
    grep 'guest stderr' "$work/log" | grep -q "request_id=$id .*line=\"cgi_hello: GET request" ||
        fail "text log line format"
else
    grep 'guest stderr' "$work/log" | grep "$id" | python3 -c "
import json, sys
line = json.loads(sys.stdin.readline())
assert line['msg'] == 'guest stderr' and line['module'] == 'cgi_hello', line
assert line['line'] == 'cgi_hello: GET request for http', line" || fail "JSON log line format"
fi

# Routes: /run/<module>/... by default, SCRIPT_NAME / PATH_INFO split there.
r=$(curl -s "$base/cgi_hello/a/b%20c?x=1")
echo "$r" | grep -q '^script name: /run/cgi_hello$' || fail "SCRIPT_NAME: $r"
echo "$r" | grep -q '^path info: /a/b c$' || fail "PATH_INFO"
echo "$r" | grep -q '^route: /run/cgi_hello/...$' || fail "X_MATCHED_ROUTE"
curl -s "$host/fn/cgi_hello" | grep -q '^Hello, world!' || fail "/fn/cgi_hello still serves"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/cgi_hellox")
[ "$code" = 404 ] || fail "/run/cgi_hellox: expected 404, got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/granted")
[ "$code" = 404 ] || fail "/run/granted (manifest routes replace the default): got $code"
# Manifest routes: an exact one and a prefix one.
r=$(curl -s "$host/hello")
echo "$r" | grep -q '^script name: /hello$' || fail "route /hello: $r"
echo "$r" | grep -q '^route: /hello$' || fail "route /hello X_MATCHED_ROUTE"
code=$(curl -s -o /dev/null -w '%{http_code}' "$host/hello/below")
[ "$code" = 404 ] || fail "/hello/below (exact route): got $code"
r=$(curl -s -X PUT --data-binary 'abc' "$host/api/v1/items/7")
echo "$r" | grep -q '^script name: /api/v1$' || fail "route /api/v1/...: $r"
echo "$r" | grep -q '^path info: /items/7$' || fail "route PATH_INFO"
echo "$r" | grep -q '^route: /api/v1/...$' || fail "route X_MATCHED_ROUTE"
echo "$r" | grep -q '^method: PUT$' || fail "REQUEST_METHOD PUT"
echo "$r" | grep -q '^body: 3 bytes' || fail "PUT body"
# Grants: env, args, a read-only directory, a writable one.
r=$(curl -s "$host/hello?write=1")
echo "$r" | grep -q '^greeting: hi$' || fail "manifest env: $r"
echo "$r" | grep -q '^argument 1: one$' || fail "manifest args"
echo "$r" | grep -q '^argument 2: two$' || fail "manifest args (2)"
echo "$r" | grep -q '^/data/hello.txt: hello over http' || fail "manifest dirs"
echo "$r" | grep -q '^write /data/written.txt: Read-only file system$' ||
    fail "a directory grant is read-only by default"
[ ! -e "$work/data/written.txt" ] || fail "written through a read-only grant"
r=$(curl -s "$base/writer?write=1")
echo "$r" | grep -q '^write /data/written.txt: ok$' || fail "a writable grant: $r"
[ -e "$work/outdir/written.txt" ] || fail "file written through a writable grant"
r=$(curl -s "$base/cgi_hello?write=1")
echo "$r" | grep -q '^write /data/written.txt: Capabilities insufficient$' ||
    fail "no grants without a manifest: $r"
# Manifest errors: the module does not load; /admin/modules says why.
curl -s "$host/admin/modules" >"$work/admin.json"
python3 - "$work/admin.json" <<'PY' || fail "manifest errors in /admin/modules: $(cat "$work/admin.json")"
import json, sys
mods = {m["name"]: m for m in json.load(open(sys.argv[1]))}
assert "unknown key 'mounts'" in mods["badgrant"]["last_error"], mods["badgrant"]
assert "daemon's own paths" in mods["badroute"]["last_error"], mods["badroute"]
assert mods["granted"]["status"] == "ok", mods["granted"]
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/badgrant")
[ "$code" = 404 ] || fail "/run/badgrant: expected 404, got $code"

# SIGTERM drains and exits 0; under sanitizers, with nothing reported.
kill -TERM "$pid"
wait "$pid"; status=$?
pid=
[ "$status" = 0 ] || fail "exit status after SIGTERM: $status"
! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/log" || fail "sanitizer report"

[ $failures = 0 ] || { echo "--- log"; tail -20 "$work/log"; exit 1; }
echo "ok: CGI over HTTP (port $port)"
