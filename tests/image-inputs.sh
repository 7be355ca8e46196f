#!/bin/sh
# Disk images as inputs: hives read straight from the evidence, no mounting.
#
# Built here from the fixture hives, without mounting anything:
#   - an NTFS volume (mkntfs on a file, tests/tools/ntfsput writes into it
#     with libntfs-3g) holding Windows/System32/config with a dirty SYSTEM
#     hive, its LOG1 and LOG2 (tests/tools/mklog), a SOFTWARE hive (24H2),
#     and RegBack/SYSTEM and RegBack/SOFTWARE (another machine state);
#   - a FAT volume (mtools) with a second installation whose names are in
#     other cases, windows/System32/CONFIG/system, and the one an upgrade
#     kept, Windows.old/WINDOWS/system32/config/SYSTEM;
#   - a GPT disk (sgdisk) with the FAT volume as p1 and the NTFS one as p2,
#     the same disk with an MBR (p1, p2), an E01 of the GPT disk
#     (ewfacquire), and the GPT disk split into pieces (split raw, .001);
#   - with qemu-img (Debian: qemu-utils), the GPT disk as dynamic and fixed
#     VHD, VHDX, and monolithic sparse and stream-optimised VMDK (read by
#     libtsk), and as QCOW2 and VDI (which it does not read: refused with
#     what to do).
# Each image must give the same devices and findings - the same JSON lines,
# the location put back to a folder path - as the same hives and logs given
# as files in a folder, with the SOFTWARE hive paired (OS build 26100) and
# the logs replayed; the RegBack copy is a hive of its own, marked as a
# backup; an image without Windows and damaged images give exit 3 and one
# clear line; the images are not changed and nothing is written beside them.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
MKLOG="$abs_top_builddir/tests/tools/mklog"
NTFSPUT="$abs_top_builddir/tests/tools/ntfsput"
JSONVALID="$abs_top_builddir/tests/tools/jsonvalid"
READER="$abs_top_builddir/dmarscan-image"
work="$abs_top_builddir/tests/work/images"
rm -rf "$work"
mkdir -p "$work/evidence" "$work/direct/live" "$work/direct/regback" \
	"$work/direct/fat" "$work/out" || exit 99

fail=0
checks=0
ok() { checks=$((checks + 1)); echo "ok $*"; }
bad() { checks=$((checks + 1)); echo "FAIL $*"; fail=1; }

if [ ! -x "$READER" ]; then
	# built without libtsk: an image is refused with a clear message
	printf 'EVF\tnot really\n' >"$work/evidence/disk.E01"
	"$DMARSCAN" "$work/evidence/disk.E01" >/dev/null 2>"$work/out/notsk.err"
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q 'needs The Sleuth Kit' "$work/out/notsk.err"; then
		echo "ok without libtsk an image gives exit 3: $(cat "$work/out/notsk.err")"
		echo "SKIP: built without libtsk (Debian: libtsk-dev): no image is read"
		exit 77
	fi
	echo "FAIL without libtsk: exit $rc: $(cat "$work/out/notsk.err")"
	exit 1
fi
for tool in "$HIVEXREGEDIT" mkntfs sgdisk ewfacquire mformat mmd mcopy split; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (scripts/setup-debian.sh installs it)"
		exit 77
	fi
done
if [ ! -x "$NTFSPUT" ]; then
	echo "SKIP: tests/tools/ntfsput not built (Debian: ntfs-3g-dev)"
	exit 77
fi

# ---- The hives, as files ------------------------------------------------------
hive() { "$REG2HIVE" "$abs_top_srcdir/tests/fixtures/$1" "$2" || exit 99; }
hive topology-tb4-dock.reg "$work/h0"
"$REG2HIVE" --base "$work/h0" "$abs_top_srcdir/tests/fixtures/txlog/step1.reg" \
	"$work/h1" || exit 99
"$REG2HIVE" --base "$work/h1" "$abs_top_srcdir/tests/fixtures/txlog/step2.reg" \
	"$work/h2" || exit 99
