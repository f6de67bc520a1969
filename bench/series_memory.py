#!/usr/bin/env python3
"""Daemon memory: peak RSS with 10,000 live series, and with no labels.

Series case: gen_series.py data (1M lines, --quick 100k) whose stream_id takes
10,000 values, each with one code, and `labels: [stream]`,
`max_label_sets: 20000`. The daemon reads the whole file (waited for from
/proc/PID/io and CPU time, without scraping), then VmHWM and VmRSS
(/proc/PID/status) are read; then /metrics is scraped 10 times and they are
read again. The first scrape checks the counts (events_total = lines, no
overflow) and counts the exported series.
Plain case: the 1M-line gen_events.py file, no labels. Idle case: an empty
file, no labels (the floor).
"""
import sys

import common as c


def measure(binary, work, name, data, lines, disconnects, res, labels=None, max_label_sets=None):
    d, ingest = c.start_ingested(binary, work, name, data, labels, max_label_sets)
    try:
        after_ingest = c.proc_status(d.pid)
        text = d.metrics()
        problems = c.check_ingest(text, lines, disconnects)
        for pr in problems:
            res.fail(f"{name}: {pr}")
        stats = c.exposition_stats(text)
        size = len(text.encode())
        for _ in range(9):
            d.metrics()
        after_scrapes = c.proc_status(d.pid)
        if not d.alive():
            res.fail(f"{name}: exporter died; log {d.log_path}")
    finally:
        d.stop()
    c.log(f"{name}: ingest cpu {ingest['cpu']:.2f} s; after ingest HWM {c.fmt_mib(after_ingest['VmHWM'])} "
          f"RSS {c.fmt_mib(after_ingest['VmRSS'])}; after 10 scrapes HWM "
          f"{c.fmt_mib(after_scrapes['VmHWM'])} RSS {c.fmt_mib(after_scrapes['VmRSS'])}; "
          f"series {stats}, {size:,} bytes")
    return {"ingest": after_ingest, "scrapes": after_scrapes, "stats": stats, "bytes": size}


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 1,000,000; --quick 100,000)")
    args = p.parse_args()
    lines_wanted = args.lines or (100_000 if args.quick else 1_000_000)
    binary = c.setup(args)
    res = c.Results("series_memory", args)
    work = args.data_dir / "series_memory"
    work.mkdir(exist_ok=True)

    series_data = c.series_file(args.data_dir, lines_wanted, 10000)
    plain_data = c.events_file(args.data_dir, lines_wanted)
    empty = work / "empty.jsonl"
    empty.write_bytes(b"")

    s = measure(binary, work, "series10k", series_data, *c.file_counts(series_data), res,
                labels=c.SERIES_LABELS, max_label_sets=c.SERIES_MAX_LABEL_SETS)
    pl = measure(binary, work, "plain", plain_data, *c.file_counts(plain_data), res)
    idle = measure(binary, work, "idle", empty, 0, 0, res)

    st = s["stats"]
    hwm = max(s["ingest"]["VmHWM"], s["scrapes"]["VmHWM"])
    res.add(f"series exported, labels [stream], 10,000 stream names ({lines_wanted:,} lines)",
            f"{st['stream_disconnects_by_code_total']:,} by_code + "
            f"{st['stream_disconnects_total']:,} by category + {st['stream_pushes_total']:,} pushes "
            f"({st['all']:,} samples in all, {s['bytes']:,} bytes)", "~10,000 (stream, code)")
    res.add("10k series: VmHWM / VmRSS after ingest",
            f"{c.fmt_mib(s['ingest']['VmHWM'])} / {c.fmt_mib(s['ingest']['VmRSS'])}", "")
    res.add("10k series: VmHWM / VmRSS after 10 scrapes",
            f"{c.fmt_mib(s['scrapes']['VmHWM'])} / {c.fmt_mib(s['scrapes']['VmRSS'])}",
            f"< 30 MiB: {c.verdict(hwm < 30 * 1024)} (peak)")
    res.add(f"no labels, gen_events {lines_wanted:,} lines: VmHWM / VmRSS after 10 scrapes",
            f"{c.fmt_mib(pl['scrapes']['VmHWM'])} / {c.fmt_mib(pl['scrapes']['VmRSS'])} "
            f"({pl['stats']['all']:,} samples)", "")
    res.add("no labels, empty file (floor): VmHWM / VmRSS after 10 scrapes",
            f"{c.fmt_mib(idle['scrapes']['VmHWM'])} / {c.fmt_mib(idle['scrapes']['VmRSS'])}", "")
    summary = (f"10k series ({st['stream_disconnects_by_code_total']:,} by_code): peak "
               f"{c.fmt_mib(hwm)}; no labels: peak {c.fmt_mib(pl['scrapes']['VmHWM'])}")
    return res.emit(summary)


if __name__ == "__main__":
    sys.exit(main())
