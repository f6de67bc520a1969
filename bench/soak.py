#!/usr/bin/env python3
"""Soak: the daemon follows a rotating log for a long time (not in CI).

    python3 bench/soak.py [--minutes 60] [--rate 2000] [--binary B] [--csv out.csv]

The exporter (Release build in build-bench/, or --binary) follows
`live.jsonl*` in a scratch dir with a state_file. One writer thread appends
gen_events.py lines (a pool of --pool lines, cycled) at a steady --rate
lines/s in 50 ms batches, and every --rotate-every seconds rotates the file,
alternating rename+create (live.jsonl -> live.jsonl.<k>, new live.jsonl) and
copytruncate (copy to live.jsonl.<k>, truncate in place; done between two
batches, so no line falls between copy and truncate). Rotated files past the
newest --keep are deleted, but only once a scrape shows counts covering every
line written before they were rotated (a tailer cannot read a file deleted
unread). /metrics is scraped every --scrape-every seconds (each scrape also
makes the daemon checkpoint); every minute a row records elapsed, VmRSS,
VmHWM, open fds, events counted and written. At the end the writer stops, the
daemon catches up, and stream_disconnects_by_code_total per (errcode,
sub_errcode) and stream_pushes_total must equal what was written, exactly.

Writes a CSV (--csv, default <data-dir>/soak-<time>.csv), prints a table, and
a verdict: exact counts, and RSS / fd growth between the second minute and
the end (flat is the DESIGN target: "flat over a 1-hour soak").
"""
import csv
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import common as c

sys.path.insert(0, str(c.REPO / "tests" / "integration"))
import harness as h  # noqa: E402  (reference classifier and exposition parser)


def parse_args():
    p = c.parser(__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=60.0, help="duration (default 60)")
    p.add_argument("--rate", type=int, default=2000, help="lines/s appended (default 2000)")
    p.add_argument("--pool", type=int, default=200_000, help="gen_events.py lines, cycled (default 200k)")
    p.add_argument("--rotate-every", type=float, default=60.0, help="seconds between rotations")
    p.add_argument("--scrape-every", type=float, default=10.0, help="seconds between scrapes")
    p.add_argument("--sample-every", type=float, default=60.0, help="seconds between CSV rows")
    p.add_argument("--keep", type=int, default=3, help="rotated files kept (older ones deleted)")
    p.add_argument("--checkpoint-interval", default="5s")
    p.add_argument("--csv", help="CSV output path")
    return p.parse_args()


def proc_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile (KiB) from /proc/PID/status: RssAnon
    is the heap and stacks, RssFile mostly the binary's and libraries' pages
    (which grow as code paths run for the first time)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    return out


def row_of(t, pid, counted_events, written, rotations):
    st = proc_status(pid)
    return {"elapsed_s": round(t), "vmrss_kib": st["VmRSS"], "vmhwm_kib": st["VmHWM"],
            "rss_anon_kib": st.get("RssAnon", 0), "rss_file_kib": st.get("RssFile", 0),
            "fds": proc_fds(pid), "events_counted": counted_events, "lines_written": written,
            "rotations": rotations, "cpu_s": round(c.proc_cpu_seconds(pid), 2)}


def proc_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def counted(samples):
    """(disconnects by code {(errcode, sub): n}, pushes) from a scrape."""
    by_code = {}
    for labels, v in h.series(samples, "stream_disconnects_by_code_total"):
        k = (int(labels["errcode"]), int(labels["sub_errcode"]))
        by_code[k] = by_code.get(k, 0) + int(v)
    return by_code, int(h.total(samples, "stream_pushes_total"))


