# lib.sh - scenario-test helpers: start h2boxd on the simulated box, drive it only through h2box.
# Each scenario prints TAP lines; run-all.sh counts them.  Time moves only through
# `h2box sim advance`, so scenarios are deterministic and need no sleeps.  In the ASan build h2()
# has LeakSanitizer check each h2box command line once, its first run (why and how: at h2()).
set -uo pipefail

BUILD=${H2BOX_BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "$ROOT" && cd "$BUILD" && pwd)
H2BOXD=$BUILD/h2boxd
H2BOX=$BUILD/h2box
# Every `jq` here and in the scenarios goes through jqfast: jq 1.6 costs ~55 ms of CPU a start
# and most checks are `jq -r .simple.path`; jqfast answers those and runs the real jq for the rest.
jq() { "$BUILD/tools/jqfast" "$@"; }
TESTDIR=$(mktemp -d /tmp/h2box-scenario.XXXXXX)
SOCK=$TESTDIR/h2box.sock
DAEMON_LOG=$TESTDIR/h2boxd.log
DAEMON_PID=""
TAP_N=0
TAP_FAILED=0

cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		wait "$WAITER" 2>/dev/null
	fi
	if [ "$TAP_FAILED" -gt 0 ] && [ -f "$DAEMON_LOG" ]; then
		echo "# daemon log (last 40 lines):"
		tail -n 40 "$DAEMON_LOG" | sed 's/^/#   /'
	fi
	rm -rf "$TESTDIR"
}
trap cleanup EXIT

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }

# check "description" command args... : passes when the command succeeds
check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
}

# expect_eq "description" ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got '$2', expected '$3'"; fi
}

# expect_near "description" ACTUAL EXPECTED TOLERANCE_FRACTION: within a fraction of EXPECTED.
# An EXPECTED of 0 makes that exact equality: it fails, saying to use expect_abs.
expect_near() {
	# one awk: 2 = EXPECTED is 0, 0 = within, 1 = not
	awk -v a="$2" -v e="$3" -v t="$4" 'BEGIN { if (e + 0 == 0) exit 2; if (a == "" || a == "null") exit 1; d = a - e; if (d < 0) d = -d; exit !(d <= t * (e < 0 ? -e : e)) }'
	case $? in
	2) not_ok "$1"; echo "#   expected value is '$3': a tolerance relative to 0 is exact equality; use expect_abs" ;;
	0) ok "$1 ($2 ~ $3)" ;;
	*) not_ok "$1"; echo "#   got '$2', expected $3 within $(awk -v t="$4" 'BEGIN{print t*100}') %" ;;
	esac
}

# expect_abs "description" ACTUAL EXPECTED ABS_TOLERANCE: |ACTUAL - EXPECTED| <= ABS_TOLERANCE.
# For values near 0, where expect_near's fraction of EXPECTED would be an exact-equality check.
expect_abs() {
	if awk -v a="$2" -v e="$3" -v t="$4" 'BEGIN { if (a == "" || a == "null") exit 1; d = a - e; if (d < 0) d = -d; exit !(d <= t) }'; then
		ok "$1 ($2 ~ $3 +- $4)"
	else
		not_ok "$1"; echo "#   got '$2', expected $3 +- $4"
	fi
}

# lacks ERE COMMAND [ARGS...]: COMMAND succeeds and no line of its output matches ERE (for
# check).  Unlike `! COMMAND | grep -q ERE`, a failing COMMAND is a failure, not an empty match.
lacks() {
	local re=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "$out"
		echo "command failed with status $rc: $*"
		return 1
	fi
	if grep -qE -- "$re" <<<"$out"; then
		printf '%s\n' "$out"
		echo "output matches '$re'"
		return 1
	fi
	return 0
}

