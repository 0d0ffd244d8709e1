#!/usr/bin/env bash
# tests/integration/lxc-compat.sh - hako beside the real LXC (Debian's
# lxc package), on one container made by LXC's own busybox template
# (`lxc-create -t busybox`, offline), in a -P path both use:
#   1. hako runs it: start, attach as root, ls, the hostname from its
#      config, and LXC's view of it (runner.h): lxc-info RUNNING with
#      hako's init pid, lxc-ls --running lists it, lxc-wait waits for
#      its states as hako wait does, lxc-start and lxc-stop -k refuse,
#      lxc-stop halts it (its own halt signal, STOPPED told by hako); malformed and foreign requests on the monitor's LXC
#      socket change nothing; stop leaves nothing behind.
#   2. LXC runs it (lxc-start -d): hako's ls -f/-F/--json and info show it
#      RUNNING with LXC's init pid, memory and pids, marked as LXC's; start,
#      destroy, clone, rename, snapshot restore, config, attach, console,
#      freeze, cgroup, device, checkpoint and restore refuse naming the lxc-* command, and it keeps running
#      with its rootfs; hako wait agrees with lxc-wait; hako stop (halt,
#      then -k) stops it as lxc-stop would.
#   3. A path too long for LXC's plain socket name (the hashed name): each
#      sees the other's running container.
# Each check has a twin that fails if the thing checked is not what made
# it pass (stopped vs running, hako vs LXC).  Edits to LXC's config, as
# this host needs for LXC itself: lxc.net.0.type = empty (no lxcbr0) and
# lxc.console.path = none (LXC's console setup fails here).
. "$(dirname "$0")/../lib.sh"
hk_begin lxccompat lxc-compat root build

D=$T
L=$D/$(printf 'long%.0s' $(seq 1 22)) # the hashed name: past 105 bytes with NAME/command
N=hkcompat
N2=hkcompat2
LN=hklong
export HAKO_RUN_DIR=$D/run
cleanup() {
	local p n
	for p in "$D" "$L"; do
		for n in "$N" "$N2" "$LN"; do
			lxc-stop -k -n "$n" -P "$p" >/dev/null 2>&1
			"$HAKO" -P "$p" stop -k "$n" >/dev/null 2>&1
			lxc-destroy -s -n "$n" -P "$p" >/dev/null 2>&1
		done
	done
	rm -rf "$D"
}
hk_on_exit cleanup

if ! command -v lxc-create >/dev/null; then skip "lxc-compat: LXC is not installed"; plan_end; exit; fi
command -v python3 >/dev/null || { skip "lxc-compat: python3 is needed to speak LXC's protocol"; plan_end; exit; }

# lxc_cmd PATH NAME CMD [DATA]: one request on LXC's command socket of
# NAME in PATH, as LXC's clients send it; prints "RET VALUE DATA" (VALUE:
# the answer carried in the data word), or "closed" when the server hung
# up without an answer, "refused" when nobody listens.
PY=$D/lxccmd.py
cat >"$PY" <<'EOF'
import socket, struct, sys
HDR = "iiq" # int cmd/ret; int datalen; void *data (x86-64)
def conn(path, name, wait=True):
    n = "%s/%s/command" % (path, name)
    assert len(n) < 106, "the test's path is too long for the plain name"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if wait: # as LXC's clients do: a full backlog is waited for (10 s at most here)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 10, 0))
    else:
        s.setblocking(False)
    s.connect("\0" + n)
    s.settimeout(10)
    return s
def recv_all(s, n):
    b = b""
    while len(b) < n:
        try:
            c = s.recv(n - len(b))
        except ConnectionResetError: # closed with our request unread
            c = b""
        if not c:
            return b
        b += c
    return b
