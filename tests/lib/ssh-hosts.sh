# tests/lib/ssh-hosts.sh - throw-away ssh "hosts" on this machine for
# the remote tests (tests/integration/remote-ssh.sh).  Sourced (bash).
#
# A host is a network namespace PREFIX-N with a veth pair to this one
# (PREFIXNh here, 10.213.N.1/30; PREFIXNn there, 10.213.N.2/30: the
# namespace's own address), and one or more sshd's in it, each with its
# own config, throw-away host key, port, authorized key and PATH (sshd's
# SetEnv: the directory holding the "hako" that host runs, which may be
# this checkout's build/hako, a stand-in script, or nothing).  The client
# side is an ssh_config of its own (for hako.conf [ssh] config): a
# throw-away key, known_hosts holding exactly these hosts' keys, no
# global known_hosts.  Nothing listens outside the namespaces, and no
# system sshd is started (sshd -f, never the service).
#
#   sshh_init DIR PREFIX      client key, a second key no host accepts, ssh_config
#   sshh_netns N              the namespace and veth of host N (prints its address)
#   sshh_sshd NAME N PORT BINDIR [AUTHKEYS]   an sshd in host N's namespace
#   sshh_stop NAME            kill that sshd and its sessions (not what they started)
#   sshh_start NAME           start it again (same key, port, config)
#   sshh_rekey NAME           a new host key (known_hosts keeps the old one)
#   sshh_cleanup              every sshd, connection, namespace and veth made
#   sshh_leftovers            prints what sshh_cleanup should have removed

SSHH_DIR= SSHH_PREFIX= SSHH_NETS=() SSHH_NAMES=() SSHH_MADE_RUN_SSHD=

sshh_init() {
	SSHH_DIR=$1 SSHH_PREFIX=$2
	mkdir -p "$SSHH_DIR" || return 1
	ssh-keygen -q -t ed25519 -N '' -C hako-test-client -f "$SSHH_DIR/client_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -C hako-test-stranger -f "$SSHH_DIR/other_key" || return 1
	: >"$SSHH_DIR/known_hosts"
	cat >"$SSHH_DIR/ssh_config" <<EOF
Host *
	User root
	IdentityFile $SSHH_DIR/client_key
	IdentitiesOnly yes
	UserKnownHostsFile $SSHH_DIR/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	UpdateHostKeys no
	LogLevel ERROR
EOF
	# sshd's privilege separation directory (the package's tmpfiles.d
	# makes it at boot; nothing does here)
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd && SSHH_MADE_RUN_SSHD=1
	fi
}

sshh_netns() {
	local n=$1 ns=$SSHH_PREFIX-$1
	ip netns add "$ns" || return 1
	SSHH_NETS+=("$ns")
	ip link add "$SSHH_PREFIX${n}h" type veth peer name "$SSHH_PREFIX${n}n" netns "$ns" || return 1
	ip addr add "10.213.$n.1/30" dev "$SSHH_PREFIX${n}h" &&
		ip link set "$SSHH_PREFIX${n}h" up &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" addr add "10.213.$n.2/30" dev "$SSHH_PREFIX${n}n" &&
		ip -n "$ns" link set "$SSHH_PREFIX${n}n" up || return 1
	echo "10.213.$n.2"
}

# The known_hosts name of NAME's sshd: ADDR, or [ADDR]:PORT.
_sshh_kh_name() {
	local d=$SSHH_DIR/$1 port
	port=$(cat "$d/port")
	if [ "$port" = 22 ]; then cat "$d/addr"; else echo "[$(cat "$d/addr")]:$port"; fi
}

sshh_sshd() {
	local name=$1 n=$2 port=$3 bin=$4 keys=${5:-$SSHH_DIR/client_key.pub}
	local d=$SSHH_DIR/$name
	mkdir -p "$d/run" || return 1
	echo "$SSHH_PREFIX-$n" >"$d/ns"
	echo "10.213.$n.2" >"$d/addr"
	echo "$port" >"$d/port"
	ssh-keygen -q -t ed25519 -N '' -C "hako-test-$name" -f "$d/host_key" || return 1
	cat >"$d/sshd_config" <<EOF
ListenAddress 10.213.$n.2:$port
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the keys live in the test's directory under /tmp (sticky, world-writable)
StrictModes no
PrintMotd no
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
SetEnv PATH=$bin:/usr/sbin:/usr/bin:/sbin:/bin HAKO_RUN_DIR=$d/run
EOF
	echo "$(_sshh_kh_name "$name") $(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$SSHH_DIR/known_hosts"
	SSHH_NAMES+=("$name")
	sshh_start "$name"
}

