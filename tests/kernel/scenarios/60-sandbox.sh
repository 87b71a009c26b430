#!/bin/sh
# 60-sandbox.sh - h2boxd under packaging/h2boxd.service's identity: its User= (uid 990 here) with
# exactly its AmbientCapabilities= (also the whole bounding set) and no new privileges, after the
# guest did what the packaging does on a real box (60-h2box.rules' GROUP=/MODE= on the device
# nodes, the unit's ExecStartPre=+ lines as root: h2boxd --i2c-instantiate creates the I2C chips'
# devices, which the rig leaves out here, and h2box-sysfs-access grants sysfs).  Every hardware feature must still work: GPIO power
# sequencing and the hwmon fan (controller profile), the INA226 over i2c-dev and the tc tbf
# throttle (self profile), the verbs benchmark on rxe with the unit's LimitMEMLOCK= (ib profile).  Not covered here (no systemd in the guest): the unit's seccomp filter,
# namespaces and device cgroup; tests/scenario/85-unit-sandbox.sh checks the unit's score.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh
# shellcheck source=SCRIPTDIR/../plant-lib.sh
. /rig/plant-lib.sh

PKG=/rig/packaging
UNIT=$PKG/h2boxd.service
UID_H2BOX=990
IP=/usr/bin/ip
TC=/usr/sbin/tc
SETPRIV=/usr/bin/setpriv # util-linux's (busybox's lacks --bounding-set)
unit_key() { sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | grep .; }

# the daemon's socket: the unit's Environment=H2BOX_SOCKET (in its RuntimeDirectory=, owned by
# the user); given with -s here because the rig profiles name their own socket
H2BOX_SOCKET=$(unit_key Environment | sed -n 's/^H2BOX_SOCKET=//p')
export H2BOX_SOCKET

# setpriv's capability list for the unit's AmbientCapabilities=: "-all,+net_admin"
caps_arg() {
	local c out=-all
	for c in $(unit_key AmbientCapabilities); do
		c=$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')
		out="$out,+$c"
	done
	echo "$out"
}

# as_unit_argv [--no-caps]: the setpriv command line that becomes the unit's user, group h2box,
# the unit's capabilities (inheritable, ambient, bounding) and NoNewPrivileges=yes.
as_unit_argv() {
	local caps
	caps=$(caps_arg)
	[ "${1:-}" != --no-caps ] || caps=-all
	echo "$SETPRIV --reuid=$UID_H2BOX --regid=$UID_H2BOX --groups=$UID_H2BOX" \
		"--inh-caps=$caps --ambient-caps=$caps --bounding-set=$caps --no-new-privs --"
}

# as_unit [--no-caps] COMMAND...: run COMMAND as the unit's user, group h2box, the unit's
# capabilities (inheritable, ambient, bounding) and NoNewPrivileges=yes.
as_unit() {
	local argv
	if [ "${1:-}" = --no-caps ]; then
		argv=$(as_unit_argv --no-caps)
		shift
	else
		argv=$(as_unit_argv)
	fi
	# shellcheck disable=SC2086  # a command line
	$argv "$@"
}

# unit_pre_root PROFILE [WORD]: the unit's ExecStartPre=+ lines (root, outside the sandbox), in
# order, with the rig's paths for @SBINDIR@, /usr/lib/h2box/ and the profile; with WORD only the
# lines that contain it.  A failure is logged and ignored, as the unit's "-" prefix does.
unit_pre_root() {
	local line
	# the prefixes before the "+" ("-+"); the unit puts none after it (an "@" there would be
	# @SBINDIR@'s)
	sed -n 's/^ExecStartPre=[-:!]*+//p' "$UNIT" | while IFS= read -r line; do
		case $line in *"${2:-}"*) ;; *) continue ;; esac
		line=$(printf '%s\n' "$line" | sed -e "s|@SBINDIR@|$H2BOX_BIN|g" \
			-e "s|/usr/lib/h2box/|$PKG/|g" -e "s|/etc/h2box/h2box.conf|$1|g")
		# shellcheck disable=SC2086  # a command line, no shell in the unit either
		$line >>/tmp/h2box-execstartpre.log 2>&1 || echo "ExecStartPre=+ $line failed" >>/tmp/h2box-execstartpre.log
	done
}

