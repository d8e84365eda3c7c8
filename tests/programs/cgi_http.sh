#!/bin/bash
# CGI functions over real HTTP: starts `wafer serve` on a loopback port with
# examples/cgi_hello.wasm (and a manifest granting a directory, a variable and
# arguments) plus the runaway programs of tests/programs/wat, then checks
# status, headers and body, a 1 MB body, stderr lines in the log with the
# request id, and that runaway programs fail their request while the daemon
# keeps serving.
#   cgi_http.sh WAFER EXAMPLES_DIR WAT_DIR OUT_DIR
set -u
wafer=$1 examples=$2 wat=$3 out=$4
command -v curl >/dev/null || { echo "SKIPPED: curl not found"; exit 77; }
work="$out/cgi_http"
rm -rf "$work"; mkdir -p "$work/modules" "$work/data"
cp "$examples/cgi_hello.wasm" "$work/modules/"
cp "$wat/write_forever.wat" "$wat/read_forever.wat" "$wat/spin.wat" "$work/modules/"
echo "hello over http" >"$work/data/hello.txt"
echo secret >"$work/secret.txt"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The manifest's "wasi" key needs server support (manifest.c); without it the
# module would not load, so it is added only when the daemon accepts it.
cat >"$work/grants.json" <<JSON
{"wasi": {"dirs": {"/data": "../data"}, "env": {"GREETING": "hi"}, "args": ["one"]}}
JSON

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
trap cleanup EXIT
for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    "$wafer" serve --listen 127.0.0.1:$port --modules "$work/modules" --workers 2 \
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
base="http://127.0.0.1:$port/fn"

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

sleep 0.3
grep '"guest stderr"' "$work/log" | grep "$id" | grep -q 'cgi_hello: GET request for http' ||
    fail "stderr line with request id $id in the log"

# Grants from the manifest, where the daemon supports them.
cp "$work/grants.json" "$work/modules/cgi_hello.json"
sleep 2
r=$(curl -s "$base/cgi_hello")
if echo "$r" | grep -q '^greeting: hi'; then
    echo "$r" | grep -q '^argument 1: one' || fail "manifest args"
    echo "$r" | grep -q '^/data/hello.txt: hello over http' || fail "manifest dirs"
    echo "ok: manifest grants"
else
    echo "note: manifest \"wasi\" grants not supported by this daemon yet"
fi

[ $failures = 0 ] || { echo "--- log"; tail -20 "$work/log"; exit 1; }
echo "ok: CGI over HTTP (port $port)"
