#!/usr/bin/env bash
# tests/integration/failed-start.sh - starts that must fail, clearly and
# without leaving anything: init missing (the error names it), a
# lxc.mount.entry whose source is missing (not optional), and, as the test
# user, an lxc.idmap outside the user's sub-ids.  After each: no cgroup
# named after the container, no mount of its path, no process, state
# STOPPED; and once the cause is fixed, start works.
. "$(dirname "$0")/../lib.sh"
hk_begin fstart failed-start build root

chmod 755 "$T"
N=hkfs$$ # unique, so that its cgroups can be told from anyone else's
UP=

cleanup() {
	"$HAKO" stop -k "$N" -P "$T" >/dev/null 2>&1
	[ -n "$UP" ] && { as_user "$HAKO" stop -k "$N" -P "$UP" >/dev/null 2>&1; rm -rf "$UP"; }
	rm -rf "$T"
}
hk_on_exit cleanup


# cgroups named after the container, wherever hako put them (any path:
# N is unique to this run).
cg_of() { hk_cgroups_named "$N"; }
# nothing_left DESC PATH [RUNNER]: no cgroup, mount, process; STOPPED.
nothing_left() {
	local desc=$1 P=$2 st
	check_clean "$desc: no cgroup, mount or process left" "$P/$N" "$(cg_of)"
	if [ "${3:-}" = user ]; then st=$(as_user "$HAKO" ls -F NAME,STATE -P "$P" 2>/dev/null)
	else st=$("$HAKO" ls -F NAME,STATE -P "$P" 2>/dev/null); fi
	st=$(printf '%s\n' "$st" | awk -F'\t' -v n="$N" '$1 == n { print $2 }')
	[ "$st" = STOPPED ] && ok "$desc: state STOPPED" || not_ok "$desc: state '$st'"
}
# fails_clearly DESC ERE CMD...: CMD fails, and its message matches ERE.
fails_clearly() {
	local desc=$1 pat=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc != 0 ] && printf '%s\n' "$out" | grep -Eq -- "$pat"; then ok "$desc"; else
		not_ok "$desc (rc=$rc, want /$pat/)"; printf '%s\n' "$out" | sed 's/^/#   /' | head -10
	fi
}

check "create $N" "$HAKO" create "$N" -t busybox -P "$T"
R=$T/$N/rootfs

# ---- init missing
mv "$R/sbin/init" "$T/init.saved"
fails_clearly "init missing: start fails naming init" '/sbin/init' "$HAKO" start "$N" -P "$T"
nothing_left "init missing" "$T"
fails_clearly "init missing: start -F fails too" '/sbin/init' "$HAKO" start -F "$N" -P "$T" </dev/null
nothing_left "init missing, -F" "$T"
fails_clearly "lxc.init.cmd naming a missing program: the error names it" '/bin/hk-no-such-init' \
	"$HAKO" start "$N" -s lxc.init.cmd=/bin/hk-no-such-init -P "$T"
nothing_left "missing lxc.init.cmd" "$T"
mv "$T/init.saved" "$R/sbin/init"
check "init back: start works" "$HAKO" start "$N" -P "$T"
check_cgroups_found "while running, its cgroups are found (so the checks above can fail)" "$N" "$T" \
	"$(hk_pid_of "$N" "$HAKO" -P "$T")"
check "... and stop -k" "$HAKO" stop -k "$N" -P "$T"
nothing_left "after the good start" "$T"

