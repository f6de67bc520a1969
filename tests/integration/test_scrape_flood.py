#!/usr/bin/env python3
"""A scrape flood during ingest: /metrics scraped 20 times a second while the
exporter reads a large file (state file on).

- every scrape answers 200 and no counter ever goes backwards between scrapes;
- checkpoints are coalesced: about one per checkpoint_min_interval (1 s)
  during the flood, not one per scrape;
- at the end every event is counted exactly once;
- after kill -9 and a restart, no scrape shows less than the last value seen
  before the kill (a scrape never shows a value a crash can take back).

Timing figures (ingest rate scraped vs unscraped, scrape p99) are measured by
bench/scrape_flood.py, not here.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

LINES = 300000
PERIOD = 0.05


def disconnects(s):
    return h.total(s, "stream_disconnects_total")


def checkpoints(s):
    return h.total(s, "stream_disconnect_exporter_checkpoint_writes_total")


class Flood(threading.Thread):
    def __init__(self, exp):
        super().__init__(daemon=True)
        self.exp = exp
        self.values = []  # (time, disconnects, checkpoints)
        self.failures = []
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                s = self.exp.scrape()
                self.values.append((time.monotonic(), disconnects(s), checkpoints(s)))
            except Exception as e:  # noqa: BLE001 - recorded, asserted below
                self.failures.append(repr(e))
            self.stop_flag.wait(PERIOD)


def main():
    args = h.parse_args()
    checks = h.Checks("scrape_flood")

    def flood_during_ingest():
        d = h.mkdtemp()
        data = os.path.join(d, "events.jsonl")
        h.gen_events(args.source_dir, LINES, 3, data)
        want = 0
        with open(data, "rb") as f:
            for line in f:
                if b'"event_type":0,' in line:
                    want += 1
        cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "5s",
               "sources": [h.file_source("flood", [data])]}
        exp = h.Exporter(args, cfg, log_level="info")
        exp.start()
        flood = Flood(exp)
        flood.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if flood.values and flood.values[-1][1] >= want:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # a little more flood at rest
        flood.stop_flag.set()
        flood.join(10)
        h.require(not flood.failures, "every scrape answered: %s" % flood.failures[:3])
        values = [v for _, v, _ in flood.values]
        h.require(values and values[-1] == want,
                  "every disconnect counted once: %s of %s" % (values[-1] if values else None, want))
        backwards = [(a, b) for a, b in zip(values, values[1:]) if b < a]
        h.require(not backwards, "no counter went backwards between scrapes: %s" % backwards[:3])
        span = flood.values[-1][0] - flood.values[0][0]
        written = flood.values[-1][2] - flood.values[0][2]
        h.require(len(flood.values) >= 10, "the flood scraped (%d scrapes)" % len(flood.values))
        # One per second from scrapes, plus the periodic ones (every 5 s), plus slack.
        limit = span / 1.0 + span / 5.0 + 2
        h.require(written <= limit, "%d checkpoints in %.1f s of %d scrapes (at most %.0f): coalesced"
                  % (written, span, len(flood.values), limit))
        last_seen = values[-1]
        exp.kill()
        exp.start()
        s = exp.scrape()
        h.require(disconnects(s) >= last_seen,
                  "after kill -9, no value below what a scrape showed: %s < %s"
                  % (disconnects(s), last_seen))
        exp.wait_for(lambda s: disconnects(s) == want, timeout=30, what="still exactly once")
        exp.stop()

    checks.run("20 scrapes a second during ingest", flood_during_ingest)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
