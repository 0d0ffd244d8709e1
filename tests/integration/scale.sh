#!/usr/bin/env bash
# tests/integration/scale.sh - containers started and stopped in
# parallel (root): SCALE_N (default 20) overlay clones of one busybox
# container with a veth on a test bridge are started at once; each must
# be RUNNING with its own IPv4 address on the bridge's subnet (a lease:
# no two alike) and a port on the bridge; then all are stopped at once and
# nothing may be left: no monitor or init, no cgroup, no veth, no lease,
# no mount; after destroy, no run directory.  Uses its own bridge
# (hkscalebr1, 10.99.80.1/24), HAKO_RUN_DIR and names with the prefix
# scale, so that other tests may run beside it.
# guest-lane: skip - parallel-net.sh starts 16 networked containers at once in the guest, each checked for its own lease and nothing left
. "$(dirname "$0")/../lib.sh"
N=${SCALE_N:-20}
BR=hkscalebr1
NET=10.99.80
hk_begin scale "scale tests" root build
chmod 755 "$T"
export HAKO_RUN_DIR="$T/run"
names=()
for ((i = 1; i <= N; i++)); do names+=("scale$$-$i"); done

hk() { "$HAKO" "$@" -P "$T"; }
cleanup() {
	local n
	for n in "${names[@]}"; do hk stop -k "$n" >/dev/null 2>&1 & done
	wait
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
}
hk_on_exit cleanup

"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
check "net setup makes the test bridge" "$HAKO" net setup -b "$BR" -s "$NET.1/24" -q
base=scale$$-base
if ! hk create "$base" -t busybox -q; then
	not_ok "create $base"; plan_end; exit
fi
printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n' \
	"$BR" >>"$T/$base/config"
made=0
for n in "${names[@]}"; do hk clone -s -B overlay "$base" "$n" -q && made=$((made + 1)); done
[ "$made" = "$N" ] && ok "$N overlay clones of $base" || { not_ok "clones: $made of $N"; plan_end; exit; }

# ---- start all at once
t0=$(date +%s%N)
for n in "${names[@]}"; do hk start "$n" -q >"$T/start-$n.log" 2>&1 & done
wait
t1=$(date +%s%N)
diag "$N parallel starts: $(((t1 - t0) / 1000000)) ms"
failed=$(for n in "${names[@]}"; do [ -s "$T/start-$n.log" ] && echo "$n: $(head -1 "$T/start-$n.log")"; done)
[ -z "$failed" ] && ok "$N parallel starts said nothing" || { not_ok "parallel starts"; printf '#   %s\n' "$failed" | head -5; }

rows=$(hk ls -F NAME,STATE,IPV4 2>/dev/null | awk -F'\t' -v p="scale$$-" 'index($1, p) == 1 && $1 != p "base"')
running=$(printf '%s\n' "$rows" | awk -F'\t' '$2 == "RUNNING"' | wc -l)
[ "$running" = "$N" ] && ok "all $N RUNNING" ||
	{ not_ok "RUNNING: $running of $N"; printf '%s\n' "$rows" | grep -v RUNNING | sed 's/^/#   /' | head -5; }
addrs=$(printf '%s\n' "$rows" | awk -F'\t' '{ print $3 }' | grep -Eo "^$NET\.[0-9]+" | sort)
[ "$(printf '%s\n' "$addrs" | grep -c .)" = "$N" ] && ok "each has an IPv4 on $NET.0/24" ||
	not_ok "addresses on $NET.0/24: $(printf '%s\n' "$addrs" | grep -c .) of $N"
[ "$(printf '%s\n' "$addrs" | sort -u | grep -c .)" = "$N" ] && ok "no two addresses alike" ||
	not_ok "duplicate addresses: $(printf '%s\n' "$addrs" | uniq -d | tr '\n' ' ')"
leases=$("$HAKO" net leases 2>/dev/null | grep -c "scale$$-")
[ "$leases" = "$N" ] && ok "$N leases" || not_ok "leases: $leases of $N"
ports=$(ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l)
[ "$ports" = "$N" ] && ok "$N ports on the bridge" || not_ok "ports on the bridge: $ports of $N"
a=$(printf '%s\n' "$addrs" | head -1)
[ -n "$a" ] && check "${names[-1]} pings $a" "$HAKO" attach -P "$T" "${names[-1]}" -- ping -c 1 -W 3 "$a"

# What each one has now, to look for afterwards.
pids=() cgs=
for n in "${names[@]}"; do
	p=$(hk_pid_of "$n" "$HAKO" -P "$T")
	[ -n "$p" ] && pids+=("$p" "$(ps -o ppid= -p "$p" | tr -d ' ')") && cgs+=" $(hk_init_cgroups "$p" "$n")"
done

# ---- stop all at once
t0=$(date +%s%N)
for n in "${names[@]}"; do hk stop -k "$n" -q >"$T/stop-$n.log" 2>&1 & done
wait
t1=$(date +%s%N)
diag "$N parallel stops: $(((t1 - t0) / 1000000)) ms"
failed=$(for n in "${names[@]}"; do [ -s "$T/stop-$n.log" ] && echo "$n: $(head -1 "$T/stop-$n.log")"; done)
[ -z "$failed" ] && ok "$N parallel stops said nothing" || { not_ok "parallel stops"; printf '#   %s\n' "$failed" | head -5; }
stopped=$(hk ls -F NAME,STATE 2>/dev/null | awk -F'\t' -v p="scale$$-" 'index($1, p) == 1 && $2 == "STOPPED"' | wc -l)
[ "$stopped" = $((N + 1)) ] && ok "all STOPPED" || not_ok "STOPPED: $stopped of $((N + 1))"
# One search of every hierarchy for all of them (hk_leftovers searches
# once per container), their mounts and processes, and the old cgroups.
mnts=$(hk_cg_mounts | cut -f3)
left=$({
	for d in $cgs; do [ -d "$d" ] && echo "cgroup $d"; done
	[ -n "$mnts" ] && find $mnts -xdev -mindepth 1 -type d \( -name "scale$$-*" -o -name "hako-scale$$-*" \) 2>/dev/null | sed 's/^/cgroup /'
	grep -F -- "$T/" /proc/self/mountinfo | sed 's/^/mount /'
	hk_live_matching "$T/" | sed 's/^/process /'
	hk_live "${pids[@]}" | sed 's/^/process /'
} | sort -u)
[ -z "$left" ] && ok "no cgroup, mount or process left" || { not_ok "left behind:"; printf '%s\n' "$left" | sort -u | head -10 | sed 's/^/#   /'; }
ports=$(ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l)
[ "$ports" = 0 ] && ok "no veth left on the bridge" || not_ok "ports left on the bridge: $ports"
leases=$("$HAKO" net leases 2>/dev/null | grep -c "scale$$-")
[ "$leases" = 0 ] && ok "no lease left" || not_ok "leases left: $leases"

# ---- destroy all: no run directory left
for n in "${names[@]}"; do hk destroy "$n" -q; done
hk destroy "$base" -q
runs=$(find "$HAKO_RUN_DIR" -mindepth 2 -maxdepth 2 -name "scale$$-*" 2>/dev/null | head -5)
[ -z "$runs" ] && ok "no run directory left after destroy" || not_ok "run directories left: $runs"
check "net remove deletes the test bridge" "$HAKO" net remove -b "$BR" -q
plan_end
