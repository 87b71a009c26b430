#!/usr/bin/env bash
# 60-mqtt.sh - MQTT and Home Assistant with a real mosquitto broker on loopback: the retained
# discovery configs against HA's schema fields, the state document, the power switch allowed and
# refused, two boxes on one broker kept apart, a broker restart survived while the control cycle
# runs on, and the last will `offline` when h2boxd is killed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-mqtt.sh"

BROKER_PID=""
B_PID=""
SOCK_B=$TESTDIR/b.sock
LOG_B=$TESTDIR/h2boxd-b.log

mqtt_cleanup() {
	[ -n "$B_PID" ] && kill -TERM "$B_PID" 2>/dev/null && wait "$B_PID" 2>/dev/null
	[ -n "$BROKER_PID" ] && kill -TERM "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
	if [ "$TAP_FAILED" -gt 0 ] && [ -f "$LOG_B" ]; then
		echo "# box B's log (last 20 lines):"
		tail -n 20 "$LOG_B" | sed 's/^/#   /'
	fi
}
trap 'mqtt_cleanup; cleanup' EXIT

mqtt_require mosquitto mosquitto_sub mosquitto_pub jq python3
PORT=$(mqtt_free_port)
cat >"$TESTDIR/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
EOF

sub() { mosquitto_sub -h 127.0.0.1 -p "$PORT" "$@"; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$PORT" "$@"; }
broker_start() {
	mosquitto -c "$TESTDIR/mosquitto.conf" >>"$TESTDIR/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	wait_until 10 pub -t h2box-test/probe -m up
}
broker_stop() {
	kill -TERM "$BROKER_PID"
	wait "$BROKER_PID" 2>/dev/null
	BROKER_PID=""
}
# retained VALUE TOPIC: the broker holds VALUE retained on TOPIC (a one-shot read, for polling)
retained() { [ "$(sub -t "$2" -C 1 -W 2 2>/dev/null)" = "$1" ]; }

# profile NODE ALLOW: the simulated SFX box publishing as NODE, commands allowed or not
profile() { mqtt_profile "$1" "allow_commands = $2" "state_interval = 5s"; }

broker_start || { not_ok "mosquitto starts on port $PORT"; finish; exit 1; }
ok "mosquitto listens on 127.0.0.1:$PORT"

start_daemon "$(profile boxa yes)" --state-dir "$TESTDIR/state-a" || { finish; exit 1; }

# --- the retained discovery configs, against Home Assistant's MQTT schema fields ---
NCONF=23 # sensors 12, binary_sensors 8 (one per alarm class), switch, select, button
sub -t 'homeassistant/+/boxa/+/config' -F '%t %p' -C "$NCONF" -W 10 >"$TESTDIR/disc-a.txt"
expect_eq "all $NCONF discovery configs are retained" "$(wc -l <"$TESTDIR/disc-a.txt")" "$NCONF"
# one JSON array of {topic, component, object, config}
disc_json() {
	while read -r topic payload; do
		jq -c --arg t "$topic" '{topic: $t, component: ($t | split("/")[1]),
			object: ($t | split("/")[3]), config: .}' <<<"$payload"
	done <"$1" | jq -s .
}
disc_json "$TESTDIR/disc-a.txt" >"$TESTDIR/disc-a.json"
check "h2box metrics: h2box_mqtt_connected is 1 for the broker (the configs came through it)" \
	grep -qx 'h2box_mqtt_connected{broker="127.0.0.1"} 1' <(h2 metrics)
D() { jq -r "$@" "$TESTDIR/disc-a.json"; }
VERSION=$(cat "$ROOT/VERSION")
expect_eq "every entity: name, unique_id with the node, availability, the box's device" \
	"$(D --arg v "$VERSION" 'map(.config | select((.name | type) == "string"
		and (.unique_id | startswith("h2box_boxa_"))
		and .availability_topic == "h2box/boxa/availability"
		and .payload_available == "online" and .payload_not_available == "offline"
		and .device.identifiers == ["h2box_boxa"] and (.device.name | length) > 0
		and (.device.model | length) > 0 and .device.manufacturer == "h2box"
		and .device.sw_version == $v)) | length')" "$NCONF"
