#!/usr/bin/env bash
# 87-leak-once.sh - lib.sh's h2() leak-checks each command line once: the first run of an exact
# argument list gets ASAN_OPTIONS as it is, every repeat the same with detect_leaks=0 appended,
# a run inside $(...) counts.  The client cannot be made to leak, so this checks the mechanism
# with a stand-in for h2box that records the ASAN_OPTIONS it was started with (no daemon).
. "$(dirname "$0")/lib.sh"

H2BOX=$TESTDIR/h2box-standin
RECORD=$TESTDIR/asan-options
printf '#!/bin/sh\nprintf "%%s\\n" "${ASAN_OPTIONS-(unset)}" >"%s"\necho "out $*"\nexit 7\n' \
	"$RECORD" >"$H2BOX"
chmod +x "$H2BOX"

# leaks ASAN_OPTIONS: the detect_leaks the sanitizer takes from it (the last one wins; 1 when none)
leaks() {
	local v=1 o
	IFS=: read -ra o <<<"$1"
	for o in "${o[@]}"; do [[ $o == detect_leaks=* ]] && v=${o#detect_leaks=}; done
	echo "$v"
}
# run_opts ARGS...: h2 ARGS as a statement, then the ASAN_OPTIONS the stand-in got
run_opts() {
	h2 "$@" >/dev/null
	cat "$RECORD"
}

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
expect_eq "first run of a command line: leak-checked" "$(leaks "$(run_opts power status)")" 1
expect_eq "... ASAN_OPTIONS as given" "$(run_opts --json status)" detect_leaks=1:halt_on_error=1
expect_eq "second run: detect_leaks=0 appended to ASAN_OPTIONS" "$(run_opts power status)" \
	detect_leaks=1:halt_on_error=1:detect_leaks=0
expect_eq "... which turns leak checking off" "$(leaks "$(cat "$RECORD")")" 0
expect_eq "third run: still off" "$(leaks "$(run_opts power status)")" 0
expect_eq "another command line: leak-checked again" "$(leaks "$(run_opts power on)")" 1
expect_eq "same words, one argument more: another command line" \
	"$(leaks "$(run_opts power status --json)")" 1
expect_eq "the words split differently: another command line" \
	"$(leaks "$(run_opts 'power status')")" 1
expect_eq "an empty argument: another command line" "$(leaks "$(run_opts power status '')")" 1
expect_eq "an argument with a slash: leak-checked first" \
	"$(leaks "$(run_opts record -o /tmp/x.csv)")" 1
expect_eq "... not when repeated" "$(leaks "$(run_opts record -o /tmp/x.csv)")" 0
expect_eq "a slash and its escape are different arguments" \
	"$(leaks "$(run_opts record -o %2Ftmp%2Fx.csv)")" 1

# inside $(...), as most calls are: the marker outlives the subshell
out=$(h2 sim advance 1s)
expect_eq "a run inside \$(...): leak-checked" "$(leaks "$(cat "$RECORD")")" 1
expect_eq "... its output and exit status pass through" "$out $(h2 sim status >/dev/null; echo $?)" \
	"out -s $SOCK sim advance 1s 7"
h2 sim advance 1s >/dev/null
expect_eq "the same command line after it, as a statement: not leak-checked" \
	"$(leaks "$(cat "$RECORD")")" 0

# a name too long for a marker file: leak-checked every time, no error on stderr
long=$(printf 'x%.0s' {1..300})
expect_eq "an over-long command line: leak-checked" "$(leaks "$(run_opts "$long")")" 1
expect_eq "... again when repeated" "$(leaks "$(run_opts "$long")")" 1
expect_eq "... and h2 says nothing about it" "$(h2 "$long" 2>&1 >/dev/null)" ""

unset ASAN_OPTIONS
expect_eq "without ASAN_OPTIONS: the first run gets none" "$(run_opts ping)" "(unset)"
expect_eq "... a repeat gets detect_leaks=0 alone" "$(run_opts ping)" detect_leaks=0
finish
