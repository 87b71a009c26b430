/* ina-models.c - the plant's INA219 and INA260 (datasheet maps and LSBs), and the chip dispatch. */
#include "hw/sim/plant-private.h"

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

static void ina219_reset(struct sim_plant *p)
{
	p->ina219 = (struct sim_ina219){
		.config = INA219_CONFIG_DEFAULT,
		.anchor_ns = p->now,
		.prev_conv_ns = INT64_MIN,
		.power_read_conv_ns = INT64_MIN,
	};
}

void plant_monitor_sample(const struct sim_plant *p, int64_t c, double *amps, double *volts)
{
	double w = plant_monitored_w(p);
	double v = plant_monitored_v(p, w);

	*amps = (v > 0 ? w / v : 0.0) * plant_noise(p, 1, c);
	*volts = v * plant_noise(p, 2, c);
}

static void ina219_latch(struct sim_plant *p, int64_t c)
{
	struct sim_ina219 *ina = &p->ina219;
	int mode = ina->config & 7;
	/* PGA: 40 mV x 1, 2, 4, 8 full scale; the bus range 16 or 32 V */
	long shunt_fs = 4000L << ((ina->config >> 11) & 3);
	long bus_fs = (ina->config & 0x2000) ? 8000 : 4000;
	double amps, v;
	long cur, pwr;

	plant_monitor_sample(p, c, &amps, &v);
	if (mode & 1)
		ina->shunt = (int16_t)plant_clampl(
			lround(amps * INA219_SHUNT_OHM / INA219_SHUNT_LSB), -shunt_fs, shunt_fs);
	if (mode & 2)
		ina->bus_mv4 = (uint16_t)plant_clampl(lround(v / INA219_BUS_LSB), 0, bus_fs);
	/* the chip's own integer arithmetic; OVF when current or power leave their registers */
	cur = (long)ina->shunt * ina->cal / 4096;
	pwr = labs(cur) * ina->bus_mv4 / 5000;
	ina->ovf = cur > 32767 || cur < -32768 || pwr > 0xffff;
	ina->current = (int16_t)plant_clampl(cur, -32768, 32767);
	ina->power = (uint16_t)plant_clampl(pwr, 0, 0xffff);
}

static int ina219_read(struct sim_plant *p, uint8_t reg, uint16_t *val)
{
	struct sim_ina219 *ina = &p->ina219;
	int64_t c = ina219_last_conv(ina, p->now);

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

static int ina219_write(struct sim_plant *p, uint8_t reg, uint16_t val)
{
	struct sim_ina219 *ina = &p->ina219;

	switch (reg) {
	case 0x00:
		if (val & INA219_CONFIG_RESET) {
			ina219_reset(p); /* every register back to its power-on value */
			break;
		}
		ina->prev_conv_ns = ina219_last_conv(ina, p->now);
		ina->power_read_conv_ns = ina->prev_conv_ns; /* a config write clears CNVR */
		ina->config = val & 0x3fff;
		ina->anchor_ns = p->now;
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

static void ina260_reset(struct sim_plant *p)
{
	ina226_model_reset(p); /* the INA226's map and timing ... */
	p->ina.config = INA260_CONFIG_DEFAULT; /* ... with the INA260's reset value */
}

static void ina260_latch(struct sim_plant *p, int64_t c)
{
	struct sim_ina226 *ina = &p->ina;
	int mode = ina->config & 7;
	double amps, v;

	plant_monitor_sample(p, c, &amps, &v);
	if (mode & 1)
		ina->current =
			(int16_t)plant_clampl(lround(amps / INA260_CURRENT_LSB), -32768, 32767);
	if (mode & 2)
		ina->bus = (uint16_t)plant_clampl(lround(v / INA260_BUS_LSB), 0, 0x7fff);
	/* 10 mW = 1.25 mA x 1.25 mV x 6400 */
	ina->power = (uint16_t)plant_clampl(labs((long)ina->current) * ina->bus / 6400, 0, 0xffff);
}

static int ina260_read(struct sim_plant *p, uint8_t reg, uint16_t *val)
{
	struct sim_ina226 *ina = &p->ina;
	int64_t c;

	switch (reg) {
	case 0x00: *val = ina->config; break;
	case 0x01: *val = (uint16_t)ina->current; break;
	case 0x02: *val = ina->bus; break;
	case 0x03: *val = ina->power; break;
	case 0x06:
		c = ina226_model_last_conv(ina, p->now);
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

static int ina260_write(struct sim_plant *p, uint8_t reg, uint16_t val)
{
	struct sim_ina226 *ina = &p->ina;

	switch (reg) {
	case 0x00:
		if (val & 0x8000) {
			ina260_reset(p);
			break;
		}
		ina->prev_conv_ns = ina226_model_last_conv(ina, p->now);
		ina->config = (uint16_t)((val & 0x0fff) | 0x6000);
		ina->anchor_ns = p->now;
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

/* ---- dispatch on the configured chip ---- */

void plant_monitor_reset(struct sim_plant *p)
{
	switch (p->cfg.monitor_chip) {
	case SIM_MONITOR_INA219:
		ina219_reset(p);
		break;
	case SIM_MONITOR_INA260:
		ina260_reset(p);
		break;
	case SIM_MONITOR_INA226:
	default:
		ina226_model_reset(p);
		break;
	}
}

void plant_monitor_step(struct sim_plant *p, int64_t from, int64_t to)
{
	int64_t c;

	switch (p->cfg.monitor_chip) {
	case SIM_MONITOR_INA219:
		c = ina219_last_conv(&p->ina219, to);
		if (c != INT64_MIN && c > from)
			ina219_latch(p, c);
		break;
	case SIM_MONITOR_INA260:
		c = ina226_model_last_conv(&p->ina, to);
		if (c != INT64_MIN && c > from)
			ina260_latch(p, c);
		break;
	case SIM_MONITOR_INA226:
	default:
		ina226_model_step(p, from, to);
		break;
	}
}

int ina_other_reg_read(struct sim_plant *p, uint8_t reg, uint16_t *val)
{
	return p->cfg.monitor_chip == SIM_MONITOR_INA219 ? ina219_read(p, reg, val) :
							   ina260_read(p, reg, val);
}

int ina_other_reg_write(struct sim_plant *p, uint8_t reg, uint16_t val)
{
	return p->cfg.monitor_chip == SIM_MONITOR_INA219 ? ina219_write(p, reg, val) :
							   ina260_write(p, reg, val);
}
