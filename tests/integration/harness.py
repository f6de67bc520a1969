"""Shared code for the integration tests (Python 3 standard library only).

Every test script runs the real exporter binary, feeds it real files, scrapes
it over HTTP on 127.0.0.1 and checks the result against an independent model
written from DESIGN.md (not from the C++ sources):

    python3 test_X.py --binary PATH --source-dir REPO [--shared-dir SHARED]

Everything a test needs is in the repository (data/tencent_codes.tsv,
bench/gen_events.py). --shared-dir (default REPO/../shared) is read only by
test_reference_data.py, which cross-checks those copies when it exists.

Rules kept here so every script gets them for free: every wait has a
deadline, every started process is killed at exit (try/finally, atexit and
PR_SET_PDEATHSIG), and a failing check prints the exporter's log tail.
"""
import argparse
import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
import urllib.error
import urllib.request

LOOPBACK = "127.0.0.1"

# ---------------------------------------------------------------- arguments


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "..", ".."))
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--binary", default=os.path.join(repo, "build", "stream_disconnect_exporter"))
    p.add_argument("--source-dir", default=repo)
    p.add_argument("--shared-dir", default=os.path.abspath(os.path.join(repo, "..", "shared")))
    p.add_argument("--keep", action="store_true", help="keep temporary directories")
    args, _unknown = p.parse_known_args()
    args.binary = os.path.abspath(args.binary)
    args.source_dir = os.path.abspath(args.source_dir)
    args.shared_dir = os.path.abspath(args.shared_dir)
    if not os.access(args.binary, os.X_OK):
        sys.exit("binary not found or not executable: %s" % args.binary)
    return args


# ---------------------------------------------------------------- processes and cleanup

_PROCS = []       # every Popen started through this module
_TMPDIRS = []     # every temp dir made through this module
_KEEP = {"keep": bool(os.environ.get("SDX_KEEP_TMP"))}


def _set_pdeathsig():
    """Child side of Popen: die with the test script even if it is SIGKILLed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except Exception:
        pass


def popen(cmd, **kw):
    kw.setdefault("preexec_fn", _set_pdeathsig)
    proc = subprocess.Popen(cmd, **kw)
    _PROCS.append(proc)
    return proc


def kill_proc(proc, grace=5.0):
    """terminate, wait (bounded), then kill. Never raises."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    except Exception:
        pass


@atexit.register
def _cleanup():
    for proc in _PROCS:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=5)
            except Exception:
                pass
    if not _KEEP["keep"]:
        for d in _TMPDIRS:
            shutil.rmtree(d, ignore_errors=True)
    elif _TMPDIRS:
        print("kept temporary directories: %s" % " ".join(_TMPDIRS))


def mkdtemp(prefix="sdx-it-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _TMPDIRS.append(d)
    return d


def keep_tmp():
    """Called when a check fails: keep the evidence."""
    _KEEP["keep"] = True


def sanitizer_build(binary):
    """Whether the binary links AddressSanitizer or ThreadSanitizer (slower,
    and its shadow memory cannot live under an address-space limit)."""
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         timeout=30).stdout.decode(errors="replace")
    return "libasan" in out or "libtsan" in out


def with_limits(args, d, *prlimit_options):
    """A copy of args whose binary runs the exporter under prlimit (e.g.
    "--nofile=1024:1024", "--as=629145600"), through a wrapper script in d."""
    wrapper = os.path.join(d, "exporter-limited")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec prlimit %s -- %s \"$@\"\n" % (" ".join(prlimit_options), args.binary))
    os.chmod(wrapper, 0o700)
    limited = type(args)(**vars(args))
    limited.binary = wrapper
    return limited


def free_port():
    """A port the kernel just handed out on loopback (closed again, so a
    race with another process is possible: callers retry on bind failure)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def run(cmd, timeout=60, **kw):
    """subprocess.run with a deadline, capturing bytes stdout/stderr."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("preexec_fn", _set_pdeathsig)
    return subprocess.run(cmd, timeout=timeout, **kw)


# ---------------------------------------------------------------- HTTP


