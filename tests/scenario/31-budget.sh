#!/usr/bin/env bash
# 31-budget.sh - the brick build on the simulated box: the article's brick readings through
# `h2box record`, and the 60 W budget governor: 12 W extra load + iperf3 -> throttle ladder
# applied step by step in order, back under the limit -> undone in reverse order.
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles

truth() { jget "$1" sim status; }

# Self topology: the daemon brings the SFX, the NIC and the IB port up before READY, so the
# paused box is advanced to get there (a running clock would race the PSU timeout under load).
start_daemon_unready "$PROFILES/sim-brick.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
advance 20s
if wait_ready; then ok "READY=1 once the box is up"; else not_ok "READY=1 once the box is up"; fi
expect_eq "brick build" "$(h2 --json status | jq -r .box)" "h2box (simulated, brick build)"
advance 60s
expect_eq "link up" "$(truth .link_up)" true

# --- the article's brick readings ---
for case in idle:38.5 iperf3-tx:49.5 iperf3-rx:49.5; do
	wl=${case%%:*}
	want=${case#*:}
	h2 sim workload "$wl" >/dev/null
	advance 60s
	record_advance "$wl" 60s
	expect_eq "brick record of $wl exits 0" "$RC" 0
	expect_near "brick record of $wl: average W as the article" "$(rec .avg_w)" "$want" 0.05
	expect_near "brick record of $wl: energy within 0.5 % of the plant's" "$(rec .energy_j)" \
		"$PLANT_J" 0.005
done
expect_eq "budget ok at 49.5 W" "$(jget .budget_state budget)" ok
expect_eq "no throttle applied at 49.5 W" "$(jget .applied budget)" 0

# --- 12 W more: over the throttle level, the ladder in order ---
expect_eq "ladder order: ipoib first" "$(jget '.ladder[0].name' budget)" ipoib
expect_eq "ladder order: cpu second" "$(jget '.ladder[1].name' budget)" cpu
h2 sim workload iperf3-tx >/dev/null
h2 sim load 12 >/dev/null
advance 10s
expect_cmp "iperf3 + 12 W is over the 57 W throttle level" "$(jget .avg_w budget)" ge 57
expect_eq "budget state throttle" "$(jget .budget_state budget)" throttle
expect_eq "one step applied first" "$(jget .applied budget)" 1
expect_eq "step 1 is ipoib" "$(jget '.ladder[0].applied' budget)" true
expect_eq "step 2 not yet (one step at a time)" "$(jget '.ladder[1].applied' budget)" false
advance 20s
expect_eq "second step after the dwell" "$(jget .applied budget)" 2
expect_eq "step 2 is cpu" "$(jget '.ladder[1].applied' budget)" true
check "watts text shows the budget state" bash -c "'$H2BOX' -s '$SOCK' watts | grep -q throttle"

# --- back under the limit: undone in reverse order ---
h2 sim load 0 >/dev/null
advance 10s
expect_eq "first undo: cpu (the last applied)" "$(jget '[.ladder[].applied]' budget | jq -c .)" \
	'[true,false]'
advance 20s
expect_eq "then ipoib" "$(jget .applied budget)" 0
expect_eq "budget back to ok" "$(jget .budget_state budget)" ok

grep -E "throttle-(apply|undo)" "$DAEMON_LOG" | sed -n 's/.*H2BOX_EVENT=\(throttle-[a-z]*\) H2BOX_ACTION=\([a-z0-9]*\).*/\1 \2/p' \
	>"$TESTDIR/ladder.log"
expect_eq "daemon log: applied in order, undone in reverse" "$(tr '\n' ' ' <"$TESTDIR/ladder.log")" \
	"throttle-apply ipoib throttle-apply cpu throttle-undo cpu throttle-undo ipoib "
check "the log says RDMA bypasses the qdisc" grep -q "RDMA traffic bypasses a qdisc" "$DAEMON_LOG"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
