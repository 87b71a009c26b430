# Makefile - builds h2boxd and h2box, installs missing Debian packages, runs every test tier.
#
#   make run     install what is missing, build, run h2boxd on the simulated box
#   make test    install what is missing, build (normal + ASan/UBSan), run all tiers
#   make bench   speed and memory targets (never part of `make test`)
#   make fuzz    libFuzzer harnesses (tests/fuzz), FUZZ_TIME seconds each (default 60)
#   make install DESTDIR=... PREFIX=/usr
#   make deb     the Debian package, build/deb/h2box_VERSION_ARCH.deb (README: Install)

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
BUILD ?= build
SAN_BUILD ?= build-asan
GPIOD2_BUILD ?= build-gpiod2
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
H2BOX_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/h2box
GPIOD2_PREFIX = $(H2BOX_CACHE)/libgpiod2

# Debian 12 packages the build and the test tiers need.  `make deps` installs
# the missing ones (as root, or through sudo when that works without a
# password) and otherwise names them and stops.
BUILD_PKGS := build-essential pkg-config libgpiod-dev libsensors-dev libi2c-dev \
	libibverbs-dev libpci-dev libsystemd-dev libinih-dev libcmocka-dev libmicrohttpd-dev \
	libmosquitto-dev
TEST_PKGS := qemu-system-x86 linux-source-6.1 busybox-static rdma-core ibverbs-utils \
	perftest iproute2 gpiod flex bison bc libelf-dev libssl-dev cpio kmod xz-utils \
	python3 jq gojq lm-sensors dbus-daemon clang libclang-rt-14-dev mandoc bash-completion \
	gnuplot-nox libxml2-utils debhelper lintian debootstrap fancontrol prometheus curl \
	chromium-headless-shell mosquitto mosquitto-clients openssl

# Each program links libh2box.a (the linker takes only the objects it uses) and only its own
# libraries (docs/ARCHITECTURE.md, "Programs and their libraries"):
#   HW_*      hw/linux's buses (and logind over sd-bus): h2boxd, h2box-hw, the tests
#   HW_DLOPEN_PKGS  hw/linux's libraries for a feature a profile may leave off: headers only,
#             no link flags; hw/linux dlopen()s each on first use (hw/dlib.h), and so does
#             libi2c (no .pc file) and libgpiod (GPIOD_*); libsensors (no .pc file either) only
#             while an open resolves a hwmon chip, dlclosed after (hw/linux/sensors.h)
#   DAEMON_*  h2boxd alone: a library only the daemon uses is one more word on DAEMON_PKGS
#   DAEMON_DLOPEN_PKGS  h2boxd's optional features' libraries: headers only, no link flags;
#             runtime/http.c and runtime/mqtt-client.c dlopen() them when the profile enables
#             [metrics] listen or [mqtt]
#   CLIENT_*  h2box: libc alone, loaded on every `h2box status` (tests/layers checks its
#             NEEDED entries); the commands that open the hardware run in h2box-hw
# debian/control names each dlopen()ed library's package in Depends (dpkg-shlibdeps cannot see
# them); tests/layers checks that none is NEEDED by h2boxd or h2box-hw.
HW_PKGS := libsystemd
HW_DLOPEN_PKGS := libibverbs libpci
DAEMON_PKGS := libsystemd inih
DAEMON_DLOPEN_PKGS := libmicrohttpd libmosquitto
CLIENT_LIBS :=
# libgpiod separately: a second build runs Debian 13's libgpiod 2.x from a local prefix
# (GPIOD_LIBS: its run path, where dlopen() finds it)
GPIOD_CFLAGS ?= $(shell pkg-config --cflags libgpiod 2>/dev/null)
GPIOD_LIBS ?=
SYS_LIBS := -lm -lpthread
HW_LIBS = $(GPIOD_LIBS) $(shell pkg-config --libs $(HW_PKGS) 2>/dev/null)
DAEMON_LIBS = $(shell pkg-config --libs $(DAEMON_PKGS) 2>/dev/null)
PKG_CFLAGS = $(GPIOD_CFLAGS) $(shell pkg-config --cflags $(HW_PKGS) $(HW_DLOPEN_PKGS) \
	$(DAEMON_PKGS) $(DAEMON_DLOPEN_PKGS) 2>/dev/null)
