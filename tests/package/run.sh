#!/usr/bin/env bash
# run.sh - the package tier: the .deb is lint-clean, installs into a clean Debian 12 root, works there and purges clean.
#
# usage: tests/package/run.sh [BUILD_DIR]     (TAP on stdout; tests/run-all.sh --only package)
# 1. packaging/build-deb.sh builds BUILD_DIR/deb/h2box_*.deb (reused while its inputs hash the
#    same) and lintian checks it (its verdict kept per .deb hash): any E: or W: not overridden
#    fails.
# 2. A Debian 12 root: `debootstrap --variant=minbase bookworm` from the mirror this machine's
#    apt uses, with systemd and the .deb's dependencies, cached in $H2BOX_CACHE/debroot-HASH
#    (HASH of suite, mirror, package list and this script's root recipe; other debroot-* are
#    removed when a new one is made).  Each run works on an overlay of it, in a private mount
#    namespace (unshare), so the cached root is never changed and nothing stays mounted.
# 3. In the root (chroot): dpkg -i; the files in place; user and group h2box made by
#    systemd-sysusers (postinst); the unit enabled, checked by `systemd-analyze verify`, started
#    only with a profile, reloading only a profile that checks; `h2boxd -n` on every shipped
#    profile as user h2box; both programs print VERSION; dpkg -r removes the programs, dpkg -P
#    leaves the root as it was (the h2box user stays, as Debian never deletes system users).
# Needs root (chroot, mounts) and, the first time, the network.  Not root: one named skip.
set -uo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$0")/../.."
ROOT_DIR=$(pwd)
BUILD=${1:-build}
CACHE=${H2BOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/h2box}
SUITE=bookworm
ROOT_RECIPE=1 # bump when the root's recipe below changes

TAP_N=0 TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
# check "description" COMMAND [ARGS...]: passes when the command succeeds (its output as comments)
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc"; sed 's/^/#   /' <<<"$out" | tail -n 20; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   got '$2', expected '$3'"; fi
}
finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}
note() { echo "# $*"; }

if [ "$(id -u)" -ne 0 ]; then
	skip "package tier" "needs root (debootstrap, chroot, mounts)"
	finish
fi
# Everything below runs in a private mount namespace: the overlay and /proc go with it.
if [ -z "${H2BOX_PKG_NS:-}" ]; then
	exec unshare --mount --propagation private env H2BOX_PKG_NS=1 "$SELF" "$@"
fi

for tool in dpkg-buildpackage lintian debootstrap chroot dpkg-deb; do
	command -v "$tool" >/dev/null || { not_ok "tool $tool is installed (make deps-test)"; finish; }
done

# ---- 1. the .deb and lintian ----
t0=$(date +%s)
if ! deb=$(packaging/build-deb.sh "$BUILD/deb" | tail -n 1) || [ ! -f "$deb" ]; then
	not_ok "the .deb builds (make deb)"
	finish
fi
ok "the .deb builds: $(basename "$deb") ($(($(date +%s) - t0)) s)"
version=$(cat VERSION)
expect_eq "the .deb's version is VERSION" "$(dpkg-deb -f "$deb" Version)" "$version"

deb_sum=$(sha256sum "$deb" | cut -c1-64)
lint_log=$BUILD/deb/lintian-$deb_sum-$(dpkg-query -W -f '${Version}' lintian).log
if [ ! -f "$lint_log" ]; then
	lintian --fail-on error,warning --no-tag-display-limit "$deb" >"$lint_log.tmp" 2>&1
	echo "exit $?" >>"$lint_log.tmp"
	mv "$lint_log.tmp" "$lint_log"
fi
if [ "$(tail -n 1 "$lint_log")" = "exit 0" ] && ! grep -qE '^[EW]: ' "$lint_log"; then
	ok "lintian: no error or warning that is not overridden"
else
	not_ok "lintian: no error or warning that is not overridden"
	sed 's/^/#   /' "$lint_log"
fi

