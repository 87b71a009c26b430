#!/usr/bin/env bash
# run.sh - `make bench`: h2boxd's cost per cycle, memory and client start-up side by side with fancontrol, a bare C loop and perftest.
#
# Usage: tests/bench/run.sh [--tiny] [BUILD_DIR]        (as root: mount namespaces, cgroups)
#   BENCH_WINDOW   seconds of each measuring window (default 60; --tiny: 1)
#   BENCH_ROUNDS   windows per program, the figure is their median (default 3; --tiny: 1)
#   BENCH_OUT      where results.json goes (default BUILD_DIR/bench)
#   BENCH_RDMA=0   leave out the perftest comparison in the QEMU rig (--tiny always does)
#
# Every program runs in its own private mount namespace over its own copy of one fake hwmon
# tree (tests/bench/ns-run.sh: an EMC2305 fan chip, an LM75, an INA226 through the kernel's
# hwmon driver), in its own cgroup v2 group, whose cpu.stat usage_usec counts the process,
# its threads and every child it forks (fancontrol's sed and sleep).  In each round all of
# them run at once through the same window: same load, same period (1 s fan cycle), so the
# ratios hold even on a noisy machine; the figure is the median over the rounds.
#   bare1     tests/bench/bare-loop.c at 1 s: the files h2boxd's fan cycle reads, one pwm write
#   fancontrol  the Debian script with its own config over the tree, children counted
#   h2fan     h2boxd, linux backend, h2-sfx.conf's fan part only (no power/watts/ib sections)
#   h2full    h2boxd, h2-sfx.conf without power: fan 1 s, watts 10 Hz from the hwmon INA226,
#             CSV log every second
#   bare100   the bare loop at 100 Hz reading the INA226's three files
#   h2w100    h2full with sample_rate = 100
# then memory with one h2boxd (h2-sfx) alone next to fancontrol (the PSS and VmRSS targets: in
# the group three h2boxd divide their shared pages' PSS), h2boxd at 1 kHz next to the bare loop
# at 1 kHz (no sample may be missed: its status counts them; the bare loop's late wake-ups, the
# machine's floor, are shown beside; --tiny runs h2boxd in the group's window), `h2box
# status` against `true` (interleaved, medians), and perftest in the QEMU guest
# (tests/kernel/bench.sh).
#
# Output: a table on stdout and $BENCH_OUT/results.json, a list of
#   {"name", "value", "unit", "anchor", "anchor_value", "ratio" (= value / anchor_value),
#    "target" (text), "met", "target_on" ("ratio" | "value" | "none"), "target_op" ("<=" | "<"
#    | ">=" | "=="), "target_limit"}.
# Exit status: 0 every target met; 1 a target missed or a comparison that could not run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
tiny=0
if [[ ${1:-} == --tiny ]]; then
	tiny=1
	shift
fi
BUILD=$(cd "${1:-$repo/build}" && pwd) || exit 1
if ((tiny)); then
	WINDOW=${BENCH_WINDOW:-1} ROUNDS=${BENCH_ROUNDS:-1} STATUS_RUNS=3 WARMUP=0 RDMA=0
else
	WINDOW=${BENCH_WINDOW:-60} ROUNDS=${BENCH_ROUNDS:-3} STATUS_RUNS=${BENCH_STATUS_RUNS:-200}
	WARMUP=3 RDMA=${BENCH_RDMA:-1}
fi
OUT=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$OUT" "$BUILD/bench" || exit 1
TMP=$(mktemp -d /tmp/h2box-bench.XXXXXX) || exit 1
CG='' CGMNT=''
declare -A PID=()
fail=0 notrun=0

