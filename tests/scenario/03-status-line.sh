#!/usr/bin/env bash
# 03-status-line.sh - `h2boxd --status-line` with stdout not a terminal: one line per status
# period, and the line follows the box (power off -> on, the watts of an extra load, back off).
#
# The status line is refreshed by a real-time timer (it is for a person watching), so this
# scenario waits for real time: each wait is for a line that shows the expected change (explicit
# readiness), bounded by 10 s, with a 200 ms status period so a change shows within a fraction
# of a second.
. "$(dirname "$0")/lib.sh"

STATUS=$TESTDIR/status.fifo
STATUS_LOG=$TESTDIR/status.log
mkfifo "$STATUS"
# read and write: opening never blocks, and the daemon never writes into a pipe without a reader
exec 5<>"$STATUS"

# start_daemon runs $H2BOXD: a wrapper that sends the real daemon's stdout into the FIFO
REAL_H2BOXD=$H2BOXD
H2BOXD=$TESTDIR/h2boxd-stdout
printf '#!/bin/sh\nexec "%s" "$@" >"%s"\n' "$REAL_H2BOXD" "$STATUS" >"$H2BOXD"
chmod +x "$H2BOXD"

sed 's/^\[daemon\]$/[daemon]\nstatus_period = 200ms/' "$ROOT/profiles/sim-sfx.conf" \
	>"$TESTDIR/sim-sfx-status.conf"

# wait_status DESCRIPTION ERE: the next status line (power=...) that matches, within 10 s
LINE=""
wait_status() {
	local what=$1 re=$2 end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		if ! IFS= read -r -t 10 -u 5 LINE; then
			break
		fi
		printf '%s\n' "$LINE" >>"$STATUS_LOG"
		case $LINE in
		*power=*) ;;
		*) continue ;;
		esac
		if [[ $LINE =~ $re ]]; then
			ok "$what"
			return 0
		fi
	done
	not_ok "$what"
	echo "#   no status line matching '$re' within 10 s; last lines:"
	tail -n 3 "$STATUS_LOG" 2>/dev/null | sed 's/^/#   /'
	return 1
}

start_daemon "$TESTDIR/sim-sfx-status.conf" --status-line --state-dir "$TESTDIR/state" ||
	{ finish; exit 1; }
# the paused box has not been sampled yet: no reading is shown as one
wait_status "a status line at start: power=off, nothing sampled yet" \
	'^[0-9]{2}:[0-9]{2}:[0-9]{2} \[sim\] power=off -- W -- V nic=-- C .* budget=ok$'

h2 power on >/dev/null
advance 60s
wait_status "power on: power=on and the idle draw (24 W)" \
	' power=on 2[34]\.[0-9] W 1[12]\.[0-9]{2} V nic=[0-9.]+ C fan=[0-9]+% [0-9]+ rpm '
h2 sim load 10 >/dev/null
advance 10s
wait_status "10 W extra: the watts follow (34 W)" ' power=on 3[34]\.[0-9] W '
h2 sim load 0 >/dev/null
h2 power off >/dev/null
advance 60s
expect_eq "the box is off again" "$(pst state)" off
wait_status "power off: power=off again, no draw" ' power=off 0\.0 W '

check "the daemon's info log stays off the terminal line (stderr quiet)" \
	bash -c "! grep -q 'ready: control socket' '$DAEMON_LOG'"
stop_daemon
expect_eq "daemon exits 0" "$?" 0
exec 5<&-
finish
