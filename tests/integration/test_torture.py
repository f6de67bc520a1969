#!/usr/bin/env python3
"""Torture: not one disconnect lost or counted twice, whatever happens to the
files and to the process.

A writer thread appends --events known callback lines (mixed codes, 18/21 with
sub_errcode and with only an errmsg, pushes, filtered event types, a few bad
and over-long lines) to logs/live.jsonl in random-size chunks that often split
a line across writes, paced over --duration seconds. The exporter follows
`logs/live.jsonl*` (so rotated names stay followed) with a state_file, a short
checkpoint_interval and poll_interval 100ms. Meanwhile a chaos thread (seeded)
at random moments:

  rename      live.jsonl -> live.jsonl.<k>, a new live.jsonl (created at once
              like logrotate's `create`, or by the writer when it reopens);
              the writer may append a few more bursts to its old handle first
  copytruncate  copy live.jsonl to live.jsonl.<k>, truncate live.jsonl in
              place, with the writer paused between two lines (logrotate's own
              race loses lines written between copy and truncate; pausing is
              what makes the expected totals exact)
  shift       rename a rotated file to another name the glob matches
  cleanup     delete rotated files, delete_recreate: delete live.jsonl and
              let the writer create it again. A tailer cannot read a file
              deleted before it got to it, so files are only deleted once the
              exporter has demonstrably finished them: the writer is paused
              and a scrape shows every line written so far counted exactly.
  kill        SIGKILL, a random pause (the writer keeps writing; 0-2
              rotations happen meanwhile, kill_rename_down: at least a
              rename), restart with the same config and state_file;
              rotate_kill: a rotation, SIGKILL 0-250 ms later; double_kill:
              SIGKILL again right after a restart; a slow copytruncate copy
              (the exporter sees it half written) sometimes gets a SIGKILL
              mid-copy; kill_delete_recreate: caught up, SIGKILL, delete
              live.jsonl and create it again while down (the inode is often
              reused: the fingerprint must tell the files apart), restart
  sigterm     a clean stop and restart; sigterm_kill: SIGKILL during the
              shutdown (a stop timeout)

Two runs: start_at: beginning with all of the above, then a shorter,
restart-heavy run with start_at: end (which must only matter on the very
first start: after a restart, a file that is not in the checkpoint appeared
since, and is read from its start). --start-at picks one of them.

A scraper thread scrapes /metrics every 50-300 ms. At the end the writer has
written everything, the exporter catches up (bounded), and
stream_disconnects_by_code_total per (errcode, sub_errcode), the category
totals and stream_pushes_total must equal the writer's own totals computed
with harness's reference classifier, exactly, and hold; no counter may have
decreased between two consecutive scrapes, across kills too (self metrics,
which restart from zero with the process, only within one process); the last
process counted the parse errors written after it started; a clean restart at
the end changes nothing.

    python3 test_torture.py --binary B --source-dir S
                            [--seed N] [--events N] [--duration S]
                            [--start-at both|beginning|end]

A longer --duration (local stress runs) gets proportionally more chaos.
"""
import argparse
import http.client
import os
import random
import shutil
import signal
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "torture"
DEFAULT_SEED = 20251124
MAX_LINE = 64 * 1024          # max_line_bytes in the config
CATCH_UP_TIMEOUT = 30.0       # final catch-up deadline (ASan builds are slower)
CAUGHT_UP_PAUSE = 8.0         # how long chaos may pause the writer waiting for the exporter


def torture_args():
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--duration", type=float, default=40.0,
                   help="seconds over which the writer spreads its lines (chaos happens meanwhile)")
    p.add_argument("--start-at", choices=("both", "beginning", "end"), default="both",
                   help="start_at of the followed source: a full run with beginning, then a shorter "
                        "restart-heavy run with end (default both)")
    a, _ = p.parse_known_args()
    return a


class CachedMessages:
    """harness.Messages with its look-ups memoised (they normalise every
    message of the table per call; the generator calls them ~10^4 times)."""

    def __init__(self, messages):
        self.messages = messages
        self.zh = messages.zh
        self.en = messages.en
        self._cache = {}

    def resolve_sub(self, errcode, errmsg):
        k = (errcode, errmsg)
        if k not in self._cache:
            self._cache[k] = self.messages.resolve_sub(errcode, errmsg)
        return self._cache[k]

    def matching_subs(self, errcode, errmsg):
        k = ("subs", errcode, errmsg)
        if k not in self._cache:
            self._cache[k] = frozenset(self.messages.matching_subs(errcode, errmsg))
        return set(self._cache[k])


# ---------------------------------------------------------------- the stream of lines

BAD_LINES = [  # (bytes without newline, parse error reason): as in test_bad_input.py
    (b'{"errcode":1,"event_type":0 oops}', "invalid_json"),
    (b'this is not json', "invalid_json"),
    (b"\x00\x00\x00", "invalid_json"),
    (b'[1,2,3]', "wrong_type"),
    (b"", "empty_line"),
    (b'{"event_type":0}', "missing_field"),
    (b'{"errcode":1}', "missing_field"),
]


