#!/usr/bin/env bash
# remote.sh - `hako remote add|list|remove` (the remotes' configuration
# layer) on a real hako.conf, as root and as the test user: add writes
# [remotes] keeping the comments, order and other sections, list prints
# TAB-separated fields in a pipe, a table with a header on a terminal and
# JSON with --json, remove drops only its line; duplicates, bad URLs (ssh
# option injection, spaces, control bytes, ports 0 and 65536), reserved
# names and a hako.conf hako refuses are refused with the fix, leaving
# the file byte for byte as it was and no temp file beside it.  (root's
# hako.conf is /etc/hako/hako.conf: an overlay on /etc in a private mount
# namespace gives this test its own; the test user's comes from
# XDG_CONFIG_HOME.)
# guest-lane: skip - hako.conf [remotes] editing: a file format, the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin remote remote

export HAKO_RUN_DIR=$T/run
chmod 755 "$T"

# remote_tests WHO CONF SHOWN CMD...: the whole story for one caller,
# whose hako.conf is CONF (SHOWN: the name hako sees it by) and whose
# hako is CMD.
remote_tests() {
	local who=$1 conf=$2 shown=$3; shift 3
	local dir=${conf%/*} out rc
	cat >"$conf" <<'CONF'
# hako.conf of the test
; by hand
[net]
bridge = hakobr0

# the dashboard
[tui]
refresh = 1000
CONF
	chown --reference="$dir" "$conf"
	cp "$conf" "$T/orig"

	out=$("$@" remote list 2>&1); rc=$?
	[ $rc = 0 ] && [ -z "$out" ] && ok "$who: list with no remotes prints nothing in a pipe" ||
		{ not_ok "$who: empty list: exit $rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	check "$who: add web1" "$@" remote add web1 ssh://admin@web1.example.org:2222
	check "$who: add db with an IPv6 address and a path" "$@" remote add db 'ssh://[2001:db8::5]' path=/srv/lxc
	check "$who: add -q c1 by IPv4 address prints nothing" test -z "$("$@" remote add -q c1 ssh://192.0.2.1 2>&1)"
	out=$("$@" remote list)
	[ "$out" = $'web1\tssh://admin@web1.example.org:2222\t-\ndb\tssh://[2001:db8::5]\t/srv/lxc\nc1\tssh://192.0.2.1\t-' ] &&
		ok "$who: list in a pipe: NAME URL PATH, TAB-separated, in file order" ||
		{ not_ok "$who: list in a pipe"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	out=$(SHELL=/bin/bash script -qec "$(printf '%q ' "$@") remote list" /dev/null)
	grep -Eq '^NAME +URL +PATH' <<<"$out" && grep -Eq '^db +ssh://\[2001:db8::5\] +/srv/lxc' <<<"$out" &&
		ok "$who: list on a terminal: a table with a header" ||
		{ not_ok "$who: list on a terminal"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	out=$("$@" remote list --json)
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert [x["name"] for x in r] == ["web1", "db", "c1"], r
assert r[0]["user"] == "admin" and r[0]["port"] == 2222 and r[0]["path"] is None, r[0]
assert r[1]["host"] == "2001:db8::5" and r[1]["path"] == "/srv/lxc" and r[1]["port"] is None, r[1]
' "$out" && ok "$who: list --json: every field" ||
		{ not_ok "$who: list --json"; printf '%s\n' "$out" | sed 's/^/#   /'; }

	# the file: the new section at the end, everything else as written
	{ cat "$T/orig"; printf '\n[remotes]\nweb1 = ssh://admin@web1.example.org:2222\ndb = ssh://[2001:db8::5] path=/srv/lxc\nc1 = ssh://192.0.2.1\n'; } >"$T/want"
	check "$who: hako.conf: comments, order and [net]/[tui] kept, [remotes] added" cmp "$conf" "$T/want"

	# refusals: exit 1 (2 for usage), the reason and the fix, the file untouched
	cp "$conf" "$T/before"
	check_output "$who: a duplicate name is refused" 'remote "web1" already exists.*hako remote remove web1' "$@" remote add web1 ssh://other
	check_output "$who: ssh://-oProxyCommand=x is refused" "starting with '-'.*ssh://\[USER@\]HOST\[:PORT\]" "$@" remote add x 'ssh://-oProxyCommand=x'
	check_output "$who: a user that is an option is refused" "user name starting with '-'" "$@" remote add x 'ssh://-oProxyCommand=x@h'
	check_output "$who: a space in the URL is refused" 'white space' "$@" remote add x 'ssh://host -p 1'
	check_output "$who: a newline in the URL is refused" 'control byte \\x0a' "$@" remote add x $'ssh://host\nevil = ssh://e'
	check_output "$who: port 0 is refused" '1 to 65535' "$@" remote add x ssh://h:0
	check_output "$who: port 65536 is refused" '1 to 65535' "$@" remote add x ssh://h:65536
	check_output "$who: an IPv6 address without brackets is refused" 'in brackets' "$@" remote add x ssh://2001:db8::1
	check_output "$who: local is reserved" 'reserved.*choose another name' "$@" remote add local ssh://h
	check_output "$who: all is reserved" 'reserved' "$@" remote add ALL ssh://h
	check_output "$who: a relative path is refused" 'not absolute' "$@" remote add x ssh://h path=srv
	check_output "$who: a path with a shell metacharacter is refused" "contains ';'" "$@" remote add x ssh://h 'path=/srv;reboot'
	check_output "$who: only path= may follow the URL" 'only path=LXCPATH' "$@" remote add x ssh://h lxcpath=/x
	out=$("$@" remote add x ssh://h -p 1 2>&1); rc=$?
	[ $rc = 2 ] && grep -q 'unknown option "-p"' <<<"$out" && ok "$who: add x ssh://h -p 1: -p is an unknown option (usage, 2)" ||
		{ not_ok "$who: add ... -p 1: exit $rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	out=$("$@" remote add --json x ssh://h 2>&1); rc=$?
	[ $rc = 2 ] && ok "$who: --json with add is a usage error" || not_ok "$who: --json with add: exit $rc"
	check_output "$who: remove of a missing remote is refused" 'no remote "nope".*hako remote list' "$@" remote remove nope
	check "$who: the file is byte for byte the same after the refusals" cmp "$conf" "$T/before"
	[ "$(ls -A "$dir")" = hako.conf ] && ok "$who: no temp file is left beside hako.conf" ||
		{ not_ok "$who: files beside hako.conf"; ls -A "$dir" | sed 's/^/#   /'; }

	check "$who: remove web1" "$@" remote remove web1
	grep -v '^web1 = ' "$T/want" >"$T/want2"
	check "$who: remove dropped only web1's line" cmp "$conf" "$T/want2"
	out=$("$@" remote list)
	[ "$out" = $'db\tssh://[2001:db8::5]\t/srv/lxc\nc1\tssh://192.0.2.1\t-' ] && ok "$who: list no longer shows web1" ||
		{ not_ok "$who: list after remove"; printf '%s\n' "$out" | sed 's/^/#   /'; }

	# a hako.conf that hako refuses is left for the admin to fix
	sed -i 's/^\[net\]$/[net]\nbogus = 1/' "$conf"
	cp "$conf" "$T/before"
	check_output "$who: add on a broken hako.conf names file:line and the known keys" \
		"$shown:4: unknown key \"bogus\" in section \[net\]; known keys: bridge, subnet" "$@" remote add x ssh://h
	check "$who: ... and leaves it as it was" cmp "$conf" "$T/before"
	# a bad line written by hand: list names it
	cp "$T/orig" "$conf"
	printf '[remotes]\nweb9 = ssh://web9:99999\n' >>"$conf"
	check_output "$who: a bad [remotes] line by hand: list names file:line and the value" \
		"$shown:$(wc -l <"$conf"): \[remotes\] web9 = \"ssh://web9:99999\" is not valid.*1 to 65535" "$@" remote list
	check_fails "$who: ... and exits non-zero" "$@" remote list
	cp "$T/orig" "$conf"
}

# root: /etc/hako/hako.conf through an overlay on /etc
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/etc-up/hako" "$T/etc-work"
	cat >"$T/root-hako" <<EOF
#!/bin/sh
exec unshare -m --propagation slave sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work /etc && exec "\$0" "\$@"' "$HAKO" "\$@"
EOF
	chmod 755 "$T/root-hako"
	# the overlay shows the upper layer's file as /etc/hako/hako.conf
	if "$T/root-hako" remote list >/dev/null 2>&1; then
		remote_tests root "$T/etc-up/hako/hako.conf" /etc/hako/hako.conf "$T/root-hako"
		out=$("$T/root-hako" remote add -q w ssh://w && cat "$T/etc-up/hako/hako.conf")
		grep -q '^w = ssh://w$' <<<"$out" && ok "root: add writes /etc/hako/hako.conf (the file root's hako reads)" ||
			{ not_ok "root: /etc/hako/hako.conf"; printf '%s\n' "$out" | sed 's/^/#   /'; }
		if [ -e /etc/hako/hako.conf ] && grep -q '^w = ' /etc/hako/hako.conf; then
			not_ok "root: the host's /etc/hako/hako.conf was changed"
		else ok "root: the host's /etc is untouched"; fi
	else
		skip "root: no overlay on /etc in a mount namespace here"
	fi
else
	skip "root: needs root"
fi

# the test user: ~/.config/hako/hako.conf, here under XDG_CONFIG_HOME
if [ "$(id -u)" = 0 ] && ensure_test_user; then
	mkdir -p "$T/xdg/hako"
	chown -R "$HK_TEST_USER:" "$T/xdg"
	user_hako() { HK_EXTRA_ENV="XDG_CONFIG_HOME=$T/xdg" as_user "$HAKO" "$@"; }
	export -f user_hako as_user # for script(1)'s bash
	export T HAKO HK_TEST_USER
	remote_tests user "$T/xdg/hako/hako.conf" "$T/xdg/hako/hako.conf" user_hako
	[ "$(stat -c %U "$T/xdg/hako/hako.conf")" = "$HK_TEST_USER" ] && ok "user: hako.conf stays the user's own" ||
		not_ok "user: hako.conf owned by $(stat -c %U "$T/xdg/hako/hako.conf")"
	# no hako.conf, no directory yet: add makes both
	rm -rf "$T/xdg/hako"
	check "user: add with no hako.conf and no directory yet" user_hako remote add web1 ssh://web1
	[ "$(cat "$T/xdg/hako/hako.conf" 2>&1)" = $'[remotes]\nweb1 = ssh://web1' ] && ok "user: ... writes a [remotes] section" ||
		{ not_ok "user: new hako.conf"; sed 's/^/#   /' "$T/xdg/hako/hako.conf"; }
else
	skip "user: needs root to make the test user"
fi
plan_end
