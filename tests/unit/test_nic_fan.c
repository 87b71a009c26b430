/* test_nic_fan.c - the NIC fan driver's pwmN read-back: quantising chips, failed and bogus reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/nic_fan.h"
#include "hw/hw.h"
#include "hw/hwmon.h"
#include "hw/sim/plant.h"
/*
 * Only hw/ includes this in the program.  The test needs it for one thing
 * the plant cannot do: a pwm1 whose writes work while its reads fail (or
 * read nonsense), so the read-back's failure path is exercised on its own.
 * The wrapper below forwards everything else to the sim backend.
 */
#include "hw/hw-private.h"
#include "tests/unit/sim-box.h"

#define EMC "emc2305-i2c-1-2e"

static struct hw_hwmon_ops flaky_ops;
static int pwm_read_err;   /* != 0: reads of pwm1 answer this */
static long pwm_read_bogus; /* != 0: reads of pwm1 answer this value */

static int enable_reads; /* reads of pwm1_enable */

static int flaky_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value)
{
	if (strcmp(attr, "pwm1_enable") == 0)
		enable_reads++;
	if (strcmp(attr, "pwm1") == 0 && pwm_read_err)
		return pwm_read_err;
	if (strcmp(attr, "pwm1") == 0 && pwm_read_bogus) {
		*value = pwm_read_bogus;
		return 0;
	}
	return hw_hwmon_sim_ops.attr_read(chip, attr, value);
}

static int setup(void **state)
{
	static struct sim_box f;

	if (sim_box_open(&f, SIM_BOX_OFF) < 0)
		return -1;
	flaky_ops = hw_hwmon_sim_ops;
	flaky_ops.attr_read = flaky_attr_read;
	f.hw->hwmon = &flaky_ops;
	pwm_read_err = 0;
	pwm_read_bogus = 0;
	enable_reads = 0;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	sim_box_close(*state);
	return 0;
}

/* What the plant's chip holds, as the fan sees it (percent). */
static double plant_duty(struct sim_box *f)
{
	struct sim_plant_truth t;

	sim_plant_truth_get(f->plant, &t);
	return t.fan_duty_pct;
}

static void chip_pwm_set(struct sim_box *f, long pwm)
{
	assert_int_equal(sim_plant_hwmon_attr_write(f->plant, EMC, "pwm1_enable", 1), 0);
	assert_int_equal(sim_plant_hwmon_attr_write(f->plant, EMC, "pwm1", pwm), 0);
}

/* A cycle's read of the chip (tach, pwm1, pwm1_enable in one trip): what the chip holds now. */
static void cycle_read(struct nic_fan *fan)
{
	double rpm;

	(void)nic_fan_rpm_read(fan, &rpm);
}

/*
 * The sim emc2305 keeps one of 10 steps like Linux 6.1's driver; the driver reports what it
 * holds, read with the next cycle's tach: until then the held duty is the last period's.
 */
static void test_readback_quantised(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan;

	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	/* open leaves full duty and has read it back: a step, so nothing differs */
	assert_float_equal(nic_fan_duty_held(fan), 100.0, 1e-9);
	assert_false(nic_fan_duty_differs(fan));

	/* 47 % = pwm 120 -> state 5 -> 128: the fan runs at 50.2 %, not 47 % */
	assert_int_equal(nic_fan_duty_set(fan, 47.0), 0);
	/* the write is posted, not read back: the duty held through the last period stays */
	assert_float_equal(nic_fan_duty_held(fan), 100.0, 1e-9);
	assert_false(nic_fan_duty_differs(fan));
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 128 * 100.0 / 255, 1e-9);
	assert_true(nic_fan_duty_differs(fan));
	assert_float_equal(plant_duty(f), nic_fan_duty_held(fan), 1e-9);

	/* 40 % = pwm 102 is a step: the chip holds what was written */
	assert_int_equal(nic_fan_duty_set(fan, 40.0), 0);
	/* judged against the write it followed (120), not the one just posted */
	assert_true(nic_fan_duty_differs(fan));
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 40.0, 1e-9);
	assert_false(nic_fan_duty_differs(fan));

	/* 64 % = pwm 163 -> state 6 -> 153 (the kernel rig's documented example) */
	assert_int_equal(nic_fan_duty_set(fan, 64.0), 0);
	assert_false(nic_fan_duty_differs(fan));
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 60.0, 1e-9);
	assert_true(nic_fan_duty_differs(fan));

	/* 4 % = pwm 10 rounds down to state 0: the chip stops the fan, and says so */
	assert_int_equal(nic_fan_duty_set(fan, 4.0), 0);
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 0.0, 0);
	assert_true(nic_fan_duty_differs(fan));
	assert_float_equal(plant_duty(f), 0.0, 0);

	assert_int_equal(nic_fan_duty_set(fan, 100.0), 0);
	assert_float_equal(nic_fan_duty_held(fan), 0.0, 0);
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 100.0, 1e-9);
	assert_false(nic_fan_duty_differs(fan));
	nic_fan_close(fan, NIC_FAN_EXIT_KEEP);
}

