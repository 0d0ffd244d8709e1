#!/usr/bin/env bash
# tests/bench/remote.sh - the dashboard over many hosts (`hako --remote
# all`): HOSTS hosts (default 20) of PER containers (default
# 50), RUNNING of them running (default 10), plus this host's empty path.
# A host is a network namespace with its own sshd (tests/helpers/
# ssh-hosts.sh) running this hako on its own container path; the paths
# share this machine's file system, so the containers are made here (hard
# linked copies of one busybox container) and started with the host's run
# directory, as the remote hako would.  Measured, with the dashboard in
# tmux at 200x60:
#   first full frame  from exec until every host's rows are in (the header
#                     counts HOSTS+1 hosts and none down), median of RUNS
#                     (and, for scale, one fresh ssh login + ls --json)
#   change latency    a container started (then stopped) by the CLI on the
#                     last host, from the CLI's return until the dashboard
#                     shows it (the filter narrows the list to that row),
#                     median of RUNS starts and RUNS stops
#   idle CPU          of the dashboard over IDLE_SECS (utime+stime from
#                     /proc), and of each remote `ls --watch` (largest and
#                     mean), and the sum of the ssh clients
#   memory            the dashboard's VmRSS/VmHWM, each watch's VmRSS
# Targets: first frame < 2 s, change < 1 s, dashboard < 2 %
# idle, each watch < 0.5 %.  Prints a table; fails only when something
# did not work, never on timing.  Smaller runs: HOSTS=5 PER=20 RUNNING=4.
set -uo pipefail
HAKO=${HAKO:-build/hako}
HOSTS=${HOSTS:-20}
PER=${PER:-50}
RUNNING=${RUNNING:-10}
RUNS=${RUNS:-5}
IDLE_SECS=${IDLE_SECS:-10}

. "$(dirname "$0")/../lib.sh"
hk_begin bench-remote "remote bench" root
for c in tmux ssh /usr/sbin/sshd ip; do
	command -v "$c" >/dev/null || { echo "remote bench skipped: $c is not installed"; exit 0; }
done
[ -x "$HAKO" ] || { echo "remote bench: no hako at $HAKO"; exit 2; }
HAKO=$(realpath "$HAKO")
HK_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib/bench.sh"
. "$HK_TOP/tests/lib/ssh-hosts.sh"
if ((HOSTS < 1 || HOSTS > 99)); then echo "remote bench: HOSTS is 1..99"; exit 2; fi
if ip -o addr | grep -Eq ' 10\.213\.1[0-9][0-9]\.' || ip netns list | grep -q '^rbench-'; then
	echo "remote bench skipped: 10.213.100-199.0/24 or an rbench-* namespace is in use"; exit 0
fi

chmod 755 "$T"
export HAKO_RUN_DIR=$T/run
SSHH_CTL=$HAKO_RUN_DIR/ssh
SOCK=hako-bench-remote-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
pane() { tm capture-pane -p -t bench 2>/dev/null; }
cleanup() {
	tm kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	for ((h = 1; h <= HOSTS; h++)); do
		for c in $(HAKO_RUN_DIR=$T/s/h$h/run "$HAKO" -P "$T/ct/h$h" ls --running 2>/dev/null); do
			HAKO_RUN_DIR=$T/s/h$h/run "$HAKO" -P "$T/ct/h$h" stop -k "$c" >/dev/null 2>&1
		done
	done
	sshh_cleanup
	rm -rf "$T"
}
hk_on_exit cleanup

# HK: hako with this bench's hako.conf (an overlay on /etc in a private
# mount namespace, as the remote tests do)
HK=$T/hako
mkdir -p "$T/ct/local" "$T/bin"
hk_conf_wrapper "$HK" "$T"
ln -s "$HAKO" "$T/bin/hako"

