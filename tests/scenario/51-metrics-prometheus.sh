#!/usr/bin/env bash
# 51-metrics-prometheus.sh - a real Prometheus scrapes two simulated boxes (box-a on, box-b off):
# the power series of each holds its own box's value under its own label set, nothing mixed, and
# build_info's node label joins each series to its box's name.
. "$(dirname "$0")/lib.sh"

for prog in prometheus curl jq python3; do
	command -v "$prog" >/dev/null || { not_ok "$prog is installed (make deps-test)"; finish; exit 1; }
done

# box-b: a second h2boxd beside lib.sh's one, with its own socket, state and log
SOCK_B=$TESTDIR/b.sock
LOG_B=$TESTDIR/h2boxd-b.log
PID_B="" WAITER_B="" PROM_PID=""
cleanup_51() {
	[ -n "$PROM_PID" ] && kill -TERM "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	[ -n "$PID_B" ] && kill -TERM "$PID_B" 2>/dev/null && wait "$WAITER_B" 2>/dev/null
	if [ "$TAP_FAILED" -gt 0 ]; then
		[ -f "$LOG_B" ] && tail -n 20 "$LOG_B" | sed 's/^/# b: /'
		[ -f "$TESTDIR/prometheus.log" ] && tail -n 20 "$TESTDIR/prometheus.log" | sed 's/^/# prometheus: /'
	fi
	cleanup
}
trap cleanup_51 EXIT

profile_for() { # NAME FILE: the sim SFX profile named NAME, listening on a free port
	sed "s/^name = .*/name = $1/" "$ROOT/profiles/sim-sfx.conf" >"$2"
	printf '\n[metrics]\nlisten = 0\n' >>"$2"
}
port_in() { sed -n 's/.*http: listening on 127\.0\.0\.1 port \([0-9]*\)$/\1/p' "$1" | tail -n 1; }
metric() { curl -sS --max-time 10 "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k { print $2 }'; }
h2b() { "$H2BOX" -s "$SOCK_B" "$@"; }

profile_for box-a "$TESTDIR/a.conf"
profile_for box-b "$TESTDIR/b.conf"
start_daemon "$TESTDIR/a.conf" --state-dir "$TESTDIR/state-a" || { finish; exit 1; }
mkfifo "$TESTDIR/ready-b"
"$BUILD/tools/notify-wait" "$TESTDIR/notify-b.sock" 60 -- "$H2BOXD" -c "$TESTDIR/b.conf" \
	-s "$SOCK_B" --sim-speed 0 --state-dir "$TESTDIR/state-b" >"$TESTDIR/ready-b" 2>>"$LOG_B" &
WAITER_B=$!
exec 5<"$TESTDIR/ready-b"
read -r -u 5 PID_B || true
line=""
until [ "$line" = READY ] || ! read -r -u 5 line; do :; done
exec 5<&-
expect_eq "box-b's h2boxd is ready" "$line" READY
PORT_A=$(port_in "$DAEMON_LOG")
PORT_B=$(port_in "$LOG_B")
check "both listen, on two ports" test -n "$PORT_A" -a -n "$PORT_B" -a "$PORT_A" != "$PORT_B"

# box-a on and idle, box-b left off: two different power figures
h2 power on >/dev/null
advance 120s
h2b sim advance 120s >/dev/null
WA=$(metric "$PORT_A" 'h2box_power_watts{monitor="main"}')
WB=$(metric "$PORT_B" 'h2box_power_watts{monitor="main"}')
check "the boxes show different power ($WA W, $WB W)" \
	awk -v a="$WA" -v b="$WB" 'BEGIN { exit !(a != b && a + 0 > 0) }'

PROM_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TESTDIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: h2box
    static_configs:
      - targets: ['127.0.0.1:$PORT_A', '127.0.0.1:$PORT_B']
YML
prometheus --config.file="$TESTDIR/prometheus.yml" --storage.tsdb.path="$TESTDIR/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$TESTDIR/prometheus.log" 2>&1 &
PROM_PID=$!

query() { curl -sS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
series_n() { [ "$(query "$1" | jq '.data.result | length')" = "$2" ]; }
# explicit readiness with a bound: Prometheus up, then both targets scraped
check "prometheus answers" wait_until 60 curl -sf "http://127.0.0.1:$PROM_PORT/-/ready"
check "prometheus holds the power series of both boxes" wait_until 60 series_n 'h2box_power_watts' 2

value_of() { query "$1" | jq -r --arg i "127.0.0.1:$2" '.data.result[] | select(.metric.instance == $i) | .value[1]'; }
expect_near "box-a's power series holds box-a's value" "$(value_of h2box_power_watts "$PORT_A")" "$WA" 0.000001
if awk -v b="$WB" 'BEGIN { exit !(b + 0 == 0) }'; then
	expect_abs "box-b's power series holds box-b's value" "$(value_of h2box_power_watts "$PORT_B")" "$WB" 0.000001
else
	expect_near "box-b's power series holds box-b's value" "$(value_of h2box_power_watts "$PORT_B")" "$WB" 0.000001
fi
JOIN='h2box_power_watts * on(instance) group_left(node) h2box_build_info'
expect_near "joined on build_info: node box-a has box-a's value" \
	"$(query "$JOIN" | jq -r '.data.result[] | select(.metric.node == "box-a") | .value[1]')" "$WA" 0.000001
expect_eq "joined on build_info: two label sets, one per box" \
	"$(query "$JOIN" | jq -r '[.data.result[] | .metric.node + "@" + .metric.instance] | sort | join(" ")')" \
	"box-a@127.0.0.1:$PORT_A box-b@127.0.0.1:$PORT_B"
expect_eq "power state: on only at box-a" \
	"$(query 'h2box_power_state{state="on"} == 1' | jq -r '[.data.result[].metric.instance] | join(" ")')" \
	"127.0.0.1:$PORT_A"

finish