# skip "description" "reason": a TAP skip (run-all.sh names it with its reason in the summary)
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# int_cmp A OP B: A OP B for two decimal integers of up to 15 digits (no leading zeros, which
# bash would read as octal) in the shell; status 2 when either is not one (the caller asks awk)
int_cmp() {
	local int='^-?(0|[1-9][0-9]{0,14})$'
	[[ $1 =~ $int && $3 =~ $int ]] || return 2
	case $2 in
	lt) (($1 < $3)) ;;
	le) (($1 <= $3)) ;;
	gt) (($1 > $3)) ;;
	ge) (($1 >= $3)) ;;
	*) return 1 ;;
	esac
}

# expect_cmp "description" ACTUAL OP VALUE   (OP: lt le gt ge)
expect_cmp() {
	local r
	int_cmp "$2" "$3" "$4"
	r=$?
	if [ "$r" -eq 2 ]; then
		awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN { if (a == "" || a == "null") exit 1; if (op=="lt") exit !(a<b); if (op=="le") exit !(a<=b); if (op=="gt") exit !(a>b); if (op=="ge") exit !(a>=b); exit 1 }'
		r=$?
	fi
	if [ "$r" -eq 0 ]; then
		ok "$1 ($2 $3 $4)"
	else
		not_ok "$1"; echo "#   got '$2', expected $3 $4"
	fi
}

# h2 ARGS...: h2box on this scenario's daemon.  LeakSanitizer once per command line: in the ASan
# build a client start costs ~26 ms and LeakSanitizer's scan at exit ~31 ms more (page faults on
# a VM), and a scenario runs the same few command lines hundreds of times (`sim advance 1s`,
# `--json status`).  So the first run of each exact argument list is leak-checked as ASAN_OPTIONS
# says; a repeat gets detect_leaks=0 appended (the last value wins).  ASan and UBSan still check
# every run, and h2boxd is always leak-checked.  The "seen" set is a marker file per command line
# under $H2_SEEN (most calls run inside $(...), whose variables die with it), named by builtins
# only (no fork per call): the argument count, then each argument %q-quoted, '%' and '/' escaped.
# A name too long for a file cannot be made, so that command line is leak-checked every time.
# 87-leak-once.sh checks this.  Other builds ignore ASAN_OPTIONS.
H2_SEEN=$TESTDIR/h2-seen
mkdir "$H2_SEEN"
h2() {
	local key
	printf -v key '%q ' "$@"
	key=${key//%/%25}
	key=$H2_SEEN/$#:${key//\//%2F}
	if [ -e "$key" ]; then
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$H2BOX" -s "$SOCK" "$@"
	else
		{ : >"$key"; } 2>/dev/null
		"$H2BOX" -s "$SOCK" "$@"
	fi
}

# wait_until SECONDS COMMAND [ARGS...]: poll COMMAND every 50 ms until it succeeds; false after
# SECONDS.  For output another process writes (a follower's lines), never for box time.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || return 1
		read -r -t 0.05 <> <(:) || true
	done
}

# lines_ge FILE N: FILE has at least N lines
lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# jget JQ_FILTER COMMAND ARGS... : one value from a --json reply
jget() {
	local filter=$1
	shift
	h2 --json "$@" | jq -r "$filter"
}

# start_daemon PROFILE [h2boxd options...]: starts paused (speed 0) and waits for READY=1
WAITER=""
start_daemon() {
	local profile=$1 line
	shift
	mkfifo "$TESTDIR/ready"
	"$BUILD/tools/notify-wait" "$TESTDIR/notify.sock" 60 -- "$H2BOXD" -c "$profile" -s "$SOCK" \
		--sim-speed 0 "$@" >"$TESTDIR/ready" 2>>"$DAEMON_LOG" &
	WAITER=$!
	exec 4<"$TESTDIR/ready"
	read -r -u 4 DAEMON_PID || true
	read -r -u 4 line || true
	[ "$line" = "CONTROL" ] && { read -r -u 4 line || true; }
	exec 4<&-
	rm -f "$TESTDIR/ready"
	if [ "$line" != "READY" ]; then
		not_ok "h2boxd starts with $(basename "$profile")"
		DAEMON_PID=""
		return 1
	fi
	return 0
}

