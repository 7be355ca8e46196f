#!/bin/sh
# The bash completion (completion/dmarscan) offers every option of
# 'dmarscan --help', the values of the options that take a word, files and
# folders, and the diff subcommand.  Runs it in bash as bash-completion
# would: COMP_WORDS and COMP_CWORD set, _dmarscan called, COMPREPLY read.
set -u
LC_ALL=C; export LC_ALL
. "${abs_top_srcdir:?run me from make check}/tests/cases-env.sh"
script="$abs_top_srcdir/completion/dmarscan"
work="$abs_top_builddir/tests/work/completion"
if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: bash not installed"
	exit 77
fi
rm -rf "$work"
mkdir -p "$work/files/hives"
: > "$work/files/SYSTEM"
: > "$work/files/diff-notes.txt"
failed=0

# offers WORD... : what the completion offers for the last word, sorted,
# on one line.
offers() {
	(cd "$work/files" && bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_dmarscan
		printf "%s\n" "${COMPREPLY[@]}"' bash "$script" "$@") |
		sort | tr '\n' ' ' | sed 's/ $//'
}

# expect 'WANTED' WORD... : the completion offers exactly WANTED.
expect() {
	want=$1
	shift
	got=$(offers "$@")
	if [ "$got" = "$want" ]; then
		echo "PASS: $* -> $want"
	else
		echo "FAIL: $*: offered '$got', wanted '$want'"
		failed=1
	fi
}

expect 'csv json jsonl text timeline' dmarscan --format ''
expect 'json jsonl' dmarscan --format = j
expect 'json jsonl' dmarscan -f j
expect 'json text' dmarscan diff -f ''
expect '24h2 auto both pre-24h2' dmarscan --rules ''
expect 'all current' dmarscan --control-set ''
expect 'high info low medium' dmarscan --min-severity ''
expect 'medium' dmarscan --fail-on m
expect 'always auto never' dmarscan --progress ''
expect 'never' dmarscan -j 2 --progress n
expect 'libregf native' dmarscan --engine ''
expect 'libregf' dmarscan --engine = l
expect '--engine' dmarscan --eng
expect '-r' dmarscan -r
expect '--recursive' dmarscan --rec
expect '' dmarscan --jobs ''
expect '--format' dmarscan --form
expect '--no-color --no-logs --no-software' dmarscan --no
expect 'SYSTEM diff diff-notes.txt hives' dmarscan ''
expect 'diff diff-notes.txt' dmarscan di
expect 'SYSTEM diff-notes.txt hives' dmarscan --no-logs ''
expect 'SYSTEM' dmarscan --software S
expect 'hives' dmarscan --save-recovered h
expect 'SYSTEM diff-notes.txt hives' dmarscan diff SYSTEM ''
expect '--fail-on --format' dmarscan diff --f
expect '--engine' dmarscan diff --e
expect 'current' dmarscan diff --control-set ''
expect 'libregf native' dmarscan diff --engine ''
expect 'json text' dmarscan diff --no-logs -f ''
expect '' dmarscan diff --j
expect '' dmarscan diff --prog

# Every option --help lists is offered after '-'.
"$DMARSCAN" --help > "$work/help.txt" || { echo "FAIL: dmarscan --help"; exit 1; }
offered=" $(offers dmarscan -) "
for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$work/help.txt" | sort -u) \
	$(grep -oE -- '^ +-[a-zA-Z],' "$work/help.txt" | tr -d ' ,'); do
	case "$offered" in
	*" $opt "*) ;;
	*) echo "FAIL: dmarscan --help lists $opt, the completion does not offer it"
	   failed=1 ;;
	esac
done
[ "$failed" -eq 0 ] && echo "PASS: every option of --help is completed"

# What is offered after 'dmarscan diff -' is named in the manual page's
# DIFF section (-h/--help aside), and nothing diff refuses or ignores is.
page="$abs_top_builddir/doc/dmarscan.1"
if [ -f "$page" ]; then
	sed -n '/^\.SH DIFF/,/^\.SH EXIT/p' "$page" | sed 's/\\-/-/g' \
		> "$work/diff-section.txt"
	for opt in $(offers dmarscan diff -); do
		case "$opt" in -h | --help) continue ;; esac
		if ! grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|\$)" "$work/diff-section.txt"; then
			echo "FAIL: the completion offers $opt after diff;" \
				"the manual page's DIFF does not name it"
			failed=1
		fi
	done
	for opt in --software --save-recovered -r -j --progress; do
		case " $(offers dmarscan diff -) " in
		*" $opt "*)
			echo "FAIL: the completion offers $opt after diff, which refuses or ignores it"
			failed=1 ;;
		esac
	done
	[ "$failed" -eq 0 ] &&
		echo "PASS: the options offered after diff are named in its manual section"
else
	echo "SKIP diff options against the manual page: $page not built"
fi
exit "$failed"
