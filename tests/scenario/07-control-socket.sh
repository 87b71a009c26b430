#!/usr/bin/env bash
# 07-control-socket.sh - the control socket as a hostile local user meets it: -s never deletes
# what is not a stale socket, records belong to their user, one user cannot take every client
# slot (root still gets in), and a refused client prints the daemon's "busy" reason, exit 3.
. "$(dirname "$0")/lib.sh"

PROFILE=$ROOT/profiles/sim-sfx.conf

# ---- -s naming a regular file: an error, the file untouched ----
echo "precious" >"$TESTDIR/precious"
out=$(timeout 20 "$H2BOXD" -c "$PROFILE" -s "$TESTDIR/precious" --sim-speed 0 2>&1)
rc=$?
expect_eq "h2boxd -s REGULAR-FILE fails" "$([ $rc -ne 0 ] && [ $rc -ne 124 ] && echo failed)" failed
check "it says the path is not a socket" grep -q "precious exists and is not a socket" <<<"$out"
expect_eq "the file is intact" "$(cat "$TESTDIR/precious")" "precious"

start_daemon "$PROFILE" || { finish; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
	skip "records belong to their user" "needs root to act as another user"
	skip "one user cannot take every slot" "needs root to act as another user"
	stop_daemon
	finish
	exit
fi

# ---- records belong to the uid that began them; root may end any ----
ROOT_ID=$(jget .id record begin)
out=$(h2_nobody record end "$ROOT_ID" 2>&1)
expect_eq "nobody cannot end root's record (exit 4)" "$?" 4
check "... and is told why" grep -q "record $ROOT_ID belongs to another user" <<<"$out"
check "root's record is still open: root ends it" h2 record end "$ROOT_ID"
NB_ID=$(h2_nobody --json record begin | jq -r .id)
check "nobody ends its own record" h2_nobody record end "$NB_ID"
NB_ID=$(h2_nobody --json record begin | jq -r .id)
check "root may end nobody's record" h2 record end "$NB_ID"
# a `record begin` loop by one user does not push out another's record
ROOT_ID=$(jget .id record begin)
for i in $(seq 1 12); do h2_nobody record begin >/dev/null; done
check "root's record survives nobody's twelve begins" h2 record end "$ROOT_ID"

# ---- one user opens 20 silent connections (more than its share): root still gets in ----
mkfifo "$TESTDIR/hog.ctl"
chmod o+x "$TESTDIR"
exec 5<>"$TESTDIR/hog.ctl"
python3 - "$SOCK" "$(id -u nobody)" "$(getent group nogroup | cut -d: -f3)" "$TESTDIR/hog.ctl" \
	>"$TESTDIR/hog.out" 5<&- <<'PY' &
import os, socket, sys
# as nobody (dropped here, after the imports: the interpreter may live where nobody cannot read)
os.setgroups([])
os.setgid(int(sys.argv[3]))
os.setuid(int(sys.argv[2]))
conns = []
for _ in range(20):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)  # silent: a slot held until the idle timeout
# the daemon takes connections in order: once the last has its answer, all have theirs
conns[-1].settimeout(10)
conns[-1].recv(64, socket.MSG_PEEK)
for s in conns:
    try:
        line = s.recv(64, socket.MSG_DONTWAIT).split(b"\n")[0]
        print(line.decode() if line else "closed", flush=True)
    except BlockingIOError:
        print("held", flush=True)
    except OSError as e:
        print(e, flush=True)
open(sys.argv[4]).read()  # hold until the test closes the fifo
PY
HOG=$!
wait_until 20 lines_ge "$TESTDIR/hog.out" 20
expect_eq "one user gets at most 16 of the 64 slots" "$(grep -c '^held$' "$TESTDIR/hog.out")" 16
expect_eq "... the rest are refused as busy" "$(grep -c '^error 3$' "$TESTDIR/hog.out")" 4
out=$(h2_nobody ping 2>&1)
expect_eq "the same user's next command exits 3" "$?" 3
check "... printing the daemon's busy reason, not a broken pipe" \
	grep -q "^h2box: h2boxd is busy: uid [0-9]* already holds 16 connections" <<<"$out"
check "... and no broken pipe or reset" lacks "Broken pipe|reset by peer" echo "$out"
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups "$H2BOX" -s "$SOCK" ping 2>&1)
expect_eq "another user still gets in" "$out" pong
expect_eq "root still gets in" "$(h2 ping)" pong
check "root can still power off" h2 power off
exec 5>&-
wait "$HOG" 2>/dev/null

stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
finish
