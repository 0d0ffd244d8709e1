#!/usr/bin/env bash
# tests/guest/sessions.sh - ordinary users on a systemd host, in the
# guest lane's systemd guest (tests/guest/lane.sh): systemd as PID 1,
# logind, a session bus per user manager.  Three users, each with sub-ids
# from `hako setup-user` (--no-linger for login and none: setup-user
# turns linger on by default, which would give them a user manager):
#   login   a real logind session: every command through `su -l` (PAM,
#           pam_systemd: XDG_SESSION_ID set, user@UID.service delegated),
#           while another session of it stays open, as over SSH;
#   linger  `loginctl enable-linger`: a user manager without a session;
#           commands through setpriv with no PAM session (a cron job);
#   none    neither: no user manager, no session.
# For each, a busybox container: it runs in a cgroup of its own (for
# "none" a clear refusal or a warning naming doctor's fix is right too,
# a silent start without a cgroup is not); attach lands in that cgroup;
# pids.max 5 holds a fork bomb; ls shows memory, CPU and pids; freeze;
# stop; nothing left in any cgroup directory.
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/checks.sh"
hk_begin sessions sessions notmp

LOGIN=hkslogin LINGER=hkslinger NONE=hksnone
KEEPER=''

# hk WHO ARGS...: hako as root, or as one of the three users in its way.
hk() {
	local who=$1; shift
	case $who in
	root) "$HAKO" "$@" ;;
	"$LOGIN") su -l "$who" -c "$(printf '%q ' "$HAKO" "$@")" ;;
	*) HK_TEST_USER=$who as_user "$HAKO" "$@" ;;
	esac
}

cleanup() {
	local u
	[ -n "$KEEPER" ] && kill "$KEEPER" 2>/dev/null
	for u in $LOGIN $LINGER $NONE; do
		id "$u" >/dev/null 2>&1 || continue
		loginctl disable-linger "$u" 2>/dev/null
		loginctl terminate-user "$u" 2>/dev/null
		userdel -r "$u" >/dev/null 2>&1
		sed -i "/^$u:/d" /etc/subuid /etc/subgid
	done
}

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local n=$(($1 * 5)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# new_user USER [--no-linger]: the account (bash, for su -l's command
# line) and sub-ids.  setup-user turns linger on unless told not to:
# the login and none users must get their user manager (or none) from
# their session alone.
new_user() {
	useradd -m -s /bin/bash "$1" && chmod 755 "/home/$1" || not_ok "useradd $1"
	check "setup-user $*" hk root setup-user "$@"
	check_output "$1 has a sub-uid range" "^$1:[0-9]+:[0-9]+\$" grep "^$1:" /etc/subuid
	if [ "${2:-}" = --no-linger ]; then
		[ -e "/var/lib/systemd/linger/$1" ] && not_ok "setup-user $* turned linger on" ||
			ok "$1: no linger after setup-user --no-linger"
	fi
}

# user_life WHO NAME MODE: the container's life as WHO; MODE "none"
# accepts a refusal or a warning instead of a cgroup.
user_life() {
	local who=$1 name=$2 mode=$3 own=
	if [ "$mode" = none ]; then
		gc_start_truth "$who" "$name" && own=1
	else
		diag "$who: doctor: $(hk "$who" doctor 2>&1 | grep -i 'cgroup delegation')"
		gc_create_start "$who" "$name"
		if [ "$GC_START_RC" = 0 ]; then ok "$who: start $name"
		else not_ok "$who: start $name"; printf '%s\n' "$GC_START_OUT" | sed 's/^/#   /' | head -10; fi
		[ -n "$GC_START_OUT" ] && diag "$who: start said: $GC_START_OUT"
		gc_in_own_cgroup "$who" "$name" && own=1
	fi
	[ -n "$own" ] && gc_life "$who" "$name"
	if [ "$GC_START_RC" = 0 ]; then gc_stop_clean "$who" "$name"
	else gc_nothing_left "$who" "$name" "$(gc_dir "$who" "$name")" ""; fi
	check "$who: destroy $name" hk "$who" destroy "$name"
}

if [ "$(id -u)" != 0 ] || [ "$(cat /proc/1/comm)" != systemd ]; then
	skip "sessions: runs as root on a systemd host (the lane's systemd guest: tests/run guest)"
	plan_end; exit
fi
hk_on_exit cleanup
cleanup

# ---- login: a logind session ----
new_user "$LOGIN" --no-linger
su -l "$LOGIN" -c 'exec sleep 100000' </dev/null >/dev/null 2>&1 &
KEEPER=$!
wait_for 30 systemctl is-active "user@$(id -u "$LOGIN").service" &&
	ok "$LOGIN: su -l opened a session and started user@$(id -u "$LOGIN").service" ||
	not_ok "$LOGIN: no user manager after su -l: $(loginctl list-sessions --no-legend 2>&1 | tr '\n' ';')"
check_output "$LOGIN: su -l gives XDG_SESSION_ID" '^XDG_SESSION_ID=[0-9a-z]+$' \
	su -l "$LOGIN" -c 'echo XDG_SESSION_ID=$XDG_SESSION_ID'
diag "$LOGIN: $(systemctl show -p Delegate -p DelegateControllers "user@$(id -u "$LOGIN").service" | tr '\n' ' ')"
user_life "$LOGIN" hkb-login login

# ---- linger: a user manager, no session ----
new_user "$LINGER"
check "$LINGER: loginctl enable-linger" loginctl enable-linger "$LINGER"
wait_for 30 systemctl is-active "user@$(id -u "$LINGER").service" &&
	ok "$LINGER: lingering starts user@$(id -u "$LINGER").service" ||
	not_ok "$LINGER: user@$(id -u "$LINGER").service did not start with linger"
user_life "$LINGER" hkb-linger linger

# ---- none: no session, no linger ----
new_user "$NONE" --no-linger
systemctl is-active -q "user@$(id -u "$NONE").service" &&
	not_ok "$NONE: has a user manager, so the case 'neither' is not tested" ||
	ok "$NONE: no user manager runs for it"
user_life "$NONE" hkb-none none

plan_end
