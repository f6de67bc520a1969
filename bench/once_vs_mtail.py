#!/usr/bin/env python3
"""Backfill throughput: exporter --once vs mtail --one_shot on the same file.

1,000,000 lines from bench/gen_events.py. Runs alternate (exporter,
mtail pinned, mtail unpinned) so drift on a noisy machine hits both alike.
The exporter and one mtail series are pinned to one core with `taskset -c 1`;
mtail (Go, multi-threaded runtime) is also run unpinned. Wall time and peak
RSS (wait4 rusage of the child) per run; events/s = lines / wall seconds.
Every run is checked: the exporter's events_total sums to the line count
(disconnects = event_type 0 lines, no parse errors); mtail's counters sum to
the number of event_type 0 lines.
"""
import shutil
import sys
from pathlib import Path

import common as c


def check_exporter(out_path, lines, disconnects):
    text = Path(out_path).read_text()
    ev = c.events_total(text)
    total = sum(ev.values())
    problems = []
    if total != lines:
        problems.append(f"events_total sums to {total:.0f}, file has {lines} lines")
    if ev.get("disconnect") != disconnects:
        problems.append(f"disconnect={ev.get('disconnect')}, file has {disconnects} event_type 0 lines")
    if ev.get("parse_error", 0):
        problems.append(f"parse_error={ev['parse_error']:.0f}")
    return problems


