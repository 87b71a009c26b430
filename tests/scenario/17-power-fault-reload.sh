#!/usr/bin/env bash
# 17-power-fault-reload.sh - a latched power fault is kept in the state file, so neither a SIGHUP
# reload (which restarts the power service) nor a daemon restart (or mains loss) forgets it: it
# comes back latched, with its alarm, blink code and status, and the box stays off even with
# restore = on, until `h2box power clear`; clearing takes it out of the state file and power-on
# works again.  Both controller builds (sim-sfx.conf, and the brick build with the H2 on its own
# supply), a fault name the state file garbled, and an own-supply H2 found running with a fault
# saved (finished off whatever restore says, then the fault latches).
. "$(dirname "$0")/lib.sh"

# one moment's power status and plant's truth: pnow/tnow/adv, pv/tv (lib.sh)
STATE=$TESTDIR/state/power.state
state_file() { cat "$STATE" 2>/dev/null; }
# state_key KEY: one line's value of the power state file
state_key() { sed -n "s/^$1=//p" "$STATE" 2>/dev/null; }
# profile_on BASE: BASE with restore = on, in the test directory
profile_on() {
	local out
	out=$TESTDIR/$(basename "$1" .conf)-restore-on.conf
	sed 's/^restore = last$/restore = on/' "$1" >"$out"
	grep -qx 'restore = on' "$out" || { echo "no 'restore = last' line in $1" >&2; return 1; }
	echo "$out"
}
log_mark() { wc -l <"$DAEMON_LOG"; }
# in_log_since MARK PATTERN...: every pattern (fixed string) is in the log since MARK
in_log_since() {
	local mark=$1 p
	shift
	for p in "$@"; do
		tail -n +"$((mark + 1))" "$DAEMON_LOG" | grep -qF -- "$p" ||
			{ echo "missing: $p"; return 1; }
	done
}
# no_psu_start_since_restart: POWER's history (pnow) has no psu_starting (jrows: jqfast, not a jq
# program; a status that cannot be read proves nothing)
no_psu_start_since_restart() {
	local row
	jrows "$POWER" .history to || return 1
	for row in "${JROWS[@]}"; do [ "$row" != psu_starting ] || return 1; done
}

# expect_latched TAG FAULT CODE [FILE_FAULT]: the fault is latched, restored from before, the box
# kept off; the state file still names it (as FILE_FAULT when given: it is not rewritten at start)
expect_latched() {
	local tag=$1 out
	# (the clock is paused: one power status for these)
	pnow
	jvals -r "$POWER" .state .fault.reason .fault.latched .fault.restored .fault.blink_code \
		.restore .requested
	expect_eq "$tag: state fault" "${JVALS[0]}" fault
	expect_eq "$tag: fault reason" "${JVALS[1]}" "$2"
	expect_eq "$tag: fault latched" "${JVALS[2]}" true
	expect_eq "$tag: fault restored from before" "${JVALS[3]}" true
	expect_eq "$tag: blink code" "${JVALS[4]}" "$3"
	expect_eq "$tag: restore = on" "${JVALS[5]}" on
	expect_eq "$tag: requested off" "${JVALS[6]}" off
	expect_eq "$tag: fault alarm" "$(alarm_level power-fault)" critical
	check "$tag: status text shows it" \
		grep -q "^fault: *$2: .*before this start; blink code $3" <<<"$(h2 power status)"
	check "$tag: logged off -> fault (restored-fault)" \
		has_transition_in "$POWER" off fault restored-fault
	expect_eq "$tag: state file keeps the fault" "$(state_key fault)" "${4:-$2}"
	adv 60s
	pnow
	expect_eq "$tag: a minute later: still latched" "$(pv state)" fault
	expect_eq "$tag: a minute later: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: a minute later: H2 off (plant)" "$(tv host_on)" false
	check "$tag: the PSU was never started" no_psu_start_since_restart
	out=$(h2 power on 2>&1)
	expect_eq "$tag: power on refused: exit 3" "$?" 3
	expect_eq "$tag: power on refused: says why" "$out" \
		"h2box: fault latched: $2 (h2box power clear)"
}

