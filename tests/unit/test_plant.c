/* test_plant.c - the simulated box against the article's figures; timing, faults, devices. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/sim/plant.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#define MS(x) ((int64_t)(x) * 1000000LL)
#define SEC(x) ((int64_t)(x) * 1000000000LL)

#define assert_near_pct(actual, expected, pct)                                                  \
	do {                                                                                    \
		double a_ = (actual), e_ = (expected);                                          \
		if (!(fabs(a_ - e_) <= fabs(e_) * (pct) / 100.0))                               \
			fail_msg("%s = %.4f, expected %.4f +- %g%%", #actual, a_, e_,         \
				 (double)(pct));                                                \
	} while (0)

#define assert_near(actual, expected, tol)                                                      \
	do {                                                                                    \
		double a_ = (actual), e_ = (expected);                                          \
		if (!(fabs(a_ - e_) <= (tol)))                                                  \
			fail_msg("%s = %.6f, expected %.6f +- %g", #actual, a_, e_,           \
				 (double)(tol));                                                \
	} while (0)

static struct sim_plant *plant_make_cfg(const struct sim_plant_config *cfg)
{
	struct sim_plant *p = NULL;

	assert_int_equal(sim_plant_new(cfg, &p), 0);
	return p;
}

static struct sim_plant *plant_make(enum sim_build build)
{
	struct sim_plant_config cfg;

	sim_plant_config_defaults(&cfg, build);
	cfg.speed = 0;
	return plant_make_cfg(&cfg);
}

static void at(struct sim_plant *p, int64_t t)
{
	assert_int_equal(sim_plant_advance_to(p, t), 0);
	assert_int_equal(sim_plant_now(p), t);
}

static void psu_set(struct sim_plant *p, bool on)
{
	assert_int_equal(sim_plant_line_set(p, SIM_LINE_PSU_ON_N, on ? 0 : 1), 0);
}

/* Press the H2's power-button header for hold_ns, like the daemon does. */
static void host_press(struct sim_plant *p, int64_t hold_ns)
{
	int64_t t = sim_plant_now(p);

	assert_int_equal(sim_plant_line_set(p, SIM_LINE_H2_PWR_BTN, 1), 0);
	at(p, t + hold_ns);
	assert_int_equal(sim_plant_line_set(p, SIM_LINE_H2_PWR_BTN, 0), 0);
}

static uint16_t swab(uint16_t v)
{
	return (uint16_t)(v >> 8 | v << 8);
}

static uint16_t ina_read(struct sim_plant *p, uint8_t reg)
{
	uint16_t v = 0;

	assert_int_equal(sim_plant_i2c_read_word(p, 1, 0x40, reg, &v), 0);
	return swab(v);
}

static void ina_write(struct sim_plant *p, uint8_t reg, uint16_t v)
{
	assert_int_equal(sim_plant_i2c_write_word(p, 1, 0x40, reg, swab(v)), 0);
}

/* Current LSB 1 mA with the 2 mOhm shunt: CAL = 0.00512 / (1e-3 * 0.002) = 2560. */
#define TEST_CAL 2560
#define TEST_POWER_LSB 0.025

static double ina_watts(struct sim_plant *p)
{
	return ina_read(p, 0x03) * TEST_POWER_LSB;
}

static double truth_w(struct sim_plant *p)
{
	struct sim_plant_truth t;

	sim_plant_truth_get(p, &t);
	return t.monitored_w;
}

static struct sim_plant_truth truth(struct sim_plant *p)
{
	struct sim_plant_truth t;

	sim_plant_truth_get(p, &t);
	return t;
}

static void fan_set(struct sim_plant *p, long pwm)
{
	assert_int_equal(sim_plant_hwmon_attr_write(p, "emc2305-i2c-1-2e", "pwm1_enable", 1), 0);
	assert_int_equal(sim_plant_hwmon_attr_write(p, "emc2305-i2c-1-2e", "pwm1", pwm), 0);
}

/* Both figures, the exact one and the one the INA226 registers give, within pct of expected. */
static void check_watts(struct sim_plant *p, double expected, double pct)
{
	assert_near_pct(truth_w(p), expected, pct);
	assert_near_pct(ina_watts(p), expected, pct);
}

/* PSU on at 1 s, host pulse at 2 s (boot starts 2.05 s), link up at 42.05 s. */
static void bring_up(struct sim_plant *p)
{
	at(p, SEC(1));
	psu_set(p, true);
	at(p, SEC(2));
	host_press(p, MS(200));
	at(p, SEC(45));
	assert_true(truth(p).link_up);
}

