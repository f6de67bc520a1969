#!/usr/bin/env python3
"""The daemon follows files like tail -F: appends, partial lines, rename and
create rotation, copytruncate, truncation, new and deleted files, start_at,
and restarts (SIGTERM and SIGKILL) with the same state file. Every scenario
runs its own exporter and asserts exact counts per category, pushes and
events by result, then holds them for a moment to catch late double counts."""
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SOURCE = "follow"
WAIT = 10.0      # deadline for a change to show in /metrics (contract: 100 ms)
SETTLE = 0.4     # values must hold this long after matching


class Scenario:
    def __init__(self, args, messages, glob="*.jsonl", start_at="beginning", name="exporter"):
        self.args = args
        self.dir = h.mkdtemp()
        self.logs = os.path.join(self.dir, "logs")
        os.mkdir(self.logs)
        self.state = os.path.join(self.dir, "state.json")
        self.model = h.Model(messages=messages)
        self.config = {"state_file": self.state, "checkpoint_interval": "1s", "poll_interval": "100ms",
                       "sources": [h.file_source(SOURCE, [os.path.join(self.logs, glob)], start_at=start_at)]}
        self.exp = h.Exporter(args, self.config, dir=self.dir, name=name)

    def path(self, name):
        return os.path.join(self.logs, name)

    def write(self, name, events, count=True):
        """Append events to logs/name in one write; model them if count."""
        h.append(self.path(name), events)
        if count:
            self.model.add_all(events)

    def expect(self, what, extra=None, settle=SETTLE, timeout=WAIT, self_metrics=True):
        exp = self.model.expected(source=SOURCE if self_metrics else None)
        exp.update(self.model.expected_by_code())
        if extra:
            exp.update(extra)
        s = self.exp.wait_values(exp, timeout=timeout, settle=settle, what=what)
        problems = h.check_by_code_exact(s, self.model)
        h.require(not problems, "%s: by-code series:\n    %s" % (what, "\n    ".join(problems[:40])))
        return s

    def unchanged_for(self, seconds, what):
        """Counts stay at the model's values for `seconds` (nothing counted early)."""
        exp = self.model.expected(source=SOURCE)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            problems = h.diff(self.exp.scrape(), exp)
            h.require(not problems, "%s:\n    %s" % (what, "\n    ".join(problems[:20])))
            time.sleep(0.05)


def src_metric(name, value):
    return {h.key("stream_disconnect_exporter_" + name, source=SOURCE): value}


def ev(n, seed):
    return h.mixed_events(n, seed=seed)


# ---------------------------------------------------------------- scenarios


def appends(args, messages):
    sc = Scenario(args, messages)
    first = ev(50, 1)
    sc.write("a.jsonl", first)
    sc.exp.start()
    sc.expect("existing content read from the beginning",
              extra=src_metric("files_followed", 1))
    nbytes = os.path.getsize(sc.path("a.jsonl"))
    for i in range(3):
        sc.write("a.jsonl", ev(40, 10 + i))
        sc.expect("after appended batch %d" % (i + 1))
    for e in ev(200, 20):          # one write per line, as a busy writer does
        sc.write("a.jsonl", [e])
    nbytes = os.path.getsize(sc.path("a.jsonl"))
    sc.expect("after 200 single-line appends",
              extra=src_metric("bytes_read_total", nbytes))
    for t in (1764000500, 1764000900):
        sc.write("a.jsonl", [h.make_callback(12, event_time=t), h.make_callback(0, event_type=1, event_time=t)])
        sc.expect("last_event_timestamp_seconds follows event_time",
                  extra=src_metric("last_event_timestamp_seconds", t))


