#!/bin/sh
# 51-ib-bench.sh - `make bench` only (h2box.bench=1): h2box ib bench next to perftest on rxe, longer runs.
# shellcheck shell=dash
# tests/kernel/bench.sh runs it alone (H2BOX_KTEST_ONLY=ib-bench H2BOX_KTEST_BENCH=1) and turns its
# H2BOX-KTEST-BENCH lines into ratios with targets; the normal tier skips it.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh

# h2box.bench=1 runs every comparison; =bw or =lat only the bandwidth or latency ones (iterating)
case " $(cat /proc/cmdline) " in
*" h2box.bench=1 "*) IB_BENCH_PART=all ;;
*" h2box.bench=bw "*) IB_BENCH_PART=bw ;;
*" h2box.bench=lat "*) IB_BENCH_PART=lat ;;
*)
	rig_skip "$RIG_SCENARIO" "make bench only (H2BOX_KTEST_BENCH=1)"
	exit 0
	;;
esac
IB_MODE=bench
# shellcheck source=SCRIPTDIR/50-ib.sh
. /rig/scenarios/50-ib.sh
