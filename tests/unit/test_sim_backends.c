/* test_sim_backends.c - the hw_* bus API answered by the sim backends and the plant behind them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/hw.h"
#include "hw/hwmon.h"
#include "hw/i2c.h"
#include "hw/ib.h"
#include "hw/pci.h"
#include "hw/sim/plant.h"
#include "hw/sim/sim-state.h"
#include "tests/unit/sim-box.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#define MS(x) ((int64_t)(x) * 1000000LL)
#define SEC(x) ((int64_t)(x) * 1000000000LL)

static int setup(void **state)
{
	static struct sim_box f;

	if (sim_box_open(&f, SIM_BOX_OFF) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	sim_box_close(*state);
	return 0;
}

static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void advance(struct hw *hw, int64_t t)
{
	assert_int_equal(hw_clock_advance_to(hw, t), 0);
	assert_int_equal(hw_clock_mono_ns(hw), t);
}

static void host_pulse(struct sim_box *f, int64_t hold)
{
	int64_t t = hw_clock_mono_ns(f->hw);

	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_H2_PWR_BTN, 1), 0);
	advance(f->hw, t + hold);
	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_H2_PWR_BTN, 0), 0);
}

static void test_hw_identity(void **state)
{
	struct sim_box *f = *state;

	assert_int_equal(hw_kind_get(f->hw), HW_KIND_SIM);
	assert_ptr_equal(hw_sim_plant(f->hw), f->plant);
	assert_int_equal(hw_clock_mono_ns(f->hw), sim_plant_now(f->plant));
	assert_int_equal(hw_clock_set_real(f->hw, SEC(1000)), 0);
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(3));
	assert_int_equal(hw_clock_real_ns(f->hw), SEC(1003));
	assert_true(hw_clock_speed(f->hw) == 0.0);
	assert_int_equal(hw_clock_set_speed(f->hw, -2), -EINVAL);
}

/* The plant's own events and the loop's horizon reach the timers' owner through hw/clock.h. */
static void test_clock_next_event_and_horizon(void **state)
{
	struct sim_box *f = *state;
	struct timespec ts;
	int64_t t0, r0;

	t0 = hw_clock_mono_ns(f->hw);
	assert_int_equal(hw_clock_next_event_ns(f->hw), INT64_MAX); /* off: nothing pending */
	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_PSU_ON_N, 0), 0);
	assert_int_equal(hw_clock_next_event_ns(f->hw), sim_plant_next_event(f->plant));
	assert_true(hw_clock_next_event_ns(f->hw) > t0);
	assert_true(hw_clock_next_event_ns(f->hw) < t0 + HW_NSEC_PER_SEC); /* PWR_OK, 300 ms */
	/* a running clock (1 s of box time per real us) waits at the horizon */
	hw_clock_horizon_set(f->hw, t0 + HW_NSEC_PER_MSEC);
	assert_int_equal(hw_clock_set_speed(f->hw, 1e6), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r0 = (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
	do
		clock_gettime(CLOCK_MONOTONIC, &ts);
	while ((int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec - r0 < 10000);
	assert_int_equal(hw_clock_mono_ns(f->hw), t0 + HW_NSEC_PER_MSEC);
	assert_int_equal(hw_clock_set_speed(f->hw, 0), 0);
	hw_clock_horizon_set(f->hw, INT64_MAX);
	advance(f->hw, t0 + HW_NSEC_PER_SEC); /* explicit advances go past PWR_OK */
	assert_int_equal(sim_plant_line_get(f->plant, SIM_LINE_PSU_PWR_OK), 1);
}

static void test_gpio(void **state)
{
	struct sim_box *f = *state;
	struct hw_gpio_line *ps_on, *pwr_ok, *button, *dup, *led;
	struct hw_gpio_event ev;
	int64_t t0;

	assert_int_equal(hw_gpio_line_open(f->hw, "NO_SUCH_LINE", HW_GPIO_INPUT, 0, 0, NULL, &dup),
			 -ENOENT);
	/* PS_ON# is active low: logical 0 drives the line high (PSU off) */
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_ON_N", HW_GPIO_OUTPUT, HW_GPIO_ACTIVE_LOW, 0,
					   "test", &ps_on), 0);
	assert_string_equal(hw_gpio_line_name(ps_on), "PSU_ON_N");
	assert_int_equal(sim_plant_line_get(f->plant, SIM_LINE_PSU_ON_N), 1);
	assert_int_equal(hw_gpio_line_get(ps_on), 0);
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_ON_N", HW_GPIO_OUTPUT, 0, 0, NULL, &dup),
			 -EBUSY);
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_PWR_OK", HW_GPIO_OUTPUT, 0, 0, NULL, &dup),
			 -EPERM);
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_PWR_OK", HW_GPIO_INPUT, HW_GPIO_EDGES, 0,
					   NULL, &pwr_ok), 0);
	assert_int_equal(hw_gpio_line_set(pwr_ok, 1), -EPERM);
	assert_true(hw_gpio_line_fd(pwr_ok) >= 0);
	assert_false(readable(hw_gpio_line_fd(pwr_ok)));
	assert_int_equal(hw_gpio_line_event_read(pwr_ok, &ev), 0);

	t0 = hw_clock_mono_ns(f->hw);
	assert_int_equal(hw_gpio_line_set(ps_on, 1), 0);
	assert_int_equal(sim_plant_line_get(f->plant, SIM_LINE_PSU_ON_N), 0);
	advance(f->hw, t0 + MS(299));
	assert_false(readable(hw_gpio_line_fd(pwr_ok)));
	advance(f->hw, t0 + SEC(1));
	assert_true(readable(hw_gpio_line_fd(pwr_ok)));
	assert_int_equal(hw_gpio_line_get(pwr_ok), 1);
	assert_int_equal(hw_gpio_line_event_read(pwr_ok, &ev), 1);
	assert_true(ev.active);
	assert_int_equal(ev.ts_ns, t0 + MS(300));
	assert_int_equal(hw_gpio_line_event_read(pwr_ok, &ev), 0);
	assert_false(readable(hw_gpio_line_fd(pwr_ok)));

	/* the front button: low while pressed, active low => logical 1 while pressed */
	assert_int_equal(hw_gpio_line_open(f->hw, "PWR_BUTTON", HW_GPIO_INPUT,
					   HW_GPIO_ACTIVE_LOW | HW_GPIO_EDGES | HW_GPIO_PULL_UP, 0,
					   NULL, &button), 0);
	assert_int_equal(hw_gpio_line_get(button), 0);
	t0 = hw_clock_mono_ns(f->hw);
	assert_int_equal(sim_plant_button_press(f->plant, MS(120)), 0);
	assert_int_equal(hw_gpio_line_get(button), 1);
	advance(f->hw, t0 + SEC(1));
	assert_int_equal(hw_gpio_line_event_read(button, &ev), 1);
	assert_true(ev.active);
	assert_int_equal(ev.ts_ns, t0);
	assert_int_equal(hw_gpio_line_event_read(button, &ev), 1);
	assert_false(ev.active);
	assert_int_equal(ev.ts_ns, t0 + MS(120));
	assert_int_equal(hw_gpio_line_event_read(button, &ev), 0);
	/* PWR_OK saw nothing of that */
	assert_false(readable(hw_gpio_line_fd(pwr_ok)));

	/* the H2 LED without edge events requested: level only */
	assert_int_equal(hw_gpio_line_open(f->hw, "H2_PWR_LED", HW_GPIO_INPUT, 0, 0, NULL, &led),
			 0);
	host_pulse(f, MS(200));
	assert_int_equal(hw_gpio_line_get(led), 1);
	assert_false(readable(hw_gpio_line_fd(led)));

	/* PSU off: the edge arrives at once, stamped now */
	t0 = hw_clock_mono_ns(f->hw);
	assert_int_equal(hw_gpio_line_set(ps_on, 0), 0);
	assert_true(readable(hw_gpio_line_fd(pwr_ok)));
	assert_int_equal(hw_gpio_line_event_read(pwr_ok, &ev), 1);
	assert_false(ev.active);
	assert_int_equal(ev.ts_ns, t0);
	assert_int_equal(hw_gpio_line_get(led), 0); /* sfx: the host died with its supply */

	hw_gpio_line_close(led);
	hw_gpio_line_close(button);
	hw_gpio_line_close(pwr_ok);
	hw_gpio_line_close(ps_on);
	/* closed lines can be requested again */
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_ON_N", HW_GPIO_OUTPUT, HW_GPIO_ACTIVE_LOW, 0,
					   NULL, &ps_on), 0);
	hw_gpio_line_close(ps_on);
}

