#!/usr/bin/env bash
# dashboard-remote.sh - the dashboard over many hosts (`hako --remote
# all`) as a person sees it in tmux: three "hosts" made here as
# network namespaces, each with its own sshd and container path running
# this checkout's hako (tests/lib/ssh-hosts.sh), plus this host.
# Proves: one list with a HOST column for all four hosts and the header's
# host count; a container started by the CLI on web2 shows RUNNING
# within a few seconds (from web2's watch stream, not a timer here); the
# filter matches HOST:NAME (local:NAME for this host's) and NAME alone;
# a busy local container's CPU% holds through the remotes' merges (never
# 0.0 between ticks); s on a remote row stops and starts it on its
# host (the CLI there agrees); c on a remote row opens its console over
# ssh -t (login prompt) and Ctrl-a q comes back to the list; its details
# name the host and show the remote's `hako info`; a remote
# whose stream falls silent (its ls --watch stopped with SIGSTOP: no
# heartbeat, the connection still up) is marked within 3 s, its rows kept
# with STATE "?", the reason in the status line, while web1 stays live
# (a CLI stop there shows), and it comes back by itself (backoff
# reconnect); web2's sshd killed is marked within 3 s with ssh's reason,
# and comes back after sshd restarts; a changed host key is shown with
# ssh-keygen -R and the ssh command in the row's Info; a host whose hako has no --watch
# and one speaking protocol 2 are down with the reason in the help
# screen's recent messages; after q, nothing is left (ssh
# processes, remote ls --watch processes, namespaces, veths).
# guest-lane: skip - ssh between namespaces of one machine, like integration/remote-ssh.sh
. "$(dirname "$0")/../lib.sh"
. "$HK_TOP/tests/lib/ssh-hosts.sh"
hk_begin rdash dashboard-remote root

. "$HK_TOP/tests/lib/tmux.sh"
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
	skip "dashboard-remote: needs openssh-server and openssh-client (make deps)"
	plan_end; exit
fi
tui_begin rdash dash || { plan_end; exit; }
if ip -o addr | grep -Eq ' 10\.213\.2[123]\.' || ip netns list | grep -q '^rdash-'; then
	skip "dashboard-remote: 10.213.21-23.0/24 or an rdash-* namespace is in use on this host"
	rm -rf "$T"; plan_end; exit
fi
chmod 755 "$T"
SSHH_CTL=$HAKO_RUN_DIR/ssh # hk_ssh_control_dir under HAKO_RUN_DIR
cleanup() {
	tm_end
	[ -n "${stopped_pid:-}" ] && kill -CONT "$stopped_pid" 2>/dev/null
	for i in 1 2 3; do
		"$HK" stop -k "web$i:dr$i" >/dev/null 2>&1
		"$HK" destroy "web$i:dr$i" >/dev/null 2>&1
	done
	"$HK" -P "$T/ct/local" stop -k dr0 >/dev/null 2>&1
	"$HK" -P "$T/ct/local" destroy dr0 >/dev/null 2>&1
	sshh_cleanup
	rm -rf "$T"
}
hk_on_exit cleanup

# HK: hako with this test's /etc/hako/hako.conf (an overlay on /etc in a
# private mount namespace, as remote-ssh.sh does)
HK=$T/hako
mkdir -p "$T/ct/local" "$T/ct/web1" "$T/ct/web2" "$T/ct/web3" "$T/bin"
hk_conf_wrapper "$HK" "$T"
ln -s "$HAKO" "$T/bin/hako"

up=1
sshh_init "$T/s" rdash || up=0
for i in 1 2 3; do
	[ $up = 1 ] && { sshh_netns $((20 + i)) >/dev/null && sshh_sshd "web$i" $((20 + i)) 22 "$T/bin"; } || up=0
done
# stand-ins for other hako versions (as in integration/remote-ssh.sh)
mkdir -p "$T/bin-old" "$T/bin-proto"
printf '#!/bin/sh\ncase "$*" in *--watch*) echo "hako: error: ls: unknown option \\"--watch\\"" >&2; exit 2 ;; esac\nexec "%s" "$@"\n' "$HAKO" >"$T/bin-old/hako"
printf '#!/bin/sh\ncase "$*" in *--watch*) echo '"'"'{"hako": "9.9.9", "protocol": 2, "host": "f", "path": "/srv"}'"'"'; exec sleep 5 ;; esac\nexec "%s" "$@"\n' "$HAKO" >"$T/bin-proto/hako"
chmod 755 "$T/bin-old/hako" "$T/bin-proto/hako"
[ $up = 1 ] && sshh_sshd old 23 2206 "$T/bin-old" || up=0
[ $up = 1 ] && sshh_sshd proto 23 2205 "$T/bin-proto" || up=0
if [ $up = 0 ]; then
	not_ok "dashboard-remote: the test hosts did not come up"
	plan_end; exit
