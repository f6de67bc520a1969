#!/usr/bin/env python3
"""Callback lines like bench/gen_events.py, with controlled series.

Usage: gen_series.py N [--streams K] [--seed S] > events.jsonl

Same line shape (~480 B, same keys, same 85% disconnects / 15% pushes) as
gen_events.py, but every line draws an index i from 0..9999 and
  stream_id = "stream_%05d" % (i % K)     (K distinct names, K <= 10000)
  code      = CODES[i % 5]                (5 codes of 5 different categories)
so each stream name has exactly one code: with `labels: [stream]` the exporter
holds K series per counter family (stream_disconnects_by_code_total,
stream_disconnects_total; stream_pushes_total has K too).
The random stream is the same for every K (the index draw does not depend on
K) and names are zero-padded to the same width, so files made with different
K are byte-for-byte the same length and differ only in stream_id digits.
The first 10,000 lines take i = 0..9999 in order, so every name appears even
in small files.
"""
import argparse
import json
import random
import sys

UNIVERSE = 10000
# (errcode, sub_errcode): client_closed, network, idle, arrears, replaced
CODES = [(1, 0), (12, 0), (8, 0), (18, 202), (21, 102)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--streams", type=int, default=UNIVERSE)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 1 <= a.streams <= UNIVERSE:
        sys.exit(f"--streams must be in 1..{UNIVERSE}")
    rnd = random.Random(a.seed)
    out = sys.stdout
    t0 = 1764000000
    domains = [f"push{i}.example.com" for i in range(4)]
    batch = []
    for i in range(a.n):
        idx = i if i < UNIVERSE else rnd.randrange(UNIVERSE)
        disc = rnd.random() < 0.85
        e, s = CODES[idx % len(CODES)] if disc else (0, 0)
        ev = {"app": rnd.choice(domains), "appid": 12345678, "appname": rnd.choice(["live", "live2"]),
              "channel_id": f"stream_{rnd.randrange(5000)}", "errcode": e,
              "errmsg": "recv rtmpcloseStream" if e in (1, 2, 3, 4) else ("ok" if not disc else "error"),
              "event_time": t0 + i // 100, "event_type": 0 if disc else 1, "height": 720,
              "idc_id": 34, "node": "10.0.0.1", "push_duration": str(rnd.randrange(1, 10**7)) if disc else "0",
              "sequence": str(7037777160241646428 + i), "set_id": 2,
              "sign": "%032x" % rnd.getrandbits(128), "stream_id": "stream_%05d" % (idx % a.streams),
              "stream_param": "txSecret=339c4094afe1ae427e7bcd7f1f8d1128&txTime=59c91afc",
              "t": t0 + 600 + i // 100, "user_ip": "61.135.194.200", "width": 1280}
        if disc and (e == 18 or e == 21):
            ev["sub_errcode"] = s
        batch.append(json.dumps(ev, separators=(",", ":"), sort_keys=True))
        if len(batch) >= 10000:
            out.write("\n".join(batch) + "\n")
            batch = []
    if batch:
        out.write("\n".join(batch) + "\n")


if __name__ == "__main__":
    main()
