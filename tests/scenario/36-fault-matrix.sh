#!/usr/bin/env bash
# 36-fault-matrix.sh - every `sim fault` on and off from a known good state (box on, idle, no
# alarm): the safe state it must reach, the box time it takes (bounded), the alarm it raises and
# the recovery once the fault is gone, printed as a table at the end.  sensor-hang blocks the
# daemon by design: 02-watchdog.sh covers it.
. "$(dirname "$0")/lib.sh"

truth() { jget "$1" sim status; }
ROWS=()
# row FAULT SAFE TIME ALARM RECOVERED: one line of the table
row() { ROWS+=("$(printf '%-18s | %-44s | %-13s | %-26s | %s' "$@")"); }

# reach STEP_MS MAX_MS COMMAND [ARGS...]: advance box time STEP_MS at a time until COMMAND
# holds, at most MAX_MS; T_MS is the box time it took (-1 when it never held)
reach() {
	local step=$1 max=$2 t=0
	shift 2
	until "$@" >/dev/null 2>&1; do
		if [ "$t" -ge "$max" ]; then T_MS=-1; return 1; fi
		advance "${step}ms"
		t=$((t + step))
	done
	T_MS=$t
}
secs() { awk -v m="$1" 'BEGIN { if (m < 0) print "never"; else printf "%.1f s", m / 1000 }'; }

is_state() { [ "$(pst state)" = "$1" ]; }
no_alarms() { [ "$(h2 --json alarms | jq '.active | length')" = 0 ]; }
has_alarm() { [ "$(alarm_level "$1")" = "$2" ]; }
fan_failsafe_full() { h2 --json fan status | jq -e '.failsafe == true' >/dev/null; }
fan_full() { h2 --json fan status | jq -e '.duty_pct == 100' >/dev/null; }
fan_stalled_full() { h2 --json fan status | jq -e '.stalled == true and .duty_pct == 100' >/dev/null; }
fan_normal() { h2 --json fan status | jq -e '.failsafe == false and .stalled == false and .duty_pct != null and .duty_pct < 100' >/dev/null; }
watts_unknown() { h2 --json watts | jq -e '.monitors[0].valid == false and .monitors[0].watts == null and .watts == null' >/dev/null; }
watts_known() { h2 --json watts | jq -e '.monitors[0].valid == true and .watts > 0' >/dev/null; }
ib_init() { h2 --json ib link | jq -e '[.devices[0].ports[] | .state == "INIT" and (.hint // "" | test("subnet manager"))] | all' >/dev/null; }
ib_active() { h2 --json ib link | jq -e '[.devices[0].ports[] | .state == "ACTIVE" and .hint == null] | all' >/dev/null; }
good() { is_state on && no_alarms && fan_normal && watts_known && ib_active; }

# baseline TAG: the known good state every fault starts from (powers on if needed)
baseline() {
	if ! is_state on; then
		h2 power on >/dev/null
		reach 1000 90000 is_state on
	fi
	reach 1000 60000 good
	check "$1: starts from a good state (on, idle, no alarm, fan on its curve)" good
	: >"$ALERTS"
}

# alerted ID LEVEL: the alert command ran for that alarm change
alerted() { grep -qx "$1 $2" "$ALERTS"; }

alert_profile "$ROOT/profiles/sim-sfx.conf" "$TESTDIR/matrix.conf"
start_daemon "$TESTDIR/matrix.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 sim workload idle >/dev/null

# ---- psu-ok-timeout: exposed by a power on; fault latched, PS_ON released ----
f=psu-ok-timeout
baseline $f
h2 power off >/dev/null
reach 1000 60000 is_state off
h2 sim fault $f on >/dev/null
h2 power on >/dev/null
reach 100 5000 bash -c '[ "$('"$H2BOX"' -s '"$SOCK"' --json power status | jq -r ".state + .fault.reason")" = faultpsu-ok-timeout ]'
t=$T_MS
expect_cmp "$f: fault latched after a power on, within 1 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 1000
expect_eq "$f: PSU off (plant)" "$(truth .psu_on)" false
expect_eq "$f: alarm power-fault critical" "$(alarm_level power-fault)" critical
check "$f: the alert command ran" alerted power-fault critical
h2 sim fault $f off >/dev/null
expect_eq "$f: power clear" "$(h2 power clear 2>&1)" "fault cleared: $f"
h2 power on >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: on, alarm cleared" "$rec" yes
row $f "fault latched, PS_ON released" "$(secs "$t")" "power-fault critical" "$rec (clear, power on)"