expect_eq "unique_ids are unique" "$(D 'map(.config.unique_id) | unique | length')" "$NCONF"
expect_eq "sensors: a state_topic and a value_template into the state document" \
	"$(D 'map(select(.component == "sensor") | .config
		| select(.state_topic == "h2box/boxa/state" and (.value_template | test("value_json"))))
		| length')" 12
pw() { D "map(select(.component == \"sensor\" and .object == \"$1\"))[0].config | $2"; }
expect_eq "power: device_class power, W, measurement" \
	"$(pw power '[.device_class, .unit_of_measurement, .state_class] | join(" ")')" "power W measurement"
expect_eq "energy: device_class energy, kWh, total_increasing (the Energy dashboard's)" \
	"$(pw energy '[.device_class, .unit_of_measurement, .state_class] | join(" ")')" "energy kWh total_increasing"
expect_eq "voltage: device_class voltage, V" \
	"$(pw voltage '[.device_class, .unit_of_measurement] | join(" ")')" "voltage V"
expect_eq "NIC and CPU temperatures in °C" \
	"$(pw nic_temp '.device_class + " " + .unit_of_measurement') $(pw cpu_temp '.unit_of_measurement')" \
	"temperature °C °C"
expect_eq "fan duty % and rpm" "$(pw fan_duty .unit_of_measurement) $(pw fan_rpm .unit_of_measurement)" "% rpm"
expect_eq "IB rx/tx as data_rate in Gbit/s" \
	"$(pw ib_rx '.device_class + " " + .unit_of_measurement') $(pw ib_tx .unit_of_measurement)" \
	"data_rate Gbit/s Gbit/s"
expect_eq "budget state: an enum sensor with the budget's states" \
	"$(pw budget_state '.device_class + " " + (.options | join(","))')" "enum ok,warn,throttle,critical"
expect_eq "a problem binary_sensor per alarm class, each on its own ON/OFF topic" \
	"$(D 'map(select(.component == "binary_sensor") | .config
		| select(.device_class == "problem" and (.state_topic | startswith("h2box/boxa/alarm/"))
			and .payload_on == "ON" and .payload_off == "OFF")) | length')" 8
expect_eq "switch: command_topic, state_topic, ON/OFF" \
	"$(D 'map(select(.component == "switch"))[0].config
		| [.command_topic, .state_topic, .payload_on, .payload_off] | join(" ")')" \
	"h2box/boxa/power/set h2box/boxa/state ON OFF"
PROFILES_LIST=$(jget '[.profiles[].name] | join(",")' fan profile --list)
expect_eq "select: the profile's fan profiles as options" \
	"$(D 'map(select(.component == "select"))[0].config | .command_topic + " " + (.options | join(","))')" \
	"h2box/boxa/fan_profile/set $PROFILES_LIST"
expect_eq "button: command_topic for power clear" \
	"$(D 'map(select(.component == "button"))[0].config | .command_topic + " " + .payload_press')" \
	"h2box/boxa/power_clear/press PRESS"
check "availability is online (retained)" retained online h2box/boxa/availability

# --- the state document is `h2box --json status`'s ---
STATE=$(sub -t h2box/boxa/state -C 1 -W 5)
expect_eq "state topic: the status document's members" \
	"$(jq -c 'keys' <<<"$STATE")" "$(h2 --json status | jq -c 'keys')"
expect_eq "state topic: box off" "$(jq -r .readings.power_state <<<"$STATE")" off
expect_eq "alarm classes are published OFF" "$(sub -t h2box/boxa/alarm/fan -C 1 -W 5)" OFF

# --- the switch powers the box on (allow_commands = yes), through the socket's verb ---
pub -q 1 -t h2box/boxa/power/set -m ON
if wait_until 10 bash -c "[ \"\$(\"$H2BOX\" -s \"$SOCK\" --json power status | jq -r .requested)\" = on ]"; then
	ok "ON on the switch's command topic requests power on"
else
	not_ok "ON on the switch's command topic requests power on"
