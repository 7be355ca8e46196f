#!/bin/sh
# End-to-end cases on hives built from the .reg fixtures (tests/cases/*.json).
# Needs hivexregedit (Debian: libwin-hivex-perl) to build the fixtures.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
if ! command -v "${HIVEXREGEDIT:-hivexregedit}" >/dev/null 2>&1; then
	echo "SKIP: hivexregedit not found (Debian package libwin-hivex-perl)"
	exit 77
fi
exec "$RUNCASES" --dmarscan "$DMARSCAN" --reg2hive "$REG2HIVE" \
	--cases "$abs_top_srcdir/tests/cases" \
	--fixtures "$abs_top_srcdir/tests/fixtures" \
	--work "$abs_top_builddir/tests/work/fixtures" "$@"
