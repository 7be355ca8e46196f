# shellcheck shell=sh
# Sourced by the case scripts: where the built programs are.
# shellcheck disable=SC2034,SC2154
DMARSCAN="$abs_top_builddir/dmarscan"
REG2HIVE="$abs_top_builddir/tests/tools/reg2hive"
RUNCASES="$abs_top_builddir/tests/tools/runcases"
SHARED_HIVES_DIR="${SHARED_HIVES_DIR:-$abs_top_srcdir/../shared/hives}"
export HIVEXREGEDIT="${HIVEXREGEDIT:-hivexregedit}"

# fail WHY...: say so and mark the script failed; it ends with 'exit
# "$failed"'.
failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
