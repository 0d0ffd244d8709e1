#!/usr/bin/env bash
# tests/security/nic-stall.sh - an ordinary user cannot make root wait by
# stopping hako-nic.  The caller is hako-nic's real uid, so it
# may SIGSTOP it; hako-nic therefore does everything it does under a lock
# in a child the caller cannot signal.  Here the test user runs three
# create/delete loops on a bridge (with leases) and stops its own hako-nic
# processes at random points, at least 1,000 times (one stop in 125 lasts
# 2.5 s; each stop gets a SIGCONT after), while root starts and stops a
# networked container next to a running one and runs `hako-nic list`.
# Proves: root never waits more than 2 s longer than the same operation
# takes beside the attacker's loops before any stop (measured first) for
# any of those, all
# succeed, every running container has its own address and a lease of its
# name at every check, no lease of the subnet without its owner; and once
# the attacker stops, no nic, veth or lease of it is left.
# Mode: root, with the test user as the attacker.
. "$(dirname "$0")/../lib.sh"
hk_begin nicstall nic-stall root needs=$HK_TOP/build/hako-nic
if ! ensure_test_user; then skip "nic-stall: cannot make $HK_TEST_USER"; plan_end; exit; fi
if [ -n "${HK_GUEST:-}" ]; then
	# Measured there (make check of da90e3e): in 240 s the stopper's pgrep
	# caught two of 724 helpers, gone before its kill, so nothing is stopped
	# and the test would prove only how slow TCG is.
	skip "nic-stall: a one-CPU TCG guest cannot stop hako-nic's short-lived processes in time (natively: 1,000 stops)"
	plan_end; exit
fi

chmod 755 "$T"
BR=hknhbr1
NET=10.99.71
NIC=$T/bin/hako-nic
STOPS=${HK_NIC_STALL_STOPS:-1000}
LIMIT_MS=2000 # beyond what the same operation takes with no attacker
UID_T=$(id -u "$HK_TEST_USER")
JOBS=()
HOLDERS=()

