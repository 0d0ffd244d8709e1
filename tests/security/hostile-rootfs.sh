#!/usr/bin/env bash
# tests/security/hostile-rootfs.sh - a rootfs the container controls holds
# symlinks meant to make hako act on the host while it sets the container
# up: /proc, /sys, /sys/fs/cgroup, /dev, /dev/console, /dev/null, /dev/pts,
# /dev/ptmx pointing at host paths (/sys at / itself), and lxc.mount.entry
# targets (with create=dir / create=file) through an absolute link
# (evil -> host dir) or ../../.. climbing out.  Each start is either
# refused or starts without touching the host: the host target is
# unchanged (no mount on it, no new file, same contents and modes), and
# the stopped or refused container leaves nothing behind.  Modes: root
# with a privileged container, and the test user (unprivileged) where the
# host targets belong to that user.
. "$(dirname "$0")/../lib.sh"
hk_begin hostile hostile-rootfs build root

chmod 755 "$T"
N=hkevil$$
UP=
cleanup() {
	"$HAKO" stop -k "$N" -P "$T/c" >/dev/null 2>&1
	[ -n "$UP" ] && { as_user "$HAKO" stop -k "$N" -P "$UP/c" >/dev/null 2>&1; rm -rf "$UP"; }
	rm -rf "$T"
}
hk_on_exit cleanup


h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"; else HK_TEST_USER=$who as_user "$HAKO" "$@"; fi
}
# fingerprint PATH...: everything about host paths a container might touch:
# the tree (names, types, modes, owners, sizes, mtimes), file contents,
# and any mount on or under them.
fingerprint() {
	local p
	for p in "$@"; do
		if [ "$p" = / ]; then # too big to walk: its top level and mounts on it
			find / -mindepth 1 -maxdepth 1 -printf '%p %y %m %U:%G %l\n' | sort
			awk '$5 == "/" { print "mount", $5, $9 }' /proc/self/mountinfo
			continue
		fi
		find "$p" -xdev -printf '%p %y %m %U:%G %s %T@ %l\n' 2>&1 | sort
		find "$p" -xdev -type f -exec md5sum {} + 2>/dev/null | sort
		awk -v p="$p" '$5 == p || index($5, p "/") == 1 { print "mount", $5 }' /proc/self/mountinfo
	done
}

# hostile WHO DESC SETUP TARGETS...: a fresh container, SETUP (a function
# given the rootfs and the config path) makes it hostile, then start it
# and prove the host TARGETS untouched and nothing left after stop.
hostile() {
	local who=$1 desc=$2 setup=$3 P out rc before after init; shift 3
	P=$([ "$who" = root ] && echo "$T/c" || echo "$UP/c")
	local m="$who: $desc"
	rm -rf "$P" && h "$who" create "$N" -t busybox -P "$P" >/dev/null 2>&1 \
		|| { not_ok "$m: create failed"; return; }
	"$setup" "$P/$N/rootfs" "$P/$N/config"
	# Only ever the mode's own scratch tree: never a host path given as a target.
	[ "$who" = root ] || chown -R "$who:" "$H"
	before=$(fingerprint "$@")
	out=$(h "$who" start "$N" -P "$P" 2>&1); rc=$?
	if [ $rc = 0 ]; then
		init=$(h "$who" ls -F NAME,PID -P "$P" 2>/dev/null | awk -F'\t' -v n="$N" '$1 == n { print $2 }')
		diag "$m: started (pid $init); checking that the host is untouched"
		check_cgroups_found "$m: while it runs, its cgroups are found" "$N" "$P" "$init"
		after=$(fingerprint "$@")
		if [ -n "$INSIDE" ]; then
			# A timeout: a check that blocks (a tty read) must not hang the suite.
			if [ "$who" = root ]; then out=$(timeout 20 "$HAKO" attach "$N" -P "$P" -- sh -c "$INSIDE" 2>&1)
			else out=$(HK_TEST_USER=$who as_user timeout 20 "$HAKO" attach "$N" -P "$P" -- sh -c "$INSIDE" 2>&1); fi
			[ $? = 0 ] \
				&& ok "$m: inside, the real thing is there ($INSIDE)" \
				|| not_ok "$m: inside: $INSIDE failed: $out"
		fi
		h "$who" stop -k "$N" -P "$P" >/dev/null 2>&1
	else
		[ -n "$out" ] && ok "$m: refused with a message ($(printf '%s' "$out" | head -1 | cut -c1-150))" \
			|| not_ok "$m: refused without a message"
		after=$(fingerprint "$@")
	fi
	if [ "$before" = "$after" ]; then ok "$m: host target untouched"; else
		not_ok "$m: the host target changed"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed 's/^/#   /' | head -20
	fi
	after=$(fingerprint "$@")
	[ "$before" = "$after" ] && ok "$m: host target still untouched after stop" \
		|| not_ok "$m: host target changed after stop: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -5)"
	check_clean "$m: nothing left behind" "$P/$N" "$(hk_cgroups_named "$N")"
}

# Host targets: a directory with a marker, a file with known bytes.
mk_targets() { # DIR
	rm -rf "$1" && mkdir -p "$1/dir" && echo marker >"$1/dir/marker"
	printf 'host file, do not touch\n' >"$1/file" && chmod 644 "$1/file"
	mkdir -p "$1/src" && echo from-src >"$1/src/inside"
}
H= # the current mode's host target directory

