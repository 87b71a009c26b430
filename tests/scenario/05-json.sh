#!/usr/bin/env bash
# 05-json.sh - `h2box --json` on every command and subcommand, successes and failures alike:
# stdout is exactly one JSON document (JSON lines for a stream), valid UTF-8, no duplicate key,
# "ok" true exactly when the exit status is 0, no integer a double cannot hold, and the names
# of docs/JSON.md.
. "$(dirname "$0")/lib.sh"

cat >"$TESTDIR/jcheck.py" <<'PY'
# jcheck.py DIR: checks every case DIR/N.{mode,rc,want,name,out} in one process (a python per
# case is too slow on a loaded machine); prints "ok NAME" or "not ok NAME: why" per case.
# MODE "one" (one document) or "lines" (one document a line).
import json, os, sys

def no_dups(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError("duplicate key(s) %s" % sorted(dup))
    return dict(pairs)

def big_ints(v, path="$"):
    if isinstance(v, bool):
        return
    if isinstance(v, int) and abs(v) > 2**53:
        raise ValueError("%s = %d does not fit a double" % (path, v))
    if isinstance(v, dict):
        for k, x in v.items():
            big_ints(x, path + "." + k)
    if isinstance(v, list):
        for i, x in enumerate(v):
            big_ints(x, "%s[%d]" % (path, i))

def check(mode, rc, raw):
    text = raw.decode("utf-8")  # strict: invalid UTF-8 is an error
    if mode == "one":
        if not text.endswith("\n") or "\n" in text[:-1]:
            raise ValueError("not exactly one line")
        docs = [json.loads(text, object_pairs_hook=no_dups)]
    else:
        lines = text.splitlines()
        if not lines:
            raise ValueError("no line")
        docs = [json.loads(l, object_pairs_hook=no_dups) for l in lines]
    for d in docs:
        big_ints(d)
    first = docs[0]
    if not isinstance(first, dict) or not isinstance(first.get("ok"), bool):
        raise ValueError("the first document has no boolean ok")
    if first["ok"] != (rc == 0):
        raise ValueError("ok=%s but exit status %d" % (first["ok"], rc))
    if not first["ok"] and (first.get("status") != rc or not first.get("error")):
        raise ValueError("an error without its status %d and message" % rc)

d = sys.argv[1]
cases = sorted(int(f[:-5]) for f in os.listdir(d) if f.endswith(".mode"))
for n in cases:
    base = os.path.join(d, str(n))
    mode = open(base + ".mode").read().strip()
    rc = int(open(base + ".rc").read())
    want = open(base + ".want").read().strip()
    name = open(base + ".name", encoding="utf-8", errors="replace").read().strip()
    raw = open(base + ".out", "rb").read()
    try:
        check(mode, rc, raw)
        if want != "any" and rc != int(want):
            raise ValueError("exit %d, expected %s" % (rc, want))
        print("ok %s (exit %d)" % (name, rc))
    except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        print("not ok %s (exit %d): %s; stdout: %r" % (name, rc, e, raw[:300]))
PY

USED=" "
CASES=$TESTDIR/cases
mkdir -p "$CASES"
NCASE=0
# jcase MODE WANT_RC ARGS...: `h2box --json ARGS`; stdout and the exit status are kept for
# jcheck.py, which judges every case at the end
jcase() {
	local mode=$1 want=$2
	shift 2
	NCASE=$((NCASE + 1))
	timeout 60 "$H2BOX" -s "$SOCK" --json "$@" >"$CASES/$NCASE.out" 2>/dev/null
	echo $? >"$CASES/$NCASE.rc"
	echo "$mode" >"$CASES/$NCASE.mode"
	echo "$want" >"$CASES/$NCASE.want"
	echo "--json $*" >"$CASES/$NCASE.name"
	USED="$USED$1 "
}
# jcheck_all: one TAP line per case so far
jcheck_all() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "${line#ok }" ;;
		*) not_ok "${line#not ok }" ;;
		esac
	done < <(python3 "$TESTDIR/jcheck.py" "$CASES")
	rm -f "$CASES"/*
}

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }

# ---- client-side outcomes (no daemon needed, or none reachable) ----
NCASE=$((NCASE + 1))
"$H2BOX" --json >"$CASES/$NCASE.out" 2>/dev/null
echo $? >"$CASES/$NCASE.rc"
echo one >"$CASES/$NCASE.mode"
echo 2 >"$CASES/$NCASE.want"
echo "--json with no command" >"$CASES/$NCASE.name"
jcase one 2 --bogus-option
jcase one 2 --timeout soon ping
jcase one 0 --help
jcase one 0 sim --help
jcase one 0 ib bench --help
jcase one 0 record --help
jcase one 2 record
jcase one 2 record --interval fast -- true
jcase one 2 sim workload ""
jcase one 2 ib bench --local --size 0
jcase one any ib bench --local --size 4K # no RDMA device here: a JSON error; on a box, a report
jcase one 5 -s "$TESTDIR/nowhere.sock" status
jcase one 5 -s "$TESTDIR/nowhere.sock" record -- true
jcase one 5 -s "$TESTDIR/nowhere.sock" watts --follow

# ---- the daemon's commands ----
jcase one 0 help
jcase one 0 ping
jcase one 2 no-such-command
jcase one 0 status
jcase one 2 status extra
jcase one 0 power status
jcase one 0 power on
advance 60s
jcase one 0 alarms
jcase one 2 alarms extra
jcase one 0 history
jcase one 2 history extra
jcase one 0 budget
jcase one 0 budget status
jcase one 2 budget nonsense
jcase one 0 watts
jcase one 2 watts --interval 0.5 --follow
jcase one 2 watts --bogus
jcase one 0 fan status
jcase one 0 fan set 50
jcase one 0 fan set 40 --for 1m
jcase one 2 fan set lots
jcase one 0 fan profile quiet
jcase one 0 fan profile quiet --until 07:00
jcase one 2 fan profile no-such-profile
jcase one 0 fan auto
jcase one 0 fan calibrate
jcase one 3 fan calibrate # a second one while the first runs is refused
jcase one 2 fan nonsense
jcase one 0 ib link
jcase one 0 ib counters
jcase one 0 ib bench --size 4K --iters 100
jcase one 2 ib bench --size 0
jcase one 2 ib nonsense
jcase one 0 record -- true
jcase one 0 record -- true $'\xff\xfe bad UTF-8 \xc3'
printf 'some bytes\n' >"$TESTDIR/src.bin"
jcase one 0 record --copy "$TESTDIR/src.bin" "$TESTDIR/dst.bin"
jcase one 1 record --copy "$TESTDIR/src.bin" "$TESTDIR/src.bin"
jcase one 1 record --copy "$TESTDIR/missing.bin" "$TESTDIR/dst.bin"
jcase one 2 record --interval 0.5 -- true
# plot: a record drawn (client-side only), its usage and file errors
h2 record -o "$TESTDIR/plot.csv" -- "$H2BOX" -s "$SOCK" sim advance 5s >/dev/null 2>&1
jcase one 0 plot "$TESTDIR/plot.csv" -o "$TESTDIR/plot.svg"
jcase one 0 plot --help
jcase one 2 plot "$TESTDIR/plot.csv"
jcase one 1 plot "$TESTDIR/missing.csv" -o "$TESTDIR/plot.svg"
jcase one 1 plot "$TESTDIR/plot.csv" -o "$TESTDIR/plot.pdf"
jcase one 0 record --plot "$TESTDIR/rec.svg" -- true
id=$(h2 --json record begin | jq -r .id)
jcase one 0 record end "$id"
jcase one 1 record end 999999
# metrics: the text inside one document, -o's file named, usage errors
jcase one 0 metrics
jcase one 0 metrics -o "$TESTDIR/metrics.prom"
jcase one 2 metrics --bogus
jcase one 0 sim status
jcase one 0 sim workload --list
jcase one 0 sim workload iperf3-tx
jcase one 2 sim workload no-such-load
jcase one 0 sim ambient 26
jcase one 2 sim ambient hot
jcase one 0 sim load 0
jcase one 0 sim fault --list
jcase one 0 sim fault fan-stall on
jcase one 0 sim fault fan-stall off
jcase one 2 sim fault no-such-fault on
jcase one 0 sim time
jcase one 0 sim time 07:00
jcase one 2 sim time 25:99
jcase one 0 sim speed 0
jcase one 0 sim advance 2s
jcase one 2 sim advance soon
jcase one 2 sim nonsense
jcase one 0 power off
advance 30s
jcase one 0 power force-off
jcase one any power clear
jcase one any power cycle
jcase one 2 power nonsense
jcase one 0 sim button
jcase one any sim button --hold 5
jcase one any sim poweroff
advance 30s

# ---- a stream: JSON lines, read as they come (explicit readiness, no sleeps) ----
mkfifo "$TESTDIR/follow"
"$H2BOX" -s "$SOCK" --json watts --follow >"$TESTDIR/follow" 2>/dev/null &
FOL=$!
exec 5<"$TESTDIR/follow"
read -r -u 5 first
advance 3s
lines=$first
for _ in 1 2 3; do
	read -r -t 20 -u 5 l && lines+=$'\n'$l
done
kill "$FOL" 2>/dev/null
wait "$FOL" 2>/dev/null
exec 5<&-
NCASE=$((NCASE + 1))
printf '%s\n' "$lines" >"$CASES/$NCASE.out"
echo 0 >"$CASES/$NCASE.rc"
echo lines >"$CASES/$NCASE.mode"
echo 0 >"$CASES/$NCASE.want"
echo "--json watts --follow: JSON lines" >"$CASES/$NCASE.name"
USED="${USED}watts "
jcheck_all
expect_eq "the stream has one reply object and three samples" "$(wc -l <<<"$lines")" 4

# ---- every verb the daemon serves was tried ----
for v in $(h2 --json help | jq -r '.commands[].verb'); do
	case "$USED" in
	*" $v "*) ok "verb '$v' covered" ;;
	*) not_ok "verb '$v' covered (add it to 05-json.sh)" ;;
	esac
done

# ---- the names of docs/JSON.md: one name and one unit per quantity ----
st=$(h2 --json status)
expect_eq "status: temperatures as <input>_temp_c" "$(jq -r '.readings | has("nic_temp_c") and has("cpu_temp_c") and (has("temperatures") | not)' <<<"$st")" true
expect_eq "status: fan inputs carry temp_c" "$(jq -r '[.fan.inputs[] | has("temp_c") and (has("celsius") | not)] | all' <<<"$st")" true
expect_eq "status: the budget state is budget_state everywhere" \
	"$(jq -r '[.readings.budget_state, .watts.budget_state] | map(type) | join(",")' <<<"$st")" "string,string"
expect_eq "budget: budget_state" "$(jget 'has("budget_state")' budget)" true
expect_eq "watts: energy_since is an ISO 8601 time" \
	"$(jget '.energy_since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' watts)" true
expect_eq "power history: time is an ISO 8601 time" \
	"$(jget '[.history[].time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")] | all' power status)" true
expect_eq "sim time: ISO 8601" "$(jget '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' sim time)" true
check "the stream's samples name budget_state" bash -c "sed -n 2p <<<'$lines' | jq -e 'has(\"budget_state\")' >/dev/null"
check "docs/JSON.md documents every renamed key" bash -c \
	"for k in budget_state _temp_c temp_c energy_since mono_s interval_s start_mono_s; do grep -q \"\\\`[^\\\`]*\$k\" '$ROOT/docs/JSON.md' || { echo missing \$k; exit 1; }; done"

stop_daemon
finish
