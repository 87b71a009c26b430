#!/usr/bin/env bash
# 19-power-reasons.sh - an automatic power change carries its own reason, never the user's: a
# thermal emergency power-off shows as thermal-emergency (not command-off) in `power status`
# history, text and JSON, and in the journal field H2BOX_REASON; the user's own `power off` still
# shows as command-off.
. "$(dirname "$0")/lib.sh"

truth() { jget ".$1" sim status; }

start_daemon "$ROOT/tests/scenario/profiles/sim-sfx-thermal.conf" --state-dir "$TESTDIR/state" ||
	{ finish; exit 1; }

# the user's own off first
h2 power on >/dev/null
advance 60s
h2 power off >/dev/null
advance 30s
check "the user's off: on -> host_stopping (command-off)" has_transition on host_stopping command-off

# then the heat switches the box off
h2 power on >/dev/null
advance 60s
expect_eq "box on" "$(jget .state power status)" on
h2 sim ambient 60 >/dev/null
h2 sim fault fan-stall on >/dev/null
h2 sim workload nfs-copy >/dev/null
for _ in $(seq 80); do
	advance 15s
	[ "$(truth psu_on)" = false ] && break
done
expect_eq "the heat switched the box off (plant)" "$(truth psu_on)" false
check "history: on -> host_stopping (thermal-emergency)" \
	has_transition on host_stopping thermal-emergency
expect_eq "history: the emergency is not a command-off" \
	"$(h2 --json power status | jq '[.history[] | select(.reason == "command-off")] | length')" 1
check "text history: [thermal-emergency]" grep -q "on -> host_stopping  \[thermal-emergency\]" \
	<<<"$(h2 power status)"
check "journal field: H2BOX_REASON=thermal-emergency on the transition" grep -q \
	"H2BOX_FROM=on H2BOX_TO=host_stopping H2BOX_REASON=thermal-emergency" "$DAEMON_LOG"
check "journal field on the emergency-off event" grep -q \
	"H2BOX_EVENT=power-emergency-off H2BOX_REASON=thermal-emergency" "$DAEMON_LOG"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