# ---- 2. the cached Debian 12 root ----
# mirror: the URI apt uses for $SUITE itself (deb822 .sources or one-line sources.list)
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
	/^$/ { if (uri != "" && hit) { print uri; exit } uri = ""; hit = 0; next }
	tolower($1) == "uris:" { uri = $2 }
	tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
	END { if (uri != "" && hit) print uri }' | head -n 1)
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/\[[^]]*\]//' | awk -v s="$SUITE" '$1 == "deb" && $3 == s { print $2; exit }')
fi
[ -n "$mirror" ] || { not_ok "a $SUITE mirror in /etc/apt/sources.list*"; finish; }
# the .deb's dependencies (first of each alternative, no versions) and systemd for sysusers
include=$({ dpkg-deb -f "$deb" Depends Pre-Depends | sed -E 's/^[A-Za-z-]+: //' | tr ',' '\n' |
	sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/ //g'; echo systemd; } | grep . | sort -u | paste -sd,)
key=$(printf '%s\n' "$SUITE" minbase "$mirror" "$include" "$ROOT_RECIPE" | sha256sum | cut -c1-16)
base=$CACHE/debroot-$key
mkdir -p "$CACHE"
exec 9>"$CACHE/debroot.lock"
flock 9
if [ ! -f "$base/.h2box-root-done" ]; then
	note "making the Debian $SUITE root $base from $mirror (once; packages: $include)"
	t0=$(date +%s)
	rm -rf "$base.tmp"
	if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$base.tmp" "$mirror" \
		>"$CACHE/debroot-$key.log" 2>&1; then
		not_ok "debootstrap $SUITE from $mirror (log $CACHE/debroot-$key.log)"
		tail -n 15 "$CACHE/debroot-$key.log" | sed 's/^/#   /'
		rm -rf "$base.tmp"
		finish
	fi
	chroot "$base.tmp" apt-get clean
	touch "$base.tmp/.h2box-root-done"
	rm -rf "$base"
	mv "$base.tmp" "$base"
	for old in "$CACHE"/debroot-*; do
		case "$old" in "$base" | "$base".* | *.lock | *.log) ;; *) rm -rf "$old" "$old.log" ;; esac
	done
	note "root made in $(($(date +%s) - t0)) s"
fi
flock -u 9

work=$(mktemp -d /tmp/h2box-package.XXXXXX)
R=$work/root
cleanup() {
	umount -R "$R" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$R" "$work/upper" "$work/work"
if ! mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/work" "$R"; then
	not_ok "an overlay of the cached root"
	finish
fi
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }

# the root's files, but for what dpkg, apt and logs keep about themselves
snapshot() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run \
		-o -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache/debconf \) -prune -o -print) |
		grep -v -x -E '\./etc/(passwd|group|shadow|gshadow)-' | sort
}
snapshot >"$work/before"

# ---- 3. install, use, remove, purge ----
cp "$deb" "$R/tmp/h2box.deb"
check "dpkg -i into a clean Debian 12 root" in_root dpkg -i /tmp/h2box.deb

missing=""
for f in /usr/sbin/h2boxd /usr/bin/h2box /lib/systemd/system/h2boxd.service \
	/lib/systemd/system-shutdown/h2box /usr/lib/sysusers.d/h2box.conf \
	/usr/lib/udev/rules.d/60-h2box.rules /usr/lib/h2box/h2box-sysfs-access /usr/lib/h2box/h2box-hw \
	/usr/share/polkit-1/rules.d/50-h2box.rules /usr/lib/modules-load.d/h2box.conf \
	/usr/share/bash-completion/completions/h2box \
	/usr/share/man/man1/h2box.1.gz /usr/share/man/man8/h2boxd.8.gz \
	/usr/share/doc/h2box/copyright /usr/share/h2box/profiles/h2-sfx.conf; do
	[ -e "$R$f" ] || missing="$missing $f"
done
expect_eq "every file in place (unit, hook, sysusers.d, udev, polkit, modules-load.d, man, profiles)" \
	"${missing:-none missing}" "none missing"
