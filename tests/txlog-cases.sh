#!/bin/sh
# Transaction-log replay, end to end, on synthetic logs.
#
# 1. Build four successive states of one hive from tests/fixtures/txlog/
#    (reg2hive --base: each state is the one before plus one step).
# 2. mklog turns the steps into sound and damaged logs beside a dirty copy
#    of state 0, one folder per scenario, with the state a correct replay
#    must end in (EXPECTED) and the pages it writes (EXPECTED.pages).
# 3. The JSON cases in tests/cases-txlog/ check what dmarscan reports.
# 4. For every scenario, --save-recovered must give exactly EXPECTED's hive
#    bins, report EXPECTED.pages pages changed and the saved file's sha256,
#    and open again (libregf, hivex, reglookup), clean when recovered.
# 5. Guard rails: -o and --save-recovered never write over or beside the
#    evidence; a FIFO named like a log does not block.
# 6. The evidence (hives and logs) must be bit for bit what it was, with no
#    file added beside it.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
MKLOG="$abs_top_builddir/tests/tools/mklog"
MEMOPEN="$abs_top_builddir/tests/tools/memopen"
if ! command -v "${HIVEXREGEDIT:-hivexregedit}" >/dev/null 2>&1; then
	echo "SKIP: hivexregedit not found (Debian package libwin-hivex-perl)"
	exit 77
fi

work="$abs_top_builddir/tests/work/txlog"
steps="$abs_top_srcdir/tests/fixtures/txlog"
rm -rf "$work"
mkdir -p "$work/states" "$work/saved" || exit 99

fail=0
problem() {
	echo "FAIL $*"
	fail=1
}

# 1. the states
"$REG2HIVE" "$steps/step0.reg" "$work/states/h0" || exit 99
for k in 1 2 3; do
	"$REG2HIVE" --base "$work/states/h$((k - 1))" "$steps/step$k.reg" \
		"$work/states/h$k" || exit 99
done

# 2. the scenarios
"$MKLOG" "$work/prebuilt" "$work"/states/h0 "$work"/states/h1 \
	"$work"/states/h2 "$work"/states/h3 || exit 99
evidence_hashes() {
	(cd "$work/prebuilt" && find . -type f ! -name 'EXPECTED*' | LC_ALL=C sort |
		xargs sha256sum)
}
evidence_hashes >"$work/evidence-before.sha256" || exit 99

# 3. the JSON cases
"$RUNCASES" --dmarscan "$DMARSCAN" --reg2hive "$REG2HIVE" \
	--cases "$abs_top_srcdir/tests/cases-txlog" \
	--fixtures "$abs_top_srcdir/tests/fixtures" \
	--prebuilt "$work/prebuilt" --work "$work/run" "$@" || fail=1

# 4. the recovered bytes
opens_elsewhere() {   # FILE: hivex and reglookup read it (when installed)
	if command -v hivexsh >/dev/null 2>&1 &&
		! printf 'cd \\ControlSet001\\Enum\\PCI\nls\n' | hivexsh "$1" >/dev/null 2>&1; then
		echo "hivexsh cannot read it"
	elif command -v reglookup >/dev/null 2>&1 &&
		! reglookup -p /ControlSet001/Enum/PCI "$1" >/dev/null 2>&1; then
		echo "reglookup cannot read it"
	fi
}
for dir in "$work"/prebuilt/*/; do
	name=$(basename "$dir")
	saved="$work/saved/$name"
	bad=0
	"$DMARSCAN" --format json --save-recovered "$saved" "$dir/SYSTEM" \
		>"$saved.json" 2>"$saved.stderr"
	status=$?
	if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
		problem "$name: dmarscan exited $status (see $saved.stderr)"
		continue
	fi
	if ! cmp -s -i 4096 "$saved" "$dir/EXPECTED"; then
		problem "$name: the recovered hive bins differ from the expected state" \
			"($(cmp -i 4096 "$saved" "$dir/EXPECTED" 2>&1 | head -n 1))"
		bad=1
	fi
	pages=$(cat "$dir/EXPECTED.pages")
	if ! grep -q "\"recovered_pages\": $pages," "$saved.json"; then
		problem "$name: expected \"recovered_pages\": $pages in $saved.json"
		bad=1
	fi
	# recovered: the saved hive is clean and hashes as reported; else it is
	# the primary as it was
	want='"dirty": false'
	if [ "$pages" -eq 0 ]; then
		want=$(grep -o '"dirty": [a-z]*' "$saved.json")
	elif ! grep -q "\"sha256\": \"$(sha256sum <"$saved" | cut -c1-64)\"" "$saved.json"; then
		problem "$name: the saved file's sha256 is not the reported recovered_image"
		bad=1
	fi
	"$DMARSCAN" --format json "$saved" >"$saved.reopened.json" 2>&1
	status=$?
	if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
		problem "$name: the saved hive does not open again (exit $status)"
		bad=1
	elif ! grep -q "$want" "$saved.reopened.json"; then
		problem "$name: the saved hive opens, but without $want"
		bad=1
	fi
	# the same hive and logs given as buffers replay the same
	logs=""
	for f in "$dir"/*; do
		case ${f##*/} in
		[Ss][Yy][Ss][Tt][Ee][Mm].[Ll][Oo][Gg]*) logs="$logs $f" ;;
		esac
	done
	# shellcheck disable=SC2086
	if ! "$MEMOPEN" "$dir/SYSTEM" $logs >"$saved.memopen" 2>&1; then
		problem "$name: opened from memory: $(cat "$saved.memopen")"
		bad=1
	fi
	why=$(opens_elsewhere "$saved")
	if [ -n "$why" ]; then
		problem "$name: $why"
		bad=1
	fi
	[ "$bad" -eq 0 ] &&
		echo "ok $name: $pages pages changed, hive bins as expected, $want," \
			"opens in libregf, hivex, reglookup, the same from memory"
