#!/bin/sh
# Benchmark, not a test: -j1 against -j2 over a folder of 24 hives (the
# real SYSTEM hives of ../shared/hives, each copied 6 times into a folder of
# its own with its logs), full analysis written as JSON lines.  Median wall
# time of RUNS runs each, the two alternating; peak RSS.
#
#   bench/jobs.sh [RUNS]
#
# Needs: a built ./dmarscan, xz, GNU time (Debian package time).
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-5}
DMARSCAN=${DMARSCAN:-./dmarscan}
SHARED=${SHARED_HIVES_DIR:-../shared/hives}
[ -x "$DMARSCAN" ] || { echo "bench: build dmarscan first (make)" >&2; exit 1; }
[ -d "$SHARED" ] || { echo "bench: $SHARED not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. bench/common.sh

mkdir -p "$tmp/src" "$tmp/fleet"
for name in SYSTEM SYSTEM_B SYSTEM_WIN_10_1709 corrupted_system_hive; do
	xz -dc "$SHARED/$name.xz" > "$tmp/src/$name"
done
for log in "$SHARED"/SYSTEM_B.LOG*.xz; do
	xz -dc "$log" > "$tmp/src/$(basename "$log" .xz)"
done
n=0
for copy in 1 2 3 4 5 6; do
	for name in SYSTEM SYSTEM_B SYSTEM_WIN_10_1709 corrupted_system_hive; do
		n=$((n + 1))
		dir="$tmp/fleet/$(printf 'pc%02d' "$n")"
		mkdir -p "$dir"
		cp "$tmp/src/$name" "$dir/"
		[ "$name" = SYSTEM_B ] && cp "$tmp/src/SYSTEM_B.LOG1" "$tmp/src/SYSTEM_B.LOG2" "$dir/"
	done
done
bytes=$(du -sb "$tmp/fleet" | cut -f1)

i=0
while [ "$i" -lt "$RUNS" ]; do
	run j1 "$DMARSCAN" -r -j 1 --progress never -f jsonl -o "$tmp/out1.jsonl" "$tmp/fleet"
	run j2 "$DMARSCAN" -r -j 2 --progress never -f jsonl -o "$tmp/out2.jsonl" "$tmp/fleet"
	i=$((i + 1))
done
cmp -s "$tmp/out1.jsonl" "$tmp/out2.jsonl" || echo "bench: WARNING: -j1 and -j2 reports differ"

echo "$n hives ($bytes bytes with logs) on $(nproc) CPUs; $RUNS runs each; median wall time, peak RSS"
printf '  %-30s %8s ms %8s MiB\n' "dmarscan -r -j 1 -f jsonl" "$(median_ms "$tmp/j1")" "$(max_mib "$tmp/j1")"
printf '  %-30s %8s ms %8s MiB\n' "dmarscan -r -j 2 -f jsonl" "$(median_ms "$tmp/j2")" "$(max_mib "$tmp/j2")"
awk -v a="$(median_ms "$tmp/j1")" -v b="$(median_ms "$tmp/j2")" \
	'BEGIN { printf "  -j 2 is %.2f times as fast as -j 1\n", a / b }'
