#!/usr/bin/env bash
# bench.sh - `make bench`: h2box ib bench next to perftest on rxe in the QEMU rig, as ratios from one run.
#
# Usage: tests/kernel/bench.sh [BUILD_DIR]     (called by tests/bench/run.sh)
# Boots the kernel rig with only the bench scenario (51-ib-bench.sh, which needs h2box.bench=1 on
# the guest's command line), reads its "H2BOX-KTEST-BENCH:" console lines from the rig log and
# prints h2box next to ib_write_bw / ib_send_lat on the same rxe device: h2box's loopback (both
# ends in one process) and h2box as two processes (`--local --server` / `--local --client`, as
# perftest runs).  Each figure is the median of the scenario's interleaved rounds (h2box and
# perftest alternating, the order flipped every round), per size.
# Targets (every size, both h2box modes):
#   write bandwidth  h2box / ib_write_bw          >= 1.00  (median Gb/s, BW average per run)
#   latency          h2box / ib_send_lat          <= 1.00  (median of the runs' medians, one-way:
#                                                           ib_send_lat's t_typical)
# Output, per comparison: a table row and one stable line for tools (make bench's results.json):
#   rdma-bench: test=write_bw|send_lat mode=loopback|client-server size=BYTES iters=N stat=median
#     rounds=N h2box=X perftest=Y unit=Gb/s|us ratio=X/Y op=ge|le target=1.00 met=true|false
#   (one line; a figure that could not be measured is "nan", its ratio 0.000 and met=false)
# H2BOX_BENCH_PART=bw or lat runs only those comparisons (for iterating; exit 2, as not all ran).
# Exit status: 0 all targets met; 1 a target missed or the rig run failed; 2 a comparison could
# not run (no QEMU rig here, or a comparison line missing): never 0 without every comparison.
# With BENCH_RESULTS_TSV=FILE (tests/bench/run.sh sets it) each comparison is also appended to
# FILE as the medians of the rounds, one tab-separated line for results.json: name, h2box,
# unit, anchor, perftest, "ratio", op, limit, target (issue #16: median bandwidth >= 1.0x
# ib_write_bw, median latency <= 1.0x ib_send_lat).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-$repo/build}" && pwd)
bw_min=1.00
lat_max=1.00

out=$(mktemp "${TMPDIR:-/tmp}/h2box-kbench.XXXXXX")
trap 'rm -f "$out"' EXIT
t0=$SECONDS
H2BOX_KTEST_ONLY=ib-bench H2BOX_KTEST_BENCH=${H2BOX_BENCH_PART:-1} \
	H2BOX_KTEST_SCENARIO_TIMEOUT=${H2BOX_KTEST_SCENARIO_TIMEOUT:-1380} \
	H2BOX_KTEST_TIMEOUT=${H2BOX_KTEST_TIMEOUT:-1500} \
	"$here/run.sh" "$build_dir" >"$out" 2>&1
rc=$?
dt=$((SECONDS - t0))
if grep -q 'FAIL kernel-rig: cannot run here' "$out"; then
	grep 'cannot run here' "$out" | sed 's/^/  /'
	echo "  verbs benchmark vs perftest: NOT RUN (no QEMU rig here): no comparison was made"
	exit 2
fi
log=$build_dir/kernel-test.log
if [[ $rc != 0 ]]; then
	echo "  the rig run failed (exit $rc):"
	sed 's/^/  | /' "$out" | tail -n 40
fi

fail=0
lines=$(grep -ao 'H2BOX-KTEST-BENCH: .*' "$log" 2>/dev/null | tr -d '\r' | sed 's/^H2BOX-KTEST-BENCH: //')
notrun=()
for t in write_bw write_bw_cs send_lat send_lat_cs; do
	grep -q "^$t " <<<"$lines" || notrun+=("$t")
done
if ((${#notrun[@]})); then
	echo "  comparisons that did not come back from the rig (NOT RUN): ${notrun[*]} (console in $log)"
	[[ -n $lines ]] || exit 2
fi
field() { # LINE KEY
	local w
	for w in $1; do
		[[ $w == "$2="* ]] && { echo "${w#*=}"; return; }
	done
}
echo "  (perftest on rxe here; on mlx4 (ConnectX-2/3) use perftest 25.10 or a build without mlx5dv:"
echo "   26.x calls mlx5dv_query_device() for any Mellanox device and aborts, perftest issue 401)"
printf '  %-11s %8s %7s %10s %10s %7s  %s\n' test size iters h2box perftest ratio target
rounds='?'
while IFS= read -r l; do
	[[ -n $l ]] || continue
	test=${l%% *}
	size=$(field "$l" size) iters=$(field "$l" iters) h=$(field "$l" h2box) p=$(field "$l" perftest)
	ratio=$(field "$l" ratio) unit=$(field "$l" unit) rounds=$(field "$l" rounds)
	case $test in
	write_bw | write_bw_cs) op=ge lim=$bw_min ;;
	send_lat | send_lat_cs) op=le lim=$lat_max ;;
	*) continue ;;
	esac
	if awk -v r="$ratio" -v l="$lim" -v op="$op" 'BEGIN { exit !(r > 0 && ((op == "ge" && r >= l) || (op == "le" && r <= l))) }'; then
		verdict=ok met=true
	else
		verdict=MISSED met=false
		fail=1
	fi
	printf '  %-11s %8s %7s %10s %10s %7s  %s %s %s\n' "$test" "$size" "$iters" "$h" "$p" "$ratio" \
		"$([[ $op == ge ]] && echo '>=' || echo '<=')" "$lim" "$verdict"
	printf '  %-11s %8s %7s   runs: h2box %s, perftest %s (%s)\n' "" "" "" \
		"$(field "$l" h2box_runs)" "$(field "$l" perftest_runs)" "${unit:-?}"
	if [[ -n ${BENCH_RESULTS_TSV:-} ]]; then
		# the guest's figures are the medians of the interleaved rounds already
		hm=$h pm=$p
		if [[ $op == ge ]]; then
			printf '%s\t%s\t%s\t%s\t%s\tratio\t>=\t1\t>= 1.0x (medians)\n' "rdma $test size $size (median)" \
				"$hm" "${unit:-?}" "ib_write_bw (median)" "$pm"
		else
			printf '%s\t%s\t%s\t%s\t%s\tratio\t<=\t1\t<= 1.0x (medians)\n' "rdma $test size $size (median)" \
				"$hm" "${unit:-?}" "ib_send_lat (median)" "$pm"
		fi >>"$BENCH_RESULTS_TSV"
	fi
	printf '  rdma-bench: test=%s mode=%s size=%s iters=%s stat=%s rounds=%s h2box=%s perftest=%s unit=%s ratio=%s op=%s target=%s met=%s\n' \
		"${test%_cs}" "$([[ $test == *_cs ]] && echo client-server || echo loopback)" "$size" "$iters" \
		"$(field "$l" stat)" "$rounds" "$h" "$p" "${unit:-?}" "$ratio" "$op" "$lim" "$met"
done <<<"$lines"
echo "  (medians of $rounds interleaved rounds per size; rig run ${dt}s; full console in $log)"
grep -a 'H2BOX-KTEST: FAIL' "$log" | sed 's/^/  /'
if [[ $rc != 0 ]]; then fail=1; fi
if ((${#notrun[@]})); then exit 2; fi
exit $fail
