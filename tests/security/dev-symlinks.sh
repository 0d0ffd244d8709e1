#!/usr/bin/env bash
# tests/security/dev-symlinks.sh - the /dev class, in four
# modes: the rootfs's /dev, /dev/null, /dev/console, /dev/pts and
# /dev/ptmx are symlinks to host paths (a directory and a file of the
# mode's own scratch tree), with lxc.autodev = 1 (all at once; one by one
# is hostile-rootfs.sh) and lxc.autodev = 0 (one by one: /dev, /dev/pts,
# /dev/ptmx; /dev/console and /dev/null are in hostile-rootfs.sh).  And
# with lxc.autodev = 0 a /dev/null that is not char 1:3 - a regular file
# with bytes in it, a FIFO, and (root) char 1:5 - which hako never uses:
# start does not block on it, leaves its bytes alone (init is a sleep that
# never opens it), and masks with the host's real /dev/null.  Each start is refused or works; either way the
# host files and directories (stat and contents) and the host's mount
# table are unchanged, and nothing is left after stop.
. "$(dirname "$0")/../lib.sh"
hk_begin dv dev-symlinks modes
# In the guest lane (HK_GUEST): the three modes whose mounts differ; "un"
# differs from "ud" only in cgroups, which these attacks do not touch, and
# runs natively.
[ -n "${HK_GUEST:-}" ] && : "${HM_MODES:=rp ru ud}"
H=

# within SECS FUNC ARGS...: FUNC ARGS in the background, killed after
# SECS seconds (status 124): a start that blocks must not hang the suite.
within() {
	local secs=$1 pid i; shift
	"$@" &
	pid=$!
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; return; }
		sleep 0.1
	done
	pkill -KILL -P "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	return 124
}
fingerprint() {
	find "$H" -printf '%p %y %m %U:%G %s %T@ %l\n' | sort
	find "$H" -type f -exec md5sum {} + | sort
	hk_host_mounts
}
# dev_case MODE DESC INSIDE SETUP: a fresh container, SETUP (given the
# rootfs) makes it hostile; start (20 s at most), INSIDE (a shell check)
# when it starts; the host unchanged, nothing left.
dev_case() {
	local m=$1 desc="${HM_LABEL[$1]}: $2" inside=$3 setup=$4 r before out rc; shift 4
	hm_create "$m" "$@" || { not_ok "$desc: create"; return; }
	r=$(hm_rootfs "$m")
	rm -rf "$H" && mkdir -p "$H/dir" && echo marker >"$H/dir/marker" && echo 'host file' >"$H/file"
	hm_user "$m" && chown -R "$HK_TEST_USER" "$H"
	"$setup" "$r"
	before=$(fingerprint)
	out=$(within 20 hm "$m" start "$HM_N" 2>&1); rc=$?
	if [ $rc = 124 ]; then
		not_ok "$desc: start blocked for 20 s"
	elif [ $rc = 0 ]; then
		if [ -n "$inside" ]; then
			out=$(within 20 hm_in "$m" sh -c "$inside" 2>&1) \
				&& ok "$desc: started; inside: $inside" || not_ok "$desc: inside, $inside failed: $out"
		else
			ok "$desc: started"
		fi
		hm_cgroups_found "$m" "$desc: while it runs, its cgroups are found"
	else
		[ -n "$out" ] && ok "$desc: refused ($(printf '%s' "$out" | head -1 | cut -c1-140))" \
			|| not_ok "$desc: refused without a message"
	fi
	[ "$before" = "$(fingerprint)" ] && ok "$desc: host files, directories and mounts unchanged" \
		|| { not_ok "$desc: the host changed"; diff <(echo "$before") <(fingerprint) | sed 's/^/#   /' | head -10; }
	hm "$m" stop -k "$HM_N" >/dev/null 2>&1
	[ "$before" = "$(fingerprint)" ] ||
		{ not_ok "$desc: the host changed after stop"; diff <(echo "$before") <(fingerprint) | sed 's/^/#   /' | head -10; }
	out=$(hk_leftovers "$(hm_dir "$m")" 2>/dev/null)
	[ -z "$out" ] && ok "$desc: nothing left after stop" || not_ok "$desc: left: $out"
}

s_all() {
	rm -rf "$1/dev/null" "$1/dev/console" "$1/dev/pts" "$1/dev/ptmx"
	mkdir -p "$1/dev"
	ln -s "$H/file" "$1/dev/null"; ln -s "$H/file" "$1/dev/console"
	ln -s "$H/dir" "$1/dev/pts"; ln -s "$H/file" "$1/dev/ptmx"
}
s_dev() { rm -rf "$1/dev" && ln -s "$H/dir" "$1/dev"; }
s_pts() { mkdir -p "$1/dev" && rm -rf "$1/dev/pts" && ln -s "$H/dir" "$1/dev/pts"; }
s_ptmx() { mkdir -p "$1/dev" && rm -f "$1/dev/ptmx" && ln -s "$H/file" "$1/dev/ptmx"; }
s_null_file() { mkdir -p "$1/dev" && rm -f "$1/dev/null" && echo 'not a device' >"$1/dev/null"; }
s_null_fifo() { mkdir -p "$1/dev" && rm -f "$1/dev/null" && mkfifo -m 666 "$1/dev/null"; }
s_null_zero() { mkdir -p "$1/dev" && rm -f "$1/dev/null" && mknod -m 666 "$1/dev/null" c 1 5; }
# An init that never opens /dev/null itself (busybox's rcS redirects to
# it, which would truncate a regular file: the container's doing).
SLEEP='lxc.init.cmd = /bin/sleep 1000'
# Masked /proc files are bind mounts of the host's verified /dev/null.
MASKED='test "$(stat -c %t:%T /proc/keys)" = 1:3'

dv_mode() {
	local m=$1
	H=$(hm_path "$m")/host
	dev_case "$m" "autodev=1, null/console/pts/ptmx -> host" \
		'test "$(stat -c %t:%T /dev/null)" = 1:3 && test -c /dev/console && test -c /dev/pts/ptmx && ! test -e /dev/pts/marker' s_all
	dev_case "$m" "autodev=0, /dev -> host dir" "" s_dev "lxc.autodev = 0"
	dev_case "$m" "autodev=0, /dev/pts -> host dir" '! test -e /dev/pts/marker' s_pts "lxc.autodev = 0"
	dev_case "$m" "autodev=0, /dev/ptmx -> host file" "" s_ptmx "lxc.autodev = 0"
	dev_case "$m" "autodev=0, /dev/null a regular file" \
		"test \"\$(cat /dev/null)\" = 'not a device' && $MASKED" s_null_file "lxc.autodev = 0" "$SLEEP"
	dev_case "$m" "autodev=0, /dev/null a FIFO" "test -p /dev/null && $MASKED" s_null_fifo "lxc.autodev = 0" "$SLEEP"
	if ! hm_user "$m"; then
		dev_case "$m" "autodev=0, /dev/null char 1:5" \
			"test \"\$(stat -c %t:%T /dev/null)\" = 1:5 && $MASKED" s_null_zero "lxc.autodev = 0" "$SLEEP"
	fi
}
for_modes dv_mode
plan_end