def http_get(url, timeout=5.0):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers or {}), e.read()


# ---------------------------------------------------------------- exposition parser

_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _parse_value(tok):
    t = tok.strip()
    if t in ("+Inf", "Inf"):
        return float("inf")
    if t == "-Inf":
        return float("-inf")
    if t == "NaN":
        return float("nan")
    return float(t)


def parse_sample_line(line):
    """'name{a="x",b="y\\"z"} 1 [ts]' -> (name, {labels}, value)."""
    m = _NAME_RE.match(line)
    if not m:
        raise ValueError("bad metric name in %r" % line)
    name = m.group(0)
    i = m.end()
    labels = {}
    if i < len(line) and line[i] == "{":
        i += 1
        while True:
            while i < len(line) and line[i] in " \t":
                i += 1
            if i < len(line) and line[i] == "}":
                i += 1
                break
            lm = _LABEL_RE.match(line, i)
            if not lm:
                raise ValueError("bad label name at %d in %r" % (i, line))
            lname = lm.group(0)
            i = lm.end()
            if line[i:i + 2] != '="':
                raise ValueError("expected =\" at %d in %r" % (i, line))
            i += 2
            buf = []
            while True:
                if i >= len(line):
                    raise ValueError("unterminated label value in %r" % line)
                c = line[i]
                if c == "\\":
                    nxt = line[i + 1] if i + 1 < len(line) else ""
                    if nxt == "n":
                        buf.append("\n")
                    elif nxt == "\\":
                        buf.append("\\")
                    elif nxt == '"':
                        buf.append('"')
                    else:
                        raise ValueError("bad escape \\%s in %r" % (nxt, line))
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                buf.append(c)
                i += 1
            if lname in labels:
                raise ValueError("duplicate label %s in %r" % (lname, line))
            labels[lname] = "".join(buf)
            while i < len(line) and line[i] in " \t":
                i += 1
            if i < len(line) and line[i] == ",":
                i += 1
                continue
            if i < len(line) and line[i] == "}":
                i += 1
                break
            raise ValueError("expected , or } at %d in %r" % (i, line))
    rest = line[i:].split()
    if not rest or len(rest) > 2:
        raise ValueError("bad value part in %r" % line)
    return name, labels, _parse_value(rest[0])


def parse_exposition(text):
    """Prometheus text format -> {(name, frozenset(labels.items())): value}.
    Raises ValueError on malformed lines or duplicate series."""
    samples = {}
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, labels, value = parse_sample_line(line)
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ValueError("duplicate series %s%s" % (name, labels))
        samples[key] = value
    return samples


def key(name, **labels):
    return (name, frozenset(labels.items()))


def series(samples, name, **match):
    """[(labels dict, value)] of one metric whose labels include `match`."""
    out = []
    for (n, ls), v in samples.items():
        if n != name:
            continue
        d = dict(ls)
        if all(d.get(k) == str(val) for k, val in match.items()):
            out.append((d, v))
    return out


def total(samples, name, **match):
    return sum(v for _, v in series(samples, name, **match))


def fmt_key(k):
    name, ls = k
    inner = ",".join('%s="%s"' % (a, b) for a, b in sorted(ls))
    return "%s{%s}" % (name, inner) if inner else name


def diff(samples, expected):
    """Human-readable mismatches between expected {key: value} and samples."""
    out = []
    for k, want in sorted(expected.items(), key=lambda kv: fmt_key(kv[0])):
        got = samples.get(k)
        if got is None or got != want:
            out.append("%s: want %s, got %s" % (fmt_key(k), want, got))
    return out


# ---------------------------------------------------------------- reference classifier (from DESIGN.md)

CATEGORIES = [
    "client_closed", "network", "idle", "protocol_error", "media_limit",
    "internal_error", "proxy_command", "account", "arrears", "push_url_invalid",
    "banned", "ip_acl", "auth", "quota", "api_request", "replaced",
    "push_rejected", "stream_control", "unknown",
]

