#!/usr/bin/env python3
"""type: webhook with the real binary over 127.0.0.1: Tencent callbacks
signed with md5(key + t), answered 200 {"code":0} once spooled, rejected
with a 4xx and a counter by reason otherwise; retries (same or re-signed)
counted once; a concurrent burst counted exactly. Every case is checked by
its HTTP status and by /metrics, against counts computed here from the
code table in data/ (harness.Model)."""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import webhook_client as w  # noqa: E402

KEY = "it-callback-key-7f3a"
PATH = "/tencent/callback"
SOURCE = "hook"


class Expect:
    """What the webhook metrics must show."""

    def __init__(self):
        self.codes = {}
        self.rejections = {r: 0 for r in ("bad_sign", "expired", "bad_json", "too_large",
                                          "bad_method", "bad_path", "bad_content")}
        self.ignored = {t: 0 for t in ("100", "200", "321", "329", "330", "other")}
        self.duplicates = 0

    def status(self, code, n=1):
        self.codes[str(code)] = self.codes.get(str(code), 0) + n

    def reject(self, reason, code):
        self.rejections[reason] += 1
        self.status(code)

    def values(self):
        exp = {}
        for code in ("200", "400", "401", "403", "404", "405", "413", "500", "503"):
            exp[h.key(w.PREFIX + "requests_total", source=SOURCE, code=code)] = self.codes.get(code, 0)
        for reason, n in self.rejections.items():
            exp[h.key(w.PREFIX + "rejections_total", source=SOURCE, reason=reason)] = n
        for t, n in self.ignored.items():
            exp[h.key(w.PREFIX + "ignored_total", source=SOURCE, event_type=t)] = n
        exp[h.key(w.PREFIX + "duplicates_total", source=SOURCE)] = self.duplicates
        return exp


def start(args, d, **extra):
    key_file = os.path.join(d, "callback.key")
    with open(key_file, "w") as f:
        f.write(KEY + "\n")
    os.chmod(key_file, 0o600)
    port = h.free_port()
    src = w.webhook_source(SOURCE, port, os.path.join(d, "spool"), sign_key_file=key_file,
                           expiry_grace="5m", max_body_bytes="8KiB", **extra)
    cfg = {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s",
           "poll_interval": "100ms", "sources": [src]}
    exp = h.Exporter(args, cfg, dir=d).start()
    w.wait_listening(port, proc=exp.proc)
    return exp, port