# stop_daemon: SIGTERM, then the daemon's exit status (through notify-wait, its parent)
stop_daemon() {
	local rc
	kill -TERM "$DAEMON_PID"
	wait "$WAITER"
	rc=$?
	DAEMON_PID=""
	return $rc
}

advance() { h2 sim advance "$1" >/dev/null; }

# One reply a moment: the clock is paused between a script's steps, so one reply answers every
# question about one moment.  pnow takes one `power status` into POWER (with its history: see
# has_transition_in), tnow one `sim status` (the plant's truth) into TRUTH, and adv DURATION
# advances the clock keeping in TRUTH the truth `sim advance --json` replies with.  pv/tv KEY:
# one value of POWER/TRUTH.  A script that uses them follows every step that changes the box by
# a new pnow/tnow/adv before it reads POWER or TRUTH again.
POWER=""
TRUTH=""
pnow() { POWER=$(h2 --json power status); }
tnow() { TRUTH=$(h2 --json sim status); }
adv() { TRUTH=$(h2 --json sim advance "$1"); }
pv() { jq -r ".$1" <<<"$POWER"; }
tv() { jq -r ".$1" <<<"$TRUTH"; }

# pst KEY: one value of `h2box --json power status`
pst() { jget ".$1" power status; }
# jrows DOC LIST FIELD...: JROWS gets one entry per element of the array at LIST (a jq path such
# as .history) in the JSON document DOC: its FIELDs as `jq -r` prints them, tab-separated.  Fails
# when LIST is not an array or a field is not a scalar.  Two jqfast starts (three for an empty
# list) instead of a jq program (`any`, `select`), which jqfast leaves to the real jq at ~55 ms.
JROWS=()
jrows() {
	local doc=$1 list=$2 n i j f out paths=() vals=()
	shift 2
	JROWS=()
	n=$(jq -r "$list | length" <<<"$doc") || return 1
	[[ $n =~ ^[0-9]+$ ]] || return 1
	if [ "$n" -eq 0 ]; then
		[ "$(jq -r "$list" <<<"$doc")" = "[]" ] # not null, "" or {}: those have length 0 too
		return
	fi
	for ((i = 0; i < n; i++)); do
		for f in "$@"; do paths+=("$list[$i].$f"); done
	done
	out=$(IFS=,; jq -r "${paths[*]}" <<<"$doc") || return 1
	mapfile -t vals <<<"$out"
	[ "${#vals[@]}" -eq $((n * $#)) ] || return 1 # a value with a newline would shift the rows
	for ((i = 0; i < n; i++)); do
		out=${vals[i * $#]}
		for ((j = 1; j < $#; j++)); do out+=$'\t'${vals[i * $# + j]}; done
		JROWS+=("$out")
	done
}

# jvals [-r] DOC PATH...: JVALS gets the value at each PATH (simple jq paths) of the JSON document
# DOC as `jq [-r]` prints it, with one jqfast start: for several values of one unchanged state,
# one query.  Without -r a string comes quoted, so `true` and `100` are a boolean and a number;
# jqfast leaves quoting strings to the real jq: use -r for strings.  On failure JVALS holds $#
# empty values (nothing compares equal to an expected value).
JVALS=()
jvals() {
	local raw=() doc out i
	[ "$1" = -r ] && { raw=(-r); shift; }
	doc=$1
	shift
	JVALS=()
	if out=$(IFS=,; jq "${raw[@]}" "$*" <<<"$doc") && mapfile -t JVALS <<<"$out" &&
		[ "${#JVALS[@]}" -eq $# ]; then
		return 0
	fi
	JVALS=()
	for ((i = 0; i < $#; i++)); do JVALS+=(""); done
	return 1
}

# num_cmp A OP B (OP: lt le gt ge): A and B are JSON numbers and A OP B
num_cmp() {
	[[ $1 =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || return 1
	local r
	int_cmp "$@"
	r=$?
	[ "$r" -ne 2 ] && return "$r"
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { if (op=="lt") exit !(a<b); if (op=="le") exit !(a<=b); if (op=="gt") exit !(a>b); if (op=="ge") exit !(a>=b); exit 1 }'
}

# has_transition FROM TO REASON: the power history holds that transition
has_transition() {
	local doc
	doc=$(h2 --json power status) && has_transition_in "$doc" "$@"
}
# has_transition_in DOC FROM TO REASON: has_transition in DOC, a `power status` already fetched
has_transition_in() {
	local row
	jrows "$1" .history from to reason || return 1
	for row in "${JROWS[@]}"; do
		[ "$row" = "$2"$'\t'"$3"$'\t'"$4" ] && return 0
	done
	return 1
}

finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# ---- helpers added for the power-sequencer scenarios (10-*, 11-*, 12-*) ----

# expect_box_off TAG WHAT: everything the box looks like when it is fully off, from one power
# status and one sim status (the clock is paused).  For sfx, "no draw" is 0 W on the monitored
# rail (the PSU feeds it all).  For brick the H2 has its own supply and the monitored rail is the
# brick's: "no draw" means the H2 draws 0 W there (the brick is still live, so the bus voltage
# stays) and the NIC on the switched-off SFX draws nothing.
expect_box_off() {
	local tag=$1 what=$2 p
	jvals -r "$(h2 --json power status)" .state .psu_on
	p=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .psu_on .host_on .watts .nic_watts .button_led
	expect_eq "$tag: $what: state off" "${p[0]}" off
	expect_eq "$tag: $what: PS_ON released (status)" "${p[1]}" false
	expect_eq "$tag: $what: PSU off (plant)" "${JVALS[0]}" false
	expect_eq "$tag: $what: H2 off (plant)" "${JVALS[1]}" false
	expect_eq "$tag: $what: no draw on the monitored rail (plant)" "${JVALS[2]}" 0
	expect_eq "$tag: $what: NIC unpowered (plant)" "${JVALS[3]}" 0
	expect_eq "$tag: $what: button LED dark" "${JVALS[4]}" false
}

# start_daemon_unready PROFILE [h2boxd options...]: starts h2boxd paused like start_daemon but
# returns once its control socket answers (X_H2BOX_CONTROL=1), before READY=1.  The self topology
# holds READY until PWR_OK, the NIC and its IB port are up, which in a paused box happens only
# through `advance`.  wait_ready then collects READY=1.
start_daemon_unready() {
	local profile=$1 line=""
	shift
	mkfifo "$TESTDIR/ready"
	"$BUILD/tools/notify-wait" "$TESTDIR/notify.sock" 60 -- "$H2BOXD" -c "$profile" -s "$SOCK" \
		--sim-speed 0 "$@" >"$TESTDIR/ready" 2>>"$DAEMON_LOG" &
	WAITER=$!
	exec 4<"$TESTDIR/ready"
	read -r -u 4 DAEMON_PID || true
	read -r -u 4 line || true
	[ "$line" = "CONTROL" ] && return 0
	not_ok "h2boxd serves its socket with $(basename "$profile") (got '$line')"
	exec 4<&-
	rm -f "$TESTDIR/ready"
	DAEMON_PID=""
	return 1
}

# wait_ready: READY=1 from a daemon started with start_daemon_unready (fails after notify-wait's 60 s)
wait_ready() {
	local line=""
	read -r -u 4 line || true
	exec 4<&-
	rm -f "$TESTDIR/ready"
	[ "$line" = "READY" ]
}

# ready_count: how many times the daemon logged its READY=1 (the log spans restarts)
ready_count() {
	local n
	n=$(grep -c 'ready: control socket' "$DAEMON_LOG" 2>/dev/null)
	echo "${n:-0}"
}

# h2_nobody ARGS...: h2box as the unprivileged user nobody (the socket is 0666; the test's
# temporary directory is opened for traversal only)
h2_nobody() {
	chmod o+x "$TESTDIR"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$H2BOX" -s "$SOCK" "$@"
}

# ---- `h2box record` around a command, next to the plant's exact energy (30-*, 31-*, 40-*) ----

# record_cmd NAME COMMAND [ARGS...]: `h2box --json record -o $TESTDIR/NAME.csv -- COMMAND ...`
# with the clock paused otherwise, so the record and the plant's energy counter cover the same
# interval.  Sets OUT (everything on stdout: the command's output, then the summary), REC (the
# JSON summary, record's last line), RC (record's exit status) and PLANT_J (the plant's exact
# energy over the record).
record_cmd() {
	local name=$1 e0 e1
	shift
	e0=$(jget .energy_j sim status)
	OUT=$(h2 --json record -o "$TESTDIR/$name.csv" -- "$@")
	RC=$?
	REC=$(tail -n 1 <<<"$OUT")
	e1=$(jget .energy_j sim status)
	PLANT_J=$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%.3f", b - a }')
}
# record_advance NAME DURATION: record_cmd around `h2box sim advance DURATION`
record_advance() { record_cmd "$1" "$H2BOX" -s "$SOCK" sim advance "$2"; }
# rec FILTER: one value of the last record's summary
rec() { jq -r "$1" <<<"$REC"; }

# ---- reloads (14-*, 17-*) ----

# reload: SIGHUP, then wait for the daemon's READY=1 that ends the reload.  notify-wait has let
# go of the daemon's NOTIFY_SOCKET after the first READY=1, so bind it again before signalling;
# READY=1 counts only after RELOADING=1 (explicit readiness, no sleeps).
reload() {
	python3 - "$TESTDIR/notify.sock" "$DAEMON_PID" <<'PY'
import os, signal, socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.kill(pid, signal.SIGHUP)
deadline = time.monotonic() + 60
reloading = False
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        print("no READY=1 after RELOADING=1 within 60 s", file=sys.stderr)
        sys.exit(1)
    s.settimeout(left)
    try:
        data = s.recv(4096).decode(errors="replace")
    except socket.timeout:
        continue
    for line in data.split("\n"):
        if line == "RELOADING=1":
            reloading = True
        elif line == "READY=1" and reloading:
            os.unlink(path)
            sys.exit(0)
PY
}

# alarm_level ID: level of an active alarm, "none" when it is not active (nothing when the
# alarms cannot be read)
alarm_level() {
	local doc
	doc=$(h2 --json alarms) && alarm_level_in "$doc" .active "$1"
}
# alarm_level_in DOC LIST ID: alarm_level from the alarm list at LIST in the JSON document DOC
# (.active of `alarms`, .alarms of `status`)
alarm_level_in() {
	local row
	jrows "$1" "$2" id level || return 1
	shift 2
	for row in "${JROWS[@]}"; do
		if [ "${row%%$'\t'*}" = "$1" ]; then
			row=${row#*$'\t'}
			case $row in null | false) row=none ;; esac # jq's `first // "none"`
			echo "$row"
			return 0
		fi
	done
	echo none
}

# alert_profile SRC DST: DST is profile SRC with an [alerts] alert_command (no rate limit) that
# appends "ALARM LEVEL" to $ALERTS ($TESTDIR/alerts.log) for every alarm change
ALERTS=$TESTDIR/alerts.log
alert_profile() {
	printf '#!/bin/sh\necho "$H2BOX_ALARM $H2BOX_LEVEL" >>"%s"\n' "$ALERTS" >"$TESTDIR/alert.sh"
	chmod +x "$TESTDIR/alert.sh"
	cp "$1" "$2"
	printf '\n[alerts]\nalert_command = %s\nrate_limit = 0\n' "$TESTDIR/alert.sh" >>"$2"
	: >"$ALERTS"
}
