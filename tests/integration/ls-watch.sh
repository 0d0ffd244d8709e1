#!/usr/bin/env bash
# ls-watch.sh - `hako ls --json --watch`, the stream a remote dashboard
# reads over ssh: the hello line first (version, protocol 1, host, path),
# then the snapshot; busybox containers created, started, stopped and
# destroyed by the CLI each show as a line within 1 s of the command's
# end (the default 2 s interval cannot do that: the watcher's events do);
# a --running watcher sends "removed" for a container that stops; every
# line is valid JSON, and no "changed" line repeats the object last sent
# for that container; an idle path sends nothing; the watcher ends with
# exit 0 on SIGTERM and when its reader closes the pipe; usage errors;
# nothing left on the host.  As root and as the test user.
# guest-lane: skip - the stream format over inotify; the figures it carries come from ls, which runs here
. "$(dirname "$0")/../lib.sh"
hk_begin lswatch ls-watch

chmod 755 "$T"
UP=
watchers=() # "pid" of every watcher started
started=()  # "who path name" of every container started
cleanup() {
	local s who path name p
	for p in "${watchers[@]}"; do kill "$p" 2>/dev/null; done
	for s in "${started[@]}"; do
		read -r who path name <<<"$s"
		h "$who" stop -k "$name" -P "$path" >/dev/null 2>&1
		h "$who" destroy "$name" -P "$path" >/dev/null 2>&1
	done
	rm -rf "$T"
	[ -n "$UP" ] && rm -rf "$UP"
}
hk_on_exit cleanup

if [ ! -x "$HAKO" ]; then
	skip "ls-watch: build first (make test-build)"
	plan_end; exit
fi