fi
cat >"$T/etc-up/hako/hako.conf" <<EOF
[tui]
confirm_stop = no
stop_timeout = 5
[remotes]
web1 = ssh://10.213.21.2 path=$T/ct/web1
web2 = ssh://10.213.22.2 path=$T/ct/web2
web3 = ssh://10.213.23.2 path=$T/ct/web3
[ssh]
config = $T/s/ssh_config
connect_timeout = 3
EOF
ok "three hosts (network namespaces, one sshd each) are up"

# containers: web1:dr1 and web3:dr3 run, web2:dr2 and local dr0 do not
for i in 1 2 3; do
	check "web$i: create dr$i" "$HK" create "web$i:dr$i" -t busybox
done
check "web1: start dr1" "$HK" start web1:dr1
check "web3: start dr3" "$HK" start web3:dr3
check "local: create dr0" "$HK" -P "$T/ct/local" create dr0 -t busybox
# marked DESC PATTERN: ok when PATTERN shows within 3 s of t0 (waits 8)
marked() {
	if wait_quiet "$2" 8; then
		local took=$(($(ms) - t0))
		[ $took -le 3000 ] && ok "$1: marked down in $took ms" || not_ok "$1: marked only after $took ms"
	else
		not_ok "$1: never marked"; screen | sed 's/^/#   /'
	fi
}
state_on() { "$HK" ls -F NAME,STATE "$1": 2>/dev/null | awk -v n="$2" '$1 == n { print $2 }'; }
ms() { date +%s%3N; }

tm -f /dev/null new-session -d -s dash -x 160 -y 30 \
	env HAKO_RUN_DIR="$HAKO_RUN_DIR" TERM=screen-256color LANG=C.UTF-8 \
	"$HK" -P "$T/ct/local" --remote all 2>/dev/null
tm set-option -t dash remain-on-exit on >/dev/null
keys() { tm send-keys -t dash "$@"; sleep 0.3; }

# ---- one list, every host ----------------------------------------------------
wait_for "HOST is the first column" '^HOST[▲▼]? +NAME +STATE' 15
wait_for "this host's row" '^local +dr0 +STOPPED' 15
wait_for "web1's row" '^web1 +dr1 +RUNNING' 15
wait_for "web2's row" '^web2 +dr2 +STOPPED' 15
wait_for "web3's row" '^web3 +dr3 +RUNNING' 15
wait_for "the header counts four hosts, none down" ' hako  4 hosts  ' 5

# ---- a change on a host shows from its stream -----------------------------------
t0=$(ms)
check "CLI: start web2:dr2" "$HK" start web2:dr2
t1=$(ms)
if wait_quiet '^web2 +dr2 +RUNNING' 10; then
	took=$(($(ms) - t1))
	[ $took -le 2000 ] && ok "web2:dr2 started by the CLI shows RUNNING $took ms after the start returned" ||
		not_ok "web2:dr2 RUNNING only after $took ms (start took $((t1 - t0)) ms)"
else
	not_ok "web2:dr2 never shows RUNNING"; screen | sed 's/^/#   /'
fi

# ---- the filter sees HOST:NAME ------------------------------------------------------
keys / 'web3:' Enter
wait_for "the filter web3: keeps web3's row" '^web3 +dr3 +RUNNING'
wait_gone "... and hides the others" '^(web1|web2|local) +dr'
keys Escape
wait_for "Esc brings the others back" '^web1 +dr1 +RUNNING'
keys / '^dr1$' Enter
wait_for "the filter ^dr1\$ matches a remote row by its name alone" '^web1 +dr1 +RUNNING'
wait_gone "... and only that one" '^(web2|web3|local) +dr'
keys Escape
keys / 'local:' Enter
wait_for "the filter local: keeps this host's row" '^local +dr0 +STOPPED'
wait_gone "... and hides the remotes'" '^web[123] +dr'
keys Escape