def ask(path, name, cmd, data=b""):
    try:
        s = conn(path, name)
    except ConnectionRefusedError:
        return "refused"
    s.sendall(struct.pack(HDR, cmd, len(data), 0) + data)
    r = recv_all(s, 16)
    if len(r) < 16:
        return "closed"
    ret, dlen, val = struct.unpack(HDR, r)
    payload = recv_all(s, dlen).rstrip(b"\0").decode(errors="replace") if dlen > 0 else "-"
    return "%d %d %s" % (ret, val, payload)
def abuse(path, name):
    out = []
    s = conn(path, name); s.sendall(b"\1\2\3"); s.close()              # half a header
    for dlen in (-5, 1 << 30):                                         # lengths out of range
        s = conn(path, name); s.sendall(struct.pack(HDR, 3, dlen, 0))
        out.append("len %d: %s" % (dlen, "closed" if recv_all(s, 16) == b"" else "answered"))
    s = conn(path, name); s.sendall(bytes(range(256)) * 16)            # garbage
    recv_all(s, 16); s.close()
    idle, full = [], 0                                                 # more than it serves:
    for _ in range(40):                                                # a full backlog may
        try:                                                           # refuse some at once
            idle.append(conn(path, name, False))
        except (BlockingIOError, ConnectionRefusedError):
            full += 1
    for i in idle: i.close()
    out.append("flood: %d connected" % len(idle))
    out.append("unknown: " + ask(path, name, 9999))
    out.append("stop: " + ask(path, name, 2))
    out.append("name with data: " + ask(path, name, 8, b"xyz"))
    return "\n".join(out)
if sys.argv[1] == "abuse":
    print(abuse(sys.argv[2], sys.argv[3]))
else:
    print(ask(sys.argv[1], sys.argv[2], int(sys.argv[3])))
EOF
lxc_cmd() { python3 "$PY" "$@" 2>&1; }
lxc_state() { lxc-info -s -n "$1" -P "$2" 2>/dev/null | awk '{ print $2 }'; }
lxc_pid() { lxc-info -p -n "$1" -P "$2" 2>/dev/null | awk '{ print $2 }'; }
lxc_monitors() { hk_live_matching "[lxc monitor] $2 $1" | awk '{ print $1 }'; }
# waiting DESC SECS CMD...: CMD (lxc-wait or hako wait) in the
# background; true once it has not returned within SECS (it waits, as it
# should for a state the container is not in).  WAITER: its pid.
waiting() {
	local desc=$1 secs=$2; shift 2
	"$@" >"$D/waiter.out" 2>&1 &
	WAITER=$!
	sleep "$secs"
	if kill -0 "$WAITER" 2>/dev/null; then ok "$desc"; return 0; fi
	wait "$WAITER"; not_ok "$desc: it returned at once (status $?)"; sed 's/^/#   /' "$D/waiter.out"
	return 1
}
# waited DESC SECS: WAITER ends with status 0 within SECS.
waited() {
	local desc=$1 secs=$2 i rc
	for ((i = 0; i < secs * 10; i++)); do kill -0 "$WAITER" 2>/dev/null || break; sleep 0.1; done
	kill "$WAITER" 2>/dev/null
	wait "$WAITER"; rc=$?
	[ "$rc" = 0 ] && ok "$desc" || { not_ok "$desc: status $rc"; sed 's/^/#   /' "$D/waiter.out"; }
}
# same_status DESC ARGS...: lxc-wait and hako wait with ARGS (-s ... -t
# ...) on N in D end with the same status; EXPECT is that status.
same_status() {
	local desc=$1 expect=$2 l h; shift 2
	lxc-wait -n "$N" -P "$D" "$@" >/dev/null 2>&1; l=$?
	"$HAKO" -P "$D" wait "$N" -q "$@" >/dev/null 2>&1; h=$?
	[ "$l" = "$expect" ] && [ "$h" = "$expect" ] && ok "$desc: both exit $expect" ||
		not_ok "$desc: lxc-wait $l, hako wait $h (expected $expect)"
}
# ls_field NAME COLUMN PATH: one column of `hako ls -F`.
ls_field() { "$HAKO" -P "$3" ls -F "NAME,$2" 2>/dev/null | awk -F'\t' -v n="$1" '$1 == n { print $2 }'; }

