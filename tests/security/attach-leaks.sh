#!/usr/bin/env bash
# tests/security/attach-leaks.sh - nothing of the host leaks into an
# attached process: only descriptors 0, 1, 2 (even when the caller holds
# more open, and with a terminal), no host cwd, a cleared environment, an
# empty inheritable capability set, seccomp filter mode, no_new_privs as
# the config says; and user specs are taken exactly as written (`-u 1` is
# uid 1; ' 0', 0x0, 1:1, '' are refused; a user named "1000" whose uid is
# 0 does not make `-u 1000` root).  Modes: root with a privileged
# container and the test user with an unprivileged one.
. "$(dirname "$0")/../lib.sh"
HELPER=$HK_TOP/build/tests/helpers/hkinfo
hk_begin attach attach-leaks needs=$HELPER root

chmod 755 "$T"
N=hkat$$
UP=
cleanup() {
	"$HAKO" stop -k "$N" -P "$T/c" >/dev/null 2>&1
	[ -n "$UP" ] && { as_user "$HAKO" stop -k "$N" -P "$UP" >/dev/null 2>&1; rm -rf "$UP"; }
	rm -rf "$T"
}
hk_on_exit cleanup


h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"; else HK_TEST_USER=$who as_user "$HAKO" "$@"; fi
}
field() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }
expect_field() { # DESC OUTPUT KEY VALUE
	local v
	v=$(field "$2" "$3")
	[ "$v" = "$4" ] && ok "$1" || { not_ok "$1: $3='$v', want '$4'"; printf '%s\n' "$2" | sed 's/^/#   /' | head -12; }
}

