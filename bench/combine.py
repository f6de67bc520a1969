#!/usr/bin/env python3
"""Merge the JSON-lines results of the bench scripts into one markdown table.

Usage: combine.py RESULTS.jsonl [--binary PATH] [--load "1.00 0.50 0.20"] [--quick]
Prints a machine header (nproc, CPU model, kernel, date, revision, mtail
version, load average) and one table: Benchmark | Metric | Result | Target.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import time

import common as c


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", str(c.REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(c.REPO), "status", "--porcelain", "--", "src",
                                "CMakeLists.txt"], capture_output=True, text=True).stdout.strip()
        return rev + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "not found"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--binary")
    ap.add_argument("--load", help="load average when the run started")
    ap.add_argument("--started", help="start time of the run")
    ap.add_argument("--revision", help="what was built (default: the repository's HEAD and "
                    "whether src/ has uncommitted changes)")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()

    rows = []
    with open(a.results) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows.append([r["bench"], r["metric"], r["result"], r["target"]])

    mtail = tool_version(["mtail", "--version"]) if shutil.which("mtail") else "not found"
    with open("/proc/loadavg") as f:
        load_end = " ".join(f.read().split()[:3])
    print(f"## Benchmarks{' (--quick smoke run, not for quoting)' if a.quick else ''}")
    print()
    print(f"- machine: `nproc` {tool_version(['nproc'])}, {cpu_model()}, "
          f"{platform.system()} {platform.release()}")
    print(f"- date: {a.started or time.strftime('%Y-%m-%d %H:%M:%S %Z')} -> "
          f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"- exporter: revision {a.revision or git_revision()}" + (f", binary {a.binary}" if a.binary else ""))
    print(f"- mtail: {mtail}")
    print(f"- load average (1/5/15 min) at start: {a.load or '?'}; at end: {load_end}")
    print()
    print(c.markdown_table(["Benchmark", "Metric", "Result", "Target"], rows))
    failed = [r for r in rows if r[1] == "CHECK FAILED"]
    if failed:
        print()
        print(f"{len(failed)} check(s) failed: see the CHECK FAILED rows.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
