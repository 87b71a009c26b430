#!/bin/sh
# 30-watts-budget.sh - the brick build (self profile): the INA226 at 0x40 through h2boxd's own
# driver over i2c-dev and the one at 0x41 through the kernel's ina2xx and libsensors, both against
# the plant's truth; then the 60 W budget: 12 W extra + iperf3-tx -> tbf on "ib0" (a veth), and
# back under the limit -> the qdisc is removed; a root qdisc someone configured on ib0 is left in
# place (and the log says why), never replaced.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PROFILE=$RIG_PROFILES/rig-self.conf
# Full paths: busybox ash runs its own (veth-less, tbf-less) ip and tc applets before PATH's.
IP=/usr/bin/ip
TC=/usr/sbin/tc

mon() { rig_h2_json ".monitors[] | select(.name == \"$1\") | .$2" watts; }
_both_valid() { [ "$(mon h2 valid)" = true ] && [ "$(mon box valid)" = true ]; }
_tbf() { $TC qdisc show dev ib0 | grep -q tbf; }
_no_tbf() { # tc must answer: a failed `tc qdisc show` is no proof that there is no tbf
	local q
	q=$($TC qdisc show dev ib0) || return 1
	! printf '%s\n' "$q" | grep -q tbf
}
_budget_released() { case "$(rig_h2_json .budget_state budget)" in ok | warn) return 0 ;; esac; return 1; }
_logged() { grep -q "$1" /tmp/h2boxd.log; }

setup() {
	rm -rf /tmp/h2box-state
	if [ ! -x $IP ] || [ ! -x $TC ]; then rig_die "iproute2 ip/tc missing in the initramfs"; fi
	$IP link add ib0 type veth peer name ib0p || rig_die "cannot create the veth ib0"
	$IP link set ib0 up
	$IP link set ib0p up
	rig_box_setup self
	rig_daemon_start "$PROFILE"
	rig_power_wait 10 on
	rig_until 10 _both_valid || { h2 watts; rig_die "monitors never both valid"; }
}

watts() {
	local truth h2w boxw
	truth=$(rig_plant monitored_w)
	h2w=$(mon h2 watts)
	boxw=$(mon box watts)
	rig_note "watts: plant $truth W, i2c-dev INA226 $h2w W, ina2xx/libsensors $boxw W"
	rig_expect_eq "monitor h2 chip" "$(mon h2 chip)" INA226
	rig_near "INA226 over i2c-dev vs plant" "$h2w" "$truth" 0.03
	rig_near "INA226 under ina2xx (libsensors) vs plant" "$boxw" "$truth" 0.03
	rig_near "volts over i2c-dev vs plant" "$(mon h2 volts)" "$(rig_plant monitored_v)" 0.01
	command -v sensors >/dev/null ||
		rig_die "sensors not in the initramfs (package lm-sensors on the host): the rig is incomplete"
	sensors ina226-i2c-0-41 >/tmp/sensors.out || { cat /tmp/sensors.out; rig_die "sensors ina226-i2c-0-41 failed"; }
	grep -q power1 /tmp/sensors.out || { sensors; rig_die "sensors shows no power1 on ina226-i2c-0-41"; }
}

budget() {
	_no_tbf || rig_die "a tbf qdisc on ib0 before any load"
	rig_plant_cmd "workload iperf3-tx"
	rig_plant_cmd "load 12"
	rig_until 15 _tbf || { rig_box_diag; h2 budget; rig_die "no tbf on ib0 with $(rig_plant monitored_w) W"; }
	rig_note "throttled at $(rig_h2_json .avg_w budget) W average: $($TC qdisc show dev ib0 | grep tbf)"
	rig_expect_eq "budget state" "$(rig_h2_json .budget_state budget)" throttle
	rig_plant_cmd "load 0"
	rig_until 20 _no_tbf || { h2 budget; rig_die "tbf still on ib0 at $(rig_plant monitored_w) W"; }
	rig_until 20 _budget_released || { h2 budget; rig_die "budget still throttling"; }
}

# An administrator's own root qdisc on ib0 (htb 1:) is not replaced by the tbf step, nor deleted
# when the step is undone.
budget_user_qdisc() {
	$TC qdisc add dev ib0 root handle 1: htb default 10 || rig_die "cannot add htb to ib0"
	rig_plant_cmd "load 12"
	rig_until 15 _logged "root qdisc configured by someone else" ||
		{ h2 budget; tail -n 5 /tmp/h2boxd.log; rig_die "no log line about ib0's own qdisc"; }
	$TC qdisc show dev ib0 | grep -q 'htb 1: root' || { $TC qdisc show dev ib0; rig_die "htb 1: replaced"; }
	_no_tbf || rig_die "a tbf on ib0 next to the administrator's htb"
	rig_plant_cmd "load 0"
	rig_until 20 _budget_released || { h2 budget; rig_die "budget still throttling"; }
	$TC qdisc show dev ib0 | grep -q 'htb 1: root' || { $TC qdisc show dev ib0; rig_die "htb 1: deleted by the undo"; }
	$TC qdisc del dev ib0 root
	rig_plant_cmd "workload idle"
}

rig_check watts/setup setup
if rig_ok watts/setup; then
	rig_check watts/i2c-dev-and-libsensors watts
	rig_check budget/tbf-on-ib0 budget
	rig_check budget/user-qdisc-kept budget_user_qdisc
else
	rig_skip watts/i2c-dev-and-libsensors "no setup"
	rig_skip budget/tbf-on-ib0 "no setup"
	rig_skip budget/user-qdisc-kept "no setup"
fi
rig_check watts/teardown rig_box_teardown
$IP link del ib0 2>/dev/null || true
