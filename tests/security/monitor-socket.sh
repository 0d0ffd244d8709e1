#!/usr/bin/env bash
# tests/security/monitor-socket.sh - the monitor-socket class:
# the monitor listens on a path socket (never an abstract one, which a
# container sharing the host's network namespace could reach) in a
# directory only its owner can enter (its only abstract socket is LXC's
# command name, which answers LXC's read-only requests: lxc-compat.sh);
# another user cannot connect; and
# malformed frames (zero length, a huge length, a truncated frame, an
# unknown type, a string TLV with a NUL, garbage) get an error or a
# closed connection while the monitor stays up and keeps answering.
# Modes: root privileged, root user namespace, the delegated user.
. "$(dirname "$0")/../lib.sh"
HM_MODES="rp ru ud"
hk_begin ms monitor-socket modes
command -v python3 >/dev/null || { skip "monitor-socket: needs python3"; plan_end; exit; }

# Sends each malformed frame on its own connection; prints one line each.
FRAMES='
import socket, struct, sys
def tlv(tag, data): return struct.pack("<HH", tag, len(data)) + data
frames = {
 "zero-length": struct.pack("<I", 0),
 "huge-length": struct.pack("<I", 0xffffffff) + b"x" * 64,
 "truncated": struct.pack("<I", 100) + struct.pack("<HH", 1, 0) + b"ab",
 "unknown-type": struct.pack("<IHH", 4, 0x7777, 0),
 "nul-in-string": struct.pack("<IHH", 4 + 4 + 5, 1, 0) + tlv(2, b"a\x00b\xff\xfe"),
 "garbage": bytes(range(256)) * 4,
}
for name, data in frames.items():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
        r = s.recv(4096)
        print(name, "reply" if r else "closed")
    except socket.timeout:
        print(name, "timeout")
    except OSError as e:
        print(name, "closed", e.errno)
    s.close()
'

ms_mode() {
	local m=$1 l=${HM_LABEL[$1]} sock init mon out dir
	hm_create "$m" || { not_ok "$l: create"; return; }
	check "$l: start" hm "$m" start "$HM_N"
	init=$(hm_init_pid "$m")
	mon=$(ps -o ppid= -p "$init" | tr -d ' ')
	# Bound through a directory descriptor, so /proc/net/unix shows
	# /proc/self/fd/N/monitor.sock: look for the file itself.
	sock=$(find /run /tmp /home -path "*/$HM_N/monitor.sock" 2>/dev/null | head -1)
	[ -n "$sock" ] && [ -S "$sock" ] && ok "$l: the monitor listens on a path socket ($sock)" \
		|| { not_ok "$l: no monitor.sock path socket for monitor $mon"; return; }
	# LXC's command socket name is the one abstract socket, held so that
	# LXC's tools see the container (lxc-compat.sh tests what it answers).
	local lxcname="@$(hm_dir "$m")/command"
	out=$(awk -v n="$HM_N" -v lxc="$lxcname" '$8 ~ /^@/ && index($8, n) && $8 != lxc { print $8 }' /proc/net/unix)
	[ -z "$out" ] && ok "$l: no abstract socket but LXC's command name" || not_ok "$l: abstract sockets: $out"
	[ "$(awk -v lxc="$lxcname" '$8 == lxc' /proc/net/unix | wc -l)" = 1 ] && ok "$l: ... which it holds ($lxcname)" \
		|| not_ok "$l: LXC's command name $lxcname is not held"
	dir=$(dirname "$sock")
	local owner mode
	owner=$(stat -c %U "$dir"); mode=$(stat -c %a "$dir")
	[ $((8#$mode & 8#077)) = 0 ] && ok "$l: its directory is owner-only ($mode, $owner)" \
		|| not_ok "$l: $dir is mode $mode"
	if [ "$m" != ud ]; then
		out=$(as_user python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$sock" 2>&1)
		[ $? != 0 ] && ok "$l: another user cannot connect" || not_ok "$l: the test user connected to root's monitor"
	fi
	if hm_user "$m"; then out=$(as_user python3 -c "$FRAMES" "$sock" 2>&1); else out=$(python3 -c "$FRAMES" "$sock" 2>&1); fi
	diag "$l: $(echo $out)"
	printf '%s' "$out" | grep -q timeout && not_ok "$l: a malformed frame hung a connection: $out" \
		|| ok "$l: every malformed frame got an error or a closed connection"
	[ "$(ps -o ppid= -p "$init" | tr -d ' ')" = "$mon" ] && kill -0 "$mon" && ok "$l: the monitor (pid $mon) is still up" \
		|| not_ok "$l: the monitor died"
	[ "$(hm "$m" ls -F NAME,STATE 2>/dev/null | awk -F'\t' -v n="$HM_N" '$1 == n { print $2 }')" = RUNNING ] \
		&& ok "$l: ls -f still shows RUNNING" || not_ok "$l: ls -f after the frames: $(hm "$m" ls -f 2>&1)"
	check "$l: attach still works" hm_in "$m" true
	check "$l: stop through the monitor still works" hm "$m" stop -t 10 "$HM_N"
}
for_modes ms_mode
plan_end
