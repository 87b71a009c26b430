/* test_linux_backends.c - the linux bus backends on a machine without the hardware, sysfs faked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/throttle.h"
#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/hw.h"
#include "hw/hwmon.h"
#include "hw/i2c.h"
#include "hw/ib.h"
#include "hw/pci.h"
#include "supervisor/report/ib-probe.h"
#include "hw/linux/linux.h"

#define SYSFS_ENV "H2BOX_SYSFS_ROOT"

struct fake {
	char root[64];
	struct hw *hw; /* created with the sysfs root pointing at root */
};

static void fake_mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX];
	char *p;

	assert_true(snprintf(path, sizeof(path), "%s/%s", root, rel) < (int)sizeof(path));
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void fake_write(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	char *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fake_mkdirs(root, dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void fake_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX], dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fake_mkdirs(root, dir);
	}
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int fake_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/h2box-sysfs-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	setenv(SYSFS_ENV, f->root, 1);
	assert_int_equal(hw_linux_new(&f->hw), 0);
	unsetenv(SYSFS_ENV);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;

	hw_free(f->hw);
	nftw(f->root, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static struct hw *real_hw(void)
{
	struct hw *hw;

	unsetenv(SYSFS_ENV);
	assert_int_equal(hw_linux_new(&hw), 0);
	assert_int_equal(hw_kind_get(hw), HW_KIND_LINUX);
	return hw;
}

/* ---- clock ---- */

static void test_clock_is_the_real_one(void **state)
{
	struct hw *hw = real_hw();
	int64_t a, b;

	(void)state;
	a = hw_clock_mono_ns(hw);
	b = hw_clock_mono_ns(hw);
	assert_true(a > 0);
	assert_true(b >= a);
	/* after 2001-09-09 in ns: a wall clock, not a monotonic one */
	assert_true(hw_clock_real_ns(hw) > INT64_C(1000000000) * HW_NSEC_PER_SEC);
	assert_true(hw_clock_speed(hw) == 1.0);
	assert_int_equal(hw_clock_advance_to(hw, a + HW_NSEC_PER_SEC), -ENOTSUP);
	assert_int_equal(hw_clock_set_speed(hw, 2.0), -ENOTSUP);
	assert_int_equal(hw_clock_set_real(hw, 0), -ENOTSUP);
	/* no events of its own, and a horizon changes nothing */
	assert_int_equal(hw_clock_next_event_ns(hw), INT64_MAX);
	hw_clock_horizon_set(hw, a);
	assert_true(hw_clock_mono_ns(hw) >= b);
	hw_free(hw);
}

/* ---- gpio / i2c / hwmon lookups that find nothing ---- */

static void test_gpio_unknown_line_is_enoent(void **state)
{
	struct hw *hw = real_hw();
	struct hw_gpio_line *line = NULL;

	(void)state;
	assert_int_equal(hw_gpio_line_open(hw, "h2box-no-such-line", HW_GPIO_INPUT, 0, 0, NULL,
					   &line),
			 -ENOENT);
	assert_null(line);
	assert_int_equal(hw_gpio_line_open(hw, "gpiochip999:3", HW_GPIO_OUTPUT,
					   HW_GPIO_ACTIVE_LOW, 1, "test", &line),
			 -ENOENT);
	assert_null(line);
	/* contradictory flags are refused before any chip is touched */
	assert_int_equal(hw_gpio_line_open(hw, "x", HW_GPIO_INPUT,
					   HW_GPIO_PULL_UP | HW_GPIO_PULL_DOWN, 0, NULL, &line),
			 -EINVAL);
	hw_free(hw);
}

static void test_i2c_missing_bus_is_enoent(void **state)
{
	struct hw *hw = real_hw();
	struct hw_i2c_dev *dev = NULL;

	(void)state;
	assert_int_equal(hw_i2c_open(hw, 4093, 0x40, &dev), -ENOENT);
	assert_null(dev);
	hw_free(hw);
}

/* The kernel's client at an address, as a scan that must not touch it sees it in sysfs. */
static void test_i2c_client_from_fake_sysfs(void **state)
{
	struct fake *f = *state;
	char name[32];
	bool bound = true;

	fake_write(f->root, "bus/i2c/devices/1-0040/name", "ina226\n");
	fake_mkdirs(f->root, "bus/i2c/drivers/ina2xx");
	fake_link(f->root, "bus/i2c/devices/1-0040/driver", "../../../../bus/i2c/drivers/ina2xx");
	fake_write(f->root, "bus/i2c/devices/1-0048/name", "lm75\n");
	assert_int_equal(hw_i2c_client_get(f->hw, 1, 0x40, name, sizeof(name), &bound), 0);
	assert_string_equal(name, "ina226");
	assert_true(bound);
	assert_int_equal(hw_i2c_client_get(f->hw, 1, 0x48, name, sizeof(name), &bound), 0);
	assert_string_equal(name, "lm75");
	assert_false(bound); /* instantiated, no driver attached */
	assert_int_equal(hw_i2c_client_get(f->hw, 1, 0x2e, name, sizeof(name), &bound), -ENOENT);
	assert_int_equal(hw_i2c_client_get(f->hw, 1, 0x02, name, sizeof(name), &bound), -EINVAL);
}

static void test_gpio_listing_without_chips(void **state)
{
	struct hw *hw = real_hw();
	struct hw_gpio_chip_info ci[4];
	struct hw_gpio_line_info li[4];

	(void)state;
	/* whatever this machine has, the count is a count; an absent chip is an error */
	assert_true(hw_gpio_chips_list(hw, ci, 4) >= 0);
	assert_true(hw_gpio_chip_lines(hw, "gpiochip4093", li, 4) < 0);
	assert_int_equal(hw_gpio_chip_lines(hw, "../tty", li, 4), -EINVAL);
	hw_free(hw);
}

/* The first line of a fake file, without its newline ("" for an empty file). */
static void fake_read(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* new_device: written only for an absent client, never over one that is there */
static void test_i2c_device_ensure_fake_tree(void **state)
{
	struct fake *f = *state;
	struct hw_i2c_device d;
	char got[64];

	fake_write(f->root, "bus/i2c/devices/i2c-1/new_device", "");
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x2e, "emc2305", false, &d), 0);
	assert_false(d.present);
	fake_read(f->root, "bus/i2c/devices/i2c-1/new_device", got, sizeof(got));
	assert_string_equal(got, "");
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x2e, "emc2305", true, &d), 0);
	assert_true(d.present && d.created);
	assert_string_equal(d.name, "emc2305");
	fake_read(f->root, "bus/i2c/devices/i2c-1/new_device", got, sizeof(got));
	assert_string_equal(got, "emc2305 0x2e");

	/* a client bound to its driver: reported, new_device left alone */
	fake_write(f->root, "bus/i2c/devices/i2c-1/new_device", "");
	fake_write(f->root, "bus/i2c/devices/1-0048/name", "tmp102\n");
	fake_mkdirs(f->root, "bus/i2c/drivers/tmp102");
	fake_link(f->root, "bus/i2c/devices/1-0048/driver", "../../../../bus/i2c/drivers/tmp102");
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x48, "lm75", true, &d), 0);
	assert_true(d.present);
	assert_false(d.created);
	assert_string_equal(d.name, "tmp102");
	assert_string_equal(d.driver, "tmp102");
	fake_read(f->root, "bus/i2c/devices/i2c-1/new_device", got, sizeof(got));
	assert_string_equal(got, "");

	assert_int_equal(hw_i2c_device_ensure(f->hw, 3, 0x2e, "emc2305", true, &d), -ENODEV);
}

