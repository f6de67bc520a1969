#!/usr/bin/env python3
"""Bad lines interleaved with good ones: the daemon stays up, every good line
counts, parse errors are counted by reason, logging of bad lines is rate
limited, and the push URL's secret never reaches the log."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "bad"
SECRET = "5ec2e7c0ffee5ec2e7c0ffee5ec2e7c0"
MIB = 1024 * 1024


class Feed:
    """Bytes to write plus the model of what they must count."""

    def __init__(self, model):
        self.model = model
        self.chunks = []
        self.good = 0
        self.bad = 0

    def good_line(self, ev):
        self.chunks.append(h.line_bytes(ev))
        self.model.add(ev)
        self.good += 1

    def bad_line(self, raw, reason):
        self.chunks.append(raw + b"\n")
        self.model.parse_error(reason)
        self.bad += 1

    def data(self):
        return b"".join(self.chunks)


def secret_callback(errcode=1):
    return h.make_callback(errcode, stream_param="txSecret=%s&txTime=59c91afc" % SECRET)


def add_mixed(feed, seed):
    """One round of every kind of bad line, each followed by a good one."""
    good = iter(h.mixed_events(40, seed=seed))
    nxt = lambda: feed.good_line(next(good))  # noqa: E731
    nxt()
    feed.bad_line(b'{"errcode":1,"event_type":0 oops}', "invalid_json")
    nxt()
    body = h.dumps(secret_callback())
    cut = body.index(SECRET) + len(SECRET) + 12          # truncated after the secret
    feed.bad_line(body[:cut].encode(), "invalid_json")
    nxt()
    feed.bad_line(b'[1,2,3]', "wrong_type")
    nxt()
    feed.bad_line(h.dumps(h.make_callback({"x": 1})).encode(), "wrong_type")   # errcode as object
    nxt()
    feed.bad_line(h.dumps(h.make_callback("abc")).encode(), "wrong_type")      # errcode not a number
    nxt()
    feed.bad_line(b"", "empty_line")
    nxt()
    feed.bad_line(b"", "empty_line")
    nxt()
    feed.bad_line(h.dumps(h.make_callback(1, errmsg="@@")).encode().replace(b"@@", b"\xff\xfe"), "invalid_utf8")
    nxt()
    feed.bad_line(h.dumps(h.make_callback(1, errmsg="@@")).encode().replace(b"@@", b"\xc0\xaf"), "invalid_utf8")
    nxt()
    feed.bad_line(h.dumps(h.make_callback(1, errmsg="@@")).encode().replace(b"@@", b"\xed\xa0\x80"), "invalid_utf8")
    nxt()
    big = h.make_callback(1, errmsg="x" * (2 * MIB))
    feed.bad_line(h.dumps(big).encode(), "line_too_long")
    nxt()                                                # the line right after a long one counts
    feed.bad_line(b'{"event_type":0}', "missing_field")
    nxt()
    feed.bad_line(b'{"errcode":1}', "missing_field")
    nxt()
    feed.bad_line(h.dumps(secret_callback()).encode() + b" trailing", "invalid_json")
    nxt()
    feed.bad_line(b"\x00\x00\x00", "invalid_json")
    nxt()
    # valid lines that are not parse errors
    feed.good_line(h.make_callback(99))                   # unknown code: counted, category unknown
    feed.good_line(h.make_callback(99, errmsg="brand new reason"))
    feed.good_line(h.make_callback(0, event_type=100))    # recording event: filtered
    feed.good_line(h.make_callback(0, event_type=200))
    feed.good_line(h.make_callback(0, event_type=321))
    feed.good_line(h.make_callback(1, errmsg="y" * (900 * 1024)))  # long but under max_line_bytes
    nxt()


def main():
    args = h.parse_args()
    messages = h.Messages(args.source_dir)
    checks = h.Checks("bad_input")
    d = h.mkdtemp()
    logs = os.path.join(d, "logs")
    os.mkdir(logs)
    path = os.path.join(logs, "bad.jsonl")
    model = h.Model(messages=messages)
    cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s", "poll_interval": "100ms",
           "sources": [h.file_source(SOURCE, [os.path.join(logs, "*.jsonl")])]}
    exp = h.Exporter(args, cfg, dir=d)

    def expected():
        e = model.expected(source=SOURCE)
        e.update(model.expected_by_code())
        return e

    def settle_exact(what):
        s = exp.wait_values(expected(), timeout=15, settle=0.3, what=what)
        problems = h.check_by_code_exact(s, model)
        h.require(not problems, "%s: by-code:\n    %s" % (what, "\n    ".join(problems[:40])))
        return s

    def initial_file():
        feed = Feed(model)
        add_mixed(feed, 1)
        h.append(path, feed.data())
        exp.start()
        s = settle_exact("bad lines present at start: good ones counted, errors by reason")
        h.require(h.total(s, "stream_disconnects_by_code_total", errcode="99", sub_errcode="0",
                          category="unknown") == 2, "errcode 99 kept as an unknown code")
        h.require(h.total(s, "stream_disconnect_exporter_events_total", source=SOURCE, result="filtered") == 3,
                  "event types 100/200/321 are filtered")

    def appended():
        feed = Feed(model)
        add_mixed(feed, 2)
        data = feed.data()
        # written in 64 KiB pieces, so the 2 MiB line straddles many reads
        with open(path, "ab") as f:
            for i in range(0, len(data), 64 * 1024):
                f.write(data[i:i + 64 * 1024])
                f.flush()
                if i % (512 * 1024) == 0:
                    time.sleep(0.01)
        settle_exact("appended bad lines: good ones counted, errors by reason")
        h.require(exp.running() and exp.get("/-/healthy")[0] == 200, "daemon healthy after bad input")

    def long_line_at_eof():
        # a too-long line whose newline arrives later: skipped, then the next counts
        big = h.dumps(h.make_callback(1, errmsg="z" * (3 * MIB // 2))).encode()
        h.append(path, big[:MIB + 100])
        time.sleep(0.3)
        h.append(path, big[MIB + 100:] + b"\n")
        model.parse_error("line_too_long")
        good = h.make_callback(12)
        h.append(path, [good])
        model.add(good)
        settle_exact("an over-long line completed later is one line_too_long error")

    def rate_limited():
        # a fresh exporter, so no earlier warning has used up the rate budget
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        path2 = os.path.join(d2, "logs", "flood.jsonl")
        m2 = h.Model(messages=messages)
        cfg2 = dict(cfg, state_file=os.path.join(d2, "state.json"),
                    sources=[h.file_source(SOURCE, [os.path.join(d2, "logs", "*.jsonl")])])
        exp2 = h.Exporter(args, cfg2, dir=d2, name="flood-exporter")
        first = h.mixed_events(5, seed=4)
        m2.add_all(first)
        h.append(path2, first)
        exp2.start()
        exp2.wait_values(m2.expected(source=SOURCE), timeout=15, settle=0, what="start")
        before = len(exp2.log_text().splitlines())
        lines = [b'{"errcode":%d,"event_type":0,' % i for i in range(1000)]   # truncated: invalid_json
        m2.parse_error("invalid_json", 1000)
        good = h.mixed_events(10, seed=3)
        m2.add_all(good)
        h.append(path2, b"\n".join(lines) + b"\n" + b"".join(h.line_bytes(x) for x in good))
        exp2.wait_values(m2.expected(source=SOURCE), timeout=15, settle=0.3, what="1000 bad lines counted")
        time.sleep(0.5)
        new = exp2.log_text().splitlines()[before:]
        warns = [ln for ln in new if "level=warn" in ln]
        print("     1000 bad lines -> %d new log lines, %d warnings" % (len(new), len(warns)))
        h.require(warns, "no warning logged for 1000 bad lines")
        h.require(len(new) < 100, "1000 bad lines produced %d log lines (want far fewer: rate limited)" % len(new))
        h.require(SECRET not in exp2.log_text(), "txSecret in the log")
        exp2.stop()

    def no_secret_in_log():
        text = exp.log_text()
        h.require(SECRET not in text, "the push URL's txSecret was written to the log")

    def bom_file():
        evs = [h.make_callback(19), h.make_callback(18, sub_errcode=202)]
        with open(os.path.join(logs, "bom.jsonl"), "wb") as f:
            f.write(b"\xef\xbb\xbf" + b"".join(h.line_bytes(ev) for ev in evs))
        model.add_all(evs)
        settle_exact("a file starting with a UTF-8 BOM: its first event counted")

    def spaced_secrets_masked():
        secret_sign = "51a9c0ffee51a9c0ffee51a9c0ffee99"
        feed = Feed(model)
        # Python's default json spacing, in a line that is logged as a parse error.
        feed.bad_line(('{"sign": "%s", "t": 1764000600, "stream_param": "txSecret=%s&txTime=5a5a5a5a", '
                       '"errcode": "x"' % (secret_sign, SECRET)).encode(), "invalid_json")
        h.append(path, feed.data())
        settle_exact("the spaced line is a parse error")
        text = exp.log_text()
        for secret in (secret_sign, SECRET, "1764000600", "5a5a5a5a"):
            h.require(secret not in text, "%s written to the log" % secret)

    def clean_exit():
        exp.stop(signal.SIGTERM)

    checks.run("bad lines present at start", initial_file)
    if exp.running():
        checks.run("bad lines appended in pieces", appended)
        checks.run("over-long line completed by a later write", long_line_at_eof)
        checks.run("1000 bad lines: counted, logging rate limited", rate_limited)
        checks.run("txSecret never logged", no_secret_in_log)
        checks.run("a UTF-8 BOM file loses no event", bom_file)
        checks.run("sign, t, txSecret, txTime masked with spaced JSON", spaced_secrets_masked)
        checks.run("clean exit after bad input", clean_exit)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
