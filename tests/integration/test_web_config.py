#!/usr/bin/env python3
"""--web.config.file (exporter-toolkit format) with curl over TLS, against a
CA, server and client certificates the test makes with the openssl CLI.

- basic auth: the right password gets /metrics; a wrong one and none get 401
  with WWW-Authenticate: Basic; every endpoint of the listener is covered.
- client certificates: all five client_auth_type values, with no
  certificate, one from the CA and a self-signed one.
- min_version TLS13 refuses a TLS 1.2 client.
- a bad file is refused at start with file:line:column.
- changed at runtime: new users apply at once; a bad new file keeps the old
  settings (log line, counter, gauge 0); a TLS change restarts the listener.

Skips (exit 0 with a message) when curl or openssl is missing."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# htpasswd -nbBC 10 prometheus 's3cret pass' / grafana 'other' (apache2-utils).
PROMETHEUS_HASH = "$2y$10$0VZtoPfZzlEkILK.kK4Q.OaVKGyyPHrTDdbSFC.yDVsN0x9JjBVzu"
GRAFANA_HASH = "$2y$10$FcoKCklEIpoemlaqTC3eZOtVeaxOkdZzx17unSAvrierC4p28eJRq"
PASSWORD = "s3cret pass"


def openssl(*args):
    r = h.run(["openssl"] + list(args), timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))


class Pki:
    """A CA, a server certificate for 127.0.0.1 and two client certificates:
    one the CA signed, one self-signed (a stranger)."""

    def __init__(self, d):
        self.d = d
        p = lambda name: os.path.join(d, name)  # noqa: E731
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        openssl("req", "-x509", *ec, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2",
                "-subj", "/CN=sdx test CA")
        for name, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                          ("client", "extendedKeyUsage=clientAuth")):
            with open(p(name + ".ext"), "w") as f:
                f.write(ext + "\n")
            openssl("req", *ec, "-keyout", p(name + ".key"), "-out", p(name + ".csr"),
                    "-subj", "/CN=sdx test " + name)
            openssl("x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.crt"), "-CAkey",
                    p("ca.key"), "-CAcreateserial", "-out", p(name + ".crt"), "-days", "2",
                    "-extfile", p(name + ".ext"))
        openssl("req", "-x509", *ec, "-keyout", p("stranger.key"), "-out", p("stranger.crt"),
                "-days", "2", "-subj", "/CN=stranger")
        self.ca = p("ca.crt")

    def path(self, name):
        return os.path.join(self.d, name)


class Response:
    def __init__(self, rc, status, headers, body, stderr):
        self.rc, self.status, self.headers, self.body, self.stderr = rc, status, headers, body, stderr

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "curl rc=%s status=%s %s" % (self.rc, self.status, self.stderr.strip()[:200])


def curl(url, ca=None, user=None, cert=None, extra=()):
    cmd = ["curl", "-sS", "--max-time", "10", "-D", "-", "--noproxy", "*"]
    if ca:
        cmd += ["--cacert", ca]
    if user:
        cmd += ["-u", user]
    if cert:
        cmd += ["--cert", cert[0], "--key", cert[1]]
    cmd += list(extra) + [url]
    r = h.run(cmd, timeout=20)
    out = r.stdout.decode("utf-8", errors="replace")
    status, headers, body = None, [], ""
    if out.startswith("HTTP/"):
        head, _, body = out.partition("\r\n\r\n")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
    return Response(r.returncode, status, headers, body, r.stderr.decode(errors="replace"))


class WebExporter(h.Exporter):
    """The exporter with --web.config.file; ready when curl (with the given
    credentials) gets /-/healthy, whatever the status."""

    def __init__(self, args, web_config, pki, scheme="https"):
        d = h.mkdtemp()
        self.web_path = os.path.join(d, "web.yml")
        write(self.web_path, web_config)
        data = os.path.join(d, "events.jsonl")
        h.append(data, b"".join(h.line_bytes(h.make_callback(errcode=e)) for e in (1, 3, 13)))
        cfg = {"poll_interval": "100ms", "sources": [h.file_source("cb", [data])]}
        super().__init__(args, cfg, dir=d, extra_flags=["--web.config.file=" + self.web_path],
                         log_level="info")
        self.pki = pki
        self.scheme = scheme

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def start(self, port=None):
        self.write_config()
        self.port = port or h.free_port()
        self.cmd = [self.args.binary, "--config.file=" + self.config_path,
                    "--web.listen-address=127.0.0.1:%d" % self.port,
                    "--log.level=" + self.log_level] + self.extra_flags
        with open(self.log_path, "ab") as log, open(self.stdout_path, "ab") as out:
            self.proc = h.popen(self.cmd, stdout=out, stderr=log, stdin=subprocess.DEVNULL,
                                cwd=self.dir)
        self.wait_listening()
        return self

    def wait_listening(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise h.ExporterError("exporter exited with %s during start" % self.proc.returncode)
            r = curl(self.url("/-/healthy"), ca=self.pki.ca, extra=["-k"])
            if r.status is not None:
                return
            time.sleep(0.1)
        raise h.ExporterError("no answer on %s within %.0fs" % (self.url("/"), timeout))

    def get_as(self, path, **kw):
        kw.setdefault("ca", self.pki.ca)
        return curl(self.url(path), **kw)


def write(path, text):
    """Atomically, as a config management tool would."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def tls_block(pki, extra=""):
    return ("tls_server_config:\n  cert_file: %s\n  key_file: %s\n%s"
            % (pki.path("server.crt"), pki.path("server.key"), extra))