static void test_hwmon_unknown_chip_is_enoent(void **state)
{
	struct hw *hw = real_hw();
	struct hw_hwmon_chip *chip = NULL;

	(void)state;
	assert_int_equal(hw_hwmon_chip_open(hw, "nonexistent-*", &chip), -ENOENT);
	assert_null(chip);
	/* the second miss loads and initialises libsensors afresh and must hold up as well */
	assert_int_equal(hw_hwmon_chip_open(hw, "nonexistent-*", &chip), -ENOENT);
	hw_free(hw);
}

static void test_hwmon_two_hws_share_libsensors(void **state)
{
	struct hw *a = real_hw(), *b = real_hw();
	struct hw_hwmon_chip *chip = NULL;

	(void)state;
	assert_int_equal(hw_hwmon_chip_open(a, "nonexistent-*", &chip), -ENOENT);
	assert_int_equal(hw_hwmon_chip_open(b, "nonexistent-*", &chip), -ENOENT);
	hw_free(a);
	/* b's libsensors must survive a's cleanup */
	assert_int_equal(hw_hwmon_chip_open(b, "nonexistent-*", &chip), -ENOENT);
	hw_free(b);
}

/* true when `lib` (a file name's start, "libsensors.so") is mapped into this process */
static bool lib_mapped(const char *lib)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, lib))
			found = true;
	fclose(f);
	return found;
}

/*
 * libsensors only resolves chips: an open dlopen()s it (the -ENOENT is its chip list's answer,
 * not -ELIBACC) and dlcloses it after, so its code, chip list and config parse leave the
 * process (issue #16; h2boxd does not link it, tests/layers checks that).
 */
static void test_hwmon_open_leaves_libsensors_unmapped(void **state)
{
	struct hw *hw = real_hw();
	struct hw_hwmon_chip *chip = NULL;

	(void)state;
	assert_int_equal(hw_hwmon_chip_open(hw, "nonexistent-*", &chip), -ENOENT);
	assert_false(lib_mapped("libsensors.so"));
	assert_int_equal(hw_hwmon_chip_open(hw, "nonexistent-*", &chip), -ENOENT);
	assert_false(lib_mapped("libsensors.so"));
	hw_free(hw);
}

/* ---- hwmon file_read ---- */

static void test_hwmon_file_read_parses_one_integer(void **state)
{
	struct fake *f = *state;
	char path[PATH_MAX];
	long v = 0;

	fake_write(f->root, "class/hwmon/hwmon0/temp1_input", "42500\n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/temp1_input", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), 0);
	assert_int_equal(v, 42500);

	fake_write(f->root, "class/hwmon/hwmon0/in0_input", "  -12 \n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/in0_input", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), 0);
	assert_int_equal(v, -12);

	v = 7;
	fake_write(f->root, "class/hwmon/hwmon0/bad", "12abc\n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/bad", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), -EINVAL);
	assert_int_equal(v, 7);

	fake_write(f->root, "class/hwmon/hwmon0/empty", "\n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/empty", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), -ENODATA);

	fake_write(f->root, "class/hwmon/hwmon0/huge", "99999999999999999999999\n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/huge", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), -ERANGE);

	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon0/missing", f->root);
	assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), -ENOENT);
	assert_int_equal(v, 7);
}

/*
 * A hwmon attribute behind a wedged device: a FIFO with no writer blocks the
 * read (its open, here) forever.  The loop-side read answers -ETIMEDOUT
 * after the deadline and at once after that, an attribute in another chip
 * directory still reads, and values come back once the file answers again.
 */
static void test_hwmon_file_read_wedged_attribute_is_bounded(void **state)
{
	struct fake *f = *state;
	char fifo[PATH_MAX], good[PATH_MAX], next[PATH_MAX], old[PATH_MAX], sibling[PATH_MAX];
	struct hw_linux_reader_stats st;
	struct hw_linux_reader *rd;
	long v = 7;
	int w;

	fake_mkdirs(f->root, "class/hwmon/hwmon1");
	snprintf(fifo, sizeof(fifo), "%s/class/hwmon/hwmon1/temp1_input", f->root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	fake_write(f->root, "class/hwmon/hwmon1/in0_input", "12000\n");
	snprintf(sibling, sizeof(sibling), "%s/class/hwmon/hwmon1/in0_input", f->root);
	fake_write(f->root, "class/hwmon/hwmon2/temp1_input", "30000\n");
	snprintf(good, sizeof(good), "%s/class/hwmon/hwmon2/temp1_input", f->root);

	assert_int_equal(hw_hwmon_file_read(f->hw, fifo, &v), -ETIMEDOUT);
	assert_int_equal(v, 7);
	assert_int_equal(hw_hwmon_file_read(f->hw, good, &v), 0);
	assert_int_equal(v, 30000);
	/* still stuck: answered at once, without a second request behind the first */
	assert_int_equal(hw_hwmon_file_read(f->hw, fifo, &v), -ETIMEDOUT);
	/* the same chip's other attributes wait behind the wedged one (one worker a chip) */
	assert_int_equal(hw_hwmon_file_read(f->hw, sibling, &v), -ETIMEDOUT);
	rd = hw_linux_reader_of_file(f->hw, fifo);
	assert_non_null(rd);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.stale, 3);
	assert_int_equal(st.ops, 0);
	assert_false(hw_linux_reader_idle(rd));

	/* the attribute becomes a file again, then a writer appears on the old FIFO (kept under
	 * a second name) and the worker's open returns: its retry finds the file */
	fake_write(f->root, "class/hwmon/hwmon1/next", "43000\n");
	snprintf(next, sizeof(next), "%s/class/hwmon/hwmon1/next", f->root);
	snprintf(old, sizeof(old), "%s/class/hwmon/hwmon1/old", f->root);
	assert_int_equal(link(fifo, old), 0);
	assert_int_equal(rename(next, fifo), 0);
	w = open(old, O_WRONLY | O_CLOEXEC);
	assert_true(w >= 0);
	close(w);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_hwmon_file_read(f->hw, fifo, &v), 0);
	assert_int_equal(v, 43000);
	assert_int_equal(hw_hwmon_file_read(f->hw, sibling, &v), 0);
	assert_int_equal(v, 12000);
	assert_int_equal(hw_hwmon_file_read(f->hw, good, &v), 0);
	assert_int_equal(v, 30000);
}

