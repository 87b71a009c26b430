#!/usr/bin/env bash
# 12-power-controller-faults.sh - the power sequencer's faults in the controller topology on both
# builds: PWR_OK timeout and drop, an H2 that never boots or hangs at shutdown (escalation to the
# force-off hold, then the PSU cut), latching and clearing, the fault blink of the button LED, and
# restore = last when the controller itself comes back after mains loss.  With the H2 on its own
# supply (brick, host_supply = own) a PWR_OK drop also forces the H2 off before the fault latches.
. "$(dirname "$0")/lib.sh"

# The clock is paused between steps: pnow/tnow/adv and pv/tv (lib.sh) read each moment once.

# led_levels N STEP_MS [DONE_ERE]: the button LED sampled N times STEP_MS apart, as a string of
# 0/1 (? for a reply without it): each sample after the first is the truth its advance replied
# with.  Sampling ends once the string matches DONE_ERE; the rest of the N steps then pass in one
# advance, so the box time after it is the same.
led_levels() {
	local i s="" t
	t=$(h2 --json sim status)
	for ((i = 0; i < $1; i++)); do
		case $t in
		*'"button_led":true'*) s+=1 ;;
		*'"button_led":false'*) s+=0 ;;
		*) s+='?' ;;
		esac
		t=$(h2 --json sim advance "$2ms")
		[ -n "${3-}" ] && [[ $s =~ $3 ]] && break
	done
	[ "$i" -lt $(($1 - 1)) ] && advance "$((($1 - 1 - i) * $2))ms"
	echo "$s"
}

# blink_code: the button LED's fault code, counted between two long pauses (6 s of samples
# 100 ms apart).  Once a second pause has begun after the pulses the code is known: the samples
# after it are not taken (split below never looks past the second pause).
blink_code() {
	awk -v s="$(led_levels 60 100 '0000000[01]*1[01]*0000000')" \
		'BEGIN { if (s ~ /\?/ || split(s, f, /0000000+/) < 3) { print "none"; exit } print gsub(/1+/, "", f[2]) }'
}

power_on_now() {
	h2 power on >/dev/null
	adv 60s
	expect_eq "$1: powered on for the next step" "$(pst state)" on
}

