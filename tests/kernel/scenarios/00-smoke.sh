#!/bin/sh
# 00-smoke.sh - asserts the rig itself: gpio-sim, i2c-stub + real hwmon drivers, rxe + perftest.
# shellcheck shell=dash
# shellcheck disable=SC2317  # check functions are invoked indirectly through rig_check
set -eu -o pipefail
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh

# A tool the rig needs and the initramfs lacks fails the check (make deps-test installs it):
# a rig that cannot look is not a rig that saw nothing wrong.
need() { # TOOL PACKAGE
	command -v "$1" >/dev/null || rig_die "$1 not in the initramfs (package $2 on the host): the rig is incomplete"
}

INA=0x41   # INA226 power monitor
LM75=0x48  # LM75 temperature sensor
EMC=0x2e   # EMC2305 fan controller

# ---------------------------------------------------------------- GPIO

gpio_chip() {
	local chip
	chip=$(rig_gpio_sim_setup h2box-sim PSU_PS_ON PSU_PWR_OK H2_PWR_BTN H2_PWR_LED)
	[ -c "/dev/$chip" ] || rig_die "/dev/$chip missing"
	rig_expect_eq "sysfs dir of PSU_PWR_OK" "$(rig_gpio_sysfs PSU_PWR_OK)" \
		"/sys/devices/platform/gpio-sim.0/$chip/sim_gpio1"
	rig_note "gpio-sim: $chip, PSU_PWR_OK at $(rig_gpio_sysfs PSU_PWR_OK)"
	need gpiofind gpiod
	need gpiodetect gpiod
	# The line names are visible to libgpiod (lookup by name, never by number).
	rig_expect_eq "gpiofind PSU_PWR_OK" "$(gpiofind PSU_PWR_OK)" "$chip 1"
	rig_expect_eq "chip label" "$(gpiodetect | grep "^$chip " | sed 's/.*\[\(.*\)\].*/\1/')" h2box-sim
}

gpio_pull_read() {
	local chip off
	chip=$(rig_gpio_chip PSU_PWR_OK)
	off=$(rig_gpio_offset PSU_PWR_OK)
	rig_gpio_pull PSU_PWR_OK up
	rig_expect_eq "sim value after pull-up" "$(rig_gpio_value PSU_PWR_OK)" 1
	need gpioget gpiod
	rig_expect_eq "gpioget after pull-up" "$(gpioget "$chip" "$off")" 1
	rig_gpio_pull PSU_PWR_OK down
	rig_expect_eq "gpioget after pull-down" "$(gpioget "$chip" "$off")" 0
}

gpio_output_read() {
	local chip off pid
	need gpioset gpiod
	chip=$(rig_gpio_chip PSU_PS_ON)
	off=$(rig_gpio_offset PSU_PS_ON)
	rig_expect_eq "PS_ON before request" "$(rig_gpio_value PSU_PS_ON)" 0
	gpioset --mode=signal "$chip" "$off=1" &
	pid=$!
	rig_wait_for 5 sh -c "[ \"\$(cat $(rig_gpio_sysfs PSU_PS_ON)/value)\" = 1 ]" ||
		{ kill "$pid"; rig_die "PS_ON never read 1 while gpioset held it high"; }
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	# Released line falls back to its pull (down).
	rig_wait_for 5 sh -c "[ \"\$(cat $(rig_gpio_sysfs PSU_PS_ON)/value)\" = 0 ]" ||
		rig_die "PS_ON did not return to 0 after release"
}

rig_check smoke/gpio-sim-chip gpio_chip
if rig_ok smoke/gpio-sim-chip; then
	rig_check smoke/gpio-pull-readable gpio_pull_read
	rig_check smoke/gpio-output-readable gpio_output_read
else
	rig_skip smoke/gpio-pull-readable "no gpio-sim chip"
	rig_skip smoke/gpio-output-readable "no gpio-sim chip"
fi

# ---------------------------------------------------------------- I2C + hwmon

i2c_stub() {
	local bus
	bus=$(rig_i2c_stub_load "$INA" "$LM75" "$EMC")
	rig_expect_eq "i2c-stub bus" "$bus" 0
	# Word registers round-trip; chip order vs SMBus order is the byte swap documented in guest-lib.
	rig_i2c_set_word "$bus" "$INA" 0x02 0x2580
	rig_expect_eq "reg 0x02 (chip order)" "$(rig_i2c_get_word "$bus" "$INA" 0x02)" 0x2580
	rig_expect_eq "reg 0x02 (SMBus order)" "$(rig_i2c_get_word_raw "$bus" "$INA" 0x02)" 0x8025
}

