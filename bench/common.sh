# shellcheck shell=sh
# Sourced by the benchmarks: timing one run and summarising many.
# Needs $tmp (a scratch folder) and GNU time at /usr/bin/time.

# run LABEL CMD...: append "microseconds peak-KiB" of one run to $tmp/LABEL
run() {
	label=$1
	shift
	start=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$tmp/rss" "$@" > /dev/null 2> "$tmp/err" || true
	end=$(date +%s%N)
	echo "$(( (end - start) / 1000 )) $(tail -n 1 "$tmp/rss")" >> "$tmp/$label"
}

# median_ms FILE: the median wall time in milliseconds
median_ms() {
	sort -n "$1" | awk '{ t[NR] = $1 } END { printf "%.1f", t[int((NR + 1) / 2)] / 1000 }'
}

# max_kib FILE: the highest peak RSS in KiB
max_kib() {
	sort -n -k2 "$1" | awk 'END { print $2 }'
}

# max_mib FILE: the same in MiB
max_mib() {
	max_kib "$1" | awk '{ printf "%.1f", $1 / 1024 }'
}
