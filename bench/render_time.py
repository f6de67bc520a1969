#!/usr/bin/env python3
"""/metrics render time with 10,000 series (the series_memory.py daemon).

Starts the daemon of series_memory.py (gen_series.py data with 10,000 stream
names, `labels: [stream]`, max_label_sets 20000), waits until it has read the
whole file, then times 50 GETs of /metrics (after one untimed warm-up), each on
a new connection, from sending the request to the last body byte: median,
p99, max, bytes. The same against a daemon with no labels (gen_events.py
data) as a baseline. A few GETs on a kept-alive connection are timed too, as
Prometheus keeps connections alive between scrapes.
"""
import sys
import time

import common as c


def time_gets(client, n):
    times, sizes = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        status, body = client.get("/metrics")
        times.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        sizes.append(len(body))
    return times, sizes


def measure(binary, work, name, data, lines, disconnects, res, gets, labels=None, max_label_sets=None):
    d, _ = c.start_ingested(binary, work, name, data, labels, max_label_sets)
    try:
        text = d.metrics()  # warm-up, and the count check
        for pr in c.check_ingest(text, lines, disconnects):
            res.fail(f"{name}: {pr}")
        stats = c.exposition_stats(text)
        times, sizes = time_gets(c.Client(d.port), gets)
        ka = c.Client(d.port, keepalive=True)
        ka_times, _ = time_gets(ka, 5)
        ka.close()
        status = c.proc_status(d.pid)
        if not d.alive():
            res.fail(f"{name}: exporter died; log {d.log_path}")
    finally:
        d.stop()
    out = {"median": c.median(times), "p99": c.percentile(times, 99), "max": max(times),
           "bytes": c.median(sizes), "series": stats["all"], "ka_median": c.median(ka_times),
           "hwm": status["VmHWM"]}
    c.log(f"{name}: {gets} GETs median {out['median'] * 1000:.1f} ms p99 {out['p99'] * 1000:.1f} ms "
          f"max {out['max'] * 1000:.1f} ms, {out['bytes']:,.0f} bytes, {out['series']:,} samples; "
          f"keep-alive median {out['ka_median'] * 1000:.1f} ms; VmHWM {c.fmt_mib(out['hwm'])}")
    return out


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 1,000,000; --quick 100,000)")
    p.add_argument("--gets", type=int, help="timed GETs (default 50; --quick 10)")
    args = p.parse_args()
    lines_wanted = args.lines or (100_000 if args.quick else 1_000_000)
    gets = args.gets or (10 if args.quick else 50)
    binary = c.setup(args)
    res = c.Results("render_time", args)
    work = args.data_dir / "render_time"
    work.mkdir(exist_ok=True)

    series_data = c.series_file(args.data_dir, lines_wanted, 10000)
    plain_data = c.events_file(args.data_dir, lines_wanted)
    s = measure(binary, work, "series10k", series_data, *c.file_counts(series_data), res, gets,
                labels=c.SERIES_LABELS, max_label_sets=c.SERIES_MAX_LABEL_SETS)
    pl = measure(binary, work, "plain", plain_data, *c.file_counts(plain_data), res, gets)

    res.add(f"GET /metrics, 10,000 streams x labels [stream] ({s['series']:,} samples): "
            f"median / p99 / max (n={gets})",
            f"{c.fmt_ms(s['median'])} / {c.fmt_ms(s['p99'])} / {c.fmt_ms(s['max'])}, "
            f"{s['bytes']:,.0f} bytes", "")
    res.add(f"GET /metrics, no labels ({pl['series']:,} samples): median / p99 / max (n={gets})",
            f"{c.fmt_ms(pl['median'])} / {c.fmt_ms(pl['p99'])} / {c.fmt_ms(pl['max'])}, "
            f"{pl['bytes']:,.0f} bytes", "")
    res.add("GET /metrics on a kept-alive connection, median of 5: 10k series / no labels",
            f"{c.fmt_ms(s['ka_median'])} / {c.fmt_ms(pl['ka_median'])}", "")
    summary = (f"10k series: median {c.fmt_ms(s['median'])}, p99 {c.fmt_ms(s['p99'])}, "
               f"{s['bytes']:,.0f} bytes; no labels: median {c.fmt_ms(pl['median'])}")
    return res.emit(summary)


if __name__ == "__main__":
    sys.exit(main())
