#!/usr/bin/env bash
# 85-unit-sandbox.sh - the installed h2boxd.service scores 2.5 or less in `systemd-analyze security`
# (offline), runs as user h2box with nothing but its ambient capabilities in the bounding set, and
# packaging/h2box-sysfs-access grants group write on the files h2boxd writes (on a fake sysfs).
# tests/kernel/scenarios/60-sandbox.sh boots the daemon under the same user and capabilities.
. "$(dirname "$0")/lib.sh"

MAX_EXPOSURE=2.5
UNIT=$TESTDIR/h2boxd.service

if ! command -v systemd-analyze >/dev/null; then
	skip "unit sandbox" "no systemd-analyze here"
	finish
	exit
fi

# the same substitution as `make install`
sed "s|@SBINDIR@|/usr/sbin|g" "$ROOT/packaging/h2boxd.service" >"$UNIT"
out=$(systemd-analyze security --offline=yes --no-pager "$UNIT" 2>&1)
score=$(sed -n 's/.*Overall exposure level for h2boxd.service: \([0-9.]*\).*/\1/p' <<<"$out")
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	ok "systemd-analyze security: exposure $score <= $MAX_EXPOSURE"
else
	not_ok "systemd-analyze security: exposure '$score' <= $MAX_EXPOSURE"
	grep '✗' <<<"$out" | sed 's/^/#   /'
fi

key() { sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | grep . | sort -u; }
user=$(key User)
expect_eq "runs as user h2box" "$user" h2box
expect_eq "bounding set is exactly the ambient capabilities" "$(key CapabilityBoundingSet | tr '\n' ' ')" \
	"$(key AmbientCapabilities | tr '\n' ' ')"
expect_eq "ambient capabilities: CAP_NET_ADMIN (tc) only" "$(key AmbientCapabilities | tr '\n' ' ')" "CAP_NET_ADMIN "
# a non-root daemon's default socket would be in its private /tmp: the unit names root's default
expect_eq "control socket in RuntimeDirectory=, where root's h2box looks" \
	"$(key Environment | sed -n 's/^H2BOX_SOCKET=//p')" "/run/$(key RuntimeDirectory)/h2box.sock"
expect_eq "root's client default socket" "$(env -u H2BOX_SOCKET "$H2BOX" --help 2>&1 | grep -o '/run/h2box/h2box.sock' | head -n 1)" \
	/run/h2box/h2box.sock
expect_eq "the system user is the unit's user" \
	"$(awk '$1 == "u" { print $2 }' "$ROOT/packaging/h2box.sysusers")" "$user"
# every RUN+= of the udev rules names the helper `make install` puts there
expect_eq "udev rules run the installed helper" \
	"$(grep -o 'RUN+="[^ "]*' "$ROOT/packaging/60-h2box.rules" | sort -u)" 'RUN+="/usr/lib/h2box/h2box-sysfs-access'
# shellcheck disable=SC2016  # the Makefile's text, not an expansion
if grep -q 'packaging/h2box-sysfs-access $(DESTDIR)/usr/lib/h2box/h2box-sysfs-access' "$ROOT/Makefile"; then
	ok "make install puts the helper where the unit and rules run it"
else
	not_ok "make install puts the helper where the unit and rules run it"
fi

# h2box-sysfs-access on a fake /sys: hwmon reached through /sys/class's links, new-style (pwm in
# the hwmon dir) and old-style (in device/), throttle knobs, PCI rescan; other files untouched.
fake=$TESTDIR/sys
grp=$(id -gn)
mkdir -p "$fake/devices/i2c/0-002e/hwmon/hwmon3" "$fake/devices/isa/it87/hwmon/hwmon4" "$fake/class/hwmon" \
	"$fake/devices/system/cpu/cpufreq/policy0" "$fake/devices/system/cpu/cpu0" \
	"$fake/devices/system/cpu/intel_pstate" "$fake/class/powercap/intel-rapl:0" "$fake/bus/pci"
ln -s ../../devices/i2c/0-002e/hwmon/hwmon3 "$fake/class/hwmon/hwmon3"
ln -s ../../devices/isa/it87/hwmon/hwmon4 "$fake/class/hwmon/hwmon4"
ln -s ../.. "$fake/devices/isa/it87/hwmon/hwmon4/device" # old-style: attrs on the device
ln -s ../cpufreq/policy0 "$fake/devices/system/cpu/cpu0/cpufreq"
want=(devices/i2c/0-002e/hwmon/hwmon3/pwm1 devices/i2c/0-002e/hwmon/hwmon3/pwm1_enable
	devices/isa/it87/pwm2 devices/system/cpu/cpufreq/policy0/scaling_max_freq
	devices/system/cpu/intel_pstate/max_perf_pct class/powercap/intel-rapl:0/constraint_0_power_limit_uw)
keep=(devices/i2c/0-002e/hwmon/hwmon3/fan1_input devices/system/cpu/cpufreq/policy0/scaling_governor)
for f in "${want[@]}" "${keep[@]}"; do install -m 0644 /dev/null "$fake/$f"; done
install -m 0200 /dev/null "$fake/bus/pci/rescan"
ln -s ../../../../../system/cpu/cpufreq/policy0/scaling_governor "$fake/devices/i2c/0-002e/hwmon/hwmon3/pwm2"
H2BOX_SYSFS=$fake H2BOX_GROUP=$grp "$ROOT/packaging/h2box-sysfs-access"
expect_eq "h2box-sysfs-access exits 0" "$?" 0
for f in "${want[@]}"; do expect_eq "group may write $f" "$(stat -c %A "$fake/$f")" "-rw-rw-r--"; done
expect_eq "group may write bus/pci/rescan (still unreadable)" "$(stat -c %A "$fake/bus/pci/rescan")" "--w--w----"
for f in "${keep[@]}"; do expect_eq "$f (and a link named pwm2) untouched" "$(stat -c %A "$fake/$f")" "-rw-r--r--"; done
chmod 0644 "$fake/devices/i2c/0-002e/hwmon/hwmon3/pwm1"
H2BOX_SYSFS=$fake H2BOX_GROUP=$grp "$ROOT/packaging/h2box-sysfs-access" "$fake/devices/i2c/0-002e/hwmon/hwmon3"
expect_eq "one device (udev's /sys%p): its pwm1" "$(stat -c %A "$fake/devices/i2c/0-002e/hwmon/hwmon3/pwm1")" "-rw-rw-r--"
H2BOX_SYSFS=$fake H2BOX_GROUP=no-such-group-h2box "$ROOT/packaging/h2box-sysfs-access" 2>/dev/null
expect_eq "a failed chgrp is an error (udev logs it)" "$?" 1

finish
