#!/usr/bin/env python3
"""A real Prometheus scrapes the exporter on loopback every second: arrears
callbacks (errcode 18, no sub_errcode, English or Chinese errmsg) reach
Prometheus as category="arrears", every category matches, up == 1, and the
code_info join from DESIGN works in PromQL."""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "prom"
JOB = "stream_disconnect_exporter_it"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DEADLINE = 30.0


class Prometheus:
    def __init__(self, target_port):
        self.dir = h.mkdtemp(prefix="sdx-prom-")
        self.target_port = target_port
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.dir, "prometheus.log")

    def start(self):
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: %s\n    static_configs:\n"
                    "      - targets: ['%s:%d']\n" % (JOB, h.LOOPBACK, self.target_port))
        for attempt in range(5):
            self.port = h.free_port()
            with open(self.log_path, "ab") as log:
                self.proc = h.popen([PROMETHEUS, "--config.file=" + cfg,
                                     "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                                     "--web.listen-address=%s:%d" % (h.LOOPBACK, self.port)],
                                    stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.dir)
            deadline = time.monotonic() + DEADLINE
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    status, _, _ = h.http_get("http://%s:%d/-/ready" % (h.LOOPBACK, self.port), timeout=1)
                    if status == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            if self.proc.poll() is None:
                raise AssertionError("prometheus not ready within %.0fs" % DEADLINE)
            if "address already in use" not in self.log_tail():
                raise AssertionError("prometheus exited with %s:\n%s" % (self.proc.returncode, self.log_tail()))
        raise AssertionError("prometheus could not bind a port")

    def stop(self):
        h.kill_proc(self.proc, grace=10)

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def query(self, promql):
        url = "http://%s:%d/api/v1/query?%s" % (h.LOOPBACK, self.port, urllib.parse.urlencode({"query": promql}))
        status, _, body = h.http_get(url, timeout=5)
        if status != 200:
            raise AssertionError("query %s: HTTP %s %s" % (promql, status, body[:300]))
        data = json.loads(body)
        if data.get("status") != "success":
            raise AssertionError("query %s: %s" % (promql, data))
        return [(r["metric"], float(r["value"][1])) for r in data["data"]["result"]]

    def wait_query(self, promql, predicate, what):
        deadline = time.monotonic() + DEADLINE
        last = None
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("prometheus died (%s):\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                last = self.query(promql)
                if predicate(last):
                    return last
            except (OSError, ValueError):
                pass
            if time.monotonic() >= deadline:
                raise AssertionError("%s: %s did not get there within %.0fs; last result %s"
                                     % (what, promql, DEADLINE, last))
            time.sleep(0.25)


def scalar_is(value):
    return lambda res: len(res) == 1 and res[0][1] == value


def main():
    args = h.parse_args()
    messages = h.Messages(args.source_dir)
    checks = h.Checks("prometheus")
    d = h.mkdtemp()
    os.mkdir(os.path.join(d, "logs"))
    path = os.path.join(d, "logs", "callbacks.jsonl")
    cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s", "poll_interval": "100ms",
           "sources": [h.file_source(SOURCE, [os.path.join(d, "logs", "*.jsonl")])]}
    exp = h.Exporter(args, cfg, dir=d)
    model = h.Model(messages=messages)
    en = messages.en[(18, 202)]
    zh = messages.zh[(18, 202)]

    def arrears_batch(n_en, n_zh, seed):
        evs = []
        for i in range(n_en):
            msg = en
            if i % 3 == 1:
                msg = "  " + en.upper().replace(" ", "   ").rstrip(".") + " "   # case, spaces, punctuation
            evs.append(h.make_callback(18, errmsg=msg, domain="push%d.example.com" % (i % 3)))
        for i in range(n_zh):
            msg = zh if i % 2 == 0 else zh.replace("，", ",")                     # full-width vs ASCII comma
            evs.append(h.make_callback(18, errmsg=msg, domain="push%d.example.com" % (i % 3)))
        evs += h.mixed_events(120, seed=seed)
        evs.append(h.make_callback(18, errmsg=messages.en[(18, 100)]))           # shared by 100-104: no match
        evs.append(h.make_callback(18, errmsg="push url maybe invalid"))          # old wording, not a sub-code
        evs.append(h.make_callback(21, errmsg=messages.en[(21, 102)]))
        return evs

    prom = {}

    def setup():
        evs = arrears_batch(37, 23, 1)
        model.add_all(evs)
        h.append(path, evs)
        exp.start()
        want = model.expected(source=SOURCE)
        exp.wait_values(want, timeout=15, settle=0, what="exporter counted the feed")
        h.require(model.by_category[("arrears",)] >= 60, "model resolves every arrears message")
        p = Prometheus(exp.port)
        prom["p"] = p
        p.start()

    def arrears():
        p = prom["p"]
        want = model.by_category[("arrears",)]
        p.wait_query('stream_disconnects_total{category="arrears"}', scalar_is(want),
                     "arrears = %d in Prometheus" % want)

    def up():
        prom["p"].wait_query('up{job="%s"}' % JOB, scalar_is(1.0), "up == 1")

    def every_category():
        want = {cat: float(model.by_category.get((cat,), 0)) for cat in h.CATEGORIES}

        def ok(res):
            return {m.get("category"): v for m, v in res} == want
        prom["p"].wait_query('stream_disconnects_total{job="%s"}' % JOB, ok, "every category")
        prom["p"].wait_query("stream_pushes_total", scalar_is(float(model.pushes.get((), 0))), "pushes")

    def code_info_join():
        q = ('stream_disconnects_by_code_total{category="arrears"} * on(errcode, sub_errcode) '
             'group_left(message_en, message_zh) stream_disconnect_code_info')
        res = prom["p"].wait_query(q, lambda r: len(r) == 1 and r[0][1] == model.by_category[("arrears",)],
                                   "join with code_info")
        m = res[0][0]
        h.require(m.get("message_en") == en and m.get("message_zh") == zh and m.get("errcode") == "18"
                  and m.get("sub_errcode") == "202", "joined labels: %s" % m)

    def live_update():
        evs = arrears_batch(11, 7, 2)
        model.add_all(evs)
        h.append(path, evs)
        want = model.by_category[("arrears",)]
        prom["p"].wait_query('stream_disconnects_total{category="arrears"}', scalar_is(want),
                             "arrears = %d after appending" % want)
        prom["p"].wait_query('sum(stream_disconnects_total{job="%s"})' % JOB,
                             scalar_is(float(model.disconnects())), "sum of categories")

    def shutdown():
        prom["p"].stop()
        h.require(prom["p"].proc.poll() is not None, "prometheus still running")
        exp.stop()

    try:
        checks.run("exporter and prometheus start", setup)
        if "p" in prom and prom["p"].proc.poll() is None:
            checks.run("arrears (English and Chinese errmsg) in Prometheus", arrears)
            checks.run("up == 1", up)
            checks.run("every category and pushes in Prometheus", every_category)
            checks.run("code_info join in PromQL", code_info_join)
            checks.run("appended lines reach Prometheus", live_update)
            checks.run("clean shutdown of both", shutdown)
        elif "p" in prom:
            print(prom["p"].log_tail())
    finally:
        if "p" in prom:
            prom["p"].stop()
            if checks.failed:
                print("---- prometheus log tail (%s):\n%s" % (prom["p"].log_path, prom["p"].log_tail()))
        exp.close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