static void test_calibration_brick(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);

	(void)state;
	ina_write(p, 0x05, TEST_CAL);
	fan_set(p, 0);
	at(p, MS(500));
	check_watts(p, 0.0, 0);
	assert_near(truth(p).monitored_v, 15.0, 1e-9);
	assert_near(ina_read(p, 0x02) * 1.25e-3, 15.0, 0.002);

	at(p, SEC(1));
	psu_set(p, true);
	at(p, SEC(2));
	check_watts(p, 0.0, 0); /* the NIC is on the unmonitored SFX */
	host_press(p, MS(200));
	at(p, SEC(3));
	assert_true(truth(p).host_booting);
	check_watts(p, 53.0, 1);
	assert_near_pct(truth(p).monitored_v, 14.96, 0.1); /* -0.1 V per 10 A */
	at(p, SEC(6));
	check_watts(p, 40.0, 1);
	assert_true(truth_w(p) >= 35 && truth_w(p) <= 45);
	at(p, SEC(35));
	assert_false(truth(p).host_booting);
	assert_false(truth(p).link_up);
	check_watts(p, 34.5, 1);
	at(p, SEC(45));
	assert_true(truth(p).link_up);
	check_watts(p, 38.5, 1);

	assert_int_equal(sim_plant_workload_set(p, "iperf3-tx"), 0);
	at(p, SEC(50));
	check_watts(p, 49.5, 1);
	/* the chip's arithmetic: current x bus / 20000 */
	assert_near_pct((int16_t)ina_read(p, 0x04) * 1e-3 * ina_read(p, 0x02) * 1.25e-3, 49.5, 1);
	assert_near_pct((int16_t)ina_read(p, 0x01) * 2.5e-6 / 0.002 * 15.0, 49.5, 1);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-rx"), 0);
	at(p, SEC(55));
	check_watts(p, 49.5, 1);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-both"), 0);
	at(p, SEC(60));
	check_watts(p, 52.0, 2);
	assert_int_equal(sim_plant_workload_set(p, "nfs-copy"), 0);
	at(p, SEC(65));
	check_watts(p, 51.0, 2);

	/* extra load while the host is on */
	assert_int_equal(sim_plant_load_set(p, 7.5), 0);
	at(p, SEC(66));
	check_watts(p, 58.5, 1);
	sim_plant_free(p);
}

static void test_calibration_sfx(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);

	(void)state;
	ina_write(p, 0x05, TEST_CAL);
	fan_set(p, 0);
	at(p, MS(500));
	check_watts(p, 0.0, 0);
	assert_near(truth(p).monitored_v, 0.0, 1e-9); /* 5VSB is not the monitored rail */
	at(p, SEC(1));
	psu_set(p, true);
	at(p, SEC(2));
	assert_true(truth(p).psu_ok);
	assert_false(truth(p).host_on);
	check_watts(p, 10.5, 1); /* NIC + disks burn power for nothing */
	assert_near(truth(p).monitored_v, 12.0, 0.02);
	host_press(p, MS(200));
	at(p, SEC(3));
	check_watts(p, 38.0, 1);
	at(p, SEC(6));
	check_watts(p, 30.0, 2);
	at(p, SEC(45));
	check_watts(p, 24.0, 1);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-tx"), 0);
	at(p, SEC(50));
	check_watts(p, 32.0, 1);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-rx"), 0);
	at(p, SEC(55));
	check_watts(p, 32.0, 1);
	assert_int_equal(sim_plant_workload_set(p, "nfs-copy"), 0);
	at(p, SEC(60));
	check_watts(p, 35.0, 1);

	/* the fan sits on the same rail in this build; it adds at most 0.6 W */
	fan_set(p, 255);
	at(p, SEC(70));
	assert_near(truth(p).fan_rpm, 5000, 1);
	assert_near(truth_w(p), 35.6, 0.01);
	sim_plant_free(p);
}

struct edge_log {
	int n;
	enum sim_line line[16];
	int level[16];
	int64_t ts[16];
};

static void edge_record(void *userdata, enum sim_line line, int level, int64_t ts)
{
	struct edge_log *log = userdata;

	if (log->n < 16) {
		log->line[log->n] = line;
		log->level[log->n] = level;
		log->ts[log->n] = ts;
		log->n++;
	}
}

static void test_psu_timing(void **state)
{
	struct sim_plant_config cfg;
	struct sim_plant *p;
	struct edge_log log = { 0 };

	(void)state;
	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	cfg.psu_ok_delay_ns = MS(250);
	p = plant_make_cfg(&cfg);
	sim_plant_edge_listener_set(p, edge_record, &log);
	assert_int_equal(sim_plant_next_event(p), INT64_MAX);
	at(p, SEC(1));
	psu_set(p, true);
	assert_int_equal(sim_plant_next_event(p), SEC(1) + MS(250));
	at(p, SEC(1) + MS(249));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	at(p, SEC(3));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 1);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.line[0], SIM_LINE_PSU_PWR_OK);
	assert_int_equal(log.level[0], 1);
	assert_int_equal(log.ts[0], SEC(1) + MS(250));
	/* release: PWR_OK drops at once */
	psu_set(p, false);
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.level[1], 0);
	assert_int_equal(log.ts[1], SEC(3));

	/* psu-ok-timeout: never rises */
	assert_int_equal(sim_plant_fault_set(p, "psu-ok-timeout", true), 0);
	assert_true(sim_plant_fault_get(p, "psu-ok-timeout"));
	psu_set(p, true);
	at(p, SEC(20));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	assert_false(truth(p).psu_ok);
	assert_int_equal(log.n, 2);
	assert_int_equal(sim_plant_fault_set(p, "psu-ok-timeout", false), 0);
	at(p, SEC(21));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 1);

	/* psu-ok-drop while on: drops now, latched until PS_ON is cycled */
	assert_int_equal(sim_plant_fault_set(p, "psu-ok-drop", true), 0);
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	assert_int_equal(log.ts[log.n - 1], SEC(21));
	assert_int_equal(sim_plant_fault_set(p, "psu-ok-drop", false), 0);
	at(p, SEC(25));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	psu_set(p, false);
	psu_set(p, true);
	at(p, SEC(26));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 1);
	/* set before the rise: up after the delay, down 2 s later */
	psu_set(p, false);
	assert_int_equal(sim_plant_fault_set(p, "psu-ok-drop", true), 0);
	psu_set(p, true);
	at(p, SEC(26) + MS(300));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 1);
	at(p, SEC(29));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0);
	assert_int_equal(log.ts[log.n - 1], SEC(28) + MS(250));

	assert_int_equal(sim_plant_fault_set(p, "no-such-fault", true), -EINVAL);
	assert_non_null(sim_plant_fault_describe("fan-stall"));
	sim_plant_free(p);
}

