/* test_ina2xx.c - INA219/INA226/INA260 register math, and the driver against each sim chip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "drivers/ina2xx.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "tests/unit/sim-box.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define MS(x) ((int64_t)(x)*1000000LL)

static void test_byte_order(void **state)
{
	(void)state;
	/* SMBus delivers the first (MSB) byte in the low byte: 0x12 0x34 arrives as 0x3412 */
	assert_int_equal(ina2xx_swap16(0x3412), 0x1234);
	assert_int_equal(ina2xx_swap16(ina2xx_swap16(0xBEEF)), 0xBEEF);
}

static void test_current_lsb_rounding(void **state)
{
	(void)state;
	assert_float_equal(ina2xx_current_lsb_for(8.0), 250e-6, 1e-12);    /* 244 uA -> 250 uA */
	assert_float_equal(ina2xx_current_lsb_for(10.0), 500e-6, 1e-12);   /* 305 uA -> 500 uA */
	assert_float_equal(ina2xx_current_lsb_for(3.2), 100e-6, 1e-12);    /* 97.7 uA -> 100 uA */
	assert_float_equal(ina2xx_current_lsb_for(3.2768), 100e-6, 1e-12); /* exact stays */
	assert_float_equal(ina2xx_current_lsb_for(0.4), 20e-6, 1e-13);
	assert_true(isnan(ina2xx_current_lsb_for(0)));
	assert_true(isnan(ina2xx_current_lsb_for(-1)));
}

static void test_calibration(void **state)
{
	uint16_t cal;

	(void)state;
	/* INA226: 2 mOhm, 250 uA -> 0.00512 / 5e-7 = 10240 */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA226, 250e-6, 0.002, &cal), 0);
	assert_int_equal(cal, 10240);
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA226, 500e-6, 0.002, &cal), 0);
	assert_int_equal(cal, 5120);
	/* INA219 datasheet example: 0.1 ohm, 100 uA -> 4096 */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA219, 100e-6, 0.1, &cal), 0);
	assert_int_equal(cal, 4096);
	/* truncation, and INA219's unused bit 0 */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA219, 30e-6, 0.1, &cal), 0);
	assert_int_equal(cal, 13652); /* floor(13653.3) = 13653 -> bit 0 cleared */
	/* does not fit the 15-bit INA226 register */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA226, 1e-6, 0.0001, &cal), -EINVAL);
	/* far too large a shunt: rounds to 0 */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA226, 1.0, 100.0, &cal), -EINVAL);
	/* INA260 has an internal shunt: nothing to calibrate */
	assert_int_equal(ina2xx_calibration_for(INA2XX_INA260, 0, 0, &cal), 0);
	assert_int_equal(cal, 0);
}

static void test_config_word(void **state)
{
	(void)state;
	/* the documented reset values come out for the reset settings */
	assert_int_equal(ina2xx_config_word(INA2XX_INA226, 1, 1100), INA226_CONFIG_RESET);
	assert_int_equal(ina2xx_config_word(INA2XX_INA260, 1, 1100), INA260_CONFIG_RESET);
	assert_int_equal(ina2xx_config_word(INA2XX_INA219, 1, 0), INA219_CONFIG_RESET);
	/* 16 averages, 1.1 ms */
	assert_int_equal(ina2xx_config_word(INA2XX_INA226, 16, 1100), 0x4527);
	/* rounded up to the next table entry: 10 -> 16 averages, 1000 us -> 1.1 ms */
	assert_int_equal(ina2xx_config_word(INA2XX_INA226, 10, 1000), 0x4527);
	/* INA219: 128 samples in both ADCs */
	assert_int_equal(ina2xx_config_word(INA2XX_INA219, 128, 0), 0x3FFF);
	assert_int_equal(ina2xx_config_word(INA2XX_INA219, 8, 0), 0x3DDF);
}