# ---- psu-ok-drop: the PSU trips while on ----
f=psu-ok-drop
baseline $f
h2 sim fault $f on >/dev/null
reach 100 5000 bash -c '[ "$('"$H2BOX"' -s '"$SOCK"' --json power status | jq -r ".state + .fault.reason + (.psu_on|tostring)")" = faultpsu-ok-dropfalse ]'
t=$T_MS
expect_cmp "$f: fault latched, PS_ON released within 0.2 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 200
expect_eq "$f: H2 off (plant)" "$(truth .host_on)" false
expect_eq "$f: alarm psu-ok-drop critical" "$(alarm_level psu-ok-drop)" critical
check "$f: the alert command ran" alerted psu-ok-drop critical
h2 sim fault $f off >/dev/null
expect_eq "$f: power clear" "$(h2 power clear 2>&1)" "fault cleared: $f"
h2 power on >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: on, alarm cleared" "$rec" yes
row $f "fault latched, PS_ON released, H2 off" "$(secs "$t")" "psu-ok-drop critical" "$rec (clear, power on)"

# ---- host-no-boot: exposed by a power on; host_boot_timeout, PSU cut ----
f=host-no-boot
baseline $f
h2 power off >/dev/null
reach 1000 60000 is_state off
h2 sim fault $f on >/dev/null
h2 power on >/dev/null
reach 1000 90000 bash -c '[ "$('"$H2BOX"' -s '"$SOCK"' --json power status | jq -r ".state + .fault.reason + (.psu_on|tostring)")" = faulthost-boot-timeoutfalse ]'
t=$T_MS
expect_cmp "$f: fault latched, PSU cut, within 62 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 62000
expect_eq "$f: PSU off (plant)" "$(truth .psu_on)" false
expect_eq "$f: alarm power-fault critical" "$(alarm_level power-fault)" critical
check "$f: the alert command ran" alerted power-fault critical
h2 sim fault $f off >/dev/null
expect_eq "$f: power clear" "$(h2 power clear 2>&1)" "fault cleared: host-boot-timeout"
h2 power on >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: on, alarm cleared" "$rec" yes
row $f "fault latched (host-boot-timeout), PSU cut" "$(secs "$t")" "power-fault critical" "$rec (clear, power on)"

# ---- host-hang-shutdown: exposed by a power off; forced off after host_shutdown_timeout ----
f=host-hang-shutdown
baseline $f
advance 60s # up longer than host_boot_timeout: one press, no early-off repeat
h2 sim fault $f on >/dev/null
h2 power off >/dev/null
reach 1000 60000 has_alarm power-forced-off warn
t=$T_MS
expect_cmp "$f: power-forced-off warn within 32 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 32000
expect_eq "$f: force-off hold" "$(pst state)" force_off
check "$f: the alert command ran" alerted power-forced-off warn
reach 1000 20000 is_state off
t2=$T_MS
expect_cmp "$f: off within 8 s of the escalation (ms)" "$t2" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t2" le 8000
expect_eq "$f: H2 off (plant)" "$(truth .host_on)" false
expect_eq "$f: PSU off (plant)" "$(truth .psu_on)" false
h2 sim fault $f off >/dev/null
h2 power on >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: on, alarm cleared" "$rec" yes
row $f "forced off (hold), then PSU cut" "$(secs "$t")+$(secs "$t2")" "power-forced-off warn" "$rec (power on)"

# ---- fan-stall: 0 RPM whatever the duty: stall alarm, fan driven at 100 % ----
# A stall is judged only while the commanded duty is at least stall_duty (30 %) for stall_time
# (5 s): idle at 25 %, the dead fan is found once the warming card has raised the curve to 30 %
# (about 15 s here), not within stall_time of the fault.
f=fan-stall
baseline $f
h2 sim fault $f on >/dev/null
reach 500 60000 fan_stalled_full
t=$T_MS
expect_cmp "$f: stalled, duty 100 % within 25 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 25000
expect_cmp "$f: found before the card passes 50 C (plant)" "$(truth .nic_temp_c)" lt 50
expect_eq "$f: alarm fan-stall critical" "$(alarm_level fan-stall)" critical
check "$f: the alert command ran" alerted fan-stall critical
h2 sim fault $f off >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: fan on its curve, alarm cleared" "$rec" yes
row $f "fan driven at 100 %" "$(secs "$t")" "fan-stall critical" "$rec ($(secs "$T_MS"))"