"$MKLOG" "$work/logs" "$work/h0" "$work/h1" "$work/h2" || exit 99
for f in SYSTEM SYSTEM.LOG1 SYSTEM.LOG2; do
	cp "$work/logs/new-dual/$f" "$work/direct/live/$f" || exit 99
done
hive software-24h2.reg "$work/direct/live/SOFTWARE"
hive tampered.reg "$work/direct/regback/SYSTEM"
hive software-22h2.reg "$work/direct/regback/SOFTWARE"
hive optin-clean.reg "$work/direct/fat/SYSTEM"
mkdir -p "$work/direct/old" || exit 99
hive tampered-silent.reg "$work/direct/old/SYSTEM"

# ---- The images ------------------------------------------------------------------
ev="$work/evidence"
disk="$ev/disk.raw"
truncate -s 14M "$disk" && sgdisk -n 1:2048:+4M -t 1:0700 -n 2:0:+8M -t 2:0700 \
	-c 2:"Basic data partition" "$disk" >/dev/null || exit 99
first() { sgdisk -i "$1" "$disk" | awk '/^First sector/ { print $3 }'; }
last() { sgdisk -i "$1" "$disk" | awk '/^Last sector/ { print $3 }'; }
p1=$(first 1) p2=$(first 2)
truncate -s $((($(last 1) - p1 + 1) * 512)) "$work/fat.vol" &&
	mformat -i "$work/fat.vol" :: &&
	mmd -i "$work/fat.vol" ::/windows ::/windows/System32 ::/windows/System32/CONFIG \
		::/Windows.old ::/Windows.old/WINDOWS ::/Windows.old/WINDOWS/system32 \
		::/Windows.old/WINDOWS/system32/config &&
	mcopy -i "$work/fat.vol" "$work/direct/fat/SYSTEM" ::/windows/System32/CONFIG/system &&
	mcopy -i "$work/fat.vol" "$work/direct/old/SYSTEM" \
		::/Windows.old/WINDOWS/system32/config/SYSTEM || exit 99
ntfs="$ev/volume.ntfs"
truncate -s $((($(last 2) - p2 + 1) * 512)) "$ntfs" &&
	mkntfs -F -Q -q -s 512 -p "$p2" -H 0 -S 0 -L Windows "$ntfs" >/dev/null 2>&1 || exit 99
c=Windows/System32/config
"$NTFSPUT" "$ntfs" "$c/SYSTEM=$work/direct/live/SYSTEM" \
	"$c/SYSTEM.LOG1=$work/direct/live/SYSTEM.LOG1" \
	"$c/SYSTEM.LOG2=$work/direct/live/SYSTEM.LOG2" \
	"$c/SOFTWARE=$work/direct/live/SOFTWARE" \
	"$c/RegBack/SYSTEM=$work/direct/regback/SYSTEM" \
	"$c/RegBack/SOFTWARE=$work/direct/regback/SOFTWARE" || exit 99
dd if="$work/fat.vol" of="$disk" bs=512 seek="$p1" conv=notrunc status=none &&
	dd if="$ntfs" of="$disk" bs=512 seek="$p2" conv=notrunc status=none || exit 99
cp "$disk" "$ev/mbr.raw" && sgdisk -m 1:2 "$ev/mbr.raw" >/dev/null 2>&1 || exit 99
(cd "$ev" && ewfacquire -u -q -t disk -c fast disk.raw >/dev/null 2>&1) &&
	[ -f "$ev/disk.E01" ] || exit 99
mkdir -p "$ev/split" &&
	split -b 5M -d -a 3 --numeric-suffixes=1 "$disk" "$ev/split/disk." || exit 99
vm_images=
if command -v qemu-img >/dev/null 2>&1; then
	for spec in vpc:disk.vhd vpc,subformat=fixed:fixed.vhd vhdx:disk.vhdx \
		vmdk:disk.vmdk vmdk,subformat=streamOptimized:stream.vmdk \
		qcow2:disk.qcow2 vdi:disk.vdi; do
		format=${spec%%:*}
		options=
		case "$format" in *,*) options="-o ${format#*,}"; format=${format%%,*} ;; esac
		# shellcheck disable=SC2086
		qemu-img convert -q -f raw -O "$format" $options "$disk" "$ev/${spec#*:}" || exit 99
	done
	vm_images="disk.vhd fixed.vhd disk.vhdx disk.vmdk stream.vmdk"