static void test_host_boot_shutdown(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	struct edge_log log = { 0 };

	(void)state;
	/* no supply: a pulse does nothing */
	host_press(p, MS(200));
	assert_false(truth(p).host_on);
	psu_set(p, true);
	at(p, SEC(1));
	sim_plant_edge_listener_set(p, edge_record, &log);
	/* a 30 ms blip is not a press */
	host_press(p, MS(30));
	at(p, SEC(2));
	assert_false(truth(p).host_on);
	host_press(p, MS(100));
	assert_int_equal(log.n, 1);
	assert_int_equal(log.line[0], SIM_LINE_H2_PWR_LED);
	assert_int_equal(log.ts[0], SEC(2) + MS(50));
	assert_true(truth(p).host_booting);
	assert_int_equal(sim_plant_next_event(p), SEC(2) + MS(50) + SEC(3)); /* burst ends */
	at(p, SEC(2) + MS(50) + SEC(30));
	assert_false(truth(p).host_booting);
	assert_true(truth(p).host_on);
	assert_int_equal(sim_plant_next_event(p), SEC(42) + MS(50)); /* link up */

	/* short press while on: ACPI shutdown, LED off after host_shutdown_ns */
	at(p, SEC(60));
	host_press(p, MS(200));
	assert_true(truth(p).host_stopping);
	assert_int_equal(sim_plant_next_event(p), SEC(60) + MS(200) + SEC(8));
	at(p, SEC(68));
	assert_true(truth(p).host_on);
	at(p, SEC(69));
	assert_false(truth(p).host_on);
	assert_int_equal(log.ts[log.n - 1], SEC(68) + MS(200));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_H2_PWR_LED), 0);

	/* OS poweroff */
	host_press(p, MS(100));
	at(p, SEC(100));
	assert_int_equal(sim_plant_host_poweroff(p), 0);
	at(p, SEC(108));
	assert_false(truth(p).host_on);
	assert_int_equal(sim_plant_host_poweroff(p), -EALREADY);

	/* 4 s hold forces off at once, also with a hung shutdown */
	host_press(p, MS(100));
	at(p, SEC(150));
	assert_int_equal(sim_plant_fault_set(p, "host-hang-shutdown", true), 0);
	host_press(p, MS(100));
	at(p, SEC(300));
	assert_true(truth(p).host_stopping);
	assert_int_equal(sim_plant_line_set(p, SIM_LINE_H2_PWR_BTN, 1), 0);
	at(p, SEC(304) - 1);
	assert_true(truth(p).host_on);
	at(p, SEC(304));
	assert_false(truth(p).host_on);
	assert_int_equal(log.ts[log.n - 1], SEC(304));
	at(p, SEC(305));
	assert_int_equal(sim_plant_line_set(p, SIM_LINE_H2_PWR_BTN, 0), 0);
	at(p, SEC(306));
	assert_false(truth(p).host_on); /* the release of a force-off starts nothing */

	/* host-no-boot: the LED never lights */
	assert_int_equal(sim_plant_fault_set(p, "host-no-boot", true), 0);
	host_press(p, MS(200));
	at(p, SEC(340));
	assert_false(truth(p).host_on);
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_H2_PWR_LED), 0);
	assert_int_equal(sim_plant_fault_set(p, "host-no-boot", false), 0);

	/* sfx: the PSU feeds the H2, losing it kills the host at once */
	host_press(p, MS(200));
	at(p, SEC(400));
	assert_true(truth(p).host_on);
	psu_set(p, false);
	assert_false(truth(p).host_on);
	assert_int_equal(log.ts[log.n - 1], SEC(400));
	sim_plant_free(p);
}

static void test_host_brick_and_autostart(void **state)
{
	struct sim_plant_config cfg;
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);

	(void)state;
	/* brick: the H2 boots without the PSU and survives it going off */
	host_press(p, MS(200));
	at(p, SEC(40));
	assert_true(truth(p).host_on);
	assert_false(truth(p).link_up);
	psu_set(p, true);
	at(p, SEC(40) + MS(300) + SEC(10) - 1);
	assert_false(truth(p).link_up);
	at(p, SEC(40) + MS(300) + SEC(10));
	assert_true(truth(p).link_up);
	psu_set(p, false);
	assert_true(truth(p).host_on);
	assert_false(truth(p).link_up);
	sim_plant_free(p);

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	cfg.host_starts_on_power = true;
	p = plant_make_cfg(&cfg);
	psu_set(p, true);
	at(p, SEC(1));
	assert_true(truth(p).host_booting);
	sim_plant_free(p);
}

