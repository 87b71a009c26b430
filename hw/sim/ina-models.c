/* ina-models.c - the INA219 and INA260 (datasheet maps and LSBs), and the dispatch on the chip. */
#include "hw/sim/ina-model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* ---- INA219 (TI SBOS448): external shunt, calibration-based current and power ---- */

#define INA219_SHUNT_OHM 0.002 /* the board's shunt, as under the INA226 */
#define INA219_SHUNT_LSB 10e-6
#define INA219_BUS_LSB 4e-3
#define INA219_CONFIG_DEFAULT 0x399F /* 32 V, PGA /8, 12-bit, shunt + bus continuous */
#define INA219_CONFIG_RESET 0x8000
#define INA219_BUS_CNVR 0x0002
#define INA219_BUS_OVF 0x0001

/* BADC/SADC (4 bits) -> conversion time: 9..12 bit, or 2..128 averaged 12-bit samples. */
static int64_t ina219_adc_ns(unsigned code)
{
	static const int64_t bits_us[4] = { 84, 148, 276, 532 };

	if (!(code & 8))
		return bits_us[code & 3] * 1000;
	return (int64_t)532 * 1000 << (code & 7);
}

static int64_t ina219_period_ns(uint16_t config)
{
	int mode = config & 7;
	int64_t ns = 0;

	if (mode & 1)
		ns += ina219_adc_ns((config >> 3) & 0xf);
	if (mode & 2)
		ns += ina219_adc_ns((config >> 7) & 0xf);
	return ns;
}

static int64_t ina219_last_conv(const struct sim_ina219 *ina, int64_t t)
{
	int64_t per = ina219_period_ns(ina->config), c;

	if (per <= 0 || t < ina->anchor_ns + per)
		return ina->prev_conv_ns;
	if (ina->config & 4)
		c = ina->anchor_ns + (t - ina->anchor_ns) / per * per; /* continuous */
	else
		c = ina->anchor_ns + per; /* triggered */
	return c > ina->prev_conv_ns ? c : ina->prev_conv_ns;
}

static void ina219_reset(struct sim_ina219 *ina, int64_t now)
{
	*ina = (struct sim_ina219){
		.config = INA219_CONFIG_DEFAULT,
		.anchor_ns = now,
		.prev_conv_ns = INT64_MIN,
		.power_read_conv_ns = INT64_MIN,
	};
}

static void ina219_latch(struct sim_ina219 *ina, double amps, double v)
{
	int mode = ina->config & 7;
	/* PGA: 40 mV x 1, 2, 4, 8 full scale; the bus range 16 or 32 V */
	long shunt_fs = 4000L << ((ina->config >> 11) & 3);
	long bus_fs = (ina->config & 0x2000) ? 8000 : 4000;
	long cur, pwr;

	if (mode & 1)
		ina->shunt = (int16_t)ina_model_clamp(
			lround(amps * INA219_SHUNT_OHM / INA219_SHUNT_LSB), -shunt_fs, shunt_fs);
	if (mode & 2)
		ina->bus_mv4 = (uint16_t)ina_model_clamp(lround(v / INA219_BUS_LSB), 0, bus_fs);
	/* the chip's own integer arithmetic; OVF when current or power leave their registers */
	cur = (long)ina->shunt * ina->cal / 4096;
	pwr = labs(cur) * ina->bus_mv4 / 5000;
	ina->ovf = cur > 32767 || cur < -32768 || pwr > 0xffff;
	ina->current = (int16_t)ina_model_clamp(cur, -32768, 32767);
	ina->power = (uint16_t)ina_model_clamp(pwr, 0, 0xffff);
}

static int ina219_read(struct sim_ina219 *ina, int64_t now, uint8_t reg, uint16_t *val)
{
	int64_t c = ina219_last_conv(ina, now);

	switch (reg) {
	case 0x00: *val = ina->config; break;
	case 0x01: *val = (uint16_t)ina->shunt; break;
	case 0x02:
		*val = (uint16_t)(ina->bus_mv4 << 3) | (ina->ovf ? INA219_BUS_OVF : 0);
		if (c != INT64_MIN && c > ina->power_read_conv_ns)
			*val |= INA219_BUS_CNVR;
		break;
	case 0x03:
		*val = ina->power;
		ina->power_read_conv_ns = c; /* reading the power register clears CNVR */
		break;
	case 0x04: *val = (uint16_t)ina->current; break;
	case 0x05: *val = ina->cal; break;
	default:
		return -EIO; /* registers 0..5 only, no ID registers */
	}
	return 0;
}

static int ina219_write(struct sim_ina219 *ina, int64_t now, uint8_t reg, uint16_t val)
{

	switch (reg) {
	case 0x00:
		if (val & INA219_CONFIG_RESET) {
			ina219_reset(ina, now); /* every register back to its power-on value */
			break;
		}
		ina->prev_conv_ns = ina219_last_conv(ina, now);
		ina->power_read_conv_ns = ina->prev_conv_ns; /* a config write clears CNVR */
		ina->config = val & 0x3fff;
		ina->anchor_ns = now;
		break;
	case 0x05:
		ina->cal = val & 0xfffe; /* bit 0 is not implemented */
		break;
	case 0x01:
	case 0x02:
	case 0x03:
	case 0x04:
		break; /* read-only */
	default:
		return -EIO;
	}
	return 0;
}