static void test_decode(void **state)
{
	(void)state;
	/* bus voltage: 1.25 mV LSB on INA226/260, 4 mV in bits 15..3 on INA219 */
	assert_float_equal(ina2xx_decode_bus_volts(INA2XX_INA226, 9600), 12.0, 1e-9);
	assert_float_equal(ina2xx_decode_bus_volts(INA2XX_INA260, 9600), 12.0, 1e-9);
	assert_float_equal(ina2xx_decode_bus_volts(INA2XX_INA219, (3000 << 3) | INA219_BUS_CNVR),
			   12.0, 1e-9);
	/* signed current */
	assert_float_equal(ina2xx_decode_current(INA2XX_INA226, 0xFF38, 250e-6), -0.05, 1e-12);
	assert_float_equal(ina2xx_decode_current(INA2XX_INA226, 8000, 250e-6), 2.0, 1e-12);
	assert_float_equal(ina2xx_decode_current(INA2XX_INA260, 0xFC18, 0), -1.25, 1e-12);
	assert_float_equal(ina2xx_decode_current(INA2XX_INA219, 0x8000, 100e-6), -3.2768, 1e-12);
	/* power LSBs: 25x, 20x current LSB; 10 mW fixed */
	assert_float_equal(ina2xx_decode_power(INA2XX_INA226, 1000, 250e-6), 6.25, 1e-12);
	assert_float_equal(ina2xx_decode_power(INA2XX_INA219, 1000, 100e-6), 2.0, 1e-12);
	assert_float_equal(ina2xx_decode_power(INA2XX_INA260, 1000, 0), 10.0, 1e-12);
	/* shunt: 2.5 uV and 10 uV */
	assert_float_equal(ina2xx_decode_shunt_volts(INA2XX_INA226, 0xFFFF), -2.5e-6, 1e-15);
	assert_float_equal(ina2xx_decode_shunt_volts(INA2XX_INA219, 100), 1e-3, 1e-15);
}

static void test_plausibility(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ina2xx_check_raw(INA2XX_INA226, 0xFFFF, 0xFFFF, 0xFFFF, &why), -EIO);
	assert_non_null(strstr(why, "0xFFFF"));
	assert_int_equal(ina2xx_check_raw(INA2XX_INA226, 0x8001, 100, 100, &why), -EIO);
	assert_non_null(strstr(why, "negative"));
	assert_int_equal(ina2xx_check_raw(INA2XX_INA260, 0xF000, 100, 100, &why), -EIO);
	assert_int_equal(ina2xx_check_raw(INA2XX_INA219, 0x5DC0 | INA219_BUS_OVF, 1, 1, &why),
			 -EIO);
	assert_int_equal(ina2xx_check_raw(INA2XX_INA226, 9600, 8000, 1920, &why), 0);

	assert_int_equal(ina2xx_check_values(12.0, 2.0, 24.0, 8, &why), 0);
	assert_int_equal(ina2xx_check_values(12.0, -2.0, 24.0, 8, &why), 0); /* reverse current */
	assert_int_equal(ina2xx_check_values(-0.5, 2.0, 1.0, 8, &why), -EIO);
	assert_int_equal(ina2xx_check_values(40.96, 0, 0, 8, &why), -EIO);
	assert_int_equal(ina2xx_check_values(12.0, 2.0, 80.0, 8, &why), -EIO);
	assert_non_null(strstr(why, "disagrees"));
	assert_int_equal(ina2xx_check_values(NAN, 2.0, 24.0, 8, &why), -EIO);
	assert_int_equal(ina2xx_check_values(12.0, 30.0, 360.0, 8, &why), -EIO);
}

/* ---- the INA226 driver against the simulated chip ---- */

static int setup(void **state)
{
	static struct sim_box f;

	if (sim_box_open(&f, SIM_BOX_BOOTED) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	sim_box_close(*state);
	return 0;
}

static void test_sim_ina226_reads_truth(void **state)
{
	struct sim_box *f = *state;
	struct ina2xx_config cfg;
	struct ina2xx_reading rd;
	struct sim_plant_truth t;
	struct ina2xx *d;
	char err[200] = "";
	int64_t now = sim_plant_now(f->plant);

	ina2xx_config_defaults(&cfg);
	assert_int_equal(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)), 0);
	assert_int_equal(ina2xx_chip_get(d), INA2XX_INA226);
	assert_non_null(strstr(ina2xx_describe(d), "0x2260"));
	assert_int_equal(ina2xx_calibration(d), 10240);
	/* no conversion has finished at the instant of configuration */
	assert_int_equal(ina2xx_read(d, &rd), -EAGAIN);
	assert_true(isnan(rd.watts));
	sim_plant_advance_to(f->plant, now + MS(200));
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_true(rd.fresh);
	sim_plant_truth_get(f->plant, &t);
	assert_true(t.monitored_w > 5.0);
	assert_float_equal(rd.watts, t.monitored_w, t.monitored_w * 0.02);
	assert_float_equal(rd.volts, t.monitored_v, 0.05);
	assert_float_equal(rd.amps, t.monitored_w / t.monitored_v, 0.05);
	/* read again at once: the registers hold the last conversion, flagged stale */
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_false(rd.fresh);

	/* implausible chip output never becomes a number */
	sim_plant_fault_set(f->plant, "ina-garbage", true);
	sim_plant_advance_to(f->plant, now + MS(400));
	assert_int_equal(ina2xx_read(d, &rd), -EIO);
	assert_true(isnan(rd.watts) && isnan(rd.volts) && isnan(rd.amps));
	assert_non_null(strstr(ina2xx_last_error(d), "0xFFFF"));
	sim_plant_fault_set(f->plant, "ina-garbage", false);

	sim_plant_fault_set(f->plant, "i2c-error", true);
	sim_plant_advance_to(f->plant, now + MS(600));
	assert_true(ina2xx_read(d, &rd) < 0);
	assert_true(isnan(rd.watts));
	sim_plant_fault_set(f->plant, "i2c-error", false);
	sim_plant_advance_to(f->plant, now + MS(800));
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_true(isfinite(rd.watts));
	ina2xx_close(d);
}

