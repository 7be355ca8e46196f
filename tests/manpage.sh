#!/bin/sh
# The manual page keeps up with the tool: every option 'dmarscan --help'
# prints and every rule id 'dmarscan --list-rules' prints must be in
# dmarscan.1, and groff and mandoc (where installed) must read it without
# a warning.
set -u
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
page="$abs_top_builddir/doc/dmarscan.1"
work="$abs_top_builddir/tests/work/manpage"
mkdir -p "$work"
failed=0

if [ ! -f "$page" ]; then
	echo "FAIL: $page not built"
	exit 1
fi

# The page as text without roff escapes for '-' and font changes, so that
# '\-\-fail\-on' reads '--fail-on'.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$page" > "$work/page.txt"

"$DMARSCAN" --help > "$work/help.txt" || { echo "FAIL: dmarscan --help"; exit 1; }
# Long options anywhere in the help, short ones where an option is listed.
{
	grep -oE -- '--[a-z][a-z0-9-]*' "$work/help.txt"
	grep -oE -- '^ +-[a-zA-Z],' "$work/help.txt" | tr -d ' ,'
} | sort -u > "$work/options.txt"
[ -s "$work/options.txt" ] || { echo "FAIL: no options found in --help"; exit 1; }
while IFS= read -r opt; do
	if ! grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|\$)" "$work/page.txt"; then
		echo "FAIL: dmarscan --help lists $opt, the manual page does not"
		failed=1
	fi
done < "$work/options.txt"

"$DMARSCAN" --list-rules | awk 'NR > 1 { print $1 }' > "$work/rules.txt"
[ -s "$work/rules.txt" ] || { echo "FAIL: no rules from --list-rules"; exit 1; }
while IFS= read -r rule; do
	if ! grep -q "^\.BR $rule " "$work/page.txt"; then
		echo "FAIL: --list-rules has $rule, the manual page's RULES do not"
		failed=1
	fi
done < "$work/rules.txt"

# The version in the page's title is the package's.
if ! grep -q "^\.TH DMARSCAN 1 .* \"dmarscan $PACKAGE_VERSION\"" "$page"; then
	echo "FAIL: the .TH line does not name dmarscan $PACKAGE_VERSION"
	failed=1
fi

# No warning from the formatters that are installed.
if command -v groff >/dev/null 2>&1; then
	if ! groff -man -ww -z "$page" > "$work/groff.txt" 2>&1 || [ -s "$work/groff.txt" ]; then
		echo "FAIL: groff -man -ww warns:"
		cat "$work/groff.txt"
		failed=1
	fi
	# Rendered at a usual terminal width: no line that cannot be set.
	if ! groff -man -Tutf8 -rLL=78n -ww "$page" > /dev/null 2> "$work/groff-render.txt" ||
		[ -s "$work/groff-render.txt" ]; then
		echo "FAIL: groff -Tutf8 warns at 78 columns:"
		cat "$work/groff-render.txt"
		failed=1
	fi
else
	echo "SKIP groff check: groff not installed"
fi
if command -v mandoc >/dev/null 2>&1; then
	if ! mandoc -T lint -W warning "$page" > "$work/mandoc.txt" 2>&1; then
		echo "FAIL: mandoc -T lint warns:"
		cat "$work/mandoc.txt"
		failed=1
	fi
else
	echo "SKIP mandoc check: mandoc not installed"
fi

[ "$failed" -eq 0 ] && echo "PASS: $(wc -l < "$work/options.txt") options and $(wc -l < "$work/rules.txt") rules are in the manual page"
exit "$failed"
