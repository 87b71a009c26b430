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
has_alarm() { [ "$(alarm_level "$1")" = "$2" ]; }
# st PREDICATE...: one `h2box --json status` (power, alarms, fan, watts and the IB ports of one
# moment) into ST, its values at STP's paths into STV[path] with one jqfast start (-r: strings
# unquoted, `true` a boolean, numbers as jq prints them), then every PREDICATE holds on them:
# one client start a step where each verb took one, no real jq (~55 ms a start).  The IB ports:
# IB_CONFIG_PORTS_MAX (8) and one past it, where the list must have ended.
STP=(.power.state .alarms[0].id .fan.failsafe .fan.stalled .fan.duty_pct .watts.monitors[0].valid
	.watts.monitors[0].watts .watts.watts .ib.device)
for ((i = 0; i <= 8; i++)); do STP+=(".ib.ports[$i].port" ".ib.ports[$i].state" ".ib.ports[$i].hint"); done
ST=""
declare -A STV
st() {
	local i p
	STV=()
	ST=$(h2 --json status) && jvals -r "$ST" "${STP[@]}" || return 1
	for i in "${!STP[@]}"; do STV[${STP[i]}]=${JVALS[i]}; done
	for p in "$@"; do $p || return 1; done
}
st_on() { [ "${STV[.power.state]}" = on ]; }
no_alarms() { [ "${STV[.alarms[0].id]}" = null ]; } # every alarm has an id: none listed
fan_failsafe_full() { [ "${STV[.fan.failsafe]}" = true ]; }
fan_full() { [ "${STV[.fan.duty_pct]}" = 100 ]; }
fan_stalled_full() { [ "${STV[.fan.stalled]}" = true ] && fan_full; }
fan_normal() {
	[ "${STV[.fan.failsafe]}" = false ] && [ "${STV[.fan.stalled]}" = false ] &&
		num_cmp "${STV[.fan.duty_pct]}" lt 100
}
watts_unknown() {
	[ "${STV[.watts.monitors[0].valid]} ${STV[.watts.monitors[0].watts]} ${STV[.watts.watts]}" = \
		"false null null" ]
}
watts_known() { [ "${STV[.watts.monitors[0].valid]}" = true ] && num_cmp "${STV[.watts.watts]}" gt 0; }
# the IB device is found and every port of it (none: true, as jq's `all`): STATE, and the hint
# says "subnet manager" (INIT) or there is none (ACTIVE; -r prints null as null)
ib_ports() {
	local i hint
	[ "${STV[.ib.device]}" != null ] || return 1
	for ((i = 0; i <= 8; i++)); do
		[ "${STV[.ib.ports[$i].port]}" = null ] && return 0
		[ "${STV[.ib.ports[$i].state]}" = "$1" ] || return 1
		hint=${STV[.ib.ports[$i].hint]}
		case $1 in
		INIT) [[ $hint == *"subnet manager"* ]] || return 1 ;;
		ACTIVE) [ "$hint" = null ] || return 1 ;;
		esac
	done
	return 1 # more ports than a device can have
}
ib_init() { ib_ports INIT; }
ib_active() { ib_ports ACTIVE; }
good() { st st_on no_alarms fan_normal watts_known ib_active; }

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

# latched_off REASON: the power status shows that fault latched, PS_ON released
latched_off() {
	jvals -r "$(h2 --json power status)" .state .fault.reason .psu_on &&
		[ "${JVALS[*]}" = "fault $1 false" ]
}

# power_fault FAULT EXPOSE REASON MAX_MS ALARM SAFE: a sequencer fault, exposed by a power on
# from off (EXPOSE = on) or appearing while on (EXPOSE = none), reaches SAFE (fault REASON
# latched, PS_ON released) within MAX_MS with ALARM critical; cleared with `power clear`, the
# next power on brings the box back to good
power_fault() {
	local f=$1 expose=$2 reason=$3 max=$4 alarm=$5 safe=$6 step=$(($4 > 5000 ? 1000 : 100)) t rec
	baseline "$f"
	if [ "$expose" = on ]; then
		h2 power off >/dev/null
		reach 1000 60000 is_state off
	fi
	h2 sim fault "$f" on >/dev/null
	[ "$expose" = on ] && h2 power on >/dev/null
	reach "$step" $((max * 2)) latched_off "$reason"
	t=$T_MS
	expect_cmp "$f: $reason latched, PS_ON released within $(secs "$max") (ms)" "$t" ge 0
	expect_cmp "$f: ... (upper bound, ms)" "$t" le "$max"
	expect_eq "$f: PSU off (plant)" "$(truth .psu_on)" false
	expect_eq "$f: H2 off (plant)" "$(truth .host_on)" false
	expect_eq "$f: alarm $alarm critical" "$(alarm_level "$alarm")" critical
	check "$f: the alert command ran" alerted "$alarm" critical
	h2 sim fault "$f" off >/dev/null
	expect_eq "$f: power clear" "$(h2 power clear 2>&1)" "fault cleared: $reason"
	h2 power on >/dev/null
	reach 1000 90000 good && rec=yes || rec=no
	expect_eq "$f: recovered: on, alarm cleared" "$rec" yes
	row "$f" "$safe" "$(secs "$t")" "$alarm critical" "$rec (clear, power on)"
}