# the tests, tools and harnesses link the lot
PKG_LIBS = $(DAEMON_LIBS) $(HW_LIBS) $(SYS_LIBS)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-unused-parameter
ifeq ($(CI),true)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
CSTD := -std=c11 -D_GNU_SOURCE
# Quiet build lines ("CC file"); `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif
OPT ?= -O2 -g
# Memory (issue #16): relative relocations packed (DT_RELR, glibc 2.36): the 1400 relocations of
# h2boxd's image were 44 KiB of its RSS as RELA, 16 as RELR.  (-ffunction-sections with
# --gc-sections cut its text by 37 KB but not its RSS: the loop's code touches every 64 KiB of it.)
PROG_LDFLAGS := -Wl,-z,pack-relative-relocs
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) -I. -I$(BUILD_DIR)/gen $(PKG_CFLAGS) $(EXTRA_CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# The fuzz build (clang): every object carries libFuzzer's coverage hooks; the harnesses link
# libFuzzer's main.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Every .c under these folders goes into the library except the program mains.
MAINS := supervisor/daemon/h2boxd.c supervisor/cli/h2box.c supervisor/cli/h2box-hw.c \
	tests/kernel/plant-mirror.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard hw/*.c hw/linux/*.c hw/sim/*.c drivers/*.c supervisor/*/*.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

BUILD_DIR ?= $(BUILD)
OBJS = $(LIB_SRCS:%.c=$(BUILD_DIR)/obj/%.o)
GEN_PROFILE = $(BUILD_DIR)/gen/default_profile.c
# VERSION is the one source of the version: h2boxd -V, h2box --version, debian/changelog
GEN_VERSION = $(BUILD_DIR)/gen/h2box-version.h
GEN_OBJ = $(BUILD_DIR)/obj/gen/default_profile.o
# the status page (GET /), one reviewable HTML file embedded as a string like the profile
GEN_PAGE = $(BUILD_DIR)/gen/status_page.c
GEN_PAGE_OBJ = $(BUILD_DIR)/obj/gen/status_page.o
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD_DIR)/tests/%)
TOOL_BINS = $(TOOL_SRCS:tests/tools/%.c=$(BUILD_DIR)/tools/%)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD_DIR)/fuzz/%)
PROGS = $(BUILD_DIR)/h2boxd $(BUILD_DIR)/h2box $(BUILD_DIR)/h2box-hw
PLANT_MIRROR = $(if $(wildcard tests/kernel/plant-mirror.c),$(BUILD_DIR)/h2box-plant)

.PHONY: all build build-asan build-gpiod2 build-fuzz deps-fuzz fuzz fuzz-compile run test check-layers test-unit test-fuzz \
	test-scenario test-kernel test-package bench deps check-deps \
	install deb clean distclean help

all: build

help:
	@sed -n '1,9p' Makefile

# ---- dependencies ----
deps:
	@./packaging/ensure-deps.sh $(BUILD_PKGS)

deps-test:
	@./packaging/ensure-deps.sh $(BUILD_PKGS) $(TEST_PKGS)

# ---- build ----
build: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(BUILD) compile

build-asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(SAN_BUILD) OPT="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS_EXTRA="$(SAN_FLAGS)" compile

# The same sources with clang, ASan+UBSan and libFuzzer's coverage hooks, and the harnesses of
# tests/fuzz linked against libFuzzer (`make fuzz`, and the fuzz tier's short regression runs).
build-fuzz: deps-fuzz
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
		OPT="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-compile

deps-fuzz:
	@./packaging/ensure-deps.sh $(BUILD_PKGS) clang libclang-rt-14-dev

