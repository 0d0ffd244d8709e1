#!/usr/bin/env bash
# remote-ssh.sh - remotes over ssh: three "hosts" made here
# as network namespaces, each with its own sshd (own config, throw-away
# host key, own address on a veth, its own container path) running this
# checkout's hako, reached with a throw-away client key and known_hosts
# through hako.conf's [ssh] config (tests/lib/ssh-hosts.sh).  The CLI
# drives busybox containers on all three: create, start, ls web1: and ls
# --remote all (HOST column, -F HOST, --json, REMOTE:NAME names), info,
# attach -- CMD (output, stderr, exit status, hostile words arrive
# unchanged), attach and console in tmux (ssh -t: Ctrl-a q detaches end
# to end), freeze, stop, destroy.  One host's sshd is killed: it is
# reported unreachable within seconds while the others list, and works
# again when it is back; a changed host key is refused with ssh-keygen
# -R; a host with no hako on its PATH, one whose hako speaks protocol 2
# and one whose hako has no --watch (both stand-in scripts: no other hako
# version is at hand; the stand-ins print what such a hako prints) and a
# host that does not accept the key (BatchMode: no prompt, no hang) each
# get their message naming the remote and the fix.  Nothing is left:
# namespaces, veths, sshd and ssh processes, mux sockets, containers.
# As root only: the hosts are root's sshd's in namespaces, and what an
# ordinary user adds (hako.conf under XDG_CONFIG_HOME, the socket
# directory under XDG_RUNTIME_DIR) is covered by remote.sh and the unit
# tests.
# guest-lane: skip - ssh between namespaces of one machine; the containers start as in every other test, and the guest image has no sshd
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/ssh-hosts.sh"
hk_begin rssh remote-ssh root

if [ ! -x "$HAKO" ] || ! command -v tmux >/dev/null; then
	skip "remote-ssh: needs build/hako and tmux"
	plan_end; exit
fi
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
	skip "remote-ssh: needs openssh-server and openssh-client (make deps)"
	plan_end; exit
fi
if ip -o addr | grep -q ' 10\.213\.' || ip netns list | grep -q '^rssh-'; then
	skip "remote-ssh: 10.213.0.0/16 or an rssh-* namespace is in use on this host"
	plan_end; exit
fi

port22=$(ss -Hltn 'sport = :22' | wc -l)
chmod 755 "$T"
export HAKO_RUN_DIR=$T/run
SSHH_CTL=$T/run/ssh # hk_ssh_control_dir under HAKO_RUN_DIR
TM="tmux -L hakotest-rssh-$$"
cleanup() {
	$TM kill-server >/dev/null 2>&1
	for i in 1 2 3; do
		"$HK" stop -k "web$i:c1" >/dev/null 2>&1
		"$HK" destroy "web$i:c1" >/dev/null 2>&1
	done
	"$HK" -P "$T/ct/local" destroy c0 >/dev/null 2>&1
	sshh_cleanup
	rm -rf "$T"
}
hk_on_exit cleanup

# HK: hako as root with this test's /etc/hako/hako.conf (an overlay on
# /etc in a private mount namespace, as remote.sh does)
HK=$T/hako
mkdir -p "$T/etc-up/hako" "$T/etc-work" "$T/ct/local" "$T/ct/web1" "$T/ct/web2" "$T/ct/web3"
cat >"$HK" <<EOF
#!/bin/sh
export HAKO_RUN_DIR=$T/run
exec unshare -m --propagation slave sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work /etc && exec "\$0" "\$@"' "$HAKO" "\$@"
EOF
chmod 755 "$HK"