/*
 * A cycle (tach, then duty) reads pwm1_enable once, with the tach (one trip to the chip's
 * worker on linux); a duty set without a tach read before it reads the mode itself, so a mode
 * reset behind our back is still re-asserted.
 */
static void test_cycle_reads_enable_with_the_tach(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan;
	double rpm;

	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	for (int i = 0; i < 3; i++) {
		enable_reads = 0;
		(void)nic_fan_rpm_read(fan, &rpm);
		assert_int_equal(enable_reads, 1); /* read with the tach */
		assert_int_equal(nic_fan_duty_set(fan, 40.0), 0);
		assert_int_equal(enable_reads, 1); /* not again */
	}
	/* no tach read since the last duty: the mode is read again, and re-asserted */
	assert_int_equal(sim_plant_hwmon_attr_write(f->plant, EMC, "pwm1_enable", 2), 0);
	enable_reads = 0;
	assert_int_equal(nic_fan_duty_set(fan, 40.0), 1);
	assert_int_equal(enable_reads, 1);
	nic_fan_close(fan, NIC_FAN_EXIT_KEEP);
}

/* A failed read-back (at the cycle's read) is a chip failure like a failed write: -errno, full duty, no number. */
static void test_readback_fails(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan;

	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	assert_int_equal(nic_fan_duty_set(fan, 30.0), 0);
	assert_float_equal(plant_duty(f), 30.2, 0.1);

	/* the cycle's read fails on pwm1: no number, and the duty set after it fails */
	pwm_read_err = -EIO;
	cycle_read(fan);
	assert_true(isnan(nic_fan_duty_held(fan)));
	assert_false(nic_fan_duty_differs(fan));
	assert_int_equal(nic_fan_duty_set(fan, 30.0), -EIO);
	assert_float_equal(plant_duty(f), 100.0, 1e-9); /* the failure path went to full duty */
	assert_true(isnan(nic_fan_duty_held(fan)));

	/* the next good read, write and read report a number again */
	pwm_read_err = 0;
	cycle_read(fan);
	assert_int_equal(nic_fan_duty_set(fan, 30.0), 0);
	cycle_read(fan);
	assert_float_equal(nic_fan_duty_held(fan), 77 * 100.0 / 255, 1e-9);
	nic_fan_close(fan, NIC_FAN_EXIT_KEEP);
}

/* A value no pwmN can hold is no reading either. */
static void test_readback_bogus(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan;

	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	pwm_read_bogus = 300;
	cycle_read(fan);
	assert_true(isnan(nic_fan_duty_held(fan)));
	assert_int_equal(nic_fan_duty_set(fan, 50.0), -ERANGE);
	assert_float_equal(plant_duty(f), 100.0, 1e-9);
	pwm_read_bogus = -1;
	cycle_read(fan);
	assert_true(isnan(nic_fan_duty_held(fan)));
	assert_int_equal(nic_fan_duty_set(fan, 50.0), -ERANGE);
	nic_fan_close(fan, NIC_FAN_EXIT_KEEP);
}

/* A chip whose pwm1 cannot be read back is not opened, and is left at full duty. */
static void test_open_readback_fails(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan = NULL;

	chip_pwm_set(f, 51);
	assert_float_equal(plant_duty(f), 20.0, 1e-9);
	pwm_read_err = -EIO;
	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), -EIO);
	assert_null(fan);
	assert_float_equal(plant_duty(f), 100.0, 1e-9);
	pwm_read_err = 0;
	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	nic_fan_close(fan, NIC_FAN_EXIT_FULL);
}

/* restore puts back the duty found at open, which is a step of the chip: nothing to round. */
static void test_restore_unchanged(void **state)
{
	struct sim_box *f = *state;
	struct nic_fan *fan;

	chip_pwm_set(f, 77);
	assert_int_equal(nic_fan_open(f->hw, "emc2305-*", 1, &fan), 0);
	assert_int_equal(nic_fan_duty_set(fan, 47.0), 0);
	nic_fan_close(fan, NIC_FAN_EXIT_RESTORE);
	assert_float_equal(plant_duty(f), 77 * 100.0 / 255, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readback_quantised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readback_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle_reads_enable_with_the_tach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readback_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_readback_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_unchanged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