static void test_i2c(void **state)
{
	struct sim_box *f = *state;
	struct hw_i2c_dev *ina, *none;
	uint16_t w;
	uint8_t b;

	assert_int_equal(hw_i2c_open(f->hw, 1, 0x41, &none), -ENXIO);
	assert_int_equal(hw_i2c_open(f->hw, 7, 0x40, &none), -ENOENT);
	assert_int_equal(hw_i2c_open(f->hw, 1, 0x40, &ina), 0);
	/* manufacturer 0x5449 ("TI") arrives MSB first: raw SMBus word 0x4954 */
	assert_int_equal(hw_i2c_read_word(ina, 0xfe, &w), 0);
	assert_int_equal(w, 0x4954);
	assert_int_equal(hw_i2c_read_word(ina, 0xff, &w), 0);
	assert_int_equal(w, 0x6022);
	assert_int_equal(hw_i2c_read_byte(ina, 0xfe, &b), 0);
	assert_int_equal(b, 0x54);
	assert_int_equal(hw_i2c_read_word(ina, 0x00, &w), 0);
	assert_int_equal(w, 0x2741);
	/* calibration 2560 = 0x0a00 goes out as 0x0a, 0x00 */
	assert_int_equal(hw_i2c_write_word(ina, 0x05, 0x000a), 0);
	assert_int_equal(hw_i2c_read_word(ina, 0x05, &w), 0);
	assert_int_equal(w, 0x000a);
	assert_int_equal(sim_plant_fault_set(f->plant, "i2c-error", true), 0);
	assert_int_equal(hw_i2c_read_word(ina, 0x02, &w), -EIO);
	assert_int_equal(sim_plant_fault_set(f->plant, "i2c-error", false), 0);
	assert_int_equal(hw_i2c_read_word(ina, 0x02, &w), 0);
	hw_i2c_close(ina);
}

