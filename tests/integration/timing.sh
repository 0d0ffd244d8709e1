#!/usr/bin/env bash
# timing.sh - `--timing` on start, stop, attach and clone of a real busybox
# container, as root and as the test user (setup-user: the id maps and the
# delegated cgroup are steps too): the timeline goes to stderr only (stdout
# stays as without it), names every step of hako-start(1)'s list exactly
# once, each done by the process the man page says (cli, monitor, child:
# the monitor's and the child's steps reached the CLI), with offsets and
# durations that are numbers >= 0, steps that end within the total and add
# up to no more than it; stop -k brings the monitor's teardown steps back,
# attach the steps of the process that joins the container (and still
# exits with the command's status), clone its own.  Without --timing
# nothing of it is printed.
. "$(dirname "$0")/../lib.sh"
hk_begin timing "timing tests" root build

chmod 755 "$T"
UP=
cleanup() {
	"$HAKO" stop -k tm1 -P "$T/p" >/dev/null 2>&1
	if [ -n "$UP" ]; then
		hk_as user stop -k tm1 -P "$UP" >/dev/null 2>&1
		hk_as user destroy tm1 -P "$UP" >/dev/null 2>&1
		rm -rf "$UP"
	fi
	rm -rf "$T"
}
hk_on_exit cleanup

START_STEPS="cli:store cli:lock cli:config cli:preflight monitor:fork monitor:monitor monitor:terminals
monitor:cgroup monitor:prepare monitor:clone monitor:idmap monitor:network monitor:cgroup-limits monitor:cgroup-attach child:root
child:stub child:net-inside child:limits child:mounts-early child:cgroup-wait child:mounts child:pivot child:console child:cwd child:caps
child:seccomp child:close-fds child:exec monitor:ready monitor:state"
STOP_STEPS="cli:store cli:connect monitor:kill monitor:init-exit monitor:net-teardown
monitor:cgroup-kill monitor:cgroup-remove monitor:close monitor:state monitor:release cli:finish"
ATTACH_STEPS="cli:store cli:state cli:config cli:seccomp cli:stub cli:cgroup-open cli:fork cli:cgroup child:setns
child:confine child:user child:exec-run"
CLONE_STEPS="cli:store cli:plan cli:lock cli:directory cli:rootfs cli:config cli:finish"

# timeline FILE STEPS: every "PROC:STEP" of STEPS exactly once and no
# other; offsets and durations >= 0; each step ends within the total; the
# durations add up to no more than the total (but the monitor's
# cgroup-attach, which runs while the child mounts /proc and /sys: it
# waits for it in cgroup-wait).  Prints what is wrong.
timeline() {
	awk -v want="$2" '
	BEGIN { n = split(want, w, /[ \n]+/); for (i = 1; i <= n; i++) if (w[i] != "") need[w[i]] = 1 }
	/^total [0-9.]+ ms$/ { total = $2 + 0; have_total = 1; next }
	/^ +\+[0-9]+\.[0-9][0-9][0-9] ms +[0-9]+\.[0-9][0-9][0-9] ms  [a-z]+ +[a-z-]+$/ {
		key = $5 ":" $6; seen[key]++; off = substr($1, 2) + 0; dur = $3 + 0
		if (off < 0 || dur < 0) bad = bad " negative:" key
		if (off + dur > end) end = off + dur
		if (key != "monitor:cgroup-attach") sum += dur # overlaps the child steps
		next
	}
	/: [0-9]+ steps \(ms from the start\)$/ { next }
	/^hako: / && !/^hako: error/ { next } # a warning of the verb itself
	{ bad = bad " stray line: [" $0 "]" }
	END {
		for (k in need) if (seen[k] != 1) bad = bad " " k "x" (seen[k] + 0)
		for (k in seen) if (!(k in need)) bad = bad " unexpected:" k
		if (!have_total) bad = bad " no total"
		else {
			if (end > total + 0.0015) bad = bad " a step ends after the total (" end " > " total ")"
			if (sum > total + 0.0015) bad = bad " the steps add up to " sum " > total " total
		}
		if (bad != "") { print bad; exit 1 }
	}' "$1"
}
# check_timeline DESC FILE STEPS
check_timeline() {
	local why
	if why=$(timeline "$2" "$3"); then ok "$1"; else
		not_ok "$1:$why"; sed 's/^/#   /' "$2" | head -60
	fi
}