# DESIGN.md "Categories" table, written out by ranges.
_SIMPLE = {}  # errcode (sub_errcode 0) -> category
for _e in (1, 2, 3, 4, 35):
    _SIMPLE[_e] = "client_closed"
for _e in range(12, 18):
    _SIMPLE[_e] = "network"
for _e in (8, 20, 37):
    _SIMPLE[_e] = "idle"
for _e in (6, 23, 33):
    _SIMPLE[_e] = "protocol_error"
for _e in (7, 39):
    _SIMPLE[_e] = "media_limit"
for _e in (5, 9, 11, 24, 38):
    _SIMPLE[_e] = "internal_error"
_SIMPLE[10] = "proxy_command"
_SIMPLE[19] = "auth"
for _e in [0, 22] + list(range(25, 33)) + [34, 36]:
    _SIMPLE[_e] = "unknown"

_SUB18 = {}
for _s in range(100, 105):
    _SUB18[_s] = "internal_error"
for _s in (200, 201, 203):
    _SUB18[_s] = "account"
_SUB18[202] = "arrears"
for _s in (300, 301, 302, 306, 307, 308, 309):
    _SUB18[_s] = "push_url_invalid"
for _s in (303, 304, 305):
    _SUB18[_s] = "banned"
for _s in (400, 401):
    _SUB18[_s] = "ip_acl"
for _s in range(500, 504):
    _SUB18[_s] = "auth"
for _s in range(600, 603):
    _SUB18[_s] = "quota"
_SUB21 = {100: "api_request", 101: "api_request", 102: "replaced", 103: "replaced"}


def category_of(errcode, sub_errcode):
    """Category of a resolved (errcode, sub_errcode) pair. For 18 and 21,
    sub_errcode 0 is the 'no sub-code, no message match' fallback."""
    if errcode == 18:
        if sub_errcode == 0:
            return "push_rejected"
        return _SUB18.get(sub_errcode, "unknown")
    if errcode == 21:
        if sub_errcode == 0:
            return "stream_control"
        return _SUB21.get(sub_errcode, "unknown")
    if sub_errcode == 0 and errcode in _SIMPLE:
        return _SIMPLE[errcode]
    return "unknown"


def known_pairs():
    pairs = [(e, 0) for e in _SIMPLE]
    pairs += [(18, s) for s in _SUB18] + [(21, s) for s in _SUB21]
    return sorted(pairs)


def normalise_message(s):
    """Case, whitespace, punctuation and full-width insensitive form."""
    s = unicodedata.normalize("NFKC", s).casefold()
    return "".join(c for c in s
                   if not c.isspace() and not unicodedata.category(c).startswith("P"))


CODE_TABLE = os.path.join("data", "tencent_codes.tsv")


