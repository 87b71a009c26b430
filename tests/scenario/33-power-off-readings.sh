#!/usr/bin/env bash
# 33-power-off-readings.sh - what status says of parts that have no power: after `power off` and
# after a thermal emergency off, the NIC, its fan, IB and the H2's CPU read unknown (null, "--"),
# their alarms are cleared (kept in history, "cleared: powered off"), the throttle ladder is let
# go and the budget is ok; no sensor-fault alarm is raised for the expected unknowns; on power-on
# the readings come back.  Also: alarms without a measured quantity show no number, and the
# rate string of a port that is down is the kernel's.
. "$(dirname "$0")/lib.sh"

truth() { jget "$1" sim status; }
active() { alarm_level "$1"; }
# the message of the last history entry of an alarm
last_msg() { h2 --json alarms | jq -r --arg id "$1" '[.history[] | select(.id == $id)][-1].message // "none"'; }
ever() { h2 --json alarms | jq -r --arg re "$1" '[.history[] | select(.id | test($re))] | length'; }

start_daemon "$ROOT/tests/scenario/profiles/sim-sfx-thermal.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }

# ---- a warm box with traffic ----
h2 power on >/dev/null
advance 120s
h2 sim workload iperf3-tx >/dev/null
advance 300s
expect_cmp "on: nic temperature read" "$(jget .readings.nic_temp_c status)" gt 30
expect_cmp "on: cpu temperature read" "$(jget .readings.cpu_temp_c status)" gt 25
expect_cmp "on: fan rpm read" "$(jget .readings.fan_rpm status)" gt 0
expect_eq "on: PCIe link alarm (the x4 slot)" "$(active ib-pcie-link)" warn

# ---- plain power-off, 30 minutes later ----
h2 power off >/dev/null
advance 30m
expect_eq "off: plant cooled to the room" "$(truth .nic_temp_c)" 25
expect_eq "off: nic temperature unknown" "$(jget .readings.nic_temp_c status)" null
expect_eq "off: cpu temperature unknown (the H2 is down)" "$(jget .readings.cpu_temp_c status)" null
expect_eq "off: fan rpm unknown" "$(jget .readings.fan_rpm status)" null
expect_eq "off: IB traffic unknown" "$(jget .readings.ib_tx_gbps status)" null
check "off: status text shows nic=--" bash -c "'$H2BOX' -s '$SOCK' status | grep -q 'nic=-- C'"
expect_eq "off: fan inputs say powered off" \
	"$(h2 --json fan status | jq -r '[.inputs[].error] | join(",")')" "powered off,powered off"
expect_eq "off: fan not in failsafe" "$(jget .failsafe fan status)" false
expect_eq "off: PCIe link alarm cleared" "$(active ib-pcie-link)" none
expect_eq "off: ... kept in history with the reason" "$(last_msg ib-pcie-link)" "cleared: powered off"
expect_eq "off: no sensor-fault alarm for unpowered inputs" "$(ever '^fan-sensor')" 0

# ---- back on: readings return, the fan starts from failsafe ----
resumes=$(grep -c "fan control resumes at failsafe duty" "$DAEMON_LOG")
h2 power on >/dev/null
advance 120s
expect_eq "on again: fan resumed from failsafe" \
	"$(grep -c "fan control resumes at failsafe duty" "$DAEMON_LOG")" $((resumes + 1))
expect_cmp "on again: nic temperature read" "$(jget .readings.nic_temp_c status)" gt 20
expect_cmp "on again: cpu temperature read" "$(jget .readings.cpu_temp_c status)" gt 20
expect_cmp "on again: fan rpm read" "$(jget .readings.fan_rpm status)" gt 0
expect_eq "on again: fan inputs valid" "$(h2 --json fan status | jq -r '[.inputs[].valid] | all')" true
expect_eq "on again: PCIe link alarm back" "$(active ib-pcie-link)" warn

# ---- thermal emergency off (hot room, stalled fan, NFS copy), 10 minutes later ----
h2 sim ambient 60 >/dev/null
h2 sim fault fan-stall on >/dev/null
h2 sim workload nfs-copy >/dev/null
crit_steps=""
for _ in $(seq 240); do
	advance 5s
	[ -z "$crit_steps" ] && [ "$(active temp-nic)" = critical ] && advance 40s &&
		crit_steps=$(jget .watts.throttle_steps_applied status)
	[ "$(truth .psu_on)" = false ] && break
