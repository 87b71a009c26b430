#!/usr/bin/env bash
# 34-throttle-hook-slow.sh - a hook that sleeps never freezes the daemon (issue 13, defect 2): with
# the apply run asleep, the undo returns at once, `ping` and `status` answer and the fan loop keeps
# following the card in box time; the run is killed with its process group at hook_timeout (real
# time: it is a real process), that is logged with H2BOX_EVENT=child-timeout, and the undo runs
# after it.  A stop with a hook asleep ends within hook_timeout, not when the hook pleases.
. "$(dirname "$0")/lib.sh"

HOOK=$TESTDIR/slow-hook
RECORD=$TESTDIR/hook.fifo
mkfifo "$RECORD"
exec 5<>"$RECORD" # read and write: never blocks

# records "VERB PID" first thing (its readiness), then sleeps a minute on apply
cat >"$HOOK" <<HOOK
#!/bin/sh
echo "\$1 \$\$" >"$RECORD"
[ "\$1" = undo ] || exec sleep 60
HOOK
chmod +x "$HOOK"

PROFILE=$TESTDIR/sim-brick-slow-hook.conf
{
	cat "$ROOT/profiles/sim-brick.conf"
	cat <<CONF

[budget]
ladder = slow

[throttle slow]
type = hook
command = $HOOK
hook_timeout = 2s
CONF
} >"$PROFILE"

# read_run: "VERB PID" of the next run (bounded: 10 s of real time); sets VERB and HPID
read_run() {
	VERB="" HPID=""
	read -r -t 10 -u 5 VERB HPID
}
logged() { grep -qF -- "$1" "$DAEMON_LOG"; }

start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
advance 20s
if wait_ready; then ok "READY=1 once the box is up"; else not_ok "READY=1 once the box is up"; fi
h2 sim workload iperf3-tx >/dev/null
advance 60s

# --- over the budget: the hook applies, then sleeps ---
h2 sim load 12 >/dev/null
advance 10s
expect_eq "over the budget: the hook step is applied" "$(jget '.ladder[0].applied' budget)" true
if read_run && [ "$VERB" = apply ]; then ok "the hook runs for apply"; else not_ok "the hook runs for apply (got '$VERB')"; fi
APPLY_PID=$HPID

# --- back under while it sleeps: the undo must not wait for it ---
h2 sim load 0 >/dev/null
START=$SECONDS
check "box time moves 30 s with the apply run asleep (the undo does not wait)" \
	h2 --timeout 10 sim advance 30s
expect_cmp "... within 5 s of real time" "$((SECONDS - START))" le 5
expect_eq "back under: nothing applied" "$(jget .applied budget)" 0
check "the apply run still sleeps (not killed by a jump of box time)" kill -0 "$APPLY_PID"
check "ping answers while the hook sleeps" h2 --timeout 5 ping
check "status answers while the hook sleeps" h2 --timeout 5 status
h2 --timeout 10 sim advance 60s >/dev/null
expect_abs "the fan loop kept running: its NIC reading follows the card" \
	"$(jget '.inputs[0].temp_c' fan status)" "$(jget .nic_temp_c sim status)" 1

# --- at hook_timeout (real time) the run is killed, logged, and the undo follows ---
if wait_until 10 logged "throttle slow: hook apply still running after 2.0 s: SIGTERM to its process group $APPLY_PID"; then
	ok "the apply run is sent SIGTERM at hook_timeout, logged"
else
	not_ok "the apply run is sent SIGTERM at hook_timeout, logged"
fi
check "... with the journal fields" logged "H2BOX_EVENT=child-timeout H2BOX_SIGNAL=TERM H2BOX_PID=$APPLY_PID"
check "... and its end logged" wait_until 10 logged "throttle slow: hook apply killed by signal 15 (timed out)"
if read_run && [ "$VERB" = undo ]; then ok "the undo runs after it"; else not_ok "the undo runs after it (got '$VERB')"; fi
check "the apply run is gone" wait_until 5 eval "! kill -0 $APPLY_PID"

# --- a stop with a hook asleep ends within hook_timeout ---
h2 sim load 12 >/dev/null
advance 10s
if read_run && [ "$VERB" = apply ]; then ok "the hook runs for apply again"; else not_ok "the hook runs for apply again (got '$VERB')"; fi
START=$SECONDS
stop_daemon
expect_eq "daemon exits 0" "$?" 0
expect_cmp "the stop waited no longer than hook_timeout (+ grace)" "$((SECONDS - START))" le 6
if read_run && [ "$VERB" = undo ]; then ok "the undo ran at exit"; else not_ok "the undo ran at exit (got '$VERB')"; fi
exec 5<&-
finish
