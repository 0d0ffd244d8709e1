# tests/lib.sh - TAP helpers for hako's shell tests (integration, tui,
# security).  A test script sources this, calls `plan_begin`, then `ok`,
# `not_ok`, `skip` or `check DESC CMD...`, and ends with `plan_end`.
# The runner (tests/run) counts the "ok"/"not ok" lines.

HK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HAKO=${HAKO:-$HK_TOP/build/hako}
HK_TEST_USER=${HK_TEST_USER:-hakotest}
_tap_n=0
_tap_failed=0

plan_begin() { :; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() {
	_tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
diag() { echo "# $*"; }

# check DESC CMD...: runs CMD, ok when it exits 0; shows its output otherwise.
check() {
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$desc"; else
		not_ok "$desc"; printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
}
# check_fails DESC CMD...: ok when CMD exits non-zero.
check_fails() {
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then
		not_ok "$desc (it succeeded)"; printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	else ok "$desc"; fi
}
# check_output DESC PATTERN CMD...: ok when CMD's output (stdout+stderr)
# matches the extended regex PATTERN.
check_output() {
	local desc=$1 pat=$2; shift 2
	local out
	out=$("$@" 2>&1)
	if printf '%s\n' "$out" | grep -Eq -- "$pat"; then ok "$desc"; else
		not_ok "$desc"; echo "#   expected /$pat/ in:"; printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
}
plan_end() { echo "1..$_tap_n"; [ "$_tap_failed" = 0 ]; }

need_root() { [ "$(id -u)" = 0 ] || { skip "$1: needs root"; return 1; }; }

# Makes (once) the ordinary test user with sub-id ranges, as the guides do.
ensure_test_user() {
	if ! id "$HK_TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh "$HK_TEST_USER" || return 1
	fi
	if ! grep -q "^$HK_TEST_USER:" /etc/subuid 2>/dev/null; then
		usermod --add-subuids 200000-331071 --add-subgids 200000-331071 "$HK_TEST_USER" || return 1
	fi
	chmod 755 "$(getent passwd "$HK_TEST_USER" | cut -d: -f6)"
}
# Runs a command as the test user, with no PAM session (setpriv), so only
# what hako itself sets up applies.
as_user() {
	local home
	home=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	env -i HOME="$home" USER="$HK_TEST_USER" LOGNAME="$HK_TEST_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		${HK_EXTRA_ENV:-} setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- "$@"
}

# ---- container leftovers (tests/integration/run.sh and friends) ----
# hk_init_cgroups PID NAME: the container cgroup directories (every
# hierarchy in /sys/fs/cgroup) of process PID, whose last component is NAME
# or NAME@... (hako suffixes a hash of the container path), one a line.
# PID itself sits in the leaf NAME/payload below it.
hk_init_cgroups() {
	local pid=$1 name=$2 line rel d
	while IFS= read -r line; do
		rel=${line#*:}; rel=${rel#*:}; rel=${rel%/payload}
		case "${rel##*/}" in "$name" | "$name"@*) ;; *) continue ;; esac
		for d in /sys/fs/cgroup/*"$rel" /sys/fs/cgroup"$rel"; do
			[ -d "$d" ] && echo "$d"
		done
	done <"/proc/$pid/cgroup" | sort -u
}
# hk_cg_pids DIR...: every pid in those cgroup directories and below.
hk_cg_pids() {
	local d
	for d in "$@"; do find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -un
}
# hk_live PID...: those of PID that still exist and are not zombies (this
# sandbox's pid 1 does not reap, so a zombie is dead enough).
hk_live() {
	local p st
	for p in "$@"; do
		st=$(ps -o stat= -p "$p" 2>/dev/null) || continue
		case "$st" in Z*) ;; *) echo "$p" ;; esac
	done
}
# hk_live_matching STRING: live (non-zombie) processes whose command line
# holds STRING, as "pid args" lines.
hk_live_matching() {
	ps -eo pid=,stat=,args= | awk -v s="$1" -v me=$$ \
		'index($0, s) && $2 !~ /^Z/ && $1 != me && $0 !~ /awk -v s=/ { print }'
}
# hk_leftovers PATH CGDIRS [PIDS...]: prints what a stopped container left
# on the host: those of the cgroup directories CGDIRS (one string, spaces
# or newlines between) that still exist, mounts whose mountinfo line
# mentions PATH, live processes naming PATH or among PIDS (its former
# cgroup's).  Prints nothing when clean.
hk_leftovers() {
	local path=$1 cgs=$2; shift 2
	local d
	for d in $cgs; do [ -d "$d" ] && echo "cgroup $d"; done
	grep -F -- "$path" /proc/self/mountinfo | sed 's/^/mount /'
	hk_live_matching "$path" | sed 's/^/process /'
	[ $# -gt 0 ] && hk_live "$@" | sed 's/^/process in the old cgroup: /'
	return 0
}
# check_clean DESC PATH CGDIRS [PIDS...]: ok when hk_leftovers prints nothing.
check_clean() {
	local desc=$1; shift
	local out
	out=$(hk_leftovers "$@")
	if [ -z "$out" ]; then ok "$desc"; else
		not_ok "$desc"; printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}
# hk_state HAKO-ARGS...: the STATE column of `hako ls -f` for the
# container named by the first argument (the rest go to hako, e.g. -P).
hk_state() {
	local n=$1; shift
	"$HAKO" ls -f "$@" 2>/dev/null | awk -F'\t' -v n="$n" '$1 == n { print $2 }'
}

# ---- hako-nic (tests/integration/net-user.sh, tests/security/nic-*.sh) ----
# hk_nic_setup DIR: installs build/hako-nic (or $HK_NIC_BIN) setuid root as DIR/bin/hako-nic
# (DIR must be root's) and saves /etc/hako/usernet into DIR for
# hk_nic_restore, which puts it back (or removes the test's).
hk_nic_setup() {
	mkdir -p "$1/bin" && install -m 4755 -o root -g root "${HK_NIC_BIN:-$HK_TOP/build/hako-nic}" "$1/bin/hako-nic" || return 1
	mkdir -p /etc/hako && touch "$1/usernet.taken"
	[ ! -f /etc/hako/usernet ] || cp -p /etc/hako/usernet "$1/usernet.saved"
}
hk_nic_restore() {
	[ -f "$1/usernet.taken" ] || return 0
	if [ -f "$1/usernet.saved" ]; then cp -p "$1/usernet.saved" /etc/hako/usernet
	else rm -f /etc/hako/usernet; rmdir /etc/hako 2>/dev/null; fi
	rm -f "$1/usernet.taken"
}
