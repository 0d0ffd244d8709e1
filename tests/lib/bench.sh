# tests/lib/bench.sh - what the benchmarks share: wall-clock times in
# nanoseconds, medians, milliseconds and ratios for their tables.
# The clock is bash's EPOCHREALTIME (microseconds), read without starting
# a process: date +%s%N around a command added the start and exit of date
# itself (8-14 ms here) to each timing, on both sides of every ratio.
# clock_ns VAR: that clock in nanoseconds into VAR, in this shell ($(now)
# forks a subshell: fine around seconds, not around milliseconds).
clock_ns() { local _t=${EPOCHREALTIME/[.,]/}; printf -v "$1" '%s' $((10#$_t * 1000)); }
now() { local t; clock_ns t; echo "$t"; }
# timed VAR CMD...: runs CMD, appends its wall time (ns) to array VAR;
# returns CMD's status.
timed() {
	local -n _arr=$1; shift
	local t0 t1 rc
	clock_ns t0; "$@" >/dev/null 2>&1; rc=$?; clock_ns t1
	_arr+=($((t1 - t0)))
	return $rc
}
# idle_pct PID SECS: the CPU PID's main thread used over the next SECS
# seconds, in percent of one CPU with 3 decimals (/proc/PID/schedstat's
# nanoseconds: /proc/PID/stat counts 10 ms ticks, 0.1 % steps over 10 s).
idle_pct() {
	local a b
	read -r a _ <"/proc/$1/schedstat" || return 1
	sleep "$2"
	read -r b _ <"/proc/$1/schedstat" || return 1
	awk -v d=$((b - a)) -v s="$2" 'BEGIN { printf "%.3f", d / 1e9 / s * 100 }'
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
# ms NS [DECIMALS]: nanoseconds as milliseconds (1 decimal by default).
ms() { awk -v n="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, n / 1e6 }'; }
# ratio A B: A / B with two decimals, "-" when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
# timeline_medians FILE...: the steps of the `--timing` timelines in
# FILEs (one run each), in the order of their median offsets, as lines
# "PROC:STEP MEDIAN-OFFSET-MS MEDIAN-DURATION-MS".
timeline_medians() {
	local raw
	raw=$(awk '/^ +\+[0-9.]+ ms +[0-9.]+ ms  [a-z]+ +[a-z-]+$/ { print $5 ":" $6, substr($1, 2), $3 }' "$@")
	[ -n "$raw" ] || return 0
	join <(printf '%s\n' "$raw" | sort -k1,1 -k2,2g | _column_median 2) \
		<(printf '%s\n' "$raw" | sort -k1,1 -k3,3g | _column_median 3) | sort -k2,2g
}
# _column_median N: "KEY VALUE" lines for lines sorted by KEY then by
# column N: the median of column N per KEY.
_column_median() {
	awk -v c="$1" 'function out() { print key, d[int((n + 1) / 2)] }
		$1 != key { if (key != "") out(); key = $1; n = 0 }
		{ d[++n] = $c }
		END { if (key != "") out() }'
}
# print_timeline TITLE TOTAL-NS FILE...: timeline_medians as a table, with
# each step's share of the median total, and what no step covers (waits
# between the processes).
print_timeline() {
	local title=$1 total=$2; shift 2
	[ $# -gt 0 ] || return 0
	echo
	printf '%-36s %10s %10s %8s\n' "$title: median step (ms)" offset duration share
	timeline_medians "$@" | awk -v tot="$total" '
		{ printf "  %-34s %10s %10s %7.1f%%\n", $1, $2, $3, (tot > 0 ? 100 * $3 * 1e6 / tot : 0); sum += $3 }
		END { printf "  %-34s %10s %10.3f %7.1f%%\n", "(sum of the step medians)", "", sum, (tot > 0 ? 100 * sum * 1e6 / tot : 0) }'
}
