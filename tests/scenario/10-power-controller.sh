#!/usr/bin/env bash
# 10-power-controller.sh - the power sequencer in the controller topology on both builds: one
# button (or `h2box power`) brings the box up and down, the H2's own poweroff, races, long press,
# debounce, cycle, privileges and the button LED, checked in h2box's status and the plant's truth.
#
# Builds: sim-sfx.conf (the SFX PSU feeds everything; the monitored rail is the PSU's 12 V) and
# profiles/sim-brick-controller.conf (the brick feeds the H2 and disks and is the monitored rail;
# PS_ON switches only the NIC's SFX, and the profile says host_supply = own, so a long press also
# forces the H2 off with a hold of its power button).  Faults and restore are in
# 12-power-controller-faults.sh; the own-supply force-off in depth in 14-power-own-supply.sh.
. "$(dirname "$0")/lib.sh"

# one moment's power status and plant's truth: pnow/adv, pv/tv (lib.sh)
state_file() { cat "$TESTDIR/state/power.state" 2>/dev/null; }

# expect_box_off TAG WHAT: lib.sh
# (the clock is paused: one power status and one sim status answer for all the checks)
expect_box_on() {
	local tag=$1 what=$2 p
	jvals -r "$(h2 --json power status)" .state .psu_on .psu_ok .host_alive
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .psu_on .host_on .button_led
	expect_eq "$tag: $what: state on" "${p[0]}" on
	expect_eq "$tag: $what: PS_ON asserted (status)" "${p[1]}" true
	expect_eq "$tag: $what: PWR_OK (status)" "${p[2]}" true
	expect_eq "$tag: $what: H2 alive (status)" "${p[3]}" true
	expect_eq "$tag: $what: PSU on (plant)" "${JVALS[0]}" true
	expect_eq "$tag: $what: H2 on (plant)" "${JVALS[1]}" true
	expect_eq "$tag: $what: button LED lit" "${JVALS[2]}" true
}

# power_on_now TAG: `h2box power on` and one minute of box time (boot, link up, readings)
power_on_now() {
	h2 power on >/dev/null
	advance 60s
	expect_eq "$1: powered on for the next step" "$(pst state)" on
}

