#!/bin/sh
# make install DESTDIR=... installs exactly the files dmarscan ships (the
# tool and its disk-image reader, the shared and static library, the header,
# libdmarscan.pc, the data tables, the manual page, the bash completion); the
# installed tool runs, the installed header compiles on its own in C and C++,
# the installed libdmarscan.pc names the library and its private
# dependencies; and make uninstall DESTDIR=... takes every file away again.
# shellcheck disable=SC2154 # the install folders come from make check
set -u
LC_ALL=C; export LC_ALL
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
work="$abs_top_builddir/tests/work/install"
dest="$work/root"
rm -rf "$work"
mkdir -p "$work"

# make TARGET...: the build's own make, not part of the running one (no
# jobserver, no flags of the outer make).
run_make() {
	(cd "$abs_top_builddir" && MAKEFLAGS='' MFLAGS='' ${MAKE:-make} "$@")
}

if ! run_make install DESTDIR="$dest" > "$work/install.log" 2>&1; then
	cat "$work/install.log"
	echo "FAIL: make install DESTDIR=$dest"
	exit 1
fi

# What must be there, and nothing else.
{
	echo "$bindir/dmarscan"
	echo "$includedir/dmarscan.h"
	echo "$libdir/libdmarscan.la"
	echo "$libdir/pkgconfig/libdmarscan.pc"
	if [ "$enable_shared" = yes ]; then
		echo "$libdir/libdmarscan.so"
		echo "$libdir/libdmarscan.so.0"
		echo "$libdir/libdmarscan.so.0.0.0"
	fi
	[ "$enable_static" = yes ] && echo "$libdir/libdmarscan.a"
	echo "$pkgdatadir/attack-hardware.ids"
	echo "$pkgdatadir/external-ports.ids"
	echo "$mandir/man1/dmarscan.1"
	[ -n "$bashcompletiondir" ] && echo "$bashcompletiondir/dmarscan"
	# the disk-image reader, when built with libtsk
	[ -n "$image_reader" ] && echo "$pkglibexecdir/$image_reader"
} | sort > "$work/expected.txt"
(cd "$dest" && find . ! -type d | sed 's|^\.||' | sort) > "$work/installed.txt"
if cmp -s "$work/expected.txt" "$work/installed.txt"; then
	echo "PASS: make install puts $(wc -l < "$work/expected.txt") files in place"
else
	fail "make install: installed files differ from the expected ones (< expected, > installed):"
	diff "$work/expected.txt" "$work/installed.txt"
fi

# The installed tool runs on its own (it links the library statically) and
# names the libraries it runs with.
if "$dest$bindir/dmarscan" --version > "$work/version.txt" 2>&1 &&
	grep -q "^dmarscan $PACKAGE_VERSION\$" "$work/version.txt"; then
	echo "PASS: the installed dmarscan runs"
else
	fail "the installed dmarscan --version:"
	cat "$work/version.txt"
fi
for lib in libregf libbfio libfwnt OpenSSL jansson; do
	grep -q "^with .*$lib [0-9]" "$work/version.txt" ||
		fail "dmarscan --version does not name the $lib it runs with"
done

# The installed header needs nothing but itself and the C library.
printf '#include <dmarscan.h>\nint main(void) { return dmar_version() == 0; }\n' > "$work/header.c"
for std in c99 c11; do
	# shellcheck disable=SC2086
	if ${CC:-cc} -std=$std -Wall -Wextra -pedantic -Werror -I"$dest$includedir" \
		-c "$work/header.c" -o "$work/header.o"; then
		echo "PASS: the installed dmarscan.h compiles alone (-std=$std -pedantic)"
	else
		fail "the installed dmarscan.h does not compile alone (-std=$std)"
	fi
done
if command -v c++ >/dev/null 2>&1; then
	cp "$work/header.c" "$work/header.cc"
	if c++ -Wall -Wextra -pedantic -Werror -I"$dest$includedir" -c "$work/header.cc" \
		-o "$work/header-cc.o"; then
		echo "PASS: the installed dmarscan.h compiles as C++"
	else
		fail "the installed dmarscan.h does not compile as C++"
	fi
else
	echo "SKIP C++: no c++ compiler"
fi

# The installed libdmarscan.pc.
pc() {
	PKG_CONFIG_PATH="$dest$libdir/pkgconfig" PKG_CONFIG_DISABLE_UNINSTALLED=1 \
		${PKG_CONFIG:-pkg-config} "$@" libdmarscan
}
[ "$(pc --modversion)" = "$PACKAGE_VERSION" ] || fail "libdmarscan.pc: version is not $PACKAGE_VERSION"
[ "$(pc --variable=libdir)" = "$libdir" ] || fail "libdmarscan.pc: libdir is not $libdir"
[ "$(pc --variable=includedir)" = "$includedir" ] ||
	fail "libdmarscan.pc: includedir is not $includedir"
pc --libs | grep -q -- "-ldmarscan" || fail "libdmarscan.pc: Libs: $(pc --libs)"
for dep in -lregf -lbfio -lfwnt -lcrypto; do
	pc --static --libs | grep -q -- "$dep" || fail "libdmarscan.pc: --static --libs lacks $dep"
done
[ "$failed" -eq 0 ] && echo "PASS: the installed libdmarscan.pc"

if ! run_make uninstall DESTDIR="$dest" > "$work/uninstall.log" 2>&1; then
	cat "$work/uninstall.log"
	echo "FAIL: make uninstall DESTDIR=$dest"
	exit 1
fi
left=$(cd "$dest" && find . ! -type d)
if [ -z "$left" ]; then
	echo "PASS: make uninstall leaves no file"
else
	fail "make uninstall left: $left"
fi
rm -rf "$dest"
exit "$failed"
