/* cli-probe-scan.c - what `h2box probe` reads from the box: GPIO, I2C, PCI/RDMA, and the PWM step. */
#include "supervisor/cli/cli-probe-scan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/gpio.h"
#include "hw/hwmon.h"
#include "hw/i2c.h"
#include "hw/ib.h"
#include "hw/pci.h"

#define CLI_PROBE_TACH_MAX 8
/* The duties of the step: full, then a quarter (still above a fan's start duty). */
#define CLI_PROBE_PWM_HIGH 255
#define CLI_PROBE_PWM_LOW 64
/* A tach must rise at least this much to count as following the output. */
#define CLI_PROBE_MIN_DELTA_RPM 300.0

static void cli_probe_scan_gpio(struct hw *hw, struct probe_result *r)
{
	struct hw_gpio_line_info *li = calloc(PROBE_GPIO_LINES_MAX, sizeof(*li));
	int n;

	if (!li) {
		r->gpio_err = -ENOMEM;
		return;
	}
	n = hw_gpio_chips_list(hw, r->gpio_chips, PROBE_GPIO_CHIPS_MAX);
	if (n < 0) {
		r->gpio_err = n;
		n = 0;
	}
	r->ngpio_chips = n < PROBE_GPIO_CHIPS_MAX ? n : PROBE_GPIO_CHIPS_MAX;
	for (int c = 0; c < r->ngpio_chips; c++) {
		int m = hw_gpio_chip_lines(hw, r->gpio_chips[c].name, li, PROBE_GPIO_LINES_MAX);

		m = m < PROBE_GPIO_LINES_MAX ? m : PROBE_GPIO_LINES_MAX;
		for (int i = 0; i < m && r->ngpio_lines < PROBE_GPIO_LINES_MAX; i++) {
			struct probe_gpio_line *l = &r->gpio_lines[r->ngpio_lines];
			size_t k;

			/* named lines always; unnamed free ones while half the room is left */
			if (!li[i].name[0] && (li[i].used || r->ngpio_lines >= PROBE_GPIO_LINES_MAX / 2))
				continue;
			/* chip and line live in the same result: a bounded memcpy, not a snprintf
			 * from one field of *r into another (-Wrestrict cannot tell them apart) */
			k = strnlen(r->gpio_chips[c].name, sizeof(l->chip) - 1);
			memcpy(l->chip, r->gpio_chips[c].name, k);
			l->chip[k] = '\0';
			l->offset = li[i].offset;
			snprintf(l->name, sizeof(l->name), "%s", li[i].name);
			snprintf(l->consumer, sizeof(l->consumer), "%s", li[i].consumer);
			l->used = li[i].used;
			r->ngpio_lines++;
		}
	}
	free(li);
}

/* probe_read_fn over an open i2c-dev handle: read word / read byte only. */
static int cli_probe_i2c_read(void *userdata, uint8_t reg, bool word, uint16_t *val)
{
	struct hw_i2c_dev *dev = userdata;
	uint8_t b;
	int r;

	if (word)
		return hw_i2c_read_word(dev, reg, val);
	r = hw_i2c_read_byte(dev, reg, &b);
	if (r == 0)
		*val = b;
	return r;
}

static void cli_probe_scan_addr(struct hw *hw, int bus, uint8_t addr, struct probe_result *r)
{
	struct probe_i2c_dev d;
	struct hw_i2c_dev *dev;
	int e;

	memset(&d, 0, sizeof(d));
	d.bus = bus;
	d.addr = addr;
	d.kernel = hw_i2c_client_get(hw, bus, addr, d.driver, sizeof(d.driver), &d.bound) == 0;
	if (d.kernel && d.bound) {
		/* a driver owns it: never touch the bus, the sysfs name says what it is */
		d.id.chip = probe_chip_from_driver(d.driver);
		snprintf(d.id.why, sizeof(d.id.why), "kernel driver %s bound", d.driver);
	} else {
		e = hw_i2c_open(hw, bus, addr, &dev);
		if (e == 0) {
			e = probe_ident_decide(addr, cli_probe_i2c_read, dev, &d.id);
			hw_i2c_close(dev);
		}
		if (e == -EBUSY) {
			d.kernel = d.bound = true;
			d.id.chip = PROBE_CHIP_OTHER;
			snprintf(d.id.why, sizeof(d.id.why), "busy: a kernel driver owns it");
		} else if (d.id.chip == PROBE_CHIP_NONE && d.kernel) {
			d.id.chip = PROBE_CHIP_OTHER; /* an unbound client: shown, never used */
			snprintf(d.id.why, sizeof(d.id.why), "kernel client %s, no driver bound", d.driver);
		}
	}
	if (d.id.chip != PROBE_CHIP_NONE && r->ndevs < PROBE_I2C_DEVS_MAX)
		r->devs[r->ndevs++] = d;
}