def users_block(**users):
    return "basic_auth_users:\n" + "".join("  %s: %s\n" % (u, hsh) for u, hsh in users.items())


def require_status(r, want, what):
    h.require(r.status == want, "%s: want HTTP %s, got %r" % (what, want, r))


def check_basic_auth(args, pki):
    exp = WebExporter(args, tls_block(pki) + users_block(prometheus=PROMETHEUS_HASH), pki).start()
    good = "prometheus:" + PASSWORD
    r = exp.get_as("/metrics", user=good)
    require_status(r, 200, "right password")
    samples = h.parse_exposition(r.body)
    h.require(h.total(samples, "stream_disconnects_total") == 3,
              "3 disconnects counted, got %s" % h.total(samples, "stream_disconnects_total"))
    for path in ("/metrics", "/", "/-/healthy", "/-/ready", "/nope"):
        for user, what in ((None, "no password"), ("prometheus:wrong", "wrong password"),
                           ("grafana:" + PASSWORD, "unknown user")):
            r = exp.get_as(path, user=user)
            require_status(r, 401, "%s on %s" % (what, path))
            h.require((r.header("WWW-Authenticate") or "").startswith("Basic"),
                      "401 without WWW-Authenticate: Basic on %s: %s" % (path, r.headers))
    require_status(exp.get_as("/-/healthy", user=good), 200, "right password on /-/healthy")
    require_status(exp.get_as("/", user=good), 200, "right password on /")
    # Plain HTTP on the TLS port gets no page.
    r = curl("http://127.0.0.1:%d/metrics" % exp.port, user=good)
    h.require(r.status != 200, "plain HTTP answered on the TLS listener: %r" % r)
    # The server certificate is the one configured (curl verified it against the CA).
    r = curl(exp.url("/-/healthy"), user=good)  # system CAs only
    h.require(r.rc != 0 and r.status is None, "a certificate not from the system CAs was accepted")
    exp.stop()


def check_client_auth_types(args, pki):
    signed = (pki.path("client.crt"), pki.path("client.key"))
    stranger = (pki.path("stranger.crt"), pki.path("stranger.key"))
    ca = "  client_ca_file: %s\n" % pki.ca
    # client_auth_type -> expected outcome for (no cert, CA-signed cert, stranger's cert)
    cases = [
        ("NoClientCert", "", (200, 200, 200)),
        ("RequestClientCert", "", (200, 200, 200)),
        ("RequireAnyClientCert", "", (403, 200, 200)),
        ("VerifyClientCertIfGiven", ca, (200, 200, 403)),
        ("RequireAndVerifyClientCert", ca, (403, 200, 403)),
    ]
    for auth, extra, want in cases:
        exp = WebExporter(args, tls_block(pki, "  client_auth_type: %s\n%s" % (auth, extra)),
                          pki).start()
        for cert, expected, what in zip((None, signed, stranger), want,
                                        ("no certificate", "CA-signed", "self-signed")):
            r = exp.get_as("/metrics", cert=cert)
            require_status(r, expected, "%s, %s client certificate" % (auth, what))
        exp.stop()


def check_min_version(args, pki):
    exp = WebExporter(args, tls_block(pki, "  min_version: TLS13\n"), pki).start()
    r = exp.get_as("/-/healthy", extra=["--tls-max", "1.2"])
    h.require(r.status is None and r.rc != 0, "a TLS 1.2 client got an answer: %r" % r)
    require_status(exp.get_as("/-/healthy", extra=["--tlsv1.3"]), 200, "TLS 1.3 client")
    exp.stop()
    exp = WebExporter(args, tls_block(pki, "  max_version: TLS12\n"), pki).start()
    require_status(exp.get_as("/-/healthy", extra=["--tls-max", "1.2"]), 200, "TLS 1.2 client")
    r = exp.get_as("/-/healthy", extra=["--tlsv1.3"])
    h.require(r.status is None, "max_version TLS12 served TLS 1.3: %r" % r)
    exp.stop()


