/* ina2xx.c - INA219/INA226/INA260 monitors: identification, calibration, plausible samples. */
#include "drivers/ina2xx.h"

#include "hw/hwmon.h"
#include "hw/i2c.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads without a conversion-ready flag before we trust registers anyway (flag not wired). */
#define INA2XX_READY_GRACE 16

struct ina2xx {
	struct ina2xx_config cfg;
	enum ina2xx_chip chip;
	struct hw_i2c_dev *dev;
	struct hw_hwmon_chip *hwmon;
	double current_lsb;
	uint16_t cal;
	bool converted;
	int unready_reads;
	char desc[160];
	char why[160];
};

static const int ina226_avgs[8] = { 1, 4, 16, 64, 128, 256, 512, 1024 };
static const int ina226_cts[8] = { 140, 204, 332, 588, 1100, 2116, 4156, 8244 };

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void ina2xx_config_defaults(struct ina2xx_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = INA2XX_MODE_I2C;
	c->chip = INA2XX_AUTO;
	c->bus = 1;
	c->addr = 0x40;
	c->shunt_ohm = 0.002;
	c->max_current_a = 8.0;
	c->averages = 16;
	c->conv_us = 1100;
	snprintf(c->hwmon_chip, sizeof(c->hwmon_chip), "ina226-*");
	snprintf(c->label_in, sizeof(c->label_in), "in1");
	snprintf(c->label_curr, sizeof(c->label_curr), "curr1");
	snprintf(c->label_power, sizeof(c->label_power), "power1");
}

const char *ina2xx_chip_name(enum ina2xx_chip chip)
{
	switch (chip) {
	case INA2XX_INA219:
		return "INA219";
	case INA2XX_INA226:
		return "INA226";
	case INA2XX_INA260:
		return "INA260";
	case INA2XX_AUTO:
		break;
	}
	return "auto";
}

/* ---- pure register math ---- */

double ina2xx_current_lsb_for(double max_current_a)
{
	static const double steps[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
	double raw, decade;
	size_t i;

	if (!(max_current_a > 0) || !isfinite(max_current_a))
		return NAN;
	raw = max_current_a / 32768.0;
	decade = pow(10.0, floor(log10(raw)));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		/* a relative epsilon keeps an exact 1-2-2.5-5 value from jumping a step */
		if (steps[i] * decade >= raw * (1.0 - 1e-9))
			return steps[i] * decade;
	}
	return 10.0 * decade;
}

int ina2xx_calibration_for(enum ina2xx_chip chip, double current_lsb, double shunt_ohm,
			   uint16_t *cal)
{
	double k, v;
	double max;

	switch (chip) {
	case INA2XX_INA226:
		k = 0.00512;
		max = 0x7FFF; /* bit 15 is reserved */
		break;
	case INA2XX_INA219:
		k = 0.04096;
		max = 0xFFFE; /* bit 0 is not used */
		break;
	case INA2XX_INA260:
		*cal = 0;
		return 0;
	default:
		return -EINVAL;
	}
	if (!(current_lsb > 0) || !(shunt_ohm > 0))
		return -EINVAL;
	v = floor(k / (current_lsb * shunt_ohm));
	if (v < 1 || v > max)
		return -EINVAL;
	*cal = (uint16_t)v;
	if (chip == INA2XX_INA219)
		*cal &= 0xFFFE;
	return 0;
}

static int table_round_up(const int *t, int n, int want)
{
	int i;

	for (i = 0; i < n; i++) {
		if (t[i] >= want)
			return i;
	}
	return n - 1;
}

uint16_t ina2xx_config_word(enum ina2xx_chip chip, int averages, int conv_us)
{
	int avg, ct, code;

	if (chip == INA2XX_INA219) {
		/* BRNG 32 V, PGA /8 (320 mV), BADC = SADC, continuous shunt + bus */
		if (averages <= 1)
			code = 0x3; /* 12-bit, 532 us */
		else {
			code = 0x9;
			while (code < 0xF && (1 << (code - 0x8)) < averages)
				code++;
		}
		return (uint16_t)(0x2000 | 0x1800 | (code << 7) | (code << 3) | 0x7);
	}
	avg = table_round_up(ina226_avgs, 8, averages);
	ct = table_round_up(ina226_cts, 8, conv_us);
	code = (avg << 9) | (ct << 6) | (ct << 3) | 0x7;
	return (uint16_t)((chip == INA2XX_INA260 ? 0x6000 : 0x4000) | code);
}