reload_suite() {
	local tag=$2 mark at
	PROFILE=$(profile_on "$1") || { not_ok "$tag: restore = on profile"; return 1; }

	rm -rf "$TESTDIR/state"
	start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || return 1
	expect_eq "$tag: dark box with no state file: restore = on powers on" "$(pst state)" \
		psu_starting
	advance 60s
	expect_eq "$tag: on" "$(pst state)" on

	# ---- PWR_OK drops: the fault latches and is saved next to requested = off ----
	h2 sim fault psu-ok-drop on >/dev/null
	advance 10s
	pnow
	expect_eq "$tag: drop: fault latched" "$(pv state)" fault
	expect_eq "$tag: drop: not from before" "$(pv fault.restored)" false
	expect_eq "$tag: drop: state file: requested off" "$(state_key requested)" off
	expect_eq "$tag: drop: state file: the fault" "$(state_key fault)" psu-ok-drop
	at=$(state_key fault_at)
	check "$tag: drop: state file: when (wall clock seconds)" \
		bash -c "[[ '$at' =~ ^[0-9]+\$ ]] && [ '$at' -gt 1000000000 ]"
	# the PSU would come up again if asked: only the latched fault keeps it off
	h2 sim fault psu-ok-drop off >/dev/null

	# ---- SIGHUP: the power service restarts and finds the fault in the state file ----
	mark=$(log_mark)
	check "$tag: reload: READY=1 after SIGHUP" reload
	check "$tag: reload: profile reloaded" in_log_since "$mark" "profile reloaded"
	check "$tag: reload: logged the fault restored, with fields" in_log_since "$mark" \
		"psu-ok-drop fault from before this start (at " \
		"restored latched: PWR_OK dropped while the box was on; the box stays off" \
		"whatever restore says (restore = on) until 'h2box power clear'" \
		"[H2BOX_EVENT=power-fault-restored H2BOX_FAULT=psu-ok-drop H2BOX_FAULT_AT=$at" \
		"H2BOX_FAULT_AT=$at H2BOX_RESTORE=on H2BOX_STATE=fault]"
	expect_eq "$tag: reload: PWR_OK drop alarm kept" "$(alarm_level psu-ok-drop)" critical
	expect_latched "$tag: after SIGHUP" psu-ok-drop 3
	expect_eq "$tag: reload: fault time kept" "$(state_key fault_at)" "$at"

	# ---- a second reload, then a restart with the same --state-dir (mains loss) ----
	check "$tag: second reload: READY=1" reload
	expect_latched "$tag: after a second SIGHUP" psu-ok-drop 3
	stop_daemon
	expect_eq "$tag: SIGTERM exits 0" "$?" 0
	mark=$(log_mark)
	start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || return 1
	check "$tag: restart: logged the fault restored" in_log_since "$mark" \
		"H2BOX_EVENT=power-fault-restored H2BOX_FAULT=psu-ok-drop H2BOX_FAULT_AT=$at"
	expect_latched "$tag: after a restart" psu-ok-drop 3

	# ---- cleared: out of the state file, still off; then power on works ----
	expect_eq "$tag: power clear" "$(h2 power clear 2>&1)" "fault cleared: psu-ok-drop"
	pnow
	expect_eq "$tag: cleared: off" "$(pv state)" off
	expect_eq "$tag: cleared: no fault" "$(pv fault)" null
	expect_eq "$tag: cleared: alarm gone" "$(alarm_level power-fault)" none
	expect_eq "$tag: cleared: state file without the fault" "$(state_file)" "requested=off"
	adv 60s
	expect_eq "$tag: cleared: clearing does not power on" "$(tv psu_on)" false
	expect_eq "$tag: power on" "$(h2 power on 2>&1)" "powering on"
	adv 60s
	expect_eq "$tag: on again" "$(pst state)" on
	expect_eq "$tag: on again: H2 on (plant)" "$(tv host_on)" true
	expect_eq "$tag: on again: state file" "$(state_file)" "requested=on"
	# and a reload now adopts the running box as before
	check "$tag: reload while on: READY=1" reload
	pnow
	expect_eq "$tag: reload while on: still on" "$(pv state)" on
	expect_eq "$tag: reload while on: no fault" "$(pv fault)" null
	stop_daemon
}

