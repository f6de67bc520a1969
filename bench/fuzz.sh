#!/usr/bin/env bash
# Fuzzes the exporter's input parsers with libFuzzer (clang, ASan + UBSan).
#
#   bench/fuzz.sh [-j JOBS] [--rev REV] [SECONDS] [TARGET...]
#
# Runs each target (default: all, see tests/fuzz/targets.cmake) for SECONDS
# (default 60), JOBS targets at a time (default 1). Each starts from its
# committed seeds (tests/fuzz/corpus/<name>/ and regressions/<name>/, read
# only) and writes what it discovers to a scratch corpus, so the committed
# corpora stay small. A crash input is copied into
# tests/fuzz/regressions/<name>/ for the regression tests
# (ctest -R fuzz_regression) to replay; its sanitizer report stays in the log.
#
# --rev REV fuzzes a clean `git archive` of commit REV (e.g. HEAD) instead of
# the working tree, whose half-finished edits by others would otherwise be
# fuzzed too (built in /tmp/sdx-fuzz-rev/build-<sha>).
#
# Environment: SDX_FUZZ_BUILD (working-tree build dir, default build-fuzz),
# SDX_FUZZ_SCRATCH (scratch dir, default a new /tmp/sdx-fuzz.XXXXXX; reuse one
# to go on from its corpora),
# SDX_FUZZ_MAX_LEN (default 4096), SDX_FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=1
rev=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -j) jobs=$2; shift 2 ;;
    --rev) rev=$2; shift 2 ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
seconds=${1:-60}
[[ $# -gt 0 ]] && shift
scratch=${SDX_FUZZ_SCRATCH:-$(mktemp -d /tmp/sdx-fuzz.XXXXXX)}

src=.
build=${SDX_FUZZ_BUILD:-build-fuzz}
revision="working tree $(git rev-parse --short HEAD) (uncommitted edits included)"
if [[ -n $rev ]]; then
  sha=$(git rev-parse --short "$rev^{commit}")
  src=/tmp/sdx-fuzz-rev/src-$sha
  build=/tmp/sdx-fuzz-rev/build-$sha
  if [[ ! -f $src/CMakeLists.txt ]]; then
    rm -rf "$src" && mkdir -p "$src"
    git archive "$sha" | tar -x -C "$src"
  fi
  revision="$sha (clean git archive)"
fi

echo "== building fuzz targets of $revision in $build (clang, libFuzzer + ASan + UBSan)"
# sdx_core gets coverage instrumentation (fuzzer-no-link) and the sanitizers;
# only the fuzz binaries link libFuzzer itself. No tests: the replay tests
# belong to the normal g++ build.
cmake -S "$src" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSDX_BUILD_FUZZERS=ON -DSDX_SANITIZE=ON -DSDX_BUILD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build "$build" -j"$(nproc)" --target sdx_fuzzers

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for binary in "$build"/tests/fuzz/fuzz_*; do targets+=("${binary##*/fuzz_}"); done
fi

# Inputs are lines, configs and state files: a few KiB reach every branch
# and keep runs fast.
max_len=${SDX_FUZZ_MAX_LEN:-4096}

# A file-name slug for what went wrong, from a libFuzzer log.
failure_slug() {  # log
  sed -n -e 's/.*fuzz check failed.*/check-failed/p' \
    -e 's/^terminate called.*/uncaught-exception/p' \
    -e 's/^SUMMARY: [A-Za-z]*Sanitizer: \([a-z-]*\).*/\1/p' \
    -e 's/^SUMMARY: libFuzzer: \([a-z -]*\).*/\1/p' "$1" | head -n 1 | tr ' ' '-'
}

run_target() {  # name
  local name=$1 dir=$scratch/$1
  local binary=$build/tests/fuzz/fuzz_$name
  [[ -x $binary ]] || { echo "$name: no such fuzz target ($binary)" >"$dir.result"; return; }
  mkdir -p "$dir/corpus" "$dir/artifacts"
  rm -f "$dir"/artifacts/*  # a reused scratch dir keeps its corpus, not old crashes
  local args=(-max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048
              -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  [[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
  # shellcheck disable=SC2086  # SDX_FUZZ_ARGS is a list of flags
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$binary" "${args[@]}" ${SDX_FUZZ_ARGS:-} "$dir/corpus" "tests/fuzz/corpus/$name" \
    "tests/fuzz/regressions/$name" >"$dir/log" 2>&1 && status=0 || status=$?

  local last runs rate cov ft corp result
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  result="no crash"
  local artifact
  for artifact in "$dir"/artifacts/*; do
    [[ -f $artifact ]] || continue
    # <kind>-<what the sanitizer saw>-<hash>, e.g. crash-heap-buffer-overflow-3f2a9c1b
    local kind=${artifact##*/} what hash
    kind=${kind%%-*}
    what=$(failure_slug "$dir/log")
    [[ $what == "$kind" ]] && what=""
    hash=$(sha1sum "$artifact" | cut -c1-8)
    local target=tests/fuzz/regressions/$name/$kind${what:+-$what}-$hash
    cp "$artifact" "$target"
    result="FOUND $kind (exit $status): $target"
  done
  [[ $status -ne 0 && $result == "no crash" ]] && result="FAILED (exit $status), see $dir/log"
  printf '%-16s %6ss  runs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-10s %s\n' "$name" \
    "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" \
    >"$dir.result"
}

echo "== fuzzing ${targets[*]} of $revision for ${seconds}s each, $jobs at a time (scratch: $scratch)"
mkdir -p "$scratch"
running=0
for name in "${targets[@]}"; do
  run_target "$name" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

crashed=0
for name in "${targets[@]}"; do
  cat "$scratch/$name.result"
  grep -q 'FOUND\|FAILED' "$scratch/$name.result" && crashed=1
done
[[ $crashed -eq 0 ]] || echo "logs: $scratch/<target>/log"
exit "$crashed"
