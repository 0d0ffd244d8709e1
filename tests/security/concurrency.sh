#!/usr/bin/env bash
# tests/security/concurrency.sh - the concurrency class, as
# root with privileged containers (locking does not depend on the mode):
#  - 8 parallel loops of start / stop -k / clone / destroy over a pool of
#    20 names for CONC_SECONDS (default 30; HAKO_SOAK=1: 300): no hako is
#    killed by a signal, `ls -f` run throughout warns about no config,
#    afterwards every config parses (`hako config NAME`), stop and destroy
#    work, and nothing is left (cgroup, mount, monitor, process);
#  - one lock from "is it running?" until ready: 8 starts of one stopped
#    container at once start it once, the 7 others are refused naming
#    the holder (already running/starting, or locked by a start); a second
#    start is refused "already running (pid N)" at once, N the init;
#  - EDITS config edits (`hako config NAME KEY VALUE`), each hit by
#    kill -9 at a random moment (default 200; HAKO_SOAK=1: 1000; 10 s and
#    50 edits with HK_NOOPENAT2=1 or HK_GUEST=1): the
#    config always parses and holds no temp file;
#  - `ls -f` over 100 containers (99 stopped, made as bare config files)
#    answers within a second while one monitor is SIGSTOPped, showing that
#    container UNRESPONSIVE.
. "$(dirname "$0")/../lib.sh"
hk_begin conc concurrency build root
chmod 755 "$T"
P=$T/pool
SECS=${CONC_SECONDS:-30} EDITS=${CONC_EDITS:-200}
# Shorter where the point is elsewhere: the no-openat2 pass (paths, not
# locks) and the guest lane (the host's layout; the full run is native).
[ "${HK_NOOPENAT2:-0}" = 1 ] || [ "${HK_GUEST:-0}" = 1 ] && SECS=${CONC_SECONDS:-10} EDITS=${CONC_EDITS:-50}
[ "${HAKO_SOAK:-0}" = 1 ] && SECS=${CONC_SECONDS:-300} EDITS=${CONC_EDITS:-1000}
STOPPED_MON=
cleanup() {
	[ -n "$STOPPED_MON" ] && kill -CONT "$STOPPED_MON" 2>/dev/null
	local d n
	for d in "$P" "$T/e" "$T/ls"; do
		for n in $("$HAKO" ls -1 -P "$d" 2>/dev/null); do
			"$HAKO" stop -k "$n" -P "$d" >/dev/null 2>&1
		done
	done
	rm -rf "$T"
}
hk_on_exit cleanup

hk() { "$HAKO" "$@"; }
# every container's cgroups, mounts and monitors under $1 (a -P path)
leftovers() {
	local d=$1 n
	for n in base kc{0..19}; do hk_cgroups_named "$n" "$d"; done
	grep -F "$d/" /proc/self/mountinfo
	hk_live_matching "$d" | grep -v "concurrency.sh"
}

