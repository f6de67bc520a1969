#!/usr/bin/env bash
# Run every benchmark in bench/ and print one combined markdown table on stdout
# (progress and each benchmark's own table go to stderr and to a log file).
# The Python scripts measure the exporter binary; render_compare and
# counter_writers are C++ programs (bench/*.cpp, CMake targets) that answer
# design questions in-process; they are built in the same build dir.
#
# Usage: bench/run_all.sh [--quick] [--binary PATH | --rev REV] [--baseline PATH] [--data-dir DIR] [--only NAME[,NAME...]]
#   --quick      smoke run (100k lines, 1 run each): checks the scripts, not for quoting
#   --binary     exporter to benchmark (default: build the working tree in build-bench/
#                once and snapshot the binary)
#   --rev        build a clean `git archive` of commit REV (e.g. HEAD) in the data dir
#                instead of the working tree (others' uncommitted edits left out)
#   --baseline   an older exporter binary: once_scaling runs it too (before/after)
#   --data-dir   scratch dir for data/logs (default $SDX_BENCH_DIR or /tmp/sdx-bench)
#   $SDX_BENCH_BUILD  build dir of the working tree (default build-bench/ in the repo)
#   --only       comma-separated subset, e.g. --only once_vs_mtail,series_memory
#                or --only render_compare,counter_writers (the C++ ones, ~2 min)
# Exit status: 0 if every benchmark ran and every check passed.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
DATA=${SDX_BENCH_DIR:-/tmp/sdx-bench}
BINARY=""
QUICK=()
ONLY=""
REV=""
BASELINE=""
ALL="once_vs_mtail once_scaling live_follow series_memory render_time series_scaling render_compare counter_writers"

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --binary) BINARY=$2; shift ;;
    --binary=*) BINARY=${1#*=} ;;
    --data-dir) DATA=$2; shift ;;
    --data-dir=*) DATA=${1#*=} ;;
    --baseline) BASELINE=$2; shift ;;
    --baseline=*) BASELINE=${1#*=} ;;
    --rev) REV=$2; shift ;;
    --rev=*) REV=${1#*=} ;;
    --only) ONLY=$2; shift ;;
    --only=*) ONLY=${1#*=} ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$DATA"
STAMP=$(date +%Y%m%d-%H%M%S)
STARTED=$(date '+%Y-%m-%d %H:%M:%S %Z')
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
RESULTS="$DATA/results-$STAMP.jsonl"
LOG="$DATA/run_all-$STAMP.log"
: > "$RESULTS"

LIST=${ONLY:-$ALL}
NEED_EXPORTER=""  # only the Python benchmarks run the exporter binary
for b in ${LIST//,/ }; do [ -f "$HERE/$b.py" ] && NEED_EXPORTER=1; done

REVISION=""
BUILD=${SDX_BENCH_BUILD:-$REPO/build-bench}  # the exporter and the C++ benchmarks
if [ -n "$REV" ]; then
  SHA=$(git -C "$REPO" rev-parse --short "$REV^{commit}") || exit 1
  SRC="$DATA/src-$SHA"
  if [ ! -f "$SRC/CMakeLists.txt" ]; then
    rm -rf "$SRC" && mkdir -p "$SRC"
    git -C "$REPO" archive "$SHA" | tar -x -C "$SRC" || exit 1
  fi
  BUILD="$DATA/build-$SHA"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSDX_BUILD_TESTS=OFF >&2 || exit 1
  fi
  [ -z "$BINARY" ] && REVISION="$SHA (clean git archive)"
  if [ -z "$BINARY" ] && [ -n "$NEED_EXPORTER" ]; then
    echo "building stream_disconnect_exporter at $SHA in $BUILD" >&2
    cmake --build "$BUILD" -j2 --target stream_disconnect_exporter >&2 || exit 1
    BINARY="$BUILD/stream_disconnect_exporter"
  fi
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2 || exit 1
fi
if [ -z "$BINARY" ] && [ -n "$NEED_EXPORTER" ]; then
  # Build once, then benchmark a copy: others may rebuild build-bench mid-run.
  echo "building stream_disconnect_exporter in $BUILD" >&2
  cmake --build "$BUILD" -j2 --target stream_disconnect_exporter >&2 || exit 1
  BINARY="$DATA/stream_disconnect_exporter.$STAMP"
  cp "$BUILD/stream_disconnect_exporter" "$BINARY"
fi

# A C++ benchmark: build its target, snapshot it like the exporter, run it
# with the settings below (each program repeats its measurements and prints
# medians and ratios; the rows go to $RESULTS).
run_cpp() {
  local exe="$DATA/$1.$STAMP" n renders rc=0
  echo "building $1 in $BUILD" >&2
  cmake --build "$BUILD" -j2 --target "$1" >&2 && cp "$BUILD/$1" "$exe" || return 1
  case "$1" in
    render_compare)
      for n in 1000 10000 100000; do
        [ -n "${QUICK[*]}" ] && [ "$n" != 10000 ] && continue
        renders=100; [ "$n" = 100000 ] && renders=20; [ -n "${QUICK[*]}" ] && renders=10
        echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        "$exe" --series="$n" --renders="$renders" --results="$RESULTS" || rc=1
      done ;;
    counter_writers)
      echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
      if [ -n "${QUICK[*]}" ]; then
        "$exe" --rounds=1 --events=2000000 --results="$RESULTS" || rc=1
      else
        "$exe" --rounds=5 --results="$RESULTS" || rc=1
      fi
      echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" ;;
  esac
  return $rc
}

STATUS=0
for b in ${LIST//,/ }; do
  echo "=== $b ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  if [ -f "$HERE/$b.cpp" ]; then
    run_cpp "$b" 2>&1 | tee -a "$LOG" >&2
    rc=$?
  elif [ -f "$HERE/$b.py" ]; then
    EXTRA=()
    [ "$b" = once_scaling ] && [ -n "$BASELINE" ] && EXTRA=(--baseline "$BASELINE")
    python3 "$HERE/$b.py" --binary "$BINARY" --data-dir "$DATA" --results "$RESULTS" "${QUICK[@]}" "${EXTRA[@]}" \
      2>&1 | tee -a "$LOG" >&2
    rc=$?
  else
    echo "no benchmark $b" >&2; STATUS=1; continue
  fi
  if [ $rc -ne 0 ]; then
    STATUS=1
    grep -q "\"bench\": \"$b\"" "$RESULTS" ||
      echo "{\"bench\": \"$b\", \"metric\": \"CHECK FAILED\", \"result\": \"exited with status $rc (log: $LOG)\", \"target\": \"\"}" >> "$RESULTS"
  fi
done

echo >&2
python3 "$HERE/combine.py" "$RESULTS" --binary "$BINARY" --load "$LOAD" --started "$STARTED" \
  ${REVISION:+--revision "$REVISION"} "${QUICK[@]}" | tee "$DATA/results-$STAMP.md"
[ ${PIPESTATUS[0]} -eq 0 ] || STATUS=1
echo >&2
echo "table: $DATA/results-$STAMP.md  log: $LOG" >&2
exit $STATUS
