#!/bin/sh
# 10-power-controller.sh - h2boxd (controller topology, h2-sfx wiring) powers the mirrored box on
# and off through gpio-sim: button edges in, PS_ON / H2 button out; then a PWR_OK timeout.
# Runs once per h2boxd build in the guest (libgpiod 1.6, and 2.x as "libgpiod2/..." checks).
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-controller.conf

setup() {
	rm -rf /tmp/h2box-state
	rig_box_setup controller
	rig_daemon_start "$PROFILE"
	# restore = off and the PSU is off: the daemon adopts off and leaves PS_ON# released
	rig_power_wait 5 off
	rig_expect_eq "PS_ON# line (released = pulled up)" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "plant PSU" "$(rig_plant psu_on)" 0
	rig_expect_eq "H2 button line idle" "$(rig_gpio_value H2_PWR_BTN)" 0
}

button_on() {
	rig_plant_cmd "button 200ms"
	# PWR_BUTTON edge -> PS_ON# asserted (low) on the gpio-sim line
	rig_until 3 rig_line_is PSU_ON_N 0 ||
		rig_die "PS_ON# never went low after the button press"
	rig_plant_wait 3 psu_on 1
	rig_plant_wait 3 psu_ok 1
	# the H2 only boots if its power-button header saw the daemon's pulse
	rig_plant_wait 5 host_booting 1
	rig_plant_wait 10 host_on 1
	rig_power_wait 10 on
	# the H2's OS boots (30 s of plant time): only then does it act on a short press
	rig_host_boot_finish
	rig_expect_eq "status psu_ok" "$(rig_h2_json .psu_ok power status)" true
	rig_expect_eq "status host_alive" "$(rig_h2_json .host_alive power status)" true
	rig_expect_eq "H2 button released after the pulse" "$(rig_gpio_value H2_PWR_BTN)" 0
	rig_expect_eq "button LED lit (plant)" "$(rig_plant button_led)" 1
	h2 power status | grep -Eq 'state: *on' || { h2 power status; rig_die "text status does not say on"; }
}

button_off() {
	rig_plant_cmd "button 200ms"
	# ACPI shutdown: a short pulse on the H2 header, the H2 goes down, then PS_ON# is released
	rig_plant_wait 5 host_stopping 1
	rig_expect_eq "PSU still on while the H2 shuts down" "$(rig_plant psu_on)" 1
	rig_plant_wait 10 host_on 0
	rig_power_wait 10 off
	rig_plant_wait 3 psu_on 0
	rig_expect_eq "PS_ON# released" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "plant PWR_OK" "$(rig_plant psu_ok)" 0
	rig_expect_eq "button LED dark (plant)" "$(rig_plant button_led)" 0
}

psu_ok_timeout() {
	rig_plant_cmd "fault psu-ok-timeout on"
	rig_plant_cmd "button 200ms"
	rig_power_wait 5 fault
	rig_expect_eq "fault reason" "$(rig_h2_json .fault.reason power status)" psu-ok-timeout
	rig_until 3 rig_line_is PSU_ON_N 1 ||
		rig_die "PS_ON# still asserted after the PWR_OK timeout"
	rig_expect_eq "plant H2 never started" "$(rig_plant host_on)" 0
}

for build in $(rig_gpio_builds); do
	rig_gpio_build_use "$build"
	n=power-controller/$RIG_BUILD_TAG
	rig_check "${n}setup" setup
	if rig_ok "${n}setup"; then
		rig_check "${n}button-on" button_on
		if rig_ok "${n}button-on"; then
			rig_check "${n}button-off" button_off
		else
			rig_skip "${n}button-off" "the box never came on"
		fi
		rig_check "${n}psu-ok-timeout" psu_ok_timeout
	else
		for c in button-on button-off psu-ok-timeout; do rig_skip "$n$c" "no setup"; done
	fi
	rig_check "${n}teardown" rig_box_teardown
done