# the hosts
S=$T/s
mkdir -p "$T/bin/hako" "$T/bin/none" "$T/bin/proto" "$T/bin/old"
ln -s "$HAKO" "$T/bin/hako/hako"
cat >"$T/bin/proto/hako" <<EOF
#!/bin/sh
# Stand-in for a newer hako whose stream speaks protocol 2 (the one thing
# this host tests; no other hako version is at hand): its hello line,
# then the stream stays open as a real one would.
case "\$*" in
*--watch*) echo '{"hako": "9.9.9", "protocol": 2, "host": "future", "path": "/srv"}'; exec sleep 60 ;;
--version) echo "hako 9.9.9" ;;
*) exec "$HAKO" "\$@" ;;
esac
EOF
cat >"$T/bin/old/hako" <<EOF
#!/bin/sh
# Stand-in for a hako from before ls --watch: what its option parser
# prints for an option it does not know, and its version.
case "\$*" in
*--watch*) echo 'hako: error: ls: unknown option "--watch"' >&2
	echo 'hako: error: usage: hako ls [OPTION]... [REGEX]' >&2; exit 2 ;;
--version) echo "hako 0.0.1" ;;
*) exec "$HAKO" "\$@" ;;
esac
EOF
chmod 755 "$T/bin/proto/hako" "$T/bin/old/hako"
up=1
sshh_init "$S" rssh || up=0
for i in 1 2 3; do
	[ $up = 1 ] && { sshh_netns $i >/dev/null && sshh_sshd "web$i" $i 22 "$T/bin/hako"; } || up=0
done
[ $up = 1 ] && sshh_sshd nohako 3 2204 "$T/bin/none" || up=0
[ $up = 1 ] && sshh_sshd proto 3 2205 "$T/bin/proto" || up=0
[ $up = 1 ] && sshh_sshd old 3 2206 "$T/bin/old" || up=0
[ $up = 1 ] && sshh_sshd stranger 2 2207 "$T/bin/hako" "$S/other_key.pub" || up=0
if [ $up = 0 ]; then
	not_ok "remote-ssh: the test hosts did not come up"
	plan_end; exit
fi
ok "three hosts (network namespaces, one sshd each) and four more sshd's are up"

conf_three() {
	cat >"$T/etc-up/hako/hako.conf" <<EOF
[remotes]
web1 = ssh://10.213.1.2 path=$T/ct/web1
web2 = ssh://root@10.213.2.2 path=$T/ct/web2
web3 = ssh://10.213.3.2:22 path=$T/ct/web3
[ssh]
config = $S/ssh_config
connect_timeout = 3
EOF
}
conf_three

# out/err/rc of one hako run
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
show() { { cat "$T/out"; cat "$T/err"; } | sed 's/^/#   /' | head -20; }

# ---- containers on three hosts ------------------------------------------
for i in 1 2 3; do
	check "web$i: create web$i:c1 -t busybox" "$HK" create "web$i:c1" -t busybox
	check "web$i: start web$i:c1" "$HK" start "web$i:c1"
done
[ -d "$T/ct/web2/c1/rootfs" ] && ok "create made the container in web2's path= ($T/ct/web2)" ||
	not_ok "no $T/ct/web2/c1"
check "local: create c0 in this host's path" "$HK" -P "$T/ct/local" create c0 -t busybox

run "$HK" ls -f web1:
[ $rc = 0 ] && grep -Eq '^NAME +STATE' "$T/out" && grep -Eq '^c1 +RUNNING' "$T/out" && ! grep -q HOST "$T/out" &&
	ok "ls -f web1: the remote's table, no HOST column for one host" || { not_ok "ls -f web1: (exit $rc)"; show; }

run "$HK" -P "$T/ct/local" ls -f --remote all
[ $rc = 0 ] && grep -Eq '^HOST +NAME +STATE' "$T/out" && grep -Eq '^local +c0 +STOPPED' "$T/out" &&
	grep -Eq '^web1 +c1 +RUNNING' "$T/out" && grep -Eq '^web2 +c1 +RUNNING' "$T/out" &&
	grep -Eq '^web3 +c1 +RUNNING' "$T/out" &&
	ok "ls -f --remote all: HOST first, this host and the three remotes" || { not_ok "ls -f --remote all (exit $rc)"; show; }

