#!/usr/bin/env bash
# 32-thermal.sh - NIC overheating on the simulated SFX box (hot room, stalled fan, NFS copy):
# the temp-nic alarm walks warn -> critical -> emergency, critical runs the fan at 100 % and asks
# for the throttle ladder, and emergency powers the box off in order through the sequencer.
# The fan curves here hold the fan off (0 %) with no temperature override, so the only thing that
# can run the fan at 100 % is the critical level; critical is reached by heat alone (a hot room
# and the copy), and only then does the fan stall, to go on to the emergency.
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles

truth() { jget "$1" sim status; }
nic_level() { alarm_level temp-nic; }

sed -e 's/^points = 35:20 45:30 55:55 65:100$/points = 35:0 65:0/' \
	-e 's/^points = 50:0 70:40 85:100$/points = 50:0 85:0/' -e '/^override_temp = /d' -e 's/^min_duty = 20%$/min_duty = 0%/' \
	"$ROOT/tests/scenario/profiles/sim-sfx-thermal.conf" >"$TESTDIR/thermal.conf"
check "test profile: the NIC and CPU curves hold the fan off, no override" \
	bash -c "[ \$(grep -cxE 'points = (35:0 65:0|50:0 85:0)|min_duty = 0%' '$TESTDIR/thermal.conf') = 3 ] && ! grep -q override_temp '$TESTDIR/thermal.conf'"
start_daemon "$TESTDIR/thermal.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s
expect_eq "box on" "$(jget .state power status)" on
expect_eq "no NIC alarm at 25 C" "$(nic_level)" none

check "a 60 C room" h2 sim ambient 60
check "an NFS copy" h2 sim workload nfs-copy

# Walk in 5 s steps and note every level change with the NIC temperature at that moment.
seen="none"
warn_fan="" warn_floor="" crit_fan="" crit_throttle="" crit_stalled="" off_at=""
crit_floor="" crit_floor_reason="" crit_decided="" crit_text=""
for _ in $(seq 240); do
	advance 5s
	lvl=$(nic_level)
	# levels of the powered NIC: once the box is off the alarm clears (33-power-off-readings.sh)
	if [ "$lvl" != "${seen##* }" ] && [ "$(truth .psu_on)" = true ]; then
		seen="$seen $lvl"
		if [ "$lvl" = warn ]; then
			warn_fan=$(jget .duty_pct fan status)
			warn_floor=$(jget .floor_pct fan status)
		fi
		if [ "$lvl" = critical ]; then
			crit_fan=$(jget .duty_pct fan status)
			crit_floor=$(jget .floor_pct fan status)
			crit_floor_reason=$(jget .floor_reason fan status)
			crit_decided=$(jget .decided_by fan status)
			crit_text=$(h2 fan status)
			crit_stalled=$(jget .stalled fan status)
			crit_throttle=$(jget .thermal_throttle budget)
			# the fan gives up: on to the emergency
			check "the fan stalls after critical" h2 sim fault fan-stall on
		fi
	fi
	if [ "$(truth .psu_on)" = false ]; then
		off_at=$(truth .nic_temp_c)
		break
	fi
done
expect_eq "temp-nic walks warn -> critical -> emergency" "$seen" "none warn critical emergency"
expect_eq "warn: the fan runs its curve (off)" "$warn_fan" 0
expect_eq "critical: the fan had not stalled" "$crit_stalled" false
expect_eq "critical: fan at 100 %" "$crit_fan" 100
# status says why the fan runs where it runs: the floor the thermal level pushed, and its reason
expect_eq "warn: no fan floor" "$warn_floor" 0
expect_eq "critical: fan status shows the floor at 100 %" "$crit_floor" 100
check "critical: the floor's reason names the temp-nic alarm and its level" \
	bash -c "grep -q 'temp-nic critical' <<<'$crit_floor_reason'"
expect_eq "critical: the floor decided the duty" "$crit_decided" floor
check "critical: text status shows the floor and its reason" \
	bash -c "grep -q '^floor: 100% (.*temp-nic critical' <<<'$crit_text'"
check "critical: text status says the floor decided the duty" \
	bash -c "grep -q '^duty: 100%.*set by floor' <<<'$crit_text'"
expect_eq "critical: the budget governor is told to throttle" "$crit_throttle" true
check "the box powered off" test -n "$off_at"
expect_eq "power state off" "$(jget .state power status)" off
expect_eq "plant: PSU off" "$(truth .psu_on)" false
expect_eq "box off: the NIC unpowered, its thermal floor let go" "$(jget .floor_pct fan status)" 0
expect_eq "box off: nothing decides an idle fan" "$(jget .decided_by fan status)" null
check "daemon log: the floor set with its reason" grep -q "fan: floor 100% (thermal alarm temp-nic critical)" "$DAEMON_LOG"
expect_eq "plant: host off" "$(truth .host_on)" false
# orderly: the host was asked to shut down before the PSU went off (no force-off)
expect_eq "power-off went through host_stopping and psu_stopping" \
	"$(h2 --json power status | jq -r '[.history[] | .to] | map(select(. == "host_stopping" or . == "psu_stopping")) | join(",")')" \
	"host_stopping,psu_stopping"
expect_eq "no force-off" "$(h2 --json power status | jq -r '[.history[] | select(.reason | test("force"))] | length')" 0
levels=$(h2 --json alarms | jq -r '[.history[] | select(.id == "temp-nic" and .level != "clear") | .level] | join(" ")')
expect_eq "alarm history in order" "$levels" "warn critical emergency"
v_warn=$(h2 --json alarms | jq -r '[.history[] | select(.id == "temp-nic" and .level == "warn")][0].value')
v_crit=$(h2 --json alarms | jq -r '[.history[] | select(.id == "temp-nic" and .level == "critical")][0].value')
v_emer=$(h2 --json alarms | jq -r '[.history[] | select(.id == "temp-nic" and .level == "emergency")][0].value')
expect_cmp "warn at >= 70 C" "$v_warn" ge 70
expect_cmp "critical at >= 80 C" "$v_crit" ge 80
expect_cmp "emergency at >= 88 C (the profile's level)" "$v_emer" ge 88
check "daemon log: thermal power-off" grep -q "thermal emergency: requesting an orderly power-off" "$DAEMON_LOG"
advance 10m
expect_eq "stays off (no restart into the heat)" "$(truth .psu_on)" false

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
