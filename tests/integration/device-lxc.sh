#!/usr/bin/env bash
# device-lxc.sh - hako device and lxc-device on the same LXC container
# (one container path, one config made by lxc-create -t busybox): the
# exit status of each case matches.  Stopped and missing containers
# (both 1).  Running, first under lxc-start with lxc-device, then under
# hako start with hako device, two sets.  Nodes: add of a node under a
# new name (0, and the node is inside with its major:minor), of a missing
# path, of a file that is no device, the same node twice, del of what was
# not given (each 1), del of what was given (0).  Interfaces: a host veth
# end moved in under a new name (0, and it is inside), an interface the
# host lacks, the same one twice, del of one not given (1), del (0).
# Usage errors differ on purpose (hako exits 2, lxc-device 1:
# hako-device(1)), so they are not compared here; device.sh checks
# hako's.  A set lxc-device cannot do at all on this host is skipped with
# its own error (here it cannot enter a running container's netns; on
# pure cgroup v2 it has no devices.allow to write for a node).
. "$(dirname "$0")/../lib.sh"
hk_begin devlxc "lxc-device comparison" root build
. "$HK_TOP/tests/lib/lxc.sh"
N=devlxc
lxc_pair_begin lxc-device $N "lxc-device comparison"
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
# the running cases, in order, each "ARGS".  Nodes need LXC's devices
# cgroup writes, interfaces only its netns.  The veth's names carry this
# run's pid (another run's are left alone).
NODE_CASES=("add $T/hknull /dev/hkn" "add /dev/nosuch-hk" "add /etc/passwd"
	"add $T/hknull /dev/hkn" "del /dev/not-given" "del /dev/hkn")
HOSTIF=hkdla$$ INIF=hkdlb$$ PEER=hkdlc$$ PROBE=hkdlp$$
IF_CASES=("add $HOSTIF $INIF" "add nosuchif0" "add $HOSTIF $INIF" "del ${INIF}x" "del $INIF")
# veth_fresh: the host end on the host again (a del brings it back under
# either name), its peer beside it
veth_fresh() {
	ip link del $HOSTIF 2>/dev/null; ip link del $INIF 2>/dev/null
	ip link add $HOSTIF type veth peer name $PEER
}
hk_on_exit "ip link del $HOSTIF 2>/dev/null; ip link del $INIF 2>/dev/null; ip link del $PROBE 2>/dev/null"
# in_ct TOOL CMD...: CMD in the running container (lxc-attach, hako attach)
in_ct() {
	local tool=$1; shift
	if [ "$tool" = lxc ]; then lxc-attach -n $N -P "$T" -- "$@"; else "$HAKO" attach $N -P "$T" -- "$@"; fi
}
# in_netns TOOL CMD...: CMD (of the host) in the container's network
# namespace
in_netns() {
	local tool=$1 pid; shift
	if [ "$tool" = lxc ]; then pid=$(lxc-info -n $N -P "$T" -pH); else pid=$(hk_pid_of $N "$HAKO" -P "$T"); fi
	[ -n "$pid" ] && nsenter -t "$pid" -n "$@"
}
has_if() { ip link show "$1" >/dev/null 2>&1; }
# after_del TOOL: where the interface went on del.  Each tool moves it
# back to the host: lxc-device under the name del was given (its
# detach_interface: the name inside), hako under the name it had
# (hako-device(1)).
after_del() {
	local back=$HOSTIF not=$INIF
	[ "$1" = lxc ] && back=$INIF not=$HOSTIF
	if has_if $back && ! has_if $not && ! in_netns "$1" ip link show $INIF >/dev/null 2>&1; then
		echo "after del: back on the host under the name its tool documents, not inside"
	else
		echo "after del: host $HOSTIF $(has_if $HOSTIF && echo yes || echo no), host $INIF" \
			"$(has_if $INIF && echo yes || echo no), inside $(in_netns "$1" ip -o link show $INIF 2>&1 | head -1)"
	fi
}
# run_cases TOOL SET: the status of each case of SET (nodes or ifs), one a
# line; after the first (add), what is inside: the node's major:minor, the
# interface; after the interfaces' del, where it went
run_cases() {
	local tool=$1 set=$2 c i=0
	local -n cases=$([ "$set" = nodes ] && echo NODE_CASES || echo IF_CASES)
	[ "$set" = ifs ] && veth_fresh
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		echo "${c//$T/T}: $(rc "$tool" $c)"
		case $set:$i in
		nodes:0) echo "the node inside: $(in_ct "$tool" stat -c '%t:%T' /dev/hkn 2>/dev/null || echo none)" ;;
		ifs:0) echo "the interface inside: $(in_netns "$tool" ip link show $INIF >/dev/null 2>&1 && echo yes || echo no)," \
			"not on the host: $(has_if $HOSTIF && echo no || echo yes)" ;;
		ifs:4) after_del "$tool" ;;
		esac
		i=$((i + 1))
	done
}
lxc_pair_start
# LXC's own limits first: a set lxc-device cannot do at all on this host
# is not compared (here it cannot enter the host's netns, /proc/1/ns/net,
# to tell an interface from a node; on pure cgroup v2 it has no
# devices.allow to write for a node)
# why_not OUTPUT: lxc-device's first and last error, once each (it logs
# no cause for a node it cannot add, even at DEBUG)
why_not() {
	grep . <<<"$1" | sed -n '1p;$p' | sed -E 's/^lxc-device: [^:]*: [^:]*: [a-z_0-9]+: [0-9]+ //' |
		awk '!seen[$0]++' | paste -sd '|' | sed 's/|/ ... /'
}
probe() { lxc-device -n $N -P "$T" "$@" 2>&1; }
SETS=
if probe=$(probe add "$T/hknull" /dev/hkprobe); then
	SETS="nodes"; lxc-device -n $N -P "$T" del /dev/hkprobe >/dev/null 2>&1