class Stream:
    """All lines the writer will write, as one bytes object, with per-line
    facts: what each line counts as (None: nothing), parse error reasons."""

    def __init__(self, n, rnd, messages):
        self.model = h.Model(messages=messages)   # the writer's totals when all is written
        self.keys = []        # per line: ("d", errcode, sub, category) / ("p",) / None
        self.bad = {}         # line index -> parse error reason
        chunks = []
        subs = {18: sorted(s for (e, s) in messages.zh if e == 18 and s),
                21: sorted(s for (e, s) in messages.zh if e == 21 and s)}
        simple = [(e, s) for (e, s) in h.known_pairs() if e not in (18, 21)]
        long_at = set(rnd.sample(range(n), min(n, 20)))
        for i in range(n):
            if i in long_at:
                ev = h.make_callback(1, errmsg="x" * rnd.randint(MAX_LINE + 1, 2 * MAX_LINE))
                chunks.append(h.line_bytes(ev))
                self.keys.append(None)
                self.bad[i] = "line_too_long"
                self.model.parse_error("line_too_long")
                continue
            r = rnd.random()
            if r < 0.003:
                raw, reason = rnd.choice(BAD_LINES)
                if reason == "wrong_type" and rnd.random() < 0.5:
                    raw = h.dumps(h.make_callback("abc")).encode()    # errcode not a number
                chunks.append(raw + b"\n")
                self.keys.append(None)
                self.bad[i] = reason
                self.model.parse_error(reason)
                continue
            common = {"domain": "push%d.example.com" % rnd.randrange(3),
                      "stream": "stream_%d" % rnd.randrange(500), "event_time": 1764000000 + i // 50}
            if r < 0.13:
                ev = h.make_callback(0, event_type=1, **common)
            elif r < 0.15:
                ev = h.make_callback(0, event_type=rnd.choice((2, 100, 321)), **common)   # filtered
            elif r < 0.21:        # 18/21 with only an errmsg: resolved from the message, or fallback
                e = rnd.choice((18, 21))
                s = rnd.choice(subs[e])
                q = rnd.random()
                if q < 0.4:
                    msg = messages.zh[(e, s)]
                elif q < 0.8 and (e, s) in messages.en:
                    msg = messages.en[(e, s)]
                else:
                    msg = rnd.choice(("error", "something nobody documented"))
                ev = h.make_callback(e, errmsg=msg, **common)
            elif r < 0.36:        # 18/21 with an explicit sub_errcode (console / log exports)
                e = rnd.choice((18, 21))
                s = rnd.choice(subs[e] + [0, 999])
                ev = h.make_callback(e, sub_errcode=s, **common)
            elif r < 0.365:       # codes not in the table
                ev = h.make_callback(rnd.choice((99, 123)), **common)
            else:
                e, s = rnd.choice(simple)
                if rnd.random() < 0.2:
                    ev = h.make_callback(e, sub_errcode=s, **common)
                else:
                    ev = h.make_callback(e, **common)
            chunks.append(h.line_bytes(ev))
            self.model.add(ev)
            et = int(ev["event_type"])
            if et == 0:
                self.keys.append(("d",) + h.resolve(ev, messages))
            elif et == 1:
                self.keys.append(("p",))
            else:
                self.keys.append(None)
        self.data = b"".join(chunks)
        self.ends = []
        pos = 0
        for c in chunks:
            pos += len(c)
            self.ends.append(pos)
        self.n = n


def counts_of(samples):
    """{("d", errcode, sub, category): n, ("p",): n} of the non-zero event
    counters of a scrape (the writer's counts have the same shape)."""
    out = {}
    for labels, v in h.series(samples, "stream_disconnects_by_code_total"):
        if v:
            # A code known only by category (several sub-codes matched) is "".
            code = [int(labels[k]) if labels[k] else "" for k in ("errcode", "sub_errcode")]
            out[("d", code[0], code[1], labels["category"])] = int(v)
    p = int(h.total(samples, "stream_pushes_total"))
    if p:
        out[("p",)] = p
    return out


def counts_diff(got, want):
    out = []
    for k in sorted(set(got) | set(want), key=str):
        if got.get(k, 0) != want.get(k, 0):
            name = "pushes" if k[0] == "p" else "errcode=%s sub_errcode=%s (%s)" % k[1:]
            out.append("%s: written %d, counted %d (%+d)" % (name, want.get(k, 0), got.get(k, 0),
                                                               got.get(k, 0) - want.get(k, 0)))
    return out


# ---------------------------------------------------------------- writer

class Writer(threading.Thread):
    """Appends the stream to live.jsonl in bursts of whole lines, each burst
    in random-size write(2)s (often splitting a line, sometimes with a short
    sleep in between so the exporter sees the half line). `lock` is held for
    a burst: chaos holding it sees the writer between two lines."""

    def __init__(self, stream, live, rnd, duration, journal):
        super().__init__(daemon=True, name="writer")
        self.stream = stream
        self.live = live
        self.rnd = rnd
        self.duration = duration
        self.journal = journal
        self.lock = threading.RLock()
        self.fd = None
        self.fd_path = None       # the name the open file had when opened
        self.pending_reopen = None
        self.pos = 0              # bytes written
        self.lines = 0            # whole lines written
        self.counts = {}          # counts_of() shape, for the lines written
        self.writes = 0
        self.abort = threading.Event()
        self.error = None
        self.finished_at = None

    def _open(self):
        self.fd = os.open(self.live, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.fd_path = self.live

    def reopen(self):
        """Close the handle (which may be a renamed or deleted file) and open
        live.jsonl, creating it if needed. Call with lock held."""
        if self.fd is not None:
            os.close(self.fd)
        self._open()
        self.pending_reopen = None

    def after_rename(self, late_bursts):
        """live.jsonl was renamed away: keep appending `late_bursts` bursts to
        the old handle (a logger that has not reopened yet), then reopen."""
        if late_bursts <= 0:
            self.reopen()
        else:
            self.pending_reopen = late_bursts

    def settle_handle(self):
        if self.pending_reopen is not None:
            self.reopen()

    def snapshot(self):
        with self.lock:
            return self.lines, dict(self.counts)

    def _chunk(self):
        q = self.rnd.random()
        if q < 0.15:
            return self.rnd.randint(1, 80)
        if q < 0.75:
            return self.rnd.randint(80, 4096)
        return self.rnd.randint(4096, 65536)

    def run(self):
        try:
            self._run()
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
            self.journal("writer failed: %r" % e)
        finally:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None

    def _run(self):
        st = self.stream
        mv = memoryview(st.data)
        total = len(st.data)
        with self.lock:
            self._open()
        t0 = time.monotonic()
        while self.lines < st.n and not self.abort.is_set():
            q = self.rnd.random()
            burst = self.rnd.randint(1, 5) if q < 0.5 else self.rnd.randint(5, 120)
            with self.lock:
                end_line = min(st.n, self.lines + burst)
                end = st.ends[end_line - 1]
                while self.pos < end:
                    nb = min(self._chunk(), end - self.pos)
                    self.pos += os.write(self.fd, mv[self.pos:self.pos + nb])
                    self.writes += 1
                    if self.pos < end and self.rnd.random() < 0.02:
                        time.sleep(self.rnd.uniform(0.0002, 0.003))   # a half line on disk for a while
                for i in range(self.lines, end_line):
                    k = st.keys[i]
                    if k is not None:
                        self.counts[k] = self.counts.get(k, 0) + 1
                self.lines = end_line
                if self.pending_reopen is not None:
                    self.pending_reopen -= 1
                    if self.pending_reopen <= 0:
                        self.reopen()
            delay = t0 + self.pos / total * self.duration - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self.finished_at = time.monotonic()


# ---------------------------------------------------------------- scrapes

MONOTONIC_EVENT = ("stream_disconnects_by_code_total", "stream_disconnects_total", "stream_pushes_total")


class Observer:
    """Serialised scrapes (as Prometheus scrapes a target), each checked
    against the previous one: event counters never decrease, across
    restarts too; self counters (*_total of stream_disconnect_exporter_)
    never decrease within one process. `gen` is odd while the exporter is
    being killed/restarted; a scrape that straddles a change is dropped."""

    def __init__(self, exp):
        self.exp = exp
        self.gen = 1              # odd: not started yet
        self.lock = threading.Lock()
        self.prev = None          # (gen, {key: value}) of the last recorded scrape
        self.scrapes = 0
        self.dropped = 0
        self.violations = []
        self.http_errors = []
        self.last = None

    def scrape(self):
        with self.lock:
            g0 = self.gen
            if g0 % 2:
                return None
            port = self.exp.port
            try:
                status, _, body = h.http_get("http://%s:%d/metrics" % (h.LOOPBACK, port), timeout=15)
            except (OSError, http.client.HTTPException):
                self.dropped += 1
                return None
            if self.gen != g0:
                self.dropped += 1
                return None
            if status != 200:
                self.http_errors.append("HTTP %s from /metrics" % status)
                return None
            samples = h.parse_exposition(body.decode("utf-8"))
            self._record(g0, samples)
            return samples

    def _record(self, gen, samples):
        counters = {k: v for k, v in samples.items() if k[0].endswith("_total")}
        self.scrapes += 1
        if self.prev is not None:
            pgen, prev = self.prev
            for k, old in prev.items():
                event = k[0] in MONOTONIC_EVENT
                if not event and pgen != gen:
                    continue
                new = counters.get(k, 0.0)
                if new < old:
                    self.violations.append("scrape %d (process %d after %d): %s went from %s to %s"
                                           % (self.scrapes, gen // 2, pgen // 2, h.fmt_key(k), old, new))
        self.prev = (gen, counters)
        self.last = samples


# ---------------------------------------------------------------- chaos

class Run:
    def __init__(self, args, seed, n, duration, messages, start_at="beginning", profile="full"):
        self.args = args
        self.seed = seed
        self.n = n
        self.duration = duration
        self.start_at = start_at
        self.profile = profile
        master = random.Random("%d/%s" % (seed, start_at))
        self.gen_rnd = random.Random(master.getrandbits(64))
        self.writer_rnd = random.Random(master.getrandbits(64))
        self.rnd = random.Random(master.getrandbits(64))         # chaos
        self.scrape_rnd = random.Random(master.getrandbits(64))
        self.messages = messages
        self.dir = h.mkdtemp(prefix="sdx-torture-")
        self.logs = os.path.join(self.dir, "logs")
        os.mkdir(self.logs)
        self.live = os.path.join(self.logs, "live.jsonl")
        self.state = os.path.join(self.dir, "state.json")
        self.journal_path = os.path.join(self.dir, "chaos.log")
        self._journal = open(self.journal_path, "a", buffering=1)
        self.t0 = time.monotonic()
        self.checkpoint_interval = "%dms" % self.rnd.choice((200, 300, 500, 750, 1000))
        self.config = {"state_file": self.state, "checkpoint_interval": self.checkpoint_interval,
                       "poll_interval": "100ms", "max_line_bytes": "%dKiB" % (MAX_LINE // 1024),
                       "sources": [h.file_source(SOURCE, [self.live + "*"], start_at=start_at)]}
        self.exp = h.Exporter(args, self.config, dir=self.dir, log_level="info", name="exporter")
        self.obs = Observer(self.exp)
        self.stats = {"rename": 0, "copytruncate": 0, "shift": 0, "delete_rotated": 0,
                      "delete_recreate": 0, "kill": 0, "sigterm": 0, "rotations_while_down": 0,
                      "inode_reused": 0, "catch_up_skipped": 0, "slow_copy": 0, "kill_mid_copy": 0}
        self.k = 0
        self.rotated = []         # current names of rotated files
        self.final_start_line = 0
        self.failures = []        # fatal problems seen by threads
        self.stop = threading.Event()
        # harness.popen sets PR_SET_PDEATHSIG, which fires when the *thread*
        # that started the child exits: the chaos thread restarts the
        # exporter, so it stays alive (waiting here) until the main thread
        # has stopped the last process it started.
        self.chaos_done = threading.Event()
        self.release_chaos = threading.Event()

    def journal(self, msg):
        self._journal.write("%8.3f %s\n" % (time.monotonic() - self.t0, msg))

    def file_facts(self, path):
        try:
            st = os.stat(path)
            return "%s ino=%d size=%d" % (os.path.basename(path), st.st_ino, st.st_size)
        except OSError:
            return "%s (gone)" % os.path.basename(path)

    # -- exporter lifecycle

    def start(self):
        self.final_start_line = self.writer.lines if hasattr(self, "writer") else 0
        self.exp.start()
        self.obs.gen += 1
        self.journal("started pid %d on port %d (line %d)" % (self.exp.proc.pid, self.exp.port,
                                                               self.final_start_line))

    def kill(self):
        self.obs.gen += 1
        pid = self.exp.proc.pid
        self.exp.kill()
        self.stats["kill"] += 1
        self.journal("SIGKILL pid %d at line %d; %s" % (pid, self.writer.lines, self.file_facts(self.live)))

    def sigterm(self, count=True):
        self.obs.gen += 1
        pid = self.exp.proc.pid
        self.exp.stop(signal.SIGTERM, expect_rc=0)
        self.stats["sigterm"] += 1 if count else 0
        self.journal("SIGTERM pid %d: clean exit at line %d" % (pid, self.writer.lines))

    def check_alive(self):
        g = self.obs.gen
        if g % 2 == 0 and not self.exp.running() and self.obs.gen == g:
            msg = "exporter died on its own (exit code %s)" % self.exp.proc.returncode
            if msg not in self.failures:
                self.failures.append(msg)
                self.journal(msg)
            self.stop.set()

    # -- chaos actions (writer.lock held: the writer is between two lines)

    def wait_caught_up(self):
        """Writer paused: wait until a scrape shows exactly what was written.
        More than was written is a double count: a failure, found here
        close to the chaos action that caused it. Less after the deadline:
        the file is not deleted (lines may be lost: the end check says)."""
        want = dict(self.writer.counts)
        # after one miss, do not stall the run for long again
        timeout = CAUGHT_UP_PAUSE if not self.stats["catch_up_skipped"] else 2.0
        deadline = time.monotonic() + timeout
        got = {}
        while time.monotonic() < deadline and not self.stop.is_set():
            s = self.obs.scrape()
            if s is not None:
                got = counts_of(s)
                if got == want:
                    return True
                over = [k for k in got if got[k] > want.get(k, 0)]
                if over:
                    msg = ("double count with the writer paused at line %d: %s"
                           % (self.writer.lines, "; ".join(counts_diff(got, want)[:10])))
                    self.journal(msg)
                    self.failures.append(msg)
                    self.stop.set()
                    return False
            time.sleep(0.05)
        self.stats["catch_up_skipped"] += 1
        self.journal("not caught up within %.0fs at line %d: %s"
                     % (timeout, self.writer.lines, "; ".join(counts_diff(got, want)[:5])))
        return False

    def next_name(self):
        self.k += 1
        return "%s.%d" % (self.live, self.k)

    def do_rename(self):
        w = self.writer
        w.settle_handle()
        dst = self.next_name()
        os.rename(self.live, dst)
        create = self.rnd.random() < 0.6
        if create:
            os.close(os.open(self.live, os.O_WRONLY | os.O_CREAT, 0o644))
        late = self.rnd.choice((0, 0, 1, 2, 3, 6))
        w.after_rename(late)
        self.rotated.append(dst)
        self.stats["rename"] += 1
        self.journal("rename live.jsonl -> %s at line %d (%s, writer appends %d more bursts to the old handle)"
                     % (self.file_facts(dst), w.lines, "created new live.jsonl" if create else "writer creates",
                        late))

    def slow_copy(self, src, dst):
        """Copy in random pieces with pauses, as logrotate copying a big file:
        the exporter sees the copy half written. Sometimes SIGKILL it in the
        middle, and restart it before the copy is done or after the
        truncation. Returns (description, restart needed after truncation)."""
        size = os.path.getsize(src)
        up = self.obs.gen % 2 == 0
        kill_at = self.rnd.uniform(0, size) if up and self.rnd.random() < 0.4 else None
        restart_mid = self.rnd.random() < 0.5
        killed = restarted = False
        done = 0
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            while True:
                b = fi.read(self.rnd.randint(256, 256 * 1024))
                if not b:
                    break
                fo.write(b)
                fo.flush()
                done += len(b)
                if kill_at is not None and not killed and done >= kill_at:
                    self.kill()
                    killed = True
                    if restart_mid:
                        time.sleep(self.rnd.uniform(0.05, 0.3))
                        self.start()
                        restarted = True
                time.sleep(self.rnd.uniform(0.001, 0.02))
        desc = "slow copy"
        self.stats["slow_copy"] += 1
        self.stats["kill_mid_copy"] += 1 if killed else 0
        if killed:
            desc += ", SIGKILL at about %d of %d bytes, restarted %s" % (
                kill_at, size, "before the copy was done" if restarted else "after the truncation")
        return desc, killed and not restarted

    def do_copytruncate(self):
        w = self.writer
        w.settle_handle()
        dst = self.next_name()
        how, restart = "", False
        if self.rnd.random() < 0.3:
            how, restart = self.slow_copy(self.live, dst)
        else:
            shutil.copyfile(self.live, dst)
        os.truncate(self.live, 0)
        self.rotated.append(dst)
        self.stats["copytruncate"] += 1
        self.journal("copytruncate live.jsonl -> %s at line %d%s"
                     % (self.file_facts(dst), w.lines, " (%s)" % how if how else ""))
        if restart:
            time.sleep(self.rnd.uniform(0.0, 0.3))
            self.start()

    def do_shift(self):
        existing = [p for p in self.rotated if os.path.exists(p)]
        if not existing:
            return
        src = self.rnd.choice(existing)
        dst = src + ".s"
        os.rename(src, dst)
        self.rotated[self.rotated.index(src)] = dst
        self.stats["shift"] += 1
        self.journal("shift %s -> %s" % (os.path.basename(src), self.file_facts(dst)))

    def delete_rotated(self, keep):
        """Only call when caught up: every rotated file has been read."""
        victims = [p for p in self.rotated if os.path.exists(p)]
        victims = victims[:max(0, len(victims) - keep)]
        for p in victims:
            self.journal("delete %s (finished: all lines written so far are counted)" % self.file_facts(p))
            os.unlink(p)
            self.rotated.remove(p)
            self.stats["delete_rotated"] += 1

    def do_cleanup(self):
        self.writer.settle_handle()
        if self.wait_caught_up():
            self.delete_rotated(keep=self.rnd.choice((0, 1, 2)))

    def recreate_live(self, why):
        old = os.stat(self.live).st_ino
        os.unlink(self.live)
        self.writer.reopen()
        new = os.stat(self.live).st_ino
        self.stats["delete_recreate"] += 1
        if new == old:
            self.stats["inode_reused"] += 1
        self.journal("delete and recreate live.jsonl %s: inode %d -> %d%s"
                     % (why, old, new, " (reused)" if new == old else ""))

    def do_delete_recreate(self):
        self.writer.settle_handle()
        if self.wait_caught_up():
            self.recreate_live("while running (finished: all lines written so far are counted)")

    def rotate(self):
        if self.rnd.random() < 0.5:
            self.do_rename()
        else:
            self.do_copytruncate()

    def down_for(self, seconds, rename_first=False):
        """The exporter is down: let time pass, with 0-2 rotations meanwhile."""
        n = self.rnd.choice((0, 0, 1, 1, 2) if self.profile == "full" else (0, 1, 1, 2))
        if rename_first:
            n = max(n, 1)
        for i in range(n):
            time.sleep(seconds / (n + 1))
            with self.writer.lock:
                if rename_first and i == 0:
                    self.do_rename()
                    self.stats["rotations_while_down"] += 1
                elif self.rnd.random() < 0.15:
                    self.do_shift()
                else:
                    self.rotate()
                    self.stats["rotations_while_down"] += 1
        time.sleep(seconds / (n + 1))

    def do_kill(self):
        self.kill()
        self.down_for(self.rnd.uniform(0.05, 1.5))
        self.start()

    def do_kill_rename_down(self):
        """SIGKILL, rename+create rotation while down (the new live.jsonl,
        with the lines written to it meanwhile, is in no checkpoint), restart."""
        self.kill()
        self.down_for(self.rnd.uniform(0.3, 1.2), rename_first=True)
        self.start()

    def do_rotate_kill(self):
        """A rotation, then SIGKILL before (or while) the exporter has dealt
        with it: a truncation or a copy it knows about only in memory."""
        with self.writer.lock:
            self.rotate()
        time.sleep(self.rnd.uniform(0.0, 0.25))
        self.kill()
        self.down_for(self.rnd.uniform(0.05, 1.0))
        self.start()

    def do_double_kill(self):
        """SIGKILL again soon after a restart, while it reads the backlog."""
        self.kill()
        self.down_for(self.rnd.uniform(0.3, 1.5))
        self.start()
        time.sleep(self.rnd.uniform(0.0, 0.4))
        self.kill()
        self.down_for(self.rnd.uniform(0.05, 0.5))
        self.start()

    def do_kill_delete_recreate(self):
        with self.writer.lock:
            self.writer.settle_handle()
            if not self.wait_caught_up():
                return
            self.kill()
            self.recreate_live("while down (the checkpoint covers every line of the old file)")
            if self.rnd.random() < 0.5:
                self.delete_rotated(keep=0)
        time.sleep(self.rnd.uniform(0.05, 1.0))
        self.start()

    def do_sigterm(self):
        self.sigterm()
        time.sleep(self.rnd.uniform(0.05, 0.8))
        self.start()

    def do_sigterm_kill(self):
        """SIGTERM, then SIGKILL while it shuts down (a stop timeout, as
        systemd or Kubernetes do): its final checkpoint may be half done."""
        self.obs.gen += 1
        proc = self.exp.proc
        proc.send_signal(signal.SIGTERM)
        time.sleep(self.rnd.uniform(0.0, 0.6))
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
            self.stats["kill"] += 1
            self.journal("SIGTERM, then SIGKILL during shutdown, pid %d at line %d" % (proc.pid, self.writer.lines))
        else:
            h.require(proc.returncode == 0, "exit code %s after SIGTERM" % proc.returncode)
            self.stats["sigterm"] += 1
            self.journal("SIGTERM pid %d: exited before the SIGKILL" % proc.pid)
        self.down_for(self.rnd.uniform(0.05, 0.5))
        self.start()

    def plan(self):
        acts = []
        if self.profile == "restarts":
            # start_at: end matters only where a restart meets a file that is
            # not in the checkpoint: rotations around kills
            for _ in range(max(1, round(self.duration / 20.0))):
                acts += (["kill", "kill_rename_down", "rotate_kill", "rotate_kill", "double_kill",
                          "kill_delete_recreate", "sigterm"]
                         + ["rename"] * 2 + ["copytruncate"] * 2 + ["cleanup"])
            self.rnd.shuffle(acts)
            times = sorted(self.rnd.uniform(0.03, 0.9) * self.duration for _ in acts)
            return list(zip(times, acts))
        # the default duration gets one round; a longer (local stress) run more
        for _ in range(max(1, round(self.duration / 40.0))):
            acts += (["kill"] * self.rnd.randint(0, 2) + ["kill_rename_down"] + ["rotate_kill"] * 2 + ["double_kill"]
                     + ["kill_delete_recreate"] + ["sigterm", "sigterm_kill"]
                     + ["rename"] * self.rnd.randint(4, 7)
                     + ["copytruncate"] * self.rnd.randint(4, 7) + ["shift"] * 2 + ["cleanup"] * 2
                     + ["delete_recreate"] * 2)
        self.rnd.shuffle(acts)
        times = sorted(self.rnd.uniform(0.03, 0.92) * self.duration for _ in acts)
        return list(zip(times, acts))

    def chaos(self):
        try:
            t0 = time.monotonic()
            for at, act in self.plan():
                while time.monotonic() - t0 < at and not self.stop.is_set():
                    time.sleep(0.01)
                if self.stop.is_set():
                    return
                self.check_alive()
                if self.stop.is_set():
                    return
                if act in ("rename", "copytruncate", "shift", "cleanup", "delete_recreate"):
                    with self.writer.lock:
                        getattr(self, "do_" + act)()
                else:
                    getattr(self, "do_" + act)()
        except BaseException as e:  # noqa: BLE001
            self.failures.append("chaos failed: %r\n%s" % (e, traceback.format_exc()))
            self.journal("chaos failed: %r" % e)
            self.stop.set()
        finally:
            self.chaos_done.set()
            self.release_chaos.wait(timeout=600)

    def scraper(self):
        while not self.stop.is_set():
            try:
                self.obs.scrape()
            except Exception as e:  # noqa: BLE001 - a malformed exposition is a failure
                self.failures.append("scrape failed: %r" % e)
                self.stop.set()
                return
            self.check_alive()
            time.sleep(self.scrape_rnd.uniform(0.05, 0.3))

    # -- the run

    def go(self):
        try:
            self._go()
        finally:
            self.elapsed = time.monotonic() - self.t0

    def _go(self):
        t = time.monotonic()
        self.stream = Stream(self.n, self.gen_rnd, CachedMessages(self.messages))
        self.gen_seconds = time.monotonic() - t
        self.journal("stream: %d lines, %d bytes, %d bad (generated in %.1fs)"
                     % (self.n, len(self.stream.data), len(self.stream.bad), self.gen_seconds))
        self.writer = Writer(self.stream, self.live, self.writer_rnd, self.duration, self.journal)
        self.start()
        self.t_write = time.monotonic()
        self.writer.start()
        chaos = threading.Thread(target=self.chaos, name="chaos", daemon=True)
        scraper = threading.Thread(target=self.scraper, name="scraper", daemon=True)
        chaos.start()
        scraper.start()
        try:
            self._finish(chaos, scraper)
        finally:
            self.release_chaos.set()

    def _finish(self, chaos, scraper):
        self.chaos_done.wait(timeout=self.duration * 3 + 120)
        self.writer.join(timeout=self.duration * 3 + 60)
        if self.writer.is_alive() or not self.chaos_done.is_set():
            self.failures.append("writer or chaos thread did not finish in time")
            self.writer.abort.set()
        self.stop.set()
        scraper.join(timeout=30)
        self.write_seconds = (self.writer.finished_at or time.monotonic()) - self.t_write
        if self.writer.error is not None:
            self.failures.append("writer failed: %r" % self.writer.error)
        self.journal("writer done: %d lines, %d write(2)s; chaos done: %s"
                     % (self.writer.lines, self.writer.writes, self.stats))
        if self.failures:
            raise AssertionError("\n".join(self.failures))
        h.require(self.writer.lines == self.n, "writer wrote %d of %d lines" % (self.writer.lines, self.n))

        # catch up: everything written must be counted, exactly, and hold
        want = dict(self.writer.counts)
        deadline = time.monotonic() + CATCH_UP_TIMEOUT
        got = {}
        t = time.monotonic()
        still_since = time.monotonic()
        while time.monotonic() < deadline:
            if not self.exp.running():
                raise AssertionError("exporter died (exit code %s) while catching up" % self.exp.proc.returncode)
            s = self.obs.scrape()
            if s is not None:
                new = counts_of(s)
                if new == want:
                    got = new
                    break
                if new != got:
                    got, still_since = new, time.monotonic()
                elif time.monotonic() - still_since > 8.0:
                    break     # not moving any more: what is missing is lost (or counted twice)
            time.sleep(0.1)
        self.catch_up_seconds = time.monotonic() - t
        self.journal("catch-up: %.1fs" % self.catch_up_seconds)
        self.after_catch_up = got
        time.sleep(1.0)   # a late double count shows now
        self.final = self.obs.scrape()
        self.final_pid = self.exp.proc.pid
        self.final_proc_start_line = self.final_start_line
        self.final_log_offset = self.exp.start_offsets[-1]
        # a clean restart with nothing new changes nothing
        self.sigterm(count=False)
        self.start()
        time.sleep(0.5)
        self.after_restart = self.obs.scrape()
        self.exp.stop(signal.SIGTERM, expect_rc=0)
        self.obs.gen += 1
        self.elapsed = time.monotonic() - self.t0

    def files_present(self):
        return sorted(f for f in os.listdir(self.logs) if f.startswith("live.jsonl"))


# ---------------------------------------------------------------- checks


def fail_details(run, problems, what):
    """The problems, and (once per run) the chaos journal, where the
    exporter started reading each file (which file, which offset, why) and
    the exporter's log tail."""
    h.keep_tmp()
    lines = ["%s (seed %d, start_at %s, temp dir %s):" % (what, run.seed, run.start_at, run.dir)]
    lines += ["    " + p for p in problems[:60]]
    if len(problems) > 60:
        lines.append("    ... %d more" % (len(problems) - 60))
    if getattr(run, "details_shown", False):
        lines.append("    (journal and log: see the first failure of this run)")
        return "\n".join(lines)
    run.details_shown = True
    lines.append("---- chaos journal tail (%s):" % run.journal_path)
    try:
        with open(run.journal_path) as f:
            lines += f.read().splitlines()[-50:]
    except OSError:
        pass
    log = run.exp.log_text().splitlines()
    lines.append("---- where the exporter started reading each file, after each start (last 60):")
    lines += [l for l in log if "following " in l or "restored " in l or "received signal" in l][-60:]
    lines.append("---- exporter log tail (%s):" % run.exp.log_path)
    lines += [l for l in log if "parse_error=" not in l][-40:]
    return "\n".join(lines)


def check_exact(run):
    problems = []
    if run.final is None:
        problems.append("no scrape after the catch-up")
    else:
        problems += counts_diff(counts_of(run.final), run.writer.counts)
        # the same through the harness model, from the events themselves
        problems += h.diff(run.final, run.stream.model.expected())
        problems += h.check_by_code_exact(run.final, run.stream.model)
    if problems:
        raise AssertionError(fail_details(run, sorted(set(problems)),
                                          "counts after catch-up differ from what the writer wrote"))


def check_restart_unchanged(run):
    problems = []
    if run.after_restart is None or run.final is None:
        problems.append("no scrape after the catch-up or after the final clean restart")
    else:
        problems += counts_diff(counts_of(run.after_restart), counts_of(run.final))
    if problems:
        raise AssertionError(fail_details(run, problems, "a clean restart with nothing new changed the counts "
                                                         "(written = before the restart)"))


def check_monotonic(run):
    h.require(run.obs.scrapes >= 20, "only %d scrapes recorded" % run.obs.scrapes)
    problems = run.obs.violations + run.obs.http_errors
    if problems:
        raise AssertionError(fail_details(run, problems, "a counter went backwards between two scrapes"))


def check_parse_errors(run):
    """Self metrics restart with the process: the last process (before the
    final clean restart) read every line written after it started, plus
    whatever it re-read from its checkpoint, never more than was written."""
    s = run.final
    h.require(s is not None, "no final scrape")
    lower, upper = {}, {}
    for i, reason in run.stream.bad.items():
        upper[reason] = upper.get(reason, 0) + 1
        if i >= run.final_proc_start_line:
            lower[reason] = lower.get(reason, 0) + 1
    problems = []
    for reason in sorted(upper):
        got = h.total(s, "stream_disconnect_exporter_parse_errors_total", source=SOURCE, reason=reason)
        if not lower.get(reason, 0) <= got <= upper[reason]:
            problems.append("parse_errors_total{reason=%s}: %d, want between %d (written after the last "
                            "start) and %d (written in all)" % (reason, got, lower.get(reason, 0), upper[reason]))
    if problems:
        raise AssertionError(fail_details(run, problems, "parse errors"))
    return lower, upper


def check_files_and_log(run):
    s = run.after_restart
    h.require(s is not None, "no scrape after the final restart")
    present = run.files_present()
    nonempty = [f for f in present if os.path.getsize(os.path.join(run.logs, f)) > 0]
    followed = h.total(s, "stream_disconnect_exporter_files_followed", source=SOURCE)
    problems = []
    if not len(nonempty) <= followed <= len(present):
        problems.append("files_followed %d, files present %d (%d non-empty): %s"
                        % (followed, len(present), len(nonempty), " ".join(present)))
    log = run.exp.log_text()
    for needle in ("AddressSanitizer", "runtime error:", "LeakSanitizer", "is corrupt"):
        if needle in log:
            problems.append("exporter log contains %r" % needle)
    if problems:
        raise AssertionError(fail_details(run, problems, "files and log"))


def run_and_check(checks, args, messages, seed, n, duration, start_at, profile):
    run = Run(args, seed, n, duration, messages, start_at=start_at, profile=profile)
    tag = "[start_at %s] " % start_at

    def chaos_run():
        try:
            run.go()
        except AssertionError as e:
            raise AssertionError(fail_details(run, [str(e)], "chaos run failed"))

    checks.run(tag + "chaos run: writer, rotations, deletions, kills (seed %d, %d events)" % (seed, n), chaos_run)
    if getattr(run, "final", None) is not None:
        checks.run(tag + "exact totals per (errcode, sub_errcode), category and pushes", check_exact, run)
        checks.run(tag + "counters never decreased between scrapes (across %d kills)" % run.stats["kill"],
                   check_monotonic, run)
        checks.run(tag + "parse errors counted by the last process", check_parse_errors, run)
        checks.run(tag + "clean restart at the end changes nothing", check_restart_unchanged, run)
        checks.run(tag + "files followed, no sanitizer report or corrupt state in the log",
                   check_files_and_log, run)
    st = run.stats
    print("%sparameters: seed %d, events %d (%d bytes, %d bad lines), checkpoint_interval %s, "
          "write phase %.1fs, writes %d"
          % (tag, run.seed, run.n, len(run.stream.data) if hasattr(run, "stream") else 0,
             len(run.stream.bad) if hasattr(run, "stream") else 0, run.checkpoint_interval,
             getattr(run, "write_seconds", 0.0), run.writer.writes if hasattr(run, "writer") else 0))
    print("%schaos: rotations rename %d, copytruncate %d (of which %d while down, %d slow copies, "
          "%d with a SIGKILL mid-copy), shift %d; deleted rotated %d, delete+recreate live %d "
          "(inode reused %d); kills %d, sigterm restarts %d (+1 at the end); caught-up waits skipped %d"
          % (tag, st["rename"], st["copytruncate"], st["rotations_while_down"], st["slow_copy"],
             st["kill_mid_copy"], st["shift"], st["delete_rotated"], st["delete_recreate"],
             st["inode_reused"], st["kill"], st["sigterm"], st["catch_up_skipped"]))
    print("%sscrapes %d (dropped %d across restarts), generation %.1fs, catch-up %.1fs, elapsed %.1fs"
          % (tag, run.obs.scrapes, run.obs.dropped, getattr(run, "gen_seconds", 0.0),
             getattr(run, "catch_up_seconds", 0.0), time.monotonic() - run.t0))
    if checks.failed:
        print("%sseed %d; temp dir kept: %s" % (tag, run.seed, run.dir))
        h.keep_tmp()
    sys.stdout.flush()


def main():
    args = h.parse_args()
    targs = torture_args()
    print("torture: seed %d, events %d, duration %.0fs, start_at %s (rerun: --seed %d --events %d "
          "--duration %g --start-at %s)"
          % (targs.seed, targs.events, targs.duration, targs.start_at, targs.seed, targs.events,
             targs.duration, targs.start_at))
    sys.stdout.flush()
    messages = h.Messages(args.source_dir)
    checks = h.Checks("torture")
    if targs.start_at in ("both", "beginning"):
        run_and_check(checks, args, messages, targs.seed, targs.events, targs.duration, "beginning", "full")
    if targs.start_at in ("both", "end"):
        scale = 1.0 if targs.start_at == "end" else 0.5
        run_and_check(checks, args, messages, targs.seed, max(1000, int(targs.events * scale * 0.8)),
                      targs.duration * scale, "end", "restarts")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
