#!/usr/bin/env python3
"""Compares wafer's text encoder with wat2wasm (through wast2json) on every
module of the given .wast files.

usage: compare_wat2wasm.py WASTDUMP WORKDIR [--expected FILE] (FILE.wast|DIR)...

WASTDUMP is the tests/text helper that parses a script with wf_wast_parse and
writes each module it encoded as WORKDIR/<file>/ours/<n>.wasm, printing one
line per module: index, line, command kind, form, ok|err, position, message.
Modules are matched with wast2json's by the line of their command.

The --expected file lists known differences, one per line as
"SCRIPT:LINE reason" (# starts a comment). Prints a summary: identical,
different (expected or not), failed here, and the files wast2json rejects.
Also checks that every assert_malformed module in text form (quote or
plain) is rejected by our encoder. Exits 1 on an unexpected difference, a
listed difference that is gone, a module wast2json encodes that fails to
encode here, or an accepted malformed text module.
"""
import json, os, subprocess, sys

def main():
    dump, work = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    expected = {}
    if args and args[0] == "--expected":
        with open(args[1]) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    key, _, reason = line.partition(" ")
                    expected[key] = reason.strip()
        args = args[2:]
    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(os.path.join(a, n) for n in os.listdir(a) if n.endswith(".wast"))
        else:
            files.append(a)
    seen_expected = set()

    def compare(base, line, idx, status, msg, d, ref_path):
        with open(ref_path, "rb") as f:
            theirs = f.read()
        if status != "ok":
            totals["ours_failed"] += 1
            problems.append(f"{base}:{line}: wat2wasm encodes, we fail: {msg}")
            return
        with open(os.path.join(d, "ours", idx + ".wasm"), "rb") as f:
            our = f.read()
        if our == theirs:
            totals["same"] += 1
        elif f"{base}:{line}" in expected:
            totals["expected_differ"] += 1
            seen_expected.add(f"{base}:{line}")
            print(f"{base}:{line}: differs as expected: {expected[base + ':' + str(line)]}")
        else:
            totals["differ"] += 1
            problems.append(f"{base}:{line}: bytes differ (ours {d}/ours/{idx}.wasm, theirs {ref_path})")
    totals = dict(same=0, differ=0, expected_differ=0, ours_failed=0, rejected_files=0,
                  malformed_text=0, malformed_rejected=0)
    problems = []
    for wast in files:
        base = os.path.basename(wast)[:-5]
        d = os.path.join(work, base)
        os.makedirs(os.path.join(d, "ours"), exist_ok=True)
        ours = subprocess.run([dump, wast, os.path.join(d, "ours")], capture_output=True, text=True)
        if ours.returncode != 0:
            problems.append(f"{base}: wafer failed to parse the script: {ours.stderr.strip()}")
            continue
        mine = {}
        for line in ours.stdout.splitlines():
            parts = line.split(" ", 8)
            mine[int(parts[1])] = (parts[0], parts[4], parts[8] if len(parts) > 8 else "",
                                   int(parts[2]), int(parts[3]), int(parts[5]), int(parts[6]))
            # Every assert_malformed module in text form must be rejected.
            if int(parts[2]) == 7 and int(parts[3]) != 1:
                totals["malformed_text"] += 1
                if parts[4] == "ok":
                    problems.append(f"{base}:{parts[1]}: assert_malformed text module accepted")
                else:
                    totals["malformed_rejected"] += 1
        r = subprocess.run(["wast2json", "--enable-threads",
                            wast, "-o", os.path.join(d, "ref.json")], capture_output=True, text=True)
        if r.returncode != 0:
            # Compare module by module with wat2wasm instead.
            totals["rejected_files"] += 1
            print(f"{base}: wast2json rejects this file; comparing its modules with wat2wasm")
            with open(wast, "rb") as f:
                source = f.read()
            for line, (idx, status, msg, kind, form, off, length) in sorted(mine.items()):
                if form != 0 or kind == 7:  # text modules, not assert_malformed
                    continue
                wat = os.path.join(d, f"m{idx}.wat")
                ref = os.path.join(d, f"m{idx}.ref.wasm")
                with open(wat, "wb") as f:
                    f.write(source[off:off + length])
                w = subprocess.run(["wat2wasm", "--no-check", "--enable-threads", wat, "-o", ref],
                                   capture_output=True, text=True)
                if w.returncode != 0:
                    totals["wat2wasm_rejects"] = totals.get("wat2wasm_rejects", 0) + 1
                    continue
                compare(base, line, idx, status, msg, d, ref)
            continue
        with open(os.path.join(d, "ref.json")) as f:
            spec = json.load(f)
        for cmd in spec["commands"]:
            fn = cmd.get("filename")
            if not fn or not fn.endswith(".wasm"):
                continue
            if cmd.get("module_type") == "text":
                continue
            line = cmd["line"]
            if line not in mine:
                problems.append(f"{base}:{line}: no module of ours on this line")
                continue
            idx, status, msg = mine[line][:3]
            compare(base, line, idx, status, msg, d, os.path.join(d, fn))
    for key in expected:
        if key not in seen_expected and os.path.basename(key.split(":")[0]) in \
                {os.path.basename(f)[:-5] for f in files}:
            problems.append(f"{key}: listed as different but now identical or gone")
            totals["differ"] += 1
    for p in problems:
        print(p)
    print(" ".join(f"{k}={v}" for k, v in totals.items()))
    return 1 if (totals["differ"] or totals["ours_failed"] or
                 totals["malformed_rejected"] != totals["malformed_text"]) else 0

if __name__ == "__main__":
    sys.exit(main())