static void test_sim_wrong_chip_rejected(void **state)
{
	struct sim_box *f = *state;
	struct ina2xx_config cfg;
	struct ina2xx *d = NULL;
	char err[200] = "";

	ina2xx_config_defaults(&cfg);
	cfg.chip = INA2XX_INA260;
	assert_int_equal(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)), -ENODEV);
	assert_null(d);
	assert_non_null(strstr(err, "expected INA260"));
	assert_non_null(strstr(err, "INA226"));

	cfg.chip = INA2XX_INA219;
	assert_int_equal(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)), -ENODEV);

	/* nobody at 0x41 */
	ina2xx_config_defaults(&cfg);
	cfg.addr = 0x41;
	assert_true(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "0x41"));

	/* a shunt the calibration register cannot express */
	ina2xx_config_defaults(&cfg);
	cfg.shunt_ohm = 0.00001;
	cfg.max_current_a = 0.01;
	assert_int_equal(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "calibration"));
}

/* ---- the INA219 and INA260 the plant carries when the profile names them ---- */

/* The booted SFX box with `chip` at 1/0x40 (sim_box_open's, with another monitor). */
static void chip_box_open(struct sim_box *b, enum sim_monitor_chip chip)
{
	struct sim_plant_config cfg;

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	cfg.monitor_chip = chip;
	cfg.host_starts_on_power = true;
	assert_int_equal(sim_plant_new(&cfg, &b->plant), 0);
	assert_int_equal(hw_sim_new(b->plant, &b->hw), 0);
	sim_plant_line_set(b->plant, SIM_LINE_PSU_ON_N, 0);
	sim_plant_advance_to(b->plant, sim_plant_now(b->plant) + 60000000000LL);
}

/* The reading against the plant's exact power, at a known extra load. */
static void expect_truth(struct sim_box *b, struct ina2xx *d, double load_w, double tol)
{
	struct ina2xx_reading rd;
	struct sim_plant_truth t;

	assert_int_equal(sim_plant_load_set(b->plant, load_w), 0);
	sim_plant_advance_to(b->plant, sim_plant_now(b->plant) + MS(200));
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_true(rd.fresh);
	sim_plant_truth_get(b->plant, &t);
	assert_true(t.monitored_w > 5.0);
	assert_float_equal(rd.watts, t.monitored_w, t.monitored_w * tol);
	assert_float_equal(rd.volts, t.monitored_v, 0.02);
	assert_float_equal(rd.amps, t.monitored_w / t.monitored_v, 0.02);
	/* the same registers at once: the last conversion, flagged stale */
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_false(rd.fresh);
}

static void test_sim_ina219_reads_truth(void **state)
{
	struct sim_box b;
	struct ina2xx_config cfg;
	struct ina2xx_reading rd;
	struct ina2xx *d;
	char err[200] = "";

	(void)state;
	chip_box_open(&b, SIM_MONITOR_INA219);
	ina2xx_config_defaults(&cfg); /* auto: no ID registers, told by its reset value */
	cfg.max_current_a = 16.0;      /* 2 mOhm: 8 A would need a calibration above 0xFFFE */
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), 0);
	assert_int_equal(ina2xx_chip_get(d), INA2XX_INA219);
	assert_non_null(strstr(ina2xx_describe(d), "0x399F"));
	/* 16 A / 32768 -> 500 uA; 0.04096 / (500 uA x 2 mOhm) */
	assert_int_equal(ina2xx_calibration(d), 40960);
	/* CNVR is clear until the first conversion after configuration */
	assert_int_equal(ina2xx_read(d, &rd), -EAGAIN);
	expect_truth(&b, d, 0.0, 0.01);
	expect_truth(&b, d, 25.0, 0.01);
	/* 300 W more: the current register overflows, the chip says so with OVF */
	assert_int_equal(sim_plant_load_set(b.plant, 300.0), 0);
	sim_plant_advance_to(b.plant, sim_plant_now(b.plant) + MS(200));
	assert_int_equal(ina2xx_read(d, &rd), -EIO);
	assert_true(isnan(rd.watts));
	assert_non_null(strstr(ina2xx_last_error(d), "overflow"));
	ina2xx_close(d);

	/* an explicit ina219 finds it too; an INA226 or INA260 is refused */
	cfg.chip = INA2XX_INA219;
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), 0);
	ina2xx_close(d);
	/* the sim INA219 fails a read of the ID register it does not have */
	cfg.chip = INA2XX_INA226;
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "expected INA226"));
	sim_box_close(&b);
}

