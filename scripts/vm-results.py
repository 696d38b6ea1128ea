#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a go3s VM console log.

Prints one line per result, "PASS <name>", "FAIL <name>: why" or
"SKIP <name>: why", and exits 1 when anything failed.  KUnit output is
parsed by the kernel's own tools/testing/kunit/kunit.py; kselftest TAP by
the lines the harness prints.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Any of these anywhere in the console fails the run.
KERNEL_REPORTS = [
    r"\bBUG[: ]", r"WARNING:", r"\bOops\b", r"Kernel panic",
    r"general protection fault", r"UBSAN:", r"KASAN:", r"kmemleak: \d+ new suspected",
    r"unreferenced object", r"soft lockup", r"hard LOCKUP",
    r"blocked for more than", r"rcu.*(detected stall|self-detected)",
    r"INFO: lockdep", r"DEBUG_LOCKS_WARN_ON", r"possible (circular|recursive) locking",
    r"inconsistent lock state", r"Call Trace:", r"refcount_t:",
    r"list_(add|del) corruption", r"stack-protector", r"double fault",
    r"KCSAN:", r"ODEBUG:", r"Kernel Offset:",
]
REPORT_RE = re.compile("|".join(KERNEL_REPORTS))
PREFIX_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")
TAP_RE = re.compile(r"^(not ok|ok) \d+ (\S+)(?: # (SKIP|skip)\s*(.*))?")
# Taint bits that mean the kernel reported a problem: D (die), W (warning),
# B (bad page), L (soft lockup), M (machine check), U (userspace), ...
BAD_TAINT = (1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)


def results(label):
    out = []

    def add(status, name, why=""):
        line = f"{status} {label}/{name}"
        if why:
            line += f": {why}"
        out.append(line)
    return out, add


def kunit_cases(text, ksrc):
    kunit = os.path.join(ksrc, "tools/testing/kunit/kunit.py")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "ktap")
        js = os.path.join(d, "json")
        with open(src, "w") as f:
            f.write(text)
        p = subprocess.run([sys.executable, kunit, "parse", "--json=" + js, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if not os.path.exists(js):
            return None, p.stdout
        with open(js) as f:
            doc = json.load(f)
    cases = []

    def walk(group, path):
        for sub in group.get("sub_groups", []):
            walk(sub, path + [sub["name"]])
        for case in group.get("test_cases", []):
            cases.append(("/".join(path + [case["name"]]), case["status"]))
    walk(doc, [])
    return cases, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ksrc", required=True)
    ap.add_argument("--label", default="vm")
    ap.add_argument("log")
    args = ap.parse_args()

    out, add = results(args.label)
    with open(args.log, errors="replace") as f:
        lines = [PREFIX_RE.sub("", ln.rstrip("\r\n")) for ln in f]

    reports = [ln for ln in lines if REPORT_RE.search(ln)]
    if reports:
        add("FAIL", "console-clean", "; ".join(reports[:5]))
    else:
        add("PASS", "console-clean")

    done = False
    block = None
    for ln in lines:
        m = re.match(r"^GO3S: begin (\S+) (\S+)$", ln)
        if m:
            block = (m.group(1), m.group(2), [])
            continue
        m = re.match(r"^GO3S: end (\S+) (\S+) rc=(\d+)$", ln)
        if m and block:
            kind, name, body = block
            rc = int(m.group(3))
            block = None
            if kind == "kselftest":
                seen_fail = False
                ncases = 0
                for b in body:
                    t = TAP_RE.match(b)
                    if not t:
                        continue
                    ncases += 1
                    case = f"{name}/{t.group(2)}"
                    if t.group(3):
                        add("SKIP", case, t.group(4))
                    elif t.group(1) == "ok":
                        add("PASS", case)
                    else:
                        add("FAIL", case)
                        seen_fail = True
                if rc != 0 and not seen_fail:
                    add("FAIL", name, f"exit {rc} after {ncases} cases")
                elif ncases == 0:
                    add("FAIL", name, "ran no test")
            elif kind == "kunit":
                cases, msg = kunit_cases("\n".join(body) + "\n", args.ksrc)
                if not cases:
                    add("FAIL", f"kunit/{name}",
                        "kunit.py parse found no cases: " + msg[-200:])
                    continue
                for case, status in cases:
                    if status == "PASS":
                        add("PASS", f"kunit/{case}")
                    elif status == "SKIP":
                        add("SKIP", f"kunit/{case}")
                    else:
                        add("FAIL", f"kunit/{case}", status)
            continue
        if block:
            block[2].append(ln)
            continue
        m = re.match(r"^GO3S: step (\S+) (ok|fail)(?::? ?(.*))$", ln)
        if m:
            if m.group(2) == "ok":
                add("PASS", f"step/{m.group(1)}")
            else:
                add("FAIL", f"step/{m.group(1)}", m.group(3))
        m = re.match(r"^GO3S: tainted (\d+)$", ln)
        if m:
            t = int(m.group(1))
            if t & BAD_TAINT:
                add("FAIL", "taint", f"tainted {t:#x}")
            else:
                add("PASS", "taint")
        if ln == "GO3S: plan done":
            done = True

    if block:
        add("FAIL", f"{block[0]}/{block[1]}", "output cut off")
    if done:
        add("PASS", "plan-completed")
    else:
        why = "the VM did not finish the plan"
        if any(ln.startswith("GO3S-HOST: timeout") for ln in lines):
            why += " (timeout)"
        add("FAIL", "plan-completed", why)

    print("\n".join(out))
    sys.exit(1 if any(o.startswith("FAIL") for o in out) else 0)


if __name__ == "__main__":
    main()
