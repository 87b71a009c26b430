#!/usr/bin/env bash
# 13-shutdown-hook.sh - the systemd-shutdown hook releases PS_ON only for poweroff and halt,
# through `h2boxd --release-psu`, and never for reboot or kexec.
. "$(dirname "$0")/lib.sh"

HOOK=$ROOT/packaging/h2box-shutdown-hook
FAKE=$TESTDIR/fake-h2boxd
cat >"$FAKE" <<FAKE
#!/bin/sh
echo "\$*" >>"$TESTDIR/calls"
FAKE
chmod +x "$FAKE"
cp "$ROOT/profiles/h2-brick.conf" "$TESTDIR/h2box.conf"

for verb in reboot kexec "" bogus; do
	rm -f "$TESTDIR/calls"
	H2BOX_CONF=$TESTDIR/h2box.conf H2BOX_HOOK_DAEMON=$FAKE sh "$HOOK" $verb
	expect_eq "hook exits 0 for '${verb:-no argument}'" "$?" 0
	check "hook leaves PS_ON alone for '${verb:-no argument}'" test ! -e "$TESTDIR/calls"
done
for verb in poweroff halt; do
	rm -f "$TESTDIR/calls"
	H2BOX_CONF=$TESTDIR/h2box.conf H2BOX_HOOK_DAEMON=$FAKE sh "$HOOK" $verb
	expect_eq "hook for $verb runs h2boxd --release-psu" "$(cat "$TESTDIR/calls" 2>/dev/null)" \
		"--release-psu -c $TESTDIR/h2box.conf"
done
rm -f "$TESTDIR/calls"
H2BOX_CONF=$TESTDIR/missing.conf H2BOX_HOOK_DAEMON=$FAKE sh "$HOOK" poweroff
check "no profile: the hook does nothing" test ! -e "$TESTDIR/calls"

# The one-shot itself refuses to touch anything for a simulated profile and says so.
out=$("$H2BOXD" --release-psu -c "$ROOT/profiles/sim-brick.conf" 2>&1)
expect_eq "release-psu on a sim profile exits 0" "$?" 0
check "release-psu on a sim profile says nothing to release" grep -q "nothing to release" <<<"$out"
finish
