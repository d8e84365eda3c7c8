#!/usr/bin/env python3
"""Integration test of `wafer serve`: starts the real daemon on a free
loopback port and speaks real HTTP to it (standard library only).

usage: serve_test.py WAFER [--io-threads N] [SECTION...]

Sections: basic abi errors http direct hostile deadline overload admin
sighup reload inline loops shutdown (default: all). --io-threads sets the config's
http.io_threads (default 1). Every section is bounded in time; the daemon is killed at the end
whatever happens. Exit status 0 when every check passed.
"""
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from integration_util import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAILURES = []
CHECKS = [0]


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


# --------------------------------------------------------------- modules --

WAT = {
    "trap": """(module
      (func (export "unreachable") unreachable)
      (func (export "div") (param i32 i32) (result i32)
        (i32.div_s (local.get 0) (local.get 1)))
      (func $r (export "recurse") (param i32) (result i32)
        (call $r (i32.add (local.get 0) (i32.const 1)))))""",
    "loop": """(module
      (func (export "forever") (loop $l (br $l)))
      (func (export "spin") (param i32) (result i32)
        (local i32)
        (loop $l
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 1)))""",
    "fuel": """(module
      (func (export "forever") (loop $l (br $l))))""",
    "sharedgrow": """(module
      (import "env" "memory" (memory 1 65536 shared))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))""",
    "counter": """(module
      (global $n (mut i32) (i32.const 0))
      (func (export "next") (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (global.get $n)))""",
    "types": """(module
      (func (export "i64") (param i64) (result i64) (local.get 0))
      (func (export "f32") (param f32) (result f32) (local.get 0))
      (func (export "f64") (param f64) (result f64) (local.get 0))
      (func (export "multi") (param i32 i64) (result i64 i32)
        (local.get 1) (local.get 0)))""",
    # One shared memory per module version: fresh instances share state.
    "shared": """(module
      (import "env" "memory" (memory 1 1 shared))
      (func (export "inc") (result i32)
        (local i32)
        ;; plain loads and stores: the test calls it one request at a time
        (local.set 0 (i32.load (i32.const 0)))
        (i32.store (i32.const 0) (i32.add (local.get 0) (i32.const 1)))
        (local.get 0)))""",
    # A function module that imports WASI (its output is discarded).
    "wasi_fn": """(module
      (import "wasi_snapshot_preview1" "fd_write"
        (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "hi\\n")
      (func (export "hello") (result i32)
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 3))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.load (i32.const 8))))""",
    # Adapters: bad pointers, bad UTF-8, return pointers with several types.
    "startloop": """(module
      (func $s (loop $l (br $l)))
      (start $s)
      (func (export "f") (result i32) (i32.const 1)))""",
    "cgistart": """(module
      (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
      (memory (export "memory") 1)
      (func $s (loop $l (br $l)))
      (start $s)
      (func (export "_start")))""",
    "bulk": """(module
      (memory 16)
      (func (export "fill") (param i32) (result i32)
        (local i32)
        (if (i32.eqz (local.get 0)) (then (return (i32.const 0))))
        (loop $l
          (memory.fill (i32.const 0) (local.get 1) (i32.const 1048576))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 1)))""",
    "oob": """(module
      (memory 1)
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))""",
    "adapt": """(module
      (memory (export "memory") 1)
      (global $heap (mut i32) (i32.const 4096))
      (data (i32.const 100) "\\ff\\fe")
      (data (i32.const 200) "ok")
      (func $alloc (export "alloc") (param i32) (result i32)
        (local i32)
        (local.set 1 (global.get $heap))
        (global.set $heap (i32.add (global.get $heap) (local.get 0)))
        (local.get 1))
      (func (export "oob") (param i32 i32) (result i32 i32)
        (i32.const 65530) (i32.const 100))
      (func (export "badutf8") (param i32 i32) (result i32 i32)
        (i32.const 100) (i32.const 2))
      (func (export "badret") (result i32) (i32.const -4))
      (func (export "echo") (param i32 i32) (result i32 i32)
        (local.get 0) (local.get 1))
      (func (export "len") (param i32 i32) (result i32) (local.get 1))
      ;; mix(s32, u64, bool, f32, string) -> (string, s64, bool, f64) by return pointer
      (func (export "mix") (param i32 i64 i32 f32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (call $alloc (i32.const 32)))
        (i32.store (local.get $p) (local.get 4))
        (i32.store offset=4 (local.get $p) (local.get 5))
        (i64.store offset=8 (local.get $p) (i64.add (local.get 1) (i64.extend_i32_s (local.get 0))))
        (i32.store8 offset=16 (local.get $p) (i32.eqz (local.get 2)))
        (f64.store offset=24 (local.get $p) (f64.promote_f32 (local.get 3)))
        (local.get $p))
      (func (export "bytes") (param i32 i32) (result i32 i32)
        (local.get 0) (local.get 1))
      ;; post-return is called after the results are read: this one traps
      (func (export "posted") (param i32 i32) (result i32) (local.get 1))
      (func (export "cabi_post_posted") (param i32) unreachable))""",
}

MANIFESTS = {
    "loop": {"limits": {"timeout_ms": 300}},
    "fuel": {"limits": {"fuel": 100000, "timeout_ms": 5000}},
    "counter": {"instance": "reuse"},
    "limited": {"limits": {"max_concurrency": 1, "timeout_ms": 400}},
    "limited2": {"limits": {"max_concurrency": 1, "timeout_ms": 2500}},
    "serial": {"limits": {"max_concurrency": 1}},
    "startloop": {"limits": {"timeout_ms": 300}},
    "cgistart": {"limits": {"timeout_ms": 300}},
    "adapt": {"exports": {
        "oob": {"params": ["string"], "results": ["string"]},
        "badutf8": {"params": ["string"], "results": ["string"]},
        "badret": {"params": [], "results": ["string"]},
        "echo": {"params": ["string"], "results": ["string"]},
        "len": {"params": ["bytes"], "results": ["u32"]},
        "mix": {"params": ["s32", "u64", "bool", "f32", "string"],
                "results": ["string", "s64", "bool", "f64"]},
        "bytes": {"params": ["bytes"], "results": ["bytes"]},
        "posted": {"params": ["string"], "results": ["u32"]},
    }},
}


