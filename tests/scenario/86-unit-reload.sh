#!/usr/bin/env bash
# 86-unit-reload.sh - `systemctl reload h2boxd` fails on a bad profile (the unit's ExecReload= checks it first) and the daemon keeps its profile; the version comes from VERSION.
# The unit's ExecReload= lines run here as systemd runs them: in order, $MAINPID expanded, the
# first failure (without a "-" prefix) ends the reload with that status.
. "$(dirname "$0")/lib.sh"
PROFILES=$ROOT/profiles
VERSION=$(cat "$ROOT/VERSION")

# ---- the version: one source ----
expect_eq "h2box --version prints VERSION" "$("$H2BOX" --version)" "h2box $VERSION"
expect_eq "h2box --json --version" "$("$H2BOX" --json --version | jq -r .version)" "$VERSION"
expect_eq "h2boxd -V prints VERSION" "$("$H2BOXD" -V)" "h2boxd $VERSION"
expect_eq "h2boxd --version prints VERSION" "$("$H2BOXD" --version)" "h2boxd $VERSION"
expect_eq "debian/changelog's version is VERSION" \
	"$(sed -n '1s/^h2box (\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")" "$VERSION"

# ---- ExecReload= ----
# the unit as `make install` writes it, with this build's h2boxd and the test's profile
UNIT=$TESTDIR/h2boxd.service
sed -e "s|@SBINDIR@|$BUILD|g" -e "s|/etc/h2box/h2box.conf|$TESTDIR/live.conf|g" \
	"$ROOT/packaging/h2boxd.service" >"$UNIT"

# unit_reload: run the unit's ExecReload= commands like systemd (no shell); their output in
# $TESTDIR/reload.out; returns the status of the reload
unit_reload() {
	local line cmd ignore argv
	: >"$TESTDIR/reload.out"
	while IFS= read -r line; do
		cmd=${line#ExecReload=}
		ignore=0
		while [[ $cmd == [-@:+!]* ]]; do
			[[ $cmd == -* ]] && ignore=1
			cmd=${cmd:1}
		done
		cmd=${cmd//\$\{MAINPID\}/$DAEMON_PID}
		cmd=${cmd//\$MAINPID/$DAEMON_PID}
		read -r -a argv <<<"$cmd"
		"${argv[@]}" >>"$TESTDIR/reload.out" 2>&1 || [ "$ignore" = 1 ] || return 1
	done < <(grep '^ExecReload=' "$UNIT")
	return 0
}
reloads() { grep -c 'reloading profile' "$DAEMON_LOG"; }

cp "$PROFILES/sim-sfx.conf" "$TESTDIR/live.conf"
start_daemon "$TESTDIR/live.conf" || { finish; exit 1; }
cp "$TESTDIR/live.conf" "$TESTDIR/good.conf"
echo "[nonsense" >>"$TESTDIR/live.conf"
unit_reload
expect_eq "reload with a bad profile fails" "$?" 1
check "reload says why, as file:line" grep -q "live.conf:[0-9]*: syntax error" "$TESTDIR/reload.out"
expect_eq "the daemon was not signalled (it keeps the running profile)" "$(reloads)" 0
expect_eq "the daemon still answers" "$(h2 ping)" pong

cp "$TESTDIR/good.conf" "$TESTDIR/live.conf"
unit_reload
expect_eq "reload with a good profile succeeds" "$?" 0
# the daemon's own log line, written by the daemon process (no box time involved)
check "the daemon reloaded it" wait_until 20 grep -q 'profile reloaded' "$DAEMON_LOG"
expect_eq "one reload reached the daemon" "$(reloads)" 1
expect_eq "the daemon answers after the reload" "$(h2 ping)" pong

stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
finish