reload_suite "$ROOT/profiles/sim-sfx.conf" "sfx+controller"
reload_suite "$ROOT/tests/scenario/profiles/sim-brick-controller.conf" "brick+controller"

# ---- a fault name the state file garbled: a generic latched fault, logged ----
T="garbled fault name"
PROFILE=$(profile_on "$ROOT/profiles/sim-sfx.conf")
mkdir -p "$TESTDIR/state"
printf 'requested=off\nfault=psu-\033on-fire\nfault_at=1700000000\n' >"$STATE"
MARK=$(log_mark)
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
check "$T: logged, the name made printable" in_log_since "$MARK" \
	"names an unknown fault 'psu-?on-fire': restoring it as a generic latched fault (unknown)"
expect_latched "$T" unknown 5 $'psu-\033on-fire'
expect_eq "$T: power clear" "$(h2 power clear 2>&1)" "fault cleared: unknown"
expect_eq "$T: cleared: state file" "$(state_file)" "requested=off"
stop_daemon

# ---- an older state file (no fault line): restore = on powers on as before ----
T="older state file"
printf 'requested=off\n' >"$STATE"
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
pnow
expect_eq "$T: no fault" "$(pv fault)" null
expect_eq "$T: restore = on powers on" "$(pv state)" psu_starting
stop_daemon

# ---- own supply: the H2 found running with a fault saved is finished off, then it latches ----
T="H2 found running, fault saved"
PROFILE=$(profile_on "$ROOT/tests/scenario/profiles/sim-brick-controller-running.conf")
printf 'requested=off\nfault=host-boot-timeout\nfault_at=1700000000\n' >"$STATE"
MARK=$(log_mark)
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
pnow
tnow
expect_eq "$T: forcing the H2 off" "$(pv state)" force_off
expect_eq "$T: PSU left off (plant)" "$(tv psu_on)" false
expect_eq "$T: H2 still running during the hold (plant)" "$(tv host_on)" true
expect_eq "$T: fault named at once" "$(pv fault.reason)" host-boot-timeout
expect_eq "$T: not latched during the hold" "$(pv fault.latched)" false
check "$T: logged off -> force_off (finish-off)" has_transition_in "$POWER" off force_off finish-off
check "$T: logged why, with fields" in_log_since "$MARK" \
	"H2 found running with a fault saved before this start (host-boot-timeout): forcing it" \
	"off whatever restore says (restore = on; PSU left off" \
	"H2BOX_REASON=finish-off H2BOX_REQUESTED=off H2BOX_RESTORE=on" \
	"H2BOX_RESTORE=on H2BOX_FAULT=host-boot-timeout]" \
	"[H2BOX_EVENT=power-fault-restored H2BOX_FAULT=host-boot-timeout" \
	"H2BOX_FAULT=host-boot-timeout H2BOX_FAULT_AT=1700000000" \
	"H2BOX_FAULT_AT=1700000000 H2BOX_RESTORE=on H2BOX_STATE=force_off]"
adv 4100ms
pnow
expect_eq "$T: latched once the H2 is dark" "$(pv state)" fault
expect_eq "$T: H2 off (plant)" "$(tv host_on)" false
check "$T: logged force_off -> fault (host-off)" has_transition_in "$POWER" force_off fault host-off
adv 10m
pnow
expect_eq "$T: ten minutes later: still latched" "$(pv state)" fault
expect_eq "$T: ten minutes later: PSU off (plant)" "$(tv psu_on)" false
check "$T: the PSU was never started" no_psu_start_since_restart
expect_eq "$T: power clear" "$(h2 power clear 2>&1)" "fault cleared: host-boot-timeout"
expect_eq "$T: cleared: state file" "$(state_file)" "requested=off"
expect_eq "$T: power on" "$(h2 power on 2>&1)" "powering on"
advance 60s
expect_eq "$T: on" "$(pst state)" on
stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
finish
