#!/usr/bin/env bash
# Installs the Debian 12 packages the exporter needs. It never builds anything.
#   deploy/install-deps.sh          build + run (and curl, for the README's example)
#   deploy/install-deps.sh test     + what the test suite uses (Prometheus, promtool, clang, lintian)
#   deploy/install-deps.sh bench    + what bench/ compares against (mtail, wrk, hyperfine)
# Only missing packages are installed: as root with apt-get, as another user
# with `sudo apt-get` when sudo exists; otherwise it prints what to run as root.
# Installing Debian's `prometheus` package (test, bench) would enable and start
# prometheus.service; this script keeps it from starting during the install and
# disables it afterwards, so no system service is left behind that was not
# there before (the tests start their own Prometheus on a free port).
set -euo pipefail

packages=(g++ cmake make pkg-config prometheus-cpp-dev libcivetweb-dev libmicrohttpd-dev
          libyaml-cpp-dev libspdlog-dev libfmt-dev libsimdjson-dev libre2-dev libcli11-dev catch2 python3 curl
          libcurl4-openssl-dev libssl-dev zlib1g-dev libgnutls28-dev libcrypt-dev)
case "${1:-}" in
  # dpkg-dev (dpkg-shlibdeps), lintian, systemd (systemd-analyze): test_package.py
  # chromium: test_status_page.py (headless); openssl CLI: test_web_config.py's certificates
  test) packages+=(prometheus clang libclang-rt-14-dev dpkg-dev lintian systemd chromium openssl) ;;
  bench) packages+=(prometheus mtail wrk hyperfine linux-perf valgrind) ;;
  "") ;;
  *) echo "usage: $0 [test|bench]" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
as_root_hint() {
  echo "as root, run:  su -c '$self${1:+ $1}'" >&2
  echo "then run your command again as yourself (a build as root would leave root-owned files)." >&2
}
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
  echo "missing Debian packages: ${missing[*]}; installing them with sudo apt-get" >&2
else
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "this user is not root and sudo is not installed." >&2
  as_root_hint "${1:-}"
  exit 1
fi

# prometheus.service: not enabled/running before -> not enabled/running after.
# Only when this run installs the package.
service=prometheus.service
guard_service=0
for p in "${missing[@]}"; do [ "$p" = prometheus ] && guard_service=1; done
have_systemctl=0; command -v systemctl >/dev/null && have_systemctl=1
systemd_running=0; [ -d /run/systemd/system ] && systemd_running=1
enabled() { [ $have_systemctl -eq 1 ] && systemctl is-enabled --quiet "$service" 2>/dev/null; }
running() {
  if [ $systemd_running -eq 1 ]; then
    systemctl is-active --quiet "$service"
  else  # SysV script (containers without systemd: invoke-rc.d starts it there)
    [ -x /etc/init.d/prometheus ] && "${as_root[@]}" /etc/init.d/prometheus status >/dev/null 2>&1
  fi
}
was_enabled=0; was_running=0
if [ $guard_service -eq 1 ]; then
  enabled && was_enabled=1
  running && was_running=1
fi
# policy-rc.d exiting 101 makes invoke-rc.d and deb-systemd-invoke skip every
# start during the install. An existing one (Docker images ship one) is left as is.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ $guard_service -eq 1 ] && [ ! -e "$policy" ]; then
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# from deploy/install-deps.sh (stream_disconnect_exporter), removed when it ends\nexit 101\n' |
    "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  own_policy=1
fi

[ ${#as_root[@]} -eq 0 ] && export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -q ||
   ! "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "installing ${missing[*]} failed." >&2
  [ ${#as_root[@]} -gt 0 ] && as_root_hint "${1:-}"
  exit 1
fi

if [ $own_policy -eq 1 ]; then
  "${as_root[@]}" rm -f "$policy"
  trap - EXIT
fi
if [ $guard_service -eq 1 ]; then
  if [ $was_enabled -eq 0 ]; then
    if [ $have_systemctl -eq 1 ]; then
      # Also removes the SysV rc links; works without a running systemd.
      "${as_root[@]}" systemctl disable --quiet "$service" 2>/dev/null || true
    else  # the package's postinst made both kinds of links without asking systemctl
      "${as_root[@]}" update-rc.d prometheus disable >/dev/null 2>&1 || true
      "${as_root[@]}" deb-systemd-helper disable "$service" >/dev/null 2>&1 || true
    fi
  fi
  if [ $was_running -eq 0 ] && running; then
    if [ $systemd_running -eq 1 ]; then
      "${as_root[@]}" systemctl stop "$service"
    else
      "${as_root[@]}" /etc/init.d/prometheus stop >/dev/null
    fi
  fi
  echo "installed prometheus for the tests (they start their own); its system service is" \
       "$(enabled && echo enabled || echo disabled) and $(running && echo running || echo stopped)" >&2
fi
