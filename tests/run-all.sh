#!/usr/bin/env bash
# run-all.sh - runs the test tiers and ends with one line over them: "N passed, N failed[, N skipped]".
#
# usage: tests/run-all.sh [--only layers|unit|fuzz|scenario|kernel|package] BUILD_DIR SAN_BUILD_DIR [GPIOD2_BUILD_DIR [FUZZ_BUILD_DIR]]
# Tiers: the layer check (rooms, includes and cycles: tests/layers), unit tests (cmocka, TAP), the
# fuzz regression (each libFuzzer harness of tests/fuzz over its seed corpus plus a fixed number of
# executions, in the clang build FUZZ_BUILD_DIR, default build-fuzz) and scenario tests (h2boxd on the simulated box driven through
# h2box), each in the normal and the ASan+UBSan build; the libgpiod 2.x build's backend test; the
# kernel tier (QEMU, tests/kernel/run.sh); the package tier (tests/package/run.sh: the .deb, lintian,
# installed into a cached clean Debian 12 root).  How the count is made (README "Tests" says the same):
#  - a check is one TAP result of a unit test program or scenario script, or one H2BOX-KTEST result
#    of a kernel scenario, counted once per tier however many builds ran it: the ASan+UBSan re-run
#    runs the same checks again, so it adds no passes; a check that fails in either build is one
#    failure.  The re-run gets its own line.
#  - the kernel rig's checks of itself (smoke/*, */teardown) are not product checks: own line, no
#    passes in the total, their failures count.
#  - every skip is named with its reason on the line before the total; a build that is not there
#    (no libgpiod 2.x build) is a named skip of as many checks as it would have run.
#  - a failure, never a silent gap: a unit test source without its binary, a program that crashes,
#    a TAP output without exactly one plan "1..N" or whose results do not number N, a tier that
#    cannot run.  Tiers that were not asked for (--only) are not run and not counted.
# The last line is exactly "N passed, N failed" or "N passed, N failed, N skipped": CI parses it.
set -uo pipefail
cd "$(dirname "$0")/.."

only=""
if [ "${1:-}" = "--only" ]; then only=$2; shift 2; fi
build=${1:-build}
san=${2:-build-asan}
gpiod2=${3:-build-gpiod2}
fuzz=${4:-build-fuzz}
log_dir=$build/test-logs
mkdir -p "$log_dir"

# per tier: distinct checks; ASan re-run and kernel rig: their own lines
declare -A T_PASS T_FAIL T_SKIP
san_pass=0 san_fail=0 rig_pass=0 rig_fail=0
skips=()    # "COUNT|NAME|REASON"
failures=() # names, for the "failed:" line

# tap_eval FILE RC: one TAP output.  Sets E_OK (indices of passed results), E_NOTOK (failed),
# E_SKIPS ("NAME|REASON" lines), E_NRES and E_PROB (why the program as a whole failed, or "").
tap_eval() {
	local file=$1 rc=$2 nplans plan
	E_OK=$(sed -nE '/# ?SKIP/d; s/^ok ([0-9]+).*/\1/p' "$file")
	E_NOTOK=$(sed -nE 's/^not ok ([0-9]+).*/\1/p' "$file")
	E_SKIPS=$(sed -nE 's/^ok [0-9]+ (- )?(.*[^ ])? *# ?SKIP:? ?(.*)$/\2|\3/p' "$file")
	E_NRES=$(grep -cE '^(not )?ok [0-9]+' "$file")
	E_PROB=""
	nplans=$(grep -cE '^1\.\.[0-9]+' "$file")
	if [ "$nplans" -ne 1 ]; then
		E_PROB="$nplans TAP plans (1..N), expected one (died before its plan?)"
	else
		plan=$(sed -nE 's/^1\.\.([0-9]+).*/\1/p' "$file")
		[ "$plan" -eq "$E_NRES" ] || E_PROB="plan 1..$plan but $E_NRES results"
	fi
	if [ "$rc" -ne 0 ] && [ -z "$E_NOTOK" ]; then
		E_PROB="${E_PROB:+$E_PROB; }exited $rc without a failing test line (crash?)"
	elif [ "$E_NRES" -eq 0 ]; then
		E_PROB="${E_PROB:+$E_PROB; }ran no test"
	fi
}

