#!/usr/bin/env bash
# tests/integration/doctor.sh - `hako doctor` on this host: as root (only
# documented warnings, the right cgroup layout), as the test user (its
# sub-id ranges, whether its delegated cgroup is missing, the exit status
# that follows), and as a user without sub-ids (a FAIL naming /etc/subuid
# and the fix).  Also the output forms: -q, --json, colour rules.
. "$(dirname "$0")/../lib.sh"
hk_begin doctor doctor notmp

NOIDS=hakonoids
cleanup() {
	if id "$NOIDS" >/dev/null 2>&1; then
		userdel -r "$NOIDS" >/dev/null 2>&1
		sed -i "/^$NOIDS:/d" /etc/subuid /etc/subgid 2>/dev/null
	fi
}
hk_on_exit cleanup
as_noids() { HK_TEST_USER=$NOIDS as_user "$@"; }

if [ ! -x "$HAKO" ]; then
	skip "doctor: $HAKO is not built (make)"
	plan_end
	exit
fi

# Warnings root may see on a healthy host (hako(1)'s doctor section should
# list them):
# optional storage backends the kernel lacks, a bridge not yet set up,
# root without sub-ids (only unprivileged containers need them), no static
# busybox (only the busybox template needs it), overlay in a user namespace
# (before Linux 5.11), hako-nic not installed and no usernet file (only
# unprivileged containers' veths need them).
ROOT_WARNS='^(cgroup moves|sub-uids|sub-gids|btrfs backend|aufs backend|zfs backend|bridge|busybox|overlay in userns|hako-nic|usernet)$'

# The layout, found without hako: what is mounted at /sys/fs/cgroup.
expected_layout() {
	local fs
	fs=$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)
	if [ "$fs" = cgroup2fs ]; then echo unified
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then echo hybrid
	else echo legacy; fi
}

# ---- as root ----
if need_root "doctor as root"; then
	out=$("$HAKO" doctor 2>&1); rc=$?
	fails=$(printf '%s\n' "$out" | grep -c '^  \[FAIL\]')
	if [ "$rc" = 0 ] && [ "$fails" = 0 ]; then ok "root: hako doctor exits 0 with no FAIL"; else
		not_ok "root: hako doctor exits 0 (rc=$rc)"; printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	bad=$(printf '%s\n' "$out" | sed -n 's/^  \[WARN\] \([^:]*\):.*/\1/p' | grep -Ev "$ROOT_WARNS")
	if [ -z "$bad" ]; then ok "root: only documented warnings"; else
		not_ok "root: undocumented warnings: $bad"
	fi
	layout=$(expected_layout)
	check_output "root: names the cgroup layout \"$layout\"" "^  \[ OK \] cgroup layout: $layout" \
		"$HAKO" doctor
	[ "$layout" = hybrid ] && check_output "root: hybrid shows the cgroup2 mount" \
		"cgroup layout: hybrid.*cgroup2 at /sys/fs/cgroup/unified" "$HAKO" doctor
	nofix=$(printf '%s\n' "$out" | grep -E '^  \[(WARN|FAIL)\]' | grep -v -- '-> fix: ')
	if [ -z "$nofix" ]; then ok "root: every WARN/FAIL line says how to fix it"; else
		not_ok "root: lines without a fix"; printf '%s\n' "$nofix" | sed 's/^/#   /'
	fi
	check_output "root: delegation is OK for root" '^  \[ OK \] cgroup delegation: root may' "$HAKO" doctor
	check_output "root: userns creation probe ran" '^  \[ OK \] userns creation' "$HAKO" doctor
	check_output "root: a summary line" '^[0-9]+ ok, [0-9]+ warnings?, 0 failed$' "$HAKO" doctor

	# output forms
	q=$("$HAKO" doctor -q 2>&1)
	if printf '%s\n' "$q" | grep -qE '\[ OK \]|ok, '; then not_ok "-q prints only WARN/FAIL lines"
	else ok "-q prints only WARN/FAIL lines"; fi
	if printf '%s' "$out" | grep -q $'\033'; then not_ok "no colour when stdout is a pipe"
	else ok "no colour when stdout is a pipe"; fi
	if command -v script >/dev/null; then
		tty_out=$(script -qec "$HAKO doctor" /dev/null 2>&1)
		if printf '%s' "$tty_out" | grep -q $'\033\['; then ok "colour on a terminal"
		else not_ok "colour on a terminal"; fi
		tty_out=$(NO_COLOR=1 script -qec "$HAKO doctor" /dev/null 2>&1)
		if printf '%s' "$tty_out" | grep -q $'\033'; then not_ok "no colour with NO_COLOR on a terminal"
		else ok "no colour with NO_COLOR on a terminal"; fi
	else
		skip "colour on a terminal: no script(1)"
	fi
	json=$("$HAKO" doctor --json 2>/dev/null)
	if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
		if printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
names = [c["name"] for c in d["checks"]]
assert "cgroup layout" in names and d["failed"] == 0, d
assert all(c["fix"] for c in d["checks"] if c["status"] in ("warn", "fail")), d
assert all(c["status"] in ("ok", "warn", "fail", "skip") for c in d["checks"])
'; then ok "--json is valid JSON with every check"; else not_ok "--json is valid JSON with every check"; fi
	else
		skip "--json: no python3 to parse it"
	fi
	check_fails "an unknown option is refused" "$HAKO" doctor --bogus