# what udev and systemd do for the unit on a real box, for the devices the rig just created:
# packaging_apply PROFILE
packaging_apply() {
	local line kernel group mode f
	# 60-h2box.rules: KERNEL=="..." ... GROUP="..." MODE="..." lines, applied to /dev
	while IFS= read -r line; do
		case $line in \#* | "") continue ;; esac
		kernel=$(echo "$line" | sed -n 's/.*KERNEL=="\([^"]*\)".*/\1/p')
		group=$(echo "$line" | sed -n 's/.*GROUP="\([^"]*\)".*/\1/p')
		mode=$(echo "$line" | sed -n 's/.*MODE="\([^"]*\)".*/\1/p')
		if [ -z "$kernel" ] || [ -z "$group" ] || [ -z "$mode" ]; then continue; fi
		for f in /dev/$kernel; do
			[ -c "$f" ] || continue
			chgrp "$group" "$f"
			chmod "$mode" "$f"
		done
	done <"$PKG/60-h2box.rules"
	# RUN+= of the rules (h2box-sysfs-access) and the unit's ExecStartPre=+ lines: the I2C
	# devices the profile names (h2boxd --i2c-instantiate), then h2box-sysfs-access
	unit_pre_root "$1"
	# RuntimeDirectory=h2box, and the rig profiles' state_dir (StateDirectory= on a real box)
	rm -rf "${H2BOX_SOCKET%/*}" /tmp/h2box-state /tmp/h2box-watts.csv*
	mkdir -p "${H2BOX_SOCKET%/*}" /tmp/h2box-state
	chown $UID_H2BOX:$UID_H2BOX "${H2BOX_SOCKET%/*}" /tmp/h2box-state
}

identity() {
	local user
	[ -x $SETPRIV ] || rig_die "no util-linux setpriv in the initramfs (package util-linux on the host)"
	user=$(unit_key User)
	rig_expect_eq "the unit's User=" "$user" h2box
	rig_expect_eq "the unit's socket" "$H2BOX_SOCKET" /run/h2box/h2box.sock
	grep -q "^h2box:" /etc/passwd || {
		echo "h2box:x:$UID_H2BOX:$UID_H2BOX:h2box:/var/lib/h2box:/bin/false" >>/etc/passwd
		echo "h2box:x:$UID_H2BOX:" >>/etc/group
	}
	rig_expect_eq "setpriv capability list from AmbientCapabilities=" "$(caps_arg)" "-all,+net_admin"
	# rig_daemon_start runs h2boxd under it (setpriv execs: the pid is the daemon's)
	as_unit_argv >"$RIG_STATE/sandbox-wrap"
	# the identity is real: the capability set the daemon gets, and nothing without it
	rig_expect_eq "CapEff as the unit" "$(as_unit sh -c 'grep ^CapEff: /proc/self/status' | tr -d '\t ')" \
		"CapEff:0000000000001000"
	rig_expect_eq "CapBnd as the unit" "$(as_unit sh -c 'grep ^CapBnd: /proc/self/status' | tr -d '\t ')" \
		"CapBnd:0000000000001000"
}

# the daemon started by rig_daemon_start really is the unit's user with the unit's capabilities
_daemon_identity() {
	local pid
	pid=$(cat "$RIG_STATE/h2boxd.pid")
	rig_expect_eq "h2boxd uid" "$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")" $UID_H2BOX
	rig_expect_eq "h2boxd CapEff" "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status")" 0000000000001000
	rig_expect_eq "h2boxd NoNewPrivs" "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$pid/status")" 1
}

# nothing denied: the log would name EACCES/EPERM of a write the sandbox forbids
_no_denials() {
	if grep -Ei 'permission denied|operation not permitted' /tmp/h2boxd.log; then
		rig_die "h2boxd was denied something under the unit's identity (lines above)"
	fi
}

_pwm1() { cat "$(rig_hwmon_find emc2305)/pwm1"; }
_pwm1_is() { [ "$(_pwm1)" = "$1" ]; }
_fan_auto() { [ "$(rig_h2_json .mode fan status)" = auto ]; }

_driver_of() { basename "$(readlink "/sys/bus/i2c/devices/$1/driver")"; }

