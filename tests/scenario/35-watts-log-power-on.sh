#!/usr/bin/env bash
# 35-watts-log-power-on.sh - the CSV watts log of a box that starts off and is then switched on:
# one header with every profile input's column from the first row (unknown temperatures are
# empty cells), no rotation at power-on, and with log_keep the whole history survives; a daemon
# restart with the same inputs appends to the same file.  Then symlinks planted at the log's
# path and at the energy state's temporary file: refused and logged, never written through.
. "$(dirname "$0")/lib.sh"

LOG=$TESTDIR/watts.csv
PROFILE=$TESTDIR/sim-sfx-log.conf
{
	# its bare [watts] header gives way to this one (a section may not repeat)
	grep -vx '\[watts\]' "$ROOT/profiles/sim-sfx.conf"
	printf '\n[watts]\nsample_rate = 10\nlog = %s\nlog_interval = 1s\nlog_keep = 3\n' "$LOG"
} >"$PROFILE"
HEADER="time,mono_s,volts,amps,watts,nic_temp_c,cpu_temp_c,fan_duty_pct,fan_rpm,ib_tx_gbps,ib_rx_gbps,budget_state"
# column N of the data rows (not the header): one value a line
col() { awk -F, -v c="$1" 'NR > 1 { print $c }' "$LOG"; }

start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
expect_eq "starts off" "$(jget .state power status)" off
advance 42s
off_rows=$(($(wc -l <"$LOG") - 1))
expect_cmp "rows are logged while the box is off" "$off_rows" ge 40
expect_eq "header while off: every input's column" "$(head -n 1 "$LOG")" "$HEADER"
expect_eq "off: nic cells empty" "$(col 6 | sort -u | tr -d '\n')" ""

h2 power on >/dev/null
advance 120s
expect_eq "on: the header is the same, written once" "$(grep -c '^time,' "$LOG")" 1
expect_eq "on: header unchanged" "$(head -n 1 "$LOG")" "$HEADER"
check "on: no rotated file" test ! -e "$LOG.1"
total=$(($(wc -l <"$LOG") - 1))
expect_cmp "on: the off-time history is all still there" "$total" ge $((off_rows + 100))
expect_cmp "on: the last rows carry a nic temperature" "$(col 6 | tail -n 1)" gt 20
expect_eq "every row has the header's 12 columns" \
	"$(awk -F, '{ print NF }' "$LOG" | sort -u | tr -d '\n')" 12

# a restart with the same inputs appends to the same file: still one header, nothing rotated
stop_daemon >/dev/null
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
advance 10s
expect_eq "restart: still one header" "$(grep -c '^time,' "$LOG")" 1
check "restart: no rotated file" test ! -e "$LOG.1"
expect_cmp "restart: appended" "$(($(wc -l <"$LOG") - 1))" ge $((total + 5))

# issue 13, defect 7: symlinks planted at the log's path and at the energy state's temporary
# file are refused with a warning; the files they point at are never written
stop_daemon >/dev/null
printf 'precious' >"$TESTDIR/victim" # no newline: the old torn-line repair cut it
mv "$LOG" "$TESTDIR/old.csv"
ln -s "$TESTDIR/victim" "$LOG"
ln -s "$TESTDIR/victim" "$TESTDIR/state/energy.state.tmp"
start_daemon "$PROFILE" --state-dir "$TESTDIR/state" || { finish; exit 1; }
advance 10s
stop_daemon >/dev/null
expect_eq "planted links: the file they point at is untouched" "$(cat "$TESTDIR/victim")" precious
check "planted log symlink: warned, log disabled" grep -q "watts log $LOG disabled" "$DAEMON_LOG"
check "planted tmp symlink: warned, energy not saved" grep -q "cannot save energy state" "$DAEMON_LOG"
check "the daemon ran on without its log" grep -q "watts: .* monitor(s)" "$DAEMON_LOG"

finish
