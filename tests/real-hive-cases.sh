#!/bin/sh
# End-to-end cases on the real public SYSTEM hives (tests/cases-real/*.json),
# read from SHARED_HIVES_DIR (default: ../shared/hives beside the source
# tree).  Skips, saying why, when that folder is absent.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
if [ ! -d "$SHARED_HIVES_DIR" ]; then
	echo "SKIP: real hives not available: $SHARED_HIVES_DIR does not exist"
	exit 77
fi
if ! command -v xz >/dev/null 2>&1; then
	echo "SKIP: xz not found (Debian package xz-utils)"
	exit 77
fi
exec "$RUNCASES" --dmarscan "$DMARSCAN" --reg2hive "$REG2HIVE" \
	--cases "$abs_top_srcdir/tests/cases-real" \
	--fixtures "$abs_top_srcdir/tests/fixtures" \
	--shared-hives "$SHARED_HIVES_DIR" \
	--work "$abs_top_builddir/tests/work/real" "$@"