/* A sample costs one pread on a descriptor kept open: the file is opened once for N samples. */
static void test_hwmon_file_read_opens_once(void **state)
{
	struct fake *f = *state;
	struct hw_linux_reader_stats st;
	struct hw_linux_reader *rd;
	char path[PATH_MAX], text[32];
	long v;

	fake_write(f->root, "class/thermal/thermal_zone0/temp", "40000\n");
	snprintf(path, sizeof(path), "%s/class/thermal/thermal_zone0/temp", f->root);
	for (int i = 0; i < 20; i++) {
		/* rewritten in place, as sysfs shows a new value behind the same file */
		snprintf(text, sizeof(text), "%d\n", 40000 + i * 100);
		fake_write(f->root, "class/thermal/thermal_zone0/temp", text);
		assert_int_equal(hw_hwmon_file_read(f->hw, path, &v), 0);
		assert_int_equal(v, 40000 + i * 100);
	}
	rd = hw_linux_reader_of_file(f->hw, path);
	assert_non_null(rd);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.opens, 1);
	assert_int_equal(st.ops, 20);
	assert_int_equal(st.stale, 0);

}

/*
 * One cycle's reads of one chip go to its worker in one hand-off: three attributes cost one
 * wake-up of the worker and one reply to the loop, not three of each.
 */
static void test_reader_batch_is_one_handoff(void **state)
{
	struct fake *f = *state;
	static const char *const names[3] = { "in1_input", "curr1_input", "power1_input" };
	struct hw_linux_reader_stats st;
	struct hw_linux_reader *rd;
	char path[PATH_MAX], rel[128];
	long values[3] = { 0 };
	int idx[3], errs[3];

	fake_write(f->root, "class/hwmon/hwmon4/in1_input", "12100\n");
	fake_write(f->root, "class/hwmon/hwmon4/curr1_input", "1500\n");
	fake_write(f->root, "class/hwmon/hwmon4/power1_input", "18150000\n");
	assert_int_equal(hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &rd), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(rel, sizeof(rel), "class/hwmon/hwmon4/%s", names[i]);
		snprintf(path, sizeof(path), "%s/%s", f->root, rel);
		idx[i] = hw_linux_reader_slot(rd, path);
		assert_true(idx[i] >= 0);
	}
	for (int round = 0; round < 5; round++) {
		hw_linux_reader_read_many(rd, idx, 3, values, errs);
		for (int i = 0; i < 3; i++)
			assert_int_equal(errs[i], 0);
		assert_int_equal(values[0], 12100);
		assert_int_equal(values[1], 1500);
		assert_int_equal(values[2], 18150000);
	}
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.ops, 15);
	assert_int_equal(st.handoffs, 5);
	assert_int_equal(st.replies, 5);
	assert_int_equal(st.opens, 3);
	/* a single read is one hand-off too */
	assert_int_equal(hw_linux_reader_read(rd, idx[1], &values[1]), 0);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.handoffs, 6);
	assert_int_equal(st.replies, 6);
	hw_linux_reader_free(rd);
}

/*
 * A duty a cycle: writes keep one descriptor (pwrite, no open/close each time), and a regular
 * file (the fake tree) still holds the last value alone, not over a longer old one.
 */
static void test_reader_writes_keep_one_descriptor(void **state)
{
	static const long duties[] = { 255, 50, 7, 128, 0, 1000 };
	struct fake *f = *state;
	struct hw_linux_reader_stats st;
	struct hw_linux_reader *rd;
	char path[PATH_MAX], want[32], got[32];
	int idx;

	fake_write(f->root, "class/hwmon/hwmon6/pwm1", "255\n");
	snprintf(path, sizeof(path), "%s/class/hwmon/hwmon6/pwm1", f->root);
	assert_int_equal(hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &rd), 0);
	idx = hw_linux_reader_slot(rd, path);
	assert_true(idx >= 0);
	for (size_t i = 0; i < sizeof(duties) / sizeof(duties[0]); i++) {
		FILE *fp;
		size_t n;

		assert_int_equal(hw_linux_reader_write(rd, idx, duties[i]), 0);
		fp = fopen(path, "r");
		assert_non_null(fp);
		n = fread(got, 1, sizeof(got) - 1, fp);
		fclose(fp);
		got[n] = '\0';
		snprintf(want, sizeof(want), "%ld\n", duties[i]);
		assert_string_equal(got, want);
	}
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.opens, 1);
	assert_int_equal(st.ops, 6);
	hw_linux_reader_free(rd);
}

/*
 * A wedged attribute inside a batch: the batch waits one deadline, answers -ETIMEDOUT for the
 * wedged one and the values of those read before it; the next batch answers at once, and all
 * of it reads again once the file answers.
 */
static void test_reader_batch_wedged_attribute_is_bounded(void **state)
{
	struct fake *f = *state;
	char fifo[PATH_MAX], a[PATH_MAX], next[PATH_MAX], old[PATH_MAX];
	struct hw_linux_reader_stats st;
	struct hw_linux_reader *rd;
	long values[2] = { 0, 0 };
	int idx[2], errs[2], w;

	fake_write(f->root, "class/hwmon/hwmon5/in1_input", "5000\n");
	snprintf(a, sizeof(a), "%s/class/hwmon/hwmon5/in1_input", f->root);
	snprintf(fifo, sizeof(fifo), "%s/class/hwmon/hwmon5/power1_input", f->root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* the production deadline: a shorter one could expire before a loaded machine schedules the
	 * worker for the readable file (seen at load 14) */
	assert_int_equal(hw_linux_reader_new(HW_NSEC_PER_SEC, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, a);
	idx[1] = hw_linux_reader_slot(rd, fifo);
	assert_true(idx[0] >= 0 && idx[1] >= 0);

	hw_linux_reader_read_many(rd, idx, 2, values, errs);
	assert_int_equal(errs[0], 0);
	assert_int_equal(values[0], 5000);
	assert_int_equal(errs[1], -ETIMEDOUT);
	/* still wedged: the whole next batch is answered at once, nothing queued behind it */
	values[0] = 7;
	hw_linux_reader_read_many(rd, idx, 2, values, errs);
	assert_int_equal(errs[0], -ETIMEDOUT);
	assert_int_equal(errs[1], -ETIMEDOUT);
	assert_int_equal(values[0], 7);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.handoffs, 1);
	assert_int_equal(st.stale, 3);

	/* the attribute answers again (as in the single-read test above) */
	fake_write(f->root, "class/hwmon/hwmon5/next", "9000000\n");
	snprintf(next, sizeof(next), "%s/class/hwmon/hwmon5/next", f->root);
	snprintf(old, sizeof(old), "%s/class/hwmon/hwmon5/old", f->root);
	assert_int_equal(link(fifo, old), 0);
	assert_int_equal(rename(next, fifo), 0);
	w = open(old, O_WRONLY | O_CLOEXEC);
	assert_true(w >= 0);
	close(w);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	hw_linux_reader_read_many(rd, idx, 2, values, errs);
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], 0);
	assert_int_equal(values[0], 5000);
	assert_int_equal(values[1], 9000000);
	hw_linux_reader_free(rd);
}

/* ---- posted writes and multi-chip batches (the fan cycle: one read trip, writes not waited for) ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

/* A wedged FIFO at `rel` answers again: a file holding `text` takes its name, and whoever is
 * stuck opening the old FIFO gets through (a reader or a writer: both ends are opened once). */
