#!/usr/bin/env bash
# 18-power-brick-dark.sh - the brick build (self topology) from a dark box, as
# profiles/sim-brick-dark.conf ships it: the button boots the H2 through its own power-button
# header (53 W burst, 35-45 W booting, 34.5 W idle, 38.5 W with the IB link up, each within 5 %
# of the article's brick readings), h2boxd (an observer while the H2 is dark) starts its work once
# the H2 has booted, and a long hold forces the H2 off in hardware.  At every step
# `h2box --json status` tells the truth about the plant: power state, H2 state, H2 supply.  Then
# the items of issue 11 one by one: the supply (13), the long hold (14), a press or `power on` on
# a dark box (15), and PWR_OK dropping (16: the fault latches and comes back at the next boot).
. "$(dirname "$0")/lib.sh"

PROFILE=$ROOT/profiles/sim-brick-dark.conf

truth() { jget ".$1" sim status; }
st() { jget ".power.$1" status; }

# expect_status TAG STATE HOST: `h2box --json status` against the plant's truth
expect_status() {
	local tag=$1 state=$2 host=$3 plant s
	# (the clock is paused: one status and one sim status for these)
	jvals -r "$(h2 --json status)" .power.state .power.host .power.host_supply .power.psu_on
	s=("${JVALS[@]}")
	jvals -r "$(h2 --json sim status)" .host_on .host_booting .psu_on
	expect_eq "$tag: power state" "${s[0]}" "$state"
	expect_eq "$tag: H2 state (status)" "${s[1]}" "$host"
	expect_eq "$tag: H2 supply (status)" "${s[2]}" own
	case $host in
	off) plant=false ;;
	*) plant=true ;;
	esac
	expect_eq "$tag: H2 running (plant)" "${JVALS[0]}" "$plant"
	expect_eq "$tag: H2 booting (plant)" "${JVALS[1]}" \
		"$([ "$host" = booting ] && echo true || echo false)"
	expect_eq "$tag: PS_ON (status = plant)" "${s[3]}" "${JVALS[2]}"
}

# ---- a dark box ----
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
advance 2s
expect_status "dark" off off
expect_eq "dark: PSU off (plant)" "$(truth psu_on)" false
expect_eq "dark: 0 W on the brick (plant)" "$(truth watts)" 0
expect_abs "dark: 0 W read (status)" "$(jget .readings.watts status)" 0 0.5
expect_eq "13: power status names the brick" \
	"$(h2 power status | grep -c 'H2 supply: own')" 1

# 15: `power on` on a dark H2 cannot run: h2boxd runs on it
out=$(h2 power on 2>&1)
expect_eq "15: power on with the H2 dark: refused (exit 3)" "$?" 3
check "15: power on with the H2 dark: says to press the button" grep -q "press the button" <<<"$out"
expect_eq "15: power on with the H2 dark: still off" "$(st state)" off
expect_eq "15: power on with the H2 dark: the H2 still dark (plant)" "$(truth host_on)" false

# ---- the button boots the H2 through its header ----
h2 sim button >/dev/null
advance 1500ms
expect_status "burst" host_starting booting
expect_near "burst: 53 W (plant)" "$(truth watts)" 53 0.05
expect_near "burst: 53 W read (status)" "$(jget .readings.watts status)" 53 0.05
if has_transition off host_stopping button; then not_ok "15: a press of a dark box asks no OS power-off"
else ok "15: a press of a dark box asks no OS power-off"; fi
check "15: logged off -> host_starting (host-started)" has_transition off host_starting host-started
expect_eq "15: SFX still off while the H2 boots (plant)" "$(truth psu_on)" false
advance 13500ms
expect_status "booting" host_starting booting
expect_cmp "booting: >= 35 W (plant)" "$(truth watts)" ge 35
expect_cmp "booting: <= 45 W (plant)" "$(truth watts)" le 45
expect_cmp "booting: >= 35 W read (status)" "$(jget .readings.watts status)" ge 35
expect_cmp "booting: <= 45 W read (status)" "$(jget .readings.watts status)" le 45
out=$(h2 power on 2>&1)
expect_eq "15: power on while the H2 boots: refused (exit 3)" "$?" 3
# the SFX (NIC and its fan) stays off while the H2 boots: an unpowered fan is no stalled fan
expect_eq "booting: the NIC side is not powered (status)" "$(st powered)" false
expect_eq "booting: no fan-stall alarm for the unpowered fan" "$(alarm_level fan-stall)" none
# the boot ends at 30 s; h2boxd starts on it and brings the SFX, the NIC and the IB port up
advance 17s
expect_status "H2 up, waiting for the IB port" ib_wait on
check "logged host_starting -> psu_starting (startup)" \
	has_transition host_starting psu_starting startup
