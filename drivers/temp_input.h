/* temp_input.h - a named temperature input: hwmon chip pattern + feature label, or a sysfs file. */
#ifndef H2BOX_DRIVERS_TEMP_INPUT_H
#define H2BOX_DRIVERS_TEMP_INPUT_H

#include <stdint.h>

struct hw;
struct hw_hwmon_read_req;
struct temp_input;

#define TEMP_INPUT_NAME_MAX 32

/*
 * Where a temperature comes from.  Either chip (libsensors pattern such as
 * "lm75-*") + label (feature label such as "temp1" or "Package id 0"), or
 * file (a sysfs file holding millidegrees, e.g. a thermal_zone temp); never a
 * hwmonN number, which changes between boots.
 */
struct temp_input_spec {
	char name[TEMP_INPUT_NAME_MAX];
	char chip[64];
	char label[64];
	char file[160];
	double offset_c;        /* added to the raw reading, default 0 */
	double min_c, max_c;    /* plausible range, default -20..150 */
};

/* Never fails for a missing chip: reads retry opening it. 0 or -ENOMEM/-EINVAL. */
int temp_input_new(struct hw *hw, const struct temp_input_spec *spec, struct temp_input **out);
void temp_input_free(struct temp_input *t);
const char *temp_input_name(const struct temp_input *t);
/*
 * Read degrees C (offset applied).  -ERANGE when outside the plausible range
 * (the value is still stored in *celsius), -ENOENT when the chip or label is
 * missing, -EAGAIN while backing off after a failed open, other -errno.
 * now_ns paces reopening a vanished chip (1 s doubling to 30 s).
 */
int temp_input_read(struct temp_input *t, int64_t now_ns, double *celsius);
/*
 * The same read in two halves, so that a control cycle reads all its inputs (and its fan chip)
 * in one hw_hwmon_read_batch(): req fills this input's request (0, or the -errno
 * temp_input_read() would answer without reading: -EAGAIN while backing off, an open's error);
 * take turns the batch's answer into degrees C as temp_input_read() does.
 */
int temp_input_req(struct temp_input *t, int64_t now_ns, struct hw_hwmon_read_req *req);
int temp_input_take(struct temp_input *t, const struct hw_hwmon_read_req *req, double *celsius);

#endif