def check_refused_at_start(args, pki):
    bad = tls_block(pki) + "basic_auth_users:\n  prometheus: plain-password\n"
    exp = WebExporter(args, bad, pki)
    exp.write_config()
    r = h.run([args.binary, "--config.file=" + exp.config_path,
               "--web.listen-address=127.0.0.1:%d" % h.free_port(),
               "--web.config.file=" + exp.web_path], timeout=30)
    err = r.stderr.decode(errors="replace")
    h.require(r.returncode != 0, "started with a plain password in basic_auth_users")
    h.require(exp.web_path + ":5:15: the password hash of user" in err and
              "must be a bcrypt hash" in err, "no file:line:column message:\n" + err)
    write(exp.web_path, "tls_server_config:\n  cert_file: %s\n  keyfile: x\n"
          % pki.path("server.crt"))
    r = h.run([args.binary, "--config.file=" + exp.config_path,
               "--web.listen-address=127.0.0.1:%d" % h.free_port(),
               "--web.config.file=" + exp.web_path], timeout=30)
    err = r.stderr.decode(errors="replace")
    h.require(r.returncode != 0 and exp.web_path + ":3:3: unknown key" in err and "keyfile" in err,
              "unknown key not refused with its position:\n" + err)


def wait_until(fn, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last is True:
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def check_changed_at_runtime(args, pki):
    exp = WebExporter(args, tls_block(pki) + users_block(prometheus=PROMETHEUS_HASH), pki).start()
    old, new = "prometheus:" + PASSWORD, "grafana:other"
    require_status(exp.get_as("/-/healthy", user=old), 200, "before the change")
    require_status(exp.get_as("/-/healthy", user=new), 401, "grafana before the change")

    write(exp.web_path, tls_block(pki) + users_block(grafana=GRAFANA_HASH))
    wait_until(lambda: exp.get_as("/-/healthy", user=new).status == 200 or
               exp.get_as("/-/healthy", user=new), "the new user to be accepted")
    require_status(exp.get_as("/-/healthy", user=old), 401, "removed user after the change")

    def gauge(name):
        r = exp.get_as("/metrics", user=new)
        require_status(r, 200, "scrape")
        return h.total(h.parse_exposition(r.body), "stream_disconnect_exporter_" + name)

    h.require(gauge("web_config_last_reload_successful") == 1, "reload not reported successful")
    h.require(gauge("web_config_reload_failures_total") == 0, "failures counted before any")
    # A broken file keeps the settings in force.
    write(exp.web_path, tls_block(pki) + users_block(grafana=GRAFANA_HASH) + "oops: [\n")
    wait_until(lambda: gauge("web_config_last_reload_successful") == 0 or "still 1",
               "the refused reload to show")
    h.require(gauge("web_config_reload_failures_total") == 1, "refused reload not counted once")
    require_status(exp.get_as("/-/healthy", user=new), 200, "the kept user after a bad file")
    require_status(exp.get_as("/-/healthy"), 401, "no password after a bad file")
    h.require("changed but is refused" in exp.log_text() and exp.web_path + ":" in exp.log_text(),
              "no log line with file:line:column for the refused file:\n" + exp.log_tail(10))
    # A TLS change restarts the listener: from then on TLS 1.2 is refused.
    require_status(exp.get_as("/-/healthy", user=new, extra=["--tls-max", "1.2"]), 200, "TLS 1.2")
    write(exp.web_path, tls_block(pki, "  min_version: TLS13\n") + users_block(grafana=GRAFANA_HASH))
    wait_until(lambda: exp.get_as("/-/healthy", user=new, extra=["--tls-max", "1.2"]).status
               is None or "TLS 1.2 still served", "the listener to restart with TLS 1.3 only")
    require_status(exp.get_as("/-/healthy", user=new), 200, "TLS 1.3 after the restart")
    h.require(gauge("web_listener_restarts_total") == 1, "restart not counted")
    h.require(gauge("web_config_last_reload_successful") == 1, "good file not reported")
    # And back to plain HTTP without auth.
    write(exp.web_path, "")
    exp.scheme = "http"
    wait_until(lambda: curl(exp.url("/-/healthy")).status == 200 or "not yet",
               "plain HTTP after removing TLS")
    exp.stop()


def main():
    args = h.parse_args()
    for tool in ("curl", "openssl"):
        if shutil.which(tool) is None:
            print("SKIP test_web_config: %s is not installed (deploy/install-deps.sh installs it)"
                  % tool)
            return 0
    pki = Pki(h.mkdtemp("sdx-pki-"))
    checks = h.Checks("test_web_config")
    checks.run("basic auth over TLS on every endpoint", check_basic_auth, args, pki)
    checks.run("client_auth_type: all five values", check_client_auth_types, args, pki)
    checks.run("min_version and max_version", check_min_version, args, pki)
    checks.run("a bad web config is refused at start with file:line:column",
               check_refused_at_start, args, pki)
    checks.run("web config changed at runtime", check_changed_at_runtime, args, pki)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
