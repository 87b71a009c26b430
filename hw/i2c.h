/* i2c.h - SMBus register access to one device on one I2C adapter. */
#ifndef H2BOX_HW_I2C_H
#define H2BOX_HW_I2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hw;
struct hw_i2c_dev;

/* Open the device at 7-bit address `addr` on adapter /dev/i2c-<bus>. 0 or -errno. */
int hw_i2c_open(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out);
/*
 * SMBus word transfers, exactly as on the wire: the first byte received is
 * the low byte of *val.  Big-endian chips (INA2xx) therefore need a byte
 * swap in the driver; the bus does not do it.  0 or -errno.
 */
int hw_i2c_read_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val);
int hw_i2c_write_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val);
int hw_i2c_read_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val);
int hw_i2c_write_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val);
void hw_i2c_close(struct hw_i2c_dev *dev);
/*
 * The kernel's client at bus/addr (sysfs i2c-<bus>/<bus>-00<addr>), for a
 * scan that must not touch an address a driver owns: its device name
 * ("ina226") into name[0..len) and *bound = a driver is attached.  0,
 * -ENOENT when the kernel has no client there (the sim has none), or -errno.
 */
int hw_i2c_client_get(struct hw *hw, int bus, uint8_t addr, char *name, size_t len, bool *bound);

#endif
