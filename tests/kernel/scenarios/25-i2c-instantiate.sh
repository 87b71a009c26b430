#!/bin/sh
# 25-i2c-instantiate.sh - h2boxd creates the I2C devices the profile names by bus and address
# (new_device), not the rig: the right drivers bind and their hwmon attributes appear, the fan
# runs, `h2boxd -n` lists them first without creating anything, a restart creates nothing, and an
# address another driver owns is left alone with a warning.  Controller profile, run as root.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-controller.conf
DEVS=/sys/bus/i2c/devices

_fan_auto() { [ "$(rig_h2_json .mode fan status)" = auto ]; }
# instantiations the kernel logged since the last dmesg_clear (i2c-core's "new_device:
# Instantiated device ..."); cleared rather than counted, so a wrapped ring buffer cannot lie
instantiated() { dmesg | grep -c 'new_device: Instantiated device' || true; }
dmesg_clear() { dmesg -c >/dev/null; }
driver_of() { basename "$(readlink "$DEVS/$1/driver")"; }

setup() {
	rm -rf /tmp/h2box-state /tmp/h2boxd.log
	RIG_BOX_BIND=no rig_box_setup controller
	for a in 0x2e 0x48 0x41 0x40; do
		[ ! -e "$DEVS/$(rig_i2c_dev 0 $a)" ] || rig_die "$(rig_i2c_dev 0 $a) exists before h2boxd ran"
	done
}

dry_run() {
	local out
	dmesg_clear
	out=$("$H2BOX_BIN/h2boxd" -n -c "$PROFILE") || { echo "$out"; rig_die "h2boxd -n failed"; }
	echo "$out"
	for want in "would create emc2305 at i2c-0 0x2e" "would create lm75 at i2c-0 0x48" \
		"would create ina226 at i2c-0 0x41"; do
		printf '%s\n' "$out" | grep -q "^i2c: $want " || rig_die "h2boxd -n does not say '$want'"
	done
	rig_expect_eq "instantiations by h2boxd -n" "$(instantiated)" 0
	[ ! -e "$DEVS/0-002e" ] || rig_die "h2boxd -n created 0-002e"
}

daemon_creates() {
	local h
	rig_daemon_start "$PROFILE"
	rig_expect_eq "0-002e driver" "$(driver_of 0-002e)" emc2305
	rig_expect_eq "0-0048 driver" "$(driver_of 0-0048)" lm75
	rig_expect_eq "0-0041 driver" "$(driver_of 0-0041)" ina2xx
	# the INA226 h2boxd reads itself over i2c-dev stays without a kernel device
	[ ! -e "$DEVS/0-0040" ] || rig_die "h2boxd created a kernel device on its own INA226 (0-0040)"
	h=$(rig_hwmon_find emc2305 0-002e) || rig_die "no emc2305 hwmon device"
	[ -e "$h/pwm1" ] || rig_die "emc2305 hwmon without pwm1"
	[ -e "$h/fan1_input" ] || rig_die "emc2305 hwmon without fan1_input"
	h=$(rig_hwmon_find lm75 0-0048) || rig_die "no lm75 hwmon device"
	[ -e "$h/temp1_input" ] || rig_die "lm75 hwmon without temp1_input"
	h=$(rig_hwmon_find ina226 0-0041) || rig_die "no ina226 hwmon device"
	[ -e "$h/power1_input" ] || rig_die "ina226 hwmon without power1_input"
	for d in "emc2305 at i2c-0 0x2e" "lm75 at i2c-0 0x48" "ina226 at i2c-0 0x41"; do
		grep -q "i2c: created $d " /tmp/h2boxd.log || { cat /tmp/h2boxd.log; rig_die "no 'created $d' in the log"; }
	done
	# the daemon found what it created: with the PSU on, the fan chip is driven
	h2 power on >/dev/null
	rig_until 15 _fan_auto || { rig_box_diag; rig_die "fan control never reached auto"; }
	grep -q "fan: controller emc2305-i2c-0-2e pwm1" /tmp/h2boxd.log ||
		{ cat /tmp/h2boxd.log; rig_die "the fan service did not open the emc2305 it created"; }
}

restart_creates_nothing() {
	local out
	rig_daemon_stop
	dmesg_clear
	: >/tmp/h2boxd.log
	out=$("$H2BOX_BIN/h2boxd" -n -c "$PROFILE")
	printf '%s\n' "$out" | grep -q "^i2c: emc2305 at i2c-0 0x2e is there (driver emc2305)" ||
		{ echo "$out"; rig_die "h2boxd -n does not see the emc2305 it created"; }
	! printf '%s\n' "$out" | grep -q "would create" || { echo "$out"; rig_die "h2boxd -n would create again"; }
	rig_daemon_start "$PROFILE"
	rig_expect_eq "instantiations by the second start" "$(instantiated)" 0
	if grep -q "i2c: created" /tmp/h2boxd.log; then
		cat /tmp/h2boxd.log
		rig_die "the second start created a device"
	fi
	rig_expect_eq "0-002e driver after the restart" "$(driver_of 0-002e)" emc2305
}

taken_left_alone() {
	local out
	rig_daemon_stop
	# another driver owns the fan controller's address: an lm75 binds to anything on the stub
	rig_unbind 0 0x2e
	rig_bind 0 lm75 0x2e
	out=$("$H2BOX_BIN/h2boxd" -n -c "$PROFILE")
	printf '%s\n' "$out" | grep -q "^i2c: i2c-0 0x2e holds lm75 (driver lm75), not emc2305: left alone" ||
		{ echo "$out"; rig_die "h2boxd -n does not report the taken address"; }
	: >/tmp/h2boxd.log
	rig_daemon_start "$PROFILE"
	grep -q "i2c: i2c-0 0x2e holds lm75 (driver lm75), not the emc2305 that \[fan\] chip = emc2305-i2c-0-2e names: left alone" /tmp/h2boxd.log ||
		{ cat /tmp/h2boxd.log; rig_die "no warning about the taken address"; }
	rig_expect_eq "0-002e name" "$(cat "$DEVS/0-002e/name")" lm75
	rig_expect_eq "0-002e driver" "$(driver_of 0-002e)" lm75
	rig_daemon_stop
}

rig_check i2c-instantiate/setup setup
if rig_ok i2c-instantiate/setup; then
	rig_check i2c-instantiate/dry-run-lists-creates-nothing dry_run
	rig_check i2c-instantiate/daemon-creates-drivers-bind daemon_creates
	if rig_ok i2c-instantiate/daemon-creates-drivers-bind; then
		rig_check i2c-instantiate/restart-creates-nothing restart_creates_nothing
	else
		rig_skip i2c-instantiate/restart-creates-nothing "nothing created"
	fi
	rig_check i2c-instantiate/taken-address-left-alone taken_left_alone
else
	for c in dry-run-lists-creates-nothing daemon-creates-drivers-bind restart-creates-nothing \
		taken-address-left-alone; do
		rig_skip "i2c-instantiate/$c" "no setup"
	done
fi
rig_check i2c-instantiate/teardown rig_box_teardown
