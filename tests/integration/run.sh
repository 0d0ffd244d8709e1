#!/usr/bin/env bash
# tests/integration/run.sh - running busybox containers for real: start,
# what a process inside sees (pid namespace, id map, ids, exit status,
# -u), ls states, freeze/unfreeze, `hako cgroup` when it exists, stop
# (clean, fast, and a second stop refused), nothing left on the host
# afterwards (cgroup, mount, monitor, container process), a restart, and
# `start -s`.  Modes: root with a privileged container, the test user
# after `hako setup-user` (unprivileged, delegated cgroup), and a second
# user with sub-ids but no delegated cgroup (start/stop with a warning,
# freeze refused clearly).
. "$(dirname "$0")/../lib.sh"
hk_begin run "run tests" root

HELPER=$HK_TOP/build/tests/helpers/hkinfo
NOCG=hakonocg
chmod 755 "$T"
UP= NP=
# Every container this script may have started: "runner path name".
started=()

cleanup() {
	local s runner path name
	for s in "${started[@]}"; do
		read -r runner path name <<<"$s"
		if [ "$runner" = root ]; then "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1
		else HK_TEST_USER=$runner as_user "$HAKO" stop -k "$name" -P "$path" >/dev/null 2>&1; fi
	done
	rm -rf "$T"
	[ -n "$UP" ] && rm -rf "$UP"
	if id "$NOCG" >/dev/null 2>&1; then
		userdel -r "$NOCG" >/dev/null 2>&1
		sed -i "/^$NOCG:/d" /etc/subuid /etc/subgid
	fi
}
hk_on_exit cleanup

if [ ! -x "$HAKO" ] || [ ! -x "$HELPER" ]; then
	skip "run: build first (make test-build)"
	plan_end; exit
fi