# ---- sensor-nic: the NIC heatsink sensor reads -EIO: failsafe ----
f=sensor-nic
baseline $f
h2 sim fault $f on >/dev/null
reach 100 10000 bash -c "$(declare -f h2 fan_failsafe_full fan_full); H2BOX='$H2BOX' SOCK='$SOCK'; fan_failsafe_full && fan_full"
t=$T_MS
expect_cmp "$f: failsafe, duty 100 % within 5 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 5000
expect_eq "$f: alarm fan-sensor-nic critical" "$(alarm_level fan-sensor-nic)" critical
check "$f: the alert command ran" alerted fan-sensor-nic critical
expect_eq "$f: fan at 100 % (plant duty)" "$(truth .fan_duty_pct)" 100
h2 sim fault $f off >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: fan on its curve, alarm cleared" "$rec" yes
row $f "fan failsafe 100 %" "$(secs "$t")" "fan-sensor-nic critical" "$rec ($(secs "$T_MS"))"

# ---- i2c-error: fan chip, tach and NIC sensor unreachable: blind ----
f=i2c-error
baseline $f
h2 sim fault $f on >/dev/null
reach 100 10000 bash -c "$(declare -f h2 fan_failsafe_full alarm_level); H2BOX='$H2BOX' SOCK='$SOCK'; fan_failsafe_full && [ \"\$(alarm_level nic-blind)\" = critical ]"
t=$T_MS
expect_cmp "$f: failsafe and nic-blind within 5 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 5000
expect_eq "$f: alarm fan-chip critical" "$(alarm_level fan-chip)" critical
check "$f: the alert command ran" alerted nic-blind critical
expect_eq "$f: the budget governor is told to throttle" "$(jget .thermal_throttle budget)" true
h2 sim fault $f off >/dev/null
reach 1000 90000 good && rec=yes || rec=no
expect_eq "$f: recovered: fan driven again, alarms cleared" "$rec" yes
row $f "fan failsafe, nic-blind, throttle" "$(secs "$t")" "nic-blind critical" "$rec ($(secs "$T_MS"))"

# ---- the power monitor (INA226) answering garbage or failing one register ----
for f in ina-garbage i2c-ina-bus i2c-ina-current i2c-ina-power; do
	baseline $f
	h2 sim fault $f on >/dev/null
	reach 100 5000 watts_unknown
	t=$T_MS
	expect_cmp "$f: watts unknown (null, invalid) within 2 s (ms)" "$t" ge 0
	expect_cmp "$f: ... (upper bound, ms)" "$t" le 2000
	reach 1000 120000 has_alarm sensor-main warn
	ta=$T_MS
	expect_cmp "$f: alarm sensor-main warn within 60 s (ms)" "$ta" ge 0
	expect_cmp "$f: ... (upper bound, ms)" "$ta" le 60000
	check "$f: the alert command ran" alerted sensor-main warn
	check "$f: watts still unknown, never a made-up number" watts_unknown
	h2 sim fault $f off >/dev/null
	reach 1000 90000 good && rec=yes || rec=no
	expect_eq "$f: recovered: watts known, alarm cleared" "$rec" yes
	row $f "watts null (monitor invalid)" "$(secs "$t")" "sensor-main warn (+$(secs "$ta"))" "$rec ($(secs "$T_MS"))"
done

# ---- ib-no-sm: ports train but stay INIT: the hint says why ----
f=ib-no-sm
baseline $f
h2 sim fault $f on >/dev/null
reach 500 10000 ib_init
t=$T_MS
expect_cmp "$f: both ports INIT with the subnet-manager hint within 5 s (ms)" "$t" ge 0
expect_cmp "$f: ... (upper bound, ms)" "$t" le 5000
al=$(h2 --json alarms | jq -r '[.active[] | .id + " " + .level] | join(", ") | if . == "" then "none" else . end')
h2 sim fault $f off >/dev/null
reach 500 30000 good && rec=yes || rec=no
expect_eq "$f: recovered: ports ACTIVE, no hint" "$rec" yes
row $f "ports INIT, hint: run a subnet manager" "$(secs "$t")" "$al" "$rec ($(secs "$T_MS"))"

row sensor-hang "daemon blocked: watchdog restart" "-" "-" "covered by 02-watchdog"

check "the daemon still answers" h2 ping
stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0

echo "# fault matrix (box time):"
echo "# $(printf '%-18s | %-44s | %-13s | %-26s | %s' fault "safe state" "to safe" alarm recovered)"
for r in "${ROWS[@]}"; do echo "# $r"; done
finish
