#!/bin/sh
# Benchmark, not a test: peak memory and wall time of a transaction-log
# replay (SYSTEM_B with its LOG1 and LOG2 from ../shared/hives) beside the
# same hive read with --no-logs.  Target for the replay: peak RSS at most
# twice the hive size plus 16 MiB.  Median wall time of RUNS runs.
#
#   bench/replay-memory.sh [RUNS]
#
# Needs a built ./dmarscan (or DMARSCAN=path), xz and GNU time (Debian
# packages xz-utils and time).
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-11}
DMARSCAN=${DMARSCAN:-./dmarscan}
SHARED=${SHARED_HIVES_DIR:-../shared/hives}
command -v /usr/bin/time >/dev/null 2>&1 || {
	echo "bench: GNU time not found (apt-get install time)" >&2
	exit 1
}
[ -x "$DMARSCAN" ] || { echo "bench: build dmarscan first (make)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in SYSTEM_B SYSTEM_B.LOG1 SYSTEM_B.LOG2; do
	xz -dc "$SHARED/$f.xz" > "$tmp/$f"
done

. bench/common.sh

i=0
while [ "$i" -lt "$RUNS" ]; do
	run replay "$DMARSCAN" --format json "$tmp/SYSTEM_B"
	run nologs "$DMARSCAN" --format json --no-logs "$tmp/SYSTEM_B"
	i=$((i + 1))
done

hive=$(wc -c < "$tmp/SYSTEM_B")
logs=$(( $(wc -c < "$tmp/SYSTEM_B.LOG1") + $(wc -c < "$tmp/SYSTEM_B.LOG2") ))
target=$(( (2 * hive + 16 * 1048576) / 1024 ))
echo "SYSTEM_B: hive $hive bytes, logs $logs bytes; $RUNS runs each"
printf '  %-34s %8s ms %8s KiB peak RSS\n' "replay (LOG1 + LOG2, 481 pages)" \
	"$(median_ms "$tmp/replay")" "$(max_kib "$tmp/replay")"
printf '  %-34s %8s ms %8s KiB peak RSS\n' "--no-logs" \
	"$(median_ms "$tmp/nologs")" "$(max_kib "$tmp/nologs")"
peak=$(max_kib "$tmp/replay")
verdict=met
[ "$peak" -le "$target" ] || verdict="NOT met"
echo "  target for the replay: 2 x hive + 16 MiB = $target KiB: $verdict"
