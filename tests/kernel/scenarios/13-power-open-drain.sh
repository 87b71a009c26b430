#!/bin/sh
# 13-power-open-drain.sh - the controller box with PS_ON# requested open-drain, as h2-sfx.conf ships
# it: the kernel holds the request flag, the line starts released (reading the PSU's pull-up), and
# power on drives it low; then what gpio-sim shows after h2boxd releases it (6.1: the last driven
# low, the rig's reason for driving push-pull in the other scenarios; this check fails, and tells,
# the day the kernel shows the pull there).  Runs once per h2boxd build (libgpiod 1.6 and 2.x).
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=/tmp/rig-controller-open-drain.conf

setup() {
	rm -rf /tmp/h2box-state
	# PWR_OK's 500 ms is wall time through the mirror: a loaded TCG host once missed it
	sed -e 's/^psu_on_open_drain = no$/psu_on_open_drain = yes/' \
		-e 's/^psu_ok_timeout = 500ms$/psu_ok_timeout = 2s/' "$RIG_PROFILES/rig-controller.conf" >"$PROFILE"
	grep -q '^psu_on_open_drain = yes$' "$PROFILE" || rig_die "rig-controller.conf has no psu_on_open_drain line"
	grep -q '^psu_ok_timeout = 2s$' "$PROFILE" || rig_die "rig-controller.conf has no psu_ok_timeout line"
	rig_box_setup controller
	rig_daemon_start "$PROFILE"
	rig_power_wait 5 off
	# the uAPI's view of the request: an output, open-drain, active-low, held by h2boxd
	gpioinfo | grep '"PSU_ON_N"' | grep -q 'open-drain' ||
		{ gpioinfo | grep PSU_ON_N; rig_die "PSU_ON_N is not requested open-drain"; }
	# requested released: gpiolib switched the line to input at once, so it reads the pull-up
	rig_expect_eq "PS_ON# released at start (the pull-up)" "$(rig_gpio_value PSU_ON_N)" 1
	rig_expect_eq "plant PSU" "$(rig_plant psu_on)" 0
}

power_on() {
	rig_plant_cmd "button 200ms"
	rig_until 3 rig_line_is PSU_ON_N 0 || rig_die "PS_ON# never driven low after the button press"
	rig_plant_wait 3 psu_on 1
	rig_plant_wait 3 psu_ok 1
	rig_plant_wait 10 host_on 1
	rig_power_wait 10 on
	rig_host_boot_finish
}

release_seen_as() {
	rig_plant_cmd "button 200ms"
	rig_plant_wait 5 host_stopping 1
	rig_plant_wait 10 host_on 0
	rig_power_wait 10 off
	# h2boxd has released PS_ON# (set it high: gpiolib's open-drain emulation makes it an input)
	grep -q 'power: .* -> off' /tmp/h2boxd.log || rig_die "no transition to off in the log"
	rig_note "PS_ON# after the open-drain release reads $(rig_gpio_value PSU_ON_N) (pull-up: 1)"
	# 6.1 gpio-sim keeps the last driven value of a line gpiolib still flags as output
	rig_expect_eq "gpio-sim after an emulated open-drain release (6.1: the last driven low)" \
		"$(rig_gpio_value PSU_ON_N)" 0
}

for build in $(rig_gpio_builds); do
	rig_gpio_build_use "$build"
	n=power-open-drain/$RIG_BUILD_TAG
	rig_check "${n}setup" setup
	if rig_ok "${n}setup"; then
		rig_check "${n}asserted-low" power_on
		if rig_ok "${n}asserted-low"; then
			rig_check "${n}rig-fact-release-shows-last-low" release_seen_as
		else
			rig_skip "${n}rig-fact-release-shows-last-low" "the box never came on"
		fi
	else
		for c in asserted-low rig-fact-release-shows-last-low; do rig_skip "$n$c" "no setup"; done
	fi
	rig_check "${n}teardown" rig_box_teardown
done
