#!/usr/bin/env bash
# prelude.sh - the test prelude itself (hk_begin and hk_on_exit in
# tests/lib.sh), which every shell test relies on to clean up after it:
# each cleanup runs once, the last added first, even when it sets i or rc
# without `local` (bash scopes dynamically); the script's exit status is
# plan_end's; $T exists while the script runs and not after; a missing
# build ends the script with one skip and makes nothing; TERM exits 130
# after the cleanups; hk_on_exit_reset drops them.
# guest-lane: skip - the shell prelude of the tests: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin prelude prelude

# inner BODY: runs a script that starts with the prelude, then BODY;
# sets OUT (its output) and RC (its exit status).
inner() {
	printf '. "%s/tests/lib.sh"\nhk_begin prelude-inner inner\necho "T=$T"\n%s\n' "$HK_TOP" "$1" >"$T/inner.sh"
	OUT=$(timeout 20 bash "$T/inner.sh" 2>&1)
	RC=$?
}
tdir() { sed -n 's/^T=//p' <<<"$OUT"; }

inner 'c1() { echo c1; for i in 1 2 3; do :; done; rc=0; }
hk_on_exit c1
hk_on_exit "for i in 1 2 3 4; do :; done; echo c2"
ok one
plan_end'
check_output "cleanups run once each, the last added first" '^c2
c1$' sed -n '/^c[12]$/p' <<<"$OUT"
check "a passing script exits 0 (a cleanup setting rc does not change it)" test "$RC" = 0
check "\$T was made under /tmp and is removed at exit" sh -c "case '$(tdir)' in /tmp/hako-prelude-inner.*) ! test -e '$(tdir)' ;; *) false ;; esac"

inner 'hk_on_exit "rc=0"
not_ok one
plan_end'
check "a failing script exits 1 (plan_end's status is kept)" test "$RC" = 1

inner 'hk_on_exit "echo c1"
hk_on_exit_reset
plan_end'
check "hk_on_exit_reset drops the cleanups added before it" test "$(grep -c '^c1$' <<<"$OUT")" = 0

printf '. "%s/tests/lib.sh"\nhk_begin prelude-skip skip needs=%s/none\necho ran\n' "$HK_TOP" "$T" >"$T/skip.sh"
OUT=$(bash "$T/skip.sh" 2>&1)
RC=$?
check_output "a missing build: one skip naming it, and the script ends" "^ok 1 # SKIP skip: build first \(make test-build\): no $T/none
1\.\.1$" echo "$OUT"
check "... with status 0" test "$RC" = 0

printf '. "%s/tests/lib.sh"\nhk_begin prelude-term term\necho "T=$T"\nhk_on_exit "echo cleaned"\nsleep 30 & wait\n' \
	"$HK_TOP" >"$T/term.sh"
bash "$T/term.sh" >"$T/term.out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -qs "^T=" "$T/term.out" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
RC=$?
OUT=$(cat "$T/term.out")
check "TERM: exit status 130" test "$RC" = 130
check "TERM: the cleanups ran and \$T is gone" sh -c "grep -qx cleaned '$T/term.out' && ! test -e '$(tdir)'"
plan_end