controller_suite() {
	local profile=$1 tag=$2 idle_w=$3 supply=$4 out rc

	rm -rf "$TESTDIR/state"
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1

	# ---- first start, no state file: off ----
	pnow
	expect_eq "$tag: topology" "$(pv topology)" controller
	expect_eq "$tag: H2 supply" "$(pv host_supply)" "$supply"
	expect_eq "$tag: starts off without a state file" "$(pv state)" off
	expect_eq "$tag: nothing requested yet" "$(pv requested)" unknown
	expect_box_off "$tag" "at start"

	# ---- a glitch shorter than the 30 ms debounce is ignored ----
	h2 sim button --hold 10ms >/dev/null
	adv 1s
	pnow
	expect_eq "$tag: 10 ms glitch: still off" "$(pv state)" off
	expect_eq "$tag: 10 ms glitch: PSU untouched (plant)" "$(tv psu_on)" false
	expect_eq "$tag: 10 ms glitch: no transition logged" "$(pv 'history | length')" 1

	# ---- button on -> On ----
	h2 sim button >/dev/null
	adv 250ms
	expect_eq "$tag: press: PSU starting" "$(pst state)" psu_starting
	expect_eq "$tag: press: PS_ON asserted (plant)" "$(tv psu_on)" true
	expect_eq "$tag: press: H2 not yet pressed (plant)" "$(tv host_on)" false
	advance 750ms
	expect_box_on "$tag" "button on"
	pnow
	check "$tag: logged off -> psu_starting (button)" \
		has_transition_in "$POWER" off psu_starting button
	check "$tag: logged psu_starting -> host_starting (psu-ok)" \
		has_transition_in "$POWER" psu_starting host_starting psu-ok
	check "$tag: logged host_starting -> on (host-alive)" \
		has_transition_in "$POWER" host_starting on host-alive
	expect_eq "$tag: requested on" "$(pv requested)" on
	expect_eq "$tag: state file says on" "$(state_file)" "requested=on"
	check "$tag: no temporary state file left" lacks tmp ls "$TESTDIR/state"
	adv 60s
	expect_eq "$tag: IB link up (plant)" "$(tv link_up)" true
	expect_near "$tag: idle watts (h2box watts)" "$(jget .watts watts)" "$idle_w" 0.05
	jvals -r "$(h2 --json status)" .readings.watts .power.state
	expect_near "$tag: idle watts (h2box status)" "${JVALS[0]}" "$idle_w" 0.05
	expect_eq "$tag: status shows the power state" "${JVALS[1]}" on

	out=$(h2 power on 2>&1)
	rc=$?
	expect_eq "$tag: power on when on: exit 0" "$rc" 0
	expect_eq "$tag: power on when on: says already on" "$out" "already on"

	# ---- privileges: anyone reads, only root / the h2box group changes power ----
	for cmd in on off cycle force-off clear; do
		h2_nobody power "$cmd" >/dev/null 2>&1
		expect_eq "$tag: nobody: power $cmd refused with exit 4" "$?" 4
	done
	h2_nobody sim button >/dev/null 2>&1
	expect_eq "$tag: nobody: sim button refused with exit 4" "$?" 4
	out=$(h2_nobody --json power status)
	expect_eq "$tag: nobody: power status works" "$?" 0
	expect_eq "$tag: nobody: power status reads on" "$(jq -r .state <<<"$out")" on
	advance 1s
	expect_eq "$tag: refused commands changed nothing" "$(pst state)" on

	# ---- button off -> Off with no draw ----
	h2 sim button >/dev/null
	adv 1s
	expect_eq "$tag: press: H2 stopping" "$(pst state)" host_stopping
	expect_eq "$tag: press: ACPI shutdown running (plant)" "$(tv host_stopping)" true
	expect_eq "$tag: press: PSU still on while the H2 shuts down" "$(tv psu_on)" true
	out=$(h2 power on 2>&1)
	expect_eq "$tag: power on while stopping: exit 3" "$?" 3
	check "$tag: power on while stopping: says busy: stopping" grep -q "busy: stopping" <<<"$out"
	expect_eq "$tag: power off while stopping: already stopping" "$(h2 power off 2>&1)" \
		"already stopping"
	adv 8s
	expect_eq "$tag: H2 down: waiting psu_off_delay" "$(pst state)" psu_stopping
	expect_eq "$tag: H2 down (plant)" "$(tv host_on)" false
	expect_eq "$tag: PSU still on during psu_off_delay (plant)" "$(tv psu_on)" true
	advance 2s
	expect_box_off "$tag" "button off"
	pnow
	check "$tag: logged on -> host_stopping (button)" \
		has_transition_in "$POWER" on host_stopping button
	check "$tag: logged host_stopping -> psu_stopping (host-off)" \
		has_transition_in "$POWER" host_stopping psu_stopping host-off
	check "$tag: logged psu_stopping -> off (psu-off-delay)" \
		has_transition_in "$POWER" psu_stopping off psu-off-delay
	expect_eq "$tag: requested off" "$(pv requested)" off
	expect_eq "$tag: state file says off" "$(state_file)" "requested=off"
	advance 5s
	expect_eq "$tag: off: daemon's monitor reads no draw" "$(jget .watts watts)" 0
	expect_eq "$tag: power off when off: already off" "$(h2 power off 2>&1)" "already off"

	# ---- the H2 powered off from its own OS -> the box goes off ----
	power_on_now "$tag"
	h2 sim poweroff >/dev/null
	advance 7s
	expect_eq "$tag: OS poweroff: still on while the OS shuts down" "$(pst state)" on
	adv 2s
	expect_eq "$tag: OS poweroff: H2 down (plant)" "$(tv host_on)" false
	expect_eq "$tag: OS poweroff: waiting psu_off_delay" "$(pst state)" psu_stopping
	expect_eq "$tag: OS poweroff: PSU still on (plant)" "$(tv psu_on)" true
	advance 2s
	expect_box_off "$tag" "OS poweroff"
	pnow
	check "$tag: logged on -> psu_stopping (host-poweroff)" \
		has_transition_in "$POWER" on psu_stopping host-poweroff
	expect_eq "$tag: OS poweroff: requested off" "$(pv requested)" off

	# ---- command races: never a half-done sequence ----
	expect_eq "$tag: power on answers" "$(h2 power on 2>&1)" "powering on"
	expect_eq "$tag: power on while starting: already starting" "$(h2 power on 2>&1)" \
		"already starting"
	out=$(h2 power off 2>&1)
	expect_eq "$tag: power off during PSU start: exit 0" "$?" 0
	expect_eq "$tag: power off during PSU start: aborted" "$out" "start-up aborted: off"
	advance 2s
	expect_box_off "$tag" "aborted start-up"
	check "$tag: logged psu_starting -> off (command-off)" \
		has_transition psu_starting off command-off

	h2 power on >/dev/null
	advance 350ms
	expect_eq "$tag: settling after PWR_OK" "$(pst state)" host_starting
	expect_eq "$tag: power off while settling: aborted" "$(h2 power off 2>&1)" \
		"start-up aborted: off"
	advance 2s
	expect_box_off "$tag" "aborted settle"

	h2 power on >/dev/null
	advance 420ms
	expect_eq "$tag: H2 button pulsed: still starting" "$(pst state)" host_starting
	out=$(h2 power off 2>&1)
	expect_eq "$tag: power off while the H2 boots: exit 3" "$?" 3
	check "$tag: power off while the H2 boots: busy: starting" grep -q "^h2box: busy: starting" \
		<<<"$out"
	advance 60s
	expect_box_on "$tag" "start-up completes after the refused off"

	# ---- power cycle ----
	out=$(h2 power cycle 2>&1)
	expect_eq "$tag: cycle: exit 0" "$?" 0
	check "$tag: cycle: announces the 5 s delay" grep -q "on again 5s after off" <<<"$out"
	expect_eq "$tag: cycle while cycling: already cycling" "$(h2 power cycle 2>&1)" \
		"already cycling"
	adv 11s
	pnow
	expect_eq "$tag: cycle: off for cycle_delay" "$(pv state)" cycle_wait
	expect_eq "$tag: cycle: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: cycle: H2 off (plant)" "$(tv host_on)" false
	expect_eq "$tag: cycle: still requested on" "$(pv requested)" on
	advance 5s
	expect_box_on "$tag" "after cycle"
	pnow
	check "$tag: logged cycle_wait -> psu_starting (cycle-delay)" \
		has_transition_in "$POWER" cycle_wait psu_starting cycle-delay
	printf '%s\n' "$POWER" >"$TESTDIR/ps.json"
	expect_eq "$tag: cycle: H2 off exactly once" \
		"$(jq '[.history[] | select(.reason == "command-cycle")] | length' "$TESTDIR/ps.json")" 1

	# ---- glitch while on: ignored ----
	h2 sim button --hold 10ms >/dev/null
	advance 2s
	expect_eq "$tag: 10 ms glitch while on: still on" "$(pst state)" on

	# ---- long press: emergency PSU cut, logged as such ----
	advance 60s
	h2 sim button --hold 5s >/dev/null
	advance 3900ms
	expect_eq "$tag: held 3.9 s: still on" "$(pst state)" on
	adv 200ms
	pnow
	if [ "$supply" = own ]; then
		# the PSU goes at once; the H2 on its brick only by holding its power button
		expect_eq "$tag: held 4 s: PSU cut, H2 being forced off" "$(pv state)" force_off
		expect_eq "$tag: held 4 s: H2 still up at the start of the hold (plant)" \
			"$(tv host_on)" true
		check "$tag: logged on -> force_off (long-press)" \
			has_transition_in "$POWER" on force_off long-press
	else
		expect_eq "$tag: held 4 s: cut at once" "$(pv state)" off
		expect_eq "$tag: held 4 s: the PSU cut took the H2 down (plant)" "$(tv host_on)" false
		check "$tag: logged on -> off (long-press)" has_transition_in "$POWER" on off long-press
	fi
	expect_eq "$tag: held 4 s: PS_ON released (status)" "$(pv psu_on)" false
	expect_eq "$tag: held 4 s: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: held 4 s: NIC unpowered (plant)" "$(tv nic_watts)" 0
	check "$tag: long press logged as an emergency cut" grep -q "EMERGENCY cut (button held 4s)" \
		"$DAEMON_LOG"
	expect_eq "$tag: long press: requested off" "$(pv requested)" off
	if [ "$supply" = own ]; then
		# the H2 gives up 4 s into the hold; its LED going out ends the hold
		advance 3800ms
		expect_eq "$tag: 3.8 s into the hold: still forcing off" "$(pst state)" force_off
		advance 200ms
		check "$tag: logged force_off -> off (host-off)" has_transition force_off off host-off
	fi
	expect_box_off "$tag" "long press"
	expect_eq "$tag: long press: H2 LED dark (status)" "$(pst host_alive)" false
	advance 2s
	pnow
	expect_eq "$tag: releasing the long press starts nothing" "$(pv state)" off
	expect_eq "$tag: no transition after the long press" "$(pv 'history[-1].reason')" \
		"$([ "$supply" = own ] && echo host-off || echo long-press)"

	stop_daemon
	expect_eq "$tag: SIGTERM exits 0" "$?" 0
}

controller_suite "$ROOT/profiles/sim-sfx.conf" "sfx+controller" 24 psu
controller_suite "$ROOT/tests/scenario/profiles/sim-brick-controller.conf" "brick+controller" 38.5 own
finish