# PWR_OK never rises after a power on; the PSU trips while on; the H2 ignores its button
power_fault psu-ok-timeout on psu-ok-timeout 1000 power-fault "fault latched, PS_ON released"
power_fault psu-ok-drop none psu-ok-drop 200 psu-ok-drop "fault latched, PS_ON released, H2 off"
power_fault host-no-boot on host-boot-timeout 62000 power-fault "fault latched (host-boot-timeout), PSU cut"

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

# walk FAULT STEP_MS MAX_MS WHAT PREDICATE [ARGS...]: from a good state, FAULT on; the safe
# state (PREDICATE, described by WHAT) within MAX_MS of box time; T is the time it took
walk() {
	local f=$1 step=$2 max=$3 what=$4
	shift 4
	baseline "$f"
	h2 sim fault "$f" on >/dev/null
	reach "$step" $((max * 2)) "$@"
	T=$T_MS
	expect_cmp "$f: $what within $(secs "$max") (ms)" "$T" ge 0
	expect_cmp "$f: ... (upper bound, ms)" "$T" le "$max"
}
# raised FAULT ID LEVEL: alarm ID active at LEVEL, the alert command told
raised() {
	expect_eq "$1: alarm $2 $3" "$(alarm_level "$2")" "$3"
	check "$1: the alert command ran for $2 $3" alerted "$2" "$3"
}
# recover FAULT SAFE ALARM: FAULT off, back to good by itself; one row of the table
recover() {
	local rec
	h2 sim fault "$1" off >/dev/null
	reach 1000 90000 good && rec=yes || rec=no
	expect_eq "$1: recovered by itself: back to good, alarms cleared" "$rec" yes
	row "$1" "$2" "$(secs "$T")" "$3" "$rec ($(secs "$T_MS"))"
}

# ---- fan-stall: 0 RPM whatever the duty: stall alarm, fan driven at 100 % ----
# Judged on the duty the chip holds (the idle 25..30 % is held as 30.2 %): stalled after
# stall_time (5 s); a duty held below stall_duty is probed at the start duty first and found
# after twice that (fanctl.h, 22-fan-stall-idle.sh).
walk fan-stall 500 12000 "stalled, duty 100 %" st fan_stalled_full
expect_cmp "fan-stall: found before the card passes 50 C (plant)" "$(truth .nic_temp_c)" lt 50
raised fan-stall fan-stall critical
recover fan-stall "fan driven at 100 %" "fan-stall critical"

# ---- sensor-nic: the NIC heatsink sensor reads -EIO: failsafe ----
walk sensor-nic 100 5000 "failsafe, duty 100 %" st fan_failsafe_full fan_full
raised sensor-nic fan-sensor-nic critical
expect_eq "sensor-nic: fan at 100 % (plant duty)" "$(truth .fan_duty_pct)" 100
recover sensor-nic "fan failsafe 100 %" "fan-sensor-nic critical"

# ---- i2c-error: fan chip, tach and NIC sensor unreachable: blind ----
nic_blind() { [ "$(alarm_level_in "$ST" .alarms nic-blind)" = critical ]; }
walk i2c-error 100 5000 "failsafe and nic-blind" st fan_failsafe_full nic_blind
raised i2c-error nic-blind critical
expect_eq "i2c-error: alarm fan-chip critical" "$(alarm_level fan-chip)" critical
expect_eq "i2c-error: the budget governor is told to throttle" "$(jget .thermal_throttle budget)" true
recover i2c-error "fan failsafe, nic-blind, throttle" "nic-blind critical"

# ---- the power monitor (INA226) answering garbage or failing one register ----
for f in ina-garbage i2c-ina-bus i2c-ina-current i2c-ina-power; do
	walk "$f" 100 2000 "watts unknown (null, invalid)" st watts_unknown
	reach 1000 120000 has_alarm sensor-main warn
	ta=$T_MS
	expect_cmp "$f: alarm sensor-main warn within 60 s (ms)" "$ta" ge 0
	expect_cmp "$f: ... (upper bound, ms)" "$ta" le 60000
	raised "$f" sensor-main warn
	check "$f: watts still unknown, never a made-up number" st watts_unknown
	recover "$f" "watts null (monitor invalid)" "sensor-main warn (+$(secs "$ta"))"
done

# ---- ib-no-sm: ports train but stay INIT: the hint says why, a warning once it lasts 30 s ----
walk ib-no-sm 500 5000 "both ports INIT with the subnet-manager hint" st ib_init
reach 1000 60000 has_alarm ib-no-sm warn
ta=$T_MS
expect_cmp "ib-no-sm: alarm ib-no-sm warn within 32 s (ms)" "$ta" ge 0
expect_cmp "ib-no-sm: ... (upper bound, ms)" "$ta" le 32000
raised ib-no-sm ib-no-sm warn
recover ib-no-sm "ports INIT, hint: run a subnet manager" "ib-no-sm warn (+$(secs "$ta"))"

row sensor-hang "daemon blocked: watchdog restart" "-" "-" "covered by 02-watchdog"

check "the daemon still answers" h2 ping
stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0

echo "# fault matrix (box time):"
echo "# $(printf '%-18s | %-44s | %-13s | %-26s | %s' fault "safe state" "to safe" alarm recovered)"
for r in "${ROWS[@]}"; do echo "# $r"; done
finish