static void test_fan(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	long rpm;

	(void)state;
	assert_near(truth(p).fan_duty_pct, 100, 1e-9); /* power-on default */
	fan_set(p, 40); /* 15.7 %: too little to start */
	at(p, SEC(10));
	assert_near(truth(p).fan_rpm, 0, 0); /* no PSU yet anyway */
	psu_set(p, true);
	at(p, SEC(20));
	assert_near(truth(p).fan_rpm, 0, 0);
	fan_set(p, 64); /* 25 %: spins up with ~1 s time constant */
	at(p, SEC(21));
	assert_near_pct(truth(p).fan_rpm, 1255 * (1 - exp(-1)), 3);
	at(p, SEC(30));
	assert_int_equal(sim_plant_hwmon_attr_read(p, "emc2305-i2c-1-2e", "fan1_input", &rpm), 0);
	assert_int_equal(rpm, 1255);
	fan_set(p, 38); /* 14.9 %: keeps turning once spinning */
	at(p, SEC(40));
	assert_near(truth(p).fan_rpm, 745, 1);
	fan_set(p, 25); /* 9.8 %: stops */
	at(p, SEC(50));
	assert_near(truth(p).fan_rpm, 0, 0);
	fan_set(p, 255);
	at(p, SEC(60));
	assert_near(truth(p).fan_rpm, 5000, 1);
	assert_int_equal(sim_plant_fault_set(p, "fan-stall", true), 0);
	assert_near(truth(p).fan_rpm, 0, 0);
	at(p, SEC(70));
	assert_near(truth(p).fan_rpm, 0, 0);
	assert_int_equal(sim_plant_fault_set(p, "fan-stall", false), 0);
	at(p, SEC(80));
	assert_near(truth(p).fan_rpm, 5000, 1);
	/* pwm1_enable 0 = full speed; bad values refused */
	assert_int_equal(sim_plant_hwmon_attr_write(p, "emc2305-i2c-1-2e", "pwm1", 256), -EINVAL);
	assert_int_equal(sim_plant_hwmon_attr_write(p, "emc2305-i2c-1-2e", "fan1_input", 1),
			 -EACCES);
	/* the fan lives on the NIC's supply */
	psu_set(p, false);
	at(p, SEC(90));
	assert_near(truth(p).fan_rpm, 0, 0);
	sim_plant_free(p);
}

static void test_thermal(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	long mc;
	double still;

	(void)state;
	assert_near(truth(p).nic_temp_c, 25, 1e-9);
	fan_set(p, 0);
	psu_set(p, true);
	at(p, SEC(40));
	/* one time constant: 63 % of the way to 25 + 6.5 * 4.2 */
	assert_near_pct(truth(p).nic_temp_c, 25 + 27.3 * (1 - exp(-1)), 2);
	at(p, SEC(600));
	still = truth(p).nic_temp_c;
	assert_true(still > 50.0);
	assert_int_equal(sim_plant_hwmon_attr_read(p, "lm75-i2c-1-48", "temp1_input", &mc), 0);
	assert_true(mc > 50000);
	assert_int_equal(mc % 500, 0);
	fan_set(p, 255);
	at(p, SEC(1200));
	assert_true(truth(p).nic_temp_c < still - 15);
	assert_near(truth(p).nic_temp_c, 25 + 6.5 * 1.4 + 0.0, 0.2);

	/* 35 C ambient, NFS copy, full fan: stays well below 70 C */
	assert_int_equal(sim_plant_ambient_set(p, 35), 0);
	host_press(p, MS(200));
	assert_int_equal(sim_plant_workload_set(p, "nfs-copy"), 0);
	at(p, SEC(2400));
	assert_true(truth(p).link_up);
	assert_true(truth(p).nic_temp_c < 70.0);
	assert_true(truth(p).nic_temp_c > 35.0);
	assert_true(truth(p).cpu_temp_c > 35.0 && truth(p).cpu_temp_c < 80.0);
	/* disks: slow (tau 600 s) towards ambient + 8 K + 4 K while busy */
	assert_true(truth(p).disk_temp_c > 43.0 && truth(p).disk_temp_c < 47.0);

	/* sensor-nic: the attribute fails, the truth goes on */
	assert_int_equal(sim_plant_fault_set(p, "sensor-nic", true), 0);
	assert_int_equal(sim_plant_hwmon_attr_read(p, "lm75-i2c-1-48", "temp1_input", &mc), -EIO);
	assert_int_equal(sim_plant_hwmon_attr_read(p, "coretemp-isa-0000", "temp1_input", &mc), 0);
	assert_string_equal(sim_plant_hwmon_label("coretemp-isa-0000", "temp1"), "Package id 0");
	sim_plant_free(p);
}

static void test_counters(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);
	uint64_t v, base;
	int bits;

	(void)state;
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data", &v, &bits), -ENODEV);
	bring_up(p);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &base, &bits), 0);
	assert_int_equal(base, 0);
	assert_int_equal(bits, 64);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-tx"), 0);
	at(p, SEC(55));
	/* 11.1 Gb/s x 10 s = 13875000000 bytes = 3468750000 words */
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &v, &bits), 0);
	assert_int_equal(v, 3468750000ULL);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data", &v, &bits), 0);
	assert_int_equal(v, 3468750000ULL);
	assert_int_equal(bits, 32);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_packets_64", &v, &bits), 0);
	assert_int_equal(v, 13875000000ULL / 2048);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_rcv_data_64", &v, &bits), 0);
	assert_int_equal(v, 0);
	assert_near(truth(p).ib_tx_gbps, 11.1, 1e-9);
	at(p, SEC(65));
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data", &v, &bits), 0);
	assert_int_equal(v, 0xffffffffULL); /* mlx4 32-bit counters stick */
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &v, &bits), 0);
	assert_int_equal(v, 6937500000ULL);
	/* both ports cabled together: 12.8 out of port 1, into port 2; iperf3's 25.6 is the sum */
	assert_int_equal(sim_plant_workload_set(p, "iperf3-both"), 0);
	at(p, SEC(66));
	assert_int_equal(sim_plant_ib_counter(p, 2, "port_rcv_data_64", &v, &bits), 0);
	assert_int_equal(v, 12800000000ULL / 8 / 4);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &v, &bits), 0);
	assert_int_equal(v, 6937500000ULL + 12800000000ULL / 8 / 4);
	assert_int_equal(sim_plant_ib_counter(p, 1, "no_such", &v, &bits), -ENOENT);
	/* no traffic without a link; the card resets when unpowered */
	psu_set(p, false);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &v, &bits), -ENODEV);
	psu_set(p, true);
	at(p, SEC(70));
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &v, &bits), 0);
	assert_int_equal(v, 0);
	sim_plant_free(p);
}

