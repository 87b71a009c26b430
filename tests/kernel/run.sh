#!/usr/bin/env bash
# run.sh - kernel tier: cached rig kernel + fresh initramfs, boot QEMU, report the guest's H2BOX-KTEST results.
#
# Usage: tests/kernel/run.sh [BUILD_DIR]      (default: <repo>/build; the console log goes to
#                                              BUILD_DIR/kernel-test.log)
# Environment:
#   H2BOX_CACHE                    kernel cache root (default ${XDG_CACHE_HOME:-~/.cache}/h2box)
#   H2BOX_KTEST_TIMEOUT            hard limit for the whole QEMU run in seconds (default 600)
#   H2BOX_KTEST_SCENARIO_TIMEOUT   per-scenario limit inside the guest (default 180)
#   H2BOX_KTEST_ONLY               run only scenarios whose file name contains this word
#   H2BOX_KTEST_ACCEL              force a QEMU accelerator (tcg, kvm, kvm:tcg); default kvm if
#                                  /dev/kvm opens and a probe guest boots under it, else tcg
#   H2BOX_KTEST_VERBOSE=1          stream the whole guest console, not just results and notes
#   H2BOX_KTEST_GPIOD2_BUILD       libgpiod 2.x build dir packed as /opt/gpiod2/bin (default
#                                  <repo>/build-gpiod2 when it has h2boxd; empty = none)
#   H2BOX_KTEST_BENCH=1            also run the bench-only scenarios (tests/kernel/bench.sh)
# Counting (tests/run-all.sh reads these lines):
#   kernel: skip: NAME: REASON          one per skipped check
#   kernel: rig: N passed, N failed     the rig's checks of itself (smoke/*, */teardown)
#   kernel: N passed, N failed[, N skipped]   last line: the product checks
# Exit status non-zero on any failure (rig checks too), if the rig cannot run here (a missing
# tool is a failure, not a skip), if the guest never printed DONE (timeout, crash) or if no test ran.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build_dir=${1:-$repo/build}
timeout_s=${H2BOX_KTEST_TIMEOUT:-600}
scenario_timeout=${H2BOX_KTEST_SCENARIO_TIMEOUT:-180}
only=${H2BOX_KTEST_ONLY:-}
verbose=${H2BOX_KTEST_VERBOSE:-0}
tarball=/usr/src/linux-source-6.1.tar.xz

say() { printf 'kernel: %s\n' "$*"; }

# --- prerequisites: the Makefile installs these; only an odd machine lacks them ---
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=("qemu-system-x86_64 (package qemu-system-x86)")
[[ -r $tarball ]] || missing+=("$tarball (package linux-source-6.1)")
command -v busybox >/dev/null || missing+=("busybox (package busybox-static)")
if ((${#missing[@]})); then
	say "FAIL kernel-rig: cannot run here: missing ${missing[*]} (make deps-test installs them)"
	echo "kernel: rig: 0 passed, 0 failed"
	echo "kernel: 0 passed, 1 failed"
	exit 1
fi

mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
log=$build_dir/kernel-test.log
t_start=$SECONDS

kernel_dir=$("$here/build-kernel.sh")
t_kernel=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/h2box-ktest.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The libgpiod 2.x build (make build-gpiod2) rides along for the GPIO scenarios when it exists.
gpiod2_build=${H2BOX_KTEST_GPIOD2_BUILD-$repo/build-gpiod2}
[[ -z $gpiod2_build || -x $gpiod2_build/h2boxd ]] || gpiod2_build=
H2BOX_KTEST_GPIOD2_BUILD=$gpiod2_build H2BOX_KERNEL_DIR=$kernel_dir \
	"$here/build-initramfs.sh" "$build_dir" "$work/initramfs.cpio.gz"
t_initramfs=$SECONDS

# KVM only when /dev/kvm opens AND a probe guest actually boots under it: on some hosts (nested
# virtualisation) /dev/kvm opens but the guest hangs right after SeaBIOS's "Booting from ROM...".
# The verdict is cached per host boot (boot_id) and kernel, so only the first run pays the probe.
kvm_probe() {
	local cache_root verdict_file probe=$work/kvm-probe
	cache_root=${H2BOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2box}
	verdict_file=$cache_root/kvm-probe-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)-${kernel_dir##*/kernel-}
	if [[ -f $verdict_file ]]; then
		[[ $(cat "$verdict_file") == ok ]]
		return
	fi
	say "probing KVM: /dev/kvm opens; does a guest boot under it? (verdict cached per host boot)"
	mkdir -p "$probe/bin"
	cp "$(command -v busybox)" "$probe/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo H2BOX-KVM-OK\n/bin/busybox poweroff -f\n' >"$probe/init"
	chmod 0755 "$probe/init"
	(cd "$probe" && find . -mindepth 1 | cpio --create --format=newc --owner=0:0 --quiet) | gzip -1 >"$work/kvm-probe.cpio.gz"
	timeout -k 5 15 qemu-system-x86_64 -machine accel=kvm -m 256 -nographic -no-reboot \
		-kernel "$kernel_dir/bzImage" -initrd "$work/kvm-probe.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null >"$work/kvm-probe.log" 2>&1 || true
	mkdir -p "$cache_root"
	if grep -aq H2BOX-KVM-OK "$work/kvm-probe.log"; then
		echo ok >"$verdict_file"
		return 0
	fi
	echo broken >"$verdict_file"
	return 1
}

if [[ -n ${H2BOX_KTEST_ACCEL:-} ]]; then
	accel=$H2BOX_KTEST_ACCEL
elif (exec 3<>/dev/kvm) 2>/dev/null; then
	if kvm_probe; then
		accel=kvm
	else
		say "KVM does not boot a guest here (probe verdict cached): using TCG"
		accel=tcg
	fi
else
	accel=tcg
fi

t_accel=$SECONDS

append="console=ttyS0 panic=-1 quiet h2box.scenario_timeout=$scenario_timeout"
[[ -z $only ]] || append+=" h2box.only=$only"
# Scenarios that only run for `make bench` (51-ib-bench.sh) look for h2box.bench=1.
[[ -z ${H2BOX_KTEST_BENCH:-} ]] || append+=" h2box.bench=$H2BOX_KTEST_BENCH"
qemu=(qemu-system-x86_64 -m 1024 -smp 2 -nographic -no-reboot -nic none
	-machine "accel=$accel"
	-kernel "$kernel_dir/bzImage" -initrd "$work/initramfs.cpio.gz" -append "$append")

say "booting $(cat "$kernel_dir/kernelrelease" 2>/dev/null) (accel $accel, limit ${timeout_s}s, log $log)"
# Stream the console: keep all of it in the log, show results and notes as they come.
show_console() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >&3
		if [[ $verbose == 1 ]]; then
			printf '  guest| %s\n' "$line"
		else
			case $line in
			*"H2BOX-KTEST: "*) printf '  %s\n' "${line#*H2BOX-KTEST: }" ;;
			"  note: "* | "  | "* | "h2box-rig: "*) printf '  %s\n' "$line" ;;
			esac
		fi
	done
}
set +e
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 | show_console 3>"$log"
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$SECONDS