def raw_exchange(port, data, timeout=10.0):
    """Sends raw bytes, returns the status code of the reply (None when the
    connection was closed without one)."""
    s = socket.create_connection((h.LOOPBACK, port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        reply = b""
        while b"\r\n" not in reply:
            try:
                chunk = s.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            reply += chunk
        if not reply.startswith(b"HTTP/1."):
            return None
        return int(reply.split(b" ", 2)[1])
    finally:
        s.close()


def check_all_cases(args):
    d = h.mkdtemp()
    exp, port = start(args, d)
    model = h.Model(h.Messages(args.source_dir))
    want = Expect()

    def ok(ev, what):
        status, body = w.post(port, PATH, ev)
        h.require(status == 200 and body == '{"code":0}', "%s: got %s %r" % (what, status, body))
        want.status(200)

    # Signed disconnect and push.
    dis = h.make_callback(3, errmsg="recv() return 0")
    ok(w.signed(dis, KEY), "signed disconnect")
    model.add(dis)
    push = h.make_callback(0, event_type=1)
    ok(w.signed(push, KEY), "signed push")
    model.add(push)
    # 18 without sub-code but with a message that names it: classified by message.
    arrears = h.make_callback(18, errmsg="Push failed: the account is in arrears.")
    ok(w.signed(arrears, KEY), "arrears")
    model.add(arrears)

    # Wrong sign, expired t, t inside the grace.
    bad = w.signed(h.make_callback(1), KEY)
    bad["sign"] = w.sign(KEY + "x", bad["t"])
    status, _ = w.post(port, PATH, bad)
    h.require(status == 401, "wrong sign: got %s" % status)
    want.reject("bad_sign", 401)
    unsigned = h.make_callback(1)
    del unsigned["sign"]
    status, _ = w.post(port, PATH, unsigned)
    h.require(status == 401, "no sign: got %s" % status)
    want.reject("bad_sign", 401)
    expired = w.signed(h.make_callback(2), KEY, t=int(time.time()) - 400)
    status, _ = w.post(port, PATH, expired)
    h.require(status == 403, "expired: got %s" % status)
    want.reject("expired", 403)
    late = h.make_callback(4)
    ok(w.signed(late, KEY, t=int(time.time()) - 200), "t inside the grace")
    model.add(late)

    # Missing body, malformed JSON, a JSON array, no event_type.
    for body, reason in ((b"", "bad_content"), (b"{\"event_type\":0,", "bad_json"),
                         (b"not json", "bad_json"), (b"[1,2]", "bad_content"),
                         (b"{\"errcode\":1}", "bad_content")):
        status, _ = w.post(port, PATH, body)
        h.require(status == 400, "%r: got %s" % (body, status))
        want.reject(reason, 400)

    # Oversized: by Content-Length (refused before the body), chunked (cut off).
    big = h.make_callback(1, errmsg="x" * 9000)
    status, _ = w.post(port, PATH, w.signed(big, KEY))
    h.require(status == 413, "oversized by Content-Length: got %s" % status)
    want.reject("too_large", 413)
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % PATH).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (4096, b" " * 4096) for _ in range(4)) + b"0\r\n\r\n"
    status = raw_exchange(port, head + chunks)
    h.require(status == 413, "oversized chunked: got %s" % status)
    want.reject("too_large", 413)
    # An endless chunked body is cut off (no answer needed, but counted).
    endless = head + b"".join(b"%x\r\n%s\r\n" % (65536, b" " * 65536) for _ in range(40))
    status = raw_exchange(port, endless)
    h.require(status in (None, 413), "endless chunked: got %s" % status)
    want.reject("too_large", 413)  # counted as a 413 also when cut off unanswered

    # Wrong method and path.
    status, _ = w.post(port, PATH, None, method="GET")
    h.require(status == 405, "GET: got %s" % status)
    want.reject("bad_method", 405)
    status, _ = w.post(port, "/other", w.signed(h.make_callback(1), KEY))
    h.require(status == 404, "wrong path: got %s" % status)
    want.reject("bad_path", 404)

    # Other event types: 200, ignored, never counted (and need no sign).
    for et, label in ((100, "100"), (200, "200"), (321, "321"), (329, "329"), (330, "330"),
                      (341, "other")):
        status, body = w.post(port, PATH, {"event_type": et, "data": {"x": 1}})
        h.require(status == 200 and body == '{"code":0}', "event_type %d: got %s" % (et, status))
        want.status(200)
        want.ignored[label] += 1

    # Retries: the same body, and re-signed with a new t: answered 200, counted once.
    retried = h.make_callback(13, errmsg="error")
    first = w.signed(retried, KEY)
    ok(first, "first delivery")
    model.add(retried)
    ok(first, "identical retry")
    want.duplicates += 1
    ok(w.signed(retried, KEY, t=first["t"] + 60), "re-signed retry")
    want.duplicates += 1

    # A burst from 8 threads, 40 distinct callbacks each, keep-alive.
    burst = [[h.make_callback(c, errmsg="error", stream="burst%d" % t)
              for c in (1, 2, 3, 12, 13, 14, 15, 16, 17, 20) * 4] for t in range(8)]
    failures = []

    def sender(events):
        import http.client
        conn = http.client.HTTPConnection(h.LOOPBACK, port, timeout=20)
        for ev in events:
            try:
                status, body = w.post(port, PATH, w.signed(ev, KEY), conn=conn)
            except OSError as e:
                failures.append(repr(e))
                continue
            if status != 200:
                failures.append(status)
        conn.close()

    threads = [threading.Thread(target=sender, args=(b,)) for b in burst]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    h.require(not failures, "burst: %d failures: %s" % (len(failures), failures[:5]))
    for b in burst:
        model.add_all(b)
        want.status(200, len(b))

    expected = model.expected()
    expected.update(want.values())
    expected[h.key("stream_disconnect_exporter_events_total", source=SOURCE, result="disconnect")] = \
        model.disconnects()
    expected[h.key("stream_disconnect_exporter_events_total", source=SOURCE, result="push")] = \
        model.results["push"]
    samples = exp.wait_values(expected, timeout=20, what="webhook counts")
    problems = h.check_by_code_exact(samples, model)
    h.require(not problems, "by code:\n    " + "\n    ".join(problems[:20]))
    # Timed: callbacks answered after the spool (200) and ignored ones.
    h.require(w.metric(samples, "request_duration_seconds_count", source=SOURCE) == want.codes["200"],
              "request_duration_seconds_count")
    h.require(w.metric(samples, "fsync_duration_seconds_count", source=SOURCE) >= 1, "no fsync")
    h.require(w.metric(samples, "dedup_keys", source=SOURCE) == model.disconnects() + model.results["push"],
              "dedup_keys")

    # No secret reaches the log: the key, the signs and t of refused bodies,
    # the push secrets.
    exp.stop()
    log = exp.log_text()
    for secret in (KEY, bad["sign"], str(expired["t"]), expired["sign"],
                   "339c4094afe1ae427e7bcd7f1f8d1128"):
        h.require(secret not in log, "secret %r in the log" % secret)
    h.require("bad_sign" in log and "expired" in log, "rejections not logged")
    # The spool is private and holds the accepted bodies (the audit log).
    spool = os.path.join(d, "spool")
    h.require(os.stat(spool).st_mode & 0o777 == 0o700, "spool dir mode")
    files = sorted(os.listdir(spool))
    h.require(files and all(os.stat(os.path.join(spool, f)).st_mode & 0o777 == 0o600 for f in files),
              "spool file modes")
    text = "".join(open(os.path.join(spool, f), encoding="utf-8").read() for f in files)
    h.require(text.count('"sequence":"%s"' % retried["sequence"]) == 3, "retries in the audit log")


