/* test_probe.c - `h2box probe`'s decisions: chip identity from registers, PWM/tach pairs, the profile. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/hw.h"
#include "supervisor/cli/cli-probe-scan.h"
#include "supervisor/config/profile.h"
#include "supervisor/report/probe.h"
#include "tests/unit/sim-box.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A chip's registers as a read-only SMBus device answers them; unset registers NAK. */
struct fake_chip {
	bool word_ok[256], byte_ok[256];
	uint16_t word[256]; /* as on the wire: low byte first */
	uint8_t byte[256];
	int reads;
};

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/* a big-endian (datasheet order) word register */
static void set_be(struct fake_chip *c, uint8_t reg, uint16_t v)
{
	c->word_ok[reg] = true;
	c->word[reg] = swap16(v);
}

static void set_byte(struct fake_chip *c, uint8_t reg, uint8_t v)
{
	c->byte_ok[reg] = true;
	c->byte[reg] = v;
}

static int fake_read(void *ud, uint8_t reg, bool word, uint16_t *val)
{
	struct fake_chip *c = ud;

	c->reads++;
	if (word ? !c->word_ok[reg] : !c->byte_ok[reg])
		return -ENXIO;
	*val = word ? c->word[reg] : c->byte[reg];
	return 0;
}

static void test_ina226_and_ina260_by_ids(void **state)
{
	struct fake_chip c = { 0 };
	struct probe_ident id;

	(void)state;
	set_be(&c, 0xfe, 0x5449);
	set_be(&c, 0xff, 0x2261); /* revision 1 */
	assert_int_equal(probe_ident_decide(0x40, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_INA226);
	assert_false(id.guess);
	set_be(&c, 0xff, 0x2270);
	assert_int_equal(probe_ident_decide(0x4f, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_INA260);
	/* a TI part with another die is nothing the profile can name */
	set_be(&c, 0xff, 0x2200);
	assert_int_equal(probe_ident_decide(0x44, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
}

static void test_ina219_by_config_is_a_guess(void **state)
{
	struct fake_chip c = { 0 };
	struct probe_ident id;

	(void)state;
	set_be(&c, 0xfe, 0x0000); /* no ID register: whatever the pointer gives */
	set_be(&c, 0x00, 0x399f);
	assert_int_equal(probe_ident_decide(0x41, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_INA219);
	assert_true(id.guess);
	/* programmed (not the power-on value): not claimed */
	set_be(&c, 0x00, 0x019f);
	assert_int_equal(probe_ident_decide(0x41, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
}

static void test_emc230x_by_product_id(void **state)
{
	struct fake_chip c = { 0 };
	struct probe_ident id;

	(void)state;
	set_byte(&c, 0xfe, 0x5d);
	set_byte(&c, 0xfd, 0x34);
	assert_int_equal(probe_ident_decide(0x2e, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_EMC2305);
	assert_int_equal(id.channels, 5);
	assert_false(id.guess);
	set_byte(&c, 0xfd, 0x37);
	assert_int_equal(probe_ident_decide(0x2c, fake_read, &c, &id), 0);
	assert_int_equal(id.channels, 1);
	set_byte(&c, 0xfd, 0x38); /* not an EMC230x */
	assert_int_equal(probe_ident_decide(0x2e, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	set_byte(&c, 0xfe, 0x5c);
	set_byte(&c, 0xfd, 0x34);
	assert_int_equal(probe_ident_decide(0x2f, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
}

static void lm75_regs(struct fake_chip *c)
{
	memset(c, 0, sizeof(*c));
	set_be(c, 0x00, 0x1980); /* 25.5 C */
	set_byte(c, 0x01, 0x00);
	set_be(c, 0x02, 0x4b00); /* 75 C */
	set_be(c, 0x03, 0x5000); /* 80 C */
}

static void test_lm75_heuristics(void **state)
{
	struct fake_chip c;
	struct probe_ident id;

	(void)state;
	lm75_regs(&c);
	assert_int_equal(probe_ident_decide(0x48, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_LM75);
	assert_true(id.guess);
	assert_non_null(strstr(id.why, "25.5 C"));
	/* not at an address an LM75 can have */
	assert_int_equal(probe_ident_decide(0x40, fake_read, &c, &id), 0);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	/* each test of the heuristic rejects on its own */
	lm75_regs(&c);
	set_byte(&c, 0x01, 0x20); /* an unused config bit */
	probe_ident_decide(0x49, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	lm75_regs(&c);
	set_be(&c, 0x00, 0x1981); /* low bits set: not a 9..11-bit reading */
	probe_ident_decide(0x49, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	lm75_regs(&c);
	set_be(&c, 0x02, 0x5100); /* hysteresis above the shutdown limit */
	probe_ident_decide(0x49, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	lm75_regs(&c);
	set_be(&c, 0x00, 0x7f00); /* 127 C: out of an LM75's range */
	probe_ident_decide(0x49, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	memset(&c, 0, sizeof(c));
	set_be(&c, 0x00, 0);
	set_byte(&c, 0x01, 0);
	set_be(&c, 0x02, 0);
	set_be(&c, 0x03, 0); /* all zero: acknowledges, says nothing */
	probe_ident_decide(0x4a, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	/* an INA226 at an LM75 address is the INA226 */
	lm75_regs(&c);
	set_be(&c, 0xfe, 0x5449);
	set_be(&c, 0xff, 0x2260);
	probe_ident_decide(0x48, fake_read, &c, &id);
	assert_int_equal(id.chip, PROBE_CHIP_INA226);
}

static void test_nothing_answers(void **state)
{
	struct fake_chip c = { 0 };
	struct probe_ident id;

	(void)state;
	assert_int_equal(probe_ident_decide(0x48, fake_read, &c, &id), -ENXIO);
	assert_int_equal(id.chip, PROBE_CHIP_NONE);
	assert_true(probe_addr_scanned(0x2e));
	assert_true(probe_addr_scanned(0x40));
	assert_true(probe_addr_scanned(0x4f));
	assert_false(probe_addr_scanned(0x50)); /* an EEPROM: never read */
	assert_false(probe_addr_scanned(0x08));
}

static void test_chip_from_driver(void **state)
{
	(void)state;
	assert_int_equal(probe_chip_from_driver("ina226"), PROBE_CHIP_INA226);
	assert_int_equal(probe_chip_from_driver("emc2305"), PROBE_CHIP_EMC2305);
	assert_int_equal(probe_chip_from_driver("tmp75"), PROBE_CHIP_LM75);
	assert_int_equal(probe_chip_from_driver("spd"), PROBE_CHIP_OTHER);
	assert_string_equal(probe_chip_name(PROBE_CHIP_LM75), "lm75");
}

static void test_pair(void **state)
{
	char why[160];
	double lo[3] = { 0, 1200, NAN }, hi[3] = { 4800, 1210, NAN };

	(void)state;
	/* fan1 follows; fan2 barely moves; fan3 unreadable */
	assert_int_equal(probe_pair_decide(lo, hi, 3, 300, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "fan1"));
	/* the follower may be any tach */
	lo[0] = 2000, hi[0] = 2010, lo[1] = 1000, hi[1] = 4000;
	assert_int_equal(probe_pair_decide(lo, hi, 3, 300, why, sizeof(why)), 1);
	/* two tachs follow one output: no pair */
	lo[0] = 1000, hi[0] = 3900;
	assert_int_equal(probe_pair_decide(lo, hi, 3, 300, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "ambiguous"));
	/* nothing follows: no pair */
	lo[0] = 1000, hi[0] = 1100, lo[1] = 1000, hi[1] = 1000;
	assert_int_equal(probe_pair_decide(lo, hi, 3, 300, why, sizeof(why)), -1);
	/* a fall is not a follow */
	lo[0] = 4000, hi[0] = 1000;
	assert_int_equal(probe_pair_decide(lo, hi, 3, 300, why, sizeof(why)), -1);
	assert_int_equal(probe_pair_decide(lo, hi, 0, 300, why, sizeof(why)), -1);
}

static void test_pairs_resolve(void **state)
{
	struct probe_fan f[4];

	(void)state;
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 4; i++) {
		snprintf(f[i].chip, sizeof(f[i].chip), i < 3 ? "emc2305-i2c-0-2e" : "emc2305-i2c-0-2f");
		f[i].pwm = i < 3 ? i + 1 : 2;
		f[i].tested = true;
	}
	/* one chip drives every output together: fan2 follows pwm1..pwm3; the other chip's pwm2 */
	f[0].tach = f[1].tach = f[2].tach = 2;
	f[3].tach = 2;
	probe_pairs_resolve(f, 4);
	assert_int_equal(f[0].tach, 0);
	assert_non_null(strstr(f[0].why, "fan2 follows pwm2 too"));
	assert_int_equal(f[1].tach, 2); /* its own number wins */
	assert_int_equal(f[2].tach, 0);
	assert_int_equal(f[3].tach, 2); /* another chip's fan2 is another fan */
	/* without an output of its own number, the first keeps it */
	f[0].tach = 3, f[1].tach = 0, f[2].tach = 0;
	f[1].pwm = 1, f[2].pwm = 2;
	f[1].tach = 3;
	probe_pairs_resolve(f, 3);
	assert_int_equal(f[0].tach, 3);
	assert_int_equal(f[1].tach, 0);
}

static void add_line(struct probe_result *r, const char *name, unsigned off)
{
	struct probe_gpio_line *l = &r->gpio_lines[r->ngpio_lines++];

	snprintf(l->chip, sizeof(l->chip), "gpiochip0");
	l->offset = off;
	snprintf(l->name, sizeof(l->name), "%s", name);
}

static void add_dev(struct probe_result *r, uint8_t addr, enum probe_chip chip, const char *driver)
{
	struct probe_i2c_dev *d = &r->devs[r->ndevs++];

	d->bus = 0;
	d->addr = addr;
	d->id.chip = chip;
	if (driver) {
		d->kernel = d->bound = true;
		snprintf(d->driver, sizeof(d->driver), "%s", driver);
	} else {
		snprintf(d->id.why, sizeof(d->id.why), "IDs");
	}
}

/* The kernel rig's wiring, as a probe finds it. */
static void rig_result(struct probe_result *r)
{
	static const char *const lines[] = { "PSU_ON_N", "PSU_PWR_OK", "PWR_BUTTON",
					     "PWR_LED", "H2_PWR_BTN", "H2_PWR_LED" };

	memset(r, 0, sizeof(*r));
	r->ngpio_chips = 1;
	snprintf(r->gpio_chips[0].name, sizeof(r->gpio_chips[0].name), "gpiochip0");
	for (unsigned i = 0; i < 6; i++)
		add_line(r, lines[i], i);
	r->nbuses = 1;
	add_dev(r, 0x2e, PROBE_CHIP_EMC2305, "emc2305");
	add_dev(r, 0x40, PROBE_CHIP_INA226, NULL);
	add_dev(r, 0x41, PROBE_CHIP_INA226, "ina226");
	add_dev(r, 0x48, PROBE_CHIP_LM75, "lm75");
	r->nib = 1;
	snprintf(r->ib[0].name, sizeof(r->ib[0].name), "rxe_lo");
	r->ib[0].ports = 1;
	r->ib[0].active_ports = 1 << 1;
	for (int p = 1; p <= 2; p++) {
		struct probe_fan *f = &r->fans[r->nfans++];

		snprintf(f->chip, sizeof(f->chip), "emc2305-i2c-0-2e");
		f->pwm = p;
	}
}

/* The profile text, and the real loader's verdict on it. */
static char *render(const struct probe_result *r, struct profile *p, struct profile_errors *errs,
		    int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(probe_profile_write(r, f), 0);
	assert_int_equal(fclose(f), 0);
	memset(errs, 0, sizeof(*errs));
	*rc = profile_load_string("probe.conf", text, p, errs);
	if (*rc != 0)
		for (int i = 0; i < errs->count; i++)
			print_message("%s\n", errs->msg[i]);
	return text;
}

/* The line `key = value` is right after a "# guess:" comment line. */
static bool guessed(const char *text, const char *keyline)
{
	const char *k = strstr(text, keyline), *prev;

	if (!k || k == text)
		return false;
	/* back to the start of the previous line */
	prev = k - 1;
	while (prev > text && prev[-1] != '\n')
		prev--;
	/* comment lines in a row may precede it: walk them */
	while (strncmp(prev, "# ", 2) == 0 && strncmp(prev, "# guess:", 8) != 0 && prev > text) {
		prev--;
		while (prev > text && prev[-1] != '\n')
			prev--;
	}
	return strncmp(prev, "# guess:", 8) == 0;
}

static void test_profile_of_the_rig_loads(void **state)
{
	struct probe_result *r = calloc(1, sizeof(*r));
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors errs;
	char *text;
	int rc;

	(void)state;
	assert_non_null(r);
	assert_non_null(p);
	rig_result(r);
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(p->power.topology, POWER_TOPOLOGY_CONTROLLER);
	assert_string_equal(p->power.psu_on, "PSU_ON_N");
	assert_string_equal(p->power.host_alive, "H2_PWR_LED");
	assert_int_equal(p->watts.nmonitors, 2);
	assert_int_equal(p->watts.mon[0].ina.mode, INA2XX_MODE_I2C);
	assert_int_equal(p->watts.mon[0].ina.chip, INA2XX_INA226);
	assert_int_equal(p->watts.mon[0].ina.addr, 0x40);
	assert_true(p->watts.mon[0].budget);
	assert_int_equal(p->watts.mon[1].ina.mode, INA2XX_MODE_HWMON);
	assert_string_equal(p->watts.mon[1].ina.hwmon_chip, "ina226-i2c-0-41");
	assert_false(p->watts.mon[1].budget);
	assert_true(p->fan.enabled);
	assert_string_equal(p->fan.chip, "emc2305-i2c-0-2e");
	assert_int_equal(p->fan.pwm, 1);
	assert_string_equal(p->ib.device, "rxe_lo");
	assert_int_equal(p->ib.ports_mask, 1u << 1);
	/* what the probe cannot see is marked */
	assert_true(guessed(text, "\nshunt = 0.002\n"));
	assert_true(guessed(text, "\nmax_current = 8\n"));
	assert_true(guessed(text, "\npsu_on_active_low = yes\n"));
	assert_true(guessed(text, "\npwm = 1\n")); /* not tested */
	assert_true(guessed(text, "\ndevice = rxe_lo\n")); /* not a ConnectX */
	/* what it saw is not */
	assert_false(guessed(text, "\npsu_on = PSU_ON_N\n"));
	assert_false(guessed(text, "\ntype = ina226\n"));
	free(text);
	free(p);
	free(r);
}

static void test_profile_pairs_and_input(void **state)
{
	struct probe_result *r = calloc(1, sizeof(*r));
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors errs;
	char *text;
	int rc, nic = -1;

	(void)state;
	assert_non_null(r);
	assert_non_null(p);
	rig_result(r);
	r->pwm_tested = true;
	/* pwm1 drives nothing with a tach, pwm2 drives fan2: the fan is pwm2's */
	r->fans[0].tested = true;
	snprintf(r->fans[0].why, sizeof(r->fans[0].why), "no tach rose");
	r->fans[1].tested = true;
	r->fans[1].tach = 2;
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(p->fan.pwm, 2);
	assert_false(guessed(text, "\npwm = 2\n"));
	for (int i = 0; i < p->fan.ninputs; i++)
		if (strcmp(p->fan.inputs[i].spec.name, "nic") == 0)
			nic = i;
	assert_true(nic >= 0);
	assert_string_equal(p->fan.inputs[nic].spec.chip, "lm75-i2c-0-48");
	free(text);
	/* a tach on another channel than its PWM: kept, but flagged */
	r->fans[1].tach = 3;
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	assert_true(guessed(text, "\npwm = 2\n"));
	assert_non_null(strstr(text, "fan3"));
	free(text);
	free(p);
	free(r);
}

static void test_profile_of_nothing_loads(void **state)
{
	struct probe_result *r = calloc(1, sizeof(*r));
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors errs;
	char *text;
	int rc;

	(void)state;
	assert_non_null(r);
	assert_non_null(p);
	/* one chip of unnamed lines, one of them taken: placeholders are distinct, free lines */
	r->ngpio_chips = 1;
	for (unsigned i = 0; i < 4; i++)
		add_line(r, "", i);
	r->gpio_lines[0].used = true;
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(p->power.topology, POWER_TOPOLOGY_SELF);
	assert_string_equal(p->power.psu_on, "gpiochip0:1");
	assert_string_equal(p->power.psu_ok, "gpiochip0:2");
	assert_string_equal(p->power.button, "gpiochip0:3");
	assert_true(guessed(text, "\npsu_on = gpiochip0:1\n"));
	assert_false(p->fan.enabled);
	free(text);
	/* no GPIO chip at all: still a profile the loader takes */
	memset(r, 0, sizeof(*r));
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	free(text);
	free(p);
	free(r);
}

/* The whole read-only scan against the simulated SFX box, through the sim backends. */
static void test_scan_of_the_sim_box(void **state)
{
	struct probe_result *r = calloc(1, sizeof(*r));
	struct profile *p = calloc(1, sizeof(*p));
	struct profile_errors errs;
	const int buses[] = { SIM_PLANT_INA_BUS, 7 };
	struct sim_box b;
	char *text;
	int rc;

	(void)state;
	assert_non_null(r);
	assert_non_null(p);
	assert_int_equal(sim_box_open(&b, SIM_BOX_BOOTED), 0);
	cli_probe_scan(b.hw, buses, 2, r);
	assert_int_equal(r->ngpio_chips, 1);
	assert_int_equal(r->ngpio_lines, 6);
	assert_string_equal(r->gpio_lines[0].name, "PSU_ON_N");
	assert_int_equal(r->nbuses, 2);
	assert_int_equal(r->buses[0].err, 0);
	assert_int_equal(r->buses[1].err, -ENOENT); /* no such bus: said, not scanned */
	assert_int_equal(r->ndevs, 1);
	assert_int_equal(r->devs[0].addr, SIM_PLANT_INA_ADDR);
	assert_int_equal(r->devs[0].id.chip, PROBE_CHIP_INA226);
	assert_false(r->devs[0].kernel);
	assert_int_equal(r->npci, 1);
	assert_int_equal(r->pci[0].vendor, 0x15b3);
	assert_int_equal(r->nib, 1);
	assert_string_equal(r->ib[0].slot, r->pci[0].slot);
	cli_probe_fans_list(b.hw, r);
	assert_int_equal(r->nfans, 0); /* no EMC2305 under a kernel driver on the sim */
	text = render(r, p, &errs, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(p->power.topology, POWER_TOPOLOGY_CONTROLLER);
	assert_int_equal(p->watts.mon[0].ina.bus, SIM_PLANT_INA_BUS);
	assert_string_equal(p->ib.device, r->ib[0].name);
	assert_false(guessed(text, "\ndevice = mlx4_0\n")); /* the card on PCI: seen, not guessed */
	free(text);
	sim_box_close(&b);
	free(p);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ina226_and_ina260_by_ids),
		cmocka_unit_test(test_ina219_by_config_is_a_guess),
		cmocka_unit_test(test_emc230x_by_product_id),
		cmocka_unit_test(test_lm75_heuristics),
		cmocka_unit_test(test_nothing_answers),
		cmocka_unit_test(test_chip_from_driver),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_pairs_resolve),
		cmocka_unit_test(test_profile_of_the_rig_loads),
		cmocka_unit_test(test_profile_pairs_and_input),
		cmocka_unit_test(test_profile_of_nothing_loads),
		cmocka_unit_test(test_scan_of_the_sim_box),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
