#!/usr/bin/env bash
# build-initramfs.sh - pack the kernel-rig initramfs (gzip newc cpio, no root needed) from host tools + project binaries.
#
# Usage: tests/kernel/build-initramfs.sh BUILD_DIR OUT.cpio.gz
#
# Contents: busybox-static with applet links, i2c-stub.ko (from the cached kernel: H2BOX_KERNEL_DIR,
# else build-kernel.sh is asked, which is instant when warm), the project's binaries found in
# BUILD_DIR (h2boxd, h2box, h2box-hw, h2box-plant, BUILD_DIR/kernel-tools/*; whichever exist) with their
# shared libraries (ldd), the ones hw/linux dlopen()s (libibverbs, libpci, libgpiod, libi2c, libsensors)
# and the dynamic loader, perftest (ib_write_bw, ib_send_lat), libibverbs
# with the rxe provider, iproute2 (ip, tc, rdma), gpiod and lm-sensors tools when installed,
# /etc/sensors3.conf, /init (guest-init.sh), /rig/guest-lib.sh, /rig/scenarios/*.sh and the unit's
# packaging files (/rig/packaging/: h2boxd.service, 60-h2box.rules, h2box-sysfs-access; setpriv).
# Two gzip'd archives, concatenated: the host's part (busybox, host tools, their libraries, /etc),
# cached as $H2BOX_CACHE/initramfs-host-<key>.cpio.gz, and this run's (project binaries, the rig).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

say() { printf 'build-initramfs: %s\n' "$*" >&2; }
die() { printf 'build-initramfs: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 BUILD_DIR OUT.cpio.gz"
build_dir=$1
out=$2
multiarch=x86_64-linux-gnu

kernel_dir=${H2BOX_KERNEL_DIR:-$("$here/build-kernel.sh")}
[[ -s $kernel_dir/i2c-stub.ko ]] || die "no i2c-stub.ko in $kernel_dir"
busybox=$(command -v busybox || true)
[[ -n $busybox ]] || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; the rig needs busybox-static"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/h2box-initramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# new_stage DIR: an empty root in DIR, laid out as the host: on merged-/usr systems (Debian 12)
# /bin, /sbin, /lib, /lib64 are links into /usr, so the paths ldd prints and the ELF interpreter
# path resolve the same in the guest.
new_stage() {
	local d
	mkdir -p "$1"/{usr/bin,usr/sbin,usr/lib,proc,sys,dev,tmp,run,root,etc,mnt,rig/scenarios,opt/h2box/bin}
	for d in bin sbin lib lib64; do
		if [[ -L /$d ]]; then
			mkdir -p "$1/usr/$d"
			ln -s "usr/$d" "$1/$d"
		else
			mkdir -p "$1/$d"
		fi
	done
}

# pack DIR OUT LEVEL [EXCLUDE_REGEX]: DIR as a gzip'd newc cpio, root-owned, in name order.
pack() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | grep -zEv "${4:-^$}" |
		cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -n "-$3" >"$2"
}


# add_file SRC [DEST]: copy SRC (following links) to DEST in the guest (default: same path); when
# SRC is a link, the real file goes to its real path and DEST becomes a link to it.
add_file() {
	local src=$1 dest=${2:-$1} real
	[[ -z ${added[$dest]:-} ]] || return 0
	real=$(readlink -f "$src")
	[[ -e $real ]] || die "missing $src"
	if [[ $dest == "$src" && $real != "$src" ]]; then
		add_file "$real"
		mkdir -p "${stage}${dest%/*}"
		[[ -e $stage$dest || -L $stage$dest ]] || ln -s "$real" "$stage$dest"
	else
		mkdir -p "${stage}${dest%/*}"
		cp -L --preserve=mode "$src" "$stage$dest"
	fi
	added[$dest]=1
}

