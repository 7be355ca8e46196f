#!/bin/sh
# Hostile input: dmarscan must end every run with 0, 1 or 3 - no signal, no
# sanitizer report (exit 86 under --enable-sanitizers), nothing over 20
# seconds - and write valid JSON, JSON Lines and CSV whatever the hive holds.
#
# Inputs: every file of tests/corpus/ (each crash or hang the fuzzer found,
# kept for good), and mutants made here by tests/tools/mutate (bit flips,
# truncation, cell sizes, offsets and counts overwritten) of fixture hives
# and, when ../shared is there, of the real hives.  The same mutants every
# time: a failure names its file, which stays in tests/work/hostile.
#
#   MUTANTS=N   mutants per fixture hive (default 36), per real hive N/3
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
work="$abs_top_builddir/tests/work/hostile"
MUTATE="$abs_top_builddir/tests/tools/mutate"
JSONVALID="$abs_top_builddir/tests/tools/jsonvalid"
per_fixture="${MUTANTS:-36}"
per_real=$((per_fixture / 3))
rm -rf "$work"
mkdir -p "$work/in" "$work/out"
failed=0
runs=0
inputs=0
slowest=0
slowest_run=""

# run FILE FORMAT [ARGS...]: one dmarscan run, its output checked
run() {
	file="$1"; format="$2"; shift 2
	out="$work/out/$(basename "$file").$format"
	start=$(date +%s)
	timeout 20 "$DMARSCAN" --no-color -f "$format" "$@" "$file" > "$out" 2> "$out.err"
	rc=$?
	took=$(( $(date +%s) - start ))
	runs=$((runs + 1))
	if [ "$took" -gt "$slowest" ]; then slowest=$took; slowest_run="$file ($format)"; fi
	case "$rc" in
	0|1|3) ;;
	124) echo "FAIL $file -f $format: over 20 seconds"; failed=1; return ;;
	86) echo "FAIL $file -f $format: sanitizer report"; sed -n '1,30p' "$out.err"; failed=1; return ;;
	*) echo "FAIL $file -f $format: exit $rc"; sed -n '1,10p' "$out.err"; failed=1; return ;;
	esac
	case "$format" in
	json) "$JSONVALID" json "$out" || { echo "FAIL $file: invalid JSON"; failed=1; } ;;
	timeline|jsonl) "$JSONVALID" jsonl "$out" || { echo "FAIL $file: invalid JSON lines"; failed=1; } ;;
	csv) [ -s "$out" ] && head -c 5 "$out" | grep -q '^hive,' ||
		{ echo "FAIL $file: no CSV header"; failed=1; } ;;
	esac
}

# every format, every section of the text report, every control set
run_all() {
	inputs=$((inputs + 1))
	run "$1" text --tree --acls -v --control-set all
	run "$1" json --control-set all
	run "$1" csv
	run "$1" jsonl --control-set all
	run "$1" timeline
}

# A hive grown past the size from which files are mapped rather than read
# (one more hive bin, free) must give the report the hive itself gives, and
# stay as it was: the guard lowers counts in private copies of its pages.
mapped=0
mapped_same() {   # HIVE
	padded="$work/in/padded.hive"
	"$MUTATE" --pad "$1" "$padded" 2097152 || { failed=1; return; }
	before=$(sha256sum <"$padded")
	for f in "$1" "$padded"; do
		timeout 20 "$DMARSCAN" -f jsonl --control-set all "$f" 2>/dev/null |
			sed 's/"hive":"[^"]*",\("image":null,\)\{0,1\}"hive_sha256":[^,]*,//; s/"size":[0-9]*,//' \
			>"$f.norm"
	done
	if ! cmp -s "$1.norm" "$padded.norm"; then
		echo "FAIL $1: read and mapped (padded) give other reports"
		diff "$1.norm" "$padded.norm" | head -n 6
		failed=1
	fi
	[ "$(sha256sum <"$padded")" = "$before" ] ||
		{ echo "FAIL $1: the mapped file changed"; failed=1; }
	rm -f "$1.norm" "$padded" "$padded.norm"
	mapped=$((mapped + 1))
}