run "$HK" ls -F NAME,STATE,HOST --remote web2
[ $rc = 0 ] && [ "$(cat "$T/out")" = $'c1\tRUNNING\tweb2' ] &&
	ok "ls -F NAME,STATE,HOST --remote web2: TAB fields in a pipe" || { not_ok "ls -F ... --remote web2 (exit $rc)"; show; }

run "$HK" -P "$T/ct/local" ls --json all:
python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
got = sorted((r["host"], r["name"], r["state"]) for r in rows)
assert got == [("local", "c0", "STOPPED"), ("web1", "c1", "RUNNING"), ("web2", "c1", "RUNNING"), ("web3", "c1", "RUNNING")], got
assert all(isinstance(r["pid"], int) for r in rows if r["state"] == "RUNNING"), rows
assert list(rows[0].keys())[0] == "host"
' "$T/out" && [ $rc = 0 ] && ok "ls --json all: every row with its host first" || { not_ok "ls --json all: (exit $rc)"; show; }

run "$HK" -P "$T/ct/local" ls -1 all:
[ "$(sort "$T/out" | tr '\n' ' ')" = "c0 web1:c1 web2:c1 web3:c1 " ] &&
	ok "ls all: names as the verbs take them (c0, web1:c1 ...)" || { not_ok "ls all: names"; show; }

run "$HK" info web2:c1
[ $rc = 0 ] && grep -q 'c1' "$T/out" && grep -q 'RUNNING' "$T/out" && ok "info web2:c1" || { not_ok "info web2:c1 (exit $rc)"; show; }

run "$HK" attach web3:c1 -- sh -c 'echo out-$(hostname); echo to-stderr >&2; exit 7'
[ $rc = 7 ] && [ "$(cat "$T/out")" = out-c1 ] && grep -q to-stderr "$T/err" &&
	ok "attach web3:c1 -- CMD: its output, its stderr and its exit status (7) come back" ||
	{ not_ok "attach web3:c1 -- CMD (exit $rc)"; show; }

run "$HK" attach web1:c1 -- sh -c 'printf "%s|" "$@"' x "a b" "it's" '$(touch /tmp/hk-rssh-pwned)' '`id`' ';' '\'
[ $rc = 0 ] && [ "$(cat "$T/out")" = "a b|it's|\$(touch /tmp/hk-rssh-pwned)|\`id\`|;|\\|" ] && [ ! -e /tmp/hk-rssh-pwned ] &&
	ok "attach: words with spaces, quotes, \$( ), backquotes arrive unchanged through the remote shell" ||
	{ not_ok "attach: hostile words"; show; }
rm -f /tmp/hk-rssh-pwned

run "$HK" freeze web3:c1
[ $rc = 0 ] && [ "$("$HK" ls -F NAME,STATE web3: 2>/dev/null)" = $'c1\tFROZEN' ] &&
	ok "freeze web3:c1: FROZEN" || { not_ok "freeze web3:c1 (exit $rc)"; show; }
check "unfreeze web3:c1" "$HK" unfreeze web3:c1

run "$HK" create web1:x -t "tar:$T/none.tar"
[ $rc = 2 ] && grep -q 'remote cannot see' "$T/err" && [ ! -e "$T/ct/web1/x" ] &&
	ok "create web1:x -t tar:FILE is refused: the file is on this host" || { not_ok "create web1: -t tar (exit $rc)"; show; }

run "$HK" clone web1:c1 web1:c2
[ $rc = 2 ] && grep -q 'clone works on this host only' "$T/err" && [ ! -e "$T/ct/web1/c2" ] &&
	ok "clone web1:c1 web1:c2 is refused with the reason" || { not_ok "clone on a remote (exit $rc)"; show; }

