#!/usr/bin/env bash
# 33-record-baseline.sh - a record started seconds after a workload change: its idle baseline says
# it is not settled (the window's halves disagree), and the energy above it is never negative nor
# "-0.0": a record below its baseline reports 0 J and below_baseline.  A record after the box has
# settled gets a settled baseline and the true energy above idle.
. "$(dirname "$0")/lib.sh"

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s
h2 sim workload nfs-copy >/dev/null
advance 60s
# the copy ends; 2 s later a record of 10 s of idle starts
h2 sim workload idle >/dev/null
advance 2s
REC=$(h2 --json record -- "$H2BOX" -s "$SOCK" sim advance 10s 2>/dev/null | tail -n 1)
expect_eq "a baseline taken mid-transition is not settled" "$(rec .baseline_settled)" false
expect_cmp "it drifted down within its window" "$(rec .baseline_drift_w)" lt -1
expect_cmp "the baseline is above the true idle" "$(rec .baseline_w)" gt 26
expect_near "the record itself is at idle" "$(rec .avg_w)" 24 0.05
expect_eq "energy above the baseline is 0, not negative" "$(rec .above_baseline_j)" 0
expect_eq "and says the record was below its baseline" "$(rec .below_baseline)" true
expect_eq "J/GB above the baseline is not negative" "$(rec '.j_per_gb_above_baseline // 0 | . >= 0')" true

# the same in text: a note on the baseline, no negative or negative-zero figure anywhere
h2 sim workload nfs-copy >/dev/null
advance 60s
h2 sim workload idle >/dev/null
advance 2s
out=$(h2 record -- "$H2BOX" -s "$SOCK" sim advance 10s 2>/dev/null)
check "text says the baseline was not settled" grep -q "^above idle .*not settled: moved -[0-9.]* W within the window" <<<"$out"
check "text says the record was below its baseline" grep -q "^above idle    0.0 J: the record averaged" <<<"$out"
if grep -qE -- '(-[0-9][0-9.]* J)|(-0\.0+( |$))' <<<"$out"; then not_ok "no negative energy in the text"; echo "#   $out"; else ok "no negative energy in the text"; fi

# settled: a minute of idle, then the iperf3 load during the record
advance 60s
REC=$(h2 --json record -- bash -c "'$H2BOX' -s '$SOCK' sim workload iperf3-tx >/dev/null && '$H2BOX' -s '$SOCK' sim advance 100s" 2>/dev/null | tail -n 1)
expect_eq "a baseline after a minute of idle is settled" "$(rec .baseline_settled)" true
expect_near "settled at the idle level" "$(rec .baseline_w)" 24 0.05
expect_eq "a record above its baseline is not flagged" "$(rec .below_baseline)" false
expect_near "energy above idle = (32 - 24) W x 100 s" "$(rec .above_baseline_j)" 800 0.05

finish