mkdir -p "$work/in/corpus"
for f in "$abs_top_srcdir"/tests/corpus/*; do
	case "$f" in
	*.md) continue ;;
	*.xz)
		command -v xz >/dev/null 2>&1 || { echo "SKIP $f: no xz"; continue; }
		xz -dc "$f" > "$work/in/corpus/$(basename "$f" .xz)" || { failed=1; continue; }
		f="$work/in/corpus/$(basename "$f" .xz)" ;;
	*)
		cp "$f" "$work/in/corpus/" || { failed=1; continue; }
		f="$work/in/corpus/$(basename "$f")" ;;
	esac
	[ -f "$f" ] && run_all "$f"
done

# fixtures: built here, so this test does not wait for the others
fixtures="tampered weak-acl topology-tb4-dock attack-hardware allowed-buses
hostile-strings software-24h2 drift"
if command -v "$HIVEXREGEDIT" >/dev/null 2>&1; then
	for name in $fixtures; do
		hive="$work/in/$name.hive"
		if ! "$REG2HIVE" "$abs_top_srcdir/tests/fixtures/$name.reg" "$hive" 2> "$work/reg2hive.err"; then
			echo "FAIL $name.reg: cannot build it"; cat "$work/reg2hive.err"; failed=1
			continue
		fi
		mkdir -p "$work/in/$name"
		"$MUTATE" "$hive" "$work/in/$name" "$per_fixture" || failed=1
		for m in "$work/in/$name"/*; do
			run_all "$m"
			k=${m##*.mut}
			# kind 4 (counts the guard lowers) also grown to be mapped
			[ "$(expr "$k" % 6)" = 4 ] && mapped_same "$m"
		done
		mapped_same "$hive"
	done
else
	echo "SKIP fixture mutants: $HIVEXREGEDIT not found"
fi

# The library's own path, which the tool does not take: every input above
# through the fuzzing harness in one process - dmar_scan with its built-in
# tables (the tool passes its own), the report read after they are gone,
# every writer.  A crash or a sanitizer report names the input.
replay="$abs_top_builddir/tests/fuzz/fuzz_replay"
[ -x "$replay" ] || replay="$abs_top_builddir/tests/fuzz/fuzz_report"
replayed=$(find "$work/in" -type f | wc -l)
mkdir -p "$work/replay"
find "$work/in" -type f | sort | TMPDIR="$work/replay" xargs "$replay" \
	> "$work/replay.out" 2> "$work/replay.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL the fuzzing harness on the inputs: exit $rc"
	# the input named last before the report, and the report's head
	awk -v w="$work/" 'index($0, w) == 1 { last = $0 }
		/ERROR: |runtime error: / && !shown { print "  input: " last; n = 10; shown = 1 }
		n-- > 0 { print "  " $0 }
		END { if (!shown) print "  after input: " last }' "$work/replay.err"
	failed=1
fi

# real hives: the JSON report of each mutant (they are large: fewer runs)
real=0
for x in "$SHARED_HIVES_DIR"/*.xz; do
	[ -f "$x" ] || continue
	case "$x" in *.LOG*) continue ;; esac
	command -v xz >/dev/null 2>&1 || break
	name=$(basename "$x" .xz)
	mkdir -p "$work/in/$name"
	xz -dc "$x" > "$work/in/$name.orig"
	"$MUTATE" "$work/in/$name.orig" "$work/in/$name" "$per_real" || failed=1
	rm -f "$work/in/$name.orig"
	for m in "$work/in/$name"/*; do
		inputs=$((inputs + 1))
		run "$m" json
	done
	rm -rf "$work/in/$name"
	real=$((real + 1))
done
[ "$real" -gt 0 ] || echo "SKIP real-hive mutants: $SHARED_HIVES_DIR has no hives"

echo "hostile inputs: $inputs inputs, $runs runs, slowest ${slowest} s ($slowest_run)"
echo "read and mapped alike: $mapped hives"
echo "through the library's own path (built-in tables, every writer): $replayed inputs"
[ "$failed" -eq 0 ] && echo "PASS"
exit "$failed"
