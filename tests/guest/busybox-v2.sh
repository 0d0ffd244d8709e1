#!/usr/bin/env bash
# tests/guest/busybox-v2.sh - runs as root in the guest lane's busybox
# guest (tests/guest/lane.sh): cgroup2 only (nsdelegate, PID 1 in the
# leaf init.scope, controllers on for children), no systemd, Debian's
# kernel with overlay and the rest as modules that load on demand, and
# build/hako-static as hako.
#   root: a busybox container in its own cgroup; attach inside it; limits
#     set and read back; a fork bomb held by pids.max; numbers in ls;
#     freeze shown in ls; an overlay snapshot clone (the module loads at
#     its first mount); stop, and nothing left.
#   an ordinary user after `hako setup-user`: what doctor says about
#     cgroup delegation, and a start that either runs in a cgroup of its
#     own or refuses or warns saying so (never silently without one);
#     then in a cgroup root delegated the way doctor says, the full life.
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/checks.sh"
hk_begin busybox-v2 busybox-v2 notmp

U=$HK_TEST_USER
DELEG=$GC_ROOT/hako-user-$U

# hk WHO ARGS...: hako as root, as the user, or as the user from inside
# the cgroup root delegated to it ("deleg").
hk() {
	local who=$1; shift
	case $who in
	root) "$HAKO" "$@" ;;
	# Root puts the command in the leaf: moving a process needs write
	# access where source and target meet, here the root cgroup.
	deleg) (echo "$BASHPID" >"$DELEG/shell/cgroup.procs" && as_user "$HAKO" "$@") ;;
	*) as_user "$HAKO" "$@" ;;
	esac
}

# delegate: a cgroup for the user made by root, as systemd's
# user@UID.service would be: owned by the user, controllers on, the
# user's commands in its leaf "shell".
delegate() {
	mkdir -p "$DELEG/shell" &&
		echo '+cpu +memory +pids' >"$DELEG/cgroup.subtree_control" &&
		chown "$U:$U" "$DELEG" "$DELEG/shell" "$DELEG"/cgroup.{procs,subtree_control,threads} \
			"$DELEG/shell/cgroup.procs"
}

if [ "$(id -u)" != 0 ] || [ ! -f "$GC_ROOT/cgroup.controllers" ]; then
	skip "busybox-v2: runs as root in the lane's cgroup2 guest (tests/run guest)"
	plan_end; exit
fi
check_output "only cgroup2 is mounted" '^1$' sh -c "grep -c cgroup /proc/mounts"
check_output "root: doctor sees the unified layout" 'cgroup layout: unified' hk root doctor

# ---- root ----
gc_create_start root hka-root
[ "$GC_START_RC" = 0 ] && ok "root: start hka-root" || not_ok "root: start hka-root: $GC_START_OUT"
gc_in_own_cgroup root hka-root
gc_life root hka-root
gc_stop_clean root hka-root
out=$(hk root clone hka-root hka-snap -s -B overlay 2>&1)
if [ $? = 0 ]; then
	ok "root: clone hka-root hka-snap -s -B overlay"
	check "root: start the overlay clone" hk root start hka-snap
	check_output "root: overlay is in /proc/filesystems now" 'overlay' cat /proc/filesystems
	check_output "root: the clone's root is an overlay" '^overlay ' hk root attach hka-snap -- grep ' / ' /proc/mounts
	gc_in_own_cgroup root hka-snap
	gc_stop_clean root hka-snap
	check "root: destroy hka-snap" hk root destroy hka-snap
else
	not_ok "root: clone hka-root hka-snap -s -B overlay: $out"
	skip "root: the overlay clone's life: no clone"
fi
check "root: destroy hka-root" hk root destroy hka-root

# ---- an ordinary user, no delegated cgroup ----
check "setup-user $U" hk root setup-user "$U"
check_output "$U has a sub-uid range" "^$U:[0-9]+:[0-9]+\$" cat /etc/subuid
if gc_start_truth "$U" hka-user; then
	gc_life "$U" hka-user
fi
if [ "$GC_START_RC" = 0 ]; then gc_stop_clean "$U" hka-user
else gc_nothing_left "$U" hka-user "$(gc_dir "$U" hka-user)" ""; fi
check "$U: destroy hka-user" hk "$U" destroy hka-user

# ---- the same user in a cgroup root delegated to it ----
check "root: delegate $DELEG to $U" delegate
check_output "deleg: doctor says the delegation is fine" 'OK.*cgroup delegation' hk deleg doctor
gc_create_start deleg hka-deleg
[ "$GC_START_RC" = 0 ] && ok "deleg: start hka-deleg" || not_ok "deleg: start hka-deleg: $GC_START_OUT"
gc_in_own_cgroup deleg hka-deleg && gc_life deleg hka-deleg
gc_stop_clean deleg hka-deleg
check "deleg: destroy hka-deleg" hk deleg destroy hka-deleg

plan_end
