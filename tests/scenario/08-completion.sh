#!/usr/bin/env bash
# 08-completion.sh - bash completion for h2box (packaging/h2box.bash-completion), driven through
# COMP_WORDS/COMP_CWORD: the commands `h2box --help` lists, each command's subcommands, and the
# fan profile, sim fault and workload names asked from the running daemon (a profile with a fan
# profile of its own, so a built-in list could not pass).  H2BOX_COMPLETION names another script
# (to see a check fail on a planted wrong one).
. "$(dirname "$0")/lib.sh"

PROFILE=$TESTDIR/box.conf
{ cat "$ROOT/profiles/sim-sfx.conf"; printf '\n[fanprofile lab-night]\ncap = 30%%\n'; } >"$PROFILE"
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }

. "${H2BOX_COMPLETION:-$ROOT/packaging/h2box.bash-completion}"

# comp "WORDS ...": complete the last word of the line after h2box (an empty last word when the
# line ends in a blank), as bash does; prints COMPREPLY sorted, one per line
comp() {
	local line=$1
	read -r -a COMP_WORDS <<<"$line"
	COMP_WORDS=("$H2BOX" "${COMP_WORDS[@]}")
	[[ $line == *" " || -z $line ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_h2box
	printf '%s\n' "${COMPREPLY[@]}" | grep . | sort
}
sorted() { tr ' ' '\n' | grep . | sort; }

# ---- commands and global options, from the client's own help ----
help=$(h2 --help)
cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -nE 's/^  ([a-z][a-z-]*).*/\1/p' | sort -u)
expect_eq "h2box <TAB> offers the commands h2box --help lists" "$(comp "")" "$cmds"
expect_eq "h2box -s SOCK <TAB> offers the same commands" "$(comp "-s $SOCK ")" "$cmds"
opts=$(sed -n '/^Options:/,/^Exit/p' <<<"$help" | grep -oE -- '(^| )--?[a-zA-Z][a-z0-9-]*' | tr -d ' ' | sort -u)
expect_eq "h2box -<TAB> offers the options h2box --help lists" "$(comp "-")" "$opts"
expect_eq "h2box st<TAB> completes status" "$(comp "st")" "status"

# ---- subcommands: each command's usage words ----
# usage_subs CMD: the first words of the alternatives in `h2box CMD --help` (a|b|c), less the
# values of "NAME on|off" (sim fault's), which are no subcommands
usage_subs() {
	# (a line indented 20 or more continues a description: no usage there)
	h2 "$1" --help | tail -n +2 | grep -vE '^ {20}' | sed -E 's/^ +//; s/ {2,}.*$//; s/[A-Z]+ on\|off//' |
		tr '|' '\n' | sed -E "s/^ *($1 )?//" | awk '{print $1}' |
		grep -E '^[a-z][a-z-]*$' | sort -u
}
for c in power fan sim ib; do
	expect_eq "h2box $c <TAB> offers the subcommands of 'h2box $c --help'" \
		"$(comp "-s $SOCK $c ")" "$(usage_subs "$c")"
done
expect_eq "h2box power f<TAB> completes force-off" "$(comp "power f")" "force-off"
expect_eq "h2box sim fault NAME <TAB> offers on and off" "$(comp "-s $SOCK sim fault psu-ok-drop ")" \
	"$(printf 'off\non')"
expect_eq "h2box fan set 40 <TAB> offers --for" "$(comp "fan set 40 ")" "--for"
check "h2box record -- l<TAB> offers commands (ls among them)" \
	bash -c 'printf "%s\n" "$@" | grep -qx ls' _ $(comp "record -- l")
check "h2box ib bench --<TAB> offers --lat and --local" \
	bash -c '[ "$(printf "%s\n" "$@" | grep -cxE -- "--lat|--local")" = 2 ]' _ $(comp "ib bench --")

# ---- names asked from the daemon ----
profiles=$( (echo --list; jget '.profiles[].name' fan profile --list) | sort)
expect_eq "h2box fan profile <TAB> offers the daemon's fan profiles" \
	"$(comp "-s $SOCK fan profile ")" "$profiles"
expect_eq "h2box --json fan --json profile lab<TAB> completes it too (--json stands anywhere)" \
	"$(comp "--json -s $SOCK fan --json profile lab")" "lab-night"
expect_eq "h2box fan profile lab<TAB> completes the profile file's own lab-night" \
	"$(comp "--socket $SOCK fan profile lab")" "lab-night"
faults=$( (echo --list; jget '.faults[].name' sim fault --list) | sort)
[ "$(wc -l <<<"$faults")" -ge 5 ] && ok "sim fault --list names the faults ($(wc -l <<<"$faults") lines)" ||
	not_ok "sim fault --list names the faults"
expect_eq "h2box sim fault <TAB> offers the daemon's fault names" \
	"$(comp "-s $SOCK sim fault ")" "$faults"
workloads=$( (echo --list; jget '.workloads[].name' sim workload --list) | sort)
expect_eq "h2box sim workload <TAB> offers the daemon's workloads" \
	"$(comp "-s $SOCK sim workload ")" "$workloads"

# ---- a daemon that is not there: no names, no wait ----
start=$(date +%s)
expect_eq "h2box fan profile <TAB> without a daemon offers only --list" \
	"$(comp "-s $TESTDIR/none.sock fan profile ")" "--list"
[ $(($(date +%s) - start)) -le 3 ] && ok "and returns at once" || not_ok "and returns at once"

finish
