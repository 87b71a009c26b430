/* test_sim_ina_model.c - the INA2xx register models alone: time and readings in, registers out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/clock.h"
#include "hw/sim/ina-model.h"

#include <errno.h>

#define MS(x) ((int64_t)(x) * HW_NSEC_PER_MSEC)

/* The INA226 at its defaults (0x4127: 1.1 ms per channel, no averaging, continuous). */
static void test_ina226_converts_latches_and_flags(void **state)
{
	struct ina_model m;
	uint16_t v;
	int64_t c;

	(void)state;
	ina_model_reset(&m, INA_MODEL_INA226, MS(100));
	assert_int_equal(ina_model_reg_read(&m, MS(100), 0xff, &v), 0);
	assert_int_equal(v, 0x2260);
	assert_int_equal(ina_model_reg_read(&m, MS(100), 0x00, &v), 0);
	assert_int_equal(v, 0x4127);
	/* nothing converted at the instant of reset, one conversion 2.2 ms later */
	assert_false(ina_model_conversion(&m, MS(99), MS(100), &c));
	assert_true(ina_model_conversion(&m, MS(100), MS(103), &c));
	assert_int_equal(c, MS(100) + 2200000);
	/* 2.5 A through 2 mOhm and 12 V on the bus, calibration 10240 (0.25 mA/bit) */
	assert_int_equal(ina_model_reg_write(&m, MS(103), 0x05, 10240), 0);
	ina_model_latch(&m, 2.5, 12.0);
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x01, &v), 0);
	assert_int_equal(v, 2000); /* 5 mV / 2.5 uV */
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x02, &v), 0);
	assert_int_equal(v, 9600); /* 12 V / 1.25 mV */
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x04, &v), 0);
	assert_int_equal(v, 10000); /* 2.5 A / 0.25 mA */
	/* CVRF once per conversion: set, then cleared by the read */
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x06, &v), 0);
	assert_true(v & 0x0008);
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x06, &v), 0);
	assert_false(v & 0x0008);
	assert_int_equal(ina_model_reg_read(&m, MS(103), 0x10, &v), -EIO);
	/* a reset through the config register restores the power-on map */
	assert_int_equal(ina_model_reg_write(&m, MS(104), 0x00, 0x8000), 0);
	assert_int_equal(ina_model_reg_read(&m, MS(104), 0x05, &v), 0);
	assert_int_equal(v, 0);
}

/* The INA219 and INA260 answer with their own maps. */
static void test_ina219_and_ina260_maps(void **state)
{
	struct ina_model m;
	uint16_t v;

	(void)state;
	ina_model_reset(&m, INA_MODEL_INA219, 0);
	assert_int_equal(ina_model_reg_read(&m, 0, 0x00, &v), 0);
	assert_int_equal(v, 0x399f);
	assert_int_equal(ina_model_reg_read(&m, 0, 0xff, &v), -EIO); /* no ID registers */
	ina_model_reset(&m, INA_MODEL_INA260, 0);
	assert_int_equal(ina_model_reg_read(&m, 0, 0x00, &v), 0);
	assert_int_equal(v, 0x6127);
	assert_int_equal(ina_model_reg_read(&m, 0, 0xff, &v), 0);
	assert_int_equal(v, 0x2270);
	assert_int_equal(ina_model_reg_read(&m, 0, 0x05, &v), -EIO); /* no calibration */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ina226_converts_latches_and_flags),
		cmocka_unit_test(test_ina219_and_ina260_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
