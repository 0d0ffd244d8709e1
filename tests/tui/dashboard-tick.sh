#!/usr/bin/env bash
# dashboard-tick.sh - what the dashboard's timer reads between two full
# listings.  With [tui] rescan = 600000 no full listing comes by the timer
# during the test, as on a host with a thousand containers where a
# listing comes every few seconds: each tick reads again only the running
# rows on screen.  Checked: an address added and removed inside a running
# container shows at the next tick (its namespace's kept addresses are
# dumped again on the change), so does its memory; a monitor killed (no
# event any watch sees) turns the row ORPHANED at the next tick, one
# stopped UNRESPONSIVE; between listings a tick opens no state file or
# lock (strace); a start
# from another terminal shows at once (the store watch); a config edited
# in place waits for the rescan, and F5 lists at once; sorted by MEM,
# every running row is read and sorted again at each tick; a container
# started again from outside shows its new run's usage.
. "$(dirname "$0")/../lib.sh"
hk_begin tick dashboard-tick root

. "$HK_TOP/tests/lib/tmux.sh"
tui_begin tick tick || { plan_end; exit; }
cleanup() {
	tm_end
	local c
	for c in a b; do
		hk stop -k "$c" >/dev/null 2>&1
		hk destroy "$c" >/dev/null 2>&1
	done
	rm -rf "$T"
}
hk_on_exit cleanup

check "create a" hk create a -t busybox
check "a has only lo" hk config a lxc.net.0.type empty
check "create b" hk create b -t busybox
check "start a" hk start a

# root's hako.conf is /etc/hako/hako.conf: an overlay on /etc in a
# private mount namespace gives this dashboard its own
hk_conf_wrapper "$T/ns-hako" "$T"
printf '[tui]\nrefresh = 500\nrescan = 600000\n' >"$T/etc-up/hako/hako.conf"
tm_fresh
tm -f /dev/null new-session -d -s tick -x 200 -y 30 \
	env TERM=screen-256color LANG=C.UTF-8 "$T/ns-hako" -P "$P"
tm set-option -t tick remain-on-exit on >/dev/null
wait_for "the list shows a RUNNING" '^a +RUNNING'
wait_for "the list shows b STOPPED" '^b +STOPPED'
wait_for "the header says every 0.5s (hako.conf read)" 'every 0\.5s'

# --- addresses: the kept ones are dumped again when they change
check "an address added inside a" hk attach a -- ip addr add 10.99.96.7/32 dev lo
wait_for "the next tick shows it" '^a +RUNNING +10\.99\.96\.7 ' 4
check "the address removed" hk attach a -- ip addr del 10.99.96.7/32 dev lo
wait_gone "the next tick shows it gone" '10\.99\.96\.7' 4

# --- usage: 40 MiB on a tmpfs inside a
check "40 MiB written to a tmpfs inside a" hk attach a -- sh -c \
	'mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && head -c 41943040 /dev/zero >/mnt/t/f'
wait_for "the next tick shows a's memory past 40M" '^a +RUNNING .* (4[0-9]|[5-9][0-9])\.[0-9]M ' 4

# --- a config edited in place: no event, no tick reads it; F5 does
echo 'lxc.start.auto = 1' >>"$P/b/config"
sleep 2
screen | grep -Eq '^b +STOPPED .* yes ' && not_ok "b's edited config was listed by a tick (rescan = 600000)" \
	|| ok "b's config edited in place waits for the rescan (AUTOSTART still no after 4 ticks)"
tm send-keys -t tick F5
wait_for "F5 lists everything at once: b's AUTOSTART is yes" '^b +STOPPED .* yes ' 3

# --- a start from another terminal: the store watch lists at once
check "start b from outside" hk start b
wait_for "b shows RUNNING at once" '^b +RUNNING' 3