# run_all WHO PATH: the four verbs with --timing on container tm1 of PATH.
run_all() {
	local who=$1 p=$2
	hk_as "$who" create tm1 -t busybox -P "$p" >/dev/null 2>&1 || { not_ok "$who: create"; return; }
	hk_as "$who" start tm1 -P "$p" --timing >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] && ok "$who: start --timing succeeds, stdout empty" ||
		{ not_ok "$who: start --timing: status $rc"; sed 's/^/#   /' "$T/out" "$T/err" | head -40; }
	check_timeline "$who: start: every step once, by its process, within the total" "$T/err" "$START_STEPS"
	# Nothing without the option (stop and attach have nothing else to say).
	hk_as "$who" attach tm1 -P "$p" -- true >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ] && ok "$who: attach without --timing prints nothing" ||
		{ not_ok "$who: attach without --timing printed"; sed 's/^/#   /' "$T/err" | head; }
	hk_as "$who" attach tm1 -P "$p" --timing -- sh -c 'echo hi; exit 3' >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 3 ] && [ "$(cat "$T/out")" = hi ] && ok "$who: attach --timing keeps the command's output and status" ||
		{ not_ok "$who: attach --timing: status $rc, out [$(cat "$T/out")]"; sed 's/^/#   /' "$T/err" | head -30; }
	check_timeline "$who: attach: every step once" "$T/err" "$ATTACH_STEPS"
	hk_as "$who" stop -k tm1 -P "$p" --timing >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] && ok "$who: stop -k --timing succeeds" ||
		{ not_ok "$who: stop -k --timing: status $rc"; sed 's/^/#   /' "$T/err" | head -30; }
	check_timeline "$who: stop -k: the monitor's steps came back" "$T/err" "$STOP_STEPS"
	# stop returns once the container is gone: no cgroup, STOPPED, and
	# the lock free for a start at once.
	local left
	left=$(hk_cgroups_named tm1 "$p")
	[ -z "$left" ] && [ "$(hk_as "$who" ls -F NAME,STATE -P "$p" 2>/dev/null | awk -F'\t' '$1 == "tm1" { print $2 }')" = STOPPED ] &&
		hk_as "$who" start tm1 -P "$p" >/dev/null 2>&1 && hk_as "$who" stop -k tm1 -P "$p" >/dev/null 2>&1 &&
		[ -z "$(hk_cgroups_named tm1 "$p")" ] &&
		ok "$who: after stop -k returned: no cgroup, STOPPED, a start goes at once" ||
		{ not_ok "$who: after stop -k: cgroups [$left] or not STOPPED or the next start failed"; }
	hk_as "$who" clone tm1 tm2 -P "$p" -q --timing >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] && ok "$who: clone --timing succeeds" || { not_ok "$who: clone --timing: status $rc"; sed 's/^/#   /' "$T/err"; }
	check_timeline "$who: clone: every step once" "$T/err" "$CLONE_STEPS"
	hk_as "$who" destroy tm2 -P "$p" >/dev/null 2>&1
}

run_all root "$T/p"
# A command that needs no user name looks none up: getpwuid reads
# nsswitch.conf and the password database (sssd or LDAP on some hosts),
# about 0.1 ms of a 1 ms stop here.
if command -v strace >/dev/null; then
	"$HAKO" start tm1 -P "$T/p" >/dev/null 2>&1
	strace -f -e trace=openat -o "$T/nss" "$HAKO" stop -k tm1 -P "$T/p" >/dev/null 2>&1
	if grep -E 'nsswitch.conf|/etc/passwd' "$T/nss" | grep -q .; then
		not_ok "root: stop -k looks up a user name: $(grep -E 'nsswitch|passwd' "$T/nss" | head -2)"
	else
		ok "root: stop -k reads no password database"
	fi
else
	skip "root: stop -k reads no password database (needs strace)"
fi
if UP=$(hk_user_path timing); then
	run_all user "$UP"
else
	UP=
	skip "user: the test user cannot be set up"
fi
plan_end