static void fifo_release(struct fake *f, const char *rel, const char *text)
{
	char path[PATH_MAX], next[PATH_MAX + 8], old[PATH_MAX + 8], rel_next[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->root, rel);
	snprintf(next, sizeof(next), "%s.next", path);
	snprintf(old, sizeof(old), "%s.old", path);
	snprintf(rel_next, sizeof(rel_next), "%s.next", rel);
	fake_write(f->root, rel_next, text);
	assert_int_equal(link(path, old), 0);
	assert_int_equal(rename(next, path), 0);
	/* O_RDWR on a FIFO never blocks and counts as both ends */
	fd = open(old, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
}

/* A posted write returns at once, lands in order with reads of the same file, and its failure is
 * told once, at the next post or by hw_linux_reader_post_result(). */
static void test_reader_post_is_not_waited_for(void **state)
{
	struct fake *f = *state;
	char pwm[PATH_MAX], gone[PATH_MAX];
	struct hw_linux_reader *rd;
	long v = 0;
	int r, w, g;

	fake_write(f->root, "class/hwmon/hwmon6/pwm1", "255\n");
	snprintf(pwm, sizeof(pwm), "%s/class/hwmon/hwmon6/pwm1", f->root);
	snprintf(gone, sizeof(gone), "%s/class/hwmon/hwmon6/nodir/pwm2", f->root);
	assert_int_equal(hw_linux_reader_new(HW_NSEC_PER_SEC, &rd), 0);
	r = hw_linux_reader_slot(rd, pwm);
	w = hw_linux_reader_wslot(rd, pwm);
	g = hw_linux_reader_wslot(rd, gone);
	assert_true(r >= 0 && w >= 0 && g >= 0);
	assert_int_not_equal(r, w);
	assert_int_equal(hw_linux_reader_slot(rd, pwm), r); /* a read's lookup never finds the write slot */

	/* a read queued right behind a posted write neither cancels it nor hides it */
	assert_int_equal(hw_linux_reader_post(rd, w, 120), 0);
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	assert_int_equal(v, 120); /* the duty the file holds: what was written */
	assert_int_equal(hw_linux_reader_post_result(rd, w), 0);

	/* a failing write: 0 when posted, its -errno at the next post, once */
	assert_int_equal(hw_linux_reader_post(rd, g, 1), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_linux_reader_post(rd, g, 2), -ENOENT);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_linux_reader_post_result(rd, g), -ENOENT);
	assert_int_equal(hw_linux_reader_post_result(rd, g), 0);
	hw_linux_reader_free(rd);
}

/* The file's content without the reader (what the chip holds). */
static long file_long(const char *path)
{
	char buf[32] = "";
	FILE *in = fopen(path, "r");

	assert_non_null(in);
	assert_non_null(fgets(buf, sizeof(buf), in));
	fclose(in);
	return strtol(buf, NULL, 10);
}

/*
 * A cycle's duty the chip was just read holding is not written again: no hand-off (no wake-up of
 * the worker), no write; a new duty, a file changed behind the reader's back, or a read not
 * taken since the last write are written as ever.
 */
static void test_reader_post_of_the_held_value_is_dropped(void **state)
{
	struct fake *f = *state;
	struct hw_linux_reader_stats st0, st;
	struct hw_linux_reader *rd;
	char pwm[PATH_MAX], en[PATH_MAX];
	long v = 0;
	int r, w, e;

	fake_write(f->root, "class/hwmon/hwmon6/pwm1", "255\n");
	snprintf(pwm, sizeof(pwm), "%s/class/hwmon/hwmon6/pwm1", f->root);
	assert_int_equal(hw_linux_reader_new(HW_NSEC_PER_SEC, &rd), 0);
	r = hw_linux_reader_slot(rd, pwm);
	w = hw_linux_reader_wslot(rd, pwm);

	/* the first duty is written; a post of it before any read back is written too */
	assert_int_equal(hw_linux_reader_post(rd, w, 77), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_linux_reader_post(rd, w, 77), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	hw_linux_reader_stats_get(rd, &st0);
	assert_int_equal(st0.unchanged, 0);

	/* read back holding it: the same duty again is neither handed over nor written */
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	assert_int_equal(v, 77);
	hw_linux_reader_stats_get(rd, &st0);
	fake_write(f->root, "class/hwmon/hwmon6/pwm1", "77\n"); /* same content, a fresh file */
	for (int cycle = 0; cycle < 3; cycle++) {
		assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
		assert_int_equal(hw_linux_reader_post(rd, w, 77), 0);
		assert_int_equal(hw_linux_reader_post_result(rd, w), 0);
	}
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.unchanged, st0.unchanged + 3);
	assert_int_equal(st.handoffs, st0.handoffs + 3); /* the three reads' */
	assert_int_equal(st.ops, st0.ops + 3);

	/* another attribute of the chip written after the read (pwm1_enable back to manual): the
	 * duty is written again */
	fake_write(f->root, "class/hwmon/hwmon6/pwm1_enable", "2\n");
	snprintf(en, sizeof(en), "%s/class/hwmon/hwmon6/pwm1_enable", f->root);
	e = hw_linux_reader_wslot(rd, en);
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	assert_int_equal(hw_linux_reader_write(rd, e, 1), 0);
	hw_linux_reader_stats_get(rd, &st0);
	assert_int_equal(hw_linux_reader_post(rd, w, 77), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.unchanged, st0.unchanged);
	assert_int_equal(st.ops, st0.ops + 1);

	/* another duty is written */
	assert_int_equal(hw_linux_reader_post(rd, w, 90), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(file_long(pwm), 90);

	/* the chip changed behind the reader's back (a reset to full): read back, rewritten */
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	fake_write(f->root, "class/hwmon/hwmon6/pwm1", "255\n");
	assert_int_equal(hw_linux_reader_read(rd, r, &v), 0);
	assert_int_equal(v, 255);
	hw_linux_reader_stats_get(rd, &st0);
	assert_int_equal(hw_linux_reader_post(rd, w, 90), 0);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.unchanged, st0.unchanged);
	assert_int_equal(file_long(pwm), 90);
	hw_linux_reader_free(rd);
}

/* A write to a wedged attribute returns at once; the next batch of the chip reports -ETIMEDOUT,
 * a post past the deadline too, and the latest value is the one applied when it answers. */
