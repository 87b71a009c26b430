#!/bin/sh
# 20-fan-thermal.sh - h2boxd's fan curve through the kernel's emc2305 driver (pwm1 -> the chip's
# drive register -> the plant's fan), its tach back through fan1_input, and the temp-nic alarm
# from the lm75 when the NIC overheats (ambient 60 C, stalled fan).  Controller profile.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-controller.conf
EMC=0x2e

drive() { rig_i2c_get_byte "$(rig_i2c_bus)" $EMC 0x30; } # EMC2305 fan 1 drive, as the driver wrote it
_fan_auto() { [ "$(rig_h2_json .mode fan status)" = auto ]; }
_drive_ge() { [ $(($(drive))) -ge "$1" ]; }
# the NIC heatsink has settled: two readings 1 s apart within 0.3 C
_settled() {
	local a b
	a=$(rig_plant nic_temp_c)
	sleep 1
	b=$(rig_plant nic_temp_c)
	awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(d < 0.3 && d > -0.3) }'
}

setup() {
	rm -rf /tmp/h2box-state
	rig_box_setup controller
	rig_daemon_start "$PROFILE"
	h2 power on >/dev/null
	rig_power_wait 10 on
	rig_until 10 _fan_auto || { rig_box_diag; rig_die "fan control never reached auto"; }
	# heat flows in plant time: 100x makes the heatsink's minutes seconds
	rig_plant_cmd "speed 100"
}

curve() {
	local d0 d1 t0 want
	rig_until 30 _settled || rig_die "NIC temperature never settled: $(rig_plant nic_temp_c) C"
	d0=$(($(drive)))
	t0=$(rig_plant nic_temp_c)
	rig_note "ambient 25 C: NIC $t0 C, emc2305 drive $d0/255"
	rig_plant_cmd "ambient 45"
	want=$((d0 + 40))
	[ "$want" -le 255 ] || want=255
	rig_until 30 _drive_ge "$want" ||
		{ rig_box_diag; rig_die "drive register stayed $(($(drive))) after ambient 45 (was $d0, NIC $(rig_plant nic_temp_c) C)"; }
	rig_until 30 _settled || true
	d1=$(($(drive)))
	rig_note "ambient 45 C: NIC $(rig_plant nic_temp_c) C, emc2305 drive $d1/255"
	# the chain: h2boxd's duty -> pwm1 -> drive register -> the plant's fan, all at one duty
	rig_until 10 _chain_consistent || { _chain_consistent show; rig_die "duty differs along the chain"; }
}

# _chain_consistent [show]: h2box's duty, hwmon pwm1, the drive register and the plant's fan duty
# agree; the temperature keeps moving, so callers poll this.  With THERMAL=y the 6.1 emc2305
# driver turns a pwm1 write into one of its 10 cooling states (pwm1 = 163 -> state 6 -> drive 153):
# the register must be h2boxd's duty quantised that way, and h2box's read-back duty
# (duty_actual_pct) must be what pwm1 holds.
_chain_consistent() {
	local dd duty held pwm reg plant
	dd=$(rig_h2_json '"\(.duty_pct) \(.duty_actual_pct)"' fan status)
	duty=${dd% *}
	held=${dd#* }
	pwm=$(cat "$(rig_hwmon_find emc2305)/pwm1")
	reg=$(($(drive)))
	plant=$(rig_plant fan_duty_pct)
	[ "${1:-}" != show ] || echo "h2box duty $duty % (read back $held %), pwm1 $pwm, drive register $reg, plant duty $plant %"
	awk -v d="$duty" -v h="$held" -v p="$pwm" -v r="$reg" -v f="$plant" 'function a(x) { return x < 0 ? -x : x }
		BEGIN { v = int(d * 255 / 100 + 0.5); s = int((v * 10 + 127) / 255); q = int((s * 255 + 5) / 10)
			exit !(p == r && r == q && a(f - r * 100 / 255) <= 0.5 && h != "null" && a(h - p * 100 / 255) <= 0.06) }'
}

# fan set 47 writes pwm1 = 120; the 6.1 driver keeps 128 (state 5), and h2box must report both:
# the commanded 47 % and the 50.2 % the chip holds, in JSON and in the status text.
_pwm1_is() { [ "$(cat "$(rig_hwmon_find emc2305)/pwm1")" = "$1" ]; }
_duty_pair() { rig_h2_json '"\(.duty_pct) \(.duty_actual_pct)"' fan status; }
_duty_pair_is() { [ "$(_duty_pair)" = "$1" ]; }
quantised() {
	# back to a cool room first, so no temperature override (nic at 70 C) lifts the manual duty
	rig_plant_cmd "ambient 25"
	h2 fan set 47 >/dev/null || rig_die "fan set 47 refused"
	rig_until 10 _pwm1_is 128 || rig_die "pwm1 is $(cat "$(rig_hwmon_find emc2305)/pwm1") after fan set 47, expected 128"
	rig_until 10 _duty_pair_is "47 50.2" || rig_die "duty_pct/duty_actual_pct are '$(_duty_pair)', expected '47 50.2'"
	h2 fan status | grep -q '^duty: 47% (chip holds 50%' || rig_die "fan status text: $(h2 fan status | grep '^duty')"
	grep -q 'H2BOX_STATE=quantises' /tmp/h2boxd.log || rig_die "the daemon never logged that the chip quantises"
	h2 fan auto >/dev/null || rig_die "fan auto refused"
}

# h2box's rpm (sampled each control period) within 5 % of the plant's, once the fan has settled
_rpm_settled() {
	awk -v g="$(rig_h2_json .rpm fan status)" -v w="$(rig_plant fan_rpm)" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && w > 0 && d <= 0.05 * w) }'
}
tach() {
	local rpm truth
	# the check before leaves the fan slowing from a manual duty back to the curve's
	rig_until 15 _rpm_settled || true
	rpm=$(rig_h2_json .rpm fan status)
	truth=$(rig_plant fan_rpm)
	[ "${rpm%.*}" -gt 0 ] 2>/dev/null || rig_die "h2box fan status rpm is '$rpm' (plant: $truth)"
	rig_near "fan rpm (h2box vs plant)" "$rpm" "$truth" 0.05
	rig_near "fan1_input (driver vs plant)" "$(cat "$(rig_hwmon_find emc2305)/fan1_input")" "$truth" 0.02
	rig_note "fan: h2box $rpm rpm, plant $truth rpm"
}