double ina2xx_decode_bus_volts(enum ina2xx_chip chip, uint16_t reg)
{
	if (chip == INA2XX_INA219)
		return (double)(reg >> 3) * 0.004;
	return (double)reg * 0.00125;
}

double ina2xx_decode_current(enum ina2xx_chip chip, uint16_t reg, double current_lsb)
{
	if (chip == INA2XX_INA260)
		return (double)(int16_t)reg * 0.00125;
	return (double)(int16_t)reg * current_lsb;
}

double ina2xx_decode_power(enum ina2xx_chip chip, uint16_t reg, double current_lsb)
{
	switch (chip) {
	case INA2XX_INA260:
		return (double)reg * 0.010;
	case INA2XX_INA219:
		return (double)reg * 20.0 * current_lsb;
	default:
		return (double)reg * 25.0 * current_lsb;
	}
}

double ina2xx_decode_shunt_volts(enum ina2xx_chip chip, uint16_t reg)
{
	switch (chip) {
	case INA2XX_INA219:
		return (double)(int16_t)reg * 10e-6;
	case INA2XX_INA226:
		return (double)(int16_t)reg * 2.5e-6;
	default:
		return NAN;
	}
}

int ina2xx_check_raw(enum ina2xx_chip chip, uint16_t bus, uint16_t current, uint16_t power,
		     const char **why)
{
	if (bus == 0xFFFF && current == 0xFFFF && power == 0xFFFF) {
		*why = "every register reads 0xFFFF (bus stuck high or chip gone)";
		return -EIO;
	}
	if (chip == INA2XX_INA219) {
		if (bus & INA219_BUS_OVF) {
			*why = "math overflow flag set (current or power out of range)";
			return -EIO;
		}
		return 0;
	}
	if (bus & 0x8000) {
		*why = "bus voltage register has its sign bit set (negative bus voltage)";
		return -EIO;
	}
	return 0;
}

int ina2xx_check_values(double volts, double amps, double watts, double max_current_a,
			const char **why)
{
	double vi;

	if (!isfinite(volts) || !isfinite(amps) || !isfinite(watts)) {
		*why = "not a number";
		return -EIO;
	}
	if (volts < 0) {
		*why = "negative bus voltage";
		return -EIO;
	}
	if (volts > 36.0) {
		*why = "bus voltage above the chip's 36 V range";
		return -EIO;
	}
	if (watts < 0) {
		*why = "negative power";
		return -EIO;
	}
	if (max_current_a > 0 && fabs(amps) > 2.0 * max_current_a) {
		*why = "current beyond twice the configured maximum";
		return -EIO;
	}
	vi = volts * fabs(amps);
	if (fabs(watts - vi) > 0.25 * fmax(watts, vi) + 1.0) {
		*why = "power disagrees with bus voltage x current";
		return -EIO;
	}
	return 0;
}

/* ---- register access ---- */

static int reg_read(struct ina2xx *d, uint8_t reg, uint16_t *v)
{
	uint16_t raw;
	int r = hw_i2c_read_word(d->dev, reg, &raw);

	if (r < 0)
		return r;
	*v = ina2xx_swap16(raw); /* INA2xx sends the MSB first */
	return 0;
}

static int reg_write(struct ina2xx *d, uint8_t reg, uint16_t v)
{
	return hw_i2c_write_word(d->dev, reg, ina2xx_swap16(v));
}

enum ina2xx_chip ina2xx_chip_from_ids(uint16_t mfg, uint16_t die)
{
	if (mfg != INA2XX_TI_ID)
		return INA2XX_AUTO;
	/* the low nibble is the die revision */
	if ((die & 0xFFF0) == INA226_DIE_ID)
		return INA2XX_INA226;
	if ((die & 0xFFF0) == INA260_DIE_ID)
		return INA2XX_INA260;
	return INA2XX_AUTO;
}

