#!/usr/bin/env bash
# run-all.sh - runs every test tier and ends with one line over all of them: "N passed, N failed".
#
# usage: tests/run-all.sh [--only unit|scenario|kernel] BUILD_DIR SAN_BUILD_DIR
# Tiers: unit tests (cmocka, TAP) in the normal and the ASan+UBSan build; scenario tests
# (h2boxd on the simulated box driven through h2box) in both builds; the kernel tier (QEMU).
set -uo pipefail
cd "$(dirname "$0")/.."

only=""
if [ "${1:-}" = "--only" ]; then only=$2; shift 2; fi
build=${1:-build}
san=${2:-build-asan}
log_dir=$build/test-logs
mkdir -p "$log_dir"

passed=0
failed=0
skipped=0
failures=()

# Count TAP lines ("ok N", "not ok N") of one test program's output.
count_tap() {
	local name=$1 file=$2 rc=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$file" || true)
	s=$(grep -cE '^ok [0-9]+ .*# ?SKIP' "$file" || true)
	f=$(grep -cE '^not ok [0-9]+' "$file" || true)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed or failed without saying which test: count it as one failure
		f=1
		echo "  $name: exited $rc without a failing test line (crash?)" >&2
		tail -n 20 "$file" | sed 's/^/    /' >&2
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1
		echo "  $name: ran no test" >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		grep -E '^not ok' "$file" | sed 's/^/    /' >&2
	fi
	printf '  %-44s %3d passed, %d failed%s\n' "$name" "$p" "$f" \
		"$([ "$s" -gt 0 ] && echo ", $s skipped")"
}

run_unit() {
	local dir=$1 label=$2 t name out rc
	echo "== unit tests ($label)"
	for t in "$dir"/tests/test_*; do
		[ -x "$t" ] || continue
		name="$label/$(basename "$t")"
		out="$log_dir/$(basename "$t").$label.log"
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			timeout 300 "$t" >"$out" 2>&1
		rc=$?
		count_tap "$name" "$out" "$rc"
	done
}

# The libgpiod 2.x build's own backend test (the v1 build's runs with the other unit tests).
run_unit_gpiod2() {
	local t=build-gpiod2/tests/test_linux_backends out rc
	[ -x "$t" ] || { echo "== unit tests (libgpiod 2.x): no build-gpiod2, skipped"; return; }
	echo "== unit tests (libgpiod 2.x)"
	out="$log_dir/test_linux_backends.gpiod2.log"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t" >"$out" 2>&1
	rc=$?
	count_tap "gpiod2/test_linux_backends" "$out" "$rc"
}

# Run every scenario script of one build, one after the other, leaving a log and an exit code each.
scenario_pass() {
	local dir=$1 label=$2 s base
	for s in tests/scenario/[0-9]*.sh; do
		[ -f "$s" ] || continue
		base="$log_dir/$(basename "$s" .sh).$label"
		H2BOX_BUILD=$dir ASAN_OPTIONS=detect_leaks=1 timeout 600 bash "$s" >"$base.log" 2>&1
		echo $? >"$base.rc"
	done
}

# The normal and the sanitizer passes are independent: run them side by side (2 cores), then count.
run_scenarios() {
	local label s base pids=()
	echo "== scenario tests (${*:2:1}${3:+, ${*:4:1}})"
	while [ $# -ge 2 ]; do
		scenario_pass "$1" "$2" &
		pids+=($!)
		labels+=("$2")
		shift 2
	done
	wait "${pids[@]}"
	for label in "${labels[@]}"; do
		for s in tests/scenario/[0-9]*.sh; do
			[ -f "$s" ] || continue
			base="$log_dir/$(basename "$s" .sh).$label"
			count_tap "$label/$(basename "$s" .sh)" "$base.log" "$(cat "$base.rc" 2>/dev/null || echo 1)"
		done
	done
	labels=()
}
labels=()

run_kernel() {
	local out="$log_dir/kernel.log" rc p f s
	echo "== kernel tier (QEMU)"
	if [ ! -x tests/kernel/run.sh ]; then
		echo "  SKIP: tests/kernel/run.sh missing"
		return
	fi
	tests/kernel/run.sh "$build" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if grep -q '^SKIP: kernel tier' "$out"; then
		skipped=$((skipped + 1))
		return
	fi
	read -r p f s < <(sed -nE 's/^kernel: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' "$out" | tail -n 1)
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("kernel")
}

start=$(date +%s)
case "$only" in
"" )
	run_unit "$build" normal
	run_unit "$san" asan
	run_unit_gpiod2
	run_scenarios "$build" normal "$san" asan
	run_kernel
	;;
unit) run_unit "$build" normal; run_unit "$san" asan; run_unit_gpiod2 ;;
scenario) run_scenarios "$build" normal "$san" asan ;;
kernel) run_kernel ;;
*) echo "unknown tier $only" >&2; exit 2 ;;
esac
end=$(date +%s)

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $log_dir)"
fi
echo "(all tiers in $((end - start)) s; logs in $log_dir)"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
