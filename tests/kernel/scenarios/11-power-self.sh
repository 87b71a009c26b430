#!/bin/sh
# 11-power-self.sh - h2boxd on the H2 (self topology, h2-brick wiring): its start is the box's
# power-on (PS_ON# asserted, PWR_OK from the plant, on without a NIC after nic_timeout); the button
# asks the OS to power off while PS_ON# stays held; the shutdown hook releases it.
# Runs once per h2boxd build in the guest (libgpiod 1.6, and 2.x as "libgpiod2/..." checks).
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-self.conf

setup() {
	rm -rf /tmp/h2box-state
	rig_box_setup self
	rig_expect_eq "plant H2 running before h2boxd" "$(rig_plant host_on)" 1
	rig_expect_eq "plant PSU off before h2boxd" "$(rig_plant psu_on)" 0
}

start_on() {
	rig_daemon_start "$PROFILE"
	rig_until 3 rig_line_is PSU_ON_N 0 ||
		rig_die "PS_ON# never went low at start"
	rig_plant_wait 3 psu_on 1
	rig_plant_wait 3 psu_ok 1
	# no ConnectX-2 in the guest: on after nic_timeout, with the warning
	rig_power_wait 10 on
	rig_expect_eq "status psu_ok" "$(rig_h2_json .psu_ok power status)" true
	rig_expect_eq "warning" "$(rig_h2_json '.warnings | join(",")' power status)" nic-missing
	rig_expect_eq "button LED lit (plant)" "$(rig_plant button_led)" 1
}

button_off() {
	rig_plant_cmd "button 200ms"
	rig_power_wait 5 host_stopping
	# the OS powers off next (logind: absent in the guest); the supply must stay on under it
	rig_h2_json .last_error power status | grep -q logind ||
		rig_die "no logind request recorded: $(rig_h2_json .last_error power status)"
	rig_expect_eq "PS_ON# held while the OS shuts down" "$(rig_gpio_value PSU_ON_N)" 0
	rig_expect_eq "plant PSU still on" "$(rig_plant psu_on)" 1
}

shutdown_hook() {
	# what systemd does next: the OS halts (plant), the service stops, the hook releases PS_ON#
	rig_plant_cmd poweroff
	rig_plant_wait 10 host_on 0
	rig_daemon_stop
	"$H2BOX_BIN/h2boxd" -c "$PROFILE" --release-psu || rig_die "h2boxd --release-psu failed"
	rig_expect_eq "PS_ON# released" "$(rig_gpio_value PSU_ON_N)" 1
	rig_plant_wait 3 psu_on 0
	rig_plant_wait 3 psu_ok 0
}

for build in $(rig_gpio_builds); do
	rig_gpio_build_use "$build"
	n=power-self/$RIG_BUILD_TAG
	rig_check "${n}setup" setup
	if rig_ok "${n}setup"; then
		rig_check "${n}start-on" start_on
		if rig_ok "${n}start-on"; then
			rig_check "${n}button-off" button_off
			rig_check "${n}shutdown-hook" shutdown_hook
		else
			for c in button-off shutdown-hook; do rig_skip "$n$c" "the box never came on"; done
		fi
	else
		for c in start-on button-off shutdown-hook; do rig_skip "$n$c" "no setup"; done
	fi
	rig_check "${n}teardown" rig_box_teardown
done
