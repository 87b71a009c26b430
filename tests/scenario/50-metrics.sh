#!/usr/bin/env bash
# 50-metrics.sh - Prometheus metrics of the simulated box: /metrics valid for promtool in normal
# state and under sensor faults (failed values NaN, alarm metrics set), `h2box metrics` and
# `-o FILE` the same text, the [metrics] textfile, /api/status = `h2box --json status`, 404/405,
# the energy counter across a restart.
. "$(dirname "$0")/lib.sh"

for prog in promtool curl; do
	command -v "$prog" >/dev/null || { not_ok "$prog is installed (make deps-test)"; finish; exit 1; }
done

PROFILE=$TESTDIR/metrics.conf
TEXTFILE=$TESTDIR/textfile/h2box.prom
cp "$ROOT/profiles/sim-sfx.conf" "$PROFILE"
printf '\n[metrics]\nlisten = 0\ntextfile = %s\ntextfile_interval = 5s\n' "$TEXTFILE" >>"$PROFILE"

# the port h2boxd logged (port 0: any free one), before READY=1
http_port() { sed -n 's/.*http: listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$DAEMON_LOG" | tail -n 1; }
get() { curl -sS --max-time 10 "http://127.0.0.1:$PORT$1"; }
scrape() { get /metrics; }
# line NAME{LABELS}: the value of one sample of /metrics ("" when absent)
value() { scrape | awk -v k="$1" '$1 == k { print $2 }'; }
promcheck() { scrape | promtool check metrics; }
nocycle() { grep -v '^h2box_control_cycle_duration_seconds '; }

start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
PORT=$(http_port)
check "h2boxd logs the port it listens on" test -n "$PORT"
h2 power on >/dev/null
advance 120s

# --- normal state ---
check "promtool: /metrics is valid (box on)" promcheck
check "/metrics is served as text format 0.0.4" bash -c \
	"curl -sS -o /dev/null -D - http://127.0.0.1:$PORT/metrics | grep -qi '^Content-Type: text/plain; version=0.0.4'"
expect_near "power W is the monitor's reading" "$(value 'h2box_power_watts{monitor="main"}')" \
	"$(jget .readings.watts status)" 0.01
expect_near "NIC temperature by input name" "$(value 'h2box_temperature_celsius{input="nic"}')" \
	"$(jget '.readings.nic_temp_c' status)" 0.01
expect_eq "power state set: on is 1" "$(value 'h2box_power_state{state="on"}')" 1
expect_eq "power state set: exactly one state is 1" \
	"$(scrape | awk '/^h2box_power_state\{/ { s += $2 } END { print s }')" 1
expect_eq "no alarm: none by level" "$(value 'h2box_alarms_active{level="critical"}')" 0
expect_eq "budget state set: ok" "$(value 'h2box_budget_state{state="ok"}')" 1
check "fan duty commanded and held, rpm" bash -c "curl -sS http://127.0.0.1:$PORT/metrics | grep -q '^h2box_fan_duty_ratio 0\\.' && curl -sS http://127.0.0.1:$PORT/metrics | grep -q '^h2box_fan_duty_held_ratio 0\\.' && curl -sS http://127.0.0.1:$PORT/metrics | grep -qE '^h2box_fan_speed_rpm [1-9]'"
check "IB port counters, link width and PCIe ceiling" bash -c "curl -sS http://127.0.0.1:$PORT/metrics | grep -q '^h2box_ib_port_data_transmitted_bytes_total{device=\"mlx4_0\",port=\"1\"} ' && curl -sS http://127.0.0.1:$PORT/metrics | grep -q '^h2box_ib_port_link_width_lanes{device=\"mlx4_0\",port=\"1\"} 4$' && curl -sS http://127.0.0.1:$PORT/metrics | grep -qE '^h2box_ib_ceiling_bytes_per_second{device=\"mlx4_0\"} [1-9]'"
check "build info names the box" bash -c "curl -sS http://127.0.0.1:$PORT/metrics | grep -q '^h2box_build_info{version=\"$(cat "$ROOT/VERSION")\",node=\"h2box (simulated, SFX build)\",backend=\"sim\"} 1$'"
check "control cycle duration is there" bash -c "curl -sS http://127.0.0.1:$PORT/metrics | grep -qE '^h2box_control_cycle_duration_seconds [0-9]'"

# --- one renderer: the client's text, -o FILE, /api/status ---
check "h2box metrics = GET /metrics (but the cycle duration)" bash -c \
	"diff <('$H2BOX' -s '$SOCK' metrics | grep -v '^h2box_control_cycle_duration') <(curl -sS http://127.0.0.1:$PORT/metrics | grep -v '^h2box_control_cycle_duration')"
check "h2box metrics -o FILE writes it" h2 metrics -o "$TESTDIR/out/h2box.prom"
check "the -o file is valid and the same text" bash -c \
	"promtool check metrics <'$TESTDIR/out/h2box.prom' && diff <(grep -v '^h2box_control_cycle_duration' '$TESTDIR/out/h2box.prom') <('$H2BOX' -s '$SOCK' metrics | grep -v '^h2box_control_cycle_duration')"
check "no temporary file left beside it" bash -c "[ \"\$(ls '$TESTDIR/out')\" = h2box.prom ]"
check "h2box metrics rejects other arguments" bash -c "! '$H2BOX' -s '$SOCK' metrics --bogus 2>/dev/null"
check "GET /api/status = h2box --json status" bash -c \
	"diff <(curl -sS http://127.0.0.1:$PORT/api/status | jq -S 'del(.daemon.timers[].due_in_s)') <('$H2BOX' -s '$SOCK' --json status | jq -S 'del(.daemon.timers[].due_in_s)')"
expect_eq "unknown path: 404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")" 404
expect_eq "POST: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$PORT/metrics")" 405

