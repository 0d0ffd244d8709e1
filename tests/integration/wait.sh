#!/usr/bin/env bash
# wait.sh - `hako wait NAME -s STATES [-t SECONDS]` (lxc-wait) on real
# busybox containers, as root and as the test user (setup-user): a state
# the container is in returns 0 at once; one it is not in waits (checked:
# still waiting after a second) and returns 0 once a start, a freeze, an
# unfreeze or a stop gets it there (FREEZING and THAWED, LXC's passing
# states, at FROZEN and RUNNING); a timeout returns 1 saying the state it
# is still in (-q: silent), -t 0 looks once; STOPPED is reached only
# once the container can be started again (its lock let go); bad states, no -s, a
# missing container and bad -t values are refused; nothing left after.
# (lxc-wait itself against hako's containers, and hako wait against
# LXC's: lxc-compat.sh.)
. "$(dirname "$0")/../lib.sh"
hk_begin wait "wait tests" root build

chmod 755 "$T"
UP=
WAITER=
cleanup() {
	[ -n "$WAITER" ] && kill "$WAITER" 2>/dev/null
	"$HAKO" stop -k w1 -P "$T/p" >/dev/null 2>&1
	"$HAKO" destroy w1 -P "$T/p" >/dev/null 2>&1
	if [ -n "$UP" ]; then
		as_user "$HAKO" stop -k w1 -P "$UP" >/dev/null 2>&1
		as_user "$HAKO" destroy w1 -P "$UP" >/dev/null 2>&1
		rm -rf "$UP"
	fi
	rm -rf "$T"
}
hk_on_exit cleanup

h() { hk_as "$@"; }
# waiting DESC WHO PATH WAIT-ARGS...: hako wait in the background, still
# waiting one second later.
waiting() {
	local desc=$1 who=$2 p=$3; shift 3
	h "$who" wait w1 -P "$p" "$@" >"$T/waiter.out" 2>&1 &
	WAITER=$!
	sleep 1
	if kill -0 "$WAITER" 2>/dev/null; then ok "$desc"; return 0; fi
	wait "$WAITER"; not_ok "$desc: it returned at once (status $?)"; sed 's/^/#   /' "$T/waiter.out"
	WAITER=
	return 1
}
# waited DESC: the waiter ends with status 0 within 30 s.
waited() {
	local i rc
	for ((i = 0; i < 300; i++)); do kill -0 "$WAITER" 2>/dev/null || break; sleep 0.1; done
	kill "$WAITER" 2>/dev/null
	wait "$WAITER"; rc=$?
	WAITER=
	[ "$rc" = 0 ] && ok "$1" || { not_ok "$1: status $rc"; sed 's/^/#   /' "$T/waiter.out"; }
}
# status_of WHO ARGS...: hako's exit status.
status_of() { h "$@" >/dev/null 2>&1; echo $?; }

wait_mode() {
	local who=$1 p=$2 m=$1 out
	check "$m: create" h "$who" create w1 -t busybox -P "$p"
	check_output "$m: a stopped container is STOPPED at once" '^0$' status_of "$who" wait w1 -s STOPPED -t 0 -P "$p"
	out=$(h "$who" wait w1 -s RUNNING -t 1 -P "$p" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q 'wait "w1": still STOPPED after 1 s (waited for RUNNING)' <<<"$out" &&
		ok "$m: a timeout is 1, saying the state it is still in" || { not_ok "$m: timeout: rc $rc"; diag "$out"; }
	out=$(h "$who" wait w1 -q -s RUNNING -t 0 -P "$p" 2>&1); rc=$?
	[ $rc = 1 ] && [ -z "$out" ] && ok "$m: -q: the timeout is silent" || { not_ok "$m: -q: rc $rc"; diag "$out"; }

	if waiting "$m: waiting for RUNNING while stopped" "$who" "$p" -s 'running|FROZEN' -t 120; then
		check "$m: start" h "$who" start w1 -P "$p"
		waited "$m: ... returns 0 once it runs"
	fi
	if waiting "$m: waiting for FREEZING while it runs" "$who" "$p" -s FREEZING -t 120; then
		if h "$who" freeze w1 -P "$p" >"$T/freeze.out" 2>&1; then
			waited "$m: ... returns 0 once frozen"
			waiting "$m: waiting for THAWED while frozen" "$who" "$p" -s THAWED -t 120 &&
				{ h "$who" unfreeze w1 -P "$p"; waited "$m: ... returns 0 once thawed"; }
		else
			kill "$WAITER"; wait "$WAITER" 2>/dev/null; WAITER=
			skip "$m: freeze: $(head -1 "$T/freeze.out")"
		fi
	fi
	if waiting "$m: waiting for STOPPED while it runs" "$who" "$p" -s STOPPED; then
		h "$who" stop w1 -P "$p" -t 10 >/dev/null 2>&1 &
		local stopper=$!
		waited "$m: ... returns 0 once stopped"
		# told only once the lock is free: a start right after works
		check "$m: ... and a start right after it works" h "$who" start w1 -P "$p"
		wait "$stopper"
		check "$m: stop" h "$who" stop -k w1 -P "$p"
	fi
	# The monitor writes STOPPED before it lets go of the lock: held (as
	# the monitor holds it, an OFD lock) with that state file in place,
	# the container is not yet STOPPED for wait (a start would be refused).
	local lock
	lock=$(ls -dt /run/hako/s-*/w1/lock 2>/dev/null | head -1)
	if [ "$who" = root ] && [ -f "$lock" ] && grep -q '^state=STOPPED' "${lock%/lock}/state" 2>/dev/null; then
		python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
print("locked", flush=True); time.sleep(3)' "$lock" >"$T/holder.out" &
		local holder=$! i
		for i in $(seq 50); do grep -q locked "$T/holder.out" 2>/dev/null && break; sleep 0.1; done
		check_output "$m: STOPPED in the state file but the lock held: not STOPPED yet" '^1$' \
			status_of "$who" wait w1 -s STOPPED -t 1 -P "$p"
		wait "$holder"
		check_output "$m: ... STOPPED once it is let go" '^0$' status_of "$who" wait w1 -s STOPPED -t 5 -P "$p"
	fi

	# refusals
	check_output "$m: a bad state is a usage error naming the states" \
		'"BOGUS" is not a state: give one or more of STOPPED\|STARTING\|RUNNING' h "$who" wait w1 -s 'RUNNING|BOGUS' -P "$p"
	check_output "$m: ... exit 2" '^2$' status_of "$who" wait w1 -s BOGUS -P "$p"
	check_output "$m: no -s is a usage error" '^2$' status_of "$who" wait w1 -P "$p"
	check_output "$m: a bad -t is a usage error" '^2$' status_of "$who" wait w1 -s RUNNING -t -5 -P "$p"
	check_output "$m: a missing container is refused with the fix" \
		'container "nosuch" does not exist in .*; create it with "hako create nosuch' h "$who" wait nosuch -s STOPPED -P "$p"
	check_output "$m: ... exit 1" '^1$' status_of "$who" wait nosuch -s STOPPED -P "$p"
	check "$m: destroy" h "$who" destroy w1 -P "$p"
	check_clean "$m: nothing left" "$p/w1" ""
}

wait_mode root "$T/p"
if UP=$(hk_user_path wait); then
	wait_mode "$HK_TEST_USER" "$UP"
else
	skip "wait as $HK_TEST_USER: cannot make the user or set it up"
fi
plan_end
