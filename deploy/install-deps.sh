#!/usr/bin/env bash
# Installs the Debian 12 packages the exporter needs.
#   deploy/install-deps.sh          build + run
#   deploy/install-deps.sh test     + what the test suite uses (Prometheus, promtool, clang)
#   deploy/install-deps.sh bench    + what bench/ compares against (mtail, wrk, hyperfine)
# As root it installs them; otherwise it prints the apt-get line and fails
# only if something is missing.
set -euo pipefail

packages=(g++ cmake make pkg-config prometheus-cpp-dev libcivetweb-dev libyaml-cpp-dev
          libspdlog-dev libfmt-dev libsimdjson-dev libcli11-dev catch2 python3)
case "${1:-}" in
  test) packages+=(prometheus clang libclang-rt-14-dev) ;;
  bench) packages+=(prometheus mtail wrk hyperfine linux-perf valgrind) ;;
  "") ;;
  *) echo "usage: $0 [test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "missing packages; run as root:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
