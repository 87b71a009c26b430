/* daemon-i2c.h - the profile's kernel I2C devices: created when absent and logged, or listed. */
#ifndef H2BOX_DAEMON_I2C_H
#define H2BOX_DAEMON_I2C_H

#include <stdio.h>

struct hw;
struct profile;

/*
 * Create every device config/i2c-plan.h plans that the kernel lacks, before the services
 * open the chips (start-up, reload, h2boxd --i2c-instantiate), and log each creation, each
 * address another chip holds (left alone) and each failure, with H2BOX_EVENT= and
 * H2BOX_I2C_* journal fields.  A device already there is not touched: a second run creates
 * nothing.  Returns the number of devices that could not be created (no adapter, EACCES...).
 */
int daemon_i2c_ensure(struct hw *hw, const struct profile *p);
/* h2boxd -n: what daemon_i2c_ensure() would do on this machine, one "i2c: " line each. */
void daemon_i2c_print(const struct profile *p, FILE *out);

#endif