fault_suite() {
	local profile=$1 tag=$2 supply=$3 out leds

	rm -rf "$TESTDIR/state"
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1

	# ---- PWR_OK never comes: fault latched with its reason, PS_ON released ----
	h2 sim fault psu-ok-timeout on >/dev/null
	h2 sim button >/dev/null
	advance 500ms
	expect_eq "$tag: PWR_OK late: still waiting at 270 ms" "$(pst state)" psu_starting
	adv 300ms
	pnow
	expect_eq "$tag: PWR_OK timeout: fault" "$(pv state)" fault
	expect_eq "$tag: PWR_OK timeout: reason" "$(pv fault.reason)" psu-ok-timeout
	check "$tag: PWR_OK timeout: described" grep -q "PWR_OK did not come up in time" \
		<<<"$(pv fault.description)"
	expect_eq "$tag: PWR_OK timeout: PS_ON released (status)" "$(pv psu_on)" false
	expect_eq "$tag: PWR_OK timeout: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: PWR_OK timeout: H2 never pressed (plant)" "$(tv host_on)" false
	check "$tag: logged psu_starting -> fault (psu-ok-timeout)" \
		has_transition_in "$POWER" psu_starting fault psu-ok-timeout
	expect_eq "$tag: PWR_OK timeout: critical alarm" "$(alarm_level power-fault)" critical
	expect_eq "$tag: PWR_OK timeout: blink code in status" "$(pv fault.blink_code)" 2
	expect_eq "$tag: PWR_OK timeout: LED blinks 2" "$(blink_code)" 2
	out=$(h2 power on 2>&1)
	expect_eq "$tag: power on with a fault latched: exit 3" "$?" 3
	check "$tag: power on with a fault latched: says so" grep -q "fault latched: psu-ok-timeout" \
		<<<"$out"
	advance 10s
	expect_eq "$tag: fault stays latched" "$(pst state)" fault
	# the next press clears the fault; the press after that starts normally
	h2 sim fault psu-ok-timeout off >/dev/null
	h2 sim button >/dev/null
	adv 1s
	pnow
	expect_eq "$tag: press clears the fault: off" "$(pv state)" off
	expect_eq "$tag: press clears the fault: PSU still off (plant)" "$(tv psu_on)" false
	check "$tag: logged fault -> off (button)" has_transition_in "$POWER" fault off button
	expect_eq "$tag: fault alarm cleared" "$(alarm_level power-fault)" none
	expect_eq "$tag: last fault remembered" "$(pv last_fault.reason)" psu-ok-timeout
	h2 sim button >/dev/null
	adv 60s
	expect_eq "$tag: the following press starts normally" "$(pst state)" on
	expect_eq "$tag: ... H2 on (plant)" "$(tv host_on)" true

	# ---- PWR_OK drops while on: critical alarm, PS_ON released ----
	h2 sim fault psu-ok-drop on >/dev/null
	adv 100ms
	pnow
	if [ "$supply" = own ]; then
		# the H2 on its brick outlives the PSU: held off first, then the fault latches
		expect_eq "$tag: PWR_OK drop: forcing the H2 off" "$(pv state)" force_off
		expect_eq "$tag: PWR_OK drop: not latched during the hold" "$(pv fault.latched)" false
		check "$tag: logged on -> force_off (psu-ok-drop)" \
			has_transition_in "$POWER" on force_off psu-ok-drop
		adv 4s
		pnow
		check "$tag: logged force_off -> fault (host-off)" \
			has_transition_in "$POWER" force_off fault host-off
	else
		check "$tag: logged on -> fault (psu-ok-drop)" has_transition_in "$POWER" on fault psu-ok-drop
	fi
	expect_eq "$tag: PWR_OK drop: fault" "$(pv state)" fault
	expect_eq "$tag: PWR_OK drop: latched" "$(pv fault.latched)" true
	expect_eq "$tag: PWR_OK drop: H2 off (plant)" "$(tv host_on)" false
	expect_eq "$tag: PWR_OK drop: requested off" "$(pv requested)" off
	expect_eq "$tag: PWR_OK drop: reason" "$(pv fault.reason)" psu-ok-drop
	expect_eq "$tag: PWR_OK drop: critical alarm" "$(alarm_level psu-ok-drop)" critical
	expect_eq "$tag: PWR_OK drop: PS_ON released (status)" "$(pv psu_on)" false
	expect_eq "$tag: PWR_OK drop: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: PWR_OK drop: NIC unpowered (plant)" "$(tv nic_watts)" 0
	expect_eq "$tag: PWR_OK drop: LED blinks 3" "$(blink_code)" 3
	h2 sim fault psu-ok-drop off >/dev/null
	out=$(h2 power clear 2>&1)
	expect_eq "$tag: power clear: exit 0" "$?" 0
	expect_eq "$tag: power clear: names the fault" "$out" "fault cleared: psu-ok-drop"
	expect_eq "$tag: power clear: off" "$(pst state)" off
	expect_eq "$tag: power clear: drop alarm cleared" "$(alarm_level psu-ok-drop)" none
	expect_eq "$tag: power clear again: no fault" "$(h2 power clear 2>&1)" "no fault latched"
	power_on_now "$tag"
	expect_eq "$tag: after the drop: H2 on (plant)" "$(tv host_on)" true

	# ---- an H2 that never boots: host_boot_timeout fault ----
	h2 power off >/dev/null
	advance 15s
	expect_eq "$tag: off before the no-boot test" "$(pst state)" off
	h2 sim fault host-no-boot on >/dev/null
	h2 sim button >/dev/null
	adv 2s
	expect_eq "$tag: no boot: waiting for the H2" "$(pst state)" host_starting
	expect_eq "$tag: no boot: PSU on meanwhile (plant)" "$(tv psu_on)" true
	leds=$(led_levels 8 250)
	check "$tag: starting: LED blinks ($leds)" bash -c "[[ '$leds' == *1* && '$leds' == *0* ]]"
	advance 56s
	expect_eq "$tag: no boot: still waiting before host_boot_timeout" "$(pst state)" host_starting
	adv 2s
	pnow
	expect_eq "$tag: no boot: fault" "$(pv state)" fault
	expect_eq "$tag: no boot: reason" "$(pv fault.reason)" host-boot-timeout
	expect_eq "$tag: no boot: PSU cut (plant)" "$(tv psu_on)" false
	expect_eq "$tag: no boot: alarm" "$(alarm_level power-fault)" critical
	expect_eq "$tag: no boot: LED blinks 4" "$(blink_code)" 4
	check "$tag: logged host_starting -> fault (host-boot-timeout)" \
		has_transition host_starting fault host-boot-timeout
	h2 sim fault host-no-boot off >/dev/null
	expect_eq "$tag: no boot: power clear" "$(h2 power clear 2>&1)" \
		"fault cleared: host-boot-timeout"
	h2 sim button >/dev/null
	advance 60s
	expect_eq "$tag: after no boot: the next press starts normally" "$(pst state)" on

	# ---- an H2 that hangs at shutdown: force-off hold, then the PSU cut ----
	# up longer than host_boot_timeout (60 s): one press, then the escalation (a press made
	# earlier is repeated once first: 18-power-early-off.sh)
	advance 5s
	h2 sim fault host-hang-shutdown on >/dev/null
	expect_eq "$tag: hang: power off answers" "$(h2 power off 2>&1)" "powering off"
	adv 30s
	expect_eq "$tag: hang: waiting host_shutdown_timeout" "$(pst state)" host_stopping
	expect_eq "$tag: hang: H2 stuck shutting down (plant)" "$(tv host_stopping)" true
	adv 1s
	pnow
	expect_eq "$tag: hang: escalated to the force-off hold" "$(pv state)" force_off
	expect_eq "$tag: hang: warning alarm power-forced-off" "$(alarm_level power-forced-off)" warn
	check "$tag: logged host_stopping -> force_off (host-shutdown-timeout)" \
		has_transition_in "$POWER" host_stopping force_off host-shutdown-timeout
	expect_eq "$tag: hang: PSU still on during the hold (plant)" "$(tv psu_on)" true
	adv 4s
	expect_eq "$tag: hang: the hold turned the H2 off (plant)" "$(tv host_on)" false
	expect_eq "$tag: hang: then psu_off_delay" "$(pst state)" psu_stopping
	adv 2s
	pnow
	expect_eq "$tag: hang: off" "$(pv state)" off
	expect_eq "$tag: hang: box off: power-forced-off cleared" "$(alarm_level power-forced-off)" none
	expect_eq "$tag: hang: PSU cut (plant)" "$(tv psu_on)" false
	expect_eq "$tag: hang: no draw on the monitored rail (plant)" "$(tv watts)" 0
	check "$tag: logged force_off -> psu_stopping" \
		has_transition_in "$POWER" force_off psu_stopping host-off
	check "$tag: shutdown timeout logged as a warning" \
		grep -q "warning: power: host_stopping -> force_off (host-shutdown-timeout)" "$DAEMON_LOG"
	h2 sim fault host-hang-shutdown off >/dev/null

	# ---- restore = last: the controller boots after mains loss ----
	# Stopping h2boxd ends the simulated box too, so the next start is a controller that
	# comes up with mains back: PSU off, H2 off, only the state file remembers.
	power_on_now "$tag"
	expect_eq "$tag: state file says on before mains loss" \
		"$(cat "$TESTDIR/state/power.state")" "requested=on"
	stop_daemon
	expect_eq "$tag: SIGTERM exits 0" "$?" 0
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1
	pnow
	expect_eq "$tag: restore=last, last on: powering up" "$(pv state)" psu_starting
	check "$tag: logged off -> psu_starting (restore)" \
		has_transition_in "$POWER" off psu_starting restore
	adv 60s
	expect_eq "$tag: restore=last, last on: on" "$(pst state)" on
	expect_eq "$tag: restore=last, last on: H2 on (plant)" "$(tv host_on)" true
	h2 power off >/dev/null
	advance 15s
	expect_eq "$tag: state file says off" "$(cat "$TESTDIR/state/power.state")" "requested=off"
	stop_daemon
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1
	adv 10s
	pnow
	expect_eq "$tag: restore=last, last off: stays off" "$(pv state)" off
	expect_eq "$tag: restore=last, last off: PSU off (plant)" "$(tv psu_on)" false
	expect_eq "$tag: restore=last, last off: requested off" "$(pv requested)" off
	stop_daemon
	echo "garbage" >"$TESTDIR/state/power.state"
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1
	advance 10s
	expect_eq "$tag: unreadable state file: stays off" "$(pst state)" off
	check "$tag: unreadable state file: warned" grep -q "ignoring unreadable state file" "$DAEMON_LOG"
	stop_daemon
}

fault_suite "$ROOT/profiles/sim-sfx.conf" "sfx+controller" psu
fault_suite "$ROOT/tests/scenario/profiles/sim-brick-controller.conf" "brick+controller" own
finish
