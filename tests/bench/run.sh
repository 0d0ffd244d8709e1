#!/usr/bin/env bash
# tests/bench/run.sh HAKO - runs every benchmark tests/bench/*.sh (except
# this file) against the hako binary HAKO (default build/hako).  A
# benchmark prints a table; it fails only when something did not work,
# never on timing alone.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hako=$(realpath "${1:-build/hako}")
[ -x "$hako" ] || { echo "bench: no hako binary at $hako (run make first)" >&2; exit 2; }
status=0
for b in "$here"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== bench $(basename "$b" .sh)"
	HAKO=$hako bash "$b" || { echo "bench $(basename "$b") failed (status $?)"; status=1; }
done
exit $status
