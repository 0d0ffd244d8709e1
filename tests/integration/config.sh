#!/usr/bin/env bash
# config.sh - `hako config`: print the file, get a key (modern and legacy
# spelling), set and unset keys keeping comments and order, refuse invalid
# values and unknown keys without touching the file, list the key table,
# and refuse a missing container or a broken config with a clear message.
# guest-lane: skip - the config editor and key table: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin config config

export HAKO_RUN_DIR=$T/run
D=$T/lxc
hako() { "$HAKO" "$@"; }

mkdir -p "$D/c1/rootfs"
cat >"$D/c1/config" <<CONF
# c1: made by hand for config.sh
lxc.rootfs.path = dir:$D/c1/rootfs
# legacy spelling next
lxc.utsname = first
# the groups
lxc.group = web
lxc.group = db
lxc.start.auto = 0
CONF
C=$D/c1/config

check "config NAME prints the file byte for byte in a pipe" bash -c "'$HAKO' config c1 -P '$D' | cmp - '$C'"
check_output "config NAME KEY prints the value" '^first$' hako config c1 lxc.uts.name -P "$D"
check_output "a legacy key name is accepted" '^first$' hako config c1 lxc.utsname -P "$D"
check_output "a list key prints one value per line" '^web db $' bash -c "'$HAKO' config c1 lxc.group -P '$D' | tr '\n' ' '"
check_output "an unknown key: clear error" 'unknown key "lxc.nope"' hako config c1 lxc.nope -P "$D"

check "set lxc.uts.name" hako config c1 lxc.uts.name second -P "$D"
check_output "the new value reads back" '^second$' hako config c1 lxc.uts.name -P "$D"
grep -q '^# c1: made by hand for config.sh$' "$C" && grep -q '^# the groups$' "$C" \
	&& ok "comment lines are kept" || { not_ok "comment lines are kept"; sed 's/^/#   /' "$C"; }
[ "$(grep -c 'uts\|utsname' "$C")" = 1 ] && ok "the key is replaced in place, not duplicated" \
	|| { not_ok "one uts line"; sed 's/^/#   /' "$C"; }
[ "$(sed -n 1p "$C")" = "# c1: made by hand for config.sh" ] && ok "the order of lines is kept" || not_ok "order kept"

cp "$C" "$T/before"
check_output "an invalid value is refused" 'lxc.tty.max' hako config c1 lxc.tty.max many -P "$D"
check_fails "an invalid value exits non-zero" hako config c1 lxc.tty.max many -P "$D"
check_fails "an unknown key cannot be set" hako config c1 lxc.bogus.key 1 -P "$D"
check_fails "a value with a line break is refused" hako config c1 lxc.uts.name $'a\nlxc.hook.pre-start = /bin/evil' -P "$D"
check "the file is untouched after refusals" cmp "$C" "$T/before"

check "set a list key appends" hako config c1 lxc.group ops -P "$D"
check_output "three groups now" '^web db ops $' bash -c "'$HAKO' config c1 lxc.group -P '$D' | tr '\n' ' '"
check "--unset removes every line of a key" hako config c1 --unset lxc.group -P "$D"
grep -q 'lxc.group' "$C" && not_ok "no lxc.group line left" || ok "no lxc.group line left"
grep -q '^# the groups$' "$C" && ok "--unset keeps the comments" || not_ok "--unset keeps the comments"
check "set lxc.start.auto 1" hako config c1 lxc.start.auto 1 -P "$D"
check_output "ls shows AUTOSTART true after the set" $'^c1\ttrue$' hako ls -F NAME,AUTOSTART -P "$D"

check_output "config -l lists keys with their doc" '^lxc\.rootfs\.path +[a-z]' hako config -l
check_output "config -l lists lxc.idmap" '^lxc\.idmap +' hako config -l
n=$(hako config -l | wc -l)
[ "$n" -ge 30 ] && ok "config -l lists the whole table ($n keys)" || not_ok "config -l: only $n lines"

check_output "config on a missing container: clear error" 'container "ghost" does not exist' hako config ghost -P "$D"
check_fails "set on a missing container fails" hako config ghost lxc.uts.name x -P "$D"
check_output "config usage error" 'usage: hako config' hako config -P "$D"

mkdir -p "$D/bad/rootfs"
printf 'lxc.rootfs.path = /x\nlxc.tty.max = lots\n' >"$D/bad/config"
check_output "get on a broken config names file:line" 'bad/config.*line 2' hako config bad lxc.uts.name -P "$D"
check "a broken config can still be printed" bash -c "'$HAKO' config bad -P '$D' | cmp - '$D/bad/config'"
check "and repaired with --unset" hako config bad --unset lxc.tty.max -P "$D"
check_output "it parses again" '^bad$' bash -c "'$HAKO' config bad lxc.uts.name -P '$D'; '$HAKO' ls -P '$D' bad"

# On a terminal the file is shown with control bytes escaped.
printf 'lxc.rootfs.path = /x\nlxc.group = \033]0;title\007\n' >"$D/bad/config"
check_output "on a terminal, the file's escape bytes are shown escaped" '\\x1b\]0;title\\x07' \
	script -qec "'$HAKO' config bad -P '$D'" /dev/null
script -qec "'$HAKO' config bad -P '$D'" "$T/typescript" >/dev/null 2>&1
grep -qP '\x1b\]0' "$T/typescript" && not_ok "raw OSC reached the terminal" || ok "no raw OSC on the terminal"


# ---- the option layer ----
check "--help exits 0" "$HAKO" config --help
check_output "-n NAME KEY" '^/x$' "$HAKO" config -n bad lxc.rootfs.path -P "$D"
check_output "-l takes no NAME" 'usage: hako config' "$HAKO" config -l bad -P "$D"
check_output "--logpriority is the long name only (-l lists keys)" 'lxc.uts.name' \
	"$HAKO" config --logpriority ERROR -l

plan_end
