#!/bin/sh
# 12-power-own-supply.sh - controller topology with the H2 on its own supply (brick build,
# host_supply = own) through gpio-sim: an emergency off releases PS_ON# and holds H2_PWR_BTN until
# the H2's LED goes dark; a SIGTERM during that hold finishes the hold (poll() on the real lines)
# before h2boxd exits.
# Runs once per h2boxd build in the guest (libgpiod 1.6, and 2.x as "libgpiod2/..." checks).
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-controller-own.conf
LOG=/tmp/h2boxd.log
# the plant's speed during a force-off hold: the H2 needs its button held 4 s of plant time, 2 s
# of real time at 2x, a window the checks during the hold can see
HOLD_SPEED=2

setup() {
	rm -rf /tmp/h2box-state
	: >"$LOG"
	rig_box_setup controller-own
	rig_expect_eq "plant H2 off before h2boxd (powered by its brick, not started)" \
		"$(rig_plant host_on)" 0
	rig_daemon_start "$PROFILE"
	rig_power_wait 5 off
	rig_expect_eq "status host_supply" "$(rig_h2_json .host_supply power status)" own
	rig_expect_eq "PS_ON# line (released = pulled up)" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "H2 button line idle" "$(rig_gpio_value H2_PWR_BTN)" 0
	rig_expect_eq "H2 LED line dark" "$(rig_gpio_value H2_PWR_LED)" 0
}

# power_on: a short press of the front button: PS_ON#, PWR_OK, the start pulse, the H2 boots
# (from dark: an H2 still lit would be adopted as on without any pulse).
power_on() {
	rig_plant_cmd "speed $RIG_PLANT_SPEED"
	rig_plant_wait 10 host_on 0
	rig_plant_cmd "button 200ms"
	rig_until 3 rig_line_is PSU_ON_N 0 ||
		{ rig_box_diag; rig_die "PS_ON# never went low after the button press"; }
	rig_plant_wait 3 psu_on 1
	rig_plant_wait 3 psu_ok 1
	rig_until 10 rig_line_is H2_PWR_LED 1 ||
		{ rig_box_diag; rig_die "H2_PWR_LED never lit: the H2 did not start"; }
	rig_plant_wait 5 host_booting 1
	rig_power_wait 10 on
	# the H2's OS finishes booting (30 s of plant time)
	rig_host_boot_finish
	rig_expect_eq "H2 running (plant)" "$(rig_plant host_on)" 1
	rig_expect_eq "PSU on (plant)" "$(rig_plant psu_on)" 1
	rig_expect_eq "status psu_ok" "$(rig_h2_json .psu_ok power status)" true
	rig_expect_eq "status host_alive" "$(rig_h2_json .host_alive power status)" true
	rig_expect_eq "H2 button released after the start pulse" "$(rig_gpio_value H2_PWR_BTN)" 0
	rig_expect_eq "PS_ON# asserted" "$(rig_gpio_value PSU_ON_N)" 0
}

# long_press_until_held: the plant at HOLD_SPEED (the H2 then needs its button held 4 / HOLD_SPEED
# s of real time, a window a check can see), the front button held 1 s past long_press (1 s in
# rig-controller-own.conf), until h2boxd holds H2_PWR_BTN.  PS_ON# must already be released then:
# apply() lets go of the PSU first.
long_press_until_held() {
	rig_plant_cmd "speed $HOLD_SPEED"
	rig_plant_cmd "button 2s"
	rig_until 8 rig_line_is H2_PWR_BTN 1 ||
		{ rig_box_diag; rig_die "H2_PWR_BTN never held after the long press"; }
	rig_expect_eq "PS_ON# released by the time the H2 button is held" \
		"$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "H2 LED still lit when its button is first held" \
		"$(rig_gpio_value H2_PWR_LED)" 1
}

button_on() {
	power_on
}