static void cli_probe_scan_i2c(struct hw *hw, const int *buses, int nbuses, struct probe_result *r)
{
	for (int b = 0; b < nbuses && r->nbuses < PROBE_I2C_BUSES_MAX; b++) {
		struct probe_i2c_bus *pb = &r->buses[r->nbuses++];
		struct hw_i2c_dev *dev;

		pb->bus = buses[b];
		/* Selecting an address transfers nothing: this only asks whether the bus exists. */
		pb->err = hw_i2c_open(hw, buses[b], 0x03, &dev);
		if (pb->err == -EBUSY || pb->err == -ENXIO)
			pb->err = 0;
		else if (pb->err == 0)
			hw_i2c_close(dev);
		if (pb->err)
			continue;
		for (unsigned a = 0x03; a <= 0x77; a++)
			if (probe_addr_scanned((uint8_t)a))
				cli_probe_scan_addr(hw, buses[b], (uint8_t)a, r);
	}
}

static void cli_probe_scan_ib(struct hw *hw, struct probe_result *r)
{
	struct hw_pci_dev pci[PROBE_PCI_MAX];
	char names[PROBE_IB_MAX][HW_IB_NAME_MAX];
	int n = hw_pci_find(hw, HW_PCI_VENDOR_MELLANOX, 0xffff, pci, PROBE_PCI_MAX);

	for (int i = 0; i < n && i < PROBE_PCI_MAX; i++) {
		snprintf(r->pci[i].slot, sizeof(r->pci[i].slot), "%.15s", pci[i].slot);
		r->pci[i].vendor = pci[i].vendor;
		r->pci[i].device = pci[i].device;
		r->npci++;
	}
	n = hw_ib_devices(hw, names, PROBE_IB_MAX);
	for (int i = 0; i < n && i < PROBE_IB_MAX; i++) {
		struct probe_ib_dev *ib = &r->ib[r->nib++];

		snprintf(ib->name, sizeof(ib->name), "%.63s", names[i]);
		if (hw_ib_device_pci_slot(hw, ib->name, ib->slot, sizeof(ib->slot)) < 0)
			ib->slot[0] = '\0';
		ib->ports = hw_ib_port_count(hw, ib->name);
		if (ib->ports < 0)
			ib->ports = 0;
		for (int p = 1; p <= ib->ports && p < 31; p++) {
			struct hw_ib_port_attr a;

			if (hw_ib_port_query(hw, ib->name, p, &a) == 0 &&
			    a.state == HW_IB_PORT_STATE_ACTIVE)
				ib->active_ports |= 1 << p;
		}
	}
}

void cli_probe_scan(struct hw *hw, const int *buses, int nbuses, struct probe_result *r)
{
	cli_probe_scan_gpio(hw, r);
	cli_probe_scan_i2c(hw, buses, nbuses, r);
	cli_probe_scan_ib(hw, r);
}

void cli_probe_fans_list(struct hw *hw, struct probe_result *r)
{
	for (int i = 0; i < r->ndevs; i++) {
		const struct probe_i2c_dev *d = &r->devs[i];
		struct hw_hwmon_chip *chip;
		char sn[64], attr[16];

		if (d->id.chip != PROBE_CHIP_EMC2305 || !d->kernel || !d->bound)
			continue;
		probe_sensors_name(d, sn, sizeof(sn));
		if (hw_hwmon_chip_open(hw, sn, &chip) < 0)
			continue;
		for (int p = 1; p <= 16 && r->nfans < PROBE_FANS_MAX; p++) {
			struct probe_fan *fan = &r->fans[r->nfans];
			long v;

			snprintf(attr, sizeof(attr), "pwm%d", p);
			if (hw_hwmon_attr_read(chip, attr, &v) < 0)
				break;
			memset(fan, 0, sizeof(*fan));
			snprintf(fan->chip, sizeof(fan->chip), "%s", sn);
			fan->pwm = p;
			r->nfans++;
		}
		hw_hwmon_chip_close(chip);
	}
}

