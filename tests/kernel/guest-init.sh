#!/bin/sh
# guest-init.sh - /init of the kernel-rig initramfs: mount, run each scenario with a timeout, report, power off.
# shellcheck shell=dash
#
# Console protocol (parsed by run.sh on the host):
#   H2BOX-KTEST: PASS name | FAIL name: reason | SKIP name: reason   one per check
#   H2BOX-KTEST: DONE                                                   after the last scenario
# Kernel command line knobs (run.sh sets them from the environment):
#   h2box.scenario_timeout=SECONDS   per-scenario limit (default 180)
#   h2box.only=WORD                  run only scenarios whose file name contains WORD
# Not `set -e`: whatever happens, init must reach poweroff (if it exits instead, the kernel panics,
# and panic=-1 + QEMU's -no-reboot end the VM anyway).
set -u

export PATH=/opt/h2box/bin:/opt/h2box/kernel-tools:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C
export RIG_STATE=/run/rig

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
exec </dev/null >/dev/console 2>&1
mount -t configfs configfs /sys/kernel/config
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm "$RIG_STATE/results"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# Keep kernel messages off the console so they cannot split result lines; dmesg still has them.
echo 1 >/proc/sys/kernel/printk
hostname h2box-rig
ip link set lo up

# shellcheck source=SCRIPTDIR/guest-lib.sh
. /rig/guest-lib.sh

cmdline_value() { # KEY DEFAULT
	local w cmdline
	read -r cmdline </proc/cmdline
	for w in $cmdline; do
		case $w in "$1="*) echo "${w#*=}" && return ;; esac
	done
	echo "$2"
}

scenario_timeout=$(cmdline_value h2box.scenario_timeout 180)
only=$(cmdline_value h2box.only '')

echo "h2box-rig: linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s), up $(($(_rig_uptime_cs) / 100)).$(($(_rig_uptime_cs) % 100 / 10))s, scenario timeout ${scenario_timeout}s${only:+, only *$only*}"

for script in /rig/scenarios/*.sh; do
	[ -f "$script" ] || continue
	base=$(basename "$script" .sh)
	case $base in *"$only"*) ;; *) continue ;; esac
	name=${base#[0-9][0-9]-}
	export RIG_SCENARIO=$name RIG_RESULTS=$RIG_STATE/results/$base
	: >"$RIG_RESULTS"
	echo "h2box-rig: ---- scenario $name"
	t0=$(_rig_uptime_cs)
	timeout -k 5 "$scenario_timeout" sh "$script" 3>&1
	rc=$?
	dt=$((($(_rig_uptime_cs) - t0) / 100))
	if [ "$dt" -ge $((scenario_timeout - 1)) ] && { [ "$rc" = 143 ] || [ "$rc" = 137 ]; }; then
		rig_fail "$name" "timed out after ${scenario_timeout}s"
	elif [ "$rc" != 0 ] && ! grep -q '^H2BOX-KTEST: FAIL ' "$RIG_RESULTS"; then
		rig_fail "$name" "scenario exited with status $rc"
	elif [ ! -s "$RIG_RESULTS" ]; then
		if [ "$rc" = 0 ]; then rig_pass "$name"; else rig_fail "$name" "scenario exited with status $rc"; fi
	fi
	# A scenario that runs once per h2boxd build (rig_gpio_builds) ran only the libgpiod 1.6 one
	# when run.sh packed no libgpiod 2.x build: each check it would have run again is a named skip.
	if [ ! -x /opt/gpiod2/bin/h2boxd ] && grep -q rig_gpio_builds "$script"; then
		sed -n 's/^H2BOX-KTEST: [A-Z]* \([^:]*\).*/\1/p' "$RIG_RESULTS" | grep -v '/teardown$' >"$RIG_STATE/gpiod1-checks"
		while read -r c; do
			rig_skip "${c%%/*}/libgpiod2/${c#*/}" "no libgpiod 2.x build in the initramfs (make build-gpiod2)"
		done <"$RIG_STATE/gpiod1-checks"
	fi
	echo "h2box-rig: ---- scenario $name: ${dt}s"
	# Isolation: end every process the scenario left behind (kill -1 spares init), undo its setup.
	kill -KILL -1 2>/dev/null
	rig_reset
done

if grep -q '^H2BOX-KTEST: FAIL ' "$RIG_STATE"/results/* 2>/dev/null; then
	echo "h2box-rig: ---- failures: last 40 kernel messages follow (dmesg| lines in the log)"
	dmesg | tail -n 40 | sed 's/^/  dmesg| /'
fi
echo "H2BOX-KTEST: DONE"
sync
poweroff -f