static void test_throttles(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);
	double full, limited, capped;

	(void)state;
	bring_up(p);
	assert_int_equal(sim_plant_workload_set(p, "iperf3-tx"), 0);
	at(p, SEC(50));
	full = truth_w(p);
	assert_int_equal(sim_plant_ipoib_rate_limit(p, 5.0), 0);
	at(p, SEC(51));
	limited = truth_w(p);
	assert_near(truth(p).ib_tx_gbps, 5.0, 1e-9);
	assert_near(limited, 38.5 + 11.0 * 5.0 / 11.1, 0.01);
	assert_int_equal(sim_plant_ipoib_rate_limit(p, 0), 0);
	at(p, SEC(52));
	assert_near(truth_w(p), full, 1e-9);
	assert_int_equal(sim_plant_cpu_cap_pct(p, 50), 0);
	at(p, SEC(53));
	capped = truth_w(p);
	assert_near(truth(p).ib_tx_gbps, 5.55, 1e-9);
	assert_true(capped < full - 4);
	/* RDMA: no qdisc in the way, the CPU cap only trims the CPU part */
	assert_int_equal(sim_plant_cpu_cap_pct(p, 0), 0);
	assert_int_equal(sim_plant_ipoib_rate_limit(p, 5.0), 0);
	assert_int_equal(sim_plant_workload_set(p, "nfs-copy"), 0);
	at(p, SEC(54));
	assert_near(truth(p).ib_tx_gbps, 10.71, 1e-9);
	assert_near(truth_w(p), 51.0, 1e-9);
	assert_int_equal(sim_plant_cpu_cap_pct(p, 50), 0);
	at(p, SEC(55));
	assert_near(truth(p).ib_tx_gbps, 10.71, 1e-9);
	assert_near(truth_w(p), 38.5 + 12.5 * (0.5 + 0.5 * 0.5), 1e-9);
	assert_int_equal(sim_plant_workload_set(p, "nope"), -EINVAL);
	assert_string_equal(sim_plant_workload_get(p), "nfs-copy");
	sim_plant_free(p);
}

/* Verbs traffic from the sim fabric: counters, NIC and host power, no qdisc, gone when cleared. */
static void test_rdma_traffic(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	const double rates[2][2] = { { 14.0, 0 }, { 0, 14.0 } };
	const double bad[2][2] = { { -1.0, 0 }, { 0, 0 } };
	uint64_t tx, rx;
	double idle;
	int bits;

	(void)state;
	bring_up(p);
	at(p, SEC(50));
	idle = truth_w(p);
	assert_int_equal(sim_plant_rdma_set(p, bad, 1), -EINVAL);
	assert_int_equal(sim_plant_rdma_set(p, rates, -1), -EINVAL);
	assert_int_equal(sim_plant_ipoib_rate_limit(p, 5.0), 0); /* a qdisc never slows verbs */
	assert_int_equal(sim_plant_rdma_set(p, rates, 1), 0);
	at(p, SEC(52));
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &tx, &bits), 0);
	assert_int_equal(sim_plant_ib_counter(p, 2, "port_rcv_data_64", &rx, &bits), 0);
	assert_int_equal(tx, 14000000000ULL * 2 / 8 / 4);
	assert_int_equal(rx, tx);
	assert_near(truth(p).rdma_gbps, 28.0, 1e-9);
	/* SFX build: the meter sees the busy-polling core and the NIC's traffic share */
	assert_near(truth_w(p), idle + 2.5 + (9.7 - 6.5) * 28.0 / 51.2, 0.05);
	assert_int_equal(sim_plant_rdma_set(p, NULL, 0), 0);
	at(p, SEC(53));
	assert_near(truth(p).rdma_gbps, 0.0, 1e-12);
	assert_near(truth_w(p), idle, 0.05);
	assert_int_equal(sim_plant_ib_counter(p, 1, "port_xmit_data_64", &tx, &bits), 0);
	assert_int_equal(tx, 14000000000ULL * 2 / 8 / 4);
	/* no link, no traffic: the rates wait for a running host */
	assert_int_equal(sim_plant_rdma_set(p, rates, 1), 0);
	psu_set(p, false);
	at(p, SEC(54));
	assert_near(truth(p).rdma_gbps, 0.0, 1e-12);
	sim_plant_free(p);
}

