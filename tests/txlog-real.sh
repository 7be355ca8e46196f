#!/bin/sh
# The shared SYSTEM_B hive with its two transaction logs, as on the disk:
# replay it, save the recovered hive, and check that
#   - the evidence (hive and logs) is bit for bit what it was, and nothing
#     was written beside it;
#   - the saved hive opens in libregf (dmarscan), hivex (hivexsh,
#     hivexregedit) and reglookup, clean, holding the device that only the
#     logs hold, with more keys and values than the stale primary.
# Skips when the shared hives (or xz) are not there.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
for f in SYSTEM_B SYSTEM_B.LOG1 SYSTEM_B.LOG2; do
	if [ ! -r "$SHARED_HIVES_DIR/$f.xz" ]; then
		echo "SKIP: $SHARED_HIVES_DIR/$f.xz not available"
		exit 77
	fi
done
for tool in xz hivexsh hivexregedit reglookup; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (scripts/setup-debian.sh installs it)"
		exit 77
	fi
done

work="$abs_top_builddir/tests/work/txlog-real"
evidence="$work/evidence"
rm -rf "$work"
mkdir -p "$evidence" || exit 99
for f in SYSTEM_B SYSTEM_B.LOG1 SYSTEM_B.LOG2; do
	xz -dc "$SHARED_HIVES_DIR/$f.xz" >"$evidence/$f" || exit 99
done
chmod a-w "$evidence"/* || exit 99
hashes() { (cd "$evidence" && ls -A | LC_ALL=C sort | xargs sha256sum); }
hashes >"$work/before.sha256" || exit 99

fail=0
problem() {
	echo "FAIL $*"
	fail=1
}
new_device='VEN_10DE&DEV_0BEA&SUBSYS_00000000&REV_A1'
saved="$work/SYSTEM_B.recovered"

"$DMARSCAN" --format json --save-recovered "$saved" "$evidence/SYSTEM_B" \
	>"$work/replay.json" 2>"$work/replay.stderr"
status=$?
[ "$status" -eq 0 ] || problem "dmarscan --save-recovered exited $status"
grep -q '"recovered_pages": 481,' "$work/replay.json" ||
	problem "the replay did not report 481 pages changed"

# Evidence unchanged, nothing added beside it.
hashes >"$work/after.sha256" || exit 99
if cmp -s "$work/before.sha256" "$work/after.sha256"; then
	echo "ok evidence unchanged:"
	sed 's/^/   /' "$work/after.sha256"
else
	problem "the evidence folder changed:"
	diff "$work/before.sha256" "$work/after.sha256"
fi

# The hive and its logs given to the library as buffers: the same replay.
if "$abs_top_builddir/tests/tools/memopen" "$evidence/SYSTEM_B" \
	"$evidence/SYSTEM_B.LOG1" "$evidence/SYSTEM_B.LOG2" >"$work/memopen" 2>&1; then
	echo "ok opened from memory, the logs as buffers: the same replay and hashes"
else
	problem "opened from memory: $(cat "$work/memopen")"
fi

# libregf, through dmarscan: the saved hive is clean and holds the device.
"$DMARSCAN" --format json "$saved" >"$work/reopened.json" 2>&1 ||
	problem "dmarscan cannot analyse the saved hive"
grep -q '"dirty": false' "$work/reopened.json" ||
	problem "the saved hive is not clean"
grep -q "$new_device" "$work/reopened.json" &&
	echo "ok libregf: the saved hive is clean and lists $new_device" ||
	problem "the saved hive lacks $new_device"

# hivex: the new device's key is there, and not in the stale primary.
list_pci() {
	printf 'cd \\ControlSet001\\Enum\\PCI\nls\n' | hivexsh "$1"
}
if list_pci "$saved" >"$work/hivexsh.saved" 2>&1 &&
	grep -q "^$new_device\$" "$work/hivexsh.saved" &&
	list_pci "$evidence/SYSTEM_B" >"$work/hivexsh.stale" 2>&1 &&
	! grep -q "^$new_device\$" "$work/hivexsh.stale"; then
	echo "ok hivexsh: Enum\\PCI has $(wc -l <"$work/hivexsh.saved") hardware" \
		"keys in the saved hive, $(wc -l <"$work/hivexsh.stale") in the stale primary"
else
	problem "hivexsh: the saved hive does not show $new_device under Enum\\PCI" \
		"(or the stale primary does)"
fi

# Key and value counts: hivexregedit's export and reglookup must agree on
# the saved hive, and it must hold more than the stale primary.
hivex_counts() {
	hivexregedit --export "$1" '\' 2>/dev/null |
		awk '/^\[/ { k++ } /^("|@)/ { v++ } END { print k + 0, v + 0 }'
}
reglookup_counts() {
	reglookup "$1" 2>/dev/null |
		awk -F, 'NR > 1 { if ($2 == "KEY") k++; else v++ } END { print k + 0, v + 0 }'
}
saved_hivex=$(hivex_counts "$saved")
saved_reglookup=$(reglookup_counts "$saved")
stale_hivex=$(hivex_counts "$evidence/SYSTEM_B")
stale_reglookup=$(reglookup_counts "$evidence/SYSTEM_B")
echo "   keys values: saved hivex $saved_hivex, reglookup $saved_reglookup;" \
	"stale primary hivex $stale_hivex, reglookup $stale_reglookup"
if [ "$saved_hivex" != "$saved_reglookup" ]; then
	problem "hivex and reglookup disagree on the saved hive"
fi
set -- $saved_hivex $stale_hivex
if [ "$1" -gt "$3" ] && [ "$2" -gt "$4" ]; then
	echo "ok hivex and reglookup: the saved hive has $(($1 - $3)) keys and" \
		"$(($2 - $4)) values more than the stale primary"
else
	problem "the saved hive does not hold more keys and values than the stale primary"
fi
exit $fail
