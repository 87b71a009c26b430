/* ina226-model.c - the INA226 (TI SBOS547): registers, conversion timing, chip arithmetic. */
#include "hw/sim/ina-model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

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

void ina226_model_reset(struct sim_ina226 *ina, int64_t now)
{
	*ina = (struct sim_ina226){
		.config = INA_CONFIG_DEFAULT,
		.anchor_ns = now,
		.prev_conv_ns = INT64_MIN,
		.mask_read_conv_ns = INT64_MIN,
	};
}

void ina226_model_latch(struct sim_ina226 *ina, double amps, double v)
{
	int mode = ina->config & 7;
	int32_t cur;

	if (mode & 1)
		ina->shunt = (int16_t)ina_model_clamp(lround(amps * INA_SHUNT_OHM / INA_SHUNT_LSB),
						      -32768, 32767);
	if (mode & 2)
		ina->bus = (uint16_t)ina_model_clamp(lround(v / INA_BUS_LSB), 0, 0x7fff);
	/* the chip's own integer arithmetic */
	cur = (int32_t)ina->shunt * (int32_t)ina->cal / 2048;
	ina->current = (int16_t)ina_model_clamp(cur, -32768, 32767);
	ina->power = (uint16_t)ina_model_clamp((long)labs((long)ina->current) * ina->bus / 20000, 0,
					       0xffff);
}

int ina226_model_read(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t *val)
{
	int64_t c;

	switch (reg) {
	case INA_REG_CONFIG: *val = ina->config; break;
	case INA_REG_SHUNT: *val = (uint16_t)ina->shunt; break;
	case INA_REG_BUS: *val = ina->bus; break;
	case INA_REG_POWER: *val = ina->power; break;
	case INA_REG_CURRENT: *val = (uint16_t)ina->current; break;
	case INA_REG_CAL: *val = ina->cal; break;
	case INA_REG_MASK:
		c = ina226_model_last_conv(ina, now);
		*val = ina->mask & INA_MASK_WRITABLE;
		if (c != INT64_MIN && c > ina->mask_read_conv_ns)
			*val |= INA_MASK_CVRF;
		ina->mask_read_conv_ns = c; /* reading clears CVRF */
		break;
	case INA_REG_ALERT: *val = ina->alert; break;
	case INA_REG_MFR: *val = 0x5449; break;
	case INA_REG_DIE: *val = 0x2260; break;
	default:
		return -EIO; /* no such register: the transfer fails */
	}
	return 0;
}

int ina226_model_write(struct sim_ina226 *ina, int64_t now, uint8_t reg, uint16_t val)
{
	switch (reg) {
	case INA_REG_CONFIG:
		if (val & INA_CONFIG_RESET) {
			ina226_model_reset(ina, now);
			break;
		}
		ina->prev_conv_ns = ina226_model_last_conv(ina, now);
		ina->config = (uint16_t)((val & 0x0fff) | 0x4000);
		ina->anchor_ns = now; /* a config write restarts the conversion cycle */
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
