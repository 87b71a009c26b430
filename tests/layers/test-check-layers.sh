#!/usr/bin/env bash
# test-check-layers.sh - TAP: the tree keeps its rooms, and check-layers.py fails when they break.
#
# usage: tests/layers/test-check-layers.sh BUILD_DIR
# The first checks run the checker on the tree as it is; the others plant an upward include, a
# sideways include and a link cycle in a scratch copy and expect the checker to name each; the
# last look into the client's two programs for code of the daemon, the services or the simulator,
# and check that h2box links libc alone and hands the hardware commands to h2box-hw.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
checker=tests/layers/check-layers.py
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; printf '#   %s\n' "$@"; }
echo "1..12"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$(python3 "$checker" --objs "$build/obj" 2>&1)
if [ $? -eq 0 ]; then ok "the tree: includes point down, no cycle (includes and objects)"
else notok "the tree: includes point down, no cycle" "$out"; fi

# a scratch copy of the three scanned folders
cp -r hw drivers supervisor "$tmp/"
clean=$(python3 "$checker" --root "$tmp" 2>&1)

# upward: policy (pure) reaching for a service
f=$tmp/supervisor/policy/budget.c
sed -i '0,/^#include/s//#include "supervisor\/services\/watts-svc.h"\n#include/' "$f"
out=$(python3 "$checker" --root "$tmp" 2>&1); rc=$?
if [ $rc -eq 1 ] && ! grep -q '^supervisor/policy/budget.c:' <<<"$clean" &&
	grep -q '^supervisor/policy/budget.c:[0-9]*: includes supervisor/services/watts-svc.h: supervisor/policy may not use supervisor/services' <<<"$out"
then ok "an upward include (policy -> services) fails with file:line"
else notok "an upward include fails" "planted rc=$rc" "$out"; fi
cp supervisor/policy/budget.c "$f"