sshh_start() {
	local d=$SSHH_DIR/$1 i
	# nsenter --net, not `ip netns exec`: that one also gives the
	# process a mount namespace with its own /sys, without the cgroup
	# file systems the remote hako needs
	# SSHH_PLAIN_RC=1 (the benchmark): the sessions' login shell reads
	# Debian's default .bashrc instead of this machine's, whose pyenv
	# setup costs ~100 ms per ssh session (bash reads ~/.bashrc for ssh
	# commands): a mount namespace of sshd's own, slave so the host's
	# later mounts still reach it
	local rc=()
	if [ -n "${SSHH_PLAIN_RC:-}" ] && [ -f "$HOME/.bashrc" ] && [ -f /etc/skel/.bashrc ]; then
		rc=(unshare -m --propagation slave sh -c 'mount --bind /etc/skel/.bashrc "$HOME/.bashrc" && exec "$@"' sh)
	fi
	nsenter --net="/run/netns/$(cat "$d/ns")" "${rc[@]}" /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || return 1
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$(cat "$d/ns")" ss -Hltn "sport = :$(cat "$d/port")" | grep -q . && return 0
		sleep 0.05
	done
	echo "sshd $1 does not listen; its log:" >&2
	cat "$d/sshd.log" >&2
	return 1
}

# The sshd processes of NAME's namespace that serve NAME's port: the
# listener (its pid file) and the sessions it forked (their parent).
_sshh_pids() {
	local d=$SSHH_DIR/$1 ns main p
	ns=$(cat "$d/ns")
	main=$(cat "$d/sshd.pid" 2>/dev/null)
	[ -n "$main" ] || return 0
	echo "$main"
	for p in $(ip netns pids "$ns"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] || continue
		# a session's first process is the listener's child; its
		# privilege-separated child is the session's child
		local pp
		pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
		if [ "$pp" = "$main" ]; then
			echo "$p"
			ps -o pid= --ppid "$p" 2>/dev/null | while read -r c; do
				[ "$(cat "/proc/$c/comm" 2>/dev/null)" = sshd ] && echo "$c"
			done
		fi
	done
}

sshh_stop() {
	local pids
	pids=$(_sshh_pids "$1")
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	rm -f "$SSHH_DIR/$1/sshd.pid"
	return 0
}

sshh_rekey() {
	local d=$SSHH_DIR/$1
	mv "$d/host_key" "$d/host_key.old" && mv "$d/host_key.pub" "$d/host_key.pub.old" &&
		ssh-keygen -q -t ed25519 -N '' -C "hako-test-$1-new" -f "$d/host_key"
}

sshh_unrekey() {
	local d=$SSHH_DIR/$1
	mv "$d/host_key.old" "$d/host_key" && mv "$d/host_key.pub.old" "$d/host_key.pub"
}

# Closes the connection hako shares for NAME (ssh -O exit), in the
# control directory CTL.
sshh_close() {
	local d=$SSHH_DIR/$1 ctl=$2
	ssh -F "$SSHH_DIR/ssh_config" -o ControlPath="$ctl/%C" -p "$(cat "$d/port")" \
		-O exit "$(cat "$d/addr")" >/dev/null 2>&1
	return 0
}

sshh_cleanup() {
	local name ns
	for name in "${SSHH_NAMES[@]}"; do
		[ -n "${SSHH_CTL:-}" ] && sshh_close "$name" "$SSHH_CTL"
		sshh_stop "$name"
	done
	for ns in "${SSHH_NETS[@]}"; do
		# the veth first: a namespace's links go after `netns del` returns
		ip link del "${ns/-/}h" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$SSHH_MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null
	return 0
}

sshh_leftovers() {
	local ns name p
	for ns in "${SSHH_NETS[@]}"; do
		ip netns list | grep -qw -- "$ns" && echo "netns $ns"
	done
	ip -o link show | grep -o "$SSHH_PREFIX[0-9]*[hn]@" | sed 's/^/veth /'
	for p in $(pgrep -x sshd); do
		grep -qF -- "$SSHH_DIR/" "/proc/$p/cmdline" 2>/dev/null && echo "sshd $p"
	done
	for p in $(pgrep -x ssh); do
		grep -qF -- "$SSHH_DIR/" "/proc/$p/cmdline" 2>/dev/null && echo "ssh $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	if [ -n "${SSHH_CTL:-}" ] && [ -d "$SSHH_CTL" ]; then
		find "$SSHH_CTL" -type s | sed 's/^/mux socket /'
	fi
	return 0
}