leaks_mode() { # WHO PATH
	local who=$1 P=$2 m=$1 out rc spec
	check "$m: create" h "$who" create "$N" -t busybox -P "$P"
	install -m 755 "$HELPER" "$P/$N/rootfs/hkinfo"
	# A user named "1000" whose uid is 0, for -u 1000.
	echo '1000:x:0:0:trap:/root:/bin/sh' >>"$P/$N/rootfs/etc/passwd"
	check "$m: start" h "$who" start "$N" -P "$P"

	# ---- descriptors
	out=$(h "$who" attach "$N" -P "$P" -- ls /proc/self/fd 2>&1 | tr '\n' ' ')
	[ "$out" = "0 1 2 3 " ] && ok "$m: ls /proc/self/fd: 0 1 2 and ls's own dir fd" \
		|| not_ok "$m: ls /proc/self/fd shows: $out"
	out=$(h "$who" attach "$N" -P "$P" -- /hkinfo 2>&1)
	expect_field "$m: exactly fds 0,1,2" "$out" fds 0,1,2
	if [ "$who" = root ]; then
		out=$(bash -c 'exec 7</etc/hostname 8>>"$1/fd8" 9<"$1"; shift; exec "$@"' _ "$T" \
			"$HAKO" attach "$N" -P "$P" -- /hkinfo 2>&1)
	else
		out=$(bash -c 'exec 7</etc/hostname 9</; shift; exec "$@"' _ "$T" \
			env -i HOME="$UHOME" PATH=/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid="$who" --regid="$who" \
			--init-groups -- "$HAKO" attach "$N" -P "$P" -- /hkinfo 2>&1)
	fi
	expect_field "$m: the caller's extra fds (7, 8, 9) do not come in" "$out" fds 0,1,2
	if command -v script >/dev/null; then
		# script's input: a FIFO held open, so nothing is typed.  (At the
		# end of its input script types an EOF character for the child,
		# which attach passes on like any key typed ahead, and the
		# terminal inside echoes it: ^@ in the output.)
		rm -f "$T/tty-in"; mkfifo "$T/tty-in"; exec {tty_in}<>"$T/tty-in"
		if [ "$who" = root ]; then
			out=$(script -qec "$(printf '%q ' "$HAKO" attach "$N" -P "$P" -- /hkinfo)" /dev/null \
				<"$T/tty-in" 2>&1 | tr -d '\r')
		else
			out=$(script -qec "$(printf '%q ' env -i HOME="$UHOME" PATH=/usr/bin:/bin TERM=xterm setpriv \
				--reuid="$who" --regid="$who" --init-groups -- "$HAKO" attach "$N" -P "$P" -- /hkinfo)" \
				/dev/null <"$T/tty-in" 2>&1 | tr -d '\r')
		fi
		exec {tty_in}>&-
		expect_field "$m: with a terminal too, only fds 0,1,2" "$out" fds 0,1,2
	fi

	# ---- cwd and environment
	mkdir -p "$T/cwd" && touch "$T/cwd/host-cwd-marker"
	out=$(cd "$T/cwd" && h "$who" attach "$N" -P "$P" -- sh -c 'pwd; ls' 2>&1)
	printf '%s' "$out" | grep -q host-cwd-marker && not_ok "$m: the host cwd leaks in: $out" \
		|| ok "$m: the caller's cwd does not come in"
	out=$(HK_SECRET=leak h "$who" attach "$N" -P "$P" -- env 2>&1)
	if [ "$who" = root ]; then
		printf '%s' "$out" | grep -q HK_SECRET && not_ok "$m: environment leaks: $out" \
			|| ok "$m: the environment is cleared"
	fi
	check_output "$m: -v VAR=VALUE sets one" '^HKV=42$' h "$who" attach "$N" -P "$P" -v HKV=42 -- env

	# ---- capabilities, seccomp, no_new_privs
	out=$(h "$who" attach "$N" -P "$P" -- /hkinfo 2>&1)
	expect_field "$m: CapInh is empty" "$out" capinh 0000000000000000
	expect_field "$m: seccomp filter mode" "$out" seccomp 2
	expect_field "$m: no_new_privs off (not in the config)" "$out" nnp 0
	check_output "$m: /proc/self/status agrees (CapInh)" '^CapInh:[[:space:]]+0+$' \
		h "$who" attach "$N" -P "$P" -- cat /proc/self/status
	if [ "$who" = root ]; then
		out=$(h "$who" attach "$N" -P "$P" -- /hkinfo 2>&1)
		bnd=$((16#$(field "$out" capbnd)))
		bad=
		for c in 16 17 25 32 33; do (((bnd >> c) & 1)) && bad="$bad $c"; done
		[ -z "$bad" ] && ok "$m: LXC's drop list is out of the bounding set" \
			|| not_ok "$m: bounding set still has caps$bad ($(field "$out" capbnd))"
	fi
	out=$(h "$who" attach "$N" -u 1 -P "$P" -- /hkinfo 2>&1)
	expect_field "$m: -u 1: CapInh empty" "$out" capinh 0000000000000000
	expect_field "$m: -u 1: seccomp" "$out" seccomp 2

	# ---- user specs
	check_output "$m: -u 1 gives uid 1" '^1$' h "$who" attach "$N" -u 1 -P "$P" -- id -u
	check_output "$m: -u 1 gives gid 1 too" '^1$' h "$who" attach "$N" -u 1 -P "$P" -- id -g
	check_output "$m: -u 1 -g 2 gives gid 2" '^2$' h "$who" attach "$N" -u 1 -g 2 -P "$P" -- id -g
	check_output "$m: -u nobody by name" '^65534$' h "$who" attach "$N" -u nobody -P "$P" -- id -u
	for spec in ' 0' '0x0' '1:1' '' '-1' '1 ' '+1' '4294967295' '99999999999'; do
		out=$(h "$who" attach "$N" -u "$spec" -P "$P" -- id -u 2>&1); rc=$?
		if [ $rc != 0 ] && [ $rc != 7 ] && printf '%s' "$out" | grep -q 'error'; then
			ok "$m: -u '$spec' is refused with an error"
		else not_ok "$m: -u '$spec': rc=$rc, output: $out"; fi
	done
	out=$(h "$who" attach "$N" -u 1000 -P "$P" -- id -u 2>&1)
	[ "$out" = 1000 ] && ok "$m: -u 1000 is uid 1000 even with a user named \"1000\" of uid 0" \
		|| not_ok "$m: -u 1000 with a user named 1000 (uid 0) gave: $out"
	check "$m: stop" h "$who" stop -k "$N" -P "$P"

	# no_new_privs from the config
	check "$m: start -s lxc.no_new_privs=1" h "$who" start "$N" -s lxc.no_new_privs=1 -P "$P"
	out=$(h "$who" attach "$N" -P "$P" -- /hkinfo 2>&1)
	expect_field "$m: started with -s lxc.no_new_privs=1: attach has it too (attach must follow the started config, not the file)" "$out" nnp 1
	check "$m: stop" h "$who" stop -k "$N" -P "$P"
	echo 'lxc.no_new_privs = 1' >>"$P/$N/config"
	check "$m: start with lxc.no_new_privs = 1 in the config" h "$who" start "$N" -P "$P"
	out=$(h "$who" attach "$N" -P "$P" -- /hkinfo 2>&1)
	expect_field "$m: ... attach has no_new_privs" "$out" nnp 1
	check "$m: stop" h "$who" stop -k "$N" -P "$P"
	check "$m: destroy" h "$who" destroy "$N" -P "$P"
}

UHOME=/root
leaks_mode root "$T/c"

if UP=$(hk_user_path attach); then
	UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
	leaks_mode "$HK_TEST_USER" "$UP"
else
	skip "attach-leaks as $HK_TEST_USER: no test user"
fi

plan_end
