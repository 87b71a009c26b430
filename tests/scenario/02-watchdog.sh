#!/usr/bin/env bash
# 02-watchdog.sh - the systemd watchdog: with WATCHDOG_USEC set, h2boxd sends WATCHDOG=1 after
# each completed control cycle (the fan loop) and only then: one per cycle, none while the box
# runs no cycle though the daemon is alive, none while a sensor read hangs (the sim's
# sensor-hang fault: a read stuck like a sysfs read in a wedged driver), and again once it
# returns.
#
# The watchdog is wall-clock by nature, so the hung read is held for real time: 1.2 s, longer
# than WATCHDOG_USEC (1 s), after which systemd would have killed the daemon; so is the 1.2 s
# look at an idle but healthy daemon (its 0.5 s status timer fires at least once in it, even on a
# loaded machine).  Everything else waits for
# explicit events: the notify socket's lines up to a marker the test sends, the hung read's own
# announcement, the advance's reply.
. "$(dirname "$0")/lib.sh"

NOTIFY_LOG_PID=""
trap '[ -n "$NOTIFY_LOG_PID" ] && kill "$NOTIFY_LOG_PID" 2>/dev/null; cleanup' EXIT

STATE=$TESTDIR/state
WATCHDOG_USEC=1000000 start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$STATE" ||
	{ finish; exit 1; }

# notify-wait let go of the notify socket at READY=1; listen on it from here on
NOTIFY=$TESTDIR/notify.fifo
mkfifo "$NOTIFY"
exec 6<>"$NOTIFY"
"$BUILD/tools/notify-log" "$TESTDIR/notify.sock" >&6 &
NOTIFY_LOG_PID=$!
line=""
read -r -t 10 -u 6 line
expect_eq "listening on the daemon's NOTIFY_SOCKET" "$line" LISTENING

# count_pings: WATCHDOG=1 lines since the last count, read up to a marker the test sends (the
# socket keeps datagrams in order: all the daemon sent before the marker is in)
MARK=0
count_pings() {
	local l n=0
	MARK=$((MARK + 1))
	"$BUILD/tools/notify-log" --send "$TESTDIR/notify.sock" "X_TEST_MARK=$MARK"
	while IFS= read -r -t 10 -u 6 l; do
		[ "$l" = "X_TEST_MARK=$MARK" ] && { PINGS=$n; return 0; }
		[ "$l" = "WATCHDOG=1" ] && n=$((n + 1))
	done
	PINGS="no marker"
}

# listen_for SECONDS: read the notify socket for that much real time; PINGS and STATUSES count
# the WATCHDOG=1 and STATUS= lines that came
listen_for() {
	local l="" end left
	PINGS=0 STATUSES=0
	end=$(awk -v t="$EPOCHREALTIME" -v d="$1" 'BEGIN { printf "%.6f", t + d }')
	while :; do
		left=$(awk -v e="$end" -v t="$EPOCHREALTIME" 'BEGIN { d = e - t; printf "%.3f", (d > 0 ? d : 0) }')
		[ "$left" = 0.000 ] && break
		l=""
		IFS= read -r -t "$left" -u 6 l || continue
		case $l in
		WATCHDOG=1) PINGS=$((PINGS + 1)) ;;
		STATUS=*) STATUSES=$((STATUSES + 1)) ;;
		esac
	done
}

# the fan loop reads its sensors only while the box is on
h2 power on >/dev/null
advance 60s
expect_eq "box on" "$(pst state)" on
count_pings
expect_cmp "pings while the box came up" "$PINGS" ge 60

# --- healthy: one ping per completed control cycle (period 1 s) ---
advance 10s
count_pings
expect_eq "10 s of box time, 10 fan cycles: 10 pings" "$PINGS" 10

# --- alive, but the paused box runs no cycle: no ping, though the loop runs its timers ---
listen_for 1.2
expect_eq "paused box, 1.2 s (> WATCHDOG_USEC): no ping without a cycle" "$PINGS" 0
expect_cmp "the daemon's real-time status timer ran meanwhile (STATUS=)" "$STATUSES" ge 1

# --- a hung sensor read: no ping for longer than WATCHDOG_USEC ---
h2 sim fault sensor-hang on >/dev/null
expect_eq "sensor-hang is armed" \
	"$(h2 --json sim fault --list | jq -r '.faults[] | select(.name == "sensor-hang") | .active')" true
exec 7<>"$STATE/sim-sensor-hang.out" 8<>"$STATE/sim-sensor-hang.in"
h2 sim advance 10s >/dev/null &
ADVANCE_PID=$!
line=""
read -r -t 10 -u 7 line
expect_eq "the first sensor read of the advance hangs" "$line" hung
count_pings
expect_eq "hung read: the advance's cycle did not ping" "$PINGS" 0
listen_for 1.2
expect_eq "hung read, 1.2 s (> WATCHDOG_USEC): no ping" "$PINGS" 0
expect_eq "hung read: the whole loop is stuck (no STATUS= either)" "$STATUSES" 0
if kill -0 "$ADVANCE_PID" 2>/dev/null; then
	ok "hung read: the advance has not returned"
else
	not_ok "hung read: the advance has not returned"
fi

# --- released: the cycle completes, pings again ---
echo go >&8
wait "$ADVANCE_PID"
expect_eq "released: the advance returns" "$?" 0
count_pings
expect_eq "released: the hung cycle and the 9 after it ping (10)" "$PINGS" 10
expect_eq "sensor-hang cleared itself (one hang)" \
	"$(h2 --json sim fault --list | jq -r '.faults[] | select(.name == "sensor-hang") | .active')" false
advance 5s
count_pings
expect_eq "then one ping per cycle again" "$PINGS" 5
exec 7<&- 8<&-

# --- no hang without someone holding the release FIFO: a stray fault never wedges a daemon ---
h2 sim fault sensor-hang on >/dev/null
advance 3s
count_pings
expect_eq "sensor-hang with no one holding its FIFOs: cycles go on" "$PINGS" 3

stop_daemon
expect_eq "daemon exits 0" "$?" 0
kill "$NOTIFY_LOG_PID" 2>/dev/null
wait "$NOTIFY_LOG_PID" 2>/dev/null
NOTIFY_LOG_PID=""
exec 6<&-
finish