words() { [ -z "$1" ] && echo 0 || wc -w <<<"$1"; }

# tally TIER NAME FILE RC [SAN_FILE SAN_RC]: count one program's checks for TIER, merged over
# the normal and the sanitizer build (a check fails if it fails in either).
tally() {
	local tier=$1 name=$2 file=$3 rc=$4 sfile=${5:-} src=${6:-0}
	local ok notok sk prob s_ok s_notok s_prob p f n_s line extra=""
	tap_eval "$file" "$rc"
	ok=$E_OK notok=$E_NOTOK sk=$E_SKIPS prob=$E_PROB
	if [ -n "$sfile" ]; then
		tap_eval "$sfile" "$src"
		s_ok=$(words "$E_OK") s_notok=$E_NOTOK s_prob=$E_PROB
		san_pass=$((san_pass + s_ok))
		san_fail=$((san_fail + $(words "$s_notok") + (${#s_prob} > 0)))
		extra="   (ASan+UBSan: $s_ok passed, $(($(words "$s_notok") + (${#s_prob} > 0))) failed)"
	else
		s_notok="" s_prob=""
	fi
	# distinct checks: failed in either build; passed only if it failed in neither
	f=$(printf '%s\n' $notok $s_notok | grep . | sort -un | wc -l)
	p=$(comm -23 <(printf '%s\n' $ok | grep . | sort -u) <(printf '%s\n' $s_notok | grep . | sort -u) | wc -l)
	f=$((f + (${#prob} > 0) + (${#s_prob} > 0)))
	n_s=0
	while IFS='|' read -r sname reason; do
		[ -n "$sname$reason" ] || continue
		skips+=("1|$name/${sname:-?}|${reason:-no reason given}")
		n_s=$((n_s + 1))
	done <<<"$sk"
	T_PASS[$tier]=$((${T_PASS[$tier]:-0} + p))
	T_FAIL[$tier]=$((${T_FAIL[$tier]:-0} + f))
	T_SKIP[$tier]=$((${T_SKIP[$tier]:-0} + n_s))
	printf '  %-40s %4d passed, %d failed%s%s\n' "$name" "$p" "$f" \
		"$([ "$n_s" -gt 0 ] && echo ", $n_s skipped")" "$extra"
	if [ "$f" -gt 0 ]; then
		failures+=("$name")
		[ -z "$prob" ] || echo "    $name: $prob (log $file)" >&2
		[ -z "$s_prob" ] || echo "    $name under ASan+UBSan: $s_prob (log $sfile)" >&2
		{ grep -E '^not ok' "$file"; [ -z "$sfile" ] || grep -E '^not ok' "$sfile" | sed 's/^/asan: /'; } |
			sed 's/^/    /' >&2
		[ -z "$prob" ] || tail -n 15 "$file" | sed 's/^/    | /' >&2
		[ -z "$s_prob" ] || tail -n 15 "$sfile" | sed 's/^/    | /' >&2
	fi
}

# missing TIER NAME WHY: an expected program that is not there is a failure
missing() {
	T_FAIL[$1]=$((${T_FAIL[$1]:-0} + 1))
	failures+=("$2")
	printf '  %-40s MISSING: %s\n' "$2" "$3"
}

# ---- jobs: each leaves its output in LOG and its exit status in the LOG's .rc file ----
# Unit, fuzz, scenario and package jobs share the cores in one pool (pool_run) before any count
# is made; the counting passes (run_TIER) then read the logs in a fixed order, so the report does
# not depend on which job finished first.

# job_prog BINARY LOG: one unit test program with TAP output
job_prog() {
	CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		timeout 300 "$1" >"$2" 2>&1
	echo $? >"${2%.log}.rc"
}

# job_scenario BUILD SCRIPT LOG: one scenario script against one build
job_scenario() {
	H2BOX_BUILD=$1 ASAN_OPTIONS=detect_leaks=1 timeout 600 bash "$2" >"$3" 2>&1
	echo $? >"${3%.log}.rc"
}

# job_cmd LOG COMMAND...: a tier's own runner (fuzz, package)
job_cmd() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
	echo $? >"${log%.log}.rc"
}

# log_rc LOG: the exit status a job left beside LOG (a job that left none died: 125)
log_rc() { cat "${1%.log}.rc" 2>/dev/null || echo 125; }

# The pool.  pool_add EST LOG JOB ARGS...: queue a job; EST is its expected seconds, replaced by
# what the same job took last time (LOG's .secs) when that is known.  pool_run runs the queue
# longest first on H2BOX_TEST_JOBS workers (default: the number of cores), so the long scripts
# start first and the short ones fill the gaps at the end.
POOL=()
pool_add() {
	local est=$1 log=$2 job
	shift 2
	[ -f "${log%.log}.secs" ] && est=$(cat "${log%.log}.secs")
	rm -f "${log%.log}.rc"
	printf -v job '%s\x1f' "$log" "$@"
	POOL+=("$est"$'\t'"$job")
}

pool_run() {
	local workers=${H2BOX_TEST_JOBS:-$(nproc)} line rest t0
	local -a job
	[ "${#POOL[@]}" -gt 0 ] || return 0
	[ "$workers" -ge 1 ] 2>/dev/null || workers=1
	echo "== running ${#POOL[@]} jobs (unit, fuzz, scenario, package) on $workers workers, longest first"
	while IFS= read -r line; do
		rest=${line#*$'\t'}
		IFS=$'\x1f' read -r -a job <<<"$rest"
		while [ "$(jobs -rp | wc -l)" -ge "$workers" ]; do wait -n; done
		(
			t0=$SECONDS
			"${job[@]:1}"
			echo $((SECONDS - t0)) >"${job[0]%.log}.secs"
		) &
	done < <(printf '%s\n' "${POOL[@]}" | sort -t$'\t' -k1,1nr)
	wait
}

run_unit() {
	local src t name out sout rc src_rc ok_n have_san=1
	echo "== unit tests (normal build; ASan+UBSan re-run in brackets)"
	if ! ls "$san"/tests/test_* >/dev/null 2>&1; then
		missing unit "unit/asan-build" "no unit tests in $san (make build-asan)"
		have_san=0
	fi
	for src in tests/unit/test_*.c; do
		t=$(basename "$src" .c)
		name="unit/$t"
		if [ ! -x "$build/tests/$t" ]; then missing unit "$name" "no $build/tests/$t (make build)"; continue; fi
		if [ "$have_san" = 1 ] && [ ! -x "$san/tests/$t" ]; then
			missing unit "$name (asan)" "no $san/tests/$t (make build-asan)"
		fi
		out="$log_dir/$t.normal.log" sout="$log_dir/$t.asan.log"
		rc=$(log_rc "$out")
		if [ -x "$san/tests/$t" ]; then
			src_rc=$(log_rc "$sout")
			tally unit "$name" "$out" "$rc" "$sout" "$src_rc"
		else
			tally unit "$name" "$out" "$rc"
		fi
	done
	# The libgpiod 2.x build's backend test: distinct checks (another library under the same code).
	t=$gpiod2/tests/test_linux_backends
	if [ -x "$t" ]; then
		out="$log_dir/test_linux_backends.gpiod2.log"
		rc=$(log_rc "$out")
		tally unit "gpiod2/test_linux_backends" "$out" "$rc"
	else
		ok_n=$(sed -nE 's/^1\.\.([0-9]+).*/\1/p' "$log_dir/test_linux_backends.normal.log" 2>/dev/null | head -n 1)
		ok_n=${ok_n:-1}
		skips+=("$ok_n|unit/gpiod2/test_linux_backends|no libgpiod 2.x build in $gpiod2 (make build-gpiod2)")
		T_SKIP[unit]=$((${T_SKIP[unit]:-0} + ok_n))
		printf '  %-40s %4d skipped: no %s\n' "gpiod2/test_linux_backends" "$ok_n" "$t"
	fi
}

# The tree's rooms (tests/layers): includes point down, no cycles, a client without the daemon.
run_layers() {
	local out="$log_dir/layers.log" rc
	echo "== layers (make check-layers)"
	tests/layers/test-check-layers.sh "$build" >"$out" 2>&1
	rc=$?
	tally layers "layers/check-layers" "$out" "$rc"
}

# The fuzz harnesses (tests/fuzz/run.sh): every seed plus H2BOX_FUZZ_RUNS executions each, one TAP
# line per harness; a harness that was not built is a failure like a missing unit test.
run_fuzz() {
	local out="$log_dir/fuzz.log" rc src t
	echo "== fuzz regression (libFuzzer, $fuzz)"
	for src in tests/fuzz/fuzz_*.c; do
		t=$(basename "$src" .c)
		[ -x "$fuzz/fuzz/$t" ] || { missing fuzz "fuzz/$t" "no $fuzz/fuzz/$t (make build-fuzz)"; return; }
	done
	rc=$(log_rc "$out")
	tally fuzz "fuzz/regression" "$out" "$rc"
}

# Each script ran once per build in the pool (a failing script is one failure per check it failed).
run_scenario() {
	local s base sbase have_san=1 b
	echo "== scenario tests (normal build; ASan+UBSan re-run in brackets)"
	for b in "$build" "$san"; do
		if [ ! -x "$b/h2boxd" ] || [ ! -x "$b/h2box" ] || [ ! -x "$b/tools/notify-wait" ]; then
			missing scenario "build $b" "no h2boxd, h2box or tools/notify-wait in $b"
			[ "$b" = "$build" ] && return
			have_san=0
		fi
	done
	for s in tests/scenario/[0-9]*.sh; do
		base="$log_dir/$(basename "$s" .sh).normal"
		sbase="$log_dir/$(basename "$s" .sh).asan"
		if [ "$have_san" = 1 ]; then
			tally scenario "scenario/$(basename "$s" .sh)" "$base.log" "$(log_rc "$base.log")" \
				"$sbase.log" "$(log_rc "$sbase.log")"
		else
			tally scenario "scenario/$(basename "$s" .sh)" "$base.log" "$(log_rc "$base.log")"
		fi
	done
}

# The kernel tier counts itself (tests/kernel/run.sh): product checks, the rig's own checks and
# named skips come back as "kernel: ..." lines.
run_kernel() {
	local out="$log_dir/kernel.log" rc p f s line
	echo "== kernel tier (QEMU)"
	if [ ! -x tests/kernel/run.sh ]; then
		missing kernel "tests/kernel/run.sh" "not executable"
		return
	fi
	H2BOX_KTEST_GPIOD2_BUILD=${H2BOX_KTEST_GPIOD2_BUILD-$(realpath -m "$gpiod2")} \
		tests/kernel/run.sh "$build" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(sed -nE 's/^kernel: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' "$out" | tail -n 1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	T_PASS[kernel]=$p T_FAIL[kernel]=$f T_SKIP[kernel]=$s
	read -r p f < <(sed -nE 's/^kernel: rig: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$out" | tail -n 1)
	rig_pass=${p:-0} rig_fail=${f:-0}
	if [ "$rc" -ne 0 ] && [ "${T_FAIL[kernel]}" -eq 0 ] && [ "$rig_fail" -eq 0 ]; then
		echo "  kernel: tests/kernel/run.sh exited $rc without a failed check" >&2
		T_FAIL[kernel]=1
	fi
	if [ "${T_PASS[kernel]}" -eq 0 ] && [ "${T_FAIL[kernel]}" -eq 0 ]; then
		echo "  kernel: no product check passed or failed" >&2
		T_FAIL[kernel]=1
	fi
	while IFS= read -r line; do
		skips+=("1|kernel/${line%%: *}|${line#*: }")
	done < <(sed -nE 's/^kernel: skip: (.*)$/\1/p' "$out")
	if [ "${T_FAIL[kernel]}" -gt 0 ] || [ "$rig_fail" -gt 0 ]; then failures+=("kernel"); fi
}

# The Debian package (tests/package/run.sh): built (or reused) and lint-checked, installed into a
# clean Debian 12 root, used, removed and purged there.  One TAP program, once (no ASan re-run:
# the package holds the normal build).
run_package() {
	local out="$log_dir/package.log" rc
	echo "== package (the .deb in a clean Debian 12 root)"
	rc=$(log_rc "$out")
	tally package "package/install" "$out" "$rc"
}

# skip_summary: the named skips, those with the same reason together ("NAME, NAME: REASON; ...")
skip_summary() {
	printf '%s\n' "${skips[@]}" | awk -F'|' '
		{ if (!($3 in n)) order[++k] = $3; n[$3] += $1; names[$3] = names[$3] (c[$3]++ ? ", " : "") $2 }
		END {
			for (i = 1; i <= k; i++) {
				r = order[i]
				if (c[r] > 3) { split(names[r], a, ", "); names[r] = a[1] ", " a[2] " and " c[r] - 2 " more" }
				printf "%s%s (%d): %s", (i > 1 ? "; " : ""), names[r], n[r], r
			}
		}'
}

start=$(date +%s)
case "$only" in
"") tiers="layers unit fuzz scenario kernel package" ;;
layers | unit | fuzz | scenario | kernel | package) tiers=$only ;;
*) echo "unknown tier $only" >&2; exit 2 ;;
esac
# queue_TIER: the tier's jobs into the pool (what is missing is reported when the tier is counted)
queue_unit() {
	local src t b label
	for src in tests/unit/test_*.c; do
		t=$(basename "$src" .c)
		for b in "$build:normal" "$san:asan"; do
			label=${b##*:} b=${b%:*}
			[ ! -x "$b/tests/$t" ] || pool_add 2 "$log_dir/$t.$label.log" job_prog "$b/tests/$t" "$log_dir/$t.$label.log"
		done
	done
	t=$gpiod2/tests/test_linux_backends
	[ ! -x "$t" ] || pool_add 2 "$log_dir/test_linux_backends.gpiod2.log" job_prog "$t" "$log_dir/test_linux_backends.gpiod2.log"
}
queue_fuzz() {
	local src
	for src in tests/fuzz/fuzz_*.c; do [ -x "$fuzz/fuzz/$(basename "$src" .c)" ] || return 0; done
	pool_add 10 "$log_dir/fuzz.log" job_cmd "$log_dir/fuzz.log" tests/fuzz/run.sh --runs "${H2BOX_FUZZ_RUNS:-2000}" "$fuzz"
}
# Without timings from an earlier run a script is expected to take a second per 700 bytes, and
# 1.6 times that under ASan+UBSan (what this machine showed).
queue_scenario() {
	local s b label size f
	for s in tests/scenario/[0-9]*.sh; do
		size=$(stat -c %s "$s")
		for b in "$build:normal:10" "$san:asan:16"; do
			IFS=: read -r b label f <<<"$b"
			[ -x "$b/h2boxd" ] && [ -x "$b/h2box" ] && [ -x "$b/tools/notify-wait" ] || continue
			pool_add $((size * f / 7000)) "$log_dir/$(basename "$s" .sh).$label.log" \
				job_scenario "$b" "$s" "$log_dir/$(basename "$s" .sh).$label.log"
		done
	done
}
queue_package() { pool_add 60 "$log_dir/package.log" job_cmd "$log_dir/package.log" tests/package/run.sh "$build"; }
queue_layers() { :; }
queue_kernel() { :; }

# The kernel tier runs alone after the pool: its QEMU guest (TCG, -smp 2) wants both cores.
for tier in $tiers; do "queue_$tier"; done
pool_run
for tier in $tiers; do "run_$tier"; done
end=$(date +%s)

echo
passed=0 failed=0 skipped=0
for tier in $tiers; do
	printf '%-9s %d passed, %d failed%s\n' "$tier:" "${T_PASS[$tier]:-0}" "${T_FAIL[$tier]:-0}" \
		"$([ "${T_SKIP[$tier]:-0}" -gt 0 ] && echo ", ${T_SKIP[$tier]} skipped")"
	passed=$((passed + ${T_PASS[$tier]:-0}))
	failed=$((failed + ${T_FAIL[$tier]:-0}))
	skipped=$((skipped + ${T_SKIP[$tier]:-0}))
done
case " $tiers " in *" unit "* | *" scenario "*)
	echo "ASan+UBSan re-run of the unit and scenario checks (no passes in the total): $san_pass passed, $san_fail failed" ;;
esac
case " $tiers " in *" kernel "*)
	echo "kernel rig self-checks, smoke/* and */teardown (not in the total): $rig_pass passed, $rig_fail failed"
	failed=$((failed + rig_fail)) ;;
esac
[ -n "$only" ] && echo "(only the $only tier was asked for)"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $log_dir)"
fi
echo "(all tiers in $((end - start)) s; logs in $log_dir)"
if [ "$skipped" -gt 0 ]; then
	echo "skipped: $(skip_summary)"
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