s_proc() { rm -rf "$1/proc" && ln -s "$H/dir" "$1/proc"; }
s_sys_root() { rm -rf "$1/sys" && ln -s / "$1/sys"; }
s_sys_dir() { rm -rf "$1/sys" && ln -s "$H/dir" "$1/sys"; }
s_cgroup() { mkdir -p "$1/sys/fs" && rm -rf "$1/sys/fs/cgroup" && ln -s "$H/dir" "$1/sys/fs/cgroup"
	echo 'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed' >>"$2"; }
s_console() { mkdir -p "$1/dev" && rm -f "$1/dev/console" && ln -s "$H/file" "$1/dev/console"; }
s_null() { mkdir -p "$1/dev" && rm -f "$1/dev/null" && ln -s "$H/file" "$1/dev/null"; }
s_pts() { mkdir -p "$1/dev" && rm -rf "$1/dev/pts" && ln -s "$H/dir" "$1/dev/pts"; }
s_ptmx() { mkdir -p "$1/dev" && rm -f "$1/dev/ptmx" && ln -s "$H/file" "$1/dev/ptmx"; }
s_dev() { rm -rf "$1/dev" && ln -s "$H/dir" "$1/dev"; }
s_console_noautodev() { s_console "$@"; echo 'lxc.autodev = 0' >>"$2"; }
s_null_noautodev() { s_null "$@"; echo 'lxc.autodev = 0' >>"$2"; }
s_entry_abs() { ln -s "$H/dir" "$1/evil"; echo "lxc.mount.entry = $H/src evil none bind 0 0" >>"$2"; }
s_entry_abs_create() { ln -s "$H/dir" "$1/evil"
	echo "lxc.mount.entry = $H/src evil/newdir none bind,create=dir 0 0" >>"$2"; }
s_entry_abs_file() { ln -s "$H/dir" "$1/evil"
	echo "lxc.mount.entry = $H/src/inside evil/newfile none bind,create=file 0 0" >>"$2"; }
s_entry_dotdot() { echo "lxc.mount.entry = $H/src ../../../../../../..$H/dir none bind 0 0" >>"$2"; }
s_entry_dotdot_create() {
	echo "lxc.mount.entry = $H/src ../../../../../../..$H/dir/newdir none bind,create=dir 0 0" >>"$2"; }
s_entry_abs_target() { echo "lxc.mount.entry = $H/src $H/dir none bind 0 0" >>"$2"; }
s_entry_rel_link() { ln -s "../../../../../../../..$H/dir" "$1/rel"
	echo "lxc.mount.entry = $H/src rel none bind,create=dir 0 0" >>"$2"; }
s_entry_tmpfs() { ln -s "$H/dir" "$1/evil"; echo "lxc.mount.entry = tmpfs evil tmpfs defaults 0 0" >>"$2"; }

cases=(
	"/proc -> host dir|s_proc|dir"
	"/sys -> /|s_sys_root|/ dir"
	"/sys -> host dir|s_sys_dir|dir"
	"/sys/fs/cgroup -> host dir (cgroup:mixed)|s_cgroup|dir|! test -e /sys/fs/cgroup/marker"
	"/dev -> host dir|s_dev|dir"
	"/dev/console -> host file|s_console|file|test -c /dev/console"
	"/dev/console -> host file, lxc.autodev = 0|s_console_noautodev|file"
	"/dev/null -> host file|s_null|file|test -c /dev/null && test \"\$(stat -c %t:%T /dev/null)\" = 1:3"
	"/dev/null -> host file, lxc.autodev = 0|s_null_noautodev|file|! test -s /dev/null"
	"/dev/pts -> host dir|s_pts|dir|test -c /dev/pts/ptmx && ! test -e /dev/pts/marker"
	"/dev/ptmx -> host file|s_ptmx|file|test -c /dev/ptmx"
	"mount entry through evil -> host dir|s_entry_abs|dir"
	"mount entry create=dir through evil -> host dir|s_entry_abs_create|dir"
	"mount entry create=file through evil -> host dir|s_entry_abs_file|dir"
	"mount entry target ../../..|s_entry_dotdot|dir"
	"mount entry create=dir through ../../..|s_entry_dotdot_create|dir"
	"mount entry with an absolute host target|s_entry_abs_target|dir"
	"mount entry through a relative ../ symlink|s_entry_rel_link|dir"
	"tmpfs entry through evil -> host dir|s_entry_tmpfs|dir"
)

# In the guest lane root meets only the links over the kernel's own file
# systems (proc, sysfs, cgroup2, devpts, the device nodes), which that
# kernel mounts; the mount entries resolve as here, and the test user
# meets every case there (a guest's start costs seconds).
run_cases() { # WHO
	local c desc setup tg t targets
	for c in "${cases[@]}"; do
		IFS='|' read -r desc setup tg INSIDE <<<"$c"
		if [ -n "${HK_GUEST:-}" ] && [ "$1" = root ] && [[ $desc == *entry* ]]; then
			skip "root: $desc: natively and for the test user only (the guest lane's time)"
			continue
		fi
		mk_targets "$H"
		targets=()
		for t in $tg; do case "$t" in /*) targets+=("$t") ;; *) targets+=("$H/$t") ;; esac; done
		hostile "$1" "$desc" "$setup" "${targets[@]}"
	done
}

H=$T/host
run_cases root

if ensure_test_user && "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1; then
	UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	UP=$(as_user mktemp -d "$UHOME/hako-hostile.XXXXXX")
	chmod 755 "$UP"
	H=$UP/host
	run_cases "$HK_TEST_USER"
else
	skip "hostile-rootfs as $HK_TEST_USER: no test user"
fi

plan_end
