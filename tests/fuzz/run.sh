#!/usr/bin/env bash
# run.sh - runs the libFuzzer harnesses of tests/fuzz over their seed corpora; TAP, one line each.
#
# usage: tests/fuzz/run.sh [--runs N | --time SECONDS] [--jobs J] FUZZ_BUILD_DIR [TARGET...]
#   --runs N     regression (the fuzz tier of tests/run-all.sh): every seed, then N executions
#                with a fixed seed, so a run is repeatable; nothing is written to the tree.
#   --time S     a long run of S seconds per target (make fuzz FUZZ_TIME=S); new inputs are kept
#                in FUZZ_BUILD_DIR/corpus/TARGET for the next run, never in the tree.
#   --jobs J     targets run side by side (default 2; the box has 2 cores).
# A crash, a leak, a sanitizer report or a failed harness check is "not ok", with the input
# saved as FUZZ_BUILD_DIR/crashes/TARGET-* (add it to tests/fuzz/corpus/TARGET once fixed).
# Each result line ends with libFuzzer's figures: executions, coverage (cov) and features (ft).
set -uo pipefail
cd "$(dirname "$0")/../.."

runs=2000 time="" jobs=2
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2 time=""; shift 2 ;;
	--time) time=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
build=${1:?usage: tests/fuzz/run.sh [--runs N | --time S] [--jobs J] FUZZ_BUILD_DIR [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		t=$(basename "$src" .c)
		targets+=("${t#fuzz_}")
	done
fi

# The longest input each target takes: what its caller could ever hand the parser.
max_len() {
	case "$1" in
	profile) echo 16384 ;;
	power_state) echo 255 ;;
	energy_state) echo 1008 ;;
	wire) echo 4097 ;;
	ctl) echo 4200 ;; # a request line of WIRE_REQUEST_MAX, and past it (the "too long" reply)
	*) echo 512 ;;
	esac
}

logs=$build/fuzz-logs
mkdir -p "$logs" "$build/crashes"

# run_one TARGET: one libFuzzer run; its log in $logs/TARGET.log, its exit status in .rc
run_one() {
	local t=$1 bin=$build/fuzz/fuzz_$1 corpus=tests/fuzz/corpus/$1 work opts
	local log=$logs/$1.log
	if [ ! -x "$bin" ]; then
		echo "no $bin (make build-fuzz)" >"$log"
		echo 127 >"$logs/$t.rc"
		return
	fi
	opts=(-max_len="$(max_len "$t")" -artifact_prefix="$build/crashes/$t-" -print_final_stats=1
		-timeout=10 -rss_limit_mb=1024)
	if [ -n "$time" ]; then
		work=$build/corpus/$t
		mkdir -p "$work"
		opts+=(-max_total_time="$time")
	else
		# new inputs of a regression run go to a throw-away directory, not the tree
		work=$(mktemp -d "$build/fuzz-regress.XXXXXX")
		opts+=(-runs="$runs" -seed=1)
	fi
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "${opts[@]}" "$work" "$corpus" >"$log" 2>&1
	echo $? >"$logs/$t.rc"
	[ -n "$time" ] || rm -rf "$work"
}

# Side by side, at most $jobs at a time; results printed in order afterwards.
running=0
for t in "${targets[@]}"; do
	rm -f "$logs/$t.rc"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

echo "1..${#targets[@]}"
n=0 failed=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	log=$logs/$t.log
	rc=$(cat "$logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
	figs=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - fuzz_$t (${execs:-?} executions, ${figs:-no figures})"
	else
		failed=$((failed + 1))
		echo "not ok $n - fuzz_$t (exit $rc; log $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed|.*runtime error|artifact_prefix|Test unit written)' \
			"$log" | head -n 8 | sed 's/^/# /'
	fi
done
[ "$failed" -eq 0 ]
