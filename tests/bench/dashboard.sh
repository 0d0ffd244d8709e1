#!/usr/bin/env bash
# tests/bench/dashboard.sh - what the dashboard costs: time to the first
# full frame and time per refresh with 10, 100 and 200 containers (5, 10
# and 10 of them running, the rest stopped), its resident memory (VmRSS,
# VmHWM), and its idle CPU with 100 containers over IDLE_SECS seconds
# (target: under 1% of one CPU).  The dashboard runs in tmux at 200x60
# with HAKO_BENCH_FRAMES=FRAMES (see hako(1)): it draws the first frame,
# then FRAMES refreshes back to back (what its timer does: the rows on
# screen, or everything when a full listing is due, see hako(1)), then
# FRAMES full listings (what F5 or a change does), and prints its timings
# on stderr.
# The first frame is timed from just before exec (date +%s%N) to the
# dashboard's own clock when the frame is out; medians of RUNS launches.
# Containers are copies of one busybox container (hard links for the
# stopped ones).  Never fails on timing, only when something did not work.
set -uo pipefail
HAKO=${HAKO:-build/hako}
RUNS=${RUNS:-5}
FRAMES=${FRAMES:-30}
IDLE_SECS=${IDLE_SECS:-10}
. "$(dirname "$0")/../lib.sh"
hk_begin bench-dash "dashboard bench" root
chmod 755 "$T"
P=$T/p
export HAKO_RUN_DIR=$T/run
SOCK=hako-bench-dash-$$
status=0

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
hk() { "$HAKO" -P "$P" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	for c in $(hk ls --running 2>/dev/null); do hk stop -k "$c" >/dev/null 2>&1; done
	rm -rf "$T"
}
hk_on_exit cleanup

command -v tmux >/dev/null || { echo "dashboard bench skipped: tmux is not installed"; exit 0; }
[ -x "$HAKO" ] || { echo "dashboard bench: no hako at $HAKO"; exit 2; }
HAKO=$(realpath "$HAKO")

. "$(dirname "$0")/../lib/bench.sh"

# grow_to N RUNNING: N containers b000..., the first RUNNING of them running.
grow_to() {
	local n=$1 run=$2 i name
	for ((i = $(ls "$P" | wc -l); i < n; i++)); do
		name=$(printf 'b%03d' "$i")
		mkdir "$P/$name"
		if ((i < run)); then cp -a "$P/b000/rootfs" "$P/$name/rootfs"
		else cp -al "$P/b000/rootfs" "$P/$name/rootfs"; fi
		sed "s/b000/$name/g" "$P/b000/config" >"$P/$name/config"
	done
	for ((i = 0; i < run; i++)); do
		name=$(printf 'b%03d' "$i")
		[ -n "$(hk ls --running "^$name\$" 2>/dev/null)" ] && continue
		hk start "$name" >/dev/null 2>&1 || { echo "FAIL: hako start $name"; return 1; }
	done
}

# one_launch: runs the bench mode once; prints "first_ns median_ns rss hwm".
one_launch() {
	local i
	rm -f "$T/t0" "$T/bench.err"
	tm kill-server 2>/dev/null
	while tm has-session 2>/dev/null; do sleep 0.05; done
	tm new-session -d -s bench -x 200 -y 60 \
		"sh -c 'date +%s%N >$T/t0; exec env TERM=screen-256color LANG=C.UTF-8 HAKO_BENCH_FRAMES=$FRAMES $HAKO -P $P 2>$T/bench.err'"
	for ((i = 0; i < 600; i++)); do
		grep -q '^vm_hwm_kb' "$T/bench.err" 2>/dev/null && break
		sleep 0.1
	done
	grep -q '^vm_hwm_kb' "$T/bench.err" 2>/dev/null || { echo "FAIL: no timings from the dashboard" >&2; cat "$T/bench.err" >&2; return 1; }
	awk -v t0="$(cat "$T/t0")" '
		{ v[$1] = $2 }
		END { printf "%d %d %d %d %d\n", v["first_frame_realtime_ns"] - t0,
		      v["refresh_median_ms"] * 1e6, v["vm_rss_kb"], v["vm_hwm_kb"],
		      v["full_median_ms"] * 1e6 }' "$T/bench.err"
}

# measure N RUNNING: a row of the table.
measure() {
	grow_to "$1" "$2" || return 1
	local firsts=() refs=() fulls=() rss=0 hwm=0 f r s h u k
	one_launch >/dev/null || return 1 # warm the page cache
	for ((k = 0; k < RUNS; k++)); do
		read -r f r s h u < <(one_launch) || return 1
		[ -n "$f" ] || return 1
		firsts+=("$f"); refs+=("$r"); fulls+=("$u")
		((s > rss)) && rss=$s; ((h > hwm)) && hwm=$h
	done
	printf '%-24s %12s %14s %14s %10s %10s\n' "$1 ($2 running)" "$(ms "$(median "${firsts[@]}")" 2)" \
		"$(ms "$(median "${refs[@]}")" 2)" "$(ms "$(median "${fulls[@]}")" 2)" "$rss" "$hwm"
}

# idle N: CPU of a dashboard left alone for IDLE_SECS seconds.
idle() {
	local pid
	tm kill-server 2>/dev/null
	while tm has-session 2>/dev/null; do sleep 0.05; done
	tm new-session -d -s idle -x 200 -y 60 \
		"exec env TERM=screen-256color LANG=C.UTF-8 $HAKO -P $P"
	pid=$(tm list-panes -t idle -F '#{pane_pid}')
	sleep 2 # the first frame and the first refresh
	idle_pct=$(idle_pct "$pid" "$IDLE_SECS") || return 1
	idle_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	tm send-keys -t idle q
}

hk create b000 -t busybox >/dev/null 2>&1 || { echo "FAIL: hako create b000 -t busybox"; exit 1; }
echo
printf '%-24s %12s %14s %14s %10s %10s\n' "containers" "first frame" "per refresh" "full listing" "VmRSS" "VmHWM"
printf '%-24s %12s %14s %14s %10s %10s\n' "" "ms (median)" "ms (median)" "ms (median)" "kB (max)" "kB (max)"
measure 10 5 || status=1
measure 100 10 || status=1
idle || status=1
measure 200 10 || status=1
echo "(first frame: exec to the first full frame out, 200x60; per refresh: the timer's"
echo " refresh (the running rows on screen read again, or the full listing when one is due),"
echo " screen drawn and sent, $FRAMES back to back; full listing: every container listed"
echo " again, drawn and sent; $RUNS launches)"
echo
if [ -n "${idle_pct:-}" ]; then
	printf '%-40s %8s%%   target < 1%%\n' "idle CPU, 100 containers, ${IDLE_SECS}s" "$idle_pct"
	printf '%-40s %8s kB\n' "VmRSS after it" "$idle_rss"
	awk -v p="$idle_pct" 'BEGIN { exit !(p >= 1) }' && echo "target missed: idle CPU $idle_pct%"
else
	echo "FAIL: idle CPU not measured"; status=1
fi
exit $status
