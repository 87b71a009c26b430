#!/usr/bin/env bash
# 37-plot.sh - `h2box record --plot` and `h2box plot` on the simulated box: the record's CSV has
# fixed fan, temperature and alarm columns, gnuplot draws it into an SVG that parses and holds
# every series with the record's samples, the alarm raised during the record is marked, the
# summary is in the title, PNG works, and bad input is a clear error.
. "$(dirname "$0")/lib.sh"

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s
h2 sim workload iperf3-tx >/dev/null
advance 30s

# 30 s of iperf3 with the NIC sensor failing at its start (an alarm to mark), 30 s after repair
REC=$(h2 --json record -o "$TESTDIR/r.csv" --plot "$TESTDIR/r.svg" -- bash -c "
	'$H2BOX' -s '$SOCK' sim fault sensor-nic on >/dev/null &&
	'$H2BOX' -s '$SOCK' sim advance 30s >/dev/null &&
	'$H2BOX' -s '$SOCK' sim fault sensor-nic off >/dev/null &&
	'$H2BOX' -s '$SOCK' sim advance 30s >/dev/null" | tail -n 1)
expect_eq "record --plot exits 0" "$(rec .ok)" true
expect_eq "record --plot names the drawing" "$(rec .plot)" "$TESTDIR/r.svg"
expect_eq "record CSV: fixed columns, then fan, the profile's inputs and alarms" \
	"$(head -n 1 "$TESTDIR/r.csv")" \
	"time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,energy_j,fan_duty_pct,fan_rpm,nic_temp_c,cpu_temp_c,alarms"
ncols=$(awk -F, 'NR > 1 { print NF }' "$TESTDIR/r.csv" | sort -u | tr '\n' ' ')
expect_eq "every row has the header's 15 cells" "$ncols" "15 "
check "the failed NIC sensor is an empty cell, never a number" \
	awk -F, 'NR > 1 && $15 ~ /fan-sensor-nic/ && $13 == "" { found = 1 } END { exit !found }' "$TESTDIR/r.csv"
rows=$(($(wc -l <"$TESTDIR/r.csv") - 1))
expect_cmp "the record streamed its samples" "$rows" ge 50

check "the SVG is well-formed XML" xmllint --noout "$TESTDIR/r.svg"
# each series of the record is a drawn path with about one vertex per sample; the key names it
python3 - "$TESTDIR/r.svg" "$rows" >"$TESTDIR/series.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    gid = g.get("id") or ""
    if not gid.startswith("gnuplot_plot_"):
        continue
    name = "".join(t.text or "" for t in g.iter("{http://www.w3.org/2000/svg}text")).strip()
    verts = 0
    for p in g.iter("{http://www.w3.org/2000/svg}path"):
        d = p.get("d") or ""
        verts = max(verts, d.count("L") + d.count("M"))
    print(f"{name}\t{verts}")
PY
series_ok() { # NAME: a series with at least MIN vertices
	awk -F'\t' -v n="$1" -v min="$2" '$1 == n && $2 >= min { f = 1 } END { exit !f }' "$TESTDIR/series.txt"
}
half=$((rows / 2))
for s in "watts" "energy (kJ)" "cpu" "fan duty %" "fan rpm" "IB tx Gb/s" "IB rx Gb/s"; do
	check "SVG draws '$s' over the record's samples" series_ok "$s" "$half"
done
# the NIC's line is broken where its sensor failed: drawn, but over fewer samples than the CPU's
check "SVG draws 'nic' where it was known" series_ok "nic" 10
svgtext=$(python3 -c 'import sys,xml.etree.ElementTree as E; print(" ".join(t.text or "" for t in E.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}text")))' "$TESTDIR/r.svg")
check "the alarm raised during the record is marked" grep -q "fan-sensor-nic" <<<"$svgtext"
check "start and end are marked" bash -c 'grep -q "start" <<<"$1" && grep -q "end" <<<"$1"' _ "$svgtext"
avg=$(rec .avg_w)
check "the summary is in the title (avg W as the record's)" \
	grep -qE "avg $(printf '%.1f' "$avg")[0-9] W" <<<"$svgtext"
check "and J/GB" grep -qE "[0-9.]+ J/GB" <<<"$svgtext"

# h2box plot: the same file later, as PNG, and --json
P=$(h2 --json plot "$TESTDIR/r.csv" -o "$TESTDIR/r.png")
expect_eq "plot --json ok" "$(jq -r .ok <<<"$P")" true
check "PNG written" bash -c "head -c 8 '$TESTDIR/r.png' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
expect_near "plot: average W from the CSV's energy as the record's" "$(jq -r .avg_w <<<"$P")" "$avg" 0.01
expect_near "plot: energy from the CSV as the record's" "$(jq -r .energy_j <<<"$P")" "$(rec .energy_j)" 0.05
expect_near "plot: J/GB from the rate samples near the counters' J/GB" "$(jq -r .j_per_gb <<<"$P")" \
	"$(rec .j_per_gb)" 0.05

# bad input: usage errors exit 2, unreadable or foreign files exit 1 with file:line
"$H2BOX" plot "$TESTDIR/r.csv" >/dev/null 2>&1
expect_eq "plot without -o is a usage error" "$?" 2
"$H2BOX" plot "$TESTDIR/r.csv" -o "$TESTDIR/r.pdf" 2>"$TESTDIR/err.txt"
expect_eq "plot to .pdf refused" "$?" 1
check "and says which formats" grep -q "svg or .png" "$TESTDIR/err.txt"
printf 'a,b\n1,2\n' >"$TESTDIR/foreign.csv"
"$H2BOX" plot "$TESTDIR/foreign.csv" -o "$TESTDIR/f.svg" 2>"$TESTDIR/err.txt"
expect_eq "a CSV that is not a record is refused" "$?" 1
check "with file:line" grep -q "foreign.csv:1: not an .h2box record -o. CSV" "$TESTDIR/err.txt"
{ head -n 3 "$TESTDIR/r.csv"; echo "2026-01-01T00:00:00Z,1,2"; } >"$TESTDIR/torn.csv"
"$H2BOX" plot "$TESTDIR/torn.csv" -o "$TESTDIR/t.svg" 2>"$TESTDIR/err.txt"
expect_eq "a torn row is refused" "$?" 1
check "naming its line" grep -q "torn.csv:4:" "$TESTDIR/err.txt"
check "nothing drawn from a refused file" test ! -e "$TESTDIR/t.svg"
E=$(h2 --json plot /nonexistent.csv -o "$TESTDIR/x.svg")
expect_eq "--json failure is one JSON document" "$(jq -r .ok <<<"$E")" false

# a record too short to draw: the record stands (exit 0), the drawing's failure is named
REC=$(h2 --json record --plot "$TESTDIR/short.svg" -- true 2>"$TESTDIR/err.txt" | tail -n 1)
expect_eq "a record too short to draw still succeeds" "$(rec .ok)" true
check "and says why there is no drawing" grep -q "fewer than two samples" <<<"$(rec .plot_error)"
check "on stderr too" grep -q "record --plot: .*fewer than two samples" "$TESTDIR/err.txt"

# record --plot without -o: the CSV is temporary, the drawing stays
REC=$(h2 --json record --plot "$TESTDIR/only.svg" -- "$H2BOX" -s "$SOCK" sim advance 10s | tail -n 1)
expect_eq "record --plot without -o draws" "$(rec .plot)" "$TESTDIR/only.svg"
expect_eq "and names no CSV" "$(rec 'has("csv")')" false
check "its SVG parses" xmllint --noout "$TESTDIR/only.svg"
finish
