# tests/lib/lxc.sh - one container of LXC's busybox template that an
# lxc-* tool and hako both act on, in the same container path ($T): the
# comparison scripts (device-lxc.sh, checkpoint-lxc.sh, rename-lxc.sh).
# Sourced after tests/lib.sh and hk_begin.

# shellcheck shell=bash
# lxc_pair_begin TOOL NAME DESC: NAME made by lxc-create -t busybox in
# $T, stopped and destroyed at exit whichever tool runs it; ends the
# script with a skip naming DESC when TOOL (LXC) is not installed or the
# template fails.  Its config gets no network (neither tool should need
# LXC's bridge, and hako checkpoints no host interface) and no AppArmor
# profile (LXC's "generated" needs apparmor_parser, which a host without
# AppArmor lacks; hako ignores it).
lxc_pair_begin() {
	local tool=$1 desc=$3 out
	LXC_PAIR=$2
	command -v "$tool" >/dev/null || { skip "$desc: LXC is not installed"; plan_end; exit; }
	hk_on_exit lxc_pair_cleanup
	if ! out=$(lxc-create -t busybox -n "$LXC_PAIR" -P "$T" 2>&1); then
		skip "$desc: lxc-create -t busybox failed here: $(head -1 <<<"$out")"
		plan_end; exit
	fi
	sed -i -e 's/^lxc.net.0.type = .*/lxc.net.0.type = empty/' -e '/^lxc.net.0.\(link\|flags\|hwaddr\)/d' \
		-e 's/^lxc.apparmor.profile = .*/lxc.apparmor.profile = unconfined/' \
		-e '/^lxc.apparmor.allow_nesting/d' "$T/$LXC_PAIR/config"
}
lxc_pair_cleanup() {
	lxc-stop -k -n "$LXC_PAIR" -P "$T" >/dev/null 2>&1
	"$HAKO" stop -k "$LXC_PAIR" -P "$T" >/dev/null 2>&1
	lxc-destroy -n "$LXC_PAIR" -P "$T" >/dev/null 2>&1
}

# lxc_pair_start: LXC runs it; else the script ends with a skip quoting
# LXC's first error
lxc_pair_start() {
	lxc-start -n "$LXC_PAIR" -P "$T" -o "$T/lxc.log" -l ERROR >/dev/null 2>&1 &&
		lxc-wait -n "$LXC_PAIR" -P "$T" -s RUNNING -t 10 && return
	skip "running cases: lxc-start cannot run the container here: $(grep -m1 ERROR "$T/lxc.log")"
	plan_end; exit
}