def check_mtail(out_path, disconnects):
    text = Path(out_path).read_text()
    by_code = c.metric_sum(text, "stream_disconnects_by_code_total")
    by_cat = c.metric_sum(text, "stream_disconnects_total")
    problems = []
    if by_code != disconnects:
        problems.append(f"mtail stream_disconnects_by_code_total sums to {by_code:.0f}, "
                        f"expected {disconnects}")
    if by_cat != disconnects:
        problems.append(f"mtail stream_disconnects_total sums to {by_cat:.0f}, expected {disconnects}")
    return problems


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 1,000,000; --quick 100,000)")
    p.add_argument("--runs", type=int, help="runs of each pinned tool (default 5; --quick 1)")
    p.add_argument("--unpinned-runs", type=int, help="unpinned mtail runs (default 3; --quick 1)")
    p.add_argument("--cpu", default="1", help="core for taskset -c (default 1)")
    p.add_argument("--mtail", default=shutil.which("mtail") or "mtail", help="mtail binary")
    args = p.parse_args()
    lines_wanted = args.lines or (100_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 5)
    unpinned = args.unpinned_runs if args.unpinned_runs is not None else (1 if args.quick else 3)
    binary = c.setup(args)
    if not shutil.which(args.mtail):
        sys.exit(f"mtail not found ({args.mtail}); apt-get install mtail")
    if not c.MTAIL_PROG.is_file():
        sys.exit(f"mtail program not found: {c.MTAIL_PROG} (../shared/bench/mtail/ is not part "
                 "of the repository; point $SDX_SHARED_BENCH at a directory holding mtail/)")
    res = c.Results("once_vs_mtail", args)

    data = c.events_file(args.data_dir, lines_wanted)
    lines, disconnects = c.file_counts(data)
    work = args.data_dir / "once_vs_mtail"
    work.mkdir(exist_ok=True)
    config = c.write_config(work / "config.yaml", [data])
    progs = work / "progs"
    progs.mkdir(exist_ok=True)
    shutil.copy(c.MTAIL_PROG, progs / "disconnect.mtail")

    exporter_cmd = ["taskset", "-c", args.cpu, binary, f"--config.file={config}", "--once"]
    mtail_args = [args.mtail, "--one_shot", "--one_shot_format=prometheus", "--logtostderr",
                  "--progs", progs, "--logs", data]
    tools = {
        "exporter": (exporter_cmd, lambda out: check_exporter(out, lines, disconnects)),
        "mtail_pinned": (["taskset", "-c", args.cpu] + mtail_args,
                         lambda out: check_mtail(out, disconnects)),
        "mtail_unpinned": (mtail_args, lambda out: check_mtail(out, disconnects)),
    }

    c.log(f"{data.name}: {lines:,} lines, {disconnects:,} disconnects, "
          f"{data.stat().st_size / 1e6:.0f} MB; warming page cache")
    c.warm_page_cache(data)
    c.run_measured(exporter_cmd, work / "warmup.prom")  # not counted

    measured = {k: [] for k in tools}
    for i in range(runs):
        for name, (cmd, check) in tools.items():
            if name == "mtail_unpinned" and i >= unpinned:
                continue
            out, err = work / f"{name}.out", work / f"{name}.err"
            r = c.run_measured(cmd, out, err)
            problems = [f"exit code {r['rc']} (stderr: {err})"] if r["rc"] else check(out)
            for pr in problems:
                res.fail(f"{name} run {i + 1}: {pr}")
            eps = lines / r["wall"]
            c.log(f"run {i + 1}/{runs} {name}: {r['wall']:.2f} s, {eps:,.0f} ev/s, "
                  f"peak RSS {c.fmt_mib(r['maxrss_kib'])}, cpu {r['user'] + r['sys']:.2f} s"
                  + (f"  !! {problems}" if problems else ""))
            if not problems:
                measured[name].append((eps, r))

    def describe(name):
        m = measured[name]
        if not m:
            return None, "no valid run"
        eps = [e for e, _ in m]
        return (c.median(eps), f"{c.fmt_rate(c.median(eps))} (min {c.fmt_int(min(eps))}, "
                f"max {c.fmt_int(max(eps))}, n={len(eps)})")

    e_med, e_txt = describe("exporter")
    mp_med, mp_txt = describe("mtail_pinned")
    mu_med, mu_txt = describe("mtail_unpinned")
    target_eps = 1_000_000
    res.add(f"exporter --once, 1 core, {lines:,} lines", e_txt,
            f">= 1,000,000 ev/s: {c.verdict(e_med and e_med >= target_eps)}")
    res.add("mtail --one_shot, 1 core (taskset)", mp_txt, "")
    res.add("mtail --one_shot, unpinned (2 cores)", mu_txt, "")
    ratio = e_med / mp_med if e_med and mp_med else None
    res.add("ratio exporter / mtail (both 1 core, medians)",
            f"{ratio:.1f}x" if ratio else "n/a", f">= 30x: {c.verdict(ratio and ratio >= 30)}")
    if e_med and mu_med:
        res.add("ratio exporter (1 core) / mtail unpinned", f"{e_med / mu_med:.1f}x", "")
    # Lines per CPU-second (user+sys): less sensitive than wall time to other
    # load on the machine (a pinned process waiting for its core burns no CPU).
    cpu_rate = {}
    for name in measured:
        if measured[name]:
            cpu_rate[name] = c.median([lines / max(r["user"] + r["sys"], 1e-9)
                                       for _, r in measured[name]])
    if "exporter" in cpu_rate and "mtail_pinned" in cpu_rate:
        res.add("lines per CPU-second: exporter / mtail 1 core",
                f"{c.fmt_int(cpu_rate['exporter'])} / {c.fmt_int(cpu_rate['mtail_pinned'])} "
                f"= {cpu_rate['exporter'] / cpu_rate['mtail_pinned']:.1f}x", "")
    for name, label in (("exporter", "exporter"), ("mtail_pinned", "mtail 1 core"),
                        ("mtail_unpinned", "mtail unpinned")):
        if measured[name]:
            rss = [r["maxrss_kib"] for _, r in measured[name]]
            cpu = [r["user"] + r["sys"] for _, r in measured[name]]
            walls = [r["wall"] for _, r in measured[name]]
            res.add(f"{label}: peak RSS / CPU / wall (medians)",
                    f"{c.fmt_mib(c.median(rss))} / {c.median(cpu):.2f} s / {c.median(walls):.2f} s", "")
    summary = (f"exporter {c.fmt_rate(e_med or 0)}, mtail {c.fmt_rate(mp_med or 0)} (1 core), "
               f"ratio {ratio:.1f}x" if ratio else "incomplete")
    return res.emit(summary)


if __name__ == "__main__":
    sys.exit(main())
