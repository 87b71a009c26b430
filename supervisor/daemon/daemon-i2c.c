/* daemon-i2c.c - the profile's kernel I2C devices: created when absent and logged, or listed. */
#include "supervisor/daemon/daemon-i2c.h"

#include "hw/hw.h"
#include "hw/i2c.h"
#include "supervisor/config/i2c-plan.h"
#include "supervisor/config/profile.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

/* The journal fields of one planned device; the strings live in f. */
struct daemon_i2c_fields {
	char event[48], bus[32], addr[32], device[48], driver[64], key[80];
	const char *list[7];
};

static const char *const *daemon_i2c_fields(struct daemon_i2c_fields *f, const char *event,
					    const struct i2c_plan_device *pd, const char *driver)
{
	snprintf(f->event, sizeof(f->event), "H2BOX_EVENT=%s", event);
	snprintf(f->bus, sizeof(f->bus), "H2BOX_I2C_BUS=%d", pd->bus);
	snprintf(f->addr, sizeof(f->addr), "H2BOX_I2C_ADDRESS=0x%02x", pd->addr);
	snprintf(f->device, sizeof(f->device), "H2BOX_I2C_DEVICE=%s", pd->name);
	snprintf(f->driver, sizeof(f->driver), "H2BOX_I2C_DRIVER=%s", driver);
	snprintf(f->key, sizeof(f->key), "H2BOX_PROFILE_KEY=%s", pd->source);
	f->list[0] = f->event;
	f->list[1] = f->bus;
	f->list[2] = f->addr;
	f->list[3] = f->device;
	f->list[4] = f->driver;
	f->list[5] = f->key;
	f->list[6] = NULL;
	return f->list;
}

/* One planned device: 0, or -errno when it could not be created. */
static int daemon_i2c_one(struct hw *hw, const struct i2c_plan_device *pd)
{
	struct daemon_i2c_fields f;
	struct hw_i2c_device dev;
	int r = hw_i2c_device_ensure(hw, pd->bus, pd->addr, pd->name, true, &dev);

	if (r == -ENODEV) {
		log_event(LOG_WARNING, daemon_i2c_fields(&f, "i2c-no-adapter", pd, ""),
			  "i2c: no adapter i2c-%d for %s = %s: is the bus driver loaded?", pd->bus,
			  pd->source, pd->chip);
		return r;
	}
	if (r < 0) {
		log_event(LOG_WARNING, daemon_i2c_fields(&f, "i2c-create-failed", pd, ""),
			  "i2c: cannot create %s at i2c-%d 0x%02x for %s: %s%s", pd->name, pd->bus,
			  pd->addr, pd->source, strerror(-r),
			  r == -EACCES || r == -EPERM ?
				  " (new_device is root's: h2boxd.service creates the devices as"
				  " root before each start, see h2boxd --i2c-instantiate)" :
				  "");
		return r;
	}
	if (dev.created) {
		log_event(LOG_NOTICE, daemon_i2c_fields(&f, "i2c-created", pd, dev.driver),
			  "i2c: created %s at i2c-%d 0x%02x for %s = %s (%s%s)", pd->name, pd->bus,
			  pd->addr, pd->source, pd->chip, dev.driver[0] ? "driver " : "",
			  dev.driver[0] ? dev.driver : "no driver bound yet: udev loads its module");
	} else if (strcmp(dev.name, pd->name) != 0) {
		/* another chip (or a driver's own device) owns the address: never touched */
		log_event(LOG_WARNING, daemon_i2c_fields(&f, "i2c-taken", pd, dev.driver),
			  "i2c: i2c-%d 0x%02x holds %s (driver %s), not the %s that %s = %s names:"
			  " left alone",
			  pd->bus, pd->addr, dev.name[0] ? dev.name : "a device",
			  dev.driver[0] ? dev.driver : "none", pd->name, pd->source, pd->chip);
	} else if (!dev.driver[0]) {
		log_warnx("i2c: %s at i2c-%d 0x%02x has no driver bound (is its module loaded?)",
			  pd->name, pd->bus, pd->addr);
	} else {
		log_debug("i2c: %s at i2c-%d 0x%02x is there (driver %s)", pd->name, pd->bus,
			  pd->addr, dev.driver);
	}
	return 0;
}

int daemon_i2c_ensure(struct hw *hw, const struct profile *p)
{
	struct i2c_plan plan;
	int failed = 0;

	i2c_plan_build(p, &plan);
	for (int i = 0; i < plan.nnotes; i++) {
		if (plan.note[i].warn)
			log_warnx("i2c: %s", plan.note[i].text);
		else
			log_debug("i2c: %s", plan.note[i].text);
	}
	for (int i = 0; i < plan.ndev; i++)
		if (daemon_i2c_one(hw, &plan.dev[i]) < 0)
			failed++;
	return failed;
}

void daemon_i2c_print(const struct profile *p, FILE *out)
{
	struct i2c_plan plan;
	struct hw *hw = NULL;
	int hr, r;

	if (p->daemon.sim)
		return; /* the simulated box's chips are built in */
	if (!p->daemon.i2c_instantiate) {
		fprintf(out, "i2c: no devices created ([daemon] i2c_instantiate = no)\n");
		return;
	}
	i2c_plan_build(p, &plan);
	/* a pattern's note stays in the debug log: "configuration OK" alone for such a profile */
	for (int i = 0; i < plan.nnotes; i++)
		if (plan.note[i].warn)
			fprintf(out, "i2c: warning: %s\n", plan.note[i].text);
	if (plan.ndev == 0)
		return;
	hr = hw_linux_new(&hw);
	for (int i = 0; i < plan.ndev; i++) {
		const struct i2c_plan_device *pd = &plan.dev[i];
		struct hw_i2c_device dev;

		r = hr < 0 ? hr : hw_i2c_device_ensure(hw, pd->bus, pd->addr, pd->name, false, &dev);
		if (r == -ENODEV)
			fprintf(out, "i2c: no adapter i2c-%d for %s at 0x%02x (%s = %s)\n", pd->bus,
				pd->name, pd->addr, pd->source, pd->chip);
		else if (r < 0)
			fprintf(out, "i2c: cannot look at i2c-%d 0x%02x: %s\n", pd->bus, pd->addr,
				strerror(-r));
		else if (!dev.present)
			fprintf(out, "i2c: would create %s at i2c-%d 0x%02x (%s = %s)\n", pd->name,
				pd->bus, pd->addr, pd->source, pd->chip);
		else if (strcmp(dev.name, pd->name) != 0)
			fprintf(out, "i2c: i2c-%d 0x%02x holds %s (driver %s), not %s: left alone"
				" (%s = %s)\n", pd->bus, pd->addr, dev.name,
				dev.driver[0] ? dev.driver : "none", pd->name, pd->source, pd->chip);
		else
			fprintf(out, "i2c: %s at i2c-%d 0x%02x is there (driver %s)\n", pd->name,
				pd->bus, pd->addr, dev.driver[0] ? dev.driver : "none");
	}
	if (hr == 0)
		hw_free(hw);
}
