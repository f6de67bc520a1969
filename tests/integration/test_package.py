#!/usr/bin/env python3
"""The Debian package (cmake/Packaging.cmake) and the systemd unit.

- cpack builds the .deb from the build directory of --binary (into a
  temporary directory, so the build tree is left as it was);
- its control fields (name, version from CMakeLists.txt, architecture,
  dependencies computed by dpkg-shlibdeps plus adduser), its files, owners
  and modes (dpkg-deb -c), its conffiles and maintainer scripts;
- the packaged binary runs, the packaged default config passes
  --config.check, the unit starts the packaged binary on the packaged config
  as the user postinst creates, and reloads with SIGHUP;
- lintian reports no error (warnings are printed);
- systemd-analyze verify accepts the unit (ExecStart pointed at the binary
  under test, since it must exist).

Each part is skipped, saying so, when its tool is missing (cpack: cmake;
dpkg-deb: dpkg; dpkg-shlibdeps: dpkg-dev; lintian; systemd-analyze: systemd).
"""
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PACKAGE = "stream-disconnect-exporter"
UNIT = "stream_disconnect_exporter.service"
USER = "stream-disconnect-exporter"
# path in the package -> (mode, what)
EXPECTED_FILES = {
    "./usr/bin/stream_disconnect_exporter": "-rwxr-xr-x",
    "./lib/systemd/system/" + UNIT: "-rw-r--r--",
    "./etc/stream_disconnect_exporter/config.yaml": "-rw-r--r--",
    "./usr/share/man/man1/stream_disconnect_exporter.1.gz": "-rw-r--r--",
    "./usr/share/doc/%s/copyright" % PACKAGE: "-rw-r--r--",
    "./usr/share/doc/%s/changelog.gz" % PACKAGE: "-rw-r--r--",
}


def text(r):
    return (r.stdout + r.stderr).decode(errors="replace")


def run_ok(cmd, timeout=120, **kw):
    r = h.run(cmd, timeout=timeout, **kw)
    if r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s" % (" ".join(cmd), r.returncode, text(r)[-3000:]))
    return r.stdout.decode(errors="replace")


