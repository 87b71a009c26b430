#!/usr/bin/env bash
# 11-power-self.sh - the power sequencer in the self topology (h2boxd on the H2) on both builds:
# start-up holds READY=1 until PWR_OK, the NIC and its IB port are up; the button (or `power off`)
# asks the OS to power off and PS_ON is released when the H2 is down; the H2's own poweroff;
# PWR_OK timeout and drop; races; long press; debounce; privileges; the button LED.
#
# Builds: sim-brick.conf (the brick feeds the H2 and disks and is the monitored rail; the SFX feeds
# only the NIC) and profiles/sim-sfx-self.conf (the SFX feeds everything, the H2 included).
# In this topology "button on" is the H2 booting: h2boxd starts on it and brings the box up, so
# each start of h2boxd below is a power-on (the simulated box starts with the H2 running).
. "$(dirname "$0")/lib.sh"

# one value of the plant's truth
truth() { jget ".$1" sim status; }

# boot_box TAG: the H2 boots and h2boxd starts on it; READY only once the IB port is ACTIVE
boot_box() {
	local tag=$1 ready0
	ready0=$(ready_count)
	start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || return 1
	adv 5s
	expect_eq "$tag: boot: waiting for the IB port" "$(pst state)" ib_wait
	expect_eq "$tag: boot: PS_ON held (plant)" "$(tv psu_on)" true
	expect_eq "$tag: boot: NIC powered (plant)" "$(tv nic_watts)" 6.5
	expect_eq "$tag: boot: no READY=1 before the IB port is up" "$(ready_count)" "$ready0"
	advance 10s
	expect_eq "$tag: boot: on once the link is up" "$(pst state)" on
	if wait_ready; then ok "$tag: boot: READY=1 sent"; else not_ok "$tag: boot: READY=1 sent"; fi
	expect_eq "$tag: boot: READY=1 sent once" "$(ready_count)" $((ready0 + 1))
	check "$tag: boot: logged ib_wait -> on (ib-active)" has_transition ib_wait on ib-active
}

# (the clock is paused: one power status and one sim status answer for all the checks)
expect_box_on() {
	local tag=$1 what=$2 p
	jvals -r "$(h2 --json power status)" .state .psu_on .psu_ok
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .psu_on .host_on .link_up .button_led
	expect_eq "$tag: $what: state on" "${p[0]}" on
	expect_eq "$tag: $what: PS_ON asserted (status)" "${p[1]}" true
	expect_eq "$tag: $what: PWR_OK (status)" "${p[2]}" true
	expect_eq "$tag: $what: PSU on (plant)" "${JVALS[0]}" true
	expect_eq "$tag: $what: H2 on (plant)" "${JVALS[1]}" true
	expect_eq "$tag: $what: IB link up (plant)" "${JVALS[2]}" true
	expect_eq "$tag: $what: button LED lit" "${JVALS[3]}" true
}

# expect_off_requested TAG WHAT: fully off (lib.sh expect_box_off: the H2 down, PS_ON released, no
# draw) and off is what was requested
expect_off_requested() {
	expect_box_off "$1" "$2"
	expect_eq "$1: $2: requested off" "$(pst requested)" off
}

