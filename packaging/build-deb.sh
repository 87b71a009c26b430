#!/usr/bin/env bash
# build-deb.sh - build the h2box .deb from a copy of the tree, reused while its inputs are unchanged.
#
# usage: packaging/build-deb.sh OUTDIR    (make deb: OUTDIR = build/deb)
# The inputs are the tree's files (git's tracked and untracked-but-not-ignored ones) without
# tests/ and .ci/, which the package does not contain; their content hash (paths, modes and
# contents) names the build.  When OUTDIR/h2box.hash holds that hash and its .deb is there,
# nothing is built.  Otherwise the inputs are copied to OUTDIR/src and `dpkg-buildpackage -b
# -us -uc` runs there: its ../*.deb, .buildinfo and .changes land in OUTDIR, debian/h2box/ and
# the build directory stay in OUTDIR/src (removed after a good build), and the source tree is
# never written to.  Prints the .deb's path as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: build-deb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# build_deb_inputs: the package's input files that exist, NUL-separated, sorted
build_deb_inputs() {
	local f
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -z -co --exclude-standard
	else
		find . -path ./.git -prune -o -type f -print0 -o -type l -print0 | sed -z 's|^\./||'
	fi | grep -z -v -E '^(tests/|\.ci/|build[^/]*/)' | sort -z -u |
		while IFS= read -r -d '' f; do
			# a file deleted but still in git's index is no input
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done
}

# The inputs as one archive with fixed owners and times: its hash covers paths, modes, link
# targets and contents; the build extracts the same archive.
tarball=$out/inputs.tar
build_deb_inputs | tar -c --null --no-recursion -T - --owner=0 --group=0 --numeric-owner \
	--mtime=@0 -f "$tarball.new"
hash=$(sha256sum <"$tarball.new" | cut -c1-64)

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
deb=$out/h2box_${version}_${arch}.deb
if [ -f "$deb" ] && [ "$(cat "$out/h2box.hash" 2>/dev/null)" = "$hash" ]; then
	rm -f "$tarball.new"
	echo "h2box: $deb is up to date (inputs $hash)" >&2
	echo "$deb"
	exit 0
fi

rm -rf "$out/src" "$out"/h2box_* "$out/h2box.hash"
mkdir -p "$out/src"
# -m: the files get the time of extraction (the archive's fixed time is for the hash only;
# files from 1970 would be lintian's package-contains-ancient-file)
tar -x -m -C "$out/src" -f "$tarball.new"
rm -f "$tarball.new"
echo "h2box: building $deb in $out/src (inputs $hash)" >&2
if ! (cd "$out/src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "h2box: dpkg-buildpackage failed (log $out/build.log, tree $out/src)" >&2
	exit 1
fi
[ -f "$deb" ] || { echo "h2box: dpkg-buildpackage made no $deb (log $out/build.log)" >&2; exit 1; }
rm -rf "$out/src"
echo "$hash" >"$out/h2box.hash"
echo "$deb"
