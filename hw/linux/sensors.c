/* sensors.c - the process's one libsensors: init on first use, cleanup after the last, a rescan and its generation. */
#include "hw/linux/linux.h"

#include <errno.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

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
