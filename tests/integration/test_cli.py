#!/usr/bin/env python3
"""Command line, config errors, HTTP endpoints, promtool and log formats."""
import json
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "cli"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

# Invalid configs: (name, YAML text, line, acceptable columns or None, stderr must mention)
GOOD_SOURCE = ('sources:\n'
               '  - name: a\n'
               '    type: file\n'
               '    paths: ["x.jsonl"]\n'
               '    format: tencent_callback\n')
INVALID = [
    ("unknown top-level key",
     'state_file: ""\n' + GOOD_SOURCE + 'bogus_key: 1\n', 7, {1}, "bogus_key"),
    ("unknown key in a source",
     'state_file: ""\n' + GOOD_SOURCE + '    bogus: 3\n', 7, {5}, "bogus"),
    ("missing paths",
     'state_file: ""\n'
     'sources:\n'
     '  - name: a\n'
     '    type: file\n'
     '    format: tencent_callback\n', (3, 5), None, "paths"),
    ("wrong type max_label_sets: abc",
     'state_file: ""\n'
     'max_label_sets: abc\n' + GOOD_SOURCE, 2, {1, 17}, "max_label_sets"),
    ("YAML syntax error (bad indentation)",
     'state_file: ""\n'
     'sources:\n'
     '  - name: a\n'
     '    type: file\n'
     '    paths: ["x.jsonl"]\n'
     '   format: tencent_callback\n', 6, None, ""),
]


def promtool_check(text):
    r = h.run([PROMTOOL, "check", "metrics"], input=text.encode("utf-8"), timeout=60)
    out = (r.stdout + r.stderr).decode("utf-8", errors="replace").strip()
    h.require(r.returncode == 0 and out == "",
              "promtool check metrics: exit %s, output:\n%s" % (r.returncode, out[:3000]))


