#!/usr/bin/env bash
# demo.sh - `make demo` (tests/demo.sh) as a new user meets it, in tmux:
# the dashboard opens on a running networked container with its address,
# an unprivileged one with its id map, and a nested one under its parent;
# run again, it creates nothing and opens the dashboard.  Its containers
# go to a temporary container path (HAKO_DEMO_PATH); everything is
# stopped, destroyed and checked for leftovers after.
. "$(dirname "$0")/../lib.sh"
hk_begin demo demo root

command -v tmux >/dev/null || { skip "demo: tmux is not installed"; plan_end; exit; }
[ -x "$HK_TOP/build/hako-static" ] || { skip "demo: make hako-static first"; plan_end; exit; }

chmod 755 "$T"
P=$T/path
SOCK=hako-demo-$$
bridge_was=$(ip -o link show hakobr0 2>/dev/null)
TUI_SESSION=demo
. "$HK_TOP/tests/lib/tmux.sh"
hk() { "$HAKO" -P "$P" "$@"; }
cleanup() {
	tm_end
	for c in demo-nest demo-unpriv demo; do hk stop -k "$c" >/dev/null 2>&1; hk destroy "$c" >/dev/null 2>&1; done
	[ -z "$bridge_was" ] && "$HAKO" net remove -q >/dev/null 2>&1
	rm -rf "$T"
}
hk_on_exit cleanup

# run_demo: make demo in a new tmux server (tm_fresh)
run_demo() {
	tm_fresh
	tm new-session -d -s demo -x 120 -y 30 \
		"HAKO_DEMO_PATH='$P' '$HK_TOP/tests/demo.sh' '$HAKO' 2>'$T/demo.err'; echo demo-exited \$?; sleep 600"
}

mkdir -p "$P"
run_demo
wait_for "make demo opens the dashboard" 'NAME[^ ]* +STATE' 120
wait_for "demo runs, with a leased IPv4 address" '^demo +RUNNING +[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+'
wait_for "demo-unpriv runs unprivileged" '^demo-unpriv +RUNNING .* yes '
wait_for "demo-nest runs" '^demo-nest +RUNNING'
wait_for "child, nested in demo-nest, is listed under it" '^ +[^ ]*child +RUNNING' 20
tm send-keys -t demo End Enter Tab Tab
wait_for "the ID maps tab shows demo-unpriv's map" '2100000000'
tm send-keys -t demo Escape
grep -v '^demo: creating' "$T/demo.err" | grep . && not_ok "make demo printed errors" || ok "make demo printed no errors"
tm send-keys -t demo q
wait_for "q leaves the dashboard" 'demo-exited 0'
n=$(ls "$P" | wc -l)
run_demo
wait_for "make demo again: the dashboard, on the same containers" '^demo-nest +RUNNING' 60
[ "$(ls "$P" | wc -l)" = "$n" ] && ! grep -q 'creating' "$T/demo.err" && ok "the second run created nothing" ||
	not_ok "the second run: $(cat "$T/demo.err")"
tm send-keys -t demo q
wait_for "q leaves the dashboard again" 'demo-exited 0'
for c in demo-nest demo-unpriv demo; do
	check "stop $c" hk stop -k "$c"
	check "destroy $c" hk destroy "$c"
done
tm kill-server
out=$(hk_leftovers "$P")
[ -z "$out" ] && ok "nothing left after the demo" || { not_ok "left:"; echo "$out" | sed 's/^/#   /'; }
plan_end