class Writer(threading.Thread):
    def __init__(self, args, logs, pool_lines, pool_keys):
        super().__init__(daemon=True)
        self.args = args
        self.live = logs / "live.jsonl"
        self.pool_lines = pool_lines
        self.pool_keys = pool_keys       # per pool line: (errcode, sub) or "push"
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()     # guards the counters below
        self.written = 0
        self.by_code = {}
        self.pushes = 0
        self.rotations = {"rename": 0, "copytruncate": 0}
        self.rotated = []                # [(path, lines written before it was rotated)]
        self.deleted = 0
        self.covered = 0                 # events the last scrape showed (set by the scraper)
        self.error = None

    def run(self):
        try:
            self._run()
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            self.error = e

    def _run(self):
        batch_s = 0.05
        per_batch = max(1, round(self.args.rate * batch_s))
        f = open(self.live, "ab")
        t0 = time.monotonic()
        # half a period out of phase with the per-minute samples, so a sample
        # never races a rotation in progress
        next_rotation = t0 + self.args.rotate_every / 2
        i = 0
        k = 0
        n_pool = len(self.pool_lines)
        batches = 0
        while not self.stop_flag.is_set():
            idx = [(i + j) % n_pool for j in range(per_batch)]
            f.write(b"".join(self.pool_lines[x] for x in idx))
            f.flush()
            with self.lock:
                for x in idx:
                    key = self.pool_keys[x]
                    if key == "push":
                        self.pushes += 1
                    else:
                        self.by_code[key] = self.by_code.get(key, 0) + 1
                self.written += per_batch
            i = (i + per_batch) % n_pool
            batches += 1
            now = time.monotonic()
            if now >= next_rotation:
                k += 1
                rotated = self.live.with_name("live.jsonl.%d" % k)
                if k % 2 == 1:   # rename + create (the writer reopens right away)
                    os.rename(self.live, rotated)
                    f.close()
                    f = open(self.live, "ab")
                    kind = "rename"
                else:            # copytruncate, between two batches
                    f.close()
                    shutil.copyfile(self.live, rotated)
                    os.truncate(self.live, 0)
                    f = open(self.live, "ab")
                    kind = "copytruncate"
                with self.lock:
                    self.rotations[kind] += 1
                    self.rotated.append((rotated, self.written))
                next_rotation += self.args.rotate_every
                self._delete_finished()
            # steady rate: batch n is due at t0 + n * batch_s
            delay = t0 + batches * batch_s - time.monotonic()
            if delay > 0:
                self.stop_flag.wait(delay)
        f.close()

    def _delete_finished(self):
        with self.lock:
            while len(self.rotated) > self.args.keep and self.rotated[0][1] <= self.covered:
                path, _ = self.rotated.pop(0)
                os.unlink(path)
                self.deleted += 1

    def snapshot(self):
        with self.lock:
            return self.written, dict(self.by_code), self.pushes


