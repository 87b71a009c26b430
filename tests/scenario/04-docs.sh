#!/usr/bin/env bash
# 04-docs.sh - the manual pages render and stay true: mandoc -Tlint -Wwarning prints nothing for
# every page in docs/, h2box.conf.5 documents exactly the keys the profile parser accepts (the
# parser's list from tests/tools/conf-keys, never a list kept here), every command, subcommand
# and option `h2box --help` lists is in h2box.1, every option `h2boxd --help` lists in h2boxd.8,
# every `h2box COMMAND SUB` a page shows in bold exists, and h2box.conf.5's examples load.
# H2BOX_DOCS names another docs folder (to see a check fail on a planted wrong page).
. "$(dirname "$0")/lib.sh"

DOCS=${H2BOX_DOCS:-$ROOT/docs}

# ---- every page lints clean ----
if ! command -v mandoc >/dev/null; then
	not_ok "mandoc is installed (make deps-test installs it)"
else
	for page in "$DOCS"/*.[1-9]; do
		out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
		if [ -z "$out" ]; then
			ok "mandoc -Tlint -Wwarning $(basename "$page"): no message"
		else
			not_ok "mandoc -Tlint -Wwarning $(basename "$page"): no message"
			head -n 10 <<<"$out" | sed 's/^/#   /'
		fi
	done
fi

# ---- h2box.conf.5 and the parser agree on every section and key ----
# diff_report DESCRIPTION LIST: ok when LIST is empty, else each line as a diagnostic
diff_report() {
	if [ -z "$2" ]; then ok "$1"; else not_ok "$1"; sed 's/^/#   missing: /' <<<"$2"; fi
}
code=$("$BUILD/tools/conf-keys" | sort -u)
page=$("$ROOT/tests/docs/conf-keys-of-page.sh" "$DOCS/h2box.conf.5")
if [ "$(wc -l <<<"$code")" -lt 100 ]; then
	not_ok "tests/tools/conf-keys lists the parser's keys"
	echo "#   only $(wc -l <<<"$code") lines"
else
	ok "tests/tools/conf-keys lists the parser's $(wc -l <<<"$code") keys"
fi
diff_report "every key the profile parser accepts is in h2box.conf.5" \
	"$(comm -23 <(echo "$code") <(echo "$page"))"
diff_report "every key h2box.conf.5 documents is known to the parser" \
	"$(comm -13 <(echo "$code") <(echo "$page"))"

# the page's examples (its literal displays) load: with [daemon] backend = sim and the shipped
# simulated box's [gpio] lines, which every profile needs, `h2boxd -n` says OK
ex=$TESTDIR/examples.conf
{
	printf '[daemon]\nbackend = sim\n\n'
	sed -n '/^\[gpio\]/,/^$/p' "$ROOT/profiles/sim-sfx.conf"
	awk '/^\.Bd -literal/ { on = 1; print ""; next } /^\.Ed/ { on = 0 } on' "$DOCS/h2box.conf.5"
} >"$ex"
if [ "$(grep -c '^\[' "$ex")" -ge 5 ] && out=$("$H2BOXD" -n -c "$ex" 2>&1) && [ "$out" = "configuration OK" ]; then
	ok "h2box.conf.5's examples pass h2boxd -n"
else
	not_ok "h2box.conf.5's examples pass h2boxd -n"
	sed 's/^/#   /' <<<"${out:-no example sections}"
fi

# ---- the programs' help and their pages ----
# man_text PAGE: the page's words as they render (\- is -, no font escapes)
man_text() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(lq\|\\(rq//g' "$1"; }
h2box_page=$(man_text "$DOCS/h2box.1")
help=$("$H2BOX" --help)
cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -nE 's/^  ([a-z][a-z-]*).*/\1/p' | uniq)
missing=""
for c in $cmds; do
	grep -qE "^\.B $c( |$)" <<<"$h2box_page" || missing+="command $c"$'\n'
done
[ -n "$cmds" ] && ok "h2box --help lists commands ($(echo $cmds))" || not_ok "h2box --help lists commands"
diff_report "every command h2box --help lists has its entry in h2box.1" "${missing%$'\n'}"
# each command's subcommands and options, from its usage lines, appear in h2box.1
missing=""
declare -A usage_words
for c in $cmds; do
	# the usage lines less the one-line descriptions after a wide gap and the "(...)" notes
	# (a line indented 20 or more is the continuation of a description, not usage)
	words=$("$H2BOX" "$c" --help | tail -n +2 | grep -vE '^ {20}' | sed -E 's/^ +//; s/ {2,}.*$//; s/\(.*//' | tr '|[]= ,' '\n\n\n\n\n\n' |
		grep -E '^(--?[a-z][a-z0-9-]*|[a-z][a-z-]+)$' | sort -u)
	usage_words[$c]=" $(echo $words) "
	for w in $words; do
		grep -qE -- "(^|[^a-z0-9-])$w([^a-z0-9-]|$)" <<<"$h2box_page" || missing+="$c: $w"$'\n'
	done
done
diff_report "every subcommand and option of each command's usage is in h2box.1" "${missing%$'\n'}"
missing=""
for o in $(sed -n '/^Options:/,/^Exit/p' <<<"$help" | grep -oE -- '(^| )--?[a-zA-Z][a-z0-9-]*' | sort -u); do
	grep -qE -- "^\.(B|BR|BI) (.*[ \"])?$o([ \"]|$)" <<<"$h2box_page" || missing+="option $o"$'\n'
done
diff_report "every option h2box --help lists has its entry in h2box.1" "${missing%$'\n'}"

# every "h2box COMMAND [SUBCOMMAND|--OPTION]" a page shows in bold is one the client has
missing=""
n=0
while read -r _ c w _; do
	n=$((n + 1))
	if [[ " $(echo $cmds) " != *" $c "* ]]; then
		missing+="h2box $c: no such command"$'\n'
	elif [ -n "$w" ] && [[ ${usage_words[$c]} != *" $w "* ]]; then
		missing+="h2box $c $w: not in 'h2box $c --help'"$'\n'
	fi
done < <("$ROOT/tests/docs/bold-h2box-commands.py" "$DOCS"/*.[1-9] | sort -u)
[ "$n" -ge 5 ] && ok "the pages show $n h2box commands in bold" || not_ok "the pages show h2box commands in bold ($n)"
diff_report "every h2box command the pages show in bold exists" "${missing%$'\n'}"

h2boxd_page=$(man_text "$DOCS/h2boxd.8")
opts=$("$H2BOXD" --help | grep -oE -- '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' | tr -d ',' | tr ' ' '\n' | grep . | sort -u)
[ "$(wc -w <<<"$opts")" -ge 10 ] && ok "h2boxd --help lists its options ($(echo $opts))" ||
	not_ok "h2boxd --help lists its options"
missing=""
for o in $opts; do
	grep -qE -- "^\.(B|BR|BI) (.*[ \"])?$o([ \"]|$)" <<<"$h2boxd_page" || missing+="option $o"$'\n'
done
diff_report "every option h2boxd --help lists has its entry in h2boxd.8" "${missing%$'\n'}"

finish