# --- verdict from the log (a result line may follow stray console bytes: match anywhere) ---
# The rig's checks of itself (00-smoke's smoke/*, every */teardown) are counted apart from the
# product's: they say the rig works, not that h2box does.
pass=0 fail=0 skip=0 rig_pass=0 rig_fail=0 skipped=()
while IFS= read -r r; do
	name=${r#* } name=${name%%:*}
	case $name in smoke/* | */teardown) rig=1 ;; *) rig=0 ;; esac
	case $r in
	"PASS "*) ((rig)) && rig_pass=$((rig_pass + 1)) || pass=$((pass + 1)) ;;
	"FAIL "*) ((rig)) && rig_fail=$((rig_fail + 1)) || fail=$((fail + 1)) ;;
	"SKIP "*)
		skip=$((skip + 1))
		skipped+=("$name: ${r#*: }")
		;;
	esac
done < <(grep -ao 'H2BOX-KTEST: .*' "$log" | tr -d '\r' | sed 's/^H2BOX-KTEST: //')

if ! grep -aq 'H2BOX-KTEST: DONE' "$log"; then
	if [[ $qemu_rc == 124 || $qemu_rc == 137 ]]; then
		why="timed out after ${timeout_s}s (H2BOX_KTEST_TIMEOUT)"
	else
		why="QEMU exited with status $qemu_rc before the guest printed DONE (crash or panic?)"
	fi
	say "FAIL kernel-rig: guest did not finish: $why; last 40 lines of $log:"
	tail -n 40 "$log" | sed 's/^/  | /'
	fail=$((fail + 1))
elif ((pass + fail + skip + rig_pass + rig_fail == 0)); then
	say "FAIL kernel-rig: no test ran (no scenarios in $here/scenarios, or H2BOX_KTEST_ONLY='$only' matched none)"
	fail=$((fail + 1))
fi

say "timings: kernel $((t_kernel - t_start))s, initramfs $((t_initramfs - t_kernel))s$( ((t_accel == t_initramfs)) || echo ", kvm probe $((t_accel - t_initramfs))s"), qemu $((t_end - t_accel))s, total $((t_end - t_start))s"
[[ -n $gpiod2_build ]] || say "note: no libgpiod 2.x build (make build-gpiod2): its GPIO checks are skipped"
for r in "${skipped[@]}"; do echo "kernel: skip: $r"; done
echo "kernel: rig: $rig_pass passed, $rig_fail failed"
summary="kernel: $pass passed, $fail failed"
((skip == 0)) || summary+=", $skip skipped"
echo "$summary"
((fail == 0 && rig_fail == 0))
