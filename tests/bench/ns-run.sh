#!/usr/bin/env bash
# ns-run.sh - run one program of `make bench` in its cgroup, over its own copy of the fake hwmon tree.
#
# Usage (as root, under `unshare -m --propagation private`, which tests/bench/run.sh does):
#   ns-run.sh CGROUP_DIR [--private-run] -- COMMAND ARG...
# Joins CGROUP_DIR (cgroup v2: its cpu.stat counts this process and every child it forks),
# mounts a tmpfs over /sys/class in this private mount namespace and lays out the tree below,
# then execs COMMAND, which keeps this pid.  --private-run also puts a tmpfs over /run
# (fancontrol's pid file is /run/fancontrol.pid: two runs must not see each other's).
#
# The tree, as the kernel lays it out for the ODROID-H2 SFX build (libsensors resolves the
# chips through each hwmonN/device link's last part, "1-002e", and its subsystem link, "i2c";
# fancontrol checks the same links through DEVPATH/DEVNAME):
#   hwmon0  emc2305 at i2c-1 0x2e: pwm1, pwm1_enable, fan1_input
#   hwmon1  lm75    at i2c-1 0x48: temp1_input
#   hwmon2  ina226  at i2c-1 0x40: in0_input, in1_input, curr1_input, power1_input
# The files never change by themselves: every program reads the same values each cycle, so
# their work per cycle is the same whatever the timing.
set -euo pipefail

cg=$1
shift
private_run=0
if [[ ${1:-} == --private-run ]]; then
	private_run=1
	shift
fi
[[ ${1:-} == -- ]] || { echo "usage: ns-run.sh CGROUP_DIR [--private-run] -- COMMAND..." >&2; exit 2; }
shift

echo $$ >"$cg/cgroup.procs"
mount -t tmpfs -o mode=0755 h2box-bench /sys/class
if ((private_run)); then
	mount -t tmpfs -o mode=0755 h2box-bench-run /run
fi

root=/sys/class
mkdir -p "$root/hwmon" "$root/.devices/bus/i2c"
chip() { # HWMON NAME I2C_DEVICE
	mkdir -p "$root/.devices/i2c-1/$3" "$root/hwmon/$1"
	ln -s ../../bus/i2c "$root/.devices/i2c-1/$3/subsystem"
	ln -s "../../.devices/i2c-1/$3" "$root/hwmon/$1/device"
	echo "$2" >"$root/hwmon/$1/name"
}
attr() { # HWMON FILE VALUE
	echo "$3" >"$root/hwmon/$1/$2"
}
chip hwmon0 emc2305 1-002e
attr hwmon0 pwm1 255
attr hwmon0 pwm1_enable 2
attr hwmon0 fan1_input 2400
chip hwmon1 lm75 1-0048
attr hwmon1 temp1_input 45000
chip hwmon2 ina226 1-0040
attr hwmon2 in0_input 3
attr hwmon2 in1_input 12000
attr hwmon2 curr1_input 1500
attr hwmon2 power1_input 18000000

exec "$@"
