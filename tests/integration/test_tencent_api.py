#!/usr/bin/env python3
"""type: tencent_api against a stand-in for Tencent Cloud's records API.

The stand-in (below, http.server on 127.0.0.1, port 0) follows the
documented DescribeLiveStreamEventList shapes (facts/TENCENT.md): POST JSON
with X-TC-Action/-Version/-Timestamp, StartTime/EndTime as UTC
"YYYY-MM-DDTHH:MM:SSZ", PageNum/PageSize <= 100, at most 10,000 rows
reachable, Response.EventList/TotalNum/TotalPage/RequestId or
Response.Error{Code, Message}. It recomputes every request's TC3-HMAC-SHA256
Authorization header from the test credentials and refuses a wrong one.
Which records a window returns is not documented; the stand-in returns
those whose [StreamStartTime, StreamEndTime] overlaps [StartTime, EndTime]
(both ends included) and that have ended, so neighbouring windows return
the same records at their shared second, as overlapping windows may.

Checks: paged windows, a window over 10,000 rows split, RequestLimitExceeded
then success, records returned by two windows counted once, message-only
classification against data/tencent_codes.tsv, kill -9 and restart with the
exported counters equal to the stand-in's ground truth, an auth error
stopping the source (gauge, log line, no further requests) until a reload,
a clock-skew error saying so, credentials refused when group-readable, and
the secrets in neither the log nor /metrics, and `promtool check metrics`
on the exposition when promtool is installed."""
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET_ID = "AKIDit%s" % os.urandom(6).hex()
SECRET_KEY = "sk-it-%s" % os.urandom(12).hex()
PAGE_LIMIT = 10000
P = "stream_disconnect_exporter_"


# ---------------------------------------------------------------- the stand-in API

