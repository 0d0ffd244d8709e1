#!/usr/bin/env bash
# crash-injection: every numbered step of `hako start` (101-109) is made to
# fail in turn (HAKO_TEST_FAIL_STEP, a test switch); each time the start
# must fail cleanly and leave nothing: no cgroup, no mount, no process, the
# state STOPPED and the lock free, so that the next start works.  At each
# stop step (111-116) the monitor dies instead, as in a crash; the stop
# must still end with nothing left and the next start working.  Run for
# root with a privileged container, a user-namespaced one and a networked
# one (a veth on a bridge of the script's own), and an
# ordinary user with and without a delegated cgroup.
source "$(dirname "$0")/../lib.sh"
hk_begin crash "crash injection" root
ensure_test_user || { not_ok "cannot make the test user"; plan_end; exit 1; }

leftovers() { # path name: prints what is left of the container
	local path=$1 name=$2
	hk_cgroups_named "$name" "$path"
	grep -F "$path" /proc/self/mountinfo
	[ -n "${CRASH_BR:-}" ] && ip -o link show master "$CRASH_BR" 2>/dev/null | cut -d: -f2
	local p
	for p in $(pgrep -f "$path" 2>/dev/null); do
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] || echo "process $p"
	done
}

# The monitor dies (SIGKILL, as in a crash) at stop step N: `hako stop`
# then finishes the stop itself, or leaves the container ORPHANED for
# `hako stop -k`; never RUNNING with nothing alive, and nothing left.
stop_step() { # label, runner, path, step
	local label=$1 runner=$2 path=$3 step=$4 out state left
	if ! out=$(HK_EXTRA_ENV="HAKO_TEST_FAIL_STEP=$step" $runner env HAKO_TEST_FAIL_STEP=$step \
		"$HAKO" start ci -P "$path" 2>&1); then
		not_ok "$label: start for stop step $step"; diag "$out"; return
	fi
	out=$($runner "$HAKO" stop -t 10 ci -P "$path" 2>&1)
	state=$($runner "$HAKO" ls -F STATE -P "$path" 2>/dev/null | cut -f2)
	if [ "$state" = ORPHANED ]; then
		out+=$'\n'$($runner "$HAKO" stop -k ci -P "$path" 2>&1)
		state=$($runner "$HAKO" ls -F STATE -P "$path" 2>/dev/null | cut -f2)
	fi
	left=$(leftovers "$path" ci)
	local next='' after=''
	if [ -z "$left" ] && [ "$state" = STOPPED ]; then
		next=$($runner "$HAKO" start ci -P "$path" 2>&1) && next=$($runner "$HAKO" stop -k ci -P "$path" 2>&1) &&
			after=$(leftovers "$path" ci) && next=ok
	fi
	if [ "$next" = ok ] && [ -z "$after" ]; then
		ok "$label: a crash at stop step $step leaves nothing; the next start works"
	else
		not_ok "$label: crash at stop step $step"; diag "$out"; diag "state=$state left: $left"
		diag "the next start and stop -k: ${next:-not tried}; left after them: $after"
		$runner "$HAKO" stop -k ci -P "$path" >/dev/null 2>&1
	fi
}

run_mode() { # label, runner (as_user or env), path, extra config file or "", [nocgroup]
	local label=$1 runner=$2 path=$3 extra=$4 nocg=${5:-} step out
	if ! out=$($runner "$HAKO" create ci -t busybox -P "$path" ${extra:+-f "$extra"} 2>&1); then
		not_ok "$label: create"; diag "$out"; return
	fi
	for step in 101 102 103 104 105 106 107 108 109; do
		out=$(HK_EXTRA_ENV="HAKO_TEST_FAIL_STEP=$step" $runner env HAKO_TEST_FAIL_STEP=$step \
			"$HAKO" start ci -P "$path" 2>&1)
		if [ $? = 0 ]; then
			not_ok "$label: step $step did not fail"; $runner "$HAKO" stop -k ci -P "$path"; continue
		fi
		local left state
		left=$(leftovers "$path" ci)
		state=$($runner "$HAKO" ls -F STATE -P "$path" 2>/dev/null | cut -f2)
		if [ -z "$left" ] && [ "$state" = STOPPED ] && echo "$out" | grep -q "step $step"; then
			ok "$label: failure at step $step leaves nothing"
		else
			not_ok "$label: failure at step $step"; diag "$out"; diag "state=$state left: $left"
		fi
	done
	for step in 111 112 113 114 115 116; do
		stop_step "$label" "$runner" "$path" "$step"
	done
	check "$label: the next start works" $runner "$HAKO" start ci -P "$path"
	if [ -z "$nocg" ]; then # the search that finds nothing left finds this
		check_cgroups_found "$label: while it runs, its cgroups are found" ci "$path" \
			"$(hk_pid_of ci $runner "$HAKO" -P "$path")"
	else
		check "$label: while it runs, no cgroup of its own is found" test -z "$(hk_cgroups_named ci "$path")"
	fi
	check "$label: and stops" $runner "$HAKO" stop -k ci -P "$path"
	check "$label: nothing left after stop" test -z "$(leftovers "$path" ci)"
	$runner "$HAKO" destroy ci -P "$path" >/dev/null 2>&1
}

root_dir=$T
home=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
user_dir=$(mktemp -d "$home/hk-crash-XXXXXX")
# The containers' mapped roots must be able to reach their rootfs.
chmod 755 "$root_dir" "$user_dir"
chown "$HK_TEST_USER:" "$user_dir"
CRASH_BR=hkcrashbr0
hk_on_exit 'rm -rf "$root_dir"; rm -rf "$user_dir"; "$HAKO" net remove -b "$CRASH_BR" -q >/dev/null 2>&1'
printf 'lxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n' >"$root_dir/idmap.conf"
printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n' \
	"$CRASH_BR" >"$root_dir/net.conf"

run_mode "root, privileged" env "$root_dir/p" ""
# (Not in the guest lane either: what a crash leaves on a cgroup2 host is
# the same cgroup whatever the id map; the user modes there cover the
# delegated ones.)
if [ -n "${HK_GUEST:-}" ]; then
	skip "root, user namespace: run natively only (the guest lane's time)"
else
	run_mode "root, user namespace" env "$root_dir/u" "$root_dir/idmap.conf"
fi
# Networked: a veth on a bridge of its own; a leftover veth shows on it.
# (Not in the guest lane: the network steps do not depend on the host's
# cgroups or sessions, and this machine runs them.)
"$HAKO" net remove -b "$CRASH_BR" -q >/dev/null 2>&1
if [ -n "${HK_GUEST:-}" ]; then
	skip "root, networked: run natively only (the guest lane's time)"
elif "$HAKO" net setup -b "$CRASH_BR" -s 10.99.91.1/24 >/dev/null 2>&1; then
	run_mode "root, networked" env "$root_dir/n" "$root_dir/net.conf"
else
	not_ok "root, networked: hako net setup -b $CRASH_BR failed"
fi
"$HAKO" setup-user "$HK_TEST_USER" >/dev/null
run_mode "user, delegated cgroup" as_user "$user_dir/d" ""
# Without delegation: hide the delegated cgroups for the duration.
hk_undelegate "$HK_TEST_USER"
run_mode "user, no delegated cgroup" as_user "$user_dir/n" "" nocgroup
"$HAKO" setup-user "$HK_TEST_USER" >/dev/null
plan_end
