#!/usr/bin/env python3
"""Ingest rate and scrape latency while /metrics is scraped 20 times a second.

A scrape shows only counters that a checkpoint has made durable, so scrapes
ask for checkpoints; `checkpoint_min_interval` (default 1 s) coalesces them.
This measures what a scrape flood (a Prometheus HA pair, a dashboard
refreshing fast, a curl loop) costs the ingest thread.

Data: gen_series.py with 700 stream names and `labels: [stream]`: about
10,000 samples in /metrics (counters by category and by code, and the
push-duration histogram, per stream), a state file (checkpoints on). For each setting the
daemon reads the whole file from its beginning, timed without scraping
(/proc rchar and CPU time, as the other benches), then again while a client
GETs /metrics every 50 ms on a kept-alive connection; after the file is read,
the scrapes go on for a few seconds at 10,000 series. Reported: the ingest
rate scraped / unscraped (median of the runs), scrape latency p50/p99 during
ingest and at rest, and checkpoints written per second during the flood.
`--per-scrape` adds a run with `checkpoint_min_interval: 1ms` (one
checkpoint per scrape, the behaviour before coalescing; slow).
"""
import threading
import time
from pathlib import Path

import common as c

SCRAPE_PERIOD = 0.05  # 20 scrapes a second
STREAMS = 700  # about 10,000 samples with labels [stream]


def write_config(path, data, state_file, min_interval):
    Path(path).write_text(
        f"state_file: {state_file}\n"
        f"labels: [stream]\n"
        f"max_label_sets: {c.SERIES_MAX_LABEL_SETS}\n"
        f"checkpoint_min_interval: {min_interval}\n"
        f"poll_interval: 100ms\n"
        f"sources: [{{name: bench, type: file, paths: [\"{data}\"], format: tencent_callback, "
        f"start_at: beginning}}]\n")
    return Path(path)


