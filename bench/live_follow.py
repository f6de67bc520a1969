#!/usr/bin/env python3
"""Daemon following a growing file: sustained events/s and append-to-visible latency.

Mode "max": the daemon follows an empty file; a writer appends the 1M-line
gen_events.py file in line-aligned 1 MiB chunks as fast as it can
(copy_file_range, so the writer is not the bottleneck) while a
sampler reads events_total from /metrics every 20 ms. Sustained events/s =
lines / (time from the first append to the scrape that shows every line).
The final count must equal the line count exactly (nothing lost or doubled
while reading half-written chunks). Median of 3 runs (--quick: 1).

Latency modes ("idle": nothing else written; "<R>/s": a background writer
appends the data at R lines/s, 50,000 by default, in 10 ms batches): a marker
line (errcode 99, counted in stream_disconnects_by_code_total{errcode="99"})
is appended at a known time, then /metrics is polled every 5 ms until the
marker count goes up; latency = append -> the response showing it. Markers are
spaced by a random 20-60 ms. p50/p99/max over 200 markers (--quick: 30). The
figure is an upper bound with ~5 ms polling granularity plus one scrape.
"""
import itertools
import json
import os
import random
import re
import sys
import threading
import time

import common as c

MARKER_RE = re.compile(r'^stream_disconnects_by_code_total\{(?:[^}]*,)?errcode="99"[^}]*\} (\S+)', re.M)
EVENTS_RE = re.compile(r'^stream_disconnect_exporter_events_total\{[^}]*source="bench"[^}]*\} (\S+)',
                       re.M)


def events_sum(text):
    return sum(float(v) for v in EVENTS_RE.findall(text))


def marker_count(text):
    return sum(float(v) for v in MARKER_RE.findall(text))


def marker_line(i):
    ev = {"app": "push0.example.com", "appid": 12345678, "appname": "live", "channel_id": "marker",
          "errcode": 99, "errmsg": "bench latency marker", "event_time": 1764000000 + i,
          "event_type": 0, "height": 720, "idc_id": 34, "node": "10.0.0.1", "push_duration": "1",
          "sequence": str(9000000000000000000 + i), "set_id": 2, "sign": "%032x" % i,
          "stream_id": "marker", "stream_param": "txSecret=339c4094afe1ae427e7bcd7f1f8d1128&txTime=59c91afc",
          "t": 1764000600 + i, "user_ip": "61.135.194.200", "width": 1280}
    return (json.dumps(ev, separators=(",", ":"), sort_keys=True) + "\n").encode()


def line_chunks(path, size=1 << 20):
    """Line-aligned chunks of about `size` bytes: [(offset, length, lines)]."""
    out = []
    with open(path, "rb") as f:
        offset, rest = 0, b""
        while True:
            block = f.read(size)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                out.append((offset, cut, block.count(b"\n", 0, cut)))
                offset += cut
        if rest:
            out.append((offset, len(rest), 1))
    return out


def copy_chunk(src_fd, dst_fd, offset, length, dst_offset):
    """Kernel-side copy (copy_file_range), falling back to read+write."""
    done = 0
    try:
        while done < length:
            n = os.copy_file_range(src_fd, dst_fd, length - done, offset + done, dst_offset + done)
            if n <= 0:
                break
            done += n
    except OSError:
        pass
    if done < length:
        data = os.pread(src_fd, length - done, offset + done)
        os.pwrite(dst_fd, data, dst_offset + done)


def new_followed_file(work, name):
    path = work / name
    if path.exists():
        path.unlink()
    path.touch()
    return path


