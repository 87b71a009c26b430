#!/bin/sh
# 40-probe.sh - `h2box probe` on the rig's wiring (gpio-sim named lines, i2c-stub chips under the
# real drivers and over i2c-dev, rxe): the profile it writes names that wiring and passes
# `h2boxd -n`; it is read-only; --pwm-test pairs the EMC2305's pwm1 with fan1 through the plant
# and restores the drive; without a yes it changes nothing.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

EMC=0x2e
P1=/tmp/probe.conf
P2=/tmp/probe-pwm.conf

drive() { rig_i2c_get_byte "$(rig_i2c_bus)" $EMC 0x30; } # EMC2305 fan 1 drive byte
# has FILE LINE: the profile holds exactly that line
has() { grep -qxF "$2" "$1" || { sed 's/^/  profile| /' "$1"; rig_die "$1 lacks '$2'"; }; }

setup() {
	# rig-controller.conf's wiring: the six named lines; INA226 0x40 (i2c-dev), INA226 0x41,
	# LM75 0x48 and EMC2305 0x2e under their kernel drivers; the plant mirrors the SFX box
	rig_box_setup controller
	rig_rxe_setup >/dev/null
}

readonly_profile() {
	local bus d0 d1
	bus=$(rig_i2c_bus)
	d0=$(drive)
	h2box probe --i2c-bus "$bus" --write $P1 >/tmp/probe.out 2>&1 ||
		{ cat /tmp/probe.out; rig_die "h2box probe failed"; }
	cat /tmp/probe.out
	has $P1 "topology = controller"
	has $P1 "psu_on = PSU_ON_N"
	has $P1 "psu_ok = PSU_PWR_OK"
	has $P1 "button = PWR_BUTTON"
	has $P1 "button_led = PWR_LED"
	has $P1 "host_button = H2_PWR_BTN"
	has $P1 "host_alive = H2_PWR_LED"
	# 0x40: no driver, identified by its TI ID registers, read by h2boxd over i2c-dev
	has $P1 "[monitor ina-$bus-40]"
	has $P1 "type = ina226"
	has $P1 "bus = $bus"
	has $P1 "address = 0x40"
	# 0x41: the kernel's ina2xx owns it: through hwmon, never touched
	has $P1 "[monitor ina-$bus-41]"
	has $P1 "hwmon_chip = ina226-i2c-$bus-41"
	has $P1 "chip = emc2305-i2c-$bus-2e"
	has $P1 "[input nic]"
	has $P1 "chip = lm75-i2c-$bus-48"
	has $P1 "device = rxe_lo"
	has $P1 "ports = 1"
	# every value it could not see is marked, and the PWM was never stepped
	grep -q "^# guess: PWM/tach pairs not tested" $P1 || rig_die "no guess comment on the fan's pwm"
	grep -q "^# guess: .*shunt" $P1 || rig_die "no guess comment on the shunt"
	d1=$(drive)
	rig_expect_eq "EMC2305 drive after a read-only probe" "$d1" "$d0"
	h2boxd -n -c $P1 >/tmp/probe-check.out 2>&1 ||
		{ cat /tmp/probe-check.out; sed 's/^/  profile| /' $P1; rig_die "h2boxd -n rejected the probe's profile"; }
	grep -q "configuration OK" /tmp/probe-check.out || rig_die "h2boxd -n: $(cat /tmp/probe-check.out)"
}

no_overwrite() {
	local sum0 sum1
	sum0=$(md5sum <$P1)
	if h2box probe --i2c-bus "$(rig_i2c_bus)" --write $P1 >/tmp/probe.out 2>&1; then
		rig_die "probe --write over an existing file succeeded"
	fi
	grep -q "exists" /tmp/probe.out || rig_die "no 'exists' in: $(cat /tmp/probe.out)"
	sum1=$(md5sum <$P1)
	rig_expect_eq "profile after a refused --write" "$sum1" "$sum0"
}

