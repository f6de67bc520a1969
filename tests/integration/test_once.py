#!/usr/bin/env python3
"""--once over 100,000 generated callbacks: every counter equals an
independent count of the same file, and the state file is left alone."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

N = 100000
SEED = 7
SOURCE = "generated"


def count_file(path, labels=()):
    """Independent count: json.loads per line, DESIGN's category table."""
    model = h.Model(labels=labels)
    with open(path, "rb") as f:
        for raw in f:
            ev = json.loads(raw)
            et = ev["event_type"]
            if et == 0:
                if ev["errcode"] in (18, 21):
                    assert "sub_errcode" in ev, "generator changed: 18/21 line without sub_errcode"
            model.add(ev)
    return model


def run_once(args, workdir, config, name):
    cfg_path = os.path.join(workdir, name + ".yaml")
    with open(cfg_path, "w", encoding="utf-8") as f:
        f.write(h.to_yaml(config))
    t = time.monotonic()
    r = h.run([args.binary, "--config.file=" + cfg_path, "--once", "--log.level=debug"], cwd=workdir, timeout=120)
    took = time.monotonic() - t
    err = r.stderr.decode("utf-8", errors="replace")
    if r.returncode != 0:
        raise AssertionError("--once exited %s; stderr tail:\n%s" % (r.returncode, "\n".join(err.splitlines()[-20:])))
    return h.parse_exposition(r.stdout.decode("utf-8")), took