long_press_off() {
	local t0 t1
	long_press_until_held
	t0=$(_rig_uptime_cs)
	rig_plant_wait 2 psu_on 0
	rig_expect_eq "H2 still running on its brick during the hold (plant)" "$(rig_plant host_on)" 1
	rig_expect_eq "state during the hold" "$(rig_power_state)" force_off
	rig_until 8 rig_line_is H2_PWR_BTN 0 ||
		{ rig_box_diag; rig_die "H2_PWR_BTN still held 8 s into the force-off"; }
	t1=$(_rig_uptime_cs)
	# released because the LED went out, not by a timer: a shorter hold is a short press
	rig_expect_eq "H2 LED dark when its button is released" "$(rig_gpio_value H2_PWR_LED)" 0
	rig_expect_eq "H2 off (plant)" "$(rig_plant host_on)" 0
	rig_expect_eq "no ACPI shutdown (plant)" "$(rig_plant host_stopping)" 0
	rig_note "own-supply: H2_PWR_BTN held about $(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10)) s (plant at ${HOLD_SPEED}x: the H2 needs $((400 / HOLD_SPEED / 100)).$((400 / HOLD_SPEED % 100 / 10)) s)"
	rig_power_wait 5 off
	rig_expect_eq "plant PSU" "$(rig_plant psu_on)" 0
	rig_expect_eq "PS_ON# released" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "status host_alive" "$(rig_h2_json .host_alive power status)" false
	rig_expect_eq "status requested" "$(rig_h2_json .requested power status)" off
	grep -q "on -> force_off: EMERGENCY cut (button held 1s); the H2 has its own supply" "$LOG" ||
		{ tail -n 15 "$LOG"; rig_die "no emergency force-off in the log"; }
	grep -q "force_off -> off (host-off)" "$LOG" ||
		{ tail -n 15 "$LOG"; rig_die "no force_off -> off (host-off) in the log"; }
}

# _rig_exited PID: the process is gone or a zombie (kill -0 still succeeds on a zombie).
_rig_exited() {
	local st
	[ -e "/proc/$1/stat" ] || return 0
	read -r st <"/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

sigterm_during_hold() {
	local pid rc n0 since
	# a daemon of this check's own, so that its exit status can be waited for; the box as the
	# last check should have left it (off), whatever became of that check
	rig_daemon_stop
	rig_plant_cmd "speed $RIG_PLANT_SPEED"
	rig_plant_wait 10 host_on 0
	n0=$(wc -l <"$LOG")
	rig_daemon_start "$PROFILE"
	pid=$(cat "$RIG_STATE/h2boxd.pid")
	rig_power_wait 5 off
	power_on
	long_press_until_held
	kill -TERM "$pid"
	rig_until 12 _rig_exited "$pid" ||
		{ rig_box_diag; rig_die "h2boxd still running 12 s after SIGTERM"; }
	rm -f "$RIG_STATE/h2boxd.pid"
	rc=0
	wait "$pid" || rc=$?
	since=$(tail -n +"$((n0 + 1))" "$LOG")
	printf '%s\n' "$since" | tail -n 12
	# a hold cut short is a short press: the H2 would still run (shutting down over 8 s)
	rig_expect_eq "H2 off when h2boxd exited (plant)" "$(rig_plant host_on)" 0
	rig_expect_eq "no ACPI shutdown (plant)" "$(rig_plant host_stopping)" 0
	rig_expect_eq "H2 LED line dark" "$(rig_gpio_value H2_PWR_LED)" 0
	rig_expect_eq "H2 button released at exit" "$(rig_gpio_value H2_PWR_BTN)" 0
	rig_expect_eq "PS_ON# released" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "plant PSU" "$(rig_plant psu_on)" 0
	rig_expect_eq "h2boxd exit status after SIGTERM" "$rc" 0
	# the SIGTERM came during the hold, and the daemon held on to the end
	printf '%s\n' "$since" |
		grep -q "stopping while holding the H2's power button (force_off): finishing the press" ||
		rig_die "no 'finishing the press' in the log: SIGTERM did not land during the hold"
	! printf '%s\n' "$since" | grep -q "letting go of the H2's power button before" ||
		rig_die "h2boxd let go of the H2's power button before the machine did"
	printf '%s\n' "$since" | sed -n '/finishing the press/,$p' |
		grep -q "force_off -> off (host-off)" ||
		rig_die "no force_off -> off (host-off) after the SIGTERM"
	rig_expect_eq "saved requested state" \
		"$(sed -n 's/^requested=//p' /tmp/h2box-state/power.state)" off
}

for build in $(rig_gpio_builds); do
	rig_gpio_build_use "$build"
	n=power-own-supply/$RIG_BUILD_TAG
	rig_check "${n}setup" setup
	if rig_ok "${n}setup"; then
		rig_check "${n}button-on" button_on
		if rig_ok "${n}button-on"; then
			rig_check "${n}long-press-off" long_press_off
		else
			rig_skip "${n}long-press-off" "the box never came on"
		fi
		rig_check "${n}sigterm-during-hold" sigterm_during_hold
	else
		for c in button-on long-press-off sigterm-during-hold; do rig_skip "$n$c" "no setup"; done
	fi
	rig_check "${n}teardown" rig_box_teardown
done
