#!/usr/bin/env python3
"""Throughput with 10 vs 10,000 series (labels: [stream]).

Two gen_series.py files of 1M lines (--quick 100k) that are identical except
for the stream_id digits: 10 vs 10,000 distinct names, each name with one code
(so 10 vs 10,000 stream_disconnects_by_code_total series). Config
`labels: [stream]`, `max_label_sets: 20000`.

1. `--once` pinned to one core, runs alternating, median of 3 (--quick 1):
   events/s = lines / wall. This is end to end, so it includes printing the
   exposition, whose size grows with the series count.
2. Ingest only: the daemon reads the file (no scrape) and its CPU time is
   read once it is idle: lines per CPU-second (startup included, 10 ms clock
   ticks), median of 3 (--quick 1). This isolates the per-event label-set
   lookup from rendering.
Target (DESIGN): 10,000 series within 10% of 10 series.
"""
import sys
from pathlib import Path

import common as c


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 1,000,000; --quick 100,000)")
    p.add_argument("--runs", type=int, help="runs of each variant (default 3; --quick 1)")
    p.add_argument("--cpu", default="1", help="core for taskset -c (default 1)")
    args = p.parse_args()
    lines_wanted = args.lines or (100_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 3)
    binary = c.setup(args)
    res = c.Results("series_scaling", args)
    work = args.data_dir / "series_scaling"
    work.mkdir(exist_ok=True)

    variants = {}
    for k in (10, 10000):
        data = c.series_file(args.data_dir, lines_wanted, k)
        lines, disc = c.file_counts(data)
        config = c.write_config(work / f"config_k{k}.yaml", [data], labels=c.SERIES_LABELS,
                                max_label_sets=c.SERIES_MAX_LABEL_SETS)
        c.warm_page_cache(data)
        variants[k] = {"data": data, "lines": lines, "disc": disc, "config": config,
                       "once": [], "ingest": []}
    sizes = {variants[k]["data"].stat().st_size for k in variants}
    if len(sizes) != 1:
        res.fail(f"data files differ in size: {sizes}")

    def once_cmd(v):
        return ["taskset", "-c", args.cpu, binary, f"--config.file={v['config']}", "--once"]

    for k, v in variants.items():  # warm-up, not counted
        c.run_measured(once_cmd(v), work / f"once_k{k}.prom")

    for i in range(runs):
        for k, v in variants.items():
            out = work / f"once_k{k}.prom"
            r = c.run_measured(once_cmd(v), out, work / f"once_k{k}.err")
            problems = [f"exit code {r['rc']}"] if r["rc"] else []
            series = 0
            if not r["rc"]:
                text = Path(out).read_text()
                problems += c.check_ingest(text, v["lines"], v["disc"])
                series = c.exposition_stats(text)["stream_disconnects_by_code_total"]
                v["series"] = series
                v["samples"] = c.exposition_stats(text)["all"]
                v["bytes"] = len(text.encode())
            for pr in problems:
                res.fail(f"--once k={k} run {i + 1}: {pr}")
            eps = v["lines"] / r["wall"]
            c.log(f"--once run {i + 1}/{runs} k={k}: {r['wall']:.3f} s, {eps:,.0f} ev/s, "
                  f"{series:,} by_code series, peak RSS {c.fmt_mib(r['maxrss_kib'])}")
            if not problems:
                v["once"].append(eps)

    for i in range(runs):
        for k, v in variants.items():
            try:
                d, info = c.start_ingested(binary, work, f"k{k}", v["data"], c.SERIES_LABELS,
                                           c.SERIES_MAX_LABEL_SETS)
            except RuntimeError as e:
                res.fail(f"ingest k={k} run {i + 1}: {e}")
                continue
            try:
                problems = c.check_ingest(d.metrics(), v["lines"], v["disc"])
            finally:
                d.stop()
            for pr in problems:
                res.fail(f"ingest k={k} run {i + 1}: {pr}")
            rate = v["lines"] / max(info["cpu"], 0.01)
            c.log(f"ingest run {i + 1}/{runs} k={k}: daemon cpu {info['cpu']:.2f} s, "
                  f"{rate:,.0f} lines/CPU-s")
            if not problems:
                v["ingest"].append(rate)

    def med(k, key):
        vals = variants[k][key]
        return c.median(vals) if vals else None

    def txt(k, key, unit):
        vals = variants[k][key]
        if not vals:
            return "no valid run"
        return (f"{c.fmt_int(c.median(vals))} {unit} (min {c.fmt_int(min(vals))}, "
                f"max {c.fmt_int(max(vals))}, n={len(vals)})")

    for k in variants:
        v = variants[k]
        res.add(f"--once, 1 core, {k:,} stream names ({v.get('series', 0):,} by_code series, "
                f"{v.get('samples', 0):,} samples, {v.get('bytes', 0):,} bytes out)",
                txt(k, "once", "ev/s"), "")
    o10, o10k = med(10, "once"), med(10000, "once")
    ratio = o10k / o10 if o10 and o10k else None
    res.add("--once ratio 10,000 / 10 series (end to end, includes printing)",
            f"{ratio:.2f}" if ratio else "n/a", f">= 0.90: {c.verdict(ratio and ratio >= 0.9)}")
    for k in variants:
        res.add(f"daemon ingest only, {k:,} stream names", txt(k, "ingest", "lines/CPU-s"), "")
    i10, i10k = med(10, "ingest"), med(10000, "ingest")
    iratio = i10k / i10 if i10 and i10k else None
    res.add("ingest-only ratio 10,000 / 10 series (CPU time, no scrape)",
            f"{iratio:.2f}" if iratio else "n/a", f">= 0.90: {c.verdict(iratio and iratio >= 0.9)}")
    summary = (f"--once {c.fmt_rate(o10 or 0)} (10) vs {c.fmt_rate(o10k or 0)} (10k): ratio "
               f"{ratio or 0:.2f}; ingest-only ratio {iratio or 0:.2f}")
    return res.emit(summary)


if __name__ == "__main__":
    sys.exit(main())
