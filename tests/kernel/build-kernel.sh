#!/usr/bin/env bash
# build-kernel.sh - build (or reuse from the cache) the rig kernel: bzImage + i2c-stub.ko; prints the cache dir.
#
# Usage: tests/kernel/build-kernel.sh
#
# Source:  Debian's linux-source-6.1 tarball (H2BOX_LINUX_SOURCE overrides the path).
# Config:  tinyconfig + tests/kernel/kernel.config (merge_config.sh -m, then olddefconfig); every
#          option of the fragment must survive olddefconfig exactly, or the build fails naming it.
# Cache:   ${H2BOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2box}/kernel-<sha256 of fragment + package version>
#          holding bzImage, i2c-stub.ko, config, kernelrelease, build-info.  A warm run only checks
#          that the directory is complete.  The build runs in a temporary sibling directory that is
#          renamed into place at the end, so an interrupted build never leaves a half cache.
# Output:  progress lines on stderr; the cache directory (one line) on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/kernel.config
src_pkg=linux-source-6.1
tarball=${H2BOX_LINUX_SOURCE:-/usr/src/$src_pkg.tar.xz}
cache_root=${H2BOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2box}

say() { printf 'build-kernel: %s\n' "$*" >&2; }
die() { printf 'build-kernel: ERROR: %s\n' "$*" >&2; exit 1; }

[[ -r $fragment ]] || die "missing config fragment $fragment"
[[ -r $tarball ]] || die "missing kernel source $tarball (apt-get install $src_pkg)"

# The package version names the exact source; fall back to the tarball's size+mtime off Debian.
if ! src_version=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null) || [[ -z $src_version ]]; then
	src_version="file:$(stat -c '%s:%Y' "$tarball")"
fi
hash=$({ cat "$fragment"; printf '%s\n' "$src_pkg $src_version"; } | sha256sum | cut -d' ' -f1)
out=$cache_root/kernel-$hash

cache_complete() {
	[[ -f $1/.complete && -s $1/bzImage && -s $1/i2c-stub.ko ]]
}

if cache_complete "$out"; then
	say "cache hit: $out (linux $(cat "$out/kernelrelease" 2>/dev/null || echo '?'))"
	printf '%s\n' "$out"
	exit 0
fi

mkdir -p "$cache_root"
# One builder per key: a second caller waits, then finds the cache filled.
exec 9>"$cache_root/.kernel-$hash.lock"
if ! flock -n 9; then
	say "another build of kernel-$hash is running; waiting for it"
	flock 9
fi
if cache_complete "$out"; then
	say "cache filled by the other build: $out"
	printf '%s\n' "$out"
	exit 0
fi

# Leftovers of killed builds of this key (we hold the lock, so none is live), and a stale incomplete dir.
rm -rf "$cache_root/.kernel-$hash.tmp."* "$out"

tmp=$(mktemp -d "$cache_root/.kernel-$hash.tmp.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(date +%s)
elapsed() { local s=$(($(date +%s) - start)); printf '%d:%02d' $((s / 60)) $((s % 60)); }

say "cache miss: building kernel-$hash"
say "  source: $tarball ($src_pkg $src_version)"
say "  fragment: $fragment"
say "[$(elapsed)] extracting source"
src=$tmp/src
mkdir -p "$src"
tar -xJf "$tarball" -C "$src" --strip-components=1

kmake() { make -C "$src" ARCH=x86_64 "$@"; }

say "[$(elapsed)] configuring: tinyconfig + fragment"
kmake -s tinyconfig >"$tmp/merge.log" 2>&1 || { cat "$tmp/merge.log" >&2; die "make tinyconfig failed"; }
(cd "$src" && ARCH=x86_64 ./scripts/kconfig/merge_config.sh -m .config "$fragment") >>"$tmp/merge.log" 2>&1 ||
	{ cat "$tmp/merge.log" >&2; die "merge_config.sh failed"; }
kmake -s olddefconfig >>"$tmp/merge.log" 2>&1 || { cat "$tmp/merge.log" >&2; die "olddefconfig failed"; }

# Every fragment line must appear verbatim in the final .config ("# CONFIG_X is not set" lines must
# leave CONFIG_X unset).  olddefconfig silently drops options whose dependencies are not met.
missing=()
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		grep -qxF -- "$line" "$src/.config" || {
			got=$(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$src/.config" || true)
			missing+=("$line (got: ${got:-absent})")
		}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		! grep -q "^${BASH_REMATCH[1]}=" "$src/.config" ||
			missing+=("$line (got: $(grep "^${BASH_REMATCH[1]}=" "$src/.config"))")
	fi
done <"$fragment"
if ((${#missing[@]})); then
	for m in "${missing[@]}"; do say "  NOT SET: $m"; done
	die "${#missing[@]} fragment option(s) did not survive olddefconfig (unmet dependencies?): fix $fragment"
fi
say "[$(elapsed)] config OK: all $(grep -cE '^CONFIG_' "$fragment") fragment options set"

jobs=$(nproc)
say "[$(elapsed)] make -j$jobs bzImage modules (full log: $tmp/build.log, kept as $out.build-failed.log on failure)"
# Quiet kbuild prints one line per step; report every 150th so progress is visible but short.
if ! kmake -j"$jobs" bzImage modules 2>&1 | tee "$tmp/build.log" |
	awk -v t0="$start" '
		NR % 150 == 0 { s = systime() - t0; printf "build-kernel: [%d:%02d] %d steps, at: %s\n", s / 60, s % 60, NR, $0 > "/dev/stderr"; fflush("/dev/stderr") }
	'; then
	cp "$tmp/build.log" "$out.build-failed.log" 2>/dev/null || true
	tail -n 40 "$tmp/build.log" >&2
	die "kernel build failed (log: $out.build-failed.log)"
fi
rm -f "$out.build-failed.log"

stub=$(find "$src/drivers/i2c" -name i2c-stub.ko -print -quit)
[[ -n $stub ]] || die "i2c-stub.ko was not built"

stage=$tmp/out
mkdir -p "$stage"
cp "$src/arch/x86/boot/bzImage" "$stage/bzImage"
cp "$stub" "$stage/i2c-stub.ko"
cp "$src/.config" "$stage/config"
kmake -s kernelrelease >"$stage/kernelrelease"
{
	printf 'source: %s %s\n' "$src_pkg" "$src_version"
	printf 'fragment-sha256: %s\n' "$(sha256sum "$fragment" | cut -d' ' -f1)"
	printf 'built: %s on %s with %s jobs in %s s\n' "$(date -u +%FT%TZ)" "$(uname -n)" "$jobs" $(($(date +%s) - start))
	printf 'compiler: %s\n' "$(${CC:-gcc} --version | head -n1)"
} >"$stage/build-info"
touch "$stage/.complete"
mv -T "$stage" "$out"

say "[$(elapsed)] done: $out (linux $(cat "$out/kernelrelease"))"
printf '%s\n' "$out"