def partial_lines(args, messages):
    sc = Scenario(args, messages)
    sc.write("a.jsonl", ev(10, 2))
    sc.exp.start()
    sc.expect("initial lines")
    # 1. a line cut in the middle of its JSON
    e1 = h.make_callback(13)
    b = h.line_bytes(e1)
    h.append(sc.path("a.jsonl"), b[:100])
    sc.unchanged_for(0.5, "half a line must not be counted (or be a parse error)")
    h.append(sc.path("a.jsonl"), b[100:])
    sc.model.add(e1)
    sc.expect("line completed by its second write counts once")
    # 2. a complete JSON object whose newline comes later
    e2 = h.make_callback(19)
    b = h.line_bytes(e2)
    h.append(sc.path("a.jsonl"), b[:-1])
    sc.unchanged_for(0.5, "a complete object without its newline must wait for the newline")
    h.append(sc.path("a.jsonl"), b"\n")
    sc.model.add(e2)
    sc.expect("object counted once when its newline arrives (and no empty_line error)")
    # 3. several lines in one write, the last one partial
    batch = ev(3, 3)
    data = b"".join(h.line_bytes(x) for x in batch)
    cut = len(data) - 50
    h.append(sc.path("a.jsonl"), data[:cut])
    sc.model.add_all(batch[:2])
    sc.expect("complete lines of a write count, its partial tail waits", settle=0.5)
    h.append(sc.path("a.jsonl"), data[cut:])
    sc.model.add(batch[2])
    sc.expect("the tail counts once completed")
    # 4. a split inside a multi-byte UTF-8 character (Chinese arrears errmsg,
    #    no sub_errcode: resolved from the message)
    e4 = h.make_callback(18, errmsg=messages.zh[(18, 202)])
    b = h.line_bytes(e4)
    pos = b.index("欠".encode("utf-8")) + 1
    h.append(sc.path("a.jsonl"), b[:pos])
    sc.unchanged_for(0.4, "a line split inside a UTF-8 character must wait")
    h.append(sc.path("a.jsonl"), b[pos:])
    sc.model.add(e4)
    s = sc.expect("a line split inside a UTF-8 character is one valid line")
    h.require(h.total(s, "stream_disconnects_total", category="arrears") >= 1, "arrears counted")


def rename_rotation(args, messages):
    sc = Scenario(args, messages)
    path = sc.path("cb.jsonl")
    sc.write("cb.jsonl", ev(30, 4))
    sc.exp.start()
    sc.expect("before rotation", extra=src_metric("files_followed", 1))
    writer = open(path, "ab")
    try:
        batch = ev(20, 5)
        writer.write(b"".join(h.line_bytes(x) for x in batch))
        writer.flush()
        sc.model.add_all(batch)
        os.rename(path, path + ".1")          # no longer matches *.jsonl
        late = ev(15, 6)                      # the writer has not reopened yet
        writer.write(b"".join(h.line_bytes(x) for x in late))
        writer.flush()
        sc.model.add_all(late)
    finally:
        writer.close()
    newer = ev(25, 7)
    sc.write("cb.jsonl", newer)               # logrotate's create, then the writer reopens
    sc.expect("old file drained to its end, new file read from its start",
              extra={**src_metric("file_rotations_total", 1), **src_metric("files_followed", 1)})
    sc.write("cb.jsonl", ev(10, 8))
    sc.expect("appends to the new file after rotation")
    # a second rotation while the first rotated file still exists
    os.rename(path + ".1", path + ".2")
    os.rename(path, path + ".1")
    sc.write("cb.jsonl", ev(12, 9))
    sc.expect("second rotation", extra=src_metric("file_rotations_total", 2))


def copytruncate(args, messages):
    sc = Scenario(args, messages, glob="cb.jsonl*")
    path = sc.path("cb.jsonl")
    sc.write("cb.jsonl", ev(100, 11))
    sc.exp.start()
    sc.expect("before copytruncate", extra=src_metric("files_followed", 1))
    for cycle in (1, 2):
        # lines the exporter may not have read yet when the copy is made
        tail = ev(30, 12 + cycle)
        sc.write("cb.jsonl", tail)
        if cycle == 2:
            os.rename(path + ".1", path + ".2")    # logrotate shifts older copies
        shutil.copyfile(path, path + ".1")         # copy ...
        os.truncate(path, 0)                       # ... then truncate
        sc.write("cb.jsonl", ev(20, 14 + cycle))
        sc.expect("copytruncate cycle %d: no line lost, none counted twice" % cycle, settle=1.0)
        sc.write("cb.jsonl", ev(10, 16 + cycle))
        sc.expect("appends after copytruncate cycle %d" % cycle, settle=0.5)


