#!/usr/bin/env python3
"""One state file, one owner; a read error is not corruption.

- Two exporters configured with the same state_file: the second exits 1
  naming the file and the first one's pid; the first keeps running and
  counting, and once it stops the second starts and resumes its counters.
- A reload onto a state file another exporter holds is refused and the old
  config (and its lock) stay; a reload onto a free one moves the lock.
- --once takes no lock: it runs while a daemon holds the state file.
- A state file that cannot be read (a directory in its place: EISDIR, which
  fails for root too, unlike chmod 000) is retried, then the exporter refuses
  to start with exit 1 and leaves it exactly as it was: nothing moved aside,
  no clean start that would overwrite it."""
import glob
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "lk"
IN_USE = "is in use by another exporter"


def config(logs, state_file):
    return {"state_file": state_file, "checkpoint_interval": "200ms", "poll_interval": "100ms",
            "sources": [h.file_source(SOURCE, [os.path.join(logs, "*.jsonl")])]}


def arrears(samples):
    return h.total(samples, "stream_disconnects_total", category="arrears")


def gauge(samples, name):
    return h.total(samples, "stream_disconnect_exporter_" + name)


def expect_refused_start(exp, what):
    """start() must fail with exit code 1; returns the new log text."""
    try:
        exp.start()
    except h.ExporterError:
        pass
    else:
        raise AssertionError("%s: the exporter started" % what)
    h.require(exp.proc.returncode == 1, "%s: exit code %s, want 1" % (what, exp.proc.returncode))
    return exp.log_text()[exp.start_offsets[-1]:]


