/* ina226-model.c - the INA226 at bus 1, 0x40: registers, conversion timing, wire order. */
#include "hw/sim/plant-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define INA_BUS SIM_PLANT_INA_BUS
#define INA_ADDR SIM_PLANT_INA_ADDR
#define INA_SHUNT_OHM 0.002
#define INA_SHUNT_LSB 2.5e-6
#define INA_BUS_LSB 1.25e-3

#define INA_REG_CONFIG 0x00
#define INA_REG_SHUNT 0x01
#define INA_REG_BUS 0x02
#define INA_REG_POWER 0x03
#define INA_REG_CURRENT 0x04
#define INA_REG_CAL 0x05
#define INA_REG_MASK 0x06
#define INA_REG_ALERT 0x07
#define INA_REG_MFR 0xfe
#define INA_REG_DIE 0xff

#define INA_CONFIG_RESET 0x8000
#define INA_CONFIG_DEFAULT 0x4127
#define INA_MASK_CVRF 0x0008
#define INA_MASK_WRITABLE 0xfc03

static const int ina_ct_us[8] = { 140, 204, 332, 588, 1100, 2116, 4156, 8244 };
static const int ina_avg[8] = { 1, 4, 16, 64, 128, 256, 512, 1024 };

/* Time one (averaged) conversion takes; 0 in power-down. */
static int64_t ina_period_ns(uint16_t config)
{
	int mode = config & 7;
	int64_t us = 0;

	if (mode & 1)
		us += ina_ct_us[(config >> 3) & 7];
	if (mode & 2)
		us += ina_ct_us[(config >> 6) & 7];
	return us * 1000 * ina_avg[(config >> 9) & 7];
}

int64_t ina226_model_last_conv(const struct sim_ina226 *ina, int64_t t)
{
	int64_t per = ina_period_ns(ina->config), c;

	if (per <= 0 || t < ina->anchor_ns + per)
		return ina->prev_conv_ns;
	if (ina->config & 4)
		c = ina->anchor_ns + (t - ina->anchor_ns) / per * per; /* continuous */
	else
		c = ina->anchor_ns + per; /* triggered: one conversion per config write */
	return c > ina->prev_conv_ns ? c : ina->prev_conv_ns;
}

void ina226_model_reset(struct sim_plant *p)
{
	struct sim_ina226 *ina = &p->ina;

	*ina = (struct sim_ina226){
		.config = INA_CONFIG_DEFAULT,
		.anchor_ns = p->now,
		.prev_conv_ns = INT64_MIN,
		.mask_read_conv_ns = INT64_MIN,
	};
}

/* Latch what the chip measures during the current step, as the conversion at time c. */
static void ina_latch(struct sim_plant *p, int64_t c)
{
	struct sim_ina226 *ina = &p->ina;
	int mode = ina->config & 7;
	double amps, v;
	int32_t cur;

	plant_monitor_sample(p, c, &amps, &v);
	if (mode & 1)
		ina->shunt = (int16_t)plant_clampl(lround(amps * INA_SHUNT_OHM / INA_SHUNT_LSB),
						   -32768, 32767);
	if (mode & 2)
		ina->bus = (uint16_t)plant_clampl(lround(v / INA_BUS_LSB), 0, 0x7fff);
	/* the chip's own integer arithmetic */
	cur = (int32_t)ina->shunt * (int32_t)ina->cal / 2048;
	ina->current = (int16_t)plant_clampl(cur, -32768, 32767);
	ina->power = (uint16_t)plant_clampl((long)labs((long)ina->current) * ina->bus / 20000, 0,
					    0xffff);
}

void ina226_model_step(struct sim_plant *p, int64_t from, int64_t to)
{
	int64_t c = ina226_model_last_conv(&p->ina, to);

	if (c != INT64_MIN && c > from)
		ina_latch(p, c);
}

int sim_plant_i2c_probe(struct sim_plant *p, int bus, uint8_t addr)
{
	(void)p;
	if (bus != INA_BUS)
		return -ENOENT;
	return addr == INA_ADDR ? 0 : -ENXIO;
}

static int ina_check(struct sim_plant *p, int bus, uint8_t addr)
{
	int r = sim_plant_i2c_probe(p, bus, addr);

	if (r < 0)
		return -ENXIO; /* nobody acknowledges the address */
	if (p->fault[SIM_FAULT_I2C_ERROR])
		return -EIO;
	return 0;
}

static uint16_t swab16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

int sim_plant_i2c_read_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t *v)
{
	struct sim_ina226 *ina = &p->ina;
	uint16_t val;
	int64_t c;
	int r;

	plant_sync(p);
	r = ina_check(p, bus, addr);
	if (r < 0)
		return r;
	if (p->cfg.monitor_chip != SIM_MONITOR_INA226) {
		r = ina_other_reg_read(p, reg, &val);
		if (r < 0)
			return r;
		*v = swab16(p->fault[SIM_FAULT_INA_GARBAGE] ? 0xffff : val);
		return 0;
	}
	switch (reg) {
	case INA_REG_CONFIG: val = ina->config; break;
	case INA_REG_SHUNT: val = (uint16_t)ina->shunt; break;
	case INA_REG_BUS: val = ina->bus; break;
	case INA_REG_POWER: val = ina->power; break;
	case INA_REG_CURRENT: val = (uint16_t)ina->current; break;
	case INA_REG_CAL: val = ina->cal; break;
	case INA_REG_MASK:
		c = ina226_model_last_conv(ina, p->now);
		val = ina->mask & INA_MASK_WRITABLE;
		if (c != INT64_MIN && c > ina->mask_read_conv_ns)
			val |= INA_MASK_CVRF;
		ina->mask_read_conv_ns = c; /* reading clears CVRF */
		break;
	case INA_REG_ALERT: val = ina->alert; break;
	case INA_REG_MFR: val = 0x5449; break;
	case INA_REG_DIE: val = 0x2260; break;
	default:
		return -EIO; /* no such register: the transfer fails */
	}
	if (p->fault[SIM_FAULT_INA_GARBAGE])
		val = 0xffff;
	/* big-endian chip: the MSB comes first on the wire and lands in the low byte */
	*v = swab16(val);
	return 0;
}

int sim_plant_i2c_write_word(struct sim_plant *p, int bus, uint8_t addr, uint8_t reg, uint16_t v)
{
	struct sim_ina226 *ina = &p->ina;
	uint16_t val = swab16(v);
	int r;

	plant_sync(p);
	r = ina_check(p, bus, addr);
	if (r < 0)
		return r;
	if (p->cfg.monitor_chip != SIM_MONITOR_INA226)
		return ina_other_reg_write(p, reg, val);
	switch (reg) {
	case INA_REG_CONFIG:
		if (val & INA_CONFIG_RESET) {
			ina226_model_reset(p);
			break;
		}
		ina->prev_conv_ns = ina226_model_last_conv(ina, p->now);
		ina->config = (uint16_t)((val & 0x0fff) | 0x4000);
		ina->anchor_ns = p->now; /* a config write restarts the conversion cycle */
		break;
	case INA_REG_CAL:
		ina->cal = val & 0x7fff;
		break;
	case INA_REG_MASK:
		ina->mask = val & INA_MASK_WRITABLE;
		break;
	case INA_REG_ALERT:
		ina->alert = val;
		break;
	case INA_REG_SHUNT:
	case INA_REG_BUS:
	case INA_REG_POWER:
	case INA_REG_CURRENT:
	case INA_REG_MFR:
	case INA_REG_DIE:
		break; /* read-only: the chip ignores the write */
	default:
		return -EIO;
	}
	return 0;
}
