#!/usr/bin/env python3
"""Checks deploy/prometheus and dashboards/ with the real promtool.

- `promtool check rules` on alerts.yml and recording.yml;
- `promtool test rules` on alerts_test.yml;
- `promtool check config` on prometheus.yml, run from another directory so the rule
  files must resolve relative to the config file;
- alert hygiene: severity page|ticket, summary/description/runbook_url, the runbook
  anchor exists, every paging alert has a firing and a silent case in alerts_test.yml;
- the Grafana dashboard parses, every panel has a description, every data source
  anywhere in it is the $datasource variable, and every PromQL expression in it (and
  in the alerts' annotation templates, the runbook and the Grafana-managed alert
  rules) parses;
- deploy/grafana/provisioning/alerting has the same alerts as alerts.yml (names,
  severities, `for`, runbook links), on the provisioned data source's uid;
- every metric name and every category used is part of the contract;
- deploy/README.md's table of panels and alerts is the one these files give
  (`--update-docs` rewrites it).

Usage: python3 test_alert_rules.py [--binary B] [--source-dir S] [--update-docs]
Standard library only; unknown arguments are ignored.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The metric contract (DESIGN "Metrics"). Recording rule names are added at run time.
CONTRACT_METRICS = {
    "stream_disconnects_total",
    "stream_disconnects_by_code_total",
    "stream_disconnect_code_info",
    "stream_pushes_total",
    "stream_disconnect_exporter_events_total",
    "stream_disconnect_exporter_parse_errors_total",
    "stream_disconnect_exporter_bytes_read_total",
    "stream_disconnect_exporter_files_followed",
    "stream_disconnect_exporter_file_rotations_total",
    "stream_disconnect_exporter_file_truncations_total",
    "stream_disconnect_exporter_last_event_timestamp_seconds",
    "stream_disconnect_exporter_checkpoint_writes_total",
    "stream_disconnect_exporter_checkpoint_failures_total",
    "stream_disconnect_exporter_label_overflow_events_total",
    "stream_disconnect_exporter_config_last_reload_successful",
    "stream_disconnect_exporter_build_info",
    "stream_disconnect_exporter_classifications_total",
    # Histogram of push durations at the cut (DESIGN "Metrics").
    "stream_push_duration_seconds_bucket",
    # The webhook source type.
    "stream_disconnect_exporter_webhook_requests_total",
    "stream_disconnect_exporter_webhook_rejections_total",
    "stream_disconnect_exporter_webhook_duplicates_total",
    "stream_disconnect_exporter_webhook_ignored_total",
    "stream_disconnect_exporter_webhook_dedup_keys",
    "stream_disconnect_exporter_webhook_dedup_evictions_total",
    "stream_disconnect_exporter_webhook_request_duration_seconds_bucket",
    "stream_disconnect_exporter_webhook_fsync_duration_seconds_bucket",
    # The records API (tencent_api) source type.
    "stream_disconnect_exporter_api_requests_total",
    "stream_disconnect_exporter_api_records_total",
    "stream_disconnect_exporter_api_duplicate_records_total",
    "stream_disconnect_exporter_api_pages_total",
    "stream_disconnect_exporter_api_window_lag_seconds",
    "stream_disconnect_exporter_api_last_success_timestamp_seconds",
    "stream_disconnect_exporter_api_source_stopped",
}
PROMETHEUS_METRICS = {"up"}  # written by Prometheus itself

# DESIGN.md's categories (the README's table); test_reference_data.py checks
# this list against ../shared/DESIGN.md when that is present.
CATEGORIES = {
    "client_closed", "network", "idle", "protocol_error", "media_limit", "internal_error",
    "proxy_command", "account", "arrears", "push_url_invalid", "banned", "ip_acl", "auth",
    "quota", "api_request", "replaced", "push_rejected", "stream_control", "unknown",
}

EXPECTED_ALERTS = {
    "StreamDisconnectArrears", "StreamDisconnectAuthFailures", "StreamDisconnectPlatformErrors",
    "StreamDisconnectBannedOrAcl", "StreamDisconnectRateHigh", "StreamDisconnectUnknownCodes",
    "ExporterDown", "ExporterParseErrors", "ExporterCheckpointFailing", "ExporterNoEvents",
    "ExporterLabelOverflow", "ExporterConfigReloadFailed",
    "WebhookBadSignatures", "ExporterApiSourceStopped", "ExporterApiWindowLagHigh",
    "ExporterApiPollsFailing",
}

# Grafana variables and what they stand for when the expression is parsed.
GRAFANA_SUBSTITUTIONS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "category": ".+",
    "domain": ".+",
    "instance": ".+",
}


# Stands for a printf argument ($labels.x) in an annotation's query template.
TEMPLATE_VALUE = "__template_value__"


class CheckFailed(Exception):
    pass


# --------------------------------------------------------------------------- YAML subset
# Enough YAML for the files of deploy/: block mappings and sequences, block scalars
# (| |- |+ > >-), quoted and plain scalars, flow [..] and {..}. Scalars stay strings.
# Anything else raises, so a construct this reader does not know cannot pass unseen.

class YamlError(Exception):
    pass


def _strip_comment(line):
    out, quote, i = [], None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if quote == '"' and c == "\\":
                out.append(line[i:i + 2])
                i += 2
                continue
            if c == quote:
                if quote == "'" and line[i + 1:i + 2] == "'":
                    out.append("''")
                    i += 2
                    continue
                quote = None
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            break
        out.append(c)
        i += 1
    return "".join(out).rstrip()


def _split_key(s):
    """'key: rest' -> (key, rest); None when s is not a mapping entry."""
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"" and i == 0:
            quote = c
        elif c in "[{" and i == 0:
            return None
        elif c == ":" and (i + 1 == len(s) or s[i + 1] == " "):
            return _scalar(s[:i].strip()), s[i + 1:].strip()
    return None


def _scalar(s):
    if s.startswith('"'):
        if len(s) < 2 or not s.endswith('"'):
            raise YamlError("unterminated double-quoted scalar: %s" % s)
        return json.loads(s)
    if s.startswith("'"):
        if len(s) < 2 or not s.endswith("'"):
            raise YamlError("unterminated single-quoted scalar: %s" % s)
        return s[1:-1].replace("''", "'")
    if s in ("", "~", "null"):
        return None
    return s


def _flow(s):
    value, rest = _flow_node(s.strip())
    if rest.strip():
        raise YamlError("trailing text after flow node: %s" % s)
    return value


def _flow_node(s):
    s = s.lstrip()
    if s.startswith("["):
        items, s = [], s[1:].lstrip()
        while not s.startswith("]"):
            item, s = _flow_node(s)
            items.append(item)
            s = s.lstrip()
            if s.startswith(","):
                s = s[1:].lstrip()
            elif not s.startswith("]"):
                raise YamlError("bad flow sequence near: %s" % s)
        return items, s[1:]
    if s.startswith("{"):
        items, s = {}, s[1:].lstrip()
        while not s.startswith("}"):
            key, s = _flow_node(s)
            s = s.lstrip()
            if not s.startswith(":"):
                raise YamlError("bad flow mapping near: %s" % s)
            value, s = _flow_node(s[1:])
            items[key] = value
            s = s.lstrip()
            if s.startswith(","):
                s = s[1:].lstrip()
            elif not s.startswith("}"):
                raise YamlError("bad flow mapping near: %s" % s)
        return items, s[1:]
    if s[:1] in "'\"":
        q, i = s[0], 1
        while i < len(s):
            if q == '"' and s[i] == "\\":
                i += 2
                continue
            if s[i] == q:
                if q == "'" and s[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return _scalar(s[:i + 1]), s[i + 1:]
            i += 1
        raise YamlError("unterminated quoted scalar: %s" % s)
    m = re.match(r"[^,\[\]{}]*?(?=\s*(?:[,\]}]|:(?:\s|$)|$))", s)
    return _scalar(m.group(0).strip()), s[m.end():]


class _YamlReader:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.i = 0

    def peek(self):
        while self.i < len(self.lines):
            raw = self.lines[self.i]
            if "\t" in raw[:len(raw) - len(raw.lstrip())]:
                raise YamlError("line %d: tab in indentation" % (self.i + 1))
            s = _strip_comment(raw)
            if s.strip() == "---" or s.startswith("%"):
                raise YamlError("line %d: multi-document or directive not supported" % (self.i + 1))
            if s.strip():
                return len(s) - len(s.lstrip(" ")), s.strip()
            self.i += 1
        return None

    def node(self, min_indent):
        nxt = self.peek()
        if nxt is None or nxt[0] < min_indent:
            return None
        indent, s = nxt
        if s == "-" or s.startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def value(self, rest, indent):
        """The value after 'key:' or '- ' on the current line (already consumed)."""
        if rest == "":
            nxt = self.peek()
            if nxt and nxt[0] == indent and (nxt[1] == "-" or nxt[1].startswith("- ")):
                return self.sequence(indent)
            return self.node(indent + 1)
        if rest[0] in "|>":
            return self.block_scalar(rest, indent)
        if rest[0] in "[{":
            return _flow(rest)
        if rest[0] in "&*!":
            raise YamlError("line %d: anchors, aliases and tags not supported" % self.i)
        return _scalar(rest)

    def mapping(self, indent):
        result = {}
        while True:
            nxt = self.peek()
            if nxt is None or nxt[0] < indent:
                return result
            if nxt[0] > indent:
                raise YamlError("line %d: unexpected indentation" % (self.i + 1))
            if nxt[1] == "-" or nxt[1].startswith("- "):
                return result  # a sequence at the parent's indentation ends this map
            entry = _split_key(nxt[1])
            if entry is None:
                raise YamlError("line %d: expected 'key: value': %s" % (self.i + 1, nxt[1]))
            key, rest = entry
            if key in result:
                raise YamlError("line %d: duplicate key %r" % (self.i + 1, key))
            self.i += 1
            result[key] = self.value(rest, indent)

    def sequence(self, indent):
        result = []
        while True:
            nxt = self.peek()
            if nxt is None or nxt[0] != indent or not (nxt[1] == "-" or nxt[1].startswith("- ")):
                if nxt is not None and nxt[0] > indent:
                    raise YamlError("line %d: unexpected indentation" % (self.i + 1))
                return result
            rest = nxt[1][1:].strip()
            if rest and _split_key(rest) is not None and rest[0] not in "[{":
                # '- key: value': a mapping whose first key sits after the dash.
                raw = self.lines[self.i]
                column = raw.index("-", indent) + 1
                column += len(raw[column:]) - len(raw[column:].lstrip(" "))
                self.lines[self.i] = " " * column + raw[column:]
                result.append(self.mapping(column))
            else:
                self.i += 1
                result.append(self.value(rest, indent))

    def block_scalar(self, header, indent):
        m = re.fullmatch(r"([|>])([-+]?)", _strip_comment(header).strip())
        if not m:
            raise YamlError("line %d: unsupported block scalar header %r" % (self.i, header))
        style, chomp = m.groups()
        body, content_indent = [], None
        while self.i < len(self.lines):
            raw = self.lines[self.i]
            if raw.strip() == "":
                body.append("")
                self.i += 1
                continue
            ind = len(raw) - len(raw.lstrip(" "))
            if ind <= indent:
                break
            if content_indent is None:
                content_indent = ind
            if ind < content_indent:
                raise YamlError("line %d: block scalar less indented than its first line" % (self.i + 1))
            body.append(raw[content_indent:])
            self.i += 1
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(body)
        else:
            text, paragraph = "", []
            for line in body:
                if line == "":
                    text += " ".join(paragraph) + "\n"
                    paragraph = []
                else:
                    paragraph.append(line)
            text += " ".join(paragraph)
        if chomp == "-" or not body:
            return text
        if chomp == "+":
            return text + "\n" * (1 + trailing)
        return text + "\n"


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        reader = _YamlReader(f.read())
    try:
        value = reader.node(0)
        if reader.peek() is not None:
            raise YamlError("line %d: unexpected content" % (reader.i + 1))
        return value
    except YamlError as e:
        raise CheckFailed("%s: %s" % (path, e))


# --------------------------------------------------------------------------- PromQL scanning

_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
             "group_left", "group_right", "inf", "nan", "start", "end"}


def metric_names(expr):
    """Metric names an expression selects (functions, keywords and labels left out)."""
    s = re.sub(_STRING, '""', expr)
    s = re.sub(r"\{[^{}]*\}", " ", s)                       # label matchers
    s = re.sub(r"\[[^\[\]]*\]", " ", s)                     # ranges, subqueries
    s = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", s)
    names = set()
    for m in re.finditer(r"0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|[a-zA-Z_:][a-zA-Z0-9_:]*", s):
        token = m.group(0)
        if not re.match(r"[a-zA-Z_:]", token) or token.lower() in _KEYWORDS:
            continue
        if re.match(r"\s*\(", s[m.end():]):
            continue  # function or aggregation
        names.add(token)
    return names


def category_values(expr):
    """Category names used in `category` matchers; regex alternatives are split."""
    values = set()
    for m in re.finditer(r'\bcategory\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', expr):
        op, value = m.groups()
        if op in ("=~", "!~"):
            value = value.strip("^$")
            if value.startswith("(") and value.endswith(")"):
                value = value[1:-1]
            for alt in value.split("|"):
                if re.fullmatch(r"[a-z_]+", alt):
                    values.add(alt)
                elif not re.fullmatch(r"\.[*+]", alt):
                    raise CheckFailed("category regex %r is not a plain list of names" % m.group(2))
        elif value != TEMPLATE_VALUE:
            values.add(value)
    return values


def substitute_grafana(expr):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in GRAFANA_SUBSTITUTIONS:
            raise CheckFailed("unknown Grafana variable $%s in: %s" % (name, expr))
        return GRAFANA_SUBSTITUTIONS[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", repl, expr)


def template_queries(text):
    """PromQL inside `query` calls of alert annotation templates (raw `...` strings)."""
    out = []
    for m in re.finditer(r"\bquery\s+\(?\s*(?:printf\s+)?`([^`]*)`", text):
        out.append(re.sub(r"%[qsdv]", '"%s"' % TEMPLATE_VALUE, m.group(1)))
    return out


# --------------------------------------------------------------------------- helpers

def run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    return proc.returncode, proc.stdout


def markdown_anchors(path):
    anchors = set()
    for line in open(path, encoding="utf-8"):
        m = re.match(r"#+\s+(.*?)\s*$", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def dashboard_targets(dashboard):
    for panel in walk_panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            yield panel, target


def datasource_refs(node, where="dashboard"):
    """(where, value) of every `datasource` key anywhere in the JSON, but the
    `datasource` template variable's own definition (its query is the plugin type)."""
    if isinstance(node, dict):
        for k, v in node.items():
            here = "%s.%s" % (where, k)
            if k == "datasource" and not (node.get("type") == "datasource" and node.get("name") == "datasource"):
                yield here, v
            if k == "datasource" and isinstance(v, dict):
                continue
            yield from datasource_refs(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            title = v.get("title") or v.get("name") if isinstance(v, dict) else None
            yield from datasource_refs(v, "%s[%s]" % (where, repr(title) if title else i))


# --------------------------------------------------------------------------- deploy/README.md's tables

DOCS_BEGIN = "<!-- generated by tests/integration/test_alert_rules.py --update-docs: do not edit -->"
DOCS_END = "<!-- end of generated tables -->"


def _cell(text):
    """A Markdown table cell: one line, pipes escaped, PromQL as code."""
    one = " ".join(str(text).split())
    return one.replace("|", "\\|")


def docs_tables(dashboard_paths, alerts_path):
    out = []
    for path in dashboard_paths:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        out.append("### Dashboard `%s` (%s)" % (os.path.basename(path), dash.get("title")))
        out.append("")
        out.append("| panel | what it shows | query |")
        out.append("| --- | --- | --- |")
        for panel in walk_panels(dash.get("panels", [])):
            if panel.get("type") == "row":
                out.append("| **%s** | %s | |" % (_cell(panel.get("title")), _cell(panel.get("description", ""))))
                continue
            queries = "<br>".join("`%s`" % _cell(t.get("expr", "")) for t in panel.get("targets", []))
            out.append("| %s | %s | %s |" % (_cell(panel.get("title")), _cell(panel.get("description", "")), queries))
        out.append("")
    doc = load_yaml(alerts_path)
    out.append("### Alerts (`deploy/prometheus/alerts.yml`; the same in `deploy/grafana/provisioning/alerting/`)")
    out.append("")
    out.append("| alert | severity | for | summary | expression |")
    out.append("| --- | --- | --- | --- | --- |")
    for group in doc["groups"]:
        for rule in group.get("rules", []):
            if "alert" not in rule:
                continue
            out.append("| [%s](RUNBOOK.md#%s) | %s | %s | %s | `%s` |" % (
                rule["alert"], rule["alert"].lower(), rule["labels"]["severity"], rule.get("for", "0s"),
                _cell(rule["annotations"]["summary"]), _cell(rule["expr"])))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- checks

class Suite:
    def __init__(self, args):
        self.src = os.path.abspath(args.source_dir)
        self.binary = args.binary
        self.prom_dir = os.path.join(self.src, "deploy", "prometheus")
        self.alerts = os.path.join(self.prom_dir, "alerts.yml")
        self.recording = os.path.join(self.prom_dir, "recording.yml")
        self.alerts_test = os.path.join(self.prom_dir, "alerts_test.yml")
        self.config = os.path.join(self.prom_dir, "prometheus.yml")
        self.runbook = os.path.join(self.src, "deploy", "RUNBOOK.md")
        self.dashboard = os.path.join(self.src, "dashboards", "stream_disconnects.json")
        self.deploy_readme = os.path.join(self.src, "deploy", "README.md")
        self.update_docs = getattr(args, "update_docs", False)
        self.grafana_dir = os.path.join(self.src, "deploy", "grafana", "provisioning")
        self.grafana_alerts = os.path.join(self.grafana_dir, "alerting", "alerts.yaml")
        self.grafana_datasource = os.path.join(self.grafana_dir, "datasources", "prometheus.yaml")
        self.promtool = shutil.which("promtool")
        self.tmp = tempfile.mkdtemp(prefix="test_alert_rules.")
        self.exprs = []  # (where, PromQL) of everything that must parse and use the contract
        self.passed, self.failed = 0, 0

    def check(self, name, fn):
        try:
            detail = fn()
        except CheckFailed as e:
            self.failed += 1
            print("FAIL %s\n  %s" % (name, str(e).replace("\n", "\n  ")))
        else:
            self.passed += 1
            print("ok   %s%s" % (name, " (%s)" % detail if detail else ""))

    def promtool_run(self, *args, cwd=None):
        if not self.promtool:
            raise CheckFailed("promtool not found on PATH (Debian package: prometheus)")
        rc, out = run([self.promtool] + list(args), cwd=cwd)
        if rc != 0:
            raise CheckFailed("promtool %s exited %d:\n%s" % (" ".join(args), rc, out.strip()))
        return out

    def rule_groups(self, path):
        doc = load_yaml(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
            raise CheckFailed("%s: no groups list" % path)
        return [r for g in doc["groups"] for r in g.get("rules", [])]

    # -- promtool
    def check_rules(self):
        out = self.promtool_run("check", "rules", self.alerts, self.recording)
        return ", ".join(l.strip() for l in out.splitlines() if "SUCCESS" in l)

    def test_rules(self):
        # From another directory: rule_files must resolve relative to the test file.
        out = self.promtool_run("test", "rules", self.alerts_test, cwd=self.tmp)
        if "SUCCESS" not in out:
            raise CheckFailed("promtool test rules did not report SUCCESS:\n" + out)

    def check_config(self):
        out = self.promtool_run("check", "config", self.config, cwd=self.tmp)
        cfg = load_yaml(self.config)
        files = cfg.get("rule_files") or []
        resolved = {os.path.normpath(os.path.join(self.prom_dir, f)) for f in files}
        for wanted in (self.alerts, self.recording):
            if wanted not in resolved:
                raise CheckFailed("prometheus.yml rule_files does not load %s" % wanted)
            if "Checking %s" % wanted not in out:
                raise CheckFailed("promtool did not check %s:\n%s" % (wanted, out))
        jobs = [s.get("job_name") for s in cfg.get("scrape_configs") or []]
        alert_jobs = set(re.findall(r'up\{job="([^"]+)"', open(self.alerts).read()))
        if not alert_jobs or not alert_jobs <= set(jobs):
            raise CheckFailed("alerts select up{job=%s} but prometheus.yml scrapes %s"
                              % (sorted(alert_jobs), jobs))
        return "%d rule files, jobs %s" % (len(files), jobs)

    # -- alert hygiene
    def alert_hygiene(self):
        rules = self.rule_groups(self.alerts)
        alerts = {r["alert"]: r for r in rules if "alert" in r}
        problems = []
        missing = EXPECTED_ALERTS - set(alerts)
        if missing:
            problems.append("missing alerts: %s" % sorted(missing))
        anchors = markdown_anchors(self.runbook)
        for name, rule in sorted(alerts.items()):
            labels = rule.get("labels") or {}
            ann = rule.get("annotations") or {}
            if labels.get("severity") not in ("page", "ticket"):
                problems.append("%s: severity %r is not page|ticket" % (name, labels.get("severity")))
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    problems.append("%s: no %s annotation" % (name, key))
            url = ann.get("runbook_url") or ""
            m = re.fullmatch(r"(?:.*/)?deploy/RUNBOOK\.md#([\w-]+)", url)
            if not m or m.group(1) not in anchors:
                problems.append("%s: runbook_url %r has no matching heading in RUNBOOK.md" % (name, url))
        # Every paging alert fires in some test case and stays silent in another.
        tests = load_yaml(self.alerts_test).get("tests") or []
        firing, silent = set(), set()
        for t in tests:
            for case in t.get("alert_rule_test") or []:
                (firing if case.get("exp_alerts") else silent).add(case.get("alertname"))
        for name, rule in sorted(alerts.items()):
            if (rule.get("labels") or {}).get("severity") != "page":
                continue
            if name not in firing:
                problems.append("%s pages but no test case makes it fire" % name)
            if name not in silent:
                problems.append("%s pages but no test case checks it stays silent" % name)
        untested = set(alerts) - firing
        if untested:
            problems.append("alerts never fired in alerts_test.yml: %s" % sorted(untested))
        if problems:
            raise CheckFailed("\n".join(problems))
        pages = sum(1 for r in alerts.values() if r["labels"]["severity"] == "page")
        return "%d alerts, %d paging" % (len(alerts), pages)

    # -- dashboard
    def dashboard_shape(self):
        try:
            with open(self.dashboard, encoding="utf-8") as f:
                dash = json.load(f)
        except (OSError, ValueError) as e:
            raise CheckFailed("%s: %s" % (self.dashboard, e))
        problems = []
        if not 36 <= int(dash.get("schemaVersion", 0)) <= 41:
            problems.append("schemaVersion %r, expected about 38" % dash.get("schemaVersion"))
        variables = {v.get("name"): v for v in (dash.get("templating") or {}).get("list", [])}
        ds = variables.get("datasource") or {}
        if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
            problems.append("no `datasource` variable of type datasource for prometheus")
        for name in ("category", "domain"):
            if name not in variables:
                problems.append("no `%s` variable" % name)
        for name, v in variables.items():
            if v.get("type") == "query":
                if (v.get("datasource") or {}).get("uid") not in ("${datasource}", "$datasource"):
                    problems.append("variable %s: datasource is not ${datasource}" % name)
                query = v.get("definition") or (v.get("query") or {}).get("query", "")
                m = re.fullmatch(r"label_values\((?:(\w+)\s*,\s*)?(\w+)\)", query.strip())
                if not m:
                    problems.append("variable %s: unexpected query %r" % (name, query))
                    continue
                if m.group(1):
                    self.exprs.append(("dashboard variable " + name, m.group(1)))
                if v.get("includeAll") and v.get("allValue") != ".*":
                    problems.append("variable %s: allValue must be .* so 'All' also matches "
                                    "series without the label" % name)
        for panel in walk_panels(dash.get("panels", [])):
            if not (panel.get("description") or "").strip():
                problems.append("panel %r (%s) has no description" % (panel.get("title"), panel.get("type")))
        for where, ds in datasource_refs(dash):
            uid = ds.get("uid") if isinstance(ds, dict) else ds
            if uid not in ("${datasource}", "$datasource"):
                problems.append("%s: data source %r is not the ${datasource} variable" % (where, ds))
        count = 0
        for panel, target in dashboard_targets(dash):
            for where, ds in (("panel", panel.get("datasource")), ("target", target.get("datasource"))):
                uid = (ds or {}).get("uid")
                if uid not in ("${datasource}", "$datasource"):
                    problems.append("panel %r: %s datasource uid %r is not ${datasource}"
                                    % (panel.get("title"), where, uid))
            expr = target.get("expr")
            if not expr:
                problems.append("panel %r: target without expr" % panel.get("title"))
                continue
            count += 1
            try:
                self.exprs.append(("dashboard panel %r" % panel.get("title"), substitute_grafana(expr)))
            except CheckFailed as e:
                problems.append(str(e))
        if not any("stream_disconnect_code_info" in e and "group_left" in e for _, e in self.exprs):
            problems.append("no panel joins messages from stream_disconnect_code_info")
        if problems:
            raise CheckFailed("\n".join(problems))
        return "%d panel queries" % count

    # -- Grafana-managed alert rules
    def grafana_alerting(self):
        ds = load_yaml(self.grafana_datasource)
        uids = [d.get("uid") for d in (ds or {}).get("datasources") or [] if d.get("type") == "prometheus"]
        if len(uids) != 1 or not uids[0]:
            raise CheckFailed("%s: expected one prometheus data source with a fixed uid, got %r"
                              % (self.grafana_datasource, uids))
        ds_uid = uids[0]
        doc = load_yaml(self.grafana_alerts)
        problems = []
        if str((doc or {}).get("apiVersion")) != "1":
            problems.append("apiVersion is %r, not 1" % (doc or {}).get("apiVersion"))
        prom = {r["alert"]: r for r in self.rule_groups(self.alerts) if "alert" in r}
        seen = {}
        uid_seen = set()
        for group in (doc or {}).get("groups") or []:
            for key in ("orgId", "name", "folder", "interval"):
                if not group.get(key):
                    problems.append("group %r: no %s" % (group.get("name"), key))
            for rule in group.get("rules") or []:
                title = rule.get("title")
                seen[title] = rule
                uid = rule.get("uid") or ""
                if not re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", uid) or uid in uid_seen:
                    problems.append("%s: uid %r missing, too long or not unique" % (title, uid))
                uid_seen.add(uid)
                refs = {}
                for q in rule.get("data") or []:
                    ref, model = q.get("refId"), q.get("model") or {}
                    if model.get("refId") != ref:
                        problems.append("%s: model refId %r != %r" % (title, model.get("refId"), ref))
                    refs[ref] = q
                    if q.get("datasourceUid") == "__expr__":
                        for used in re.findall(r"\$(\w+)", model.get("expression") or ""):
                            if used not in refs:
                                problems.append("%s: %s uses $%s, not defined before it" % (title, ref, used))
                        continue
                    if q.get("datasourceUid") != ds_uid:
                        problems.append("%s: query %s datasourceUid %r is not the provisioned %r"
                                        % (title, ref, q.get("datasourceUid"), ds_uid))
                    if not model.get("expr"):
                        problems.append("%s: query %s has no expr" % (title, ref))
                        continue
                    self.exprs.append(("Grafana alert %s %s" % (title, ref), model["expr"]))
                if rule.get("condition") not in refs:
                    problems.append("%s: condition %r is not one of its refIds" % (title, rule.get("condition")))
                want = prom.get(title)
                if want is None:
                    problems.append("%s: not an alert of alerts.yml" % title)
                    continue
                if (rule.get("labels") or {}).get("severity") != want["labels"]["severity"]:
                    problems.append("%s: severity differs from alerts.yml" % title)
                if (rule.get("for") or "0s") != (want.get("for") or "0s"):
                    problems.append("%s: for %s, alerts.yml says %s" % (title, rule.get("for"), want.get("for")))
                ann = rule.get("annotations") or {}
                if ann.get("runbook_url") != want["annotations"]["runbook_url"] or not ann.get("summary"):
                    problems.append("%s: summary or runbook_url missing or differing" % title)
        missing = sorted(set(prom) - set(seen))
        if missing:
            problems.append("alerts of alerts.yml without a Grafana rule: %s" % missing)
        if problems:
            raise CheckFailed("\n".join(problems))
        return "%d rules on data source uid %r" % (len(seen), ds_uid)

    # -- deploy/README.md
    def docs_current(self):
        with open(self.deploy_readme, encoding="utf-8") as f:
            text = f.read()
        begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
        if begin < 0 or end < begin:
            raise CheckFailed("%s: no generated section (%s ... %s)" % (self.deploy_readme, DOCS_BEGIN, DOCS_END))
        want = DOCS_BEGIN + "\n\n" + docs_tables([self.dashboard], self.alerts) + "\n" + DOCS_END
        current = text[begin:end + len(DOCS_END)]
        if current == want:
            return "up to date"
        if self.update_docs:
            with open(self.deploy_readme, "w", encoding="utf-8") as f:
                f.write(text[:begin] + want + text[end + len(DOCS_END):])
            return "rewritten"
        raise CheckFailed("deploy/README.md's tables of panels and alerts are out of date: run "
                          "python3 tests/integration/test_alert_rules.py --update-docs")

    def collect_rule_exprs(self):
        for path in (self.alerts, self.recording):
            for rule in self.rule_groups(path):
                self.exprs.append(("%s %s" % (os.path.basename(path), rule.get("alert") or rule.get("record")),
                                   rule.get("expr") or ""))
                for key, text in sorted((rule.get("annotations") or {}).items()):
                    for q in template_queries(text):
                        self.exprs.append(("%s %s annotation %s" % (os.path.basename(path), rule.get("alert"), key), q))
        text = open(self.runbook, encoding="utf-8").read()
        for block in re.findall(r"```promql\n(.*?)```", text, re.S):
            for query in re.split(r"\n\s*\n", block):
                query = "\n".join(l for l in query.splitlines() if not l.lstrip().startswith("#"))
                if query.strip():
                    self.exprs.append(("RUNBOOK.md", query))

    def exprs_parse(self):
        """Every collected expression, as a recording rule, through promtool check rules."""
        self.collect_rule_exprs()
        if not self.exprs:
            raise CheckFailed("no expressions collected")
        path = os.path.join(self.tmp, "parse_check.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: parse_check\n    rules:\n")
            for i, (_, expr) in enumerate(self.exprs):
                # A JSON string is a valid YAML double-quoted scalar.
                f.write("      - record: parse_check:expr_%d\n        expr: %s\n" % (i, json.dumps(expr)))
        rc, out = run([self.promtool, "check", "rules", path]) if self.promtool else (1, "promtool not found")
        if rc != 0:
            where = {"parse_check:expr_%d" % i: w for i, (w, _) in enumerate(self.exprs)}
            for rec, w in where.items():
                out = out.replace(rec + " ", "%s [%s] " % (rec, w))
            raise CheckFailed("PromQL that does not parse:\n" + out.strip())
        return "%d expressions" % len(self.exprs)

    def contract_names(self):
        known = set(CONTRACT_METRICS) | PROMETHEUS_METRICS
        known |= {r["record"] for r in self.rule_groups(self.recording) if "record" in r}
        categories = CATEGORIES
        problems = []
        for where, expr in self.exprs:
            for name in sorted(metric_names(expr) - known):
                problems.append("%s: metric %s is not in the contract" % (where, name))
            for cat in sorted(category_values(expr) - categories):
                problems.append("%s: category %s is not one of DESIGN's" % (where, cat))
        # The test data too: a typo there would test a series the exporter never writes.
        for t in load_yaml(self.alerts_test).get("tests") or []:
            for s in t.get("input_series") or []:
                series = s.get("series", "")
                name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", series)
                if not name or name.group(0) not in known:
                    problems.append("alerts_test.yml: series %s is not a contract metric" % series)
                for cat in category_values(series) - categories:
                    problems.append("alerts_test.yml: category %s is not one of DESIGN's" % cat)
        if problems:
            raise CheckFailed("\n".join(problems))
        return "%d categories in DESIGN" % len(categories)

    def deploy_configs_check(self):
        """The configs shipped in deploy/ pass the exporter's own --config.check."""
        if not self.binary or not os.access(self.binary, os.X_OK):
            return "skipped: no --binary"
        configs = [os.path.join(self.src, "deploy", "docker", "config.yaml"),
                   os.path.join(self.src, "deploy", "debian", "config.yaml")]
        cm = load_yaml(os.path.join(self.src, "deploy", "kubernetes", "configmap.yaml"))
        path = os.path.join(self.tmp, "configmap-config.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(cm["data"]["config.yaml"])
        configs.append(path)
        for c in configs:
            rc, out = run([self.binary, "--config.file=" + c, "--config.check"])
            if rc != 0:
                raise CheckFailed("%s --config.check on %s exited %d:\n%s" % (self.binary, c, rc, out.strip()))
        return "%d configs" % len(configs)

    def run_all(self):
        self.check("promtool check rules (alerts.yml, recording.yml)", self.check_rules)
        self.check("promtool test rules (alerts_test.yml)", self.test_rules)
        self.check("promtool check config (prometheus.yml, rule files relative to it)", self.check_config)
        self.check("alerts: severity, annotations, runbook anchors, test coverage", self.alert_hygiene)
        self.check("dashboard: JSON, variables, descriptions, datasource", self.dashboard_shape)
        self.check("Grafana-managed alert rules match alerts.yml", self.grafana_alerting)
        self.check("every PromQL expression parses (dashboard, Grafana alerts, annotations, runbook)",
                   self.exprs_parse)
        self.check("metric and category names are the contract's", self.contract_names)
        self.check("deploy configs pass --config.check", self.deploy_configs_check)
        self.check("deploy/README.md lists every panel and alert with its query", self.docs_current)
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("alert_rules: %d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_src = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=None)
    parser.add_argument("--source-dir", default=default_src)
    parser.add_argument("--update-docs", action="store_true",
                        help="rewrite deploy/README.md's generated tables of panels and alerts")
    args, _unknown = parser.parse_known_args()
    return Suite(args).run_all()


if __name__ == "__main__":
    sys.exit(main())
