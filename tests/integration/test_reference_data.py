#!/usr/bin/env python3
"""The reference data the tests use, kept in the repository: data/tencent_codes.tsv
(the code table, Chinese and English) and bench/gen_events.py (synthetic
callbacks).

Always: the table is well formed (70 unique pairs, both messages present) and
the generator is deterministic and produces what the tests and benches rely on.
Only when ../shared is present (the project's reference material, not part of
a clone; --shared-dir overrides): the category list the tests use equals
DESIGN.md's, and the generator's code mix matches ../shared/bench/gen_events.py.
Otherwise those checks print "skipped: ../shared not present".
(The table itself is compared with ../shared's seed and English files by
tests/unit/classify/builtin_codes_test.cpp.)
"""
import collections
import json
import math
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import test_alert_rules  # noqa: E402

LINES = 50000
SEED = 11
KEYS = {"app", "appid", "appname", "channel_id", "errcode", "errmsg", "event_time", "event_type",
        "height", "idc_id", "node", "push_duration", "sequence", "set_id", "sign", "stream_id",
        "stream_param", "t", "user_ip", "width"}


def generate(script, n, seed):
    r = subprocess.run([sys.executable, script, str(n), str(seed)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    h.require(r.returncode == 0, "%s exited %d: %s" % (script, r.returncode, r.stderr.decode()[-500:]))
    return r.stdout


def mix(data):
    """Counter of (event_type, errcode, sub_errcode or None) and the lines."""
    lines = data.decode("utf-8").splitlines()
    return collections.Counter(
        (ev["event_type"], ev["errcode"], ev.get("sub_errcode"))
        for ev in map(json.loads, lines)), lines


def main():
    args = h.parse_args()
    checks = h.Checks("reference_data")
    shared = args.shared_dir
    have_shared = os.path.isdir(shared)
    generator = os.path.join(args.source_dir, "bench", "gen_events.py")
    table = h.read_code_table(args.source_dir)
    out = {}

    def table_well_formed():
        pairs = [(e, s) for e, s, _, _ in table]
        h.require(len(table) == 70, "%d rows, want 70" % len(table))
        h.require(len(set(pairs)) == len(pairs), "duplicate (errcode, sub_errcode) pairs")
        h.require(pairs == sorted(pairs), "rows not sorted by (errcode, sub_errcode)")
        empty = [(e, s) for e, s, zh, en in table if not zh.strip() or not en.strip()]
        h.require(not empty, "rows without a message: %s" % empty)
        h.require(all(h.category_of(e, s) in h.CATEGORIES for e, s in pairs), "a pair without a category")

    def generator_output():
        data = generate(generator, LINES, SEED)
        h.require(data == generate(generator, LINES, SEED), "same N and SEED gave different output")
        h.require(data != generate(generator, LINES, SEED + 1), "SEED has no effect")
        counts, lines = mix(data)
        out["mine"] = counts
        h.require(len(lines) == LINES, "%d lines, want %d" % (len(lines), LINES))
        bad = []
        for line in lines[:2000]:
            ev = json.loads(line)
            if list(ev) != sorted(ev):
                bad.append("keys not sorted: " + line[:120])
            if set(ev) - {"sub_errcode"} != KEYS:
                bad.append("fields %s" % sorted(set(ev) ^ KEYS))
            if ev["event_type"] == 0 and ev["errcode"] in (18, 21) and "sub_errcode" not in ev:
                bad.append("18/21 without sub_errcode: " + line[:120])
        h.require(not bad, "\n    ".join(bad[:10]))
        disconnects = sum(n for (et, _, _), n in counts.items() if et == 0)
        h.require(abs(disconnects / LINES - 0.85) < 0.01, "disconnect share %.3f" % (disconnects / LINES))
        seen = {(e, s if s is not None else 0) for (et, e, s) in counts if et == 0}
        missing = sorted({(e, s) for e, s, _, _ in table} - seen)
        h.require(not missing, "table pairs never generated: %s" % missing)

    def design_categories():
        if not have_shared:
            print("     skipped: ../shared not present (%s)" % shared)
            return
        path = os.path.join(shared, "DESIGN.md")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^\| category \|.*\n\|[-| ]+\|\n((?:\|.*\n)+)", text, re.M)
        h.require(m, "no categories table in " + path)
        design = {re.match(r"\|\s*([a-z_]+)\s*\|", row).group(1) for row in m.group(1).splitlines()}
        h.require(set(h.CATEGORIES) == design, "harness.CATEGORIES %s != DESIGN %s"
                  % (sorted(h.CATEGORIES), sorted(design)))
        h.require(test_alert_rules.CATEGORIES == design, "test_alert_rules.CATEGORIES != DESIGN's")

    def generator_matches_reference():
        if not have_shared:
            print("     skipped: ../shared not present (%s)" % shared)
            return
        h.require("mine" in out, "the in-repo generator did not run")
        mine = out["mine"]
        ref_counts, ref_lines = mix(generate(os.path.join(shared, "bench", "gen_events.py"), LINES, SEED))
        h.require(set(json.loads(ref_lines[0])) - {"sub_errcode"} == KEYS, "the reference has other fields")
        h.require(set(mine) == set(ref_counts), "different (event_type, errcode, sub_errcode) sets: %s"
                  % sorted(set(mine) ^ set(ref_counts), key=str)[:20])
        # Same distribution: every count within 5 standard deviations of the
        # difference of two independent samples.
        off = ["%s: %d vs %d" % (k, mine[k], ref_counts[k]) for k in sorted(ref_counts, key=str)
               if abs(mine[k] - ref_counts[k]) > 5 * math.sqrt(mine[k] + ref_counts[k]) + 5]
        h.require(not off, "code mix differs from ../shared/bench/gen_events.py:\n    " + "\n    ".join(off))

    checks.run("data/tencent_codes.tsv: 70 unique sorted pairs, both messages", table_well_formed)
    checks.run("bench/gen_events.py: deterministic, fields, mix, every table pair", generator_output)
    checks.run("categories equal ../shared/DESIGN.md's table", design_categories)
    checks.run("bench/gen_events.py mix matches ../shared/bench/gen_events.py", generator_matches_reference)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
