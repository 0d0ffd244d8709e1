#!/usr/bin/env bash
# stop -r reboots (a new init, still RUNNING); several console viewers see
# the same output at once; console -t 1 reaches tty1; a stop that has to
# kill says so, one that does not is silent.
source "$(dirname "$0")/../lib.sh"
hk_begin reboot "reboot and viewers" root
P=$T
hk_on_exit '"$HAKO" stop -k rv -P "$P" >/dev/null 2>&1; rm -rf "$P"'
state_pid() { "$HAKO" ls -F pid -P "$P" rv 2>/dev/null | tr -d '[:space:]'; }

check "create" "$HAKO" create rv -t busybox -P "$P"
check "start" "$HAKO" start rv -P "$P"
first=$(state_pid)
check "stop -r returns at once" "$HAKO" stop -r rv -P "$P"
for _ in $(seq 50); do second=$(state_pid); [ -n "$second" ] && [ "$second" != "$first" ] && break; sleep 0.1; done
check "after the reboot a new init runs (pid $first -> ${second:-none})" test -n "$second" -a "$second" != "$first"
check_output "and the container is RUNNING" "RUNNING" "$HAKO" ls -f -P "$P"
sleep 1
# Two viewers at once: what one types (echoed by getty) reaches both.
(sleep 1; printf 'marker-%s\n' $$; sleep 2) | timeout 10 "$HAKO" console rv -P "$P" >"$P/a.out" 2>&1 &
a=$!
sleep 3.5 | timeout 10 "$HAKO" console rv -P "$P" >"$P/b.out" 2>&1 &
b=$!
wait $a $b
check "viewer one sees the typed text" grep -q "marker-$$" "$P/a.out"
check "viewer two sees it too" grep -q "marker-$$" "$P/b.out"
check "console -t 1 reaches tty1's getty" sh -c "sleep 2 | timeout 10 '$HAKO' console rv -t 1 -P '$P' | grep -q login"
check_output "stop: init halted, nothing said of a kill" '^$' "$HAKO" stop rv -P "$P" -t 20
# An init that ignores its halt signal (busybox and SIGCONT) is killed
# after -t, and stop says so and what to do.
echo "lxc.signal.halt = SIGCONT" >>"$P/rv/config"
check "start with lxc.signal.halt = SIGCONT" "$HAKO" start rv -P "$P"
check_output "stop -t 1 says the init was killed, and the fix" \
	'"rv" did not halt within 1 s of its halt signal and was killed; set lxc.signal.halt' \
	"$HAKO" stop rv -P "$P" -t 1
check_output "and it is STOPPED" "STOPPED" "$HAKO" ls -f -P "$P"
plan_end