def project_version(source_dir):
    with open(os.path.join(source_dir, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(\s*stream_disconnect_exporter\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise AssertionError("no project(... VERSION x.y.z) in CMakeLists.txt")
    return m.group(1)


def unit_settings(path):
    """{key: [values]} of a unit file, continuation lines joined."""
    out = {}
    with open(path, encoding="utf-8") as f:
        joined = f.read().replace("\\\n", " ")
    for line in joined.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(" ".join(value.split()))
    return out


def main():
    args = h.parse_args()
    checks = h.Checks("package")
    build_dir = os.path.dirname(args.binary)
    tmp = h.mkdtemp(prefix="sdx-pkg-")
    state = {}
    have = {tool: shutil.which(tool)
            for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps", "lintian", "systemd-analyze")}
    missing = [t for t in ("cpack", "dpkg-deb", "dpkg-shlibdeps") if not have[t]]

    def build():
        config = os.path.join(build_dir, "CPackConfig.cmake")
        h.require(os.path.exists(config), "%s missing: is the build directory configured?" % config)
        # The gzipped man page and changelog (target packaging_docs, part of `all`):
        # a build of the binary alone does not make them.
        run_ok(["cmake", "--build", build_dir, "--target", "packaging_docs"])
        out = run_ok([have["cpack"], "-G", "DEB", "--config", config, "-B", os.path.join(tmp, "out")], timeout=180)
        debs = glob.glob(os.path.join(tmp, "out", "*.deb"))
        h.require(len(debs) == 1, "cpack made %s:\n%s" % (debs, out))
        state["deb"] = debs[0]
        print("     %s (%d KiB)" % (os.path.basename(debs[0]), os.path.getsize(debs[0]) // 1024))

    def control():
        deb = state["deb"]
        fields = {}
        for line in run_ok(["dpkg-deb", "-f", deb]).splitlines():
            if line and not line[0].isspace():
                k, _, v = line.partition(":")
                fields[k] = v.strip()
        arch = run_ok(["dpkg", "--print-architecture"]).strip()
        version = project_version(args.source_dir)
        want = {"Package": PACKAGE, "Version": version, "Architecture": arch, "Section": "net",
                "Priority": "optional"}
        wrong = ["%s: %r, want %r" % (k, fields.get(k), v) for k, v in want.items() if fields.get(k) != v]
        h.require(not wrong, "control fields: %s" % wrong)
        depends = [d.split("(")[0].strip() for d in fields.get("Depends", "").split(",")]
        # libc6 and libstdc++6 only appear when dpkg-shlibdeps ran on the binary.
        for dep in ("libc6", "libstdc++6", "adduser"):
            h.require(dep in depends, "Depends lacks %s: %s" % (dep, fields.get("Depends")))
        h.require(re.fullmatch(r".+ <[^@\s]+@[^@\s]+>", fields.get("Maintainer", "")),
                  "Maintainer %r" % fields.get("Maintainer"))
        h.require(len(fields.get("Description", "")) > 10, "Description %r" % fields.get("Description"))
        print("     Depends: %s" % fields["Depends"])

    def contents():
        listing = {}
        for line in run_ok(["dpkg-deb", "-c", state["deb"]]).splitlines():
            parts = line.split()
            mode, owner, path = parts[0], parts[1], parts[5]
            listing[path] = (mode, owner)
        problems = []
        for path, mode in EXPECTED_FILES.items():
            got = listing.get(path)
            if got is None:
                problems.append("%s missing" % path)
            elif got != (mode, "root/root"):
                problems.append("%s: %s %s, want %s root/root" % (path, got[0], got[1], mode))
        bad_owner = [p for p, (_, o) in listing.items() if o != "root/root"]
        if bad_owner:
            problems.append("not owned by root: %s" % bad_owner)
        # Nothing outside the package's own places (no build paths, no /usr/local).
        allowed = ("./usr/bin/", "./lib/systemd/system/", "./etc/stream_disconnect_exporter/",
                   "./usr/share/man/man1/", "./usr/share/doc/%s/" % PACKAGE)
        stray = [p for p, (m, _) in listing.items() if not m.startswith("d") and not p.startswith(allowed)]
        if stray:
            problems.append("unexpected files: %s" % stray)
        h.require(not problems, "\n  ".join(problems))

    def scripts():
        ctl = os.path.join(tmp, "control")
        run_ok(["dpkg-deb", "-e", state["deb"], ctl])
        with open(os.path.join(ctl, "conffiles")) as f:
            h.require(f.read().split() == ["/etc/stream_disconnect_exporter/config.yaml"], "conffiles")
        for name in ("postinst", "prerm", "postrm"):
            path = os.path.join(ctl, name)
            h.require(os.path.exists(path) and os.stat(path).st_mode & 0o777 == 0o755,
                      "%s missing or not 0755" % name)
            if shutil.which("sh"):
                run_ok(["sh", "-n", path])
        with open(os.path.join(ctl, "postinst")) as f:
            postinst = f.read()
        h.require(re.search(r"adduser --system\b.*\n?.*\b%s\b" % re.escape(USER), postinst)
                  or ("adduser --system" in postinst and '"$user"' in postinst and 'user=%s' % USER in postinst),
                  "postinst does not create the system user %s" % USER)
        h.require("/var/lib/stream_disconnect_exporter" in postinst, "postinst does not make the state directory")

    def payload():
        root = os.path.join(tmp, "root")
        run_ok(["dpkg-deb", "-x", state["deb"], root])
        state["root"] = root
        binary = os.path.join(root, "usr/bin/stream_disconnect_exporter")
        out = run_ok([binary, "--version"], timeout=20)
        h.require(project_version(args.source_dir) in out, "--version says %r" % out)
        r = h.run([binary, "--help"], timeout=20)
        h.require(r.returncode == 0 and b"--config.file" in r.stdout, "--help: %s" % text(r)[:500])
        # The stripped binary has no debug info left (lintian would say so too).
        if shutil.which("readelf"):
            sections = run_ok(["readelf", "-S", binary])
            h.require(".debug_info" not in sections, "packaged binary is not stripped")
        config = os.path.join(root, "etc/stream_disconnect_exporter/config.yaml")
        run_ok([binary, "--config.file=" + config, "--config.check"], timeout=20)
        with gzip.open(os.path.join(root, "usr/share/man/man1/stream_disconnect_exporter.1.gz"), "rt") as f:
            man = f.read()
        h.require(man.startswith(".TH STREAM_DISCONNECT_EXPORTER 1"), "man page header")
        for flag in re.findall(r'add_(?:option|flag)\("(--[a-z.-]+)"',
                               open(os.path.join(args.source_dir, "src/app/options.cpp")).read()):
            h.require(flag.replace("-", "\\-") in man, "man page does not document %s" % flag)
        # The unit: packaged verbatim from deploy/systemd, starting what the package installs.
        unit = os.path.join(root, "lib/systemd/system", UNIT)
        with open(unit) as a, open(os.path.join(args.source_dir, "deploy/systemd", UNIT)) as b:
            h.require(a.read() == b.read(), "packaged unit differs from deploy/systemd/%s" % UNIT)
        s = unit_settings(unit)
        exec_start = s["ExecStart"][0].split()
        h.require(exec_start[0] == "/usr/bin/stream_disconnect_exporter"
                  and os.path.exists(os.path.join(root, exec_start[0].lstrip("/"))),
                  "ExecStart %s is not the packaged binary" % exec_start[0])
        h.require("--config.file=/etc/stream_disconnect_exporter/config.yaml" in exec_start,
                  "ExecStart does not use the packaged config: %s" % exec_start)
        h.require(s.get("ExecReload") == ["/bin/kill -HUP $MAINPID"], "ExecReload %s" % s.get("ExecReload"))
        h.require(s.get("User") == [USER], "User %s, postinst creates %s" % (s.get("User"), USER))
        h.require(s.get("StateDirectory") == ["stream_disconnect_exporter"], "StateDirectory")
        with open(config) as f:
            h.require("state_file: /var/lib/stream_disconnect_exporter/" in f.read(),
                      "the default config's state_file is not in the unit's StateDirectory")

    def lintian():
        r = h.run([have["lintian"], "--no-tag-display-limit", "--display-info", state["deb"]], timeout=180)
        out = text(r)
        tags = [l for l in out.splitlines() if re.match(r"[EWIXPON]: ", l)]
        errors = [l for l in tags if l.startswith("E: ")]
        for l in tags:
            print("     %s" % l)
        h.require(not errors, "lintian errors:\n  " + "\n  ".join(errors))
        h.require(r.returncode in (0, 1) and "internal error" not in out.lower(), "lintian failed:\n%s" % out[-2000:])

    def systemd_verify():
        # ExecStart must exist for verify: point a copy of the unit at the binary under test.
        d = os.path.join(tmp, "unit")
        os.mkdir(d)
        with open(os.path.join(args.source_dir, "deploy/systemd", UNIT)) as f:
            unit = f.read()
        h.require("ExecStart=/usr/bin/stream_disconnect_exporter " in unit, "ExecStart path changed?")
        unit = unit.replace("ExecStart=/usr/bin/stream_disconnect_exporter ", "ExecStart=%s " % args.binary)
        path = os.path.join(d, UNIT)
        with open(path, "w") as f:
            f.write(unit)
        r = h.run([have["systemd-analyze"], "verify", "--man=no", path], timeout=60,
                  env=dict(os.environ, SYSTEMD_LOG_LEVEL="notice"))
        out = text(r)
        # Complaints about other units of this machine are not ours.
        ours = [l for l in out.splitlines() if UNIT in l or "stream_disconnect_exporter" in l]
        h.require(r.returncode == 0 and not ours, "systemd-analyze verify (rc %d):\n%s" % (r.returncode, out))

    if missing:
        print("skipped: the package (%s not installed; Debian packages cmake, dpkg, dpkg-dev: "
              "deploy/install-deps.sh test)" % ", ".join(missing))
    else:
        checks.run("cpack -G DEB from the build directory", build)
        if "deb" in state:
            checks.run("control fields and dependencies", control)
            checks.run("files, owners and modes", contents)
            checks.run("conffiles and maintainer scripts", scripts)
            checks.run("packaged binary, config, man page and unit agree", payload)
            if have["lintian"]:
                checks.run("lintian: no errors", lintian)
            else:
                print("skipped: lintian not installed (deploy/install-deps.sh test installs it)")
    if have["systemd-analyze"]:
        checks.run("systemd-analyze verify on the unit", systemd_verify)
    else:
        print("skipped: systemd-analyze verify (systemd not installed)")
    if checks.passed == 0 and checks.failed == 0:
        print("package: every part skipped")
        return 0
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
