#!/usr/bin/env bash
# 01-daemon.sh - h2boxd basics on the simulated box: readiness, CLI errors, hostile requests,
# profile checks with file:line errors, SIGHUP reload keeping the old profile, clean SIGTERM.
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles
BAD=$ROOT/tests/scenario/profiles

for p in "$PROFILES"/*.conf; do
	check "h2boxd -n accepts $(basename "$p")" bash -c "'$H2BOXD' -n -c '$p' | grep -qx 'configuration OK'"
done

# Every bad profile names its expected message on its first line: "; expect: TEXT"
for p in "$BAD"/bad-*.conf; do
	want=$(sed -n '1s/^; expect: //p' "$p")
	out=$("$H2BOXD" -n -c "$p" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$want" <<<"$out"; then
		ok "$(basename "$p") rejected: $want"
	else
		not_ok "$(basename "$p") rejected with '$want'"
		echo "#   rc=$rc output: $out"
	fi
done
out=$("$H2BOXD" -n -c /nonexistent.conf 2>&1)
expect_eq "a missing profile is reported" "$(grep -c 'nonexistent.conf: No such file' <<<"$out")" 1

start_daemon "$PROFILES/sim-sfx.conf" || { finish; exit 1; }
ok "h2boxd sent READY=1"
expect_eq "ping answers" "$(h2 ping)" "pong"
expect_eq "ping --json" "$(jget .pong ping)" "h2boxd"
h2 no-such-command >/dev/null 2>&1
expect_eq "unknown command exits 2" "$?" 2
out=$(h2 no-such-command 2>&1)
check "unknown command names itself" grep -q "unknown command 'no-such-command'" <<<"$out"
expect_eq "--json error has ok=false" "$(h2 --json no-such-command | jq -r .ok)" "false"
expect_eq "--json error carries the message" "$(h2 --json no-such-command | jq -r .error)" "unknown command 'no-such-command': try 'h2box help'"
h2 sim workload no-such-load >/dev/null 2>&1
expect_eq "unknown workload exits 2" "$?" 2
h2 sim fault no-such-fault on >/dev/null 2>&1
expect_eq "unknown fault exits 2" "$?" 2
h2 sim ambient hot >/dev/null 2>&1
expect_eq "bad number exits 2" "$?" 2
check "workload list names iperf3-both" bash -c "'$H2BOX' -s '$SOCK' sim workload --list | grep -q iperf3-both"
for f in psu-ok-timeout psu-ok-drop host-no-boot host-hang-shutdown sensor-nic fan-stall i2c-error; do
	check "fault list names $f" bash -c "'$H2BOX' -s '$SOCK' --json sim fault --list | jq -e '.faults[] | select(.name == \"$f\")' >/dev/null"
done
for w in idle iperf3-tx iperf3-rx iperf3-both nfs-copy; do
	check "workload list names $w" bash -c "'$H2BOX' -s '$SOCK' --json sim workload --list | jq -e '.workloads[] | select(.name == \"$w\")' >/dev/null"
done

# Hostile requests: none may crash the daemon, each gets an error line.
python3 - "$SOCK" <<'PY' >"$TESTDIR/hostile.out" 2>&1
import socket, sys
path = sys.argv[1]
cases = [b"\n", b"garbage\n", b"text " + b"a " * 100 + b"\n", b"text %zz\n", b"text sim\x00fault\n",
         b"x" * 5000, b"json status %00\n", b"text \xff\xfe\n", b""]
for c in cases:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(c)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    print(repr(c[:20]), data.split(b"\n")[0].decode())
PY
check "hostile requests all answered with errors" bash -c "[ \$(grep -c \"error 2\" '$TESTDIR/hostile.out') -ge 8 ]"
expect_eq "daemon still answers after hostile requests" "$(h2 ping)" "pong"

# SIGHUP with a broken profile keeps the running one
cp "$PROFILES/sim-sfx.conf" "$TESTDIR/live.conf"
stop_daemon
start_daemon "$TESTDIR/live.conf" || { finish; exit 1; }
echo "[nonsense" >>"$TESTDIR/live.conf"
# SIGHUP, then wait for the READY=1 that ends the reload (after RELOADING=1): the log lines
# below are written by then
check "a bad reload ends with READY=1" reload
expect_eq "daemon answers after a bad reload" "$(h2 ping)" "pong"
check "bad reload logged with file:line" grep -q "live.conf:[0-9]*: syntax error" "$DAEMON_LOG"
check "bad reload kept the old profile" grep -q "reload failed: keeping the running profile" "$DAEMON_LOG"

# a good reload keeps what a user would miss: the alarm history and the status page's last hour
cp "$PROFILES/sim-sfx.conf" "$TESTDIR/live.conf"
h2 power on >/dev/null
h2 sim advance 60s >/dev/null
h2 sim fault i2c-error on >/dev/null
h2 sim advance 10s >/dev/null
h2 sim fault i2c-error off >/dev/null
h2 sim advance 30s >/dev/null
ALARMS_BEFORE=$(h2 --json alarms | jq -c '[.history[] | .id] | unique')
POINTS_BEFORE=$(h2 --json history | jq .count)
check "before the reload: an alarm history and page history to keep" \
	test "$ALARMS_BEFORE" != "[]" -a "$POINTS_BEFORE" -gt 5
check "a good reload ends with READY=1" reload
check "the reload was taken" grep -q "profile reloaded" "$DAEMON_LOG"
expect_eq "the alarm history survives the reload" \
	"$(h2 --json alarms | jq -c '[.history[] | .id] | unique')" "$ALARMS_BEFORE"
expect_eq "the page history (h2box history) survives the reload" \
	"$(h2 --json history | jq .count)" "$POINTS_BEFORE"

stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
h2 ping >/dev/null 2>&1
expect_eq "client reports an unreachable daemon with status 5" "$?" 5
finish