# --- between listings a tick opens no state file and probes no lock: the
# watch sees each rewrite of a state file, and each monitor's kept
# /proc/PID/stat, read again, says it still runs (before, each tick read
# both for every running row on screen).  strace is not in the guest.
if command -v strace >/dev/null; then
	sleep 1 # b's first tick, which keeps its monitor, is past
	tpid=$(tm display -p -t tick '#{pane_pid}')
	timeout -s INT 3 strace -qq -p "$tpid" -e trace=openat,openat2,pread64 -o "$T/tick.trace" 2>/dev/null
	reads=$(grep -c 'pread64(' "$T/tick.trace")
	opens=$(grep -cE 'open[^"]*"[^"]*/(a|b)/(state|lock)"' "$T/tick.trace")
	[ "$reads" -ge 4 ] && [ "$opens" = 0 ] && ok "3 s of ticks: $reads kept-file reads, no state file or lock opened" \
		|| { not_ok "3 s of ticks: $reads kept-file reads, $opens state files or locks opened"; grep -E '/(state|lock)"' "$T/tick.trace" | head -4 | sed 's/^/#   /'; }
else
	skip "tick's state probe: no strace"
fi

# --- sorted by MEM, every running row is read at each tick and sorted
for ((i = 0; i < 12; i++)); do screen | grep -q 'MEM▼' && break; tm send-keys -t tick '>'; sleep 0.3; done
wait_for "> moves the sort to MEM, largest first" 'MEM▼'
line_of() { screen | grep -nE "^$1 +RUNNING" | cut -d: -f1 | head -1; }
[ "$(line_of a)" -lt "$(line_of b)" ] 2>/dev/null && ok "a (40 MiB) sorts above b" \
	|| { not_ok "a does not sort above b"; screen | sed 's/^/#   /'; }
check "80 MiB written to a tmpfs inside b" hk attach b -- sh -c \
	'mkdir -p /mnt/t && mount -t tmpfs t /mnt/t && head -c 83886080 /dev/zero >/mnt/t/f'
for ((i = 0; i < 40; i++)); do [ "$(line_of b)" -lt "$(line_of a)" ] 2>/dev/null && break; sleep 0.1; done
[ "$(line_of b)" -lt "$(line_of a)" ] 2>/dev/null && ok "the next ticks sort b (80 MiB) above a" \
	|| { not_ok "b does not move above a"; screen | sed 's/^/#   /'; }

# --- b started again from outside: a new init and a new cgroup, whose
# usage the tick reads (not the files it kept open for the last run)
restart_b() { hk stop -k b && hk start b; }
check "b stopped and started again from outside" restart_b
wait_for "b is RUNNING again with its new run's memory (under 40M)" \
	'^b +RUNNING .* ([0-9]+(\.[0-9])?K|([0-9]|[1-3][0-9])(\.[0-9])?M) ' 6
for ((i = 0; i < 40; i++)); do [ "$(line_of a)" -lt "$(line_of b)" ] 2>/dev/null && break; sleep 0.1; done
[ "$(line_of a)" -lt "$(line_of b)" ] 2>/dev/null && ok "a sorts above the restarted b again" \
	|| { not_ok "the restarted b stays above a"; screen | sed 's/^/#   /'; }

# --- a's monitor stopped (SIGSTOP): no watch sees it either
mon=$(awk -F= '$1 == "monitor_pid" { print $2 }' "$HAKO_RUN_DIR"/*/a/state 2>/dev/null)
if [ -n "$mon" ] && kill -STOP "$mon"; then
	wait_for "a tick finds a's monitor stopped: UNRESPONSIVE" '^a +UNRESPONSIVE' 4
	kill -CONT "$mon"
	wait_for "continued, a tick shows a RUNNING again" '^a +RUNNING' 4
else
	not_ok "no monitor pid in a's state file"
fi

# --- a's monitor killed: the lock goes with it, which no watch sees
if [ -n "$mon" ] && kill -9 "$mon"; then
	wait_for "a tick finds a's monitor gone: ORPHANED" '^a +ORPHANED' 4
else
	not_ok "no monitor pid in a's state file"
fi
check "stop -k ends the orphan" hk stop -k a
wait_for "a shows STOPPED" '^a +STOPPED' 4
tm send-keys -t tick q
plan_end
