#!/usr/bin/env python3
"""Durable before the 200, counted exactly once: client threads post signed
callbacks as fast as they can, each retried until it gets a 200 (as Tencent
does, sometimes re-signed with a new t), some already acknowledged ones are
sent again, while the exporter is SIGKILLed and restarted at seeded random
moments (~20 s in all). At the end, every category and code counter equals
what the distinct acknowledged callbacks give (harness.Model, from the code
table in data/): nothing that got a 200 is lost, nothing counted twice."""
import http.client
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import webhook_client as w  # noqa: E402

KEY = "crash-test-key"
PATH = "/tencent/callback"
SEED = 20261203
SEND_SECONDS = 20.0
KILLS = 6
CODES = (1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 19, 20, 24)


class Sender(threading.Thread):
    def __init__(self, index, port, stop, acked, lock):
        super().__init__(daemon=True)
        self.rnd = random.Random(SEED * 100 + index)
        self.index = index
        self.port = port
        self.stop = stop
        self.acked = acked
        self.lock = lock
        self.attempts = 0
        self.resent = 0
        self.errors = []

    def deliver(self, ev):
        """Posts until a 200 (new connection after any failure), bounded."""
        body = w.signed(ev, KEY)
        conn = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.attempts += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(h.LOOPBACK, self.port, timeout=10)
                status, _ = w.post(self.port, PATH, body, conn=conn)
                if status == 200:
                    return conn
                if status not in (500, 503):
                    self.errors.append("status %s" % status)
                    return conn
            except (OSError, http.client.HTTPException):
                pass
            if conn is not None:
                conn.close()
                conn = None
            time.sleep(0.02)
            if self.rnd.random() < 0.5:  # Tencent may re-sign a retry
                body = w.signed(ev, KEY, t=body["t"] + 1)
        self.errors.append("callback never acknowledged within 60 s")
        return conn

    def run(self):
        conn = None
        n = 0
        while not self.stop.is_set():
            if self.acked and self.rnd.random() < 0.1:
                with self.lock:
                    ev = self.rnd.choice(self.acked)
                self.resent += 1
            else:
                n += 1
                et = 1 if self.rnd.random() < 0.2 else 0
                ev = h.make_callback(self.rnd.choice(CODES), event_type=et, errmsg="error",
                                     stream="s%d_%d" % (self.index, n), event_time=1764000000 + n)
                ev["sequence"] = "%d%08d" % (self.index + 1, n)
            c = self.deliver(ev)
            if conn is not None and c is not conn:
                conn.close()
            conn = c
            with self.lock:
                if ev not in self.acked:
                    self.acked.append(ev)
        if conn is not None:
            conn.close()


def check_kill_during_traffic(args):
    d = h.mkdtemp()
    rnd = random.Random(SEED)
    port = h.free_port()
    src = w.webhook_source("hook", port, os.path.join(d, "spool"), sign_key=KEY,
                           spool_max_bytes="64KiB", spool_keep_files=2)
    cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "300ms",
           "poll_interval": "100ms", "sources": [src]}
    exp = h.Exporter(args, cfg, dir=d, log_level="info").start()
    metrics_port = exp.port
    w.wait_listening(port, proc=exp.proc)

    stop = threading.Event()
    lock = threading.Lock()
    acked = []
    senders = [Sender(i, port, stop, acked, lock) for i in range(4)]
    for s in senders:
        s.start()
    t0 = time.monotonic()
    kills = 0
    for _ in range(KILLS):
        time.sleep(rnd.uniform(1.0, SEND_SECONDS / KILLS))
        exp.kill()
        kills += 1
        time.sleep(rnd.uniform(0.0, 0.5))
        exp.start(port=metrics_port)
        w.wait_listening(port, proc=exp.proc)
    time.sleep(max(0.0, SEND_SECONDS - (time.monotonic() - t0)))
    stop.set()
    for s in senders:
        s.join(70)
    h.require(not any(s.is_alive() for s in senders), "a sender did not finish")
    errors = [e for s in senders for e in s.errors]
    h.require(not errors, "sender errors: %s" % errors[:5])

    model = h.Model(h.Messages(args.source_dir))
    model.add_all(acked)
    expected = model.expected()
    samples = exp.wait_values(expected, timeout=30, settle=1.0, what="exact counts after %d kills" % kills)
    problems = h.check_by_code_exact(samples, model)
    h.require(not problems, "by code:\n    " + "\n    ".join(problems[:20]))
    # And once more after a last kill -9: the checkpoint holds exactly that.
    exp.kill()
    exp.start(port=metrics_port)
    exp.wait_values(expected, timeout=30, settle=1.0, what="exact counts after a final kill")
    spool_files = os.listdir(os.path.join(d, "spool"))
    attempts = sum(s.attempts for s in senders)
    resent = sum(s.resent for s in senders)
    print("    %d distinct callbacks acknowledged (%d disconnects), %d posts, %d re-sent after a 200, "
          "%d kills, %d spool files left" % (len(acked), model.disconnects(), attempts, resent, kills,
                                             len(spool_files)))
    h.require(len(acked) > 200, "too few callbacks to mean anything: %d" % len(acked))
    h.require(len(spool_files) <= 2 + 3, "spool retention: %d files left" % len(spool_files))
    exp.stop()


def main():
    args = h.parse_args()
    checks = h.Checks("webhook_crash")
    checks.run("kill -9 during traffic: every acknowledged callback counted once",
               check_kill_during_traffic, args)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