fi
advance 30s
expect_eq "the box is on" "$(pst state)" on
check "the command is logged with its origin" grep -q "mqtt: power on: .*H2BOX_ORIGIN=mqtt" "$DAEMON_LOG"
check "the power verb logs who asked: mqtt, not the daemon's own uid" grep -q "power on by mqtt: " "$DAEMON_LOG"
# the change went out at once (a fresh subscriber reads the retained state)
expect_eq "state topic follows: on" "$(sub -t h2box/boxa/state -C 1 -W 5 | jq -r .readings.power_state)" on
QUIET=$(jget '[.profiles[] | select(.active | not) | .name][0]' fan profile --list)
pub -q 1 -t h2box/boxa/fan_profile/set -m "$QUIET"
if wait_until 10 bash -c "[ \"\$(\"$H2BOX\" -s \"$SOCK\" --json fan status | jq -r .profile)\" = \"$QUIET\" ]"; then
	ok "the select sets fan profile $QUIET"
else
	not_ok "the select sets fan profile $QUIET"
fi
pub -q 1 -t h2box/boxa/power_clear/press -m PRESS
if wait_until 10 grep -q "mqtt: power clear: .*H2BOX_ORIGIN=mqtt" "$DAEMON_LOG"; then
	ok "the button runs power clear"
else
	not_ok "the button runs power clear"
fi
expect_eq "a payload the switch does not take changes nothing" \
	"$(pub -t h2box/boxa/power/set -m MAYBE; advance 2s; pst state)" on

# --- a second box on the same broker, commands refused (allow_commands = no) ---
"$H2BOXD" -c "$(profile boxb no)" -s "$SOCK_B" --sim-speed 0 --state-dir "$TESTDIR/state-b" \
	2>>"$LOG_B" &
B_PID=$!
hb() { "$H2BOX" -s "$SOCK_B" "$@"; }
if wait_until 10 bash -c "\"$H2BOX\" -s \"$SOCK_B\" --json status | jq -e .mqtt.connected >/dev/null"; then
	ok "box B runs and is connected"
else
	not_ok "box B runs and is connected"
fi
pub -q 1 -t h2box/boxb/power/set -m ON
if wait_until 10 bash -c "[ \"\$(\"$H2BOX\" -s \"$SOCK_B\" --json status | jq -r .mqtt.refused)\" = 1 ]"; then
	ok "box B refuses the MQTT command"
else
	not_ok "box B refuses the MQTT command"
fi
hb sim advance 30s >/dev/null
expect_eq "box B stays off" "$(hb --json power status | jq -r .state)" off
check "the refusal is logged with its origin" \
	grep -q "mqtt: refused 'power on'.*H2BOX_ORIGIN=mqtt" "$LOG_B"
sub -t 'homeassistant/#' -F '%t %p' -C $((2 * NCONF)) -W 10 >"$TESTDIR/disc-all.txt"
disc_json "$TESTDIR/disc-all.txt" >"$TESTDIR/disc-all.json"
A() { jq -r "$1" "$TESTDIR/disc-all.json"; }
expect_eq "two Home Assistant devices on one broker" \
	"$(A '[.[].config.device.identifiers[0]] | unique | join(" ")')" "h2box_boxa h2box_boxb"
expect_eq "every unique_id distinct across both boxes" \
	"$(A 'map(.config.unique_id) | unique | length')" $((2 * NCONF))
expect_eq "nothing mixed: each box's entities use only its own topics and device" \
	"$(A 'map(select(.object as $o | .config as $c | ($c.device.identifiers[0] | ltrimstr("h2box_")) as $n
		| ($c.unique_id | startswith("h2box_" + $n + "_"))
		and (.topic | split("/")[2]) == $n
		and ([$c.state_topic, $c.command_topic, $c.availability_topic]
			| map(select(. != null)) | all(startswith("h2box/" + $n + "/")))))
		| length')" $((2 * NCONF))
expect_eq "box A's state still says on, box B's off" \
	"$(sub -t h2box/boxa/state -C 1 -W 5 | jq -r .readings.power_state) $(sub -t h2box/boxb/state -C 1 -W 5 | jq -r .readings.power_state)" \
	"on off"
kill -TERM "$B_PID" && wait "$B_PID"
B_PID=""
check "a clean stop says offline itself" retained offline h2box/boxb/availability