def main():
    args = h.parse_args()
    checks = h.Checks("state_lock")
    line = h.make_callback(18, sub_errcode=202)

    def two_instances():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        path = os.path.join(logs, "a.jsonl")
        state = os.path.join(d, "state", "state.json")
        h.append(path, [line] * 5)
        first = h.Exporter(args, config(logs, state), dir=os.path.join(d, "first"), name="first")
        os.mkdir(first.dir)
        first.start()
        first.wait_for(lambda s: arrears(s) == 5, what="first counted 5")
        second = h.Exporter(args, config(logs, state), dir=os.path.join(d, "second"), name="second")
        os.mkdir(second.dir)
        log = expect_refused_start(second, "second instance")
        h.require(IN_USE in log and state in log, "second: message names the state file:\n" + log)
        h.require("pid %d" % first.proc.pid in log, "second: message names the first's pid %d:\n%s"
                  % (first.proc.pid, log))
        # The first keeps running and counting, its checkpoints undisturbed.
        h.append(path, [line] * 3)
        s = first.wait_for(lambda s: arrears(s) == 8, what="first still counting")
        h.require(gauge(s, "checkpoint_failures_total") == 0, "first: no checkpoint failure")
        first.stop()
        # Freed: the second starts and resumes from the first's checkpoint.
        second.start()
        second.wait_values({h.key("stream_disconnects_total", category="arrears"): 8},
                           what="second resumed 8, none twice")
        second.stop()

    def reload_onto_held_state_file():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        path = os.path.join(logs, "a.jsonl")
        h.append(path, [line] * 2)
        held = os.path.join(d, "held", "state.json")
        mine = os.path.join(d, "mine", "state.json")
        moved = os.path.join(d, "moved", "state.json")
        owner = h.Exporter(args, config(logs, held), dir=os.path.join(d, "owner"), name="owner")
        os.mkdir(owner.dir)
        owner.start()
        exp = h.Exporter(args, config(logs, mine), dir=os.path.join(d, "reloader"), name="reloader")
        os.mkdir(exp.dir)
        exp.start()
        exp.wait_for(lambda s: arrears(s) == 2, what="counted 2")

        offset = len(exp.log_text())
        exp.write_config(config(logs, held))
        exp.proc.send_signal(signal.SIGHUP)
        exp.wait_for(lambda s: gauge(s, "config_last_reload_successful") == 0, what="reload refused")
        log = exp.log_text()[offset:]
        h.require(IN_USE in log and held in log and "pid %d" % owner.proc.pid in log,
                  "refused reload names the file and the owner's pid:\n" + log)
        # Old config kept: checkpoints still go to its own file.
        before = os.stat(mine).st_mtime_ns
        h.append(path, [line] * 1)
        exp.wait_for(lambda s: arrears(s) == 3 and os.stat(mine).st_mtime_ns != before,
                     what="old state file still written")

        exp.write_config(config(logs, moved))
        exp.proc.send_signal(signal.SIGHUP)
        exp.wait_for(lambda s: gauge(s, "config_last_reload_successful") == 1, what="reload applied")
        exp.wait_for(lambda s: os.path.exists(moved), what="new state file written")
        # The old lock was released: another exporter may now own `mine`.
        third = h.Exporter(args, config(logs, mine), dir=os.path.join(d, "third"), name="third")
        os.mkdir(third.dir)
        third.start()
        # ...and the new one is held.
        fourth = h.Exporter(args, config(logs, moved), dir=os.path.join(d, "fourth"), name="fourth")
        os.mkdir(fourth.dir)
        log = expect_refused_start(fourth, "fourth on the reloaded state file")
        h.require(IN_USE in log and "pid %d" % exp.proc.pid in log, "fourth: message:\n" + log)
        third.stop()
        exp.stop()
        owner.stop()

    def once_takes_no_lock():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        h.append(os.path.join(logs, "a.jsonl"), [line] * 4)
        state = os.path.join(d, "state", "state.json")
        cfg = config(logs, state)
        daemon = h.Exporter(args, cfg, dir=d, name="daemon")
        daemon.start()
        cfg_path = os.path.join(d, "once.yaml")
        with open(cfg_path, "w", encoding="utf-8") as f:
            f.write(h.to_yaml(cfg))
        r = h.run([args.binary, "--config.file=" + cfg_path, "--once"], cwd=d, timeout=60)
        h.require(r.returncode == 0, "--once beside a running daemon exited %s: %s"
                  % (r.returncode, r.stderr.decode(errors="replace")[-2000:]))
        h.require(arrears(h.parse_exposition(r.stdout.decode())) == 4, "--once counted 4")
        daemon.stop()

    def unreadable_state_file():
        d = h.mkdtemp()
        logs = os.path.join(d, "logs")
        os.mkdir(logs)
        h.append(os.path.join(logs, "a.jsonl"), [line] * 4)
        state = os.path.join(d, "state", "state.json")
        # A directory in the state file's place opens but fails to read (EISDIR).
        os.makedirs(state)
        inside = os.path.join(state, "kept")
        with open(inside, "wb") as f:
            f.write(b"must survive\n")
        before = sorted(os.listdir(os.path.dirname(state)))
        exp = h.Exporter(args, config(logs, state), dir=d, name="unreadable")
        t = time.monotonic()
        log = expect_refused_start(exp, "unreadable state file")
        took = time.monotonic() - t
        h.require("cannot be read" in log and state in log and "refusing to start" in log,
                  "clear message naming the file:\n" + log)
        h.require("retrying" in log, "the read was retried with a log line:\n" + log)
        h.require("corrupt" not in log, "not treated as corrupt:\n" + log)
        h.require(took < 10, "gave up within 10 s (took %.1fs)" % took)
        h.require(os.path.isdir(state), "the state file is still there")
        with open(inside, "rb") as f:
            h.require(f.read() == b"must survive\n", "its content is unchanged")
        h.require(not glob.glob(state + ".corrupt-*"), "nothing moved aside")
        after = sorted(os.listdir(os.path.dirname(state)))
        # Only the lock file may have appeared beside it.
        h.require([n for n in after if n not in before] in ([], ["state.json.lock"]),
                  "nothing else written beside it: %s" % after)

    checks.run("a second instance on the same state file exits 1, the first keeps counting",
               two_instances)
    checks.run("a reload onto a held state file is refused, onto a free one moves the lock",
               reload_onto_held_state_file)
    checks.run("--once takes no lock", once_takes_no_lock)
    checks.run("an unreadable state file: retried, exit 1, left untouched, no reset",
               unreadable_state_file)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