fuzz-compile: $(FUZZ_BINS)

# The same sources against libgpiod 2.x (Debian 13's packages in a local prefix); the kernel tier
# runs its GPIO scenarios with both builds.
build-gpiod2: deps
	@./packaging/fetch-gpiod2.sh $(GPIOD2_PREFIX) >/dev/null
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(GPIOD2_BUILD) \
		GPIOD_CFLAGS="-I$(GPIOD2_PREFIX)/usr/include" \
		GPIOD_LIBS="-Wl,-rpath,$(GPIOD2_PREFIX)/usr/lib/x86_64-linux-gnu" \
		$(GPIOD2_BUILD)/h2boxd $(GPIOD2_BUILD)/h2box $(GPIOD2_BUILD)/h2box-hw \
		$(GPIOD2_BUILD)/tests/test_linux_backends

compile: $(PROGS) $(PLANT_MIRROR) $(UNIT_BINS) $(TOOL_BINS)

# Keep the test, tool and fuzz objects: only a pattern rule names them, so make would delete
# them as intermediates after a fresh build and the next make (whose .d files name them) would
# compile them all again.  Only these: a bare .SECONDARY: makes every object intermediate, and
# make then skips compiling a new source file older than an existing libh2box.a.
.SECONDARY: $(UNIT_SRCS:%.c=$(BUILD_DIR)/obj/%.o) $(TOOL_SRCS:%.c=$(BUILD_DIR)/obj/%.o) \
	$(FUZZ_SRCS:%.c=$(BUILD_DIR)/obj/%.o)

# Order-only: the header must exist before the first compile (no .d files yet); after that the
# .d files rebuild exactly the objects that include it when VERSION changes.
$(BUILD_DIR)/obj/%.o: %.c | $(GEN_VERSION)
	@mkdir -p $(dir $@)
	$(call msg,CC,$(BUILD_DIR)/$<)
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(GEN_PROFILE): profiles/sim-sfx.conf packaging/embed.sh
	@mkdir -p $(dir $@)
	$(Q)./packaging/embed.sh h2box_default_profile $< > $@

$(GEN_VERSION): VERSION
	@mkdir -p $(dir $@)
	$(Q)v=$$(cat VERSION) && case "$$v" in *[!0-9A-Za-z.+~-]* | "") \
		echo "VERSION: '$$v' is not a version" >&2; exit 1 ;; esac && \
		printf '/* generated from VERSION by the Makefile; do not edit */\n#define H2BOX_VERSION "%s"\n' "$$v" >$@

$(GEN_OBJ): $(GEN_PROFILE)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(GEN_PAGE): supervisor/services/status-page.html packaging/embed.sh
	@mkdir -p $(dir $@)
	$(Q)./packaging/embed.sh status_page_html $< > $@

$(GEN_PAGE_OBJ): $(GEN_PAGE)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD_DIR)/libh2box.a: $(OBJS) $(GEN_OBJ) $(GEN_PAGE_OBJ)
	@rm -f $@
	$(call msg,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD_DIR)/h2boxd: $(BUILD_DIR)/obj/supervisor/daemon/h2boxd.o $(BUILD_DIR)/libh2box.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) $(PROG_LDFLAGS) -o $@ $^ $(DAEMON_LIBS) $(HW_LIBS) $(SYS_LIBS)

# No hardware library on this line: an object of h2box that reached hw/linux would fail the link.
$(BUILD_DIR)/h2box: $(BUILD_DIR)/obj/supervisor/cli/h2box.o $(BUILD_DIR)/libh2box.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) $(PROG_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

# probe and ib bench|selftest --local (supervisor/cli/cli-hw.h), exec'd by h2box
$(BUILD_DIR)/h2box-hw: $(BUILD_DIR)/obj/supervisor/cli/h2box-hw.o $(BUILD_DIR)/libh2box.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) $(PROG_LDFLAGS) -o $@ $^ $(HW_LIBS) $(SYS_LIBS)