def check_restart_keeps_keys(args):
    """A retry after a restart is still a duplicate: keys are checkpointed."""
    d = h.mkdtemp()
    exp, port = start(args, d)
    ev = h.make_callback(14, errmsg="error")
    first = w.signed(ev, KEY)
    h.require(w.post(port, PATH, first)[0] == 200, "first delivery")
    exp.wait_for(lambda s: h.total(s, "stream_disconnects_total") == 1, what="counted")
    exp.stop()
    exp.start()
    w.wait_listening(port, proc=exp.proc)
    h.require(w.post(port, PATH, w.signed(ev, KEY, t=first["t"] + 60))[0] == 200, "retry")
    samples = exp.wait_for(lambda s: w.metric(s, "duplicates_total", source=SOURCE) == 1,
                           what="duplicate after restart")
    time.sleep(1.5)
    samples = exp.scrape()
    h.require(h.total(samples, "stream_disconnects_total") == 1, "counted twice after restart")
    exp.stop()


def check_config_errors(args):
    """Key files: missing, empty or readable by others are config errors at
    the key's line; no key at all starts with a warning."""
    d = h.mkdtemp()
    empty = os.path.join(d, "empty.key")
    open(empty, "w").close()
    os.chmod(empty, 0o600)
    shared = os.path.join(d, "shared.key")
    with open(shared, "w") as f:
        f.write("k\n")
    os.chmod(shared, 0o644)
    for key_file, words in ((os.path.join(d, "missing.key"), "cannot read"), (empty, "is empty"),
                            (shared, "group or others")):
        cfg = os.path.join(d, "c.yaml")
        with open(cfg, "w") as f:
            f.write("sources:\n  - name: hook\n    type: webhook\n    listen: 127.0.0.1:1\n"
                    "    sign_key_file: %s\n" % key_file)
        r = h.run([args.binary, "--config.file=" + cfg, "--config.check"])
        err = r.stderr.decode() + r.stdout.decode()
        h.require(r.returncode == 2 and (cfg + ":5:20:") in err and words in err,
                  "key file %s: rc %s, %s" % (key_file, r.returncode, err))
    port = h.free_port()
    cfg = {"state_file": os.path.join(d, "state.json"),
           "sources": [w.webhook_source(SOURCE, port, os.path.join(d, "spool"))]}
    exp = h.Exporter(args, cfg)
    exp.start()
    w.wait_listening(port, proc=exp.proc)
    h.require("unauthenticated" in exp.log_text(), "no warning about unauthenticated callbacks")
    status, _ = w.post(port, PATH, h.make_callback(1))
    h.require(status == 200, "unsigned callback without a key: got %s" % status)
    exp.stop()


def check_tls(args):
    """tls: {cert_file, key_file} serves HTTPS on the webhook listener."""
    import shutil
    import ssl
    if shutil.which("openssl") is None:
        print("    skipped: no openssl CLI (apt-get install -y openssl)")
        return
    d = h.mkdtemp()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
               "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert])
    h.require(r.returncode == 0, "openssl: %s" % r.stderr.decode(errors="replace"))
    os.chmod(key, 0o600)
    exp, port = start(args, d, tls={"cert_file": cert, "key_file": key})
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    import http.client
    conn = http.client.HTTPSConnection(h.LOOPBACK, port, timeout=10, context=ctx)
    ev = h.make_callback(3, errmsg="error")
    status, body = w.post(port, PATH, w.signed(ev, KEY), conn=conn)
    conn.close()
    h.require(status == 200 and body == '{"code":0}', "HTTPS callback: got %s %r" % (status, body))
    model = h.Model(h.Messages(args.source_dir))
    model.add(ev)
    exp.wait_values(model.expected(), timeout=10, what="HTTPS callback counted")
    # Plain HTTP on the TLS port gets no answer.
    h.require(raw_exchange(port, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5) is None,
              "plain HTTP answered on the TLS listener")
    exp.stop()


