#!/usr/bin/env python3
"""/metrics honours Accept-Encoding: gzip (and the status page too).

- curl --compressed gets Content-Encoding: gzip and Vary: Accept-Encoding,
  and the body, decompressed by Python's gzip module, holds exactly the
  series of the plain body (self metrics that move between two scrapes
  left out);
- no Accept-Encoding, identity, or gzip;q=0 get the plain body;
- with many series the compressed body is several times smaller.

Skips when curl is missing (the second half runs with urllib anyway)."""
import gzip
import os
import shutil
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# Self metrics that can differ between two scrapes.
VOLATILE = ("stream_disconnect_exporter_http_", "stream_disconnect_exporter_process_",
            "stream_disconnect_exporter_scrape_", "process_")


def get(url, accept_encoding=None):
    req = urllib.request.Request(url)
    if accept_encoding is not None:
        req.add_header("Accept-Encoding", accept_encoding)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


def stable(text):
    return sorted(line for line in text.splitlines()
                  if line and not line.startswith("#") and not line.startswith(VOLATILE))


def start(args, n_domains):
    d = h.mkdtemp()
    data = os.path.join(d, "events.jsonl")
    events = [h.make_callback(errcode=e, domain="push%d.example.com" % (i % n_domains))
              for i, e in enumerate([1, 3, 13, 14, 18, 21, 7] * max(1, n_domains // 2))]
    h.append(data, b"".join(h.line_bytes(ev) for ev in events))
    cfg = {"poll_interval": "100ms", "labels": ["domain"], "max_label_sets": 100000,
           "sources": [h.file_source("cb", [data])]}
    exp = h.Exporter(h.parse_args(), cfg, dir=d).start()
    exp.wait_for(lambda s: h.total(s, "stream_disconnects_total") == len(events), timeout=20,
                 what="all events counted")
    return exp


def check_headers_and_body(args):
    exp = start(args, 3)
    url = exp.url("/metrics")
    status, headers, plain = get(url)
    h.require(status == 200, "plain scrape: %s" % status)
    h.require("content-encoding" not in headers, "plain scrape encoded: %s" % headers)
    h.require(headers.get("vary", "").lower() == "accept-encoding", "no Vary: %s" % headers)
    status, headers, raw = get(url, "gzip")
    h.require(headers.get("content-encoding") == "gzip", "not gzip: %s" % headers)
    h.require(headers.get("vary", "").lower() == "accept-encoding", "no Vary on gzip: %s" % headers)
    h.require(raw[:2] == b"\x1f\x8b", "body is not a gzip member: %r" % raw[:10])
    unzipped = gzip.decompress(raw).decode("utf-8")
    h.require(stable(unzipped) == stable(plain.decode("utf-8")),
              "decompressed body differs from the plain one")
    h.require(len(stable(unzipped)) > 50, "too few series to compare")
    for value in ("identity", "gzip;q=0", "deflate, br", "gzip;q=0, *"):
        _, headers, body = get(url, value)
        h.require("content-encoding" not in headers and body[:2] != b"\x1f\x8b",
                  "Accept-Encoding %r got an encoded body: %s" % (value, headers))
    _, headers, _ = get(exp.url("/"), "gzip")
    h.require(headers.get("content-encoding") == "gzip", "status page not gzipped: %s" % headers)
    if shutil.which("curl"):
        r = h.run(["curl", "-sS", "--compressed", "-D", "-", "--max-time", "10", url], timeout=20)
        out = r.stdout.decode("utf-8", errors="replace")
        head, _, body = out.partition("\r\n\r\n")
        h.require(r.returncode == 0 and "content-encoding: gzip" in head.lower(),
                  "curl --compressed: rc %s, headers:\n%s" % (r.returncode, head))
        h.require(stable(body) == stable(plain.decode("utf-8")),
                  "curl --compressed body differs from the plain one")
    else:
        print("note: curl not installed; checked with urllib only")
    exp.stop()


def check_ratio(args):
    exp = start(args, 600)
    _, _, plain = get(exp.url("/metrics"))
    _, _, raw = get(exp.url("/metrics"), "gzip")
    ratio = len(plain) / len(raw)
    print("    /metrics: %d bytes plain, %d gzip (%.1fx)" % (len(plain), len(raw), ratio))
    h.require(len(plain) > 500000, "expected a large body, got %d bytes" % len(plain))
    h.require(ratio > 5, "gzip only %.1fx smaller" % ratio)
    exp.stop()


def main():
    args = h.parse_args()
    checks = h.Checks("test_gzip")
    checks.run("gzip on request, identity otherwise, same series", check_headers_and_body, args)
    checks.run("a large /metrics compresses well", check_ratio, args)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