t_setup=$(now)
# the hosts' sessions read Debian's default ~/.bashrc, not this machine's
# (see sshh_start; what this machine's costs is printed below)
export SSHH_PLAIN_RC=1
sshh_init "$T/s" rbench || { echo "FAIL: ssh client setup"; exit 1; }
{
	echo "[remotes]"
	for ((h = 1; h <= HOSTS; h++)); do
		sshh_netns $((100 + h)) >/dev/null && sshh_sshd "h$h" $((100 + h)) 22 "$T/bin" ||
			{ echo "FAIL: host h$h did not come up" >&2; exit 1; }
		echo "h$h = ssh://10.213.$((100 + h)).2 path=$T/ct/h$h"
	done
	echo "[ssh]"
	echo "config = $T/s/ssh_config"
	echo "connect_timeout = 5"
} >"$T/etc-up/hako/hako.conf" || exit 1

# host H's hako, as its sshd runs it (its own run directory)
hh() { local h=$1; shift; HAKO_RUN_DIR=$T/s/h$h/run "$HAKO" -P "$T/ct/h$h" "$@"; }
hh 1 create b000 -t busybox >/dev/null || { echo "FAIL: create the first busybox container"; exit 1; }
for ((h = 1; h <= HOSTS; h++)); do
	mkdir -p "$T/ct/h$h"
	for ((i = 0; i < PER; i++)); do
		name=$(printf 'b%03d' "$i")
		[ -d "$T/ct/h$h/$name" ] && continue
		mkdir "$T/ct/h$h/$name"
		if ((i < RUNNING)); then cp -a "$T/ct/h1/b000/rootfs" "$T/ct/h$h/$name/rootfs"
		else cp -al "$T/ct/h1/b000/rootfs" "$T/ct/h$h/$name/rootfs"; fi
		sed "s|$T/ct/h1/b000|$T/ct/h$h/$name|g; s/b000/$name/g" "$T/ct/h1/b000/config" >"$T/ct/h$h/$name/config"
	done
	for ((i = 0; i < RUNNING; i++)); do
		hh "$h" start "$(printf 'b%03d' "$i")" >/dev/null 2>&1 || { echo "FAIL: start h$h:b$i"; exit 1; }
	done
done
setup_s=$(awk -v n=$(($(now) - t_setup)) 'BEGIN { printf "%.0f", n / 1e9 }')

# the floor of a first frame: one host alone, a fresh ssh login (no shared
# connection) and its hako's list, median of RUNS
floor=()
for ((r = 0; r < RUNS; r++)); do
	t0=$(now)
	ssh -F "$T/s/ssh_config" -o ControlMaster=no -o ControlPath=none 10.213.101.2 \
		hako ls --json -P "$T/ct/h1" >/dev/null 2>&1 || { echo "FAIL: ssh to h1"; exit 1; }
	floor+=($(($(now) - t0)))
done

# one command over an open shared connection (the session's shell and
# nothing else), and a fresh login's client CPU (mostly the key exchange)
O=(-F "$T/s/ssh_config" -o ControlMaster=auto -o "ControlPath=$T/s/bench-%C" -o ControlPersist=30 -o BatchMode=yes -T)
ssh "${O[@]}" 10.213.101.2 true || { echo "FAIL: ssh to h1"; exit 1; }
chan=()
for ((r = 0; r < RUNS; r++)); do
	t0=$(now); ssh "${O[@]}" 10.213.101.2 true; chan+=($(($(now) - t0)))
done
ssh "${O[@]}" -O exit 10.213.101.2 2>/dev/null
login_cpu=$( { /usr/bin/time -f '%U %S' ssh -F "$T/s/ssh_config" -o ControlMaster=no -o ControlPath=none \
	10.213.101.2 true; } 2>&1 | awk '{ printf "%.0f", 1000 * ($1 + $2) }')
# the floor of a cold first frame: HOSTS fresh logins side by side, each
# running `true` (no hako), median of RUNS
par=()
for ((r = 0; r < RUNS; r++)); do
	t0=$(now)
	for ((h = 1; h <= HOSTS; h++)); do
		ssh -F "$T/s/ssh_config" -o ControlMaster=no -o ControlPath=none "10.213.$((100 + h)).2" true &
	done
	wait
	par+=($(($(now) - t0)))
