#!/usr/bin/env bash
# clone-copy.sh - what a full copy (`hako clone SRC NEW`) keeps, through
# the command: a sparse file stays sparse, hard links stay links, device
# nodes, fifos, sockets, xattrs and ACLs, owners and modes are kept, a
# symlink pointing out of the rootfs is copied as a link and never
# followed; on a loop-mounted btrfs the copy shares extents with its
# source (FICLONE); the progress bar is drawn on a terminal (script(1)),
# in ASCII under LANG=C TERM=vt100, and never without one or with -q; a
# full disk fails with a clear error under the bar and leaves nothing.
. "$(dirname "$0")/../lib.sh"
hk_begin clone-copy "clone-copy tests" root build
chmod 755 "$T"
export HAKO_RUN_DIR=$T/run
P=$T/lxc
cleanup() {
	umount -l "$T/btrfs" 2>/dev/null
	umount -l "$T/full" 2>/dev/null
}
hk_on_exit cleanup

check "create the source" "$HAKO" create clone-src -t busybox -P "$P"
R=$P/clone-src/rootfs
mkdir -p "$T/outside/secret-dir" "$R/k"
echo "host secret" >"$T/outside/secret-dir/file"
truncate -s 64M "$R/k/sparse" && printf 'data' | dd of="$R/k/sparse" bs=1 seek=$((32 << 20)) conv=notrunc status=none
echo "two names" >"$R/k/link-a" && ln "$R/k/link-a" "$R/k/link-b"
mknod "$R/k/null" c 1 3 && mknod "$R/k/blk" b 7 200 && mkfifo "$R/k/fifo"
have_sock=0
command -v python3 >/dev/null &&
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$R/k/sock" && have_sock=1
echo x >"$R/k/attrs" && chown 1234:2345 "$R/k/attrs" && chmod 4751 "$R/k/attrs"
setfattr -n user.hako -v kept "$R/k/attrs" && setfattr -n trusted.hako -v root-only "$R/k/attrs"
setfacl -m u:4321:rw "$R/k/attrs"
ln -s "$T/outside/secret-dir" "$R/k/abs-out"
ln -s ../../../../../../../../.."$T"/outside/secret-dir "$R/k/rel-out"

check_output "clone (full copy) without a terminal: no bar on stderr" '^$' \
	bash -c "'$HAKO' clone clone-src clone-c1 -P '$P' 2>&1 >/dev/null"
C=$P/clone-c1/rootfs/k
check "sparse: same size" test "$(stat -c %s "$C/sparse")" = $((64 << 20))
check "sparse: stays sparse (under 1 MiB on disk)" test "$(du -k "$C/sparse" | cut -f1)" -lt 1024
check "sparse: the data in the middle is kept" cmp "$R/k/sparse" "$C/sparse"
check "hard links: one inode, two names" test "$(stat -c %i "$C/link-a")" = "$(stat -c %i "$C/link-b")" -a "$(stat -c %h "$C/link-a")" = 2
check "device nodes kept" test "$(stat -c '%F %t:%T' "$C/null")" = "character special file 1:3" \
	-a "$(stat -c '%F %t:%T' "$C/blk")" = "block special file 7:c8"
check "fifo kept" test -p "$C/fifo"
if [ $have_sock = 1 ]; then
	check "socket kept" test -S "$C/sock"
else
	skip "socket: no python3 to make one"
fi
check "owner and setuid mode kept" test "$(stat -c '%u:%g %a' "$C/attrs")" = "1234:2345 $(stat -c %a "$R/k/attrs")" -a -u "$C/attrs"
check_output "user.* xattr kept" 'user.hako="kept"' getfattr -n user.hako "$C/attrs"
check_output "trusted.* xattr kept (root)" 'trusted.hako="root-only"' getfattr -n trusted.hako "$C/attrs"
check_output "ACL kept" '^user:4321:rw-' getfacl -p "$C/attrs"
check "absolute symlink out of the rootfs: a link, same target" \
	test -L "$C/abs-out" -a "$(readlink "$C/abs-out")" = "$T/outside/secret-dir"
check "relative symlink out of the rootfs: a link, same target" \
	test -L "$C/rel-out" -a "$(readlink "$C/rel-out")" = "$(readlink "$R/k/rel-out")"
check "nothing of the host's directory was copied" \
	bash -c "! grep -rqs 'host secret' '$P/clone-c1/rootfs'"

