#!/usr/bin/env bash
# refresh-cost.sh - a dashboard refresh starts no process and no thread per
# running container: the addresses are read through netlink sockets kept
# per network namespace (core/netns-read.c).  strace counts the clone calls
# of HAKO_BENCH_FRAMES=40 (first frame + 40 refreshes) with two running
# containers, as root and as the test user; before the sockets were kept,
# every refresh cloned once per running container.
. "$(dirname "$0")/../lib.sh"
hk_begin refresh refresh-cost root

for t in tmux strace; do
	command -v $t >/dev/null || { skip "refresh-cost: $t is not installed"; plan_end; exit; }
done
ensure_test_user || { plan_end; exit; }

chmod 755 "$T"
mkdir -m 1777 "$T/out"
for who in root "$HK_TEST_USER"; do
	mkdir -p "$T/$who" && chown "$who:" "$T/$who"
done
SOCK=hako-refresh-$$
FRAMES=40
tm() { tmux -L "$SOCK" "$@"; }
# h WHO ARGS...: hako as root or as the test user.
h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"; else as_user "$HAKO" "$@"; fi
}
cleanup() {
	tm kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	local who p c
	for who in root "$HK_TEST_USER"; do
		p=$T/$who
		for c in r1 r2; do
			h "$who" stop -k "$c" -P "$p" >/dev/null 2>&1
			h "$who" destroy "$c" -P "$p" >/dev/null 2>&1
		done
	done
	rm -rf "$T"
}
hk_on_exit cleanup

# clones WHO: runs the dashboard under strace in tmux; prints the number
# of clone/fork calls it made.
clones() {
	local who=$1 p=$T/$1 cmd i
	cmd="env TERM=screen-256color LANG=C.UTF-8 HAKO_BENCH_FRAMES=$FRAMES strace -f -qq \
-e trace=clone,clone3,fork,vfork -o $T/out/$who.trace $HAKO -P $p 2>$T/out/$who.err; touch $T/out/$who.done"
	if [ "$who" = root ]; then tm new-session -d -x 120 -y 40 "$cmd"
	else tm new-session -d -x 120 -y 40 "setpriv --reuid=$(id -u "$who") --regid=$(id -g "$who") \
--init-groups env HOME=$(getent passwd "$who" | cut -d: -f6) USER=$who sh -c '$cmd'"; fi
	for ((i = 0; i < 300; i++)); do [ -e "$T/out/$who.done" ] && break; sleep 0.1; done
	grep -cE '(clone|clone3|fork|vfork)\(' "$T/out/$who.trace" 2>/dev/null || echo 999
}

for who in root "$HK_TEST_USER"; do
	p=$T/$who
	for c in r1 r2; do
		[ -d "$p/$c" ] || h "$who" create "$c" -t busybox -P "$p" >/dev/null 2>&1
		h "$who" config "$c" lxc.net.0.type empty -P "$p" >/dev/null 2>&1
		check "$who: start $c" h "$who" start "$c" -P "$p"
	done
	n=$(clones "$who")
	grep -q refresh_median_ms "$T/out/$who.err" && ok "$who: the dashboard drew $FRAMES refreshes" \
		|| { not_ok "$who: the dashboard did not finish its refreshes"; sed 's/^/#   /' "$T/out/$who.err"; }
	# The first frame may make one socket per namespace (a thread or a
	# child each); refreshes after it make none.
	[ "$n" -le 4 ] && ok "$who: $FRAMES refreshes with 2 running containers cloned $n times (<= 4)" \
		|| not_ok "$who: $FRAMES refreshes with 2 running containers cloned $n times"
done
plan_end