self_suite() {
	local tag=$1 idle_w=$2 build=$3 out

	rm -rf "$TESTDIR/state"
	boot_box "$tag" || return 1
	expect_eq "$tag: topology" "$(pst topology)" self
	advance 60s
	expect_box_on "$tag" "after boot"
	expect_near "$tag: idle watts (h2box watts)" "$(jget .watts watts)" "$idle_w" 0.05
	expect_near "$tag: idle watts (h2box status)" "$(jget .readings.watts status)" "$idle_w" 0.05
	expect_eq "$tag: requested on" "$(pst requested)" on
	expect_eq "$tag: state file says on" "$(cat "$TESTDIR/state/power.state")" "requested=on"
	expect_eq "$tag: power on when on: already on" "$(h2 power on 2>&1)" "already on"
	out=$(h2 power cycle 2>&1)
	expect_eq "$tag: power cycle: refused with exit 3" "$?" 3
	check "$tag: power cycle: explains why" grep -q "not available in the self topology" <<<"$out"

	for cmd in on off cycle force-off clear; do
		h2_nobody power "$cmd" >/dev/null 2>&1
		expect_eq "$tag: nobody: power $cmd refused with exit 4" "$?" 4
	done
	out=$(h2_nobody --json power status)
	expect_eq "$tag: nobody: power status works" "$?" 0
	expect_eq "$tag: nobody: power status reads on" "$(jq -r .state <<<"$out")" on

	h2 sim button --hold 10ms >/dev/null
	adv 2s
	expect_eq "$tag: 10 ms glitch: still on" "$(pst state)" on
	expect_eq "$tag: 10 ms glitch: H2 still running (plant)" "$(tv host_stopping)" false

	# ---- button: the OS powers off, then PS_ON is released ----
	h2 sim button >/dev/null
	adv 1s
	expect_eq "$tag: press: OS power-off asked" "$(pst state)" host_stopping
	expect_eq "$tag: press: H2 shutting down (plant)" "$(tv host_stopping)" true
	expect_eq "$tag: press: PSU on while the OS shuts down (plant)" "$(tv psu_on)" true
	out=$(h2 power on 2>&1)
	expect_eq "$tag: power on while stopping: exit 3" "$?" 3
	check "$tag: power on while stopping: busy: stopping" grep -q "busy: stopping" <<<"$out"
	advance 8s
	expect_off_requested "$tag" "button off"
	pnow
	check "$tag: logged on -> host_stopping (button)" has_transition_in "$POWER" on host_stopping button
	check "$tag: logged host_stopping -> off (host-off)" \
		has_transition_in "$POWER" host_stopping off host-off
	expect_eq "$tag: state file says off" "$(cat "$TESTDIR/state/power.state")" "requested=off"
	stop_daemon
	expect_eq "$tag: SIGTERM exits 0" "$?" 0

	# ---- the next boot: self comes up on whatever the state file says ----
	boot_box "$tag (after off)" || return 1
	expect_eq "$tag: next boot: requested on again" "$(pst requested)" on

	# ---- the H2 powered off from its own OS ----
	h2 sim poweroff >/dev/null
	advance 7s
	expect_eq "$tag: OS poweroff: on while the OS shuts down" "$(pst state)" on
	advance 2s
	expect_off_requested "$tag" "OS poweroff"
	stop_daemon

	# ---- long press: emergency PSU cut ----
	boot_box "$tag (long press)" || return 1
	h2 sim button --hold 5s >/dev/null
	advance 3900ms
	expect_eq "$tag: held 3.9 s: still on" "$(pst state)" on
	adv 200ms
	pnow
	expect_eq "$tag: held 4 s: cut" "$(pv state)" off
	expect_eq "$tag: held 4 s: PS_ON released (status)" "$(pv psu_on)" false
	expect_eq "$tag: held 4 s: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: held 4 s: NIC unpowered (plant)" "$(tv nic_watts)" 0
	check "$tag: logged on -> off (long-press)" has_transition_in "$POWER" on off long-press
	check "$tag: long press logged as an emergency cut" grep -q "EMERGENCY cut (button held 4s)" \
		"$DAEMON_LOG"
	if [ "$build" = sfx ]; then
		expect_eq "$tag: held 4 s: the H2 on the PSU is cut too (plant)" "$(tv host_on)" false
	fi
	stop_daemon

	# ---- PWR_OK drops while on: critical alarm, emergency OS power-off ----
	boot_box "$tag (PWR_OK drop)" || return 1
	h2 sim fault psu-ok-drop on >/dev/null
	advance 10ms
	pnow
	expect_eq "$tag: PWR_OK drop: critical alarm" "$(alarm_level psu-ok-drop)" critical
	check "$tag: logged on -> host_stopping (psu-ok-drop)" \
		has_transition_in "$POWER" on host_stopping psu-ok-drop
	check "$tag: PWR_OK drop: emergency power-off logged" grep -q "crit: power: emergency power-off" \
		"$DAEMON_LOG"
	expect_eq "$tag: PWR_OK drop: requested off" "$(pv requested)" off
	expect_eq "$tag: PWR_OK drop: fault named before the OS goes down" "$(pv fault.reason)" \
		psu-ok-drop
	adv 10s
	pnow
	expect_eq "$tag: PWR_OK drop: the H2 is down (plant)" "$(tv host_on)" false
	# a failure latches a fault (issue 11, item 16; it used to end in a plain off)
	expect_eq "$tag: PWR_OK drop: fault latched" "$(pv state)" fault
	expect_eq "$tag: PWR_OK drop: fault latched (JSON)" "$(pv fault.latched)" true
	expect_eq "$tag: PWR_OK drop: PSU off (plant)" "$(tv psu_on)" false
	check "$tag: PWR_OK drop: logged host_stopping -> fault (host-off)" \
		has_transition_in "$POWER" host_stopping fault host-off
	check "$tag: PWR_OK drop: the fault is saved" grep -q "fault=psu-ok-drop" \
		"$TESTDIR/state/power.state"
	h2 sim fault psu-ok-drop off >/dev/null
	stop_daemon
	if [ "$build" = brick ]; then
		# the next boot's h2boxd finds the fault saved and the SFX off: latched again
		start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || return 1
		expect_eq "$tag: next boot: fault latched again" "$(pst state)" fault
		expect_eq "$tag: next boot: SFX kept off (plant)" "$(truth psu_on)" false
		if wait_ready; then ok "$tag: next boot: READY=1"; else not_ok "$tag: next boot: READY=1"; fi
		expect_eq "$tag: next boot: power clear" "$(h2 power clear 2>&1)" \
			"fault cleared: psu-ok-drop"
		stop_daemon
	fi

	# ---- command race: power off during start-up ----
	start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || return 1
	advance 2s
	expect_eq "$tag: race: starting" "$(pst state)" ib_wait
	expect_eq "$tag: race: power on while starting: already starting" "$(h2 power on 2>&1)" \
		"already starting"
	out=$(h2 power off 2>&1)
	expect_eq "$tag: race: power off during start-up: exit 0" "$?" 0
	expect_eq "$tag: race: power off during start-up: answer" "$out" \
		"powering off (asking the OS to power off)"
	if wait_ready; then ok "$tag: race: READY=1 sent once start-up ended"; else
		not_ok "$tag: race: READY=1 sent once start-up ended"; fi
	advance 9s
	expect_off_requested "$tag" "power off during start-up"
	check "$tag: race: logged ib_wait -> host_stopping (command-off)" \
		has_transition ib_wait host_stopping command-off
	advance 60s
	expect_eq "$tag: race: no start-up left running" "$(jget '.history[-1].to' power status)" off
	stop_daemon

	# ---- an OS that hangs at shutdown: PS_ON is never cut under it ----
	boot_box "$tag (hang)" || return 1
	h2 sim fault host-hang-shutdown on >/dev/null
	h2 power off >/dev/null
	advance 59s
	expect_eq "$tag: hang: waiting for the OS" "$(pst state)" host_stopping
	adv 2s
	pnow
	expect_eq "$tag: hang: back on after host_shutdown_timeout" "$(pv state)" on
	expect_eq "$tag: hang: PSU kept on under the running OS (plant)" "$(tv psu_on)" true
	check "$tag: hang: logged host_stopping -> on (host-shutdown-timeout)" \
		has_transition_in "$POWER" host_stopping on host-shutdown-timeout
	h2 sim fault host-hang-shutdown off >/dev/null
	advance 9s
	expect_off_requested "$tag" "hung shutdown completes"
	stop_daemon

	# ---- PWR_OK timeout at start-up (brick: the H2 has its own supply) ----
	# With sfx the H2 runs from the PSU, so PWR_OK is necessarily up when h2boxd starts.
	if [ "$build" = brick ]; then
		start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || return 1
		h2 sim fault psu-ok-timeout on >/dev/null
		advance 400ms
		expect_eq "$tag: PWR_OK late: still waiting" "$(pst state)" psu_starting
		adv 200ms
		pnow
		expect_eq "$tag: PWR_OK timeout: fault" "$(pv state)" fault
		expect_eq "$tag: PWR_OK timeout: reason" "$(pv fault.reason)" psu-ok-timeout
		expect_eq "$tag: PWR_OK timeout: PS_ON released (plant)" "$(tv psu_on)" false
		expect_eq "$tag: PWR_OK timeout: alarm" "$(alarm_level power-fault)" critical
		if wait_ready; then ok "$tag: PWR_OK timeout: READY=1 (start-up failed)"; else
			not_ok "$tag: PWR_OK timeout: READY=1 (start-up failed)"; fi
		out=$(h2 power on 2>&1)
		expect_eq "$tag: power on with a fault latched: exit 3" "$?" 3
		h2 sim fault psu-ok-timeout off >/dev/null
		# the front button is the H2's own power button too: a press acknowledges the fault
		# and the H2's OS powers off (it used to leave the H2 running in a state "off")
		h2 sim button >/dev/null
		adv 1s
		expect_eq "$tag: press clears the fault" "$(pst state)" host_stopping
		expect_eq "$tag: fault alarm cleared" "$(alarm_level power-fault)" none
		expect_eq "$tag: press: the H2's OS shuts down (plant)" "$(tv host_stopping)" true
		advance 9s
		expect_off_requested "$tag" "press after the fault"
		out=$(h2 power on 2>&1)
		expect_eq "$tag: power on with the H2 dark: refused (exit 3)" "$?" 3
		h2 sim button >/dev/null
		advance 50s
		expect_box_on "$tag" "on after the fault"
		stop_daemon
	fi
}

PROFILE=$ROOT/profiles/sim-brick.conf
self_suite "brick+self" 38.5 brick
PROFILE=$ROOT/tests/scenario/profiles/sim-sfx-self.conf
self_suite "sfx+self" 24 sfx
finish
