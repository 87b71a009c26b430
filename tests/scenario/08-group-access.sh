#!/usr/bin/env bash
# 08-group-access.sh - a root daemon on the system socket (issue #14): a member of its admin group
# finds it without -s and may change the box; anyone reads status; a non-member is refused
# power and fan changes with a clear message; a client that finds no daemon names every path
# it tried.  Throwaway numeric uids and a gid given by --admin-group: nothing is added to the
# machine's users or groups, and H2BOX_SYSTEM_SOCKET keeps the test out of the real /run/h2box.
. "$(dirname "$0")/lib.sh"

PROFILE=$ROOT/profiles/sim-sfx.conf
MEMBER=64123 ADMIN_GID=64124 OTHER=64125

if [ "$(id -u)" -ne 0 ]; then
	skip "group access" "needs root to run the daemon as root and clients as other users"
	finish
	exit
fi

# the system socket's directory, as tmpfiles.d/RuntimeDirectory= would make /run/h2box
chmod 0755 "$TESTDIR"
mkdir -m 0755 "$TESTDIR/run"
SOCK=$TESTDIR/run/h2box.sock
export H2BOX_SYSTEM_SOCKET=$SOCK

# as_user UID GROUPS h2box ARGS...: a client with a bare environment (no H2BOX_SOCKET, no
# XDG_RUNTIME_DIR), so only the system socket can lead it to the daemon
as_user() {
	local uid=$1 groups=$2
	shift 2
	local g=(--clear-groups)
	[ -n "$groups" ] && g=(--groups="$groups")
	env -i PATH="$PATH" H2BOX_SYSTEM_SOCKET="$SOCK" \
		setpriv --reuid="$uid" --regid="$uid" "${g[@]}" "$H2BOX" "$@"
}
member() { as_user "$MEMBER" "$ADMIN_GID" "$@"; }
other() { as_user "$OTHER" "" "$@"; }

# a restrictive umask must not leave the socket unusable (it is created 0666, not chmod-ed)
old_umask=$(umask)
umask 077
start_daemon "$PROFILE" --admin-group "$ADMIN_GID" --state-dir "$TESTDIR/state" ||
	{ umask "$old_umask"; finish; exit 1; }
umask "$old_umask"
expect_eq "the socket is 0666 once the daemon is ready (umask 077)" "$(stat -c %a "$SOCK")" 666

# ---- a member of the admin group: found without -s, every power and fan command ----
expect_eq "member: ping finds the system socket" "$(member ping 2>&1)" pong
check "member: power on" member power on
advance 60s
expect_eq "member: the box is on" "$(member --json power status | jq -r .state)" on
check "member: fan set 40" member fan set 40
check "member: fan auto" member fan auto
check "member: power off" member power off

# ---- anyone reads; a non-member changes nothing ----
check "non-member: status" other status
check "non-member: power status" other power status
check "non-member: fan status" other fan status
for cmd in "power on" "power off" "fan set 40" "fan auto"; do
	# shellcheck disable=SC2086
	out=$(other $cmd 2>&1)
	expect_eq "non-member: $cmd refused (exit 4)" "$?" 4
	check "non-member: $cmd says who may" \
		grep -q "permission denied: .* run as root or as a member of group $ADMIN_GID" <<<"$out"
done
out=$(other --json power on)
expect_eq "non-member: --json refusal carries status 4" "$(jq -r .status <<<"$out")" 4

# ---- -s still overrides; the per-user socket is the fallback ----
out=$(env -i PATH="$PATH" H2BOX_SYSTEM_SOCKET="$SOCK" "$H2BOX" -s "$TESTDIR/none.sock" ping 2>&1)
expect_eq "-s overrides the system socket (exit 5 on a dead path)" "$?" 5
check "... and names that path" grep -q "$TESTDIR/none.sock" <<<"$out"
out=$(env -i PATH="$PATH" H2BOX_SYSTEM_SOCKET="$TESTDIR/none.sock" XDG_RUNTIME_DIR="$TESTDIR/run" \
	setpriv --reuid="$MEMBER" --regid="$MEMBER" --groups="$ADMIN_GID" "$H2BOX" ping 2>&1)
expect_eq "no system socket: the per-user one (\$XDG_RUNTIME_DIR) answers" "$out" pong

# ---- nothing answers: every path tried, in text and JSON ----
out=$(env -i PATH="$PATH" H2BOX_SYSTEM_SOCKET="$TESTDIR/none.sock" XDG_RUNTIME_DIR="$TESTDIR/xdg" \
	"$H2BOX" ping 2>&1)
expect_eq "no daemon anywhere: exit 5" "$?" 5
check "text names the system socket" grep -qF "$TESTDIR/none.sock (absent)" <<<"$out"
check "text names the per-user socket" grep -qF "$TESTDIR/xdg/h2box.sock (absent)" <<<"$out"
out=$(env -i PATH="$PATH" H2BOX_SYSTEM_SOCKET="$TESTDIR/none.sock" XDG_RUNTIME_DIR="$TESTDIR/xdg" \
	"$H2BOX" --json ping)
expect_eq "--json: status 5" "$(jq -r .status <<<"$out")" 5
expect_eq "--json: the paths tried, in order" "$(jq -r '[.tried[].path] | join(" ")' <<<"$out")" \
	"$TESTDIR/none.sock $TESTDIR/xdg/h2box.sock"

stop_daemon
expect_eq "SIGTERM exits 0" "$?" 0
finish
