/* i2c.c - the linux I2C backend: /dev/i2c-N, I2C_SLAVE and libi2c's SMBus transfers; new_device. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <i2c/smbus.h>
#include <linux/i2c-dev.h>

#include "hw/dlib.h"

/* libi2c is loaded by the first I2C device opened (issue #16): a profile without one maps none. */
#define HW_I2C_LINUX_FUNCS(X, t)                                                                \
	X(t, i2c_smbus_read_word_data) X(t, i2c_smbus_write_word_data)                          \
	X(t, i2c_smbus_read_byte_data) X(t, i2c_smbus_write_byte_data)
HW_DLIB_DEFINE(libi2c, "libi2c.so.0", "libi2c0", HW_I2C_LINUX_FUNCS);

struct hw_i2c_linux_dev {
	struct hw_i2c_dev base; /* first: hw.c sees only this */
	int fd;
};

static struct hw_i2c_linux_dev *hw_i2c_linux_dev(struct hw_i2c_dev *dev)
{
	return (struct hw_i2c_linux_dev *)dev;
}

/*
 * libi2c >= 4.0 returns -errno; the older header-only helpers returned -1
 * with errno set.  Both agree when the result is -1 (EPERM sets errno too).
 */
static int hw_i2c_linux_err(int r)
{
	if (r == -1 && errno > 0)
		return -errno;
	return r;
}

static int hw_i2c_linux_open(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out)
{
	struct hw_i2c_linux_dev *d;
	char path[32];
	int r;

	(void)hw;
	r = hw_dlib_load(&libi2c_lib);
	if (r < 0)
		return r;
	r = hw_linux_path(path, sizeof(path), "/dev/i2c-%d", bus);
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		r = -errno;
		goto err_free;
	}
	/*
	 * Plain I2C_SLAVE, never I2C_SLAVE_FORCE: -EBUSY means a kernel driver
	 * owns the address and racing it from user space would corrupt both.
	 */
	if (ioctl(d->fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		r = -errno;
		goto err_close;
	}
	*out = &d->base;
	return 0;

err_close:
	close(d->fd);
err_free:
	free(d);
	return r;
}

static int hw_i2c_linux_read_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val)
{
	int r;

	errno = 0;
	r = libi2c.i2c_smbus_read_word_data(hw_i2c_linux_dev(dev)->fd, reg);
	if (r < 0)
		return hw_i2c_linux_err(r);
	/* As on the wire: first byte received is the low byte (no swap here). */
	*val = (uint16_t)r;
	return 0;
}

static int hw_i2c_linux_write_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val)
{
	int r;

	errno = 0;
	r = libi2c.i2c_smbus_write_word_data(hw_i2c_linux_dev(dev)->fd, reg, val);
	return r < 0 ? hw_i2c_linux_err(r) : 0;
}

static int hw_i2c_linux_read_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val)
{
	int r;

	errno = 0;
	r = libi2c.i2c_smbus_read_byte_data(hw_i2c_linux_dev(dev)->fd, reg);
	if (r < 0)
		return hw_i2c_linux_err(r);
	*val = (uint8_t)r;
	return 0;
}

static int hw_i2c_linux_write_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val)
{
	int r;

	errno = 0;
	r = libi2c.i2c_smbus_write_byte_data(hw_i2c_linux_dev(dev)->fd, reg, val);
	return r < 0 ? hw_i2c_linux_err(r) : 0;
}

static void hw_i2c_linux_close(struct hw_i2c_dev *dev)
{
	struct hw_i2c_linux_dev *d = hw_i2c_linux_dev(dev);

	close(d->fd);
	free(d);
}

/* What sysfs shows of the client at bus-00addr: present, name and bound driver. */
static int hw_i2c_linux_client_read(const char *root, int bus, uint8_t addr,
				    struct hw_i2c_device *dev)
{
	char dir[HW_LINUX_PATH_MAX], path[HW_LINUX_PATH_MAX], link[HW_LINUX_PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t n;
	int r;

	r = hw_linux_path(dir, sizeof(dir), "%s/bus/i2c/devices/%d-%04x", root, bus, addr);
	if (r < 0)
		return r;
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	dev->present = true;
	r = hw_linux_path(path, sizeof(path), "%s/name", dir);
	if (r == 0 && hw_linux_file_read_str(path, dev->name, sizeof(dev->name)) == 0)
		dev->name[strcspn(dev->name, "\n")] = '\0';
	r = hw_linux_path(path, sizeof(path), "%s/driver", dir);
	if (r < 0)
		return r;
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		base = strrchr(link, '/');
		snprintf(dev->driver, sizeof(dev->driver), "%.31s", base ? base + 1 : link);
	}
	return 0;
}

/* The probe's view of a client: its name and whether a driver is bound; -ENOENT when absent. */
static int hw_i2c_linux_client_get(struct hw *hw, int bus, uint8_t addr, char *name, size_t len,
				   bool *bound)
{
	struct hw_i2c_device d = { 0 };
	int r = hw_i2c_linux_client_read(hw_linux_state(hw)->sysfs_root, bus, addr, &d);

	if (r < 0)
		return r;
	if (!d.present)
		return -ENOENT;
	snprintf(name, len, "%s", d.name);
	*bound = d.driver[0] != '\0';
	return 0;
}

/*
 * new_device binds synchronously when the driver is built in or loaded; a modular driver
 * is loaded by udev on the new device's uevent and binds a little later (driver "" here).
 */
static int hw_i2c_linux_device_ensure(struct hw *hw, int bus, uint8_t addr, const char *name,
				      bool create, struct hw_i2c_device *dev)
{
	const char *root = hw_linux_state(hw)->sysfs_root;
	char path[HW_LINUX_PATH_MAX], line[40];
	struct stat st;
	int r;

	r = hw_linux_path(path, sizeof(path), "%s/bus/i2c/devices/i2c-%d", root, bus);
	if (r < 0)
		return r;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	r = hw_i2c_linux_client_read(root, bus, addr, dev);
	if (r < 0 || dev->present || !create)
		return r;
	r = hw_linux_path(path, sizeof(path), "%s/bus/i2c/devices/i2c-%d/new_device", root, bus);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%s 0x%02x\n", name, addr);
	r = hw_linux_file_write_str(path, line);
	if (r < 0)
		return r;
	r = hw_i2c_linux_client_read(root, bus, addr, dev);
	if (r < 0)
		return r;
	dev->present = dev->created = true;
	if (!dev->name[0]) /* a fake tree has no kernel behind it */
		snprintf(dev->name, sizeof(dev->name), "%s", name);
	return 0;
}

const struct hw_i2c_ops hw_i2c_linux_ops = {
	.open = hw_i2c_linux_open,
	.read_word = hw_i2c_linux_read_word,
	.write_word = hw_i2c_linux_write_word,
	.read_byte = hw_i2c_linux_read_byte,
	.write_byte = hw_i2c_linux_write_byte,
	.close = hw_i2c_linux_close,
	.client_get = hw_i2c_linux_client_get,
	.device_ensure = hw_i2c_linux_device_ensure,
};