# ---- interactive: ssh -t, the remote's detach key --------------------------
pane() { $TM capture-pane -p -t hk 2>/dev/null; }
wait_pane() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
check_pane() {
	if wait_pane "$2" "${3:-100}"; then ok "$1"; else
		not_ok "$1"; pane | grep -v '^$' | sed 's/^/#   /' | tail -12
	fi
}
$TM new-session -d -s hk -x 120 -y 30 "env PS1='HKPROMPT\$ ' bash --norc --noprofile" >/dev/null 2>&1
if wait_pane HKPROMPT 50; then
	$TM send-keys -t hk "$HK console web1:c1" Enter
	check_pane "console web1:c1 on a terminal connects" 'Connected to the console of "c1"'
	sleep 0.5
	$TM send-keys -t hk Enter
	check_pane "console web1:c1: the container's login prompt" 'login: *$'
	$TM send-keys -t hk C-a q
	check_pane "console web1:c1: Ctrl-a q detaches, through ssh" 'Detached from "c1"'
	wait_pane '^HKPROMPT\$ *$' 100 && ok "console web1:c1: the shell prompt is back" ||
		{ not_ok "console: no prompt after detaching"; pane | grep -v '^$' | sed 's/^/#   /' | tail -8; }
	$TM send-keys -t hk clear Enter
	$TM send-keys -t hk "$HK attach web2:c1" Enter
	sleep 1
	$TM send-keys -t hk 'echo in-$((6*7))-$(hostname)' Enter
	check_pane "attach web2:c1 on a terminal: a shell in the container (ssh -t)" 'in-42-c1'
	$TM send-keys -t hk 'exit' Enter
	wait_pane '^HKPROMPT\$ *$' 100 && ok "attach: exit returns to this shell" || not_ok "attach: no prompt after exit"
else
	not_ok "tmux did not start"
fi
$TM kill-server >/dev/null 2>&1
[ "$("$HK" ls -F NAME,STATE web1: 2>/dev/null)" = $'c1\tRUNNING' ] && ok "web1:c1 still runs after the console detached" ||
	not_ok "web1:c1 after console: $("$HK" ls -F NAME,STATE web1: 2>&1)"

# ---- a host goes away and comes back ----------------------------------------
sshh_stop web2
t0=$SECONDS
run "$HK" ls -F HOST,NAME,STATE --remote all -P "$T/ct/local"
took=$((SECONDS - t0))
[ $rc = 1 ] && grep -Eq 'remote "web2" \(ssh://root@10.213.2.2\) cannot be reached: .*(refused|closed|reset)' "$T/err" &&
	grep -q $'^web1\tc1\tRUNNING' "$T/out" && grep -q $'^web3\tc1\tRUNNING' "$T/out" && ! grep -q '^web2' "$T/out" &&
	[ "$(grep -c . "$T/err")" = 1 ] &&
	ok "web2's sshd killed: one error line for web2 ($took s), web1 and web3 still listed, exit 1" ||
	{ not_ok "web2 down: ls --remote all (exit $rc, $took s)"; show; }
[ $took -le 10 ] && ok "... within a few seconds ($took s)" || not_ok "web2 down: ls took $took s"
run "$HK" stop web2:c1
[ $rc = 1 ] && grep -q 'remote "web2" .*cannot be reached' "$T/err" && ok "stop web2:c1 while web2 is down: unreachable, exit 1" ||
	{ not_ok "stop web2:c1 while down (exit $rc)"; show; }
sshh_start web2
run "$HK" ls -F NAME,STATE web2:
[ $rc = 0 ] && [ "$(cat "$T/out")" = $'c1\tRUNNING' ] && ok "web2 back: listed again, c1 kept running" ||
	{ not_ok "web2 back (exit $rc)"; show; }

# ---- a changed host key --------------------------------------------------------
sshh_stop web2 && sshh_rekey web2 && sshh_start web2
run "$HK" ls web2:
[ $rc = 1 ] && grep -q 'remote "web2".*host key of 10.213.2.2 has CHANGED' "$T/err" &&
	grep -q 'ssh-keygen -R 10.213.2.2' "$T/err" && grep -q "ssh -F '$S/ssh_config' root@10.213.2.2" "$T/err" &&
	ok "web2 with a new host key: refused, with ssh-keygen -R and the ssh command" || { not_ok "changed host key (exit $rc)"; show; }
