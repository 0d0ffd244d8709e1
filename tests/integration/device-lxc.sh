#!/usr/bin/env bash
# device-lxc.sh - hako device and lxc-device on the same LXC container
# (one container path, one config made by lxc-create -t busybox): the
# exit status of each case matches.  Stopped and missing containers
# (both 1).  Running, first under lxc-start with lxc-device, then under
# hako start with hako device: add of a node under a new name (0, and the
# node is inside with its major:minor), add of a missing path, of a file
# that is no device, of an interface the host lacks, the same node twice,
# del of what was not given (each 1), del of what was given (0).  Usage
# errors differ on purpose (hako exits 2, lxc-device 1: hako-device(1)),
# so they are not compared here; device.sh checks hako's.  Where
# lxc-device cannot reach a running container on this host, the running
# cases are skipped with its own error.
. "$(dirname "$0")/../lib.sh"
hk_begin devlxc "lxc-device comparison" root build
command -v lxc-device >/dev/null || { skip "lxc-device comparison: LXC is not installed"; plan_end; exit; }
N=devlxc
cleanup() {
	lxc-stop -k -n $N -P "$T" >/dev/null 2>&1
	"$HAKO" stop -k $N -P "$T" >/dev/null 2>&1
	lxc-destroy -n $N -P "$T" >/dev/null 2>&1
}
hk_on_exit cleanup

if ! out=$(lxc-create -t busybox -n $N -P "$T" 2>&1); then
	skip "lxc-device comparison: lxc-create -t busybox failed here: $(head -1 <<<"$out")"
	plan_end; exit
fi
# no network: the comparison is about devices, and neither tool should
# need LXC's bridge; no AppArmor profile (LXC's "generated" needs
# apparmor_parser, which a host without AppArmor lacks; hako ignores it)
sed -i -e 's/^lxc.net.0.type = .*/lxc.net.0.type = empty/' -e '/^lxc.net.0.\(link\|flags\|hwaddr\)/d' \
	-e 's/^lxc.apparmor.profile = .*/lxc.apparmor.profile = unconfined/' -e '/^lxc.apparmor.allow_nesting/d' "$T/$N/config"
mknod "$T/hknull" c 1 3

# rc TOOL ARGS...: "rc N" of one device command by TOOL (lxc or hako)
rc() {
	local tool=$1; shift
	if [ "$tool" = lxc ]; then lxc-device -n "$N" -P "$T" "$@" >/dev/null 2>&1
	else "$HAKO" device "$N" -P "$T" "$@" >/dev/null 2>&1; fi
	echo "rc $?"
}
same() {
	local desc=$1 l k; shift
	l=$(rc lxc "$@"); k=$(rc hako "$@")
	[ "$l" = "$k" ] && ok "$desc: lxc-device and hako device agree ($k)" ||
		not_ok "$desc: lxc-device $l, hako device $k"
}
same "stopped container" add /dev/null
l=$(lxc-device -n nosuch -P "$T" add /dev/null >/dev/null 2>&1; echo "rc $?")
k=$("$HAKO" device nosuch -P "$T" add /dev/null >/dev/null 2>&1; echo "rc $?")
[ "$l" = "$k" ] && ok "no such container: both $k" || not_ok "no such container: lxc-device $l, hako $k"

# the running cases, in order, each "ARGS" with the node check after add
CASES=("add $T/hknull /dev/hkn" "add /dev/nosuch-hk" "add /etc/passwd" "add nosuchif0"
	"add $T/hknull /dev/hkn" "del /dev/not-given" "del /dev/hkn")
# run_cases TOOL RUN-IN: the status of each case, one a line, and after
# the first add the major:minor of /dev/hkn inside (RUN-IN runs a command
# in the container)
run_cases() {
	local tool=$1 c; shift
	for c in "${CASES[@]}"; do
		# shellcheck disable=SC2086
		echo "${c/$T/T}: $(rc "$tool" $c)"
		[ "$c" = "${CASES[0]}" ] && echo "the node inside: $("$@" stat -c '%t:%T' /dev/hkn 2>/dev/null || echo none)"
	done
}
if ! lxc-start -n $N -P "$T" -o "$T/lxc.log" -l ERROR >/dev/null 2>&1 || ! lxc-wait -n $N -P "$T" -s RUNNING -t 10; then
	skip "running cases: lxc-start cannot run the container here: $(grep -m1 ERROR "$T/lxc.log")"
	plan_end; exit
fi
# LXC's own limits first: where lxc-device cannot add a node to a running
# container at all (here: it cannot enter the container's netns; a guest:
# its add fails), nothing would be compared
if ! probe=$(lxc-device -n $N -P "$T" add "$T/hknull" /dev/hkprobe 2>&1); then
	lxc-stop -k -n $N -P "$T" >/dev/null 2>&1
	skip "running cases: lxc-device cannot add a node to a running container on this host: $(grep . <<<"$probe" | sed -n '1p;$p' | paste -sd '|' | sed 's/|/ ... /')"
	plan_end; exit
fi
lxc-device -n $N -P "$T" del /dev/hkprobe >/dev/null 2>&1
lxcout=$(run_cases lxc lxc-attach -n $N -P "$T" --)
lxc-stop -k -n $N -P "$T" >/dev/null 2>&1
check "hako start of the same container" "$HAKO" start $N -P "$T"
hakoout=$(run_cases hako "$HAKO" attach $N -P "$T" --)
"$HAKO" stop -k $N -P "$T" >/dev/null 2>&1
grep -qx 'the node inside: 1:3' <<<"$hakoout" && ok "hako device: the node is inside as 1:3" ||
	{ not_ok "hako device: no node 1:3 inside"; diag "$hakoout"; }
while read -r l && read -r k <&3; do
	[ "$l" = "$k" ] && ok "lxc-device and hako device agree: $k" || not_ok "lxc-device '$l', hako device '$k'"
done <<<"$lxcout" 3<<<"$hakoout"
plan_end
