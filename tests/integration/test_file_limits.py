#!/usr/bin/env python3
"""What a hostile day does to file sources, with the real binary:

- a glob over 3,000 files under `ulimit -n 1024` (soft and hard): every event
  of every file is counted exactly once, /metrics keeps answering within 2 s,
  checkpoints keep working, the lack of descriptors is said once (not once
  per file) and counted, a closed file that grows is reopened, and a SIGKILL
  and restart count nothing twice;
- a followed symlink re-pointed at rotation while the exporter is down after
  a SIGKILL: the old target's unread lines are read to its end;
- a gzip-compressed rotated file beside its log, matched by `app.log*`:
  skipped with one log line and a counter, no parse errors.
"""
import gzip
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FILES = 3000
NOFILE = 1024


def disconnects(s):
    return h.total(s, "stream_disconnects_total")


def main():
    args = h.parse_args()
    checks = h.Checks("file_limits")

    def many_files_few_descriptors():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        model = h.Model()
        events = h.mixed_events(FILES * 2, seed=7)
        for i in range(FILES):
            pair = events[2 * i:2 * i + 2]
            for e in pair:  # distinct content: files with equal first bytes are copies
                e["stream_id"] = "stream-%04d" % i
            h.append(os.path.join(logs, "app-%04d.log" % i), pair)
            model.add_all(pair)
        want = model.disconnects()
        cfg = {"state_file": os.path.join(d, "state", "state.json"), "checkpoint_interval": "200ms",
               # Above what the process may hold: the process's budget is what binds.
               "sources": [h.file_source("many", [os.path.join(logs, "*.log")],
                                         max_open_files=100000)]}
        exp = h.Exporter(h.with_limits(args, d, "--nofile=%d:%d" % (NOFILE, NOFILE)), cfg, log_level="info")
        exp.start()
        slowest = 0.0
        # A sanitizer build (-O0, shadow memory) is several times slower.
        allowed = 10.0 if h.sanitizer_build(args.binary) else 2.0
        deadline = time.monotonic() + 90
        while True:
            t0 = time.monotonic()
            s = h.parse_exposition(exp.get(exp.telemetry_path, timeout=30)[2].decode())
            slowest = max(slowest, time.monotonic() - t0)
            if disconnects(s) >= want or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        h.require(disconnects(s) == want, "every disconnect of %d files counted: %s of %s"
                  % (FILES, disconnects(s), want))
        h.require(slowest < allowed, "/metrics answered within %.0f s throughout (slowest %.2f s)"
                  % (allowed, slowest))
        opened = h.total(s, "stream_disconnect_exporter_files_open", source="many")
        h.require(0 < opened <= NOFILE - 64, "files open within the budget: %s" % opened)
        h.require(h.total(s, "stream_disconnect_exporter_files_waiting_total", source="many") > 0,
                  "files that waited for a descriptor are counted")
        h.require(h.total(s, "stream_disconnect_exporter_checkpoint_failures_total") == 0,
                  "checkpoints kept working")
        h.require(h.total(s, "stream_disconnect_exporter_parse_errors_total") == 0, "no parse error")
        log = exp.log_text()
        said = sum(1 for line in log.splitlines() if "descriptor" in line)
        h.require(1 <= said <= 5, "the lack of descriptors is said a few times, not per file: %d" % said)
        h.require("Too many open files" not in log, "no open failed with EMFILE")
        # A file closed long ago (read first) grows: reopened and read.
        extra = h.make_callback(18, sub_errcode=202)
        h.append(os.path.join(logs, "app-0000.log"), [extra])
        model.add(extra)
        exp.wait_values(model.expected("many"), timeout=20, what="the appended line of a closed file")
        # kill -9 and restart: nothing lost, nothing twice.
        exp.kill()
        model.restarted()
        exp.start()
        exp.wait_values(model.expected("many"), timeout=30, settle=1.0,
                        what="the same counts after kill -9 and restart")
        exp.stop()

    def symlink_repointed_while_down():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        day1 = os.path.join(logs, "app-2026-12-03.log")
        day2 = os.path.join(logs, "app-2026-12-04.log")
        link = os.path.join(d, "current.log")
        os.symlink(day1, link)
        model = h.Model()
        first = h.mixed_events(200, seed=1)
        h.append(day1, first)
        model.add_all(first)
        cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "100ms",
               "sources": [h.file_source("link", [link])]}
        exp = h.Exporter(args, cfg)
        exp.start()
        exp.wait_values(model.expected("link"), what="day 1's first lines")
        time.sleep(0.3)  # a checkpoint with day 1's position
        exp.kill()
        model.restarted()
        # While it is down: day 1 gets 600 more lines, then the link moves on.
        rest = h.mixed_events(600, seed=2)
        h.append(day1, rest)
        model.add_all(rest)
        later = h.mixed_events(200, seed=3)
        h.append(day2, later)
        model.add_all(later)
        os.remove(link)
        os.symlink(day2, link)
        exp.start()
        s = exp.wait_values(model.expected("link"), timeout=20, settle=0.5,
                            what="day 1's unread lines and day 2, each once")
        h.require(h.total(s, "stream_disconnect_exporter_file_positions_dropped_total") == 0,
                  "no position dropped")
        exp.stop()

    def gzip_beside_its_log():
        d = h.mkdtemp()
        model = h.Model()
        plain = h.mixed_events(50, seed=4)
        h.append(os.path.join(d, "app.log"), plain)
        model.add_all(plain)
        with gzip.open(os.path.join(d, "app.log.1.gz"), "wb") as f:
            for e in h.mixed_events(500, seed=5):
                f.write(h.line_bytes(e))
        cfg = {"sources": [h.file_source("gz", [os.path.join(d, "app.log*")])]}
        exp = h.Exporter(args, cfg)
        exp.start()
        s = exp.wait_values(model.expected("gz"), what="only the plain log counted")
        h.require(h.total(s, "stream_disconnect_exporter_parse_errors_total") == 0, "no parse error")
        h.require(h.total(s, "stream_disconnect_exporter_compressed_files_skipped_total",
                          source="gz") == 1, "the .gz counted as skipped once")
        time.sleep(0.5)  # more polls: still said once
        h.require(exp.log_text().count("gzip-compressed") == 1, "said once")
        exp.stop()

    checks.run("3,000 files under ulimit -n 1024", many_files_few_descriptors)
    checks.run("symlink re-pointed while down after kill -9", symlink_repointed_while_down)
    checks.run("a .gz beside its log", gzip_beside_its_log)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
