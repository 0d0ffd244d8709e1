#!/usr/bin/env bash
# rename.sh - `hako rename OLD NEW` (and lxc-copy's spelling, clone -R) on
# real busybox containers, as root and as the test user: the directory is
# renamed in place, and every config that named a path in it follows (its
# own, its snapshot's, its overlay snapshot clone's), lxc.uts.name and
# /etc/hostname become NEW; NEW starts with that hostname, the snapshot
# is still listed, the clone still starts on its lower.  Refused, with
# nothing changed (every file's path, size and checksum compared): while
# it runs, while its snapshot clone runs, onto an existing name, a bad or
# the same name, a missing container; a failure at each step (121-123,
# HAKO_TEST_FAIL_STEP) undoes what was done.  Nothing left after.
. "$(dirname "$0")/../lib.sh"
hk_begin rename "rename tests" root build

chmod 755 "$T"
UP=
cleanup() {
	local who p c
	for who in root user; do
		p=$T/p; [ $who = user ] && p=$UP
		[ -n "$p" ] || continue
		for c in rc r1 r2 r3; do
			h $who stop -k "$c" -P "$p" >/dev/null 2>&1
		done
		for c in rc r1 r2 r3; do
			h $who destroy "$c" -P "$p" >/dev/null 2>&1
		done
	done
	[ -n "$UP" ] && rm -rf "$UP"
	rm -rf "$T"
}
hk_on_exit cleanup

h() { hk_as "$@"; }
# tree PATH: every file's path, type, size and checksum, for "nothing changed".
tree() {
	find "$1" -xdev \( -path '*/rootfs/*' -o -path '*/delta0/*' -o -path '*/work/*' \) -prune -o \
		-printf '%p %y %s\n' | sort
	find "$1" -xdev -name config -type f -exec md5sum {} + | sort
}
# unchanged DESC WHO P ARGS...: hako ARGS fails (1), and P is as it was
# (STEP: the step made to fail).
unchanged() {
	local desc=$1 who=$2 p=$3 before out rc; shift 3
	before=$(tree "$p")
	out=$(HK_EXTRA_ENV=${STEP:+HAKO_TEST_FAIL_STEP=$STEP} h "$who" "$@" -P "$p" 2>&1); rc=$?
	if [ $rc = 1 ] && [ "$(tree "$p")" = "$before" ]; then ok "$desc"; diag "$out"
	else not_ok "$desc: rc $rc"; diag "$out"; diff <(echo "$before") <(tree "$p") | head -10 | sed 's/^/#   /'; fi
}

rename_mode() {
	local who=$1 p=$2 m=$1 out
	check "$m: create r1" h "$who" create r1 -t busybox -P "$p"
	check "$m: a snapshot of r1" h "$who" snapshot r1 -P "$p"
	check "$m: an overlay snapshot clone of r1" h "$who" clone -s -B overlay r1 rc -P "$p"
	check "$m: rename r1 r2" h "$who" rename r1 r2 -P "$p"
	check "$m: ... r1's directory is gone" test ! -e "$p/r1"
	check_output "$m: ... ls lists r2 and rc, not r1" '^rc r2 $' sh -c "'$HAKO' -P '$p' ls 2>/dev/null | sort -r | tr '\n' ' '"
	out=$(grep -rlF "$p/r1/" "$p/r2/config" "$p"/r2/snaps/*/config "$p/rc/config" 2>&1)
	[ -z "$out" ] && ok "$m: no config names a path in r1's directory any more" || not_ok "$m: still named in: $out"
	check_output "$m: ... the clone's lower is r2's rootfs" "^lxc.rootfs.path = overlay:$p/r2/rootfs:" cat "$p/rc/config"
	check_output "$m: ... the snapshot's rootfs is under r2" "^lxc.rootfs.path = [a-z]*:?$p/r2/snaps/snap0/rootfs" cat "$p/r2/snaps/snap0/config"
	check_output "$m: lxc.uts.name is r2" '^lxc.uts.name = r2$' cat "$p/r2/config"
	check_output "$m: the snapshot keeps r1's" '^lxc.uts.name = r1$' cat "$p/r2/snaps/snap0/config"
	check_output "$m: the snapshot is listed" '^snap0' h "$who" snapshot r2 -L -P "$p"
	check "$m: r2 starts" h "$who" start r2 -P "$p"
	check_output "$m: ... with hostname r2" '^r2$' h "$who" attach r2 -P "$p" -- hostname
	unchanged "$m: refused while it runs" "$who" "$p" rename r2 r3
	check "$m: stop r2" h "$who" stop -k r2 -P "$p"
	check "$m: the snapshot clone still starts" h "$who" start rc -P "$p"
	check_output "$m: ... on r2's rootfs" '^rc$' h "$who" attach rc -P "$p" -- hostname
	unchanged "$m: refused while its snapshot clone runs" "$who" "$p" rename r2 r3
	check "$m: stop rc" h "$who" stop -k rc -P "$p"
	unchanged "$m: refused onto an existing name" "$who" "$p" rename r2 rc
	unchanged "$m: refused: a missing container" "$who" "$p" rename nosuch r3
	unchanged "$m: refused: the same name" "$who" "$p" rename r2 r2
	out=$(h "$who" rename r2 '../x' -P "$p" 2>&1); rc=$?
	[ $rc != 0 ] && [ ! -e "$p/../x" ] && ok "$m: a bad new name is refused" || not_ok "$m: ../x: rc $rc $out"
	local step
	for step in 121 122 123; do
		STEP=$step unchanged "$m: a failure at step $step changes nothing" "$who" "$p" rename r2 r3
	done
	check "$m: lxc-copy's spelling: clone -R -n r2 -N r3" h "$who" clone -R -n r2 -N r3 -P "$p"
	check "$m: ... r3 starts" h "$who" start r3 -P "$p"
	check "$m: stop r3" h "$who" stop -k r3 -P "$p"
	check "$m: destroy with its snapshot clone" h "$who" destroy -s r3 -P "$p"
	check_output "$m: nothing in the path" '^$' ls -A "$p"
	check_clean "$m: nothing left" "$p/r3" ""
}

rename_mode root "$T/p"
if UP=$(hk_user_path rename); then
	rename_mode user "$UP"
else
	skip "rename as $HK_TEST_USER: cannot make the user or set it up"
fi
plan_end
