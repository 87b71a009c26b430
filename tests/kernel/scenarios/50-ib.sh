#!/bin/sh
# 50-ib.sh - the IB link probe, counters and verbs benchmark on soft-RoCE, through h2box only, next to perftest.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
# shellcheck disable=SC2034,SC2015,SC2086  # BW_ITERS_* are read through eval; A && B || die; word lists
#
# h2boxd runs with backend = linux and tests/kernel/profiles/rig-ib.conf on rxe_lo (rxe on lo);
# the power service's three GPIO lines come from a gpio-sim chip.  Every check goes through the
# h2box client.  The benchmark runs on a single device (loopback: both queue pairs on rxe_lo),
# then perftest's ib_write_bw / ib_send_lat run on the same device, and each comparison is printed
# as one machine-parsable console line for tests/kernel/bench.sh:
#   H2BOX-KTEST-BENCH: write_bw size=65536 iters=N h2box=GBPS perftest=GBPS ratio=R
#   H2BOX-KTEST-BENCH: send_lat size=2 iters=N h2box=US perftest=US ratio=R   (median one-way)
# 51-ib-bench.sh sources this file with IB_MODE=bench: more sizes and iterations, comparisons only;
# 52-ib-selftest.sh with IB_MODE=selftest: `h2box ib selftest` alone, in its own time budget.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh

IB_MODE=${IB_MODE:-test}
IB_DEV=rxe_lo
IB_PROFILE=/rig/profiles/rig-ib.conf
IB_SOCK=/run/h2box-ib.sock
IB_LOG=/tmp/h2boxd-ib.log
IB_JSONCK=/tmp/jsonck.awk
# TCG makes rxe slow (~0.5 Gb/s): the normal tier keeps runs short, make bench runs longer.
# Each comparison runs ROUNDS times, h2box and perftest interleaved (the order flips every round);
# the medians of each tool's runs are compared (the guest's vCPUs share the host with whatever
# else runs there: one disturbed run moves a median less than a best or a mean).
if [ "$IB_MODE" = bench ]; then
	BW_SIZES="4096 65536 1048576"
	# runs of a second or more: at 3000 x 4 KiB (a quarter second) one scheduling hiccup of
	# the guest's vCPUs halved a run, for either tool
	BW_ITERS_4096=10000 BW_ITERS_65536=2000 BW_ITERS_1048576=150
	LAT_SIZES="2 4096"
	LAT_ITERS=3000
	ROUNDS=5
	LAT_ROUNDS=5 # latency swings 20-70 us with where the guest's two vCPUs land: more rounds
	case ${IB_BENCH_PART:-all} in
	bw) LAT_SIZES= ;;
	lat) BW_SIZES= ;;
	esac
else
	BW_SIZES=65536
	BW_ITERS_65536=500
	LAT_SIZES=2
	LAT_ITERS=1000
	ROUNDS=1
	LAT_ROUNDS=1
fi
export H2BOX_SOCKET=$IB_SOCK

