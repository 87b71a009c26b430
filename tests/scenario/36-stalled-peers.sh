#!/usr/bin/env bash
# 36-stalled-peers.sh - every blocking call of docs/ARCHITECTURE.md's "What may block" that the
# simulated box can stall, with its peer stalled: a control-socket client that connects and never
# speaks (closed at the idle timeout), a `watts --follow` reader that stops reading (its output
# capped, the stream cut) and an alert command that hangs (killed at command_timeout).  Each
# time the daemon still answers `ping` and the fan loop keeps running in box time.  A hanging
# throttle hook is 34-throttle-hook-slow.sh's, a hanging sensor read 02-watchdog.sh's.
. "$(dirname "$0")/lib.sh"

ALERT=$TESTDIR/slow-alert
RECORD=$TESTDIR/alert.fifo
mkfifo "$RECORD"
exec 5<>"$RECORD" # read and write: never blocks

# records "ALARM LEVEL PID" first thing (its readiness); a critical alarm's run then hangs
cat >"$ALERT" <<SH
#!/bin/sh
echo "\$H2BOX_ALARM \$H2BOX_LEVEL \$\$" >"$RECORD"
[ "\$H2BOX_LEVEL" = critical ] && exec sleep 60
exit 0
SH
chmod +x "$ALERT"
PROFILE=$TESTDIR/stalled.conf
cp "$ROOT/profiles/sim-sfx.conf" "$PROFILE"
printf '\n[alerts]\nalert_command = %s\nrate_limit = 0\ncommand_timeout = 2s\n' "$ALERT" >>"$PROFILE"

logged() { grep -qF -- "$1" "$DAEMON_LOG"; }
AMBIENT=25
# fan_loop_runs TAG: box time moves at once and the fan loop follows the card: a warmer room
# shows up in the fan's own NIC reading, equal to the plant's
fan_loop_runs() {
	local before after start=$SECONDS
	before=$(jget '.inputs[0].temp_c' fan status)
	AMBIENT=$((AMBIENT == 25 ? 32 : 25))
	h2 sim ambient "$AMBIENT" >/dev/null
	check "$1: box time moves 5 min" h2 --timeout 10 sim advance 5m
	expect_cmp "$1: ... within 5 s of real time" "$((SECONDS - start))" le 5
	after=$(jget '.inputs[0].temp_c' fan status)
	expect_abs "$1: the fan loop's NIC reading follows the card" \
		"$after" "$(jget .nic_temp_c sim status)" 1
	check "$1: ... and moved with the room ($before -> $after C)" \
		awk -v a="$before" -v b="$after" 'BEGIN { d = a - b; exit !(d >= 1 || d <= -1) }'
	check "$1: ping answers" h2 --timeout 5 ping
}

start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 60s
expect_eq "the box is on" "$(pst state)" on

# ---- a client that connects and never sends: served around, closed at the idle timeout ----
python3 - "$SOCK" >"$TESTDIR/silent.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
t0 = time.monotonic()
print("connected", flush=True)
s.settimeout(30)
try:
    d = s.recv(64)
    print("eof" if not d else "data", "%.1f" % (time.monotonic() - t0), flush=True)
except socket.timeout:
    print("held", flush=True)
PY
SILENT=$!
check "silent client: connected" wait_until 10 grep -q connected "$TESTDIR/silent.out"
fan_loop_runs "silent client"
check "silent client: another client is served meanwhile" h2 --timeout 5 status
check "silent client: closed by the daemon" wait_until 20 lines_ge "$TESTDIR/silent.out" 2
read -r what secs < <(sed -n 2p "$TESTDIR/silent.out")
expect_eq "silent client: it sees EOF, never a reply" "$what" eof
expect_cmp "silent client: at the 10 s idle timeout (real time), not before" "$secs" ge 9
expect_cmp "silent client: ... nor much after (a loaded machine: 5 s of slack)" "$secs" le 15
wait "$SILENT"