# the kernel tier's plant mirror drives i2c-stub through libi2c itself
$(BUILD_DIR)/h2box-plant: $(BUILD_DIR)/obj/tests/kernel/plant-mirror.o $(BUILD_DIR)/libh2box.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) -o $@ $^ $(PKG_LIBS) -li2c

$(BUILD_DIR)/tests/%: $(BUILD_DIR)/obj/tests/unit/%.o $(BUILD_DIR)/libh2box.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD_DIR)/tools/%: $(BUILD_DIR)/obj/tests/tools/%.o $(BUILD_DIR)/libh2box.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS_EXTRA) -o $@ $^ $(PKG_LIBS)

# jqfast stands in for jq thousands of times a scenario run, so its start is all it is for: it is
# built without the sanitizers in every build (an ASan+LSan start costs ~90 ms of CPU, more than
# jq's own ~55 ms), from its source and the util sources it uses rather than the instrumented
# library.  09-jqfast.sh holds it to jq byte for byte in both scenario passes.
JQFAST_SRCS := tests/tools/jqfast.c supervisor/util/json.c supervisor/util/spawn.c \
	supervisor/util/timefmt.c
$(BUILD_DIR)/tools/jqfast: $(JQFAST_SRCS) supervisor/util/json.h supervisor/util/spawn.h \
		supervisor/util/timefmt.h hw/clock.h
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CSTD) -O2 $(WARN) -I. -o $@ $(JQFAST_SRCS) -lm

$(BUILD_DIR)/fuzz/%: $(BUILD_DIR)/obj/tests/fuzz/%.o $(BUILD_DIR)/libh2box.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

-include $(shell find $(BUILD_DIR)/obj -name '*.d' 2>/dev/null)

# ---- run ----
# Builds only the two programs it runs (nothing when they are up to date).
run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(BUILD) $(BUILD)/h2boxd $(BUILD)/h2box
	@mkdir -p $(BUILD)/state
	$(BUILD)/h2boxd --sim --status-line --state-dir $(BUILD)/state

# ---- tests ----
# One summary line over every tier: "N passed, N failed[, N skipped]" (how it counts: README,
# Tests).  The subsets run one tier each, in both builds where the tier has two.
test: deps-test
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD_DIR=$(BUILD) compile
	@$(MAKE) --no-print-directory build-asan
	@$(MAKE) --no-print-directory build-fuzz
	@$(MAKE) --no-print-directory build-gpiod2 || \
		echo "WARNING: no libgpiod 2.x build (Debian 13 packages unreachable): its checks are reported as skipped"
	@./tests/run-all.sh $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD) $(FUZZ_BUILD)

# The rooms of the tree (docs/ARCHITECTURE.md): fails on an include that points up or sideways,
# on headers including each other and on objects using each other's symbols (a cycle).
check-layers: build
	@python3 tests/layers/check-layers.py --objs $(BUILD)/obj

test-unit: build build-asan
	@./tests/run-all.sh --only unit $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD)

# Each harness over its seed corpus plus a short fixed number of runs (regression, TAP).
test-fuzz: build-fuzz
	@./tests/run-all.sh --only fuzz $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD) $(FUZZ_BUILD)

# Long runs: FUZZ_TIME seconds per harness, two at a time; new inputs go to
# $(FUZZ_BUILD)/corpus, crashes to $(FUZZ_BUILD)/crashes (figures in each log's last lines).
fuzz: build-fuzz
	@./tests/fuzz/run.sh --time $(FUZZ_TIME) $(FUZZ_BUILD)

test-scenario: build build-asan
	@./tests/run-all.sh --only scenario $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD)

# The .deb (make deb, reused while its inputs are unchanged), lintian, and the package installed
# into a clean Debian 12 root cached in $(H2BOX_CACHE) (tests/package/run.sh; needs root).
test-package: deps-test
	@./tests/run-all.sh --only package $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD)

