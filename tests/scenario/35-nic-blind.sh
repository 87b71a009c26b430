#!/usr/bin/env bash
# 35-nic-blind.sh - a box that can neither see its card's temperature nor drive its fan (the
# fan chip and the NIC sensor on a failing I2C bus) under iperf3 load: the critical alarm
# nic-blind and the alert command at once, the throttle ladder applied while blind and undone
# once the bus is back; by default nothing more, with [fan] blind_poweroff an orderly power-off
# after that long blind.
. "$(dirname "$0")/lib.sh"

truth() { jget "$1" sim status; }

# profile: the brick build (its default ladder: ipoib, cpu) with the alert command; $1 extra
# [fan] keys
make_profile() {
	sed -e "/^\[fan\]$/a $1" "$ROOT/profiles/sim-brick.conf" >"$TESTDIR/brick.conf"
	alert_profile "$TESTDIR/brick.conf" "$TESTDIR/blind.conf"
}

boot_loaded() {
	rm -rf "$TESTDIR/state"
	start_daemon_unready "$TESTDIR/blind.conf" --state-dir "$TESTDIR/state" || return 1
	advance 20s
	if wait_ready; then ok "$1: READY=1 once the box is up"; else not_ok "$1: READY=1"; fi
	advance 60s
	h2 sim workload iperf3-both >/dev/null
	advance 30s
	expect_eq "$1: on, no blind alarm before the fault" "$(alarm_level nic-blind)" none
	expect_eq "$1: no ladder step before the fault" "$(jget .applied budget)" 0
	: >"$ALERTS"
}

# ---- default: alarm, alert and the ladder; no power-off ----
make_profile "; no blind_poweroff: the default"
boot_loaded default || { finish; exit 1; }
h2 sim fault i2c-error on >/dev/null
advance 5s
expect_eq "default: nic-blind critical within 5 s" "$(alarm_level nic-blind)" critical
check "default: the alert command ran for nic-blind" grep -qx "nic-blind critical" "$ALERTS"
expect_eq "default: the budget governor is told to throttle" "$(jget .thermal_throttle budget)" true
check "default: budget says the ladder is for blindness" grep -q "^thermal   blind (NIC temperature unseen, fan not driven) asks for the throttle ladder" \
	<<<"$(h2 budget)"
check "default: ... not for a temperature alarm" lacks "temperature alarm" h2 budget
advance 60s
expect_eq "default: the whole ladder applied while blind" "$(jget .applied budget)" 2
check "default: the alarm names the chip and the input" \
	bash -c "'$H2BOX' -s '$SOCK' --json alarms | jq -r '.active[] | select(.id == \"nic-blind\") | .message' | grep -q 'fan chip.*input nic'"
advance 30m
expect_eq "default: 30 min blind: still on (no last step by default)" "$(pst state)" on
expect_eq "default: still blind" "$(alarm_level nic-blind)" critical
expect_eq "default: ladder still applied" "$(jget .applied budget)" 2
h2 sim fault i2c-error off >/dev/null
advance 30s
expect_eq "default: the bus back: nic-blind cleared" "$(alarm_level nic-blind)" none
expect_eq "default: the thermal throttle request let go" "$(jget .thermal_throttle budget)" false
advance 5m
expect_eq "default: the ladder undone" "$(jget .applied budget)" 0
stop_daemon

# ---- blind_poweroff = 10m: an orderly power-off after 10 minutes blind ----
make_profile "blind_poweroff = 10m"
boot_loaded poweroff || { finish; exit 1; }
h2 sim fault i2c-error on >/dev/null
advance 5s
expect_eq "poweroff: nic-blind critical" "$(alarm_level nic-blind)" critical
check "poweroff: the alarm says when the box goes off" \
	bash -c "'$H2BOX' -s '$SOCK' --json alarms | jq -r '.active[] | select(.id == \"nic-blind\") | .message' | grep -q 'power-off after 10m'"
advance 9m
expect_eq "poweroff: 9 min blind: still on" "$(pst state)" on
advance 2m
expect_eq "poweroff: after 10 min blind the box is off" "$(pst state)" off
expect_eq "poweroff: the NIC's supply off (plant)" "$(truth .psu_on)" false
check "poweroff: logged the blind power-off" grep -q "NIC blind for 10m (blind_poweroff)" "$DAEMON_LOG"
check "poweroff: history: on -> host_stopping (blind), not thermal-emergency" \
	has_transition on host_stopping blind
check "poweroff: text history: [blind]" grep -q "on -> host_stopping  \[blind\]" \
	<<<"$(h2 power status)"
check "poweroff: journal field H2BOX_REASON=blind on the transition" grep -q \
	"H2BOX_FROM=on H2BOX_TO=host_stopping H2BOX_REASON=blind" "$DAEMON_LOG"
check "poweroff: the request names its cause" grep -q \
	"H2BOX_EVENT=power-emergency-off H2BOX_REASON=blind" "$DAEMON_LOG"
expect_eq "poweroff: box off: nic-blind cleared" "$(alarm_level nic-blind)" none
stop_daemon
finish
