#!/usr/bin/env bash
# 18-power-force-off.sh - `h2box power force-off` end to end in the controller topology on both
# builds: the H2's power-button header held until the H2 gives up (its 4 s override, inside the
# 6 s force_off_hold), the PSU released after its off delay, state off, the history's reasons and
# the saved state; refused without privilege; a second force-off during the hold changes nothing.
# In the self topology (h2boxd on the H2, on its brick) force-off cuts the NIC's SFX at once.
. "$(dirname "$0")/lib.sh"

truth() { jget ".$1" sim status; }

force_off_suite() {
	local profile=$1 tag=$2 out rc

	rm -rf "$TESTDIR/state"
	start_daemon "$profile" --state-dir "$TESTDIR/state" || return 1
	h2 power on >/dev/null
	advance 60s
	expect_eq "$tag: on before the force-off" "$(pst state)" on
	expect_eq "$tag: H2 button header released while on (plant)" "$(truth host_button)" false

	h2_nobody power force-off >/dev/null 2>&1
	expect_eq "$tag: nobody: force-off refused with exit 4" "$?" 4
	advance 1s
	expect_eq "$tag: refused force-off changed nothing" "$(pst state)" on

	out=$(h2 power force-off 2>&1)
	rc=$?
	expect_eq "$tag: force-off exits 0" "$rc" 0
	expect_eq "$tag: force-off says what it does" "$out" \
		"forcing off: holding the H2 power button for 6s, then cutting the PSU"
	advance 100ms
	expect_eq "$tag: forcing off" "$(pst state)" force_off
	expect_eq "$tag: requested off" "$(pst requested)" off
	expect_eq "$tag: H2 button header held (plant)" "$(truth host_button)" true
	expect_eq "$tag: PSU still on during the hold (plant)" "$(truth psu_on)" true
	out=$(h2 power force-off 2>&1)
	expect_eq "$tag: a second force-off during the hold" "$out" "already forcing off"

	# the H2 turns off after 4 s of its button held; the hold lasts until its LED goes out
	advance 3800ms
	expect_eq "$tag: 3.9 s into the hold: still held (plant)" "$(truth host_button)" true
	expect_eq "$tag: 3.9 s into the hold: H2 still up (plant)" "$(truth host_on)" true
	expect_eq "$tag: 3.9 s into the hold: still forcing off" "$(pst state)" force_off
	advance 200ms
	expect_eq "$tag: H2 off after 4 s (plant)" "$(truth host_on)" false
	expect_eq "$tag: button header let go once the LED went out (plant)" \
		"$(truth host_button)" false
	expect_eq "$tag: then the PSU off delay" "$(pst state)" psu_stopping
	expect_eq "$tag: PS_ON still asserted in the off delay (plant)" "$(truth psu_on)" true
	advance 2100ms
	expect_eq "$tag: state off" "$(pst state)" off
	expect_eq "$tag: PS_ON released (status)" "$(pst psu_on)" false
	expect_eq "$tag: PSU off (plant)" "$(truth psu_on)" false
	expect_eq "$tag: NIC unpowered (plant)" "$(truth nic_watts)" 0
	check "$tag: logged on -> force_off (command-force-off)" \
		has_transition on force_off command-force-off
	check "$tag: logged force_off -> psu_stopping (host-off)" \
		has_transition force_off psu_stopping host-off
	expect_eq "$tag: history ends psu_stopping -> off (psu-off-delay)" \
		"$(jget '.history[-1] | "\(.from) -> \(.to) \(.reason)"' power status)" \
		"psu_stopping -> off psu-off-delay"
	check "$tag: the state file keeps requested off" grep -qx "requested=off" \
		"$TESTDIR/state/power.state"
	out=$(h2 power force-off 2>&1)
	expect_eq "$tag: force-off when off" "$out" "already off"
	advance 10s
	expect_eq "$tag: stays off" "$(pst state)" off

	stop_daemon
	expect_eq "$tag: daemon exits 0" "$?" 0
}

force_off_suite "$ROOT/profiles/sim-sfx.conf" sfx
force_off_suite "$ROOT/tests/scenario/profiles/sim-brick-controller.conf" brick-own-supply

# ---- self topology: the SFX cut at once, the H2 (the daemon's own host) untouched ----
rm -rf "$TESTDIR/state"
if start_daemon_unready "$ROOT/profiles/sim-brick.conf" --state-dir "$TESTDIR/state"; then
	advance 20s
	if wait_ready; then ok "self: READY=1 once the box is up"; else not_ok "self: READY=1 once the box is up"; fi
	expect_eq "self: on before the force-off" "$(pst state)" on
	out=$(h2 power force-off 2>&1)
	expect_eq "self: force-off exits 0" "$?" 0
	expect_eq "self: force-off cuts at once" "$out" "power cut"
	expect_eq "self: state off at once" "$(pst state)" off
	expect_eq "self: SFX off (plant)" "$(truth psu_on)" false
	expect_eq "self: NIC unpowered (plant)" "$(truth nic_watts)" 0
	expect_eq "self: the H2 keeps running on its brick (plant)" "$(truth host_on)" true
	expect_eq "self: its power button untouched (plant)" "$(truth host_button)" false
	expect_eq "self: history on -> off (command-force-off)" \
		"$(jget '.history[-1] | "\(.from) -> \(.to) \(.reason)"' power status)" \
		"on -> off command-force-off"
	advance 10s
	expect_eq "self: stays off" "$(pst state)" off
	check "self: the state file keeps requested off" grep -qx "requested=off" \
		"$TESTDIR/state/power.state"
	stop_daemon
	expect_eq "self: daemon exits 0" "$?" 0
fi
finish
