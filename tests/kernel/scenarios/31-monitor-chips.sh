#!/bin/sh
# 31-monitor-chips.sh - the plant's INA260 and INA219 on the rig's i2c-stub: the INA260 through
# h2boxd's own driver over i2c-dev (the 6.1 ina2xx hwmon driver has no ina260), the INA219 under
# the kernel's ina2xx driver read through libsensors by h2boxd, and its registers over i2c-dev;
# every figure against the plant's truth.  (h2boxd's own INA219 path cannot run on i2c-stub: it
# identifies the chip by the config value a reset reloads, and the stub keeps the 0x8000 written;
# test_ina2xx runs that path against the sim chip instead.)
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

BASE=$RIG_PROFILES/rig-self.conf
PROFILE=/tmp/rig-monitor-chip.conf

mon() { rig_h2_json ".monitors[] | select(.name == \"h2\") | .$1" watts; }
_h2_valid() { [ "$(mon valid)" = true ]; }

# profile_with BLOCK: rig-self.conf with its [monitor h2] section replaced by BLOCK.
profile_with() {
	awk -v repl="$1" '/^\[monitor h2\]/ { print repl; skip = 1; next }
		skip && /^\[/ { skip = 0 } !skip' "$BASE" >"$PROFILE"
	grep -q '^\[monitor h2\]' "$PROFILE" || rig_die "no [monitor h2] in the generated profile"
}

# start CHIP: the self box (brick build, h2boxd on the H2) with the plant's CHIP at 0x40.
start() {
	rm -rf /tmp/h2box-state
	rig_box_setup self --chip "$1"
}

daemon_up() {
	rig_daemon_start "$PROFILE"
	rig_power_wait 10 on
	rig_until 10 _h2_valid || { h2 watts; rig_box_diag; rig_die "monitor h2 never valid"; }
}

compare() {
	local truth w
	# the status shows the last sample of the last batch, up to one [watts] batch (1 s) old:
	# wait for one taken after the plant settled from power-on, then judge it
	rig_until 10 _near_plant || true
	truth=$(rig_plant monitored_w)
	w=$(mon watts)
	rig_note "$1: plant $truth W, h2boxd $w W"
	rig_expect_eq "monitor h2 chip" "$(mon chip)" "$2"
	rig_near "$1 watts vs plant" "$w" "$truth" 0.03
	rig_near "$1 volts vs plant" "$(mon volts)" "$(rig_plant monitored_v)" 0.01
	rig_plant_cmd "load 20"
	rig_until 10 _follows "$truth" || rig_die "$1: watts stayed at $(mon watts) with 20 W more"
	rig_near "$1 watts vs plant, 20 W more" "$(mon watts)" "$(rig_plant monitored_w)" 0.03
	rig_plant_cmd "load 0"
}
_near_plant() {
	awk -v w="$(mon watts)" -v t="$(rig_plant monitored_w)" \
		'BEGIN { d = w - t; if (d < 0) d = -d; exit !(w != "" && d <= 0.03 * t) }'
}
_follows() { awk -v w="$(mon watts)" -v t="$1" 'BEGIN { exit !(w > t + 15) }'; }

ina260_i2c_dev() {
	start ina260
	profile_with "$(printf '[monitor h2]\ntype = ina260\nbus = 0\naddress = 0x40\nmax_current = 8\nbudget = yes')"
	daemon_up
	compare "INA260 over i2c-dev" INA260
	rig_daemon_stop
}

ina219_hwmon() {
	local h bus v truth_v
	start ina219
	bus=$(rig_i2c_bus)
	# the plant first: the driver's probe writes config and calibration, which the plant forwards
	rig_bind "$bus" ina219 0x40
	h=$(rig_hwmon_find ina219 "$(rig_i2c_dev "$bus" 0x40)") || rig_die "no ina219 hwmon device"
	# the plant's board shunt is 2 mOhm; the driver assumes 10 mOhm until told
	echo 2000 >"$h/shunt_resistor" || rig_die "cannot set shunt_resistor"
	command -v sensors >/dev/null || rig_die "lm-sensors' sensors missing in the initramfs"
	sensors "ina219-i2c-$bus-40" | grep -q power1 ||
		{ sensors; rig_die "sensors shows no power1 on ina219-i2c-$bus-40"; }
	# the bus register over i2c-dev: bits 15..3 in 4 mV steps, CNVR set by a finished conversion
	v=$(rig_i2c_get_word "$bus" 0x40 0x02)
	truth_v=$(rig_plant monitored_v)
	rig_near "INA219 bus register (4 mV in bits 15..3) vs plant" \
		"$(awk -v r="$((v >> 3))" 'BEGIN { print r * 0.004 }')" "$truth_v" 0.01
	[ $((v & 2)) -eq 2 ] || rig_die "INA219 bus register 0x$(printf %04x "$v"): CNVR clear"
	[ $((v & 1)) -eq 0 ] || rig_die "INA219 bus register 0x$(printf %04x "$v"): OVF set"
	profile_with "$(printf '[monitor h2]\ntype = hwmon\nhwmon_chip = ina219-*\nmax_current = 16\nbudget = yes')"
	daemon_up
	# both monitors under the kernel's driver: their chips' workers sample, h2boxd drains batches
	grep -q "by the chips' workers, in batches" /tmp/h2boxd.log ||
		{ tail -n 20 /tmp/h2boxd.log; rig_die "the hwmon monitors are not sampled in batches"; }
	compare "INA219 under ina2xx (libsensors)" INA219
	rig_daemon_stop
}

rig_check monitor-chips/ina260-i2c-dev ina260_i2c_dev
rig_check monitor-chips/teardown-ina260 rig_box_teardown
rig_check monitor-chips/ina219-hwmon-and-registers ina219_hwmon
rig_check monitor-chips/teardown-ina219 rig_box_teardown