# ---- the progress bar ----
on_tty() { TERM=${TERM_FOR:-xterm} script -qec "$*" /dev/null; }
out=$(LANG=C.UTF-8 TERM_FOR=xterm on_tty "'$HAKO' clone clone-src clone-c2 -P '$P'" 2>&1)
check_output "tty: the bar is drawn, to 100%" 'rootfs +\[█{30}\] 100%' printf '%s' "$out"
check "tty: the copy under the bar has every file" \
	bash -c "diff -rq --no-dereference '$R' '$P/clone-c2/rootfs' | grep -v '^File .* is a \(fifo\|socket\|character\|block\)' | grep -v hostname | grep -q . && exit 1 || exit 0"
check_output "tty: UTF-8 blocks on a UTF-8 terminal" '█' printf '%s' "$out"
check_output "tty: the line ends before the next output" $'100%[^\r]*\r?$' bash -c "printf '%s' \"\$1\" | grep -a 100%" _ "$out"
out=$(LANG=C TERM_FOR=vt100 on_tty "LANG=C '$HAKO' clone clone-src clone-c3 -P '$P'" 2>&1)
check_output "LANG=C TERM=vt100: an ASCII bar" 'rootfs +\[={30}\] 100%' printf '%s' "$out"
check "LANG=C TERM=vt100: no UTF-8 bytes" bash -c "! printf '%s' \"\$1\" | LC_ALL=C grep -q \$'[\\x80-\\xff]'" _ "$out"
check_output "tty with -q: no bar" '^$' on_tty "'$HAKO' clone -q clone-src clone-c4 -P '$P'"
check_output "tty, overlay snapshot clone: no bar (nothing to copy)" '^Cloned' \
	on_tty "'$HAKO' clone -s clone-src clone-c5 -P '$P'"

# ---- a full disk ----
mkdir -p "$T/full"
if mount -t tmpfs -o size=40m tmpfs "$T/full" 2>/dev/null; then
	"$HAKO" create clone-big -t busybox -P "$T/full/lxc" >/dev/null 2>&1
	head -c 24M /dev/urandom >"$T/full/lxc/clone-big/rootfs/blob"
	out=$(on_tty "'$HAKO' clone clone-big clone-big2 -P '$T/full/lxc'" 2>&1)
	check_output "disk full: the error names the cause" 'No space left on device' printf '%s' "$out"
	check_output "disk full: the error starts its own line under the bar" $'^hako: error: clone "clone-big"' \
		bash -c "printf '%s' \"\$1\" | tr '\r' '\n'" _ "$out"
	check "disk full: no half-made container left" test ! -e "$T/full/lxc/clone-big2"
	check "disk full: hako ls shows only the source" test "$("$HAKO" ls -1 -P "$T/full/lxc" 2>&1)" = clone-big
	umount -l "$T/full"
else
	skip "disk full: cannot mount a small tmpfs"
fi

# ---- reflinks on btrfs ----
if ! command -v mkfs.btrfs >/dev/null; then
	skip "btrfs: no mkfs.btrfs (btrfs-progs)"
elif ! { truncate -s 400M "$T/btrfs.img" && mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 &&
	mkdir -p "$T/btrfs" && mount -o loop "$T/btrfs.img" "$T/btrfs"; }; then
	skip "btrfs: cannot make a loop-mounted btrfs here"
else
	BP=$T/btrfs/lxc
	check "btrfs: create the source" "$HAKO" create clone-bsrc -t busybox -B btrfs -P "$BP"
	head -c 16M /dev/urandom >"$BP/clone-bsrc/rootfs/blob" && sync -f "$T/btrfs"
	check "btrfs: full copy into a new subvolume" "$HAKO" clone clone-bsrc clone-bcopy -B btrfs -P "$BP"
	check "btrfs: the copy has the data" cmp "$BP/clone-bsrc/rootfs/blob" "$BP/clone-bcopy/rootfs/blob"
	sync -f "$T/btrfs"
	check_output "btrfs: the copy's extents are shared (a reflink, not a copy)" 'shared' \
		filefrag -v "$BP/clone-bcopy/rootfs/blob"
	used=$(df -k --output=used "$T/btrfs" | tail -1)
	"$HAKO" clone clone-bsrc clone-bcopy2 -B btrfs -P "$BP" >/dev/null 2>&1
	sync -f "$T/btrfs"
	after=$(df -k --output=used "$T/btrfs" | tail -1)
	check "btrfs: a second copy of 16 MiB takes under 4 MiB more ($((after - used)) KiB)" \
		test $((after - used)) -lt 4096
fi
plan_end