static int identify(struct ina2xx *d, char *err, size_t errlen)
{
	uint16_t mfg = 0, die = 0, conf = 0;
	int rm, rd = -ENODATA, r;
	enum ina2xx_chip want = d->cfg.chip;

	rm = reg_read(d, INA2XX_REG_MFG_ID, &mfg);
	if (rm == 0 && mfg == INA2XX_TI_ID) {
		rd = reg_read(d, INA2XX_REG_DIE_ID, &die);
		if (rd < 0) {
			set_err(err, errlen, "reading the die ID register failed: %s",
				strerror(-rd));
			return rd;
		}
		d->chip = ina2xx_chip_from_ids(mfg, die);
		if (d->chip == INA2XX_AUTO) {
			set_err(err, errlen,
				"TI part with die ID 0x%04x at %d/0x%02x is not an INA226 (0x2260) "
				"or "
				"INA260 (0x2270)",
				die, d->cfg.bus, d->cfg.addr);
			return -ENODEV;
		}
		snprintf(d->desc, sizeof(d->desc),
			 "%s at %d/0x%02x (manufacturer 0x%04x TI, die 0x%04x)",
			 ina2xx_chip_name(d->chip), d->cfg.bus, d->cfg.addr, mfg, die);
		return 0;
	}
	if (want == INA2XX_INA226 || want == INA2XX_INA260) {
		if (rm < 0)
			set_err(err, errlen,
				"expected %s at %d/0x%02x: reading its ID register failed: %s",
				ina2xx_chip_name(want), d->cfg.bus, d->cfg.addr, strerror(-rm));
		else
			set_err(err, errlen,
				"expected %s at %d/0x%02x: manufacturer ID 0x%04x, not 0x5449 (TI)",
				ina2xx_chip_name(want), d->cfg.bus, d->cfg.addr, mfg);
		return rm < 0 ? rm : -ENODEV;
	}
	/* INA219 has no ID registers: a reset must leave its documented config value. */
	r = reg_write(d, INA2XX_REG_CONFIG, 0x8000);
	if (r == 0)
		r = reg_read(d, INA2XX_REG_CONFIG, &conf);
	if (r < 0) {
		set_err(err, errlen, "no INA2xx at %d/0x%02x: %s", d->cfg.bus, d->cfg.addr,
			strerror(-r));
		return r;
	}
	if (conf != INA219_CONFIG_RESET) {
		if (rm == 0)
			set_err(err, errlen,
				"no INA2xx at %d/0x%02x: manufacturer ID 0x%04x (expected 0x5449, "
				"TI) and "
				"config 0x%04x after reset (an INA219 resets to 0x399F)",
				d->cfg.bus, d->cfg.addr, mfg, conf);
		else
			set_err(err, errlen,
				"no INA2xx at %d/0x%02x: no ID registers and config 0x%04x after "
				"reset "
				"(an INA219 resets to 0x399F)",
				d->cfg.bus, d->cfg.addr, conf);
		return -ENODEV;
	}
	d->chip = INA2XX_INA219;
	snprintf(d->desc, sizeof(d->desc),
		 "INA219 at %d/0x%02x (no ID registers; identified by config reset value 0x399F)",
		 d->cfg.bus, d->cfg.addr);
	return 0;
}

static int setup_i2c(struct ina2xx *d, struct hw *hw, char *err, size_t errlen)
{
	uint16_t conf, back = 0;
	int r;

	r = hw_i2c_open(hw, d->cfg.bus, d->cfg.addr, &d->dev);
	if (r < 0) {
		set_err(err, errlen, "cannot open I2C device %d/0x%02x: %s", d->cfg.bus,
			d->cfg.addr, strerror(-r));
		return r;
	}
	r = identify(d, err, errlen);
	if (r < 0)
		return r;
	if (d->cfg.chip != INA2XX_AUTO && d->cfg.chip != d->chip) {
		set_err(err, errlen, "expected %s at %d/0x%02x but found %s",
			ina2xx_chip_name(d->cfg.chip), d->cfg.bus, d->cfg.addr,
			ina2xx_chip_name(d->chip));
		return -ENODEV;
	}
	if (d->chip == INA2XX_INA260) {
		d->current_lsb = 0.00125;
	} else {
		d->current_lsb = ina2xx_current_lsb_for(d->cfg.max_current_a);
		r = ina2xx_calibration_for(d->chip, d->current_lsb, d->cfg.shunt_ohm, &d->cal);
		if (r < 0) {
			set_err(err, errlen,
				"calibration for shunt %g ohm and %g A does not fit the %s "
				"register",
				d->cfg.shunt_ohm, d->cfg.max_current_a, ina2xx_chip_name(d->chip));
			return r;
		}
	}
	if (d->chip != INA2XX_INA219) {
		r = reg_write(d, INA2XX_REG_CONFIG, 0x8000);
		if (r < 0)
			goto io;
	}
	conf = ina2xx_config_word(d->chip, d->cfg.averages, d->cfg.conv_us);
	r = reg_write(d, INA2XX_REG_CONFIG, conf);
	if (r < 0)
		goto io;
	if (d->chip != INA2XX_INA260) {
		r = reg_write(d, INA2XX_REG_CALIB, d->cal);
		if (r == 0)
			r = reg_read(d, INA2XX_REG_CALIB, &back);
		if (r < 0)
			goto io;
		if (back != d->cal) {
			set_err(err, errlen,
				"calibration readback 0x%04x differs from 0x%04x written", back,
				d->cal);
			return -EIO;
		}
	}
	if (d->chip != INA2XX_INA219) {
		/* clear a stale conversion-ready flag */
		r = reg_read(d, INA2XX_REG_MASK, &back);
		if (r < 0)
			goto io;
	}
	return 0;
io:
	set_err(err, errlen, "configuring %s at %d/0x%02x failed: %s", ina2xx_chip_name(d->chip),
		d->cfg.bus, d->cfg.addr, strerror(-r));
	return r;
}

