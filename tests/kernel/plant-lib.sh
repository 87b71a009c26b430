# plant-lib.sh - kernel-rig helpers for the plant loop: the box's devices, h2box-plant, h2boxd, h2box.
# shellcheck shell=dash
#
# Sourced after guest-lib.sh by the scenarios that run h2boxd against the mirrored plant
# (/rig/plant-lib.sh in the guest).  One box at a time:
#
#   rig_box_setup controller|controller-own|self
#                                    gpio-sim lines named as the real profile, i2c-stub with both
#                                    INA226s, the LM75 and the EMC2305 bound to their drivers
#                                    (RIG_BOX_BIND=no: left for h2boxd to create),
#                                    h2box-plant mirroring the matching build (sfx | brick with
#                                    the H2 on its own supply, controlled | brick, self)
#   rig_daemon_start PROFILE         h2boxd ($H2BOX_BIN) on it; waits until `h2box status` answers
#                                    ($RIG_DAEMON_WRAP, if set, is the command line it runs under)
#   rig_box_teardown                 daemon and plant stopped, devices removed (rig_reset)
#
# $H2BOX_BIN picks the build under test: /opt/h2box/bin (libgpiod 1.6) or /opt/gpiod2/bin
# (libgpiod 2.x, present when run.sh found build-gpiod2).  The plant is always /opt/h2box/bin's.
# Durations given to the plant ("button 200ms") are guest time: the daemon runs in real time.

H2BOX_BIN=${H2BOX_BIN:-/opt/h2box/bin}
RIG_PLANT=${RIG_PLANT:-/opt/h2box/bin/h2box-plant}
RIG_PROFILES=${RIG_PROFILES:-/rig/profiles}
RIG_PLANT_CMD=/run/h2box-plant.cmd
RIG_PLANT_STATE=/run/h2box-plant.state
RIG_PLANT_READY=/run/h2box-plant.ready
RIG_PLANT_SPEED=${RIG_PLANT_SPEED:-10}
# 20 ms, not the plant's 10 ms default: a pass costs the guest's TCG vCPUs (a third of one at
# 10 ms), and every pulse and hold the scenarios make lasts 200 ms or more
RIG_PLANT_PERIOD=${RIG_PLANT_PERIOD:-20ms}
H2BOX_SOCKET=/run/h2box-rig.sock # the rig profiles' socket
export H2BOX_SOCKET

# h2 ARGS...: the client of the build under test.
h2() { timeout 5 "$H2BOX_BIN/h2box" "$@"; }

# rig_h2_json FILTER ARGS...: one value of `h2box --json ARGS` through jq -r.
rig_h2_json() {
	local f=$1 out
	shift
	out=$(h2 --json "$@") || return 1
	printf '%s\n' "$out" | jq -r "$f"
}

# rig_until SECONDS COMMAND [ARGS...]: like rig_wait_for, but the deadline is on the clock
# (/proc/uptime), so a slow COMMAND (an h2box call under TCG) cannot stretch it.
rig_until() {
	local end
	end=$(($(_rig_uptime_cs) + $1 * 100))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(_rig_uptime_cs)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# ---------------------------------------------------------------- devices and plant

_rig_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# rig_box_setup controller|controller-own|self [PLANT_OPTIONS...]: devices + plant; prints
# nothing, dies on error.
rig_box_setup() {
	local topo=$1 bus build
	shift
	case $topo in
	controller | controller-own)
		rig_gpio_sim_setup h2box-rig PSU_ON_N PSU_PWR_OK PWR_BUTTON PWR_LED H2_PWR_BTN H2_PWR_LED >/dev/null
		build="--build sfx"
		# the H2 on its own brick, started and forced off through its button header
		[ "$topo" = controller ] || build="--build brick --own-supply"
		;;
	self)
		rig_gpio_sim_setup h2box-rig PSU_ON_N PSU_PWR_OK PWR_BUTTON PWR_LED >/dev/null
		build="--build brick --self --own-supply"
		;;
	*) rig_die "rig_box_setup: topology '$topo' is not controller|controller-own|self" ;;
	esac
	bus=$(rig_i2c_stub_load 0x40 0x41 0x48 0x2e)
	rig_i2c_set_byte "$bus" 0x2e 0xfe 0x5d # EMC2305: SMSC vendor
	rig_i2c_set_byte "$bus" 0x2e 0xfd 0x34 # EMC2305: product id (5 channels)
	# RIG_BOX_BIND=no: the chips stay without a kernel device, for h2boxd to create (the rig
	# profiles name them by bus and address: 25-i2c-instantiate.sh, 60-sandbox.sh)
	if [ "${RIG_BOX_BIND:-yes}" != no ]; then
		rig_bind "$bus" ina226 0x41
		rig_bind "$bus" lm75 0x48
		rig_bind "$bus" emc2305 0x2e
	fi
	rm -f "$RIG_PLANT_READY" "$RIG_PLANT_STATE"
	# shellcheck disable=SC2086  # $build is a list of options
	"$RIG_PLANT" $build --speed "$RIG_PLANT_SPEED" --period "$RIG_PLANT_PERIOD" --bus "$bus" "$@" \
		</dev/null >/tmp/h2box-plant.log 2>&1 &
	echo $! >"$RIG_STATE/plant.pid"
	rig_wait_for 10 test -e "$RIG_PLANT_READY" ||
		{ cat /tmp/h2box-plant.log; rig_die "h2box-plant never became ready"; }
}

