/* i2c-plan.c - the kernel I2C devices a profile names by bus and address, for new_device. */
#include "supervisor/config/i2c-plan.h"

#include "supervisor/util/parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* I2C_NAME_SIZE is 20 in the kernel: a device type of at most 19 characters */
#define I2C_PLAN_NAME_MAX 19

int i2c_plan_chip_parse(const char *chip, char *name, size_t namelen, int *bus, uint8_t *addr)
{
	char prefix[I2C_PLAN_NAME_MAX + 2], digits[8], hex[8];
	unsigned long a;
	long b;
	int n = 0;

	/* a pattern ("*", "?") or another bus type ("isa") stops the scan early: no single address */
	if (sscanf(chip, "%20[A-Za-z0-9_]-i2c-%6[0-9]-%5[0-9a-fA-F]%n", prefix, digits, hex + 2,
		   &n) != 3 || chip[n] || strlen(prefix) > I2C_PLAN_NAME_MAX ||
	    strlen(prefix) >= namelen || strlen(digits) > 5 || strlen(hex + 2) > 4)
		return -EINVAL;
	if (parse_int(digits, 0, 99999, &b, NULL, 0) < 0)
		return -EINVAL;
	/* libsensors prints the address as bare hex: "48" is 0x48 */
	hex[0] = '0';
	hex[1] = 'x';
	if (parse_uint_any_base(hex, 0x03, 0x77, &a, NULL, 0) < 0)
		return -EINVAL;
	snprintf(name, namelen, "%s", prefix);
	*bus = (int)b;
	*addr = (uint8_t)a;
	return 0;
}

static void i2c_plan_note(struct i2c_plan *plan, bool warn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void i2c_plan_note(struct i2c_plan *plan, bool warn, const char *fmt, ...)
{
	va_list ap;

	if (plan->nnotes >= I2C_PLAN_NOTES_MAX)
		return;
	plan->note[plan->nnotes].warn = warn;
	va_start(ap, fmt);
	vsnprintf(plan->note[plan->nnotes++].text, sizeof(plan->note[0].text), fmt, ap);
	va_end(ap);
}

/* The [monitor] h2boxd's own driver reads at bus/addr over i2c-dev, or NULL. */
static const struct watts_monitor_config *i2c_plan_own_monitor(const struct profile *p, int bus,
							       uint8_t addr)
{
	for (int i = 0; i < p->watts.nmonitors; i++) {
		const struct ina2xx_config *c = &p->watts.mon[i].ina;

		if (c->mode == INA2XX_MODE_I2C && c->bus == bus && c->addr == addr)
			return &p->watts.mon[i];
	}
	return NULL;
}

/* One chip name from the profile key `source`: planned, or left out with a note. */
static void i2c_plan_add(struct i2c_plan *plan, const struct profile *p, const char *chip,
			 const char *source)
{
	const struct watts_monitor_config *own;
	struct i2c_plan_device d = { 0 };

	if (!chip[0])
		return;
	if (i2c_plan_chip_parse(chip, d.name, sizeof(d.name), &d.bus, &d.addr) < 0) {
		if (strchr(chip, '*') || strchr(chip, '?') || !strchr(chip, '-'))
			i2c_plan_note(plan, false,
				      "%s = %s is a pattern (no bus and address): no device created"
				      " for it",
				      source, chip);
		else if (strstr(chip, "-i2c-"))
			i2c_plan_note(plan, true,
				      "%s = %s: not instantiated: not PREFIX-i2c-BUS-ADDR with an"
				      " address 0x03..0x77 and a device name of 1 to %d letters,"
				      " digits or _",
				      source, chip, I2C_PLAN_NAME_MAX);
		return; /* coretemp-isa-0000, drivetemp-scsi-0-0: not an I2C chip */
	}
	own = i2c_plan_own_monitor(p, d.bus, d.addr);
	if (own) {
		i2c_plan_note(plan, true,
			      "%s = %s: not instantiated: [monitor %s] reads it over i2c-dev, and a"
			      " kernel driver there would take the chip from h2boxd's own driver",
			      source, chip, own->name);
		return;
	}
	for (int i = 0; i < plan->ndev; i++) {
		const struct i2c_plan_device *o = &plan->dev[i];

		if (o->bus != d.bus || o->addr != d.addr)
			continue;
		if (strcmp(o->name, d.name) != 0)
			i2c_plan_note(plan, true,
				      "%s = %s: not instantiated: %s = %s names i2c-%d 0x%02x already",
				      source, chip, o->source, o->chip, d.bus, d.addr);
		return;
	}
	if (plan->ndev >= I2C_PLAN_MAX) {
		i2c_plan_note(plan, true, "%s = %s: not instantiated: more than %d I2C devices",
			      source, chip, I2C_PLAN_MAX);
		return;
	}
	snprintf(d.chip, sizeof(d.chip), "%s", chip);
	snprintf(d.source, sizeof(d.source), "%s", source);
	plan->dev[plan->ndev++] = d;
}

void i2c_plan_build(const struct profile *p, struct i2c_plan *out)
{
	const struct fan_config *fc = &p->fan;
	char source[48];

	memset(out, 0, sizeof(*out));
	if (!p->daemon.i2c_instantiate)
		return;
	if (fc->enabled) {
		i2c_plan_add(out, p, fc->chip, "[fan] chip");
		for (int i = 0; i < fc->ninputs; i++) {
			if (fc->inputs[i].spec.file[0])
				continue; /* the input reads its file; chip is ignored */
			snprintf(source, sizeof(source), "[input %s] chip", fc->inputs[i].spec.name);
			i2c_plan_add(out, p, fc->inputs[i].spec.chip, source);
		}
	}
	for (int i = 0; i < p->watts.nmonitors; i++) {
		const struct watts_monitor_config *m = &p->watts.mon[i];

		if (m->ina.mode != INA2XX_MODE_HWMON)
			continue;
		snprintf(source, sizeof(source), "[monitor %s] hwmon_chip", m->name);
		i2c_plan_add(out, p, m->ina.hwmon_chip, source);
	}
}
