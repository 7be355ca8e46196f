#!/bin/sh
# The README's library example: its code is examples/list-devices.c, it
# builds through pkg-config with the shared and with the static library,
# and prints what the README shows.
#
#   tests/library-example.sh             (make check) against the build
#                                        folder, through libdmarscan-uninstalled.pc
#   tests/library-example.sh installed   (make installcheck) against the
#                                        library installed in $libdir
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
mode=${1:-uninstalled}
readme="$abs_top_srcdir/README.md"
example="$abs_top_srcdir/examples/list-devices.c"
work="$abs_top_builddir/tests/work/example-$mode"
rm -rf "$work"
mkdir -p "$work"

case "$mode" in
uninstalled)
	PKG_CONFIG_PATH="$abs_top_builddir"
	libpath="$abs_top_builddir/.libs" ;;
installed)
	PKG_CONFIG_PATH="${libdir:?}/pkgconfig"
	PKG_CONFIG_DISABLE_UNINSTALLED=1
	export PKG_CONFIG_DISABLE_UNINSTALLED
	libpath="$libdir" ;;
*)
	echo "usage: $0 [installed]" >&2
	exit 2 ;;
esac
export PKG_CONFIG_PATH
: "${PKG_CONFIG:=pkg-config}" "${CC:=cc}" "${EXAMPLE_CFLAGS:=}" "${EXAMPLE_LDFLAGS:=}"

# block MARKER: the first ``` block after the line containing MARKER.
block() {
	awk -v m="$1" 'index($0, m) { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$readme"
}

# The README shows the file as it is.
# shellcheck disable=SC2016 # the backticks are literal README text
block '`examples/list-devices.c` prints' > "$work/readme.c"
if cmp -s "$work/readme.c" "$example"; then
	echo "PASS: the README's example is examples/list-devices.c"
else
	fail "the README's example differs from examples/list-devices.c:"
	diff -u "$example" "$work/readme.c"
fi

version=$($PKG_CONFIG --modversion libdmarscan) ||
	{ echo "FAIL: $PKG_CONFIG finds no libdmarscan in $PKG_CONFIG_PATH"; exit 1; }
[ "$version" = "$PACKAGE_VERSION" ] ||
	fail "pkg-config gives libdmarscan $version, not $PACKAGE_VERSION"

# needs PROGRAM: the shared libraries PROGRAM names (empty without readelf)
needs() {
	command -v readelf >/dev/null 2>&1 || return 0
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# As the README builds it, with the configured compiler and flags (the
# sanitizers' among them, when configured).
programs=""
if [ "${enable_shared:-yes}" = yes ]; then
	# shellcheck disable=SC2046,SC2086 # flags are lists of words
	if $CC $EXAMPLE_CFLAGS -o "$work/list-devices" "$example" \
		$($PKG_CONFIG --cflags --libs libdmarscan) $EXAMPLE_LDFLAGS; then
		echo "PASS: built with $PKG_CONFIG --cflags --libs libdmarscan"
		needed=$(needs "$work/list-devices")
		if [ -n "$needed" ] && ! echo "$needed" | grep -q '^libdmarscan\.so'; then
			fail "list-devices does not use the shared libdmarscan"
		fi
		programs="list-devices"
	else
		fail "the example does not build against the shared library"
	fi
fi
# The static library: pkg-config --static adds its Requires.private.
if [ "${enable_static:-yes}" = yes ]; then
	static_libs=$($PKG_CONFIG --static --libs libdmarscan | awk '{
		for (i = 1; i <= NF; i++) if ($i == "-ldmarscan") $i = "-l:libdmarscan.a"
		print }')
	# shellcheck disable=SC2046,SC2086
	if $CC $EXAMPLE_CFLAGS -o "$work/list-devices-static" "$example" \
		$($PKG_CONFIG --cflags libdmarscan) $static_libs $EXAMPLE_LDFLAGS; then
		echo "PASS: built with libdmarscan.a and $PKG_CONFIG --static --libs libdmarscan"
		if needs "$work/list-devices-static" | grep -q '^libdmarscan'; then
			fail "list-devices-static uses the shared libdmarscan"
		fi
		programs="$programs list-devices-static"
	else
		fail "the example does not build against the static library"
	fi
fi

LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

demo="$abs_top_builddir/testdata/demo-laptop.hive"
if [ -f "$demo" ]; then
	# shellcheck disable=SC2016
	block 'On the demo hive it prints' > "$work/readme.out"
	[ -s "$work/readme.out" ] || fail "no output block after 'On the demo hive it prints' in README.md"
	for p in $programs; do
		(cd "$abs_top_builddir" && "$work/$p" testdata/demo-laptop.hive) > "$work/$p.out"
		status=$?
		[ "$status" -eq 1 ] || fail "$p on the demo hive: exit status $status, not 1 (high findings)"
		while IFS= read -r line; do
			[ "$line" = "..." ] && continue
			grep -Fxq -e "$line" "$work/$p.out" ||
				fail "$p: README line not in the real output: $line"
		done < "$work/readme.out"
		"$work/$p" > /dev/null 2>&1
		[ $? -eq 2 ] || fail "$p without a hive: exit status is not 2"
	done
	[ "$failed" -eq 0 ] && echo "PASS: the example prints what the README shows"
else
	echo "SKIP demo: $demo not built (needs hivexregedit)"
fi

hive="$SHARED_HIVES_DIR/SYSTEM_WIN_10_1709.xz"
if [ -f "$hive" ] && command -v xz >/dev/null 2>&1; then
	xz -dc "$hive" > "$work/SYSTEM_WIN_10_1709"
	for p in $programs; do
		"$work/$p" "$work/SYSTEM_WIN_10_1709" > "$work/$p.real.out"
		status=$?
		if [ "$status" -gt 1 ]; then
			fail "$p on SYSTEM_WIN_10_1709: exit status $status"
		elif ! head -n 1 "$work/$p.real.out" | grep -q '^ControlSet001: [1-9][0-9]* PCI devices$'; then
			fail "$p on SYSTEM_WIN_10_1709: no device count"
		fi
	done
	[ "$failed" -eq 0 ] && echo "PASS: the example reads SYSTEM_WIN_10_1709"
else
	echo "SKIP real hive: $hive not available"
fi
exit "$failed"