test-kernel: deps-test build
	@$(MAKE) --no-print-directory build-gpiod2 || \
		echo "WARNING: no libgpiod 2.x build (Debian 13 packages unreachable): its checks are reported as skipped"
	@./tests/run-all.sh --only kernel $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD)

# As root (mount namespaces, cgroup v2).  BENCH_WINDOW=60 BENCH_ROUNDS=3 BENCH_RDMA=1 by default.
# Exits non-zero when a target is missed or a comparison could not run (no QEMU rig).
bench: deps-test build
	@./tests/bench/run.sh $(BUILD)

# Mutation testing (slow, never part of `make test`): each mutant in tests/mutate/mutants.txt is
# applied to a copy of the tree and must be killed by a unit test or a scenario.
# `make mutate MUTANTS="id ..."` runs only those.
.PHONY: mutate
mutate: deps-test
	@./tests/mutate/run.sh $(MUTANTS)

# ---- Debian package ----
# build/deb/h2box_VERSION_ARCH.deb from a copy of the tree (packaging/build-deb.sh: reused while
# the package's inputs are unchanged; the source tree is never written to).  `make test-package`
# installs it into a clean Debian 12 root (tests/package/run.sh).
DEB_PKGS := debhelper dpkg-dev lintian
deb:
	@./packaging/ensure-deps.sh $(BUILD_PKGS) $(DEB_PKGS)
	@./packaging/build-deb.sh $(BUILD)/deb

# ---- install ----
install: build
	install -D -m 0755 $(BUILD)/h2boxd $(DESTDIR)$(PREFIX)/sbin/h2boxd
	install -D -m 0755 $(BUILD)/h2box $(DESTDIR)$(PREFIX)/bin/h2box
	@# h2box finds it from its own folder: PREFIX/bin/h2box -> PREFIX/lib/h2box/h2box-hw
	install -D -m 0755 $(BUILD)/h2box-hw $(DESTDIR)$(PREFIX)/lib/h2box/h2box-hw
	install -d $(DESTDIR)/lib/systemd/system
	sed "s|@SBINDIR@|$(PREFIX)/sbin|g" packaging/h2boxd.service > $(DESTDIR)/lib/systemd/system/h2boxd.service
	@# every man page of docs/, in the section its suffix names
	for m in docs/*.[1-8]; do install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$$(basename $$m); done
	install -D -m 0644 packaging/h2box.bash-completion $(DESTDIR)/usr/share/bash-completion/completions/h2box
	install -D -m 0755 packaging/h2box-shutdown-hook $(DESTDIR)/lib/systemd/system-shutdown/h2box
	install -d $(DESTDIR)/etc/h2box
	@# the sandbox (packaging/h2boxd.service): user and group h2box, device and sysfs access for
	@# the group, logind power-off for the user
	install -D -m 0644 packaging/h2box.sysusers $(DESTDIR)/usr/lib/sysusers.d/h2box.conf
	install -D -m 0644 packaging/60-h2box.rules $(DESTDIR)/usr/lib/udev/rules.d/60-h2box.rules
	@# i2c-dev for /dev/i2c-N (the chips' own devices: h2boxd --i2c-instantiate, from the unit)
	install -D -m 0644 packaging/h2box-modules.conf $(DESTDIR)/usr/lib/modules-load.d/h2box.conf
	install -D -m 0755 packaging/h2box-sysfs-access $(DESTDIR)/usr/lib/h2box/h2box-sysfs-access
	install -D -m 0644 packaging/h2box.polkit.rules $(DESTDIR)/usr/share/polkit-1/rules.d/50-h2box.rules
	@# power-changing commands are for root and the h2box group
	if [ -z "$(DESTDIR)" ]; then systemd-sysusers h2box.conf; fi
	for p in profiles/*.conf; do install -D -m 0644 $$p $(DESTDIR)$(PREFIX)/share/h2box/profiles/$$(basename $$p); done

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(GPIOD2_BUILD) $(FUZZ_BUILD)

distclean: clean