static void test_reader_post_wedged_returns_at_once(void **state)
{
	struct fake *f = *state;
	char fifo[PATH_MAX], tach[PATH_MAX], buf[32];
	struct hw_linux_reader *rd;
	long values[1] = { 0 };
	int idx[1], errs[1], w;
	int64_t t0;
	FILE *in;

	fake_write(f->root, "class/hwmon/hwmon7/fan1_input", "1200\n");
	snprintf(tach, sizeof(tach), "%s/class/hwmon/hwmon7/fan1_input", f->root);
	snprintf(fifo, sizeof(fifo), "%s/class/hwmon/hwmon7/pwm1", f->root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(hw_linux_reader_new(HW_NSEC_PER_SEC, &rd), 0);
	w = hw_linux_reader_wslot(rd, fifo);
	idx[0] = hw_linux_reader_slot(rd, tach);

	t0 = mono_ns();
	assert_int_equal(hw_linux_reader_post(rd, w, 77), 0);
	assert_true(mono_ns() - t0 < HW_NSEC_PER_SEC / 2);
	/* the worker is stuck in the write: the chip's next batch answers -ETIMEDOUT */
	hw_linux_reader_read_many(rd, idx, 1, values, errs);
	assert_int_equal(errs[0], -ETIMEDOUT);
	/* past the deadline the chip is wedged: a post answers at once, keeping the latest value */
	t0 = mono_ns();
	assert_int_equal(hw_linux_reader_post(rd, w, 80), -ETIMEDOUT);
	assert_int_equal(hw_linux_reader_post_result(rd, w), -ETIMEDOUT);
	hw_linux_reader_read_many(rd, idx, 1, values, errs);
	assert_int_equal(errs[0], -ETIMEDOUT);
	assert_true(mono_ns() - t0 < HW_NSEC_PER_SEC / 2);

	fifo_release(f, "class/hwmon/hwmon7/pwm1", "0\n");
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	in = fopen(fifo, "r");
	assert_non_null(in);
	assert_non_null(fgets(buf, sizeof(buf), in));
	fclose(in);
	assert_string_equal(buf, "80\n");
	assert_int_equal(hw_linux_reader_post_result(rd, w), 0);
	hw_linux_reader_read_many(rd, idx, 1, values, errs);
	assert_int_equal(errs[0], 0);
	assert_int_equal(values[0], 1200);
	hw_linux_reader_free(rd);
}

/* Several chips in one batch: each chip's worker gets its share at once, and two wedged chips
 * cost one deadline, not one each; the healthy chip's value comes back all the same. */
static void test_hwmon_batch_wedged_chip_costs_one_deadline(void **state)
{
	struct fake *f = *state;
	char good[PATH_MAX], w1[PATH_MAX], w2[PATH_MAX];
	struct hw_hwmon_read_req req[3];
	int64_t t0, dt;

	fake_write(f->root, "class/hwmon/hwmon8/temp1_input", "41000\n");
	fake_mkdirs(f->root, "class/hwmon/hwmon9");
	fake_mkdirs(f->root, "class/hwmon/hwmon10");
	snprintf(good, sizeof(good), "%s/class/hwmon/hwmon8/temp1_input", f->root);
	snprintf(w1, sizeof(w1), "%s/class/hwmon/hwmon9/temp1_input", f->root);
	snprintf(w2, sizeof(w2), "%s/class/hwmon/hwmon10/temp1_input", f->root);
	assert_int_equal(mkfifo(w1, 0600), 0);
	assert_int_equal(mkfifo(w2, 0600), 0);
	memset(req, 0, sizeof(req));
	req[0].file = w1;
	req[1].file = good;
	req[2].file = w2;

	t0 = mono_ns();
	assert_int_equal(hw_hwmon_read_batch(f->hw, req, 3), -ETIMEDOUT);
	dt = mono_ns() - t0;
	assert_int_equal(req[0].err, -ETIMEDOUT);
	assert_int_equal(req[1].err, 0);
	assert_int_equal(req[1].raw, 41000);
	assert_int_equal(req[2].err, -ETIMEDOUT);
	assert_true(dt >= HW_LINUX_READ_DEADLINE_NS - HW_NSEC_PER_MSEC * 50);
	assert_true(dt < HW_LINUX_READ_DEADLINE_NS * 3 / 2);
	/* still wedged: answered at once, the healthy chip read as ever */
	req[1].raw = 0;
	t0 = mono_ns();
	assert_int_equal(hw_hwmon_read_batch(f->hw, req, 3), -ETIMEDOUT);
	assert_true(mono_ns() - t0 < HW_LINUX_READ_DEADLINE_NS / 2);
	assert_int_equal(req[1].err, 0);
	assert_int_equal(req[1].raw, 41000);

	fifo_release(f, "class/hwmon/hwmon9/temp1_input", "42000\n");
	fifo_release(f, "class/hwmon/hwmon10/temp1_input", "43000\n");
	assert_int_equal(hw_linux_reader_idle_wait(hw_linux_reader_of_file(f->hw, w1),
						   30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_linux_reader_idle_wait(hw_linux_reader_of_file(f->hw, w2),
						   30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_hwmon_read_batch(f->hw, req, 3), 0);
	assert_int_equal(req[0].raw, 42000);
	assert_int_equal(req[2].raw, 43000);
}

/* ---- throttle knobs: cpufreq, intel_pstate and RAPL files through the linux backend ---- */

#define CPUFREQ "devices/system/cpu/cpu%d/cpufreq/%s"

static void assert_fake_eq(const char *root, const char *rel, const char *want)
{
	char got[64];

	fake_read(root, rel, got, sizeof(got));
	assert_string_equal(got, want);
}

/* A throttle of one kind on f's linux hw: value is cpufreq/pstate's % or rapl's watts. */
static struct throttle *knob_throttle(struct fake *f, enum throttle_kind kind, double value)
{
	struct throttle_config cfg;
	struct throttle *t;

	throttle_config_defaults(&cfg, throttle_kind_name(kind));
	cfg.kind = kind;
	if (kind == THROTTLE_RAPL)
		cfg.rapl_w = value;
	else
		cfg.cpu_pct = value;
	assert_int_equal(throttle_new(f->hw, &cfg, &t), 0);
	return t;
}

static void test_knob_cpufreq_caps_and_restores_every_cpu(void **state)
{
	struct fake *f = *state;
	/* cpu1 runs capped by someone already, and has a high floor: its own values come back */
	static const char *const was[2] = { "2500000", "2000000" };
	static const char *const capped[2] = { "1500000", "1800000" };
	struct throttle *t;
	char rel[128];

	for (int cpu = 0; cpu < 2; cpu++) {
		snprintf(rel, sizeof(rel), CPUFREQ, cpu, "cpuinfo_max_freq");
		fake_write(f->root, rel, "2500000\n");
		snprintf(rel, sizeof(rel), CPUFREQ, cpu, "scaling_min_freq");
		fake_write(f->root, rel, cpu ? "1800000\n" : "800000\n");
		snprintf(rel, sizeof(rel), CPUFREQ, cpu, "scaling_max_freq");
		fake_write(f->root, rel, was[cpu]);
	}
	t = knob_throttle(f, THROTTLE_CPUFREQ, 60.0);
	assert_int_equal(throttle_apply(t), 0);
	assert_true(throttle_applied(t));
	for (int cpu = 0; cpu < 2; cpu++) {
		snprintf(rel, sizeof(rel), CPUFREQ, cpu, "scaling_max_freq");
		/* 60 % of 2.5 GHz, but never below scaling_min_freq (the kernel refuses that) */
		assert_fake_eq(f->root, rel, capped[cpu]);
	}
	assert_int_equal(throttle_undo(t), 0);
	assert_false(throttle_applied(t));
	for (int cpu = 0; cpu < 2; cpu++) {
		snprintf(rel, sizeof(rel), CPUFREQ, cpu, "scaling_max_freq");
		assert_fake_eq(f->root, rel, was[cpu]);
	}
	throttle_free(t);
}

static void test_knob_cpufreq_rolls_back_when_a_cpu_fails(void **state)
{
	struct fake *f = *state;
	struct throttle *t;

	fake_write(f->root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "2000000\n");
	fake_write(f->root, "devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "2000000\n");
	/* cpu1 has a maximum but no scaling_max_freq to write: apply fails as a whole */
	fake_write(f->root, "devices/system/cpu/cpu1/cpufreq/cpuinfo_max_freq", "2000000\n");
	t = knob_throttle(f, THROTTLE_CPUFREQ, 50.0);
	assert_int_equal(throttle_apply(t), -ENOENT);
	assert_false(throttle_applied(t));
	assert_fake_eq(f->root, "devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "2000000");
	throttle_free(t);
}

static void test_knob_pstate_and_rapl_write_and_restore(void **state)
{
	struct fake *f = *state;
	struct throttle_config cfg;
	struct throttle *pst, *rapl, *custom;

	fake_write(f->root, "devices/system/cpu/intel_pstate/max_perf_pct", "100\n");
	fake_write(f->root, "class/powercap/intel-rapl:0/constraint_0_power_limit_uw", "10000000\n");
	pst = knob_throttle(f, THROTTLE_PSTATE, 70.0);
	rapl = knob_throttle(f, THROTTLE_RAPL, 6.5);

	assert_int_equal(throttle_apply(pst), 0);
	assert_int_equal(throttle_apply(rapl), 0);
	assert_fake_eq(f->root, "devices/system/cpu/intel_pstate/max_perf_pct", "70");
	assert_fake_eq(f->root, "class/powercap/intel-rapl:0/constraint_0_power_limit_uw",
		       "6500000");
	assert_int_equal(throttle_undo(rapl), 0);
	assert_int_equal(throttle_undo(pst), 0);
	assert_fake_eq(f->root, "devices/system/cpu/intel_pstate/max_perf_pct", "100");
	assert_fake_eq(f->root, "class/powercap/intel-rapl:0/constraint_0_power_limit_uw",
		       "10000000");
	throttle_free(rapl);
	throttle_free(pst);

	/* a RAPL `path =` outside /sys is used as given, not moved under the sysfs root */
	fake_write(f->root, "elsewhere/limit_uw", "9000000\n");
	throttle_config_defaults(&cfg, "rapl2");
	cfg.kind = THROTTLE_RAPL;
	cfg.rapl_w = 5.0;
	assert_true(strlen(f->root) < 64);
	snprintf(cfg.rapl_path, sizeof(cfg.rapl_path), "%.64s/elsewhere/limit_uw", f->root);
	assert_int_equal(throttle_new(f->hw, &cfg, &custom), 0);
	assert_int_equal(throttle_apply(custom), 0);
	assert_fake_eq(f->root, "elsewhere/limit_uw", "5000000");
	/* freeing an applied throttle undoes it */
	throttle_free(custom);
	assert_fake_eq(f->root, "elsewhere/limit_uw", "9000000");
}

/* ---- pci ---- */

static void assert_slot_well_formed(const char *slot)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	assert_int_equal(strlen(slot), 12);
	assert_int_equal(sscanf(slot, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n), 4);
	assert_int_equal(n, 12);
	assert_true(dev < 32 && fn < 8);
}

static void test_pci_find_lists_real_devices(void **state)
{
	struct hw *hw = real_hw();
	struct hw_pci_dev devs[64];
	int n, i, again;

	(void)state;
	n = hw_pci_find(hw, 0xffff, 0xffff, devs, 64);
	assert_true(n >= 0);
	for (i = 0; i < n && i < 64; i++) {
		assert_slot_well_formed(devs[i].slot);
		assert_true(devs[i].vendor != 0xffff);
		if (i > 0)
			assert_true(strcmp(devs[i - 1].slot, devs[i].slot) < 0);
	}
	/* a rescan-free second look and a count-only look agree */
	again = hw_pci_find(hw, 0xffff, 0xffff, NULL, 0);
	assert_int_equal(again, n);
	if (n > 0) {
		struct hw_pci_dev one[1];
		uint8_t cfg[256];
		int got;

		/* filtering by the first device's ids finds at least that device */
		assert_true(hw_pci_find(hw, devs[0].vendor, devs[0].device, one, 1) >= 1);
		assert_string_equal(one[0].slot, devs[0].slot);
		got = hw_pci_config_read(hw, devs[0].slot, cfg, sizeof(cfg));
		assert_true(got >= 64);
		assert_true(got <= 256);
		assert_int_equal(cfg[0] | cfg[1] << 8, devs[0].vendor);
		assert_int_equal(cfg[2] | cfg[3] << 8, devs[0].device);
		assert_int_equal((uint32_t)(cfg[11] << 16 | cfg[10] << 8 | cfg[9]), devs[0].class_code);
	}
	/* ConnectX-2 (15b3:673c) is absent here but the answer is still a count */
	assert_true(hw_pci_find(hw, 0x15b3, 0x673c, devs, 64) >= 0);
	hw_free(hw);
}

static void test_pci_config_read_bad_slots(void **state)
{
	struct hw *hw = real_hw();
	uint8_t cfg[64];

	(void)state;
	assert_int_equal(hw_pci_config_read(hw, "01:00", cfg, sizeof(cfg)), -EINVAL);
	assert_int_equal(hw_pci_config_read(hw, "0000:01:00.0junk", cfg, sizeof(cfg)), -EINVAL);
	assert_int_equal(hw_pci_config_read(hw, "0000:00:20.0", cfg, sizeof(cfg)), -EINVAL);
	assert_int_equal(hw_pci_config_read(hw, "00fe:fe:1f.7", cfg, sizeof(cfg)), -ENODEV);
	hw_free(hw);
}

static void test_pci_without_sysfs_fails_without_exiting(void **state)
{
	struct fake *f = *state;
	struct hw_pci_dev devs[4];

	/* libpci's error() would exit(); the backend must turn it into -errno */
	assert_true(hw_pci_find(f->hw, 0xffff, 0xffff, devs, 4) < 0);
	assert_true(hw_pci_find(f->hw, 0xffff, 0xffff, devs, 4) < 0);
}

static void test_pci_fake_tree_find_and_rescan(void **state)
{
	struct fake *f = *state;
	struct hw_pci_dev devs[4];
	char path[PATH_MAX], buf[8] = "";
	FILE *fp;
	int n;

	assert_int_equal(hw_pci_rescan(f->hw), -ENOENT);
	fake_write(f->root, "bus/pci/rescan", "");
	assert_int_equal(hw_pci_rescan(f->hw), 0);
	snprintf(path, sizeof(path), "%s/bus/pci/rescan", f->root);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "1");

	/* libpci's sysfs method follows the root too: one fake ConnectX-2 */
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/vendor", "0x15b3\n");
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/device", "0x673c\n");
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/class", "0x0c0600\n");
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/subsystem_vendor", "0x15b3\n");
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/subsystem_device", "0x0022\n");
	fake_write(f->root, "bus/pci/devices/0000:01:00.0/config", "");
	n = hw_pci_find(f->hw, 0x15b3, 0xffff, devs, 4);
	assert_int_equal(n, 1);
	assert_string_equal(devs[0].slot, "0000:01:00.0");
	assert_int_equal(devs[0].vendor, 0x15b3);
	assert_int_equal(devs[0].device, 0x673c);
	assert_int_equal(devs[0].class_code, 0x0c0600);
	assert_int_equal(devs[0].subsys_vendor, 0x15b3);
	assert_int_equal(devs[0].subsys_device, 0x0022);
	assert_int_equal(hw_pci_find(f->hw, 0x8086, 0xffff, devs, 4), 0);
}

/* ---- ib ---- */

static void test_ib_devices_none_without_rdma(void **state)
{
	struct hw *hw = real_hw();
	char names[8][HW_IB_NAME_MAX];
	struct hw_ib_port_attr attr;
	int n, i;

	(void)state;
	n = hw_ib_devices(hw, names, 8);
	assert_true(n >= 0);
	if (access("/sys/class/infiniband", F_OK) != 0)
		assert_int_equal(n, 0);
	for (i = 0; i < n && i < 8; i++)
		assert_true(names[i][0] != '\0');
	assert_int_equal(hw_ib_port_count(hw, "h2box_none_0"), -ENODEV);
	assert_int_equal(hw_ib_port_query(hw, "h2box_none_0", 1, &attr), -ENODEV);
	assert_int_equal(hw_ib_port_count(hw, "../x"), -EINVAL);
	hw_free(hw);
}

#define PORT "class/infiniband/mlx4_0/ports/1/"

static void test_ib_counters_fake_mlx4(void **state)
{
	struct fake *f = *state;
	uint64_t v = 0;
	int bits = 0;

	/* the 32-bit PortCounters group, saturated as mlx4's get */
	fake_write(f->root, PORT "counters/port_xmit_data", "4294967295\n");
	fake_write(f->root, PORT "counters/symbol_error", "3\n");
	fake_write(f->root, PORT "counters_ext/port_xmit_data_64", "123456789012\n");
	fake_write(f->root, PORT "hw_counters/out_of_buffer", "17\n");

	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_xmit_data", &v, &bits), 0);
	assert_true(v == UINT32_MAX);
	assert_int_equal(bits, 32);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_xmit_data_64", &v, &bits),
			 0);
	assert_true(v == UINT64_C(123456789012));
	assert_int_equal(bits, 64);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "symbol_error", &v, &bits), 0);
	assert_true(v == 3);
	assert_int_equal(bits, 32);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "out_of_buffer", &v, &bits), 0);
	assert_true(v == 17);
	assert_int_equal(bits, 64);
	/* no counters_ext and a 32-bit group: a _64 name must not be answered by a 32-bit file */
	fake_write(f->root, PORT "counters/port_rcv_data", "5\n");
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_data_64", &v, &bits),
			 -ENOENT);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "nope", &v, &bits), -ENOENT);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 2, "port_xmit_data", &v, &bits),
			 -ENOENT);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "../counters/x", &v, &bits),
			 -EINVAL);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 0, "port_xmit_data", &v, &bits),
			 -EINVAL);
	/* bits is optional */
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "symbol_error", &v, NULL), 0);
	/* junk in a counter file is an error, not a zero */
	fake_write(f->root, PORT "counters/port_rcv_packets", "-1\n");
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_packets", &v, &bits),
			 -EINVAL);
}

