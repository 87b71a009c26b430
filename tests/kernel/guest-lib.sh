# guest-lib.sh - helpers for kernel-rig scenarios, sourced by /init and the scenarios inside the QEMU guest.
# shellcheck shell=dash
#
# Runs under busybox ash (POSIX sh + `local`).  Guest layout (see build-initramfs.sh):
#   /rig/guest-lib.sh, /rig/scenarios/NN-name.sh, /lib/modules/i2c-stub.ko,
#   /opt/h2box/bin/{h2boxd,h2box,h2box-plant}, /opt/h2box/kernel-tools/, /opt/h2box/profiles/
#
# Results: every check prints exactly one machine-parsable line on the console,
#   H2BOX-KTEST: PASS name | FAIL name: reason | SKIP name: reason
# and appends it to $RIG_RESULTS (one file per scenario, set by /init).
#
# State that must outlive a check's subshell lives in files under $RIG_STATE:
#   gpio/<LINE_NAME>  "gpiochipN OFFSET /sys/devices/platform/gpio-sim.K/gpiochipN/sim_gpioOFFSET"
#   i2c-stub-bus      bus number of the i2c-stub adapter
#
# Register values: rig_i2c_set_word/rig_i2c_get_word take and give the value as the chip's datasheet
# writes it (MSB first, what the kernel's i2c_smbus_read_word_swapped / big-endian regmap returns).
# i2c-stub keeps one 16-bit word per register: a word write stores the SMBus (little-endian) word
# as is, a byte access touches only its low byte.  So "register 0x02 = 0x2580" on an INA226 is the
# SMBus word 0x8025; the *_raw variants skip the swap.

RIG_STATE=${RIG_STATE:-/run/rig}
RIG_RESULTS=${RIG_RESULTS:-$RIG_STATE/results/adhoc}
RIG_SCENARIO=${RIG_SCENARIO:-adhoc}
RIG_I2C_STUB_KO=${RIG_I2C_STUB_KO:-/lib/modules/i2c-stub.ko}
RIG_GPIO_SIM_CFG=${RIG_GPIO_SIM_CFG:-/sys/kernel/config/gpio-sim}

# ---------------------------------------------------------------- messages and results

# rig_die MESSAGE: fail the current check (or scenario) with MESSAGE as its reason.
rig_die() {
	printf '%s\n' "$*" >&2
	exit 1
}

# rig_skip_check MESSAGE: end the current check as SKIP (inside rig_check only).
rig_skip_check() {
	printf '%s\n' "$*" >&2
	exit 77
}

# rig_note TEXT: an informational console line (not a result); safe inside and outside checks.
rig_note() {
	if { true >&3; } 2>/dev/null; then
		printf '  note: %s\n' "$*" >&3
	else
		printf '  note: %s\n' "$*" >&2
	fi
}

_rig_result() { # KIND NAME [REASON]
	local line name
	name=$(printf '%s' "$2" | tr -c 'A-Za-z0-9_./+=-' '_')
	line="H2BOX-KTEST: $1 $name"
	[ -z "${3:-}" ] || line="$line: $(printf '%s' "$3" | tr '\n\r' '  ')"
	mkdir -p "$(dirname "$RIG_RESULTS")"
	printf '%s\n' "$line" >>"$RIG_RESULTS"
	printf '%s\n' "$line"
}

rig_pass() { _rig_result PASS "$1"; }
rig_fail() { _rig_result FAIL "$1" "${2:-failed}"; }
rig_skip() { _rig_result SKIP "$1" "${2:-skipped}"; }

# rig_ok NAME: true if check NAME passed earlier in this scenario (to skip dependent checks).
rig_ok() {
	grep -qx "H2BOX-KTEST: PASS $1" "$RIG_RESULTS" 2>/dev/null
}

