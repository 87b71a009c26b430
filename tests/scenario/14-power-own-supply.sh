#!/usr/bin/env bash
# 14-power-own-supply.sh - the controller topology with the H2 on its own 15 V brick (brick build,
# host_supply = own): releasing PS_ON only unpowers the NIC's SFX, so an emergency off (long press)
# and a PSU fault (PWR_OK drop) also force the H2 off by holding its power-button header, and a
# reload in the middle of that hold finishes it first.  Checked in h2box's power status and in
# the plant's truth (the H2 and its LED really go dark).
. "$(dirname "$0")/lib.sh"

PROFILE=$ROOT/tests/scenario/profiles/sim-brick-controller.conf
TAG=brick+controller

# one value of the plant's truth
truth() { jget ".$1" sim status; }
state_file() { cat "$TESTDIR/state/power.state" 2>/dev/null; }

# expect_h2_dark WHAT: the H2 is off for real: plant, LED line, and no draw on the brick's rail
expect_h2_dark() {
	expect_eq "$TAG: $1: H2 off (plant)" "$(truth host_on)" false
	expect_eq "$TAG: $1: H2 LED dark (status)" "$(pst host_alive)" false
	expect_eq "$TAG: $1: no draw on the brick's rail (plant)" "$(truth watts)" 0
	expect_eq "$TAG: $1: PSU off (plant)" "$(truth psu_on)" false
	expect_eq "$TAG: $1: NIC unpowered (plant)" "$(truth nic_watts)" 0
}

power_on_now() {
	h2 power on >/dev/null
	advance 60s
	expect_eq "$TAG: $1: on" "$(pst state)" on
	expect_eq "$TAG: $1: H2 on (plant)" "$(truth host_on)" true
}

rm -rf "$TESTDIR/state"
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }

expect_eq "$TAG: H2 supply in the status" "$(pst host_supply)" own
check "$TAG: H2 supply in the text status" grep -q "controller (H2 supply: own)" \
	<<<"$(h2 power status)"

# ---- long press: the PSU at once, the H2 by the force-off hold ----
power_on_now "before the long press"
h2 sim button --hold 5s >/dev/null
advance 4100ms
expect_eq "$TAG: long press: forcing the H2 off" "$(pst state)" force_off
expect_eq "$TAG: long press: PS_ON released at once (plant)" "$(truth psu_on)" false
expect_eq "$TAG: long press: H2 still running on its brick (plant)" "$(truth host_on)" true
expect_eq "$TAG: long press: no fault" "$(pst fault)" null
check "$TAG: long press: logged as an emergency that forces the H2 off" \
	grep -q "EMERGENCY cut (button held 4s); the H2 has its own supply" "$DAEMON_LOG"
advance 4s
expect_eq "$TAG: long press: off once the H2 is down" "$(pst state)" off
expect_h2_dark "long press"
check "$TAG: logged on -> force_off (long-press)" has_transition on force_off long-press
check "$TAG: logged force_off -> off (host-off)" has_transition force_off off host-off
expect_eq "$TAG: long press: requested off" "$(pst requested)" off
expect_eq "$TAG: long press: state file says off" "$(state_file)" "requested=off"
advance 10m
expect_eq "$TAG: ten minutes later: still off" "$(pst state)" off
expect_h2_dark "ten minutes after the long press"

