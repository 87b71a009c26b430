#!/usr/bin/env bash
# 41-ib-no-sm.sh - ports that train but stay INIT (no subnet manager on the fabric): after
# IBNOSM_AFTER_NS (30 s) a warning alarm ib-no-sm with the "run opensm" hint, in the journal,
# the alert command, `alarms` and its JSON history; cleared when the ports go ACTIVE.
. "$(dirname "$0")/lib.sh"

truth() { jget "$1" sim status; }
alarm_msg() { h2 --json alarms | jq -r --arg id "$1" '[.active[] | select(.id == $id) | .message] | first // ""'; }
carried() { h2 --json alarms | jq -r --arg id "$1" '[.active[] | select(.id == $id) | .carried == true] | if length == 0 then "none" else first end'; }
hist() { h2 --json alarms | jq -r --arg id "$1" '[.history[] | select(.id == $id) | .level] | join(",")'; }

alert_profile "$ROOT/profiles/sim-sfx.conf" "$TESTDIR/nosm.conf"
start_daemon "$TESTDIR/nosm.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s
expect_eq "box is on with the link up" "$(truth .link_up)" true
expect_eq "port 1 ACTIVE" "$(jget '.devices[0].ports[0].state' ib link)" ACTIVE
expect_eq "no ib-no-sm alarm with a subnet manager" "$(alarm_level ib-no-sm)" none

# --- the subnet manager goes away: the ports train but stay INIT ---
h2 sim fault ib-no-sm on >/dev/null
advance 2s
expect_eq "port 1 INIT without a subnet manager" "$(jget '.devices[0].ports[0].state' ib link)" INIT
# status carries the same per-port hint as `ib link`, so one status answers "up, and if not why"
jvals -r "$(h2 --json status)" .ib.ports[0].state .ib.ports[0].hint .ib.ports[1].hint
expect_eq "status: port 1 INIT" "${JVALS[0]}" INIT
check "status: port 1 has the subnet-manager hint (${JVALS[1]})" \
	grep -q "subnet manager" <<<"${JVALS[1]}"
expect_eq "status: port 1 hint is the one ib link gives" "${JVALS[1]}" \
	"$(jget '.devices[0].ports[0].hint' ib link)"
expect_eq "status: port 2 hint is the one ib link gives" "${JVALS[2]}" \
	"$(jget '.devices[0].ports[1].hint' ib link)"
advance 25s
expect_eq "INIT for less than 30 s: no alarm yet (a subnet manager may still sweep)" \
	"$(alarm_level ib-no-sm)" none
advance 5s
expect_eq "INIT for 30 s: warning alarm ib-no-sm" "$(alarm_level ib-no-sm)" warn
check "the alarm says what to do (run opensm)" grep -q "run opensm" <<<"$(alarm_msg ib-no-sm)"
check "the alarm names the ports" grep -q "mlx4_0 port 1,2 INIT" <<<"$(alarm_msg ib-no-sm)"
check "the alert command ran for it" grep -qx "ib-no-sm warn" "$ALERTS"
check "the journal has it" grep -q "H2BOX_ALARM=ib-no-sm" "$DAEMON_LOG"
check "h2box alarms lists it" sh -c "'$H2BOX' -s '$SOCK' alarms | grep -q 'ib-no-sm.*warn'"
advance 60s
expect_eq "raised once while it lasts" "$(hist ib-no-sm)" warn
# a reload starts the services afresh (the alarm history goes across): the still waiting ports
# raise it again, the same alarm going on (no second history entry, no second alert)
check "reload (SIGHUP)" reload
# before the new IB service has looked (its INIT hold starts again), the alarm stays listed
expect_eq "at once after the reload: still listed as warn" "$(alarm_level ib-no-sm)" warn
expect_eq "marked carried over the reload" "$(carried ib-no-sm)" true
check "h2box alarms says it is from before the reload" \
	sh -c "'$H2BOX' -s '$SOCK' alarms | grep -q 'ib-no-sm.*from before the reload'"
advance 31s
expect_eq "after a reload: warn again" "$(alarm_level ib-no-sm)" warn
expect_eq "raised again by the new service: no longer marked carried" "$(carried ib-no-sm)" false

# --- a subnet manager configures the ports: ACTIVE, alarm cleared ---
h2 sim fault ib-no-sm off >/dev/null
advance 2s
expect_eq "port 1 ACTIVE again" "$(jget '.devices[0].ports[0].state' ib link)" ACTIVE
st=$(h2 --json status)
jvals "$st" .ib.ports[0].state .ib.ports[0].hint .ib.ports[1].hint
# null, and there as a key: a status without the field would read null too
expect_eq "status: ports ACTIVE, no hint (null)" \
	"${JVALS[*]} $(jq -c '[.ib.ports[] | has("hint")]' <<<"$st")" '"ACTIVE" null null [true,true]'
expect_eq "ACTIVE -> ib-no-sm cleared" "$(alarm_level ib-no-sm)" none
# the history outlives the reload: the raise before it, the clear after it (the raise after the
# reload is the same alarm going on)
expect_eq "history: raised once across the reload, cleared" "$(hist ib-no-sm)" warn,clear
expect_eq "the alert command ran once for the raise, not again after the reload" \
	"$(grep -cx "ib-no-sm warn" "$ALERTS")" 1
check "the alert command ran for the clear" grep -qx "ib-no-sm clear" "$ALERTS"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
