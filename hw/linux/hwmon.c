/* hwmon.c - the linux hwmon backend: chips and features through libsensors, raw attrs through sysfs. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

struct hw_hwmon_linux_chip {
	struct hw_hwmon_chip base; /* first: hw.c sees only this; base.name is the resolved name */
	struct hw *hw;
	char path[HW_LINUX_PATH_MAX]; /* the hwmon device dir, e.g. /sys/class/hwmon/hwmon3 */
	const sensors_chip_name *sc;  /* valid while gen == the current generation */
	unsigned gen;
};

/*
 * libsensors is one global per process (its chip list, its config), so the
 * bookkeeping is too.  The daemon is single-threaded; so are these counters.
 */
static unsigned hw_sensors_users;
static unsigned hw_sensors_gen;

static int hw_sensors_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return 0;
	case SENSORS_ERR_WILDCARDS:
	case SENSORS_ERR_CHIP_NAME:
	case SENSORS_ERR_BUS_NAME:
		return -EINVAL;
	case SENSORS_ERR_NO_ENTRY:
		return -ENOENT;
	case SENSORS_ERR_ACCESS_R:
		/* the attribute exists but its read failed (a chip answering -ENODATA lands here) */
		return -ENODATA;
	case SENSORS_ERR_ACCESS_W:
		return -EACCES;
	case SENSORS_ERR_KERNEL:
		/* sysfs missing at init, or an attribute file that vanished with its chip */
		return -ENODEV;
	case SENSORS_ERR_DIV_ZERO:
		return -EDOM;
	case SENSORS_ERR_PARSE:
		/* a broken /etc/sensors3.conf or /etc/sensors.d file */
		return -EBADMSG;
	case SENSORS_ERR_RECURSION:
		return -ELOOP;
	case SENSORS_ERR_IO:
	default:
		return -EIO;
	}
}

static int hw_sensors_init(void)
{
	/* NULL: Debian's /etc/sensors3.conf + /etc/sensors.d, so user compute lines apply */
	int r = sensors_init(NULL);

	if (r) {
		/* a failed init may leave half a chip list behind */
		sensors_cleanup();
		return hw_sensors_errno(r);
	}
	hw_sensors_gen++;
	return 0;
}

int hw_linux_sensors_get(struct hw *hw)
{
	struct hw_linux_state *st = hw_linux_state(hw);
	int r;

	if (st->sensors_ref)
		return 0;
	if (hw_sensors_users == 0) {
		r = hw_sensors_init();
		if (r < 0)
			return r;
	}
	hw_sensors_users++;
	st->sensors_ref = true;
	return 0;
}

void hw_linux_sensors_put(struct hw *hw)
{
	struct hw_linux_state *st = hw_linux_state(hw);

	if (!st->sensors_ref)
		return;
	st->sensors_ref = false;
	if (--hw_sensors_users == 0) {
		sensors_cleanup();
		hw_sensors_gen++;
	}
}

/*
 * libsensors reads the chip list once, in sensors_init().  A chip that is
 * bound later (the NIC fan controller or the INA226 behind the SFX rails
 * appear only after the PSU came up) stays invisible until a cleanup and a
 * fresh init.  Every sensors_chip_name pointer handed out before is freed
 * by that; open chips notice through the generation and look up again.
 */
int hw_linux_sensors_refresh(void)
{
	if (hw_sensors_users == 0)
		return -EINVAL;
	sensors_cleanup();
	hw_sensors_gen++; /* even if the init below fails, the old pointers are gone */
	return hw_sensors_init();
}

unsigned hw_linux_sensors_generation(void)
{
	return hw_sensors_gen;
}

/* The first detected chip that matches `pattern`, or NULL. */
static const sensors_chip_name *hw_hwmon_linux_match(const char *pattern, int *err)
{
	sensors_chip_name match;
	const sensors_chip_name *sc;
	int nr = 0, r;

	r = sensors_parse_chip_name(pattern, &match);
	if (r) {
		*err = -EINVAL;
		return NULL;
	}
	sc = sensors_get_detected_chips(&match, &nr);
	sensors_free_chip_name(&match);
	*err = sc ? 0 : -ENOENT;
	return sc;
}

static int hw_hwmon_linux_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out)
{
	struct hw_hwmon_linux_chip *c;
	const sensors_chip_name *sc;
	int r;

	r = hw_linux_sensors_get(hw);
	if (r < 0)
		return r;
	sc = hw_hwmon_linux_match(pattern, &r);
	if (r == -ENOENT) {
		r = hw_linux_sensors_refresh();
		if (r < 0)
			return r;
		sc = hw_hwmon_linux_match(pattern, &r);
	}
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (sensors_snprintf_chip_name(c->base.name, sizeof(c->base.name), sc) < 0) {
		r = -ENAMETOOLONG;
		goto err;
	}
	if (!sc->path || hw_linux_path(c->path, sizeof(c->path), "%s", sc->path) < 0) {
		r = -ENAMETOOLONG;
		goto err;
	}
	c->hw = hw;
	c->sc = sc;
	c->gen = hw_linux_sensors_generation();
	*out = &c->base;
	return 0;

err:
	free(c);
	return r;
}