/*
 * A counter behind a firmware that does not answer (a FIFO without a writer): the read is
 * bounded like a hwmon attribute's, -ETIMEDOUT (the rate unknown), and the counters answer
 * again once the file does.
 */
static void test_ib_counter_wedged_is_bounded(void **state)
{
	struct fake *f = *state;
	char fifo[PATH_MAX], next[PATH_MAX], old[PATH_MAX];
	struct hw_linux_reader *rd;
	uint64_t v = 7;
	int bits = 0, w;

	fake_write(f->root, PORT "counters/symbol_error", "3\n");
	snprintf(fifo, sizeof(fifo), "%s/" PORT "counters/port_xmit_data", f->root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_xmit_data", &v, &bits),
			 -ETIMEDOUT);
	assert_true(v == 7); /* never a made-up count */
	/* still stuck: answered at once */
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_xmit_data", &v, &bits),
			 -ETIMEDOUT);
	rd = hw_linux_reader_of_file(f->hw, fifo);
	assert_non_null(rd);
	assert_false(hw_linux_reader_idle(rd));

	/* the firmware answers again: a file in its place, the stuck open released */
	fake_write(f->root, PORT "counters/next", "4096\n");
	snprintf(next, sizeof(next), "%s/" PORT "counters/next", f->root);
	snprintf(old, sizeof(old), "%s/" PORT "counters/old", f->root);
	assert_int_equal(link(fifo, old), 0);
	assert_int_equal(rename(next, fifo), 0);
	w = open(old, O_WRONLY | O_CLOEXEC);
	assert_true(w >= 0);
	close(w);
	assert_int_equal(hw_linux_reader_idle_wait(rd, 30 * HW_NSEC_PER_SEC), 0);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_xmit_data", &v, &bits), 0);
	assert_true(v == 4096);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "symbol_error", &v, &bits), 0);
	assert_true(v == 3);
}

