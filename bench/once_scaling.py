#!/usr/bin/env python3
"""Issue 12's --once figures side by side: labelled vs unlabelled, every core
for several files, the push_duration histogram's hot-path cost, and the
distance to `wc -l`.

Data: gen_events.py 1,000,000 lines (5,000 streams; --quick 100,000).
- unlabelled and `labels: [stream]`, `max_label_sets: 2000`, one core
  (taskset): wall, CPU (user+sys) and peak RSS; labelled/unlabelled rate.
- the same lines split into 4 files: one core vs every core (unpinned); the
  two outputs must be identical but for the start timestamps.
- the same file with every "push_duration" key removed: the histogram's
  cost is the CPU of the file with it over the file without it.
- `wc -l` on the file (1 core): the floor.
Runs alternate between the variants so drift on a shared machine hits all
alike; each figure is a median of --runs (CPU-seconds are given too: on a
loaded machine they move less than wall time). --baseline BINARY runs an
older exporter on the same unlabelled and labelled cases (before/after).
"""
import re
import subprocess
from pathlib import Path

import common as c

TIMESTAMPS = re.compile(rb"^stream_disconnect_exporter_(start_time_seconds|"
                        rb"config_last_reload_success_timestamp_seconds) .*$", re.M)


def split_file(src, parts, out_dir):
    out_dir.mkdir(exist_ok=True)
    paths = [out_dir / f"day{i:02d}.jsonl" for i in range(parts)]
    if all(p.exists() for p in paths):
        return paths
    lines = src.read_bytes().splitlines(keepends=True)
    per = (len(lines) + parts - 1) // parts
    for i, p in enumerate(paths):
        p.write_bytes(b"".join(lines[i * per:(i + 1) * per]))
    return paths