run "$HK" info web2:c1
[ $rc = 1 ] && grep -q 'CHANGED' "$T/err" && ok "info web2:c1 with the new key: refused too" || { not_ok "info, changed key (exit $rc)"; show; }
sshh_stop web2 && sshh_unrekey web2 && sshh_start web2
check "web2 with its recorded key again: info works" "$HK" info web2:c1

# ---- hosts that cannot serve ---------------------------------------------------
cat >>"$T/etc-up/hako/hako.conf" <<EOF
[remotes]
nohako = ssh://10.213.3.2:2204
proto = ssh://10.213.3.2:2205
old = ssh://10.213.3.2:2206
stranger = ssh://10.213.2.2:2207
EOF
run "$HK" ls nohako:
[ $rc = 1 ] && grep -q 'remote "nohako" (ssh://10.213.3.2:2204) has no hako on the PATH' "$T/err" &&
	ok "a host with no hako: named, with what to install" || { not_ok "no hako (exit $rc)"; show; }
run "$HK" start nohako:c1
[ $rc = 1 ] && grep -q 'remote "nohako".*no hako on the PATH' "$T/err" && ok "start nohako:c1: the same" || { not_ok "start on no hako (exit $rc)"; show; }
run "$HK" ls proto:
[ $rc = 1 ] && grep -q 'remote "proto" runs hako 9.9.9 speaking protocol 2; this hako ([0-9.]*) speaks 1' "$T/err" &&
	ok "a hako speaking protocol 2: both versions named" || { not_ok "protocol 2 (exit $rc)"; show; }
run "$HK" ls old:
[ $rc = 1 ] && grep -q 'remote "old" runs hako 0.0.1, which has no `ls --json --watch`' "$T/err" &&
	ok "a hako without ls --watch: reported with its version" || { not_ok "old hako (exit $rc)"; show; }
t0=$SECONDS
run timeout 30 "$HK" ls stranger:
[ $rc = 1 ] && grep -q 'remote "stranger".*Permission denied (publickey)' "$T/err" && grep -q 'ssh-copy-id -F' "$T/err" &&
	ok "a host that does not take the key: BatchMode, no prompt ($((SECONDS - t0)) s), ssh-copy-id named" ||
	{ not_ok "stranger (exit $rc)"; show; }
run timeout 60 "$HK" ls -F HOST,NAME --remote all -P "$T/ct/local"
[ $rc = 1 ] && [ "$(grep -c 'hako: error: ls: remote' "$T/err")" = 4 ] && grep -q $'^web3\tc1' "$T/out" &&
	grep -q $'^local\tc0' "$T/out" &&
	ok "ls --remote all with four failing remotes: four error lines, the others listed" || { not_ok "all with failing (exit $rc)"; show; }
conf_three

# ---- the end ---------------------------------------------------------------------
for i in 1 2 3; do
	check "web$i: stop -k" "$HK" stop -k "web$i:c1"
	check "web$i: destroy" "$HK" destroy "web$i:c1"
done
check "local: destroy c0" "$HK" -P "$T/ct/local" destroy c0
left=$(ls -A "$T/ct/web1" "$T/ct/web2" "$T/ct/web3" "$T/ct/local" | grep -v '^/\|^$')
[ -z "$left" ] && ok "no container left in any host's path" || { not_ok "containers left: $left"; }
live=$(hk_live_matching "$T/ct")
sshh_cleanup
out=$(sshh_leftovers; [ -n "$live" ] && echo "process: $live")
[ -z "$out" ] && ok "nothing left: namespaces, veths, sshd and ssh processes, mux sockets, container processes" ||
	{ not_ok "left behind"; printf '%s\n' "$out" | sed 's/^/#   /'; }
[ "$(ss -Hltn 'sport = :22' | wc -l)" = "$port22" ] && ok "this host's port 22 is as it was (no system sshd started)" ||
	not_ok "port 22 of this host: $(ss -Hltn 'sport = :22')"
plan_end
