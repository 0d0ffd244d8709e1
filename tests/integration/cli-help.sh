#!/usr/bin/env bash
# cli-help.sh - the option layer as a user meets it, for every
# verb `hako help` lists: `hako VERB --help` and `hako help VERB` exit 0
# with the same text, which fits 80 columns; its options are the ones
# man/hako-VERB.1 documents (OPTIONS and COMMON OPTIONS, compared as
# sets, both ways); a verb that takes a container takes it by -n/--name
# and as the first word, and -q, before or after it; an unknown option
# and a missing value are usage errors (2) naming the option; --version
# works everywhere; a missing container is refused with the fix, never a
# bare ": No such file or directory".
# guest-lane: skip - help texts, man pages and option parsing: the same on every host
. "$(dirname "$0")/../lib.sh"
hk_begin clihelp cli-help

export HAKO_RUN_DIR=$T/run
MAN=$HK_TOP/man

# help_opts BLOCK: the options ("-x" and "--long" words) of one block of
# --help ("Options:" or "Common options:") on stdin, one per line, sorted.
help_opts() {
	awk -v b="$1" '$0 == b { on = 1; next } on && /^$/ { on = 0 } on { print substr($0, 1, 27) }' |
		grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' ,' | sort -u
}
# man_opts SECTION FILE: the same from the tag line after each .TP of a
# man page's section (.SH SECTION up to the next .SH).
man_opts() {
	awk -v s=".SH $1" '$0 == s { on = 1; next } /^\.SH / { on = 0 }
		on && tag { print; tag = 0 } on && /^\.TP/ { tag = 1 }' "$2" |
		sed 's/\\-/-/g' | grep -oE '(^|[ "])--?[A-Za-z0-9][A-Za-z0-9-]*' | tr -d ' "' | sort -u
}

verbs=$("$HAKO" help | awk '/^Commands:|Commands:$/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ "$(wc -w <<<"$verbs")" -ge 15 ] && ok "hako help lists the verbs ($(wc -w <<<"$verbs"))" ||
	not_ok "hako help lists $(wc -w <<<"$verbs") verbs: $verbs"
check "hako --help exits 0" "$HAKO" --help
check "hako --version exits 0" "$HAKO" --version

for v in $verbs; do
	out=$("$HAKO" "$v" --help 2>&1); rc=$?
	[ $rc = 0 ] && grep -q "^usage: hako $v " <<<"$out" && ok "$v --help: exit 0, usage" ||
		{ not_ok "$v --help: exit $rc"; head -3 <<<"$out" | sed 's/^/#   /'; }
	[ "$("$HAKO" help "$v" 2>&1)" = "$out" ] && ok "$v: hako help $v is the same text" ||
		not_ok "$v: hako help $v differs from --help"
	long=$(awk 'length > 80' <<<"$out")
	[ -z "$long" ] && ok "$v --help fits 80 columns" || { not_ok "$v --help: lines over 80 columns"; echo "$long" | sed 's/^/#   /'; }
	check "$v --version exits 0" "$HAKO" "$v" --version
	page=$MAN/hako-$v.1
	if [ ! -f "$page" ]; then
		not_ok "$v: no man page man/hako-$v.1"
	else
		for pair in "Options:|OPTIONS" "Common options:|COMMON OPTIONS"; do
			h=$(help_opts "${pair%|*}" <<<"$out"); m=$(man_opts "${pair#*|}" "$page")
			[ "$h" = "$m" ] && ok "$v: ${pair#*|} of hako-$v(1) are --help's (${h//$'\n'/ })" ||
				{ not_ok "$v: ${pair#*|} of hako-$v(1) differ from --help"; diff <(echo "$h") <(echo "$m") | sed 's/^/#   /'; }
		done
		if ! command -v man >/dev/null; then
			skip "$v: no man(1) here to render hako-$v(1) (the systemd guest's image has none; make deps installs man-db)"
		else
			warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
			[ -z "$warn" ] && ok "$v: hako-$v(1) renders without warnings" || { not_ok "$v: man warns"; echo "$warn" | head -5 | sed 's/^/#   /'; }
		fi
	fi
	out=$("$HAKO" "$v" --no-such-option 2>&1); rc=$?
	[ $rc = 2 ] && grep -q -- '--no-such-option' <<<"$out" && ok "$v: an unknown option is a usage error naming it" ||
		{ not_ok "$v: unknown option: exit $rc"; head -3 <<<"$out" | sed 's/^/#   /'; }
	# a verb that takes a container: by -n or as the first word, -q before or after
	grep -q -- '-n, --name=NAME' <<<"$("$HAKO" "$v" --help)" || continue
	extra=()
	[ "$v" = cgroup ] && extra=(memory.max)
	[ "$v" = clone ] && extra=(hkch-new)
	[ "$v" = rename ] && extra=(hkch-new)
	[ "$v" = device ] && extra=(add /dev/null)
	[ "$v" = wait ] && extra=(-s RUNNING -t 0)
	[ "$v" = execute ] && extra=(-- true)
	[ "$v" = checkpoint ] && extra=(-D "$T/ck")
	[ "$v" = restore ] && extra=(-D "$T/ck")
	for form in "-q -n hkch-nosuch" "hkch-nosuch -q" "--name=hkch-nosuch --quiet"; do
		# shellcheck disable=SC2086
		out=$("$HAKO" "$v" $form -P "$T/path" "${extra[@]}" 2>&1 </dev/null); rc=$?
		[ $rc = 1 ] && grep -q 'hkch-nosuch' <<<"$out" && ! grep -q 'No such file or directory$' <<<"$out" &&
			ok "$v $form: the container is named, the error says it does not exist (and no bare errno)" ||
			{ not_ok "$v $form: exit $rc"; head -3 <<<"$out" | sed 's/^/#   /'; }
	done
done
plan_end
