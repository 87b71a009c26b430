/* probe-ident.c - which chip answers at an I2C address, and which tach follows a PWM: pure decisions. */
#include "supervisor/report/probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drivers/ina2xx.h"

/* EMC230x (datasheet DS20006532): vendor register 0xfe = 0x5d (SMSC), product ID 0xfd. */
#define PROBE_EMC_REG_VENDOR 0xfe
#define PROBE_EMC_REG_PRODUCT 0xfd
#define PROBE_EMC_VENDOR_SMSC 0x5d
/* LM75 registers: temperature, configuration (byte), hysteresis, overtemperature shutdown. */
#define PROBE_LM75_REG_TEMP 0x00
#define PROBE_LM75_REG_CONF 0x01
#define PROBE_LM75_REG_HYST 0x02
#define PROBE_LM75_REG_OS 0x03

static const char *const probe_chip_names[] = {
	[PROBE_CHIP_NONE] = "none",   [PROBE_CHIP_INA219] = "ina219",
	[PROBE_CHIP_INA226] = "ina226", [PROBE_CHIP_INA260] = "ina260",
	[PROBE_CHIP_EMC2305] = "emc2305", [PROBE_CHIP_LM75] = "lm75",
	[PROBE_CHIP_OTHER] = "other",
};
_Static_assert(sizeof(probe_chip_names) / sizeof(probe_chip_names[0]) == PROBE_CHIP_COUNT,
	       "a probe chip without a name");

const char *probe_chip_name(enum probe_chip chip)
{
	return chip >= 0 && chip < PROBE_CHIP_COUNT ? probe_chip_names[chip] : "?";
}

enum probe_chip probe_chip_from_driver(const char *name)
{
	/* the kernel's lm75 driver serves the LM75's clones under their own names */
	static const char *const lm75_likes[] = { "lm75", "lm75a", "tmp75", "tmp100", "tmp101",
						  "tmp175", "tmp275", "ds75", "stds75", "pct2075" };

	for (int c = PROBE_CHIP_INA219; c < PROBE_CHIP_OTHER; c++)
		if (strcmp(name, probe_chip_names[c]) == 0)
			return (enum probe_chip)c;
	for (size_t i = 0; i < sizeof(lm75_likes) / sizeof(lm75_likes[0]); i++)
		if (strcmp(name, lm75_likes[i]) == 0)
			return PROBE_CHIP_LM75;
	return PROBE_CHIP_OTHER;
}

/* EMC230x strap addresses; INA2xx 0x40-0x4f (A0/A1 pins); LM75 0x48-0x4f. */
static bool probe_addr_emc(uint8_t a)
{
	return (a >= 0x2c && a <= 0x2f) || a == 0x4c || a == 0x4d;
}

static bool probe_addr_ina(uint8_t a)
{
	return a >= 0x40 && a <= 0x4f;
}

static bool probe_addr_lm75(uint8_t a)
{
	return a >= 0x48 && a <= 0x4f;
}

bool probe_addr_scanned(uint8_t addr)
{
	return probe_addr_emc(addr) || probe_addr_ina(addr) || probe_addr_lm75(addr);
}

static uint16_t probe_swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/* A big-endian word register (INA2xx, LM75 send the MSB first). */
static int probe_read_be(probe_read_fn read, void *ud, uint8_t reg, uint16_t *v)
{
	uint16_t raw;
	int r = read(ud, reg, true, &raw);

	if (r == 0)
		*v = probe_swap16(raw);
	return r;
}

static int probe_ident_emc(probe_read_fn read, void *ud, struct probe_ident *out)
{
	static const int channels[] = { 5, 3, 2, 1 }; /* product IDs 0x34..0x37 */
	uint16_t vendor = 0, product = 0;
	int r = read(ud, PROBE_EMC_REG_VENDOR, false, &vendor);

	if (r < 0)
		return r;
	if (vendor != PROBE_EMC_VENDOR_SMSC)
		return 0;
	r = read(ud, PROBE_EMC_REG_PRODUCT, false, &product);
	if (r < 0 || product < 0x34 || product > 0x37) {
		snprintf(out->why, sizeof(out->why), "SMSC vendor ID but product ID %s0x%02x",
			 r < 0 ? "unreadable " : "", r < 0 ? 0 : product);
		return 0;
	}
	out->chip = PROBE_CHIP_EMC2305;
	out->channels = channels[product - 0x34];
	snprintf(out->why, sizeof(out->why), "vendor 0x5d (SMSC), product 0x%02x (EMC230%d)",
		 product, out->channels);
	return 0;
}

static int probe_ident_ina(probe_read_fn read, void *ud, struct probe_ident *out)
{
	uint16_t mfg = 0, die = 0, conf = 0;
	int rc, r = probe_read_be(read, ud, INA2XX_REG_MFG_ID, &mfg);

	if (r == 0 && mfg == INA2XX_TI_ID) {
		enum ina2xx_chip c;

		r = probe_read_be(read, ud, INA2XX_REG_DIE_ID, &die);
		if (r < 0)
			return 0;
		c = ina2xx_chip_from_ids(mfg, die);
		if (c == INA2XX_AUTO) {
			snprintf(out->why, sizeof(out->why), "TI part with die ID 0x%04x", die);
			return 0;
		}
		out->chip = c == INA2XX_INA226 ? PROBE_CHIP_INA226 : PROBE_CHIP_INA260;
		snprintf(out->why, sizeof(out->why), "manufacturer 0x5449 (TI), die 0x%04x", die);
		return 0;
	}
	/* No ID registers: an INA219 shows its power-on config until someone programs it. */
	rc = probe_read_be(read, ud, INA2XX_REG_CONFIG, &conf);
	if (rc == 0 && conf == INA219_CONFIG_RESET) {
		out->chip = PROBE_CHIP_INA219;
		out->guess = true;
		snprintf(out->why, sizeof(out->why),
			 "no TI ID registers, config 0x399F (an INA219's power-on value)");
	}
	return r < 0 && rc < 0 ? r : 0; /* -errno only when nothing answered */
}