def truncation(args, messages):
    sc = Scenario(args, messages)
    path = sc.path("a.jsonl")
    sc.write("a.jsonl", ev(40, 21))
    sc.exp.start()
    sc.expect("before truncation")
    os.truncate(path, 0)
    sc.exp.wait_values(src_metric("file_truncations_total", 1), timeout=WAIT, settle=0,
                       what="truncation noticed")
    sc.write("a.jsonl", ev(10, 22))
    sc.expect("lines written after truncation count",
              extra=src_metric("file_truncations_total", 1))
    # truncate and write at once (fewer bytes than were read before)
    with open(path, "r+b") as f:
        f.truncate(0)
        batch = ev(5, 23)
        f.write(b"".join(h.line_bytes(x) for x in batch))
    sc.model.add_all(batch)
    sc.expect("truncate-and-rewrite counts the new lines",
              extra=src_metric("file_truncations_total", 2))


def new_files(args, messages):
    sc = Scenario(args, messages)
    sc.write("a.jsonl", ev(10, 31))
    sc.exp.start()
    sc.expect("one file", extra=src_metric("files_followed", 1))
    sc.write("b.jsonl", ev(15, 32))
    sc.expect("a new file matching the glob is read from its start",
              extra=src_metric("files_followed", 2))
    sc.write("c.txt", ev(7, 33), count=False)
    os.mkdir(sc.path("sub"))
    sc.write(os.path.join("sub", "d.jsonl"), ev(7, 34), count=False)
    sc.unchanged_for(0.5, "files outside the glob must not be read")
    # atomic writer pattern: write elsewhere, rename into the glob
    tmp = sc.path("e.part")
    batch = ev(9, 35)
    h.append(tmp, batch)
    os.rename(tmp, sc.path("e.jsonl"))
    sc.model.add_all(batch)
    sc.expect("a file renamed into the glob is read",
              extra=src_metric("files_followed", 3))
    sc.write("a.jsonl", ev(5, 36))
    sc.write("b.jsonl", ev(5, 37))
    sc.write("e.jsonl", ev(5, 38))
    sc.expect("all three files keep being followed")


def deletion(args, messages):
    sc = Scenario(args, messages)
    sc.write("a.jsonl", ev(10, 41))
    sc.write("b.jsonl", ev(10, 42))
    sc.exp.start()
    sc.expect("two files", extra=src_metric("files_followed", 2))
    old_ino = os.stat(sc.path("b.jsonl")).st_ino
    os.unlink(sc.path("b.jsonl"))
    sc.expect("deleted file no longer followed", extra=src_metric("files_followed", 1))
    sc.write("a.jsonl", ev(6, 43))
    sc.expect("the other file is still followed")
    # a new file under the deleted name, larger than the old one: read from its
    # start even if the file system hands out the old inode again
    sc.write("b.jsonl", ev(30, 44))
    reused = os.stat(sc.path("b.jsonl")).st_ino == old_ino
    print("     (recreated b.jsonl %s the deleted file's inode)" % ("reuses" if reused else "does not reuse"))
    sc.expect("a recreated file is read from its start", extra=src_metric("files_followed", 2))
    h.require(sc.exp.get("/-/healthy")[0] == 200, "healthy after deletions")