def run_max(binary, work, data, chunks, lines, run):
    """One 'as fast as possible' run; returns dict or raises."""
    followed = new_followed_file(work, "follow_max.jsonl")
    config = c.write_config(work / "config_max.yaml", [followed], poll_interval="100ms")
    samples = []
    stop = threading.Event()
    with c.Daemon(binary, config, work / f"daemon_max_{run}.log") as d:
        client = c.Client(d.port)

        def sampler():
            while not stop.is_set():
                text = client.metrics()
                samples.append((time.perf_counter(), events_sum(text)))
                if samples[-1][1] >= lines:
                    return
                time.sleep(0.02)

        cpu0 = c.proc_cpu_seconds(d.pid)
        t_start = time.perf_counter()
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        written = pos = 0
        src = os.open(data, os.O_RDONLY)
        fd = os.open(followed, os.O_WRONLY)  # copy_file_range refuses O_APPEND
        try:
            for offset, length, n in chunks:
                copy_chunk(src, fd, offset, length, pos)
                pos += length
                written += n
        finally:
            os.close(fd)
            os.close(src)
        t_write_end = time.perf_counter()
        th.join(timeout=120)
        stop.set()
        cpu = c.proc_cpu_seconds(d.pid) - cpu0
        final = client.metrics()
        client.close()
        if not d.alive():
            raise RuntimeError(f"exporter died; log {d.log_path}")
    followed.unlink()
    if not samples or samples[-1][1] < lines:
        raise RuntimeError(f"only {samples[-1][1] if samples else 0:.0f} of {lines} events visible "
                           f"after 120 s")
    t_done = samples[-1][0]
    ev = c.events_total(final)
    return {"eps": lines / (t_done - t_start), "write_s": t_write_end - t_start,
            "total_s": t_done - t_start, "lag_s": t_done - t_write_end, "cpu_s": cpu,
            "events": ev, "written": written}


