#!/usr/bin/env bash
# Run every benchmark in bench/ and print one combined markdown table on stdout
# (progress and each benchmark's own table go to stderr and to a log file).
#
# Usage: bench/run_all.sh [--quick] [--binary PATH | --rev REV] [--data-dir DIR] [--only NAME[,NAME...]]
#   --quick      smoke run (100k lines, 1 run each): checks the scripts, not for quoting
#   --binary     exporter to benchmark (default: build the working tree in build-bench/
#                once and snapshot the binary)
#   --rev        build a clean `git archive` of commit REV (e.g. HEAD) in the data dir
#                instead of the working tree (others' uncommitted edits left out)
#   --data-dir   scratch dir for data/logs (default $SDX_BENCH_DIR or /tmp/sdx-bench)
#   --only       comma-separated subset, e.g. --only once_vs_mtail,series_memory
# Exit status: 0 if every benchmark ran and every check passed.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
DATA=${SDX_BENCH_DIR:-/tmp/sdx-bench}
BINARY=""
QUICK=()
ONLY=""
REV=""
ALL="once_vs_mtail live_follow series_memory render_time series_scaling"

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --binary) BINARY=$2; shift ;;
    --binary=*) BINARY=${1#*=} ;;
    --data-dir) DATA=$2; shift ;;
    --data-dir=*) DATA=${1#*=} ;;
    --rev) REV=$2; shift ;;
    --rev=*) REV=${1#*=} ;;
    --only) ONLY=$2; shift ;;
    --only=*) ONLY=${1#*=} ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
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

REVISION=""
if [ -z "$BINARY" ] && [ -n "$REV" ]; then
  SHA=$(git -C "$REPO" rev-parse --short "$REV^{commit}") || exit 1
  SRC="$DATA/src-$SHA"
  if [ ! -f "$SRC/CMakeLists.txt" ]; then
    rm -rf "$SRC" && mkdir -p "$SRC"
    git -C "$REPO" archive "$SHA" | tar -x -C "$SRC" || exit 1
  fi
  if [ ! -f "$DATA/build-$SHA/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$DATA/build-$SHA" -DCMAKE_BUILD_TYPE=Release -DSDX_BUILD_TESTS=OFF >&2 || exit 1
  fi
  echo "building stream_disconnect_exporter at $SHA in $DATA/build-$SHA" >&2
  cmake --build "$DATA/build-$SHA" -j2 --target stream_disconnect_exporter >&2 || exit 1
  BINARY="$DATA/build-$SHA/stream_disconnect_exporter"
  REVISION="$SHA (clean git archive)"
fi
if [ -z "$BINARY" ]; then
  # Build once, then benchmark a copy: others may rebuild build-bench mid-run.
  if [ ! -f "$REPO/build-bench/CMakeCache.txt" ]; then
    cmake -S "$REPO" -B "$REPO/build-bench" -DCMAKE_BUILD_TYPE=Release >&2 || exit 1
  fi
  echo "building stream_disconnect_exporter in $REPO/build-bench" >&2
  cmake --build "$REPO/build-bench" -j2 --target stream_disconnect_exporter >&2 || exit 1
  BINARY="$DATA/stream_disconnect_exporter.$STAMP"
  cp "$REPO/build-bench/stream_disconnect_exporter" "$BINARY"
fi

STATUS=0
LIST=${ONLY:-$ALL}
for b in ${LIST//,/ }; do
  [ -f "$HERE/$b.py" ] || { echo "no benchmark $b" >&2; STATUS=1; continue; }
  echo "=== $b ($(date +%H:%M:%S))" >&2
  python3 "$HERE/$b.py" --binary "$BINARY" --data-dir "$DATA" --results "$RESULTS" "${QUICK[@]}" \
    2>&1 | tee -a "$LOG" >&2
  rc=$?
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