expect_eq "idle: SFX on (plant)" "$(truth psu_on)" true
expect_eq "idle: link down yet (plant)" "$(truth link_up)" false
expect_near "idle: 34.5 W (plant)" "$(truth watts)" 34.5 0.05
expect_near "idle: 34.5 W read (status)" "$(jget .readings.watts status)" 34.5 0.05
advance 15s
expect_status "link up" on on
expect_eq "link up (plant)" "$(truth link_up)" true
expect_near "link up: 38.5 W (plant)" "$(truth watts)" 38.5 0.05
expect_near "link up: 38.5 W read (status)" "$(jget .readings.watts status)" 38.5 0.05
expect_eq "requested on" "$(st requested)" on

# ---- 14: a long hold forces the H2 off in hardware ----
h2 sim button --hold 5s >/dev/null
advance 3900ms
expect_status "held 3.9 s" on on
advance 200ms
expect_status "held 4 s" off off
check "logged on -> off (long-press)" has_transition on off long-press
expect_eq "14: held 4 s: 0 W from the H2 (plant)" "$(truth watts)" 0
expect_eq "14: held 4 s: NIC unpowered (plant)" "$(truth nic_watts)" 0
advance 3s
expect_status "dark again" off off
expect_eq "14: released: the H2 stays dark (plant)" "$(truth host_on)" false
expect_abs "14: dark: 0 W read (status)" "$(jget .readings.watts status)" 0 0.5

# ---- 16: PWR_OK drops: the OS powers off, the fault latches and comes back at the next boot ----
h2 sim button >/dev/null
advance 50s
expect_status "booted again" on on
h2 sim fault psu-ok-drop on >/dev/null
advance 10ms
expect_eq "16: PWR_OK drop: critical alarm" "$(alarm_level psu-ok-drop)" critical
expect_eq "16: PWR_OK drop: the OS powers off" "$(st state)" host_stopping
expect_eq "16: PWR_OK drop: fault named" "$(st fault.reason)" psu-ok-drop
check "16: PWR_OK drop: the fault is in the state file" grep -q "fault=psu-ok-drop" \
	"$TESTDIR/state/power.state"
advance 10s
expect_status "16: PWR_OK drop, H2 down" fault off
expect_eq "16: fault latched" "$(st fault.latched)" true
out=$(h2 power clear 2>&1)
expect_eq "16: power clear with the H2 dark: refused (exit 3)" "$?" 3
h2 sim fault psu-ok-drop off >/dev/null
h2 sim button >/dev/null
advance 50s
expect_status "16: next boot" fault on
expect_eq "16: next boot: the fault latched again" "$(st fault.reason)" psu-ok-drop
expect_eq "16: next boot: SFX kept off (plant)" "$(truth psu_on)" false
check "16: next boot: logged restored-fault" has_transition host_starting fault restored-fault
expect_eq "16: power clear" "$(h2 power clear 2>&1)" "fault cleared: psu-ok-drop"
expect_eq "16: power on" "$(h2 power on 2>&1)" "powering on"
advance 15s
expect_status "16: on after the fault" on on

stop_daemon
expect_eq "daemon exits 0" "$?" 0
finish
