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
#    bins, report EXPECTED.pages pages, and open again as a clean hive.
# 5. The evidence (hives and logs) must be bit for bit what it was, with no
#    file added beside it.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
MKLOG="$abs_top_builddir/tests/tools/mklog"
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
for dir in "$work"/prebuilt/*/; do
	name=$(basename "$dir")
	saved="$work/saved/$name"
	before=$fail
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
	fi
	pages=$(cat "$dir/EXPECTED.pages")
	if ! grep -q "\"recovered_pages\": $pages," "$saved.json"; then
		problem "$name: expected \"recovered_pages\": $pages in $saved.json"
	fi
	# recovered: the saved hive is clean; else it is the primary as it was
	want='"dirty": false'
	[ "$pages" -eq 0 ] && want=$(grep -o '"dirty": [a-z]*' "$saved.json")
	"$DMARSCAN" --format json "$saved" >"$saved.reopened.json" 2>&1
	status=$?
	if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
		problem "$name: the saved hive does not open again (exit $status)"
	elif ! grep -q "$want" "$saved.reopened.json"; then
		problem "$name: the saved hive opens, but without $want"
	fi
	[ "$fail" = "$before" ] &&
		echo "ok $name: $pages pages replayed, hive bins as expected, $want"
done

# 5. --save-recovered's guard rails.  expect NAME STATUS TEXT CMD...: CMD
# exits STATUS and its standard error contains TEXT.
expect() {
	what=$1 want=$2 text=$3
	shift 3
	"$@" >"$work/guard.out" 2>"$work/guard.err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		problem "$what: exit $got, expected $want ($(head -n 1 "$work/guard.err"))"
	elif ! grep -qF -- "$text" "$work/guard.err"; then
		problem "$what: stderr lacks '$text': $(head -n 2 "$work/guard.err")"
	else
		echo "ok $what"
	fi
}
dual="$work/prebuilt/new-dual"
expect "refuses to write over the hive" 3 "refusing to write over an input" \
	"$DMARSCAN" --save-recovered "$dual/SYSTEM" "$dual/SYSTEM"
expect "refuses to write over a log" 3 "refusing to write over its transaction log" \
	"$DMARSCAN" --save-recovered "$dual/SYSTEM.LOG2" "$dual/SYSTEM"
expect "refuses a file for two hives" 2 "give an existing folder" \
	"$DMARSCAN" --save-recovered "$work/saved/two" "$dual/SYSTEM" \
	"$work/prebuilt/gap/SYSTEM"
expect "refuses --no-logs with --save-recovered" 2 "exclude each other" \
	"$DMARSCAN" --no-logs --save-recovered "$work/saved/x" "$dual/SYSTEM"
mkdir -p "$work/saved/folder"
expect "saves two hives of one name once, refuses the second" 3 \
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
