# tests/lib.sh - the prelude and the TAP helpers of hako's shell tests
# (integration, security, tui, guest, bench).  Every script starts:
#
#   . "$(dirname "$0")/../lib.sh"
#   hk_begin TAG DESC [root] [build] [needs=PATH]... [tmp=DIR] [notmp] [modes]
#
# then reports with `ok`, `not_ok`, `skip` or `check DESC CMD...` and ends
# with `plan_end`.  The runner (tests/run) counts the "ok"/"not ok" lines.
# tests/README tells how to add each kind of test; the libraries that
# only some scripts need are in tests/lib/ (tests/lib/modes.sh, the four
# modes of the security tests, is sourced here for every script).
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

# ---- the prelude ----
# hk_begin TAG DESC [WORD...]: the start of every shell test.  It calls
# plan_begin; installs the EXIT trap (the cleanups that hk_on_exit adds,
# the last added first, then $T removed) and INT/TERM traps (exit 130);
# then ends the script with one skip naming DESC and the reason when a
# condition does not hold:
#   build       $HAKO is built ("build first (make test-build)")
#   needs=PATH  PATH is executable (implies build); may be repeated
#   root        the script runs as root
# and then makes the script's temporary directory $T, /tmp/hako-TAG.XXXXXX
# (tmp=DIR: DIR/hako-TAG.XXXXXX; notmp: none).  With `modes` (implies
# build, root and needs=$HM_PROBE) it also sets up the four modes of
# tests/lib/modes.sh (modes_init TAG; modes_done runs at exit).
# Conditions that hold for only part of a script are tested where they
# matter (need_root DESC || ...), not here.
HK_ON_EXIT=() T=
hk_begin() {
	local tag=$1 desc=$2 w root= tmpdir=/tmp modes= missing=
	shift 2
	plan_begin
	trap _hk_exit EXIT
	trap 'exit 130' INT TERM
	for w in "$@"; do
		case $w in
		build) [ -x "$HAKO" ] || missing=$HAKO ;;
		needs=*) [ -x "$HAKO" ] || missing=$HAKO; [ -x "${w#needs=}" ] || missing=${w#needs=} ;;
		root) root=1 ;;
		tmp=*) tmpdir=${w#tmp=} ;;
		notmp) tmpdir= ;;
		modes) modes=1 root=1; [ -x "$HAKO" ] || missing=$HAKO; [ -x "$HM_PROBE" ] || missing=$HM_PROBE ;;
		*) echo "hk_begin: unknown word '$w'" >&2; exit 2 ;;
		esac
	done
	[ -z "$missing" ] || { skip "$desc: build first (make test-build): no $missing"; plan_end; exit 0; }
	[ -z "$root" ] || need_root "$desc" || { plan_end; exit 0; }
	if [ -n "$tmpdir" ]; then T=$(mktemp -d "$tmpdir/hako-$tag.XXXXXX") || exit 1; fi
	[ -z "$modes" ] || { modes_init "$tag"; hk_on_exit modes_done; }
	return 0
}
# hk_on_exit CMD...: CMD runs when the script exits (before the cleanups
# added earlier, and before $T is removed).
hk_on_exit() { HK_ON_EXIT+=("$*"); }
# hk_on_exit_reset: no cleanup runs at exit any more but $T's removal
# (tests/guest/reboot-autostart.sh keeps its containers across a reboot).
hk_on_exit_reset() { HK_ON_EXIT=(); }
# _hk_exit: the EXIT trap.  Its own variables have names no script uses:
# bash scopes dynamically, so a cleanup that sets i or rc without `local`
# would set _hk_exit's.
_hk_exit() {
	local _hk_rc=$? _hk_cmd
	trap - EXIT
	while [ ${#HK_ON_EXIT[@]} -gt 0 ]; do
		_hk_cmd=${HK_ON_EXIT[-1]}
		unset 'HK_ON_EXIT[-1]'
		eval "$_hk_cmd"
	done
	[ -z "$T" ] || rm -rf "$T"
	exit "$_hk_rc"
}

# Makes (once) the ordinary test user with sub-id ranges, as the guides do.
ensure_test_user() {
	if ! id "$HK_TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh "$HK_TEST_USER" || return 1
	fi
	if ! grep -q "^$HK_TEST_USER:" /etc/subuid 2>/dev/null; then
		usermod --add-subuids 200000-331071 --add-subgids 200000-331071 "$HK_TEST_USER" || return 1
	fi
	local home
	hk_home_of home "$HK_TEST_USER" && chmod 755 "$home"
}
# HK_BOOTED_SH: a shell command that succeeds inside a busybox container
# once its boot script (rcS) is over.  `hako start` returns once init
# runs, as lxc-start does, and init may not have forked rcS yet, so "no
# rcS in ps" alone can come too early; busybox init starts the respawned
# entries (the template's gettys) only after every sysinit entry has
# exited.  An inittab with no getty: no rcS running is all there is.
# (Each name in brackets: the command's own line, which ps shows, holds
# none of them.)
HK_BOOTED_SH='! ps | grep -q "[r]cS" && { ps | grep -q "[g]etty" || ! grep -q "[g]etty" /etc/inittab; }'
# hk_conf_wrapper FILE DIR: FILE runs hako ($HAKO, and this HAKO_RUN_DIR
# when one is set) with DIR/etc-up as an overlay on /etc in a private
# mount namespace: DIR/etc-up/hako/hako.conf, which the test writes, is
# root's hako.conf for that hako alone.
hk_conf_wrapper() {
	local file=$1 dir=$2
	mkdir -p "$dir/etc-up/hako" "$dir/etc-work" || return 1
	{
		echo '#!/bin/sh'
		[ -n "${HAKO_RUN_DIR:-}" ] && echo "export HAKO_RUN_DIR=$HAKO_RUN_DIR"
		echo "exec unshare -m --propagation slave sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=$dir/etc-up,workdir=$dir/etc-work /etc && exec \"\$0\" \"\$@\"' \"$HAKO\" \"\$@\""
	} >"$file" && chmod 755 "$file"
}
# hk_home_of VAR USER: USER's home directory from /etc/passwd into VAR, read
# by bash itself (as_user runs for most commands of a test: no forks).
hk_home_of() {
	local _n _x _h
	while IFS=: read -r _n _x _x _x _x _h _x; do
		[ "$_n" = "$2" ] && { printf -v "$1" '%s' "$_h"; return 0; }
	done </etc/passwd
	printf -v "$1" '%s' ""
	return 1
}
# hk_user_path TAG: the test user made and set up (setup-user: sub-ids,
# delegated cgroups), and a new directory in their home for their
# containers (mode 755: their mapped root must reach the rootfs),
# printed; false when the user cannot be made or set up.
hk_user_path() {
	ensure_test_user && "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1 || return 1
	local home dir
	hk_home_of home "$HK_TEST_USER"
	dir=$(as_user mktemp -d "$home/hako-$1.XXXXXX") && chmod 755 "$dir" && echo "$dir"
}
# hk_as WHO HAKO-ARGS...: hako as root (WHO "root") or as the test user
# (any other WHO), HK_EXTRA_ENV adding environment ("HAKO_TEST_FAIL_STEP=N").
hk_as() {
	local who=$1; shift
	if [ "$who" != root ]; then as_user "$HAKO" "$@"
	elif [ -z "${HK_EXTRA_ENV:-}" ]; then "$HAKO" "$@"
	else (export ${HK_EXTRA_ENV} && exec "$HAKO" "$@"); fi
}
# Runs a command as the test user, with no PAM session (setpriv), so only
# what hako itself sets up applies.
# The environment is emptied as `env -i` would, by bash itself in the
# subshell that runs setpriv: one exec fewer for most commands of a test
# (~35 ms each in a TCG guest).
as_user() {
	local home
	hk_home_of home "$HK_TEST_USER"
	(
		hk_unexport_all
		export HOME="$home" USER="$HK_TEST_USER" LOGNAME="$HK_TEST_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin
		[ -z "${HK_EXTRA_ENV:-}" ] || export ${HK_EXTRA_ENV}
		exec setpriv --reuid="$HK_TEST_USER" --regid="$HK_TEST_USER" --init-groups -- "$@"
	)
}
# hk_unexport_all: no variable of this shell is passed to what it runs.
hk_unexport_all() {
	local _p _v
	local -a _names=()
	for _p in {A..Z} {a..z} _; do eval "_names+=(\${!$_p*})"; done
	for _v in "${_names[@]}"; do export -n "$_v" 2>/dev/null; done
	return 0
}

# ---- where hako put a container's cgroups ----
# Every check that a container left no cgroup searches the way hako
# names them (core/cgroup-manage.h, core/cgroup-systemd.h): BASE/hako/CG
# in each hierarchy, CG being NAME in a default container path and
# NAME@HASH for a -P one; BASE is the hierarchy's top, a user's delegated
# cgroup (hako.users/UID, a systemd delegation), a transient systemd scope
# hako-CG-XXXX.scope, or a parent container's cgroup: any depth.  So they
# hold on v1, hybrid and v2 hosts alike, and a search that looks in the
# wrong place fails its positive twin (check_cgroups_found) instead.

# hk_cg_mounts: every cgroup hierarchy mounted here (cgroup and cgroup2,
# wherever), as "KIND<tab>ROOT<tab>MOUNTPOINT" lines: KIND "cgroup2", or a
# v1 mount's super options (its controllers among them), ROOT the
# hierarchy's cgroup mounted there.  A hierarchy mounted twice is listed
# once, by a mount of its top when there is one.
# Read with bash alone (the tests call it for every line of every
# /proc/PID/cgroup they look at; in a TCG guest each fork costs ~10-30 ms),
# and kept in HK_CGM until the cgroup lines of mountinfo change.
hk_cg_mounts() {
	hk_cg_mounts_load
	[ ${#HK_CGM[@]} = 0 ] || printf '%s\n' "${HK_CGM[@]}"
}
HK_CGM=() HK_CGM_KEY=-
# hk_cg_mounts_load: HK_CGM holds hk_cg_mounts's lines, read again only
# when the cgroup mounts differ from the last read.
hk_cg_mounts_load() {
	local -a lines f
	local line key= i k n=0 kind
	local -A top=()
	local -a dev=() root=() mnt=() kinds=()
	mapfile -t lines </proc/self/mountinfo
	for line in "${lines[@]}"; do
		case "$line" in *" - cgroup "* | *" - cgroup2 "*) key+=$line$'\n' ;; esac
	done
	[ "$key" = "$HK_CGM_KEY" ] && return 0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		read -r -a f <<<"$line"
		i=6
		while [ "$i" -lt ${#f[@]} ] && [ "${f[i]}" != - ]; do i=$((i + 1)); done
		if [ "${f[i + 1]}" = cgroup2 ]; then kind=cgroup2; else kind=${f[i + 3]}; fi
		dev[n]=${f[2]} root[n]=${f[3]} mnt[n]=${f[4]} kinds[n]=$kind
		[ "${f[3]}" = / ] && [ -z "${top[${f[2]}]:-}" ] && top[${f[2]}]=$((n + 1))
		n=$((n + 1))
	done <<<"$key"
	HK_CGM=()
	for ((k = 0; k < n; k++)); do
		i=${top[${dev[k]}]:-}
		[ -z "$i" ] || [ "$i" = $((k + 1)) ] || continue
		# mountinfo writes a space as \040: octal escapes, which %b reads as \0NNN
		printf -v line '%s\t%b\t%b' "${kinds[k]}" "${root[k]//\\/\\0}" "${mnt[k]//\\/\\0}"
		HK_CGM+=("$line")
	done
	HK_CGM_KEY=$key
}
# hk_cg_dirs_of LINE: the directory, where it exists, of the cgroup that a
# line of /proc/PID/cgroup ("ID:CONTROLLERS:PATH"; "0::PATH" for v2) names,
# in the hierarchy it names.
hk_cg_dirs_of() {
	local ctrls cg kind root mnt rel c line
	ctrls=${1#*:}; cg=${ctrls#*:}; ctrls=${ctrls%%:*}
	hk_cg_mounts_load
	for line in "${HK_CGM[@]}"; do
		IFS=$'\t' read -r kind root mnt <<<"$line"
		if [ -z "$ctrls" ]; then [ "$kind" = cgroup2 ] || continue
		else
			[ "$kind" != cgroup2 ] || continue
			for c in ${ctrls//,/ }; do case ",$kind," in *",$c,"*) ;; *) continue 2 ;; esac; done
		fi
		if [ "$root" = / ]; then rel=$cg
		elif [ "$cg" = "$root" ]; then rel=
		elif [ "${cg#"$root"/}" != "$cg" ]; then rel=/${cg#"$root"/}
		else continue; fi
		[ "$rel" = / ] && rel=
		[ -d "$mnt$rel" ] && echo "$mnt$rel"
	done
	return 0
}
# hk_user_delegations UID: the delegated cgroups `hako setup-user` made
# for UID (hako.users/UID) in every hierarchy.
hk_user_delegations() {
	local line mnt
	hk_cg_mounts_load
	for line in "${HK_CGM[@]}"; do
		mnt=${line##*$'\t'}
		[ -d "$mnt/hako.users/$1" ] && echo "$mnt/hako.users/$1"
	done
	return 0
}
# hk_undelegate USER: takes USER's delegated cgroups back (root owns them
# again) for a test of a user without one; `hako setup-user USER` gives
# them back.  On a systemd host the delegation is the user manager's:
# linger off and the manager stopped, so no bus answers for USER (the
# tests' setpriv gives no login session).
hk_undelegate() {
	local d uid i
	uid=$(id -u "$1")
	for d in $(hk_user_delegations "$uid"); do chown root: "$d" "$d"/cgroup.procs 2>/dev/null; done
	if [ -d /run/systemd/system ]; then
		loginctl disable-linger "$1" 2>/dev/null
		systemctl stop "user@$uid.service" 2>/dev/null
		for i in $(seq 100); do [ -S "/run/user/$uid/bus" ] || break; sleep 0.1; done
	fi
	return 0
}
# hk_canon_v VAR PATH: PATH made canonical as realpath -m does, into VAR;
# by bash alone when PATH is absolute, plain (no //, ., ..) and has no
# symbolic link on its way (the common case: a test's own directory).
hk_canon_v() {
	local _cv_p=$2 _cv_pre= _cv_c
	local -a _cv_parts
	if [[ $_cv_p == /* && $_cv_p != *//* && $_cv_p != */./* && $_cv_p != */../* &&
		$_cv_p != */. && $_cv_p != */.. && $_cv_p != ?*/ ]]; then
		IFS=/ read -r -a _cv_parts <<<"${_cv_p#/}"
		for _cv_c in "${_cv_parts[@]}"; do
			_cv_pre+=/$_cv_c
			[ -L "$_cv_pre" ] && break
		done
		[ -L "$_cv_pre" ] || { printf -v "$1" '%s' "$_cv_p"; return 0; }
	fi
	printf -v "$1" '%s' "$(realpath -m -- "$_cv_p")"
}
# hk_path_hash PATH: hako's hash of a container path (hk_store_path_hash:
# 64-bit FNV-1a of the path made canonical), as a signed shell number.
hk_path_hash() {
	local h
	hk_path_hash_v h "$1"
	echo "$h"
}
hk_path_hash_v() { # VAR PATH: hk_path_hash into VAR
	local LC_ALL=C _ph_s _ph_i _ph_c _ph_h=$((0xcbf29ce484222325))
	hk_canon_v _ph_s "$2"
	for ((_ph_i = 0; _ph_i < ${#_ph_s}; _ph_i++)); do
		printf -v _ph_c '%d' "'${_ph_s:_ph_i:1}"
		_ph_h=$(((_ph_h ^ (_ph_c & 255)) * 0x100000001b3))
	done
	printf -v "$1" '%s' "$_ph_h"
}
# hk_cgroup_name NAME PATH: the name of container NAME's cgroup when its
# container path is PATH (hk_store_cgroup_name): NAME in a default path
# (/var/lib/hako, a user's ~/.local/share/hako), else NAME@ and the low
# 32 bits of the path's hash.
hk_cgroup_name() {
	local cg
	hk_cgroup_name_v cg "$1" "$2"
	echo "$cg"
}
hk_cgroup_name_v() { # VAR NAME PATH: hk_cgroup_name into VAR
	local _cn_c _cn_h
	hk_canon_v _cn_c "$3"
	case "$_cn_c" in
	/var/lib/hako | */.local/share/hako) printf -v "$1" '%s' "$2" ;;
	*) hk_path_hash_v _cn_h "$3"; printf -v "$1" '%s@%08x' "$2" $((_cn_h & 0xffffffff)) ;;
	esac
}
# hk_unit_escape STRING: STRING as hako escapes it into a unit name
# (hk_cgroup_scope_unit): [A-Za-z0-9:_.-] kept, any other byte \xHH.
hk_unit_escape() {
	local LC_ALL=C s=$1 out= i c n
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[A-Za-z0-9:_.-]) out+=$c ;;
		*) printf -v n '%d' "'$c"; printf -v c '\\x%02x' $((n & 255)); out+=$c ;;
		esac
	done
	echo "$out"
}
# hk_run_bases: where hako's run directories may be (root's /run/hako, a
# user's $XDG_RUNTIME_DIR/hako or ~/.cache/hako/run, HAKO_RUN_DIR, and
# the extra ones a test names in HK_RUN_BASES).
hk_run_bases() {
	hk_run_bases_list
	[ ${#HK_RUN_BASE_LIST[@]} = 0 ] || printf '%s\n' "${HK_RUN_BASE_LIST[@]}"
}
# hk_run_bases_list: hk_run_bases's directories into the array
# HK_RUN_BASE_LIST, each once, without a fork.
hk_run_bases_list() {
	local d home
	local -A seen=()
	hk_home_of home "$HK_TEST_USER"
	HK_RUN_BASE_LIST=()
	for d in /run/hako /run/user/*/hako ${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/hako"} \
		${HAKO_RUN_DIR:+"$HAKO_RUN_DIR"} ${HK_RUN_BASES:-} /root/.cache/hako/run \
		/home/*/.cache/hako/run ${home:+"$home/.cache/hako/run"}; do
		[ -d "$d" ] && [ -z "${seen[$d]:-}" ] && seen[$d]=1 && HK_RUN_BASE_LIST+=("$d")
	done
	return 0
}
# hk_cgroup_recorded NAME [PATH]: the scope directories that run
# directories of container NAME (of its container path PATH, or any)
# record (file cgroup2-scope, written by the monitor), where they exist.
hk_cgroup_recorded() {
	local run=s-* base rec line h
	[ -n "${2:-}" ] && hk_path_hash_v h "$2" && printf -v run 's-%016x' "$h"
	hk_run_bases_list
	for base in "${HK_RUN_BASE_LIST[@]}"; do
		for rec in "$base"/$run/"$1"/cgroup2-scope; do
			[ -f "$rec" ] && read -r line <"$rec" && hk_cg_dirs_of "0::$line"
		done
	done
	return 0
}
# hk_cgroups_named NAME [PATH [IN]]: every cgroup directory hako has for
# container NAME, in every mounted hierarchy, one a line: NAME or NAME@*
# right below a directory "hako" at any depth, systemd's transient scope
# hako-NAME-XXXX.scope (hako-NAME\x40*-XXXX.scope), and the scope a run
# directory of NAME records (file cgroup2-scope).  With PATH, the
# container path (-P), only that container's: its exact cgroup name
# (hk_cgroup_name), its scope, and its run directory's record.  With IN
# (a parent container's cgroup name), only those below hako/IN: a nested
# container's.  A match's subtree is not searched (it is the container's
# own); everything else is.
hk_cgroups_named() {
	local name=$1 path=${2:-} in=${3:-} cg hex4 e mnt found
	local -a match mnts=()
	hex4='[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
	if [ -n "$path" ]; then
		hk_cgroup_name_v cg "$name" "$path"
		e=$(hk_unit_escape "$cg")
		match=(\( -name "$cg" -path "*/hako/$cg" \) -print -prune
			-o -name "hako-${e//\\/\\\\}-$hex4.scope" -print)
	else
		e=$(hk_unit_escape "$name")
		match=(\( \( -name "$name" -path "*/hako/$name" \) -o \( -name "$name@*" -path "*/hako/$name@*" \) \)
			-print -prune -o \( -name "hako-$e-$hex4.scope" -o -name "hako-$e\\\\x40*-$hex4.scope" \) -print)
	fi
	hk_cg_mounts_load
	for mnt in "${HK_CGM[@]}"; do mnts+=("${mnt##*$'\t'}"); done
	found=$(
		[ ${#mnts[@]} = 0 ] || find "${mnts[@]}" -xdev -mindepth 1 -type d "${match[@]}" 2>/dev/null
		hk_cgroup_recorded "$name" "$path"
	)
	[ -n "$found" ] || return 0
	if [ -n "$in" ]; then
		while IFS= read -r e; do [[ $e == *"/hako/$in/"* ]] && echo "$e"; done <<<"$found" | sort -u
	else sort -u <<<"$found"; fi
}
# hk_init_cgroups PID NAME: the cgroup directories of process PID (in
# every hierarchy, read from /proc/PID/cgroup) whose last component is
# NAME or NAME@... (container NAME's, which hold PID in their leaf
# NAME/payload), one a line.
hk_init_cgroups() {
	local pid=$1 name=$2 line rel
	while IFS= read -r line; do
		rel=${line#*:}; rel=${rel#*:}; rel=${rel%/payload}
		case "${rel##*/}" in "$name" | "$name"@*) hk_cg_dirs_of "${line%/payload}" ;; esac
	done <"/proc/$pid/cgroup" | sort -u
}
# check_cgroups_found DESC NAME PATH [PID [IN]]: the positive twin of a
# "nothing left" check, while the container runs: ok when
# hk_cgroups_named NAME PATH IN finds its cgroups and, given its init's
# PID, every cgroup of PID named after it is among them.  The same search
# finding nothing after stop then means something.
check_cgroups_found() {
	local desc=$1 name=$2 path=$3 pid=${4:-} found own=
	found=$(hk_cgroups_named "$name" "$path" "${5:-}")
	[ -n "$pid" ] && own=$(hk_init_cgroups "$pid" "$name")
	own=$(printf '%s\n' "$own" | grep -vxF -f <(printf '%s\n' "$found") | grep .)
	if [ -n "$found" ] && [ -z "$own" ]; then ok "$desc"; else
		not_ok "$desc: the search for $name${path:+ in $path} found:"
		printf '%s\n' "${found:-nothing}" | sed 's/^/#   /' | head -20
		[ -z "$own" ] || printf '%s\n' "$own" | sed 's/^/#   but not init'\''s /'
	fi
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
		# /proc/PID/stat: "PID (COMM) STATE ...", COMM may hold ") "
		st=
		read -r st 2>/dev/null <"/proc/$p/stat" || continue
		st=${st##*) }
		case "$st" in Z*) ;; *) echo "$p" ;; esac
	done
}
# hk_live_matching STRING: live (non-zombie) processes whose command line
# holds STRING, as "pid args" lines.
hk_live_matching() {
	ps -eo pid=,stat=,args= | awk -v s="$1" -v me=$$ \
		'index($0, s) && $2 !~ /^Z/ && $1 != me && $0 !~ /awk -v s=/ { print }'
}
# hk_host_mounts: the host's mount table as "FSROOT MOUNTPOINT TYPE SOURCE"
# lines, sorted, for before/after comparisons.  The type and source are
# read after the " - " separator (shared and master tags come before it
# on a systemd host), and the mounts that systemd and logind make and
# remove on their own schedule are left out: /run/user/UID (gone some
# seconds after a user's last session ends), /run/credentials/*, and the
# binfmt_misc automount.
hk_host_mounts() {
	awk '{ for (i = 7; i < NF && $i != "-"; i++) ;
		if ($5 ~ "^/run/user/[0-9]+(/|$)" || $5 ~ "^/run/credentials/" ||
			$5 == "/proc/sys/fs/binfmt_misc") next
		print $4, $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort
}
# hk_leftovers PATH CGDIRS [PIDS...]: prints what a stopped container left
# on the host: those of the cgroup directories CGDIRS (one string, spaces
# or newlines between) that still exist and any other cgroup of the
# container PATH (PATH's last component in the container path before it,
# hk_cgroups_named), mounts whose mountinfo line mentions PATH, live
# processes naming PATH or among PIDS (its former cgroup's).  Prints
# nothing when clean.
hk_leftovers() {
	local path=$1 cgs=$2; shift 2
	local d
	{ printf '%s\n' $cgs; hk_cgroups_named "${path##*/}" "${path%/*}"; } | sort -u |
		while read -r d; do [ -n "$d" ] && [ -d "$d" ] && echo "cgroup $d"; done
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
# hk_state HAKO-ARGS...: the STATE column of `hako ls -F NAME,STATE` for the
# container named by the first argument (the rest go to hako, e.g. -P).
hk_state() {
	local n=$1; shift
	"$HAKO" ls -F NAME,STATE "$@" 2>/dev/null | awk -F'\t' -v n="$n" '$1 == n { print $2 }'
}

# hk_pid_of NAME HAKO-CMD...: the init PID that `HAKO-CMD ls -F NAME,PID`
# shows for container NAME (HAKO-CMD: "$HAKO" -P DIR, as_user "$HAKO" -P
# DIR ...); nothing when it does not run.
hk_pid_of() {
	local n=$1; shift
	"$@" ls -F NAME,PID 2>/dev/null | awk -F'\t' -v n="$n" '$1 == n && $2 != "-" { print $2 }'
}

# ---- hako-nic (tests/integration/net-user.sh, tests/security/nic-*.sh) ----
# hk_ns_holder WHO: a process in its own user and network namespace
# (unshare -Urn) owned by WHO ("user", "nobody") or root's in a network
# namespace only ("root"); prints its pid.
hk_ns_holder() {
	local mark=$((4000 + RANDOM % 5000)).$RANDOM
	case $1 in
	user) as_user unshare -Urn sleep "$mark" >/dev/null 2>&1 & ;;
	nobody) setpriv --reuid=nobody --regid=nogroup --clear-groups unshare -Urn sleep "$mark" >/dev/null 2>&1 & ;;
	root) unshare -n sleep "$mark" >/dev/null 2>&1 & ;;
	esac
	local i p
	for i in $(seq 50); do
		p=$(pgrep -f -x "sleep $mark" | head -1)
		[ -n "$p" ] && [ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		p=; sleep 0.05
	done
	echo "$p"
}

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

# hk_disk_of PATH: MAJ:MIN of the whole disk holding PATH (a partition's
# parent), for blkio/io limits, which take whole disks only; nothing when
# PATH is on no block device (tmpfs, overlay).
hk_disk_of() {
	local mm d
	mm=$(findmnt -no MAJ:MIN -T "$1" 2>/dev/null | head -1 | tr -d ' ')
	d=/sys/dev/block/$mm
	[ -n "$mm" ] && [ -e "$d" ] || return 1
	if [ -e "$d/partition" ]; then cat "$(realpath "$d")/../dev"; else echo "$mm"; fi
}

. "$HK_TOP/tests/lib/modes.sh"
