#!/usr/bin/env python3
"""An error on the ingest thread does not take the process down.

A real failure, not a mock: `max_line_bytes: 1GiB` and a 400 MB line, with the
exporter's address space limited to 600 MiB (prlimit --as), so buffering the
line throws std::bad_alloc inside the source's poll. The daemon logs it with
the source's name, counts it, retries that source with backoff (not in a
tight loop), keeps counting the other source and answering /metrics, and
shuts down cleanly on SIGTERM. (Skipped under AddressSanitizer, whose shadow
memory cannot live under an address-space limit.)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ADDRESS_SPACE = 600 << 20
HUGE_LINE = 400 << 20


def main():
    args = h.parse_args()
    checks = h.Checks("source_failure")
    if h.sanitizer_build(args.binary):
        print("SKIP: sanitizer build (an address-space limit cannot hold its shadow memory)")
        return 0

    def bad_alloc_in_one_source():
        d = h.mkdtemp()
        limited = h.with_limits(args, d, "--as=%d" % ADDRESS_SPACE)

        huge = os.path.join(d, "huge.log")
        with open(huge, "wb") as f:
            chunk = b"x" * (1 << 20)
            for _ in range(HUGE_LINE >> 20):
                f.write(chunk)
            f.write(b"\n")
        good = os.path.join(d, "good.log")
        model = h.Model()
        first = h.mixed_events(100, seed=11)
        h.append(good, first)
        model.add_all(first)
        cfg = {"state_file": os.path.join(d, "state.json"), "max_line_bytes": "1GiB",
               "sources": [h.file_source("huge", [huge]), h.file_source("good", [good])]}
        exp = h.Exporter(limited, cfg, log_level="info")
        exp.start()
        s = exp.wait_for(
            lambda s: h.total(s, "stream_disconnect_exporter_source_failures_total") >= 1,
            timeout=30, what="the failing source counted")
        more = h.mixed_events(50, seed=12)
        h.append(good, more)
        model.add_all(more)
        exp.wait_values(model.expected("good"), timeout=15, what="the other source still counted")
        time.sleep(2.5)  # backoff: 1 s, then 2 s, ... not a retry per poll
        s = exp.scrape()
        failures = h.total(s, "stream_disconnect_exporter_source_failures_total")
        h.require(1 <= failures <= 4, "retried with backoff, not in a loop: %s failures" % failures)
        log = exp.log_text()
        h.require("source huge failed" in log and "bad_alloc" in log,
                  "the failure is logged with the source's name and the error")
        h.require(exp.running(), "still running")
        exp.stop()  # a clean exit, with a final checkpoint
        h.require("stopped" in exp.log_text(), "stopped cleanly")

    checks.run("std::bad_alloc in one source's poll", bad_alloc_in_one_source)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