def without_duration(src, dst):
    if not dst.exists():
        pattern = re.compile(rb'"push_duration":"[0-9]*",')
        dst.write_bytes(pattern.sub(b"", src.read_bytes()))
    return dst


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, help="runs of each case (default 5; --quick 1)")
    p.add_argument("--cpu", default="1", help="core for the one-core runs (default 1)")
    p.add_argument("--baseline", help="an older exporter binary to compare with (before/after)")
    args = p.parse_args()
    lines_wanted = 100_000 if args.quick else 1_000_000
    runs = args.runs or (1 if args.quick else 5)
    binary = c.setup(args)
    res = c.Results("once_scaling", args)
    work = args.data_dir / "once_scaling"
    work.mkdir(exist_ok=True)
    data = c.events_file(args.data_dir, lines_wanted, seed=5)
    lines, _ = c.file_counts(data)
    days = split_file(data, 4, work / f"days_{lines}")
    bare = without_duration(data, work / f"no_duration_{lines}.jsonl")
    for f in [data, bare, *days]:
        c.warm_page_cache(f)

    pin = ["taskset", "-c", args.cpu]
    cfg = {
        "plain": c.write_config(work / "plain.yaml", [data]),
        "labelled": c.write_config(work / "labelled.yaml", [data], labels=["stream"],
                                   max_label_sets=2000),
        "bare": c.write_config(work / "bare.yaml", [bare]),
        "days": c.write_config(work / "days.yaml", days),
    }
    cases = {
        "wc -l": pin + ["wc", "-l", str(data)],
        "unlabelled": pin + [binary, f"--config.file={cfg['plain']}", "--once"],
        "labelled": pin + [binary, f"--config.file={cfg['labelled']}", "--once"],
        "no push_duration": pin + [binary, f"--config.file={cfg['bare']}", "--once"],
        "4 files, 1 core": pin + [binary, f"--config.file={cfg['days']}", "--once"],
        "4 files, every core": [binary, f"--config.file={cfg['days']}", "--once"],
    }
    if args.baseline:
        cases["baseline unlabelled"] = pin + [args.baseline, f"--config.file={cfg['plain']}", "--once"]
        cases["baseline labelled"] = pin + [args.baseline, f"--config.file={cfg['labelled']}", "--once"]
    measured = {k: [] for k in cases}
    outputs = {}
    for i in range(runs):
        for name, cmd in cases.items():
            out = work / (name.replace(" ", "_").replace(",", "") + ".out")
            r = c.run_measured(cmd, out)
            if r["rc"] != 0:
                res.fail(f"{name} run {i + 1}: exit {r['rc']}")
                continue
            measured[name].append(r)
            if name.startswith("4 files"):
                outputs[name] = TIMESTAMPS.sub(b"", out.read_bytes())
            c.log(f"run {i + 1}/{runs} {name}: {r['wall']:.3f} s, cpu {r['user'] + r['sys']:.3f} s, "
                  f"peak RSS {c.fmt_mib(r['maxrss_kib'])}")
    if len(set(outputs.values())) != 1:
        res.fail("4 files: the output on every core differs from one core's")

    def med(name, key):
        rs = measured[name]
        if not rs:
            return None
        if key == "cpu":
            return c.median([r["user"] + r["sys"] for r in rs])
        return c.median([r[key] for r in rs])

    for name in cases:
        if measured[name]:
            wall, cpu, rss = med(name, "wall"), med(name, "cpu"), med(name, "maxrss_kib")
            res.add(f"{name}: wall / CPU / peak RSS (medians of {len(measured[name])})",
                    f"{wall:.3f} s ({c.fmt_rate(lines / wall)}) / {cpu:.3f} s / {c.fmt_mib(rss)}", "")

    def ratio(a, b, key):
        x, y = med(a, key), med(b, key)
        return x / y if x and y else None

    lab_rate = ratio("unlabelled", "labelled", "wall")
    lab_cpu = ratio("unlabelled", "labelled", "cpu")
    lab_rss = med("labelled", "maxrss_kib")
    if lab_rate:
        res.add("labelled rate / unlabelled rate (wall; CPU)", f"{lab_rate:.2f}; {lab_cpu:.2f}",
                f">= 0.9: {c.verdict(lab_rate >= 0.9)}")
    if lab_rss:
        res.add("labelled peak RSS", c.fmt_mib(lab_rss), f"< 30 MiB: {c.verdict(lab_rss < 30 * 1024)}")
    if args.baseline and measured["baseline labelled"] and measured["baseline unlabelled"]:
        res.add("baseline: labelled / unlabelled rate (wall; CPU)",
                f"{ratio('baseline unlabelled', 'baseline labelled', 'wall'):.2f}; "
                f"{ratio('baseline unlabelled', 'baseline labelled', 'cpu'):.2f}", "before")
    par = ratio("4 files, 1 core", "4 files, every core", "wall")
    if par:
        res.add("4 files: every core / one core (wall)", f"{par:.2f}x",
                f">= 1.7x: {c.verdict(par >= 1.7)}; identical output: "
                f"{c.verdict(len(set(outputs.values())) == 1)}")
    cost = ratio("unlabelled", "no push_duration", "cpu")
    if cost:
        res.add("push_duration parse + histogram: CPU with / without the field",
                f"+{(cost - 1) * 100:.1f} %", f"<= 5 %: {c.verdict(cost <= 1.05)}")
    wc = ratio("unlabelled", "wc -l", "wall")
    if wc:
        res.add("unlabelled --once / wc -l (wall)", f"{wc:.1f}x", "")
    if args.baseline:
        before = ratio("baseline unlabelled", "wc -l", "wall")
        if before:
            res.add("baseline --once / wc -l (wall)", f"{before:.1f}x", "before")
    return res.emit(f"labelled/unlabelled {lab_rate or 0:.2f}, parallel {par or 0:.2f}x, "
                    f"wc -l ratio {wc or 0:.1f}x")


if __name__ == "__main__":
    raise SystemExit(main())