done

# 5. Guard rails.  expect NAME STATUS TEXT CMD...: CMD exits STATUS and its
# standard error contains TEXT (when not empty).
expect() {
	what=$1 want=$2 text=$3
	shift 3
	"$@" >"$work/guard.out" 2>"$work/guard.err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		problem "$what: exit $got, expected $want ($(head -n 1 "$work/guard.err"))"
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$work/guard.err"; then
		problem "$what: stderr lacks '$text': $(head -n 2 "$work/guard.err")"
	else
		echo "ok $what"
	fi
}
dual="$work/prebuilt/new-dual"
expect "--save-recovered refuses to write over the hive" 3 \
	"refusing to write over an input" \
	"$DMARSCAN" --save-recovered "$dual/SYSTEM" "$dual/SYSTEM"
expect "--save-recovered refuses to write over a log" 3 "transaction log" \
	"$DMARSCAN" --save-recovered "$dual/SYSTEM.LOG2" "$dual/SYSTEM"
expect "--save-recovered refuses to create a log-named file beside a hive" 3 \
	"transaction log" "$DMARSCAN" --save-recovered "$dual/system.log" "$dual/SYSTEM"
expect "--save-recovered refuses the folder of an input" 3 \
	"refusing to write into the folder of an input" \
	"$DMARSCAN" --save-recovered "$dual/SYSTEM.copy" "$dual/SYSTEM"
expect "--save-recovered never replaces an existing file" 3 "never replaced" \
	"$DMARSCAN" --save-recovered "$work/saved/new-dual" "$dual/SYSTEM"
expect "-o refuses a transaction log of an input" 2 "transaction log" \
	"$DMARSCAN" -o "$dual/SYSTEM.LOG1" "$dual/SYSTEM"
expect "-o refuses an input" 2 "refusing to write over an input" \
	"$DMARSCAN" -o "$dual/SYSTEM" "$dual/SYSTEM"
expect "--save-recovered refuses a file for two hives" 2 "give an existing folder" \
	"$DMARSCAN" --save-recovered "$work/saved/two" "$dual/SYSTEM" \
	"$work/prebuilt/gap/SYSTEM"
expect "--save-recovered refuses --no-logs" 2 "exclude each other" \
	"$DMARSCAN" --no-logs --save-recovered "$work/saved/x" "$dual/SYSTEM"
mkdir -p "$work/saved/folder"
expect "a folder takes one hive of a name, refuses the second" 3 \
	"another hive of the same name" "$DMARSCAN" --save-recovered \
	"$work/saved/folder" "$dual/SYSTEM" "$work/prebuilt/gap/SYSTEM"
cmp -s -i 4096 "$work/saved/folder/SYSTEM" "$dual/EXPECTED" ||
	problem "the folder target did not receive the first hive, recovered"
# any hive type: a hive without control sets is saved, and exits 0
"$REG2HIVE" "$abs_top_srcdir/tests/fixtures/not-system.reg" \
	"$work/states/SOFTWARE" || exit 99
expect "a hive that is not SYSTEM is not analysed (exit 3)" 3 \
	"not a SYSTEM hive" "$DMARSCAN" "$work/states/SOFTWARE"
expect "... but saving it is a job done (exit 0)" 0 "written to" \
	"$DMARSCAN" --save-recovered "$work/saved/SOFTWARE" "$work/states/SOFTWARE"
cmp -s "$work/saved/SOFTWARE" "$work/states/SOFTWARE" ||
	problem "the saved SOFTWARE hive differs from the clean original"
# a FIFO named like a log must not block the tool
mkdir -p "$work/fifo"
cp "$dual/SYSTEM" "$dual/SYSTEM.LOG1" "$work/fifo/" || exit 99
if mkfifo "$work/fifo/SYSTEM.LOG2" 2>/dev/null; then
	expect "a FIFO named SYSTEM.LOG2 is skipped, not waited for" 0 "" \
		timeout 20 "$DMARSCAN" "$work/fifo/SYSTEM"
	grep -q "not a regular file" "$work/guard.out" ||
		problem "the FIFO log is not reported as not a regular file"
fi

# 6. the evidence
evidence_hashes >"$work/evidence-after.sha256" || exit 99
if ! cmp -s "$work/evidence-before.sha256" "$work/evidence-after.sha256"; then
	problem "evidence changed or files were added beside it:"
	diff "$work/evidence-before.sha256" "$work/evidence-after.sha256"
else
	echo "ok evidence: $(wc -l <"$work/evidence-after.sha256") files hashed" \
		"before and after, unchanged, nothing added"
fi
exit $fail
