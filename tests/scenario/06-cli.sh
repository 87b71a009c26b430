#!/usr/bin/env bash
# 06-cli.sh - the client as a new user meets it: record --copy like cp (same file refused,
# a directory as destination), a stopped or mute daemon bounded by --timeout, --help on every
# command, intervals and durations at their bounds, and h2boxd's welcome lines.
. "$(dirname "$0")/lib.sh"

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }

# ---- record --copy never destroys its source ----
F=$TESTDIR/data.bin
head -c 300000 /dev/urandom >"$F"
sum0=$(sha256sum <"$F")
try_same() { # try_same DESCRIPTION SRC DST
	local out rc
	out=$(h2 record --copy "$2" "$3" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -q "are the same file" <<<"$out" && [ "$(sha256sum <"$F")" = "$sum0" ]; then
		ok "record --copy $1 is refused and the source is untouched"
	else
		not_ok "record --copy $1 is refused and the source is untouched"
		echo "#   rc=$rc size=$(stat -c %s "$F") output: $out"
	fi
}
try_same "F F" "$F" "$F"
ln -s "$F" "$TESTDIR/link.bin"
try_same "F SYMLINK-TO-F" "$F" "$TESTDIR/link.bin"
try_same "SYMLINK-TO-F F" "$TESTDIR/link.bin" "$F"
ln "$F" "$TESTDIR/hard.bin"
try_same "F HARDLINK-OF-F" "$F" "$TESTDIR/hard.bin"
try_same "F DIR-HOLDING-F" "$F" "$TESTDIR"
expect_eq "the refused copy is one JSON error with --json" \
	"$(h2 --json record --copy "$F" "$F" 2>/dev/null | jq -c '[.ok, (.error | test("same file"))]')" '[false,true]'

mkdir "$TESTDIR/ramdisk"
h2 record --copy "$F" "$TESTDIR/ramdisk/" >"$TESTDIR/copy.out" 2>&1
expect_eq "record --copy F DIR/ exits 0" "$?" 0
expect_eq "record --copy F DIR/ writes DIR/F with the same bytes" \
	"$(sha256sum <"$TESTDIR/ramdisk/data.bin" 2>/dev/null)" "$sum0"
rm "$TESTDIR/ramdisk/data.bin"
expect_eq "record --copy F DIR (no slash) too" \
	"$(h2 --json record --copy "$F" "$TESTDIR/ramdisk" 2>/dev/null | jq -r '.command[2]')" "$TESTDIR/ramdisk/data.bin"
expect_eq "... with the same bytes" "$(sha256sum <"$TESTDIR/ramdisk/data.bin" 2>/dev/null)" "$sum0"
echo old >"$TESTDIR/ramdisk/other.bin"
h2 record --copy "$F" "$TESTDIR/ramdisk/other.bin" >/dev/null 2>&1
expect_eq "an existing other file is overwritten, not appended to" \
	"$(sha256sum <"$TESTDIR/ramdisk/other.bin")" "$sum0"

h2 record -o "$F" --copy "$F" "$TESTDIR/ramdisk/" >/dev/null 2>&1
rc=$?
expect_eq "record -o SRC --copy SRC DIR is refused and SRC is untouched" "$rc,$(sha256sum <"$F")" "1,$sum0"

# ---- a daemon that accepts and never answers: bounded, one line, exit 5 ----
mkfifo "$TESTDIR/mute.ready"
python3 - "$TESTDIR/mute.sock" >"$TESTDIR/mute.ready" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(64)
print("ready", flush=True)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)  # accepted, never answered
PY
MUTE=$!
read -r line <"$TESTDIR/mute.ready"
expect_eq "the mute listener is up" "$line" "ready"
mute() { timeout 20 "$H2BOX" -s "$TESTDIR/mute.sock" "$@"; }
t0=$(date +%s%N)
out=$(mute --timeout 1 status 2>&1)
rc=$?
t1=$(date +%s%N)
expect_eq "status against a mute daemon exits 5 (not 124 from the guard)" "$rc" 5
expect_cmp "... within about the timeout (ms)" "$(( (t1 - t0) / 1000000 ))" lt 5000
expect_eq "... with one h2box: line" "$(grep -c '^h2box: .*did not answer within 1.0 s' <<<"$out")" 1
out=$(mute status 2>&1)
expect_eq "the default timeout ends it too" "$?" 5
mute --timeout 1 watts --follow >/dev/null 2>&1
expect_eq "a stream that never starts times out" "$?" 5
expect_eq "--json: the timeout is one JSON document" \
	"$(mute --json --timeout 1 status 2>/dev/null | jq -c '[.ok, .status]')" '[false,5]'
mute --timeout 1 record -- true >/dev/null 2>&1
expect_eq "record against a mute daemon exits 5" "$?" 5
kill "$MUTE"
wait "$MUTE" 2>/dev/null