# ---- a `watts --follow` reader that stops reading: output capped, the stream cut ----
mkfifo "$TESTDIR/go"
python3 - "$SOCK" "$TESTDIR/go" >"$TESTDIR/follow.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"json watts --follow\n")
print("following", flush=True)
open(sys.argv[2]).read()  # stalled until the test says go
n = 0
s.settimeout(10)
while True:
    try:
        d = s.recv(65536)
    except socket.timeout:
        print("open", n, flush=True)
        break
    if not d:
        print("eof", n, flush=True)
        break
    n += len(d)
PY
FOLLOW=$!
check "stalled follower: subscribed" wait_until 10 grep -q following "$TESTDIR/follow.out"
# one line a second of box time: 10 h is ~ 8 MiB, twice the 4 MiB cap
START=$SECONDS
check "stalled follower: box time moves 10 h past the stalled stream" h2 --timeout 60 sim advance 10h
expect_cmp "... within 30 s of real time" "$((SECONDS - START))" le 30
check "stalled follower: ping answers" h2 --timeout 5 ping
fan_loop_runs "stalled follower"
echo go >"$TESTDIR/go"
wait "$FOLLOW"
read -r what bytes < <(sed -n 2p "$TESTDIR/follow.out")
expect_eq "stalled follower: the stream was cut (EOF once it reads again)" "$what" eof
expect_cmp "stalled follower: what reached it stays under the 4 MiB cap" "$bytes" le 4194304
h2 --json watts --follow >"$TESTDIR/follow2.out" 2>&1 &
FOLLOW=$!
check "a new follower is subscribed" wait_until 10 grep -q interval_s "$TESTDIR/follow2.out"
advance 2s
check "... and gets its lines" wait_until 10 lines_ge "$TESTDIR/follow2.out" 3
kill "$FOLLOW"
wait "$FOLLOW" 2>/dev/null

# ---- an alert command that hangs: killed with its group at command_timeout ----
h2 sim fault sensor-nic on >/dev/null
advance 2s
expect_eq "hung alert: the alarm is raised" "$(alarm_level fan-sensor-nic)" critical
APID=""
if read -r -t 10 -u 5 aid alevel APID && [ "$aid $alevel" = "fan-sensor-nic critical" ]; then
	ok "hung alert: the alert command runs"
else
	not_ok "hung alert: the alert command runs (got '$aid $alevel')"
fi
expect_eq "hung alert: the fan still went to failsafe" "$(jget .failsafe fan status)" true
h2 sim fault sensor-nic off >/dev/null
advance 5s
expect_eq "hung alert: the alarm clears meanwhile" "$(alarm_level fan-sensor-nic)" none
read -r -t 10 -u 5 aid alevel _
expect_eq "hung alert: ... and its alert command runs beside the hung one" "$aid $alevel" \
	"fan-sensor-nic clear"
check "hung alert: the run still sleeps (box time does not kill it)" kill -0 "$APID"
fan_loop_runs "hung alert"
if wait_until 10 logged "alert command still running after 2.0 s: SIGTERM to its process group $APID"; then
	ok "hung alert: SIGTERM to its process group at command_timeout, logged"
else
	not_ok "hung alert: SIGTERM to its process group at command_timeout, logged"
fi
check "hung alert: ... and its end logged" wait_until 10 logged "alert command killed by signal 15 (timed out)"
check "hung alert: the run is gone" wait_until 5 eval "! kill -0 $APID"

# a stop with an alert command asleep ends within command_timeout
h2 sim fault sensor-nic on >/dev/null
advance 2s
if read -r -t 10 -u 5 aid alevel APID && [ "$alevel" = critical ]; then
	ok "hung alert: runs again"
else
	not_ok "hung alert: runs again (got '$aid $alevel')"
fi
h2 sim fault sensor-nic off >/dev/null
START=$SECONDS
stop_daemon
expect_eq "daemon exits 0" "$?" 0
expect_cmp "the stop waited no longer than command_timeout (+ grace)" "$((SECONDS - START))" le 6
check "the hung alert command is gone after the stop" wait_until 5 eval "! kill -0 $APID"
exec 5<&-
finish