static int setup_hwmon(struct ina2xx *d, struct hw *hw, char *err, size_t errlen)
{
	const char *name;
	int r;

	r = hw_hwmon_chip_open(hw, d->cfg.hwmon_chip, &d->hwmon);
	if (r < 0) {
		set_err(err, errlen, "no hwmon chip matches \"%s\": %s", d->cfg.hwmon_chip,
			strerror(-r));
		return r;
	}
	name = hw_hwmon_chip_name(d->hwmon);
	if (!strncmp(name, "ina219", 6))
		d->chip = INA2XX_INA219;
	else if (!strncmp(name, "ina260", 6))
		d->chip = INA2XX_INA260;
	else
		d->chip = INA2XX_INA226; /* ina226/ina230/ina231 share the INA226 map */
	d->current_lsb = NAN;
	snprintf(d->desc, sizeof(d->desc), "%s through the kernel ina2xx hwmon driver", name);
	return 0;
}

int ina2xx_open(struct hw *hw, const struct ina2xx_config *cfg, struct ina2xx **out, char *err,
		size_t errlen)
{
	struct ina2xx *d;
	int r;

	d = calloc(1, sizeof(*d));
	if (!d) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->cfg = *cfg;
	d->chip = cfg->chip;
	if (cfg->mode == INA2XX_MODE_HWMON)
		r = setup_hwmon(d, hw, err, errlen);
	else
		r = setup_i2c(d, hw, err, errlen);
	if (r < 0) {
		ina2xx_close(d);
		return r;
	}
	*out = d;
	return 0;
}

void ina2xx_close(struct ina2xx *d)
{
	if (!d)
		return;
	hw_i2c_close(d->dev);
	hw_hwmon_chip_close(d->hwmon);
	free(d);
}

enum ina2xx_chip ina2xx_chip_get(const struct ina2xx *d)
{
	return d->chip;
}

const char *ina2xx_describe(const struct ina2xx *d)
{
	return d->desc;
}

double ina2xx_current_lsb(const struct ina2xx *d)
{
	return d->current_lsb;
}

uint16_t ina2xx_calibration(const struct ina2xx *d)
{
	return d->cal;
}

const char *ina2xx_last_error(const struct ina2xx *d)
{
	return d->why;
}

static void reading_invalid(struct ina2xx_reading *rd)
{
	rd->volts = rd->amps = rd->watts = NAN;
	rd->fresh = false;
}

/* The three hwmon features (in, curr, power) as the driver's queries, in that order. */
static void hwmon_queries(const struct ina2xx *d, struct hw_hwmon_query q[3])
{
	memset(q, 0, 3 * sizeof(q[0]));
	q[0].kind = HW_HWMON_IN;
	q[0].label = d->cfg.label_in;
	q[1].kind = HW_HWMON_CURR;
	q[1].label = d->cfg.label_curr;
	q[2].kind = HW_HWMON_POWER;
	q[2].label = d->cfg.label_power;
}

/* One hwmon sample's values and error (r: the first query's) checked into a reading. */
static int hwmon_reading(struct ina2xx *d, int r, double v, double a, double w,
			 struct ina2xx_reading *rd)
{
	const char *why;

	if (r < 0) {
		snprintf(d->why, sizeof(d->why), "hwmon read failed: %s", strerror(-r));
		return r == -ENODATA ? -EIO : r;
	}
	r = ina2xx_check_values(v, a, w, d->cfg.max_current_a, &why);
	if (r < 0) {
		snprintf(d->why, sizeof(d->why), "%s", why);
		return r;
	}
	rd->volts = v;
	rd->amps = a;
	rd->watts = w;
	rd->fresh = true;
	return 0;
}

