#!/usr/bin/env python3
"""--once over several files uses every core (one thread per core, files
spread by size, a counter shard per thread) and prints exactly what one
thread prints: byte for byte (but the two start timestamps), with every
counter and every stream_push_duration_seconds bucket equal to an
independent count of the files. Also with dimension labels, and past
max_label_sets (which label sets are admitted depends on line order, so
that case is read again on one thread)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FILES = 4
LINES = 20000
SOURCE = "days"
BOUNDS = (1, 10, 60, 300, 900, 3600, 14400, 43200, 86400)
# Differ between any two runs by nature.
TIMESTAMPS = ("stream_disconnect_exporter_start_time_seconds",
              "stream_disconnect_exporter_config_last_reload_success_timestamp_seconds")


def count_files(paths, labels=()):
    """Independent count: json.loads per line, DESIGN's categories, and the
    histogram cells computed here from push_duration (ms)."""
    model = h.Model(labels=labels)
    hist = {}  # (category, *labels) -> [bucket counts..., +Inf count, sum ms]
    for path in paths:
        with open(path, "rb") as f:
            for raw in f:
                ev = json.loads(raw)
                model.add(ev)
                if ev["event_type"] != 0:
                    continue
                _, _, cat = h.resolve(ev)
                k = (cat,) + model._dims(ev)
                cells = hist.setdefault(k, [0] * (len(BOUNDS) + 2))
                ms = int(ev["push_duration"])
                bucket = sum(1 for b in BOUNDS if ms > b * 1000)
                cells[bucket] += 1
                cells[-1] += ms
    return model, hist


def run_once(args, work, cfg, name, pin):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(h.to_yaml(cfg))
    cmd = [args.binary, "--config.file=" + path, "--once", "--log.level=debug"]
    if pin:
        cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *cmd]
    r = h.run(cmd, cwd=work, timeout=120)
    h.require(r.returncode == 0, "%s: exit %s: %s" % (name, r.returncode, r.stderr[-2000:]))
    return r.stdout.decode("utf-8"), r.stderr.decode("utf-8", "replace")


def without_timestamps(text):
    return "\n".join(l for l in text.split("\n") if not l.startswith(TIMESTAMPS))


def check_histogram(samples, hist, labels):
    problems = []
    seen = set()
    for k, cells in hist.items():
        lab = dict(zip(("category",) + tuple(labels), k))
        cum = 0
        for i, le in enumerate([str(b) for b in BOUNDS] + ["+Inf"]):
            cum += cells[i]
            got = samples.get(h.key("stream_push_duration_seconds_bucket", le=le, **lab))
            if got != cum:
                problems.append("%s le=%s: got %s, want %s" % (lab, le, got, cum))
        got_sum = samples.get(h.key("stream_push_duration_seconds_sum", **lab))
        if got_sum is None or abs(got_sum - cells[-1] / 1000.0) > 1e-6 * max(1.0, cells[-1] / 1000.0):
            problems.append("%s sum: got %s, want %s" % (lab, got_sum, cells[-1] / 1000.0))
        if samples.get(h.key("stream_push_duration_seconds_count", **lab)) != cum:
            problems.append("%s count" % lab)
        seen.add(frozenset(lab.items()))
    for (name, ls), v in samples.items():
        if name == "stream_push_duration_seconds_count" and frozenset(ls) not in seen:
            problems.append("unexpected histogram %s = %s" % (dict(ls), v))
    return problems


def main():
    args = h.parse_args()
    checks = h.Checks("once_parallel")
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        print("note: one usable core; the parallel path is not taken here")
    work = h.mkdtemp()
    paths = []
    for i in range(FILES):
        p = os.path.join(work, "day%02d.jsonl" % i)
        h.gen_events(args.source_dir, LINES, 100 + i, p)
        paths.append(p)
    glob = [os.path.join(work, "day*.jsonl")]

    def case(name, labels, cap=None, expect_redo=False):
        def run():
            cfg = {"labels": list(labels), "sources": [h.file_source(SOURCE, glob)]}
            if cap:
                cfg["max_label_sets"] = cap
            one, _ = run_once(args, work, cfg, name + "-1", pin=True)
            many, log = run_once(args, work, cfg, name + "-n", pin=False)
            h.require(without_timestamps(one) == without_timestamps(many),
                      "output on %d cores differs from one core" % cores)
            if cores >= 2:
                took = "--once: %d files on" % FILES in log
                redo = "reading again on one thread" in log
                h.require(redo == expect_redo, "redo on one thread: %s, expected %s" % (redo, expect_redo))
                h.require(took or expect_redo, "the parallel path was not taken:\n" + log[-1500:])
            if cap:
                return
            s = h.parse_exposition(many)
            model, hist = count_files(paths, labels)
            problems = h.check_by_code_exact(s, model)
            exp = model.expected(source=SOURCE)
            problems += h.diff(s, exp)
            problems += check_histogram(s, hist, labels)
            absent = h.total(s, "stream_disconnect_exporter_push_duration_absent_total", source=SOURCE)
            if absent != 0:
                problems.append("push_duration_absent_total %s, every generated line has one" % absent)
            h.require(not problems, "differs from the Python count:\n    " + "\n    ".join(problems[:40]))
        checks.run(name, run)

    case("no labels: exact counts, same bytes as one core", ())
    case("labels [domain, app]: exact counts and histogram, same bytes", ("domain", "app"))
    case("past max_label_sets: read again on one thread, same bytes", ("stream",), cap=300,
         expect_redo=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