def main():
    args = parse_args()
    binary = c.setup(args)
    run_dir = args.data_dir / ("soak-" + time.strftime("%Y%m%d-%H%M%S"))
    logs = run_dir / "logs"
    logs.mkdir(parents=True)
    csv_path = Path(args.csv) if args.csv else run_dir.with_suffix(".csv")

    pool_file = c.events_file(args.data_dir, args.pool, seed=7)
    messages = h.Messages(str(c.REPO))
    pool_lines, pool_keys = [], []
    with open(pool_file, "rb") as f:
        for line in f:
            ev = json.loads(line)
            pool_lines.append(line)
            if int(ev["event_type"]) == 1:
                pool_keys.append("push")
            else:
                e, s, _cat = h.resolve(ev, messages)
                pool_keys.append((e, s))
    c.log(f"pool: {len(pool_lines)} lines from {pool_file}")

    config = run_dir / "config.yaml"
    config.write_text(
        f"state_file: {json.dumps(str(run_dir / 'state.json'))}\n"
        f"checkpoint_interval: {args.checkpoint_interval}\n"
        f"sources: [{{name: soak, type: file, paths: [{json.dumps(str(logs / 'live.jsonl*'))}], "
        f"format: tencent_callback, start_at: beginning}}]\n")
    daemon = c.Daemon(binary, config, run_dir / "exporter.log")
    daemon.start()
    c.log(f"exporter pid {daemon.pid} on port {daemon.port}; run dir {run_dir}; "
          f"{args.minutes} min at {args.rate} lines/s, rotation every {args.rotate_every}s")

    writer = Writer(args, logs, pool_lines, pool_keys)
    rows = []
    t0 = time.monotonic()
    duration = args.minutes * 60
    writer.start()
    next_scrape = t0
    next_sample = t0 + args.sample_every
    last_counts = (0, 0)
    scrapes = 0
    try:
        while time.monotonic() - t0 < duration:
            if writer.error:
                raise writer.error
            if not daemon.alive():
                raise RuntimeError(f"exporter died (rc {daemon.proc.returncode})")
            now = time.monotonic()
            if now >= next_scrape:
                s = h.parse_exposition(daemon.metrics())
                scrapes += 1
                by_code, pushes = counted(s)
                events = sum(by_code.values()) + pushes
                with writer.lock:
                    writer.covered = events
                last_counts = (events, pushes)
                next_scrape += args.scrape_every
            if now >= next_sample:
                s = h.parse_exposition(daemon.metrics())   # fresh counts for the row
                scrapes += 1
                by_code, pushes = counted(s)
                last_counts = (sum(by_code.values()) + pushes, pushes)
                written, _, _ = writer.snapshot()
                row = row_of(now - t0, daemon.pid, last_counts[0], written, sum(writer.rotations.values()))
                rows.append(row)
                c.log("  ".join(f"{k}={v}" for k, v in row.items()))
                next_sample += args.sample_every
            time.sleep(max(0.0, min(next_scrape, next_sample) - time.monotonic()))
    finally:
        writer.stop_flag.set()
        writer.join(timeout=30)
    if writer.error:
        raise writer.error

    # catch up, then compare exactly
    written, want_codes, want_pushes = writer.snapshot()
    deadline = time.monotonic() + 60
    while True:
        s = h.parse_exposition(daemon.metrics())
        by_code, pushes = counted(s)
        if sum(by_code.values()) + pushes >= written or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(1.0)   # a late double count would show now
    s = h.parse_exposition(daemon.metrics())
    by_code, pushes = counted(s)
    rows.append(row_of(time.monotonic() - t0, daemon.pid, sum(by_code.values()) + pushes, written,
                       sum(writer.rotations.values())))
    daemon.stop()

    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)

    print()
    print("| elapsed s | VmRSS KiB | VmHWM KiB | RssAnon KiB | RssFile KiB | fds | events counted "
          "| lines written | rotations |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['elapsed_s']} | {r['vmrss_kib']} | {r['vmhwm_kib']} | {r['rss_anon_kib']} | "
              f"{r['rss_file_kib']} | {r['fds']} | {r['events_counted']} | {r['lines_written']} | "
              f"{r['rotations']} |")
    print()
    problems = []
    for k in sorted(set(want_codes) | set(by_code)):
        if want_codes.get(k, 0) != by_code.get(k, 0):
            problems.append(f"  errcode={k[0]} sub_errcode={k[1]}: written {want_codes.get(k, 0)}, "
                            f"counted {by_code.get(k, 0)}")
    if pushes != want_pushes:
        problems.append(f"  pushes: written {want_pushes}, counted {pushes}")
    print(f"soak: {args.minutes:g} min, {args.rate} lines/s, {written} lines written, "
          f"rotations {writer.rotations}, rotated files deleted {writer.deleted}, {scrapes} scrapes")
    if len(rows) >= 3:
        base = rows[1]
        last = rows[-1]
        print(f"RSS {base['vmrss_kib']} KiB at {base['elapsed_s']} s -> {last['vmrss_kib']} KiB at end "
              f"({last['vmrss_kib'] - base['vmrss_kib']:+d} KiB; heap+stacks RssAnon "
              f"{base['rss_anon_kib']} -> {last['rss_anon_kib']} KiB); peak {last['vmhwm_kib']} KiB; "
              f"fds {base['fds']} -> {last['fds']}")
    print(f"CSV: {csv_path}; run dir: {run_dir}")
    if problems:
        print("COUNTS NOT EXACT:")
        print("\n".join(problems))
        return 1
    print("counts exact: every disconnect and push written was counted once")
    shutil.rmtree(logs, ignore_errors=True)   # the data is large; the log and CSV stay
    return 0


if __name__ == "__main__":
    sys.exit(main())