/* new_device on the simulated box: its own chips are there and bound, others are recorded */
static void test_i2c_device_ensure(void **state)
{
	struct sim_box *f = *state;
	struct hw_sim_state *st = hw_sim_state(f->hw);
	struct hw_i2c_device d;

	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x2e, "emc2305", true, &d), 0);
	assert_true(d.present);
	assert_false(d.created);
	assert_string_equal(d.name, "emc2305");
	assert_string_equal(d.driver, "emc2305");
	/* another chip's address: reported as it is, never replaced */
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x48, "tmp102", true, &d), 0);
	assert_false(d.created);
	assert_string_equal(d.name, "lm75");
	assert_int_equal(st->ni2c_created, 0);
	/* looking creates nothing */
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x41, "ina226", false, &d), 0);
	assert_false(d.present);
	assert_int_equal(st->ni2c_created, 0);
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x41, "ina226", true, &d), 0);
	assert_true(d.present && d.created);
	assert_int_equal(st->ni2c_created, 1);
	assert_int_equal(st->i2c_created[0].addr, 0x41);
	assert_string_equal(st->i2c_created[0].name, "ina226");
	/* idempotent: the second ensure finds it */
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x41, "ina226", true, &d), 0);
	assert_true(d.present);
	assert_false(d.created);
	assert_int_equal(st->ni2c_created, 1);
	assert_int_equal(hw_i2c_device_ensure(f->hw, 7, 0x41, "ina226", true, &d), -ENODEV);
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x78, "ina226", true, &d), -EINVAL);
	assert_int_equal(hw_i2c_device_ensure(f->hw, 1, 0x41, "ina 226", true, &d), -EINVAL);
}