def wat2wasm(text, out):
    src = out + ".wat"
    with open(src, "w") as f:
        f.write(text)
    subprocess.run(["wat2wasm", "--enable-all", src, "-o", out], check=True)
    os.unlink(src)


def build_modules(d):
    for name, text in WAT.items():
        wat2wasm(text, os.path.join(d, name + ".wasm"))
    wat2wasm(WAT["counter"], os.path.join(d, "fresh.wasm"))
    wat2wasm(WAT["fuel"], os.path.join(d, "limited.wasm"))
    wat2wasm(WAT["fuel"], os.path.join(d, "limited2.wasm"))
    wat2wasm(WAT["fuel"], os.path.join(d, "plain.wasm"))
    wat2wasm(WAT["loop"], os.path.join(d, "pure.wasm"))  # no manifest: no deadline of its own
    for name, manifest in MANIFESTS.items():
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump(manifest, f)
    ex = os.path.join(ROOT, "examples")
    with open(os.path.join(ex, "add.wat")) as f:
        add_wat = f.read()
    wat2wasm(add_wat, os.path.join(d, "add.wasm"))
    wat2wasm(add_wat, os.path.join(d, "serial.wasm"))
    with open(os.path.join(ex, "greet.wat")) as f:
        wat2wasm(f.read(), os.path.join(d, "greet.wasm"))
    shutil.copy(os.path.join(ex, "greet.json"), d)
    shutil.copy(os.path.join(ex, "greet_c.wasm"), d)
    shutil.copy(os.path.join(ex, "greet_c.json"), d)
    if os.path.exists(os.path.join(ex, "cgi_hello.wasm")):
        shutil.copy(os.path.join(ex, "cgi_hello.wasm"), d)
    # greet.c rebuilt from source when clang is here (the committed greet_c.wasm
    # is what `make run` serves without it).
    if shutil.which("clang-14"):
        subprocess.run(["clang-14", "--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry",
                        "-Wl,--export-dynamic", "-o", os.path.join(d, "greet_cc.wasm"),
                        os.path.join(ex, "src", "greet.c")], check=True)
        shutil.copy(os.path.join(ex, "greet_c.json"), os.path.join(d, "greet_cc.json"))
    # Modules that must fail to load, with their errors shown.
    with open(os.path.join(d, "broken.wasm"), "wb") as f:
        f.write(b"\0asm\1\0\0\0\x01\x05garbage")
    wat2wasm(WAT["counter"], os.path.join(d, "badmanifest.wasm"))
    with open(os.path.join(d, "badmanifest.json"), "w") as f:
        f.write('{"instance": "fresh", "colour": "blue"}')


# ------------------------------------------------------------------ HTTP --

