#!/usr/bin/env bash
# 34-throttle-hook.sh - a `type = hook` step of the budget ladder really runs: over the budget the
# hook runs with its configured arguments and "apply", back under with "undo".  The arguments
# arrive as the profile quoted them and shell metacharacters arrive literally (posix_spawn, no
# shell); the hook inherits the daemon's environment, no blocked signals and, though the daemon
# runs with SIGPIPE ignored as systemd starts services (IgnoreSIGPIPE=yes), a default SIGPIPE.
. "$(dirname "$0")/lib.sh"

HOOK=$TESTDIR/throttle-hook
RECORD=$TESTDIR/hook.fifo
mkfifo "$RECORD"
# read and write: never blocks, and the hook never writes into a pipe without a reader
exec 5<>"$RECORD"

# The hook (a script of the test's, so a shell here is fine) writes what it got, one run a block.
cat >"$HOOK" <<HOOK
#!/bin/sh
{
	echo "run argc=\$#"
	for a in "\$@"; do printf 'arg=[%s]\n' "\$a"; done
	printf 'env=[%s]\n' "\$HOOK_TEST_MARK"
	# read by the shell itself: a child (grep) would see the shell mid-fork, signals blocked
	while read -r key val; do
		case \$key in SigBlk:|SigIgn:) echo "\$key \$val" ;; esac
	done </proc/\$\$/status
	printf 'cwd-files=%s\n' "\$(ls -A "$TESTDIR/cwd" | tr '\n' ' ')"
	echo "end"
} >"$RECORD"
HOOK
chmod +x "$HOOK"
mkdir "$TESTDIR/cwd"

# the brick build with a one-step ladder: the hook; its arguments quote blanks and carry
# metacharacters a shell would act on (expansion, command substitution, redirection, globs)
PROFILE=$TESTDIR/sim-brick-hook.conf
{
	cat "$ROOT/profiles/sim-brick.conf"
	cat <<CONF

[budget]
ladder = slow

[throttle slow]
type = hook
command = $HOOK --level 2 "two words" 'it is \$HOME' \$(touch$TESTDIR/cwd/x)|>$TESTDIR/cwd/y *
CONF
} >"$PROFILE"
WANT_ARGS="--level,2,two words,it is \$HOME,\$(touch$TESTDIR/cwd/x)|>$TESTDIR/cwd/y,*"

# read_run: one run's block from the hook (explicit readiness: the hook writes it when it runs),
# bounded by 10 s of real time since the hook is a real process.  Sets ARGC ARGS ENVV BLK IGN.
read_run() {
	local line
	ARGC="" ARGS="" ENVV="" BLK="" IGN="" CWD=""
	while IFS= read -r -t 10 -u 5 line; do
		case $line in
		"run argc="*) ARGC=${line#run argc=} ;;
		"arg=["*) ARGS="$ARGS${ARGS:+,}${line#arg=[}"; ARGS=${ARGS%]} ;;
		"env=["*) ENVV=${line#env=[}; ENVV=${ENVV%]} ;;
		SigBlk:*) BLK=$(tr -d ' \t' <<<"${line#SigBlk:}") ;;
		SigIgn:*) IGN=$(tr -d ' \t' <<<"${line#SigIgn:}") ;;
		cwd-files=*) CWD=${line#cwd-files=} ;;
		end) return 0 ;;
		esac
	done
	return 1
}

# check_run VERB: the last run got the configured words, then VERB, and a clean signal state
check_run() {
	local verb=$1
	expect_eq "$verb: argument count (6 configured + the verb)" "$ARGC" 7
	expect_eq "$verb: arguments as quoted, metacharacters literal" "$ARGS" "$WANT_ARGS,$verb"
	expect_eq "$verb: the daemon's environment" "$ENVV" "a b;c"
	expect_eq "$verb: no signal blocked in the hook" "$BLK" 0000000000000000
	if [ -n "$IGN" ] && (((16#$IGN >> 12) & 1)); then
		not_ok "$verb: SIGPIPE not ignored in the hook"
		echo "#   SigIgn: $IGN"
	else
		expect_eq "$verb: SIGPIPE not ignored in the hook" "${IGN:+read}" read
	fi
	expect_eq "$verb: no shell ran the words (nothing created)" "$CWD" ""
}

export HOOK_TEST_MARK="a b;c"
trap '' PIPE # as systemd starts a service
start_daemon_unready "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
trap - PIPE
advance 20s
if wait_ready; then ok "READY=1 once the box is up"; else not_ok "READY=1 once the box is up"; fi
expect_eq "ladder: the hook step" "$(jget '[.ladder[].name] | join(" ")' budget)" slow
h2 sim workload iperf3-tx >/dev/null
advance 60s
expect_eq "49.5 W: budget ok, nothing applied" "$(jget .applied budget)" 0

# --- over the budget: the hook applies ---
h2 sim load 12 >/dev/null
advance 10s
expect_eq "over the budget: state throttle" "$(jget .budget_state budget)" throttle
expect_eq "the hook step is applied" "$(jget '.ladder[0].applied' budget)" true
if read_run; then ok "the hook ran for apply"; else not_ok "the hook ran for apply"; fi
check_run apply

# --- back under: the hook undoes ---
h2 sim load 0 >/dev/null
advance 30s
expect_eq "back under: nothing applied" "$(jget .applied budget)" 0
if read_run; then ok "the hook ran for undo"; else not_ok "the hook ran for undo"; fi
check_run undo
check "daemon log: the hook step applied and undone" \
	grep -q "throttle step 1/1 slow undone" "$DAEMON_LOG"

stop_daemon
expect_eq "daemon exits 0" "$?" 0
expect_eq "no further hook run at exit (nothing applied)" \
	"$(read -r -t 0.2 -u 5 line && echo "$line")" ""
exec 5<&-
finish