# rig_plant KEY: a value from the plant's truth file (see h2box-plant: psu_on, host_on, fan_rpm...).
rig_plant() {
	sed -n "s/^$1=//p" "$RIG_PLANT_STATE"
}

# rig_box_diag: what a failed check shows: daemon and plant logs, power status, the plant's lines.
rig_box_diag() {
	local pid
	pid=$(cat "$RIG_STATE/plant.pid" 2>/dev/null) || pid=
	_rig_alive "$pid" || echo "diag: h2box-plant is NOT running"
	pid=$(cat "$RIG_STATE/h2boxd.pid" 2>/dev/null) || pid=
	_rig_alive "$pid" || echo "diag: h2boxd is NOT running"
	echo "diag: h2boxd log:"
	tail -n 15 /tmp/h2boxd.log 2>/dev/null | sed 's/^/  /'
	echo "diag: plant log:"
	tail -n 5 /tmp/h2box-plant.log 2>/dev/null | sed 's/^/  /'
	echo "diag: plant: $(grep -E '^(psu_|host_|line_|faults|last_|pass)' "$RIG_PLANT_STATE" 2>/dev/null | tr '\n' ' ')"
	echo "diag: gpio: $(grep -a 'gpio-' /sys/kernel/debug/gpio 2>&1 | tr -s ' ' | tr '\n' ';')"
	echo "diag: power status:"
	timeout 5 "$H2BOX_BIN/h2box" power status 2>&1 | sed 's/^/  /'
}

# rig_plant_cmd LINE: send a command and wait until the plant has run it; dies if it refused it.
rig_plant_cmd() {
	local n0 pid
	pid=$(cat "$RIG_STATE/plant.pid" 2>/dev/null) || pid=
	_rig_alive "$pid" || { rig_box_diag; rig_die "h2box-plant is not running (for '$*')"; }
	n0=$(rig_plant cmds)
	# bounded: opening a FIFO without a reader would block forever
	# shellcheck disable=SC2016  # $1/$2 belong to the inner sh
	timeout 5 sh -c 'printf "%s\n" "$1" >"$2"' sh "$*" "$RIG_PLANT_CMD" ||
		rig_die "could not write '$*' to $RIG_PLANT_CMD"
	rig_wait_for 5 _rig_plant_cmds_past "$n0" || rig_die "plant did not take '$*'"
	[ -z "$(rig_plant last_error)" ] || rig_die "plant refused '$*': $(rig_plant last_error)"
}
_rig_plant_cmds_past() { [ "$(rig_plant cmds)" -gt "$1" ]; }

# rig_plant_wait SECONDS KEY VALUE: poll the truth until KEY is VALUE.
rig_plant_wait() {
	rig_until "$1" _rig_plant_is "$2" "$3" ||
		{ rig_box_diag; rig_die "plant $2 stayed '$(rig_plant "$2")' (wanted '$3' within $1 s)"; }
}
_rig_plant_is() { [ "$(rig_plant "$1")" = "$2" ]; }

# ---------------------------------------------------------------- daemon