controller_setup() {
	local h
	rm -f /tmp/h2boxd.log /tmp/h2box-execstartpre.log
	# no kernel devices for the chips: the unit's ExecStartPre=+ creates them, as root
	RIG_BOX_BIND=no rig_box_setup controller
	unit_pre_root "$RIG_PROFILES/rig-controller.conf" i2c-instantiate
	rig_expect_eq "emc2305 created by the unit's ExecStartPre=+" "$(_driver_of 0-002e 2>/dev/null)" emc2305
	rig_expect_eq "lm75 created by the unit's ExecStartPre=+" "$(_driver_of 0-0048 2>/dev/null)" lm75
	h=$(rig_hwmon_find emc2305) || rig_die "no emc2305 hwmon device"
	# without the packaging's grants the unit's user can neither drive GPIO nor the fan
	if as_unit sh -c "echo 100 >$h/pwm1" 2>/dev/null; then
		rig_die "user h2box could write pwm1 before h2box-sysfs-access: the rig proves nothing"
	fi
	# the devices' new_device is root's: the unit's user could not have created them
	if as_unit sh -c "echo lm75 0x50 >/sys/bus/i2c/devices/i2c-0/new_device" 2>/dev/null; then
		rig_die "user h2box could write new_device: the unit's ExecStartPre=+ proves nothing"
	fi
	packaging_apply "$RIG_PROFILES/rig-controller.conf"
	rig_daemon_start "$RIG_PROFILES/rig-controller.conf" -s "$H2BOX_SOCKET"
	_daemon_identity
	rig_power_wait 5 off
	# created once, by root: the sandboxed daemon found them all there
	# emc2305, lm75 and the kernel's ina226 at 0x41: created by the first run, none by the second
	rig_expect_eq "devices the unit's ExecStartPre=+ created (run twice)" \
		"$(grep -c 'i2c: created' /tmp/h2box-execstartpre.log)" 3
	if grep 'i2c: created\|new_device' /tmp/h2boxd.log; then
		rig_die "the sandboxed h2boxd created (or tried to create) an I2C device"
	fi
}

power_on_off() {
	h2 power on >/dev/null || rig_die "power on refused"
	rig_until 3 rig_line_is PSU_ON_N 0 || rig_die "PS_ON# never went low"
	rig_plant_wait 5 psu_ok 1
	rig_plant_wait 10 host_on 1
	rig_power_wait 10 on
	rig_plant_wait 10 host_booting 0
	rig_expect_eq "status psu_ok" "$(rig_h2_json .psu_ok power status)" true
}

fan_pwm() {
	rig_until 10 _fan_auto || { rig_box_diag; rig_die "fan control never reached auto"; }
	h2 fan set 47 >/dev/null || rig_die "fan set 47 refused"
	rig_until 10 _pwm1_is 128 || rig_die "pwm1 is $(_pwm1) after fan set 47 as user h2box, expected 128"
	h2 fan auto >/dev/null
}

power_off() {
	h2 power off >/dev/null || rig_die "power off refused"
	rig_plant_wait 10 host_on 0
	rig_power_wait 10 off
	rig_plant_wait 3 psu_on 0
	rig_expect_eq "PS_ON# released" "$(rig_gpio_value PSU_ON_N)" 1
	_no_denials
}

self_setup() {
	rm -f /tmp/h2boxd.log
	$IP link add ib0 type veth peer name ib0p || rig_die "cannot create the veth ib0"
	$IP link set ib0 up
	$IP link set ib0p up
	# tc needs CAP_NET_ADMIN: refused without the unit's capability, allowed with it
	if as_unit --no-caps $TC qdisc add dev ib0 root tbf rate 1mbit burst 32kbit latency 50ms 2>/dev/null; then
		rig_die "tc worked without CAP_NET_ADMIN: the rig's identity is not the unit's"
	fi
	RIG_BOX_BIND=no rig_box_setup self
	packaging_apply "$RIG_PROFILES/rig-self.conf"
	rig_daemon_start "$RIG_PROFILES/rig-self.conf" -s "$H2BOX_SOCKET"
	_daemon_identity
	rig_power_wait 10 on
}

mon() { rig_h2_json ".monitors[] | select(.name == \"$1\") | .$2" watts; }
_h2_valid() { [ "$(mon h2 valid)" = true ]; }
ina_i2c() {
	rig_until 10 _h2_valid || { h2 watts; rig_die "the i2c-dev INA226 never became valid as user h2box"; }
	rig_near "INA226 over i2c-dev vs plant" "$(mon h2 watts)" "$(rig_plant monitored_w)" 0.03
}