for m in docs/*.[1-8]; do
	b=$(basename "$m")
	check "man page $b installed in section ${b##*.}" test -f "$R/usr/share/man/man${b##*.}/$b.gz"
done
expect_eq "modules-load.d loads i2c-dev" "$(grep -v '^#' "$R/usr/lib/modules-load.d/h2box.conf")" i2c-dev
check "group h2box made in postinst (systemd-sysusers)" in_root getent group h2box
check "system user h2box made in postinst, group h2box" \
	bash -c "[ \"\$(chroot '$R' id -gn h2box)\" = h2box ]"
check "unit enabled (multi-user.target.wants)" test -L "$R/etc/systemd/system/multi-user.target.wants/h2boxd.service"
unit=$R/lib/systemd/system/h2boxd.service
expect_eq "unit starts only once a profile exists" "$(sed -n 's/^ConditionPathExists=//p' "$unit")" \
	/etc/h2box/h2box.conf
# the check first, the signal last; between them the I2C devices a new profile names are made
# as root, as at start
expect_eq "unit: reload checks the profile before it signals" "$(sed -n 's/^ExecReload=//p' "$unit")" \
	"/usr/sbin/h2boxd -n -c /etc/h2box/h2box.conf
-+/usr/sbin/h2boxd --i2c-instantiate -c /etc/h2box/h2box.conf
/bin/kill -HUP \$MAINPID"
# verify exits 0 on an unknown key or a bad value (it only warns): any message fails
verify=$(in_root systemd-analyze verify --man=no /lib/systemd/system/h2boxd.service 2>&1)
expect_eq "systemd-analyze verify h2boxd.service (in the root): exit 0, no message" "$?:$verify" "0:"
expect_eq "h2box --version prints VERSION" "$(in_root h2box --version)" "h2box $version"
expect_eq "h2boxd -V prints VERSION" "$(in_root h2boxd -V)" "h2boxd $version"
# h2box links libc alone and hands probe to /usr/lib/h2box/h2box-hw (its usage error: exit 2)
in_root h2box probe --i2c-bus nine >/dev/null 2>&1
expect_eq "h2box probe runs /usr/lib/h2box/h2box-hw" "$?" 2
n=0
for p in "$R"/usr/share/h2box/profiles/*.conf; do
	check "h2boxd -n $(basename "$p") (as user h2box)" \
		chroot --userspec=h2box:h2box "$R" /usr/sbin/h2boxd -n -c "/usr/share/h2box/profiles/$(basename "$p")"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || not_ok "profiles shipped in /usr/share/h2box/profiles"
# the admin's profile, checked as ExecStartPre= does; the run-time state the daemon would leave
cp "$R/usr/share/h2box/profiles/h2-sfx.conf" "$R/etc/h2box/h2box.conf"
check "the unit's ExecStartPre= accepts a profile copied to /etc/h2box" \
	chroot --userspec=h2box:h2box "$R" /usr/sbin/h2boxd -n -c /etc/h2box/h2box.conf
mkdir -p "$R/var/lib/h2box" "$R/var/log/h2box"
echo state >"$R/var/lib/h2box/power.state"

check "dpkg -r h2box" in_root dpkg -r h2box
left=""
for f in /usr/sbin/h2boxd /usr/bin/h2box /lib/systemd/system/h2boxd.service /usr/lib/udev/rules.d/60-h2box.rules; do
	[ ! -e "$R$f" ] || left="$left $f"
done
expect_eq "dpkg -r removes the programs, unit and rules" "${left:-none left}" "none left"
check "dpkg -r keeps the admin's profile" test -f "$R/etc/h2box/h2box.conf"
rm -f "$R/etc/h2box/h2box.conf" # the admin's file: theirs to delete
check "dpkg -P h2box" in_root dpkg -P h2box
snapshot >"$work/after"
if diff -u "$work/before" "$work/after" >"$work/diff"; then
	ok "dpkg -P leaves no file behind (state in /var/lib/h2box, /var/log/h2box, unit links, /etc/h2box)"
else
	not_ok "dpkg -P leaves no file behind"
	grep -E '^[-+]\.' "$work/diff" | head -n 20 | sed 's/^/#   /'
fi
finish
