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
expect '' dmarscan --jobs ''
expect '--format' dmarscan --form
expect '--no-color --no-logs --no-software' dmarscan --no
expect 'SYSTEM diff diff-notes.txt hives' dmarscan ''
expect 'diff diff-notes.txt' dmarscan di
expect 'SYSTEM diff-notes.txt hives' dmarscan --no-logs ''
expect 'SYSTEM' dmarscan --software S
expect 'hives' dmarscan --save-recovered h
expect 'SYSTEM diff-notes.txt hives' dmarscan diff SYSTEM ''
expect '--format' dmarscan diff --f

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
exit "$failed"
