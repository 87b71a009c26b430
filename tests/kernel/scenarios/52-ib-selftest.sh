#!/bin/sh
# 52-ib-selftest.sh - `h2box ib selftest` on rxe through h2boxd and --local, its JSON read with jq,
# and the memlock pre-flight; 50-ib.sh's setup and checks with IB_MODE=selftest, in its own budget.
# shellcheck shell=dash
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. /rig/guest-lib.sh

IB_MODE=selftest
# shellcheck source=SCRIPTDIR/50-ib.sh
. /rig/scenarios/50-ib.sh