# --- a broker that stops answering (SIGSTOP: the kernel still takes our bytes, then not) ---
kill -STOP "$BROKER_PID"
T0=$(jget .time_s sim status)
check "sim advance 2 min against a frozen broker returns within 20 s" timeout 20 "$H2BOX" -s "$SOCK" sim advance 120s
expect_eq "box time moved 120 s" "$(jget ".time_s - $T0 | floor" sim status)" 120
check "status answers with the broker frozen" timeout 5 "$H2BOX" -s "$SOCK" status
kill -CONT "$BROKER_PID"

# --- the broker goes away: the control cycle runs on; it comes back: everything republished ---
broker_stop
T0=$(jget .time_s sim status)
check "sim advance works with the broker down" h2 sim advance 20s
expect_eq "box time moved 20 s" "$(jget ".time_s - $T0 | floor" sim status)" 20
if wait_until 10 bash -c "[ \"\$(\"$H2BOX\" -s \"$SOCK\" --json status | jq -r .mqtt.connected)\" = false ]"; then
	ok "status shows MQTT disconnected"
else
	not_ok "status shows MQTT disconnected"
fi
expect_eq "the box is still on (its control cycle ran on)" "$(pst state)" on
expect_eq "fresh readings with the broker down" "$(jget '.readings.watts > 0' status)" true
# a change the broker cannot hear of now: it must get it on the reconnect
h2 power off >/dev/null
advance 60s
expect_eq "powered off with the broker down" "$(pst state)" off
broker_start || not_ok "mosquitto restarts"
# the restarted broker keeps nothing (persistence false): all of it must come from h2boxd
if wait_until 20 retained online h2box/boxa/availability; then
	ok "after the broker's restart: online again"
else
	not_ok "after the broker's restart: online again"
fi
expect_eq "after the restart: the current state (off) republished" \
	"$(sub -t h2box/boxa/state -C 1 -W 5 | jq -r .readings.power_state)" off
expect_eq "after the restart: the discovery configs republished" \
	"$(sub -t 'homeassistant/+/boxa/+/config' -C "$NCONF" -W 10 | wc -l)" "$NCONF"
check "the loss was logged" grep -q "mqtt: connection to 127.0.0.1:$PORT lost" "$DAEMON_LOG"

# --- a reload that renames the node clears the old name's retained topics (no dead device in HA) ---
# retained_count TOPIC_FILTER: how many retained messages the broker holds there now
retained_count() { { sub -t "$1" --retained-only -W 2 2>/dev/null || true; } | wc -l; }
PROFILE_A=$TESTDIR/boxa.conf
sed -i 's/^node = boxa$/node = boxr/' "$PROFILE_A"
kill -HUP "$DAEMON_PID"
if wait_until 20 bash -c "[ \"\$(mosquitto_sub -h 127.0.0.1 -p $PORT -t 'homeassistant/+/boxr/+/config' --retained-only -W 2 2>/dev/null | wc -l)\" = $NCONF ]"; then
	ok "reload as node boxr: its $NCONF discovery configs retained"
else
	not_ok "reload as node boxr: its $NCONF discovery configs retained"
fi
expect_eq "boxa's discovery configs are cleared" "$(retained_count 'homeassistant/+/boxa/+/config')" 0
expect_eq "boxa's availability, state and alarm topics are cleared" "$(retained_count 'h2box/boxa/#')" 0
check "the rename is logged" grep -q "mqtt: node boxa (h2box/boxa, prefix homeassistant) is now boxr: its 33 retained topics cleared" "$DAEMON_LOG"
sed -i 's/^node = boxr$/node = boxa/' "$PROFILE_A"
kill -HUP "$DAEMON_PID"
if wait_until 20 retained online h2box/boxa/availability; then
	ok "reload back to boxa: online again"
else
	not_ok "reload back to boxa: online again"
fi
expect_eq "boxr's discovery configs are cleared in turn" "$(retained_count 'homeassistant/+/boxr/+/config')" 0
expect_eq "boxa's discovery configs are back" "$(retained_count 'homeassistant/+/boxa/+/config')" "$NCONF"

# --- SIGKILL: the broker publishes the last will ---
kill -KILL "$DAEMON_PID"
wait "$WAITER" 2>/dev/null
DAEMON_PID=""
if wait_until 10 retained offline h2box/boxa/availability; then
	ok "killed h2boxd: the will says offline (retained)"
else
	not_ok "killed h2boxd: the will says offline (retained)"
fi

finish