def check_connection_flood(args):
    """Idle connections past max_connections on the webhook never stop
    /metrics; once they are gone, callbacks are served again."""
    d = h.mkdtemp()
    exp, port = start(args, d, max_connections=20)
    socks = []
    try:
        for _ in range(80):
            try:
                socks.append(socket.create_connection((h.LOOPBACK, port), timeout=2))
            except OSError:
                pass
        time.sleep(0.3)
        for _ in range(3):
            t = time.monotonic()
            status, _, _ = exp.get("/metrics", timeout=5)
            h.require(status == 200 and time.monotonic() - t < 2.0, "/metrics slow during a flood")
    finally:
        for s in socks:
            s.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            status, _ = w.post(port, PATH, w.signed(h.make_callback(1), KEY), timeout=3)
            if status == 200:
                break
        except OSError:
            pass
        h.require(time.monotonic() < deadline, "webhook not serving after the flood")
        time.sleep(0.2)
    samples = exp.scrape()
    h.require(h.total(samples, "stream_disconnect_exporter_http_connections_dropped_total") > 0,
              "connections over the cap not counted as dropped")
    exp.stop()


def check_json_format(args):
    """format: json with a field mapping: another platform's webhook, no
    key, no event types; retries of the same body are still counted once."""
    d = h.mkdtemp()
    port = h.free_port()
    src = w.webhook_source("other", port, os.path.join(d, "spool"), format="json",
                           fields={"errcode": "/data/code", "domain": "/host"})
    cfg = {"state_file": os.path.join(d, "state.json"), "sources": [src]}
    exp = h.Exporter(args, cfg, dir=d).start()
    w.wait_listening(port, proc=exp.proc)
    for body in ({"host": "a", "data": {"code": 3}}, {"host": "b", "data": {"code": 3}},
                 {"host": "b", "data": {"code": 3}}, {"host": "c", "data": {"code": 13}}):
        status, _ = w.post(port, "/tencent/callback", body)
        h.require(status == 200, "json webhook: got %s" % status)
    model = h.Model()
    for code in (3, 3, 13):
        model.add({"event_type": 0, "errcode": code, "errmsg": ""})
    expected = model.expected()
    expected[h.key(w.PREFIX + "duplicates_total", source="other")] = 1
    exp.wait_values(expected, timeout=10, what="json webhook counts")
    exp.stop()


def check_reload_new_key(args):
    """SIGHUP with a new key: the webhook restarts on the same port, the old
    key is refused, the new one accepted, nothing counted is lost."""
    import signal
    d = h.mkdtemp()
    exp, port = start(args, d)
    first = h.make_callback(5, errmsg="error")
    h.require(w.post(port, PATH, w.signed(first, KEY))[0] == 200, "before reload")
    key_file = os.path.join(d, "callback.key")
    with open(key_file, "w") as f:
        f.write("the-new-key\n")
    exp.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    second = h.make_callback(6, errmsg="error")
    while True:
        try:
            status, _ = w.post(port, PATH, w.signed(second, "the-new-key"), timeout=3)
            if status == 200:
                break
        except OSError:
            pass
        h.require(time.monotonic() < deadline, "new key not accepted after SIGHUP")
        time.sleep(0.1)
    status, _ = w.post(port, PATH, w.signed(h.make_callback(7), KEY))
    h.require(status == 401, "old key after reload: got %s" % status)
    model = h.Model(h.Messages(args.source_dir))
    model.add_all([first, second])
    exp.wait_values(model.expected(), timeout=10, what="counts across the reload")
    exp.stop()


def main():
    args = h.parse_args()
    checks = h.Checks("webhook")
    checks.run("every case by status and counters", check_all_cases, args)
    checks.run("de-duplication keys survive a restart", check_restart_keeps_keys, args)
    checks.run("config errors and the unauthenticated warning", check_config_errors, args)
    checks.run("TLS on the webhook listener", check_tls, args)
    checks.run("a connection flood on the webhook", check_connection_flood, args)
    checks.run("format: json on a webhook", check_json_format, args)
    checks.run("reload with a new key", check_reload_new_key, args)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
