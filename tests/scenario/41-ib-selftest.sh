#!/usr/bin/env bash
# 41-ib-selftest.sh - `h2box ib selftest` on the simulated SFX box: every check ok with the link up,
# the no-subnet-manager rule and its hint with the ib-no-sm fault, the bench refused to a non-member,
# and the JSON a bug report carries (docs/JSON.md).
. "$(dirname "$0")/lib.sh"

start_daemon "$ROOT/profiles/sim-sfx.conf" --state-dir "$TESTDIR/state" || { finish; exit 1; }
h2 power on >/dev/null
advance 120s

ST=$(h2 --json ib selftest)
st() { jq -r "$1" <<<"$ST"; }
expect_eq "selftest answers ok" "$(st .ok)" true
expect_eq "selftest names the card's firmware" "$(st .selftest.fw_ver)" "2.9.1000"
expect_eq "both ports, ACTIVE, with the subnet manager's LID" \
	"$(st '[.selftest.ports[] | "\(.state):\(.sm_lid)"] | join(",")')" "ACTIVE:3,ACTIVE:3"
expect_eq "PCIe link x4 of x8 at 5 GT/s, 256 B payload" \
	"$(st '.selftest.pci | "x\(.lnksta_width)/x\(.lnkcap_width) \(.lnksta_gts) \(.mps)"')" "x4/x8 5 256"
expect_eq "counters: the 64-bit group" "$(st '.selftest.ports[0].counter_bits')" 64
expect_eq "every check ok on a healthy box" "$(st '.selftest.summary | "\(.ok) \(.warn) \(.fail)"')" "12 0 0"
expect_eq "every check has a level among ok/warn/fail" \
	"$(st '[.selftest.checks[].level | select(. != "ok" and . != "warn" and . != "fail")] | length')" 0
expect_eq "the short bench ran on port 1 in loopback" "$(st '"\(.bench.role) \(.bench.port)"')" "loopback 1"
expect_cmp "the short bench moved data at the article's rate" "$(st '.bench.results[0].gbps')" gt 11.1
check "text: one line per check and a summary" \
	sh -c "'$H2BOX' -s '$SOCK' ib selftest | grep -q '^12 ok, 0 warn, 0 fail'"

# anyone may look; the bench's traffic needs the bench's privilege
NB=$(h2_nobody --json ib selftest)
expect_eq "a non-member gets the checks, the bench not run" \
	"$(jq -r '.selftest.checks[] | select(.check == "bench") | .level + " " + .value' <<<"$NB")" "warn not run"

# no subnet manager: INIT with sm_lid 0 on both ports, the rule's hint, no bench
h2 sim fault ib-no-sm on >/dev/null
ST=$(h2 --json ib selftest)
expect_eq "no SM: each port's subnet-manager check fails" \
	"$(st '[.selftest.checks[] | select(.check == "subnet-manager") | .level] | join(",")')" "fail,fail"
expect_eq "no SM: the hint says run opensm" \
	"$(st '[.selftest.checks[] | select(.check == "subnet-manager") | .hint | startswith("no subnet manager: run opensm")] | all')" true
expect_eq "no SM: the bench is not run, and says why" \
	"$(st '.selftest.checks[] | select(.check == "bench") | .level + " " + .value')" "fail not run: the port is not ACTIVE"
expect_eq "no SM: no bench object" "$(st .bench)" null
LINK=$(h2 --json ib link)
expect_eq "ib link says the same per port" "$(jq -r '[.devices[0].ports[].no_sm] | all' <<<"$LINK")" true
check "ib link's text gives the rule's hint" \
	sh -c "'$H2BOX' -s '$SOCK' ib link | grep -q 'no subnet manager: run opensm'"
h2 sim fault ib-no-sm off >/dev/null

check "usage error on a stray argument" sh -c "! '$H2BOX' -s '$SOCK' ib selftest --bogus 2>/dev/null"
finish
