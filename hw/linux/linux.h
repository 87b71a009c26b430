/* linux.h - state and small sysfs helpers shared by the linux backends (hw/linux/ only). */
#ifndef H2BOX_HW_LINUX_H
#define H2BOX_HW_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/hw-private.h"

/*
 * The sysfs root defaults to "/sys"; H2BOX_SYSFS_ROOT (read once, when the
 * hw is created) points the sysfs-only parts (IB rate/counters/device link,
 * PCI rescan and libpci's sysfs method, the throttle knobs' /sys control
 * files) at a fake tree for tests.  libsensors
 * and libibverbs always look at the real sysfs.
 */
#define HW_LINUX_SYSFS_ENV "H2BOX_SYSFS_ROOT"
#define HW_LINUX_PATH_MAX 512

struct hw_linux_state {
	char sysfs_root[256];
	bool sensors_ref; /* this hw holds a reference on the process-wide libsensors state */
};

static inline struct hw_linux_state *hw_linux_state(struct hw *hw)
{
	return hw->backend;
}

/* sysfs.c: snprintf into buf; -ENAMETOOLONG when it does not fit. */
int hw_linux_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a small text file (at most len-1 bytes, NUL-terminated, trailing newline kept). */
int hw_linux_file_read_str(const char *path, char *buf, size_t len);
/* Read a file holding one decimal integer (surrounding whitespace allowed). */
int hw_linux_file_read_long(const char *path, long *value);
int hw_linux_file_read_u64(const char *path, uint64_t *value);
/* Write a string in a single write(); -errno of the write as the kernel reports it. */
int hw_linux_file_write_str(const char *path, const char *s);

/*
 * hwmon.c: libsensors keeps one global chip list per process, so every struct hw
 * shares one initialisation, reference counted here.  The generation counts
 * re-initialisations: sensors_chip_name pointers from an older generation
 * are gone and open chips must look themselves up again.
 */
int hw_linux_sensors_get(struct hw *hw);
void hw_linux_sensors_put(struct hw *hw);
int hw_linux_sensors_refresh(void);
unsigned hw_linux_sensors_generation(void);

#endif