# rig_check NAME COMMAND [ARGS...]: run COMMAND (usually a shell function) in a subshell with
# `set -e`; exit 0 -> PASS, exit 77 (rig_skip_check) -> SKIP, anything else -> FAIL whose reason
# is the last line COMMAND wrote to stdout/stderr (rig_die writes exactly that).  The whole
# output of a failed check follows on the console as "  | " lines.  Always returns 0.
rig_check() {
	local name=$1 out rc had_e=0 t0 dt
	shift
	mkdir -p "$RIG_STATE"
	out=$RIG_STATE/check.out
	case $- in *e*) had_e=1 ;; esac
	t0=$(_rig_uptime_cs)
	set +e
	(
		set -e
		"$@"
	) >"$out" 2>&1
	rc=$?
	[ "$had_e" = 0 ] || set -e
	# where the tier's time goes: in the console log only (run.sh shows no "h2box-rig-time:" line)
	dt=$(($(_rig_uptime_cs) - t0))
	printf 'h2box-rig-time: %s %d.%02ds\n' "$name" $((dt / 100)) $((dt % 100))
	case $rc in
	0) rig_pass "$name" ;;
	77) rig_skip "$name" "$(tail -n 1 "$out")" ;;
	*)
		rig_fail "$name" "$(tail -n 1 "$out" | grep . || echo "exit status $rc")"
		sed 's/^/  | /' "$out"
		;;
	esac
	return 0
}

