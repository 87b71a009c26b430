#!/usr/bin/env bash
# 16-power-h2-found-running.sh - the brick build with a controller (host_supply = own): h2boxd
# starts and finds the H2 running on its own brick with the PSU off.  Saved request on (or none),
# or restore = on: the PSU comes up to join the H2 and the box ends on.  Saved request off (an
# off or a force-off cut short) with restore = last or off: the PSU stays off and the H2 is
# forced off by holding its power button, then the box is off; a saved fault is finished off the
# same way and latches again (17-power-fault-reload.sh: also with restore = on).  And SIGTERM
# during a force-off hold finishes the hold before the daemon exits.
# The plant does not outlive the daemon: profiles/sim-brick-controller-running.conf starts it
# with the H2 running and the PSU off, and the state file carries the saved request across.
. "$(dirname "$0")/lib.sh"

BASE=$ROOT/tests/scenario/profiles/sim-brick-controller-running.conf

truth() { jget ".$1" sim status; }
state_file() { cat "$TESTDIR/state/power.state" 2>/dev/null; }
# state_key KEY: one line's value of the power state file
state_key() { sed -n "s/^$1=//p" "$TESTDIR/state/power.state" 2>/dev/null; }
# profile_for RESTORE: the running profile with that restore policy
profile_for() {
	sed "s/^restore = last\$/restore = $1/" "$BASE" >"$TESTDIR/running-$1.conf"
	echo "$TESTDIR/running-$1.conf"
}
# log_mark / log_since MARK: the daemon log (it spans restarts) from a mark on
log_mark() { wc -l <"$DAEMON_LOG"; }
log_since() { tail -n +"$(($1 + 1))" "$DAEMON_LOG"; }
# in_log_since MARK PATTERN...: every pattern is in the log since MARK (fixed strings)
in_log_since() {
	local mark=$1 p
	shift
	for p in "$@"; do
		log_since "$mark" | grep -qF -- "$p" || { echo "missing: $p"; return 1; }
	done
}
not_in_log_since() { # a log that cannot be read is no proof of absence
	local l
	l=$(log_since "$1") || return 1
	! grep -qF -- "$2" <<<"$l"
}
# in_order_since MARK FIRST SECOND: both in the log since MARK, FIRST on an earlier line
in_order_since() {
	local a b
	a=$(log_since "$1" | grep -nF -- "$2" | head -n 1 | cut -d: -f1)
	b=$(log_since "$1" | grep -nF -- "$3" | tail -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
no_psu_start() { # (jrows: jqfast, not a jq program; a status that cannot be read proves nothing)
	local doc row
	doc=$(h2 --json power status) && jrows "$doc" .history to || return 1
	for row in "${JROWS[@]}"; do [ "$row" != psu_starting ] || return 1; done
}

# begin PROFILE SAVED: start h2boxd with the state file saying SAVED (on, off, or none)
begin() {
	mkdir -p "$TESTDIR/state"
	if [ "$2" = none ]; then
		rm -f "$TESTDIR/state/power.state"
	else
		printf 'requested=%s\n' "$2" >"$TESTDIR/state/power.state"
	fi
	MARK=$(log_mark)
	start_daemon "$1" --state-dir "$TESTDIR/state"
}

# expect_join TAG SAVED RESTORE: just started, H2 found running: the PSU comes up, the box ends on
expect_join() {
	local tag=$1 p
	# (the clock is paused: one power status and one sim status per step)
	jvals -r "$(h2 --json power status)" .restore .state
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .psu_on .host_on
	expect_eq "$tag: restore = $3" "${p[0]}" "$3"
	expect_eq "$tag: powering the PSU up" "${p[1]}" psu_starting
	expect_eq "$tag: PS_ON asserted (plant)" "${JVALS[0]}" true
	expect_eq "$tag: H2 running (plant)" "${JVALS[1]}" true
	check "$tag: logged off -> psu_starting (adopt)" has_transition off psu_starting adopt
	check "$tag: logged what was found and why, with fields" in_log_since "$MARK" \
		"H2 found running with the PSU off (requested $2, restore = $3): powering the PSU" \
		"H2BOX_REASON=adopt H2BOX_REQUESTED=$2 H2BOX_RESTORE=$3"
	advance 60s
	jvals -r "$(h2 --json power status)" .state .requested
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .host_on .psu_on
	expect_eq "$tag: on" "${p[0]}" on
	expect_eq "$tag: H2 still running: its button never pressed (plant)" "${JVALS[0]}" true
	expect_eq "$tag: PSU on (plant)" "${JVALS[1]}" true
	expect_eq "$tag: requested on" "${p[1]}" on
	expect_eq "$tag: state file says on" "$(state_file)" "requested=on"
}

# expect_finish_off TAG RESTORE: just started, H2 found running, requested off: forced off, off
expect_finish_off() {
	local tag=$1 out p
	# (the clock is paused: one power status and one sim status per step)
	jvals -r "$(h2 --json power status)" .restore .state .psu_on .fault
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .psu_on .host_on
	expect_eq "$tag: restore = $2" "${p[0]}" "$2"
	expect_eq "$tag: forcing the H2 off" "${p[1]}" force_off
	expect_eq "$tag: PS_ON left released (status)" "${p[2]}" false
	expect_eq "$tag: PSU off (plant)" "${JVALS[0]}" false
	expect_eq "$tag: H2 still running during the hold (plant)" "${JVALS[1]}" true
	expect_eq "$tag: no fault" "${p[3]}" null
	check "$tag: logged off -> force_off (finish-off)" has_transition off force_off finish-off
	check "$tag: logged why, with fields" in_log_since "$MARK" \
		"H2 found running with requested off: forcing it off (restore = $2; PSU left off" \
		"H2BOX_REASON=finish-off H2BOX_REQUESTED=off H2BOX_RESTORE=$2"
	out=$(h2 power on 2>&1)
	expect_eq "$tag: power on during the hold: exit 3" "$?" 3
	expect_eq "$tag: power on during the hold: says why" "$out" "h2box: busy: stopping"
	advance 4s
	expect_eq "$tag: 4 s into the hold: H2 off (plant)" "$(truth host_on)" false
	advance 100ms
	expect_eq "$tag: off once its LED is out" "$(pst state)" off
	check "$tag: logged force_off -> off (host-off)" has_transition force_off off host-off
	expect_eq "$tag: H2 LED dark (status)" "$(pst host_alive)" false
	expect_eq "$tag: no draw on the brick's rail (plant)" "$(truth watts)" 0
	expect_eq "$tag: requested still off" "$(pst requested)" off
	expect_eq "$tag: state file says off" "$(state_file)" "requested=off"
	advance 10m
	expect_eq "$tag: ten minutes later: off" "$(pst state)" off
	jvals -r "$(h2 --json sim status)" .psu_on .host_on
	expect_eq "$tag: ten minutes later: PSU off (plant)" "${JVALS[0]}" false
	expect_eq "$tag: ten minutes later: H2 off (plant)" "${JVALS[1]}" false
	check "$tag: the PSU was never started" no_psu_start
}

# stop_mid_hold TAG: SIGTERM while the machine holds the H2's button: the hold is finished first
stop_mid_hold() {
	local tag=$1 mark
	mark=$(log_mark)
	stop_daemon
	expect_eq "$tag: SIGTERM exits 0" "$?" 0
	check "$tag: SIGTERM: logged that the hold is finished first, with fields" \
		in_log_since "$mark" \
		"power button (force_off): finishing the press first (at most 6s)" \
		"H2BOX_EVENT=power-stop-hold H2BOX_STATE=force_off"
	check "$tag: SIGTERM: the H2 went dark during the stop (force_off ended on host-off)" \
		in_order_since "$mark" "power-stop-hold" \
		"H2BOX_FROM=force_off H2BOX_TO=$2 H2BOX_REASON=host-off"
	check "$tag: SIGTERM: the button was not let go early" \
		not_in_log_since "$mark" "letting go of the H2's power button"
	expect_eq "$tag: SIGTERM: state file says off" "$(state_key requested)" off
	if [ "$2" = fault ]; then
		expect_eq "$tag: SIGTERM: state file keeps the fault" "$(state_key fault)" \
			psu-ok-drop
	else
		expect_eq "$tag: SIGTERM: state file holds no fault" "$(state_file)" "requested=off"
	fi
}

# expect_finish_off_fault TAG RESTORE FAULT: just started, H2 found running, a fault saved: the
# H2 is forced off whatever restore says, then the fault latches again until cleared
expect_finish_off_fault() {
	local tag=$1
	expect_eq "$tag: restore = $2" "$(pst restore)" "$2"
	expect_eq "$tag: forcing the H2 off" "$(pst state)" force_off
	expect_eq "$tag: PSU off (plant)" "$(truth psu_on)" false
	expect_eq "$tag: H2 still running during the hold (plant)" "$(truth host_on)" true
	expect_eq "$tag: the saved fault named at once" "$(pst fault.reason)" "$3"
	expect_eq "$tag: not latched during the hold" "$(pst fault.latched)" false
	check "$tag: logged off -> force_off (finish-off)" has_transition off force_off finish-off
	check "$tag: logged why, with fields" in_log_since "$MARK" \
		"H2 found running with a fault saved before this start ($3): forcing it off" \
		"H2BOX_REASON=finish-off H2BOX_REQUESTED=off H2BOX_RESTORE=$2 H2BOX_FAULT=$3"
	advance 4s
	expect_eq "$tag: 4 s into the hold: H2 off (plant)" "$(truth host_on)" false
	advance 100ms
	expect_eq "$tag: latched again once its LED is out" "$(pst state)" fault
	check "$tag: logged force_off -> fault (host-off)" has_transition force_off fault host-off
	expect_eq "$tag: state file keeps the fault" "$(state_key fault)" "$3"
	advance 10m
	expect_eq "$tag: ten minutes later: still latched" "$(pst state)" fault
	expect_eq "$tag: ten minutes later: PSU off (plant)" "$(truth psu_on)" false
	check "$tag: the PSU was never started" no_psu_start
	expect_eq "$tag: power clear" "$(h2 power clear 2>&1)" "fault cleared: $3"
	expect_eq "$tag: cleared: state file says off" "$(state_file)" "requested=off"
}

LAST=$(profile_for last)
OFF=$(profile_for off)
ON=$(profile_for on)

# ---- restore = last: nothing saved, then saved on: join ----
T="last, nothing saved"
begin "$LAST" none || { finish; exit 1; }
expect_join "$T" unknown last
stop_daemon
T="last, saved on"
begin "$LAST" on || { finish; exit 1; }
expect_join "$T" on last

# ---- a long press's force-off hold, cut by SIGTERM: the stop finishes it ----
T="last, long press"
h2 sim button --hold 5s >/dev/null
advance 4100ms
expect_eq "$T: forcing the H2 off" "$(pst state)" force_off
expect_eq "$T: PSU cut (plant)" "$(truth psu_on)" false
expect_eq "$T: H2 still running (plant)" "$(truth host_on)" true
stop_mid_hold "$T" off

# ... and a controller that was killed instead finds the H2 running with requested off
T="last, after an interrupted force-off"
MARK=$(log_mark)
start_daemon "$LAST" --state-dir "$TESTDIR/state" || { finish; exit 1; }
expect_finish_off "$T" last

# ---- a PWR_OK drop's hold, cut by SIGTERM: finished, the fault latches, requested off ----
T="last, PWR_OK drop"
h2 power on >/dev/null
advance 60s
expect_eq "$T: on" "$(pst state)" on
h2 sim fault psu-ok-drop on >/dev/null
advance 100ms
expect_eq "$T: forcing the H2 off" "$(pst state)" force_off
expect_eq "$T: fault named" "$(pst fault.reason)" psu-ok-drop
stop_mid_hold "$T" fault
T="last, after a latched fault"
MARK=$(log_mark)
start_daemon "$LAST" --state-dir "$TESTDIR/state" || { finish; exit 1; }
expect_finish_off_fault "$T" last psu-ok-drop
stop_daemon

# ---- restore = off decides for a dark box only: saved on joins, saved off is finished ----
T="off, saved on"
begin "$OFF" on || { finish; exit 1; }
expect_join "$T" on off
stop_daemon
T="off, nothing saved"
begin "$OFF" none || { finish; exit 1; }
expect_join "$T" unknown off
stop_daemon
T="off, saved off"
begin "$OFF" off || { finish; exit 1; }
expect_finish_off "$T" off
stop_daemon

# ---- restore = on powers on, even after a saved off ----
T="on, saved off"
begin "$ON" off || { finish; exit 1; }
expect_join "$T" off on
stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
finish