done
expect_eq "emergency: the box powered off" "$(truth .psu_on)" false
expect_eq "emergency: the ladder was applied while critical" "$crit_steps" 2
advance 10m
expect_eq "emergency off: temp-nic alarm cleared" "$(active temp-nic)" none
expect_eq "emergency off: ... kept in history with the reason" "$(last_msg temp-nic)" "cleared: powered off"
expect_eq "emergency off: history still has the emergency" \
	"$(h2 --json alarms | jq -r '[.history[] | select(.id == "temp-nic" and .level == "emergency")] | length')" 1
expect_eq "emergency off: fan-stall cleared" "$(active fan-stall)" none
expect_eq "emergency off: ... with the reason" "$(last_msg fan-stall)" "cleared: powered off"
expect_eq "emergency off: no active alarm at all" "$(h2 --json alarms | jq -r '.active | length')" 0
expect_eq "emergency off: nic temperature unknown" "$(jget .readings.nic_temp_c status)" null
expect_eq "emergency off: fan not stalled" "$(jget .stalled fan status)" false
check "emergency off: fan text without STALLED" bash -c "! '$H2BOX' -s '$SOCK' status | grep -q STALLED"
expect_eq "emergency off: throttle steps released" "$(jget .watts.throttle_steps_applied status)" 0
expect_eq "emergency off: budget ok" "$(jget .readings.budget_state status)" ok
expect_eq "emergency off: no thermal fan request" "$(jget .watts.thermal_fan_full status)" false
check "emergency off: status text says 0/2 throttle steps" \
	bash -c "'$H2BOX' -s '$SOCK' status | grep -q '0/2 throttle steps'"
check "daemon log: steps undone because the box is off" grep -q "undone (box powered off)" "$DAEMON_LOG"
expect_eq "emergency off: still no sensor-fault alarm" "$(ever '^fan-sensor')" 0

# ---- the room cools, the fan is fixed: back on, healthy ----
h2 sim ambient 25 >/dev/null
h2 sim fault fan-stall off >/dev/null
h2 sim workload idle >/dev/null
h2 power on >/dev/null
advance 120s
expect_eq "on after the emergency: box on" "$(jget .state power status)" on
expect_cmp "on after the emergency: nic temperature read" "$(jget .readings.nic_temp_c status)" lt 70
expect_eq "on after the emergency: no temp-nic alarm" "$(active temp-nic)" none

# ---- an alarm without a measured quantity shows no number ----
h2 power off >/dev/null
advance 60s
h2 sim fault psu-ok-timeout on >/dev/null
h2 power on >/dev/null
advance 5s
expect_eq "PWR_OK timeout: fault alarm" "$(active power-fault)" critical
expect_eq "power-fault: no value in JSON" \
	"$(h2 --json alarms | jq -r '[.active[] | select(.id == "power-fault")][0].value')" null
check "power-fault: no bare number in the text" \
	bash -c "'$H2BOX' -s '$SOCK' alarms | grep power-fault | grep -vq '([0-9.]*)'"
check "power-fault: the message names the blink code" \
	bash -c "'$H2BOX' -s '$SOCK' alarms | grep power-fault | grep -q 'blink'"
h2 sim fault psu-ok-timeout off >/dev/null
h2 power clear >/dev/null

# ---- a port that is down: the kernel's rate string ----
h2 power on >/dev/null
advance 3s
expect_eq "port polling: kernel's sysfs rate" \
	"$(h2 --json ib link | jq -r '.. | objects | select(has("sysfs_rate")) | select(.state == "DOWN") | .sysfs_rate' | head -n 1)" \
	"10 Gb/sec (4X SDR)"

stop_daemon
expect_eq "daemon exits 0" "$?" 0

# ---- brick build, self topology: power off takes the H2 down with the NIC ----
start_daemon_unready "$ROOT/profiles/sim-brick.conf" --state-dir "$TESTDIR/state-brick" || { finish; exit 1; }
advance 120s
expect_cmp "brick on: cpu read" "$(jget .readings.cpu_temp_c status)" gt 20
expect_cmp "brick on: nic read" "$(jget .readings.nic_temp_c status)" gt 20
h2 power off >/dev/null
advance 60s
expect_eq "brick off: the H2 is down" "$(truth .host_on)" false
expect_eq "brick off: nic unknown" "$(jget .readings.nic_temp_c status)" null
expect_eq "brick off: cpu unknown" "$(jget .readings.cpu_temp_c status)" null
expect_eq "brick off: no active alarm" "$(h2 --json alarms | jq -r '.active | length')" 0
stop_daemon

finish