def start_at_end(args, messages):
    sc = Scenario(args, messages, start_at="end")
    sc.write("a.jsonl", ev(25, 51), count=False)   # present at start: skipped
    sc.exp.start()
    sc.unchanged_for(0.5, "start_at: end skips what was there at start")
    sc.write("a.jsonl", ev(10, 52))
    sc.expect("lines appended after start count")
    # Files that appear while running were never seen before but must be read
    # from their start: otherwise every line written between a rotation's
    # create and the exporter noticing would be lost.
    sc.write("b.jsonl", ev(8, 53))
    sc.expect("a file created while running is read from its start")
    os.rename(sc.path("a.jsonl"), sc.path("a.jsonl.1"))
    sc.write("a.jsonl", ev(6, 54))
    sc.expect("the file created by a rotation is read from its start")


def restart_sigterm(args, messages):
    sc = Scenario(args, messages)
    sc.write("a.jsonl", ev(40, 61))
    sc.write("b.jsonl", ev(20, 62))
    sc.exp.start()
    sc.expect("before restart")
    partial = h.line_bytes(h.make_callback(14))
    h.append(sc.path("b.jsonl"), partial[:120])      # in flight at shutdown
    time.sleep(0.3)
    sc.exp.stop(signal.SIGTERM)
    h.require(os.path.exists(sc.state), "no state file after SIGTERM")
    sc.model.restarted()   # events_total counts what the new process reads
    # while the exporter is down
    sc.write("a.jsonl", ev(25, 63))
    h.append(sc.path("b.jsonl"), partial[120:])
    sc.model.add(h.make_callback(14))                # same code as the completed line
    sc.write("c.jsonl", ev(12, 64))                  # never seen before
    sc.exp.start()
    sc.expect("counters resume, downtime lines count exactly once", settle=1.0)
    sc.write("a.jsonl", ev(5, 65))
    sc.expect("following continues after restart")
    # a second clean restart with nothing new: nothing changes
    sc.exp.stop(signal.SIGINT)
    sc.model.restarted()
    sc.exp.start()
    sc.expect("a restart with no new lines changes nothing", settle=1.0)


def restart_sigkill(args, messages):
    sc = Scenario(args, messages)
    sc.write("a.jsonl", ev(60, 71))
    sc.exp.start()
    sc.expect("before kill")
    sc.exp.wait_for(lambda s: s.get(h.key("stream_disconnect_exporter_checkpoint_writes_total"), 0) >= 1,
                    timeout=WAIT, what="a checkpoint")
    h.require(os.path.exists(sc.state), "checkpoint_writes_total >= 1 but no state file")
    sc.write("a.jsonl", ev(30, 72))                  # maybe read, surely not checkpointed
    time.sleep(0.05)
    sc.exp.kill()
    sc.write("a.jsonl", ev(10, 73))
    sc.exp.start()
    # events_total of the new process depends on where the last checkpoint
    # was: only the event counters are exact here.
    s = sc.expect("after SIGKILL the checkpoint's positions and counters agree: exact counts",
                  settle=1.0, self_metrics=False)
    read = h.total(s, "stream_disconnect_exporter_events_total", source=SOURCE)
    h.require(10 <= read <= 40, "the restarted process read %s events, want the 10 written while down "
              "plus at most the 30 written after the checkpoint" % read)


def main():
    args = h.parse_args()
    messages = h.Messages(args.source_dir)
    checks = h.Checks("follow")
    checks.run("appends", appends, args, messages)
    checks.run("partial last lines", partial_lines, args, messages)
    checks.run("rename+create rotation", rename_rotation, args, messages)
    checks.run("copytruncate (glob matches the copy)", copytruncate, args, messages)
    checks.run("truncation", truncation, args, messages)
    checks.run("new files matching the glob", new_files, args, messages)
    checks.run("deletion", deletion, args, messages)
    checks.run("start_at: end", start_at_end, args, messages)
    checks.run("restart after SIGTERM resumes counters and positions", restart_sigterm, args, messages)
    checks.run("restart after SIGKILL from the last checkpoint", restart_sigkill, args, messages)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
