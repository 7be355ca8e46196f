#!/bin/sh
# Benchmark, not a test: how the cost grows with the number of devices.
# Synthetic SYSTEM hives with 50 PCI devices (about a real machine), 10x
# and 100x as many (bench/gen-devices.sh, built with tests/tools/reg2hive),
# each analysed in full (--format json); median wall time of RUNS runs and
# peak RSS, and each relative to the 1x hive.
#
#   bench/scale.sh [RUNS]
#
# Needs: a built tree (make; make check builds tests/tools/reg2hive),
# hivexregedit (libwin-hivex-perl), GNU time.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-11}
DMARSCAN=${DMARSCAN:-./dmarscan}
REG2HIVE=${REG2HIVE:-tests/tools/reg2hive}
[ -x "$DMARSCAN" ] || { echo "bench: build dmarscan first (make)" >&2; exit 1; }
[ -x "$REG2HIVE" ] || { echo "bench: build $REG2HIVE first (make check)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. bench/common.sh

for x in 1 10 100; do
	sh bench/gen-devices.sh $((50 * x)) > "$tmp/x$x.reg"
	"$REG2HIVE" "$tmp/x$x.reg" "$tmp/x$x.hive"
done
i=0
while [ "$i" -lt "$RUNS" ]; do
	for x in 1 10 100; do
		run "x$x" "$DMARSCAN" --format json "$tmp/x$x.hive"
	done
	i=$((i + 1))
done
base=$(median_ms "$tmp/x1")
echo "synthetic hives; $RUNS runs each; median wall time, peak RSS"
for x in 1 10 100; do
	printf '  %5dx: %6d devices %10d bytes %8s ms (%5.2fx) %7s MiB\n' "$x" \
		$((50 * x)) "$(wc -c < "$tmp/x$x.hive")" "$(median_ms "$tmp/x$x")" \
		"$(awk -v a="$(median_ms "$tmp/x$x")" -v b="$base" 'BEGIN { print a / b }')" \
		"$(max_mib "$tmp/x$x")"
done
