#!/usr/bin/env bash
# First run: install what is missing (sudo only for apt-get), build, and run
# the exporter on the bundled example log, listening on 127.0.0.1:9876 only.
# Then, in another terminal: curl -s 127.0.0.1:9876/metrics
# Extra arguments go to the exporter, e.g. --web.listen-address=:9876 to
# listen on every interface.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."
. deploy/build-env.sh
sdx_prepare "$self" -- "$@"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target stream_disconnect_exporter
# A fresh state file each first run, so the example is counted from its start
# (the path is examples/config.yaml's state_file).
state=/tmp/stream_disconnect_exporter
if ! rm -rf "$state" 2>/dev/null; then
  echo "$state belongs to another user (an earlier run with sudo?): sudo rm -rf $state" >&2
  exit 1
fi
listen=(--web.listen-address=127.0.0.1:9876)
for arg in "$@"; do
  case "$arg" in --web.listen-address*) listen=() ;; esac
done
echo "serving http://127.0.0.1:9876/metrics (Ctrl-C to stop)"
exec build/stream_disconnect_exporter --config.file=examples/config.yaml "${listen[@]}" "$@"
