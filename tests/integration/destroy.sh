#!/usr/bin/env bash
# destroy.sh - `hako destroy`: removes rootfs, config, container dir and
# run dir; refuses a missing or running (locked) container and anything
# mounted inside; never follows a symlink or a config path out of the
# container; works for an ordinary user's sub-id owned rootfs.
. "$(dirname "$0")/../lib.sh"
hk_begin destroy "destroy tests" root build

chmod 755 "$T"
HOLDER=
cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	umount "$T/lxc/d3/rootfs/mnt" 2>/dev/null
	local d
	for d in "$T"/lxc/*/; do
		[ -f "$d/config" ] && "$HAKO" destroy -q "$(basename "$d")" -P "$T/lxc" >/dev/null 2>&1
	done
	rm -rf "$T"
}
hk_on_exit cleanup
P=$T/lxc

# The run dir of a container just made: the newest RUNDIR/s-HASH/NAME.
run_dir_of() { ls -dt /run/hako/s-*/"$1" 2>/dev/null | head -1; }

check "create d1" "$HAKO" create d1 -t busybox -P "$P"
RUN=$(run_dir_of d1)
check "destroy d1" "$HAKO" destroy d1 -P "$P"
check "d1's directory is gone" test ! -e "$P/d1"
check "the container path stays" test -d "$P"
if [ -n "$RUN" ]; then check "d1's run dir is gone" test ! -e "$RUN"; else skip "no run dir found for d1"; fi
check_output "destroy of a missing container names the path" "does not exist in $P" "$HAKO" destroy d1 -P "$P"
check_fails "destroy of a missing container fails" "$HAKO" destroy nothere -P "$P"
check_output "bad name refused" 'name' "$HAKO" destroy '../x' -P "$P"
check_output "usage without a name" 'usage' "$HAKO" destroy -P "$P"

# Locked = running: hold the OFD lock the way the monitor does.
check "create d2" "$HAKO" create d2 -t busybox -P "$P"
LOCK=$(run_dir_of d2)/lock
if [ -f "$LOCK" ]; then
	/usr/bin/python3 -c '
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
os.ftruncate(fd, 0); os.write(fd, b"%d hako-test-monitor\n" % os.getpid())
print("locked", flush=True); time.sleep(60)' "$LOCK" >"$T/holder.out" &
	HOLDER=$!
	for _ in $(seq 50); do grep -q locked "$T/holder.out" 2>/dev/null && break; sleep 0.1; done
	check_output "a container whose lock another command holds is refused as busy, naming the holder" \
		"container \"d2\" is busy: its lock is held \(pid $HOLDER\)" "$HAKO" destroy d2 -P "$P"
	check_output "-f on a lock that is not a running container's is refused, naming the holder" \
		"is busy: its lock is held \(pid $HOLDER\)" "$HAKO" destroy -f d2 -P "$P"
	check "... and d2 is intact" test -x "$P/d2/rootfs/bin/busybox"
	kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=
	check "destroy d2 once unlocked" "$HAKO" destroy d2 -P "$P"
else
	skip "no lock file found for d2"
fi

# A running one: refused with init's pid, the one ls shows (it quoted the
# monitor's), and the command that stops it.
check "create and start d4" sh -c "'$HAKO' create d4 -t busybox -P '$P' -q && '$HAKO' start d4 -P '$P'"
init=$("$HAKO" ls -F NAME,PID -P "$P" | awk -F'\t' '$1 == "d4" { print $2 }')
check_output "a running container is refused with init's pid (as ls shows it) and the fix" \
	"container \"d4\" is running \(init pid $init\); stop it first \(\"hako stop d4 -P $P\"\)" \
	"$HAKO" destroy d4 -P "$P"
check "destroy -f stops and destroys it" "$HAKO" destroy -f d4 -P "$P"

# Something mounted inside: refuse and remove nothing.
check "create d3" "$HAKO" create d3 -t busybox -P "$P"
if mount -t tmpfs hk-test "$P/d3/rootfs/mnt"; then
	check_output "a mount inside is refused" 'mounted inside container "d3"' "$HAKO" destroy d3 -P "$P"
	check "... and nothing was removed" test -x "$P/d3/rootfs/bin/busybox" -a -f "$P/d3/config"
	umount "$P/d3/rootfs/mnt"
fi
check "destroy d3 once unmounted" "$HAKO" destroy d3 -P "$P"