static void test_energy(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);
	double e0;

	(void)state;
	bring_up(p);
	e0 = truth(p).energy_j;
	at(p, SEC(145) + MS(7));
	assert_near(truth(p).energy_j - e0, 38.5 * 100.007, 1e-6);
	sim_plant_free(p);

	/* a boot from the start: burst and boot segments are exact too */
	p = plant_make(SIM_BUILD_BRICK);
	host_press(p, MS(100));
	at(p, MS(50) + SEC(30));
	assert_near(truth(p).energy_j, 53.0 * 3 + 40.0 * 27, 1e-6);
	sim_plant_free(p);
}

static void test_ina226_registers(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_BRICK);
	uint16_t raw;

	(void)state;
	assert_int_equal(sim_plant_i2c_read_word(p, 1, 0x40, 0xfe, &raw), 0);
	assert_int_equal(raw, 0x4954); /* 'T','I' on the wire: low byte first */
	assert_int_equal(ina_read(p, 0xff), 0x2260);
	assert_int_equal(ina_read(p, 0x00), 0x4127);
	assert_int_equal(ina_read(p, 0x05), 0);
	assert_int_equal(sim_plant_i2c_read_word(p, 1, 0x41, 0x00, &raw), -ENXIO);
	assert_int_equal(sim_plant_i2c_read_word(p, 0, 0x40, 0x00, &raw), -ENXIO);

	host_press(p, MS(100));
	at(p, SEC(1));
	/* calibration 0: current and power read 0, shunt and bus do not */
	assert_int_equal(ina_read(p, 0x03), 0);
	assert_int_equal(ina_read(p, 0x04), 0);
	assert_near_pct((int16_t)ina_read(p, 0x01) * 2.5e-6 / 0.002, 53.0 / 14.96, 0.5);
	ina_write(p, 0x05, TEST_CAL);
	assert_int_equal(ina_read(p, 0x05), TEST_CAL);
	at(p, SEC(1) + MS(3));
	assert_near_pct(ina_watts(p), 53.0, 0.5);

	/* conversion-ready flag: 16 x (1.1 + 1.1) ms = 35.2 ms per conversion */
	ina_write(p, 0x00, 0x4527);
	assert_int_equal(ina_read(p, 0x00), 0x4527);
	(void)ina_read(p, 0x06);
	at(p, SEC(2));
	ina_write(p, 0x00, 0x4527);
	(void)ina_read(p, 0x06); /* clears the flag from earlier conversions */
	at(p, SEC(2) + MS(35));
	assert_int_equal(ina_read(p, 0x06) & 0x0008, 0);
	at(p, SEC(2) + MS(36));
	assert_int_equal(ina_read(p, 0x06) & 0x0008, 0x0008);
	assert_int_equal(ina_read(p, 0x06) & 0x0008, 0);
	/* the reading is that of the last conversion, not of now */
	/* burst over at 3.05 s; conversions at 2 s + k x 35.2 ms: 3.0208 s, then 3.056 s */
	at(p, SEC(3) + MS(55));
	assert_false(truth(p).monitored_w > 50);
	assert_near_pct(ina_watts(p), 53.0, 0.5);
	at(p, SEC(3) + MS(57));
	assert_near_pct(ina_watts(p), 40.0, 0.5);

	/* reset bit: everything back to defaults */
	ina_write(p, 0x00, 0x8000);
	assert_int_equal(ina_read(p, 0x00), 0x4127);
	assert_int_equal(ina_read(p, 0x05), 0);

	/* faults */
	assert_int_equal(sim_plant_fault_set(p, "ina-garbage", true), 0);
	assert_int_equal(sim_plant_i2c_read_word(p, 1, 0x40, 0x02, &raw), 0);
	assert_int_equal(raw, 0xffff);
	assert_int_equal(sim_plant_fault_set(p, "ina-garbage", false), 0);
	assert_int_equal(sim_plant_fault_set(p, "i2c-error", true), 0);
	assert_int_equal(sim_plant_i2c_read_word(p, 1, 0x40, 0x02, &raw), -EIO);
	assert_int_equal(sim_plant_i2c_write_word(p, 1, 0x40, 0x05, 0), -EIO);
	assert_int_equal(sim_plant_hwmon_attr_write(p, "emc2305-i2c-1-2e", "pwm1", 10), -EIO);
	sim_plant_free(p);
}

static void test_noise(void **state)
{
	struct sim_plant_config cfg;
	struct sim_plant *a, *b;
	double wa, wb;

	(void)state;
	sim_plant_config_defaults(&cfg, SIM_BUILD_BRICK);
	cfg.speed = 0;
	cfg.seed = 42;
	a = plant_make_cfg(&cfg);
	b = plant_make_cfg(&cfg);
	ina_write(a, 0x05, TEST_CAL);
	ina_write(b, 0x05, TEST_CAL);
	host_press(a, MS(100));
	host_press(b, MS(100));
	at(a, SEC(1) + MS(7));
	at(b, SEC(1) + MS(7));
	wa = ina_watts(a);
	wb = ina_watts(b);
	assert_near(wa, wb, 0);       /* deterministic */
	assert_near_pct(wa, 53.0, 0.5); /* and small */
	assert_near(truth_w(a), 53.0, 1e-9); /* truth has none */
	sim_plant_free(a);
	sim_plant_free(b);
}

