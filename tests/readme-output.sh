#!/bin/sh
# The README shows real output: every line of its demo block (and of its
# --tree block, when the real hives are there) must appear in what dmarscan
# prints today.  "..." lines stand for output left out.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
readme="$abs_top_srcdir/README.md"
work="$abs_top_builddir/tests/work/readme"
mkdir -p "$work"
failed=0

# block MARKER: the first ``` block after the line containing MARKER (an
# indented block loses its fence's indentation)
block() {
	awk -v m="$1" 'index($0, m) { found = 1; next }
		found && /^ *```/ { if (inside) exit; inside = 1
			indent = index($0, "`") - 1; next }
		inside { print substr($0, indent + 1) }' "$readme"
}

# check NAME MARKER OUTPUT-FILE
check() {
	block "$2" > "$work/$1.readme"
	if [ ! -s "$work/$1.readme" ]; then
		echo "FAIL $1: no block after '$2' in README.md"
		failed=1
		return
	fi
	while IFS= read -r line; do
		case "$line" in ""|"..."|*"   ...") continue ;; esac
		if ! grep -Fxq -e "$line" "$3"; then
			echo "FAIL $1: README line not in the real output: $line"
			failed=1
		fi
	done < "$work/$1.readme"
	[ "$failed" -eq 0 ] && echo "PASS $1"
}

demo="$abs_top_builddir/testdata/demo-laptop.hive"
if [ ! -f "$demo" ]; then
	echo "SKIP: $demo not built (needs hivexregedit)"
	exit 77
fi
(cd "$abs_top_builddir" && "$DMARSCAN" testdata/demo-laptop.hive) > "$work/demo.out"
# shellcheck disable=SC2016 # the backticks are literal README text
check demo '`make demo` shows' "$work/demo.out"

hive="$SHARED_HIVES_DIR/SYSTEM_WIN_10_1709.xz"
if [ -f "$hive" ] && command -v xz >/dev/null 2>&1; then
	xz -dc "$hive" > "$work/SYSTEM_WIN_10_1709"
	"$DMARSCAN" --tree --no-color "$work/SYSTEM_WIN_10_1709" > "$work/tree.out"
	check tree 'hypervisor hot-plug slots look like that' "$work/tree.out"
else
	echo "SKIP tree: $hive not available"
fi

if [ -f "$SHARED_HIVES_DIR/SYSTEM_B.xz" ] && [ -f "$SHARED_HIVES_DIR/SYSTEM_B.LOG1.xz" ] &&
	[ -f "$SHARED_HIVES_DIR/SYSTEM_B.LOG2.xz" ] && command -v xz >/dev/null 2>&1; then
	for f in SYSTEM_B SYSTEM_B.LOG1 SYSTEM_B.LOG2; do
		xz -dc "$SHARED_HIVES_DIR/$f.xz" > "$work/$f"
	done
	(cd "$work" && "$DMARSCAN" --no-color SYSTEM_B) > "$work/logs.out"
	check logs 'device that only the logs hold' "$work/logs.out"
	(cd "$work" && "$DMARSCAN" --no-color --acls SYSTEM_B) > "$work/acls.out"
	check acls 'LOCAL SERVICE may rewrite' "$work/acls.out"
else
	echo "SKIP logs: SYSTEM_B and its logs not available"
fi
exit "$failed"