# ---- this host's CPU% through the remotes' merges ------------------------------
# Each event of a remote's stream merges every host's rows into the list
# again (a busy loop on web1 makes its stream send at each interval).
# This host's rows keep the CPU% their last tick worked out; before
# each reading kept its time (usage_at_us), a merge worked it out again
# from the same CPU time over a later clock, and a busy row showed 0.0
# until the next tick.
check "local: dr0 has only lo" "$HK" -P "$T/ct/local" config dr0 lxc.net.0.type empty
check "local: start dr0" "$HK" -P "$T/ct/local" start dr0
"$HK" -P "$T/ct/local" attach dr0 -- /bin/sh -c 'echo $$ >/tmp/busy.pid; while :; do :; done' </dev/null >/dev/null 2>&1 &
busy=$!
"$HK" attach web1:dr1 -- /bin/sh -c 'echo $$ >/tmp/busy.pid; while :; do :; done' </dev/null >/dev/null 2>&1 &
busy1=$!
keys / '^local:dr0$' Enter
wait_for "a busy loop in dr0 shows as CPU% of at least 1" '^local +dr0 +RUNNING.* ([1-9][0-9]*)\.[0-9] +[0-9]+' 10
zeros=0 seen=0
for ((i = 0; i < 30; i++)); do
	line=$(screen | grep -E '^local +dr0 +RUNNING')
	grep -Eq ' [0-9]+\.[0-9] +[0-9]+' <<<"$line" && seen=$((seen + 1))
	grep -Eq ' 0\.0 +[0-9]+' <<<"$line" && zeros=$((zeros + 1))
	sleep 0.2
done
[ "$seen" -ge 25 ] && [ "$zeros" = 0 ] && ok "dr0's CPU% never fell to 0.0 in 6 s of ticks and merges ($seen readings)" \
	|| { not_ok "dr0's CPU% showed 0.0 in $zeros of $seen readings"; screen | sed 's/^/#   /'; }
"$HK" -P "$T/ct/local" attach dr0 -- /bin/sh -c 'kill $(cat /tmp/busy.pid)' </dev/null >/dev/null 2>&1
"$HK" attach web1:dr1 -- /bin/sh -c 'kill $(cat /tmp/busy.pid)' </dev/null >/dev/null 2>&1
wait "$busy" "$busy1" 2>/dev/null
check "local: stop dr0" "$HK" -P "$T/ct/local" stop -k dr0
wait_for "dr0 shows STOPPED" '^local +dr0 +STOPPED' 10
keys Escape

# ---- actions go to the row's host -----------------------------------------------------
keys / '^web2:dr2$' Enter
wait_gone "the filter ^web2:dr2\$ leaves only it" '^(web1|web3|local) +dr'
keys s
wait_for "s on web2's row stops it on web2" '^web2 +dr2 +STOPPED' 30
[ "$(state_on web2 dr2)" = STOPPED ] && ok "web2's hako says dr2 is STOPPED" || not_ok "web2:dr2 is $(state_on web2 dr2)"
keys s
wait_for "s again starts it on web2" '^web2 +dr2 +RUNNING' 30
[ "$(state_on web2 dr2)" = RUNNING ] && ok "web2's hako says dr2 is RUNNING" || not_ok "web2:dr2 is $(state_on web2 dr2)"
keys Escape
# the third host too: every host's rows take actions, not just one
keys / '^web3:dr3$' Enter
wait_gone "the filter ^web3:dr3\$ leaves only it" '^(web1|web2|local) +dr'
keys s
wait_for "s on web3's row stops it on web3" '^web3 +dr3 +STOPPED' 30
[ "$(state_on web3 dr3)" = STOPPED ] && ok "web3's hako says dr3 is STOPPED" || not_ok "web3:dr3 is $(state_on web3 dr3)"
keys s
wait_for "s again starts it on web3" '^web3 +dr3 +RUNNING' 30
keys Escape

keys / '^web1:dr1$' Enter
keys c
wait_for "c on web1's row joins its console over ssh" 'Connected to the console of "dr1"' 15
sleep 0.5
keys Enter
wait_for "the console shows dr1's login prompt" 'login: *$' 15
keys C-a q
wait_for "Ctrl-a q comes back to the dashboard" '^web1 +dr1 +RUNNING' 15
wait_for "... all four hosts still up" ' hako  4 hosts  ' 5
keys Enter
wait_for "Enter on web1's row: its details name the host" 'Host +web1 \(ssh://10\.213\.21\.2 path=' 10
wait_for "... and show what web1's hako info prints" 'State: +RUNNING' 10
keys 2
wait_for "its Cgroups tab: the row's figures, saying where the tree is" 'the cgroup tree is the remote' 5
keys Escape Escape

# ---- a host whose stream falls silent ----------------------------------------------------
stopped_pid=$(pgrep -f -- "--heartbeat 1 -P $T/ct/web3" | head -1)
if [ -n "$stopped_pid" ]; then
	t0=$(ms)
	kill -STOP "$stopped_pid"
	marked "web3's stream silent (its ls --watch stopped)" '4 hosts, down: web3'
	wait_for "web3's row is kept, STATE ?" '^web3 +dr3 +\? ' 3
	wait_for "the status line says why" 'web3: unreachable .*sent nothing' 3
	check "CLI: stop -k web1:dr1 meanwhile" "$HK" stop -k web1:dr1
	wait_for "web1 stays live: its stop shows" '^web1 +dr1 +STOPPED' 10
	kill -CONT "$stopped_pid"
	stopped_pid=
	wait_for "web3 comes back by itself (reconnect)" '^web3 +dr3 +RUNNING' 15
	wait_for "... and the header no longer names it" ' hako  4 hosts  ' 5
