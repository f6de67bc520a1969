#!/usr/bin/env python3
"""The live status page at "/", loaded in real headless Chromium.

After feeding two file sources known events (and a bad line carrying a push
secret), the DOM Chromium renders must show: the version and uptime, both
sources with their type and files, events by result equal to
events_total{source,result} on /metrics, disconnects by category equal to
stream_disconnects_total on /metrics, the parse error with its secret
masked, and the links to /metrics and the health endpoints. A screenshot is
taken too (--screenshot DIR keeps it; docs/status-page.png was made so).

Skips (exit 0 with a message) when chromium is not installed."""
import html.parser
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PREFIX = "stream_disconnect_exporter_"


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(binary, profile, *args, timeout=60):
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--user-data-dir=" + profile] + list(args)
    r = h.run(cmd, timeout=timeout, env=dict(os.environ, HOME=profile))
    if r.returncode != 0:
        raise AssertionError("chromium failed (%s): %s" % (r.returncode,
                                                           r.stderr.decode(errors="replace")[-800:]))
    return r.stdout.decode("utf-8", errors="replace")


class Dom(html.parser.HTMLParser):
    """Rows of the tables with an id, as lists of cell texts, keyed by the
    row's data-source / data-category attribute; element texts by id."""

    def __init__(self):
        super().__init__()
        self.tables = {}     # table id -> {row key: [cell texts]}
        self.by_id = {}      # element id -> text
        self.links = []
        self.title = ""
        self._stack = []     # open table ids (nested tables: innermost None)
        self._row = None
        self._cell = None
        self._id_text = []   # [id, text] being collected
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append(a.get("id"))
        elif tag == "tr" and self._stack and self._stack[-1]:
            key = a.get("data-source") or a.get("data-category")
            self._row = (key, []) if key else None
        elif tag == "td" and self._row is not None and self._stack and self._stack[-1]:
            self._cell = []
        elif tag == "a":
            self.links.append(a.get("href"))
        elif tag == "title":
            self._in_title = True
        if a.get("id") and tag != "table":
            self._id_text.append([a["id"], ""])

    def handle_endtag(self, tag):
        if tag == "table":
            self._stack.pop()
        elif tag == "td" and self._cell is not None and self._stack and self._stack[-1]:
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack and self._stack[-1]:
            self.tables.setdefault(self._stack[-1], {})[self._row[0]] = self._row[1]
            self._row = None
        elif tag == "title":
            self._in_title = False
        if self._id_text and tag in ("b", "span", "p", "td"):
            i, text = self._id_text.pop()
            self.by_id[i] = text

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._id_text:
            self._id_text[-1][1] += data
        if self._in_title:
            self.title += data
        self.text = getattr(self, "text", "") + data


def check_status_page(args, browser, keep_dir):
    d = h.mkdtemp()
    a, b = os.path.join(d, "a.jsonl"), os.path.join(d, "b.jsonl")
    events_a = [h.make_callback(errcode=e) for e in (1, 3, 3, 13, 13, 13, 18)]
    events_a += [h.make_callback(errcode=0, event_type=1)] * 2
    events_b = [h.make_callback(errcode=e) for e in (14, 20, 20)]
    bad = ('{"errcode": 3, "stream_param": "txSecret=%s&txTime=5f5f5f5f", "event_type": 0, oops\n'
           % SECRET).encode()
    h.append(a, b"".join(h.line_bytes(ev) for ev in events_a) + bad)
    h.append(b, b"".join(h.line_bytes(ev) for ev in events_b))
    cfg = {"poll_interval": "100ms",
           "sources": [h.file_source("callbacks-a", [a]), h.file_source("callbacks-b", [b])]}
    exp = h.Exporter(args, cfg, dir=d).start()
    samples = exp.wait_for(
        lambda s: h.total(s, PREFIX + "events_total") == len(events_a) + len(events_b) + 1,
        timeout=20, what="every line read")
    profile = h.mkdtemp("sdx-chromium-")
    page = chromium(browser, profile, "--dump-dom", exp.url("/"))
    dom = Dom()
    dom.feed(page)
    h.require(dom.title == "Stream Disconnect Exporter", "title: %r" % dom.title)
    version = h.run([args.binary, "--version"]).stdout.decode().split()[-1]
    h.require(dom.by_id.get("version") == version,
              "version: page %r, --version %r" % (dom.by_id.get("version"), version))
    h.require(dom.by_id.get("uptime", "").endswith("s"), "uptime: %r" % dom.by_id.get("uptime"))
    sources = dom.tables.get("sources", {})
    h.require(set(sources) == {"callbacks-a", "callbacks-b"}, "sources shown: %s" % list(sources))
    results = ("disconnect", "push", "parse_error", "filtered")
    for name, path in (("callbacks-a", a), ("callbacks-b", b)):
        cells = sources[name]
        h.require(cells[1] == "file" and path in cells[2], "%s: type/files %r" % (name, cells[:3]))
        for i, result in enumerate(results):
            want = h.total(samples, PREFIX + "events_total", source=name, result=result)
            h.require(float(cells[3 + i]) == want,
                      "%s %s: page %s, /metrics %s" % (name, result, cells[3 + i], want))
        h.require(cells[7].endswith("ago"), "%s last event: %r" % (name, cells[7]))
    h.require(sources["callbacks-a"][3] == "7" and sources["callbacks-a"][5] == "1",
              "callbacks-a counts: %r" % sources["callbacks-a"])
    categories = dom.tables.get("categories", {})
    want = {}
    for labels, v in h.series(samples, "stream_disconnects_total"):
        if v:
            want[labels["category"]] = want.get(labels["category"], 0) + v
    got = {k: float(v[1]) for k, v in categories.items()}
    h.require(got == want, "categories: page %s, /metrics %s" % (got, want))
    h.require(got.get("network") == 4 and got.get("client_closed") == 3, "categories: %s" % got)
    h.require(SECRET not in page, "the push secret is on the page")
    h.require("txSecret=***" in page or "txSecret=*" in page, "no masked secret in the parse errors")
    h.require("invalid_json" in page, "the parse error's reason is not shown")
    for link in ("/metrics", "/-/healthy", "/-/ready"):
        h.require(link in dom.links, "no link to %s: %s" % (link, dom.links))
    shot = os.path.join(keep_dir or profile, "status-page.png")
    chromium(browser, profile, "--screenshot=" + shot, "--window-size=1280,900",
             "--hide-scrollbars", exp.url("/"))
    with open(shot, "rb") as f:
        png = f.read()
    h.require(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, "no usable screenshot")
    print("    screenshot: %s (%d bytes)" % (shot, len(png)))
    exp.stop()


def main():
    args = h.parse_args()
    keep_dir = None
    if "--screenshot" in sys.argv:
        keep_dir = os.path.abspath(sys.argv[sys.argv.index("--screenshot") + 1])
        os.makedirs(keep_dir, exist_ok=True)
    browser = chromium_binary()
    if browser is None:
        print("SKIP test_status_page: chromium is not installed "
              "(deploy/install-deps.sh test installs it)")
        return 0
    checks = h.Checks("test_status_page")
    checks.run("status page in headless Chromium matches /metrics", check_status_page, args,
               browser, keep_dir)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
