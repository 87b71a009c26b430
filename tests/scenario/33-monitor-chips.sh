#!/usr/bin/env bash
# 33-monitor-chips.sh - the profile's monitor type picks the chip the simulated box carries: an
# INA219 (identified by its config reset value, CNVR in the bus register) and an INA260 (integrated
# shunt, die ID 0x2270) through h2boxd's own driver, both against the plant's exact power.
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles

truth() { jget "$1" sim status; }
mon() { h2 --json watts | jq -r ".monitors[0].$1"; }

for chip in ina219:INA219 ina260:INA260; do
	type=${chip%%:*}
	name=${chip#*:}
	# the shipped simulator profile plus one I2C monitor of that type at the plant's 1/0x40
	{
		cat "$PROFILES/sim-sfx.conf"
		printf '\n[monitor h2]\ntype = %s\nbus = 1\naddress = 0x40\nshunt = 0.002\nmax_current = 16\n' "$type"
	} >"$TESTDIR/sim-$type.conf"
	rm -rf "$TESTDIR/state"
	start_daemon "$TESTDIR/sim-$type.conf" --state-dir "$TESTDIR/state" || continue
	h2 power on >/dev/null
	advance 120s
	expect_eq "$type: the driver found an $name" "$(mon chip)" "$name"
	expect_eq "$type: the reading is valid" "$(mon valid)" true
	expect_near "$type: watts as the plant's exact power" "$(mon watts)" "$(truth .watts)" 0.01
	expect_near "$type: volts as the plant's rail" "$(mon volts)" "$(truth .volts)" 0.01
	h2 sim load 20 >/dev/null
	advance 10s
	expect_near "$type: 20 W more, watts follow the plant" "$(mon watts)" "$(truth .watts)" 0.01
	expect_cmp "$type: the extra load shows" "$(mon watts)" gt 40
	stop_daemon
	expect_eq "$type: h2boxd exits 0" "$?" 0
done
finish