static void test_hwmon(void **state)
{
	struct sim_box *f = *state;
	struct hw_hwmon_chip *c;
	double v;
	long raw;

	assert_int_equal(hw_hwmon_chip_open(f->hw, "lm75-*", &c), 0);
	assert_string_equal(hw_hwmon_chip_name(c), "lm75-i2c-1-48");
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_TEMP, "temp1", &v), 0);
	assert_true(fabs(v - 25.0) < 0.6);
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_TEMP, "Package id 0", &v), -ENOENT);
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_FAN, "temp1", &v), -ENOENT);
	assert_int_equal(sim_plant_fault_set(f->plant, "sensor-nic", true), 0);
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_TEMP, "temp1", &v), -EIO);
	assert_int_equal(sim_plant_fault_set(f->plant, "sensor-nic", false), 0);
	hw_hwmon_chip_close(c);

	assert_int_equal(hw_hwmon_chip_open(f->hw, "coretemp-isa-*", &c), 0);
	assert_string_equal(hw_hwmon_chip_name(c), "coretemp-isa-0000");
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_TEMP, "Package id 0", &v), 0);
	assert_true(v >= 24.0 && v <= 26.0);
	hw_hwmon_chip_close(c);

	assert_int_equal(hw_hwmon_chip_open(f->hw, "emc2305-i2c-*-2e", &c), 0);
	assert_string_equal(hw_hwmon_chip_name(c), "emc2305-i2c-1-2e");
	assert_int_equal(hw_hwmon_attr_read(c, "pwm1_enable", &raw), 0);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1_enable", 1), 0);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", 128), 0);
	assert_int_equal(hw_hwmon_attr_read(c, "pwm1", &raw), 0);
	assert_int_equal(raw, 128);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", 999), -EINVAL);
	assert_int_equal(hw_hwmon_attr_read(c, "nope", &raw), -ENOENT);
	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_PSU_ON_N, 0), 0);
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(10));
	assert_int_equal(hw_hwmon_read(c, HW_HWMON_FAN, "fan1", &v), 0);
	assert_true(fabs(v - 5000.0 * 128 / 255) < 2);
	hw_hwmon_chip_close(c);

	/* exact names, numeric bus/address matching, misses */
	assert_int_equal(hw_hwmon_chip_open(f->hw, "drivetemp-scsi-0-0", &c), 0);
	hw_hwmon_chip_close(c);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "lm75-i2c-1-0048", &c), 0);
	hw_hwmon_chip_close(c);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "*-i2c-1-2e", &c), 0);
	assert_string_equal(hw_hwmon_chip_name(c), "emc2305-i2c-1-2e");
	hw_hwmon_chip_close(c);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "coretemp", &c), 0);
	hw_hwmon_chip_close(c);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "lm75-i2c-2-48", &c), -ENOENT);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "lm75-i2c-1-49", &c), -ENOENT);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "nct6775-*", &c), -ENOENT);
	assert_int_equal(hw_hwmon_chip_open(f->hw, "lm75-bogus-1", &c), -EINVAL);
	assert_int_equal(hw_hwmon_file_read(f->hw, "/sys/class/hwmon/hwmon0/temp1_input", &raw),
			 -ENOENT);
}

/*
 * pwm1 of the sim emc2305 behaves like Linux 6.1's driver (THERMAL=y): a write
 * becomes one of 10 cooling states, DIV_ROUND_CLOSEST(pwm * 10, 255), stored
 * as DIV_ROUND_CLOSEST(state * 255, 10), and pwm1 reads that back.  The
 * plant's chip itself keeps any drive byte (the kernel rig mirrors the real
 * register into it).
 */
static void test_hwmon_emc2305_quantises(void **state)
{
	static const long steps[] = { 0, 26, 51, 77, 102, 128, 153, 179, 204, 230, 255 };
	struct sim_box *f = *state;
	struct sim_plant_truth t;
	struct hw_hwmon_chip *c;
	long raw;

	assert_int_equal(hw_hwmon_chip_open(f->hw, "emc2305-*", &c), 0);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1_enable", 1), 0);
	for (long v = 0; v <= 255; v++) {
		long state_ = (v * 10 + 127) / 255;

		assert_int_equal(hw_hwmon_attr_write(c, "pwm1", v), 0);
		assert_int_equal(hw_hwmon_attr_read(c, "pwm1", &raw), 0);
		assert_int_equal(raw, steps[state_]);
	}
	/* the kernel rig's documented example, and h2box's 47 % (pwm 120) */
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", 163), 0);
	assert_int_equal(hw_hwmon_attr_read(c, "pwm1", &raw), 0);
	assert_int_equal(raw, 153);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", 120), 0);
	assert_int_equal(hw_hwmon_attr_read(c, "pwm1", &raw), 0);
	assert_int_equal(raw, 128);
	/* the fan runs at what the chip holds */
	sim_plant_truth_get(f->plant, &t);
	assert_float_equal(t.fan_duty_pct, 128 * 100.0 / 255, 1e-9);
	/* only pwmN is quantised; pwm1_enable and range checks are untouched */
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1_enable", 2), 0);
	assert_int_equal(hw_hwmon_attr_read(c, "pwm1_enable", &raw), 0);
	assert_int_equal(raw, 2);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", 256), -EINVAL);
	assert_int_equal(hw_hwmon_attr_write(c, "pwm1", -1), -EINVAL);
	hw_hwmon_chip_close(c);

	/* below the driver, the chip holds any byte */
	assert_int_equal(sim_plant_hwmon_attr_write(f->plant, "emc2305-i2c-1-2e", "pwm1", 120), 0);
	assert_int_equal(sim_plant_hwmon_attr_read(f->plant, "emc2305-i2c-1-2e", "pwm1", &raw), 0);
	assert_int_equal(raw, 120);
}

