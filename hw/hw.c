/* hw.c - what every backend shares: struct hw's lifetime and the dispatch of each bus call. */
#include "hw/hw-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hw *hw_alloc(enum hw_kind kind)
{
	struct hw *hw = calloc(1, sizeof(*hw));

	if (hw)
		hw->kind = kind;
	return hw;
}

void hw_free(struct hw *hw)
{
	if (!hw)
		return;
	if (hw->backend_free)
		hw->backend_free(hw);
	free(hw);
}

enum hw_kind hw_kind_get(const struct hw *hw)
{
	return hw->kind;
}

/* ---- clock ---- */

int64_t hw_clock_mono_ns(struct hw *hw)
{
	return hw->clock->mono_ns(hw);
}

int64_t hw_clock_real_ns(struct hw *hw)
{
	return hw->clock->real_ns(hw);
}

double hw_clock_speed(struct hw *hw)
{
	return hw->clock->speed(hw);
}

int hw_clock_advance_to(struct hw *hw, int64_t mono_ns)
{
	return hw->clock->advance_to ? hw->clock->advance_to(hw, mono_ns) : -ENOTSUP;
}

int hw_clock_set_speed(struct hw *hw, double speed)
{
	if (!(speed >= 0.0))
		return -EINVAL;
	return hw->clock->set_speed ? hw->clock->set_speed(hw, speed) : -ENOTSUP;
}

int hw_clock_set_real(struct hw *hw, int64_t real_ns)
{
	return hw->clock->set_real ? hw->clock->set_real(hw, real_ns) : -ENOTSUP;
}

int64_t hw_clock_next_event_ns(struct hw *hw)
{
	return hw->clock->next_event ? hw->clock->next_event(hw) : INT64_MAX;
}

void hw_clock_horizon_set(struct hw *hw, int64_t mono_ns)
{
	if (hw->clock->horizon_set)
		hw->clock->horizon_set(hw, mono_ns);
}

/* ---- gpio ---- */

int hw_gpio_line_open(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
		      int initial, const char *consumer, struct hw_gpio_line **out)
{
	int r;

	if (!name || !*name || strlen(name) >= sizeof(((struct hw_gpio_line *)0)->name))
		return -EINVAL;
	r = hw->gpio->open(hw, name, dir, flags, initial ? 1 : 0, consumer ? consumer : "h2boxd",
			   out);
	if (r < 0)
		return r;
	(*out)->ops = hw->gpio;
	strcpy((*out)->name, name);
	return 0;
}

int hw_gpio_line_get(struct hw_gpio_line *line)
{
	return line->ops->get(line);
}

int hw_gpio_line_set(struct hw_gpio_line *line, int value)
{
	return line->ops->set(line, value ? 1 : 0);
}

int hw_gpio_line_fd(struct hw_gpio_line *line)
{
	return line->ops->fd(line);
}

int hw_gpio_line_event_read(struct hw_gpio_line *line, struct hw_gpio_event *ev)
{
	return line->ops->event_read(line, ev);
}

const char *hw_gpio_line_name(const struct hw_gpio_line *line)
{
	return line->name;
}

void hw_gpio_line_close(struct hw_gpio_line *line)
{
	if (line)
		line->ops->close(line);
}

int hw_gpio_chips_list(struct hw *hw, struct hw_gpio_chip_info *out, int max)
{
	return hw->gpio->chips_list(hw, out, max < 0 ? 0 : max);
}

int hw_gpio_chip_lines(struct hw *hw, const char *chip, struct hw_gpio_line_info *out, int max)
{
	if (!chip || !*chip || strchr(chip, '/'))
		return -EINVAL;
	return hw->gpio->chip_lines(hw, chip, out, max < 0 ? 0 : max);
}

/* ---- i2c ---- */

int hw_i2c_open(struct hw *hw, int bus, uint8_t addr, struct hw_i2c_dev **out)
{
	int r;

	if (bus < 0 || addr < 0x03 || addr > 0x77)
		return -EINVAL;
	r = hw->i2c->open(hw, bus, addr, out);
	if (r < 0)
		return r;
	(*out)->ops = hw->i2c;
	(*out)->bus = bus;
	(*out)->addr = addr;
	return 0;
}

int hw_i2c_read_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t *val)
{
	return dev->ops->read_word(dev, reg, val);
}

