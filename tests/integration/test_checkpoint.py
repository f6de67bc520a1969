#!/usr/bin/env python3
"""The state file's failure paths: a corrupt, truncated or bad-checksum
checkpoint is logged, moved aside, and the exporter starts clean (counting the
log from its start) instead of crashing; a state location that cannot be
written is logged and counted, never fatal; a good checkpoint resumes counters
that Prometheus never sees go backwards. A state file that cannot be read is
not corrupt: test_state_lock.py checks it is left alone and the start refused."""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "cb"


def setup(args, name, state_file=None):
    d = h.mkdtemp()
    logs = os.path.join(d, "logs")
    os.mkdir(logs)
    path = os.path.join(logs, "cb.jsonl")
    cfg = {"state_file": state_file or os.path.join(d, "state", "state.json"),
           "checkpoint_interval": "200ms", "poll_interval": "100ms",
           "sources": [h.file_source(SOURCE, [os.path.join(logs, "*.jsonl")])]}
    return d, path, cfg, h.Exporter(args, cfg, dir=d, name=name)


def arrears(samples):
    return h.total(samples, "stream_disconnects_total", category="arrears")


def main():
    args = h.parse_args()
    checks = h.Checks("checkpoint")
    arrears_line = h.make_callback(18, sub_errcode=202)

    def resume_after_kill():
        _, path, cfg, exp = setup(args, "resume")
        h.append(path, [arrears_line] * 7)
        exp.start()
        exp.wait_for(lambda s: arrears(s) == 7, what="7 arrears counted")
        seen = arrears(exp.scrape())
        exp.kill()  # SIGKILL: no shutdown checkpoint
        h.append(path, [arrears_line] * 3)
        exp.start()
        first = arrears(exp.scrape())
        h.require(first >= seen, "after kill -9 the counter went back from %s to %s" % (seen, first))
        exp.wait_for(lambda s: arrears(s) == 10, what="10 arrears, none twice")
        exp.stop()

    def corrupt_variants():
        for what, mangle in [
            ("bad checksum", lambda b: b.replace(b'"offset":', b'"offset":1', 1)),
            ("truncated", lambda b: b[: len(b) // 2]),
            ("garbage", lambda b: b"\x00\xffnot a checkpoint\n"),
            ("empty", lambda b: b""),
        ]:
            _, path, cfg, exp = setup(args, "corrupt-" + what.replace(" ", "-"))
            h.append(path, [arrears_line] * 4)
            exp.start()
            exp.wait_for(lambda s: arrears(s) == 4, what="4 arrears counted")
            exp.stop()
            state = cfg["state_file"]
            with open(state, "rb") as f:
                data = f.read()
            with open(state, "wb") as f:
                f.write(mangle(data))
            exp.start()
            # Started clean: the log is read again from its start, counted once.
            s = exp.wait_for(lambda s: arrears(s) == 4, what="%s: counted from a clean start" % what)
            h.require(h.total(s, "stream_disconnect_exporter_checkpoint_corrupt_total") == 1,
                      "%s: checkpoint_corrupt_total is 1" % what)
            aside = glob.glob(state + ".corrupt-*")
            h.require(len(aside) == 1, "%s: the corrupt file was moved aside (%s)" % (what, aside))
            h.require("corrupt" in exp.log_text(), "%s: logged" % what)
            exp.stop()

    def unwritable_state():
        d = h.mkdtemp()
        blocker = os.path.join(d, "not-a-directory")
        with open(blocker, "w") as f:
            f.write("a file where the state directory should be\n")
        # A file as the parent directory fails for root too (ENOTDIR), unlike chmod.
        _, path, cfg, exp = setup(args, "unwritable", state_file=os.path.join(blocker, "state.json"))
        h.append(path, [arrears_line] * 5)
        exp.start()
        s = exp.wait_for(lambda s: arrears(s) == 5 and
                         h.total(s, "stream_disconnect_exporter_checkpoint_failures_total") >= 1,
                         what="counted despite failing checkpoints")
        h.require(h.total(s, "stream_disconnect_exporter_checkpoint_writes_total") == 0, "no write")
        h.append(path, [arrears_line] * 2)
        exp.wait_for(lambda s: arrears(s) == 7, what="still following")
        log = exp.log_text()
        h.require(log.count("cannot write checkpoint") == 1,
                  "a failing checkpoint is logged once per streak, not every interval")
        exp.stop()

    checks.run("kill -9 resumes counters and positions, no value goes back", resume_after_kill)
    checks.run("corrupt state files are moved aside, clean start", corrupt_variants)
    checks.run("unwritable state location: logged once, counted, not fatal", unwritable_state)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