# Symlinks in the rootfs pointing at the host are removed, never followed.
mkdir -p "$T/host/dir" && echo keep >"$T/host/file" && echo keep >"$T/host/dir/inner"
check "create d4" "$HAKO" create d4 -t busybox -P "$P"
ln -s "$T/host/file" "$P/d4/rootfs/root/file-link"
ln -s "$T/host/dir" "$P/d4/rootfs/root/dir-link"
ln -s / "$P/d4/rootfs/rootlink"
check "destroy d4 with host symlinks inside" "$HAKO" destroy d4 -P "$P"
check "host files behind the symlinks are untouched" test -f "$T/host/file" -a -f "$T/host/dir/inner"

# A config pointing the rootfs outside the container dir: left in place.
check "create d5" "$HAKO" create d5 -t busybox -P "$P"
mkdir -p "$T/outside" && echo keep >"$T/outside/f"
sed -i "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$T/outside|" "$P/d5/config"
check "destroy d5" "$HAKO" destroy d5 -P "$P"
check "a rootfs outside the container dir is left alone" test -f "$T/outside/f"
check "d5's directory (with its own rootfs) is gone" test ! -e "$P/d5"

# ---- an ordinary user ----
# Run directories: the store's goes with its last container, and a
# container whose directory was removed while it ran leaves none.
R=$T/runs
run_of() { printf '/run/hako/s-%016x' "$(hk_path_hash "$1")"; }
check "runs: create r1 and r2" sh -c "'$HAKO' create r1 -t busybox -P '$R' -q && '$HAKO' create r2 -t busybox -P '$R' -q"
check "runs: start and stop r1" sh -c "'$HAKO' start r1 -P '$R' && '$HAKO' stop -k r1 -P '$R'"
check "runs: the store's run directory exists" test -d "$(run_of "$R")"
check "runs: destroy r1" "$HAKO" destroy r1 -P "$R"
check "runs: r1's run directory is gone, the store's stays for r2" \
	sh -c "test ! -e '$(run_of "$R")/r1' && test -d '$(run_of "$R")'"
"$HAKO" start r2 -P "$R" >/dev/null 2>&1
"$HAKO" destroy r2 -P "$R" >/dev/null 2>&1 # refused: running
check "runs: destroy -f of the last one" "$HAKO" destroy -f r2 -P "$R"
check "runs: no run directory of the store is left" test ! -e "$(run_of "$R")"
R2=$T/runs2
check "runs: create and start g1" sh -c "'$HAKO' create g1 -t busybox -P '$R2' -q && '$HAKO' start g1 -P '$R2'"
mv "$R2/g1" "$T/g1.moved"
check "runs: stop -k of a running container whose directory went" "$HAKO" stop -k g1 -P "$R2"
for _ in $(seq 50); do [ -e "$(run_of "$R2")" ] || break; sleep 0.1; done
check "runs: a container whose directory went while it ran leaves no run directory" test ! -e "$(run_of "$R2")"
mv "$T/g1.moved" "$R2/g1" 2>/dev/null

if ! ensure_test_user; then
	skip "ordinary user: cannot make $HK_TEST_USER"
	plan_end; exit
fi
UP=$T/user
mkdir -p "$UP" && chown "$HK_TEST_USER:" "$UP"
check "user: create u1" as_user "$HAKO" create u1 -t busybox -P "$UP/lxc"
check "user: its rootfs is not the user's" test "$(stat -c %U "$UP/lxc/u1/rootfs/root")" != "$HK_TEST_USER"
check_fails "user: plain rm cannot remove it" as_user rm -rf "$UP/lxc/u1/rootfs/root"
check "user: destroy u1" as_user "$HAKO" destroy u1 -P "$UP/lxc"
check "user: u1 is gone completely" test ! -e "$UP/lxc/u1"
check_output "user: destroy of a missing container" 'does not exist' as_user "$HAKO" destroy u1 -P "$UP/lxc"
check "user: create u2" as_user "$HAKO" create u2 -t busybox -P "$UP/lxc"
check "root: destroy the user's u2 with -P" "$HAKO" destroy u2 -P "$UP/lxc"
check "u2 is gone" test ! -e "$UP/lxc/u2"

# ---- the option layer ----
check "--help exits 0" "$HAKO" destroy --help
check "create q1" "$HAKO" create -q q1 -t busybox -P "$P"
check_output "destroy -q -n NAME prints nothing" '^$' "$HAKO" destroy -q -n q1 -P "$P"
check "q1 is gone" test ! -e "$P/q1"
check_fails "an extra word is a usage error" "$HAKO" destroy q1 extra -P "$P"

plan_end