/* ---- INA260 (TI SBOS656): integrated 2 mOhm shunt, fixed LSBs, the INA226's timing ---- */

#define INA260_CURRENT_LSB 1.25e-3
#define INA260_BUS_LSB 1.25e-3
#define INA260_CONFIG_DEFAULT 0x6127
#define INA260_MASK_CVRF 0x0008
#define INA260_MASK_WRITABLE 0xfc03

static void ina260_reset(struct sim_ina226 *ina, int64_t now)
{
	ina226_model_reset(ina, now); /* the INA226's map and timing ... */
	ina->config = INA260_CONFIG_DEFAULT; /* ... with the INA260's reset value */
}

static void ina260_latch(struct sim_ina226 *ina, double amps, double v)
{
	int mode = ina->config & 7;

	if (mode & 1)
		ina->current =
			(int16_t)ina_model_clamp(lround(amps / INA260_CURRENT_LSB), -32768, 32767);
	if (mode & 2)
		ina->bus = (uint16_t)ina_model_clamp(lround(v / INA260_BUS_LSB), 0, 0x7fff);
	/* 10 mW = 1.25 mA x 1.25 mV x 6400 */
	ina->power = (uint16_t)ina_model_clamp(labs((long)ina->current) * ina->bus / 6400, 0, 0xffff);
}

static int ina260_read(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t *val)
{
	int64_t c;

	switch (reg) {
	case 0x00: *val = ina->config; break;
	case 0x01: *val = (uint16_t)ina->current; break;
	case 0x02: *val = ina->bus; break;
	case 0x03: *val = ina->power; break;
	case 0x06:
		c = ina226_model_last_conv(ina, now);
		*val = ina->mask & INA260_MASK_WRITABLE;
		if (c != INT64_MIN && c > ina->mask_read_conv_ns)
			*val |= INA260_MASK_CVRF;
		ina->mask_read_conv_ns = c; /* reading clears CVRF */
		break;
	case 0x07: *val = ina->alert; break;
	case 0xfe: *val = 0x5449; break; /* "TI" */
	case 0xff: *val = 0x2270; break;
	default:
		return -EIO; /* no shunt-voltage or calibration register */
	}
	return 0;
}

static int ina260_write(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t val)
{

	switch (reg) {
	case 0x00:
		if (val & 0x8000) {
			ina260_reset(ina, now);
			break;
		}
		ina->prev_conv_ns = ina226_model_last_conv(ina, now);
		ina->config = (uint16_t)((val & 0x0fff) | 0x6000);
		ina->anchor_ns = now;
		break;
	case 0x06:
		ina->mask = val & INA260_MASK_WRITABLE;
		break;
	case 0x07:
		ina->alert = val;
		break;
	case 0x01:
	case 0x02:
	case 0x03:
	case 0xfe:
	case 0xff:
		break;
	default:
		return -EIO;
	}
	return 0;
}

/* ---- dispatch on the chip ---- */

void ina_model_reset(struct ina_model *m, enum ina_model_chip chip, int64_t now)
{
	m->chip = chip;
	switch (chip) {
	case INA_MODEL_INA219:
		ina219_reset(&m->ina219, now);
		break;
	case INA_MODEL_INA260:
		ina260_reset(&m->ina, now);
		break;
	case INA_MODEL_INA226:
	default:
		ina226_model_reset(&m->ina, now);
		break;
	}
}

bool ina_model_conversion(const struct ina_model *m, int64_t from, int64_t to, int64_t *c)
{
	*c = m->chip == INA_MODEL_INA219 ? ina219_last_conv(&m->ina219, to) :
					   ina226_model_last_conv(&m->ina, to);
	return *c != INT64_MIN && *c > from;
}

void ina_model_latch(struct ina_model *m, double amps, double volts)
{
	switch (m->chip) {
	case INA_MODEL_INA219:
		ina219_latch(&m->ina219, amps, volts);
		break;
	case INA_MODEL_INA260:
		ina260_latch(&m->ina, amps, volts);
		break;
	case INA_MODEL_INA226:
	default:
		ina226_model_latch(&m->ina, amps, volts);
		break;
	}
}

int ina_model_reg_read(struct ina_model *m, int64_t now, uint8_t reg, uint16_t *val)
{
	switch (m->chip) {
	case INA_MODEL_INA219:
		return ina219_read(&m->ina219, now, reg, val);
	case INA_MODEL_INA260:
		return ina260_read(&m->ina, now, reg, val);
	case INA_MODEL_INA226:
	default:
		return ina226_model_read(&m->ina, now, reg, val);
	}
}

int ina_model_reg_write(struct ina_model *m, int64_t now, uint8_t reg, uint16_t val)
{
	switch (m->chip) {
	case INA_MODEL_INA219:
		return ina219_write(&m->ina219, now, reg, val);
	case INA_MODEL_INA260:
		return ina260_write(&m->ina, now, reg, val);
	case INA_MODEL_INA226:
	default:
		return ina226_model_write(&m->ina, now, reg, val);
	}
}