static void test_pci(void **state)
{
	struct sim_box *f = *state;
	struct hw_pci_dev d[2];
	uint8_t cs[256];

	assert_int_equal(hw_pci_find(f->hw, 0x15b3, 0x673c, d, 2), 0); /* PSU off: no card */
	assert_int_equal(hw_pci_config_read(f->hw, "0000:01:00.0", cs, sizeof(cs)), -ENODEV);
	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_PSU_ON_N, 0), 0);
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(1));
	assert_int_equal(hw_pci_rescan(f->hw), 0);
	assert_int_equal(hw_pci_find(f->hw, 0x15b3, 0x673c, d, 2), 1);
	assert_string_equal(d[0].slot, "0000:01:00.0");
	assert_int_equal(d[0].class_code, 0x0c0600);
	assert_int_equal(hw_pci_find(f->hw, 0xffff, 0xffff, d, 2), 1);
	assert_int_equal(hw_pci_find(f->hw, 0x8086, 0xffff, d, 2), 0);
	assert_int_equal(hw_pci_config_read(f->hw, "0000:01:00.0", cs, sizeof(cs)), 256);
	assert_int_equal(cs[0], 0xb3);
	assert_int_equal(cs[1], 0x15);
	assert_int_equal(hw_pci_config_read(f->hw, "0000:02:00.0", cs, sizeof(cs)), -ENODEV);
}

static void test_ib(void **state)
{
	struct sim_box *f = *state;
	char names[4][HW_IB_NAME_MAX];
	struct hw_ib_port_attr a;
	char slot[16];
	uint64_t v, v0;
	int bits;

	assert_int_equal(hw_ib_devices(f->hw, names, 4), 0);
	assert_int_equal(hw_ib_port_query(f->hw, "mlx4_0", 1, &a), -ENODEV);
	assert_int_equal(sim_plant_line_set(f->plant, SIM_LINE_PSU_ON_N, 0), 0);
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(1));
	assert_int_equal(hw_ib_devices(f->hw, names, 4), 1);
	assert_string_equal(names[0], "mlx4_0");
	assert_int_equal(hw_ib_port_count(f->hw, "mlx4_0"), 2);
	assert_int_equal(hw_ib_port_count(f->hw, "rxe_lo"), -ENODEV);
	assert_int_equal(hw_ib_device_pci_slot(f->hw, "mlx4_0", slot, sizeof(slot)), 0);
	assert_string_equal(slot, "0000:01:00.0");
	assert_int_equal(hw_ib_port_query(f->hw, "mlx4_0", 1, &a), 0);
	assert_int_equal(a.state, 1);
	assert_int_equal(a.phys_state, 2);
	/* what the kernel's sysfs `rate` says of a port polling at 4X SDR: the signalling rate */
	assert_int_equal(a.active_width, 2);
	assert_int_equal(a.active_speed, 1);
	assert_string_equal(a.rate, "10 Gb/sec (4X SDR)");

	host_pulse(f, MS(200));
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(45));
	assert_int_equal(hw_ib_port_query(f->hw, "mlx4_0", 1, &a), 0);
	assert_int_equal(a.state, 4);
	assert_int_equal(a.phys_state, 5);
	assert_int_equal(a.active_width, 2);
	assert_int_equal(a.active_speed, 4);
	assert_int_equal(a.link_layer, 1);
	assert_string_equal(a.rate, "40 Gb/sec (4X QDR)");
	assert_int_equal(hw_ib_port_query(f->hw, "mlx4_0", 2, &a), 0);
	assert_int_equal(a.state, 4);
	assert_int_equal(hw_ib_port_query(f->hw, "mlx4_0", 3, &a), -EINVAL);

	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_data_64", &v0, &bits),
			 0);
	assert_int_equal(sim_plant_workload_set(f->plant, "iperf3-rx"), 0);
	advance(f->hw, hw_clock_mono_ns(f->hw) + SEC(2));
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_data_64", &v, &bits), 0);
	assert_int_equal(bits, 64);
	assert_int_equal(v - v0, 14400000000ULL * 2 / 8 / 4);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "port_rcv_data", &v, NULL), 0);
	assert_int_equal(v, 14400000000ULL * 2 / 8 / 4);
	assert_int_equal(hw_ib_counter_read(f->hw, "mlx4_0", 1, "bogus", &v, &bits), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hw_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_next_event_and_horizon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_i2c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_i2c_device_ensure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hwmon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hwmon_emc2305_quantises, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ib, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
