/* i2c.c - the sim I2C backend: SMBus transfers to the plant (INA226 on bus 1), new_device kept. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_i2c_dev {
	struct hw_i2c_dev base; /* first: hw.c sees only this */
	struct sim_plant *plant;
};

static struct sim_plant *sim_i2c_plant(struct hw_i2c_dev *dev)
{
	return ((struct sim_i2c_dev *)dev)->plant;
}

static int sim_i2c_open(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out)
{
	struct sim_plant *plant = hw_sim_state(hw)->plant;
	struct sim_i2c_dev *d;
	int r = sim_plant_i2c_probe(plant, bus, addr);

	if (r < 0)
		return r; /* -ENOENT: no /dev/i2c-<bus>; -ENXIO: nothing answers at addr */
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->plant = plant;
	*out = &d->base;
	return 0;
}

static int sim_i2c_read_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val)
{
	int r = sim_plant_i2c_transfer_fault(sim_i2c_plant(dev), dev->bus, reg, true);

	if (r < 0)
		return r;
	return sim_plant_i2c_read_word(sim_i2c_plant(dev), dev->bus, dev->addr, reg, val);
}

static int sim_i2c_write_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val)
{
	int r = sim_plant_i2c_transfer_fault(sim_i2c_plant(dev), dev->bus, reg, false);

	if (r < 0)
		return r;
	return sim_plant_i2c_write_word(sim_i2c_plant(dev), dev->bus, dev->addr, reg, val);
}

static int sim_i2c_read_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val)
{
	uint16_t w;
	int r = sim_plant_i2c_transfer_fault(sim_i2c_plant(dev), dev->bus, reg, true);

	if (r == 0)
		r = sim_plant_i2c_read_word(sim_i2c_plant(dev), dev->bus, dev->addr, reg, &w);
	if (r < 0)
		return r;
	*val = (uint8_t)(w & 0xff); /* the first byte on the wire */
	return 0;
}

static int sim_i2c_write_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val)
{
	(void)dev;
	(void)reg;
	(void)val;
	return -EOPNOTSUPP; /* the INA226 only takes 16-bit register writes */
}

static void sim_i2c_close(struct hw_i2c_dev *dev)
{
	free(dev);
}

static int sim_i2c_client_get(struct hw *hw, int bus, uint8_t addr, char *name, size_t len,
			      bool *bound)
{
	(void)hw;
	(void)bus;
	(void)addr;
	(void)name;
	(void)len;
	(void)bound;
	/* the probe's scan sees the plant's chips over i2c-dev, as on a box before any new_device */
	return -ENOENT;
}

/* The plant's hwmon chip at bus/addr ("lm75-i2c-1-48" -> "lm75"), bound to its driver. */
static bool sim_i2c_plant_chip(int bus, uint8_t addr, struct hw_i2c_device *dev)
{
	for (int i = 0; i < sim_plant_hwmon_chip_count(); i++) {
		const char *cand = sim_plant_hwmon_chip_name(i);
		char prefix[24];
		int b, n = 0;
		unsigned a;

		if (sscanf(cand, "%23[^-]-i2c-%d-%x%n", prefix, &b, &a, &n) != 3 || cand[n] ||
		    b != bus || a != addr)
			continue;
		snprintf(dev->name, sizeof(dev->name), "%s", prefix);
		snprintf(dev->driver, sizeof(dev->driver), "%s", prefix);
		return true;
	}
	return false;
}

/*
 * The simulated box's chips are always there and bound; anything else asked for is recorded
 * (a unit test reads hw_sim_state()->i2c_created) and present from then on, with no driver:
 * the plant has no chip behind it.
 */
static int sim_i2c_device_ensure(struct hw *hw, int bus, uint8_t addr, const char *name,
				 bool create, struct hw_i2c_device *dev)
{
	struct hw_sim_state *st = hw_sim_state(hw);
	struct hw_sim_i2c_created *c;

	if (sim_plant_i2c_probe(st->plant, bus, addr) == -ENOENT)
		return -ENODEV; /* no adapter i2c-<bus> */
	if (sim_i2c_plant_chip(bus, addr, dev)) {
		dev->present = true;
		return 0;
	}
	for (int i = 0; i < st->ni2c_created; i++) {
		if (st->i2c_created[i].bus != bus || st->i2c_created[i].addr != addr)
			continue;
		dev->present = true;
		snprintf(dev->name, sizeof(dev->name), "%s", st->i2c_created[i].name);
		return 0;
	}
	if (!create)
		return 0;
	if (st->ni2c_created == HW_SIM_I2C_CREATED_MAX)
		return -ENOSPC;
	c = &st->i2c_created[st->ni2c_created++];
	c->bus = bus;
	c->addr = addr;
	snprintf(c->name, sizeof(c->name), "%s", name);
	dev->present = dev->created = true;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	return 0;
}

const struct hw_i2c_ops hw_i2c_sim_ops = {
	.open = sim_i2c_open,
	.read_word = sim_i2c_read_word,
	.write_word = sim_i2c_write_word,
	.read_byte = sim_i2c_read_byte,
	.write_byte = sim_i2c_write_byte,
	.close = sim_i2c_close,
	.client_get = sim_i2c_client_get,
	.device_ensure = sim_i2c_device_ensure,
};