cleanup() {
	local n
	for n in "${!PID[@]}"; do
		prog_stop "$n"
	done
	[[ -n $CG && -d $CG ]] && rmdir "$CG" 2>/dev/null
	[[ -n $CGMNT ]] && umount "$CGMNT" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

not_run() { # WHAT WHY
	printf '  %-52s NOT RUN: %s\n' "$1" "$2"
	notrun=1
}

# ---- what the bench needs ----
need_ok=1
(($(id -u) == 0)) || { not_run "everything" "needs root (mount namespaces, cgroups)"; need_ok=0; }
for t in unshare jq cc; do
	command -v "$t" >/dev/null || { not_run "everything" "$t missing"; need_ok=0; }
done
FANCONTROL=$(command -v fancontrol || echo /usr/sbin/fancontrol)
[[ -x $FANCONTROL ]] || { not_run "fancontrol comparison" "fancontrol missing (Debian package fancontrol)"; FANCONTROL=''; }
((need_ok)) || exit 1

# cgroup v2: the unified hierarchy, mounted here if the machine has none
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [[ -z $cgroot ]]; then
	CGMNT=$TMP/cgroup2
	mkdir -p "$CGMNT" && mount -t cgroup2 none "$CGMNT" && cgroot=$CGMNT || CGMNT=''
fi
if [[ -z $cgroot ]] || ! mkdir "$cgroot/h2box-bench.$$" 2>/dev/null; then
	not_run "everything" "no cgroup v2 hierarchy to count CPU of a process tree"
	exit 1
fi
CG=$cgroot/h2box-bench.$$

# the floor, built next to the programs it measures
BARE=$BUILD/bench/bare-loop
if [[ ! -x $BARE || $here/bare-loop.c -nt $BARE ]]; then
	cc -O2 -Wall -Wextra -Werror -o "$BARE" "$here/bare-loop.c" || { not_run "everything" "bare-loop.c did not build"; exit 1; }
fi

# ---- profiles: h2-sfx.conf's parts, on the fake tree's chips ----
H=/sys/class/hwmon
profile() { # OUT DROP_SECTIONS_REGEX SAMPLE_RATE(or "") LOG(or "")
	awk -v drop="$2" -v rate="$3" -v log_path="$4" '
		/^\[/ {
			s = $0; gsub(/^\[|\].*$/, "", s)
			skip = (s ~ drop)
			mon = (s ~ /^monitor /)
			if (!skip) print
			if (!skip && mon) { print "type = hwmon"; print "hwmon_chip = ina226-i2c-1-40"; print "budget = yes" }
			next
		}
		skip || /^[ \t]*;/ || /^[ \t]*$/ { next }
		mon { next }
		/^sample_rate/ && rate != "" { print "sample_rate = " rate; next }
		/^log[ \t]*=/ && log_path != "" { print "log = " log_path; next }
		{ print }' "$repo/profiles/h2-sfx.conf" >"$1"
}
profile "$TMP/fan.conf" '^(power|gpio|watts|monitor .*|budget|ib|thermal .*)$' '' ''
profile "$TMP/full.conf" '^(power|gpio|ib)$' 10 "$TMP/full-watts.csv"
profile "$TMP/w100.conf" '^(power|gpio|ib)$' 100 "$TMP/w100-watts.csv"
profile "$TMP/w1k.conf" '^(power|gpio|ib)$' 1000 "$TMP/w1k-watts.csv"

# fancontrol's /etc/fancontrol for the same chips, curve and period as [curve nic]
cat >"$TMP/fancontrol.conf" <<EOF
INTERVAL=1
DEVPATH=hwmon0=class/.devices/i2c-1/1-002e hwmon1=class/.devices/i2c-1/1-0048
DEVNAME=hwmon0=emc2305 hwmon1=lm75
FCTEMPS=hwmon0/pwm1=hwmon1/temp1_input
FCFANS=hwmon0/pwm1=hwmon0/fan1_input
MINTEMP=hwmon0/pwm1=35
MAXTEMP=hwmon0/pwm1=65
MINSTART=hwmon0/pwm1=80
MINSTOP=hwmon0/pwm1=51
MINPWM=hwmon0/pwm1=51
MAXPWM=hwmon0/pwm1=255
EOF

# ---- starting, measuring, stopping one program ----
prog_start() { # NAME [--private-run] -- COMMAND...
	local n=$1
	shift
	rmdir "$CG/$n" 2>/dev/null
	mkdir "$CG/$n" || return 1
	unshare -m --propagation private "$here/ns-run.sh" "$CG/$n" "$@" >"$TMP/$n.log" 2>&1 &
	PID[$n]=$!
}

prog_stop() { # NAME
	local n=$1 p=${PID[$1]:-} i
	[[ -n $p ]] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$n]"
	# what it left behind (fancontrol's last sleep), then the group itself
	[[ -e $CG/$n/cgroup.kill ]] && echo 1 >"$CG/$n/cgroup.kill" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[[ -s $CG/$n/cgroup.procs ]] || break
		read -r -t 0.1 <> <(:) || true
	done
	rmdir "$CG/$n" 2>/dev/null
}

alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

# Waits (at most 30 s) until COMMAND succeeds, while NAME still runs.
ready() { # NAME COMMAND...
	local n=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		alive "$n" || break
		read -r -t 0.1 <> <(:) || true
	done
	echo "  $n did not come up; its log:"
	sed 's/^/  | /' "$TMP/$n.log" | tail -n 20
	return 1
}

h2boxd_start() { # NAME PROFILE
	mkdir -p "$TMP/$1.state"
	prog_start "$1" -- "$BUILD/h2boxd" -c "$2" -s "$TMP/$1.sock" --state-dir "$TMP/$1.state"
}
h2box_ok() { "$BUILD/h2box" -s "$TMP/$1.sock" status; }
pwm_of() { local v=''; read -r v <"/proc/${PID[$1]}/root$H/hwmon0/pwm1" 2>/dev/null; echo "$v"; }
fancontrol_ok() { [[ $(cat "/proc/${PID[fancontrol]}/root$H/hwmon0/pwm1_enable" 2>/dev/null) == 1 ]]; }

usage_us() { # (builtins only: the bench forks as little as it can while it measures)
	local k v
	while read -r k v; do
		[[ $k == usage_usec ]] && { echo "$v"; return; }
	done <"$CG/$1/cpu.stat"
}
# voluntary context switches of every thread: each is the thread going to sleep, so one per
# wake-up it had
wakeups() {
	awk '$1 == "voluntary_ctxt_switches:" { s += $2 } END { print s + 0 }' /proc/"${PID[$1]}"/task/*/status 2>/dev/null
}
mem_kib() { # NAME: "PSS VMRSS VMHWM" in KiB (smaps_rollup, status)
	awk '$1 == "Pss:" { p = $2 } $1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 }
		END { print p, r, h }' /proc/"${PID[$1]}"/smaps_rollup /proc/"${PID[$1]}"/status
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
now() { echo "$EPOCHREALTIME"; }

# ---- results ----
RES=$TMP/results.tsv
: >"$RES"
# NAME VALUE UNIT ANCHOR ANCHOR_VALUE TARGET_ON TARGET_OP TARGET_LIMIT TARGET_TEXT
result() {
	if [[ $2 == nan || $5 == nan || -z $2 || -z $5 ]]; then
		not_run "$1" "no measurement"
		return
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RES"
}
rec() { echo "$1 $2 $3" >>"$TMP/figures"; } # PROGRAM FIGURE VALUE: one round's figure
declare -A FIG=()
figures_median() { # every PROGRAM FIGURE's median over the rounds, into FIG, in one pass
	local k v
	# a record "COUNT SECONDS" is a rate
	while read -r k v; do FIG[$k]=$v; done < <(awk '{ print $1, $2, (NF > 3 && $4 > 0) ? $3 / $4 : $3 }' \
		"$TMP/figures" 2>/dev/null | sort -k1,1 -k2,2 -k3,3g |
		awk '{ k = $1 "." $2; n[k]++; a[k, n[k]] = $3 }
		END { for (k in n) { m = n[k]; print k, (m % 2) ? a[k, (m + 1) / 2] : (a[k, m / 2] + a[k, m / 2 + 1]) / 2 } }')
}
fig() { echo "${FIG[$1.$2]:-nan}"; }

# The files h2boxd's fan cycle reads (temperature, tach, duty read back, enable), the write
# is the duty; the 100 Hz floor reads what the hwmon INA226 monitor reads.
BARE1=("$BARE" 1000000 "$H/hwmon0/pwm1" "$H/hwmon1/temp1_input" "$H/hwmon0/fan1_input"
	"$H/hwmon0/pwm1" "$H/hwmon0/pwm1_enable")
BARE100=("$BARE" 10000 - "$H/hwmon2/in1_input" "$H/hwmon2/curr1_input" "$H/hwmon2/power1_input")

window_measure() { # NAMES... : one window over the running programs, figures recorded per name
	local n t0 t1 dt mem
	declare -A u0=() w0=()
	sleep "$WARMUP"
	t0=$(now)
	for n in "$@"; do u0[$n]=$(usage_us "$n") w0[$n]=$(wakeups "$n"); done
	sleep "$WINDOW"
	t1=$(now)
	dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	for n in "$@"; do
		alive "$n" || { echo "  $n died during the window"; sed 's/^/  | /' "$TMP/$n.log" | tail -n 10; continue; }
		rec "$n" cpu_us $(($(usage_us "$n") - u0[$n]))
		rec "$n" secs "$dt"
		rec "$n" wake_per_s "$(($(wakeups "$n") - w0[$n])) $dt" # a count and its window
		read -r -a mem < <(mem_kib "$n")
		rec "$n" pss "${mem[0]}"
		rec "$n" rss "${mem[1]}"
		rec "$n" hwm "${mem[2]}"
		rec "$n" pwm "$(pwm_of "$n")"
	done
}

status_timing() { # NAME of a running h2boxd: `h2box status` and `true`, interleaved
	local i a b
	for ((i = 0; i < STATUS_RUNS; i++)); do
		a=$(now)
		/bin/true
		b=$(now)
		awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) * 1000 }' >>"$TMP/status.true"
		a=$(now)
		"$BUILD/h2box" -s "$TMP/$1.sock" status >/dev/null
		b=$(now)
		awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) * 1000 }' >>"$TMP/status.h2box"
	done
}

# ---- the rounds ----
GROUP=(bare1 h2fan h2full bare100 h2w100)
[[ -n $FANCONTROL ]] && GROUP+=(fancontrol)
# --tiny checks the plumbing, not the figures: the 1 kHz daemon joins the group's window
((tiny)) && GROUP+=(h2w1k)
echo "== $ROUNDS round(s) of ${WINDOW}s, all programs at once, each over its own fake hwmon tree"
for ((r = 1; r <= ROUNDS; r++)); do
	prog_start bare1 -- "${BARE1[@]}"
	prog_start bare100 -- "${BARE100[@]}"
	[[ -n $FANCONTROL ]] && prog_start fancontrol --private-run -- "$FANCONTROL" "$TMP/fancontrol.conf"
	h2boxd_start h2fan "$TMP/fan.conf"
	h2boxd_start h2full "$TMP/full.conf"
	h2boxd_start h2w100 "$TMP/w100.conf"
	((tiny)) && h2boxd_start h2w1k "$TMP/w1k.conf"
	up=(bare1 bare100)
	for n in h2fan h2full h2w100; do ready "$n" h2box_ok "$n" && up+=("$n"); done
	((tiny)) && ready h2w1k h2box_ok h2w1k && up+=(h2w1k) &&
		"$BUILD/h2box" -s "$TMP/h2w1k.sock" --json status >"$TMP/w1k.before.json"
	[[ -n $FANCONTROL ]] && ready fancontrol fancontrol_ok && up+=(fancontrol)
	window_measure "${up[@]}"
	((tiny)) && alive h2w1k && "$BUILD/h2box" -s "$TMP/h2w1k.sock" --json status >"$TMP/w1k.after.json"
	if ((r == ROUNDS)) && alive h2full; then
		status_timing h2full
	fi
	for n in "${GROUP[@]}"; do prog_stop "$n"; done
	echo "  round $r done: ${up[*]}"
done

# Memory alone: three h2boxd at once share their pages and divide PSS, so the targets judge one
# h2boxd (h2-sfx) with no other h2boxd running, fancontrol alongside for the VmRSS comparison.
# Its /etc/group has the group h2box, as the package's sysusers file makes it on a real box
# (without it the control socket's group is asked of NSS, which maps libnss_systemd).
mem_alone() {
	local m
	[[ -n $FANCONTROL ]] && prog_start fancontrol --private-run -- "$FANCONTROL" "$TMP/fancontrol.conf"
	grep -q '^h2box:' /etc/group && cp /etc/group "$TMP/group" ||
		{ cat /etc/group; echo 'h2box:x:999:'; } >"$TMP/group"
	mkdir -p "$TMP/h2alone.state"
	prog_start h2alone -- bash -c 'mount --bind "$0" /etc/group && exec "$@"' "$TMP/group" \
		"$BUILD/h2boxd" -c "$TMP/full.conf" -s "$TMP/h2alone.sock" --state-dir "$TMP/h2alone.state"
	if ready h2alone h2box_ok h2alone && { [[ -z $FANCONTROL ]] || ready fancontrol fancontrol_ok; }; then
		sleep "$((WARMUP + WINDOW))"
		read -r -a m < <(mem_kib h2alone)
		rec h2alone pss "${m[0]}"; rec h2alone rss "${m[1]}"; rec h2alone hwm "${m[2]}"
		if [[ -n $FANCONTROL ]] && alive fancontrol; then
			read -r -a m < <(mem_kib fancontrol)
			rec fcalone pss "${m[0]}"; rec fcalone rss "${m[1]}"; rec fcalone hwm "${m[2]}"
		fi
	fi
	prog_stop h2alone
	prog_stop fancontrol
}
echo "== memory: h2boxd (h2-sfx) alone, fancontrol alongside"
mem_alone

# 1 kHz alone: the sampling must keep up (the status counts samples taken and missed)
# next to the bare loop at 1 kHz over the same files: its late wake-ups are the machine's floor
bare_report() { # NAME: the bare loop's "ticks N missed M" line, on SIGUSR1 (waits at most 5 s)
	local n0 i
	n0=$(grep -c '^ticks ' "$TMP/$1.log")
	kill -USR1 "${PID[$1]}" 2>/dev/null || return 1
	for ((i = 0; i < 50; i++)); do
		(($(grep -c '^ticks ' "$TMP/$1.log") > n0)) && { grep '^ticks ' "$TMP/$1.log" | tail -n 1; return 0; }
		read -r -t 0.1 <> <(:) || true
	done
	return 1
}
if ((!tiny)); then
	h2boxd_start h2w1k "$TMP/w1k.conf"
	prog_start bare1k -- "$BARE" 1000 - "$H/hwmon2/in1_input" "$H/hwmon2/curr1_input" "$H/hwmon2/power1_input"
	# SIGUSR1 kills the bare loop until its handler is in (a loaded machine starts it late)
	if ready h2w1k h2box_ok h2w1k && ready bare1k grep -q '^ready' "$TMP/bare1k.log"; then
		"$BUILD/h2box" -s "$TMP/h2w1k.sock" --json status >"$TMP/w1k.before.json"
		bare_report bare1k >"$TMP/bare1k.before"
		window_measure h2w1k
		"$BUILD/h2box" -s "$TMP/h2w1k.sock" --json status >"$TMP/w1k.after.json"
		bare_report bare1k >"$TMP/bare1k.after"
	fi
	prog_stop h2w1k
	prog_stop bare1k
fi

# ---- figures ----
figures_median
# A program whose pwm1 never left 255 (the tree's start value) did not control the fan.
for n in bare1 fancontrol h2fan h2full; do
	[[ -n ${FIG[$n.pwm]:-} ]] || continue
	[[ $(fig "$n" pwm) != 255 ]] || not_run "$n" "never wrote its pwm1"
done
per_cycle_ms() { # NAME PERIOD_S: CPU per control cycle over the window
	awk -v u="$(fig "$1" cpu_us)" -v t="$(fig "$1" secs)" -v p="$2" \
		'BEGIN { if (u == "nan" || t == "nan") print "nan"; else printf "%.4f", u / 1000 / (t / p) }'
}
core_pct() { # NAME: share of one core over the window
	awk -v u="$(fig "$1" cpu_us)" -v t="$(fig "$1" secs)" \
		'BEGIN { if (u == "nan" || t == "nan") print "nan"; else printf "%.4f", u / 1e4 / t }'
}
mib() { awk -v k="$1" 'BEGIN { if (k == "nan") print "nan"; else printf "%.3f", k / 1024 }'; }

b1=$(per_cycle_ms bare1 1) fc=$(per_cycle_ms fancontrol 1)
hf=$(per_cycle_ms h2fan 1) hu=$(per_cycle_ms h2full 1)
floor="bare C loop, 1 s (timerfd, 4 preads, 1 pwm write)"
fcname="fancontrol incl. children (sed, sleep)"
result "cpu per cycle: fan only" "$hf" ms "$floor" "$b1" ratio "<=" 1.5 "<= 1.5x"
result "cpu per cycle: h2-sfx (fan 1 s, watts 10 Hz, CSV log)" "$hu" ms "$floor" "$b1" ratio "<=" 3 "<= 3x"
result "cpu per cycle: fan only vs fancontrol" "$hf" ms "$fcname" "$fc" ratio "<=" 0.0333 "<= 1/30x"
result "cpu per cycle: h2-sfx vs fancontrol" "$hu" ms "$fcname" "$fc" ratio "<=" 0.0333 "<= 1/30x"
b100=$(core_pct bare100) h100=$(core_pct h2w100)
result "cpu: watts sampling at 100 Hz (h2-sfx, sample_rate = 100)" "$h100" "% core" \
	"bare C loop, 100 Hz (timerfd, 3 preads)" "$b100" ratio "<=" 1.2 "<= 1.2x"
result "cpu: watts sampling at 100 Hz, share of a core" "$h100" "% core" "one core" 100 \
	value "<=" 1 "<= 1 % of a core"
result "cpu: watts sampling at 1 kHz, share of a core" "$(core_pct h2w1k)" "% core" "one core" 100 \
	none "" 0 "none (information)"
if [[ -s $TMP/w1k.after.json ]]; then
	taken=$(jq -r '.watts.samples // empty' "$TMP/w1k.after.json")
	missed=$(jq -r '.watts.missed // empty' "$TMP/w1k.after.json")
	missed0=$(jq -r '.watts.missed // empty' "$TMP/w1k.before.json")
	taken0=$(jq -r '.watts.samples // empty' "$TMP/w1k.before.json")
	if [[ -n $taken && -n $missed ]]; then
		result "watts sampling at 1 kHz: missed samples" "$((missed - missed0))" samples \
			"samples taken in the window" "$((taken - taken0))" value "==" 0 "== 0"
		# "ticks N missed M" before and after the window (--tiny runs no bare loop at 1 kHz)
		bm0='' bm1=''
		((tiny)) || read -r _ bt0 _ bm0 <"$TMP/bare1k.before"
		((tiny)) || read -r _ bt1 _ bm1 <"$TMP/bare1k.after"
		if ((tiny)); then
			:
		elif [[ -n $bm0 && -n $bm1 ]]; then
			result "bare C loop at 1 kHz, same window: missed ticks" "$((bm1 - bm0))" samples \
				"ticks in the window" "$((bt1 - bt0))" none "" 0 "none (information)"
		else
			not_run "bare C loop at 1 kHz: missed ticks" "no report from the bare loop"
		fi
	else
		not_run "watts sampling at 1 kHz: missed samples" "the status has no watts.samples/missed"
	fi
else
	not_run "watts sampling at 1 kHz" "h2boxd at 1 kHz did not run"
fi
result "memory: h2boxd PSS alone (h2-sfx)" "$(mib "$(fig h2alone pss)")" MiB "fancontrol PSS" \
	"$(mib "$(fig fcalone pss)")" value "<=" 1.0 "<= 1.0 MiB"
result "memory: h2boxd VmRSS alone (h2-sfx)" "$(mib "$(fig h2alone rss)")" MiB "fancontrol VmRSS" \
	"$(mib "$(fig fcalone rss)")" ratio "<" 1 "< 1x"
result "memory: h2boxd VmHWM alone (h2-sfx)" "$(mib "$(fig h2alone hwm)")" MiB "fancontrol VmHWM" \
	"$(mib "$(fig fcalone hwm)")" none "" 0 "none (information)"
result "memory: h2boxd PSS in the group (3 h2boxd share pages)" "$(mib "$(fig h2full pss)")" MiB \
	"fancontrol PSS" "$(mib "$(fig fancontrol pss)")" none "" 0 "none (information)"
result "memory: h2boxd VmRSS in the group" "$(mib "$(fig h2full rss)")" MiB "fancontrol VmRSS" \
	"$(mib "$(fig fancontrol rss)")" none "" 0 "none (information)"
result "h2box status wall time" "$(median <"$TMP/status.h2box" 2>/dev/null || echo nan)" ms \
	"true (fork + exec)" "$(median <"$TMP/status.true" 2>/dev/null || echo nan)" ratio "<=" 1.5 "<= 1.5x"
# Idle: every wake-up of every thread, against the periods the profile configures
result "wake-ups: fan only (all threads)" "$(fig h2fan wake_per_s)" "/s" \
	"configured periods (fan 1 s)" 1 ratio "<=" 1 "<= 1x"
result "wake-ups: h2-sfx (all threads)" "$(fig h2full wake_per_s)" "/s" \
	"configured periods (fan 1 s, watts 10 Hz)" 11 ratio "<=" 1 "<= 1x"

# ---- perftest in the QEMU guest, last (slow) ----
if ((RDMA)); then
	echo "== verbs benchmark next to perftest on rxe (QEMU rig)"
	BENCH_RESULTS_TSV=$TMP/rdma.tsv "$repo/tests/kernel/bench.sh" "$BUILD"
	case $? in
	0 | 1) ;;
	*) not_run "RDMA vs perftest" "the QEMU rig could not run the comparison (above)" ;;
	esac
	if [[ -s $TMP/rdma.tsv ]]; then
		while IFS=$'\t' read -r a b c d e f g h i; do
			result "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i"
		done <"$TMP/rdma.tsv"
	else
		not_run "RDMA vs perftest" "no figures came back from the rig"
	fi
fi

# ---- results.json and the table ----
jq -R -s '
	[split("\n")[] | select(length > 0) | split("\t") |
	 { name: .[0], value: (.[1] | tonumber), unit: .[2], anchor: .[3],
	   anchor_value: (.[4] | tonumber), target: .[8], target_on: .[5], target_op: .[6],
	   target_limit: (.[7] | tonumber) } |
	 .ratio = (if .anchor_value != 0 then .value / .anchor_value else null end) |
	 (if .target_on == "ratio" then .ratio elif .target_on == "value" then .value else null end) as $x |
	 .met = (if .target_on == "none" then true
		 elif $x == null then false
		 elif .target_op == "<=" then $x <= .target_limit
		 elif .target_op == "<" then $x < .target_limit
		 elif .target_op == ">=" then $x >= .target_limit
		 else $x == .target_limit end) |
	 { name, value, unit, anchor, anchor_value, ratio, target, met, target_on, target_op,
	   target_limit }]' "$RES" >"$OUT/results.json" || { echo "results.json could not be written"; exit 1; }

echo
printf '%-58s %12s %-7s %12s %9s  %-18s %s\n' figure value unit anchor ratio target verdict
jq -r '.[] | [.name, (.value | tostring), .unit, (.anchor_value | tostring),
	(if .ratio == null then "-" else (.ratio * 1000 | round / 1000 | tostring) end), .target,
	(if .target_on == "none" then "-" elif .met then "ok" else "MISSED" end), .anchor] | @tsv' \
	"$OUT/results.json" | while IFS=$'\t' read -r name v u av ratio tgt verdict anchor; do
	printf '%-58s %12s %-7s %12s %9s  %-18s %s\n' "${name:0:58}" "$v" "$u" "$av" "$ratio" "$tgt" "$verdict"
	printf '%-58s %12s %-7s %s\n' "" "" "" "  (anchor: $anchor)"
done
echo "(results: $OUT/results.json; medians of $ROUNDS round(s) of ${WINDOW}s)"
jq -e 'all(.[]; .met)' "$OUT/results.json" >/dev/null || fail=1

if ((fail == 0 && notrun == 0)); then
	echo "all bench targets met"
	exit 0
fi
((fail == 0)) || echo "some bench targets missed"
((notrun == 0)) || echo "some bench comparisons could not run (NOT RUN above): no verdict on them"
exit 1