static void test_sim_ina260_reads_truth(void **state)
{
	struct sim_box b;
	struct ina2xx_config cfg;
	struct ina2xx_reading rd;
	struct ina2xx *d;
	char err[200] = "";

	(void)state;
	chip_box_open(&b, SIM_MONITOR_INA260);
	ina2xx_config_defaults(&cfg);
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), 0);
	assert_int_equal(ina2xx_chip_get(d), INA2XX_INA260);
	assert_non_null(strstr(ina2xx_describe(d), "die 0x2270"));
	assert_float_equal(ina2xx_current_lsb(d), 1.25e-3, 1e-12);
	assert_int_equal(ina2xx_read(d, &rd), -EAGAIN);
	/* 1.25 mA, 1.25 mV and 10 mW steps: well inside 0.5 % at tens of watts */
	expect_truth(&b, d, 0.0, 0.005);
	expect_truth(&b, d, 25.0, 0.005);
	ina2xx_close(d);

	cfg.chip = INA2XX_INA226;
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "INA260"));
	cfg.chip = INA2XX_INA219;
	assert_int_equal(ina2xx_open(b.hw, &cfg, &d, err, sizeof(err)), -ENODEV);
	sim_box_close(&b);
}

/* Check one failed sample: an error, every field NAN, the reason named; the next read is good. */
static void expect_failed_sample(struct sim_box *f, struct ina2xx *d, int64_t *t)
{
	struct ina2xx_reading rd;

	*t += MS(200);
	sim_plant_advance_to(f->plant, *t);
	assert_int_equal(ina2xx_read(d, &rd), -EIO);
	assert_true(isnan(rd.watts) && isnan(rd.volts) && isnan(rd.amps));
	assert_false(rd.fresh);
	assert_non_null(strstr(ina2xx_last_error(d), "I2C read failed"));
}

/* An I2C error part way through a sample (after the bus register) invalidates the whole sample. */
static void test_sim_partial_read_fails_sample(void **state)
{
	static const char *const faults[] = { "i2c-ina-bus", "i2c-ina-current", "i2c-ina-power" };
	struct sim_box *f = *state;
	struct ina2xx_config cfg;
	struct ina2xx_reading rd;
	struct ina2xx *d;
	char err[200] = "";
	int64_t t = sim_plant_now(f->plant);

	ina2xx_config_defaults(&cfg);
	assert_int_equal(ina2xx_open(f->hw, &cfg, &d, err, sizeof(err)), 0);
	t += MS(200);
	sim_plant_advance_to(f->plant, t);
	assert_int_equal(ina2xx_read(d, &rd), 0);
	assert_true(rd.watts > 5.0);
	/* one named register fails, the others answer */
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		assert_int_equal(sim_plant_fault_set(f->plant, faults[i], true), 0);
		expect_failed_sample(f, d, &t);
		assert_int_equal(sim_plant_fault_set(f->plant, faults[i], false), 0);
		t += MS(200);
		sim_plant_advance_to(f->plant, t);
		assert_int_equal(ina2xx_read(d, &rd), 0);
		assert_true(rd.watts > 5.0);
	}
	/* the n-th transfer of a sample fails: mask, bus, current, power (INA226 order) */
	for (int n = 1; n <= 4; n++) {
		sim_plant_i2c_fail_nth(f->plant, n);
		expect_failed_sample(f, d, &t);
		t += MS(200);
		sim_plant_advance_to(f->plant, t);
		assert_int_equal(ina2xx_read(d, &rd), 0); /* once only */
		assert_true(rd.watts > 5.0 && rd.fresh);
	}
	/* a fifth transfer is past the sample: it does not spoil this one */
	sim_plant_i2c_fail_nth(f->plant, 5);
	t += MS(200);
	sim_plant_advance_to(f->plant, t);
	assert_int_equal(ina2xx_read(d, &rd), 0);
	sim_plant_i2c_fail_nth(f->plant, 0);
	ina2xx_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_order),
		cmocka_unit_test(test_current_lsb_rounding),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_config_word),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_plausibility),
		cmocka_unit_test_setup_teardown(test_sim_ina226_reads_truth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sim_wrong_chip_rejected, setup, teardown),
		cmocka_unit_test(test_sim_ina219_reads_truth),
		cmocka_unit_test(test_sim_ina260_reads_truth),
		cmocka_unit_test_setup_teardown(test_sim_partial_read_fails_sample, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