# ---- a stopped h2boxd ----
kill -STOP "$DAEMON_PID"
timeout 20 "$H2BOX" -s "$SOCK" --timeout 1 status >/dev/null 2>&1
rc=$?
timeout 20 "$H2BOX" -s "$SOCK" --timeout 1 sim advance 1s >/dev/null 2>&1
rc2=$?
kill -CONT "$DAEMON_PID"
expect_eq "status against a SIGSTOPped h2boxd exits 5" "$rc" 5
expect_eq "an explicit --timeout bounds sim advance too" "$rc2" 5
expect_eq "the resumed daemon answers" "$(h2 ping)" "pong"
h2 --timeout 0 ping >/dev/null
expect_eq "--timeout 0 waits without a limit" "$?" 0
h2 --timeout soon ping >/dev/null 2>&1
expect_eq "a bad --timeout is a usage error" "$?" 2

# ---- --help everywhere: usage on stdout, exit 0, no daemon needed ----
for c in status power fan watts record alarms budget ib sim ping help probe "ib bench" "fan set" "sim advance" "power on"; do
	# shellcheck disable=SC2086
	out=$("$H2BOX" -s "$TESTDIR/nowhere.sock" $c --help 2>/dev/null)
	rc=$?
	first=${c%% *}
	if [ $rc -eq 0 ] && grep -q "^usage: h2box" <<<"$out" && grep -q "^  $first" <<<"$out"; then
		ok "h2box $c --help: usage on stdout, exit 0"
	else
		not_ok "h2box $c --help: usage on stdout, exit 0"
		echo "#   rc=$rc out: $out"
	fi
done
expect_eq "ib bench --help names --duration" "$(h2 ib bench --help | grep -c -- '--duration')" 1
# probe runs without h2boxd: a bad argument is a usage error, an existing --write file is kept
"$H2BOX" probe --i2c-bus nine >/dev/null 2>&1
expect_eq "probe --i2c-bus nine: usage error" "$?" 2
echo keep >"$TESTDIR/probe.conf"
"$H2BOX" probe --write "$TESTDIR/probe.conf" >/dev/null 2>&1
expect_eq "probe --write over an existing file fails" "$?" 1
expect_eq "probe --write left the existing file alone" "$(cat "$TESTDIR/probe.conf")" keep
h2 --help >/dev/null
expect_eq "h2box --help exits 0" "$?" 0
h2 power on --help >/dev/null
expect_eq "power on --help does not switch the box on" "$(pst state)" "off"

# ---- intervals and durations at their bounds ----
out=$(h2 record --interval 0.5 -- true 2>&1)
rc=$?
expect_eq "record --interval 0.5 (below the 1 s sampling) is refused" "$rc" 2
check "... naming the allowed range" grep -q "give 1 to 3600 s" <<<"$out"
out=$(h2 watts --follow --interval 0.5 2>&1)
expect_eq "watts --follow --interval 0.5 is refused" "$?" 2
check "... naming the allowed range" grep -q "give 1 to 3600 s" <<<"$out"
out=$(h2 ib bench --size 4K --duration 60s 2>&1)
check "ib bench --duration 60s fits the default bench_max_duration of 60 s" \
	bash -c "! grep -q bench_max_duration <<<'$out'"
out=$(h2 ib bench --size 4K --duration 61s 2>&1)
expect_eq "ib bench --duration 61s is past it" "$?" 2
out=$(h2 ib bench --size 0 2>&1)
expect_eq "ib bench --size 0 is a usage error" "$?" 2
expect_eq "... prefixed h2box:" "$(head -n 1 <<<"$out" | cut -c1-16)" "h2box: --size: 2"

# ---- h2boxd in a terminal says what it runs and what to type ----
mkfifo "$TESTDIR/welcome"
"$H2BOXD" -c "$ROOT/profiles/sim-sfx.conf" -s "$TESTDIR/w.sock" --sim-speed 0 --status-line \
	--state-dir "$TESTDIR" >"$TESTDIR/welcome" 2>/dev/null &
W=$!
timeout 20 sed '/Ctrl-C/q' <"$TESTDIR/welcome" >"$TESTDIR/welcome.out"
kill "$W"
wait "$W" 2>/dev/null
check "welcome names the simulated box and its profile" grep -q "simulating .*sim-sfx.conf" "$TESTDIR/welcome.out"
check "welcome names the socket" grep -q "control socket $TESTDIR/w.sock" "$TESTDIR/welcome.out"
check "welcome says: sim button, with the client's path and socket" \
	grep -qF "$BUILD/h2box -s $TESTDIR/w.sock sim button" "$TESTDIR/welcome.out"
check "welcome says: status" grep -qF "$BUILD/h2box -s $TESTDIR/w.sock status" "$TESTDIR/welcome.out"
check "welcome says: sim workload iperf3-tx" grep -qF "sim workload iperf3-tx" "$TESTDIR/welcome.out"

stop_daemon
finish
