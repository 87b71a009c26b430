/* test_i2c_plan.c - which kernel I2C devices a profile's chip names plan, and what is left out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/config/i2c-plan.h"
#include "supervisor/config/profile.h"

#define GPIO "[gpio]\npsu_on = A\npsu_ok = B\nbutton = C\nhost_button = D\nhost_alive = E\n"
#define LINUX "[daemon]\nbackend = linux\n"
/* the h2-sfx wiring, every chip named by bus and address */
#define FAN "[fan]\nchip = emc2305-i2c-1-2e\n"
#define INPUT "[input nic]\nchip = lm75-i2c-1-48\nlabel = temp1\n"
#define OWN_MON "[monitor box]\ntype = ina226\nbus = 1\naddress = 0x40\n"
#define KERN_MON "[monitor kern]\ntype = hwmon\nhwmon_chip = ina226-i2c-1-41\n"

static struct i2c_plan *plan_of(const char *text)
{
	struct profile_errors e;
	struct profile *p = calloc(1, sizeof(*p));
	struct i2c_plan *plan = calloc(1, sizeof(*plan));
	int r;

	assert_non_null(p);
	assert_non_null(plan);
	r = profile_load_string("t.conf", text, p, &e);
	for (int i = 0; i < e.count; i++)
		print_message("  error: %s\n", e.msg[i]);
	assert_int_equal(r, 0);
	i2c_plan_build(p, plan);
	free(p);
	return plan;
}

static void assert_dev(const struct i2c_plan *plan, int i, const char *name, int bus,
		       uint8_t addr, const char *source)
{
	assert_true(i < plan->ndev);
	assert_string_equal(plan->dev[i].name, name);
	assert_int_equal(plan->dev[i].bus, bus);
	assert_int_equal(plan->dev[i].addr, addr);
	assert_string_equal(plan->dev[i].source, source);
}

static int warnings(const struct i2c_plan *plan)
{
	int n = 0;

	for (int i = 0; i < plan->nnotes; i++)
		n += plan->note[i].warn;
	return n;
}

static bool note_has(const struct i2c_plan *plan, const char *needle)
{
	for (int i = 0; i < plan->nnotes; i++)
		if (strstr(plan->note[i].text, needle))
			return true;
	return false;
}

static void test_named_chips_are_planned_in_profile_order(void **state)
{
	struct i2c_plan *plan = plan_of(LINUX FAN INPUT OWN_MON KERN_MON GPIO);

	assert_int_equal(plan->ndev, 3);
	assert_dev(plan, 0, "emc2305", 1, 0x2e, "[fan] chip");
	assert_string_equal(plan->dev[0].chip, "emc2305-i2c-1-2e");
	assert_dev(plan, 1, "lm75", 1, 0x48, "[input nic] chip");
	assert_dev(plan, 2, "ina226", 1, 0x41, "[monitor kern] hwmon_chip");
	/* the own-driver INA226 at 0x40 is read over i2c-dev: never a kernel device */
	for (int i = 0; i < plan->ndev; i++)
		assert_false(plan->dev[i].addr == 0x40);
	assert_int_equal(warnings(plan), 0);
	free(plan);
}

static void test_patterns_name_no_address(void **state)
{
	/* the built-in [fan] and [input nic] chips are patterns: nothing to create, a note each */
	struct i2c_plan *plan = plan_of(LINUX "[monitor k]\ntype = hwmon\nhwmon_chip = ina226-*\n"
					GPIO);

	assert_int_equal(plan->ndev, 0);
	assert_int_equal(warnings(plan), 0);
	assert_true(note_has(plan, "[fan] chip = emc2305-*"));
	assert_true(note_has(plan, "[monitor k] hwmon_chip = ina226-*"));
	free(plan);
}

static void test_switched_off(void **state)
{
	struct i2c_plan *plan =
		plan_of("[daemon]\nbackend = linux\ni2c_instantiate = no\n" FAN INPUT KERN_MON GPIO);

	assert_int_equal(plan->ndev, 0);
	assert_int_equal(plan->nnotes, 0);
	free(plan);
}

static void test_fan_off_and_file_inputs_plan_nothing(void **state)
{
	struct i2c_plan *plan = plan_of(LINUX "[fan]\nenabled = no\nchip = emc2305-i2c-1-2e\n"
					INPUT GPIO);

	assert_int_equal(plan->ndev, 0);
	free(plan);
	plan = plan_of(LINUX FAN "[input nic]\nfile = /sys/x/temp\n" GPIO);
	assert_int_equal(plan->ndev, 1);
	assert_dev(plan, 0, "emc2305", 1, 0x2e, "[fan] chip");
	free(plan);
}

static void test_own_driver_address_is_left_to_h2boxd(void **state)
{
	struct i2c_plan *plan =
		plan_of(LINUX OWN_MON "[monitor k]\ntype = hwmon\nhwmon_chip = ina226-i2c-1-40\n" GPIO);

	assert_int_equal(plan->ndev, 0);
	assert_int_equal(warnings(plan), 1);
	assert_true(note_has(plan, "[monitor box] reads it over i2c-dev"));
	free(plan);
}

static void test_one_device_per_address(void **state)
{
	/* the same chip named twice is one device; another name at that address is a conflict */
	struct i2c_plan *plan =
		plan_of(LINUX FAN "[input fan]\nchip = emc2305-i2c-1-2e\nlabel = temp1\n"
			"[input x]\nchip = lm75-i2c-1-2e\nlabel = temp1\n" GPIO);

	assert_int_equal(plan->ndev, 1);
	assert_dev(plan, 0, "emc2305", 1, 0x2e, "[fan] chip");
	assert_int_equal(warnings(plan), 1);
	assert_true(note_has(plan, "[input x] chip = lm75-i2c-1-2e"));
	free(plan);
}

static void test_chip_parse(void **state)
{
	char name[20];
	int bus = -1;
	uint8_t addr = 0;

	assert_int_equal(i2c_plan_chip_parse("lm75-i2c-12-4F", name, sizeof(name), &bus, &addr), 0);
	assert_string_equal(name, "lm75");
	assert_int_equal(bus, 12);
	assert_int_equal(addr, 0x4f);
	static const char *const bad[] = {
		"lm75-*", "lm75-i2c-1-*", "lm75-i2c-*-48", "*-i2c-1-48", "lm7?-i2c-1-48",
		"coretemp-isa-0000", "lm75-i2c-x-48", "lm75-i2c-1-78", "lm75-i2c-1-02",
		"lm75-i2c-1-48x", "lm75-i2c-1-", "-i2c-1-48", "lm75-i2c--1-48", "lm75",
		"abcdefghijklmnopqrst-i2c-1-48", "lm75-i2c-1-48-1", "lm 75-i2c-1-48", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (i2c_plan_chip_parse(bad[i], name, sizeof(name), &bus, &addr) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_chips_are_planned_in_profile_order),
		cmocka_unit_test(test_patterns_name_no_address),
		cmocka_unit_test(test_switched_off),
		cmocka_unit_test(test_fan_off_and_file_inputs_plan_nothing),
		cmocka_unit_test(test_own_driver_address_is_left_to_h2boxd),
		cmocka_unit_test(test_one_device_per_address),
		cmocka_unit_test(test_chip_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