else
	not_ok "no ls --watch process for web3 found"
fi

# ---- a host whose sshd is killed ------------------------------------------------------------
t0=$(ms)
sshh_stop web2
marked "web2's sshd killed" '4 hosts, down: web2'
wait_for "web2's row is kept, STATE ?" '^web2 +dr2 +\? ' 3
wait_for "web1 and web3 still listed live" '^web3 +dr3 +RUNNING' 3
keys / '^web2:dr2$' Enter
keys s
wait_for "s on an unreachable host's row says why" 'remote "web2" is unreachable' 10
keys Enter Escape
sshh_start web2 || not_ok "web2's sshd does not start again"
wait_for "web2 back after its sshd restarts" '^web2 +dr2 +RUNNING' 40 ||
	{ ip netns exec rdash-22 ss -Htlnp | sed 's/^/#   listening: /'; pgrep -a sshd | grep "$T/s/web2" | sed 's/^/#   /'; tail -n 20 "$T/s/web2/sshd.log" | sed 's/^/#   sshd: /'; }
wait_for "... the header counts four hosts up" ' hako  4 hosts  ' 5

# ---- a host whose key changed: down, with the command that fixes it -----------------------------
sshh_stop web2 && sshh_rekey web2 && sshh_start web2
wait_for "web2 with a new host key: down, the status line says the key CHANGED" \
	'web2: unreachable .*host key of 10\.213\.22\.2 has CHANGED' 20
keys / '^web2:dr2$' Enter
keys Enter
wait_for "its row's Info names the fix: ssh-keygen -R" "ssh-keygen -R 10\.213\.22\.2" 5
wait_for "... and the ssh command to accept the new key" "ssh -F '$T/s/ssh_config' 10\.213\.22\.2" 5
keys Escape Escape
sshh_stop web2 && sshh_unrekey web2 && sshh_start web2
wait_for "web2 with its recorded key again: back" '^web2 +dr2 +RUNNING' 40

# ---- hosts whose hako cannot stream: said with the fix ---------------------------------------
keys q
sleep 1
cat >>"$T/etc-up/hako/hako.conf" <<EOF
[remotes]
old = ssh://10.213.23.2:2206
proto = ssh://10.213.23.2:2205
EOF
tm_fresh
# 50 rows: the help screen's key list and BOTH hosts' messages below it
# (at 30 rows only the newer one fits, and which host fails first varies)
tm -f /dev/null new-session -d -s dash -x 160 -y 50 \
	env HAKO_RUN_DIR="$HAKO_RUN_DIR" TERM=screen-256color LANG=C.UTF-8 \
	"$HK" -P "$T/ct/local" --remote web1,old,proto 2>/dev/null
tm set-option -t dash remain-on-exit on >/dev/null
wait_for "--remote web1,old,proto: three hosts, two of them down" ' hako  3 hosts, down: (old,proto|proto,old)  ' 15
wait_for "web1's row" '^web1 +dr1 ' 5
wait_gone "... and no row of this host (not asked for)" '^local ' 2
keys '?'
wait_for "recent messages: a hako without ls --watch, with the command to see its version" \
	'old: unreachable .*remote "old" runs a hako without `ls --json --watch`' 5
wait_for "recent messages: a hako of protocol 2, both versions named" \
	'proto: unreachable .*runs hako 9\.9\.9 speaking protocol 2' 5
keys q

# ---- the end ------------------------------------------------------------------------------------
keys q
sleep 1
tm_end
left=$(hk_live_matching "--heartbeat 1 -P $T/ct")
[ -z "$left" ] && ok "q ends every remote ls --watch" || { not_ok "streams left"; echo "$left" | sed 's/^/#   /'; }
for i in 1 2 3; do
	"$HK" stop -k "web$i:dr$i" >/dev/null 2>&1
	check "web$i: destroy dr$i" "$HK" destroy "web$i:dr$i"
done
check "local: destroy dr0" "$HK" -P "$T/ct/local" destroy dr0
live=$(hk_live_matching "$T/ct")
sshh_cleanup
out=$(sshh_leftovers; [ -n "$live" ] && echo "process: $live")
[ -z "$out" ] && ok "nothing left: namespaces, veths, sshd and ssh processes, mux sockets, container processes" ||
	{ not_ok "left behind"; printf '%s\n' "$out" | sed 's/^/#   /'; }
plan_end