# --- the textfile, written on its own timer ---
advance 6s
check "the textfile is written and valid" bash -c "promtool check metrics <'$TEXTFILE'"
check "the textfile holds the power series" grep -q '^h2box_power_watts{monitor="main"} [0-9]' "$TEXTFILE"

# --- i2c-error: the INA226, lm75 and fan chip fail; still valid, NaN, alarms set ---
h2 sim fault i2c-error on >/dev/null
advance 10s
check "promtool: /metrics is valid under i2c-error" promcheck
expect_eq "i2c-error: power is NaN, never 0" "$(value 'h2box_power_watts{monitor="main"}')" NaN
expect_eq "i2c-error: NIC temperature is NaN" "$(value 'h2box_temperature_celsius{input="nic"}')" NaN
expect_eq "i2c-error: the monitor's alarm" "$(value 'h2box_alarm_active{alarm="sensor-main",level="warn"}')" 1
expect_eq "i2c-error: the fan chip's alarm" "$(value 'h2box_alarm_active{alarm="fan-chip",level="critical"}')" 1
expect_eq "i2c-error: the energy counter stays" \
	"$(awk -v a="$(value 'h2box_energy_joules_total{monitor="main"}')" 'BEGIN { print (a > 0) }')" 1
h2 sim fault i2c-error off >/dev/null
advance 10s

# --- sensor-nic: the NIC's lm75 fails ---
h2 sim fault sensor-nic on >/dev/null
advance 10s
check "promtool: /metrics is valid under sensor-nic" promcheck
expect_eq "sensor-nic: NIC temperature is NaN" "$(value 'h2box_temperature_celsius{input="nic"}')" NaN
check "sensor-nic: the CPU temperature stays a number" bash -c \
	"curl -sS http://127.0.0.1:$PORT/metrics | grep -qE '^h2box_temperature_celsius\\{input=\"cpu\"\\} [0-9]'"
expect_eq "sensor-nic: its alarm" "$(value 'h2box_alarm_active{alarm="fan-sensor-nic",level="critical"}')" 1
expect_eq "sensor-nic: the fan fails safe" "$(value h2box_fan_failsafe)" 1
h2 sim fault sensor-nic off >/dev/null
advance 10s

# --- a latched power fault: the state set moves, the fault is named ---
expect_eq "no fault latched" "$(value h2box_power_fault_latched)" 0
h2 sim fault psu-ok-drop on >/dev/null
advance 10s
FAULT=$(pst fault.reason)
check "the PSU trip latches a fault ($FAULT)" test -n "$FAULT" -a "$FAULT" != null -a "$FAULT" != none
expect_eq "fault latched, by name" "$(value "h2box_power_fault_latched{fault=\"$FAULT\"}")" 1
expect_eq "power state set follows: $(pst state) is 1" "$(value "h2box_power_state{state=\"$(pst state)\"}")" 1
expect_eq "power state set: on is 0" "$(value 'h2box_power_state{state="on"}')" 0
check "promtool: /metrics is valid with a latched fault" promcheck
h2 sim fault psu-ok-drop off >/dev/null
h2 power clear >/dev/null
advance 10s

# --- the energy counter is monotonic across a restart ---
J1=$(value 'h2box_energy_joules_total{monitor="main"}')
stop_daemon
expect_eq "h2boxd stops cleanly" "$?" 0
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
PORT=$(http_port)
advance 10s
J2=$(value 'h2box_energy_joules_total{monitor="main"}')
expect_cmp "energy_joules_total after the restart continues" "$J2" ge "$J1"

finish
