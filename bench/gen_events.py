#!/usr/bin/env python3
"""Synthetic Tencent Cloud Live push / interruption callbacks, one JSON object a line.

Usage: bench/gen_events.py N [SEED] > events.jsonl     (SEED defaults to 1)

The same N and SEED always give the same bytes (Python's random.Random; no
clock, no environment). Each line is a compact JSON object with sorted keys
and the fields of a real callback (app, appid, appname, channel_id, errcode,
errmsg, event_time, event_type, height, idc_id, node, push_duration,
sequence, set_id, sign, stream_id, stream_param, t, user_ip, width), so
regex-based tools (mtail) see the keys in a fixed order.

Mix: about 85% disconnects (event_type 0) and 15% push starts (event_type 1,
errcode 0, errmsg "ok"). A disconnect's (errcode, sub_errcode) is drawn from
every pair of data/tencent_codes.tsv, skewed as on a real platform: mostly
clients closing (1, 2, 3) and network errors (12, 13), then idle (8), arrears
(18/202), auth (18/503) and replaced (21/102), and a thin tail of every other
pair. Every 18 and 21 disconnect carries sub_errcode, and about 30% of the
others do, as console and log exports do; callbacks themselves never have it.
"""
import bisect
import json
import os
import random
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE_TABLE = os.path.join(REPO, "data", "tencent_codes.tsv")

# Relative weights; a pair not listed here weighs TAIL_WEIGHT.
COMMON = {(1, 0): 30, (2, 0): 25, (12, 0): 8, (3, 0): 5, (13, 0): 4, (8, 0): 4,
          (18, 202): 2, (18, 503): 2, (21, 102): 2}
TAIL_WEIGHT = 0.3
DISCONNECT_SHARE = 0.85
SUB_ERRCODE_SHARE = 0.3  # of disconnects other than 18 and 21
FIRST_EVENT_TIME = 1764000000
FIRST_SEQUENCE = 7037777160241646428
DOMAINS = ["push%d.example.com" % i for i in range(4)]
APPNAMES = ["live", "live2"]
STREAMS = 5000


def code_pairs(path=CODE_TABLE):
    """The (errcode, sub_errcode) pairs of the code table, in file order."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        rows = (line.rstrip("\n").split("\t") for line in f if not line.startswith("#"))
        next(rows)  # header
        for cells in rows:
            if len(cells) >= 2:
                pairs.append((int(cells[0]), int(cells[1])))
    return pairs


class Generator:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.pairs = code_pairs()
        self.cumulative = []
        total = 0.0
        for pair in self.pairs:
            total += COMMON.get(pair, TAIL_WEIGHT)
            self.cumulative.append(total)

    def pair(self):
        x = self.rnd.random() * self.cumulative[-1]
        return self.pairs[min(bisect.bisect_right(self.cumulative, x), len(self.pairs) - 1)]

    def event(self, i):
        rnd = self.rnd
        disconnect = rnd.random() < DISCONNECT_SHARE
        errcode, sub = self.pair() if disconnect else (0, 0)
        if not disconnect:
            errmsg = "ok"
        elif 1 <= errcode <= 4:
            errmsg = "recv rtmpcloseStream"  # an old wording, as older platforms send
        else:
            errmsg = "error"
        stream = "stream_%d" % rnd.randrange(STREAMS)
        ev = {
            "app": rnd.choice(DOMAINS),
            "appid": 12345678,
            "appname": rnd.choice(APPNAMES),
            "channel_id": stream,
            "errcode": errcode,
            "errmsg": errmsg,
            "event_time": FIRST_EVENT_TIME + i // 100,  # 100 events a second
            "event_type": 0 if disconnect else 1,
            "height": 720,
            "idc_id": 34,
            "node": "10.0.0.1",
            "push_duration": str(rnd.randrange(1, 10**7)) if disconnect else "0",
            "sequence": str(FIRST_SEQUENCE + i),
            "set_id": 2,
            "sign": "%032x" % rnd.getrandbits(128),
            "stream_id": stream,
            "stream_param": "txSecret=339c4094afe1ae427e7bcd7f1f8d1128&txTime=59c91afc",
            "t": FIRST_EVENT_TIME + 600 + i // 100,
            "user_ip": "61.135.194.200",
            "width": 1280,
        }
        if disconnect and (errcode in (18, 21) or rnd.random() < SUB_ERRCODE_SHARE):
            ev["sub_errcode"] = sub
        return json.dumps(ev, separators=(",", ":"), sort_keys=True)


def main(argv):
    if len(argv) not in (2, 3) or not all(a.isdigit() for a in argv[1:]):
        sys.exit("usage: gen_events.py N [SEED] > events.jsonl")
    n = int(argv[1])
    gen = Generator(int(argv[2]) if len(argv) == 3 else 1)
    out = sys.stdout
    chunk = 10000
    for start in range(0, n, chunk):
        out.write("".join(gen.event(i) + "\n" for i in range(start, min(n, start + chunk))))
    out.flush()


if __name__ == "__main__":
    main(sys.argv)
