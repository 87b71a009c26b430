/* sensors.c - the process's libsensors: dlopen()ed and initialised for a chip resolution, cleaned up and dlclosed after. */
#include "hw/linux/sensors.h"

#include <errno.h>
#include <malloc.h>

struct hw_linux_sensors libsensors;
static const struct hw_dlib_sym hw_linux_sensors_syms[] = {
	HW_LINUX_SENSORS_FUNCS(HW_DLIB_SYM_, libsensors)
};
static struct hw_dlib hw_linux_sensors_lib =
	HW_DLIB_INIT("libsensors.so.5", "libsensors5", hw_linux_sensors_syms);

/*
 * libsensors is one global per process (its chip list, its config), so the
 * bookkeeping is too.  Chips are resolved from the loop's thread only.
 */
static unsigned hw_sensors_depth;

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

/* libsensors unloaded, and the heap its chip list and config parse used handed back. */
static void hw_sensors_unload(void)
{
	hw_dlib_unload(&hw_linux_sensors_lib);
	/* the parse leaves a few hundred KiB of freed chunks among the daemon's live ones */
	malloc_trim(0);
}

int hw_linux_sensors_begin(void)
{
	int r;

	if (hw_sensors_depth) {
		hw_sensors_depth++;
		return 0;
	}
	r = hw_dlib_load(&hw_linux_sensors_lib);
	if (r < 0)
		return r;
	/* NULL: Debian's /etc/sensors3.conf + /etc/sensors.d, so user compute lines apply */
	r = libsensors.sensors_init(NULL);
	if (r) {
		/* a failed init may leave half a chip list behind */
		libsensors.sensors_cleanup();
		hw_sensors_unload();
		return hw_sensors_errno(r);
	}
	hw_sensors_depth = 1;
	return 0;
}

void hw_linux_sensors_end(void)
{
	if (hw_sensors_depth == 0 || --hw_sensors_depth)
		return;
	libsensors.sensors_cleanup();
	hw_sensors_unload();
}
