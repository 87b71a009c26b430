/* i2c.c - the sim I2C backend: SMBus transfers forwarded to the plant (INA226 on bus 1). */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdlib.h>

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
	return -ENOENT; /* the sim box has no kernel drivers: every chip is for i2c-dev */
}

const struct hw_i2c_ops hw_i2c_sim_ops = {
	.open = sim_i2c_open,
	.read_word = sim_i2c_read_word,
	.write_word = sim_i2c_write_word,
	.read_byte = sim_i2c_read_byte,
	.write_byte = sim_i2c_write_byte,
	.close = sim_i2c_close,
	.client_get = sim_i2c_client_get,
};
