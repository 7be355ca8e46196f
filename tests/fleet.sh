#!/bin/sh
# Many hives at once: folders searched for hives by signature (-r), SOFTWARE
# paired within a folder, logs and other hives left alone, the same report
# whatever -j, and 'dmarscan diff' with its exit status.  Hives are built
# from the fixtures with hivex.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
work="$abs_top_builddir/tests/work/fleet"
JSONVALID="$abs_top_builddir/tests/tools/jsonvalid"
rm -rf "$work"
mkdir -p "$work/tree/pc1" "$work/tree/pc2/deep" "$work/out"
failed=0
checks=0
if ! command -v "$HIVEXREGEDIT" >/dev/null 2>&1; then
	echo "SKIP: $HIVEXREGEDIT not found (Debian package libwin-hivex-perl)"
	exit 77
fi
build() { "$REG2HIVE" "$abs_top_srcdir/tests/fixtures/$1.reg" "$2" || failed=1; }
ok() { checks=$((checks + 1)); echo "ok $*"; }
bad() { checks=$((checks + 1)); echo "FAIL $*"; failed=1; }

# pc1: a dock machine with its SOFTWARE hive (24H2); names as Windows has them
build topology-tb4-dock "$work/tree/pc1/SYSTEM"
build software-24h2 "$work/tree/pc1/SOFTWARE"
# pc2: an oddly named SYSTEM hive, a SAM-like hive of another kind, a file
# that only looks like a log of it, and junk
build tampered "$work/tree/pc2/evidence-17.bin"
build not-system "$work/tree/pc2/SAM"
build not-system "$work/tree/pc2/mystery.hiv"   # no name to go by: opened, passed over
printf 'regf' > "$work/tree/pc2/notes.txt"
head -c 100 /dev/urandom > "$work/tree/pc2/random.dat"
# deeper: only found with -r
build weak-acl "$work/tree/pc2/deep/SYSTEM"

"$DMARSCAN" -f jsonl --progress never "$work/tree" > "$work/out/top.jsonl" 2> "$work/out/top.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'no SYSTEM hive in this folder (-r also' "$work/out/top.err" &&
	ok "a folder without hives at its top: exit 3, the message suggests -r" ||
	bad "folder without -r: exit $rc, $(cat "$work/out/top.err")"

"$DMARSCAN" -r -j1 -f jsonl --progress never "$work/tree" > "$work/out/j1.jsonl" 2> "$work/out/j1.err"
rc1=$?
hives=$(grep -c '"type":"hive"' "$work/out/j1.jsonl")
[ "$hives" -eq 3 ] && ok "-r finds the 3 SYSTEM hives (SAM, a hive that is no SYSTEM hive, junk passed over)" ||
	bad "-r found $hives hives: $(grep -o '"hive":"[^"]*"' "$work/out/j1.jsonl" | sort -u)"
grep '"type":"hive"' "$work/out/j1.jsonl" | grep -q "pc2/evidence-17.bin" &&
	ok "a SYSTEM hive is recognised by content, not by name" ||
	bad "evidence-17.bin not analysed"
grep '"type":"hive"' "$work/out/j1.jsonl" | grep "pc1/SYSTEM" | grep -q '"os_build":"26100' &&
	ok "the SOFTWARE hive of the same folder is paired (OS build 26100)" ||
	bad "pc1 not paired with its SOFTWARE hive"
[ "$rc1" -eq 1 ] && ok "exit 1: high findings among the hives" || bad "-r exit $rc1"

for j in 2 3 8; do
	"$DMARSCAN" -r -j "$j" -f jsonl --progress never "$work/tree" > "$work/out/j$j.jsonl" 2>&1
	cmp -s "$work/out/j1.jsonl" "$work/out/j$j.jsonl" &&
		ok "-j $j writes the same report as -j 1, in the same order" ||
		bad "-j $j differs from -j 1"
done

"$DMARSCAN" -r -j2 --progress never "$work/tree" > "$work/out/fleet.txt" 2>&1
grep -q '^FLEET  3 hives analysed' "$work/out/fleet.txt" &&
	grep -A3 'risky devices' "$work/out/fleet.txt" | grep -q '8086:15F3 Dock Ethernet' &&
	ok "the text report ends with the fleet summary" ||
	bad "no fleet summary: $(tail -20 "$work/out/fleet.txt")"

"$DMARSCAN" -r -f csv --progress always "$work/tree" > "$work/out/fleet.csv" 2> "$work/out/progress.err"
grep -q '4/4 hives' "$work/out/progress.err" &&
	ok "--progress always draws the bar on stderr" || bad "no progress bar"
[ "$(grep -c 'pc1/SYSTEM' "$work/out/fleet.csv")" -gt 0 ] &&
	! grep -q 'hives, ' "$work/out/fleet.csv" &&
	ok "the CSV on stdout is untouched by the bar" || bad "CSV and progress mixed"

# diff: a hive against itself, a report against its hive, then a tampering
"$DMARSCAN" -f json "$work/tree/pc2/deep/SYSTEM" > "$work/out/base.json"
"$DMARSCAN" diff "$work/out/base.json" "$work/tree/pc2/deep/SYSTEM" > "$work/out/same.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'nothing risky changed' "$work/out/same.txt" &&
	grep -q '^devices   0 appeared, 0 vanished, 0 changed' "$work/out/same.txt" &&
	ok "diff of a report and its own hive: nothing changed, exit 0" ||
	bad "diff same: exit $rc: $(cat "$work/out/same.txt")"
build tampered-silent "$work/baseline"
"$DMARSCAN" diff -f json "$work/baseline" "$work/tree/pc2/evidence-17.bin" > "$work/out/diff.json" 2> "$work/out/diff.err"
rc=$?
"$JSONVALID" json "$work/out/diff.json" &&
	grep -q '"risky": true' "$work/out/diff.json" &&
	grep -q '"risky": "its predicted DMA remapping policy went down"' "$work/out/diff.json" &&
	grep -q '"risky": "the driver now opts out of DMA remapping"' "$work/out/diff.json" &&
	[ "$rc" -eq 1 ] && ok "diff of a tampered machine: risky changes named, exit 1" ||
	bad "diff tampered: exit $rc: $(head -40 "$work/out/diff.json")"
"$DMARSCAN" diff "$work/baseline" "$work/out/nonexistent" > /dev/null 2>&1
rc=$?
[ "$rc" -eq 3 ] && ok "diff with an input that cannot be read: exit 3" || bad "diff unreadable: exit $rc"
"$DMARSCAN" diff "$work/baseline" > /dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] && ok "diff with one input: usage error" || bad "diff one input: exit $rc"

echo "fleet: $checks checks"
exit $failed
