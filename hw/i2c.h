/* i2c.h - SMBus register access to one device on one I2C adapter. */
#ifndef H2BOX_HW_I2C_H
#define H2BOX_HW_I2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hw;
struct hw_i2c_dev;

/* The kernel's client device at one address (sysfs /sys/bus/i2c/devices/<bus>-00<addr>). */
struct hw_i2c_device {
	bool present; /* a client device exists there (after a create: the new one) */
	bool created; /* hw_i2c_device_ensure() created it just now */
	char name[24];   /* its device type, e.g. "emc2305"; "" when absent (I2C_NAME_SIZE is 20) */
	char driver[32]; /* the driver bound to it, e.g. "ina2xx"; "" when none */
};

/*
 * Make sure the kernel has a client device at 7-bit `addr` on adapter i2c-<bus>, so a hwmon
 * driver binds it (sysfs new_device, as `echo emc2305 0x2e > .../i2c-1/new_device` does).
 * An existing client is never touched, whatever its name or driver: *dev says what is there
 * and the caller decides what that means.  With create false, only looks (h2boxd -n).
 * 0, -EINVAL for a bad name or address, -ENODEV when there is no adapter i2c-<bus>, or the
 * -errno of the write (-EACCES: new_device is root's; -EBUSY: the address is taken).
 */
int hw_i2c_device_ensure(struct hw *hw, int bus, uint8_t addr, const char *name, bool create,
			 struct hw_i2c_device *dev);

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