#define XPORT "class/infiniband/mlx5_0/ports/1/"

static void test_ib_counters_fake_extended_group(void **state)
{
	struct fake *f = *state;
	uint64_t v = 0;
	int bits = 0;

	/* unicast_xmit_packets exists only in the kernel's extended (64-bit) group */
	fake_write(f->root, XPORT "counters/port_xmit_data", "1000\n");
	fake_write(f->root, XPORT "counters/unicast_xmit_packets", "10\n");
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx5_0", 1, "port_xmit_data", &v, &bits), 0);
	assert_true(v == 1000);
	assert_int_equal(bits, 64);
	/* upstream kernels have no counters_ext: the _64 name maps onto the 64-bit counters/ file */
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx5_0", 1, "port_xmit_data_64", &v, &bits),
			 0);
	assert_true(v == 1000);
	assert_int_equal(bits, 64);
	/* a value past 32 bits proves the width whatever the group */
	fake_write(f->root, PORT "counters/port_rcv_packets", "4294967296\n");
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_packets", &v, &bits), 0);
	assert_true(v == UINT64_C(4294967296));
	assert_int_equal(bits, 64);
}

static void test_ib_pci_slot_fake_links(void **state)
{
	struct fake *f = *state;
	char slot[16];

	/* the kernel's layout: class link into devices/, device link relative and pci-less */
	fake_mkdirs(f->root, "devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0");
	fake_link(f->root, "devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0/device",
		  "../../../0000:01:00.0");
	fake_link(f->root, "class/infiniband/mlx4_0",
		  "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0");
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "mlx4_0", slot, sizeof(slot)), 0);
	assert_string_equal(slot, "0000:01:00.0");
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "mlx4_0", slot, 12), -ENAMETOOLONG);

	/* rxe: a virtual device without a parent */
	fake_mkdirs(f->root, "devices/virtual/infiniband/rxe_lo");
	fake_link(f->root, "class/infiniband/rxe_lo", "../../devices/virtual/infiniband/rxe_lo");
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "rxe_lo", slot, sizeof(slot)), -ENODEV);

	/* a soft device parented to something that is not on a PCI bus */
	fake_mkdirs(f->root, "class/infiniband/siw_x");
	fake_mkdirs(f->root, "devices/platform/0000:09:00.0");
	fake_link(f->root, "class/infiniband/siw_x/device", "../../../devices/platform/0000:09:00.0");
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "siw_x", slot, sizeof(slot)), -ENODEV);

	assert_int_equal(hw_ib_device_pci_slot(f->hw, "absent_0", slot, sizeof(slot)), -ENODEV);
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "..", slot, sizeof(slot)), -EINVAL);
}