# ---- 8 parallel loops over 20 names ----
hk create base -t busybox -P "$P" >/dev/null 2>&1 || { not_ok "create the base container"; plan_end; exit; }
for i in $(seq 0 19); do hk clone base "kc$i" -P "$P" >/dev/null 2>&1; done
worker() { # ID: random operations until the deadline; "rc op" per failure
	local id=$1 end=$((SECONDS + SECS)) n op rc out
	while [ $SECONDS -lt $end ]; do
		n=kc$((RANDOM % 20))
		case $((RANDOM % 5)) in
		0 | 1) op="start $n"; out=$(hk start "$n" -P "$P" 2>&1) ;;
		2) op="stop -k $n"; out=$(hk stop -k "$n" -P "$P" 2>&1) ;;
		3) op="clone $n"; out=$(hk clone base "$n" -P "$P" 2>&1) ;;
		4) op="destroy $n"; out=$(hk destroy -f "$n" -P "$P" 2>&1) ;;
		esac
		rc=$?
		[ "$rc" -ge 128 ] && echo "CRASH $rc $op: $out"
		[ "$rc" != 0 ] && echo "ERR ${out##*: error: }" | sed -E 's/"kc[0-9]+"/"N"/g; s/pid [0-9]+/pid P/; s/[0-9]{3,}/#/g'
		echo "DONE $op"
	done >"$T/w$id.log"
}
lswatch() { # ls -f throughout: config warnings are corruption
	local end=$((SECONDS + SECS))
	while [ $SECONDS -lt $end ]; do
		hk ls -f -P "$P" 2>&1 >/dev/null | grep -i "config\|warning" | sed 's/^/LS /'
		sleep 0.2
	done >"$T/ls.log"
}
t0=$SECONDS
pids=()
for w in 1 2 3 4 5 6 7 8; do worker $w & pids+=($!); done
lswatch & pids+=($!)
wait "${pids[@]}"
ops=$(cat "$T"/w*.log | grep -c '^DONE')
diag "8 loops for $((SECONDS - t0)) s: $ops operations; refusals by message:"
cat "$T"/w*.log | grep '^ERR' | sort | uniq -c | sort -rn | head -12 | sed 's/^/#  /'
crashes=$(cat "$T"/w*.log | grep '^CRASH')
[ -z "$crashes" ] && ok "no hako killed by a signal in $ops operations" || not_ok "crashes: $crashes"
[ -s "$T/ls.log" ] && not_ok "ls -f warned during the loops: $(sort -u "$T/ls.log" | head -5)" \
	|| ok "ls -f ran throughout without a config warning"
bad=
for c in "$P"/kc*; do
	[ -e "$c/config" ] || continue
	n=${c##*/}
	hk config "$n" -P "$P" >/dev/null 2>&1 || bad="$bad $n"
	ls "$c" | grep -q '\.tmp\|~$' && bad="$bad $n(temp file)"
done
[ -z "$bad" ] && ok "every config parses afterwards ($(ls -d "$P"/kc* 2>/dev/null | wc -l) containers)" || not_ok "configs that do not parse:$bad"
check "ls -f works afterwards" hk ls -f -P "$P"
for n in $(hk ls -1 --running -P "$P" 2>/dev/null); do hk stop -k "$n" -P "$P" >/dev/null 2>&1; done
out=$(hk ls -1 --running -P "$P" 2>&1)
[ -z "$out" ] && ok "every container stops" || not_ok "still running: $out"
bad=
for n in $(hk ls -1 -P "$P" 2>/dev/null); do [ "$n" = base ] || hk destroy -f "$n" -P "$P" >/dev/null 2>&1 || bad="$bad $n"; done
[ -z "$bad" ] && ok "every container destroys" || not_ok "destroy failed:$bad"
sleep 0.3
out=$(leftovers "$P")
[ -z "$out" ] && ok "nothing left: no cgroup, mount or monitor" || not_ok "leftovers: $out"

# ---- one lock from "is it running?" until ready ----
t1=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8; do (hk start base -P "$P" >"$T/s$i.out" 2>&1; echo $? >"$T/s$i.rc") & done
wait
ms=$((($(date +%s%N) - t1) / 1000000))
n_ok=$(cat "$T"/s?.rc | grep -cx 0)
n_run=$(cat "$T"/s?.out | grep -cE 'is already running \(pid [1-9][0-9]*\)|is already starting \(monitor pid [1-9][0-9]*\)|is busy: locked by pid [1-9][0-9]* \(hako start\)')
diag "8 starts at once, done in $ms ms: $(cat "$T"/s?.out | sed -E 's/[0-9]+/N/g' | sort | uniq -c | tr -s ' \n' ' ')"
[ "$n_ok" = 1 ] && [ "$n_run" = 7 ] && ok "8 starts at once: one started, 7 refused naming the running or starting holder's pid" \
	|| not_ok "8 starts at once: $n_ok started, $n_run refused as running: $(cat "$T"/s?.out | sort | uniq -c)"
init=$(hk ls -F NAME,PID -P "$P" | awk -F'\t' '$1 == "base" { print $2 }')
check_cgroups_found "the search of \"nothing left\" above finds base's cgroups while it runs" base "$P" "$init"
t1=$(date +%s%N)
out=$(hk start base -P "$P" 2>&1)
t2=$(date +%s%N)
ms=$(((t2 - t1) / 1000000))
case "$out" in
*"already running (pid $init)"*) [ "$ms" -lt 3000 ] && ok "a second start is refused without waiting ($ms ms): $out" \
	|| not_ok "a second start took $ms ms" ;;
