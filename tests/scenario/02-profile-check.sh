#!/usr/bin/env bash
# 02-profile-check.sh - h2boxd -n on profiles that load but hold keys that can never take effect:
# a "file:line: warning:" line each, still exit 0, and "configuration OK with N warning(s)"; the
# daemon logs the same warnings when it starts.  (Rejected profiles are 01-daemon.sh's bad-*.conf.)
. "$(dirname "$0")/lib.sh"

SFX=$ROOT/profiles/sim-sfx.conf

# the shipped night setup, [input nic] 70 C and [fanprofile quiet] 65 C, both take effect
out=$("$H2BOXD" -n -c "$SFX" 2>&1)
expect_eq "sim-sfx.conf: no warnings" "$out" "configuration OK"

# an input override above every profile's is always shadowed by the lower one
sed 's/^override_temp = 70$/override_temp = 80/' "$SFX" >"$TESTDIR/shadowed.conf"
line=$(grep -n '^override_temp = 80$' "$TESTDIR/shadowed.conf" | cut -d: -f1)
"$H2BOXD" -n -c "$TESTDIR/shadowed.conf" >"$TESTDIR/out" 2>"$TESTDIR/err"
expect_eq "a warning is not an error: exit 0" "$?" 0
expect_eq "stdout counts the warnings" "$(cat "$TESTDIR/out")" "configuration OK with 1 warning"
expect_eq "the warning names file:line and the key" "$(cat "$TESTDIR/err")" \
	"$TESTDIR/shadowed.conf:$line: warning: [input nic] override_temp = 80 never takes effect: every fan profile's is lower (at most 75), and the lower one applies"

# the simulated box's [sim] section in a profile for real hardware, and a curve nothing follows
sed 's/^backend = sim$/backend = linux/' "$SFX" >"$TESTDIR/two.conf"
printf '\n[curve spare]\npoints = 30:20 60:100\n' >>"$TESTDIR/two.conf"
"$H2BOXD" -n -c "$TESTDIR/two.conf" >"$TESTDIR/out" 2>"$TESTDIR/err"
expect_eq "two warnings: exit 0" "$?" 0
expect_eq "stdout counts two warnings" "$(cat "$TESTDIR/out")" "configuration OK with 2 warnings"
check "[sim] under backend = linux is named" grep -q "two.conf:[0-9]*: warning: \[sim\] has no effect with backend = linux" "$TESTDIR/err"
check "the unused curve is named" grep -q "two.conf:[0-9]*: warning: \[curve spare\] is not used by any \[input\]" "$TESTDIR/err"

# the daemon logs a profile's warnings at start
start_daemon "$TESTDIR/shadowed.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
check "the daemon logs the warning" grep -q "warning: \[input nic\] override_temp = 80 never takes effect" "$DAEMON_LOG"

finish
