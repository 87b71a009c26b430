/* sensors.h - libsensors, loaded only while an open resolves chips, for the hwmon backend (hwmon.c). */
#ifndef H2BOX_HW_LINUX_SENSORS_H
#define H2BOX_HW_LINUX_SENSORS_H

#include <sensors/error.h>
#include <sensors/sensors.h>

#include "hw/dlib.h"

/*
 * libsensors is needed to find a chip and its features (names, labels, input attributes),
 * never for a sample: those are pread by the chip's reader.  So it is dlopen()ed for the
 * length of one resolution and dlclosed after (issue #16): the chip list, sensors3.conf's
 * parse and the library itself leave the process.  Calls go through this table's pointers.
 */
#define HW_LINUX_SENSORS_FUNCS(X, t)                                                           \
	X(t, sensors_init) X(t, sensors_cleanup) X(t, sensors_parse_chip_name)                 \
	X(t, sensors_free_chip_name) X(t, sensors_get_detected_chips) X(t, sensors_get_features) \
	X(t, sensors_get_subfeature) X(t, sensors_get_label) X(t, sensors_snprintf_chip_name)

struct hw_linux_sensors {
	HW_LINUX_SENSORS_FUNCS(HW_DLIB_PTR_, libsensors)
};
extern struct hw_linux_sensors libsensors;

/*
 * A resolution: libsensors loaded and initialised with a fresh chip list (chips bound since the
 * last one, e.g. behind the SFX rails after power-on, are in it).  0, -ELIBACC (missing
 * library, reported once naming the package) or the init's -errno.  Every begin that returned 0
 * is closed by one hw_linux_sensors_end(); nested begins share the list.
 */
int hw_linux_sensors_begin(void);
/* The last end frees the chip list, dlcloses libsensors and trims the heap it leaves. */
void hw_linux_sensors_end(void);

#endif
