#!/usr/bin/env python3
"""Hot reload and state that matches its config, with the real binary and a
real Prometheus scraping it every second.

- POST /-/reload (with --web.enable-lifecycle; 403 without) and SIGHUP.
- A `codes:` override with a declared category moves no counted event: the
  old series keeps its category and count, new events go to the new one.
- A bad config on reload keeps the old one running, logs file:line:column,
  sets config_last_reload_successful to 0; a good one sets it back to 1.
- A source renamed by a reload, or while the exporter is down, does not read
  its files again.
- Restart and kill -9 between reloads: per-code totals stay exact.
- Prometheus's resets() over the whole run is 0 for both counters.
- Labels changed across a restart ([domain] -> [stream]) never export old
  domain values as stream values.
- Restored label sets count against max_label_sets, and the state file stays
  bounded over restarts.
- A NUL inside a label value does not merge two label sets."""
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_prometheus import Prometheus, scalar_is  # noqa: E402

JOB = "stream_disconnect_exporter_it"


def http_post(url, timeout=10.0):
    req = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def by_code(samples):
    """{(errcode, sub, category): value} summed over other labels."""
    out = {}
    for labels, v in h.series(samples, "stream_disconnects_by_code_total"):
        k = (labels["errcode"], labels["sub_errcode"], labels["category"])
        out[k] = out.get(k, 0) + v
    return out


def gauge(samples, name):
    return h.total(samples, "stream_disconnect_exporter_" + name)


def config(d, name="a", extra=None, labels=None):
    cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s",
           "poll_interval": "100ms"}
    if labels is not None:
        cfg["labels"] = labels
    cfg["sources"] = [h.file_source(name, [os.path.join(d, "logs", "*.jsonl")])]
    text = h.to_yaml(cfg)
    return text + (extra or "")


OVERRIDE = ("categories: [transcoding]\n"
            "codes:\n"
            "  - {errcode: 40, sub_errcode: 0, category: transcoding, reason: bad_codec,\n"
            "     message_en: \"Unsupported codec\"}\n")


