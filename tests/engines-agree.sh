#!/bin/sh
# Two readers, one report: dmarscan's own cell reader (the default) and
# libregf (--engine libregf) must give byte-identical JSON - every control
# set, the key security, the DriverDatabase - for every fixture hive (built
# from tests/fixtures/*.reg with hivex, a writer we did not write) and, when
# ../shared is there, every real hive.  A difference names the hive and the
# first lines that differ.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
work="$abs_top_builddir/tests/work/engines"
rm -rf "$work"
mkdir -p "$work"
failed=0
compared=0

# compare HIVE [ARGS...]
compare() {
	hive="$1"; shift
	name=$(basename "$hive")
	for engine in native libregf; do
		"$DMARSCAN" -f json --control-set all --no-software --engine "$engine" \
			"$@" "$hive" > "$work/$name.$engine.json" 2> "$work/$name.$engine.err"
		echo $? > "$work/$name.$engine.rc"
	done
	compared=$((compared + 1))
	if ! cmp -s "$work/$name.native.json" "$work/$name.libregf.json" ||
	   ! cmp -s "$work/$name.native.rc" "$work/$name.libregf.rc"; then
		echo "FAIL $name: the engines disagree"
		diff "$work/$name.native.json" "$work/$name.libregf.json" | head -20
		failed=1
	fi
}

if command -v "$HIVEXREGEDIT" >/dev/null 2>&1; then
	for reg in "$abs_top_srcdir"/tests/fixtures/*.reg; do
		hive="$work/$(basename "$reg" .reg)"
		if "$REG2HIVE" "$reg" "$hive" 2> "$work/reg2hive.err"; then
			compare "$hive"
		else
			echo "FAIL $reg: cannot build it"; cat "$work/reg2hive.err"; failed=1
		fi
	done
else
	echo "note: $HIVEXREGEDIT not found: fixture hives not compared"
fi

# the real hives, but the corrupted one: its overwritten bins are read
# differently by design (libregf stops at the first bad bin, dmarscan maps
# every sound bin and reads what they hold)
if [ -d "$SHARED_HIVES_DIR" ] && command -v xz >/dev/null 2>&1; then
	for xz in "$SHARED_HIVES_DIR"/SYSTEM*.xz; do
		case "$xz" in *.LOG*) continue ;; esac
		base=$(basename "$xz" .xz)
		xz -dc "$xz" > "$work/$base" || { failed=1; continue; }
		for log in "$SHARED_HIVES_DIR/$base".LOG*.xz; do
			[ -f "$log" ] && xz -dc "$log" > "$work/$(basename "$log" .xz)"
		done
		compare "$work/$base"
		compare "$work/$base" --no-logs
	done
else
	echo "note: $SHARED_HIVES_DIR not available: real hives not compared"
fi

echo "engines: $compared hives compared"
[ "$compared" -gt 0 ] || { echo "SKIP: nothing to compare"; exit 77; }
exit $failed
