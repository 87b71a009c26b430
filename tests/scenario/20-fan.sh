#!/usr/bin/env bash
# 20-fan.sh - the NIC fan on the simulated SFX box: the quiet overnight profile and its cap, an NFS
# copy on a warm day, failsafe on a broken sensor, stall alarm, manual set/profile with expiry,
# the critical override that no manual setting can undercut, and the duty the chip really holds
# (the sim emc2305 keeps one of 10 pwm steps, like Linux 6.1's driver).  Bad fan profiles live in
# tests/scenario/profiles/bad-fan-*.conf (checked by 01-daemon.sh).
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles
export TZ=UTC # the schedule runs in local time; the sim clock is set and read in UTC

truth() { jget "$1" sim status; }
# The clock is paused between steps, so one reply answers for one moment: fnow takes one `fan
# status` into F, which fan reads (adv and tv, lib.sh: the plant's truth).  Every step that
# changes the box is followed by a new fnow (and adv) before F (or T) is read again.
fnow() { F=$(h2 --json fan status); }
fan() { jq -r "$1" <<<"$F"; }
alarm_active() { # (jrows: jqfast, not a jq program)
	local doc row n=0
	doc=$(h2 --json alarms) && jrows "$doc" .active id || return 1
	for row in "${JROWS[@]}"; do [ "$row" != "$1" ] || n=$((n + 1)); done
	echo "$n"
}

start_daemon "$PROFILES/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 sim time 23:30 >/dev/null
h2 power on >/dev/null
advance 120s
expect_eq "box is on" "$(truth .host_on)" true

# --- 23:30: the quiet profile at idle ---
adv 10m
fnow
expect_eq "23:30 runs the quiet profile" "$(fan .profile)" quiet
expect_eq "quiet comes from the schedule" "$(fan .profile_source)" schedule
expect_eq "quiet caps duty at 40 %" "$(fan .cap_pct)" 40
expect_eq "fan under automatic control" "$(fan .mode)" auto
expect_eq "the curve decides the duty" "$(fan .decided_by)" curve
idle_duty=$(fan .duty_pct)
expect_cmp "idle duty under the quiet cap" "$idle_duty" le 40
expect_cmp "idle duty keeps the fan turning" "$idle_duty" gt 0
expect_cmp "the plant's fan duty under the cap" "$(tv fan_duty_pct)" le 40
# the chip rounds the commanded duty to its steps: the plant's fan runs at the read-back duty
expect_near "the plant's fan runs at the duty read back from the chip" "$(tv fan_duty_pct)" "$(fan .duty_actual_pct)" 0.005
expect_cmp "the fan spins (tach)" "$(fan .rpm)" gt 300
check "no calibration yet: the expected rpm is unknown, and says how to get it" \
	bash -c "'$H2BOX' -s '$SOCK' fan status | grep -q '^tach: [0-9]* rpm (expected unknown until .h2box fan calibrate.)'"

