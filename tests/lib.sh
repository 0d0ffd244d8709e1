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