def main():
    args = h.parse_args()
    messages = h.Messages(args.source_dir)
    checks = h.Checks("cli")
    work = h.mkdtemp()
    version = {}

    def version_flag():
        r = h.run([args.binary, "--version"], timeout=20)
        out = r.stdout.decode() + r.stderr.decode()
        h.require(r.returncode == 0, "--version exited %s" % r.returncode)
        m = re.search(r"\b(\d+\.\d+\.\d+\S*)", out)
        h.require(m, "--version printed no version: %r" % out)
        version["v"] = m.group(1)

    def config_check_example():
        r = h.run([args.binary, "--config.file=examples/config.yaml", "--config.check"], cwd=args.source_dir,
                  timeout=20)
        h.require(r.returncode == 0, "--config.check on examples/config.yaml exited %s: %s"
                  % (r.returncode, r.stderr.decode(errors="replace")))

    def invalid_config(name, text, line, cols, mention):
        path = os.path.join(work, re.sub(r"\W+", "_", name) + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        lines = line if isinstance(line, tuple) else (line, line)
        for mode in (["--config.check"], ["--once"], []):
            cmd = [args.binary, "--config.file=" + path, "--web.listen-address=%s:%d" % (h.LOOPBACK, h.free_port())]
            r = h.run(cmd + mode, cwd=work, timeout=20)
            err = r.stderr.decode("utf-8", errors="replace")
            what = "%s (%s)" % (name, " ".join(mode) or "daemon")
            h.require(r.returncode == 2, "%s: exit code %s, want 2; stderr: %s" % (what, r.returncode, err.strip()))
            m = re.search(re.escape(path) + r":(\d+):(\d+):", err)
            h.require(m, "%s: stderr has no %s:LINE:COLUMN: %r" % (what, path, err.strip()))
            ln, col = int(m.group(1)), int(m.group(2))
            h.require(lines[0] <= ln <= lines[1], "%s: points at line %d, want %s; stderr: %s"
                      % (what, ln, line, err.strip()))
            h.require(col >= 1 and (cols is None or col in cols), "%s: column %d, want %s"
                      % (what, col, sorted(cols) if cols else ">= 1"))
            h.require(mention in err, "%s: stderr does not mention %r: %s" % (what, mention, err.strip()))

    def config_check_every_error():
        path = os.path.join(work, "many_errors.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("state_fil: /tmp/x.json\n"
                    "labels: [domain, colour]\n"
                    "sources:\n"
                    "  - {name: a, type: file, paths: [a.log], start_at: later}\n"
                    "  - {name: b, type: file, paths: [b.log], format: xml}\n"
                    "categories: [transcoding]\n"
                    "codes:\n"
                    "  - {errcode: 40, category: transcodng, reason: bad_codec}\n")
        r = h.run([args.binary, "--config.file=" + path, "--config.check"], cwd=work, timeout=20)
        err = r.stderr.decode("utf-8", errors="replace")
        h.require(r.returncode == 2, "exit code %s, want 2: %s" % (r.returncode, err))
        want = [
            path + ':1:1: unknown key "state_fil" (expected one of: state_file, labels, max_label_sets, '
                   'checkpoint_interval, checkpoint_min_interval, poll_interval, max_line_bytes, sources, '
                   'categories, codes)',
            path + ':2:18: unknown label "colour" in "labels" (expected one of: source, domain, app, appid, stream)',
            path + ':4:53: "start_at" in source "a" must be "beginning" or "end", got "later"',
            path + ':5:51: unknown source format "xml" in source "b" (expected one of: ',
            path + ':8:29: unknown category "transcodng" in codes entry #1 (expected one of: ',
            "error: invalid configuration %s (5 errors)" % path,
        ]
        lines = err.strip().splitlines()
        h.require(len(lines) == len(want), "want %d lines, got:\n%s" % (len(want), err))
        for got, expected in zip(lines, want):
            h.require(got.startswith(expected), "line\n  %s\nwant\n  %s" % (got, expected))
        missing = os.path.join(work, "no-such-config.yaml")
        r = h.run([args.binary, "--config.file=" + missing, "--config.check"], cwd=work, timeout=20)
        err = r.stderr.decode("utf-8", errors="replace").strip()
        h.require(r.returncode == 2 and err == "error: cannot read config file %s: No such file or directory"
                  % missing, "missing file: exit %s: %r" % (r.returncode, err))

    def no_match_warning():
        # examples/config.yaml's relative path, run from another directory.
        r = h.run([args.binary, "--config.file=" + os.path.join(args.source_dir, "examples", "config.yaml"),
                   "--once"], cwd=work, timeout=60)
        err = r.stderr.decode("utf-8", errors="replace")
        want = os.path.join(os.path.realpath(work), "examples", "callbacks.jsonl")
        h.require(r.returncode == 0, "--once exited %s" % r.returncode)
        h.require("no file matches" in err and (want in err or os.path.join(work, "examples") in err),
                  "no warning naming the absolute pattern %s: %s" % (want, err[-500:]))

    def once_example():
        r = h.run([args.binary, "--config.file=examples/config.yaml", "--once"], cwd=args.source_dir, timeout=60)
        h.require(r.returncode == 0, "--once exited %s: %s" % (r.returncode, r.stderr.decode(errors="replace")))
        s = h.parse_exposition(r.stdout.decode("utf-8"))
        model = h.Model(messages=messages)
        bad = 0
        with open(os.path.join(args.source_dir, "examples", "callbacks.jsonl"), "rb") as f:
            for raw in f:
                try:
                    model.add(json.loads(raw))
                except ValueError:
                    bad += 1
        h.require(model.disconnects() > 0 and bad == 0, "examples/callbacks.jsonl: %d disconnects, %d bad lines"
                  % (model.disconnects(), bad))
        h.require_no_diff(s, model.expected(), "examples: classified counters differ from DESIGN's table")
        problems = h.check_by_code_exact(s, model)
        h.require(not problems, "examples: by-code:\n    " + "\n    ".join(problems))

    def start_fed(labels=None, extra_flags=(), log_level="debug", odd_domain=False):
        d = h.mkdtemp()
        os.mkdir(os.path.join(d, "logs"))
        cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s", "poll_interval": "100ms"}
        if labels:
            cfg["labels"] = labels
            cfg["max_label_sets"] = 50
        cfg["sources"] = [h.file_source(SOURCE, [os.path.join(d, "logs", "*.jsonl")])]
        exp = h.Exporter(args, cfg, dir=d, extra_flags=extra_flags, log_level=log_level)
        model = h.Model(messages=messages, labels=labels or ())
        events = h.mixed_events(300, seed=5)
        events.append(h.make_callback(18, errmsg=messages.en[(18, 202)]))
        events.append(h.make_callback(99))
        events.append(h.make_callback(0, event_type=100))
        if odd_domain:
            events.append(h.make_callback(1, domain='we"ird\\dom\nain.example.com'))
            events.append(h.make_callback(0, event_type=1, domain="直播.example.com"))
        model.add_all(events)
        path = os.path.join(d, "logs", "a.jsonl")
        h.append(path, events)
        h.append(path, b"{not json\n")
        model.parse_error("invalid_json")
        exp.start()
        want = model.expected(source=SOURCE)
        want.update(model.expected_by_code())
        exp.wait_values(want, timeout=15, settle=0.2, what="fed events counted")
        return exp

    def endpoints():
        exp = start_fed()
        for path in ("/", "/-/healthy", "/-/ready", "/metrics"):
            status, _, _ = exp.get(path)
            h.require(status == 200, "GET %s: HTTP %s, want 200" % (path, status))
        for path in ("/nonexistent", "/metricsx", "/-/nope"):
            status, _, _ = exp.get(path)
            h.require(status == 404, "GET %s: HTTP %s, want 404" % (path, status))
        status, headers, body = exp.get("/")
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        h.require("text/html" in ctype, "/ content-type %r" % ctype)
        h.require(b'href="/metrics"' in body, "landing page does not link /metrics")
        status, headers, body = exp.get("/metrics")
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        h.require(ctype.startswith("text/plain") and "version=0.0.4" in ctype, "/metrics content-type %r" % ctype)
        s = h.parse_exposition(body.decode("utf-8"))
        info = h.series(s, "stream_disconnect_exporter_build_info")
        h.require(len(info) == 1 and info[0][1] == 1, "build_info: %s" % info)
        if "v" in version:
            h.require(info[0][0].get("version") == version["v"], "build_info version %s != --version %s"
                      % (info[0][0].get("version"), version["v"]))
        exp.stop(signal.SIGINT)

    def telemetry_path():
        exp = start_fed(extra_flags=["--web.telemetry-path=/custom"])
        status, _, body = exp.get("/custom")
        h.require(status == 200, "GET /custom: HTTP %s" % status)
        s = h.parse_exposition(body.decode("utf-8"))
        h.require(h.total(s, "stream_disconnects_total") > 0, "/custom serves the counters")
        status, _, body = exp.get("/")
        h.require(status == 200 and b'href="/custom"' in body, "landing page does not link /custom")
        status, _, _ = exp.get("/metrics")
        h.require(status == 404, "GET /metrics with --web.telemetry-path=/custom: HTTP %s, want 404" % status)
        exp.stop()

    def promtool_plain():
        exp = start_fed()
        promtool_check(exp.scrape_text())
        exp.stop()

    def promtool_domain():
        exp = start_fed(labels=["domain"], odd_domain=True)
        text = exp.scrape_text()
        s = h.parse_exposition(text)
        for dom in ('we"ird\\dom\nain.example.com', "直播.example.com"):
            h.require(h.series(s, "stream_disconnects_total", domain=dom) or h.series(s, "stream_pushes_total", domain=dom),
                      "domain %r not exported (or label escaping broken)" % dom)
        promtool_check(text)
        exp.stop()

    def json_logs():
        exp = start_fed(extra_flags=["--log.format=json"])
        exp.stop()
        text = exp.log_text()
        lines = [ln for ln in text.split("\n") if ln != ""]
        h.require(len(lines) >= 3, "only %d log lines" % len(lines))
        bad = []
        levels = set()
        for ln in lines:
            try:
                obj = json.loads(ln)
                h.require(isinstance(obj, dict), "not an object")
                levels.add(str(obj.get("level")))
                h.require(any(k in obj for k in ("msg", "message")), "no msg")
            except (ValueError, AssertionError) as e:
                bad.append("%s: %r" % (e, ln[:200]))
        h.require(not bad, "non-JSON log lines:\n    " + "\n    ".join(bad[:10]))
        h.require(any(lv.startswith("warn") for lv in levels), "no warning (bad line) among levels %s" % levels)

    def log_level_error():
        exp = start_fed(log_level="error")
        exp.stop()
        noisy = [ln for ln in exp.log_text().splitlines() if re.search(r"level=(debug|info|warn)", ln)]
        h.require(not noisy, "--log.level=error still logs:\n    " + "\n    ".join(noisy[:5]))

    checks.run("--version", version_flag)
    checks.run("--config.check examples/config.yaml", config_check_example)
    checks.run("--config.check reports every error, each as file:line:column", config_check_every_error)
    for name, text, line, cols, mention in INVALID:
        checks.run("invalid config: " + name, invalid_config, name, text, line, cols, mention)
    checks.run("--once on examples/config.yaml", once_example)
    checks.run("a source matching no file is warned about by absolute path", no_match_warning)
    checks.run("endpoints /, /-/healthy, /-/ready, /metrics, 404, SIGINT", endpoints)
    checks.run("--web.telemetry-path=/custom", telemetry_path)
    checks.run("promtool check metrics", promtool_plain)
    checks.run("promtool check metrics with labels: [domain] and odd domains", promtool_domain)
    checks.run("--log.format=json", json_logs)
    checks.run("--log.level=error", log_level_error)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
