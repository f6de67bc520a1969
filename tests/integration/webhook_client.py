"""Helpers for the webhook tests: a signed Tencent callback, a POST over
loopback (http.client, keep-alive optional) and the webhook self metrics."""
import hashlib
import http.client
import json
import socket
import time

import harness as h

PREFIX = "stream_disconnect_exporter_webhook_"


def sign(key, t):
    """Tencent's callback signature: lowercase hex md5(key + t)."""
    return hashlib.md5((key + str(t)).encode("utf-8")).hexdigest()


def signed(ev, key, t=None):
    """A copy of callback `ev` with t (default: now + 600, as Tencent sets
    it) and its sign."""
    ev = dict(ev)
    ev["t"] = int(time.time()) + 600 if t is None else t
    ev["sign"] = sign(key, ev["t"])
    return ev


def post(port, path, body, method="POST", headers=None, timeout=10.0, conn=None):
    """(status, body text). `body`: bytes, str, dict (JSON) or None."""
    if isinstance(body, dict):
        body = h.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(h.LOOPBACK, port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", errors="replace")
    finally:
        if own:
            conn.close()


def wait_listening(port, timeout=15.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("exporter exited while waiting for the webhook port")
        try:
            socket.create_connection((h.LOOPBACK, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("webhook not listening on %d within %.0fs" % (port, timeout))


def webhook_source(name, port, spool_dir, **extra):
    src = {"name": name, "type": "webhook", "listen": "%s:%d" % (h.LOOPBACK, port),
           "path": "/tencent/callback", "format": "tencent_callback", "spool_dir": spool_dir}
    src.update(extra)
    return src


def metric(samples, name, **labels):
    return h.total(samples, PREFIX + name, **labels)