# --- an NFS copy at 35 C ambient, 30 minutes of box time ---
h2 sim ambient 35 >/dev/null
h2 sim workload nfs-copy >/dev/null
max_nic=0
for _ in $(seq 30); do
	adv 60s
	t=$(tv nic_temp_c)
	max_nic=$(awk -v a="$max_nic" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
done
fnow
copy_duty=$(fan .duty_pct)
expect_cmp "NFS copy at 35 C raises duty above idle ($idle_duty %)" "$copy_duty" gt "$idle_duty"
expect_cmp "quiet cap still holds while the NIC is below the override" "$copy_duty" le 40
expect_cmp "NIC stays below its 70 C warning over 30 min" "$max_nic" lt 70
expect_cmp "NIC did warm up under the copy" "$max_nic" gt 45
expect_eq "no NIC temperature alarm" "$(h2 --json alarms | jq '[.history[] | select(.id | test("temp"))] | length')" 0

# --- noon: the balanced profile runs the same heat above the quiet cap ---
h2 sim time 12:00 >/dev/null
advance 30s
fnow
expect_eq "12:00 runs the balanced profile" "$(fan .profile)" balanced
expect_cmp "balanced duty exceeds the quiet cap for the same copy" "$(fan .duty_pct)" gt 40

# --- a broken NIC sensor: failsafe within one period ---
h2 sim fault sensor-nic on >/dev/null
adv 1s
fnow
expect_eq "sensor fault -> failsafe" "$(fan .failsafe)" true
expect_eq "the failsafe decides the duty" "$(fan .decided_by)" failsafe
expect_eq "sensor fault -> 100 % duty within one period" "$(fan .duty_pct)" 100
expect_eq "the plant's fan is at 100 %" "$(tv fan_duty_pct | cut -d. -f1)" 100
expect_eq "sensor fault raises an alarm" "$(alarm_active fan-sensor-nic)" 1
h2 sim fault sensor-nic off >/dev/null
advance 10s
fnow
expect_eq "sensor back -> failsafe left" "$(fan .failsafe)" false
expect_eq "sensor back -> alarm cleared" "$(alarm_active fan-sensor-nic)" 0
expect_cmp "sensor back -> duty follows the curve again" "$(fan .duty_pct)" lt 100

# --- a stalled fan ---
h2 sim fault fan-stall on >/dev/null
advance 10s
fnow
expect_eq "stalled fan -> fan-stall alarm" "$(alarm_active fan-stall)" 1
expect_eq "fan-stall alarm is critical" "$(h2 --json alarms | jq -r '.active[] | select(.id == "fan-stall") | .level')" critical
expect_eq "stalled fan -> full duty to restart it" "$(fan .duty_pct)" 100
expect_eq "status reports the stall" "$(fan .stalled)" true
expect_eq "the stall decides the duty" "$(fan .decided_by)" stall
check "status text lists the stall alarm" bash -c "'$H2BOX' -s '$SOCK' alarms | grep -q fan-stall"
h2 sim fault fan-stall off >/dev/null
advance 30s
fnow
expect_eq "fan turns again -> stall alarm cleared" "$(alarm_active fan-stall)" 0
expect_eq "fan turns again -> not stalled" "$(fan .stalled)" false

# --- manual set for a while, then back to auto ---
check "fan set 40 --for 10m" h2 fan set 40 --for 10m
advance 30s
fnow
expect_eq "manual mode" "$(fan .mode)" manual
expect_eq "manual duty 40 %" "$(fan .duty_pct)" 40
expect_eq "40 % (pwm 102) is one of the chip's steps: it holds 40 %" "$(fan .duty_actual_pct)" 40
check "no 'chip holds' in fan status when the chip holds the duty" lacks 'chip holds' h2 fan status
expect_near "manual time remaining" "$(fan .manual_remaining_s)" 570 0.01
advance 9m
fnow
expect_eq "still manual before expiry" "$(fan .mode)" manual
advance 40s
fnow
expect_eq "manual expired -> auto" "$(fan .mode)" auto
expect_eq "manual setting gone" "$(fan .manual_pct)" null

# --- a duty the chip rounds: 47 % is pwm 120, which the chip stores as 128 (50.2 %) ---
check "fan set 47" h2 fan set 47
adv 2s
fnow
expect_eq "duty_pct stays the commanded 47 %" "$(fan .duty_pct)" 47
expect_eq "duty_actual_pct: the chip holds 50.2 %" "$(fan .duty_actual_pct)" 50.2
expect_near "the plant's fan runs at what the chip holds" "$(tv fan_duty_pct)" 50.2 0.002
expect_eq "a rounded duty is no failsafe" "$(fan .failsafe)" false
expect_eq "a rounded duty raises no fan-chip alarm" "$(alarm_active fan-chip)" 0
check "fan status shows both duties" \
	bash -c "'$H2BOX' -s '$SOCK' fan status | grep -qx 'duty: 47% (chip holds 50%; set by manual)'"
expect_eq "the manual duty decided it" "$(fan .decided_by)" manual
expect_eq "no floor" "$(fan .floor_pct)" 0
expect_eq "no floor reason" "$(fan .floor_reason)" null
check "h2box status shows both duties" \
	bash -c "'$H2BOX' -s '$SOCK' status | grep -q '^fan: 47% (chip holds 50%) '"
jvals "$(h2 --json status)" .fan.duty_actual_pct .readings.fan_duty_pct .readings.fan_duty_actual_pct
expect_eq "h2box --json status carries duty_actual_pct" "${JVALS[0]}" 50.2
expect_eq "status readings: the commanded duty" "${JVALS[1]}" 47
expect_eq "status readings: the duty the chip holds" "${JVALS[2]}" 50.2
check "fan auto after 47 %" h2 fan auto
advance 2s

h2 fan set 140 >/dev/null 2>&1
expect_eq "fan set 140 is a usage error" "$?" 2
h2 fan set 40 --for soon >/dev/null 2>&1
expect_eq "fan set --for with a bad duration is a usage error" "$?" 2
h2 fan profile loud >/dev/null 2>&1
expect_eq "an unknown fan profile is a usage error" "$?" 2

# --- a forced profile until a time of day ---
now=$(h2 --json sim time | jq -r .epoch)
until_hhmm=$(date -u -d "@$((now + 3600))" +%H:%M)
check "fan profile full --until $until_hhmm" h2 fan profile full --until "$until_hhmm"
advance 30s
fnow
expect_eq "forced profile full" "$(fan .profile)" full
expect_eq "forced profile source" "$(fan .profile_source)" forced
expect_eq "forced profile until" "$(fan .profile_until)" "$until_hhmm"
expect_eq "full profile -> 100 %" "$(fan .duty_pct)" 100
advance 61m
fnow
expect_eq "after $until_hhmm the schedule is back" "$(fan .profile_source)" schedule
expect_eq "back to balanced" "$(fan .profile)" balanced

# --- manual never below the critical override ---
h2 sim ambient 55 >/dev/null
advance 30m
expect_cmp "a hot NIC (55 C ambient + NFS copy)" "$(truth .nic_temp_c)" ge 64
check "fan set 10" h2 fan set 10
adv 30s
fnow
expect_eq "manual mode accepted" "$(fan .mode)" manual
expect_eq "override active" "$(fan .override)" true
expect_cmp "duty stays raised above the manual 10 %" "$(fan .duty_pct)" ge 90
expect_cmp "the plant's fan stays raised" "$(tv fan_duty_pct)" ge 90
check "fan auto" h2 fan auto
advance 2s
fnow
expect_eq "fan auto -> auto" "$(fan .mode)" auto

# the chip rounded many duties over the run: one log line with structured fields, not one a period
expect_eq "the rounding chip is logged once" "$(grep -c 'H2BOX_STATE=quantises' "$DAEMON_LOG")" 1
check "... with the commanded and the held duty as fields" \
	grep -qE '\[H2BOX_EVENT=fan-chip H2BOX_STATE=quantises H2BOX_DUTY_PCT=[0-9.]+ H2BOX_DUTY_ACTUAL_PCT=[0-9.]+\]' "$DAEMON_LOG"

# --- calibration through h2box on the simulated fan (starts at 20 %, 5000 rpm at full) ---
h2 sim ambient 25 >/dev/null
h2 sim workload idle >/dev/null
advance 10m
check "fan calibrate starts" h2 fan calibrate
expect_eq "calibration running" "$(jget .calibration.running fan status)" true
h2 fan calibrate >/dev/null 2>&1
expect_eq "a second calibrate while one runs is refused (busy)" "$?" 3
advance 10m
fnow
expect_eq "calibration done" "$(fan .calibration.phase)" done
expect_near "calibrated full speed as the plant's fan" "$(fan .calibration.max_rpm)" 5000 0.02
expect_cmp "calibrated start duty at or above the fan's 20 %" "$(fan .calibration.start_duty)" ge 20
expect_cmp "calibrated start duty below 30 %" "$(fan .calibration.start_duty)" lt 30
check "results saved to the state dir" test -s "$TESTDIR/state/fan.cal"
expect_eq "back under automatic control" "$(fan .mode)" auto
check "with a calibration the expected rpm is a number" \
	bash -c "'$H2BOX' -s '$SOCK' fan status | grep -qE '^tach: [0-9]+ rpm \(expected [0-9]+ rpm\)'"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