def run_latency(binary, work, data, markers, rate, label):
    """Markers appended at known times, optionally over a background writer at
    `rate` lines/s. Returns dict with latencies (s), timeouts, rates."""
    followed = new_followed_file(work, f"follow_latency_{label}.jsonl")
    config = c.write_config(work / "config_latency.yaml", [followed], poll_interval="100ms")
    lock = threading.Lock()
    stop = threading.Event()
    bg = {"lines": 0, "t0": None, "t1": None}
    fd = os.open(followed, os.O_WRONLY | os.O_APPEND)

    def background():
        batch = max(1, rate // 100)  # lines per 10 ms tick
        with open(data, "rb") as f:
            t0 = bg["t0"] = time.perf_counter()
            while not stop.is_set():
                due = int(rate * (time.perf_counter() - t0)) - bg["lines"]
                if due <= 0:
                    time.sleep(0.01 - ((time.perf_counter() - t0) % 0.01))
                    continue
                block = list(itertools.islice(f, min(due, batch * 10)))
                if not block:  # end of the data: start over
                    f.seek(0)
                    continue
                with lock:
                    os.write(fd, b"".join(block))
                bg["lines"] += len(block)
        bg["t1"] = time.perf_counter()

    lat, timeouts = [], 0
    with c.Daemon(binary, config, work / f"daemon_latency_{label}.log") as d:
        th = None
        if rate:
            th = threading.Thread(target=background, daemon=True)
            th.start()
            time.sleep(0.5)  # let the daemon reach the steady state
        text = d.metrics()
        ev0, t_ev0, cpu0 = events_sum(text), time.perf_counter(), c.proc_cpu_seconds(d.pid)
        seen = marker_count(text)
        rnd = random.Random(7)
        for i in range(markers):
            line = marker_line(i)
            with lock:
                os.write(fd, line)
                t0 = time.perf_counter()
            nxt = t0
            while True:
                text = d.metrics()
                now = time.perf_counter()
                count = marker_count(text)
                if count > seen:
                    lat.append(now - t0)
                    seen = count
                    break
                if now - t0 > 2.0:
                    timeouts += 1
                    seen = count
                    break
                nxt += 0.005
                if nxt > now:
                    time.sleep(nxt - now)
            time.sleep(rnd.uniform(0.02, 0.06))
        text = d.metrics()
        ev1, t_ev1, cpu1 = events_sum(text), time.perf_counter(), c.proc_cpu_seconds(d.pid)
        stop.set()
        if th:
            th.join(timeout=10)
        if not d.alive():
            raise RuntimeError(f"exporter died; log {d.log_path}")
        final_markers = marker_count(d.metrics())
    os.close(fd)
    followed.unlink()
    out = {"lat": lat, "timeouts": timeouts, "final_markers": final_markers,
           "eps": (ev1 - ev0) / (t_ev1 - t_ev0), "cpu_pct": 100 * (cpu1 - cpu0) / (t_ev1 - t_ev0)}
    if rate and bg["t1"]:
        out["bg_rate"] = bg["lines"] / (bg["t1"] - bg["t0"])
    return out


def main():
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, help="lines of data (default 1,000,000; --quick 100,000)")
    p.add_argument("--runs", type=int, help="'max' mode runs (default 3; --quick 1)")
    p.add_argument("--markers", type=int, help="latency markers per mode (default 200; --quick 30)")
    p.add_argument("--rate", type=int, default=50_000, help="background lines/s in the loaded "
                   "latency mode (default 50,000)")
    args = p.parse_args()
    lines_wanted = args.lines or (100_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 3)
    markers = args.markers or (30 if args.quick else 200)
    binary = c.setup(args)
    res = c.Results("live_follow", args)

    data = c.events_file(args.data_dir, lines_wanted)
    lines, disconnects = c.file_counts(data)
    work = args.data_dir / "live_follow"
    work.mkdir(exist_ok=True)
    c.warm_page_cache(data)

    # --- max rate
    chunks = line_chunks(data)
    results = []
    for r in range(runs):
        try:
            m = run_max(binary, work, data, chunks, lines, r + 1)
        except RuntimeError as e:
            res.fail(f"max run {r + 1}: {e}")
            continue
        ev = m["events"]
        if sum(ev.values()) != lines or ev.get("disconnect") != disconnects:
            res.fail(f"max run {r + 1}: events_total {ev} != {lines} lines / {disconnects} "
                     f"disconnects")
        c.log(f"max run {r + 1}/{runs}: {m['eps']:,.0f} ev/s (writer {m['write_s']:.2f} s, "
              f"all visible {m['total_s']:.2f} s, lag after writer {m['lag_s'] * 1000:.0f} ms, "
              f"exporter cpu {m['cpu_s']:.2f} s)")
        results.append(m)
    if results:
        eps = [m["eps"] for m in results]
        res.add(f"sustained events/s, writer flat out, {lines:,} lines (median)",
                f"{c.fmt_rate(c.median(eps))} (min {c.fmt_int(min(eps))}, max {c.fmt_int(max(eps))}, "
                f"n={len(eps)})", "")
        res.add("  writer time / exporter lag after the last append (median)",
                f"{c.median([m['write_s'] for m in results]):.2f} s / "
                f"{c.fmt_ms(c.median([m['lag_s'] for m in results]))}", "")
        res.add("  exporter lines per CPU-second (median)",
                c.fmt_int(c.median([lines / m["cpu_s"] for m in results if m["cpu_s"] > 0] or [0])), "")

    # --- latency
    latency_summary = []
    for rate in (0, args.rate):
        label = "idle" if not rate else f"{rate // 1000}k_per_s"
        title = "idle file" if not rate else f"{rate:,} lines/s background"
        try:
            m = run_latency(binary, work, data, markers, rate, label)
        except RuntimeError as e:
            res.fail(f"latency {label}: {e}")
            continue
        lat = m["lat"]
        if m["timeouts"]:
            res.fail(f"latency {label}: {m['timeouts']} of {markers} markers not visible within 2 s")
        if m["final_markers"] != markers:
            res.fail(f"latency {label}: {m['final_markers']:.0f} markers counted, {markers} written")
        if not lat:
            continue
        p50, p99, mx = c.percentile(lat, 50), c.percentile(lat, 99), max(lat)
        c.log(f"latency {label}: p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms max "
              f"{mx * 1000:.1f} ms over {len(lat)}; exporter {m['eps']:,.0f} ev/s, cpu {m['cpu_pct']:.0f}%"
              + (f", writer {m['bg_rate']:,.0f} lines/s" if "bg_rate" in m else ""))
        latency_summary.append((label, f"p50 {c.fmt_ms(p50)} p99 {c.fmt_ms(p99)} max {c.fmt_ms(mx)}"))
        res.add(f"append -> /metrics latency, {title}: p50 / p99 / max (n={len(lat)})",
                f"{c.fmt_ms(p50)} / {c.fmt_ms(p99)} / {c.fmt_ms(mx)}",
                f"< 100 ms: {c.verdict(mx < 0.1)} (max)")
        if rate:
            res.add(f"  exporter events/s and CPU during the {rate:,} lines/s phase",
                    f"{c.fmt_rate(m['eps'])}, {m['cpu_pct']:.0f}% of a core "
                    f"(writer achieved {c.fmt_int(m.get('bg_rate', 0))} lines/s)", "")
    summary = []
    if results:
        summary.append(f"sustained {c.fmt_rate(c.median([m['eps'] for m in results]))}")
    summary += [f"latency {lbl}: {txt}" for lbl, txt in latency_summary]
    summary = "; ".join(summary)
    return res.emit(summary)


if __name__ == "__main__":
    sys.exit(main())