# ---- PWR_OK drops: the H2 is held off first, then the fault latches ----
power_on_now "before the PWR_OK drop"
expect_eq "$TAG: state file says on before the drop" "$(state_file)" "requested=on"
h2 sim fault psu-ok-drop on >/dev/null
advance 100ms
expect_eq "$TAG: drop: forcing the H2 off" "$(pst state)" force_off
expect_eq "$TAG: drop: the fault is named at once" "$(pst fault.reason)" psu-ok-drop
expect_eq "$TAG: drop: not latched during the hold" "$(pst fault.latched)" false
expect_eq "$TAG: drop: blink code at once" "$(pst fault.blink_code)" 3
expect_eq "$TAG: drop: PWR_OK alarm" "$(alarm_level psu-ok-drop)" critical
expect_eq "$TAG: drop: fault alarm" "$(alarm_level power-fault)" critical
expect_eq "$TAG: drop: PS_ON released (status)" "$(pst psu_on)" false
expect_eq "$TAG: drop: PSU off (plant)" "$(truth psu_on)" false
expect_eq "$TAG: drop: H2 still running on its brick (plant)" "$(truth host_on)" true
expect_eq "$TAG: drop: requested off at once" "$(pst requested)" off
expect_eq "$TAG: drop: state file says off at once" \
	"$(sed -n 's/^requested=//p' <<<"$(state_file)")" off
expect_eq "$TAG: drop: state file names the fault at once" \
	"$(sed -n 's/^fault=//p' <<<"$(state_file)")" psu-ok-drop
out=$(h2 power clear 2>&1)
expect_eq "$TAG: drop: power clear during the hold: exit 3" "$?" 3
check "$TAG: drop: power clear during the hold: says why" grep -q "fault psu-ok-drop latches next" \
	<<<"$out"
h2 power on >/dev/null 2>&1
expect_eq "$TAG: drop: power on during the hold: exit 3" "$?" 3
check "$TAG: drop: logged the hold" \
	grep -q "PSU cut, the H2 has its own supply: holding its power button for up to 6s" \
	"$DAEMON_LOG"
advance 4s
expect_eq "$TAG: drop: latched once the H2 is down" "$(pst state)" fault
expect_eq "$TAG: drop: latched" "$(pst fault.latched)" true
expect_h2_dark "PWR_OK drop"
check "$TAG: logged on -> force_off (psu-ok-drop)" has_transition on force_off psu-ok-drop
check "$TAG: logged force_off -> fault (host-off)" has_transition force_off fault host-off
check "$TAG: drop: logged why requested is off" \
	grep -q "psu-ok-drop fault: requested power state set to off" "$DAEMON_LOG"
advance 10m
expect_eq "$TAG: ten minutes later: still latched" "$(pst state)" fault
expect_h2_dark "ten minutes after the drop"

# ---- clearing does not power on ----
h2 sim fault psu-ok-drop off >/dev/null
expect_eq "$TAG: power clear" "$(h2 power clear 2>&1)" "fault cleared: psu-ok-drop"
advance 10m
expect_eq "$TAG: after clear: off" "$(pst state)" off
expect_h2_dark "after clear"
expect_eq "$TAG: after clear: requested still off" "$(pst requested)" off
expect_eq "$TAG: after clear: the fault left the state file" "$(state_file)" "requested=off"
power_on_now "after the fault"

# ---- a reload (SIGHUP restarts the power service) in the middle of the hold finishes it ----
h2 sim button --hold 5s >/dev/null
advance 4100ms
expect_eq "$TAG: reload mid-hold: forcing the H2 off" "$(pst state)" force_off
expect_eq "$TAG: reload mid-hold: H2 still running (plant)" "$(truth host_on)" true
mark=$(wc -l <"$DAEMON_LOG")
check "$TAG: reload mid-hold: READY=1 after SIGHUP" reload
check "$TAG: reload mid-hold: the press was finished before the service restarted" \
	grep -qF "stopping while holding the H2's power button (force_off): finishing the press" \
	<<<"$(tail -n +"$((mark + 1))" "$DAEMON_LOG")"
check "$TAG: reload mid-hold: never let go early" \
	lacks 'letting go of the H2' tail -n +$((mark + 1)) "$DAEMON_LOG"
# a hold cut short would be a short press: the H2 would still be running
expect_h2_dark "reload mid-hold"
expect_eq "$TAG: reload mid-hold: off after the reload" "$(pst state)" off
expect_eq "$TAG: reload mid-hold: requested off" "$(pst requested)" off

stop_daemon
expect_eq "$TAG: SIGTERM exits 0" "$?" 0
finish
