#!/usr/bin/env python3
"""Integration test of shared memory and atomics across the worker pool
(threads proposal): the real daemon with 2 workers serving
examples/counter.wat and examples/mailbox.wat (+ mailbox.json) on a free
loopback port, spoken to over real HTTP.

usage: threads_test.py WAFER [SECONDS]

- counter: wrk -t2 -c64 -dSECONDS (default 3) on POST /fn/counter/next; the
  final counter (GET of "get") must equal exactly the number of 2xx answers
  to "next" the daemon sent (its access log), and wrk's own 2xx count must
  not exceed it (wrk drops the answers still in flight when it stops).
- mailbox: a waiting take gets the value a later post sends; a take with no
  post answers [-1] at its timeout; a take whose request deadline
  (timeout_ms 3000 in mailbox.json) passes gets 504 while other requests are
  answered normally meanwhile, and the mailbox works afterwards.
Skipped (77) without wrk. Exit status 0 when every check passed.
"""
import concurrent.futures
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from integration_util import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAILURES = []


def check(cond, what):
    print(("ok:   " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def call(port, module, export, args, timeout=30):
    """POSTs a JSON call; returns (status, parsed body or text, seconds)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/fn/%s/%s" % (module, export), json.dumps(args),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        try:
            body = json.loads(body)
        except ValueError:
            pass
        return resp.status, body, time.monotonic() - start
    finally:
        conn.close()


def count_access(log_path, path, status):
    n = 0
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("msg") == "request" and rec.get("path") == path and \
                    rec.get("status") == status:
                n += 1
    return n


def test_counter(port, work, log_path, seconds):
    lua = os.path.join(work, "next.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = "[]"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                'local threads = {}\n'
                'function setup(thread) table.insert(threads, thread) end\n'
                'ok = 0\n'
                'function response(status, headers, body)\n'
                '  if status >= 200 and status < 300 then ok = ok + 1 end\nend\n'
                'function done(summary, latency, requests)\n'
                '  local total = 0\n'
                '  for _, t in ipairs(threads) do total = total + t:get("ok") end\n'
                '  io.write(string.format("wrk_2xx %d\\n", total))\nend\n')
    out = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % seconds, "-s", lua,
                          "http://127.0.0.1:%d/fn/counter/next" % port],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    print(out.strip(), flush=True)
    wrk_ok = [int(l.split()[1]) for l in out.splitlines() if l.startswith("wrk_2xx")]
    time.sleep(0.5)  # answers in flight when wrk stopped are finished and logged
    status, body, _ = call(port, "counter", "get", [])
    check(status == 200 and isinstance(body, list), "counter get answers 200 [n]")
    final = body[0] if isinstance(body, list) else -1
    served = count_access(log_path, "/fn/counter/next", 200)
    # Calls whose client left before the answer went out (wrk stopping) ran
    # all the same, and are logged 499.
    dropped = count_access(log_path, "/fn/counter/next", 499)
    others = sum(count_access(log_path, "/fn/counter/next", s) for s in (500, 503, 504))
    print("counter: final %d, 2xx sent by the daemon %d, dropped (499) %d, 2xx read by wrk %s, "
          "non-2xx %d" % (final, served, dropped, wrk_ok[0] if wrk_ok else "?", others),
          flush=True)
    check(served > 0, "wrk got answers")
    check(final == served + dropped, "final counter %d == 2xx answers %d + dropped %d"
          % (final, served, dropped))
    check(bool(wrk_ok) and wrk_ok[0] <= served and served - wrk_ok[0] <= 64,
          "wrk's 2xx count is the daemon's minus at most the 64 in flight")


def test_mailbox(port):
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    # A waiter gets the value posted after it started waiting.
    waiter = pool.submit(call, port, "mailbox", "take", [5000])
    time.sleep(0.5)
    status, body, _ = call(port, "mailbox", "post", [42])
    check(status == 200 and body == [1], "post wakes the one waiter (got %s %s)" % (status, body))
    status, body, took = waiter.result(timeout=10)
    check(status == 200 and body == [42] and took < 2.0,
          "the waiter gets the posted value 42 (got %s %s in %.2fs)" % (status, body, took))

    # No post: a timeout result at the timeout.
    status, body, took = call(port, "mailbox", "take", [400])
    check(status == 200 and body == [-1] and 0.35 <= took < 2.0,
          "take with no post answers [-1] after its 400 ms timeout (got %s %s in %.2fs)"
          % (status, body, took))

    # A waiter past its request deadline (3000 ms) gets 504; meanwhile the
    # other worker answers counter calls and a short take normally.
    late = pool.submit(call, port, "mailbox", "take", [60000])
    time.sleep(0.3)
    fine = True
    for _ in range(20):
        status, body, _ = call(port, "counter", "next", [])
        fine = fine and status == 200
    check(fine, "counter calls answer 200 while a take waits")
    status, body, took = call(port, "mailbox", "take", [300])
    check(status == 200 and body == [-1] and took < 2.0,
          "a short take times out normally meanwhile (got %s %s in %.2fs)" % (status, body, took))
    status, body, took = late.result(timeout=20)
    check(status == 504 and 2.5 <= took < 6.0,
          "the waiter past its deadline gets 504 at about 3 s (got %s in %.2fs)" % (status, took))

    # The mailbox still works afterwards.
    waiter = pool.submit(call, port, "mailbox", "take", [5000])
    time.sleep(0.3)
    call(port, "mailbox", "post", [7])
    status, body, _ = waiter.result(timeout=10)
    check(status == 200 and body == [7], "post and take work after the 504 (got %s %s)"
          % (status, body))
    pool.shutdown()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    wafer = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if not shutil.which("wrk"):
        print("skipped: wrk not found")
        return 77
    work = tempfile.mkdtemp(prefix="wafer-threads-")
    modules = os.path.join(work, "modules")
    os.mkdir(modules)
    for name in ("counter.wat", "mailbox.wat", "mailbox.json"):
        shutil.copy(os.path.join(ROOT, "examples", name), modules)
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"log": {"access": True}}, f)
    log_path = os.path.join(work, "serve.log")
    port = free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen([wafer, "serve", "--config", config, "--listen",
                             "127.0.0.1:%d" % port, "--modules", modules, "--workers", "2"],
                            stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                if call(port, "counter", "get", [], timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        test_counter(port, work, log_path, seconds)
        test_mailbox(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        check(proc.returncode == 0, "the daemon exits 0 on SIGTERM (got %s)" % proc.returncode)
        if FAILURES:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                tail = f.readlines()[-20:]
            print("daemon log (tail):\n" + "".join(tail))
        shutil.rmtree(work, ignore_errors=True)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
