#!/usr/bin/env bash
# The whole test suite, as CI runs it: a -Werror build with every test
# (unit + integration against the real binary, Prometheus and promtool), then
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Run it as yourself: it uses sudo only for apt-get, when packages are missing.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.."
. deploy/build-env.sh
sdx_prepare "$self" test -- "$@"
jobs=$(nproc)

run_suite() {  # build-dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DSDX_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

echo "== release build (-Wall -Wextra -Werror)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ASan + UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSDX_SANITIZE=ON

# Several threads write (the ingest loop and its checkpoint writer, HTTP
# workers, the webhook's spool writer, the records API fetcher): the unit
# tests and the integration tests that drive those threads run once more
# under ThreadSanitizer. The other integration tests exercise one thread's
# logic, already covered twice above; leaving them out keeps CI short.
echo "== ThreadSanitizer build"
tsan_integration='integration\.test_(reload|slow_clients|checkpoint|scrape_flood|state_lock|follow|webhook.*|tencent_api|web_config|status_page)$'
cmake -S . -B build-tsan -DSDX_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSDX_TSAN=ON \
  -DSDX_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target stream_disconnect_exporter unit_tests
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
build-tsan/tests/unit_tests
ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L integration -R "$tsan_integration"
unset TSAN_OPTIONS