else
	echo "SKIP VHD, VHDX, VMDK, QCOW2 and VDI: qemu-img not found (Debian: qemu-utils)"
fi
# with no Windows: a FAT volume alone; damaged: a cut E01, a cut disk, a
# disk whose file systems lost their boot sectors, junk named like an image
truncate -s 4M "$ev/empty.fat" && mformat -i "$ev/empty.fat" :: || exit 99
head -c 40000 "$ev/disk.E01" >"$ev/cut.E01"
head -c 3000000 "$disk" >"$ev/cut.raw"
cp "$disk" "$ev/noboot.raw" || exit 99
for sector in "$p1" "$p2"; do
	dd if=/dev/zero of="$ev/noboot.raw" bs=512 seek="$sector" count=1 \
		conv=notrunc status=none || exit 99
done
head -c 100000 /dev/urandom >"$ev/junk.vmdk"
evidence_hashes() { (cd "$ev" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
evidence_hashes >"$work/before.sha256" || exit 99

# ---- Same report as the files ----------------------------------------------------
# The JSON lines of one hive (hive line, devices, findings), its path or
# location written as "HIVE", its folder's as "DIR" (the logs), and the
# "image" member left out.
lines_of() {   # REPORT HIVE-PATH
	grep -F "\"hive\":\"$2\"" "$1" |
		sed -e 's#"image":null,##' -e 's#"image":{[^}]*},##' \
			-e "s#\"$2\"#\"HIVE\"#g" -e "s#${2%/*}/#DIR/#g"
}
"$DMARSCAN" -f jsonl "$work/direct/live/SYSTEM" >"$work/out/direct-live.jsonl"
"$DMARSCAN" -f jsonl "$work/direct/regback/SYSTEM" >"$work/out/direct-regback.jsonl"
"$DMARSCAN" -f jsonl "$work/direct/fat/SYSTEM" >"$work/out/direct-fat.jsonl"
"$DMARSCAN" -f jsonl "$work/direct/old/SYSTEM" >"$work/out/direct-old.jsonl"
for kind in live regback fat old; do
	lines_of "$work/out/direct-$kind.jsonl" "$work/direct/$kind/SYSTEM" \
		>"$work/out/$kind.want"
done
devices=$(grep -c '"type":"device"' "$work/out/live.want")
findings=$(grep -c '"type":"finding"' "$work/out/live.want")
grep '"type":"hive"' "$work/out/live.want" | grep -q '"recovered":true,"os_build":"26100"' ||
	bad "the hive given as files is not recovered and paired: $(head -n 1 "$work/out/live.want")"

same_as_files() {   # NAME REPORT HIVE-LOCATION WANT
	got="$work/out/$(echo "$1" | tr '/ ' '--').got"
	lines_of "$2" "$3" >"$got"
	if [ -s "$4" ] && cmp -s "$4" "$got"; then
		ok "$1: the same $(grep -c '"type":"device"' "$4") devices and" \
			"$(grep -c '"type":"finding"' "$4") findings as the files," \
			"$(grep -o '"recovered":[a-z]*,"os_build":[^,]*' "$4"), from $3"
	else
		bad "$1: $3 differs from the files:"
		diff "$4" "$got" | cut -c1-300 | head -n 6
	fi
}
live=Windows/System32/config
for image in volume.ntfs disk.raw mbr.raw disk.E01 split/disk.001 $vm_images; do
	name=$(echo "$image" | tr / -)
	"$DMARSCAN" -f jsonl "$ev/$image" >"$work/out/$name.jsonl" 2>"$work/out/$name.err"
	rc=$?
	volume=/p2
	[ "$image" = volume.ntfs ] && volume=
	loc="$ev/$image:$volume/$live"
	[ "$rc" -eq 1 ] || bad "$image: exit $rc (high findings expected): $(cat "$work/out/$name.err")"
	[ -s "$work/out/$name.err" ] && bad "$image: stderr: $(cat "$work/out/$name.err")"
	same_as_files "$image" "$work/out/$name.jsonl" "$loc/SYSTEM" "$work/out/live.want"
	same_as_files "$image RegBack" "$work/out/$name.jsonl" "$loc/RegBack/SYSTEM" \
		"$work/out/regback.want"
	grep -F "\"hive\":\"$loc/RegBack/SYSTEM\"" "$work/out/$name.jsonl" |
		grep -q '"type":"hive".*"backup":true' &&
		ok "$image: the RegBack copy is labelled a backup" ||
		bad "$image: RegBack not labelled as a backup"
	[ "$image" = volume.ntfs ] && continue
	same_as_files "$image FAT p1" "$work/out/$name.jsonl" \
		"$ev/$image:/p1/windows/System32/CONFIG/system" "$work/out/fat.want"
	same_as_files "$image Windows.old" "$work/out/$name.jsonl" \
		"$ev/$image:/p1/Windows.old/WINDOWS/system32/config/SYSTEM" \
		"$work/out/old.want"
done
grep '"type":"hive"' "$work/out/disk.E01.jsonl" | grep '"volume":"p2"' | head -n 1 |
	grep -q '"image":{"file":"[^"]*/disk.E01","format":"ewf","volume_system":"gpt","volume":"p2","offset":'$((p2 * 512))',"file_system":"ntfs","path":"/Windows/System32/config/SYSTEM","backup":false}' &&
	ok "the E01's hive line says where: ewf, gpt, p2 at byte $((p2 * 512)), ntfs, its path" ||
	bad "E01 image member: $(grep -o '"image":{[^}]*}' "$work/out/disk.E01.jsonl" | head -n 1)"
for image in $vm_images; do
	want=vhd
	case "$image" in *.vmdk) want=vmdk ;; esac
	grep '"type":"hive"' "$work/out/$image.jsonl" | grep -q "\"format\":\"$want\"" &&
		ok "$image: read as $want" ||
		bad "$image: format $(grep -o '"format":"[^"]*"' "$work/out/$image.jsonl" | sort -u)"
done
grep -c '"type":"hive"' "$work/out/mbr.raw.jsonl" | grep -qx 4 &&
	grep -q '"volume_system":"dos","volume":"p2"' "$work/out/mbr.raw.jsonl" &&
	ok "MBR disk: 4 hives (p1 FAT and its Windows.old, p2 NTFS and its RegBack), p2 of a dos volume system" ||
	bad "MBR disk: $(grep -o '"hive":"[^"]*"' "$work/out/mbr.raw.jsonl" | sort -u)"

# A real Windows hive with its two logs (SYSTEM_B of the shared hives, 481
# pages replayed, a device only the logs hold) in an NTFS partition of an
# E01, when the shared hives are there.
real="$work/direct/real"
if [ -r "$SHARED_HIVES_DIR/SYSTEM_B.xz" ] && [ -r "$SHARED_HIVES_DIR/SYSTEM_B.LOG1.xz" ] &&
	[ -r "$SHARED_HIVES_DIR/SYSTEM_B.LOG2.xz" ] && command -v xz >/dev/null 2>&1; then
	mkdir -p "$real" "$work/real" || exit 99
	for f in "" .LOG1 .LOG2; do
		xz -dc "$SHARED_HIVES_DIR/SYSTEM_B$f.xz" >"$real/SYSTEM$f" || exit 99
	done
	cp "$work/direct/live/SOFTWARE" "$real/SOFTWARE" || exit 99
	rdisk="$work/real/real.raw"
	truncate -s 40M "$rdisk" &&
		sgdisk -n 1:2048:0 -t 1:0700 "$rdisk" >/dev/null || exit 99
	r1=$(sgdisk -i 1 "$rdisk" | awk '/^First sector/ { print $3 }')
	rlast=$(sgdisk -i 1 "$rdisk" | awk '/^Last sector/ { print $3 }')
	truncate -s $(((rlast - r1 + 1) * 512)) "$work/real/vol.ntfs" &&
		mkntfs -F -Q -q -s 512 -p "$r1" -H 0 -S 0 "$work/real/vol.ntfs" \
			>/dev/null 2>&1 &&
		"$NTFSPUT" "$work/real/vol.ntfs" "$c/SYSTEM=$real/SYSTEM" \
			"$c/SYSTEM.LOG1=$real/SYSTEM.LOG1" "$c/SYSTEM.LOG2=$real/SYSTEM.LOG2" \
			"$c/SOFTWARE=$real/SOFTWARE" &&
		dd if="$work/real/vol.ntfs" of="$rdisk" bs=512 seek="$r1" conv=notrunc \
			status=none &&
		(cd "$work/real" && ewfacquire -u -q -t real -c fast real.raw >/dev/null 2>&1) &&
		rm -f "$rdisk" "$work/real/vol.ntfs" || exit 99
	"$DMARSCAN" -f jsonl "$real/SYSTEM" >"$work/out/direct-real.jsonl"
	lines_of "$work/out/direct-real.jsonl" "$real/SYSTEM" >"$work/out/real.want"
	"$DMARSCAN" -f jsonl "$work/real/real.E01" >"$work/out/real.jsonl" 2>&1
	same_as_files "SYSTEM_B in an E01" "$work/out/real.jsonl" \
		"$work/real/real.E01:/p1/$live/SYSTEM" "$work/out/real.want"
	grep '"type":"hive"' "$work/out/real.want" |
		grep -q '"devices":22,' &&
		ok "SYSTEM_B in an E01: 22 devices, the one only its logs hold included" ||
		bad "SYSTEM_B: not 22 devices"
	# the README shows this report: each of its lines must be real
	(cd "$work/real" && "$DMARSCAN" --no-color real.E01) >"$work/out/real.txt"
	awk 'index($0, "481 pages replayed:") { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside && $0 != "..." { print }' "$abs_top_srcdir/README.md" >"$work/out/readme.block"
	missing=$(grep -Fvx -f "$work/out/real.txt" "$work/out/readme.block")
	[ -s "$work/out/readme.block" ] && [ -z "$missing" ] &&
		ok "the README's disk-image block is real output" ||
		bad "README lines not in the real output: $missing"
else
	echo "SKIP SYSTEM_B in an E01: the shared hives are not in $SHARED_HIVES_DIR"
fi

# the same through every format, any number of workers
"$DMARSCAN" -f json "$ev/disk.E01" >"$work/out/e01.json" 2>&1
"$JSONVALID" json "$work/out/e01.json" &&
	grep -q '"path": "'"$ev"'/disk.E01:/p2/Windows/System32/config/SYSTEM"' "$work/out/e01.json" &&
	grep -q '"backup": true' "$work/out/e01.json" &&
	ok "-f json: valid, each hive with its location and its image member" ||
	bad "-f json: $(head -c 300 "$work/out/e01.json")"
"$DMARSCAN" -j1 -f jsonl "$ev/disk.E01" "$ev/mbr.raw" "$ev/volume.ntfs" >"$work/out/j1.jsonl" 2>&1
"$DMARSCAN" -j4 -f jsonl "$ev/disk.E01" "$ev/mbr.raw" "$ev/volume.ntfs" >"$work/out/j4.jsonl" 2>&1
cmp -s "$work/out/j1.jsonl" "$work/out/j4.jsonl" &&
	ok "-j4 gives the report of -j1 ($(grep -c '"type":"hive"' "$work/out/j1.jsonl") hives from 3 images)" ||
	bad "-j4 differs from -j1"
"$DMARSCAN" "$ev/disk.E01" >"$work/out/e01.txt" 2>&1
grep -q "^  image     $ev/disk.E01 (ewf), partition p2 of its gpt volume system, ntfs file system at byte" "$work/out/e01.txt" &&
	grep -q '^  backup    the copy Windows kept in config\\RegBack' "$work/out/e01.txt" &&
	grep -q "^  software  $ev/disk.E01:/p2/Windows/System32/config/SOFTWARE" "$work/out/e01.txt" &&
	ok "text: an image line under each hive, RegBack marked, the SOFTWARE hive named" ||
	bad "text: $(head -n 12 "$work/out/e01.txt")"
"$DMARSCAN" --no-software -f jsonl "$ev/disk.E01" >"$work/out/nosw.jsonl" 2>&1
grep '"type":"hive"' "$work/out/nosw.jsonl" | head -n 1 | grep -q '"os_build":null' &&
	ok "--no-software: the image's SOFTWARE hive is not read" ||
	bad "--no-software still pairs"

# --save-recovered: each hive of the image under a name of its own, the
# replayed one byte for byte what the files give; never into the image's
# folder
mkdir -p "$work/saved"
"$DMARSCAN" --save-recovered "$work/saved" "$ev/disk.E01" >/dev/null 2>"$work/out/save.err"
"$DMARSCAN" --save-recovered "$work/saved/from-files" "$work/direct/live/SYSTEM" \
	>/dev/null 2>&1
[ "$(ls "$work/saved" | wc -l)" -eq 5 ] &&
	cmp -s "$work/saved/disk.E01_p2_Windows_System32_config_SYSTEM" \
		"$work/saved/from-files" &&
	[ -f "$work/saved/disk.E01_p2_Windows_System32_config_RegBack_SYSTEM" ] &&
	[ -f "$work/saved/disk.E01_p1_windows_System32_CONFIG_system" ] &&
	[ -f "$work/saved/disk.E01_p1_Windows.old_WINDOWS_system32_config_SYSTEM" ] &&
	ok "--save-recovered: 4 hives saved, named by location; the replayed one as from the files" ||
	bad "--save-recovered: $(ls "$work/saved") $(cat "$work/out/save.err")"
"$DMARSCAN" --save-recovered "$ev" "$ev/disk.E01" >/dev/null 2>"$work/out/save-ev.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'refusing to write into the folder of an input' "$work/out/save-ev.err" &&
	ok "--save-recovered refuses the image's folder (exit 3)" ||
	bad "--save-recovered into the image's folder: exit $rc"

# diff takes a hive of an image by the name dmarscan gives it, or the image
# itself (the installation in use, the first of several, named on stderr)
p2loc="$ev/disk.E01:/p2/$live/SYSTEM"
"$DMARSCAN" diff "$work/direct/live/SYSTEM" "$p2loc" >"$work/out/diff-same.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ "$(grep -c ' 0 appeared, 0 vanished, 0 changed' "$work/out/diff-same.txt")" -eq 4 ] &&
	ok "diff of the hive's files and $p2loc: nothing changed (exit 0)" ||
	bad "diff of the files and the image's hive: exit $rc: $(head -n 12 "$work/out/diff-same.txt")"
"$DMARSCAN" diff "$work/direct/regback/SYSTEM" "$p2loc" >"$work/out/diff-regback.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q '^RISKY: ' "$work/out/diff-regback.txt" &&
	ok "diff of the RegBack files and the image's live hive: $(grep '^RISKY' "$work/out/diff-regback.txt") (exit 1)" ||
	bad "diff RegBack -> image: exit $rc: $(tail -n 3 "$work/out/diff-regback.txt")"
"$DMARSCAN" diff "$work/direct/live/SYSTEM" "$ev/disk.E01:/p2/NOPE" >/dev/null 2>"$work/out/diff-nope.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'no such hive in' "$work/out/diff-nope.err" &&
	grep -qF "  $p2loc" "$work/out/diff-nope.err" &&
	ok "diff of a location the image does not hold: exit 3, the hives it holds listed" ||
	bad "diff of a missing location: exit $rc: $(cat "$work/out/diff-nope.err")"
"$DMARSCAN" diff "$work/direct/fat/SYSTEM" "$ev/disk.E01" >"$work/out/diff-image.txt" 2>"$work/out/diff-image.err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "holds 4 hives (2 in use); $ev/disk.E01:/p1/windows/System32/CONFIG/system is compared" "$work/out/diff-image.err" &&
	[ "$(grep -c ' 0 appeared, 0 vanished, 0 changed' "$work/out/diff-image.txt")" -eq 4 ] &&
	ok "diff of the image itself: its first installation in use, named on stderr" ||
	bad "diff of the image itself: exit $rc: $(cat "$work/out/diff-image.err")"

# -o never over a segment of an image: only the first is named, the others
# are evidence too (the hashes at the end show none was touched)
# (also through a link to a file not there yet, beside an image that gave
# no hive, and for diff)
ln -s "$ev/disk.E02" "$work/out/link.json" || exit 99
for spec in split/disk.001:split/disk.002 split/disk.001:split/DISK.003 \
	disk.E01:disk.E02 disk.E01:disk-report.json disk.E01:"$work/out/link.json" \
	cut.E01:cut.E02; do
	image=${spec%%:*} target=${spec#*:}
	case "$target" in /*) ;; *) target="$ev/$target" ;; esac
	"$DMARSCAN" -o "$target" "$ev/$image" >/dev/null 2>"$work/out/segment.err"
	rc=$?
	[ "$rc" -eq 2 ] && grep -q 'refusing to write beside a disk image under a name its segments may have' "$work/out/segment.err" &&
		ok "-o ${target#"$work"/} beside $image: refused (exit 2)" ||
		bad "-o $target beside $image: exit $rc: $(cat "$work/out/segment.err")"
done
"$DMARSCAN" diff -o "$ev/disk.E02" "$work/direct/live/SYSTEM" "$p2loc" >/dev/null 2>"$work/out/segment.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'diff: -o .*refusing to write beside a disk image' "$work/out/segment.err" &&
	ok "diff -o disk.E02 beside the image it reads: refused (exit 3)" ||
	bad "diff -o beside the image: exit $rc: $(cat "$work/out/segment.err")"

# ---- No Windows, damage ------------------------------------------------------------
expect3() {   # NAME INPUT TEXT
	"$DMARSCAN" -f json "$2" >"$work/out/$1.json" 2>"$work/out/$1.err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ "$(wc -l <"$work/out/$1.err")" -eq 1 ] &&
		grep -qF -- "$3" "$work/out/$1.err" && "$JSONVALID" json "$work/out/$1.json"; then
		ok "$1: exit 3, $(cat "$work/out/$1.err")"
	else
		bad "$1: exit $rc, $(cat "$work/out/$1.err")"
	fi
}
expect3 "no Windows" "$ev/empty.fat" "no Windows installation found in this raw disk image"
expect3 "a cut E01" "$ev/cut.E01" "this ewf disk image holds neither a volume system"
expect3 "a cut disk" "$ev/cut.raw" "p1 without a file system libtsk reads"
expect3 "file systems without boot sectors" "$ev/noboot.raw" \
	"(gpt: p1 without a file system libtsk reads; p2 without a file system libtsk reads)"
expect3 "junk named like an image" "$ev/junk.vmdk" "disk image"
if [ -n "$vm_images" ]; then
	expect3 "QCOW2" "$ev/disk.qcow2" \
		"a QEMU QCOW disk image, which libtsk does not read: convert it to a raw image"
	expect3 "VDI" "$ev/disk.vdi" \
		"a VirtualBox VDI disk image, which libtsk does not read: convert it to a raw image"
fi

# A reader that loops (as libtsk might on a hostile image) is stopped at
# --image-cpu-limit: dmarscan beside a stand-in reader that spins after
# answering for its version.  The image gives exit 3 and one line; the
# hive given with it is still analysed.
mkdir -p "$work/looping/cwd" && cp "$abs_top_builddir/dmarscan" "$work/looping/" &&
	printf '#!/bin/sh\n[ "$1" = version ] && { echo looping; exit 0; }\nwhile :; do :; done\n' \
		>"$work/looping/dmarscan-image" && chmod +x "$work/looping/dmarscan-image" || exit 99
start=$(date +%s)
(cd "$work/looping/cwd" && ulimit -c unlimited 2>/dev/null;
	exec timeout 60 "$work/looping/dmarscan" --image-cpu-limit 1 -f jsonl \
		"$ev/disk.E01" "$work/direct/fat/SYSTEM") \
	>"$work/out/looping.jsonl" 2>"$work/out/looping.err"
rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" -eq 3 ] && [ "$(wc -l <"$work/out/looping.err")" -eq 1 ] &&
	grep -q 'of CPU time on this image and was stopped at the limit' "$work/out/looping.err" &&
	grep -q '"type":"hive","hive":"'"$work"'/direct/fat/SYSTEM"' "$work/out/looping.jsonl" &&
	ok "a looping reader is stopped at --image-cpu-limit 1 (exit 3 after ${took} s), the other input analysed" ||
	bad "a looping reader: exit $rc after ${took} s: $(cat "$work/out/looping.err")"
[ -z "$(ls -A "$work/looping/cwd")" ] &&
	ok "the stopped reader left no core file in the working folder (ulimit -c unlimited)" ||
	bad "the stopped reader left $(ls -A "$work/looping/cwd")"
# a lower hard CPU limit inherited (a batch job's) is kept, not refused
(ulimit -t 200 2>/dev/null || exit 0; exec "$DMARSCAN" -f jsonl "$ev/disk.E01") \
	>"$work/out/hardlimit.jsonl" 2>"$work/out/hardlimit.err"
rc=$?
[ "$rc" -eq 1 ] && [ "$(grep -c '"type":"hive"' "$work/out/hardlimit.jsonl")" -eq 4 ] &&
	ok "under an inherited CPU limit of 200 s (below the default 300) the E01 is read" ||
	bad "under ulimit -t 200: exit $rc: $(cat "$work/out/hardlimit.err")"

# Damaged copies of the GPT disk: eight bytes of 0xFF over the GPT header
# and table, the NTFS boot sector, and records of the MFT (the root folder,
# Windows, config, the SYSTEM hive) in their attribute offsets and bodies.
# Each run ends with 0, 1 or 3 within 20 seconds, its JSON valid.
num() { od -A n -t "$1" -j "$2" -N "$3" "$ntfs" | tr -d ' '; }
mft=$((p2 * 512 + $(num u8 48 8) * $(num u2 11 2) * $(num u1 13 1)))
mutations=0
set --
for at in 520 1100 $((p2 * 512 + 11)) $((p2 * 512 + 48)); do
	set -- "$@" "$at"
done
for record in 5 64 66 67; do
	for within in 20 256 384; do
		set -- "$@" $((mft + record * 1024 + within))
	done
done
for at in "$@"; do
	cp "$disk" "$work/damaged.raw" &&
		printf '\377\377\377\377\377\377\377\377' |
		dd of="$work/damaged.raw" bs=1 seek="$at" conv=notrunc status=none || exit 99
	timeout 20 "$DMARSCAN" -f json "$work/damaged.raw" >"$work/out/damaged.json" \
		2>"$work/out/damaged.err"
	rc=$?
	mutations=$((mutations + 1))
	case $rc in
	0 | 1 | 3) "$JSONVALID" json "$work/out/damaged.json" ||
		bad "damaged at byte $at: invalid JSON" ;;
	*) bad "damaged at byte $at: exit $rc: $(head -n 3 "$work/out/damaged.err")" ;;
	esac
done
[ "$fail" -eq 0 ] &&
	ok "$mutations damaged copies (GPT, NTFS boot sector, MFT records): exit 0, 1 or 3, valid JSON"

# ---- The evidence ---------------------------------------------------------------------
evidence_hashes >"$work/after.sha256" || exit 99
if cmp -s "$work/before.sha256" "$work/after.sha256"; then
	ok "evidence: $(wc -l <"$work/after.sha256") image files hashed before and after," \
		"unchanged, nothing added beside them"
else
	bad "the evidence changed:"
	diff "$work/before.sha256" "$work/after.sha256"
fi
echo "image-inputs: $checks checks; the live hive: $devices devices, $findings findings"
exit $fail
