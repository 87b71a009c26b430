#!/usr/bin/env bash
# 18-power-early-off.sh - `power off` a few seconds after `power on` (controller, SFX build): the
# H2's LED lights as its firmware starts, its OS hears the power button only once booted (30 s
# in the simulator), so the first soft-off press goes unheard.  It is pressed once more at
# host_shutdown_timeout and the H2 shuts down in order, without a forced off.  An H2 that hangs
# at shutdown is forced off after that second wait, with the warning alarm power-forced-off and
# the alert command; the alarm clears once the box is off.
. "$(dirname "$0")/lib.sh"

truth() { jget ".$1" sim status; }
alert_profile "$ROOT/profiles/sim-sfx.conf" "$TESTDIR/early.conf"

start_daemon "$TESTDIR/early.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }

# ---- an ordinary early power-off: pressed again, shut down in order ----
h2 power on >/dev/null
advance 3s
expect_eq "early: on (the H2's LED lit)" "$(pst state)" on
expect_eq "early: its OS still booting (plant)" "$(truth host_booting)" true
expect_eq "early: power off answers" "$(h2 power off 2>&1)" "powering off"
advance 31s
expect_eq "early: not forced off at host_shutdown_timeout" "$(pst state)" host_stopping
check "early: logged the second press" grep -q "H2BOX_EVENT=power-soft-off-again" "$DAEMON_LOG"
expect_eq "early: the booted OS shuts down (plant)" "$(truth host_stopping)" true
advance 15s
expect_eq "early: off" "$(pst state)" off
expect_eq "early: PSU off (plant)" "$(truth psu_on)" false
check "early: never forced off" bash -c \
	"! '$H2BOX' -s '$SOCK' --json power status | jq -e '.history[] | select(.to == \"force_off\")'"
check "early: host_stopping -> psu_stopping (host-off)" has_transition host_stopping psu_stopping host-off
expect_eq "early: no forced-off alarm" "$(alarm_level power-forced-off)" none
check "early: no alert" bash -c "! grep -q power-forced-off '$ALERTS'"

# ---- an early power-off of an H2 that hangs: forced after the second wait, alarmed ----
h2 power on >/dev/null
advance 3s
h2 sim fault host-hang-shutdown on >/dev/null
expect_eq "hang: power off answers" "$(h2 power off 2>&1)" "powering off"
advance 60s
expect_eq "hang: still waiting after the second press" "$(pst state)" host_stopping
expect_eq "hang: no alarm before the escalation" "$(alarm_level power-forced-off)" none
advance 1s
expect_eq "hang: forced off after the second wait" "$(pst state)" force_off
check "hang: logged host_stopping -> force_off (host-shutdown-timeout)" \
	has_transition host_stopping force_off host-shutdown-timeout
expect_eq "hang: warning alarm power-forced-off" "$(alarm_level power-forced-off)" warn
check "hang: the alert command ran" grep -qx "power-forced-off warn" "$ALERTS"
advance 10s
expect_eq "hang: off" "$(pst state)" off
expect_eq "hang: the H2 off (plant)" "$(truth host_on)" false
expect_eq "hang: box off: the alarm cleared" "$(alarm_level power-forced-off)" none
check "hang: the history says why it cleared" bash -c \
	"'$H2BOX' -s '$SOCK' --json alarms | jq -r '.history[] | select(.id == \"power-forced-off\") | .message' | grep -q 'box off'"
h2 sim fault host-hang-shutdown off >/dev/null
stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