def read_code_table(source_dir):
    """[(errcode, sub_errcode, message_zh, message_en)] of the repository's
    data/tencent_codes.tsv, in file order."""
    rows = []
    with open(os.path.join(source_dir, CODE_TABLE), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    if not lines or lines[0].split("\t") != ["errcode", "sub_errcode", "message_zh", "message_en"]:
        raise RuntimeError("%s: unexpected header %r" % (CODE_TABLE, lines[:1]))
    for line in lines[1:]:
        if line:
            e, s, zh, en = line.split("\t")
            rows.append((int(e), int(s), zh, en))
    return rows


class Messages:
    """Chinese and English messages per code (data/tencent_codes.tsv)."""

    def __init__(self, source_dir):
        self.zh = {}
        self.en = {}
        for e, s, zh, en in read_code_table(source_dir):
            self.zh[(e, s)] = zh
            self.en[(e, s)] = en

    def matching_subs(self, errcode, errmsg):
        """The non-zero sub-codes of `errcode` whose Chinese or English
        message equals errmsg after normalising."""
        if not isinstance(errmsg, str):
            return set()
        want = normalise_message(errmsg)
        if not want:
            return set()
        hits = set()
        for table in (self.zh, self.en):
            for (e, s), msg in table.items():
                if e == errcode and s != 0 and normalise_message(msg) == want:
                    hits.add(s)
        return hits

    def resolve_sub(self, errcode, errmsg):
        """Step 2 of DESIGN's resolution: the unique matching sub-code, else None."""
        hits = self.matching_subs(errcode, errmsg)
        return hits.pop() if len(hits) == 1 else None


def resolve(ev, messages=None):
    """(errcode, sub_errcode, category) of a disconnect callback dict."""
    errcode = int(ev["errcode"])
    if "sub_errcode" in ev and ev["sub_errcode"] is not None:
        sub = int(ev["sub_errcode"])
    elif errcode in (18, 21):
        hits = messages.matching_subs(errcode, ev.get("errmsg")) if messages else set()
        categories = {category_of(errcode, s) for s in hits}
        if len(hits) > 1 and len(categories) == 1:
            # Several sub-codes of one category: counted in it, sub-code unknown ("").
            return errcode, "", categories.pop()
        sub = hits.pop() if len(hits) == 1 else 0
    else:
        sub = 0
    return errcode, sub, category_of(errcode, sub)


class Model:
    """Expected counter values for callbacks fed to one exporter."""

    def __init__(self, messages=None, labels=()):
        self.messages = messages
        self.labels = tuple(labels)
        self.by_code = {}     # (errcode, sub, category, *label values) -> n
        self.by_category = {}  # (category, *label values) -> n
        self.pushes = {}      # (*label values) -> n
        self.results = {"disconnect": 0, "push": 0, "parse_error": 0, "filtered": 0}
        self.parse_errors = {}
        self.base_results = {}       # self metrics count per process: see restarted()
        self.base_parse_errors = {}

    def restarted(self):
        """The exporter restarted: the event counters resume from the state
        file, the self metrics (events_total, parse_errors_total) count
        what this process read, so they restart from zero here."""
        self.base_results = dict(self.results)
        self.base_parse_errors = dict(self.parse_errors)

    def _dims(self, ev):
        vals = []
        for lab in self.labels:
            if lab == "domain":
                vals.append(str(ev.get("app", "")))
            elif lab == "app":
                vals.append(str(ev.get("appname", "")))
            elif lab == "stream":
                vals.append(str(ev.get("stream_id", "")))
            elif lab == "appid":
                vals.append(str(ev.get("appid", "")))
            else:
                raise ValueError("label %s not modelled" % lab)
        return tuple(vals)

    def add(self, ev):
        et = int(ev["event_type"])
        dims = self._dims(ev)
        if et == 0:
            e, s, cat = resolve(ev, self.messages)
            k = (e, s, cat) + dims
            self.by_code[k] = self.by_code.get(k, 0) + 1
            self.by_category[(cat,) + dims] = self.by_category.get((cat,) + dims, 0) + 1
            self.results["disconnect"] += 1
        elif et == 1:
            self.pushes[dims] = self.pushes.get(dims, 0) + 1
            self.results["push"] += 1
        else:
            self.results["filtered"] += 1

    def add_all(self, events):
        for ev in events:
            self.add(ev)

    def parse_error(self, reason, n=1):
        self.results["parse_error"] += n
        self.parse_errors[reason] = self.parse_errors.get(reason, 0) + n

    def disconnects(self):
        return self.results["disconnect"]

    def expected(self, source=None, zero_categories=True):
        """{key: value} for the category totals (every category, zeros too,
        when there are no dimension labels), pushes and, if `source` is
        given, events_total by result and parse_errors_total by reason."""
        exp = {}
        if not self.labels:
            for cat in CATEGORIES:
                if zero_categories or self.by_category.get((cat,)):
                    exp[key("stream_disconnects_total", category=cat)] = self.by_category.get((cat,), 0)
            exp[key("stream_pushes_total")] = self.pushes.get((), 0)
        else:
            for k, n in self.by_category.items():
                exp[key("stream_disconnects_total", category=k[0], **dict(zip(self.labels, k[1:])))] = n
            for k, n in self.pushes.items():
                exp[key("stream_pushes_total", **dict(zip(self.labels, k)))] = n
        if source is not None:
            for res, n in self.results.items():
                exp[key("stream_disconnect_exporter_events_total", source=source, result=res)] = \
                    n - self.base_results.get(res, 0)
            for reason in ("empty_line", "line_too_long", "invalid_utf8", "invalid_json",
                           "wrong_type", "missing_field"):
                exp[key("stream_disconnect_exporter_parse_errors_total", source=source, reason=reason)] = \
                    self.parse_errors.get(reason, 0) - self.base_parse_errors.get(reason, 0)
        return exp

    def expected_by_code(self):
        exp = {}
        for k, n in self.by_code.items():
            e, s, cat = k[:3]
            exp[key("stream_disconnects_by_code_total", errcode=str(e), sub_errcode=str(s), category=cat,
                    **dict(zip(self.labels, k[3:])))] = n
        return exp


def check_by_code_exact(samples, model):
    """Every exported by-code series equals the model (0 where the model has
    none) and every modelled series is exported."""
    exp = model.expected_by_code()
    problems = diff(samples, exp)
    for (name, ls), v in samples.items():
        if name == "stream_disconnects_by_code_total" and (name, ls) not in exp and v != 0:
            problems.append("%s: want 0 (not in model), got %s" % (fmt_key((name, ls)), v))
    return problems


# ---------------------------------------------------------------- callbacks

_SEQ = [7037777160241646428]


def make_callback(errcode, event_type=0, errmsg=None, sub_errcode=None, domain="push0.example.com",
                  appname="live", stream="stream_1", event_time=1764000000, **extra):
    """A Tencent push/interruption callback body (dict) shaped like the docs'
    official example. Pass sub_errcode only to mimic console/log exports."""
    _SEQ[0] += 1
    if errmsg is None:
        errmsg = "ok" if event_type == 1 else "error"
    ev = {"app": domain, "appid": 12345678, "appname": appname, "channel_id": stream,
          "errcode": errcode, "errmsg": errmsg, "event_time": event_time, "event_type": event_type,
          "height": 720, "idc_id": 34, "node": "10.0.0.1",
          "push_duration": "0" if event_type == 1 else "128581", "sequence": str(_SEQ[0]), "set_id": 2,
          "sign": "0123456789abcdef0123456789abcdef", "stream_id": stream,
          "stream_param": "txSecret=339c4094afe1ae427e7bcd7f1f8d1128&txTime=59c91afc",
          "t": event_time + 600, "user_ip": "61.135.194.200", "width": 1280}
    if sub_errcode is not None:
        ev["sub_errcode"] = sub_errcode
    ev.update(extra)
    return ev


def dumps(ev):
    return json.dumps(ev, separators=(",", ":"), ensure_ascii=False)


def line_bytes(ev):
    return (dumps(ev) + "\n").encode("utf-8")


def mixed_events(n, seed=0, domains=("push0.example.com", "push1.example.com")):
    """n callbacks cycling through a spread of codes: every category, pushes,
    and some 18/21 without a sub-code (fallback)."""
    import random
    rnd = random.Random(seed)
    pairs = known_pairs()
    out = []
    for i in range(n):
        r = rnd.random()
        dom = domains[i % len(domains)]
        if r < 0.15:
            out.append(make_callback(0, event_type=1, domain=dom))
        elif r < 0.2:
            out.append(make_callback(rnd.choice((18, 21)), errmsg="error", domain=dom))
        else:
            e, s = rnd.choice(pairs)
            if e in (18, 21):
                out.append(make_callback(e, sub_errcode=s, domain=dom))
            else:
                out.append(make_callback(e, domain=dom))
    return out


def append(path, data, fsync=False):
    """Append bytes (or a list of event dicts) to path in one write."""
    if isinstance(data, list):
        data = b"".join(line_bytes(ev) for ev in data)
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
        if fsync:
            os.fsync(f.fileno())


def gen_events(source_dir, n, seed, path):
    """bench/gen_events.py N SEED > path"""
    with open(path, "wb") as out:
        r = run([sys.executable, os.path.join(source_dir, "bench", "gen_events.py"), str(n), str(seed)],
                stdout=out, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("gen_events.py failed: %s" % r.stderr.decode(errors="replace"))


# ---------------------------------------------------------------- config

def to_yaml(cfg):
    """A config dict as YAML text (block style at the top, JSON-style flow
    values below: JSON scalars and flows are valid YAML)."""
    lines = []
    for k, v in cfg.items():
        if k == "sources" and isinstance(v, list):
            lines.append("sources:")
            for src in v:
                first = True
                for sk, sv in src.items():
                    prefix = "  - " if first else "    "
                    lines.append("%s%s: %s" % (prefix, sk, json.dumps(sv, ensure_ascii=False)))
                    first = False
        else:
            lines.append("%s: %s" % (k, json.dumps(v, ensure_ascii=False)))
    return "\n".join(lines) + "\n"


def file_source(name, paths, start_at="beginning", **extra):
    src = {"name": name, "type": "file", "paths": list(paths), "format": "tencent_callback",
           "start_at": start_at}
    src.update(extra)
    return src


# ---------------------------------------------------------------- the exporter under test

class ExporterError(AssertionError):
    pass


class Exporter:
    """One exporter daemon in its own temp dir.

    config: dict (rendered with to_yaml) or YAML text. Relative file paths in
    it resolve against the process cwd, which is self.dir unless cwd= is
    given. The config is written to self.dir/config.yaml; logs (stderr) to
    self.dir/exporter.log, stdout to self.dir/stdout.log."""

    START_TIMEOUT = 15.0
    STOP_TIMEOUT = 15.0

    def __init__(self, args, config, dir=None, extra_flags=(), log_level="debug", cwd=None, name="exporter"):
        self.args = args
        self.dir = dir or mkdtemp()
        self.name = name
        self.config = config
        self.extra_flags = list(extra_flags)
        self.log_level = log_level
        self.cwd = cwd or self.dir
        self.proc = None
        self.port = None
        self.starts = 0
        self.start_offsets = []   # log file size at each start
        self.config_path = os.path.join(self.dir, "config.yaml")
        self.log_path = os.path.join(self.dir, "exporter.log")
        self.stdout_path = os.path.join(self.dir, "stdout.log")
        self.telemetry_path = "/metrics"
        for f in self.extra_flags:
            if f.startswith("--web.telemetry-path="):
                self.telemetry_path = f.split("=", 1)[1]
        _LIVE.append(self)

    # -- lifecycle

    def write_config(self, config=None):
        if config is not None:
            self.config = config
        text = self.config if isinstance(self.config, str) else to_yaml(self.config)
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(text)

    def start(self, port=None):
        """Start and wait for /-/ready. Retries on another port if the
        chosen one was taken in between (parallel ctest)."""
        self.write_config()
        last = None
        for attempt in range(5):
            self.port = port or free_port()
            self.starts += 1
            self.start_offsets.append(os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0)
            cmd = [self.args.binary, "--config.file=" + self.config_path,
                   "--web.listen-address=%s:%d" % (LOOPBACK, self.port),
                   "--log.level=" + self.log_level] + self.extra_flags
            self.cmd = cmd
            with open(self.log_path, "ab") as log, open(self.stdout_path, "ab") as out:
                self.proc = popen(cmd, stdout=out, stderr=log, stdin=subprocess.DEVNULL, cwd=self.cwd)
            deadline = time.monotonic() + self.START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    status, _, _ = http_get(self.url("/-/ready"), timeout=1.0)
                    if status == 200:
                        return self
                except (OSError, urllib.error.URLError):
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                kill_proc(self.proc)
                raise ExporterError("%s not ready within %.0fs" % (self.name, self.START_TIMEOUT))
            last = self.proc.returncode
            tail = self.log_tail(20)
            if port is None and re.search(r"(?i)address already in use|bind|listen", tail):
                continue  # port race: try another one
            raise ExporterError("%s exited with %s during start" % (self.name, last))
        raise ExporterError("%s could not bind a port (last exit %s)" % (self.name, last))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, expect_rc=0):
        """Signal, wait (bounded) and require a clean exit code."""
        if not self.running():
            rc = None if self.proc is None else self.proc.returncode
            raise ExporterError("%s was not running at stop (exit code %s)" % (self.name, rc))
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=self.STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise ExporterError("%s did not exit within %.0fs of signal %d" % (self.name, self.STOP_TIMEOUT, sig))
        if expect_rc is not None and rc != expect_rc:
            raise ExporterError("%s exited with %s after signal %d, want %s" % (self.name, rc, sig, expect_rc))
        return rc

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self):
        """Cleanup only (no assertion): SIGKILL. Tests that check a clean
        shutdown call stop()."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    # -- HTTP

    def url(self, path):
        return "http://%s:%d%s" % (LOOPBACK, self.port, path)

    def get(self, path, timeout=5.0):
        return http_get(self.url(path), timeout=timeout)

    def scrape_text(self):
        status, headers, body = self.get(self.telemetry_path)
        if status != 200:
            raise ExporterError("scrape %s: HTTP %s" % (self.telemetry_path, status))
        return body.decode("utf-8")

    def scrape(self):
        return parse_exposition(self.scrape_text())

    def wait_for(self, predicate, timeout=10.0, what="condition"):
        """Poll /metrics every 50 ms until predicate(samples) is true."""
        deadline = time.monotonic() + timeout
        samples = None
        while True:
            if not self.running():
                raise ExporterError("%s died (exit code %s) while waiting for %s"
                                    % (self.name, self.proc.returncode, what))
            try:
                samples = self.scrape()
                if predicate(samples):
                    return samples
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() >= deadline:
                raise ExporterError("timed out after %.1fs waiting for %s" % (timeout, what))
            time.sleep(0.05)

    def wait_values(self, expected, timeout=10.0, settle=0.3, what="expected values"):
        """Wait until every {key: value} matches, then require it to hold for
        `settle` seconds (a late double count shows up). Raises with a diff."""
        last = {"samples": {}}

        def ok(s):
            last["samples"] = s
            return not diff(s, expected)

        try:
            self.wait_for(ok, timeout=timeout, what=what)
        except ExporterError as e:
            problems = diff(last["samples"], expected)
            raise ExporterError("%s:\n    %s" % (e, "\n    ".join(problems[:40])))
        if settle:
            time.sleep(settle)
            s = self.scrape()
            problems = diff(s, expected)
            if problems:
                raise ExporterError("%s matched, then changed within %.1fs:\n    %s"
                                    % (what, settle, "\n    ".join(problems[:40])))
            return s
        return last["samples"]

    # -- logs

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])


_LIVE = []  # Exporter objects, for log tails on failure


# ---------------------------------------------------------------- check runner

class Checks:
    """Named sub-checks: each runs in try/except, a failure prints the
    traceback and the log tails of exporters made during it; summary line
    'PREFIX: N passed, N failed' and the exit code at the end."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.t0 = time.monotonic()

    def run(self, name, fn, *a, **kw):
        start = len(_LIVE)
        t = time.monotonic()
        try:
            fn(*a, **kw)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.failed += 1
            self.failures.append(name)
            keep_tmp()
            print("FAIL %s (%.1fs): %s" % (name, time.monotonic() - t, e))
            if not isinstance(e, AssertionError):
                traceback.print_exc()
            for exp in _LIVE:
                if exp in _LIVE[start:] or exp.running():
                    print("---- %s log tail (%s):" % (exp.name, exp.log_path))
                    print(exp.log_tail(40))
        else:
            self.passed += 1
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t))
        finally:
            for exp in _LIVE[start:]:
                exp.close()
        sys.stdout.flush()

    def finish(self):
        print("(%.1fs)" % (time.monotonic() - self.t0))
        print("%s: %d passed, %d failed" % (self.prefix, self.passed, self.failed))
        sys.stdout.flush()
        return 0 if self.failed == 0 and self.passed > 0 else 1


def require(cond, msg):
    if not cond:
        raise AssertionError(msg)


def require_no_diff(samples, expected, what):
    problems = diff(samples, expected)
    if problems:
        raise AssertionError("%s:\n    %s" % (what, "\n    ".join(problems[:40])))