def api_time(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_api_time(text):
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def tc3_authorization(secret_id, secret_key, host, content_type, payload, timestamp):
    """Tencent's Signature v3, written from its documentation."""
    def sign(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()
    canonical = "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
        content_type, host, hashlib.sha256(payload).hexdigest())
    date = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
    scope = "%s/live/tc3_request" % date
    to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (timestamp, scope,
                                               hashlib.sha256(canonical.encode()).hexdigest())
    key = sign(sign(sign(("TC3" + secret_key).encode(), date), "live"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s" % (
        secret_id, scope, signature)


class StandIn:
    def __init__(self):
        self.lock = threading.Lock()
        self.records = []        # dicts in the API's shape, times as ints
        self.script = []         # error codes to answer the next requests with
        self.always_error = None  # an error code for every request
        self.requests = []       # (StartTime, EndTime, PageNum, answer)
        self.problems = []       # requests that broke the documented contract
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle(self):
                try:
                    super().handle()
                except OSError:
                    pass  # the exporter was killed mid-request

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = stand_in.answer(self.path, self.headers, body)
                data = json.dumps({"Response": answer}, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer((h.LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.endpoint = "http://%s:%d" % (h.LOOPBACK, self.server.server_address[1])

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def add(self, records):
        with self.lock:
            self.records.extend(records)

    def error(self, code, message, problem=None):
        if problem:
            self.problems.append(problem)
        return {"Error": {"Code": code, "Message": message}, "RequestId": os.urandom(8).hex()}

    def answer(self, path, headers, body):
        now = time.time()
        if path != "/":
            return self.error("InvalidParameter", "path", "POST to %r, not /" % path)
        if headers.get("X-TC-Action") != "DescribeLiveStreamEventList" or \
                headers.get("X-TC-Version") != "2018-08-01":
            return self.error("InvalidAction", "action", "action/version %r %r" % (
                headers.get("X-TC-Action"), headers.get("X-TC-Version")))
        try:
            timestamp = int(headers.get("X-TC-Timestamp", ""))
        except ValueError:
            return self.error("MissingParameter", "timestamp", "no X-TC-Timestamp")
        want = tc3_authorization(SECRET_ID, SECRET_KEY, headers.get("Host", ""),
                                 headers.get("Content-Type", ""), body, timestamp)
        if headers.get("Authorization") != want:
            return self.error("AuthFailure.SignatureFailure", "signature",
                              "bad Authorization %r" % headers.get("Authorization"))
        if abs(now - timestamp) > 300:
            return self.error("AuthFailure.SignatureExpire", "expired", "timestamp off")
        with self.lock:
            if self.always_error or self.script:
                code = self.always_error or self.script.pop(0)
                self.requests.append((None, None, None, code))
                return self.error(code, "scripted " + code)
        try:
            req = json.loads(body)
            start, end = parse_api_time(req["StartTime"]), parse_api_time(req["EndTime"])
            page, size = int(req["PageNum"]), int(req["PageSize"])
        except (ValueError, KeyError, TypeError) as e:
            return self.error("InvalidParameter", str(e), "bad body %r" % body[:200])
        if not (1 <= size <= 100 and page >= 1 and start <= end and end - start <= 30 * 86400
                and start >= now - 60 * 86400 and page * size <= PAGE_LIMIT + size - 1):
            return self.error("InvalidParameterValue", "range", "bad values %r" % req)
        with self.lock:
            hits = [r for r in self.records
                    if r["StreamStartTime"] <= end and r["StreamEndTime"] >= start
                    and r["StreamEndTime"] <= now]
            self.requests.append((start, end, page, "ok"))
        if req.get("IsAsc") == 1:
            hits.sort(key=lambda r: (r["StreamStartTime"], r["StreamName"]))
        else:
            hits.sort(key=lambda r: (r["StreamStartTime"], r["StreamName"]), reverse=True)
        chunk = hits[(page - 1) * size:page * size]
        events = [dict(r, StreamStartTime=api_time(r["StreamStartTime"]),
                       StreamEndTime=api_time(r["StreamEndTime"]),
                       Duration=r["StreamEndTime"] - r["StreamStartTime"],
                       ClientIp="10.0.0.1", Resolution="1280*720") for r in chunk]
        return {"EventList": events, "TotalNum": len(hits),
                "TotalPage": (len(hits) + size - 1) // size, "RequestId": os.urandom(8).hex()}

    def ok_requests(self):
        with self.lock:
            return [r for r in self.requests if r[3] == "ok"]

    def count(self):
        with self.lock:
            return len(self.requests)


# ---------------------------------------------------------------- expectations (DESIGN's message-only rule)

def message_model(source_dir):
    """StopReason -> (errcode, sub_errcode, category) as DESIGN says: a unique
    row gives its codes; rows sharing one category give it with empty codes;
    anything else is unknown with empty codes."""
    rows = h.read_code_table(source_dir)

    def classify(text):
        want = h.normalise_message(text)
        hits = {(e, s) for e, s, zh, en in rows
                if want and want in (h.normalise_message(zh), h.normalise_message(en))}
        if len(hits) == 1:
            e, s = hits.pop()
            return str(e), str(s), h.category_of(e, s)
        categories = {h.category_of(e, s) for e, s in hits}
        if len(categories) == 1:
            return "", "", categories.pop()
        return "", "", "unknown"
    texts = sorted({zh for _, _, zh, _ in rows} | {en for _, _, _, en in rows})
    return classify, texts


def record(domain, app, stream, start, end, reason):
    return {"DomainName": domain, "AppName": app, "StreamName": stream,
            "StreamStartTime": start, "StreamEndTime": end, "StopReason": reason}


def expected_counts(records, classify):
    distinct = {}
    for r in records:
        distinct[(r["DomainName"], r["AppName"], r["StreamName"], r["StreamStartTime"],
                  r["StreamEndTime"])] = r["StopReason"]
    by_code, by_category = {}, {}
    for reason in distinct.values():
        e, s, c = classify(reason)
        by_code[(e, s, c)] = by_code.get((e, s, c), 0) + 1
        by_category[c] = by_category.get(c, 0) + 1
    want = {}
    for (e, s, c), n in by_code.items():
        want[h.key("stream_disconnects_by_code_total", errcode=e, sub_errcode=s, category=c)] = n
    for c, n in by_category.items():
        want[h.key("stream_disconnects_total", category=c)] = n
    return want, len(distinct)


def write_credentials(d, mode=0o600):
    path = os.path.join(d, "tencent.yaml")
    with open(path, "w") as f:
        f.write("secret_id: %s\nsecret_key: %s\n" % (SECRET_ID, SECRET_KEY))
    os.chmod(path, mode)
    return path


def api_config(d, endpoint, credentials=None, extra=None):
    src = {"name": "console", "type": "tencent_api", "endpoint": endpoint,
           "interval": "100ms", "lag": "0s", "lookback": "1h"}
    if credentials:
        src["credentials_file"] = credentials
    src.update(extra or {})
    return {"state_file": os.path.join(d, "state.json"), "checkpoint_interval": "1s",
            "poll_interval": "100ms", "sources": [src]}


def value(samples, name, **labels):
    return h.total(samples, P + name, source="console", **labels)


def no_secrets(exp):
    text = exp.log_text() + exp.scrape_text()
    h.require(SECRET_KEY not in text and SECRET_ID not in text,
              "a secret is in the log or /metrics")


# ---------------------------------------------------------------- checks

def main():
    args = h.parse_args()
    checks = h.Checks("tencent_api")
    classify, texts = message_model(args.source_dir)

    def counts_paging_split_retry_dedup_and_kill9():
        api = StandIn()
        try:
            d = h.mkdtemp()
            t0 = int(time.time())
            # The first window ([now - 1h, now]) pages through 300 records
            # plus a 10,050-record burst over 20 s: over the 10,000 reachable
            # rows, so it is split; burst records last 3 s, so halves that
            # meet inside the burst both return some of them.
            past = [record("a.example.com", "live", "s%d" % i, t0 - 3000 + 9 * i,
                           t0 - 2990 + 9 * i, texts[i % len(texts)]) for i in range(300)]
            burst = [record("b.example.com", "live", "burst%d" % i, t0 - 1530 + i % 20,
                            t0 - 1527 + i % 20, texts[(7 * i) % len(texts)]) for i in range(10050)]
            unknown = [record("a.example.com", "live", "odd%d" % i, t0 - 100, t0 - 90,
                              "某个新的断流原因 %d" % (i % 2)) for i in range(3)]
            api.add(past + burst + unknown)
            api.script = ["RequestLimitExceeded"]
            # Records ending every second from now on: windows are a second
            # wide and share their boundary second, so most come twice.
            live = []
            for k in range(1, 13):
                for j in range(3):
                    live.append(record("c.example.com", "app%d" % j, "live%d-%d" % (k, j),
                                       t0 + k - 2, t0 + k, texts[(k * 3 + j) % len(texts)]))
            api.add(live)
            everything = past + burst + unknown + live
            creds = write_credentials(d)
            exp = h.Exporter(args, api_config(d, api.endpoint, creds), dir=d).start()
            # kill -9 part-way: some records counted, the live ones not all yet.
            exp.wait_for(lambda s: h.total(s, "stream_disconnects_total") >= 300, timeout=20,
                         what="first records counted")
            h.require(int(time.time()) < t0 + 11, "too slow: the live records were all due")
            before = h.total(exp.scrape(), "stream_disconnects_total")
            exp.kill()
            h.require(before < len(everything), "everything was counted before the kill")
            exp.start()
            want, distinct = expected_counts(everything, classify)
            s = exp.wait_values(want, timeout=30, settle=1.0,
                                what="counters equal the stand-in's distinct records")
            h.require(not api.problems, "requests broke the API contract: %s" % api.problems[:3])
            # Message-only rows: the shared Chinese text has no codes.
            h.require(classify("推流客户端主动断流") == ("", "", "client_closed"), "model")
            h.require(s.get(h.key("stream_disconnects_by_code_total", errcode="", sub_errcode="",
                                  category="client_closed"), 0) > 0,
                      "推流客户端主动断流 not counted as client_closed with empty codes")
            # Paging and splitting, as the stand-in saw them.
            ok = api.ok_requests()
            h.require(any(page >= 3 for _, _, page, _ in ok), "no window was paged")
            h.require(max(page for _, _, page, _ in ok) <= 100, "asked beyond 10,000 rows")
            s0, e0 = ok[0][0], ok[0][1]  # the first window: lookback to start
            h.require(e0 - s0 >= 3500, "first window %s..%s" % (s0, e0))
            h.require(any(s0 <= start and end <= e0 and end - start < (e0 - s0) // 2
                          for start, end, _, _ in ok), "the window over 10,000 rows was not split")
            # This process's self metrics: everything it fetched is either
            # counted now or a duplicate.
            fetched = value(s, "api_records_total")
            dups = value(s, "api_duplicate_records_total")
            counted = value(s, "events_total", result="disconnect")
            h.require(fetched - dups == counted, "records %s - duplicates %s != counted %s"
                      % (fetched, dups, counted))
            h.require(dups > 0, "no record came twice: dedup not exercised")
            h.require(value(s, "api_pages_total") >= 1, "pages_total")
            h.require(value(s, "api_window_lag_seconds") <= 5, "window lag")
            h.require(value(s, "api_last_success_timestamp_seconds") >= t0, "last success")
            h.require(value(s, "api_source_stopped") == 0, "stopped")
            log = exp.log_text()
            h.require("某个新的断流原因 0" in log and "某个新的断流原因 1" in log,
                      "unmatched StopReasons not logged")
            h.require(log.count("某个新的断流原因 0") == 1, "an unmatched text logged twice")
            no_secrets(exp)
            promtool = shutil.which("promtool")
            if promtool:  # installed by deploy/install-deps.sh test
                r = h.run([promtool, "check", "metrics"], input=exp.scrape_text().encode())
                out = (r.stdout + r.stderr).decode(errors="replace").strip()
                h.require(r.returncode == 0 and not out, "promtool check metrics: %s" % out[:2000])
            exp.stop()
            # The rate-limited request was answered in the first run.
            h.require(sum(1 for r in api.requests if r[3] == "RequestLimitExceeded") == 1,
                      "RequestLimitExceeded not served")
        finally:
            api.close()

    def rate_limit_then_success():
        api = StandIn()
        try:
            d = h.mkdtemp()
            t0 = int(time.time())
            api.add([record("a.example.com", "live", "x", t0 - 50, t0 - 40, texts[0])])
            api.script = ["RequestLimitExceeded", "RequestLimitExceeded"]
            exp = h.Exporter(args, api_config(d, api.endpoint, write_credentials(d)), dir=d).start()
            want, _ = expected_counts(api.records, classify)
            s = exp.wait_values(want, timeout=15, settle=0.2, what="record after rate limits")
            h.require(value(s, "api_requests_total", outcome="rate_limited") == 2, "rate_limited")
            h.require(value(s, "api_requests_total", outcome="ok") >= 1, "ok")
            h.require(not api.problems, "contract: %s" % api.problems[:3])
        finally:
            api.close()

    def auth_error_stops_until_reload():
        api = StandIn()
        try:
            d = h.mkdtemp()
            t0 = int(time.time())
            api.add([record("a.example.com", "live", "y", t0 - 50, t0 - 40, texts[1])])
            api.always_error = "AuthFailure.SecretIdNotFound"
            # Credentials from the environment this time.
            os.environ["TENCENTCLOUD_SECRET_ID"] = SECRET_ID
            os.environ["TENCENTCLOUD_SECRET_KEY"] = SECRET_KEY
            try:
                exp = h.Exporter(args, api_config(d, api.endpoint), dir=d).start()
            finally:
                del os.environ["TENCENTCLOUD_SECRET_ID"], os.environ["TENCENTCLOUD_SECRET_KEY"]
            exp.wait_for(lambda s: value(s, "api_source_stopped") == 1, timeout=10,
                         what="source stopped")
            n = api.count()
            time.sleep(1.5)
            s = exp.scrape()
            h.require(api.count() == n == 1, "requests after the auth error: %d then %d"
                      % (n, api.count()))
            h.require(value(s, "api_requests_total", outcome="auth_error") == 1, "auth_error")
            h.require(h.total(s, "stream_disconnects_total") == 0, "counted anyway")
            h.require("AuthFailure.SecretIdNotFound" in exp.log_text() and
                      "stopped" in exp.log_text(), "no log line for the auth error")
            no_secrets(exp)
            # A reload (same config) tries again.
            api.always_error = None
            exp.proc.send_signal(signal.SIGHUP)
            want, _ = expected_counts(api.records, classify)
            s = exp.wait_values(want, timeout=15, settle=0.2, what="counted after reload")
            h.require(value(s, "api_source_stopped") == 0, "still stopped after reload")
            # Clock skew: stopped too, and the log says to check the clock.
            api.always_error = "AuthFailure.SignatureExpire"
            exp.wait_for(lambda s: value(s, "api_source_stopped") == 1, timeout=10,
                         what="stopped on clock skew")
            s = exp.scrape()
            h.require(value(s, "api_requests_total", outcome="clock_skew") == 1, "clock_skew")
            h.require("check the clock" in exp.log_text(), "clock skew not explained")
            h.require(not api.problems, "contract: %s" % api.problems[:3])
        finally:
            api.close()

    def credentials_refused():
        d = h.mkdtemp()
        creds = write_credentials(d, mode=0o640)
        cfg = api_config(d, "https://live.tencentcloudapi.com", creds)
        path = os.path.join(d, "config.yaml")
        with open(path, "w") as f:
            f.write(h.to_yaml(cfg))
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENCENTCLOUD_")}
        r = h.run([args.binary, "--config.file=" + path, "--config.check"], env=env)
        out = (r.stdout + r.stderr).decode()
        h.require(r.returncode != 0, "group-readable credentials accepted")
        # The credentials_file key is on the 8th line of the rendered config.
        line = [i + 1 for i, l in enumerate(h.to_yaml(cfg).splitlines())
                if "credentials_file" in l][0]
        h.require("%s:%d:" % (path, line) in out and "chmod 600" in out,
                  "no file:line:column: %s" % out)
        os.chmod(creds, 0o600)
        with open(creds, "w") as f:
            f.write("secret_id: %s\nsecret_key: \"\"\n" % SECRET_ID)
        r = h.run([args.binary, "--config.file=" + path, "--config.check"], env=env)
        out = (r.stdout + r.stderr).decode()
        h.require(r.returncode != 0 and "%s:2:" % creds in out and "secret_key" in out,
                  "empty secret_key: %s" % out)
        h.require(SECRET_ID not in out, "secret_id echoed")
        del cfg["sources"][0]["credentials_file"]
        with open(path, "w") as f:
            f.write(h.to_yaml(cfg))
        r = h.run([args.binary, "--config.file=" + path, "--config.check"], env=env)
        out = (r.stdout + r.stderr).decode()
        h.require(r.returncode != 0 and "TENCENTCLOUD_SECRET_ID" in out, "no credentials: %s" % out)

    checks.run("counts, paging, split, rate limit, dedup and kill -9 against ground truth",
               counts_paging_split_retry_dedup_and_kill9)
    checks.run("RequestLimitExceeded twice, then success", rate_limit_then_success)
    checks.run("auth error stops the source until reload; clock skew", auth_error_stops_until_reload)
    checks.run("credentials refused at config load", credentials_refused)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
