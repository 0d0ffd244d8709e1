#!/usr/bin/env bash
# tests/layer-check.sh - the layering rules of core/README.md, as TAP:
#   core/ (and core/nic/) includes no curses header and nothing of
#     widgets/ or tui/;
#   widgets/ includes nothing of core/ or tui/;
#   core/README.md's map places every core/*.c file.
# (What the setuid helper core/nic/ links: tests/nic-link-check.sh.)
# An include is a `#include "x.h"` or `<x.h>` line; a header is "of" a
# folder when a file of that name exists there.
cd "$(dirname "$0")/.." || exit 2
n=0 failed=0
check() { # desc, offending lines
	n=$((n + 1))
	if [ -z "$2" ]; then echo "ok $n - $1"; else
		failed=1; echo "not ok $n - $1"; printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}
# includes_of DIR...: "file:line:header" for every include in the sources
includes_of() {
	grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]+[>"]' \
		$(find "$@" -maxdepth 1 -name '*.[ch]') |
		sed -E 's/^([^:]+:[0-9]+):.*include[[:space:]]*[<"]([^>"]+)[>"].*/\1:\2/'
}
# of DIR: the includes (stdin) whose header is a file of DIR
of() { while IFS= read -r l; do [ -e "$1/$(basename "${l##*:}")" ] && echo "$l"; done; }

check "core/ includes no curses header" "$(includes_of core core/nic | grep -E ':(n?curses|ncursesw/|term\.h|panel\.h|menu\.h|form\.h)' )"
check "core/ includes nothing of widgets/" "$(includes_of core core/nic | of widgets)"
check "core/ includes nothing of tui/" "$(includes_of core core/nic | of tui)"
check "widgets/ includes nothing of core/" "$(includes_of widgets | of core)"
check "widgets/ includes nothing of tui/" "$(includes_of widgets | of tui)"
# core/README.md's map names every file of core/ (by name or prefix glob)
pats=$(grep '^|' core/README.md | grep -o '`[^`]*`' | tr -d '`' | tr ' ' '\n' | grep -E '\.c$|/$')
unmapped=$(for f in core/*.c; do
	b=${f#core/} hit=
	for p in $pats; do [[ "$b" == $p ]] && { hit=1; break; }; done
	[ -n "$hit" ] || echo "$b"
done)
check "core/README.md's map places every core/*.c" "$unmapped"
echo "1..$n"
exit $failed