# rig_daemon_start PROFILE [h2boxd options]: h2boxd in the background, log /tmp/h2boxd.log; waits
# until its control socket answers.
rig_daemon_start() {
	local prof=$1 pid
	shift
	mkdir -p /tmp/h2box-state
	# shellcheck disable=SC2086  # $RIG_DAEMON_WRAP is a command line (60-sandbox: setpriv ...)
	${RIG_DAEMON_WRAP:-} "$H2BOX_BIN/h2boxd" -c "$prof" "$@" </dev/null >>/tmp/h2boxd.log 2>&1 &
	pid=$!
	echo "$pid" >"$RIG_STATE/h2boxd.pid"
	if ! rig_until 15 h2 status >/dev/null; then
		tail -n 20 /tmp/h2boxd.log
		_rig_alive "$pid" || rig_die "h2boxd exited at start"
		rig_die "h2boxd did not answer on $H2BOX_SOCKET"
	fi
}

# rig_daemon_stop: SIGTERM, wait (bounded) for the exit.
rig_daemon_stop() {
	local pid
	pid=$(cat "$RIG_STATE/h2boxd.pid" 2>/dev/null) || return 0
	rm -f "$RIG_STATE/h2boxd.pid"
	_rig_alive "$pid" || return 0
	kill -TERM "$pid"
	rig_wait_for 10 sh -c "! kill -0 $pid" || { kill -KILL "$pid"; rig_die "h2boxd ignored SIGTERM"; }
}

# rig_box_teardown: daemon, plant, devices (safe to call twice).
rig_box_teardown() {
	local pid
	rig_daemon_stop || true
	pid=$(cat "$RIG_STATE/plant.pid" 2>/dev/null) || pid=
	rm -f "$RIG_STATE/plant.pid"
	if _rig_alive "$pid"; then
		kill -TERM "$pid"
		rig_wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
	fi
	rig_reset
}

# rig_line_is NAME LEVEL: the gpio-sim line's level (sim_gpioN/value) is LEVEL (for polling).
rig_line_is() { [ "$(rig_gpio_value "$1")" = "$2" ]; }

# rig_power_state: `h2box power status`'s state.
rig_power_state() { rig_h2_json .state power status; }
_rig_power_is() { [ "$(rig_power_state)" = "$1" ]; }

# rig_power_wait SECONDS STATE: poll `h2box --json power status` until .state is STATE.
rig_power_wait() {
	rig_until "$1" _rig_power_is "$2" ||
		{ rig_box_diag; rig_die "power state stayed '$(rig_power_state)' (wanted '$2' within $1 s)"; }
}

# rig_host_boot_finish: wait out the H2's OS boot (30 s of plant time: 3 s real at 10x) at 100x,
# then put the plant back at $RIG_PLANT_SPEED; the H2 boots the same, in plant time, 2.7 s
# sooner.  Only once h2boxd has let go of the H2's button (dies otherwise): a start pulse still
# held at 100x would be a 4 s force-off hold.
rig_host_boot_finish() {
	rig_until 3 rig_line_is H2_PWR_BTN 0 ||
		{ rig_box_diag; rig_die "H2_PWR_BTN still held after the start pulse"; }
	rig_plant_cmd "speed 100"
	rig_plant_wait 10 host_booting 0
	rig_plant_cmd "speed $RIG_PLANT_SPEED"
}

# rig_near WHAT GOT WANT FRACTION: |GOT - WANT| <= FRACTION * |WANT|, else rig_die.
rig_near() {
	awk -v g="$2" -v w="$3" -v f="$4" 'BEGIN { d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w
		exit !(g != "" && d <= f * a) }' || rig_die "$1: got '$2', expected $3 within $(awk -v f="$4" 'BEGIN { print f * 100 }') %"
}

# rig_gpio_builds: the h2boxd builds in the guest: "gpiod1" (/opt/h2box/bin, libgpiod 1.6) and,
# when run.sh packed it, "gpiod2" (/opt/gpiod2/bin, libgpiod 2.x).
rig_gpio_builds() {
	echo gpiod1
	[ ! -x /opt/gpiod2/bin/h2boxd ] || echo gpiod2
}

# rig_gpio_build_use gpiod1|gpiod2: H2BOX_BIN for that build and RIG_BUILD_TAG, the prefix its
# check names get ("" for the default build, "libgpiod2/" for the 2.x one).
rig_gpio_build_use() {
	case $1 in
	gpiod1) H2BOX_BIN=/opt/h2box/bin RIG_BUILD_TAG= ;;
	gpiod2) H2BOX_BIN=/opt/gpiod2/bin RIG_BUILD_TAG=libgpiod2/ ;;
	*) rig_die "rig_gpio_build_use: unknown build '$1'" ;;
	esac
	export H2BOX_BIN RIG_BUILD_TAG
}
