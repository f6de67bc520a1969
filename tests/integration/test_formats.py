#!/usr/bin/env python3
"""format: regex and format: json end to end: --once over the two example
configs (examples/srs, examples/gateway) run from the repository root, each
counter compared with a count of the same file made here, with Python's re
and json and DESIGN's rules (not from the C++ sources); then --config.check
on broken json/regex settings."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PARSE_ERRORS = ("empty_line", "line_too_long", "invalid_utf8", "invalid_json", "wrong_type",
                "missing_field")
RESULTS = ("disconnect", "push", "parse_error", "filtered")

# ------------------------------------------------------------------ SRS (regex)

SRS_CONFIG = os.path.join("examples", "srs", "config.yaml")
SRS_LOG = os.path.join("examples", "srs", "srs.log")
# What examples/srs/config.yaml's codes table says of SRS's codes; any other
# code is "unknown" (DESIGN: a code not in the table).
SRS_CATEGORIES = {1007: "network", 1011: "idle", 1028: "push_rejected", 2037: "protocol_error"}
# Written here independently of the config's RE2 patterns: a publisher's
# error line names its code and says "publish:" in its error stack.
SRS_ERROR = re.compile(r"serve error code=(\d+)\(")
SRS_PUBLISH = "client identified, type=fmle-publish,"


def lines_of(path):
    """The file's lines without their newline, as the exporter splits them."""
    with open(path, "rb") as f:
        data = f.read()
    h.require(data.endswith(b"\n"), "%s must end with a newline (else --once may hold back its tail)"
              % path)
    return data[:-1].split(b"\n")


def count_srs(path):
    by_code = {}
    results = dict.fromkeys(RESULTS, 0)
    for raw in lines_of(path):
        line = raw.decode("utf-8")
        m = SRS_ERROR.search(line)
        if SRS_PUBLISH in line:
            results["push"] += 1
        elif m and ": publish: " in line:
            code = int(m.group(1))
            k = (code, 0, SRS_CATEGORIES.get(code, "unknown"))
            by_code[k] = by_code.get(k, 0) + 1
            results["disconnect"] += 1
        else:
            results["filtered"] += 1
    return by_code, results


# ------------------------------------------------------------------ gateway (json)

GATEWAY_CONFIG = os.path.join("examples", "gateway", "config.yaml")
GATEWAY_LOG = os.path.join("examples", "gateway", "gateway.jsonl")


def get(doc, *path):
    for key in path:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def code_of(value):
    """(int or None, error reason or None): a JSON integer or a string of
    digits is a code; null or missing is none; anything else is wrong_type."""
    if value is None:
        return None, None
    if isinstance(value, bool) or isinstance(value, float):
        return None, "wrong_type"
    if isinstance(value, int):
        return value, None
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value), None
    return None, "wrong_type"


def seconds_of(ts):
    return int(ts) // 1000 if ts > 1e11 else int(ts)


class Gateway:
    """The gateway log counted by its own rules: stream_start lines are
    pushes, other kinds than stream_end are filtered, and the rest are
    disconnects classified like Tencent callbacks (h.Model)."""

    def __init__(self, source_dir):
        self.model = h.Model(messages=h.Messages(source_dir), labels=("domain",))
        self.newest = 0
        self.string_codes = 0
        self.millisecond_times = 0
        self.from_message = 0

    def add(self, raw):
        if not raw.strip(b" \t\r"):
            return self.model.parse_error("empty_line")
        try:
            doc = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return self.model.parse_error("invalid_utf8")
        except ValueError:
            return self.model.parse_error("invalid_json")
        kind = get(doc, "kind")
        host = get(doc, "data", "host") or ""
        if kind == "stream_start":
            self.model.add({"event_type": 1, "app": host})
        elif kind != "stream_end":
            self.model.results["filtered"] += 1
            return
        else:
            code, error = code_of(get(doc, "data", "code"))
            if error is None and code is None:
                error = "missing_field"
            sub, sub_error = code_of(get(doc, "data", "sub"))
            error = error or sub_error
            if error:
                return self.model.parse_error(error)
            ev = {"event_type": 0, "errcode": code, "errmsg": get(doc, "data", "msg"), "app": host}
            if sub is not None:
                ev["sub_errcode"] = sub
            elif code in (18, 21) and ev["errmsg"]:
                self.from_message += 1
            self.string_codes += isinstance(get(doc, "data", "code"), str)
            self.model.add(ev)
        ts = get(doc, "ts")
        self.millisecond_times += ts > 1e11
        self.newest = max(self.newest, seconds_of(ts))


# ------------------------------------------------------------------ running


def run_once(args, config):
    """--once from the repository root (the examples' paths are relative to it)."""
    r = h.run([args.binary, "--config.file=" + config, "--once"], cwd=args.source_dir, timeout=60)
    err = r.stderr.decode("utf-8", errors="replace")
    h.require(r.returncode == 0, "--once on %s exited %s:\n%s" % (config, r.returncode, err[-3000:]))
    return h.parse_exposition(r.stdout.decode("utf-8")), err


def self_metrics(source, results, parse_errors, size):
    exp = {}
    for res in RESULTS:
        exp[h.key("stream_disconnect_exporter_events_total", source=source, result=res)] = results[res]
    for reason in PARSE_ERRORS:
        exp[h.key("stream_disconnect_exporter_parse_errors_total", source=source, reason=reason)] = \
            parse_errors.get(reason, 0)
    exp[h.key("stream_disconnect_exporter_bytes_read_total", source=source)] = size
    return exp