_temp_nic_alarm() {
	rig_h2_json '[.active[] | select(.id == "temp-nic")] | length' alarms | grep -qv '^0$'
}
_temp_nic_first() { # FIELD: of the first temp-nic entry in the alarm history
	rig_h2_json "[.history[] | select(.id == \"temp-nic\")][0].$1" alarms
}
overheat() {
	local lvl first value h
	rig_plant_cmd "ambient 60"
	rig_plant_cmd "fault fan-stall on"
	rig_until 40 _temp_nic_alarm ||
		{ rig_box_diag; rig_die "no temp-nic alarm (NIC $(rig_plant nic_temp_c) C)"; }
	lvl=$(rig_h2_json '[.active[] | select(.id == "temp-nic") | .level][0]' alarms)
	rig_note "temp-nic alarm at NIC $(rig_plant nic_temp_c) C: $lvl"
	# the first level raised matches the temperature it was raised at (rig-controller.conf: warn
	# 70, critical 80, emergency 90; at plant speed 100 the NIC can pass 80 C before warn's three
	# consecutive samples, so critical may come first)
	first=$(_temp_nic_first level)
	value=$(_temp_nic_first value)
	case $first in
	warn) awk -v v="$value" 'BEGIN { exit !(v >= 70 && v < 80) }' ;;
	critical) awk -v v="$value" 'BEGIN { exit !(v >= 80 && v < 90) }' ;;
	*) false ;;
	esac || rig_die "first temp-nic level '$first' raised at $value C (warn: [70, 80), critical: [80, 90))"
	# the heat keeps rising: the active level is warn or already critical, nothing else
	case $lvl in warn | critical) ;; *) rig_die "active temp-nic level '$lvl', expected warn or critical" ;; esac
	[ "$(rig_plant fan_rpm)" = 0 ] || rig_die "the plant's fan still turns: $(rig_plant fan_rpm) rpm"
	# a stalled fan on a hot NIC: full drive, in h2box, in the driver's pwm1 and in the chip
	h=$(rig_hwmon_find emc2305)
	rig_until 10 _pwm1_is 255 || rig_die "pwm1 is $(cat "$h/pwm1") on a stalled fan at $(rig_plant nic_temp_c) C, expected 255"
	rig_expect_eq "drive register 0x30" "$(drive)" 0xff
	rig_expect_eq "h2box fan duty" "$(rig_h2_json .duty_pct fan status)" 100
	# cool down before the emergency level (90 C) powers the box off under the next check
	rig_plant_cmd "fault fan-stall off"
	rig_plant_cmd "ambient 25"
}

# on_exit = restore: the 6.1 emc2305 has no pwm1_enable, so h2boxd must treat the channel as
# always manual and put back the duty it found (0: the driver's probe value).
restore() {
	local h
	h=$(rig_hwmon_find emc2305)
	[ ! -e "$h/pwm1_enable" ] || rig_skip_check "this emc2305 driver has pwm1_enable"
	[ "$(cat "$h/pwm1")" != 0 ] || rig_die "pwm1 already 0 before h2boxd stopped"
	rig_daemon_stop
	rig_expect_eq "pwm1 after h2boxd stopped" "$(cat "$h/pwm1")" 0
	if grep -i "pwm1_enable" /tmp/h2boxd.log; then rig_die "h2boxd complained about pwm1_enable"; fi
}

rig_check fan/setup setup
if rig_ok fan/setup; then
	rig_check fan/curve-pwm1 curve
	rig_check fan/pwm1-read-back quantised
	rig_check fan/tach-rpm tach
	rig_check fan/overheat-alarm overheat
	rig_check fan/restore-on-exit restore
else
	for c in curve-pwm1 pwm1-read-back tach-rpm overheat-alarm restore-on-exit; do rig_skip "fan/$c" "no setup"; done
fi
rig_check fan/teardown rig_box_teardown