def main():
    args = h.parse_args()
    checks = h.Checks("once")
    work = h.mkdtemp()
    data_dir = os.path.join(work, "logs")
    os.mkdir(data_dir)
    events = os.path.join(data_dir, "callbacks.jsonl")
    h.gen_events(args.source_dir, N, SEED, events)
    size = os.path.getsize(events)
    model = count_file(events)
    messages = h.Messages(args.source_dir)
    state = os.path.join(work, "state", "state.json")
    os.mkdir(os.path.dirname(state))
    cfg = {"state_file": state, "checkpoint_interval": "1s",
           "sources": [h.file_source(SOURCE, [os.path.join(data_dir, "*.jsonl")])]}
    out = {}

    def once_runs():
        out["s"], took = run_once(args, work, cfg, "plain")
        print("     --once: %d lines, %.1f MB in %.2fs" % (N, size / 1e6, took))

    checks.run("once exits 0 and prints parseable exposition", once_runs)
    s = out.get("s", {})

    def by_code():
        problems = h.check_by_code_exact(s, model)
        h.require(not problems, "by-code series differ from the Python count:\n    " + "\n    ".join(problems[:40]))
        got = h.total(s, "stream_disconnects_by_code_total")
        h.require(got == model.disconnects(), "by-code sum %s != %s disconnects" % (got, model.disconnects()))

    def categories():
        exp = {k: v for k, v in model.expected().items() if k[0] == "stream_disconnects_total"}
        h.require(len(exp) == len(h.CATEGORIES), "model lists every category")
        h.require_no_diff(s, exp, "stream_disconnects_total differs")
        extra = [h.fmt_key(k) for k in s if k[0] == "stream_disconnects_total" and k not in exp]
        h.require(not extra, "unexpected category series: %s" % extra)

    def pushes_and_results():
        exp = model.expected(source=SOURCE)
        exp = {k: v for k, v in exp.items() if k[0] != "stream_disconnects_total"}
        exp[h.key("stream_disconnect_exporter_bytes_read_total", source=SOURCE)] = size
        h.require_no_diff(s, exp, "pushes / events_total / parse errors / bytes differ")
        h.require(model.results["disconnect"] + model.results["push"] == N, "model counts every line")

    def code_info():
        info = h.series(s, "stream_disconnect_code_info")
        seen = {}
        bad = []
        for labels, v in info:
            pair = (int(labels["errcode"]), int(labels["sub_errcode"]))
            seen[pair] = labels
            if v != 1:
                bad.append("%s value %s" % (pair, v))
            if labels["category"] != h.category_of(*pair):
                bad.append("%s category %s, DESIGN says %s" % (pair, labels["category"], h.category_of(*pair)))
            if pair in messages.zh and labels.get("message_zh") != messages.zh[pair]:
                bad.append("%s message_zh %r != seed %r" % (pair, labels.get("message_zh"), messages.zh[pair]))
            if pair in messages.en and labels.get("message_en") != messages.en[pair]:
                bad.append("%s message_en %r != tsv %r" % (pair, labels.get("message_en"), messages.en[pair]))
            if not labels.get("reason"):
                bad.append("%s has no reason" % (pair,))
        missing = sorted(set(messages.zh) - set(seen))
        if missing:
            bad.append("seed codes without a code_info series: %s" % missing)
        h.require(not bad, "code_info problems:\n    " + "\n    ".join(bad[:40]))

    def state_not_created():
        h.require(not os.path.exists(state), "--once created the state file %s" % state)
        h.require(os.listdir(os.path.dirname(state)) == [], "--once wrote into the state dir: %s"
                  % os.listdir(os.path.dirname(state)))

    def state_not_modified():
        sentinel = b'{"sentinel": "left by test_once; --once must neither read nor write it"}\n'
        with open(state, "wb") as f:
            f.write(sentinel)
        old = os.stat(state)
        time.sleep(0.02)
        s2, _ = run_once(args, work, cfg, "with_state")
        new = os.stat(state)
        with open(state, "rb") as f:
            h.require(f.read() == sentinel, "--once changed the state file's content")
        h.require((old.st_mtime_ns, old.st_ino, old.st_size) == (new.st_mtime_ns, new.st_ino, new.st_size),
                  "--once touched the state file (mtime/inode/size changed)")
        h.require(sorted(os.listdir(os.path.dirname(state))) == ["state.json"],
                  "--once left files in the state dir: %s" % os.listdir(os.path.dirname(state)))
        exp = model.expected(source=SOURCE)
        h.require_no_diff(s2, exp, "counts with a state file present differ (was it read?)")

    def start_at_end_ignored():
        cfg_end = dict(cfg, sources=[h.file_source(SOURCE, [os.path.join(data_dir, "*.jsonl")], start_at="end")])
        s3, _ = run_once(args, work, cfg_end, "start_at_end")
        h.require_no_diff(s3, model.expected(source=SOURCE), "--once with start_at: end must still read from the start")

    def domain_labels():
        dmodel = count_file(events, labels=("domain",))
        cfg_dom = dict(cfg, labels=["domain"], max_label_sets=100)
        s4, _ = run_once(args, work, cfg_dom, "domain")
        exp = {k: v for k, v in dmodel.expected().items()}
        h.require_no_diff(s4, exp, "per-domain totals differ")
        problems = h.check_by_code_exact(s4, dmodel)
        h.require(not problems, "per-domain by-code differs:\n    " + "\n    ".join(problems[:40]))
        for name in ("stream_disconnects_total", "stream_pushes_total"):
            got = h.total(s4, name)
            want = h.total(s, name)
            h.require(got == want, "%s summed over domains %s != unlabelled %s" % (name, got, want))

    def label_cap():
        dmodel = count_file(events, labels=("domain",))
        cap = 2
        cfg_cap = dict(cfg, labels=["domain"], max_label_sets=cap)
        s5, _ = run_once(args, work, cfg_cap, "cap")
        doms = {d.get("domain") for name in ("stream_disconnects_total", "stream_pushes_total")
                for d, _ in h.series(s5, name)}
        kept = sorted(x for x in doms if x != "__overflow__")
        h.require("__overflow__" in doms, "4 domains with max_label_sets: 2 but no __overflow__ series: %s" % doms)
        h.require(1 <= len(kept) <= cap, "kept domains %s exceed max_label_sets %d" % (kept, cap))
        for name in ("stream_disconnects_total", "stream_pushes_total"):
            h.require(h.total(s5, name) == h.total(s, name), "%s: sum with the cap %s != %s"
                      % (name, h.total(s5, name), h.total(s, name)))
        # a domain that got a label set keeps all of its events
        want = {k: v for k, v in dmodel.expected().items() if dict(k[1]).get("domain") in kept}
        h.require_no_diff(s5, want, "kept domains' counts differ from the Python count")
        folded = h.total(s5, "stream_disconnects_total", domain="__overflow__") + \
            h.total(s5, "stream_pushes_total", domain="__overflow__")
        got = s5.get(h.key("stream_disconnect_exporter_label_overflow_events_total"))
        h.require(got == folded, "label_overflow_events_total %s != %s events under __overflow__" % (got, folded))

    if out:
        checks.run("by-code series equal the Python count", by_code)
        checks.run("every category total equals the Python count (zeros included)", categories)
        checks.run("pushes, events_total by result, parse errors and bytes read", pushes_and_results)
        checks.run("code_info: one series per seed code with DESIGN's category and messages", code_info)
        checks.run("--once does not create the state file", state_not_created)
        checks.run("--once does not read or modify an existing state file", state_not_modified)
        checks.run("--once reads from the start even with start_at: end", start_at_end_ignored)
        checks.run("labels: [domain] splits counters per domain exactly", domain_labels)
        checks.run("max_label_sets folds the rest into __overflow__", label_cap)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