/* ---- the PCIe link from sysfs, where config space stops at 64 bytes ---- */

#define CX2 "bus/pci/devices/0000:01:00.0/"

static void test_pci_link_fake_sysfs(void **state)
{
	struct fake *f = *state;
	struct hw_pci_link l;

	assert_int_equal(hw_pci_link_read(f->hw, "0000:01:00.0", &l), -ENODEV);
	assert_int_equal(hw_pci_link_read(f->hw, "01:00.0", &l), -EINVAL);
	/* a conventional PCI device: no link files */
	fake_write(f->root, CX2 "vendor", "0x15b3\n");
	assert_int_equal(hw_pci_link_read(f->hw, "0000:01:00.0", &l), -ENOENT);
	/* the H2's x4 slot under a 6.1 kernel: "5.0 GT/s PCIe" */
	fake_write(f->root, CX2 "current_link_speed", "5.0 GT/s PCIe\n");
	fake_write(f->root, CX2 "current_link_width", "4\n");
	fake_write(f->root, CX2 "max_link_speed", "5.0 GT/s PCIe\n");
	fake_write(f->root, CX2 "max_link_width", "8\n");
	assert_int_equal(hw_pci_link_read(f->hw, "0000:01:00.0", &l), 0);
	assert_int_equal(l.cur_speed, 2);
	assert_int_equal(l.cur_width, 4);
	assert_int_equal(l.max_speed, 2);
	assert_int_equal(l.max_width, 8);
	/* older kernels: "2.5 GT/s", "5 GT/s"; a link that is down: "Unknown" */
	fake_write(f->root, CX2 "current_link_speed", "2.5 GT/s\n");
	fake_write(f->root, CX2 "max_link_speed", "8 GT/s\n");
	assert_int_equal(hw_pci_link_read(f->hw, "0000:01:00.0", &l), 0);
	assert_int_equal(l.cur_speed, 1);
	assert_int_equal(l.max_speed, 3);
	fake_write(f->root, CX2 "current_link_speed", "Unknown\n");
	fake_write(f->root, CX2 "current_link_width", "0\n");
	assert_int_equal(hw_pci_link_read(f->hw, "0000:01:00.0", &l), 0);
	assert_int_equal(l.cur_speed, 0);
	assert_int_equal(l.cur_width, 0);
}

/* An unprivileged reader's 64 bytes: the probe takes the link from sysfs, payload unknown. */
static void test_ib_probe_pcie_sysfs_fallback(void **state)
{
	struct fake *f = *state;
	static const uint8_t head[64] = {
		[0x00] = 0xb3, [0x01] = 0x15, [0x02] = 0x3c, [0x03] = 0x67, /* 15b3:673c */
		[0x06] = 0x10,						    /* capability list */
		[0x0a] = 0x06, [0x0b] = 0x0c,				    /* InfiniBand */
		[0x34] = 0x60,						    /* beyond 64 bytes */
	};
	struct ib_probe_pcie p;
	struct linkmath_pcie_link l;
	char path[PATH_MAX];
	FILE *fp;

	fake_mkdirs(f->root, "devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0");
	fake_link(f->root, "devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0/device",
		  "../../../0000:01:00.0");
	fake_link(f->root, "class/infiniband/mlx4_0",
		  "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/infiniband/mlx4_0");
	fake_link(f->root, "bus/pci/devices/0000:01:00.0",
		  "../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	fake_write(f->root, CX2 "vendor", "0x15b3\n");
	fake_write(f->root, CX2 "device", "0x673c\n");
	fake_write(f->root, CX2 "class", "0x0c0600\n");
	snprintf(path, sizeof(path), "%s/" CX2 "config", f->root);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(head, 1, sizeof(head), fp), sizeof(head));
	assert_int_equal(fclose(fp), 0);

	/* config space alone: the header, not the link */
	ib_probe_pcie_read(f->hw, "mlx4_0", &p);
	assert_string_equal(p.slot, "0000:01:00.0");
	assert_int_equal(p.config_r, -ENODATA);
	assert_false(ib_probe_pcie_link(&p, &l));
	assert_non_null(p.model);

	fake_write(f->root, CX2 "current_link_speed", "5.0 GT/s PCIe\n");
	fake_write(f->root, CX2 "current_link_width", "4\n");
	fake_write(f->root, CX2 "max_link_speed", "5.0 GT/s PCIe\n");
	fake_write(f->root, CX2 "max_link_width", "8\n");
	ib_probe_pcie_read(f->hw, "mlx4_0", &p);
	assert_int_equal(p.config_r, -ENODATA);
	assert_true(p.link_from_sysfs);
	assert_true(ib_probe_pcie_link(&p, &l));
	assert_int_equal(l.sta_speed, 2);
	assert_int_equal(l.sta_width, 4);
	assert_int_equal(l.cap_speed, 2);
	assert_int_equal(l.cap_width, 8);
	assert_int_equal(l.mps, 0); /* the payload size lives past byte 64 */
	assert_string_equal(p.model->driver, "mlx4_core");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_is_the_real_one),
		cmocka_unit_test(test_gpio_unknown_line_is_enoent),
		cmocka_unit_test(test_i2c_missing_bus_is_enoent),
		cmocka_unit_test_setup_teardown(test_i2c_device_ensure_fake_tree, fake_setup,
						fake_teardown),
		cmocka_unit_test(test_hwmon_unknown_chip_is_enoent),
		cmocka_unit_test_setup_teardown(test_i2c_client_from_fake_sysfs, fake_setup,
						fake_teardown),
		cmocka_unit_test(test_gpio_listing_without_chips),
		cmocka_unit_test(test_hwmon_two_hws_share_libsensors),
		cmocka_unit_test(test_hwmon_open_leaves_libsensors_unmapped),
		cmocka_unit_test_setup_teardown(test_hwmon_file_read_parses_one_integer, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_hwmon_file_read_wedged_attribute_is_bounded,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_hwmon_file_read_opens_once, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_writes_keep_one_descriptor, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_batch_is_one_handoff, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_post_is_not_waited_for, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_post_of_the_held_value_is_dropped,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_post_wedged_returns_at_once, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_hwmon_batch_wedged_chip_costs_one_deadline,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reader_batch_wedged_attribute_is_bounded,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_knob_cpufreq_caps_and_restores_every_cpu,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_knob_cpufreq_rolls_back_when_a_cpu_fails,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_knob_pstate_and_rapl_write_and_restore,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_pci_find_lists_real_devices),
		cmocka_unit_test(test_pci_config_read_bad_slots),
		cmocka_unit_test_setup_teardown(test_pci_without_sysfs_fails_without_exiting,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_pci_fake_tree_find_and_rescan, fake_setup,
						fake_teardown),
		cmocka_unit_test(test_ib_devices_none_without_rdma),
		cmocka_unit_test_setup_teardown(test_ib_counter_wedged_is_bounded, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_ib_counters_fake_mlx4, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_ib_counters_fake_extended_group, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_ib_pci_slot_fake_links, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_pci_link_fake_sysfs, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_ib_probe_pcie_sysfs_fallback, fake_setup,
						fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