def no_extra_series(samples, expected, names):
    """Series of `names` the count does not have must be 0."""
    extra = ["%s = %s" % (h.fmt_key(k), v) for k, v in samples.items()
             if k[0] in names and k not in expected and v != 0]
    h.require(not extra, "series the Python count does not have:\n    " + "\n    ".join(extra))


def main():
    args = h.parse_args()
    checks = h.Checks("formats")

    def srs():
        path = os.path.join(args.source_dir, SRS_LOG)
        by_code, results = count_srs(path)
        # The sample is worth testing only if it has each kind of line.
        h.require(results["push"] > 0 and results["filtered"] > 0, "srs.log lacks pushes or other lines")
        h.require({c for c, _, _ in by_code} >= set(SRS_CATEGORIES) | {1062},
                  "srs.log should hold every mapped code and an unmapped one: %s" % sorted(by_code))
        s, _ = run_once(args, SRS_CONFIG)
        exp = {}
        for (e, sub, cat), n in by_code.items():
            exp[h.key("stream_disconnects_by_code_total", errcode=str(e), sub_errcode=str(sub),
                      category=cat)] = n
        for cat in h.CATEGORIES:
            exp[h.key("stream_disconnects_total", category=cat)] = \
                sum(n for (_, _, c), n in by_code.items() if c == cat)
        exp[h.key("stream_pushes_total")] = results["push"]
        exp.update(self_metrics("srs", results, {}, os.path.getsize(path)))
        h.require_no_diff(s, exp, "SRS example: counters differ from the Python count")
        no_extra_series(s, exp, ("stream_disconnects_by_code_total", "stream_disconnects_total"))
        print("     srs: %d disconnects, %d pushes, %d filtered" % (
            results["disconnect"], results["push"], results["filtered"]))

    def gateway():
        path = os.path.join(args.source_dir, GATEWAY_LOG)
        gw = Gateway(args.source_dir)
        for raw in lines_of(path):
            gw.add(raw)
        m = gw.model
        h.require(set(m.parse_errors) >= {"empty_line", "invalid_json", "wrong_type", "missing_field"},
                  "gateway.jsonl should hold each kind of bad line: %s" % m.parse_errors)
        h.require(m.results["push"] and m.results["filtered"] and gw.string_codes and
                  gw.millisecond_times and gw.from_message,
                  "gateway.jsonl should hold pushes, other kinds, string codes, ms times and "
                  "18/21 codes resolved by their message")
        s, _ = run_once(args, GATEWAY_CONFIG)
        exp = m.expected(source="gateway")
        exp.update(m.expected_by_code())
        exp.update(self_metrics("gateway", m.results, m.parse_errors, os.path.getsize(path)))
        exp[h.key("stream_disconnect_exporter_last_event_timestamp_seconds", source="gateway")] = gw.newest
        h.require_no_diff(s, exp, "gateway example: counters differ from the Python count")
        no_extra_series(s, exp, ("stream_disconnects_by_code_total", "stream_disconnects_total",
                                 "stream_pushes_total"))
        print("     gateway: %d disconnects, %d pushes, %d filtered, parse errors %s" % (
            m.results["disconnect"], m.results["push"], m.results["filtered"],
            dict(sorted(m.parse_errors.items()))))

    def broken_settings():
        work = h.mkdtemp()
        cfg = os.path.join(work, "broken.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("sources:\n"
                    "  - name: srs\n"
                    "    type: file\n"
                    "    paths: [srs.log]\n"
                    "    format: regex\n"
                    "    regex: 'code=(?P<errcode>\\d+'\n"
                    "  - name: gw\n"
                    "    type: file\n"
                    "    paths: [gw.jsonl]\n"
                    "    format: json\n"
                    "    fields: {errcode: data/code, colour: /c}\n"
                    "    filter: {field: /kind, equals: [a]}\n")
        r = h.run([args.binary, "--config.file=" + cfg, "--config.check"], timeout=30)
        out = (r.stdout + r.stderr).decode("utf-8", errors="replace")
        h.require(r.returncode != 0, "--config.check accepted broken settings:\n" + out)
        want = [
            cfg + ':6:12: "regex" in source "srs" is not a valid RE2 pattern: missing ): '
                  'code=(?P<errcode>\\d+',
            cfg + ':11:23: "errcode" in "fields" in source "gw" is not a valid JSON pointer '
                  '("data/code"): it must be empty or start with "/"',
            cfg + ':11:34: unknown key "colour" in "fields" in source "gw"',
            cfg + ':12:36: "equals" in "filter" in source "gw" must be a string, number or '
                  'boolean, got a list',
        ]
        missing = [w for w in want if w not in out]
        h.require(not missing, "--config.check output lacks:\n    %s\noutput:\n%s"
                  % ("\n    ".join(missing), out))

    checks.run("regex: examples/srs counts equal a Python re count of srs.log", srs)
    checks.run("json: examples/gateway counts equal a Python json count of gateway.jsonl", gateway)
    checks.run("--config.check names each broken json/regex setting at its line:column",
               broken_settings)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
