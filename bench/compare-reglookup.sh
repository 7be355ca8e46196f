#!/bin/sh
# Benchmark, not a test: wall time and peak memory of a full dmarscan
# analysis (--format json) beside 'reglookup -p /ControlSet001/Enum/PCI',
# which only lists the same keys, on the same hive.  Median of RUNS runs,
# the two commands alternating so both see the same cache state; the cost
# of the timing harness itself is measured and taken off both.
#
#   bench/compare-reglookup.sh [HIVE [RUNS]]
#
# HIVE defaults to SYSTEM_WIN_10_1709 from ../shared/hives (decompressed into
# a temporary folder).  Needs: a built ./dmarscan, reglookup and GNU time
# (Debian packages reglookup and time).
set -eu
cd "$(dirname "$0")/.."
RUNS=${2:-11}
DMARSCAN=${DMARSCAN:-./dmarscan}
for tool in reglookup /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench: $tool not found (apt-get install reglookup time)" >&2
		exit 1
	}
done
[ -x "$DMARSCAN" ] || { echo "bench: build dmarscan first (make)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hive=${1:-}
if [ -z "$hive" ]; then
	xz -dc ../shared/hives/SYSTEM_WIN_10_1709.xz > "$tmp/SYSTEM_WIN_10_1709"
	hive="$tmp/SYSTEM_WIN_10_1709"
fi

. bench/common.sh

i=0
while [ "$i" -lt "$RUNS" ]; do
	run dmarscan "$DMARSCAN" --format json "$hive"
	run reglookup reglookup -p /ControlSet001/Enum/PCI "$hive"
	run harness true
	i=$((i + 1))
done

size=$(wc -c < "$hive")
echo "hive: $(basename "$hive") ($size bytes); $RUNS runs each; median wall time, peak RSS"
printf '  %-48s %8s ms %8s MiB\n' "dmarscan --format json (full analysis)" \
	"$(median_ms "$tmp/dmarscan")" "$(max_mib "$tmp/dmarscan")"
printf '  %-48s %8s ms %8s MiB\n' "reglookup -p /ControlSet001/Enum/PCI (listing)" \
	"$(median_ms "$tmp/reglookup")" "$(max_mib "$tmp/reglookup")"
# What starting a program under GNU time costs here ('true' timed the same
# way), taken off both before comparing, as hyperfine does.
printf '  %-48s %8s ms\n' "harness (date, GNU time, true)" "$(median_ms "$tmp/harness")"
awk -v a="$(median_ms "$tmp/dmarscan")" -v b="$(median_ms "$tmp/reglookup")" \
	-v h="$(median_ms "$tmp/harness")" 'BEGIN {
	printf "  dmarscan takes %.2f of reglookup'"'"'s wall time (%.2f with the harness)\n",
	       (a - h) / (b - h), a / b }'
