#!/usr/bin/env bash
# fetch-gpiod2.sh - unpack Debian 13's libgpiod 2.x (dev + runtime) into a local prefix for a v2 build.
#
# usage: fetch-gpiod2.sh PREFIX_DIR
# Debian 12 ships libgpiod 1.6 (v1 API); Debian 13's libgpiod3 needs only glibc 2.33, so its
# packages unpack and run here.  apt works on a private list directory, so the system's sources
# and package state are never touched.  Prints the prefix on success.
set -euo pipefail
prefix=$1
stamp=$prefix/.complete
[ -f "$stamp" ] && { echo "$prefix"; exit 0; }
work=$(mktemp -d /tmp/h2box-gpiod2.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
	>"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root -q)
echo "fetching libgpiod 2.x from Debian 13 (trixie) into $prefix" >&2
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 || { tail -5 "$work/apt.log" >&2; exit 1; }
(cd "$work/debs" && apt-get "${apt_opts[@]}" download libgpiod-dev libgpiod3) >>"$work/apt.log" 2>&1 ||
	{ tail -5 "$work/apt.log" >&2; exit 1; }
rm -rf "$prefix.tmp"
mkdir -p "$prefix.tmp"
for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$prefix.tmp"; done
[ -f "$prefix.tmp/usr/include/gpiod.h" ] || { echo "no gpiod.h in the unpacked packages" >&2; exit 1; }
grep -q 'gpiod_chip_request_lines' "$prefix.tmp/usr/include/gpiod.h" || { echo "not a v2 gpiod.h" >&2; exit 1; }
touch "$prefix.tmp/.complete"
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
echo "$prefix"