/* The chip's current libsensors entry, looked up again after a refresh. */
static int hw_hwmon_linux_resolve(struct hw_hwmon_linux_chip *c, const sensors_chip_name **scp)
{
	const sensors_chip_name *sc;
	int r;

	if (c->gen != hw_linux_sensors_generation()) {
		/* the resolved name carries bus and address: it matches exactly this chip */
		sc = hw_hwmon_linux_match(c->base.name, &r);
		if (r < 0)
			return r == -ENOENT ? -ENODEV : r;
		c->sc = sc;
		c->gen = hw_linux_sensors_generation();
	}
	*scp = c->sc;
	return 0;
}

static int hw_hwmon_linux_kind(enum hw_hwmon_kind kind, sensors_feature_type *ft,
			       sensors_subfeature_type *input, sensors_subfeature_type *alt)
{
	*alt = SENSORS_SUBFEATURE_UNKNOWN;
	switch (kind) {
	case HW_HWMON_TEMP:
		*ft = SENSORS_FEATURE_TEMP;
		*input = SENSORS_SUBFEATURE_TEMP_INPUT;
		return 0;
	case HW_HWMON_FAN:
		*ft = SENSORS_FEATURE_FAN;
		*input = SENSORS_SUBFEATURE_FAN_INPUT;
		return 0;
	case HW_HWMON_IN:
		*ft = SENSORS_FEATURE_IN;
		*input = SENSORS_SUBFEATURE_IN_INPUT;
		return 0;
	case HW_HWMON_CURR:
		*ft = SENSORS_FEATURE_CURR;
		*input = SENSORS_SUBFEATURE_CURR_INPUT;
		return 0;
	case HW_HWMON_POWER:
		*ft = SENSORS_FEATURE_POWER;
		*input = SENSORS_SUBFEATURE_POWER_INPUT;
		/* some power meters only publish power1_average */
		*alt = SENSORS_SUBFEATURE_POWER_AVERAGE;
		return 0;
	case HW_HWMON_KIND_COUNT:
		break;
	}
	return -EINVAL;
}

static int hw_hwmon_linux_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind,
			       const char *label, double *value)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	const sensors_chip_name *sc;
	const sensors_feature *f;
	const sensors_subfeature *sub;
	sensors_feature_type ft;
	sensors_subfeature_type input, alt;
	int nr = 0, r;

	r = hw_hwmon_linux_kind(kind, &ft, &input, &alt);
	if (r < 0)
		return r;
	r = hw_hwmon_linux_resolve(c, &sc);
	if (r < 0)
		return r;
	while ((f = sensors_get_features(sc, &nr))) {
		char *flabel;
		bool hit;

		if (f->type != ft)
			continue;
		/* "Package id 0" as sensors shows it, or the raw feature name "temp1" */
		hit = f->name && strcmp(f->name, label) == 0;
		if (!hit) {
			flabel = sensors_get_label(sc, f);
			hit = flabel && strcmp(flabel, label) == 0;
			free(flabel);
		}
		if (!hit)
			continue;
		sub = sensors_get_subfeature(sc, f, input);
		if (!sub && alt != SENSORS_SUBFEATURE_UNKNOWN)
			sub = sensors_get_subfeature(sc, f, alt);
		if (!sub)
			return -ENODATA;
		r = sensors_get_value(sc, sub->number, value);
		return hw_sensors_errno(r);
	}
	return -ENOENT;
}

/* A plain attribute name inside the chip dir: no path tricks through the interface. */
static int hw_hwmon_linux_attr_path(struct hw_hwmon_linux_chip *c, const char *attr, char *path,
				    size_t len)
{
	if (!attr || !*attr || strchr(attr, '/') || strcmp(attr, ".") == 0 ||
	    strcmp(attr, "..") == 0)
		return -EINVAL;
	return hw_linux_path(path, len, "%s/%s", c->path, attr);
}

static int hw_hwmon_linux_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	char path[HW_LINUX_PATH_MAX];
	int r = hw_hwmon_linux_attr_path(c, attr, path, sizeof(path));

	if (r < 0)
		return r;
	return hw_linux_file_read_long(path, value);
}

static int hw_hwmon_linux_attr_write(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	char path[HW_LINUX_PATH_MAX], buf[32];
	int r = hw_hwmon_linux_attr_path(c, attr, path, sizeof(path));

	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%ld\n", value);
	return hw_linux_file_write_str(path, buf);
}

static void hw_hwmon_linux_close(struct hw_hwmon_chip *chip)
{
	/* The libsensors reference stays with the hw: other chips may share it. */
	free(chip);
}

static int hw_hwmon_linux_file_read(struct hw *hw, const char *path, long *value)
{
	(void)hw;
	if (!path || !*path)
		return -EINVAL;
	return hw_linux_file_read_long(path, value);
}

const struct hw_hwmon_ops hw_hwmon_linux_ops = {
	.open = hw_hwmon_linux_open,
	.read = hw_hwmon_linux_read,
	.attr_read = hw_hwmon_linux_attr_read,
	.attr_write = hw_hwmon_linux_attr_write,
	.close = hw_hwmon_linux_close,
	.file_read = hw_hwmon_linux_file_read,
};
