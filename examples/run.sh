#!/usr/bin/env bash
# First run: install what is missing (as root), build, and run the exporter
# on the bundled example log. Then: curl localhost:9876/metrics
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target stream_disconnect_exporter
# A fresh state file each first run, so the example is counted from its start.
rm -rf /tmp/stream_disconnect_exporter
echo "serving http://localhost:9876/metrics (Ctrl-C to stop)"
exec build/stream_disconnect_exporter --config.file=examples/config.yaml \
  --web.listen-address=:9876 "$@"
