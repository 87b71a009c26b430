/* i2c-plan.h - the kernel I2C devices a profile names by bus and address, for new_device. */
#ifndef H2BOX_I2C_PLAN_H
#define H2BOX_I2C_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/config/profile.h"

/*
 * A profile names the hwmon chips h2boxd reads by their libsensors name.  A name with a bus
 * and an address, "emc2305-i2c-1-2e", says where the chip sits and, by its prefix, which
 * kernel device to create there ("emc2305 0x2e" into i2c-1's new_device: the hwmon drivers
 * h2box uses, emc2305, lm75 and ina2xx, name their chip after the device).  A pattern
 * ("emc2305-*") names no address: the box must create that device itself.  Planned are:
 *   [fan] chip, [input NAME] chip (without file =), [monitor NAME] hwmon_chip (type = hwmon).
 * Left out, each with a note: a pattern, a second device at an address already planned, and
 * any address a [monitor] of type auto/ina219/ina226/ina260 reads over i2c-dev (a kernel
 * driver there would take the chip from h2boxd's own driver).
 */
#define I2C_PLAN_MAX 12
#define I2C_PLAN_NOTES_MAX 12

struct i2c_plan_device {
	int bus;
	uint8_t addr;
	char name[20];   /* the kernel device type: the chip name's prefix, "emc2305" */
	char chip[64];   /* the profile's chip name, "emc2305-i2c-1-2e" */
	char source[48]; /* the profile key that names it: "[fan] chip", "[monitor box] hwmon_chip" */
};

struct i2c_plan_note {
	bool warn; /* a conflict the user must fix (else: a pattern, only for h2boxd -n) */
	char text[200];
};

struct i2c_plan {
	struct i2c_plan_device dev[I2C_PLAN_MAX];
	int ndev;
	struct i2c_plan_note note[I2C_PLAN_NOTES_MAX];
	int nnotes;
};

/* Pure: the devices to ensure, in profile order; empty with [daemon] i2c_instantiate = no. */
void i2c_plan_build(const struct profile *p, struct i2c_plan *out);

/*
 * "emc2305-i2c-1-2e" -> "emc2305", 1, 0x2e.  0, or -EINVAL for anything else: a pattern
 * ("*" anywhere), another bus type ("coretemp-isa-0000"), an address outside 0x03..0x77.
 */
int i2c_plan_chip_parse(const char *chip, char *name, size_t namelen, int *bus, uint8_t *addr);

#endif