else
	skip "device nodes: lxc-device cannot add one to a running container on this host: $(why_not "$probe")"
fi
if ! probe=$(ip link add $PROBE type veth peer name ${PROBE}x 2>&1); then
	skip "interfaces: no veth pair can be made here: $probe"
elif probe=$(probe add $PROBE); then
	SETS="$SETS ifs"; lxc-device -n $N -P "$T" del $PROBE >/dev/null 2>&1
else
	skip "interfaces: lxc-device cannot move one into a running container on this host: $(why_not "$probe")"
fi
ip link del $PROBE 2>/dev/null
lxcout=
for set in $SETS; do lxcout+=$(run_cases lxc $set)$'\n'; done
lxc-stop -k -n $N -P "$T" >/dev/null 2>&1
[ -n "$SETS" ] || { plan_end; exit; }
check "hako start of the same container" "$HAKO" start $N -P "$T"
hakoout=
for set in $SETS; do hakoout+=$(run_cases hako $set)$'\n'; done
"$HAKO" stop -k $N -P "$T" >/dev/null 2>&1
case " $SETS " in *" nodes "*)
	grep -qx 'the node inside: 1:3' <<<"$hakoout" && ok "hako device: the node is inside as 1:3" ||
		{ not_ok "hako device: no node 1:3 inside"; diag "$hakoout"; } ;;
esac
case " $SETS " in *" ifs "*)
	grep -qx 'the interface inside: yes, not on the host: yes' <<<"$hakoout" &&
		ok "hako device: the interface is inside as $INIF, gone from the host" ||
		{ not_ok "hako device: no $INIF inside"; diag "$hakoout"; } ;;
esac
while read -r l && read -r k <&3; do
	[ -n "$l$k" ] || continue
	[ "$l" = "$k" ] && ok "lxc-device and hako device agree: $k" || not_ok "lxc-device '$l', hako device '$k'"
done <<<"$lxcout" 3<<<"$hakoout"
[ "$(grep -c . <<<"$lxcout")" = "$(grep -c . <<<"$hakoout")" ] && ok "as many answers from each" ||
	{ not_ok "lxc-device and hako device gave different numbers of answers"; diag "$lxcout"; diag "$hakoout"; }
plan_end