class Scraper(threading.Thread):
    """GET /metrics every SCRAPE_PERIOD (fixed schedule), timing each."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.client = c.Client(port, keepalive=True)
        self.times = []  # (start monotonic, seconds)
        self.errors = 0
        self.stop_flag = threading.Event()

    def run(self):
        next_at = time.monotonic()
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            try:
                status, _ = self.client.get("/metrics")
                if status != 200:
                    self.errors += 1
            except Exception:
                self.errors += 1
                self.client.close()
                self.client = c.Client(self.client.port, keepalive=True)
            self.times.append((t0, time.monotonic() - t0))
            next_at += SCRAPE_PERIOD
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop_flag.wait(delay)
            else:
                next_at = time.monotonic()
        self.client.close()


def checkpoints(text):
    return c.metric_sum(text, "stream_disconnect_exporter_checkpoint_writes_total")


def one_run(binary, work, data, nbytes, lines, disconnects, min_interval, scraped, rest, res, tag):
    state = work / f"state_{tag}.json"
    for p in (state, Path(str(state) + ".lock")):
        if p.exists():
            p.unlink()
    config = write_config(work / f"config_{tag}.yaml", data, state, min_interval)
    d = c.Daemon(binary, config, work / f"daemon_{tag}.log")
    scraper = None
    d.start()
    try:
        t0 = time.monotonic()
        if scraped:
            scraper = Scraper(d.port)
            scraper.start()
        if scraped:
            # Scrapes keep the CPU busy, so wait_ingested's "CPU time stopped
            # moving" never comes: the file read to its end (rchar) is enough.
            while c.proc_rchar(d.pid) < nbytes:
                if time.monotonic() - t0 > 300:
                    raise RuntimeError("flood run did not read the whole file in 300 s")
                time.sleep(0.01)
            info = {"cpu": c.proc_cpu_seconds(d.pid)}
            ingest_seconds = time.monotonic() - t0
        else:
            info = c.wait_ingested(d, nbytes)
            ingest_seconds = time.monotonic() - t0 - 0.3  # minus its idle wait
        ingest_end = time.monotonic()
        out = {"rate": lines / max(ingest_seconds, 1e-6), "cpu": info["cpu"]}
        if scraper:
            before = checkpoints(d.metrics())
            time.sleep(rest)
            after = checkpoints(d.metrics())
            scraper.stop_flag.set()
            scraper.join(5)
            during = [s for t, s in scraper.times if t < ingest_end]
            resting = [s for t, s in scraper.times if t >= ingest_end]
            out.update({
                "during_p50": c.median(during) if during else 0,
                "during_p99": c.percentile(during, 99) if during else 0,
                "rest_p50": c.median(resting), "rest_p99": c.percentile(resting, 99),
                "scrapes": len(scraper.times), "errors": scraper.errors,
                "checkpoints_per_s": (after - before) / rest,
            })
        text = d.metrics()
        for problem in c.check_ingest(text, lines, disconnects):
            res.fail(f"{tag}: {problem}")
        out["series"] = c.exposition_stats(text)["all"]
        if not d.alive():
            res.fail(f"{tag}: exporter died; log {d.log_path}")
    finally:
        if scraper:
            scraper.stop_flag.set()
        d.stop()
    return out


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 2,000,000; --quick 200,000)")
    p.add_argument("--runs", type=int, help="runs per setting (default 3; --quick 1)")
    p.add_argument("--per-scrape", action="store_true",
                   help="also run with a checkpoint per scrape (checkpoint_min_interval 1ms)")
    args = p.parse_args()
    lines_wanted = args.lines or (200_000 if args.quick else 2_000_000)
    runs = args.runs or (1 if args.quick else 3)
    rest = 2.0 if args.quick else 5.0
    binary = c.setup(args)
    res = c.Results("scrape_flood", args)
    work = args.data_dir / "scrape_flood"
    work.mkdir(exist_ok=True)
    data = c.series_file(args.data_dir, lines_wanted, STREAMS)
    lines, disconnects = c.file_counts(data)
    nbytes = Path(data).stat().st_size
    c.warm_page_cache(data)

    results = {"plain": [], "flood": [], "flood0": []}
    for i in range(runs):
        # Interleaved, so drift in the machine's load hits every setting alike.
        results["plain"].append(one_run(binary, work, data, nbytes, lines, disconnects, "1s",
                                        False, rest, res, f"plain{i}"))
        results["flood"].append(one_run(binary, work, data, nbytes, lines, disconnects, "1s",
                                        True, rest, res, f"flood{i}"))
    if args.per_scrape:
        results["flood0"].append(one_run(binary, work, data, nbytes, lines, disconnects, "1ms",
                                         True, rest, res, "flood0"))

    def med(key, name):
        return c.median([r[name] for r in results[key]])

    plain_rate = med("plain", "rate")
    flood_rate = med("flood", "rate")
    flood0_rate = med("flood0", "rate") if results["flood0"] else 0
    ratio = flood_rate / plain_rate
    rest_p99 = med("flood", "rest_p99")
    during_p99 = med("flood", "during_p99")
    series = results["flood"][0]["series"]
    c.log(f"unscraped {plain_rate:,.0f}/s, scraped {flood_rate:,.0f}/s (ratio {ratio:.2f}); scrape p99 {during_p99 * 1000:.1f} ms during, "
          f"{rest_p99 * 1000:.1f} ms at rest; {series:,} samples")
    res.add(f"ingest, {lines:,} lines, {STREAMS} streams as labels, state file: unscraped (median of {runs})",
            c.fmt_rate(plain_rate) + " lines/s", "")
    res.add("ingest while scraped 20/s (checkpoint_min_interval 1s): rate, ratio to unscraped",
            f"{c.fmt_rate(flood_rate)} lines/s, {ratio:.2f}x", f">= 0.9x: {c.verdict(ratio >= 0.9)}")
    if results["flood0"]:
        res.add("ingest while scraped 20/s, checkpoint_min_interval 1ms (a checkpoint per scrape)",
                f"{c.fmt_rate(flood0_rate)} lines/s, {flood0_rate / plain_rate:.2f}x", "")
    res.add(f"scrape latency while ingesting: p50 / p99",
            f"{c.fmt_ms(med('flood', 'during_p50'))} / {c.fmt_ms(during_p99)}", "")
    res.add(f"scrape latency at rest, {series:,} samples: p50 / p99",
            f"{c.fmt_ms(med('flood', 'rest_p50'))} / {c.fmt_ms(rest_p99)}",
            f"p99 < 50 ms: {c.verdict(rest_p99 < 0.050)}")
    res.add("checkpoints written per second under 20 scrapes/s", f"{med('flood', 'checkpoints_per_s'):.1f}",
            "<= ~1.2 (1 s apart, plus the periodic ones)")
    errors = sum(r["errors"] for r in results["flood"] + results["flood0"])
    if errors:
        res.fail(f"{errors} scrapes failed")
    return res.emit(f"scraped/unscraped {ratio:.2f}, scrape p99 {rest_p99 * 1000:.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
