#!/usr/bin/env bash
# Benchmark (not a test): CPU time per record of the replica's REST proxy, broker and S3 sink, for
# the capacity planner's inputs (tools/plan/capacity.ts; figures in docs/benchmarks.md).
#   local/kafka/bench.sh [--rows N] [--warm-up W]     (the replica up: local/replica.sh up)
# Loads W+N source rows, sends W rows through the batch API (the emulator's default of 500 records
# a request, via the local gateway) to warm the JVMs up and lets the sink land them, then sends N
# more. For each server it reads utime+stime of the process (all its threads) from /proc before
# and after, and prints records per CPU-second: on 2 cores shared with other work, wall-clock rates
# say little. The proxy and the broker are read around the send; the Connect worker until the sink
# has landed every record (its rotation included), so its figure includes idle polling; the idle
# CPU of each server over 20 s is printed to judge that. Bytes are the landed objects' sizes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
ROWS=20000
WARM=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --warm-up) WARM=$2; shift 2 ;;
    *) echo "usage: local/kafka/bench.sh [--rows N] [--warm-up W]" >&2; exit 2 ;;
  esac
done
PREFIX="${PIPELINE_LOCAL_PREFIX:-pin-local}"
BUCKET="$PREFIX-raw"
STATE="$ROOT/.local/kafka"
export NODE_NO_WARNINGS=1 PIPELINE_STACKS_DIR="$ROOT/.local/stacks"
for service in kafka rest-proxy connect; do
  if ! kill -0 "$(cat "$STATE/$service.pid" 2>/dev/null)" 2>/dev/null; then
    echo "bench: $service is not running: local/replica.sh up first" >&2
    exit 1
  fi
done
# shellcheck disable=SC1090
. <(local/mysql.sh env)
# shellcheck disable=SC1090
. <(local/s3/s3.sh env)
export MYSQL_HOST MYSQL_PORT MYSQL_DATABASE

TICK=$(getconf CLK_TCK)
# CPU seconds (utime + stime, all threads) of the server in pid file $1.
cpu() { awk -v t="$TICK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$(cat "$STATE/$1.pid")/stat"; }
tsnode() { npx --no-install ts-node --transpile-only "$@"; }
emulate() {
  tsnode emulator/cli.ts --stack local --paths batch --batch-size 500 --rows "$1" >/dev/null
}
landed_bytes() {
  local dir
  dir=$(mktemp -d)
  tsnode local/replica/aws.ts download "$BUCKET" "$dir" >/dev/null
  find "$dir/topics" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }'
  rm -rf "$dir"
}

tsnode emulator/source/cli.ts load --rows $((WARM + ROWS)) --seed 42 --reset >/dev/null
rm -f "$PIPELINE_STACKS_DIR/local.checkpoint.json"
local/s3/s3.sh wipe >/dev/null
local/s3/s3.sh create-bucket "$BUCKET" >/dev/null
echo "warm-up: $WARM rows (x3 records) through the batch API"
emulate "$WARM"
tsnode local/replica/aws.ts wait-sink "$PREFIX" "$BUCKET" "$WARM" 300
warm_bytes=$(landed_bytes)

declare -A idle0 idle1 before after
for s in rest-proxy kafka connect; do idle0[$s]=$(cpu "$s"); done
sleep 20
for s in rest-proxy kafka connect; do idle1[$s]=$(cpu "$s"); done

load=$(cut -d' ' -f1-3 /proc/loadavg)
for s in rest-proxy kafka connect; do before[$s]=$(cpu "$s"); done
start=$(date +%s.%N)
emulate "$ROWS"
sent=$(date +%s.%N)
for s in rest-proxy kafka; do after[$s]=$(cpu "$s"); done
tsnode local/replica/aws.ts wait-sink "$PREFIX" "$BUCKET" $((WARM + ROWS)) 600
landed=$(date +%s.%N)
after[connect]=$(cpu connect)
bytes=$(($(landed_bytes) - warm_bytes))
load="$load -> $(cut -d' ' -f1-3 /proc/loadavg)"

records=$((3 * ROWS))
echo "measured: $ROWS rows = $records records, $bytes bytes landed; load average $load"
report() {
  local name=$1 s=$2 wall=$3
  awk -v n="$name" -v r="$records" -v b="$bytes" -v c0="${before[$s]}" -v c1="${after[$s]}" \
    -v i0="${idle0[$s]}" -v i1="${idle1[$s]}" -v w="$wall" 'BEGIN {
      c = c1 - c0
      printf "%-11s %7.2f CPU-s over %5.1f s wall (idle %.3f CPU-s/s): %7.0f records per CPU-s, %5.2f MB per CPU-s\n",
        n, c, w, (i1 - i0) / 20, r / c, b / 1e6 / c
    }'
}
report "REST proxy" rest-proxy "$(echo "$sent - $start" | bc)"
report "broker" kafka "$(echo "$sent - $start" | bc)"
report "S3 sink" connect "$(echo "$landed - $start" | bc)"
