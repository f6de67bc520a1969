#!/usr/bin/env python3
"""Every PromQL query of the dashboards and of the Grafana-managed alert rules
returns data from a real Prometheus.

The exporter runs with every source type this binary has: file always;
webhook and tencent_api when `--config.check` accepts them (a type the binary
does not know yet is reported as skipped). Feeders keep events coming while
the queries run: callbacks appended to the file source (and a bad line now
and then), signed callbacks posted to the webhook (some with a wrong sign,
a retry, an ignored event type), and records added to test_tencent_api.py's
stand-in for the records API. A real Prometheus scrapes the
exporter every second with deploy/prometheus's rule files loaded.

Then every target of every panel of dashboards/*.json (Grafana variables
substituted) and every Prometheus query of
deploy/grafana/provisioning/alerting/*.yaml goes through /api/v1/query and
must succeed and return at least one sample that is not NaN. A query whose
metrics only a missing source type (or a metric this binary does not expose
yet) would write is listed as skipped with the reason, never passed.
"""
import glob
import hashlib
import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import test_alert_rules as rules  # noqa: E402  (YAML reader, panel walk, metric names)
import test_tencent_api as api_test  # noqa: E402  (its signature-checking records API stand-in)
from test_prometheus import PROMETHEUS, Prometheus as _Prometheus  # noqa: E402

JOB = "stream_disconnect_exporter"  # the job the alerts and the "Exporters up" panel select
SIGN_KEY = "dashboards-test-key"
DEADLINE = 40.0  # for all queries together to return data, once Prometheus has the target

# Grafana's variables as a Grafana on a 1s-scraped Prometheus would expand
# them: $__rate_interval covers several scrapes, $__range the whole test.
GRAFANA_VARIABLES = {
    "__rate_interval": "10s",
    "__interval": "2s",
    "__range": "1h",
    "instance": ".*",
    "category": ".*",
    "domain": ".*",
}

# Which source type (or metric) a query's series come from.
NEEDS = [
    (re.compile(r"^stream_disconnect_exporter_webhook_"), "webhook"),
    (re.compile(r"^stream_disconnect_exporter_api_"), "tencent_api"),
]