static void test_pci_config(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	uint8_t cs[256];
	int off, guard = 0, found = 0;

	(void)state;
	assert_int_equal(sim_plant_pci_config(p, cs, sizeof(cs)), -ENODEV);
	psu_set(p, true);
	at(p, SEC(1));
	assert_int_equal(sim_plant_pci_config(p, cs, sizeof(cs)), 256);
	assert_int_equal(cs[0] | cs[1] << 8, 0x15b3);
	assert_int_equal(cs[2] | cs[3] << 8, 0x673c);
	assert_int_equal(cs[0x0b] << 16 | cs[0x0a] << 8 | cs[0x09], 0x0c0600);
	assert_true(cs[0x06] & 0x10);
	for (off = cs[0x34]; off && guard < 48; off = cs[off + 1], guard++) {
		uint32_t devcap, lnkcap;
		uint16_t devctl, lnksta;

		assert_true(off >= 0x40 && off < 0xfc);
		if (cs[off] == 0x01)
			found |= 1;
		if (cs[off] != 0x10)
			continue;
		found |= 2;
		assert_int_equal(cs[off + 2] & 0xf, 2);
		devcap = (uint32_t)cs[off + 4] | (uint32_t)cs[off + 5] << 8 |
			 (uint32_t)cs[off + 6] << 16 | (uint32_t)cs[off + 7] << 24;
		devctl = (uint16_t)(cs[off + 8] | cs[off + 9] << 8);
		lnkcap = (uint32_t)cs[off + 12] | (uint32_t)cs[off + 13] << 8 |
			 (uint32_t)cs[off + 14] << 16 | (uint32_t)cs[off + 15] << 24;
		lnksta = (uint16_t)(cs[off + 18] | cs[off + 19] << 8);
		assert_int_equal(128 << (devcap & 7), 256);
		assert_int_equal(128 << ((devctl >> 5) & 7), 256);
		assert_int_equal(128 << ((devctl >> 12) & 7), 512);
		assert_int_equal(lnkcap & 0xf, 2);
		assert_int_equal((lnkcap >> 4) & 0x3f, 8);
		assert_int_equal(lnkcap >> 24, 8);
		assert_int_equal(lnksta & 0xf, 2);
		assert_int_equal((lnksta >> 4) & 0x3f, 4);
	}
	assert_int_equal(found, 3);
	sim_plant_free(p);
}

static void test_clock(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	struct sim_plant_config cfg;
	int64_t t1, t2;

	(void)state;
	assert_int_equal(sim_plant_now(p), 0);
	sim_plant_set_real_ns(p, SEC(1700000000));
	at(p, SEC(5));
	assert_int_equal(sim_plant_real_ns(p), SEC(1700000005));
	assert_int_equal(sim_plant_advance_to(p, SEC(4)), 0); /* never backwards */
	assert_int_equal(sim_plant_now(p), SEC(5));
	assert_int_equal(sim_plant_set_speed(p, -1), -EINVAL);
	assert_near(sim_plant_speed(p), 0, 0);
	sim_plant_free(p);

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 1000;
	p = plant_make_cfg(&cfg);
	t1 = sim_plant_now(p);
	t2 = sim_plant_now(p);
	assert_true(t2 >= t1);
	assert_int_equal(sim_plant_advance_to(p, t2 + SEC(60)), 0);
	assert_true(sim_plant_now(p) >= t2 + SEC(60));
	assert_int_equal(sim_plant_set_speed(p, 0), 0);
	t1 = sim_plant_now(p);
	assert_int_equal(sim_plant_now(p), t1);
	sim_plant_free(p);

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.psu_ok_delay_ns = 0;
	assert_int_equal(sim_plant_new(&cfg, &p), -EINVAL);
}

static int64_t real_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A running clock waits at its horizon (the loop's next deadline) however late
 * the process looks, and runs on from there, not from where the real clock
 * would have put it.  Real time has to pass for this: the test lets 20 ms go by,
 * 2 s of box time at 100x, and checks exact values, not timing.
 */
static void test_clock_horizon(void **state)
{
	struct sim_plant_config cfg;
	struct sim_plant *p;
	struct timespec ms = { .tv_nsec = 1000000 };
	int64_t t0, r0, r1, r2, t;

	(void)state;
	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 100;
	p = plant_make_cfg(&cfg);
	/* PS_ON at once: PWR_OK follows 300 ms of box time later, an event inside the window */
	sim_plant_line_set(p, SIM_LINE_PSU_ON_N, 0);
	t0 = sim_plant_now(p);
	sim_plant_horizon_set(p, t0 + MS(5));
	r0 = real_mono();
	while (real_mono() - r0 < MS(20))
		nanosleep(&ms, NULL);
	r1 = real_mono();
	assert_int_equal(sim_plant_now(p), t0 + MS(5));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 0); /* not yet: 300 ms */
	/* released: on from the horizon, at most what passed since the clamp, times 100 */
	sim_plant_horizon_set(p, INT64_MAX);
	t = sim_plant_now(p);
	r2 = real_mono();
	assert_true(t >= t0 + MS(5));
	assert_true(t <= t0 + MS(5) + (r2 - r1) * 100);
	/* and explicit advances go past a horizon */
	sim_plant_horizon_set(p, t);
	assert_int_equal(sim_plant_advance_to(p, t + SEC(1)), 0);
	assert_true(sim_plant_now(p) >= t + SEC(1));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PSU_PWR_OK), 1);
	sim_plant_free(p);
}

