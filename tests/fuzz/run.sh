#!/bin/sh
# Run the libFuzzer harness for a fixed number of executions (make fuzz).
#
#   make fuzz                         FUZZ_RUNS=100000 by default
#   make fuzz FUZZ_RUNS=1000000 FUZZ_JOBS=2   (2 at a time)
#
# The seed corpus is made here, in the build folder, from what the tests
# build (run 'make check' first): every fixture hive, the demo hive, each
# transaction-log scenario as one input (hive and logs joined by the
# harness's separator) and, when ../shared is there, the first 64 KiB of
# each real hive.  New
# inputs the fuzzer finds are kept in tests/work/fuzz/corpus; crashes,
# leaks and timeouts are written to tests/work/fuzz/artifacts - copy them
# to tests/corpus/ so the regression test runs them from then on.
set -eu
: "${abs_top_srcdir:?run me through make fuzz}" "${abs_top_builddir:?}"
harness="$abs_top_builddir/tests/fuzz/fuzz_report"
work="$abs_top_builddir/tests/work/fuzz"
runs="${FUZZ_RUNS:-100000}"
jobs="${FUZZ_JOBS:-1}"
[ -x "$harness" ] || { echo "fuzz: $harness not built (configure CC=clang --enable-fuzzer)" >&2; exit 1; }
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"

seeds=0
add() {   # add NAME FILE...: one seed, the files joined by the separator
	name="$1"; shift
	out="$work/seeds/$name"
	first=1
	: > "$out"
	for f in "$@"; do
		[ "$first" -eq 1 ] || printf '\n--dmarscan-fuzz-log--\n' >> "$out"
		cat "$f" >> "$out"
		first=0
	done
	seeds=$((seeds + 1))
}
for h in "$abs_top_builddir"/tests/work/fixtures/hives/*.hive \
         "$abs_top_builddir"/testdata/*.hive; do
	[ -f "$h" ] && add "fixture-$(basename "$h")" "$h"
done
for d in "$abs_top_builddir"/tests/work/txlog/prebuilt/*/ "$abs_top_builddir"/tests/work/txlog/states/*/; do
	[ -f "$d/SYSTEM" ] || continue
	logs=""
	for l in "$d"/SYSTEM.LOG1 "$d"/SYSTEM.LOG2; do [ -f "$l" ] && logs="$logs $l"; done
	# shellcheck disable=SC2086 # the log paths hold no spaces
	add "txlog-$(basename "$d")" "$d/SYSTEM" $logs
done
if [ "${FUZZ_REAL:-1}" = 1 ] && [ -n "${SHARED_HIVES_DIR:-}" ] && [ -d "$SHARED_HIVES_DIR" ]; then
	# the first 64 KiB of each (base block made to agree): whole real
	# hives of 3 to 15 MB would slow every execution a hundredfold
	for x in "$SHARED_HIVES_DIR"/*.xz; do
		case "$x" in *.LOG*) continue ;; esac
		xz -dc "$x" > "$work/real.tmp" &&
			"$abs_top_builddir/tests/tools/mutate" --cut "$work/real.tmp" "$work/real.cut" 65536 &&
			add "real-$(basename "$x" .xz)" "$work/real.cut"
	done
	rm -f "$work/real.cut"
	rm -f "$work/real.tmp"
fi
for f in "$abs_top_srcdir"/tests/corpus/*; do
	case "$f" in
	*.md) ;;
	*.xz) xz -dc "$f" > "$work/seeds/corpus-$(basename "$f" .xz)" && seeds=$((seeds + 1)) ;;
	*) cp "$f" "$work/seeds/corpus-$(basename "$f")" && seeds=$((seeds + 1)) ;;
	esac
done
# seeds over 160 KiB (large corpus entries) would slow every execution:
# the regression test runs them whole
find "$work/seeds" -type f -size +160k -exec rm -f {} +
seeds=$(find "$work/seeds" -type f | wc -l)
echo "fuzz: $seeds seeds, $runs runs, $jobs at a time"
[ "$seeds" -gt 0 ] || { echo "fuzz: no seeds: run 'make check' first" >&2; exit 1; }

cd "$work"
rm -f fuzz-*.log
# The runs are split into jobs of at most 100000 executions, FUZZ_JOBS of
# them at a time, sharing the corpus: each job is a fresh process, so memory
# libregf loses on damaged keys (216 bytes a key, its own leak) is given back
per_job=$(( runs < 100000 ? runs : 100000 ))
n_jobs=$(( (runs + per_job - 1) / per_job ))
"$harness" -runs="$per_job" -jobs="$n_jobs" -workers="$jobs" \
	-max_len="${FUZZ_MAX_LEN:-163840}" -timeout=20 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work/corpus" "$work/seeds"
executed=$(cat fuzz-*.log | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{ s += $1 } END { print s + 0 }')
crashed=$(grep -l -E '^==[0-9]+== ?ERROR|^SUMMARY: ' fuzz-*.log 2>/dev/null | wc -l)
echo "fuzz: $n_jobs jobs, $executed executions, $crashed job(s) with an error"
echo "fuzz: corpus $(find "$work/corpus" -type f | wc -l) inputs; artifacts: $(find "$work/artifacts" -type f | wc -l)"
[ "$crashed" -eq 0 ] && [ -z "$(find "$work/artifacts" -type f)" ]