fi

# ---- as the test user ----
if need_root "doctor as the test user" && ensure_test_user; then
	out=$(as_user "$HAKO" doctor 2>&1); rc=$?
	check_output "user: reports its sub-uid ranges" \
		"^  \[ OK \] sub-uids: user \"$HK_TEST_USER\": [0-9]+-[0-9]+" printf '%s\n' "$out"
	check_output "user: reports its sub-gid ranges" \
		"^  \[ OK \] sub-gids: user \"$HK_TEST_USER\": [0-9]+-[0-9]+" printf '%s\n' "$out"
	deleg=$(printf '%s\n' "$out" | grep 'cgroup delegation:')
	case "$deleg" in
	*"[ OK ]"*) ok "user: has a delegated cgroup ($deleg)" ;;
	*"[FAIL]"*"no writable delegated cgroup"*"-> fix: hako setup-user $HK_TEST_USER (as root)")
		ok "user: says the delegated cgroup is missing, and the fix" ;;
	# a systemd host: the delegation is a user manager's, and this user
	# (setpriv, no PAM session) has none unless linger is on
	*"[FAIL]"*"no D-Bus answers on \"/run/user/$(id -u "$HK_TEST_USER")/bus\""*"-> fix: as root: loginctl enable-linger $HK_TEST_USER"*)
		ok "user: says no user manager delegates a cgroup (systemd), and the fix" ;;
	*) not_ok "user: delegation line: $deleg" ;;
	esac
	fails=$(printf '%s\n' "$out" | grep -c '^  \[FAIL\]')
	want=0; [ "$fails" -gt 0 ] && want=1
	if [ "$rc" = "$want" ]; then ok "user: exit status $rc follows $fails FAIL line(s)"; else
		not_ok "user: exit status $rc with $fails FAIL line(s)"; printf '%s\n' "$out" | sed 's/^/#   /'
	fi
fi

# ---- hako-nic where HAKO_NIC points, as the test user ----
if need_root "doctor: hako-nic" && ensure_test_user && [ -x "$HK_TOP/build/hako-nic" ]; then
	NT=$(mktemp -d /tmp/hako-doctor-nic.XXXXXX)
	chmod 755 "$NT"
	install -m 4755 -o root -g root "$HK_TOP/build/hako-nic" "$NT/hako-nic"
	HK_EXTRA_ENV="HAKO_NIC=$NT/hako-nic" check_output "user: hako-nic installed setuid root is OK" \
		"^  \[ OK \] hako-nic: \"$NT/hako-nic\", setuid root" as_user "$HAKO" doctor
	chmod u-s "$NT/hako-nic"
	HK_EXTRA_ENV="HAKO_NIC=$NT/hako-nic" check_output "user: hako-nic without its setuid bit: no network, and the fix" \
		"^  \[WARN\] hako-nic: \"$NT/hako-nic\" is not setuid root .*unprivileged containers get no network -> fix: chown root:root $NT/hako-nic && chmod u\+s" \
		as_user "$HAKO" doctor
	rm -rf "$NT"
	check_output "user: the usernet and allowance lines are there" "^  \[(OK|WARN|FAIL)\] veth allowance: " as_user "$HAKO" doctor
fi

# ---- a user without sub-ids ----
if need_root "doctor as a user without sub-ids"; then
	cleanup
	if useradd -m -s /bin/sh "$NOIDS" >/dev/null 2>&1; then
		# useradd may hand out sub-ids by itself (SUB_UID_COUNT in login.defs)
		sed -i "/^$NOIDS:/d" /etc/subuid /etc/subgid
		out=$(as_noids "$HAKO" doctor 2>&1); rc=$?
		check_output "no sub-ids: FAIL naming /etc/subuid and the fix" \
			"^  \[FAIL\] sub-uids: user \"$NOIDS\" has no range in /etc/subuid -> fix: hako setup-user $NOIDS \(as root\)" \
			printf '%s\n' "$out"
		check_output "no sub-ids: FAIL naming /etc/subgid" \
			"^  \[FAIL\] sub-gids: user \"$NOIDS\" has no range in /etc/subgid" printf '%s\n' "$out"
		if [ "$rc" = 1 ]; then ok "no sub-ids: exit status 1"; else not_ok "no sub-ids: exit status $rc"; fi

		# the bridge comes from the user's hako.conf: lo is no bridge
		home=$(getent passwd "$NOIDS" | cut -d: -f6)
		mkdir -p "$home/.config/hako"
		printf '[net]\nbridge = lo\n' >"$home/.config/hako/hako.conf"
		chown -R "$NOIDS:" "$home/.config"
		check_output "bridge from hako.conf: lo is not a bridge" \
			'^  \[FAIL\] bridge: "lo" exists but is not a bridge -> fix: ' \
			as_noids "$HAKO" doctor
	else
		not_ok "cannot create user $NOIDS"
	fi
fi


# ---- the option layer ----
check "--help exits 0" "$HAKO" doctor --help
check "checkconfig --help exits 0" "$HAKO" checkconfig --help
check_output "a word after the options is a usage error" 'usage: hako doctor' "$HAKO" doctor -q extra

plan_end