_tbf() { $TC qdisc show dev ib0 | grep -q tbf; }
_no_tbf() {
	local q
	q=$($TC qdisc show dev ib0) || return 1
	! printf '%s\n' "$q" | grep -q tbf
}
tc_throttle() {
	rig_plant_cmd "workload iperf3-tx"
	rig_plant_cmd "load 12"
	rig_until 15 _tbf || { rig_box_diag; rig_die "no tbf on ib0 from h2boxd with CAP_NET_ADMIN only"; }
	rig_plant_cmd "load 0"
	rig_until 20 _no_tbf || rig_die "tbf still on ib0: the undo failed as user h2box"
	_no_denials
}

# LimitMEMLOCK= in KiB for ulimit -l ("64M" -> 65536)
memlock_kib() {
	local v
	v=$(unit_key LimitMEMLOCK)
	case $v in
	*K) echo "${v%K}" ;;
	*M) echo $((${v%M} * 1024)) ;;
	*G) echo $((${v%G} * 1024 * 1024)) ;;
	*) rig_die "LimitMEMLOCK='$v': not a size this rig reads" ;;
	esac
}

# verbs: the benchmark's queue pairs and registered buffers (the largest size, 8 MiB) on rxe,
# with the unit's LimitMEMLOCK= instead of root's CAP_IPC_LOCK
ib_setup() {
	rm -f /tmp/h2boxd.log
	rig_gpio_sim_setup h2box-ib PSU_ON_N PSU_PWR_OK PWR_BUTTON >/dev/null
	rig_gpio_pull PSU_PWR_OK up
	rig_gpio_pull PWR_BUTTON up
	rig_rxe_setup lo rxe_lo
	packaging_apply "$RIG_PROFILES/rig-ib.conf"
	rm -rf /tmp/h2box-ib-state
	mkdir -p /tmp/h2box-ib-state
	chown $UID_H2BOX:$UID_H2BOX /tmp/h2box-ib-state
	ulimit -l "$(memlock_kib)"
	rig_daemon_start "$RIG_PROFILES/rig-ib.conf" -s "$H2BOX_SOCKET"
	_daemon_identity
}

ib_bench() {
	local out=/tmp/sandbox-ib-bench.json
	h2 ib link | grep -q 'port 1: ACTIVE' || { h2 ib link; rig_die "rxe_lo port 1 not ACTIVE in ib link"; }
	timeout 120 "$H2BOX_BIN/h2box" --json ib bench --dev rxe_lo --sizes 8M --iters 5 >"$out" ||
		{ cat "$out"; tail -n 5 /tmp/h2boxd.log; rig_die "h2box ib bench 8M failed under the unit's identity"; }
	rig_expect_eq "bench ok" "$(tail -n 1 "$out" | jq -r .ok)" true
	tail -n 1 "$out" | grep -q '"size":8388608' || { tail -n 1 "$out"; rig_die "no 8 MiB row in the bench result"; }
	_no_denials
}

rig_check sandbox/unit-identity identity
if rig_ok sandbox/unit-identity; then
	RIG_DAEMON_WRAP=$(cat "$RIG_STATE/sandbox-wrap")
	export RIG_DAEMON_WRAP
	rig_check sandbox/controller-setup controller_setup
	if rig_ok sandbox/controller-setup; then
		rig_check sandbox/gpio-power-on power_on_off
		rig_check sandbox/hwmon-fan-pwm fan_pwm
		rig_check sandbox/gpio-power-off power_off
	else
		for c in gpio-power-on hwmon-fan-pwm gpio-power-off; do rig_skip "sandbox/$c" "no setup"; done
	fi
	rig_check sandbox/controller/teardown rig_box_teardown
	rig_check sandbox/self-setup self_setup
	if rig_ok sandbox/self-setup; then
		rig_check sandbox/ina226-i2c-dev ina_i2c
		rig_check sandbox/tc-tbf-throttle tc_throttle
	else
		for c in ina226-i2c-dev tc-tbf-throttle; do rig_skip "sandbox/$c" "no setup"; done
	fi
	rig_check sandbox/self/teardown rig_box_teardown
	rig_check sandbox/ib-setup ib_setup
	if rig_ok sandbox/ib-setup; then
		rig_check sandbox/ib-verbs-bench ib_bench
	else
		rig_skip sandbox/ib-verbs-bench "no setup"
	fi
	rig_check sandbox/teardown rig_box_teardown
else
	for c in controller-setup gpio-power-on hwmon-fan-pwm gpio-power-off self-setup ina226-i2c-dev tc-tbf-throttle ib-setup ib-verbs-bench; do
		rig_skip "sandbox/$c" "no unit identity"
	done
fi
$IP link del ib0 2>/dev/null || true