# rig_wait_for SECONDS COMMAND [ARGS...]: poll COMMAND every 50 ms until it succeeds; false after
# SECONDS.  Use it instead of bare sleeps whenever there is a condition to wait for.
rig_wait_for() {
	local tries
	tries=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# _rig_uptime_cs: the guest's uptime in centiseconds (deadlines and timings on the clock).
_rig_uptime_cs() { local u; read -r u _ </proc/uptime; echo $((${u%.*} * 100 + 1${u#*.} - 100)); }

# rig_expect_eq WHAT ACTUAL EXPECTED: rig_die with a precise message unless equal.
rig_expect_eq() {
	[ "$2" = "$3" ] || rig_die "$1: got '$2', expected '$3'"
}

# ---------------------------------------------------------------- GPIO (gpio-sim)

# rig_gpio_sim_setup CHIPNAME LINE_NAME...: one gpio-sim device CHIPNAME (configfs dir and bank
# label) with one bank of as many lines as names ("-" leaves a line unnamed); brings it live,
# waits for /dev/gpiochipN and records each named line under $RIG_STATE/gpio.  Prints gpiochipN.
rig_gpio_sim_setup() {
	local chip=$1 dev bank i=0 name devname chipname sysdir
	shift
	[ $# -gt 0 ] || rig_die "rig_gpio_sim_setup: no line names"
	[ -d "$RIG_GPIO_SIM_CFG" ] || rig_die "no $RIG_GPIO_SIM_CFG (CONFIG_GPIO_SIM / configfs not mounted)"
	dev=$RIG_GPIO_SIM_CFG/$chip
	bank=$dev/bank0
	mkdir "$dev" || rig_die "gpio-sim: cannot create $dev"
	mkdir "$bank"
	echo "$chip" >"$bank/label"
	echo $# >"$bank/num_lines"
	for name in "$@"; do
		if [ "$name" != - ]; then
			mkdir "$bank/line$i"
			echo "$name" >"$bank/line$i/name"
		fi
		i=$((i + 1))
	done
	echo 1 >"$dev/live" || rig_die "gpio-sim: $chip did not go live"
	devname=$(cat "$dev/dev_name")
	chipname=$(cat "$bank/chip_name")
	case $chipname in gpiochip*) ;; *) rig_die "gpio-sim: $chip has no chip ($chipname)" ;; esac
	sysdir=/sys/devices/platform/$devname/$chipname
	rig_wait_for 5 test -c "/dev/$chipname" || rig_die "gpio-sim: /dev/$chipname did not appear"
	mkdir -p "$RIG_STATE/gpio"
	i=0
	for name in "$@"; do
		[ "$name" = - ] || echo "$chipname $i $sysdir/sim_gpio$i" >"$RIG_STATE/gpio/$name"
		i=$((i + 1))
	done
	echo "$chipname"
}

_rig_gpio_field() { # NAME FIELD(1=chip 2=offset 3=sysfs dir)
	local f=$RIG_STATE/gpio/$1
	[ -f "$f" ] || rig_die "gpio: no simulated line named '$1'"
	cut -d' ' -f"$2" "$f"
}

# rig_gpio_chip NAME / rig_gpio_offset NAME / rig_gpio_sysfs NAME: where a simulated line lives.
rig_gpio_chip() { _rig_gpio_field "$1" 1; }
rig_gpio_offset() { _rig_gpio_field "$1" 2; }
rig_gpio_sysfs() { _rig_gpio_field "$1" 3; }

# rig_gpio_pull NAME up|down: drive an input line from "outside" (what the hardware would do).
rig_gpio_pull() {
	local dir
	case $2 in up | down) ;; *) rig_die "rig_gpio_pull: '$2' is not up|down" ;; esac
	dir=$(rig_gpio_sysfs "$1") || exit 1
	echo "pull-$2" >"$dir/pull"
}

# rig_gpio_value NAME: the line's current level (0/1); for an output requested by userspace this
# is what the program drives, for an unrequested/input line it follows the pull.
rig_gpio_value() {
	local dir
	dir=$(rig_gpio_sysfs "$1") || exit 1
	cat "$dir/value"
}

# ---------------------------------------------------------------- I2C (i2c-stub)

# rig_i2c_stub_load ADDR...: insmod i2c-stub with chips at ADDRs; waits for /dev/i2c-N and prints N.
rig_i2c_stub_load() {
	local addrs a d bus=
	[ $# -gt 0 ] || rig_die "rig_i2c_stub_load: no addresses"
	addrs=
	for a in "$@"; do addrs=${addrs:+$addrs,}$a; done
	insmod "$RIG_I2C_STUB_KO" "chip_addr=$addrs" || rig_die "insmod i2c-stub chip_addr=$addrs failed"
	for d in /sys/bus/i2c/devices/i2c-*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "SMBus stub driver" ] && bus=${d##*/i2c-}
	done
	[ -n "$bus" ] || rig_die "i2c-stub loaded but no adapter named 'SMBus stub driver'"
	rig_wait_for 5 test -c "/dev/i2c-$bus" || rig_die "/dev/i2c-$bus did not appear"
	mkdir -p "$RIG_STATE"
	echo "$bus" >"$RIG_STATE/i2c-stub-bus"
	echo "$bus"
}

# rig_i2c_bus: the i2c-stub bus number recorded by rig_i2c_stub_load.
rig_i2c_bus() {
	cat "$RIG_STATE/i2c-stub-bus" 2>/dev/null || rig_die "i2c-stub is not loaded"
}

_rig_swab16() { printf '0x%04x' $(((($1) & 0xff) << 8 | ((($1) >> 8) & 0xff))); }

# rig_i2c_set_word BUS ADDR REG VALUE: set a 16-bit register to VALUE in chip (MSB-first) order.
# -f: works while a kernel driver is bound to ADDR (that is the point: change what it reads).
rig_i2c_set_word() {
	i2cset -f -y "$1" "$2" "$3" "$(_rig_swab16 "$4")" w || rig_die "i2cset $*: failed"
}
# rig_i2c_get_word BUS ADDR REG: a 16-bit register in chip (MSB-first) order, as 0xNNNN.
rig_i2c_get_word() {
	local raw
	raw=$(i2cget -f -y "$1" "$2" "$3" w) || rig_die "i2cget $*: failed"
	_rig_swab16 "$raw"
}
# rig_i2c_set_word_raw / rig_i2c_get_word_raw: SMBus (little-endian) word order, no swap.
rig_i2c_set_word_raw() { i2cset -f -y "$1" "$2" "$3" "$4" w || rig_die "i2cset $*: failed"; }
rig_i2c_get_word_raw() { i2cget -f -y "$1" "$2" "$3" w || rig_die "i2cget $*: failed"; }
# rig_i2c_set_byte BUS ADDR REG VALUE / rig_i2c_get_byte BUS ADDR REG: 8-bit registers.
rig_i2c_set_byte() { i2cset -f -y "$1" "$2" "$3" "$4" b || rig_die "i2cset $*: failed"; }
rig_i2c_get_byte() { i2cget -f -y "$1" "$2" "$3" b || rig_die "i2cget $*: failed"; }

# rig_i2c_dev BUS ADDR: the sysfs name of a client, e.g. "0-0041".
rig_i2c_dev() { printf '%s-%04x' "$1" $(($2)); }

# rig_bind BUS DRIVER ADDR: instantiate DRIVER at ADDR (new_device) and require that it bound.
rig_bind() {
	local dev
	dev=/sys/bus/i2c/devices/$(rig_i2c_dev "$1" "$3")
	echo "$2 $3" >"/sys/bus/i2c/devices/i2c-$1/new_device" || rig_die "new_device '$2 $3' on i2c-$1 failed"
	rig_wait_for 5 test -e "$dev/driver" ||
		rig_die "$2 at $3 on i2c-$1 did not bind (probe failed: $(dmesg | grep -i "$2" | tail -n 1))"
}

# rig_unbind BUS ADDR: remove a client created by rig_bind.
rig_unbind() {
	echo "$2" >"/sys/bus/i2c/devices/i2c-$1/delete_device"
}

# ---------------------------------------------------------------- hwmon

# rig_hwmon_find NAME [I2C_DEV]: the /sys/class/hwmon/hwmonN whose name is NAME (and, with
# I2C_DEV such as 0-0041, whose device is that client).  False, printing nothing, if none.
rig_hwmon_find() {
	local h
	for h in /sys/class/hwmon/hwmon*; do
		[ "$(cat "$h/name" 2>/dev/null)" = "$1" ] || continue
		[ -z "${2:-}" ] || [ "$(basename "$(readlink -f "$h/device")")" = "$2" ] || continue
		echo "$h"
		return 0
	done
	return 1
}

# ---------------------------------------------------------------- RDMA (soft-RoCE)

# rig_rxe_setup [NETDEV [NAME]]: rxe device NAME (rxe_lo) on NETDEV (lo); waits until port 1 is
# ACTIVE and its uverbs node exists.  Two rxe devices on a veth pair in one namespace hung: avoid.
rig_rxe_setup() {
	local netdev=${1:-lo} name=${2:-rxe_lo} ib
	ip link set "$netdev" up
	ib=/sys/class/infiniband/$name
	[ -d "$ib" ] || rdma link add "$name" type rxe netdev "$netdev" || rig_die "rdma link add $name failed"
	rig_wait_for 10 grep -q ACTIVE "$ib/ports/1/state" ||
		rig_die "$name port 1 not ACTIVE: $(cat "$ib/ports/1/state" 2>/dev/null)"
	rig_wait_for 5 _rig_uverbs_node "$name" || rig_die "no /dev/infiniband/uverbs node for $name"
}

_rig_uverbs_node() {
	local u
	for u in /sys/class/infiniband_verbs/uverbs*; do
		[ "$(cat "$u/ibdev" 2>/dev/null)" = "$1" ] && [ -c "/dev/infiniband/${u##*/}" ] && return 0
	done
	return 1
}

# ---------------------------------------------------------------- reset between scenarios

# rig_reset: undo what the helpers set up (called by /init after every scenario).
rig_reset() {
	local d l
	rdma link delete rxe_lo 2>/dev/null || true
	rmmod i2c_stub 2>/dev/null || true
	for d in "$RIG_GPIO_SIM_CFG"/*/; do
		[ -d "$d" ] || continue
		echo 0 >"$d/live" 2>/dev/null || true
		for l in "$d"bank*/line*/hog "$d"bank*/line* "$d"bank*; do
			[ -d "$l" ] && rmdir "$l" 2>/dev/null
		done
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$RIG_STATE/gpio" "$RIG_STATE/i2c-stub-bus"
}