int hw_i2c_write_word(struct hw_i2c_dev *dev, uint8_t reg, uint16_t val)
{
	return dev->ops->write_word(dev, reg, val);
}

int hw_i2c_read_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t *val)
{
	return dev->ops->read_byte(dev, reg, val);
}

int hw_i2c_write_byte(struct hw_i2c_dev *dev, uint8_t reg, uint8_t val)
{
	return dev->ops->write_byte(dev, reg, val);
}

void hw_i2c_close(struct hw_i2c_dev *dev)
{
	if (dev)
		dev->ops->close(dev);
}

int hw_i2c_client_get(struct hw *hw, int bus, uint8_t addr, char *name, size_t len, bool *bound)
{
	if (bus < 0 || addr < 0x03 || addr > 0x77 || !name || len == 0)
		return -EINVAL;
	name[0] = '\0';
	*bound = false;
	return hw->i2c->client_get(hw, bus, addr, name, len, bound);
}

int hw_i2c_device_ensure(struct hw *hw, int bus, uint8_t addr, const char *name, bool create,
			 struct hw_i2c_device *dev)
{
	size_t n = name ? strlen(name) : 0;

	memset(dev, 0, sizeof(*dev));
	/* the kernel takes a name up to I2C_NAME_SIZE - 1 and ends it at the first blank */
	if (bus < 0 || addr < 0x03 || addr > 0x77 || n == 0 || n >= 20 || strpbrk(name, " \t\n"))
		return -EINVAL;
	if (!hw->i2c->device_ensure)
		return -EOPNOTSUPP;
	return hw->i2c->device_ensure(hw, bus, addr, name, create, dev);
}

/* ---- hwmon ---- */

int hw_hwmon_chip_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out)
{
	int r;

	if (!pattern || !*pattern)
		return -EINVAL;
	r = hw->hwmon->open(hw, pattern, out);
	if (r < 0)
		return r;
	(*out)->ops = hw->hwmon;
	return 0;
}

const char *hw_hwmon_chip_name(const struct hw_hwmon_chip *chip)
{
	return chip->name;
}

int hw_hwmon_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind, const char *label,
		  double *value)
{
	return chip->ops->read(chip, kind, label, value);
}

int hw_hwmon_read_many(struct hw_hwmon_chip *chip, struct hw_hwmon_query *q, unsigned n)
{
	if (n > HW_HWMON_QUERIES_MAX)
		return -E2BIG;
	if (chip->ops->read_many)
		chip->ops->read_many(chip, q, n);
	else
		for (unsigned i = 0; i < n; i++)
			q[i].err = chip->ops->read(chip, q[i].kind, q[i].label, &q[i].value);
	for (unsigned i = 0; i < n; i++)
		if (q[i].err < 0)
			return q[i].err;
	return 0;
}

int hw_hwmon_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value)
{
	return chip->ops->attr_read(chip, attr, value);
}

int hw_hwmon_attr_read_many(struct hw_hwmon_chip *chip, const char *const *attrs, long *values,
			    int *errs, unsigned n)
{
	if (n > HW_HWMON_QUERIES_MAX)
		return -E2BIG;
	if (chip->ops->attr_read_many)
		chip->ops->attr_read_many(chip, attrs, values, errs, n);
	else
		for (unsigned i = 0; i < n; i++)
			errs[i] = chip->ops->attr_read(chip, attrs[i], &values[i]);
	for (unsigned i = 0; i < n; i++)
		if (errs[i] < 0)
			return errs[i];
	return 0;
}

int hw_hwmon_attr_write(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	return chip->ops->attr_write(chip, attr, value);
}

int hw_hwmon_attr_post(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	if (chip->ops->attr_post)
		return chip->ops->attr_post(chip, attr, value);
	return chip->ops->attr_write(chip, attr, value);
}

void hw_hwmon_chip_close(struct hw_hwmon_chip *chip)
{
	if (chip)
		chip->ops->close(chip);
}

