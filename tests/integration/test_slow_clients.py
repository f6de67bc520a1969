#!/usr/bin/env python3
"""Slow and idle HTTP clients do not starve /metrics (issue 8).

300 loopback connections that send nothing or a partial request head one
byte a second stay open while 10 normal GETs of /metrics, each with a 2 s
timeout, must all be answered. Afterwards the server's header timeout must
have closed the slow ones and counted them in
stream_disconnect_exporter_http_connections_dropped_total, with a
rate-limited log. Bounded (< 60 s); every socket is closed at the end."""
import os
import resource
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SLOW_CONNECTIONS = 300
SCRAPES = 10
SCRAPE_TIMEOUT = 2.0
DROPPED = "stream_disconnect_exporter_http_connections_dropped_total"
PARTIAL = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-" + b"x" * 200


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    h.require(soft == resource.RLIM_INFINITY or soft >= need,
              "fd limit %s is below the %d this test needs" % (soft, need))


class SlowClients:
    """Half the sockets stay silent, half trickle a request head at one byte
    per second from one thread. close() stops the thread and every socket."""

    def __init__(self, port, n):
        self.socks = []
        self.stop = threading.Event()
        for i in range(n):
            # Non-blocking connect: a server whose accept queue is full must
            # not hang the test (the scrapes below measure the effect).
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((h.LOOPBACK, port))
            self.socks.append(s)
        self.trickle = self.socks[::2]
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(1.0):
            byte = PARTIAL[self.sent % len(PARTIAL):][:1]
            for s in self.trickle:
                try:
                    s.send(byte)
                except OSError:
                    pass
            self.sent += 1

    def closed_by_server(self):
        n = 0
        for s in self.socks:
            try:
                if s.recv(1) == b"":
                    n += 1
            except BlockingIOError:
                pass
            except OSError:
                n += 1
        return n

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass


def dropped_total(exp):
    return h.total(exp.scrape(), DROPPED)


def main():
    args = h.parse_args()
    checks = h.Checks("slow_clients")
    raise_fd_limit(SLOW_CONNECTIONS * 2 + 256)
    work = h.mkdtemp()
    cfg = {"state_file": "", "poll_interval": "100ms",
           "sources": [h.file_source("slow", [os.path.join(work, "*.jsonl")])]}
    results = {}

    def flood():
        exp = h.Exporter(args, cfg, dir=work).start()
        deadline = time.monotonic() + 55
        before = None
        try:
            before = dropped_total(exp)
        except Exception:  # noqa: BLE001 - an old server has no such counter
            before = 0.0
        clients = SlowClients(exp.port, SLOW_CONNECTIONS)
        try:
            time.sleep(0.5)
            latencies, failures = [], []
            for i in range(SCRAPES):
                t = time.monotonic()
                try:
                    status, _, body = exp.get(exp.telemetry_path, timeout=SCRAPE_TIMEOUT)
                    if status == 200 and b"stream_disconnect_exporter" in body:
                        latencies.append(time.monotonic() - t)
                    else:
                        failures.append("HTTP %s" % status)
                except Exception as e:  # noqa: BLE001 - a timeout is the failure measured
                    failures.append(repr(e))
                time.sleep(0.2)
            lat = sorted(latencies)
            results["answered"] = len(latencies)
            if lat:
                results["p50_ms"] = lat[len(lat) // 2] * 1000
                results["max_ms"] = lat[-1] * 1000
            print("  %d of %d scrapes answered with %d slow/idle connections open; latency p50 %s ms, max %s ms"
                  % (len(latencies), SCRAPES, SLOW_CONNECTIONS,
                     "%.1f" % results["p50_ms"] if lat else "-", "%.1f" % results["max_ms"] if lat else "-"))
            h.require(not failures, "%d of %d scrapes failed: %s" % (len(failures), SCRAPES, failures[:3]))
            h.require(lat[-1] < SCRAPE_TIMEOUT, "slowest scrape %.2fs" % lat[-1])
            still_open = SLOW_CONNECTIONS - clients.closed_by_server()
            h.require(still_open >= SLOW_CONNECTIONS * 0.9,
                      "only %d of the slow connections were still open during the scrapes" % still_open)

            # The server's header timeout closes them and counts them.
            while True:
                closed = clients.closed_by_server()
                dropped = dropped_total(exp) - before
                if closed >= SLOW_CONNECTIONS and dropped >= SLOW_CONNECTIONS:
                    break
                h.require(time.monotonic() < deadline,
                          "after the deadline: %d of %d slow connections closed by the server, "
                          "%s counted as dropped" % (closed, SLOW_CONNECTIONS, dropped))
                time.sleep(0.5)
            print("  server closed all %d; %s counted as dropped" % (SLOW_CONNECTIONS, dropped))
        finally:
            clients.close()
        log = exp.log_text()
        lines = [l for l in log.splitlines() if "closed connection from" in l]
        h.require(lines, "no log line for the dropped connections")
        h.require(len(lines) <= 20, "%d log lines for dropped connections: not rate-limited" % len(lines))
        # Still serving normally afterwards.
        status, _, _ = exp.get(exp.telemetry_path, timeout=SCRAPE_TIMEOUT)
        h.require(status == 200, "scrape after the flood: HTTP %s" % status)
        exp.stop()

    checks.run("300 slow/idle connections do not starve /metrics", flood)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
