#!/usr/bin/env python3
"""Malformed optional fields never drop a disconnect (issue 8): event_time
past 2^63, a float or a string; a numeric stream_id; a lone surrogate in a
label value; a bad push_duration. Each is counted in
stream_disconnect_exporter_bad_optional_fields_total{source,field} and the
disconnect still counts; an integral float errcode (18.0) is accepted,
18.5 and 1e400 are still wrong_type. Runs the real binary with --once."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "cb"


def main():
    args = h.parse_args()
    checks = h.Checks("optional_fields")
    work = h.mkdtemp()
    path = os.path.join(work, "callbacks.jsonl")
    base = '"event_type":0,"errmsg":"error","appname":"live","app":"push0.example.com"'
    # (raw line, bad field or None): written by hand, as a broken producer would.
    lines = [
        ('{%s,"errcode":3,"stream_id":"s1","event_time":9223372036854775808}' % base, "event_time"),
        ('{%s,"errcode":3,"stream_id":"s1","event_time":1764000000.5}' % base, "event_time"),
        ('{%s,"errcode":3,"stream_id":"s1","event_time":"yesterday"}' % base, "event_time"),
        ('{%s,"errcode":3,"stream_id":12345}' % base, "stream"),
        ('{%s,"errcode":3,"stream_id":"a\\uD800b"}' % base, "stream"),
        ('{%s,"errcode":3,"stream_id":"s1","push_duration":"12 s"}' % base, "push_duration"),
        ('{%s,"errcode":3,"stream_id":"s1","push_duration":-5}' % base, "push_duration"),
        ('{%s,"errcode":18.0,"sub_errcode":202.0,"stream_id":"s1","push_duration":"2500"}' % base, None),
        ('{%s,"errcode":3,"stream_id":"s1","push_duration":61000}' % base, None),
    ]
    wrong_type = [
        '{%s,"errcode":18.5,"stream_id":"s1"}' % base,
        '{%s,"errcode":1e400,"stream_id":"s1"}' % base,
    ]
    with open(path, "w", encoding="utf-8") as f:
        for line, _ in lines:
            f.write(line + "\n")
        for line in wrong_type:
            f.write(line + "\n")
    cfg_path = os.path.join(work, "config.yaml")
    with open(cfg_path, "w", encoding="utf-8") as f:
        f.write(h.to_yaml({"labels": ["stream"], "sources": [h.file_source(SOURCE, [path])]}))
    r = h.run([args.binary, "--config.file=" + cfg_path, "--once"], cwd=work, timeout=60)
    out = {}

    def runs():
        h.require(r.returncode == 0, "--once exited %s: %s" % (r.returncode, r.stderr[-2000:]))
        out["s"] = h.parse_exposition(r.stdout.decode("utf-8"))

    checks.run("--once exits 0 with a parseable exposition", runs)
    s = out.get("s", {})

    def disconnects_kept():
        got = h.total(s, "stream_disconnect_exporter_events_total", source=SOURCE, result="disconnect")
        h.require(got == len(lines), "disconnects %s, want %d (every line with a usable code)"
                  % (got, len(lines)))
        wt = h.total(s, "stream_disconnect_exporter_parse_errors_total", source=SOURCE, reason="wrong_type")
        h.require(wt == len(wrong_type), "wrong_type %s, want %d (18.5 and 1e400)" % (wt, len(wrong_type)))

    def bad_fields_counted():
        want = {}
        for _, field in lines:
            if field:
                want[field] = want.get(field, 0) + 1
        for field in ("event_time", "push_duration", "errmsg", "domain", "app", "appid", "stream"):
            got = h.total(s, "stream_disconnect_exporter_bad_optional_fields_total", source=SOURCE, field=field)
            h.require(got == want.get(field, 0), "bad_optional_fields_total{field=%s} = %s, want %s"
                      % (field, got, want.get(field, 0)))

    def normalised_labels():
        # The numeric stream_id counts under its text; the lone surrogate's
        # stream is left empty; the rest under s1.
        by_stream = {}
        for labels, v in h.series(s, "stream_disconnects_total"):
            by_stream[labels["stream"]] = by_stream.get(labels["stream"], 0) + v
        h.require(by_stream == {"s1": 7, "12345": 1, "": 1}, "by stream: %s" % by_stream)

    def integral_float_codes():
        got = h.total(s, "stream_disconnects_by_code_total", errcode="18", sub_errcode="202")
        h.require(got == 1, "18.0/202.0 counted as 18/202: %s" % got)

    def durations():
        # Two usable durations (2.5 s arrears, 61 s client_closed); the other
        # seven disconnects are counted as absent, never as 0.
        arrears = dict((lab["le"], v) for lab, v in h.series(s, "stream_push_duration_seconds_bucket",
                                                             category="arrears", stream="s1"))
        h.require(arrears.get("1") == 0 and arrears.get("10") == 1 and arrears.get("+Inf") == 1,
                  "arrears buckets %s" % arrears)
        closed = dict((lab["le"], v) for lab, v in h.series(s, "stream_push_duration_seconds_bucket",
                                                            category="client_closed", stream="s1"))
        h.require(closed.get("60") == 0 and closed.get("300") == 1, "client_closed buckets %s" % closed)
        h.require(h.total(s, "stream_push_duration_seconds_sum", category="client_closed") == 61.0,
                  "client_closed sum")
        absent = h.total(s, "stream_disconnect_exporter_push_duration_absent_total", source=SOURCE)
        h.require(absent == len(lines) - 2, "push_duration_absent_total %s, want %d" % (absent, len(lines) - 2))

    for name, fn in (("every disconnect with a usable code counts", disconnects_kept),
                     ("bad optional fields are counted by field", bad_fields_counted),
                     ("a numeric stream_id is its text, a broken one empty", normalised_labels),
                     ("18.0 is errcode 18", integral_float_codes),
                     ("bad or absent push_duration is not observed, and counted", durations)):
        checks.run(name, fn)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