# make_lxc PATH NAME: LXC's busybox container, edited for this host.
make_lxc() {
	local out
	if ! out=$(lxc-create -t busybox -n "$2" -P "$1" 2>&1); then
		printf '%s' "$out" | tail -1
		return 1
	fi
	sed -i '/^lxc\.net\.0\./d' "$1/$2/config"
	printf 'lxc.net.0.type = empty\nlxc.console.path = none\n' >>"$1/$2/config"
}
if ! out=$(make_lxc "$D" "$N"); then
	skip "lxc-compat: lxc-create -t busybox failed here: $out"
	plan_end; exit
fi
ok "lxc-create -t busybox -n $N"
C=$D/$N/config
R=$D/$N/rootfs
cp "$C" "$D/config.orig"

# ---- 1. hako runs it ----
check_output "before: lxc-info says STOPPED" '^STOPPED$' lxc_state "$N" "$D"
out=$("$HAKO" -P "$D" start "$N" 2>&1); rc=$?
[ $rc = 0 ] && ok "hako -P DIR start $N" || { not_ok "hako start of LXC's container: rc=$rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
[ -n "$out" ] && diag "start said: $out"
check_output "ls -f shows it RUNNING" "^$N +RUNNING " "$HAKO" -P "$D" ls -f
check_output "... with the default 7 columns: no other runner here" '^7$' \
	sh -c "'$HAKO' -P '$D' ls -f 2>/dev/null | awk 'NR > 1 { print NF }'"
check_output "RUNNER says hako" '^hako$' ls_field "$N" RUNNER "$D"
check_output "attach -- id -u prints 0" '^0$' "$HAKO" -P "$D" attach "$N" -- id -u
check_output "hostname is lxc.uts.name (quoted in LXC's config)" "^$N\$" "$HAKO" -P "$D" attach "$N" -- hostname
check_output "pid 1 is busybox init" '^Name:[[:space:]]+init' "$HAKO" -P "$D" attach "$N" -- cat /proc/1/status
check_output "LXC's lxc.mount.entry binds are there (/lib read-only)" ' /lib .*ro[, ]' \
	"$HAKO" -P "$D" attach "$N" -- cat /proc/mounts
check_output "lxc.tty.max = 5: five ttys" '^5$' "$HAKO" -P "$D" attach "$N" -- sh -c 'ls /dev | grep -c "^tty[0-9]"'
init=$(hk_pid_of "$N" "$HAKO" -P "$D")
cgs=
[ -n "$init" ] && cgs=$(hk_init_cgroups "$init" "$N")
pids=$(hk_cg_pids $cgs)
check_cgroups_found "while it runs, its cgroups are found (init's among them)" "$N" "$D" "$init"

# LXC's view of a container hako runs.
check_output "lxc-info says RUNNING" '^RUNNING$' lxc_state "$N" "$D"
[ -n "$init" ] && [ "$(lxc_pid "$N" "$D")" = "$init" ] && ok "lxc-info shows hako's init pid ($init)" \
	|| not_ok "lxc-info pid: '$(lxc_pid "$N" "$D")', hako's init: '$init'"
check_output "lxc-ls --running lists it" "^$N\$" lxc-ls -1 --running -P "$D"
# lxc-wait on it (ADD_STATE_CLIENT): it was told STOPPED at once
same_status "waiting for RUNNING" 0 -s RUNNING -t 5
same_status "waiting for STOPPED, 1 s" 1 -s STOPPED -t 1
if waiting "lxc-wait -s FROZEN waits while it runs" 1 lxc-wait -n "$N" -P "$D" -s FROZEN -t 60; then
	"$HAKO" -P "$D" freeze "$N"
	waited "... and returns 0 once hako froze it" 30
	waiting "lxc-wait -s THAWED waits while it is frozen" 1 lxc-wait -n "$N" -P "$D" -s THAWED -t 60 &&
		{ "$HAKO" -P "$D" unfreeze "$N"; waited "... and returns 0 once hako thawed it" 30; }
fi
"$HAKO" -P "$D" unfreeze "$N" >/dev/null 2>&1
out=$(lxc-start -d -n "$N" -P "$D" 2>&1)
printf '%s\n' "$out" | grep -q 'already running' && ok "lxc-start refuses: already running" \
	|| { not_ok "lxc-start of a container hako runs"; printf '%s\n' "$out" | sed 's/^/#   /'; }
[ -z "$(lxc_monitors "$N" "$D")" ] && [ "$(hk_pid_of "$N" "$HAKO" -P "$D")" = "$init" ] \
	&& ok "... no LXC monitor for it, and hako's init is still its init" \
	|| not_ok "after lxc-start: LXC monitors '$(lxc_monitors "$N" "$D")', init '$(hk_pid_of "$N" "$HAKO" -P "$D")' (was $init)"
check_fails "lxc-stop -k refuses (LXC_CMD_STOP: hako runs it)" lxc-stop -k -n "$N" -P "$D"
check_output "... and it still runs under hako" "^$N +RUNNING " "$HAKO" -P "$D" ls -f
check_output "GET_NAME answers its name" '^0 [0-9-]+ hkcompat$' lxc_cmd "$D" "$N" 8
check_output "GET_LXCPATH answers the path" "^0 [0-9-]+ $D\$" lxc_cmd "$D" "$N" 9
out=$(lxc_cmd abuse "$D" "$N")
printf '%s\n' "$out" | grep -q '^len -5: closed$' && printf '%s\n' "$out" | grep -q '^len 1073741824: closed$' \
	&& ok "requests with a bad length are closed unanswered" || { not_ok "bad lengths"; printf '%s\n' "$out" | sed 's/^/#   /'; }
diag "flood: $(printf '%s\n' "$out" | grep '^flood:')"
printf '%s\n' "$out" | grep -q '^unknown: -38 ' && printf '%s\n' "$out" | grep -q '^stop: -1 ' \
	&& printf '%s\n' "$out" | grep -q '^name with data: 0 .* hkcompat$' \
	&& ok "unknown commands: -ENOSYS; stop: -EPERM; a request with data is read whole" \
	|| { not_ok "answers"; printf '%s\n' "$out" | sed 's/^/#   /'; }
[ "$(lxc_state "$N" "$D")" = RUNNING ] && [ "$(lxc_pid "$N" "$D")" = "$init" ] \
	&& ok "after garbage, 40 idle connections and bad requests: its monitor still answers" \
	|| not_ok "the monitor after the abuse: state '$(lxc_state "$N" "$D")' pid '$(lxc_pid "$N" "$D")'"
if ensure_test_user; then
	out=$(as_user python3 - "$D" "$N" 4 <"$PY" 2>&1)
	[ "${out%% *}" = -1 ] && [ "$(echo "$out" | awk '{ print $2 }')" = 0 ] \
		&& ok "another uid's GET_INIT_PID is refused (-EPERM), the pid not told" \
		|| not_ok "GET_INIT_PID as $HK_TEST_USER: $out"
	check_output "... root's is answered: the pid" "^0 $init -\$" lxc_cmd "$D" "$N" 4
else
	skip "no test user: the peer check of the monitor's LXC socket"
fi

waiting "lxc-wait -s STOPPED waits while hako runs it" 1 lxc-wait -n "$N" -P "$D" -s STOPPED -t 120
check "stop" "$HAKO" -P "$D" stop "$N"
waited "... lxc-wait returns 0 when it stops" 30
check_output "ls -f shows it STOPPED" "^$N +STOPPED " "$HAKO" -P "$D" ls -f
check_output "... RUNNER is empty" '^-$' ls_field "$N" RUNNER "$D"
check_output "lxc-info says STOPPED once hako stopped it" '^STOPPED$' lxc_state "$N" "$D"
check_output "... and nobody listens on its name" '^refused$' lxc_cmd "$D" "$N" 3
check_clean "nothing left on the host" "$D/$N" "$cgs" $pids
check "hako left the config as it was" cmp "$C" "$D/config.orig"
check "hako snapshot of it while it is stopped" "$HAKO" -P "$D" snapshot "$N"
snaps() { "$HAKO" -P "$D" snapshot "$N" -L 2>/dev/null | grep -c '^snap[0-9]'; }
check_output "... listed" '^1$' snaps
# lxc-stop without -k halts it as it halts LXC's own: it sends init the
# halt signal itself and waits (lxc-wait's request) for STOPPED, which
# hako's monitor tells once it has cleaned up.
check "hako starts it again" "$HAKO" -P "$D" start "$N"
check "lxc-stop halts it (its halt signal, then STOPPED from hako's monitor)" lxc-stop -n "$N" -P "$D" -t 60
check_output "... hako says STOPPED" "^$N +STOPPED " "$HAKO" -P "$D" ls -f
check_output "... nobody listens on its name" '^refused$' lxc_cmd "$D" "$N" 3
check_clean "... nothing of it left on the host" "$D/$N" ""

# ---- 2. LXC runs it ----
# hako's own part above proved the name free ("nobody listens on its
# name"): an lxc-start that fails now fails for LXC's own reasons on this
# host (in the systemd guest its daemonized start cannot report the
# state), and what needs LXC running is skipped, with LXC's words.
if out=$(lxc-start -d -n "$N" -P "$D" 2>&1); then
	ok "lxc-start -d"
	lpid=$(lxc_pid "$N" "$D")
	mon=$(lxc_monitors "$N" "$D")
	[ -n "$lpid" ] && [ -n "$mon" ] && ok "LXC runs it: init $lpid, monitor $mon" || not_ok "lxc-info pid '$lpid', monitor '$mon'"
	check_output "ls -f: RUNNING, and a RUNNER column saying lxc" "^$N +RUNNING .* lxc$" "$HAKO" -P "$D" ls -f
	check_output "ls -F pid shows LXC's init pid" "^$lpid\$" ls_field "$N" PID "$D"
	check_output "ls --json: running, LXC's pid, runner lxc" \
		"\"name\": \"$N\", \"state\": \"RUNNING\", \"pid\": $lpid, .*\"runner\": \"lxc\"" "$HAKO" -P "$D" ls --json
	check_output "ls -F: memory and pids read from LXC's cgroup" $'^[0-9.]+MiB\t[1-9][0-9]*$' \
		sh -c "'$HAKO' -P '$D' ls -F NAME,RAM,PIDS 2>/dev/null | awk -F'\t' -v n='$N' '\$1 == n { print \$2 \"\t\" \$3 }'"
	info=$("$HAKO" -P "$D" info "$N" 2>&1)
	printf '%s\n' "$info" | grep -Eq '^State: +RUNNING$' && printf '%s\n' "$info" | grep -Eq "^PID: +$lpid\$" \
		&& printf '%s\n' "$info" | grep -Eq "^Runner: +lxc \\(monitor pid $mon\\)\$" \
		&& printf '%s\n' "$info" | grep -Eq '^Processes: +[1-9]' \
		&& ok "info: RUNNING, LXC's pid, runner lxc with its monitor, processes" \
		|| { not_ok "info of an LXC-run container"; printf '%s\n' "$info" | sed 's/^/#   /'; }

	# refuse_check DESC HINT HAKO-ARGS...: fails, naming LXC and HINT.
	refuse_check() {
		local desc=$1 hint=$2 out rc; shift 2
		out=$("$HAKO" -P "$D" "$@" 2>&1); rc=$?
		if [ $rc != 0 ] && printf '%s' "$out" | grep -q "is run by LXC (its monitor is pid $mon)" &&
			printf '%s' "$out" | grep -qF -- "$hint"; then ok "$desc"; else
			not_ok "$desc: rc=$rc"; printf '%s\n' "$out" | sed 's/^/#   /' | head -5
		fi
	}
	refuse_check "hako snapshot refuses to copy it" "lxc-stop -n $N -P $D" snapshot "$N"
	check_output "... no second snapshot" '^1$' snaps
	refuse_check "hako snapshot -r (restore) refuses" "\"lxc-stop -n $N -P $D\"" snapshot "$N" -r snap0
	refuse_check "hako start refuses, naming lxc-stop" "\"lxc-stop -n $N -P $D\"" start "$N"
	refuse_check "hako destroy refuses, naming lxc-destroy" "\"lxc-destroy -f -n $N -P $D\"" destroy "$N"
	refuse_check "hako destroy -f refuses too" "\"lxc-destroy -f -n $N -P $D\"" destroy -f "$N"
	refuse_check "hako clone refuses, naming lxc-copy" "\"lxc-copy -n $N -P $D -N NEWNAME\"" clone "$N" "$N2"
	check "... and made no clone" test ! -e "$D/$N2"
	refuse_check "hako config KEY VALUE refuses" "lxc-stop -n $N -P $D" config "$N" lxc.start.auto 1
	check "... and the config is as it was" cmp "$C" "$D/config.orig"
	refuse_check "hako attach refuses, naming lxc-attach" "\"lxc-attach -n $N -P $D -- COMMAND\"" attach "$N" -- true
	refuse_check "hako console refuses, naming lxc-console" "\"lxc-console -n $N -P $D\"" console "$N"
	refuse_check "hako freeze refuses, naming lxc-freeze" "\"lxc-freeze -n $N -P $D\"" freeze "$N"
	refuse_check "hako cgroup refuses, naming lxc-cgroup" "\"lxc-cgroup -n $N -P $D" cgroup "$N" pids.max
	refuse_check "hako stop -r refuses, naming lxc-stop -r" "\"lxc-stop -r -n $N -P $D\"" stop -r "$N"
	refuse_check "hako rename refuses, naming lxc-copy -R" "\"lxc-copy -R -n $N -P $D -N NEWNAME\"" rename "$N" "$N2"
	refuse_check "hako device refuses, naming lxc-device" "\"lxc-device -n $N -P $D add|del" device "$N" add /dev/null /dev/hknull
	check "... and renamed nothing" test ! -e "$D/$N2"
	refuse_check "hako checkpoint refuses, naming lxc-checkpoint" "\"lxc-checkpoint -n $N -P $D -D DIR\"" \
		checkpoint "$N" -D "$D/ckpt"
	refuse_check "hako restore refuses, naming lxc-stop" "\"lxc-stop -n $N -P $D\"" restore "$N" -D "$D/ckpt"
	check "... and made no checkpoint directory" test ! -e "$D/ckpt"
	[ "$(lxc_state "$N" "$D")" = RUNNING ] && [ "$(lxc_pid "$N" "$D")" = "$lpid" ] && [ "$(lxc_monitors "$N" "$D")" = "$mon" ] \
		&& ok "after all that, LXC still runs it: same init, same monitor" \
		|| not_ok "LXC's container after the refusals: $(lxc_state "$N" "$D") pid $(lxc_pid "$N" "$D") monitor $(lxc_monitors "$N" "$D")"
	[ -x "$R/bin/busybox" ] && [ -f "$C" ] && ok "its rootfs and config are intact" || not_ok "rootfs or config gone: $(ls "$R" 2>&1 | head -3)"
	check "lxc-attach still works in it" lxc-attach -n "$N" -P "$D" -- /bin/true
	same_status "LXC runs it: waiting for RUNNING" 0 -s RUNNING -t 5
	same_status "LXC runs it: waiting for STOPPED, 1 s" 1 -s STOPPED -t 1
	waiting "hako wait -s STOPPED waits while LXC runs it" 1 "$HAKO" -P "$D" wait "$N" -s STOPPED
	check "hako stop stops it the way lxc-stop does (halt signal)" "$HAKO" -P "$D" stop -t 60 "$N"
	waited "... hako wait returns 0" 30
	check_output "... lxc-info: STOPPED" '^STOPPED$' lxc_state "$N" "$D"
	[ -z "$(lxc_monitors "$N" "$D")" ] && [ -z "$(hk_live "$lpid")" ] && ok "... LXC's monitor and init are gone" \
		|| not_ok "after hako stop: monitor '$(lxc_monitors "$N" "$D")', init '$(hk_live "$lpid")'"
	check_output "... ls -f: STOPPED, back to 7 columns" "^$N +STOPPED( +[^ ]+){5}\$" "$HAKO" -P "$D" ls -f
	check "lxc-start -d again" lxc-start -d -n "$N" -P "$D"
	lpid=$(lxc_pid "$N" "$D")
	check "hako stop -k kills it through LXC (LXC_CMD_STOP)" "$HAKO" -P "$D" stop -k "$N"
	[ "$(lxc_state "$N" "$D")" = STOPPED ] && [ -z "$(hk_live "$lpid")" ] && [ -z "$(lxc_monitors "$N" "$D")" ] \
		&& ok "... it is stopped, nothing of it runs" || not_ok "after stop -k: $(lxc_state "$N" "$D"), init '$(hk_live "$lpid")'"
	check "hako start works again once LXC let go of it" "$HAKO" -P "$D" start "$N"
	check "... and stop" "$HAKO" -P "$D" stop -k "$N"

	# ---- 3. the hashed name of a long path ----
	mkdir -p "$L"
	if out=$(make_lxc "$L" "$LN"); then
		check "long path: hako start" "$HAKO" -P "$L" start "$LN"
		check_output "long path: lxc-info sees it RUNNING (LXC's hashed name)" '^RUNNING$' lxc_state "$LN" "$L"
		check "long path: hako stop" "$HAKO" -P "$L" stop -k "$LN"
		check_output "long path: lxc-info says STOPPED after" '^STOPPED$' lxc_state "$LN" "$L"
		check "long path: lxc-start -d" lxc-start -d -n "$LN" -P "$L"
		check_output "long path: hako ls -f sees it run by LXC" "^$LN +RUNNING .* lxc$" "$HAKO" -P "$L" ls -f
		check_fails "long path: hako start refuses" "$HAKO" -P "$L" start "$LN"
		check "long path: hako stop -k" "$HAKO" -P "$L" stop -k "$LN"
		[ "$(lxc_state "$LN" "$L")" = STOPPED ] && [ "$(hk_state "$LN" -P "$L")" = STOPPED ] \
			&& ok "long path: STOPPED for both" || not_ok "long path: LXC says $(lxc_state "$LN" "$L"), hako $(hk_state "$LN" -P "$L")"
		check "long path: lxc-destroy" lxc-destroy -n "$LN" -P "$L"
	else
		skip "long path: lxc-create failed: $out"
	fi

else
	skip "LXC runs it, and the long path: lxc-start cannot start a container on this host: $(printf '%s' "$out" | head -n 1)"
fi

check "hako snapshot -d of its snapshot" "$HAKO" -P "$D" snapshot "$N" -d snap0
check "lxc-destroy removes it" lxc-destroy -n "$N" -P "$D"
check "... it is gone" test ! -e "$D/$N"

plan_end