# h MODE ARGS...: hako as root ("root") or as the named user.
h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"
	else HK_TEST_USER=$who as_user "$HAKO" "$@"; fi
}
state() { h "$1" ls -F NAME,STATE -P "$2" 2>/dev/null | awk -F'\t' -v n="$3" '$1 == n { print $2 }'; }
# wait_booted WHO PATH NAME: until busybox's boot script (rcS) is over
# (HK_BOOTED_SH), so that nothing it does races what the test looks at.
wait_booted() {
	local i
	for i in $(seq 80); do
		h "$1" attach "$3" -P "$2" -- sh -c "$HK_BOOTED_SH" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
usage() { h "$1" ls -F NAME,RAM,CPU,PIDS -P "$2" 2>/dev/null | awk -F'\t' -v n="$3" '$1 == n { print $2 "\t" $3 "\t" $4 }'; }
init_pid() {
	h "$1" ls -F NAME,PID -P "$2" 2>/dev/null | awk -F'\t' -v n="$3" '$1 == n { print $2 }'
}
# snapshot WHO PATH NAME: while the container runs, sets cgs (init's
# cgroup directories named after the container) and pids (their
# processes; without a cgroup, init and its descendants), and checks that
# the search check_clean makes after stop finds its cgroups now (in the
# mode without a cgroup ($nocg): finds none, as there are none).
snapshot() {
	local init
	cgs= pids=
	init=$(init_pid "$1" "$2" "$3")
	[ -n "$init" ] && [ "$init" != - ] || { not_ok "$m: no init to look at"; return 0; }
	cgs=$(hk_init_cgroups "$init" "$3")
	if [ -n "$cgs" ]; then pids=$(hk_cg_pids $cgs); else pids=$(descendants "$init"); fi
	if [ -z "$nocg" ]; then
		check_cgroups_found "$m: while it runs, its cgroups are found (init's among them)" "$3" "$2" "$init"
	else
		check "$m: while it runs, no cgroup of its own is found anywhere" \
			test -z "$cgs$(hk_cgroups_named "$3" "$2")"
	fi
}
descendants() {
	local c
	echo "$1"
	for c in $(ps -o pid= --ppid "$1"); do descendants "$c"; done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_mode WHO PATH EXPECTED_UID_MAP [nocgroup]: the whole life of
# container c1 (nocgroup: WHO has no delegated cgroup).
run_mode() {
	local who=$1 P=$2 map=$3 nocg=${4:-} m="$1" out rc t0 t1 pids cgs
	local name=c1
	started+=("$who $P $name")
	check "$m: create" h "$who" create "$name" -t busybox -P "$P"
	cp "$HELPER" "$P/$name/rootfs/hkinfo" && chmod 755 "$P/$name/rootfs/hkinfo"

	t0=$(now_ms)
	out=$(h "$who" start "$name" -P "$P" 2>&1); rc=$?
	t1=$(now_ms)
	[ $rc = 0 ] && ok "$m: start" || { not_ok "$m: start"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	if [ -n "$nocg" ]; then
		printf '%s' "$out" | grep -qiE 'warn.*cgroup.*setup-user|cgroup.*delegat' \
			&& ok "$m: start warns that there is no delegated cgroup" \
			|| not_ok "$m: start without a delegated cgroup gave no warning naming the fix: '$out'"
	else
		[ -z "$out" ] && ok "$m: start is silent" || not_ok "$m: start printed: $out"
	fi
	diag "$m: start took $((t1 - t0)) ms"
	[ "$(state "$who" "$P" "$name")" = RUNNING ] && ok "$m: ls -f shows RUNNING" \
		|| not_ok "$m: ls -f after start: $(state "$who" "$P" "$name")"
	wait_booted "$who" "$P" "$name" || diag "$m: the boot script did not finish in 8 s"
	# Its usage, read from its cgroup (only the hierarchies that hold
	# memory, cpu, pids or io are looked in); none without a cgroup.
	[ -n "$nocg" ] || check_output "$m: ls -F RAM,CPU,PIDS reads its cgroup's usage" \
		$'^[0-9.]+MiB\t[0-9]+\\.[0-9]{2}s\t[1-9][0-9]*$' usage "$who" "$P" "$name"
	check_output "$m: init runs getty on /dev/console (the console pty is usable inside)" \
		'getty -L console' h "$who" attach "$name" -P "$P" -- ps
	out=$(h "$who" attach "$name" -P "$P" -- cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
	case "$out" in init*) ok "$m: /proc/1/cmdline is init" ;; *) not_ok "$m: /proc/1/cmdline: $out" ;; esac
	check_output "$m: pid 1 is init (Name: init)" '^Name:[[:space:]]+init$' \
		h "$who" attach "$name" -P "$P" -- cat /proc/1/status
	out=$(h "$who" attach "$name" -P "$P" -- /hkinfo 2>&1)
	if printf '%s\n' "$out" | grep -qx 'pid1=init' && printf '%s\n' "$out" | grep -qx 'ppid=0' \
		&& [ "$(printf '%s\n' "$out" | sed -n 's/^pid=//p')" -lt 1000 ]; then
		ok "$m: an attached process is in the pid namespace (ppid 0, small pid, init is pid 1)"
	else not_ok "$m: attach pid namespace"; printf '%s\n' "$out" | sed 's/^/#   /'; fi
	out=$(h "$who" attach "$name" -P "$P" -- sh -c 'echo $$' 2>&1)
	[ -n "$out" ] && [ "$out" -lt 1000 ] 2>/dev/null && ok "$m: sh -c 'echo \$\$' gives a namespace pid ($out)" \
		|| not_ok "$m: sh -c 'echo \$\$': $out"
	out=$(h "$who" attach "$name" -P "$P" -- cat /proc/self/uid_map 2>&1 | awk '{ $1 = $1; print }')
	[ "$out" = "$map" ] && ok "$m: uid_map inside is \"$map\"" || not_ok "$m: uid_map inside: \"$out\", want \"$map\""
	check_output "$m: attach -- id -u prints 0" '^0$' h "$who" attach "$name" -P "$P" -- id -u
	h "$who" attach "$name" -P "$P" -- sh -c 'exit 7' >/dev/null 2>&1; rc=$?
	[ $rc = 7 ] && ok "$m: attach returns the command's status (7)" || not_ok "$m: attach sh -c 'exit 7' returned $rc"
	# The end of piped input reaches the command (no copy of the pipe's
	# write end may stay open in hako's helper processes).
	if [ "$who" = root ]; then
		out=$(printf 'hi\nthere\n' | timeout 10 "$HAKO" attach "$name" -P "$P" -- wc -l 2>&1); rc=$?
	else
		out=$(printf 'hi\nthere\n' | HK_TEST_USER=$who as_user timeout 10 "$HAKO" attach "$name" -P "$P" -- wc -l 2>&1); rc=$?
	fi
	[ $rc = 0 ] && [ "$(echo "$out" | tr -d ' ')" = 2 ] && ok "$m: attach -- wc -l sees the end of piped input" \
		|| not_ok "$m: attach with piped input: rc $rc, output '$out'"
	# The command is looked up in the container's PATH, not the caller's
	# (which has no /usr/local/bin here); -v VAR=VALUE given twice: the last.
	mkdir -p "$P/$name/rootfs/usr/local/bin"
	printf '#!/bin/sh\necho found-in-local\n' >"$P/$name/rootfs/usr/local/bin/hkpathprobe"
	chmod 755 "$P/$name/rootfs/usr/local/bin/hkpathprobe"
	chown -R --reference="$P/$name/rootfs" "$P/$name/rootfs/usr/local"
	if [ "$who" = root ]; then
		check_output "$m: attach finds a command in the container's /usr/local/bin" '^found-in-local$' \
			env PATH=/usr/bin:/bin "$HAKO" attach "$name" -P "$P" -- hkpathprobe
	else
		check_output "$m: attach finds a command in the container's /usr/local/bin" '^found-in-local$' \
			h "$who" attach "$name" -P "$P" -- hkpathprobe
	fi
	check_output "$m: attach -v X=1 -v X=2 gives X=2" '^2$' \
		h "$who" attach "$name" -v X=1 -v X=2 -P "$P" -- sh -c 'echo $X'
	check_output "$m: attach -u 1 -- id -u prints 1" '^1$' h "$who" attach "$name" -u 1 -P "$P" -- id -u
	check "$m: uid 1 inside can use /dev/null, /dev/zero, /dev/full, /dev/urandom" \
		h "$who" attach "$name" -u 1 -P "$P" -- sh -c \
		'echo x >/dev/null && echo x >/dev/zero && head -c1 /dev/zero >/dev/null && head -c1 /dev/urandom >/dev/null && ! echo x 2>/dev/null >/dev/full'
	out=$(h "$who" attach "$name" -P "$P" -- ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty 2>&1)
	if [ "$(printf '%s\n' "$out" | grep -c '^crw-rw-rw-')" = 6 ]; then ok "$m: the standard /dev nodes are crw-rw-rw-"
	else not_ok "$m: /dev node modes"; printf '%s\n' "$out" | sed 's/^/#   /'; fi

	snapshot "$who" "$P" "$name"
	if [ -n "$nocg" ]; then
		[ -n "$pids" ] && [ -z "$cgs" ] && ok "$m: no cgroup of its own, processes found from init's pid" \
			|| not_ok "$m: pids '$pids', cgroups: $cgs"
	else
		# In the container's own cgroups, which WHO made (a user's sit in
		# its delegation: hako.users/UID, a systemd scope ...).
		[ -n "$pids" ] && [ -n "$cgs" ] && [ -z "$(stat -c %U $cgs | grep -vx "$who")" ] \
			&& ok "$m: the container's processes are in its cgroups, $who's" \
			|| not_ok "$m: cgroups of init: '$cgs' ($(stat -c %U $cgs 2>&1 | sort -u | xargs), want $who's), pids: $pids"
	fi

	if [ -n "$nocg" ]; then # no delegated cgroup: freeze must fail clearly
		out=$(h "$who" freeze "$name" -P "$P" 2>&1); rc=$?
		if [ $rc != 0 ] && printf '%s' "$out" | grep -qiE 'cgroup|setup-user|delegat'; then
			ok "$m: freeze without a delegated cgroup fails clearly"
		else not_ok "$m: freeze without a delegated cgroup: rc=$rc: $out"; fi
		[ "$(state "$who" "$P" "$name")" = RUNNING ] && ok "$m: still RUNNING after the refused freeze" \
			|| not_ok "$m: state after refused freeze: $(state "$who" "$P" "$name")"
	else
		check "$m: freeze" h "$who" freeze "$name" -P "$P"
		[ "$(state "$who" "$P" "$name")" = FROZEN ] && ok "$m: ls -f shows FROZEN" \
			|| not_ok "$m: state after freeze: $(state "$who" "$P" "$name")"
		check "$m: unfreeze" h "$who" unfreeze "$name" -P "$P"
		[ "$(state "$who" "$P" "$name")" = RUNNING ] && ok "$m: RUNNING again after unfreeze" \
			|| not_ok "$m: state after unfreeze: $(state "$who" "$P" "$name")"
		check_output "$m: attach works after unfreeze" '^0$' h "$who" attach "$name" -P "$P" -- id -u
		check "$m: freeze -q -n NAME" h "$who" freeze -q -n "$name" -P "$P"
		check "$m: thaw -q -n NAME" h "$who" thaw -q -n "$name" -P "$P"
		# Options after `--` are the command's; before it they are attach's.
		check_output "$m: attach NAME -u 1 -- CMD -u -n: the last two are CMD's" '^1 -u -n$' \
			h "$who" attach "$name" -u 1 -P "$P" -- sh -c 'echo "$(id -u) $*"' sh -u -n
		check_output "$m: attach -q -n NAME -- CMD" '^0$' h "$who" attach -q -n "$name" -P "$P" -- id -u
		check_output "$m: info -q -n NAME while it runs" '^State: +RUNNING' h "$who" info -q -n "$name" -P "$P"
		if "$HAKO" help cgroup >/dev/null 2>&1; then
			check_output "$m: hako cgroup reads pids.current" '^[0-9]+$' \
				h "$who" cgroup "$name" pids.current -P "$P"
			check "$m: hako cgroup sets pids.max" h "$who" cgroup "$name" pids.max 100 -P "$P"
			check_output "$m: ... and reads it back" '^100$' h "$who" cgroup "$name" pids.max -P "$P"
			check_output "$m: cgroup -q -n NAME KEY" '^100$' h "$who" cgroup -q -n "$name" pids.max -P "$P"
		else
			skip "$m: hako cgroup is not there yet"
		fi
	fi

	t0=$(now_ms)
	out=$(h "$who" stop "$name" -P "$P" 2>&1); rc=$?
	t1=$(now_ms)
	if [ -n "$nocg" ]; then
		[ $rc = 0 ] && ok "$m: stop exits 0 (${out:+with: $out})" || not_ok "$m: stop: rc=$rc: $out"
	else
		[ $rc = 0 ] && [ -z "$out" ] && ok "$m: stop is clean (exit 0, silent)" || not_ok "$m: stop: rc=$rc: $out"
	fi
	# init halted on the signal: well under the 30 s after which stop kills
	# (a timing bound loose enough for a busy machine; make bench times it)
	[ $((t1 - t0)) -lt 20000 ] && ok "$m: stop took $((t1 - t0)) ms (< 20 s: no kill timeout)" ||
		not_ok "$m: stop took $((t1 - t0)) ms"
	[ "$(state "$who" "$P" "$name")" = STOPPED ] && ok "$m: STOPPED after stop" \
		|| not_ok "$m: state after stop: $(state "$who" "$P" "$name")"
	out=$(h "$who" stop "$name" -P "$P" 2>&1); rc=$?
	[ $rc != 0 ] && printf '%s' "$out" | grep -qi 'not running' && ok "$m: stopping a stopped container says so and fails" \
		|| not_ok "$m: second stop: rc=$rc: $out"
	check_clean "$m: nothing left on the host (cgroup, mount, monitor, processes)" "$P/$name" "$cgs" $pids
	check_clean "$m: no process or mount names the container path" "$P" ""

	check "$m: the next start works" h "$who" start "$name" -P "$P"
	snapshot "$who" "$P" "$name"
	t0=$(now_ms)
	check "$m: stop -k" h "$who" stop -k "$name" -P "$P"
	t1=$(now_ms)
	[ $((t1 - t0)) -lt 5000 ] && ok "$m: stop -k took $((t1 - t0)) ms (< 5 s: no halt wait)" ||
		not_ok "$m: stop -k took $((t1 - t0)) ms"
	check_clean "$m: nothing left after stop -k" "$P/$name" "$cgs" $pids

	check "$m: start -s lxc.uts.name=other" h "$who" start "$name" -s lxc.uts.name=other -P "$P"
	wait_booted "$who" "$P" "$name" || diag "$m: the boot script did not finish in 8 s"
	check_output "$m: hostname is the -s value" '^other$' h "$who" attach "$name" -P "$P" -- hostname
	snapshot "$who" "$P" "$name"
	check "$m: stop -k" h "$who" stop -k "$name" -P "$P"
	check_clean "$m: nothing left after the -s run" "$P/$name" "$cgs" $pids
	check_output "$m: -s does not change the config" '^lxc.uts.name = c1$' grep '^lxc.uts.name' "$P/$name/config"

	# A monitor that dies leaves the container ORPHANED; stop -k still
	# clears it (through its cgroup), and nothing is left.
	check "$m: start again" h "$who" start "$name" -P "$P"
	snapshot "$who" "$P" "$name"
	local init mon
	init=$(init_pid "$who" "$P" "$name")
	mon=$(ps -o ppid= -p "$init" 2>/dev/null | tr -d ' ')
	if [ -n "$mon" ] && [ "$mon" != 1 ]; then
		grep -q "/$name@\|/$name\$" "/proc/$mon/cgroup" && not_ok "$m: the monitor sits in the payload cgroup" \
			|| ok "$m: the monitor is not in the container's cgroup"
		kill -9 "$mon"
		sleep 0.3
		[ "$(state "$who" "$P" "$name")" = ORPHANED ] && ok "$m: killing the monitor leaves it ORPHANED" \
			|| not_ok "$m: state after killing the monitor: $(state "$who" "$P" "$name")"
		if [ -n "$nocg" ]; then # no cgroup: stop -k kills its init through a pidfd
			check "$m: stop -k of an orphan with no cgroup kills its init" h "$who" stop -k "$name" -P "$P"
			sleep 0.3
		else
			check "$m: stop -k of an orphan" h "$who" stop -k "$name" -P "$P"
		fi
		local st
		st=$(state "$who" "$P" "$name")
		if [ "$st" = STOPPED ]; then ok "$m: the orphan is STOPPED"
		elif [ -n "$nocg" ] && ps -o stat= -p "$init" 2>/dev/null | grep -q '^Z'; then
			skip "$m: the orphan's init is a zombie that this host's pid 1 never reaps (state $st)"
		else not_ok "$m: state after stopping the orphan: $st"; fi
		check_clean "$m: nothing left of the orphan" "$P/$name" "$cgs" $pids
	else
		not_ok "$m: no monitor found (init '$init', parent '$mon')"
	fi
}

# ---- root, privileged ----
mkdir -p "$T/root"
run_mode root "$T/root" "0 0 4294967295"
check "root: destroy" "$HAKO" destroy c1 -P "$T/root"

# ---- the test user, after setup-user ----
if ! ensure_test_user; then
	skip "unprivileged: cannot make $HK_TEST_USER"
	plan_end; exit
fi
check "setup-user $HK_TEST_USER" "$HAKO" setup-user "$HK_TEST_USER"
UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
UP=$(HK_TEST_USER=$HK_TEST_USER as_user mktemp -d "$UHOME/hako-run.XXXXXX")
chmod 755 "$UP" # the container's root (a sub-uid) walks through it
SUB=$(awk -F: -v u="$HK_TEST_USER" '$1 == u && $3 >= 65536 { print $2; exit }' /etc/subuid)
# The map the config will hold: create writes it from the first range.
run_mode "$HK_TEST_USER" "$UP" "0 $SUB 65536"
check_output "user: the config's map is what the container saw" "^lxc.idmap = u 0 $SUB 65536\$" \
	grep '^lxc.idmap = u' "$UP/c1/config"
check "user: destroy" h "$HK_TEST_USER" destroy c1 -P "$UP"

# ---- a user with sub-ids but no delegated cgroup ----
id "$NOCG" >/dev/null 2>&1 || useradd -m -s /bin/sh "$NOCG"
sed -i "/^$NOCG:/d" /etc/subuid /etc/subgid
echo "$NOCG:500000:65536" >>/etc/subuid
echo "$NOCG:500000:65536" >>/etc/subgid
NHOME=$(getent passwd "$NOCG" | cut -d: -f6)
chmod 755 "$NHOME"
NP=$NHOME/lxc
HK_TEST_USER=$NOCG as_user mkdir -p "$NP"
NUID=$(id -u "$NOCG")
# A delegation left by an earlier user with the same uid (another test's
# user, deleted) would give this one cgroups: remove it, bottom-up.
for d in $(hk_user_delegations "$NUID"); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
[ -z "$(hk_user_delegations "$NUID")" ] || diag "$NOCG still has delegated cgroups: $(hk_user_delegations "$NUID")"
# Its container lands in whatever cgroup it is in (here root's): look for
# the processes by the container path instead of a cgroup name.
run_mode "$NOCG" "$NP" "0 500000 65536" nocgroup
check "no-cgroup user: destroy" h "$NOCG" destroy c1 -P "$NP"

plan_end