# sideways: the client reaching into the daemon
f=$(ls "$tmp"/supervisor/cli/*.c | head -n 1)
sed -i '0,/^#include/s//#include "supervisor\/daemon\/daemon.h"\n#include/' "$f"
out=$(python3 "$checker" --root "$tmp" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q 'supervisor/cli may not use supervisor/daemon' <<<"$out"
then ok "a sideways include (cli -> daemon) fails"
else notok "a sideways include fails" "rc=$rc" "$out"; fi
cp "supervisor/cli/$(basename "$f")" "$f"

# down from hw: the simulator using the linux backend
f=$tmp/hw/sim/clock.c
sed -i '0,/^#include/s//#include "hw\/linux\/linux.h"\n#include/' "$f"
out=$(python3 "$checker" --root "$tmp" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q 'hw/sim may not use hw/linux' <<<"$out"
then ok "hw/sim -> hw/linux fails"
else notok "hw/sim -> hw/linux fails" "rc=$rc" "$out"; fi
cp hw/sim/clock.c "$f"

# a link cycle: two objects each calling the other (a shared header would hide it from includes)
mkdir -p "$tmp/obj/supervisor/services" "$tmp/obj/hw"
printf 'int b_fn(void);\nint a_fn(void) { return b_fn() + 1; }\n' >"$tmp/a.c"
printf 'int a_fn(void);\nint b_fn(void) { return 0; }\nint b_two(void) { return a_fn(); }\n' >"$tmp/b.c"
printf 'int c_fn(void) { return 2; }\n' >"$tmp/c.c"
cc -c "$tmp/a.c" -o "$tmp/obj/supervisor/services/alpha.o" &&
	cc -c "$tmp/b.c" -o "$tmp/obj/supervisor/services/beta.o" &&
	cc -c "$tmp/c.c" -o "$tmp/obj/hw/gamma.o"
out=$(python3 "$checker" --root "$tmp" --objs "$tmp/obj" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q 'link cycle.*supervisor/services/alpha <-> supervisor/services/beta' <<<"$out" &&
	! grep -q gamma <<<"$out"
then ok "a link cycle between two objects fails and names both (not a bystander)"
else notok "a link cycle fails" "rc=$rc" "$out"; fi

# the client (h2box and h2box-hw) links neither the daemon, nor the services, nor the simulator
syms=$(for o in "$build"/obj/supervisor/daemon/*.o "$build"/obj/supervisor/services/*.o \
	"$build"/obj/supervisor/runtime/*.o "$build"/obj/hw/sim/*.o; do
	# h2boxd's own main() is not code the client could link
	nm -P --defined-only "$o" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ && $1 != "main" { print $1 }'
done | sort -u)
for prog in h2box h2box-hw; do
	inbin=$(nm -P --defined-only "$build/$prog" 2>/dev/null | awk '{ print $1 }' | sort -u)
	if [ -z "$syms" ] || [ -z "$inbin" ]; then
		notok "$prog links no daemon, service, runtime or simulator code" "no symbols read ($build)"
		continue
	fi
	leaked=$(comm -12 <(echo "$syms") <(echo "$inbin"))
	if [ -z "$leaked" ]; then ok "$prog links no daemon, service, runtime or simulator code"
	else notok "$prog links no daemon, service, runtime or simulator code" \
		"$(echo "$leaked" | head -n 12 | tr '\n' ' ')"; fi
done

# h2box links libc alone (the Makefile's CLIENT_LIBS): each library it names is loaded and
# relocated on every `h2box status`; the hardware libraries are h2box-hw's
needed=$(readelf -d "$build/h2box" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | xargs)
if [ "$needed" = "libc.so.6" ]; then ok "h2box's NEEDED entries: libc.so.6 alone"
else notok "h2box's NEEDED entries: libc.so.6 alone" "NEEDED: ${needed:-none read from $build/h2box}"; fi

# h2boxd dlopen()s libmicrohttpd and libmosquitto (and the TLS stacks under them) only when the
# profile sets [metrics] listen or [mqtt] host, and hw/linux the hardware libraries (libibverbs
# and its libnl, libpci and its libudev/zlib, libgpiod, libi2c) only for a feature the profile
# enables, libsensors only while an open resolves a hwmon chip (issue #16, hw/dlib.h): none is
# on h2boxd's or h2box-hw's link line
hwlibs='libibverbs|libpci|libgpiod|libi2c|libsensors'
needed=$(readelf -d "$build/h2boxd" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | xargs)
needed_hw=$(readelf -d "$build/h2box-hw" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | xargs)
if [ -n "$needed" ] && ! grep -Eq "libmosquitto|libmicrohttpd|$hwlibs" <<<"$needed" &&
	[ -n "$needed_hw" ] && ! grep -Eq "$hwlibs" <<<"$needed_hw"; then
	ok "NEEDED entries: h2boxd and h2box-hw link no hardware or optional-feature library"
else notok "NEEDED entries: h2boxd and h2box-hw link no hardware or optional-feature library" \
	"h2boxd NEEDED: ${needed:-none read from $build/h2boxd}" \
	"h2box-hw NEEDED: ${needed_hw:-none read from $build/h2box-hw}"; fi

# installed as make install lays them out (PREFIX/bin/h2box, PREFIX/lib/h2box/h2box-hw), h2box
# hands probe to h2box-hw (whose usage error proves it ran); without it, a clear error
mkdir -p "$tmp/prefix/bin" "$tmp/prefix/lib/h2box"
cp "$build/h2box" "$tmp/prefix/bin/" && cp "$build/h2box-hw" "$tmp/prefix/lib/h2box/"
out=$("$tmp/prefix/bin/h2box" probe --i2c-bus nine 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q 'probe: --i2c-bus needs a bus number' <<<"$out"
then ok "h2box probe runs PREFIX/lib/h2box/h2box-hw"
else notok "h2box probe runs PREFIX/lib/h2box/h2box-hw" "rc=$rc" "$out"; fi
rm -f "$tmp/prefix/lib/h2box/h2box-hw"
out=$("$tmp/prefix/bin/h2box" --json ib bench --local 2>&1); rc=$?
help=$("$tmp/prefix/bin/h2box" probe --help 2>&1); hrc=$?
if [ $rc -eq 1 ] && grep -q '^{"ok":false,"status":1,"error":"ib bench --local needs h2box-hw, .* not installed' <<<"$out" &&
	[ $hrc -eq 0 ] && grep -q '^  probe \[--i2c-bus N\]' <<<"$help"
then ok "without h2box-hw: a clear error (exit 1), and probe --help still answers"
else notok "without h2box-hw: a clear error (exit 1), and probe --help still answers" \
	"rc=$rc $out" "help rc=$hrc"; fi

# the checker's own usage error
python3 "$checker" --bogus >/dev/null 2>&1
if [ $? -eq 2 ]; then ok "check-layers.py: unknown option is a usage error (2)"
else notok "check-layers.py: unknown option is a usage error (2)"; fi
exit $failed
