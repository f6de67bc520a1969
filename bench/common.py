"""Shared helpers for the bench/ scripts (Python 3 stdlib only).

Build the exporter into build-bench, generate data once into the scratch dir,
write configs, run a process while measuring wall time and peak RSS, drive a
daemon over HTTP, parse the exposition, print markdown tables and append rows
to a JSON results file that run_all.sh merges into one table.
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BUILD_DIR = REPO / "build-bench"
BINARY_NAME = "stream_disconnect_exporter"
GEN_EVENTS = BENCH_DIR / "gen_events.py"
# The mtail program the comparison runs is reference material outside the
# repository (../shared/bench/mtail/); only once_vs_mtail.py needs it.
SHARED_BENCH = Path(os.environ.get("SDX_SHARED_BENCH", REPO.parent / "shared" / "bench"))
MTAIL_PROG = SHARED_BENCH / "mtail" / "disconnect.mtail"
GEN_SERIES = BENCH_DIR / "gen_series.py"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- arguments

def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--binary", help="exporter binary to use (default: build it into build-bench/)")
    p.add_argument("--data-dir", default=os.environ.get("SDX_BENCH_DIR", "/tmp/sdx-bench"),
                   help="scratch dir for generated data, configs and logs "
                        "(default $SDX_BENCH_DIR or /tmp/sdx-bench)")
    p.add_argument("--quick", action="store_true", help="fast smoke run (100k lines, 1 run)")
    p.add_argument("--results", help="append result rows as JSON lines to this file (run_all.sh)")
    return p


def setup(args):
    """Common start: scratch dir and binary. Returns the binary path."""
    args.data_dir = Path(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    return ensure_binary(args.binary)


def ensure_binary(binary=None):
    if binary:
        path = Path(binary).resolve()
        if not os.access(path, os.X_OK):
            sys.exit(f"--binary {path}: not an executable file")
        return path
    if not (BUILD_DIR / "CMakeCache.txt").exists():
        log(f"configuring {BUILD_DIR} (Release)")
        subprocess.run(["cmake", "-S", str(REPO), "-B", str(BUILD_DIR), "-DCMAKE_BUILD_TYPE=Release"],
                       check=True, stdout=subprocess.DEVNULL)
    log(f"building {BINARY_NAME} in {BUILD_DIR}")
    r = subprocess.run(["cmake", "--build", str(BUILD_DIR), "-j2", "--target", BINARY_NAME],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:])
        sys.exit("build failed")
    return BUILD_DIR / BINARY_NAME


# ---------------------------------------------------------------- data

def generate(path, argv):
    """Run a generator (argv, writing to stdout) into path once; reuse it later."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        return path
    log(f"generating {path.name}: {' '.join(str(a) for a in argv)}")
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as out:
        subprocess.run([sys.executable] + [str(a) for a in argv], stdout=out, check=True)
    os.replace(tmp, path)
    return path


def events_file(data_dir, lines, seed=1):
    """gen_events.py LINES SEED -> data_dir/events_<lines>.jsonl"""
    return generate(Path(data_dir) / f"events_{lines}_s{seed}.jsonl", [GEN_EVENTS, lines, seed])


def series_file(data_dir, lines, streams, seed=1):
    """gen_series.py LINES --streams K -> data_dir/series_<lines>_<K>.jsonl"""
    return generate(Path(data_dir) / f"series_{lines}_k{streams}_s{seed}.jsonl",
                    [GEN_SERIES, lines, "--streams", streams, "--seed", seed])


def file_counts(path):
    """(lines, event_type 0 lines) of a data file, cached in a sidecar file."""
    path = Path(path)
    st = path.stat()
    meta = path.with_suffix(path.suffix + ".counts.json")
    key = [st.st_size, st.st_mtime_ns]
    if meta.exists():
        try:
            m = json.loads(meta.read_text())
            if m["key"] == key:
                return m["lines"], m["disconnects"]
        except (ValueError, KeyError):
            pass
    lines = disc = 0
    needle = b'"event_type":0,'
    with open(path, "rb") as f:
        for line in f:
            lines += 1
            if needle in line:
                disc += 1
    meta.write_text(json.dumps({"key": key, "lines": lines, "disconnects": disc}))
    return lines, disc


def warm_page_cache(path):
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


# ---------------------------------------------------------------- config

