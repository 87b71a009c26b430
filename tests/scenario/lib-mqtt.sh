# lib-mqtt.sh - helpers of the MQTT scenarios (60-*, 61-*), sourced after lib.sh: the programs
# they need, a free loopback port for the test's own broker, a simulated box with [mqtt].

# mqtt_require PROG...: each is installed (the Makefile's TEST_PKGS), or the scenario fails
mqtt_require() {
	for prog in "$@"; do
		if ! command -v "$prog" >/dev/null; then
			not_ok "$prog is installed (the Makefile's TEST_PKGS: mosquitto, mosquitto-clients, openssl)"
			finish
			exit 1
		fi
	done
}

# A free loopback port for this run (several test runs share the machine: never a fixed one).
mqtt_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# mqtt_profile NODE [LINE...]: the simulated SFX box with an [mqtt] section for the broker on
# $PORT, node NODE and the extra key lines; prints the profile's path
mqtt_profile() {
	local node=$1 f=$TESTDIR/$1.conf
	shift
	cp "$ROOT/profiles/sim-sfx.conf" "$f"
	printf '\n[mqtt]\nhost = 127.0.0.1\nport = %s\nnode = %s\n' "$PORT" "$node" >>"$f"
	printf '%s\n' "$@" >>"$f"
	echo "$f"
}