# One JSON document per line (the stream of `ib bench` has two); exit 1 at the first invalid one.
# NaN/Infinity are invalid JSON, so a leaked NAN fails here too.
cat >"$IB_JSONCK" <<'AWK'
function ws() { while (pos <= n && index(" \t\r", substr(s, pos, 1))) pos++ }
function value(   c) {
	ws(); c = substr(s, pos, 1)
	if (c == "{") return object()
	if (c == "[") return array()
	if (c == "\"") return string()
	if (substr(s, pos, 4) == "true" || substr(s, pos, 4) == "null") { pos += 4; return 1 }
	if (substr(s, pos, 5) == "false") { pos += 5; return 1 }
	return number()
}
function number(   t) {
	t = substr(s, pos)
	if (!match(t, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) return 0
	pos += RLENGTH
	return RLENGTH > 0
}
function string(   c) {
	pos++
	while (pos <= n) {
		c = substr(s, pos, 1)
		if (c == "\"") { pos++; return 1 }
		if (c == "\\") {
			c = substr(s, pos + 1, 1)
			if (c == "u") {
				if (!match(substr(s, pos + 2, 4), /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/)) return 0
				pos += 6
			} else if (index("\"\\/bfnrt", c)) pos += 2
			else return 0
			continue
		}
		if (c < " ") return 0
		pos++
	}
	return 0
}
function object() {
	pos++; ws()
	if (substr(s, pos, 1) == "}") { pos++; return 1 }
	for (;;) {
		ws()
		if (substr(s, pos, 1) != "\"" || !string()) return 0
		ws()
		if (substr(s, pos, 1) != ":") return 0
		pos++
		if (!value()) return 0
		ws()
		if (substr(s, pos, 1) == ",") { pos++; continue }
		if (substr(s, pos, 1) == "}") { pos++; return 1 }
		return 0
	}
}
function array() {
	pos++; ws()
	if (substr(s, pos, 1) == "]") { pos++; return 1 }
	for (;;) {
		if (!value()) return 0
		ws()
		if (substr(s, pos, 1) == ",") { pos++; continue }
		if (substr(s, pos, 1) == "]") { pos++; return 1 }
		return 0
	}
}
NF == 0 { next }
{
	s = $0; n = length(s); pos = 1
	if (!value()) { printf "invalid JSON at column %d: %s\n", pos, s; exit 1 }
	ws()
	if (pos <= n) { printf "trailing bytes at column %d: %s\n", pos, s; exit 1 }
	docs++
}
END { if (!docs) { print "no JSON document"; exit 1 } }
AWK

# ---------------------------------------------------------------- helpers

json_ok() { # FILE: every line a valid JSON document
	awk -f "$IB_JSONCK" "$1" || rig_die "$(awk -f "$IB_JSONCK" "$1" | tail -n 1)"
}

# json_field FILE KEY [N]: the Nth (default first) scalar value of "KEY": in FILE, unquoted.
json_field() {
	grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | sed -n "${3:-1}p" | sed 's/^"[^"]*"://; s/^"//; s/"$//'
}

expect_field() { # FILE KEY WANT
	rig_expect_eq "$2" "$(json_field "$1" "$2")" "$3"
}

num_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
num_le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

tcp_listening() { # PORT: some socket LISTENs on PORT (IPv4 or IPv6)
	local hex
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'
}

bench_line() { # the machine-parsable comparison line, on the console (fd 3) even inside a check
	if { true >&3; } 2>/dev/null; then
		printf 'H2BOX-KTEST-BENCH: %s\n' "$*" >&3
	else
		printf 'H2BOX-KTEST-BENCH: %s\n' "$*"
	fi
}

daemon_alive() {
	local pid
	pid=$(cat "$RIG_STATE/h2boxd-ib.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

# ---------------------------------------------------------------- checks

setup() {
	local pid
	[ -r "$IB_PROFILE" ] || rig_die "no $IB_PROFILE in the initramfs"
	rig_gpio_sim_setup h2box-ib PSU_ON_N PSU_PWR_OK PWR_BUTTON >/dev/null
	rig_gpio_pull PSU_PWR_OK up    # the supply answers PS_ON at once
	rig_gpio_pull PWR_BUTTON up    # active low: released
	rig_rxe_setup lo "$IB_DEV"
	h2boxd -c "$IB_PROFILE" >"$IB_LOG" 2>&1 &
	pid=$!
	echo "$pid" >"$RIG_STATE/h2boxd-ib.pid"
	rig_wait_for 15 h2box ib link >/dev/null || { cat "$IB_LOG"; rig_die "h2box ib link never answered"; }
}

link_text() {
	local out=/tmp/ib-link.txt
	h2box ib link >"$out" || { cat "$out"; rig_die "h2box ib link failed"; }
	cat "$out"
	grep -q "^$IB_DEV:" "$out" || rig_die "no $IB_DEV in ib link"
	grep -q 'port 1: ACTIVE' "$out" || rig_die "port 1 is not ACTIVE"
	grep -q 'Ethernet' "$out" || rig_die "link layer is not Ethernet (RoCE)"
	grep -q 'PCIe: .*soft device' "$out" || rig_die "PCIe is not reported as n/a (soft device)"
	# rxe on lo: the kernel's fallback speed for a netdev without one is 1 Gb/s -> "1X SDR".
	grep -q 'rate "2.5 Gb/sec (1X SDR)"' "$out" || rig_die "sysfs rate not shown as rxe reports it"
	grep -q '1GbE: 1.25 Gb/s signalling, 8b/10b -> 1 Gb/s data' "$out" || rig_die "wrong rate/encoding for RoCE 1X SDR"
	if grep -qi 'nan' "$out"; then rig_die "a NaN leaked into the text"; fi
}

link_json() {
	local out=/tmp/ib-link.json
	h2box --json ib link >"$out" || { cat "$out"; rig_die "h2box --json ib link failed"; }
	cat "$out"
	json_ok "$out"
	expect_field "$out" ok true
	expect_field "$out" name "$IB_DEV"
	expect_field "$out" slot null
	expect_field "$out" port 1
	expect_field "$out" state ACTIVE
	expect_field "$out" link_layer Ethernet
	expect_field "$out" sysfs_rate "2.5 Gb/sec (1X SDR)"
	expect_field "$out" lanes 1
	expect_field "$out" speed 1GbE
	expect_field "$out" encoding 8b/10b
	expect_field "$out" signal_gbps 1.250
	expect_field "$out" data_gbps 1.000
	expect_field "$out" bottleneck network
	expect_field "$out" warn false
}

# `h2box ib selftest` on rxe, through h2boxd and --local: its JSON read with jq (docs/JSON.md),
# and the memlock pre-flight refusing an unprivileged bench with a small limit before registration.
selftest() {
	local out=/tmp/ib-selftest
	h2box --json ib selftest >"$out.json" || { cat "$out.json"; rig_die "h2box --json ib selftest failed"; }
	cat "$out.json"
	json_ok "$out.json"
	# the daemon streams a hardware bench: the report is the last document
	tail -n 1 "$out.json" >"$out.last"
	jq -e --arg d "$IB_DEV" '.ok == true and .selftest.device == $d' "$out.last" >/dev/null ||
		rig_die "selftest: not ok, or not on $IB_DEV"
	jq -e '.selftest.ports[0] | .state == "ACTIVE" and .link_layer == "Ethernet" and .max_mtu > 0' \
		"$out.last" >/dev/null || rig_die "selftest: port 1 facts wrong"
	jq -e '.selftest.pci.slot == null and .selftest.pci.id == null and ([.selftest.checks[] | select(.check == "pcie-link")][0].value | startswith("soft device"))' \
		"$out.last" >/dev/null || rig_die "selftest: rxe is not a soft device without PCIe"
	jq -e '[.selftest.checks[] | select(.check == "subnet-manager")] | length == 0' "$out.last" >/dev/null ||
		rig_die "selftest: a subnet-manager check on RoCE"
	jq -e '[.selftest.checks[] | select(.check == "counters")][0] | .level == "warn" and (.value | startswith("hw_counters"))' \
		"$out.last" >/dev/null || rig_die "selftest: rxe's packet-only counters not flagged"
	jq -e '.selftest.memlock | .need_bytes_selftest > 0 and .need_bytes_max > .need_bytes_selftest' \
		"$out.last" >/dev/null || rig_die "selftest: memlock needs missing"
	jq -e '[.selftest.checks[] | select(.check == "bench")][0].level == "ok" and .bench.results[0].gbps > 0' \
		"$out.last" >/dev/null || rig_die "selftest: the short bench did not run"
	jq -e '.selftest.summary.fail == 0 and ([.selftest.checks[] | .level] | all(. == "ok" or . == "warn" or . == "fail"))' \
		"$out.last" >/dev/null || rig_die "selftest: a check failed on a working rxe"
	h2box ib selftest >"$out.txt" || { cat "$out.txt"; rig_die "h2box ib selftest (text) failed"; }
	grep -q '^[0-9]* ok, [0-9]* warn, 0 fail$' "$out.txt" || { cat "$out.txt"; rig_die "selftest text: no summary"; }
	if grep -qi 'nan' "$out.txt"; then rig_die "a NaN leaked into the selftest text"; fi
	h2box --json ib selftest --local --dev "$IB_DEV" >"$out.local" ||
		{ cat "$out.local"; rig_die "h2box ib selftest --local failed"; }
	jq -e '.ok == true and .bench.role == "loopback" and .selftest.summary.fail == 0' "$out.local" >/dev/null ||
		{ cat "$out.local"; rig_die "selftest --local: not a clean report"; }
	# RLIMIT_MEMLOCK of 1 MiB without CAP_IPC_LOCK: refused before registration, with the figure
	# (a loopback of 1 MiB messages: two ends of 2 MiB, a page and 256 KiB of queues each = 5 MiB)
	if sh -c "ulimit -l 1024 && exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups h2box ib bench --local --dev $IB_DEV --size 1M --iters 10" >"$out.memlock" 2>&1; then
		cat "$out.memlock"
		rig_die "an unprivileged 1 MiB bench ran under a 1 MiB memlock limit"
	fi
	cat "$out.memlock"
	grep -q 'RLIMIT_MEMLOCK is 1024 KiB' "$out.memlock" || rig_die "memlock refusal without the limit"
	grep -q 'LimitMEMLOCK=5M' "$out.memlock" || rig_die "memlock refusal without the LimitMEMLOCK= needed"
	grep -q 'ulimit -l 5120' "$out.memlock" || rig_die "memlock refusal without ulimit -l"
}

bench_write() {
	local out=/tmp/ib-bench-write.json sizes rows i g
	sizes=4K,64K,256K
	h2box --json ib bench --dev "$IB_DEV" --sizes "$sizes" --iters 300 >"$out" ||
		{ cat "$out"; rig_die "h2box ib bench (write) failed"; }
	cat "$out"
	json_ok "$out"
	tail -n 1 "$out" >/tmp/ib-bench-write.last
	expect_field /tmp/ib-bench-write.last ok true
	expect_field /tmp/ib-bench-write.last test write_bw
	expect_field /tmp/ib-bench-write.last role loopback
	expect_field /tmp/ib-bench-write.last device "$IB_DEV"
	expect_field /tmp/ib-bench-write.last simulated false
	rows=$(grep -o '"gbps":' /tmp/ib-bench-write.last | wc -l)
	rig_expect_eq "result rows" "$rows" 3
	for i in 1 2 3; do
		g=$(json_field /tmp/ib-bench-write.last gbps "$i")
		num_gt "$g" 0 || rig_die "row $i: $g Gb/s"
		num_gt "$(json_field /tmp/ib-bench-write.last iters "$i")" 0 || rig_die "row $i: no measured iterations"
	done
	rig_note "h2box ib bench write over $IB_DEV: $(grep -o '"size":[0-9]*\|"gbps":[0-9.]*' /tmp/ib-bench-write.last | sed 's/"size"://; s/"gbps"://' | paste -sd' ' | awk '{ for (i = 1; i < NF; i += 2) printf "%s%s B %s Gb/s", (i > 1 ? ", " : ""), $i, $(i + 1) }')"
	# every size from 2 B to 8 MiB, a run by duration, and both directions at once
	h2box --json ib bench --dev "$IB_DEV" --sizes all --iters 5 >/tmp/ib-bench-all.json ||
		{ cat /tmp/ib-bench-all.json; rig_die "h2box ib bench --sizes all failed"; }
	tail -n 1 /tmp/ib-bench-all.json >/tmp/ib-bench-all.last
	json_ok /tmp/ib-bench-all.last
	rig_expect_eq "rows for 2 B .. 8 MiB" "$(grep -o '"gbps":' /tmp/ib-bench-all.last | wc -l)" 23
	rig_expect_eq "largest size" "$(json_field /tmp/ib-bench-all.last size 23)" 8388608
	h2box --json ib bench --dev "$IB_DEV" --size 64K --duration 1s >/tmp/ib-bench-dur.json ||
		{ cat /tmp/ib-bench-dur.json; rig_die "h2box ib bench --duration failed"; }
	tail -n 1 /tmp/ib-bench-dur.json >/tmp/ib-bench-dur.last
	g=$(json_field /tmp/ib-bench-dur.last seconds)
	awk -v s="$g" 'BEGIN { exit !(s >= 0.9 && s <= 1.5) }' || rig_die "--duration 1s measured $g s"
	num_gt "$(json_field /tmp/ib-bench-dur.last iters)" 0 || rig_die "--duration 1s: no iterations"
	h2box --json ib bench --dev "$IB_DEV" --size 64K --iters 200 --bidir >/tmp/ib-bench-bidir.json ||
		{ cat /tmp/ib-bench-bidir.json; rig_die "h2box ib bench --bidir failed"; }
	tail -n 1 /tmp/ib-bench-bidir.json >/tmp/ib-bench-bidir.last
	expect_field /tmp/ib-bench-bidir.last bidir true
	num_gt "$(json_field /tmp/ib-bench-bidir.last gbps)" 0 || rig_die "--bidir: no forward rate"
	num_gt "$(json_field /tmp/ib-bench-bidir.last gbps_reverse)" 0 || rig_die "--bidir: no reverse rate"
	# and the text form, whose exit status is the run's
	h2box ib bench --dev "$IB_DEV" --size 64K --iters 50 >/tmp/ib-bench-write.txt ||
		{ cat /tmp/ib-bench-write.txt; rig_die "h2box ib bench (text) failed"; }
	cat /tmp/ib-bench-write.txt
	grep -q 'RDMA WRITE bandwidth (loopback) on rxe_lo:1' /tmp/ib-bench-write.txt || rig_die "no report header"
}

bench_lat() {
	local out=/tmp/ib-bench-lat.json min med p99 max
	h2box --json ib bench --dev "$IB_DEV" --lat --iters 500 >"$out" ||
		{ cat "$out"; rig_die "h2box ib bench --lat failed"; }
	cat "$out"
	json_ok "$out"
	tail -n 1 "$out" >/tmp/ib-bench-lat.last
	expect_field /tmp/ib-bench-lat.last ok true
	expect_field /tmp/ib-bench-lat.last test send_lat
	expect_field /tmp/ib-bench-lat.last iters 500
	min=$(json_field /tmp/ib-bench-lat.last lat_min_us)
	med=$(json_field /tmp/ib-bench-lat.last lat_median_us)
	p99=$(json_field /tmp/ib-bench-lat.last lat_p99_us)
	max=$(json_field /tmp/ib-bench-lat.last lat_max_us)
	num_gt "$min" 0 || rig_die "min latency $min"
	num_le "$min" "$med" && num_le "$med" "$p99" && num_le "$p99" "$max" ||
		rig_die "latency distribution out of order: min $min median $med p99 $p99 max $max"
	rig_note "h2box ib bench --lat over $IB_DEV (2 B, one-way): min $min, median $med, p99 $p99, max $max us"
}

bench_fails() {
	local rc out=/tmp/ib-bench-fail
	rc=0
	h2box ib bench --dev nosuch0 --iters 10 >"$out.txt" 2>&1 || rc=$?
	cat "$out.txt"
	[ "$rc" != 0 ] || rig_die "a failed bench exited 0"
	grep -q 'ib bench failed: nosuch0' "$out.txt" || rig_die "no failure message"
	rc=0
	h2box --json ib bench --dev nosuch0 --iters 10 >"$out.json" 2>&1 || rc=$?
	cat "$out.json"
	[ "$rc" != 0 ] || rig_die "a failed bench exited 0 (JSON)"
	json_ok "$out.json"
	tail -n 1 "$out.json" >"$out.last"
	expect_field "$out.last" ok false
	# usage errors are refused before any thread starts
	rc=0
	h2box ib bench --sizes 4K,,1M >"$out.usage" 2>&1 || rc=$?
	rig_expect_eq "usage error exit status" "$rc" 2
}

counters() {
	local out=/tmp/ib-counters
	# after the benchmarks the port has sent packets; wait for a sample that shows them
	rig_wait_for 5 sh -c "h2box --json ib counters | grep -q '\"tx_packets\":[1-9]'" ||
		{ h2box --json ib counters; rig_die "no packets counted after the benchmark"; }
	h2box ib counters >"$out.txt" || { cat "$out.txt"; rig_die "h2box ib counters failed"; }
	h2box --json ib counters >"$out.json" || { cat "$out.json"; rig_die "h2box --json ib counters failed"; }
	cat "$out.txt" "$out.json"
	json_ok "$out.json"
	expect_field "$out.json" device "$IB_DEV"
	expect_field "$out.json" source "hw_counters (packets only)"
	# rxe counts packets, not bytes: the rate is unknown, never 0
	expect_field "$out.json" tx_gbps null
	expect_field "$out.json" rx_gbps null
	expect_field "$out.json" tx_bytes null
	expect_field "$out.json" tx_status no-byte-counters
	grep -q 'rate unknown' "$out.txt" || rig_die "text does not say the rate is unknown"
	if grep -Eqi 'nan|[^0-9.]0(\.0+)? Gb/s' "$out.txt"; then rig_die "a NaN or 0 Gb/s in the text"; fi
	h2box --json status >"$out.status"
	json_ok "$out.status"
}

within() { # A B FRACTION: |A - B| <= FRACTION x |B|
	awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= f * (b < 0 ? -b : b)) }'
}

# Two hosts' roles over real verbs and a real TCP exchange: a peer without h2boxd runs
# `h2box ib bench --local`, h2boxd the other side (both on rxe_lo, the exchange over 127.0.0.1).
client_server() {
	local spid srv=/tmp/ib-cs-server.json cli=/tmp/ib-cs-client.json i cg sg rows
	h2box --json ib bench --local --server --dev "$IB_DEV" --port 18600 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18600 || { cat "$srv"; rig_die "the local server never listened"; }
	h2box --json ib bench --client 127.0.0.1 --port 18600 --dev "$IB_DEV" --sizes 4K,64K --iters 300 >"$cli" ||
		{ cat "$cli" "$srv"; rig_die "the client through h2boxd failed"; }
	wait "$spid" || { cat "$cli" "$srv"; rig_die "the local server failed"; }
	cat "$cli" "$srv"
	json_ok "$srv"
	tail -n 1 "$cli" >"$cli.last"
	json_ok "$cli.last"
	expect_field "$cli.last" ok true
	expect_field "$cli.last" role client
	expect_field "$srv" ok true
	expect_field "$srv" role server
	# the local run probes the link itself: rxe on lo is network-bound at 1 Gb/s
	expect_field "$srv" ceiling_gbps 1.000
	rows=$(grep -o '"gbps":' "$srv" | wc -l)
	rig_expect_eq "server result rows" "$rows" 2
	for i in 1 2; do
		cg=$(json_field "$cli.last" gbps "$i")
		sg=$(json_field "$srv" gbps "$i")
		num_gt "$cg" 0 || rig_die "client row $i: $cg Gb/s"
		within "$sg" "$cg" 0.01 || rig_die "row $i: the server saw $sg Gb/s, the client measured $cg"
	done
	rig_note "client/server over $IB_DEV: $(json_field "$cli.last" gbps 2) Gb/s at 64 KiB"
	# latency the other way round: h2boxd serves, a local client asks
	h2box --json ib bench --server --dev "$IB_DEV" --port 18601 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18601 || { cat "$srv"; rig_die "h2boxd's server never listened"; }
	h2box --json ib bench --local --client 127.0.0.1 --port 18601 --dev "$IB_DEV" --lat --iters 300 >"$cli" ||
		{ cat "$cli" "$srv"; rig_die "the local latency client failed"; }
	wait "$spid" || { cat "$cli" "$srv"; rig_die "h2boxd's latency server failed"; }
	cat "$cli" "$srv"
	json_ok "$cli"
	expect_field "$cli" test send_lat
	expect_field "$cli" role client
	expect_field "$cli" iters 300
	num_gt "$(json_field "$cli" lat_median_us)" 0 || rig_die "no median latency"
	tail -n 1 "$srv" >"$srv.last"
	expect_field "$srv.last" role server
	# the server only answers pings: it has no latency of its own to report, null not 0
	expect_field "$srv.last" lat_median_us null
}

# `h2box record -- h2box ib bench` over rxe: the run is recorded, but rxe counts packets only,
# so the bytes moved (and J/GB) are unknown: null in JSON, "unknown" in text, never 0.
record_bench() {
	local out=/tmp/ib-record
	h2box --json record -- h2box ib bench --dev "$IB_DEV" --size 64K --iters 200 >"$out.json" ||
		{ cat "$out.json"; rig_die "h2box record of ib bench failed"; }
	cat "$out.json"
	grep -q 'RDMA WRITE bandwidth (loopback) on rxe_lo:1' "$out.json" || rig_die "the bench's report is missing"
	tail -n 1 "$out.json" >"$out.last"
	json_ok "$out.last"
	expect_field "$out.last" ok true
	expect_field "$out.last" exit_status 0
	expect_field "$out.last" ib_bytes null
	expect_field "$out.last" j_per_gb null
	h2box record -- h2box ib bench --dev "$IB_DEV" --size 64K --iters 50 >"$out.txt" 2>/dev/null ||
		{ cat "$out.txt"; rig_die "h2box record (text) of ib bench failed"; }
	cat "$out.txt"
	grep -q 'IB moved *unknown' "$out.txt" || rig_die "text does not say the bytes are unknown"
	if grep -Eqi 'nan|[^0-9.]0(\.0+)? J/GB' "$out.txt"; then rig_die "a NaN or 0 J/GB in the text"; fi
}

perftest_write_bw() { # SIZE ITERS -> Gb/s average on stdout
	local spid out=/tmp/pt-write.client srv=/tmp/pt-write.server bw
	ib_write_bw -d "$IB_DEV" -F --report_gbits -s "$1" -n "$2" -p 18515 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18515 || { cat "$srv" >&2; rig_die "ib_write_bw server never listened"; }
	if ! timeout 120 ib_write_bw -d "$IB_DEV" -F --report_gbits -s "$1" -n "$2" -p 18515 127.0.0.1 >"$out" 2>&1; then
		cat "$out" "$srv" >&2
		rig_die "ib_write_bw client failed"
	fi
	wait "$spid" || { cat "$out" "$srv" >&2; rig_die "ib_write_bw server failed"; }
	cat "$out" >&2
	# Result row: "#bytes #iterations BW-peak BW-average MsgRate".
	bw=$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 5 { bw = $4 } END { print bw }' "$out")
	[ -n "$bw" ] || rig_die "no bandwidth row in ib_write_bw output"
	echo "$bw"
}

perftest_send_lat() { # SIZE ITERS -> t_typical (median one-way, us) on stdout
	local spid out=/tmp/pt-lat.client srv=/tmp/pt-lat.server t
	ib_send_lat -d "$IB_DEV" -F -s "$1" -n "$2" -p 18516 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18516 || { cat "$srv" >&2; rig_die "ib_send_lat server never listened"; }
	timeout 120 ib_send_lat -d "$IB_DEV" -F -s "$1" -n "$2" -p 18516 127.0.0.1 >"$out" 2>&1 ||
		{ cat "$out" "$srv" >&2; rig_die "ib_send_lat client failed"; }
	wait "$spid" || { cat "$out" "$srv" >&2; rig_die "ib_send_lat server failed"; }
	cat "$out" >&2
	# Result row: "#bytes #iterations t_min t_max t_typical t_avg ...", times in usec.
	t=$(awk -v n="$2" '$1 ~ /^[0-9]+$/ && $2 == n && NF >= 6 { t = $5 } END { print t }' "$out")
	[ -n "$t" ] || rig_die "no latency row in ib_send_lat output"
	echo "$t"
}

h2box_write_bw() { # SIZE ITERS -> Gb/s
	local out=/tmp/h2-write.json g
	h2box --json ib bench --dev "$IB_DEV" --size "$1" --iters "$2" >"$out" ||
		{ cat "$out" >&2; rig_die "h2box ib bench failed"; }
	cat "$out" >&2
	g=$(tail -n 1 "$out" | grep -o '"gbps":[0-9.]*' | head -n 1 | cut -d: -f2)
	num_gt "$g" 0 || rig_die "h2box ib bench: '$g' Gb/s"
	echo "$g"
}

h2box_send_lat() { # SIZE ITERS -> median one-way us
	local out=/tmp/h2-lat.json t
	h2box --json ib bench --dev "$IB_DEV" --lat --size "$1" --iters "$2" >"$out" ||
		{ cat "$out" >&2; rig_die "h2box ib bench --lat failed"; }
	cat "$out" >&2
	t=$(tail -n 1 "$out" | grep -o '"lat_median_us":[0-9.]*' | cut -d: -f2)
	num_gt "$t" 0 || rig_die "h2box ib bench --lat: median '$t' us"
	echo "$t"
}

# h2box as two processes, like perftest: `--local --server` and `--local --client` over TCP on
# 127.0.0.1, each polling its own completion queue.  A fresh TCP port per run (no TIME_WAIT wait).
CS_PORT=18610
h2box_cs() { # OUT BENCH-OPTIONS...: one client/server run, the client's JSON in OUT
	local out=$1 spid
	shift
	CS_PORT=$((CS_PORT + 1))
	h2box --json ib bench --local --server --dev "$IB_DEV" --port "$CS_PORT" >"$out.server" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening "$CS_PORT" || { cat "$out.server" >&2; rig_die "h2box --local --server never listened"; }
	h2box --json ib bench --local --client 127.0.0.1 --port "$CS_PORT" --dev "$IB_DEV" "$@" >"$out" 2>&1 ||
		{ cat "$out" "$out.server" >&2; rig_die "h2box --local --client failed"; }
	wait "$spid" || { cat "$out" "$out.server" >&2; rig_die "h2box --local --server failed"; }
	cat "$out" >&2
}

h2box_cs_write_bw() { # SIZE ITERS -> Gb/s
	local g
	h2box_cs /tmp/h2cs-write.json --size "$1" --iters "$2"
	g=$(grep -o '"gbps":[0-9.]*' /tmp/h2cs-write.json | head -n 1 | cut -d: -f2)
	num_gt "$g" 0 || rig_die "h2box client/server write: '$g' Gb/s"
	echo "$g"
}

h2box_cs_send_lat() { # SIZE ITERS -> median one-way us
	local t
	h2box_cs /tmp/h2cs-lat.json --lat --size "$1" --iters "$2"
	t=$(grep -o '"lat_median_us":[0-9.]*' /tmp/h2cs-lat.json | cut -d: -f2)
	num_gt "$t" 0 || rig_die "h2box client/server latency: median '$t' us"
	echo "$t"
}

median() { # VALUE...: the median of the finite positive numbers among them (mean of the middle two), or nan
	# (a run that reports inf or 0 measured nothing: ib_send_lat printed inf, ib_write_bw 0.000000 in the rig)
	printf '%s\n' "$@" | awk '
		$1 ~ /^[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ && $1 + 0 > 0 { v[++n] = $1 + 0 }
		END {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			if (n == 0) print "nan"
			else if (n % 2) print v[(n + 1) / 2]
			else printf "%.3f\n", (v[n / 2] + v[n / 2 + 1]) / 2
		}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }

# The check's own bound is loose, for a broken core, not a slow one (make bench holds the real
# targets): h2box's bandwidth at least half perftest's, its latency at most twice.  One round;
# a comparison that misses the bound gets up to VS_MAX_ROUNDS rounds (the median of each tool),
# since one scheduling hiccup of the guest's vCPUs can halve a run of either tool.
VS_BW_MIN=0.5
VS_LAT_MAX=2.0
VS_MAX_ROUNDS=3
[ "$IB_MODE" != bench ] || VS_MAX_ROUNDS=$ROUNDS

within_bound() { # ge|le RATIO LIMIT
	awk -v r="$2" -v l="$3" -v op="$1" 'BEGIN { exit !(r > 0 && ((op == "ge" && r >= l) || (op == "le" && r <= l))) }'
}

VS_LINES=/tmp/vs-perftest.lines   # "KIND SIZE" per comparison made
VS_MISSES=/tmp/vs-perftest.misses # one line per comparison outside the loose bound

# compare write_bw|send_lat SIZE ITERS MIN_ROUNDS: h2box (loopback), h2box (client/server) and
# perftest interleaved, in one order on odd rounds and the reverse on even ones, at least
# MIN_ROUNDS rounds and more (up to VS_MAX_ROUNDS) while a ratio misses the loose bound; the
# medians of each tool's runs make the two H2BOX-KTEST-BENCH lines (stat=median).  A miss is noted
# in VS_MISSES (not a return status: `set -e` must keep stopping at a failed run).
compare() {
	local kind=$1 size=$2 iters=$3 min_rounds=$4 op lim unit tool hs='' cs='' ps='' n=0 h c p
	case $kind in
	write_bw) op=ge lim=$VS_BW_MIN unit=Gb/s tool=ib_write_bw ;;
	send_lat) op=le lim=$VS_LAT_MAX unit=us tool=ib_send_lat ;;
	*) rig_die "compare: unknown comparison '$kind'" ;;
	esac
	while :; do
		n=$((n + 1))
		if [ $((n % 2)) = 1 ]; then
			hs="$hs $(h2box_"$kind" "$size" "$iters")"
			cs="$cs $(h2box_cs_"$kind" "$size" "$iters")"
			ps="$ps $(perftest_"$kind" "$size" "$iters")"
		else
			ps="$ps $(perftest_"$kind" "$size" "$iters")"
			cs="$cs $(h2box_cs_"$kind" "$size" "$iters")"
			hs="$hs $(h2box_"$kind" "$size" "$iters")"
		fi
		# shellcheck disable=SC2086  # word lists on purpose
		h=$(median $hs) c=$(median $cs) p=$(median $ps)
		[ "$n" -ge "$min_rounds" ] || continue
		within_bound $op "$(ratio "$h" "$p")" "$lim" && within_bound $op "$(ratio "$c" "$p")" "$lim" && break
		[ "$n" -lt "$VS_MAX_ROUNDS" ] || break
	done
	bench_line "$kind size=$size iters=$iters h2box=$h perftest=$p ratio=$(ratio "$h" "$p")" \
		"unit=$unit stat=median rounds=$n h2box_runs=$(echo $hs | tr ' ' ,) perftest_runs=$(echo $ps | tr ' ' ,)"
	bench_line "${kind}_cs size=$size iters=$iters h2box=$c perftest=$p ratio=$(ratio "$c" "$p")" \
		"unit=$unit stat=median rounds=$n h2box_runs=$(echo $cs | tr ' ' ,) perftest_runs=$(echo $ps | tr ' ' ,)"
	echo "$kind $size" >>"$VS_LINES"
	rig_note "$kind $size B x $iters, median of $n: h2box $h $unit (loopback), $c $unit (client/server), $tool $p $unit"
	within_bound $op "$(ratio "$h" "$p")" "$lim" ||
		echo "$kind $size B: h2box (loopback) $h $unit is $(ratio "$h" "$p") x $tool's $p $unit (bound: $op $lim)" | tee -a "$VS_MISSES"
	within_bound $op "$(ratio "$c" "$p")" "$lim" ||
		echo "$kind $size B: h2box (client/server) $c $unit is $(ratio "$c" "$p") x $tool's $p $unit (bound: $op $lim)" | tee -a "$VS_MISSES"
}

