#!/usr/bin/env bash
# 70-bench-schema.sh - `make bench`'s harness in --tiny mode: every figure comes back and results.json keeps its schema.
# The tiny run measures a second or two, so its figures prove nothing and are not judged
# here; what is checked is the file: a list of objects with the 8 keys and their JSON types,
# ratio = value / anchor_value, met agreeing with the numeric target, and every comparison
# of issue #16 (except perftest, which needs the QEMU rig) present.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "bench harness --tiny" "needs root (mount namespaces, cgroups)"
	finish
	exit
fi
for t in fancontrol unshare jq cc; do
	check "$t is installed (TEST_PKGS)" command -v "$t"
done

out=$TESTDIR/bench
mkdir -p "$out"
t0=$SECONDS
BENCH_OUT=$out "$ROOT/tests/bench/run.sh" --tiny "$BUILD" >"$TESTDIR/bench.log" 2>&1
rc=$?
echo "# tiny bench: exit $rc in $((SECONDS - t0)) s"
# 0 all met, 1 missed or not run: both are a finished run; anything else is a crash
check "the harness finished (exit 0 or 1, got $rc)" test "$rc" -le 1
check "no comparison was NOT RUN" lacks "NOT RUN" cat "$TESTDIR/bench.log"
check "results.json is a non-empty JSON list" jq -e 'type == "array" and length > 0' "$out/results.json"

bad=$(jq -r '.[] | select(
	(.name | type) != "string" or (.value | type) != "number" or (.unit | type) != "string" or
	(.anchor | type) != "string" or (.anchor_value | type) != "number" or
	(.ratio | type) != "number" or (.target | type) != "string" or (.met | type) != "boolean")
	| .name // "?"' "$out/results.json") || bad="(jq failed)"
expect_eq "every entry has the 8 keys with their JSON types" "$bad" ""

bad=$(jq -r '.[] | select(((.ratio - .value / .anchor_value) | fabs) > 1e-9 * ((.ratio | fabs) + 1)) | .name' \
	"$out/results.json") || bad="(jq failed)"
expect_eq "ratio = value / anchor_value in every entry" "$bad" ""

bad=$(jq -r '.[] | .target_op as $op |
	(if .target_on == "ratio" then .ratio elif .target_on == "value" then .value else null end) as $x |
	(if .target_on == "none" then true
	 elif .target_op == "<=" then $x <= .target_limit
	 elif .target_op == "<" then $x < .target_limit
	 elif .target_op == ">=" then $x >= .target_limit
	 elif .target_op == "==" then $x == .target_limit
	 else "bad op" end) as $want |
	select($want != .met or (.target_on != "none" and (.target | startswith($op) | not)))
	| .name' "$out/results.json") || bad="(jq failed)"
expect_eq "met agrees with the target in every entry" "$bad" ""

for want in "cpu per cycle: fan only" "cpu per cycle: h2-sfx" "vs fancontrol" "100 Hz" \
	"1 kHz: missed samples" "PSS alone" "VmRSS alone" "h2box status wall time" "wake-ups: fan only"; do
	n=$(jq --arg w "$want" '[.[] | select(.name | contains($w))] | length' "$out/results.json")
	check "a figure for '$want'" test "${n:-0}" -ge 1
done
if [ "$TAP_FAILED" -gt 0 ]; then
	echo "# harness output:"
	sed 's/^/#   /' "$TESTDIR/bench.log" | tail -n 40
fi
finish