def main():
    args = h.parse_args()
    checks = h.Checks("reload")
    d = h.mkdtemp()
    os.mkdir(os.path.join(d, "logs"))
    log = os.path.join(d, "logs", "a.jsonl")
    exp = h.Exporter(args, config(d), dir=d, extra_flags=["--web.enable-lifecycle"])
    want = {}  # (errcode, sub, category) -> count the exporter must show
    prom = {}

    def feed(events, category_of):
        h.append(log, events)
        for ev in events:
            if int(ev["event_type"]) != 0:
                continue
            k = (str(ev["errcode"]), str(ev.get("sub_errcode", 0)), category_of(ev))
            want[k] = want.get(k, 0) + 1

    def wait_exact(what, timeout=15):
        def ok(s):
            got = {k: v for k, v in by_code(s).items() if v}
            return got == want
        try:
            exp.wait_for(ok, timeout=timeout, what=what)
        except AssertionError:
            got = {k: v for k, v in by_code(exp.scrape()).items() if v}
            raise AssertionError("%s: want %s\n got %s" % (what, sorted(want.items()), sorted(got.items())))

    def reload_post(expect=200):
        status, body = http_post(exp.url("/-/reload"))
        h.require(status == expect, "POST /-/reload: HTTP %s (want %s): %s" % (status, expect, body))
        return body

    def setup():
        feed([h.make_callback(40) for _ in range(10)] + [h.make_callback(19) for _ in range(4)],
             lambda ev: "unknown" if ev["errcode"] == 40 else "auth")
        exp.start()
        wait_exact("first feed counted")
        p = Prometheus(exp.port)
        prom["p"] = p
        p.start()
        p.wait_query('stream_disconnects_total{category="unknown"}', scalar_is(10.0), "first scrape")

    def lifecycle_off():
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        other = h.Exporter(args, config(d2), dir=d2, name="no-lifecycle")
        other.start()
        status, body = http_post(other.url("/-/reload"))
        h.require(status == 403, "without --web.enable-lifecycle: HTTP %s %s" % (status, body))
        status, _, _ = other.get("/-/reload")
        h.require(status == 403, "GET without the flag: HTTP %s" % status)
        other.stop()

    def override_keeps_counted_events():
        before = h.total(exp.scrape(), "stream_disconnects_total", category="unknown")
        exp.write_config(config(d, extra=OVERRIDE))
        body = reload_post()
        h.require("kept=1" in body, "the unchanged source is kept: %s" % body)
        feed([h.make_callback(40) for _ in range(5)], lambda ev: "transcoding")
        wait_exact("old 40s stay unknown, new ones are transcoding")
        s = exp.scrape()
        h.require(h.total(s, "stream_disconnects_total", category="unknown") == before,
                  "unknown total unchanged by the reload")
        h.require(h.total(s, "stream_disconnects_total", category="transcoding") == 5, "transcoding total")
        info = h.series(s, "stream_disconnect_code_info", errcode="40", sub_errcode="0")
        h.require(len(info) == 1 and info[0][0]["category"] == "transcoding"
                  and info[0][0]["reason"] == "bad_codec", "info metric has the merged table: %s" % info)
        h.require(gauge(s, "config_last_reload_successful") == 1, "reload successful")
        h.require(gauge(s, "config_reloads_total") >= 1, "reload counted")

    def bad_config_keeps_old():
        good = config(d, extra=OVERRIDE)
        exp.write_config(good + "colour: red\nmax_label_sets: 0\n")
        exp.proc.send_signal(signal.SIGHUP)
        exp.wait_for(lambda s: gauge(s, "config_last_reload_successful") == 0, what="reload refused")
        text = exp.log_text()
        for error in (r"config\.yaml:\d+:1: unknown key .{0,2}colour", r"config\.yaml:\d+:17: .{0,2}max_label_sets"):
            h.require(re.search(error, text), "logged with file:line:column: %s" % error)
        body = reload_post(expect=500)
        h.require("colour" in body, "the HTTP answer says why: %s" % body)
        feed([h.make_callback(40) for _ in range(2)], lambda ev: "transcoding")
        wait_exact("the old config keeps counting")
        s = exp.scrape()
        h.require(gauge(s, "config_reload_failures_total") >= 2, "failures counted")
        exp.write_config(good)
        reload_post()
        h.require(gauge(exp.scrape(), "config_last_reload_successful") == 1, "good again")

    def rename_by_reload():
        exp.write_config(config(d, name="renamed", extra=OVERRIDE))
        body = reload_post()
        h.require("renamed=1" in body, "seen as a rename: %s" % body)
        time.sleep(1.0)  # a re-read would show by now
        wait_exact("no line read twice after the rename", timeout=2)
        feed([h.make_callback(19) for _ in range(3)], lambda ev: "auth")
        wait_exact("new lines counted once")

    def restart_and_kill():
        port = exp.port
        exp.stop()
        exp.start(port=port)
        wait_exact("after a restart")
        feed([h.make_callback(40) for _ in range(4)], lambda ev: "transcoding")
        wait_exact("counted after the restart")
        time.sleep(1.5)  # a checkpoint
        exp.kill()
        feed([h.make_callback(19) for _ in range(2)], lambda ev: "auth")
        exp.start(port=port)
        wait_exact("after kill -9")

    def no_resets_in_prometheus():
        p = prom["p"]
        total = float(sum(want.values()))
        p.wait_query('sum(stream_disconnects_total{job="%s"})' % JOB, scalar_is(total),
                     "Prometheus has the final values")
        for metric in ("stream_disconnects_total", "stream_disconnects_by_code_total"):
            res = p.query('sum(resets(%s{job="%s"}[10m]))' % (metric, JOB))
            h.require(res and res[0][1] == 0, "resets(%s) = %s" % (metric, res))
        res = p.query('count(count_over_time(stream_disconnects_total{job="%s"}[10m]))' % JOB)
        h.require(res and res[0][1] >= 19, "the window holds the series: %s" % res)

    def labels_changed_across_restart():
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        path = os.path.join(d2, "logs", "a.jsonl")
        e = h.Exporter(args, config(d2, labels=["domain"]), dir=d2, name="labels")
        h.append(path, [h.make_callback(19, domain="push0.example.com") for _ in range(3)])
        e.start()
        e.wait_for(lambda s: h.total(s, "stream_disconnects_total", domain="push0.example.com") == 3,
                   what="domain counted")
        e.stop()
        e.write_config(config(d2, labels=["stream"]))
        e.start()
        h.append(path, [h.make_callback(19, stream="s9")])
        e.wait_for(lambda s: h.total(s, "stream_disconnects_total", stream="s9") == 1, what="stream counted")
        s = e.scrape()
        streams = {labels.get("stream") for labels, _ in h.series(s, "stream_disconnects_by_code_total")}
        h.require("push0.example.com" not in streams, "a domain exported as a stream: %s" % streams)
        h.require(gauge(s, "counters_dropped_total") >= 1, "the dropped series are counted")
        e.stop()

    def restored_sets_count_against_cap():
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        path = os.path.join(d2, "logs", "a.jsonl")
        e = h.Exporter(args, config(d2, labels=["domain"], extra="max_label_sets: 2\n"), dir=d2, name="cap")
        sizes = []
        for round_ in range(4):
            evs = [h.make_callback(1, domain="d%d-%d.example.com" % (round_, i)) for i in range(2)]
            h.append(path, evs)
            e.start()
            e.wait_for(lambda s: h.total(s, "stream_disconnects_total") == 2 * (round_ + 1),
                       what="round %d counted" % round_)
            s = e.scrape()
            domains = {labels["domain"] for labels, _ in h.series(s, "stream_disconnects_by_code_total")}
            h.require(gauge(s, "label_sets") == 2, "label_sets %s after round %d" % (gauge(s, "label_sets"), round_))
            h.require(len(domains) <= 3, "at most 2 sets + __overflow__, got %s" % sorted(domains))
            e.stop()
            sizes.append(os.path.getsize(os.path.join(d2, "state.json")))
        h.require(sizes[-1] == sizes[1], "the state file stays bounded: sizes %s" % sizes)

    def rename_across_restart():
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        path = os.path.join(d2, "logs", "a.jsonl")
        h.append(path, [h.make_callback(19), h.make_callback(19)])
        e = h.Exporter(args, config(d2, name="x"), dir=d2, name="rename")
        e.start()
        e.wait_for(lambda s: h.total(s, "stream_disconnects_total") == 2, what="2 lines")
        e.stop()
        e.write_config(config(d2, name="y"))
        e.start()
        time.sleep(1.0)
        n = h.total(e.scrape(), "stream_disconnects_total")
        h.require(n == 2, "2 lines counted %s times after the rename" % n)
        e.stop()

    def nul_in_label_values():
        d2 = h.mkdtemp()
        os.mkdir(os.path.join(d2, "logs"))
        path = os.path.join(d2, "logs", "a.jsonl")
        h.append(path, [h.make_callback(19, domain="x\u0000", appname="y"),
                        h.make_callback(19, domain="x", appname="\u0000y"),
                        h.make_callback(19, domain="x", appname="\u0000y")])
        e = h.Exporter(args, config(d2, labels=["domain", "app"]), dir=d2, name="nul")
        e.start()
        e.wait_for(lambda s: h.total(s, "stream_disconnects_total") == 3, what="3 lines")
        values = sorted(v for _, v in h.series(e.scrape(), "stream_disconnects_total", category="auth"))
        h.require(values == [1, 2], "two label sets (1 and 2), got %s" % values)
        e.stop()

    try:
        checks.run("exporter and prometheus start", setup)
        if "p" in prom:
            checks.run("/-/reload without --web.enable-lifecycle answers 403", lifecycle_off)
            checks.run("codes override on reload moves no counted event", override_keeps_counted_events)
            checks.run("bad config on SIGHUP and POST keeps the old one", bad_config_keeps_old)
            checks.run("source renamed by reload reads nothing twice", rename_by_reload)
            checks.run("restart and kill -9 after reloads stay exact", restart_and_kill)
            checks.run("Prometheus sees no counter reset", no_resets_in_prometheus)
        checks.run("labels [domain] -> [stream] across a restart", labels_changed_across_restart)
        checks.run("restored label sets count against max_label_sets", restored_sets_count_against_cap)
        checks.run("source renamed while down reads nothing twice", rename_across_restart)
        checks.run("a NUL in a label value keeps label sets apart", nul_in_label_values)
    finally:
        if "p" in prom:
            prom["p"].stop()
            if checks.failed:
                print("---- prometheus log tail:\n%s" % prom["p"].log_tail())
        exp.close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