def write_config(path, files, labels=None, max_label_sets=None, poll_interval=None,
                 source="bench"):
    lines = []
    if labels:
        lines.append(f"labels: [{', '.join(labels)}]")
    if max_label_sets is not None:
        lines.append(f"max_label_sets: {max_label_sets}")
    if poll_interval:
        lines.append(f"poll_interval: {poll_interval}")
    paths = ", ".join(json.dumps(str(f)) for f in files)
    lines.append(f"sources: [{{name: {source}, type: file, paths: [{paths}], "
                 f"format: tencent_callback, start_at: beginning}}]")
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


# ---------------------------------------------------------------- processes

GNU_TIME = "/usr/bin/time"


def run_measured(cmd, stdout_path=None, stderr_path=None):
    """Run cmd to completion; return dict(wall, maxrss_kib, user, sys, rc).

    Wall time is measured here. Peak RSS and CPU times come from GNU time
    (/usr/bin/time, Debian package `time`): a child forked straight from
    Python would report Python's own RSS as its ru_maxrss (the pre-exec
    high-water mark of the forked copy), so the measured program is started
    by GNU time, a small C process, and its wait4() rusage is used."""
    cmd = [str(x) for x in cmd]
    use_time = os.access(GNU_TIME, os.X_OK)
    rusage_file = None
    if use_time:
        fd, rusage_file = tempfile.mkstemp(prefix="sdx-bench-time-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M %U %S", "-o", rusage_file] + cmd
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
        if stderr_path:
            err.close()
    result = {"wall": wall, "maxrss_kib": ru.ru_maxrss, "user": ru.ru_utime, "sys": ru.ru_stime,
              "rc": p.returncode, "rss_exact": False}
    if rusage_file:
        text = Path(rusage_file).read_text().strip().splitlines()
        os.unlink(rusage_file)
        if text:
            m, u, s = text[-1].split()
            result.update(maxrss_kib=int(m), user=float(u), sys=float(s), rss_exact=True)
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """VmHWM / VmRSS (KiB) from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    return out


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def proc_rchar(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


class Client:
    """HTTP/1.1 client for one thread.

    keepalive=False (the default) opens a new connection per request. The
    exporter's keep-alive responses currently stall ~40 ms each (headers and
    body go out in two writes without TCP_NODELAY: Nagle + delayed ACK), which
    would swamp what these benches measure; render_time.py reports that cost
    separately."""

    def __init__(self, port, keepalive=False):
        self.port = port
        self.keepalive = keepalive
        self.conn = None

    def get(self, path):
        """GET path; returns (status, body bytes). Reconnects once on error."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                self.conn.request("GET", path,
                                  headers={} if self.keepalive else {"Connection": "close"})
                r = self.conn.getresponse()
                body = r.read()
                if not self.keepalive or r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, body
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def metrics(self):
        status, body = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return body.decode()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Daemon:
    """The exporter as a daemon on a free loopback port."""

    def __init__(self, binary, config, log_path):
        self.binary, self.config, self.log_path = binary, config, log_path
        self.port = free_port()
        self.proc = None
        self.client = Client(self.port)

    def start(self, timeout=15):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.binary), f"--config.file={self.config}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exporter exited with {self.proc.returncode} at start; "
                                   f"log: {self.log_path}")
            try:
                status, _ = self.get("/-/ready")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"exporter not ready after {timeout}s; log: {self.log_path}")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def get(self, path):
        return self.client.get(path)

    def metrics(self):
        return self.client.metrics()

    def stop(self):
        self.client.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_ingested(daemon, nbytes, timeout=300, idle=0.3):
    """Wait, without scraping, until the daemon has read nbytes (rchar) and its
    CPU time has stopped moving for `idle` seconds.
    Returns {"waited": seconds, "cpu": the daemon's CPU seconds at that point}."""
    t0 = time.monotonic()
    last_cpu, still_since = None, None
    while time.monotonic() - t0 < timeout:
        if not daemon.alive():
            raise RuntimeError(f"exporter died (rc {daemon.proc.returncode}); log: {daemon.log_path}")
        cpu = proc_cpu_seconds(daemon.pid)
        if proc_rchar(daemon.pid) >= nbytes:
            if cpu == last_cpu:
                still_since = still_since or time.monotonic()
                if time.monotonic() - still_since >= idle:
                    return {"waited": time.monotonic() - t0, "cpu": cpu}
            else:
                still_since = None
        last_cpu = cpu
        time.sleep(0.02)
    raise RuntimeError(f"daemon did not ingest {nbytes} bytes within {timeout}s")


