#!/usr/bin/env bash
# snapshot.sh - `hako snapshot`: make, list (-L, with dates and comments),
# restore in place and as a new container (the old files come back),
# destroy (-d); refusals; snapshots of an overlay clone; an ordinary
# user's snapshots.  Works in a temp container path (-P).
. "$(dirname "$0")/../lib.sh"
hk_begin snap "snapshot tests" root build

chmod 755 "$T"
export HAKO_RUN_DIR=$T/run
P=$T/lxc
cleanup() {
	"$HAKO" stop s1 -P "$P" >/dev/null 2>&1
	if [ -n "${UP:-}" ]; then
		as_user "$HAKO" destroy -q us -P "$UP/lxc" >/dev/null 2>&1
	fi
	rm -rf "$T"
}
hk_on_exit cleanup

check "create s1" "$HAKO" create s1 -t busybox -P "$P"
echo version1 >"$P/s1/rootfs/data"
check "snapshot s1 -c COMMENT" "$HAKO" snapshot s1 -c "before the upgrade" -P "$P"
check "snapN layout like lxc-snapshot" test -f "$P/s1/snaps/snap0/config" -a -f "$P/s1/snaps/snap0/ts" -a -d "$P/s1/snaps/snap0/rootfs"
check "the comment is kept" grep -qx "before the upgrade" "$P/s1/snaps/snap0/comment"
echo version2 >"$P/s1/rootfs/data"
touch "$P/s1/rootfs/added-later"
check_output "second snapshot is snap1" 'snap1' "$HAKO" snapshot s1 -P "$P"
check_output "-L lists snap0 with date, backend and comment" \
	'^snap0[[:space:]]+[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}[[:space:]]+dir[[:space:]]+before the upgrade' \
	"$HAKO" snapshot s1 -L -P "$P"
check_output "-L lists snap1" '^snap1' "$HAKO" snapshot s1 -L -P "$P"

check "restore snap0 as a new container" "$HAKO" snapshot s1 -r snap0 s1old -P "$P"
check "the new container has the old files" grep -qx version1 "$P/s1old/rootfs/data"
check "... and not the later ones" test ! -e "$P/s1old/rootfs/added-later"
check "... its own name" grep -qx "lxc.uts.name = s1old" "$P/s1old/config"
check "restore snap0 in place" "$HAKO" snapshot s1 -r snap0 -P "$P"
check "in place: the old files are back" grep -qx version1 "$P/s1/rootfs/data"
check "in place: later files are gone" test ! -e "$P/s1/rootfs/added-later"
check "in place: the config still points at s1's rootfs" grep -qx "lxc.rootfs.path = dir:$P/s1/rootfs" "$P/s1/config"
check "in place: the snapshots are still there" test -d "$P/s1/snaps/snap1/rootfs"
check "restore snap1 as the same name is in place" "$HAKO" snapshot s1 -r snap1 s1 -P "$P"
check "snap1's files are back" grep -qx version2 "$P/s1/rootfs/data"

if timeout 30 "$HAKO" start s1 -P "$P" >/dev/null 2>&1; then
	check "the restored container runs" test "$(timeout 20 "$HAKO" attach s1 -P "$P" -- cat /data)" = version2
	check_output "restore in place of a running container is refused" 'running|busy' "$HAKO" snapshot s1 -r snap0 -P "$P"
	check_output "snapshot of a running container is refused" 'RUNNING|running' "$HAKO" snapshot s1 -P "$P"
	timeout 30 "$HAKO" stop -k s1 -P "$P" >/dev/null 2>&1
else
	not_ok "start of the restored s1"
fi

check_output "restore of a missing snapshot" 'no snapshot snap7' "$HAKO" snapshot s1 -r snap7 -P "$P"
check_output "a bad snapshot name" 'not a snapshot name' "$HAKO" snapshot s1 -d ../../etc -P "$P"
check_output "snapshot of a missing container" 'does not exist' "$HAKO" snapshot nosuch -P "$P"
check "-d destroys snap0" "$HAKO" snapshot s1 -d snap0 -P "$P"
check "snap0 is gone" test ! -e "$P/s1/snaps/snap0"
check_output "-L no longer lists it" '^snap1' "$HAKO" snapshot s1 -L -P "$P"
check "a failed snapshot leaves nothing" bash -c "! HAKO_TEST_FAIL_STEP=2 '$HAKO' snapshot s1 -P '$P' && [ ! -e '$P/s1/snaps/snap2' ]"

# an overlay clone's snapshot copies its upper and shares the lower
check "overlay clone of s1" "$HAKO" clone -s s1 ov -P "$P"
echo in-upper >"$P/ov/delta0/upper-file"
check "snapshot of the overlay clone" "$HAKO" snapshot ov -P "$P"
check "overlay snapshot: a copy of the upper" grep -qx in-upper "$P/ov/snaps/snap0/delta0/upper-file"
check_output "overlay snapshot: listed as overlay" 'overlay' "$HAKO" snapshot ov -L -P "$P"
rm "$P/ov/delta0/upper-file"
check "restore the overlay snapshot in place" "$HAKO" snapshot ov -r snap0 -P "$P"
check "the upper file is back" grep -qx in-upper "$P/ov/delta0/upper-file"
check "the overlay config is right" grep -qx "lxc.rootfs.path = overlay:$P/s1/rootfs:$P/ov/delta0" "$P/ov/config"

# ---- an ordinary user ----
if ! ensure_test_user; then
	skip "ordinary user: cannot make $HK_TEST_USER"; plan_end; exit
fi
if [ ! -u /usr/bin/newuidmap ] && ! getcap /usr/bin/newuidmap 2>/dev/null | grep -q cap_setuid; then
	skip "ordinary user: /usr/bin/newuidmap is neither setuid nor capable here"; plan_end; exit
fi
UP=$T/user
mkdir -p "$UP" && chown "$HK_TEST_USER:" "$UP"
check "user: create us" as_user "$HAKO" create us -t busybox -P "$UP/lxc"
check "user: snapshot" as_user "$HAKO" snapshot us -P "$UP/lxc"
check "user: the snapshot belongs to the mapped root" \
	test "$(stat -c %U "$UP/lxc/us/snaps/snap0/rootfs/bin/busybox")" != "$HK_TEST_USER"
as_user "$HAKO" attach us -P "$UP/lxc" -- true >/dev/null 2>&1 # (not running: nothing)
check "user: restore in place" as_user "$HAKO" snapshot us -r snap0 -P "$UP/lxc"
check "user: restore as new" as_user "$HAKO" snapshot us -r snap0 us2 -P "$UP/lxc"
check "user: destroy the restored copy" as_user "$HAKO" destroy us2 -P "$UP/lxc"
check "user: destroy the snapshot" as_user "$HAKO" snapshot us -d snap0 -P "$UP/lxc"
check "user: nothing of it left" test ! -e "$UP/lxc/us/snaps/snap0"

# ---- the option layer ----
check "--help exits 0" "$HAKO" snapshot --help
check_output "snapshot -q -n NAME prints nothing" '^$' "$HAKO" snapshot -q -n s1 -P "$P"
check_output "-L and -d together are a usage error" 'usage: hako snapshot' "$HAKO" snapshot s1 -L -d snap0 -P "$P"
plan_end