# Root continues every hako-nic of the test's: a child stopped in the
# instant before it became root cannot be continued by the user.
cont_all() { local p; for p in $(pgrep -f "^$NIC " 2>/dev/null); do kill -CONT "$p" 2>/dev/null; done; }
cleanup() {
	local p c
	touch "$T/out/done" 2>/dev/null
	for p in "${JOBS[@]}"; do kill -9 "$p" 2>/dev/null; done
	cont_all
	for c in "$T"/root/*/config; do [ -f "$c" ] && "$HAKO" stop -k "$(basename "$(dirname "$c")")" -P "$T/root" >/dev/null 2>&1; done
	for p in "${HOLDERS[@]}"; do kill -9 "$p" 2>/dev/null; done
	sleep 0.2
	[ -x "$NIC" ] && as_user "$NIC" list >/dev/null 2>&1 # culls what the holders left
	hk_nic_restore "$T"
	"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

hk_nic_setup "$T" || { not_ok "cannot install hako-nic in $T"; plan_end; exit; }
printf '%s veth %s 8\n' "$HK_TEST_USER" "$BR" >/etc/hako/usernet && chmod 644 /etc/hako/usernet
"$HAKO" net remove -b "$BR" -q >/dev/null 2>&1
check "a test bridge" "$HAKO" net setup -b "$BR" -s "$NET.1/24"
mkdir "$T/out" && chown "$HK_TEST_USER" "$T/out"
printf 'lxc.net.0.type = veth\nlxc.net.0.link = %s\nlxc.net.0.flags = up\n' "$BR" >"$T/net.conf"
"$HAKO" create r1 -t busybox -P "$T/root" -f "$T/net.conf" -q && "$HAKO" clone r1 r2 -P "$T/root" -q &&
	"$HAKO" start r1 -P "$T/root" || { not_ok "cannot make root's containers"; plan_end; exit; }

# ---- root's operations ----
ms() { local a=${1/./} b=${2/./}; echo $(((10#$b - 10#$a) / 1000)); }
MAX=0 SLOW= NOPS=0 FAILS=0 BADLEASE=0
# timed CMD...: runs it, keeps the longest wall time; an operation still
# running after DUMP_MS (1.5 s above the no-attacker time) gets the state
# of every hako-nic of the test shown.
timed() {
	local t0=$EPOCHREALTIME d rc pid shown=
	"$@" >"$T/op.out" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$shown" ] && [ "$(ms "$t0" "$EPOCHREALTIME")" -gt "${DUMP_MS:-1500}" ]; then
			shown=1
			echo "# ${*#$T/} still running after ${DUMP_MS:-1500} ms; hako-nic processes (ruid, state, where):"
			ps -eo pid,ruid,stat,wchan:24,args | awk -v nic="$NIC" '$5 == nic' | sed 's/^/#   /'
		fi
		sleep 0.02
	done
	wait "$pid"; rc=$?
	d=$(ms "$t0" "$EPOCHREALTIME")
	NOPS=$((NOPS + 1))
	[ "$d" -gt "$MAX" ] && { MAX=$d; SLOW="${*#$T/}"; }
	[ $rc = 0 ] || { FAILS=$((FAILS + 1)); echo "# failed ($rc): $*: $(head -2 "$T/op.out" | tr '\n' ' ')"; }
}
# Both containers have an address of their own and a lease of their name;
# no other lease on the subnet but the attacker's live nics.
leases_exact() {
	local name ip n=0 l
	local -A seen=()
	while IFS=$'\t' read -r name ip; do
		ip=${ip%%,*}
		if [ -z "$ip" ] || [ "$ip" = - ] || [ -n "${seen[$ip]:-}" ] ||
			! grep -q "^$ip $name " /run/hako/net/leases; then
			echo "# $name: address '$ip' (also ${seen[$ip]:-nobody}); leases: $(grep "^$NET\." /run/hako/net/leases | tr '\n' ' ')"
			return 1
		fi
		seen[$ip]=$name; n=$((n + 1))
	done < <("$HAKO" ls -F NAME,IPV4 --running -P "$T/root" 2>/dev/null)
	[ "$n" = 2 ] || { echo "# $n of 2 containers run"; return 1; }
	l=$(awk -v net="$NET." 'index($1, net) == 1' /run/hako/net/leases)
	[ -z "$(printf '%s\n' "$l" | awk '{print $1}' | sort | uniq -d)" ] ||
		{ echo "# an address leased twice: $(printf '%s' "$l" | tr '\n' ' ')"; return 1; }
	[ -z "$(printf '%s\n' "$l" | awk 'NF && $2 != "r1" && $2 != "r2" && $2 !~ /^[^:]+:a[123]$/')" ] ||
		{ echo "# a lease of no one's: $(printf '%s' "$l" | tr '\n' ' ')"; return 1; }
}
# ---- the attacker: three create/delete loops and a stopper ----
for i in 1 2 3; do
	h=$(hk_ns_holder user); HOLDERS+=("$h")
	[ -n "$h" ] || { not_ok "no namespace holder for the test user"; plan_end; exit; }
	as_user bash -c "n=0; while [ ! -e $T/out/done ]; do
		'$NIC' create a$i $h veth $BR eth0 lease >/dev/null 2>&1 && n=\$((n + 1))
		'$NIC' delete a$i $h >/dev/null 2>&1; done; echo \$n >$T/out/made.$i" &
	JOBS+=($!)
done
# Root's operations beside the attacker's loops but before any stop: the
# limit is 2 s above the slowest of them, so that what is measured is the
# stopping, not the load (a busy machine).
for _ in 1 2 3; do
	timed "$HAKO" start r2 -P "$T/root"
	timed "$NIC" list
	timed "$HAKO" stop -k r2 -P "$T/root"
done
BASE=$MAX
LIMIT_MS=$((LIMIT_MS + BASE)) DUMP_MS=$((BASE + 1500))
diag "no stops yet: root's slowest operation took $BASE ms ($SLOW); limit $LIMIT_MS ms"
MAX=0 SLOW= NOPS=0

as_user bash -c "stops=0; end=\$((SECONDS + 240))
	while [ \$stops -lt $STOPS ] && [ \$SECONDS -lt \$end ]; do
		pids=\$(pgrep -U $UID_T -f '^$NIC ')
		[ -n \"\$pids\" ] && kill -STOP \$pids 2>/dev/null || continue
		stops=\$((stops + \$(echo \$pids | wc -w)))
		if [ \$((RANDOM % 125)) = 0 ]; then sleep 2.5
		elif [ \$((RANDOM % 4)) = 0 ]; then sleep 0.0\$((RANDOM % 3 + 1)); fi
		kill -CONT \$pids 2>/dev/null
	done; echo \$stops >$T/out/stops" &
STOPPER=$!
JOBS+=("$STOPPER")

# ---- root, meanwhile ----
ROUNDS=0
while kill -0 "$STOPPER" 2>/dev/null; do
	timed "$HAKO" start r2 -P "$T/root"
	leases_exact || BADLEASE=$((BADLEASE + 1))
	timed "$NIC" list
	timed "$HAKO" stop -k r2 -P "$T/root"
	ROUNDS=$((ROUNDS + 1))
done
wait "$STOPPER"
stops=$(cat "$T/out/stops" 2>/dev/null || echo 0)
touch "$T/out/done"
for i in $(seq 100); do
	cont_all
	left=0; for p in "${JOBS[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
	[ "$left" = 0 ] && break
	sleep 0.1
done
for p in "${JOBS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
JOBS=()
cont_all
made=$(cat "$T"/out/made.* 2>/dev/null | awk '{s += $1} END {print s + 0}')

[ "$stops" -ge "$STOPS" ] && [ "$made" -gt 0 ] &&
	ok "the attacker stopped its hako-nic $stops times while making $made nics" ||
	not_ok "the attacker stopped its hako-nic $stops times (wanted $STOPS), made $made nics"
[ "$ROUNDS" -gt 0 ] && [ "$MAX" -le "$LIMIT_MS" ] &&
	ok "root waited at most $MAX ms ($SLOW) in $NOPS operations (starts, stops, hako-nic list)" ||
	not_ok "root waited $MAX ms for: $SLOW ($NOPS operations, limit $LIMIT_MS ms)"
[ "$ROUNDS" -gt 0 ] && [ "$FAILS" = 0 ] && ok "all $NOPS of root's operations succeeded" ||
	not_ok "$FAILS of root's $NOPS operations failed"
[ "$ROUNDS" -gt 0 ] && [ "$BADLEASE" = 0 ] && ok "leases exact at each of $ROUNDS checks: an address and a lease of its own for each container" ||
	not_ok "leases wrong at $BADLEASE of $ROUNDS checks"

# ---- nothing of the attacker's left ----
as_user "$NIC" list >/dev/null 2>&1
recs=$(awk -v u="$UID_T" '$1 == u' /run/hako-nic/nics 2>/dev/null | wc -l)
ports=$(ls "/sys/class/net/$BR/brif" 2>/dev/null | wc -l)
left=$(awk -v net="$NET." 'index($1, net) == 1 && $2 != "r1"' /run/hako/net/leases | wc -l)
[ "$recs" = 0 ] && [ "$ports" = 1 ] && [ "$left" = 0 ] && ok "after the attack: no record, veth or lease of the attacker's, r1's port alone" ||
	not_ok "after the attack: records $recs, ports $ports (r1's is 1), other leases $left"
plan_end
