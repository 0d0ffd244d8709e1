#!/usr/bin/env bash
# checkpoint-lxc.sh - hako checkpoint/restore and lxc-checkpoint on the
# same LXC container (one container path, one config made by lxc-create
# -t busybox): the exit status of each refusal both make matches (1): a
# container that does not exist, a dump of a stopped one, a restore from
# a missing or an empty -D directory, a restore of a running one.  One
# that LXC runs is LXC's: hako refuses to dump it, naming lxc-checkpoint,
# and it runs on.  Where criu works, each tool dumps with -s and restores
# the same busybox container (0, RUNNING after the restore); where it
# cannot, both exit 1 for the dump and the rest is skipped with criu's
# error.  Usage errors differ on purpose (hako exits 2, lxc-checkpoint 1:
# hako-checkpoint(1)), so they are not compared; checkpoint.sh has hako's.
. "$(dirname "$0")/../lib.sh"
hk_begin ckptlxc "lxc-checkpoint comparison" root build
. "$HK_TOP/tests/lib/lxc.sh"
N=ckptlxc
lxc_pair_begin lxc-checkpoint $N "lxc-checkpoint comparison"
# no terminals for criu to find masters of: LXC's dump of its console
# and ttys fails ("tty: Unable to find a master"); init runs a sleep.
# No binds of the host's /lib dirs (busybox-static needs none): where /lib
# is a symlink (Debian's, to usr/lib) criu 3.17 fails to restore the bind
# as lxc-checkpoint gives it ("mnt-v2: Failed to move_mount from /lib
# ...: Invalid argument"; hako gives where it leads: checkpoint.sh).
sed -i -e 's/^lxc.tty.max = .*/lxc.tty.max = 0/' -e '\|^lxc.mount.entry = /\(usr/\)\?lib|d' "$T/$N/config"
echo 'lxc.console.path = none' >>"$T/$N/config"
printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sleep 3600\n' >"$T/$N/rootfs/etc/inittab"
mkdir "$T/empty"

# rc TOOL ACTION NAME DIR: "rc N" of a dump or restore of NAME from DIR
# by TOOL (lxc or hako)
rc() {
	local tool=$1 action=$2 name=$3 dir=$4 r=
	[ "$action" = restore ] && r=-r
	if [ "$tool" = lxc ]; then lxc-checkpoint -n "$name" -P "$T" $r -D "$dir" </dev/null >/dev/null 2>&1
	else "$HAKO" "$action" "$name" -P "$T" -D "$dir" </dev/null >/dev/null 2>&1; fi
	echo "rc $?"
}
# same DESC ACTION NAME DIR: both tools give the same exit status
same() {
	local desc=$1 l k; shift
	l=$(rc lxc "$@"); k=$(rc hako "$@")
	[ "$l" = "$k" ] && [ "$l" != "rc 0" ] && ok "$desc: lxc-checkpoint and hako agree ($k)" ||
		not_ok "$desc: lxc-checkpoint $l, hako $k"
}
state() { lxc-info -n $N -P "$T" -s 2>/dev/null | awk '{print $2}'; }

same "a container that does not exist: dump" checkpoint nosuch "$T/d0"
same "a container that does not exist: restore" restore nosuch "$T/empty"
same "a stopped container: dump" checkpoint $N "$T/d0"
same "restore from a missing -D directory" restore $N "$T/none"
same "restore from an empty -D directory" restore $N "$T/empty"
[ "$(state)" = STOPPED ] && ok "... and it is still STOPPED" || not_ok "... it is $(state)"

lxc_pair_start
same "restore of a running container (LXC runs it)" restore $N "$T/empty"
out=$("$HAKO" checkpoint $N -P "$T" -D "$T/byhako" 2>&1)
[ $? = 1 ] && grep -q "run by LXC.*lxc-checkpoint -n $N -P $T -D DIR" <<<"$out" &&
	ok "hako refuses to dump a container LXC runs (1), naming lxc-checkpoint" ||
	{ not_ok "hako checkpoint of LXC's running container"; diag "$out"; }
[ ! -e "$T/byhako" ] && [ "$(state)" = RUNNING ] && ok "... nothing dumped, it runs on" ||
	not_ok "... $(state), $(ls "$T/byhako" 2>&1)"

# Each tool dumps the container with -s, LXC first: criu works for both
# or for neither (then criu's error is quoted).
# criu_error DIR OUTPUT: criu's first error in DIR's log, else the last
# line of the tool's OUTPUT
criu_error() { grep -m1 -h 'Error' "$1"/dump.log 2>/dev/null || grep . <<<"$2" | tail -1; }
lout=$(lxc-checkpoint -n $N -P "$T" -s -D "$T/lxc" </dev/null 2>&1); l=$?
lstate=$(state)
[ "$lstate" = STOPPED ] || { lxc-stop -k -n $N -P "$T" >/dev/null 2>&1; lxc-wait -n $N -P "$T" -s STOPPED -t 10; }
check "hako start of the same container" "$HAKO" start $N -P "$T"
kout=$("$HAKO" checkpoint $N -P "$T" -s -D "$T/hako" </dev/null 2>&1); k=$?
kstate=$(hk_state $N -P "$T")
[ "$kstate" = STOPPED ] || "$HAKO" stop -k $N -P "$T" >/dev/null 2>&1
if [ $l = 1 ] && [ $k = 1 ]; then
	ok "criu cannot dump here: lxc-checkpoint and hako agree (rc 1)"
	skip "restore by each tool: criu cannot dump on this kernel ($(uname -r)): $(criu_error "$T/lxc" "$lout")"
	plan_end; exit
fi
[ $l = 0 ] && [ "$lstate" = STOPPED ] && ok "lxc-checkpoint -s: dumped (rc 0), STOPPED" ||
	{ not_ok "lxc-checkpoint -s: rc $l, $lstate"; diag "$(criu_error "$T/lxc" "$lout")"; }
[ $k = 0 ] && [ "$kstate" = STOPPED ] && ok "hako checkpoint -s: dumped (rc 0), STOPPED" ||
	{ not_ok "hako checkpoint -s: rc $k, $kstate"; diag "$kout"; }
[ $l = 0 ] && [ $k = 0 ] || { plan_end; exit; }

# each restores its own dump: LXC runs it, then hako
l=$(rc lxc restore $N "$T/lxc")
[ "$l" = "rc 0" ] && [ "$(state)" = RUNNING ] && ok "lxc-checkpoint -r: restored (rc 0), RUNNING" ||
	{ not_ok "lxc-checkpoint -r: $l, $(state)"; diag "$(grep -h Error "$T"/lxc/restore.log | head -3)"; }
lxc-stop -k -n $N -P "$T" >/dev/null 2>&1
lxc-wait -n $N -P "$T" -s STOPPED -t 10
out=$("$HAKO" restore $N -P "$T" -D "$T/hako" </dev/null 2>&1)
[ $? = 0 ] && [ "$(hk_state $N -P "$T")" = RUNNING ] && ok "hako restore: restored (rc 0), RUNNING" ||
	{ not_ok "hako restore: $(hk_state $N -P "$T")"; diag "$out"; }
"$HAKO" stop -k $N -P "$T" >/dev/null 2>&1
plan_end
