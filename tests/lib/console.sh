# tests/lib/console.sh - driving `hako console` in a tmux pane of
# a dedicated server ($TM, set by the script), as WHO (root or an ordinary
# user): console.sh and systemd-ct.sh.  Sourced after tests/lib.sh.

# h WHO HAKO-ARGS...: hako as WHO.
h() {
	local who=$1; shift
	if [ "$who" = root ]; then "$HAKO" "$@"; else HK_TEST_USER=$who as_user "$HAKO" "$@"; fi
}
# state WHO PATH [NAME]: the STATE column of container NAME (c1).
state() { h "$1" ls -F NAME,STATE -P "$2" 2>/dev/null | awk -F'\t' -v n="${3:-c1}" '$1 == n { print $2 }'; }
# The command line a pane runs hako with, as WHO, TERM set as tmux does.
hako_cmd() {
	local who=$1; shift
	if [ "$who" = root ]; then printf '%q ' "$HAKO" "$@"; else
		local home
		home=$(getent passwd "$who" | cut -d: -f6)
		printf '%q ' env -i HOME="$home" PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=screen \
			setpriv --reuid="$who" --regid="$who" --init-groups -- "$HAKO" "$@"
	fi
}
# pane: what the pane shows (and its last $PANE_HISTORY lines of history).
pane() { $TM capture-pane -p ${PANE_HISTORY:+-S -$PANE_HISTORY} -t hk 2>/dev/null; }
# wait_pane ERE [TENTHS]: until the pane shows ERE (default 5 s).
wait_pane() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
check_pane() { # DESC ERE [TENTHS]
	if wait_pane "$2" "${3:-50}"; then ok "$1"; else
		not_ok "$1"; echo "#   expected /$2/ in the pane:"; pane | grep -v '^$' | sed 's/^/#   /' | tail -15
	fi
}
# new_pane: a shell in a pane of a new tmux server ($TM.N): kill-server
# returns before the old server is gone, and a session made on its socket
# could go with it.
new_pane() {
	$TM kill-server >/dev/null 2>&1
	PANES=$((${PANES:-0} + 1))
	TM="${TM%.*}.$PANES"
	$TM new-session -d -s hk -x 120 -y 30 "env PS1='HKPROMPT\$ ' bash --norc --noprofile" >/dev/null 2>&1
	wait_pane 'HKPROMPT' 30
}
# end_panes: the last server killed, the socket files of all removed.
end_panes() {
	local sock=${TM##* -L }
	$TM kill-server >/dev/null 2>&1
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/${sock%.*}".*
}

