#!/usr/bin/env bash
# tests/guest/in-guest.sh - the test runner inside a guest of the lane
# (tests/guest/lane.sh): runs each test script under its own timeout and
# writes its whole output to the results port, framed by marker lines,
# so that the host can count every script's TAP on its own and tell which
# one a dead or hung guest cut off.  The results port is a serial port of
# its own (ttyS1): kernel and systemd messages go to the console (ttyS0)
# and never interleave with TAP.
#
# Reads HK_GUEST_TOP (the checkout, at the host's path), HK_GUEST_SCRIPTS
# ("integration/clone guest/sessions": tests/NAME.sh), HK_GUEST_SCRIPT_TIMEOUT
# (seconds per script) and HK_GUEST_RESULTS (the port).  The scripts see
# HK_GUEST=1: a long one that repeats the same thing (iterations, seconds
# of racing) repeats less here, as the guest is there for the host's
# layout (cgroups, mounts, sessions, modules) and the full counts run
# natively.  Markers:
#   ##hako-guest## hello uptime=S kernel=K init=COMM [multi-user=S]
#   ##hako-guest## begin NAME
#   ##hako-guest## end NAME rc=RC secs=S
#   ##hako-guest## done uptime=S
#   ##hako-guest## reboot NAME      NAME asked for a reboot: the guest
#                                    reboots cleanly (the host boots it
#                                    again) and this runner goes on after
#   ##hako-guest## rebooted uptime=S  ... NAME again, as NAME+reboot, with
#                                    HK_GUEST_AFTER_REBOOT=1, then the rest
# A script asks for a reboot by writing to $HK_GUEST_REBOOT_REQUEST and
# exiting; what it left on the guest's disk is there after the boot.
set -u
results=${HK_GUEST_RESULTS:-/dev/ttyS1}
timeout_s=${HK_GUEST_SCRIPT_TIMEOUT:-900}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# A marker always starts a line: the script before may not have ended its last.
mark() { printf '\n##hako-guest## %s\n' "$*" >&3; }

# multi-user.target's time since boot, when systemd is PID 1.
multi_user_at() {
	local us
	command -v systemctl >/dev/null || return 0
	us=$(systemctl show -p ActiveEnterTimestampMonotonic --value multi-user.target 2>/dev/null)
	[ -n "$us" ] && [ "$us" != 0 ] && awk -v u="$us" 'BEGIN { printf " multi-user=%.1f", u / 1e6 }'
}

exec 3>"$results" || { echo "in-guest: cannot open $results" >&2; exit 1; }
# Raw: no \n -> \r\n and no echo of what the host might send.
stty -F "$results" raw -echo 115200 2>/dev/null
# Across a reboot: the scripts done (one per line) and the one that asked
# for it, on the guest's own disk.
state=/var/lib/hako-guest
export HK_GUEST_REBOOT_REQUEST=$state/reboot-request
resumed=
if [ -e "$state/asked" ]; then
	resumed=$(cat "$state/asked")
	rm -f "$state/asked" "$HK_GUEST_REBOOT_REQUEST"
	mark "rebooted uptime=$(uptime_s)$(multi_user_at)"
else
	rm -rf "$state"
	mark "hello uptime=$(uptime_s) kernel=$(uname -r) init=$(cat /proc/1/comm)$(multi_user_at)"
fi
mkdir -p "$state" && touch "$state/done"
cd "${HK_GUEST_TOP:?}" || { mark "fatal no checkout at $HK_GUEST_TOP"; exit 1; }
export HK_GUEST=1

# run SCRIPT NAME: one script, framed.
run() {
	echo "in-guest: $2 (at $(uptime_s) s)"
	t0=$(uptime_s)
	mark "begin $2"
	timeout -k 10 "$timeout_s" bash "tests/$1.sh" </dev/null >&3 2>&1
	rc=$?
	mark "end $2 rc=$rc secs=$(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%d", b - a + 0.5 }')"
}

# reboot NAME: a clean reboot (every unit stopped, as at a host's
# shutdown), not this unit's poweroff: its SuccessAction is overridden in
# /run, which the reboot forgets.
reboot_for() {
	echo "$1" >"$state/asked"
	sync
	mark "reboot $1"
	exec 3>&-
	mkdir -p /run/systemd/system/hako-guest.service.d
	printf '[Unit]\nSuccessAction=reboot\nFailureAction=reboot\n' \
		>/run/systemd/system/hako-guest.service.d/reboot.conf
	systemctl daemon-reload
	exit 0
}

if [ -n "$resumed" ]; then
	HK_GUEST_AFTER_REBOOT=1 run "$resumed" "$resumed+reboot"
	echo "$resumed" >>"$state/done"
fi
for s in ${HK_GUEST_SCRIPTS:?}; do
	grep -qxF "$s" "$state/done" && continue
	run "$s" "$s"
	echo "$s" >>"$state/done"
	if [ -e "$HK_GUEST_REBOOT_REQUEST" ]; then
		if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then reboot_for "$s"; fi
		rm -f "$HK_GUEST_REBOOT_REQUEST"
	fi
done
mark "done uptime=$(uptime_s)"
# Closing the port waits until the UART has sent everything.
exec 3>&-