# ---------------------------------------------------------------- exposition

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', re.M)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text):
    """[(name, {label: value}, float)] of an exposition text."""
    out = []
    for m in _SAMPLE.finditer(text):
        labels = dict(_LABEL.findall(m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def metric_sum(text, name, **match):
    return sum(v for n, l, v in samples(text)
               if n == name and all(l.get(k) == want for k, want in match.items()))


def series_count(text, name=None):
    """Number of sample lines (all, or of one metric name)."""
    return sum(1 for n, _, _ in samples(text) if name is None or n == name)


def events_total(text, source="bench"):
    """{result: value} of stream_disconnect_exporter_events_total for a source."""
    out = {}
    for n, l, v in samples(text):
        if n == "stream_disconnect_exporter_events_total" and l.get("source") == source:
            out[l.get("result")] = out.get(l.get("result"), 0) + v
    return out


# ---------------------------------------------------------------- statistics / output

def percentile(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def median(values):
    return statistics.median(values)


def fmt_int(x):
    return f"{x:,.0f}"


def fmt_rate(x):
    return f"{x:,.0f} ev/s"


def fmt_mib(kib):
    return f"{kib / 1024:.1f} MiB"


def fmt_ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def markdown_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


class Results:
    """Rows of (metric, result, target) for one benchmark; printed as a
    markdown table and optionally appended to a JSON-lines file."""

    def __init__(self, bench, args):
        self.bench, self.args, self.rows = bench, args, []
        self.failures = []

    def add(self, metric, result, target=""):
        self.rows.append((metric, result, target))

    def fail(self, msg):
        log(f"CHECK FAILED: {msg}")
        self.failures.append(msg)

    def emit(self, summary):
        print()
        print(f"### {self.bench}" + (" (--quick)" if self.args.quick else ""))
        print()
        print(markdown_table(["Metric", "Result", "Target"], [list(r) for r in self.rows]))
        print()
        for f in self.failures:
            print(f"CHECK FAILED: {f}")
        status = "FAIL" if self.failures else "OK"
        print(f"SUMMARY {self.bench}: {status}: {summary}")
        sys.stdout.flush()
        if self.args.results:
            with open(self.args.results, "a") as f:
                for m, r, t in self.rows:
                    f.write(json.dumps({"bench": self.bench, "metric": m, "result": r,
                                        "target": t}) + "\n")
                for fl in self.failures:
                    f.write(json.dumps({"bench": self.bench, "metric": "CHECK FAILED",
                                        "result": fl, "target": ""}) + "\n")
        return 1 if self.failures else 0


def verdict(ok):
    return "met" if ok else "NOT met"


# ---------------------------------------------------------------- series setup shared by benches

SERIES_LABELS = ["stream"]
SERIES_MAX_LABEL_SETS = 20000


def start_ingested(binary, work, name, data, labels=None, max_label_sets=None):
    """Start a daemon on `data` (start_at: beginning) and wait, without
    scraping, until it has read the whole file. Returns (daemon, wait_ingested() dict)."""
    config = write_config(Path(work) / f"config_{name}.yaml", [data], labels=labels,
                          max_label_sets=max_label_sets, poll_interval="100ms")
    d = Daemon(binary, config, Path(work) / f"daemon_{name}.log")
    d.start()
    try:
        info = wait_ingested(d, Path(data).stat().st_size)
    except Exception:
        d.stop()
        raise
    return d, info


def exposition_stats(text):
    """Sample counts of an exposition: total and per family of interest."""
    counts = {"all": 0, "stream_disconnects_by_code_total": 0, "stream_disconnects_total": 0,
              "stream_pushes_total": 0}
    for n, _, _ in samples(text):
        counts["all"] += 1
        if n in counts:
            counts[n] += 1
    return counts


def check_ingest(text, lines, disconnects, source="bench"):
    """Problems (list of str) if the exposition does not show the whole file."""
    ev = events_total(text, source)
    problems = []
    if sum(ev.values()) != lines:
        problems.append(f"events_total sums to {sum(ev.values()):.0f}, file has {lines} lines")
    if ev.get("disconnect") != disconnects:
        problems.append(f"disconnect={ev.get('disconnect')}, file has {disconnects} event_type 0 lines")
    if ev.get("parse_error"):
        problems.append(f"parse_error={ev['parse_error']:.0f}")
    overflow = metric_sum(text, "stream_disconnect_exporter_label_overflow_events_total")
    if overflow:
        problems.append(f"{overflow:.0f} events folded into __overflow__")
    return problems
