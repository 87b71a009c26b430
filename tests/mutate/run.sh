#!/usr/bin/env bash
# run.sh - mutation testing: apply each hand-written mutant of tests/mutate/mutants.txt to a copy
# of the tree, build it, and see whether a unit test or one of its scenarios kills it.
#
# usage: tests/mutate/run.sh [ID...]     (default: every mutant; `make mutate MUTANTS="a b"`)
# Prints one line per mutant (killed by which test, or SURVIVED) and the score.  Exits 0 only
# when every mutant was killed; 1 when one survived; 2 when the list or the build is broken.
# The tree is never touched: the sources and a normal build are copied to a temporary folder,
# each mutant is applied there, make rebuilds only what it changed, and the file is restored.
set -uo pipefail
cd "$(dirname "$0")/../.."

list=tests/mutate/mutants.txt
tool=tests/mutate/mutants.py
jobs=${JOBS:-2}
t_start=$(date +%s)

python3 "$tool" check "$list" . || exit 2

work=$(mktemp -d /tmp/h2box-mutate.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/src
mkdir -p "$src"
# the sources only (no .git, no build folders); the copy builds into its own build/
tar --exclude=./.git --exclude='./build*' -cf - . | tar -C "$src" -xf -

# A build whose intermediate objects stay (.SECONDARY), so a mutant relinks instead of
# recompiling every test program.
mk() {
	make -C "$src" --no-print-directory -j"$jobs" BUILD_DIR=build --eval=.SECONDARY: compile
}
echo "== baseline build of the copy"
if ! mk >"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log"
	echo "mutate: the unmodified tree does not build" >&2
	exit 2
fi

# Runs the unit tier of the copy; prints the first failing test program's name.
unit_tier() {
	local t
	for t in "$src"/build/tests/test_*; do
		[ -x "$t" ] || continue
		# it checks that every snippet matches the tree, which a mutant just changed
		[ "$(basename "$t")" = test_mutants ] && continue
		if ! (cd "$src" && CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t") >"$work/unit.log" 2>&1; then
			echo "unit/$(basename "$t")"
			return 0
		fi
	done
	return 1
}

# Runs the named scenarios of the copy; prints the first one that fails.
scenario_tier() {
	local s
	for s in "$@"; do
		[ "$s" = none ] && continue
		if ! H2BOX_BUILD="$src/build" timeout 600 bash "$src/tests/scenario/$s.sh" \
			>"$work/scenario.log" 2>&1 || grep -q '^not ok' "$work/scenario.log"; then
			echo "scenario/$s"
			return 0
		fi
	done
	return 1
}

echo "== baseline: every test passes on the unmodified copy"
if by=$(unit_tier); then
	echo "mutate: $by fails without any mutant" >&2
	tail -n 20 "$work/unit.log" >&2
	exit 2
fi

killed=0 survived=0 broken=0 total=0
survivors=()
while IFS=$'\t' read -r id file scenarios why; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF "$id"; then
		continue
	fi
	total=$((total + 1))
	t0=$(date +%s)
	cp -p "$src/$file" "$work/orig"
	if ! python3 "$tool" apply "$list" "$id" "$src" >"$work/apply.log" 2>&1; then
		result="ERROR    (does not apply: $(head -n 1 "$work/apply.log"))"
		broken=$((broken + 1))
	elif ! mk >"$work/build.log" 2>&1; then
		result="ERROR    (does not build: $(grep -m1 'error' "$work/build.log"))"
		broken=$((broken + 1))
	elif by=$(unit_tier) || by=$(scenario_tier $scenarios); then
		result="killed   by $by"
		killed=$((killed + 1))
	else
		result="SURVIVED (unit tier, scenarios: $scenarios)"
		survived=$((survived + 1))
		survivors+=("$id")
	fi
	# restore, newer than the mutant's object so the next build recompiles the original
	cp "$work/orig" "$src/$file"
	touch "$src/$file"
	printf '%-28s %-24s %s (%ds)\n' "$id" "$file" "$result" $(($(date +%s) - t0))
done < <(python3 "$tool" list "$list")

if [ $# -gt 0 ] && [ "$total" -ne $# ]; then
	echo "mutate: $(($# - total)) of the named mutants are not in $list" >&2
	broken=$((broken + $# - total))
fi
echo "mutation score: $killed/$total killed, $survived survived, $broken broken" \
	"($(($(date +%s) - t_start)) s)"
[ ${#survivors[@]} -gt 0 ] && echo "survivors (each one is a missing test): ${survivors[*]}"
[ "$broken" -gt 0 ] && exit 2
[ "$survived" -gt 0 ] && exit 1
exit 0