ina226() {
	local bus h
	bus=$(rig_i2c_bus)
	# Bus voltage LSB 1.25 mV: 0x2580 = 9600 -> 12000 mV.  Current LSB with the default 10 mOhm
	# shunt: 250 uA, so 0x0fa0 = 4000 -> 1000 mA.  Power LSB 25 x 250 uW: 0x0960 = 2400 -> 15 W.
	rig_i2c_set_word "$bus" "$INA" 0x02 0x2580
	rig_i2c_set_word "$bus" "$INA" 0x04 0x0fa0
	rig_i2c_set_word "$bus" "$INA" 0x03 0x0960
	rig_bind "$bus" ina226 "$INA"
	h=$(rig_hwmon_find ina226 "$(rig_i2c_dev "$bus" "$INA")") || rig_die "no hwmon named ina226"
	rig_note "ina226 at $h"
	# The driver programmed the chip at probe: config 0x4527 (16 averages), calibration 2048.
	rig_expect_eq "config written by probe" "$(rig_i2c_get_word "$bus" "$INA" 0x00)" 0x4527
	rig_expect_eq "calibration written by probe" "$(rig_i2c_get_word "$bus" "$INA" 0x05)" 0x0800
	rig_expect_eq "in1_input (mV)" "$(cat "$h/in1_input")" 12000
	rig_expect_eq "curr1_input (mA)" "$(cat "$h/curr1_input")" 1000
	rig_expect_eq "power1_input (uW)" "$(cat "$h/power1_input")" 15000000
	# A live change is seen on the next read (no caching in the driver).
	rig_i2c_set_word "$bus" "$INA" 0x02 0x2EE0
	rig_expect_eq "in1_input after change (mV)" "$(cat "$h/in1_input")" 15000
}

lm75() {
	local bus h
	bus=$(rig_i2c_bus)
	# Temperature register, 9-bit default resolution: 0x2d80 -> 45.5 C -> 45500 m°C.
	rig_i2c_set_word "$bus" "$LM75" 0x00 0x2d80
	rig_bind "$bus" lm75 "$LM75"
	h=$(rig_hwmon_find lm75 "$(rig_i2c_dev "$bus" "$LM75")") || rig_die "no hwmon named lm75"
	rig_expect_eq "temp1_input (m°C)" "$(cat "$h/temp1_input")" 45500
	# Negative, two's complement: 0xf600 -> -10 C.
	rig_i2c_set_word "$bus" "$LM75" 0x00 0xf600
	rig_expect_eq "temp1_input after change (m°C)" "$(cat "$h/temp1_input")" -10000
}

emc2305() {
	local bus h
	bus=$(rig_i2c_bus)
	# Probe refuses the chip unless vendor (0xfe) reads 0x5d and product id (0xfd) is one of
	# 0x34 (EMC2305, 5 fans) / 0x35 (2303) / 0x36 (2302) / 0x37 (2301).
	rig_i2c_set_byte "$bus" "$EMC" 0xfe 0x5d
	rig_i2c_set_byte "$bus" "$EMC" 0xfd 0x34
	# Fan 1 tach, chip order at 0x3e: rpm = 3932160 / (value >> 3) * 2; 0x51e8 >> 3 = 2621 -> 3000.
	rig_i2c_set_word "$bus" "$EMC" 0x3e 0x51e8
	rig_bind "$bus" emc2305 "$EMC"
	h=$(rig_hwmon_find emc2305 "$(rig_i2c_dev "$bus" "$EMC")") || rig_die "no hwmon named emc2305"
	[ -e "$h/pwm1" ] || rig_die "no pwm1 in $h"
	[ -e "$h/fan1_input" ] || rig_die "no fan1_input in $h"
	rig_expect_eq "fan1_input (rpm)" "$(cat "$h/fan1_input")" 3000
	# pwm1 writes the fan drive register 0x30 (fan N: 0x30 + 0x10 * (N - 1)).
	echo 128 >"$h/pwm1"
	rig_expect_eq "drive register 0x30 after pwm1=128" "$(rig_i2c_get_byte "$bus" "$EMC" 0x30)" 0x80
	rig_expect_eq "pwm1 read back" "$(cat "$h/pwm1")" 128
}

libsensors() {
	local out
	need sensors lm-sensors
	out=$(sensors -u "ina226-i2c-$(rig_i2c_bus)-41") || rig_die "sensors failed: $out"
	echo "$out"
	echo "$out" | grep -q 'in1_input: 15\.000' || rig_die "libsensors does not report in1 = 15.000 V"
}