/* Every tach of the chip (fan1_input...), NAN where unreadable; the count found. */
static int cli_probe_tachs(struct hw_hwmon_chip *chip, double *rpm)
{
	char attr[24];
	int n = 0;

	for (int t = 1; t <= CLI_PROBE_TACH_MAX; t++) {
		long v;
		int e;

		snprintf(attr, sizeof(attr), "fan%d_input", t);
		e = hw_hwmon_attr_read(chip, attr, &v);
		if (e == -ENOENT)
			break;
		rpm[t - 1] = e < 0 ? NAN : (double)v;
		n = t;
	}
	return n;
}

/* One output: high, read, low, read, pair; the caller restores. 0, -EINTR or -errno. */
static int cli_probe_pwm_step(struct hw_hwmon_chip *chip, struct probe_fan *fan, int64_t settle_ns,
			      cli_probe_wait_fn wait, void *userdata)
{
	double hi[CLI_PROBE_TACH_MAX], lo[CLI_PROBE_TACH_MAX];
	char attr[16];
	int n, t, e;

	snprintf(attr, sizeof(attr), "pwm%d", fan->pwm);
	e = hw_hwmon_attr_write(chip, attr, CLI_PROBE_PWM_HIGH);
	if (e < 0)
		return e;
	if (wait(userdata, settle_ns))
		return -EINTR;
	n = cli_probe_tachs(chip, hi);
	e = hw_hwmon_attr_write(chip, attr, CLI_PROBE_PWM_LOW);
	if (e < 0)
		return e;
	if (wait(userdata, settle_ns))
		return -EINTR;
	if (cli_probe_tachs(chip, lo) < n)
		n = 0; /* a tach vanished between the readings: pair nothing */
	fan->tested = true;
	t = probe_pair_decide(lo, hi, n, CLI_PROBE_MIN_DELTA_RPM, fan->why, sizeof(fan->why));
	if (t >= 0) {
		fan->tach = t + 1;
		fan->rpm_low = lo[t];
		fan->rpm_high = hi[t];
	}
	return 0;
}

int cli_probe_pwm_test(struct hw *hw, struct probe_result *r, int64_t settle_ns,
		       cli_probe_wait_fn wait, void *userdata)
{
	int ret = 0;

	for (int i = 0; i < r->nfans && ret == 0; i++) {
		struct probe_fan *fan = &r->fans[i];
		struct hw_hwmon_chip *chip;
		char attr[24], en[24];
		long saved, saved_en = -1;
		int e;

		if (hw_hwmon_chip_open(hw, fan->chip, &chip) < 0)
			continue;
		snprintf(attr, sizeof(attr), "pwm%d", fan->pwm);
		snprintf(en, sizeof(en), "pwm%d_enable", fan->pwm);
		if (hw_hwmon_attr_read(chip, attr, &saved) < 0) {
			hw_hwmon_chip_close(chip);
			continue;
		}
		/* chips with a mode switch need manual mode (1) to take a duty */
		if (hw_hwmon_attr_read(chip, en, &saved_en) == 0 && saved_en != 1 &&
		    hw_hwmon_attr_write(chip, en, 1) < 0)
			saved_en = -1;
		ret = cli_probe_pwm_step(chip, fan, settle_ns, wait, userdata);
		/* restore whatever happened; a failed restore is the worse news */
		e = hw_hwmon_attr_write(chip, attr, saved);
		if (saved_en >= 0 && saved_en != 1)
			(void)hw_hwmon_attr_write(chip, en, saved_en);
		if (e < 0 && ret == 0)
			ret = e;
		hw_hwmon_chip_close(chip);
	}
	r->pwm_tested = true;
	probe_pairs_resolve(r->fans, r->nfans);
	return ret;
}
