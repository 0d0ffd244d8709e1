#!/usr/bin/env bash
# tests/prelude-check.sh - every shell test starts with the shared prelude
# (tests/lib.sh, tests/README), as TAP, one line a script:
#   - its first command sources tests/lib.sh (before it: comments, `set`
#     and plain assignments);
#   - hk_begin comes next (before it: comments, assignments and the
#     sourcing of tests/lib/*.sh), so the temporary directory, the traps
#     and the skips are the prelude's;
#   - it sets no EXIT/INT/TERM trap of its own (hk_on_exit adds a cleanup)
#     and calls neither plan_begin nor modes_begin (hk_begin does);
#   - its header says what it guards, not which issue asked for it.
# The shell tests: tests/{integration,security,tui,bench}/*.sh and the guest
# lane's scripts, but for the lane's own machinery (lane.sh, image.sh,
# in-guest.sh) and tests/bench/run.sh, which run tests and are none.
#   tests/prelude-check.sh [SCRIPT...]   (default: all of them)
cd "$(dirname "$0")/.." || exit 2
n=0 failed=0

# problem_of FILE: the first way FILE breaks the rules, or nothing.
problem_of() {
	awk '
	function fail(msg) { print FILENAME ":" FNR ": " msg; bad = 1; exit }
	/^[[:space:]]*(#|$)/ { if (state == 0 && /^#/ && tolower($0) ~ /issues? [0-9]/) fail("the header cites an issue number: say what the test guards"); next }
	state == 0 {
		if ($0 ~ /^(\.|source) "\$\(dirname "\$0"\)\/\.\.\/lib\.sh"$/) { state = 1; next }
		if ($0 ~ /^(set -[a-z]+( [a-z]+)*|[A-Za-z_][A-Za-z_0-9]*=.*)$/) next
		fail("the first command is not . \"$(dirname \"$0\")/../lib.sh\": " $0)
	}
	state == 1 {
		if ($0 ~ /^hk_begin /) { state = 2; next }
		if ($0 ~ /^([A-Za-z_][A-Za-z_0-9]*=.*|\. "\$HK_TOP\/tests\/lib\/[a-z-]+\.sh")$/) next
		fail("hk_begin is not the next command after tests/lib.sh: " $0)
	}
	/^[[:space:]]*trap[[:space:]].*(EXIT|INT|TERM)/ { fail("a trap of its own (use hk_on_exit CMD): " $0) }
	/^[[:space:]]*(plan_begin|modes_begin)([[:space:]]|$)/ { fail("calls " $1 " (hk_begin does)") }
	END { if (!bad && state < 2) print FILENAME ": no hk_begin after sourcing tests/lib.sh" }
	' "$1"
}

scripts=("$@")
if [ ${#scripts[@]} = 0 ]; then
	for f in tests/{integration,security,tui,bench,guest}/*.sh; do
		case $f in tests/guest/lane.sh | tests/guest/image.sh | tests/guest/in-guest.sh | tests/bench/run.sh) continue ;; esac
		scripts+=("$f")
	done
fi
for f in "${scripts[@]}"; do
	n=$((n + 1))
	p=$(problem_of "$f")
	if [ -z "$p" ]; then echo "ok $n - $f starts with the prelude"; else
		failed=1; echo "not ok $n - $f: $p"
	fi
done
echo "1..$n"
exit $failed
