#!/usr/bin/env bash
# 21-fan-power-on-night.sh - a box switched on inside the quiet period is quiet within seconds:
# leaving the start-up failsafe goes straight to the curve's duty (slew limits smooth only the
# curve's own changes), while a sensor fault still sends the fan to full at once.
. "$(dirname "$0")/lib.sh"

export TZ=UTC # the schedule runs in local time; the sim clock is set and read in UTC

fan() { jget "$1" fan status; }

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 sim time 23:30 >/dev/null
h2 power on >/dev/null
# box time in 1 s steps until the fan has valid readings and runs on the quiet curve
t=0
while [ $t -lt 60 ] && [ "$(fan .mode)" != auto ]; do
	advance 1s
	t=$((t + 1))
done
expect_eq "the fan leaves the start-up failsafe after power-on" "$(fan .mode)" auto
expect_eq "23:30 runs the quiet profile" "$(fan .profile)" quiet
expect_cmp "failsafe ends within a few seconds of power-on" "$t" le 10
# the very next control period runs the quiet curve, not 3 %/s down from the failsafe's 100 %
advance 1s
expect_cmp "duty is at the quiet cap or below right after the failsafe" "$(fan .duty_pct)" le 40
expect_cmp "the plant's fan is quiet too" "$(jget .fan_duty_pct sim status)" le 40

# a sensor fault still sends the fan to full at once, and its end returns to the curve at once
h2 sim fault sensor-nic on >/dev/null
advance 1s
expect_eq "a sensor fault is failsafe" "$(fan .mode)" failsafe
expect_cmp "failsafe runs the fan at full at once" "$(fan .duty_pct)" ge 100
h2 sim fault sensor-nic off >/dev/null
advance 5s
expect_eq "readings back: automatic again" "$(fan .mode)" auto
expect_cmp "and quiet again at once" "$(fan .duty_pct)" le 40

finish