int hw_hwmon_sampler_start(struct hw_hwmon_chip *chip, const struct hw_hwmon_query *q,
			   unsigned n, int64_t period_ns, int64_t first_ns, unsigned capacity)
{
	struct hw_hwmon_sampler_set set;

	if (n == 0 || period_ns <= 0 || capacity == 0)
		return -EINVAL;
	if (n > HW_HWMON_SAMPLE_QUERIES)
		return -E2BIG;
	set.n = n;
	for (unsigned i = 0; i < n; i++) {
		size_t len = q[i].label ? strlen(q[i].label) : sizeof(set.label[i]);

		if ((unsigned)q[i].kind >= HW_HWMON_KIND_COUNT || len >= sizeof(set.label[i]))
			return -EINVAL;
		set.kind[i] = q[i].kind;
		memcpy(set.label[i], q[i].label, len + 1);
	}
	return chip->ops->sampler_start(chip, &set, period_ns, first_ns, capacity);
}

int hw_hwmon_sampler_drain(struct hw_hwmon_chip *chip, int64_t now_ns,
			   struct hw_hwmon_sample *out, unsigned max, uint64_t *missed)
{
	uint64_t m = 0;
	int r = chip->ops->sampler_drain(chip, now_ns, out, max, &m);

	if (missed)
		*missed = m;
	return r;
}

void hw_hwmon_sampler_stop(struct hw_hwmon_chip *chip)
{
	if (chip)
		chip->ops->sampler_stop(chip);
}

int hw_hwmon_file_read(struct hw *hw, const char *path, long *value)
{
	return hw->hwmon->file_read(hw, path, value);
}

int hw_hwmon_read_batch(struct hw *hw, struct hw_hwmon_read_req *req, unsigned n)
{
	if (n > HW_HWMON_QUERIES_MAX)
		return -E2BIG;
	if (hw->hwmon->read_batch) {
		hw->hwmon->read_batch(hw, req, n);
	} else {
		for (unsigned i = 0; i < n; i++) {
			struct hw_hwmon_read_req *q = &req[i];

			if (!q->chip)
				q->err = q->file ? hw->hwmon->file_read(hw, q->file, &q->raw) : -EINVAL;
			else if (q->attr)
				q->err = q->chip->ops->attr_read(q->chip, q->attr, &q->raw);
			else
				q->err = q->chip->ops->read(q->chip, q->kind, q->label, &q->value);
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (req[i].err < 0)
			return req[i].err;
	return 0;
}

/* ---- pci ---- */

int hw_pci_find(struct hw *hw, uint16_t vendor, uint16_t device, struct hw_pci_dev *out, int max)
{
	return hw->pci->find(hw, vendor, device, out, max);
}

int hw_pci_config_read(struct hw *hw, const char *slot, uint8_t *buf, size_t len)
{
	return hw->pci->config_read(hw, slot, buf, len);
}

int hw_pci_rescan(struct hw *hw)
{
	return hw->pci->rescan(hw);
}

int hw_pci_link_read(struct hw *hw, const char *slot, struct hw_pci_link *link)
{
	memset(link, 0, sizeof(*link));
	return hw->pci->link_read(hw, slot, link);
}

/* ---- ib ---- */

int hw_ib_devices(struct hw *hw, char names[][HW_IB_NAME_MAX], int max)
{
	return hw->ib->devices(hw, names, max);
}

int hw_ib_port_count(struct hw *hw, const char *dev)
{
	return hw->ib->port_count(hw, dev);
}

int hw_ib_port_query(struct hw *hw, const char *dev, int port, struct hw_ib_port_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	return hw->ib->port_query(hw, dev, port, attr);
}

int hw_ib_device_pci_slot(struct hw *hw, const char *dev, char *slot, int len)
{
	return hw->ib->pci_slot(hw, dev, slot, len);
}

int hw_ib_counter_read(struct hw *hw, const char *dev, int port, const char *name, uint64_t *value,
		       int *bits)
{
	int dummy;

	return hw->ib->counter_read(hw, dev, port, name, value, bits ? bits : &dummy);
}

int hw_ib_device_info(struct hw *hw, const char *dev, struct hw_ib_device_info *info)
{
	memset(info, 0, sizeof(*info));
	return hw->ib->device_info(hw, dev, info);
}

int hw_ib_sm_process(struct hw *hw)
{
	return hw->ib->sm_process(hw);
}

/* ---- host ---- */

int hw_host_poweroff(struct hw *hw, char *err, size_t errlen)
{
	char dummy[1];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	return hw->host->poweroff(hw, err, errlen);
}

bool hw_host_os_up(struct hw *hw)
{
	return hw->host->os_up(hw);
}

const char *hw_host_alive_line(struct hw *hw)
{
	return hw->host->alive_line ? hw->host->alive_line(hw) : NULL;
}