# add_libs ELF: every shared library ldd names for ELF, and the dynamic loader.
add_libs() {
	local line lib
	ldd "$1" >/dev/null 2>&1 || return 0 # static or not an ELF: nothing to add
	while IFS= read -r line; do
		case $line in
		*"not found"*) die "$1 needs a missing library: $line" ;;
		*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
		*/*" ("*) lib=${line#"${line%%/*}"}; lib=${lib%% (*} ;; # loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
		*) continue ;;
		esac
		add_file "$lib"
	done < <(ldd "$1")
}

# add_bin SRC [DEST]: an executable and its libraries.
add_bin() {
	add_file "$1" "${2:-$1}"
	add_libs "$1"
}

# add_tool NAME...: host tools found on PATH (sbin included), at their host paths; missing ones are
# reported and left out (scenarios that need them SKIP or FAIL with a clear message).
real_tools=()
add_tool() {
	local t p
	for t in "$@"; do
		p=$(PATH=$PATH:/usr/sbin:/sbin command -v "$t" || true)
		if [[ -z $p ]]; then
			say "  (not installed here, left out: $t)"
			continue
		fi
		add_bin "$p"
		real_tools+=("$t")
	done
}

# add_dlopened SONAME...: the libraries hw/linux dlopen()s on first use (hw/dlib.h), which ldd
# cannot see: from the binaries' run path (DIR, the libgpiod 2.x build's) or the linker cache.
add_dlopened() { # DIR|"" SONAME...
	local dir=$1 so p
	shift
	for so in "$@"; do
		p=''
		[[ -n $dir && -e $dir/$so ]] && p=$dir/$so
		# awk reads to the end: an early exit would kill ldconfig with SIGPIPE, and pipefail
		# (141) would end the script before QEMU starts
		[[ -n $p ]] || p=$(ldconfig -p | awk -v s="$so" '$1 == s && /x86-64/ && f == "" { f = $NF } END { if (f != "") print f }')
		if [[ -n $p ]]; then add_bin "$p"; else say "  (not installed here, left out: $so)"; fi
	done
}
# --- the host's part: busybox, host tools and libraries, /etc; cached by content ---
# It is the same from run to run and costs most of this script's time (a fork or three per file,
# ~260 busybox links): packed once into the cache (as the kernel is) under a key of this script
# and of the host files it takes (dpkg's status and the linker cache: any package change; each
# tool's size and time), then put in front of each run's project part (the kernel unpacks
# concatenated archives in order).
cache_root=${H2BOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2box}
host_tools=(ip tc rdma ib_write_bw ib_send_lat ibv_devices ibv_devinfo gpiodetect gpioinfo gpioget
	gpioset gpiomon gpiofind sensors gojq jq setpriv)
provider=/usr/lib/$multiarch/libibverbs/librxe-rdmav34.so
host_key=$({
	sha256sum <"${BASH_SOURCE[0]}"
	for t in "${host_tools[@]}"; do
		p=$(PATH=$PATH:/usr/sbin:/sbin command -v "$t") && stat -L -c '%n %s %Y' "$p"
	done
	stat -L -c '%n %s %Y' "$busybox" /var/lib/dpkg/status /etc/ld.so.cache /etc/sensors3.conf \
		/etc/libibverbs.d/rxe.driver "$provider" 2>/dev/null
	true
} | sha256sum | cut -c1-16)
host_cpio=$cache_root/initramfs-host-$host_key.cpio.gz
declare -A added=()

# applet_links_py STAGE SKIP...: a link to /usr/bin/busybox for each applet path on stdin that
# neither is in STAGE yet nor names a real tool in SKIP; prints how many.
applet_links_py='
import os, sys
stage, skip, n = sys.argv[1], set(sys.argv[2:]), 0
for path in sys.stdin.read().split():
    if path == "linuxrc" or path.rsplit("/", 1)[-1] in skip:
        continue
    dest = os.path.join(stage, path)
    if os.path.lexists(dest):
        continue
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    os.symlink("/usr/bin/busybox", dest)
    n += 1
print(n)'

# host_part_pack: stage and pack the host part into $host_cpio (with the list of its files).
host_part_pack() {
	stage=$work/host
	new_stage "$stage"
	add_dlopened "" libibverbs.so.1 libpci.so.3 libgpiod.so.2 libi2c.so.0 libsensors.so.5

	# --- host tools ---
	add_tool ip tc rdma                                       # iproute2
	add_tool ib_write_bw ib_send_lat                          # perftest
	add_tool ibv_devices ibv_devinfo                          # ibverbs-utils
	add_tool gpiodetect gpioinfo gpioget gpioset gpiomon gpiofind # gpiod (libgpiod 1.6 tools)
	add_tool sensors                                          # lm-sensors
	# The scenarios' jq is gojq when installed: jq 1.6 compiles its builtins at every start, 0.5 s
	# of TCG time per call, and the scenarios poll h2box --json through it (same filters, same output).
	if command -v gojq >/dev/null; then
		add_bin "$(command -v gojq)" /usr/bin/jq
		real_tools+=(jq)
	else
		say "  (gojq not installed here: the scenarios get jq 1.6, slow to start under TCG)"
		add_tool jq
	fi
	add_tool setpriv                                          # util-linux: 60-sandbox runs h2boxd as the unit's user

	# libibverbs loads providers named in /etc/libibverbs.d/*.driver from its provider dir; ship rxe only
	# (a .driver file without its library makes libibverbs warn on every start).
	if [[ -e $provider && -e /etc/libibverbs.d/rxe.driver ]]; then
		add_file /etc/libibverbs.d/rxe.driver
		add_bin "$provider"
	else
		say "  (rxe provider not installed here, left out: $provider)"
	fi

	# libsensors reads /etc/sensors3.conf and /etc/sensors.d/; an empty config is fine too.
	mkdir -p "$stage/etc/sensors.d"
	[[ ! -e /etc/sensors3.conf ]] || add_file /etc/sensors3.conf

	# --- busybox and its applets (a real tool of the same name wins) ---
	add_file "$busybox" /usr/bin/busybox
	# One process for all ~260 links (applet_links_py): a mkdir and an ln per applet were half of
	# this script's time (15 s on a loaded 2-core host).
	napplets=$("$busybox" --list-full | python3 -c "$applet_links_py" "$stage" "${real_tools[@]}")
	for need in sh mount insmod rmmod timeout i2cset i2cget poweroff awk sed grep; do
		[[ -e $stage/bin/$need || -e $stage/sbin/$need || -e $stage/usr/bin/$need || -e $stage/usr/sbin/$need ]] ||
			die "busybox lacks the '$need' applet the rig relies on"
	done

	cat >"$stage/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/sh
	EOF
	cat >"$stage/etc/group" <<-'EOF'
	root:x:0:
	EOF
	cat >"$stage/etc/hosts" <<-'EOF'
	127.0.0.1 localhost h2box-rig
	::1 localhost ip6-localhost
	EOF
	cat >"$stage/etc/nsswitch.conf" <<-'EOF'
	passwd: files
	group: files
	hosts: files
	EOF

	mkdir -p "$cache_root"
	pack "$stage" "$host_cpio.tmp.$$" 6
	printf '%s\n' "${!added[@]}" >"$host_cpio.files.tmp.$$"
	mv -f "$host_cpio.files.tmp.$$" "$host_cpio.files"
	mv -f "$host_cpio.tmp.$$" "$host_cpio"
	# older keys' parts (a package upgrade, another version of this script) go after a week unused
	find "$cache_root" -maxdepth 1 -name 'initramfs-host-*' -mtime +7 -delete 2>/dev/null || true
	host_note="host part packed into $host_cpio: $napplets busybox applets"
}

if [[ -s $host_cpio && -s $host_cpio.files ]]; then
	while IFS= read -r f; do added[$f]=1; done <"$host_cpio.files"
	host_note="host part cached ($host_cpio)"
	touch "$host_cpio" "$host_cpio.files" # in use: not a week-old leftover
else
	host_part_pack
fi

# --- this run's part: the project's binaries and libraries the host part lacks, the rig ---
stage=$work/project
new_stage "$stage"
# project binaries (optional for now)
found=0
for b in h2boxd h2box h2box-hw h2box-plant; do # h2box finds h2box-hw in its own folder
	if [[ -f $build_dir/$b && -x $build_dir/$b ]]; then
		add_bin "$build_dir/$b" "/opt/h2box/bin/$b"
		found=$((found + 1))
	fi
done
if [[ -d $build_dir/kernel-tools ]]; then
	mkdir -p "$stage/opt/h2box/kernel-tools"
	cp -a "$build_dir/kernel-tools/." "$stage/opt/h2box/kernel-tools/"
	while IFS= read -r -d '' f; do
		add_libs "$f"
		found=$((found + 1))
	done < <(find "$build_dir/kernel-tools" -type f -perm -u+x -print0)
fi
if [[ -d $repo/profiles ]]; then
	cp -a "$repo/profiles" "$stage/opt/h2box/profiles"
fi
say "project executables from $build_dir: $found"

# --- a second build of h2boxd/h2box (libgpiod 2.x) for the GPIO scenarios, when given ---
# H2BOX_KTEST_GPIOD2_BUILD=DIR packs DIR/{h2boxd,h2box,h2box-hw} as /opt/gpiod2/bin/ with their libraries
# (its libgpiod.so.3 keeps its host path, which the binaries' rpath names).
gpiod2_build=${H2BOX_KTEST_GPIOD2_BUILD:-}
if [[ -n $gpiod2_build ]]; then
	if [[ -x $gpiod2_build/h2boxd && -x $gpiod2_build/h2box ]]; then
		mkdir -p "$stage/opt/gpiod2/bin"
		for b in h2boxd h2box h2box-hw; do
			if [[ -x $gpiod2_build/$b ]]; then add_bin "$gpiod2_build/$b" "/opt/gpiod2/bin/$b"; fi
		done
		add_dlopened "$(readelf -d "$gpiod2_build/h2boxd" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]$/\1/p')" \
			libgpiod.so.3
		say "libgpiod 2 build from $gpiod2_build: /opt/gpiod2/bin"
	else
		say "  (no h2boxd/h2box in $gpiod2_build: libgpiod 2 build left out)"
	fi
fi

# --- kernel module, rig scripts ---
add_file "$kernel_dir/i2c-stub.ko" /lib/modules/i2c-stub.ko
install -m 0755 "$here/guest-init.sh" "$stage/init"
install -m 0644 "$here/guest-lib.sh" "$stage/rig/guest-lib.sh"
[[ ! -e $here/plant-lib.sh ]] || install -m 0644 "$here/plant-lib.sh" "$stage/rig/plant-lib.sh"
if [[ -d $here/profiles ]]; then
	mkdir -p "$stage/rig/profiles"
	cp -a "$here/profiles/." "$stage/rig/profiles/"
fi
# the unit and the files that give its user the hardware (60-sandbox reads and applies them)
mkdir -p "$stage/rig/packaging"
for f in h2boxd.service 60-h2box.rules h2box-sysfs-access; do
	install -m 0755 "$repo/packaging/$f" "$stage/rig/packaging/$f"
done
nscen=0
for s in "$here"/scenarios/*.sh; do
	[[ -e $s ]] || continue
	install -m 0755 "$s" "$stage/rig/scenarios/"
	nscen=$((nscen + 1))
done

mkdir -p "$(dirname "$out")"
# the layout's top-level links are the host part's already
pack "$stage" "$work/project.cpio.gz" 1 '^\./(bin|sbin|lib|lib64)$'
cat "$host_cpio" "$work/project.cpio.gz" >"$out.tmp"
mv -f "$out.tmp" "$out"
say "wrote $out ($(du -k "$out" | cut -f1) KiB): $nscen scenario(s), ${#added[@]} files; $host_note"