/* An LM75 temperature register: 9..11 significant bits, so the low 5 bits read 0. */
static bool probe_lm75_temp_ok(uint16_t v, double *c)
{
	if (v & 0x001f)
		return false;
	*c = (double)(int16_t)v / 256.0;
	return *c >= -55.0 && *c <= 125.0;
}

static int probe_ident_lm75(probe_read_fn read, void *ud, struct probe_ident *out)
{
	uint16_t temp = 0, hyst = 0, os = 0, conf = 0;
	double t, th, to;
	int r = probe_read_be(read, ud, PROBE_LM75_REG_TEMP, &temp);

	if (r < 0)
		return r;
	if (read(ud, PROBE_LM75_REG_CONF, false, &conf) < 0 ||
	    probe_read_be(read, ud, PROBE_LM75_REG_HYST, &hyst) < 0 ||
	    probe_read_be(read, ud, PROBE_LM75_REG_OS, &os) < 0)
		return 0;
	/* sensors-detect's tests: unused config bits clear, plausible limits, hyst <= os */
	if ((conf & 0xe0) || !probe_lm75_temp_ok(temp, &t) || !probe_lm75_temp_ok(hyst, &th) ||
	    !probe_lm75_temp_ok(os, &to) || th > to)
		return 0;
	if (temp == 0 && hyst == 0 && os == 0 && conf == 0) {
		/* an all-zero register file: something acknowledges, nothing says LM75 */
		snprintf(out->why, sizeof(out->why), "every LM75 register reads 0");
		return 0;
	}
	out->chip = PROBE_CHIP_LM75;
	out->guess = true;
	snprintf(out->why, sizeof(out->why),
		 "LM75-like registers: %.1f C, hysteresis %.1f C, shutdown %.1f C, config 0x%02x", t,
		 th, to, conf);
	return 0;
}

int probe_ident_decide(uint8_t addr, probe_read_fn read, void *userdata, struct probe_ident *out)
{
	static int (*const tests[])(probe_read_fn, void *, struct probe_ident *) = {
		probe_ident_emc, probe_ident_ina, probe_ident_lm75,
	};
	const bool fits[] = { probe_addr_emc(addr), probe_addr_ina(addr), probe_addr_lm75(addr) };
	bool answered = false;
	int err = -ENXIO;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int r;

		if (!fits[i])
			continue;
		r = tests[i](read, userdata, out);
		if (out->chip != PROBE_CHIP_NONE)
			return 0;
		if (r == 0)
			answered = true;
		else
			err = r;
	}
	return answered ? 0 : err;
}

int probe_pair_decide(const double *rpm_low, const double *rpm_high, int ntach,
		      double min_delta_rpm, char *why, size_t whylen)
{
	double best = 0.0, second = 0.0;
	int pick = -1;

	for (int t = 0; t < ntach; t++) {
		double d;

		if (isnan(rpm_low[t]) || isnan(rpm_high[t]))
			continue;
		d = rpm_high[t] - rpm_low[t];
		if (d > best) {
			second = best;
			best = d;
			pick = t;
		} else if (d > second) {
			second = d;
		}
	}
	if (pick < 0 || best < min_delta_rpm || best < 0.25 * rpm_high[pick]) {
		snprintf(why, whylen, "no tach rose by %.0f rpm or more", min_delta_rpm);
		return -1;
	}
	if (second > 0.5 * best) {
		snprintf(why, whylen, "two tachs followed it (%.0f and %.0f rpm): ambiguous", best,
			 second);
		return -1;
	}
	snprintf(why, whylen, "fan%d went %.0f -> %.0f rpm", pick + 1, rpm_low[pick],
		 rpm_high[pick]);
	return pick;
}

void probe_pairs_resolve(struct probe_fan *fans, int nfans)
{
	for (int i = 0; i < nfans; i++) {
		int keep = -1;

		if (!fans[i].tach)
			continue;
		/* the outputs of this chip whose tach is this one: keep one */
		for (int j = 0; j < nfans; j++)
			if (fans[j].tach == fans[i].tach && strcmp(fans[j].chip, fans[i].chip) == 0 &&
			    (keep < 0 || (fans[j].pwm == fans[j].tach && fans[keep].pwm != fans[keep].tach)))
				keep = j;
		for (int j = 0; j < nfans; j++) {
			if (j == keep || fans[j].tach != fans[keep].tach ||
			    strcmp(fans[j].chip, fans[keep].chip) != 0)
				continue;
			snprintf(fans[j].why, sizeof(fans[j].why),
				 "fan%d follows pwm%d too: the chip moves its outputs together",
				 fans[j].tach, fans[keep].pwm);
			fans[j].tach = 0;
		}
	}
}