done
rc_ms=-
if [ -f "$HOME/.bashrc" ]; then
	rcs=()
	for ((r = 0; r < RUNS; r++)); do t0=$(now); bash -c '. ~/.bashrc' >/dev/null 2>&1 </dev/null; rcs+=($(($(now) - t0))); done
	rc_ms=$(ms "$(median "${rcs[@]}")" 0)
fi

NH=$((HOSTS + 1))
all_up() { pane | grep -Eq "^ hako  $NH hosts  "; }
# launch: the dashboard in tmux; prints the ns from exec to every host in
launch() {
	local t0 i
	tm kill-server 2>/dev/null
	while tm has-session 2>/dev/null; do sleep 0.05; done
	rm -f "$T/t0"
	tm new-session -d -s bench -x 200 -y 60 \
		"sh -c 'date +%s%N >$T/t0; exec env TERM=screen-256color LANG=C.UTF-8 $HK -P $T/ct/local --remote all'"
	for ((i = 0; i < 3000; i++)); do
		all_up && break
		sleep 0.01
	done
	all_up || { echo "FAIL: not every host came in" >&2; pane >&2; return 1; }
	local took=$(($(now) - $(cat "$T/t0"))) p d=0 w=0
	# CPU spent by then (clock ticks): the dashboard, and every remote watch
	for p in $(pgrep -f -- "$HAKO -P $T/ct/local --remote all"); do d=$((d + $(ticks "$p"))); done
	for p in $(pgrep -f -- "ls --json --watch --heartbeat 1 -P $T/ct/h"); do w=$((w + $(ticks "$p"))); done
	echo "$took $d $w"
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
firsts=() fdash=() fwatch=()
for ((r = 0; r < RUNS; r++)); do
	f=$(launch) || exit 1
	read -r f d w <<<"$f"
	firsts+=("$f") fdash+=("$d") fwatch+=("$w")
done
# the last launch stays for the rest
dash_pid=$(pgrep -f -- "$HAKO -P $T/ct/local --remote all" | head -1)
[ -n "$dash_pid" ] || { echo "FAIL: no dashboard process"; exit 1; }

# change latency: the last host's last container, alone on the screen
target=$(printf 'b%03d' $((PER - 1)))
tm send-keys -t bench / "^h$HOSTS:$target\$" Enter
sleep 1
wait_state() {
	local st=$1 i
	for ((i = 0; i < 1000; i++)); do
		pane | grep -Eq "^h$HOSTS +$target +$st" && return 0
		sleep 0.005
	done
	return 1
}
wait_state STOPPED || { echo "FAIL: the filtered row does not show"; pane; exit 1; }
starts=() stops=()
for ((r = 0; r < RUNS; r++)); do
	hh "$HOSTS" start "$target" >/dev/null 2>&1 || { echo "FAIL: start $target"; exit 1; }
	t0=$(now); wait_state RUNNING || { echo "FAIL: start not shown"; exit 1; }; starts+=($(($(now) - t0)))
	hh "$HOSTS" stop -k "$target" >/dev/null 2>&1 || { echo "FAIL: stop $target"; exit 1; }
	t0=$(now); wait_state STOPPED || { echo "FAIL: stop not shown"; exit 1; }; stops+=($(($(now) - t0)))
done
tm send-keys -t bench Escape

# idle CPU and memory
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
watches=$(pgrep -f -- "ls --json --watch --heartbeat 1 -P $T/ct/h" | tr '\n' ' ')
clients=$(pgrep -f -- "ssh .*$T/s/ssh_config" | tr '\n' ' ')
sleep 2
declare -A before
for p in $dash_pid $watches $clients; do before[$p]=$(ticks "$p"); done
t0=$(now)
sleep "$IDLE_SECS"
el=$(($(now) - t0))
pct() { awk -v t="$1" -v hz="$hz" -v el="$el" 'BEGIN { printf "%.2f", 100 * t / hz / (el / 1e9) }'; }
dash_cpu=$(pct $(($(ticks "$dash_pid") - before[$dash_pid])))
wmax=0 wsum=0 wn=0 wrss=0
for p in $watches; do
	d=$(($(ticks "$p") - before[$p]))
	((d > wmax)) && wmax=$d
	wsum=$((wsum + d)); wn=$((wn + 1))
	r=$(rss "$p"); ((${r:-0} > wrss)) && wrss=$r
done
csum=0
for p in $clients; do csum=$((csum + $(ticks "$p") - ${before[$p]:-0})); done
((wn > 0)) || { echo "FAIL: no remote ls --watch processes found"; exit 1; }
wmean=$(awk -v s="$wsum" -v n="$wn" 'BEGIN { printf "%.2f", s / n }')

echo "remote dashboard: $HOSTS hosts x $PER containers ($RUNNING running each) + this host; setup ${setup_s}s"
printf '%-44s %12s %s\n' "measure" "value" "target"
warm=("${firsts[@]:1}")
((${#warm[@]})) || warm=("${firsts[0]}")
printf '%-44s %10s ms %s\n' "first full frame, connections open (median)" "$(ms "$(median "${warm[@]}")" 0)" "< 2000"
printf '%-44s %10s ms %s\n' "first full frame, cold (opens $HOSTS logins)" "$(ms "${firsts[0]}" 0)" "< 2000"
printf '%-44s %10s ms %s\n' "  floor: $HOSTS fresh logins side by side, no hako" "$(ms "$(median "${par[@]}")" 0)" "-"
each=$(for f in "${firsts[@]}"; do printf '%s ' "$(ms "$f" 0)"; done)
printf '%-44s %13s %s\n' "  each launch (the first opens the connections)" "$each" ""
printf '%-44s %10s ms %s\n' "  one fresh login: the ssh client's CPU" "$login_cpu" "-"
printf '%-44s %10s ms %s\n' "  one command over an open connection" "$(ms "$(median "${chan[@]}")" 0)" "-"
printf '%-44s %10s ms %s\n' "  this machine's ~/.bashrc (hosts use skel's)" "$rc_ms" "-"
cpu_ms() { awk -v t="$1" -v hz="$hz" 'BEGIN { printf "%.0f", 1000 * t / hz }'; }
printf '%-44s %10s ms %s\n' "  CPU by then: the dashboard (median)" "$(cpu_ms "$(median "${fdash[@]}")")" "-"
printf '%-44s %10s ms %s\n' "  CPU by then: all remote watches (median)" "$(cpu_ms "$(median "${fwatch[@]}")")" "-"
printf '%-44s %10s ms %s\n' "  one host alone: ssh login + hako ls --json" "$(ms "$(median "${floor[@]}")" 0)" "-"
printf '%-44s %10s ms %s\n' "change shown: start on h$HOSTS (median)" "$(ms "$(median "${starts[@]}")" 0)" "< 1000"
printf '%-44s %10s ms %s\n' "change shown: stop on h$HOSTS (median)" "$(ms "$(median "${stops[@]}")" 0)" "< 1000"
printf '%-44s %10s %%  %s\n' "dashboard CPU, idle ${IDLE_SECS}s" "$dash_cpu" "< 2"
printf '%-44s %10s %%  %s\n' "remote ls --watch CPU, largest of $wn" "$(pct "$wmax")" "< 0.5"
printf '%-44s %10s %%  %s\n' "remote ls --watch CPU, mean" "$(pct "$wmean")" "< 0.5"
printf '%-44s %10s %%  %s\n' "ssh clients CPU, all $(echo $clients | wc -w) together" "$(pct "$csum")" "-"
printf '%-44s %10s kB\n' "dashboard VmRSS" "$(rss "$dash_pid")"
printf '%-44s %10s kB\n' "dashboard VmHWM" "$(hwm "$dash_pid")"
printf '%-44s %10s kB\n' "remote ls --watch VmRSS, largest" "$wrss"
tm send-keys -t bench q
exit 0