vs_perftest() {
	local size iters
	command -v ib_write_bw >/dev/null && command -v ib_send_lat >/dev/null ||
		rig_die "perftest (ib_write_bw, ib_send_lat) not in the initramfs: the rig is incomplete"
	: >"$VS_LINES"
	: >"$VS_MISSES"
	# what a clock read costs depends on it (h2box and perftest time with the TSC where there is one)
	rig_note "guest clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
	for size in $BW_SIZES; do
		eval "iters=\$BW_ITERS_$size"
		compare write_bw "$size" "$iters" "$ROUNDS"
	done
	for size in $LAT_SIZES; do
		compare send_lat "$size" "$LAT_ITERS" "$LAT_ROUNDS"
	done
	[ -z "$BW_SIZES" ] || grep -q '^write_bw ' "$VS_LINES" || rig_die "no write_bw comparison came out"
	[ -z "$LAT_SIZES" ] || grep -q '^send_lat ' "$VS_LINES" || rig_die "no send_lat comparison came out"
	[ ! -s "$VS_MISSES" ] || rig_die "$(wc -l <"$VS_MISSES") comparison(s) outside the loose bounds (bandwidth >= $VS_BW_MIN x, latency <= $VS_LAT_MAX x perftest)"
}

# (the rig runs the normal build: sanitizer reports are the ASan re-run's job in the other tiers)
daemon_ok() {
	daemon_alive || { cat "$IB_LOG"; rig_die "h2boxd is gone"; }
	h2box status >/dev/null || rig_die "h2box status failed"
}

# ---------------------------------------------------------------- run

S=$RIG_SCENARIO
rig_check "$S/setup" setup
if ! rig_ok "$S/setup"; then
	checks="link-text link-json bench-write bench-lat bench-fails client-server counters record-bench vs-perftest daemon-ok"
	[ "$IB_MODE" != selftest ] || checks="selftest daemon-ok"
	for c in $checks; do
		rig_skip "$S/$c" "no setup"
	done
	exit 0
fi
if [ "$IB_MODE" = selftest ]; then
	rig_check "$S/selftest" selftest
	rig_check "$S/daemon-ok" daemon_ok
	exit 0
fi
if [ "$IB_MODE" = bench ]; then
	rig_check "$S/vs-perftest" vs_perftest
	rig_check "$S/daemon-ok" daemon_ok
	exit 0
fi
rig_check "$S/link-text" link_text
rig_check "$S/link-json" link_json
rig_check "$S/bench-write" bench_write
rig_check "$S/bench-lat" bench_lat
rig_check "$S/bench-fails" bench_fails
rig_check "$S/client-server" client_server
rig_check "$S/counters" counters
rig_check "$S/record-bench" record_bench
rig_check "$S/vs-perftest" vs_perftest
rig_check "$S/daemon-ok" daemon_ok