class Client:
    """One keep-alive connection with a minimal HTTP/1.1 response reader."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def read_response(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def request(self, method, path, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        h = {"Host": "127.0.0.1", "Content-Length": str(len(body))}
        h.update(headers or {})
        text = "%s %s HTTP/1.1\r\n" % (method, path)
        text += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        self.send(text.encode() + body)
        return self.read_response()

    def closed_by_peer(self, wait=2.0):
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def call(port, path, body=b"", method="POST", headers=None):
    c = Client(port)
    try:
        return c.request(method, path, body, headers)
    finally:
        c.close()


def raw(port, data, wait=3.0):
    """Sends raw bytes; returns the status of the first response (or None)."""
    c = Client(port, timeout=wait)
    try:
        c.send(data)
        try:
            status, _, _ = c.read_response()
            return status
        except (EOFError, socket.timeout, ConnectionResetError):
            return None
    finally:
        c.close()


# ---------------------------------------------------------------- daemon --

class Daemon:
    def __init__(self, wafer, modules, config, workers=2):
        self.wafer = wafer
        self.modules = modules
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wafer-it-")
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump(config, f)
        self.log = open(os.path.join(self.dir, "serve.log"), "w+")
        self.proc = subprocess.Popen(
            [wafer, "serve", "--config", self.config, "--listen", "127.0.0.1:%d" % self.port,
             "--modules", modules, "--workers", str(workers)],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                s, _, _ = call(self.port, "/healthz", method="GET")
                if s == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("daemon did not start")

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, timeout=15):
        """SIGTERM; returns the exit status (or None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


CONFIG = {
    "queue_depth": 64,
    "http": {"io_threads": 1, "max_header_bytes": 8192, "max_body_bytes": 65536,
             "request_timeout_ms": 1000, "idle_timeout_ms": 3000},
    "registry": {"rescan_ms": 50, "settle_ms": 50},
    "limits": {"timeout_ms": 1000},
    "log": {"access": True},
}


# -------------------------------------------------------------- sections --

def section_basic(d):
    s, h, b = call(d.port, "/healthz", method="GET")
    check(s == 200 and json.loads(b)["status"] == "ok", "healthz 200")
    check("x-request-id" in h, "generated X-Request-Id")
    s, h, b = call(d.port, "/healthz", method="GET", headers={"X-Request-Id": "abc-123"})
    check(h.get("x-request-id") == "abc-123", "X-Request-Id echoed")
    call(d.port, "/fn/add/add", "[1,1]")
    s, h, b = call(d.port, "/metrics", method="GET")
    check(s == 200 and b"wafer_http_requests_total" in b, "metrics")
    check(b'wafer_module_calls_total{module="add",outcome="ok"}' in b, "per-module metrics")
    s, h, b = call(d.port, "/admin/modules", method="GET")
    mods = {m["name"]: m for m in json.loads(b)}
    check(s == 200 and mods.get("add", {}).get("status") == "ok", "admin lists add ok")
    check(mods.get("broken", {}).get("status") == "error" and mods["broken"]["last_error"],
          "admin shows broken.wasm's load error")
    check(mods.get("badmanifest", {}).get("status") == "error" and
          "colour" in (mods["badmanifest"]["last_error"] or ""),
          "unknown manifest key is a load error")
    s, _, _ = call(d.port, "/fn/broken/x")
    check(s == 404, "a module that failed to load is 404")
    # A shared memory without a manifest limit is bounded by the config's
    # limits.memory_pages (256 by default), not by its declared 65536.
    over = call(d.port, "/fn/sharedgrow/grow", "[300]")
    fits = call(d.port, "/fn/sharedgrow/grow", "[200]")
    check(over[2] == b"[-1]\n" and fits[2] == b"[1]\n",
          "shared memory bounded by the default memory limit (%r, %r)" % (over[2], fits[2]))


def section_abi(d):
    p = d.port
    s, _, b = call(p, "/fn/add/add", "[2, 3]")
    check(s == 200 and json.loads(b) == [5], "add [2,3] -> [5] (%s %r)" % (s, b))
    s, _, b = call(p, "/fn/add/add", "[2147483647, 1]")
    check(s == 200 and json.loads(b) == [-2147483648], "i32 wraps")
    s, _, b = call(p, "/fn/add/add64", '["9007199254740993", 1]')
    check(s == 200 and json.loads(b) == ["9007199254740994"], "i64 beyond 2^53 as string (%r)" % b)
    s, _, b = call(p, "/fn/add/add64", "[-5, 2]")
    check(s == 200 and json.loads(b) == [-3], "i64 small as number")
    s, _, b = call(p, "/fn/add/addf", "[0.5, 0.25]")
    check(s == 200 and json.loads(b) == [0.75], "f64 add")
    s, _, b = call(p, "/fn/add/addf", '["inf", 1]')
    check(s == 200 and json.loads(b) == ["inf"], "f64 inf")
    s, _, b = call(p, "/fn/add/addf", '["nan", 1]')
    check(s == 200 and json.loads(b) == ["nan"], "f64 nan")
    s, _, b = call(p, "/fn/types/f32", "[1.5]")
    check(s == 200 and json.loads(b) == [1.5], "f32")
    s, _, b = call(p, "/fn/types/multi", "[7, 8]")
    check(s == 200 and json.loads(b) == [8, 7], "multi-value results")
    s, h, b = call(p, "/fn/greet/greet", "World")
    check(s == 200 and b == b"Hello, World!", "greet (WAT) %s %r" % (s, b))
    check(h.get("content-type", "").startswith("text/plain"), "string result is text/plain")
    s, _, b = call(p, "/fn/greet/greet", "Grüße ✓")
    check(s == 200 and b == "Hello, Grüße ✓!".encode(), "greet UTF-8")
    s, _, b = call(p, "/fn/greet_c/greet", "World")
    check(s == 200 and b == b"Hello, World!", "greet (C, return pointer) %s %r" % (s, b))
    if shutil.which("clang-14"):
        s, _, b = call(p, "/fn/greet_cc/greet", "clang")
        check(s == 200 and b == b"Hello, clang!", "greet.c built by clang-14 (%s %r)" % (s, b))
    s, _, b = call(p, "/fn/greet/greet", "x" * 60000)
    check(s == 200 and len(b) == 60008, "greet with a 60 kB body")
    s, _, b = call(p, "/fn/adapt/echo", "")
    check(s == 200 and b == b"", "empty string")
    s, _, b = call(p, "/fn/adapt/len", b"\xff\x00\x01")
    check(s == 200 and json.loads(b) == [3], "bytes argument from the raw body")
    s, h, b = call(p, "/fn/adapt/bytes", b"\xff\x00")
    check(s == 200 and b == b"\xff\x00" and "octet-stream" in h.get("content-type", ""),
          "bytes result")
    s, _, b = call(p, "/fn/adapt/mix", '[-2, "10", false, 2.5, "hé"]')
    check(s == 200 and json.loads(b) == ["hé", 8, True, 2.5],
          "mixed adapter through a return pointer (%s %r)" % (s, b))
    got = [call(p, "/fn/shared/inc")[2] for _ in range(3)]
    check(got == [b"[0]\n", b"[1]\n", b"[2]\n"], "one shared memory per version (%r)" % got)
    s, _, b = call(p, "/fn/wasi_fn/hello")
    check(s == 200 and b == b"[3]\n", "a function importing WASI (%s %r)" % (s, b))
    if os.path.exists(os.path.join(ROOT, "examples", "cgi_hello.wasm")):
        s, _, b = call(p, "/fn/cgi_hello/x/y?q=1", method="GET")
        check(s == 200 and b"path info: /x/y" in b, "CGI module (%s %r)" % (s, b[:80]))
    # Fresh instances: no state carried over. Reuse: state per worker.
    got = [call(p, "/fn/counter/next") for _ in range(5)]
    values = [json.loads(b)[0] for s, _, b in got if s == 200]
    check(len(values) == 5 and max(values) >= 3,
          "reused instance keeps its state per worker (%r)" % values)
    got = [call(p, "/fn/fresh/next")[2] for _ in range(4)]
    check(got == [b"[1]\n"] * 4, "fresh instances share no state (%r)" % got)


def section_errors(d):
    p = d.port
    cases = [
        ("/fn/nope/add", "[1,2]", 404, "unknown module"),
        ("/fn/add/nope", "[1,2]", 404, "unknown function"),
        ("/fn/add/add", "[1,", 400, "invalid JSON"),
        ("/fn/add/add", "{}", 400, "not an array"),
        ("/fn/add/add", "[1]", 400, "too few arguments"),
        ("/fn/add/add", "[1,2,3]", 400, "too many arguments"),
        ("/fn/add/add", '["x", 2]', 400, "wrong type"),
        ("/fn/add/add", "[1.5, 2]", 400, "fraction for i32"),
        ("/fn/add/add", "[4294967296, 2]", 400, "i32 out of range"),
        ("/fn/add/add64", "[9007199254740993, 1]", 400, "unsafe integer as a number"),
        ("/fn/adapt/mix", '[1, -1, false, 1, "x"]', 400, "negative u64"),
        ("/fn/adapt/mix", '[1, 1, 3, 1, "x"]', 400, "bool not a boolean"),
        ("/fn/trap/unreachable", "[]", 500, "unreachable trap"),
        ("/fn/trap/div", "[1, 0]", 500, "divide by zero trap"),
        ("/fn/trap/recurse", "[0]", 500, "call stack exhausted"),
        ("/fn/adapt/oob", "x", 500, "out-of-bounds result pointer"),
        ("/fn/adapt/badret", "", 500, "out-of-bounds return pointer"),
        ("/fn/adapt/badutf8", "x", 500, "invalid UTF-8 result"),
        ("/fn/adapt/posted", "x", 500, "cabi_post_ called (and trapping)"),
        ("/fn/fuel/forever", "[]", 504, "fuel exhausted"),
        ("/fn/loop/forever", "[]", 504, "deadline"),
    ]
    for path, body, want, what in cases:
        s, h, b = call(p, path, body)
        check(s == want, "%s: %s -> %s, expected %s (%r)" % (what, path, s, want, b[:200]))
        if s >= 500:
            try:
                e = json.loads(b)
                check(all(k in e for k in ("error", "trap", "module", "function")),
                      "%s: JSON error body %r" % (what, b))
            except ValueError:
                check(False, "%s: JSON error body %r" % (what, b))
    s, _, b = call(p, "/fn/greet/greet", b"\xff\xfe")
    check(s == 400, "invalid UTF-8 string argument -> 400")
    s, h, _ = call(p, "/fn/add/add", method="GET")
    check(s == 405 and "allow" in h, "GET on a function -> 405")
    s, _, _ = call(p, "/nowhere", method="GET")
    check(s == 404, "unknown path -> 404")


def section_http(d):
    p = d.port
    # Keep-alive: many requests on one connection.
    c = Client(p)
    ok = all(c.request("POST", "/fn/add/add", "[%d,1]" % i)[2] == b"[%d]\n" % (i + 1)
             for i in range(50))
    check(ok, "50 requests on one keep-alive connection")
    # Pipelining: responses in request order, even when the first is slow.
    reqs = b""
    for i in range(10):
        body = b"[%d, 1]" % i
        path = b"/fn/loop/spin" if i == 0 else b"/fn/add/add"
        if i == 0:
            body = b"[3000000]"
        reqs += b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    c.send(reqs)
    got = [c.read_response() for _ in range(10)]
    check(got[0][0] in (200, 504), "pipelined slow request first")
    check([g[2] for g in got[1:]] == [b"[%d]\n" % (i + 1) for i in range(1, 10)],
          "pipelined responses in order")
    c.close()
    # Chunked request body.
    c = Client(p)
    c.send(b"POST /fn/greet/greet HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"3\r\nWor\r\n2\r\nld\r\n0\r\n\r\n")
    s, _, b = c.read_response()
    check(s == 200 and b == b"Hello, World!", "chunked body (%s %r)" % (s, b))
    c.close()
    # HTTP/1.0 without keep-alive closes after the response.
    c = Client(p)
    c.send(b"GET /healthz HTTP/1.0\r\n\r\n")
    s, h, _ = c.read_response()
    check(s == 200 and c.closed_by_peer(), "HTTP/1.0 closes")
    c.close()
    # Limits.
    check(raw(p, b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n") == 431,
          "huge header -> 431")
    check(raw(p, b"POST /fn/greet/greet HTTP/1.1\r\nContent-Length: 100000\r\n\r\n") == 413,
          "Content-Length over the limit -> 413")
    chunk = b"%x\r\n" % 40000 + b"a" * 40000 + b"\r\n"
    check(raw(p, b"POST /fn/greet/greet HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
              + chunk + chunk + b"0\r\n\r\n") == 413, "chunked body over the limit -> 413")
    t0 = time.time()
    check(raw(p, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait=5) == 408, "slow headers -> 408")
    check(time.time() - t0 < 3, "408 within the request timeout")
    check(raw(p, b"POST /fn/add/add HTTP/1.1\r\nContent-Length: 10\r\n\r\n[1,", wait=5) == 408,
          "slow body -> 408")
    # Expect: 100-continue.
    c = Client(p)
    c.send(b"POST /fn/greet/greet HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
           b"Expect: 100-continue\r\n\r\n")
    s, _, _ = c.read_response()
    check(s == 100, "100 Continue")
    c.send(b"Jo")
    s, _, b = c.read_response()
    check(s == 200 and b == b"Hello, Jo!", "body after 100 Continue")
    c.close()


def section_direct(d):
    """Responses that workers send themselves (http.h, direct responses)."""
    p = d.port
    # A run of pipelined fast calls: each may be sent by whichever worker ran it, and they
    # must still arrive whole and in order.
    c = Client(p)
    for rnd in range(20):
        reqs = b"".join(b"POST /fn/add/add HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(b), b) for b in (b"[%d,%d]" % (rnd, i) for i in range(16)))
        c.send(reqs)
        got = [c.read_response() for _ in range(16)]
        if [g[2] for g in got] != [b"[%d]\n" % (rnd + i) for i in range(16)]:
            break
    check([g[2] for g in got] == [b"[%d]\n" % (rnd + i) for i in range(16)],
          "20 rounds of 16 pipelined calls answered in order")
    c.close()
    # Slow and fast calls interleaved on one connection.
    c = Client(p)
    reqs = b""
    for i in range(12):
        path, body = (b"/fn/loop/spin", b"[200000]") if i % 3 == 0 else (b"/fn/add/add", b"[%d,1]" % i)
        reqs += b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    c.send(reqs)
    got = [c.read_response() for _ in range(12)]
    check(all(got[i][0] == 200 and (i % 3 == 0 or got[i][2] == b"[%d]\n" % (i + 1))
              for i in range(12)), "slow and fast pipelined calls answered in order")
    c.close()
    # Responses larger than the socket takes at once: a client with a small receive buffer
    # that reads late gets every byte, in order (the loop sends what the worker could not).
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.settimeout(10)
    c.connect(("127.0.0.1", p))
    names = [bytes([65 + i]) * 60000 for i in range(6)]
    c.sendall(b"".join(b"POST /fn/greet/greet HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                       % len(n) + n for n in names))
    time.sleep(0.5)
    reader = Client.__new__(Client)
    reader.sock, reader.buf = c, b""
    got = [reader.read_response() for _ in names]
    check([g[2] for g in got] == [b"Hello, " + n + b"!" for n in names],
          "large pipelined responses through a small receive buffer arrive whole and in order")
    c.close()
    # A client that leaves while its call runs: the socket must not be reused by a new
    # connection before the worker is done with it, so nobody gets another's answer.
    def dropped_spins():
        return sum(1 for line in d.log_text().splitlines()
                   if '"path":"/fn/loop/spin"' in line and '"status":499' in line)
    dropped_before = dropped_spins()
    gone = []
    for _ in range(4):
        g = Client(p)
        g.send(b"POST /fn/loop/spin HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n[20000000]")
        gone.append(g)
    time.sleep(0.05)
    for g in gone:  # reset, not a half-close (which the daemon still answers)
        g.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        g.close()
    others = [Client(p) for _ in range(8)]
    ok = True
    for i, o in enumerate(others):
        s, _, b = o.request("POST", "/fn/add/add", "[%d,100]" % i)
        ok = ok and s == 200 and b == b"[%d]\n" % (i + 100)
    time.sleep(0.5)  # the abandoned calls finish (or time out) meanwhile
    for o in others:
        o.sock.settimeout(0.2)
        try:
            extra = o.sock.recv(65536)
        except socket.timeout:
            extra = b""
        ok = ok and extra == b"" and o.buf == b""
        o.close()
    check(ok, "connections opened after others left get only their own answers")
    dropped = dropped_spins() - dropped_before
    check(dropped == 4, "the 4 calls whose clients left are logged 499 (%d)" % dropped)
    s, _, b = call(p, "/fn/add/add", "[1,2]")
    check(s == 200 and b == b"[3]\n", "serving after abandoned calls")


def section_admin(d, modules):
    """With admin.token set, /admin/modules needs exactly that bearer token."""
    token = "s3cret-Token_42"
    d2 = Daemon(d.wafer, modules, dict(CONFIG, admin={"token": token}), workers=1)
    try:
        def status(headers):
            return call(d2.port, "/admin/modules", method="GET", headers=headers)[0]
        check(status(None) == 401, "admin without a token -> 401")
        for wrong in ("s3cret-Token_43", "s3cret-Token_4", token + "x", "", "S3CRET-TOKEN_42"):
            check(status({"Authorization": "Bearer " + wrong}) == 401,
                  "admin with a wrong token %r -> 401" % wrong)
        check(status({"Authorization": "Basic " + token}) == 401, "admin with another scheme -> 401")
        check(status({"Authorization": "Bearer " + token}) == 200, "admin with the token -> 200")
        check(status({"Authorization": "bearer " + token}) == 200, "the scheme is case-insensitive")
    finally:
        check(d2.stop() == 0, "admin daemon exits 0")


def hostile_requests():
    """A few hundred malformed or hostile requests with the statuses allowed."""
    out = []
    bad_lines = [b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b" / HTTP/1.1\r\n\r\n",
                 b"GET / HTTP/1.1 extra\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                 b"GET /\x7f HTTP/1.1\r\n\r\n", b"GET / HTP/1.1\r\n\r\n",
                 b"G@T / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                 b"GET / HTTP/1.1\r\n: empty\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"]
    for i, line in enumerate(bad_lines):
        for _ in range(6):
            # (a truncated chunk waits for the rest: 408)
            out.append((line, {400, 408, 413, 505, None}, "bad request %d" % i))
    import random
    rnd = random.Random(1)
    base = b"POST /fn/add/add HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n[1,2]"
    for i in range(150):
        b = bytearray(base)
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        out.append((bytes(b), {200, 400, 404, 405, 408, 413, 431, 505, None},
                    "mutated request %d" % i))
    for n in (9000, 20000, 100000):
        out.append((b"GET /" + b"a" * n + b" HTTP/1.1\r\n\r\n", {431, None}, "long URL %d" % n))
        out.append((b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * (n // 6) + b"\r\n", {431, None},
                    "many headers %d" % n))
    for body in (b"[", b"[1,2,3]", b"[\"a\",1]", b"null", b"[1e999, 1]", b"[[1],2]",
                 b"\xff\xfe", b"[true,false]", b"[1,2]" * 1000):
        req = b"POST /fn/add/add HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        out.append((req, {400}, "bad arguments %r" % body[:20]))
    return out


def section_hostile(d):
    p = d.port
    bad = 0
    reqs = hostile_requests()
    for data, allowed, what in reqs:
        s = raw(p, data, wait=3)
        if s not in allowed:
            bad += 1
            check(False, "%s -> %s, expected one of %s" % (what, s, sorted(x for x in allowed if x)))
        if len(reqs) and reqs.index((data, allowed, what)) % 25 == 0:
            s2, _, b2 = call(p, "/fn/add/add", "[1,1]")
            check(s2 == 200 and b2 == b"[2]\n", "serving good requests during hostile ones")
    # Clients that leave while their call runs, or with pipelined calls queued.
    for _ in range(5):
        c = Client(p)
        c.send(b"POST /fn/loop/forever HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]" * 3)
        c.close()
    c = Client(p)
    c.send(b"POST /fn/loop/spin HTTP/1.1\r\nContent-Length: 9\r\n\r\n[3000000]"
           b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    s2, _, _ = c.read_response()
    s3, _, _ = c.read_response()
    check(s2 in (200, 504) and s3 == 400 and c.closed_by_peer(),
          "a bad request behind a running one: answered in order, then closed (%s %s)" % (s2, s3))
    c.close()
    time.sleep(0.5)
    s2, _, b2 = call(p, "/fn/add/add", "[3,3]")
    check(s2 == 200 and b2 == b"[6]\n", "serving after clients left mid-call")
    # Slowloris: many connections dribbling headers, while good requests go on.
    slow = []
    for _ in range(20):
        c = Client(p)
        c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(c)
    s2, _, b2 = call(p, "/fn/add/add", "[2,2]")
    check(s2 == 200 and b2 == b"[4]\n", "serving during slowloris")
    time.sleep(1.3)
    answered = 0
    for c in slow:
        try:
            answered += c.read_response()[0] == 408
        except (EOFError, OSError):
            pass
        c.close()
    check(answered == len(slow), "every slowloris connection got 408 (%d)" % answered)
    print("hostile: %d requests, %d unexpected" % (len(reqs), bad), flush=True)
    s2, _, b2 = call(p, "/healthz", method="GET")
    check(s2 == 200, "still healthy after hostile requests")


def section_deadline(d):
    p = d.port
    results = {}

    def looper():
        t0 = time.time()
        s, _, b = call(p, "/fn/loop/forever", "[]")
        results["loop"] = (s, time.time() - t0, b)

    t = threading.Thread(target=looper)
    t.start()
    time.sleep(0.02)
    ok = 0
    n = 0
    t0 = time.time()
    while t.is_alive() and time.time() - t0 < 3:
        s, _, b = call(p, "/fn/add/add", "[1,2]")
        n += 1
        ok += s == 200 and b == b"[3]\n"
    t.join(5)
    s, elapsed, b = results.get("loop", (None, 99, b""))
    check(s == 504, "infinite loop -> 504 (%s %r)" % (s, b))
    check(elapsed < 0.3 + 0.1, "504 within deadline + 100 ms (%.3f s)" % elapsed)
    check(n > 0 and ok == n, "other module kept answering: %d/%d" % (ok, n))
    print("deadline: 504 after %.1f ms (deadline 300 ms); %d/%d other requests ok meanwhile"
          % (elapsed * 1000, ok, n), flush=True)
    # Several at once: workers are freed and serve again.
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda _: call(p, "/fn/loop/forever", "[]")[0], range(4)))
    check(got == [504] * 4, "four loops at once all 504: %s" % got)
    s, _, _ = call(p, "/fn/add/add", "[1,2]")
    check(s == 200, "workers serve after timeouts")
    # A start function that never returns is stopped by the same deadline.
    t0 = time.time()
    s, _, b = call(p, "/fn/startloop/f", "[]")
    took = time.time() - t0
    check(s == 504 and took < 0.3 + 0.5, "looping start function -> 504 at its deadline "
          "(%s in %.3f s, %r)" % (s, took, b[:100]))
    t0 = time.time()
    s, _, b = call(p, "/run/cgistart", method="GET")
    took = time.time() - t0
    check(s == 504 and took < 0.3 + 0.5, "a CGI module's looping start function -> 504 "
          "(%s in %.3f s, %r)" % (s, took, b[:100]))


def section_overload(d, modules):
    p = d.port
    # max_concurrency 1: a second call while one runs gets 429.
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        a = ex.submit(call, p, "/fn/limited/forever", "[]")
        time.sleep(0.1)
        b = ex.submit(call, p, "/fn/limited/forever", "[]")
        got = sorted([a.result()[0], b.result()[0]])
    check(got == [429, 504], "max_concurrency 1: one 504, one 429 (%s)" % got)
    # One client calling one after the other never exceeds max_concurrency 1:
    # a call no longer counts once its answer has left.
    c = Client(p)
    try:
        statuses = [c.request("POST", "/fn/serial/add", "[1,2]")[0] for _ in range(300)]
    finally:
        c.close()
    check(statuses.count(200) == 300, "max_concurrency 1, calls in sequence: all 200 (%s)"
          % {st: statuses.count(st) for st in set(statuses)})
    # The count carries over a reload: a call running on the old version still counts.
    def version_of(name):
        s, _, b = call(p, "/admin/modules", method="GET")
        return [m["version"] for m in json.loads(b) if m["name"] == name][0] if s == 200 else None
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        before = version_of("limited2")
        a = ex.submit(call, p, "/fn/limited2/forever", "[]")
        time.sleep(0.1)
        with open(os.path.join(modules, "limited2.json"), "w") as f:
            json.dump(MANIFESTS["limited2"], f, indent=1)  # other bytes, same limits
        deadline = time.time() + 1.5
        while version_of("limited2") == before and time.time() < deadline:
            time.sleep(0.05)
        reloaded = version_of("limited2") != before
        b = call(p, "/fn/limited2/forever", "[]")[0]
        check(reloaded and b == 429 and a.result()[0] == 504,
              "max_concurrency counts calls on the old version after a reload "
              "(reloaded %s, second call %s)" % (reloaded, b))
    # A full queue: one worker, queue_depth 1 -> the third concurrent call gets 503.
    d2 = Daemon(d.wafer, modules, dict(CONFIG, queue_depth=1), workers=1)
    try:
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            futs = []
            for _ in range(3):
                # plain: the config's 1000 ms deadline, so the first call is
                # still running when the third arrives
                futs.append(ex.submit(call, d2.port, "/fn/plain/forever", "[]"))
                time.sleep(0.15)
            res = [f.result() for f in futs]
        got = sorted(r[0] for r in res)
        check(got == [503, 504, 504], "full queue -> 503 (%s)" % got)
        check(any("retry-after" in r[1] for r in res if r[0] == 503), "503 has Retry-After")
    finally:
        check(d2.stop() == 0, "second daemon exits 0")


def section_sighup(d, modules):
    p = d.port
    t0 = time.time()
    s, _, _ = call(p, "/fn/plain/forever", "[]")
    first = time.time() - t0
    check(s == 504 and 0.9 < first < 1.8, "config deadline 1000 ms (%.3f s)" % first)
    with open(d.config, "w") as f:
        json.dump(dict(CONFIG, limits={"timeout_ms": 150}), f)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    t0 = time.time()
    s, _, _ = call(p, "/fn/plain/forever", "[]")
    second = time.time() - t0
    check(s == 504 and second < 0.8, "after SIGHUP: deadline 150 ms (%.3f s)" % second)
    check("config reloaded" in d.log_text(), "config reload logged")
    with open(d.config, "w") as f:
        f.write('{"limits": {"timeout_ms": "soon"}}')
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    check("config reload failed" in d.log_text(), "a bad config on SIGHUP is refused")
    s, _, _ = call(p, "/healthz", method="GET")
    check(s == 200, "serving after a refused reload")
    with open(d.config, "w") as f:
        json.dump(CONFIG, f)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.2)


def write_module(path, wat_text, atomic):
    tmp = path + ".tmp"
    wat2wasm(wat_text, tmp)
    if atomic:
        os.rename(tmp, path)
    else:
        # In place, in two halves with a pause: a half-written file.
        with open(tmp, "rb") as f:
            data = f.read()
        os.unlink(tmp)
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(0.01)
            f.write(data[len(data) // 2:])


def section_reload(d, modules):
    p = d.port
    path = os.path.join(modules, "ver.wasm")
    versions = ['(module (func (export "f") (param i32 i32) (result i32) '
                '(i32.add (i32.add (local.get 0) (local.get 1)) (i32.const %d))))' % k
                for k in (0, 1000)]
    write_module(path, versions[0], True)
    deadline = time.time() + 3
    while time.time() < deadline and call(p, "/fn/ver/f", "[1,2]")[0] != 200:
        time.sleep(0.05)
    check(call(p, "/fn/ver/f", "[1,2]")[2] == b"[3]\n", "new module picked up")
    stop = threading.Event()
    stats = {"ok": 0, "bad": [], "seen": set()}
    lock = threading.Lock()

    def client():
        c = Client(p)
        i = 0
        while not stop.is_set():
            i += 1
            try:
                s, _, b = c.request("POST", "/fn/ver/f", "[%d,1]" % i)
            except (OSError, EOFError) as e:
                with lock:
                    stats["bad"].append(repr(e))
                c = Client(p)
                continue
            with lock:
                if s == 200 and json.loads(b)[0] in (i + 1, i + 1001):
                    stats["ok"] += 1
                    stats["seen"].add(json.loads(b)[0] - i - 1)
                else:
                    stats["bad"].append((s, b[:100]))
        c.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    t0 = time.time()
    for k in range(20):
        write_module(path, versions[(k + 1) % 2], atomic=(k % 2 == 0))
        time.sleep(0.25)
    stop.set()
    for t in threads:
        t.join(10)
    elapsed = time.time() - t0
    _, _, b = call(p, "/admin/modules", method="GET")
    ver = [m for m in json.loads(b) if m["name"] == "ver"][0]
    check(not stats["bad"], "zero failed requests during 20 reloads: %s" % stats["bad"][:5])
    check(stats["seen"] == {0, 1000}, "responses from both versions: %s" % stats["seen"])
    check(ver["version"] >= 15, "versions loaded: %s" % ver["version"])
    check("garbage" not in d.log_text(), "no half-written file loaded")
    print("reload: 20 replacements in %.1f s, %d requests ok, %d failed, version now %s, "
          "load failures %d" % (elapsed, stats["ok"], len(stats["bad"]), ver["version"],
                                d.log_text().count("module load failed") - 2), flush=True)
    # Deleting the file: its routes answer 404.
    os.unlink(path)
    deadline = time.time() + 3
    s = 200
    while time.time() < deadline and s != 404:
        time.sleep(0.05)
        s = call(p, "/fn/ver/f", "[1,2]")[0]
    check(s == 404, "deleted module -> 404")
    # A broken replacement keeps the old version serving.
    write_module(os.path.join(modules, "keep.wasm"), versions[0], True)
    deadline = time.time() + 3
    while time.time() < deadline and call(p, "/fn/keep/f", "[1,2]")[0] != 200:
        time.sleep(0.05)
    with open(os.path.join(modules, "keep.wasm"), "wb") as f:
        f.write(b"\0asm\1\0\0\0\xff")
    time.sleep(0.6)
    s, _, b = call(p, "/fn/keep/f", "[1,2]")
    check(s == 200 and b == b"[3]\n", "failed reload keeps the old version serving")
    _, _, b = call(p, "/admin/modules", method="GET")
    keep = [m for m in json.loads(b) if m["name"] == "keep"][0]
    check(keep["status"] == "stale" and keep["last_error"], "failed reload shown: %s" % keep)


def metric(port, name):
    s, _, b = call(port, "/metrics", method="GET")
    for line in b.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def section_inline(d):
    """Short calls of modules without imports run on the I/O loop (after one
    short call on a worker); a call that runs out of the inline fuel runs
    again on a worker, with the same answer; traps answer as on a worker."""
    p = d.port
    calls0, fallbacks0 = metric(p, "wafer_inline_calls_total"), metric(p, "wafer_inline_fallbacks_total")
    check(calls0 is not None and fallbacks0 is not None, "inline metrics exported")
    def learn(path, args):
        """Calls go to a worker until one of them was short (under 1 ms: on a
        loaded machine that may take a few); then every one runs inline. The
        answers until then."""
        before, got = metric(p, "wafer_inline_calls_total"), []
        while len(got) < 10 and metric(p, "wafer_inline_calls_total") == before:
            got.append(call(p, path, args))
        return got

    got = learn("/fn/pure/spin", "[10]")
    calls0 = metric(p, "wafer_inline_calls_total")
    got += [call(p, "/fn/pure/spin", "[10]") for _ in range(20)]
    check(all(s == 200 and json.loads(b) == [10] for s, _, b in got), "spin [10] answers [10]")
    calls1 = metric(p, "wafer_inline_calls_total")
    check(calls1 - calls0 == 20, "once learned, 20 calls ran inline (%s)" % (calls1 - calls0))
    # Far more than the inline fuel: handed to a worker, which runs it whole.
    s, h, b = call(p, "/fn/pure/spin", "[3000000]")
    check(s == 200 and json.loads(b) == [3000000],
          "a long call falls back to a worker with the right answer (%s %r)" % (s, b[:80]))
    check(metric(p, "wafer_inline_fallbacks_total") - fallbacks0 == 1, "one fallback counted")
    s, _, b = call(p, "/fn/pure/spin", "[10]")
    check(s == 200 and json.loads(b) == [10] and metric(p, "wafer_inline_calls_total") == calls1 + 1,
          "after a fallback the module's calls go to the workers")
    # Few branches but long (400 MiB of memory.fill: bulk instructions burn
    # fuel by their size): out of the inline fuel, run again on a worker.
    got = learn("/fn/bulk/fill", "[0]")
    check(all(s == 200 and json.loads(b) == [0] for s, _, b in got), "bulk fill [0] = [0]")
    fallbacks1 = metric(p, "wafer_inline_fallbacks_total")
    s, _, b = call(p, "/fn/bulk/fill", "[400]")
    check(s == 200 and json.loads(b) == [400] and
          metric(p, "wafer_inline_fallbacks_total") == fallbacks1 + 1,
          "a long bulk-memory call falls back to a worker (%s %r)" % (s, b[:80]))
    # Traps inline answer as they do on a worker: division, and memory out of
    # bounds (a guard-page fault on the loop's thread).
    for path, good, result, bad, words in (("/fn/trap/div", "[9,3]", [3], "[1,0]", "divide by zero"),
                                           ("/fn/oob/load", "[0]", [0], "[70000]", "out of bounds")):
        got = learn(path, good)
        check(all(s == 200 and json.loads(b) == result for s, _, b in got),
              "%s %s = %s" % (path, good, result))
        for _ in range(3):
            s, h, b = call(p, path, bad)
        check(s == 500 and words in b.decode(), "inline %s %s: 500 %s (%s %r)"
              % (path, bad, words, s, b[:120]))
    s, _, b = call(p, "/fn/add/add", "[2,3]")
    check(s == 200 and json.loads(b) == [5], "still serving after inline traps")


def section_loops(d):
    """Several I/O loops: connections spread over them (each loop's request
    ids carry its own seed, the first 8 hex digits), every loop answers
    calls, ids stay unique, a reload reaches every loop, and a second daemon
    cannot share the port."""
    p = d.port
    loops = CONFIG["http"].get("io_threads", 1)
    clients = [Client(p) for _ in range(32)]
    ids, seeds, ok = set(), {}, 0
    try:
        for round_ in range(3):
            for i, c in enumerate(clients):
                s, h, b = c.request("POST", "/fn/add/add", "[%d,%d]" % (i, round_))
                ok += s == 200 and json.loads(b) == [i + round_]
                rid = h.get("x-request-id", "")
                ids.add(rid)
                seeds.setdefault(rid[:8], set()).add(i)
    finally:
        for c in clients:
            c.close()
    check(ok == 96, "calls over 32 connections: %d/96 right" % ok)
    check(len(ids) == 96, "request ids unique across loops (%d distinct)" % len(ids))
    check(len(seeds) == loops, "connections served by %d loops, expected %d" % (len(seeds), loops))
    check(all(len(set(v)) == len(v) for v in seeds.values()), "a connection stays on its loop")
    # A reload reaches every loop: a smaller body limit, seen on each.
    with open(d.config, "w") as f:
        json.dump(dict(CONFIG, http=dict(CONFIG["http"], max_body_bytes=100)), f)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    statuses, reached = [], set()
    for _ in range(32):
        s, h, _ = call(p, "/fn/add/add", "[" + " " * 200 + "1,2]")
        statuses.append(s)
        reached.add(h.get("x-request-id", "")[:8])
    check(statuses.count(413) == 32, "after SIGHUP every loop answers 413 over the new limit: %s"
          % sorted(set(statuses)))
    check(len(reached) == loops, "the reload was seen on %d loops, expected %d"
          % (len(reached), loops))
    with open(d.config, "w") as f:
        json.dump(CONFIG, f)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    # A second daemon on the same port is refused, and the first keeps serving.
    other = subprocess.run([d.wafer, "serve", "--config", d.config, "--listen",
                            "127.0.0.1:%d" % p, "--modules", d.modules],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    out = other.stdout.decode(errors="replace")
    check(other.returncode != 0 and "address already in use" in out,
          "a second daemon on the port fails: rc %d, %r" % (other.returncode, out[-200:]))
    s, _, b = call(p, "/fn/add/add", "[2,3]")
    check(s == 200 and json.loads(b) == [5], "still serving after the second daemon failed")


def section_shutdown(d):
    p = d.port
    results = {}

    def slow():
        results["spin"] = call(p, "/fn/loop/spin", "[2000000]")[0]

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.05)
    t0 = time.time()
    rc = d.stop()
    t.join(5)
    check(rc == 0, "SIGTERM: exit status 0 (got %s)" % rc)
    check(results.get("spin") in (200, 504), "in-flight request finished during drain: %s"
          % results.get("spin"))
    check(time.time() - t0 < 5, "drained in time")
    try:
        call(p, "/healthz", method="GET")
        check(False, "not listening after shutdown")
    except OSError:
        pass
    log = d.log_text()
    check("ERROR: LeakSanitizer" not in log and "ERROR: AddressSanitizer" not in log,
          "no sanitizer report")


def main():
    wafer = sys.argv[1]
    args = sys.argv[2:]
    if args[:1] == ["--io-threads"]:
        CONFIG["http"]["io_threads"] = int(args[1])
        args = args[2:]
    sections = args or ["basic", "abi", "errors", "http", "direct", "hostile", "deadline",
                        "overload", "admin", "sighup", "reload", "inline", "loops", "shutdown"]
    modules = tempfile.mkdtemp(prefix="wafer-modules-")
    build_modules(modules)
    d = Daemon(wafer, modules, CONFIG)
    try:
        for name in sections:
            if name == "shutdown":
                continue
            t0 = time.time()
            print("== %s" % name, flush=True)
            try:
                fn = globals()["section_" + name]
                if name in ("reload", "overload", "sighup", "admin"):
                    fn(d, modules)
                else:
                    fn(d)
            except Exception as e:  # a section's crash is a failure, not the end
                check(False, "%s: exception %r" % (name, e))
            print("   %.1f s" % (time.time() - t0), flush=True)
        if "shutdown" in sections:
            print("== shutdown", flush=True)
            section_shutdown(d)
    finally:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        log = d.log_text()
        if FAILURES:
            print("---- daemon log (tail) ----")
            print(log[-4000:])
        if os.environ.get("WF_KEEP_LOGS"):
            print("daemon log kept in", d.log.name)
        else:
            shutil.rmtree(modules, ignore_errors=True)
            shutil.rmtree(d.dir, ignore_errors=True)
    print("%d passed, %d failed" % (CHECKS[0] - len(FAILURES), len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
