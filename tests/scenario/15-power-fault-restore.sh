#!/usr/bin/env bash
# 15-power-fault-restore.sh - a latched power fault saves requested = off and the fault itself, so
# with restore = last a daemon restart (or mains loss) brings the fault back latched and never
# powers the box straight back into it; clearing the fault takes it out of the state file and
# does not power on by itself; a later power-on is remembered as usual.  Both controller builds:
# sim-sfx.conf and the brick build with the H2 on its own supply.  The same with restore = on and
# across a SIGHUP reload: 17-power-fault-reload.sh.
. "$(dirname "$0")/lib.sh"

# one value of the plant's truth
truth() { jget ".$1" sim status; }
state_file() { cat "$TESTDIR/state/power.state" 2>/dev/null; }
# state_key KEY: one line's value of the power state file
state_key() { sed -n "s/^$1=//p" "$TESTDIR/state/power.state" 2>/dev/null; }

# restart TAG WHAT: mains loss for the controller (stopping h2boxd ends the simulated box too,
# so the next start finds PSU and H2 off and only the state file remembers)
restart() {
	stop_daemon
	expect_eq "$1: $2: SIGTERM exits 0" "$?" 0
	start_daemon "$PROFILE" --state-dir "$TESTDIR/state"
}

# no_restore: the power history holds no restore transition
# (history rows through jrows: jqfast, not a jq program; a status that cannot be read proves nothing)
no_restore() {
	local doc row
	doc=$(h2 --json power status) && jrows "$doc" .history reason || return 1
	for row in "${JROWS[@]}"; do [ "$row" != restore ] || return 1; done
}

# expect_stays_off TAG WHAT: off after a restart with restore = last, and still off a minute on
expect_stays_off() {
	expect_eq "$1: $2: restore = last" "$(pst restore)" last
	expect_eq "$1: $2: off" "$(pst state)" off
	expect_eq "$1: $2: requested off" "$(pst requested)" off
	check "$1: $2: no restore transition" no_restore
	advance 60s
	expect_eq "$1: $2: a minute later: still off" "$(pst state)" off
	expect_eq "$1: $2: PSU off (plant)" "$(truth psu_on)" false
	expect_eq "$1: $2: H2 off (plant)" "$(truth host_on)" false
}

fault_restore_suite() {
	local tag=$2 out
	PROFILE=$1

	rm -rf "$TESTDIR/state"
	start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || return 1

	# ---- PWR_OK drops while on: the fault saves off; a restart keeps the box off ----
	h2 power on >/dev/null
	advance 60s
	expect_eq "$tag: on" "$(pst state)" on
	expect_eq "$tag: state file says on" "$(state_file)" "requested=on"
	h2 sim fault psu-ok-drop on >/dev/null
	advance 10s
	expect_eq "$tag: drop: fault latched" "$(pst state)" fault
	expect_eq "$tag: drop: requested off" "$(pst requested)" off
	expect_eq "$tag: drop: state file says off" "$(state_key requested)" off
	expect_eq "$tag: drop: state file keeps the fault" "$(state_key fault)" psu-ok-drop
	check "$tag: drop: logged why" \
		grep -q "psu-ok-drop fault: requested power state set to off and the fault saved" \
		"$DAEMON_LOG"
	h2 sim fault psu-ok-drop off >/dev/null
	restart "$tag" "drop" || return 1
	# the fault comes back latched (restore = last would have kept the box off anyway)
	expect_eq "$tag: restart after the latched drop: latched again" "$(pst state)" fault
	expect_eq "$tag: restart after the latched drop: reason" "$(pst fault.reason)" psu-ok-drop
	expect_eq "$tag: restart after the latched drop: restored" "$(pst fault.restored)" true
	check "$tag: restart after the latched drop: no restore transition" no_restore
	expect_eq "$tag: restart after the latched drop: power clear" "$(h2 power clear 2>&1)" \
		"fault cleared: psu-ok-drop"
	expect_eq "$tag: restart after the latched drop: cleared: state file says off" \
		"$(state_file)" "requested=off"
	restart "$tag" "cleared drop" || return 1
	expect_stays_off "$tag" "restart after the cleared drop"

	# ---- PWR_OK never comes: clearing does not power on, nor does a restart after it ----
	h2 sim fault psu-ok-timeout on >/dev/null
	expect_eq "$tag: timeout: power on answers" "$(h2 power on 2>&1)" "powering on"
	expect_eq "$tag: timeout: requested on while starting" "$(state_file)" "requested=on"
	advance 1s
	expect_eq "$tag: timeout: fault latched" "$(pst state)" fault
	expect_eq "$tag: timeout: state file says off" "$(state_key requested)" off
	expect_eq "$tag: timeout: state file keeps the fault" "$(state_key fault)" psu-ok-timeout
	h2 sim fault psu-ok-timeout off >/dev/null
	expect_eq "$tag: timeout: power clear" "$(h2 power clear 2>&1)" "fault cleared: psu-ok-timeout"
	advance 60s
	expect_eq "$tag: timeout: cleared, still off" "$(pst state)" off
	expect_eq "$tag: timeout: cleared: PSU off (plant)" "$(truth psu_on)" false
	expect_eq "$tag: timeout: cleared: state file still off" "$(state_file)" "requested=off"
	restart "$tag" "timeout" || return 1
	expect_stays_off "$tag" "restart after the cleared timeout"

	# ---- the next power-on is remembered again: restore = last powers on after a restart ----
	h2 sim button >/dev/null
	advance 60s
	expect_eq "$tag: button after the faults: on" "$(pst state)" on
	expect_eq "$tag: button after the faults: state file says on" "$(state_file)" "requested=on"
	restart "$tag" "last on" || return 1
	expect_eq "$tag: restart, last on: powering up" "$(pst state)" psu_starting
	check "$tag: restart, last on: logged off -> psu_starting (restore)" \
		has_transition off psu_starting restore
	advance 60s
	expect_eq "$tag: restart, last on: on" "$(pst state)" on
	expect_eq "$tag: restart, last on: H2 on (plant)" "$(truth host_on)" true

	stop_daemon
}

fault_restore_suite "$ROOT/profiles/sim-sfx.conf" "sfx+controller"
fault_restore_suite "$ROOT/tests/scenario/profiles/sim-brick-controller.conf" "brick+controller"
finish
