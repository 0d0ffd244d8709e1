# tests/lib/modes.sh - the four modes of the security tests (tests/lib.sh
# sources it for every script):
#   rp  root, privileged container
#   ru  root, user-namespaced container (lxc.idmap 0 300000 65536)
#   ud  the test user after `hako setup-user` (delegated cgroup)
#   un  the test user with its delegated cgroups taken back for the duration
# A script starts with `hk_begin TAG DESC modes` (which calls modes_init
# TAG, and modes_done at exit), then calls `for_modes FUNC` (FUNC gets the
# mode as $1).  Inside FUNC:
#   hm MODE SUB ARGS...  hako SUB as the mode's caller, -P added
#   hm_in MODE CMD...    `hako attach` into the mode's container
#   hm_create MODE [CONFIG-LINE...]  a fresh busybox container $HM_N
#   hm_booted MODE       until its boot script (rcS) is over
#   hm_rootfs MODE, hm_dir MODE  its rootfs and the container directory
HM_PROBE=$HK_TOP/build/tests/helpers/hkprobe
# HM_MODES: the modes a script runs, when it (or the environment) narrows them.
hm_modes() { echo "${HM_MODES:-rp ru ud un}"; }
HM_T= HM_U= HM_N=
declare -A HM_LABEL=([rp]="root, privileged" [ru]="root, user namespace"
	[ud]="user, delegated cgroup" [un]="user, no delegated cgroup")

modes_init() { # TAG
	HM_N=hk$1$$
	HM_T=${T:-$(mktemp -d "/tmp/hako-$1.XXXXXX")}
	chmod 755 "$HM_T"
	printf 'lxc.idmap = u 0 300000 65536\nlxc.idmap = g 0 300000 65536\n' >"$HM_T/idmap.conf"
	if ensure_test_user && "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1; then
		local home
		hk_home_of home "$HK_TEST_USER"
		HM_U=$(as_user mktemp -d "$home/hako-$1.XXXXXX")
		chmod 755 "$HM_U"
	fi
}
# (hm_path_v VAR MODE sets VAR: hm runs for most steps of a test, and a
# subshell is a fork, ~10 ms in a TCG guest.)
hm_path_v() { case "$2" in rp | ru) printf -v "$1" '%s' "$HM_T/$2" ;; *) printf -v "$1" '%s' "$HM_U/$2" ;; esac; }
hm_path() { local p; hm_path_v p "$1"; echo "$p"; }
hm_dir() { local p; hm_path_v p "$1"; echo "$p/$HM_N"; }
hm_rootfs() { local p; hm_path_v p "$1"; echo "$p/$HM_N/rootfs"; }
hm_user() { case "$1" in rp | ru) return 1 ;; esac; }
hm() {
	local m=$1 sub=$2 p; shift 2
	hm_path_v p "$m"
	if hm_user "$m"; then as_user "$HAKO" "$sub" -P "$p" "$@"
	else "$HAKO" "$sub" -P "$p" "$@"; fi
}
hm_in() { local m=$1; shift; hm "$m" attach "$HM_N" -- "$@"; }
hm_create() { # MODE [CONFIG-LINE...]: a fresh container with the probe at /hkprobe
	local m=$1 l; shift
	hm "$m" destroy -f "$HM_N" >/dev/null 2>&1
	if [ "$m" = ru ]; then hm "$m" create "$HM_N" -t busybox -f "$HM_T/idmap.conf"
	else hm "$m" create "$HM_N" -t busybox; fi >/dev/null 2>&1 || return 1
	local p
	hm_path_v p "$m"
	for l in "$@"; do echo "$l" >>"$p/$HM_N/config"; done
	install -m 755 "$HM_PROBE" "$p/$HM_N/rootfs/hkprobe"
}
# hm_booted MODE: until the container's busybox init has run its boot
# script (rcS) to the end (HK_BOOTED_SH): rcS mounts /proc, /sys,
# /dev/pts, /dev/shm and /run where it finds none, over a test's own
# mount there too if it comes later.
hm_booted() {
	for _ in $(seq 100); do
		hm_in "$1" sh -c "$HK_BOOTED_SH" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
hm_init_pid() { hm "$1" ls -F NAME,PID 2>/dev/null | awk -F'\t' -v n="$HM_N" '$1 == n { print $2 }'; }
# hm_cgroups_found MODE DESC: while $HM_N runs, the positive twin of a
# "nothing left" check (hk_leftovers): the same search finds its cgroups
# (check_cgroups_found); in mode un, which has none, it finds none.
hm_cgroups_found() {
	if [ "$1" = un ]; then check "$2 (none: no delegated cgroup)" test -z "$(hk_cgroups_named "$HM_N" "$(hm_path "$1")")"
	else check_cgroups_found "$2" "$HM_N" "$(hm_path "$1")" "$(hm_init_pid "$1")"; fi
}
# expect_kv DESC OUTPUT KEY REGEX: ok when OUTPUT's KEY=value matches REGEX.
expect_kv() {
	local v
	v=$(printf '%s\n' "$2" | sed -n "s/^$3=//p")
	if printf '%s' "$v" | grep -Eqx -- "$4"; then ok "$1"; else
		not_ok "$1: $3='$v', want /$4/"; printf '%s\n' "$2" | sed 's/^/#   /' | head -12
	fi
}

# check_sum DESC FILE SHA256: ok when FILE's sha256 is still SHA256.
check_sum() {
	if [ "$(sha256sum "$2" | cut -d' ' -f1)" = "$3" ]; then ok "$1"; else not_ok "$1: $2 changed"; fi
}

hm_undelegate() { hk_undelegate "$HK_TEST_USER"; }
hm_redelegate() { "$HAKO" setup-user "$HK_TEST_USER" >/dev/null 2>&1; }

for_modes() { # FUNC
	local m
	for m in $(hm_modes); do
		if hm_user "$m" && [ -z "$HM_U" ]; then skip "${HM_LABEL[$m]}: no test user"; continue; fi
		[ "$m" = un ] && hm_undelegate
		"$1" "$m"
		hm "$m" stop -k "$HM_N" >/dev/null 2>&1
		hm "$m" destroy -f "$HM_N" >/dev/null 2>&1
		[ "$m" = un ] && hm_redelegate
	done
}

modes_done() {
	local m
	for m in $(hm_modes); do
		[ -n "$HM_T" ] || break
		hm_user "$m" && [ -z "$HM_U" ] && continue
		hm "$m" stop -k "$HM_N" >/dev/null 2>&1
	done
	hm_redelegate
	[ -n "$HM_T" ] && rm -rf "$HM_T"
	[ -n "$HM_U" ] && rm -rf "$HM_U"
}
