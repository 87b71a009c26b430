#!/usr/bin/env bash
# 71-timers.sh - an idle box wakes only for what its profile enables (issue #16): the armed
# timers (`h2box --json status` .daemon.timers) hold no IB sampling without an [ib] section and
# no STATUS= refresh without a NOTIFY_SOCKET (nor --status-line); periodic timers of divisible
# periods share their wake-ups (the same due time); watts counts its sample slots; without a
# power meter section no meter is opened, and the thermal levels still run on the fan's wake-up.
#
# The daemon started without notify-wait (no NOTIFY_SOCKET) is waited for through its log's
# "ready: control socket" line on a FIFO: explicit readiness, no sleeps.
. "$(dirname "$0")/lib.sh"

# (history: the status page's last hour, every 10 s on the fan's grid, whatever the profile)
# timers: the armed timers' names, one line, sorted
timers() { h2 --json status | jq -r '[.daemon.timers[].name] | sort | join(" ")'; }
# due NAME: the timer's due time in seconds from now
due() { h2 --json status | jq -r --arg n "$1" '.daemon.timers[] | select(.name == $n) | .due_in_s'; }

# the SFX sim box without its [ib] section
awk '/^\[/ { skip = ($0 ~ /^\[ib\]/) } !skip' "$ROOT/profiles/sim-sfx.conf" >"$TESTDIR/noib.conf"

# ---- with [ib] and a NOTIFY_SOCKET (notify-wait's): the IB watch and STATUS= are armed ----
start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state1" || { finish; exit 1; }
expect_eq "[ib] and NOTIFY_SOCKET: fan, IB, watts and STATUS= timers" "$(timers)" \
	"fan history ib-sample status watts-sample"
expect_eq "the status timer runs on the real clock" \
	"$(h2 --json status | jq -r '.daemon.timers[] | select(.name == "status") | .clock')" real
advance 3500ms
expect_eq "fan and IB (1 s periods) share their wake-ups" "$(due fan)" "$(due ib-sample)"
expect_eq "watts (1 Hz) shares the fan's wake-up" "$(due fan)" "$(due watts-sample)"
expect_eq "the shared wake-up is on the period grid (0.5 s after 3.5 s)" "$(due fan)" 0.5
advance 6s
expect_eq "history (10 s) shares the fan's wake-up at 10 s" "$(due history)" "$(due fan)"
stop_daemon

# ---- without [ib]: no IB sampling timer, and no device lookup either ----
start_daemon "$TESTDIR/noib.conf" --state-dir "$TESTDIR/state2" || { finish; exit 1; }
expect_eq "no [ib]: no ib-sample timer" "$(timers)" "fan history status watts-sample"
advance 5s
expect_eq "no [ib]: still no ib-sample timer after 5 s" "$(timers)" "fan history status watts-sample"
expect_eq "no [ib]: no device was looked up" "$(jget .ib.device status)" null
before=$(jget .watts.samples status)
advance 10s
expect_eq "watts: 10 sample slots in 10 s at 1 Hz" "$(($(jget .watts.samples status) - before))" 10
expect_eq "watts: no slot missed in virtual time" "$(jget .watts.missed status)" 0
stop_daemon

# ---- fan only (no [ib], no power meter section): no meter opened or sampled; the watts timer
# still steps the thermal alarm levels, on the fan's wake-up ----
awk '/^\[/ { skip = ($0 ~ /^\[(ib|watts)\]/) } !skip' "$ROOT/profiles/sim-sfx.conf" >"$TESTDIR/fan.conf"
start_daemon "$TESTDIR/fan.conf" --state-dir "$TESTDIR/state3" || { finish; exit 1; }
expect_eq "fan only: the timers" "$(timers)" "fan history status watts-sample"
advance 5500ms
expect_eq "fan only: watts (thermal levels) shares the fan's wake-up" "$(due watts-sample)" "$(due fan)"
expect_eq "fan only: the watts service says it is off" "$(jget .watts.enabled status)" false
expect_eq "fan only: no monitor opened" "$(jget '.watts.monitors[0].device' status)" null
expect_eq "fan only: no power reading" "$(jget .watts.watts status)" null
h2 power on >/dev/null
advance 120s
h2 sim ambient 60 >/dev/null
h2 sim workload nfs-copy >/dev/null
advance 20m
check "fan only: an overheating card still raises temp-nic" \
	bash -c "'$H2BOX' -s '$SOCK' --json alarms | jq -e '[.active[], .history[] | select(.id == \"temp-nic\")] | length > 0'"
stop_daemon

# ---- no NOTIFY_SOCKET: no status timer; --status-line brings it back ----
# start_plain NAME READY-ERE [options...]: h2boxd with no NOTIFY_SOCKET, paused, until a line of
# its stderr and stdout (log and status line; --status-line quiets the log) matches READY-ERE
start_plain() {
	local name=$1 re=$2 line=""
	shift 2
	mkfifo "$TESTDIR/$name.out"
	env -u NOTIFY_SOCKET "$H2BOXD" -c "$TESTDIR/noib.conf" -s "$SOCK" --sim-speed 0 \
		--state-dir "$TESTDIR/$name" "$@" >"$TESTDIR/$name.out" 2>&1 &
	DAEMON_PID=$!
	WAITER=$DAEMON_PID
	exec 7<"$TESTDIR/$name.out"
	while IFS= read -r -t 30 -u 7 line; do
		printf '%s\n' "$line" >>"$DAEMON_LOG"
		[[ $line =~ $re ]] && return 0
	done
	not_ok "h2boxd ($name) starts without a NOTIFY_SOCKET"
	return 1
}
stop_plain() {
	stop_daemon
	cat <&7 >>"$DAEMON_LOG"
	exec 7<&-
}

if start_plain plain 'ready: control socket'; then
	expect_eq "no NOTIFY_SOCKET: no status timer" "$(timers)" "fan history watts-sample"
	stop_plain
fi
# the first status line is the status timer's first run: the daemon is up
if start_plain line ' power=' --status-line; then
	expect_eq "no NOTIFY_SOCKET but --status-line: the status timer" "$(timers)" \
		"fan history status watts-sample"
	stop_plain
fi

finish