# h WHO ARGS...: hako as root ("root") or as the named user.
h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"
	else HK_TEST_USER=$who as_user "$HAKO" "$@"; fi
}
# bg_watch WHO OUT ERR ARGS...: `hako ls --json --watch ARGS` in the
# background as WHO, with no shell between (as_user's env and setpriv
# exec), so that $! is the watcher itself.
bg_watch() {
	local who=$1 out=$2 err=$3 home; shift 3
	if [ "$who" = root ]; then
		"$HAKO" ls --json --watch "$@" >"$out" 2>"$err" &
	else
		home=$(getent passwd "$who" | cut -d: -f6)
		env -i HOME="$home" USER="$who" LOGNAME="$who" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			setpriv --reuid="$who" --regid="$who" --init-groups -- \
			"$HAKO" ls --json --watch "$@" >"$out" 2>"$err" &
	fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
lines() { wc -l <"$1"; }

# wait_line FILE FROM REGEX MS: polls FILE until a line after its first
# FROM lines matches REGEX (grep -E), for at most MS ms; prints the ms it
# took.  The stream's keys come in a fixed order, so a regex can match.
wait_line() {
	local f=$1 from=$2 re=$3 max=$4 t0 t
	t0=$(now_ms)
	while :; do
		t=$(($(now_ms) - t0))
		tail -n +$((from + 1)) "$f" | grep -qE -- "$re" && { echo "$t"; return 0; }
		[ "$t" -ge "$max" ] && return 1
		sleep 0.05
	done
}
# wait_exit PID MS: until process PID is gone, for at most MS ms.
wait_exit() {
	local t0
	t0=$(now_ms)
	while kill -0 "$1" 2>/dev/null; do
		[ $(($(now_ms) - t0)) -ge "$2" ] && return 1
		sleep 0.05
	done
}
row() { # NAME STATE: the start of a "changed" line for NAME in STATE
	echo "^\\{\"type\": \"changed\", \"container\": \\{\"name\": \"$1\", \"state\": \"$2\""
}

# step WHO P OUT DESC REGEX CMD...: runs CMD (hako as WHO), then wants a
# line matching REGEX in OUT within 1 s of its end.
step() {
	local who=$1 P=$2 out=$3 desc=$4 re=$5 from rc ms; shift 5
	from=$(lines "$out")
	h "$who" "$@" -P "$P" >"$T/cmd.out" 2>&1; rc=$?
	[ $rc = 0 ] || { not_ok "$desc: hako $* exited $rc"; sed 's/^/#   /' "$T/cmd.out" | head -5; return; }
	if ms=$(wait_line "$out" "$from" "$re" 1000); then
		ok "$desc: a line within 1 s ($ms ms after the command)"
	else
		not_ok "$desc: no line matching /$re/ within 1 s"; tail -n +$((from + 1)) "$out" | cut -c1-200 | sed 's/^/#   /'
	fi
}

# check_stream DESC FILE PATH: every line is JSON (python3 -m json.tool),
# the first the hello, the second the snapshot, the rest changed/removed,
# and no "changed" line repeats the last object sent for its container.
check_stream() {
	local desc=$1 f=$2 P=$3 l bad=0 n=0 out
	while IFS= read -r l; do
		n=$((n + 1))
		python3 -m json.tool <<<"$l" >/dev/null 2>&1 || { bad=1; diag "line $n is not JSON: ${l:0:200}"; }
	done <"$f"
	[ "$bad" = 0 ] && [ "$n" -ge 2 ] && ok "$desc: all $n lines are valid JSON (python3 -m json.tool)" ||
		not_ok "$desc: $n lines, not all JSON"
	out=$(python3 - "$f" "$P" <<'PY' 2>&1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
h = rows[0]
assert set(h) == {"hako", "protocol", "host", "path"}, "hello keys %s" % sorted(h)
assert h["protocol"] == 1 and h["path"] == sys.argv[2] and h["hako"] and h["host"], h
assert rows[1]["type"] == "snapshot" and isinstance(rows[1]["containers"], list), rows[1]
last = {c["name"]: c for c in rows[1]["containers"]}
for r in rows[2:]:
    if r["type"] == "removed":
        assert r["name"] in last, "removed %s, never sent" % r["name"]
        del last[r["name"]]
    else:
        assert r["type"] == "changed", r
        c = r["container"]
        assert last.get(c["name"]) != c, "the same object sent twice: %s" % c
        last[c["name"]] = c
PY
	)
	[ -z "$out" ] && ok "$desc: hello, then snapshot, then changes; no object sent twice in a row" ||
		{ not_ok "$desc: stream"; echo "$out" | tail -5 | sed 's/^/#   /'; }
}

# ---- usage errors (no container needed)
mkdir -p "$T/empty"
check_output "--watch without --json is a usage error saying what to add" 'add --json' \
	bash -c "'$HAKO' ls --watch -P '$T/empty'; [ \$? = 2 ]"
check_output "--watch with -f is a usage error" 'leave out -1, -f and -F' \
	bash -c "'$HAKO' ls --json --watch -f -P '$T/empty'; [ \$? = 2 ]"
check_output "--interval 0 is a usage error naming the value and the range" '--interval "0".*1-3600' \
	bash -c "'$HAKO' ls --json --watch --interval 0 -P '$T/empty'; [ \$? = 2 ]"
check_output "--interval without --watch is a usage error" 'paces --watch only' \
	bash -c "'$HAKO' ls --interval 5 -P '$T/empty'; [ \$? = 2 ]"
check_output "--watch on a missing -P path fails at once, naming it" "container path \"$T/missing\" \\(-P\\) does not exist" \
	bash -c "'$HAKO' ls --json --watch -P '$T/missing'; [ \$? = 1 ]"

need_root "ls --watch with real containers" || { plan_end; exit; }

# watch_mode WHO P: the whole life of container w1 under two watchers.
watch_mode() {
	local who=$1 P=$2 m=$1 out=$T/$1.out run=$T/$1.running pid rpid rc init cgs pids from
	bg_watch "$who" "$out" "$T/$who.err" -P "$P"
	pid=$!; watchers+=("$pid")
	bg_watch "$who" "$run" "$T/$who.rerr" --running -P "$P"
	rpid=$!; watchers+=("$rpid")
	if wait_line "$out" 0 '"type": "snapshot"' 5000 >/dev/null && wait_line "$run" 0 '"type": "snapshot"' 5000 >/dev/null; then
		ok "$m: the watchers wrote their hello and snapshot"
	else
		not_ok "$m: no snapshot from the watchers in 5 s"; cat "$out" "$T/$who.err" | sed 's/^/#   /' | head
	fi
	check_output "$m: the first line is the hello (hako, protocol 1, host, path)" \
		"^\\{\"hako\": \"[0-9.]+\", \"protocol\": 1, \"host\": \"[^\"]+\", \"path\": \"$P\"\\}\$" head -n 1 "$out"

	started+=("$who $P w1")
	step "$who" "$P" "$out" "$m: create" "$(row w1 STOPPED)" create w1 -t busybox
	step "$who" "$P" "$out" "$m: start" "$(row w1 RUNNING)" start w1
	if wait_line "$run" 0 "$(row w1 RUNNING)" 1000 >/dev/null; then ok "$m: --running: the started container shows"
	else not_ok "$m: --running: no RUNNING line"; sed 's/^/#   /' "$run" | cut -c1-200 | head; fi
	init=$(h "$who" ls -F NAME,PID -P "$P" 2>/dev/null | awk -F'\t' '$1 == "w1" { print $2 }')
	cgs= pids=
	if [ -n "$init" ] && [ "$init" != - ]; then
		cgs=$(hk_init_cgroups "$init" w1)
		pids=$(hk_cg_pids $cgs)
	fi
	from=$(lines "$run")
	step "$who" "$P" "$out" "$m: stop" "$(row w1 STOPPED)" stop w1
	if wait_line "$run" "$from" '^\{"type": "removed", "name": "w1"\}$' 1000 >/dev/null; then
		ok "$m: --running: the stopped container is removed from the stream"
	else not_ok "$m: --running: no removed line"; tail -n +$((from + 1)) "$run" | cut -c1-200 | sed 's/^/#   /'; fi

	# Idle: longer than the 2 s interval, and nothing to say.
	from=$(lines "$out")
	sleep 2.5
	[ "$(lines "$out")" = "$from" ] && ok "$m: nothing written while nothing changes (2.5 s, one recheck at least)" ||
		{ not_ok "$m: lines while idle"; tail -n +$((from + 1)) "$out" | cut -c1-200 | sed 's/^/#   /'; }

	step "$who" "$P" "$out" "$m: destroy" '^\{"type": "removed", "name": "w1"\}$' destroy w1
	kill -TERM "$pid" "$rpid"
	wait "$pid"; rc=$?
	[ $rc = 0 ] && ok "$m: SIGTERM ends the watcher with exit 0" || not_ok "$m: watcher after SIGTERM: exit $rc"
	wait "$rpid"; rc=$?
	[ $rc = 0 ] && ok "$m: SIGTERM ends the --running watcher with exit 0" || not_ok "$m: --running watcher after SIGTERM: exit $rc"
	[ -s "$T/$who.err" ] && { not_ok "$m: the watcher wrote to stderr"; sed 's/^/#   /' "$T/$who.err" | head -5; } ||
		ok "$m: nothing on the watcher's stderr"
	check_stream "$m" "$out" "$P"
	check_stream "$m --running" "$run" "$P"

	# A reader that goes: head takes 2 lines and exits; nothing changes
	# after, so only the watcher's poll on its stdout can notice.
	rm -f "$T/fifo"; mkfifo -m 666 "$T/fifo"
	bg_watch "$who" "$T/fifo" "$T/$who.cerr" -P "$P"
	pid=$!; watchers+=("$pid")
	timeout 10 head -n 2 "$T/fifo" >/dev/null
	local t0; t0=$(now_ms)
	if wait_exit "$pid" 3000; then
		wait "$pid"; rc=$?
		[ $rc = 0 ] && ok "$m: a closed reader ends the watcher with exit 0 ($(($(now_ms) - t0)) ms)" ||
			not_ok "$m: after its reader closed, the watcher exited $rc"
	else
		not_ok "$m: the watcher still runs 3 s after its reader closed"; kill "$pid"; wait "$pid"
	fi
	check_clean "$m: nothing left of the container (cgroup, mount, processes)" "$P/w1" "$cgs" $pids
	check_clean "$m: no watcher or other process left naming the container path" "$P" ""
}

mkdir -p "$T/root"
watch_mode root "$T/root"

# ---- an ordinary user's containers
if ! ensure_test_user; then
	skip "unprivileged: cannot make $HK_TEST_USER"
	plan_end; exit
fi
check "setup-user $HK_TEST_USER" "$HAKO" setup-user "$HK_TEST_USER"
UHOME=$(getent passwd "$HK_TEST_USER" | cut -d: -f6)
UP=$(as_user mktemp -d "$UHOME/hako-lswatch.XXXXXX")
chmod 755 "$UP" # the container's root (a sub-uid) walks through it
watch_mode "$HK_TEST_USER" "$UP"
plan_end
