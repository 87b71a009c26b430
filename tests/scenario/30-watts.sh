#!/usr/bin/env bash
# 30-watts.sh - watts and energy on the simulated SFX box through `h2box record`: the article's
# wall readings per workload, energy against the plant's exact integral, the CSV sample stream,
# exit statuses, `record --copy`, `watts --follow`, and sensor faults that must never turn into
# a made-up watts figure.
. "$(dirname "$0")/lib.sh"

PROFILES=$ROOT/profiles

truth() { jget "$1" sim status; }
alarm_active() { # (jrows: jqfast, not a jq program)
	local doc row n=0
	doc=$(h2 --json alarms) && jrows "$doc" .active id || return 1
	for row in "${JROWS[@]}"; do [ "$row" != "$1" ] || n=$((n + 1)); done
	echo "$n"
}

start_daemon "$PROFILES/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s
expect_eq "box is on with the link up" "$(truth .link_up)" true

# --- the status text: the meter's line and the sequencer's line are named apart ---
check "status: a watts line with the reading" bash -c "'$H2BOX' -s '$SOCK' status | grep -qE '^watts: [0-9.]+ W \\('"
check "status: the power line is the sequencer's" bash -c "'$H2BOX' -s '$SOCK' status | grep -q '^power: on since'"

# --- the article's wall readings (SFX build) through h2box record, and exact energy ---
for case in idle:24 iperf3-tx:32 iperf3-rx:32 nfs-copy:35; do
	wl=${case%%:*}
	want=${case#*:}
	h2 sim workload "$wl" >/dev/null
	advance 60s # let the fan and temperatures settle on the new load
	record_advance "$wl" 60s
	expect_eq "record of $wl exits with the command's status" "$RC" 0
	expect_near "record of $wl: average W as the article" "$(rec .avg_w)" "$want" 0.05
	expect_near "record of $wl: energy within 0.5 % of the plant's" "$(rec .energy_j)" "$PLANT_J" 0.005
	expect_near "record of $wl: duration" "$(rec .duration_s)" 60 0.001
	expect_eq "record of $wl: energy in joules only (docs/JSON.md)" "$(rec 'has("energy_wh") or has("above_baseline_wh")')" false
	rows=$(($(wc -l <"$TESTDIR/$wl.csv") - 1))
	expect_cmp "record of $wl: CSV has the streamed samples" "$rows" ge 50
	expect_eq "record of $wl: CSV header" "$(head -n 1 "$TESTDIR/$wl.csv")" \
		"time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,energy_j,fan_duty_pct,fan_rpm,nic_temp_c,cpu_temp_c,alarms"
	csv_avg=$(awk -F, 'NR > 1 && $3 != "" { s += $3; n++ } END { if (n) printf "%.3f", s / n }' \
		"$TESTDIR/$wl.csv")
	expect_near "record of $wl: CSV watts average as the article" "$csv_avg" "$want" 0.05
done
# the baseline: recorded right after 60 s of nfs-copy, so it is the copy's own level
expect_near "baseline is measured just before the record" "$(rec .baseline_w)" 35 0.05
# 0 J give or take 1 J: the load is 35 W over 60 s (2100 J), so 1 J is 0.05 % of the energy
expect_abs "above-baseline energy ~ 0 for a steady load" "$(rec .above_baseline_j)" 0 1

# above the idle baseline: idle first, then iperf3 during the record
h2 sim workload idle >/dev/null
advance 60s
e0=$(truth .energy_j)
REC=$(h2 --json record -- bash -c "'$H2BOX' -s '$SOCK' sim workload iperf3-tx >/dev/null && '$H2BOX' -s '$SOCK' sim advance 100s" 2>"$TESTDIR/progress.txt")
e1=$(truth .energy_j)
expect_near "idle baseline before an iperf3 record" "$(rec .baseline_w)" 24 0.05
expect_near "iperf3 record average" "$(rec .avg_w)" 32 0.05
expect_near "energy above idle = (32 - 24) W x 100 s" "$(rec .above_baseline_j)" 800 0.05
expect_near "energy of a changing load within 0.5 % of the plant's" "$(rec .energy_j)" \
	"$(awk -v a="$e0" -v b="$e1" 'BEGIN { print b - a }')" 0.005
expect_cmp "iperf3-tx moved IB bytes" "$(rec .ib_bytes)" gt 1e10
expect_near "average Gb/s = bytes x 8 / s / 1e9" "$(rec .avg_gbps)" \
	"$(rec '.ib_bytes * 8 / .duration_s / 1e9')" 0.001
expect_near "J per GB moved" "$(rec .j_per_gb)" "$(rec '.energy_j / (.ib_bytes / 1e9)')" 0.001
expect_near "IB rate matches the plant's" "$(rec .avg_gbps)" "$(truth '.ib_tx_gbps + .ib_rx_gbps')" 0.05

# daemon energy counters against the plant, over a long stretch
w0=$(jget .energy_boot_j watts)
e0=$(truth .energy_j)
advance 2h
w1=$(jget .energy_boot_j watts)
e1=$(truth .energy_j)
expect_near "watts energy counter over 2 h within 0.5 % of the plant's" \
	"$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')" \
	"$(awk -v a="$e0" -v b="$e1" 'BEGIN { print b - a }')" 0.005

# text summary
out=$(h2 record -- "$H2BOX" -s "$SOCK" sim advance 10s 2>"$TESTDIR/progress.txt")
check "progress lines on stderr without -o" grep -qE "^record: .* [0-9.]+ W  avg" "$TESTDIR/progress.txt"
check "text summary: average/peak/minimum" grep -q "avg .* W, peak .* W, min .* W" <<<"$out"
check "text summary: energy in Wh and J" grep -qE "energy +[0-9.]+ Wh \([0-9.]+ J\)" <<<"$out"
check "text summary: above idle" grep -q "above idle" <<<"$out"
check "text summary: IB bytes and Gb/s" grep -qE "IB moved .* Gb/s" <<<"$out"
check "text summary: J per GB" grep -q "J/GB" <<<"$out"

# --- exit statuses and usage ---
h2 record -- sh -c 'exit 3' >/dev/null
expect_eq "record exits with the command's status" "$?" 3
h2 record -- sh -c 'kill -TERM $$' >/dev/null
expect_eq "record of a killed command exits 128+signal" "$?" 143
h2 record -- /nonexistent/command >/dev/null 2>&1
expect_eq "record of a missing command exits 127" "$?" 127
h2 record >/dev/null 2>&1
expect_eq "record without a command is a usage error" "$?" 2
out=$(h2 record --interval 2>&1)
check "usage error says what is wrong" grep -q "needs a number" <<<"$out"
h2 record --copy /etc/hostname >/dev/null 2>&1
expect_eq "record --copy with one file is a usage error" "$?" 2
h2 record --frobnicate -- true >/dev/null 2>&1
expect_eq "record with an unknown option is a usage error" "$?" 2
h2 record end 999 >/dev/null 2>&1
expect_eq "record end of an unknown id fails" "$?" 1
expect_eq "daemon still answers" "$(h2 ping)" pong

# --- record with its own sample interval: 100 s of box time (sim advance), a CSV row each 2 s ---
h2 sim workload nfs-copy >/dev/null
advance 60s
e0=$(truth .energy_j)
REC=$(h2 --json record -o "$TESTDIR/interval.csv" --interval 2 -- "$H2BOX" -s "$SOCK" sim advance 100s)
RC=$?
e1=$(truth .energy_j)
expect_eq "record --interval 2 exits 0" "$RC" 0
expect_near "100 s of box time" "$(rec .duration_s)" 100 0.001
expect_near "nfs-copy average" "$(rec .avg_w)" 35 0.05
expect_near "energy = average x duration" "$(rec .energy_j)" "$(rec '.avg_w * .duration_s')" 0.01
expect_near "energy as the plant's over the same 100 s" "$(rec .energy_j)" \
	"$(awk -v a="$e0" -v b="$e1" 'BEGIN { print b - a }')" 0.005
expect_abs "a CSV row every 2 s of box time" "$(($(wc -l <"$TESTDIR/interval.csv") - 1))" 50 1

# --- record --copy: the article's copy test ---
head -c 32000000 /dev/urandom >"$TESTDIR/src.bin"
REC=$(h2 --json record --copy "$TESTDIR/src.bin" "$TESTDIR/dst.bin")
expect_eq "record --copy exits 0" "$?" 0
check "the copy is identical" cmp -s "$TESTDIR/src.bin" "$TESTDIR/dst.bin"
expect_eq "copy bytes" "$(rec .copy_bytes)" 32000000
expect_near "copy rate = bytes x 8 / s / 1e9" "$(rec .copy_gbps)" \
	"$(rec '.copy_bytes * 8 / .copy_s / 1e9')" 0.01
expect_cmp "the copy carries a watts summary" "$(rec .avg_w)" gt 0
out=$(h2 record --copy "$TESTDIR/src.bin" "$TESTDIR/dst2.bin")
check "text copy line" grep -qE "copy +32000000 bytes in [0-9.]+ s = [0-9.]+ Gb/s" <<<"$out"
h2 record --copy "$TESTDIR/missing.bin" "$TESTDIR/dst3.bin" >/dev/null 2>&1
expect_eq "record --copy of a missing file fails with 1" "$?" 1

# --- watts --follow streams as box time passes (sim advance; the followers' first line is their
# subscription, so the box moves only once they listen) ---
"$H2BOX" -s "$SOCK" watts --follow --interval 1 >"$TESTDIR/follow.txt" 2>&1 &
fpid=$!
"$H2BOX" -s "$SOCK" --json watts --follow --interval 2 >"$TESTDIR/follow.json" 2>&1 &
jpid=$!
check "watts --follow: subscribed" wait_until 30 lines_ge "$TESTDIR/follow.txt" 1
check "--json watts --follow: subscribed" wait_until 30 lines_ge "$TESTDIR/follow.json" 1
advance 6s
check "watts --follow: 6 s of box time, a line a second" wait_until 30 lines_ge "$TESTDIR/follow.txt" 7
check "--json watts --follow: samples at 2 s" wait_until 30 lines_ge "$TESTDIR/follow.json" 4
kill "$fpid" "$jpid"
wait "$fpid" "$jpid" 2>/dev/null
check "follow lines carry watts" grep -qE "^[0-9T:.-]+Z +3[0-9]\.[0-9]+ W" <(sed -n 2,3p "$TESTDIR/follow.txt")
expect_eq "--json follow: reply object first" "$(head -n 1 "$TESTDIR/follow.json" | jq -r .interval_s)" 2
# box time is exact here: samples 2 s apart to the millisecond
gap=$(sed -n 3,4p "$TESTDIR/follow.json" | jq -s '.[1].mono_s - .[0].mono_s')
expect_abs "--json follow: samples 2 s of box time apart" "$gap" 2 0.001
expect_near "--json follow: watts" "$(sed -n 4p "$TESTDIR/follow.json" | jq -r .watts)" 35 0.05
expect_eq "daemon still answers after followers left" "$(h2 ping)" pong
expect_cmp "and still samples" "$(jget .watts watts)" gt 30

# --- sensor faults never become a watts figure ---
for f in i2c-error ina-garbage i2c-ina-current i2c-ina-power; do
	h2 sim fault "$f" on >/dev/null
	advance 5s
	expect_eq "$f: watts is null" "$(jget .watts watts)" null
	expect_eq "$f: monitor invalid" "$(jget '.monitors[0].valid' watts)" false
	expect_eq "$f: status watts null" "$(jget .readings.watts status)" null
	check "$f: text shows no figure" bash -c "'$H2BOX' -s '$SOCK' watts | grep -q 'no valid reading'"
	check "$f: text has no made-up W" lacks '^main +[0-9]' h2 watts
	expect_eq "$f: sensor alarm raised" "$(alarm_active sensor-main)" 1
	expect_cmp "$f: the plant still draws power" "$(truth .watts)" gt 30
	e0=$(truth .energy_j)
	REC=$(h2 --json record -- "$H2BOX" -s "$SOCK" sim advance 10s 2>"$TESTDIR/progress.txt")
	expect_eq "$f: record has no made-up average" "$(rec .avg_w)" null
	h2 sim fault "$f" off >/dev/null
	advance 5s
	expect_near "$f off: watts back" "$(jget .watts watts)" 35 0.05
	expect_eq "$f off: sensor alarm cleared" "$(alarm_active sensor-main)" 0
done
check "sensor alarm in history" bash -c "'$H2BOX' -s '$SOCK' --json alarms | jq -e '.history[] | select(.id == \"sensor-main\" and .level == \"warn\")' >/dev/null"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