def substitute(expr):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in GRAFANA_VARIABLES:
            raise AssertionError("unknown Grafana variable $%s in: %s" % (name, expr))
        return GRAFANA_VARIABLES[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


def has_data(result):
    return any(not math.isnan(v) for _, v in result)


# ---------------------------------------------------------------- queries to run

def dashboard_queries(source_dir):
    out = []
    for path in sorted(glob.glob(os.path.join(source_dir, "dashboards", "*.json"))):
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        for panel, target in rules.dashboard_targets(dash):
            where = "%s panel %r %s" % (os.path.basename(path), panel.get("title"), target.get("refId"))
            out.append((where, substitute(target["expr"])))
        for v in (dash.get("templating") or {}).get("list", []):
            m = re.fullmatch(r"label_values\((\w+)\s*,\s*(\w+)\)", (v.get("definition") or "").strip())
            if v.get("type") == "query" and m:
                # The variable's values: the label of the series, which must exist.
                out.append(("%s variable %s" % (os.path.basename(path), v["name"]),
                            "count by (%s) (%s)" % (m.group(2), m.group(1))))
    return out


def grafana_alert_queries(source_dir):
    out = []
    for path in sorted(glob.glob(os.path.join(source_dir, "deploy", "grafana", "provisioning", "alerting", "*.yaml"))):
        doc = rules.load_yaml(path)
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                for q in rule.get("data") or []:
                    expr = (q.get("model") or {}).get("expr")
                    if q.get("datasourceUid") != "__expr__" and expr:
                        out.append(("%s %s %s" % (os.path.basename(path), rule.get("title"), q.get("refId")), expr))
    return out


# ---------------------------------------------------------------- feeders

class Feeders:
    """Background writers that keep every rate() of the dashboards non-zero."""

    def __init__(self, log_path, webhook_url=None, api=None):
        self.log_path = log_path
        self.webhook_url = webhook_url
        self.api = api
        self.stop_event = threading.Event()
        self.errors = []
        self.posted = {}
        self.threads = []

    def start(self):
        self.threads = [threading.Thread(target=self._guard, args=(self._file,), daemon=True)]
        if self.webhook_url:
            self.threads.append(threading.Thread(target=self._guard, args=(self._webhook,), daemon=True))
        if self.api:
            self.threads.append(threading.Thread(target=self._guard, args=(self._records,), daemon=True))
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=10)

    def _guard(self, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append("%s: %r" % (fn.__name__, e))

    def _file(self):
        seed = 0
        while not self.stop_event.is_set():
            now = int(time.time())
            evs = h.mixed_events(40, seed=seed)
            for ev in evs:
                ev["event_time"] = now
            with open(self.log_path, "ab") as f:
                f.write(b"".join(h.line_bytes(ev) for ev in evs))
                f.write(b"{not json\n")  # one parse error per batch
            seed += 1
            self.stop_event.wait(0.5)

    def _post(self, body, sign_ok=True):
        ev = dict(body)
        ev["t"] = int(time.time()) + 600
        key = SIGN_KEY if sign_ok else "not-the-key"
        ev["sign"] = hashlib.md5((key + str(ev["t"])).encode()).hexdigest()
        req = urllib.request.Request(self.webhook_url, data=h.dumps(ev).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        self.posted[status] = self.posted.get(status, 0) + 1
        return status

    def _webhook(self):
        i = 0
        while not self.stop_event.is_set():
            now = int(time.time())
            for ev in h.mixed_events(6, seed=1000 + i):
                ev["event_time"] = now
                self._post(ev)
                if i % 3 == 0:
                    self._post(ev)  # Tencent's retry of a callback already counted: a duplicate
            self._post(h.make_callback(1, event_time=now), sign_ok=False)
            self._post(h.make_callback(0, event_type=100, event_time=now))  # recording: ignored
            i += 1
            self.stop_event.wait(0.5)


    REASONS = ["账号欠费，您的直播服务已被暂时关停，请及时充值", "推流客户端主动断流",
               "The client interrupted the stream", "no such wording"]

    def _records(self):
        i = 0
        while not self.stop_event.is_set():
            end = int(time.time()) - 1
            self.api.add([api_test.record("push0.example.com", "live", "api_stream_%d_%d" % (i, j),
                                          end - 300, end, self.REASONS[(i + j) % len(self.REASONS)])
                          for j in range(2)])
            i += 1
            self.stop_event.wait(0.5)


# ---------------------------------------------------------------- Prometheus with the rules

class Prometheus(_Prometheus):
    """test_prometheus's server, with this test's job name and deploy/prometheus's rules."""

    def __init__(self, target_port, rule_files):
        super().__init__(target_port)
        self.rule_files = rule_files

    def start(self):
        # As test_prometheus's start(), with rule_files and this test's job name.
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n%s"
                    "scrape_configs:\n  - job_name: %s\n    static_configs:\n"
                    "      - targets: ['%s:%d']\n"
                    % ("".join("  - %s\n" % json.dumps(p) for p in self.rule_files), JOB,
                       h.LOOPBACK, self.target_port))
        for _ in range(5):
            self.port = h.free_port()
            with open(self.log_path, "ab") as log:
                self.proc = h.popen([PROMETHEUS, "--config.file=" + cfg,
                                     "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                                     "--web.listen-address=%s:%d" % (h.LOOPBACK, self.port)],
                                    stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.dir)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if h.http_get("http://%s:%d/-/ready" % (h.LOOPBACK, self.port), timeout=1)[0] == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            if self.proc.poll() is None:
                raise AssertionError("prometheus not ready within 30s")
            if "address already in use" not in self.log_tail():
                raise AssertionError("prometheus exited with %s:\n%s" % (self.proc.returncode, self.log_tail()))
        raise AssertionError("prometheus could not bind a port")

    def api(self, path):
        status, _, body = h.http_get("http://%s:%d%s" % (h.LOOPBACK, self.port, path), timeout=5)
        if status != 200:
            raise AssertionError("GET %s: HTTP %s %s" % (path, status, body[:300]))
        return json.loads(body)["data"]


# ---------------------------------------------------------------- the test

def port_open(port):
    try:
        socket.create_connection((h.LOOPBACK, port), timeout=1).close()
        return True
    except OSError:
        return False


def probe_type(args, d, src):
    """(available, reason): does this binary accept a source of this type?"""
    path = os.path.join(d, "probe-%s.yaml" % src["type"])
    with open(path, "w", encoding="utf-8") as f:
        f.write(h.to_yaml({"sources": [src]}))
    r = h.run([args.binary, "--config.file=" + path, "--config.check"], timeout=20)
    out = (r.stdout + r.stderr).decode(errors="replace").strip()
    if r.returncode == 0:
        return True, ""
    if "not supported by this version yet" in out or "unknown source type" in out:
        return False, "source type %s is not in this binary" % src["type"]
    raise AssertionError("this binary has source type %s but refuses the test's config for it "
                         "(update test_dashboards.py):\n%s" % (src["type"], out))


def main():
    args = h.parse_args()
    if not os.access(PROMETHEUS, os.X_OK):
        print("skipped: prometheus not installed (Debian package prometheus; deploy/install-deps.sh test)")
        return 0
    checks = h.Checks("dashboards")
    state = {}
    d = h.mkdtemp(prefix="sdx-dash-")
    os.mkdir(os.path.join(d, "logs"))
    log_path = os.path.join(d, "logs", "callbacks.jsonl")
    open(log_path, "wb").close()
    webhook_port = h.free_port()
    api = api_test.StandIn()
    state["api"] = api
    creds = api_test.write_credentials(d)
    candidates = {
        "webhook": {"name": "tencent-hook", "type": "webhook", "listen": "%s:%d" % (h.LOOPBACK, webhook_port),
                    "path": "/tencent/callback", "sign_key": SIGN_KEY},
        "tencent_api": {"name": "console", "type": "tencent_api", "endpoint": api.endpoint,
                        "credentials_file": creds, "interval": "1s", "lag": "0s", "lookback": "5m"},
    }
    sources = [h.file_source("callbacks-log", [os.path.join(d, "logs", "*.jsonl")])]
    skipped_types = {}

    def source_types():
        for name, src in candidates.items():
            ok, reason = probe_type(args, d, src)
            if ok:
                sources.append(src)
            else:
                skipped_types[name] = reason
        print("     source types: %s; skipped: %s" % (
            ", ".join(s["type"] for s in sources),
            "; ".join(skipped_types.values()) or "none"))

    def start():
        prom_dir = os.path.join(args.source_dir, "deploy", "prometheus")
        rule_files = [os.path.join(prom_dir, "alerts.yml"), os.path.join(prom_dir, "recording.yml")]
        exp = state["exp"]
        exp.start()
        webhook = None
        if "webhook" not in skipped_types:
            webhook = "http://%s:%d/tencent/callback" % (h.LOOPBACK, webhook_port)
            # Its listener starts with the source, after /-/ready may already answer.
            exp.wait_for(lambda _samples: port_open(webhook_port), timeout=15, what="webhook listener")
        feeders = Feeders(log_path, webhook, api if "tencent_api" not in skipped_types else None)
        state["feeders"] = feeders
        feeders.start()
        prom = Prometheus(exp.port, rule_files)
        state["prom"] = prom
        prom.start()
        prom.wait_query('up{job="%s"}' % JOB, lambda r: len(r) == 1 and r[0][1] == 1.0, "target up")
        # The rule files are loaded (every group, no rule in error).
        groups = prom.api("/api/v1/rules")["groups"]
        loaded = {g["file"] for g in groups}
        h.require(set(rule_files) <= loaded, "rule files loaded: %s" % sorted(loaded))
        bad = [r["name"] for g in groups for r in g["rules"] if r.get("health") == "err"]
        h.require(not bad, "rules in error: %s" % bad)

    def exposed():
        text = state["exp"].scrape_text()
        return {m.group(1) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)", text, re.M)}

    def needs(expr, names_exposed):
        """Why a query cannot have data with this binary, or None."""
        for name in sorted(rules.metric_names(expr)):
            for pattern, source_type in NEEDS:
                if pattern.search(name) and source_type in skipped_types:
                    return skipped_types[source_type]
            if name.startswith("stream_push_duration_seconds") and name not in names_exposed:
                return "%s is not exposed by this binary yet" % name
        return None

    def queries_return_data():
        prom = state["prom"]
        names_exposed = exposed()
        todo, skipped = [], []
        for where, expr in dashboard_queries(args.source_dir) + grafana_alert_queries(args.source_dir):
            reason = needs(expr, names_exposed)
            (skipped if reason else todo).append((where, expr, reason))
        h.require(len(todo) > 30, "only %d queries to run" % len(todo))
        pending = list(todo)
        errors = {}
        deadline = time.monotonic() + DEADLINE
        while pending and time.monotonic() < deadline:
            still = []
            for where, expr, _ in pending:
                try:
                    result = prom.query(expr)
                except AssertionError as e:  # HTTP or PromQL error: fails at once
                    errors[where] = str(e)
                    continue
                if not has_data(result):
                    still.append((where, expr, None))
            pending = still
            if pending:
                time.sleep(1)
            if state["feeders"].errors:
                raise AssertionError("feeder failed: %s" % state["feeders"].errors)
        for where, expr, reason in skipped:
            print("     skipped: %s (%s)" % (where, reason))
        print("     %d queries returned data, %d skipped, %d failed" % (
            len(todo) - len(pending) - len(errors), len(skipped), len(pending) + len(errors)))
        problems = ["%s: %s" % (w, e) for w, e in sorted(errors.items())]
        problems += ["%s: no data within %.0fs: %s" % (w, DEADLINE, e) for w, e, _ in pending]
        h.require(not problems, "\n  ".join(problems))

    def api_contract():
        h.require(not api.problems, "requests the stand-in refused: %s" % api.problems[:3])
        h.require(api.ok_requests(), "the tencent_api source never polled the stand-in")

    def webhook_fed():
        posted = state["feeders"].posted
        h.require(posted.get(200, 0) > 0 and sum(v for k, v in posted.items() if k >= 400) > 0,
                  "webhook answers: %s (want 200s and rejections)" % posted)

    try:
        checks.run("source types this binary has", source_types)
        # Made outside a check: Checks.run closes the exporters a check makes.
        state["exp"] = h.Exporter(args, {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s",
                                         "poll_interval": "100ms", "labels": ["domain"], "sources": sources},
                                  dir=d)
        checks.run("exporter (with feeders) and prometheus with the rule files", start)
        if "prom" in state and state["prom"].proc.poll() is None:
            checks.run("every dashboard and Grafana alert query returns data", queries_return_data)
            if "webhook" not in skipped_types:
                checks.run("the webhook answered the feeder", webhook_fed)
            if "tencent_api" not in skipped_types:
                checks.run("the records API stand-in saw only well-formed signed requests", api_contract)
    finally:
        if "feeders" in state:
            state["feeders"].stop()
        if "prom" in state:
            state["prom"].stop()
            if checks.failed:
                print("---- prometheus log tail (%s):\n%s" % (state["prom"].log_path, state["prom"].log_tail()))
        if "api" in state:
            state["api"].close()
        if "exp" in state:
            state["exp"].close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