# The PSU feeds the NIC fan: hold PS_ON# low (on) with gpioset while the probe steps pwm1.
_psu_hold() {
	gpioset --mode=signal "$(rig_gpio_chip PSU_ON_N)" "$(rig_gpio_offset PSU_ON_N)=0" &
	echo $! >"$RIG_STATE/probe-gpioset.pid"
	rig_wait_for 10 sh -c '[ "$(sed -n "s/^psu_ok=//p" /run/h2box-plant.state)" = 1 ]' ||
		rig_die "the plant's PSU never came up under PS_ON# low"
}
_psu_release() {
	local pid
	pid=$(cat "$RIG_STATE/probe-gpioset.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$RIG_STATE/probe-gpioset.pid"
}

refused_without_yes() {
	local d0 rc=0
	d0=$(drive)
	echo n | h2box probe --i2c-bus "$(rig_i2c_bus)" --pwm-test --settle 200ms >/tmp/probe.out 2>&1 || rc=$?
	rig_expect_eq "exit status of a refused PWM test" "$rc" 3
	rig_expect_eq "EMC2305 drive after a refused PWM test" "$(drive)" "$d0"
}

pwm_pairs() {
	local bus d0
	bus=$(rig_i2c_bus)
	_psu_hold
	d0=$(drive)
	if ! h2box probe --i2c-bus "$bus" --pwm-test --yes --settle 500ms --write $P2 >/tmp/probe.out 2>&1; then
		_psu_release
		cat /tmp/probe.out
		rig_die "h2box probe --pwm-test failed"
	fi
	_psu_release
	cat /tmp/probe.out
	grep -q "^fan emc2305-i2c-$bus-2e pwm1 -> fan1" /tmp/probe.out ||
		rig_die "pwm1 not paired with fan1"
	has $P2 "pwm = 1"
	grep -q "^; pwm1 drives the fan on fan1" $P2 || rig_die "no pairing note in the profile"
	# 6.1's emc2305 (no pwm_separate) drives every channel from any pwmN: fan1 follows them all,
	# and stays with pwm1 alone, the others told why
	grep -q "^fan emc2305-i2c-$bus-2e pwm2 -> no tach: fan1 follows pwm1 too" /tmp/probe.out ||
		rig_die "pwm2 paired with something"
	rig_expect_eq "EMC2305 drive restored after the PWM test" "$(drive)" "$d0"
	h2boxd -n -c $P2 >/tmp/probe-check.out 2>&1 ||
		{ cat /tmp/probe-check.out; rig_die "h2boxd -n rejected the --pwm-test profile"; }
}

json_out() {
	h2box probe --json --i2c-bus "$(rig_i2c_bus)" >/tmp/probe.json 2>/tmp/probe.err ||
		{ cat /tmp/probe.err; rig_die "h2box probe --json failed"; }
	grep -q '"ok":true' /tmp/probe.json || rig_die "no ok:true: $(head -c 300 /tmp/probe.json)"
	grep -q '"name":"PSU_ON_N"' /tmp/probe.json || rig_die "no PSU_ON_N line in the JSON"
	grep -q '"address":"0x2e","chip":"emc2305","kernel_driver":true' /tmp/probe.json ||
		rig_die "no EMC2305 under its kernel driver at 0x2e in the JSON"
	grep -q '"address":"0x40","chip":"ina226","kernel_driver":false' /tmp/probe.json ||
		rig_die "no INA226 for i2c-dev at 0x40 in the JSON"
	grep -q '"device":"rxe_lo"' /tmp/probe.json || rig_die "no rxe_lo in the JSON"
}

rig_check probe/setup setup
if rig_ok probe/setup; then
	rig_check probe/read-only-profile readonly_profile
	if rig_ok probe/read-only-profile; then
		rig_check probe/no-overwrite no_overwrite
	else
		rig_skip probe/no-overwrite "no first profile"
	fi
	rig_check probe/pwm-test-needs-yes refused_without_yes
	rig_check probe/pwm-test-pairs pwm_pairs
	rig_check probe/json json_out
else
	for c in read-only-profile no-overwrite pwm-test-needs-yes pwm-test-pairs json; do rig_skip "probe/$c" "no setup"; done
fi
rig_check probe/teardown rig_box_teardown