# ---- init that dies at once: start fails with its status and console
printf '#!/bin/sh\necho "hk-boot \033]0;title\007"\necho hk-last-words\nexit 7\n' >"$R/hk-dies"
chmod 755 "$R/hk-dies"
out=$("$HAKO" start "$N" -s lxc.init.cmd=/hk-dies -P "$T" 2>&1); rc=$?
[ $rc != 0 ] && printf '%s' "$out" | grep -q 'its init exited with status 7 right after it started' &&
	printf '%s' "$out" | grep -q '| hk-last-words' && ok "init exits at once: start fails with its status and console" ||
	{ not_ok "init exits at once: rc=$rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
printf '%s' "$out" | grep -q "$(printf '\033')" && not_ok "... the console's escape reached the terminal raw" ||
	ok "... the console's lines are escaped"
nothing_left "init that dies at once" "$T"
rm -f "$R/hk-dies"

# ---- a bad mount entry
cp "$T/$N/config" "$T/config.good"
echo "lxc.mount.entry = $T/no-such-source mnt none bind 0 0" >>"$T/$N/config"
fails_clearly "mount entry with a missing source: start fails naming it" 'no-such-source' \
	"$HAKO" start "$N" -P "$T"
nothing_left "bad mount entry" "$T"
cp "$T/config.good" "$T/$N/config"
echo "lxc.mount.entry = $T/no-such-source mnt none bind,optional 0 0" >>"$T/$N/config"
check "the same entry with optional: start works" "$HAKO" start "$N" -P "$T"
check_cgroups_found "... its cgroups are found" "$N" "$T" "$(hk_pid_of "$N" "$HAKO" -P "$T")"
check "... stop -k" "$HAKO" stop -k "$N" -P "$T"
nothing_left "optional entry" "$T"
cp "$T/config.good" "$T/$N/config"
echo "lxc.mount.entry = /nonexistent-hk-dir mnt none bind 0 0" >>"$T/$N/config"
echo "lxc.mount.entry = $T/no-such-source2 mnt none bind 0 0" >>"$T/$N/config"
fails_clearly "two bad entries: the first is named" 'nonexistent-hk-dir' "$HAKO" start "$N" -P "$T"
nothing_left "two bad entries" "$T"
mkdir -p "$T/share"
cp "$T/config.good" "$T/$N/config"
echo "lxc.mount.entry = $T/share mnt none bind 0 0" >>"$T/$N/config"
echo "lxc.mount.entry = $T/no-such-source3 tmp none bind 0 0" >>"$T/$N/config"
fails_clearly "a good entry then a bad one: fails" 'no-such-source3' "$HAKO" start "$N" -P "$T"
nothing_left "good then bad entry (the good bind undone)" "$T"
grep -F " $T/share" /proc/self/mountinfo >/dev/null && not_ok "the good entry's bind is still mounted" \
	|| ok "the good entry's bind is not left mounted"
# ---- a v2 limit of a controller the container's cgroup does not have
cp "$T/config.good" "$T/$N/config"
echo "lxc.cgroup2.hkbogus.max = 1" >>"$T/$N/config"
if [ -n "$(awk '$9 == "cgroup2"' /proc/self/mountinfo)" ]; then
	fails_clearly "a v2 limit whose controller the cgroup lacks: the error names it and why" \
		'lxc.cgroup2.hkbogus.max: the "hkbogus" controller is not available to the container.s cgroup' \
		"$HAKO" start "$N" -P "$T"
	nothing_left "missing v2 controller" "$T"
else skip "no cgroup2 hierarchy mounted"; fi
cp "$T/config.good" "$T/$N/config"
check "entry removed: start works" "$HAKO" start "$N" -P "$T"
check_cgroups_found "... its cgroups are found" "$N" "$T" "$(hk_pid_of "$N" "$HAKO" -P "$T")"
check "... stop -k" "$HAKO" stop -k "$N" -P "$T"
nothing_left "after the fix" "$T"
check "destroy $N" "$HAKO" destroy "$N" -P "$T"

# ---- an id map outside the user's sub-ids
if ! ensure_test_user || ! "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1; then
	skip "idmap outside the sub-ids: no test user"
	plan_end; exit
fi
UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
UP=$(as_user mktemp -d "$UHOME/hako-fstart.XXXXXX")
chmod 755 "$UP"
check "user: create $N" as_user "$HAKO" create "$N" -t busybox -P "$UP"
check "user: start works with the created map" as_user "$HAKO" start "$N" -P "$UP"
check_cgroups_found "user: while running, its cgroups are found" "$N" "$UP" \
	"$(hk_pid_of "$N" as_user "$HAKO" -P "$UP")"
check "user: stop -k" as_user "$HAKO" stop -k "$N" -P "$UP"
cp "$UP/$N/config" "$UP/config.good"
sed -i 's/^lxc.idmap = u 0 [0-9]* /lxc.idmap = u 0 7000000 /' "$UP/$N/config"
grep -q '^lxc.idmap = u 0 7000000 ' "$UP/$N/config" || diag "the config had no lxc.idmap = u line to change"
fails_clearly "user: a uid map beyond /etc/subuid fails naming the range and the file" \
	'7000000.*(/etc/)?subuid|subuid.*7000000' as_user "$HAKO" start "$N" -P "$UP"
nothing_left "user: bad uid map" "$UP" user
cp "$UP/config.good" "$UP/$N/config"
sed -i 's/^lxc.idmap = g 0 [0-9]* /lxc.idmap = g 0 7000000 /' "$UP/$N/config"
fails_clearly "user: a gid map beyond /etc/subgid fails naming it" \
	'7000000.*(/etc/)?subgid|subgid.*7000000' as_user "$HAKO" start "$N" -P "$UP"
nothing_left "user: bad gid map" "$UP" user
cp "$UP/config.good" "$UP/$N/config"
printf 'lxc.idmap = u 0 %s 65536\n' "$(id -u "$HK_TEST_USER")" >/dev/null
sed -i '/^lxc.idmap = u/d' "$UP/$N/config"
echo "lxc.idmap = u 0 0 1" >>"$UP/$N/config"
fails_clearly "user: mapping host root fails clearly" 'subuid|not allowed|uid 0|range' \
	as_user "$HAKO" start "$N" -P "$UP"
nothing_left "user: map of host root" "$UP" user
cp "$UP/config.good" "$UP/$N/config"
check "user: good map back: start works" as_user "$HAKO" start "$N" -P "$UP"
check_cgroups_found "user: ... its cgroups are found" "$N" "$UP" "$(hk_pid_of "$N" as_user "$HAKO" -P "$UP")"
check "user: stop -k" as_user "$HAKO" stop -k "$N" -P "$UP"
nothing_left "user: after the fix" "$UP" user
check "user: destroy" as_user "$HAKO" destroy "$N" -P "$UP"

plan_end
