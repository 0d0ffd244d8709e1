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
mark "hello uptime=$(uptime_s) kernel=$(uname -r) init=$(cat /proc/1/comm)$(multi_user_at)"
cd "${HK_GUEST_TOP:?}" || { mark "fatal no checkout at $HK_GUEST_TOP"; exit 1; }
export HK_GUEST=1
for s in ${HK_GUEST_SCRIPTS:?}; do
	echo "in-guest: $s (at $(uptime_s) s)"
	t0=$(uptime_s)
	mark "begin $s"
	timeout -k 10 "$timeout_s" bash "tests/$s.sh" </dev/null >&3 2>&1
	rc=$?
	mark "end $s rc=$rc secs=$(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%d", b - a + 0.5 }')"
done
mark "done uptime=$(uptime_s)"
# Closing the port waits until the UART has sent everything.
exec 3>&-