static void test_lists(void **state)
{
	const char *const *w = sim_plant_workload_names();
	const char *const *f = sim_plant_fault_names();
	int n = 0;

	(void)state;
	for (; *w; w++, n++)
		assert_non_null(sim_plant_workload_describe(*w));
	assert_true(n >= 5);
	for (n = 0; *f; f++, n++)
		assert_non_null(sim_plant_fault_describe(*f));
	assert_int_equal(n, 13);
	assert_null(sim_plant_workload_describe("nope"));
	assert_int_equal(sim_plant_line_lookup("H2_PWR_LED"), SIM_LINE_H2_PWR_LED);
	assert_int_equal(sim_plant_line_lookup("nope"), -ENOENT);
	assert_false(sim_plant_line_is_output(SIM_LINE_PSU_PWR_OK));
	assert_true(sim_plant_line_is_output(SIM_LINE_PSU_ON_N));
	assert_string_equal(sim_plant_line_name(SIM_LINE_PWR_BUTTON), "PWR_BUTTON");
}

static void test_front_button(void **state)
{
	struct sim_plant *p = plant_make(SIM_BUILD_SFX);
	struct edge_log log = { 0 };

	(void)state;
	sim_plant_edge_listener_set(p, edge_record, &log);
	at(p, SEC(1));
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PWR_BUTTON), 1);
	assert_int_equal(sim_plant_button_press(p, MS(80)), 0);
	assert_int_equal(sim_plant_button_press(p, MS(80)), -EBUSY);
	assert_int_equal(sim_plant_line_get(p, SIM_LINE_PWR_BUTTON), 0);
	assert_int_equal(sim_plant_next_event(p), SEC(1) + MS(80));
	at(p, SEC(2));
	assert_int_equal(log.n, 2);
	assert_int_equal(log.level[0], 0);
	assert_int_equal(log.ts[0], SEC(1));
	assert_int_equal(log.level[1], 1);
	assert_int_equal(log.ts[1], SEC(1) + MS(80));
	assert_int_equal(sim_plant_line_set(p, SIM_LINE_PSU_PWR_OK, 1), -EPERM);
	sim_plant_free(p);
}

/* Move to `when` and read the plant's truth there. */
static void truth_at(struct sim_plant *p, int64_t when, struct sim_plant_truth *t)
{
	at(p, when);
	sim_plant_truth_get(p, t);
}

/* Self topology: the front button is the H2's own power-button header (issue 11, 14-15). */
static void test_front_button_to_host_header(void **state)
{
	struct sim_plant_config cfg;
	struct sim_plant_truth t;
	struct sim_plant *p;

	(void)state;
	sim_plant_config_defaults(&cfg, SIM_BUILD_BRICK);
	cfg.speed = 0;
	cfg.button_to_host = true;
	p = plant_make_cfg(&cfg);
	truth_at(p, SEC(1), &t);
	assert_false(t.host_on);
	assert_near(t.monitored_w, 0.0, 1e-9);
	/* a glitch shorter than the header's 50 ms does nothing */
	assert_int_equal(sim_plant_button_press(p, MS(10)), 0);
	truth_at(p, SEC(2), &t);
	assert_false(t.host_on);
	/* a press boots the dark H2 on its brick: the burst, then booting, then idle */
	assert_int_equal(sim_plant_button_press(p, MS(200)), 0);
	truth_at(p, SEC(3), &t);
	assert_true(t.host_booting);
	assert_false(t.psu_on);
	assert_near_pct(t.monitored_w, 53.0, 5);
	truth_at(p, SEC(20), &t);
	assert_true(t.monitored_w >= 35.0 && t.monitored_w <= 45.0);
	truth_at(p, SEC(40), &t);
	assert_true(t.host_on);
	assert_false(t.host_booting);
	assert_near_pct(t.monitored_w, 34.5, 5);
	/* a short press of the running H2 asks its OS to shut down (ACPI) */
	assert_int_equal(sim_plant_button_press(p, MS(200)), 0);
	truth_at(p, SEC(41), &t);
	assert_true(t.host_stopping);
	truth_at(p, SEC(60), &t);
	assert_false(t.host_on);
	/* boot again, then a 5 s hold: forced off at 4 s, and it stays dark after the release */
	assert_int_equal(sim_plant_button_press(p, MS(200)), 0);
	truth_at(p, SEC(100), &t);
	assert_true(t.host_on);
	assert_int_equal(sim_plant_button_press(p, SEC(5)), 0);
	truth_at(p, SEC(100) + MS(3990), &t);
	assert_true(t.host_on);
	truth_at(p, SEC(104) + MS(10), &t);
	assert_false(t.host_on);
	assert_near(t.monitored_w, 0.0, 1e-9);
	truth_at(p, SEC(110), &t);
	assert_false(t.host_on);
	sim_plant_free(p);

	/* not wired (controller topology): the front button never reaches the H2 */
	sim_plant_config_defaults(&cfg, SIM_BUILD_BRICK);
	cfg.speed = 0;
	p = plant_make_cfg(&cfg);
	assert_int_equal(sim_plant_button_press(p, MS(200)), 0);
	truth_at(p, SEC(5), &t);
	assert_false(t.host_on);
	sim_plant_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibration_brick),
		cmocka_unit_test(test_calibration_sfx),
		cmocka_unit_test(test_psu_timing),
		cmocka_unit_test(test_host_boot_shutdown),
		cmocka_unit_test(test_host_brick_and_autostart),
		cmocka_unit_test(test_fan),
		cmocka_unit_test(test_thermal),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_throttles),
		cmocka_unit_test(test_rdma_traffic),
		cmocka_unit_test(test_energy),
		cmocka_unit_test(test_ina226_registers),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_pci_config),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_clock_horizon),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_front_button),
		cmocka_unit_test(test_front_button_to_host_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