*) not_ok "a second start: $out (init $init)" ;;
esac

# ---- config edits under kill -9 ----
E=$T/e
hk create ed -t busybox -P "$E" >/dev/null 2>&1 || not_ok "create ed"
bad= killed=0
for i in $(seq 1 "$EDITS"); do
	hk config ed lxc.uts.name "host$i" -P "$E" >/dev/null 2>&1 &
	sleep "0.00$((RANDOM % 10))"
	kill -9 $! 2>/dev/null && killed=$((killed + 1))
	wait $! 2>/dev/null
	hk config ed -P "$E" >/dev/null 2>&1 || { bad="edit $i: $(hk config ed -P "$E" 2>&1 | head -2)"; break; }
done
temps=$(find "$E/ed" -maxdepth 1 -name 'config.tmp.*' | wc -l)
diag "$EDITS edits, $killed killed before they finished"
[ -z "$bad" ] && ok "$EDITS config edits under kill -9: the config always parses" || not_ok "$bad"
v=$(hk config ed lxc.uts.name -P "$E" 2>&1)
case "$v" in host[0-9]*) ok "the config holds a value one of the edits wrote ($v)" ;; *) not_ok "lxc.uts.name is '$v'" ;; esac
diag "temp files left by edits killed between write and rename: $temps (never read)"

# ---- ls -f over 100 containers with one monitor stopped ----
L=$T/ls
hk create run0 -t busybox -P "$L" >/dev/null 2>&1
for i in $(seq 1 99); do
	mkdir -p "$L/st$i"
	printf 'lxc.rootfs.path = dir:%s/run0/rootfs\nlxc.uts.name = st%s\n' "$L" "$i" >"$L/st$i/config"
done
check "start run0" hk start run0 -P "$L"
init=$(hk ls -F NAME,PID -P "$L" | awk -F'\t' '$1 == "run0" { print $2 }')
STOPPED_MON=$(ps -o ppid= -p "$init" | tr -d ' ')
kill -STOP "$STOPPED_MON"
t1=$(date +%s%N)
out=$(timeout 10 "$HAKO" ls -f -P "$L" 2>&1)
t2=$(date +%s%N)
ms=$(((t2 - t1) / 1000000))
rows=$(printf '%s\n' "$out" | grep -cE '^(st[0-9]+|run0)[[:space:]]')
# a reader that waited for the stopped monitor would hit the timeout (10 s)
[ "$ms" -lt 5000 ] && [ "$rows" = 100 ] && ok "ls -f over 100 containers answers in $ms ms with a monitor stopped" \
	|| not_ok "ls -f: $ms ms, $rows rows"
printf '%s\n' "$out" | grep -E '^run0[[:space:]]' | grep -q UNRESPONSIVE \
	&& ok "the container whose monitor is stopped shows UNRESPONSIVE" \
	|| not_ok "run0's row: $(printf '%s\n' "$out" | grep -E '^run0[[:space:]]')"
out=$(timeout 5 "$HAKO" info run0 -P "$L" 2>&1)
[ $? = 0 ] && ok "info answers too" || not_ok "info with the monitor stopped: $out"
kill -CONT "$STOPPED_MON"; STOPPED_MON=
out=$(hk ls -F NAME,STATE -P "$L" | awk -F'\t' '$1 == "run0" { print $2 }')
[ "$out" = RUNNING ] && ok "after SIGCONT it is RUNNING again" || not_ok "after SIGCONT: $out"
check "stop run0" hk stop -k run0 -P "$L"
plan_end