static int read_hwmon(struct ina2xx *d, struct ina2xx_reading *rd)
{
	/* the three in one go: one hand-off to the chip's reader a sample, not three */
	struct hw_hwmon_query q[3];
	int r;

	hwmon_queries(d, q);
	r = hw_hwmon_read_many(d->hwmon, q, 3);
	return hwmon_reading(d, r, q[0].value, q[1].value, q[2].value, rd);
}

static int read_i2c(struct ina2xx *d, struct ina2xx_reading *rd)
{
	uint16_t mask = 0, bus = 0, cur = 0, pwr = 0;
	const char *why;
	double v, a, w;
	bool fresh;
	int r;

	if (d->chip == INA2XX_INA219) {
		r = reg_read(d, INA2XX_REG_BUS, &bus);
		if (r < 0)
			goto io;
		fresh = bus & INA219_BUS_CNVR;
	} else {
		r = reg_read(d, INA2XX_REG_MASK, &mask); /* reading clears CVRF */
		if (r < 0)
			goto io;
		fresh = mask & INA2XX_MASK_CVRF;
		if (mask == 0xFFFF)
			fresh = false;
	}
	if (fresh)
		d->converted = true;
	else if (!d->converted && ++d->unready_reads < INA2XX_READY_GRACE) {
		snprintf(d->why, sizeof(d->why), "no conversion finished yet");
		return -EAGAIN;
	}
	if (d->chip != INA2XX_INA219) {
		r = reg_read(d, INA2XX_REG_BUS, &bus);
		if (r < 0)
			goto io;
	}
	r = reg_read(d, d->chip == INA2XX_INA260 ? INA2XX_REG_SHUNT : INA2XX_REG_CURRENT, &cur);
	if (r == 0)
		r = reg_read(d, INA2XX_REG_POWER, &pwr); /* INA219: clears CNVR */
	if (r < 0)
		goto io;
	r = ina2xx_check_raw(d->chip, bus, cur, pwr, &why);
	if (r < 0) {
		snprintf(d->why, sizeof(d->why), "%s", why);
		return r;
	}
	v = ina2xx_decode_bus_volts(d->chip, bus);
	a = ina2xx_decode_current(d->chip, cur, d->current_lsb);
	w = ina2xx_decode_power(d->chip, pwr, d->current_lsb);
	r = ina2xx_check_values(v, a, w, d->chip == INA2XX_INA260 ? 15.0 : d->cfg.max_current_a,
				&why);
	if (r < 0) {
		snprintf(d->why, sizeof(d->why), "%s (%.3f V, %.3f A, %.3f W)", why, v, a, w);
		return r;
	}
	rd->volts = v;
	rd->amps = a;
	rd->watts = w;
	rd->fresh = fresh;
	return 0;
io:
	snprintf(d->why, sizeof(d->why), "I2C read failed: %s", strerror(-r));
	return r;
}

int ina2xx_read(struct ina2xx *d, struct ina2xx_reading *rd)
{
	int r;

	reading_invalid(rd);
	r = d->hwmon ? read_hwmon(d, rd) : read_i2c(d, rd);
	if (r < 0) {
		reading_invalid(rd);
		return r;
	}
	d->why[0] = '\0';
	return 0;
}

/* ---- periodic sampling (hwmon mode): the chip's worker reads, the caller drains ---- */

int ina2xx_sampler_start(struct ina2xx *d, int64_t period_ns, int64_t first_ns,
			 unsigned capacity)
{
	struct hw_hwmon_query q[3];

	if (!d->hwmon)
		return -EOPNOTSUPP;
	hwmon_queries(d, q);
	return hw_hwmon_sampler_start(d->hwmon, q, 3, period_ns, first_ns, capacity);
}

int ina2xx_sampler_drain(struct ina2xx *d, int64_t now_ns, struct hw_hwmon_sample *out,
			 unsigned max, uint64_t *missed)
{
	if (!d->hwmon)
		return -EOPNOTSUPP;
	return hw_hwmon_sampler_drain(d->hwmon, now_ns, out, max, missed);
}

int ina2xx_sample_reading(struct ina2xx *d, const struct hw_hwmon_sample *smp,
			  struct ina2xx_reading *rd)
{
	int r = 0;

	reading_invalid(rd);
	for (int i = 0; i < 3 && r == 0; i++)
		r = smp->err[i];
	r = hwmon_reading(d, r, smp->value[0], smp->value[1], smp->value[2], rd);
	if (r < 0) {
		reading_invalid(rd);
		return r;
	}
	d->why[0] = '\0';
	return 0;
}