rig_check smoke/i2c-stub i2c_stub
if rig_ok smoke/i2c-stub; then
	rig_check smoke/ina226-hwmon ina226
	rig_check smoke/lm75-hwmon lm75
	rig_check smoke/emc2305-hwmon emc2305
	if rig_ok smoke/ina226-hwmon; then
		rig_check smoke/libsensors libsensors
	else
		rig_skip smoke/libsensors "no ina226"
	fi
else
	for c in ina226-hwmon lm75-hwmon emc2305-hwmon libsensors; do rig_skip "smoke/$c" "no i2c-stub"; done
fi

# ---------------------------------------------------------------- RDMA

rxe() {
	rig_rxe_setup lo rxe_lo
	[ -d /sys/class/infiniband/rxe_lo ] || rig_die "no /sys/class/infiniband/rxe_lo"
	need ibv_devinfo ibverbs-utils
	ibv_devinfo -d rxe_lo | grep -q 'state:.*PORT_ACTIVE' || rig_die "ibv_devinfo: rxe_lo port not active"
}

tcp_listening() { # PORT: some socket LISTENs on PORT (IPv4 or IPv6)
	local hex
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'
}

write_bw() {
	local spid bw out=/tmp/ib_write_bw.client srv=/tmp/ib_write_bw.server
	need ib_write_bw perftest
	# Small run: TCG makes rxe slow; 200 x 64 KiB is enough to prove the data path.
	ib_write_bw -d rxe_lo -F -n 200 -p 18515 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18515 || { cat "$srv"; rig_die "ib_write_bw server never listened"; }
	if ! timeout 60 ib_write_bw -d rxe_lo -F -n 200 -p 18515 127.0.0.1 >"$out" 2>&1; then
		cat "$out" "$srv"
		rig_die "ib_write_bw client failed"
	fi
	wait "$spid" || { cat "$out" "$srv"; rig_die "ib_write_bw server failed"; }
	cat "$out"
	# Result row: "#bytes #iterations BW-peak BW-average MsgRate".
	bw=$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 5 { bw = $4 } END { print bw }' "$out")
	[ -n "$bw" ] || rig_die "no bandwidth row in ib_write_bw output"
	awk -v b="$bw" 'BEGIN { exit !(b + 0 > 0) }' || rig_die "ib_write_bw average bandwidth is $bw MB/s"
	rig_note "ib_write_bw over rxe_lo: $bw MB/s average"
}

send_lat() {
	local spid out=/tmp/ib_send_lat.client srv=/tmp/ib_send_lat.server
	need ib_send_lat perftest
	ib_send_lat -d rxe_lo -F -n 100 -p 18516 >"$srv" 2>&1 &
	spid=$!
	rig_wait_for 20 tcp_listening 18516 || { cat "$srv"; rig_die "ib_send_lat server never listened"; }
	timeout 60 ib_send_lat -d rxe_lo -F -n 100 -p 18516 127.0.0.1 >"$out" 2>&1 ||
		{ cat "$out" "$srv"; rig_die "ib_send_lat client failed"; }
	wait "$spid" || { cat "$out" "$srv"; rig_die "ib_send_lat server failed"; }
	cat "$out"
	# Result row: "#bytes #iterations t_min t_max t_typical t_avg ...", times in usec.
	grep -Eq '^ *[0-9]+ +100 +[0-9.]+' "$out" || rig_die "no latency row in ib_send_lat output"
}

rig_check smoke/rxe-device rxe
if rig_ok smoke/rxe-device; then
	rig_check smoke/ib-write-bw write_bw
	rig_check smoke/ib-send-lat send_lat
else
	rig_skip smoke/ib-write-bw "no rxe device"
	rig_skip smoke/ib-send-lat "no rxe device"
fi

# ---------------------------------------------------------------- project binaries

# Every project executable in the initramfs must find all its shared libraries in the guest
# (the glibc loader's --list is ldd without ldd).
project_libs() {
	local f n=0 out
	for f in /opt/h2box/bin/* /opt/h2box/kernel-tools/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		# Scripts and static binaries give no library list (or an error): only dynamic ELFs count.
		out=$(/lib64/ld-linux-x86-64.so.2 --list "$f" 2>&1) || true
		case $out in
		*"not found"*) echo "$out"; rig_die "$f: unresolved libraries in the guest" ;;
		*"libc.so"*) n=$((n + 1)) ;;
		esac
	done
	[ "$n" -gt 0 ] || rig_die "no dynamically linked project executables in the initramfs (BUILD_DIR empty?)"
	rig_note "dynamically linked project executables, all libraries present: $n"
}

rig_check smoke/project-binaries-load project_libs
