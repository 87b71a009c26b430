/* temp_input.c - a named temperature input: hwmon chip pattern + feature label, or a sysfs file. */
#include "drivers/temp_input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hw/clock.h"
#include "hw/hwmon.h"

#define BACKOFF_MIN_NS HW_NSEC_PER_SEC
#define BACKOFF_MAX_NS (30 * HW_NSEC_PER_SEC)

struct temp_input {
	struct hw *hw;
	struct temp_input_spec spec;
	struct hw_hwmon_chip *chip;
	int64_t retry_ns;   /* next open attempt */
	int64_t backoff_ns;
};

int temp_input_new(struct hw *hw, const struct temp_input_spec *spec, struct temp_input **out)
{
	struct temp_input *t;

	if (!spec->file[0] && (!spec->chip[0] || !spec->label[0]))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->hw = hw;
	t->spec = *spec;
	t->backoff_ns = BACKOFF_MIN_NS;
	*out = t;
	return 0;
}

void temp_input_free(struct temp_input *t)
{
	if (!t)
		return;
	if (t->chip)
		hw_hwmon_chip_close(t->chip);
	free(t);
}

const char *temp_input_name(const struct temp_input *t)
{
	return t->spec.name;
}

static int chip_ensure(struct temp_input *t, int64_t now_ns)
{
	int r;

	if (t->chip)
		return 0;
	if (now_ns < t->retry_ns)
		return -EAGAIN;
	r = hw_hwmon_chip_open(t->hw, t->spec.chip, &t->chip);
	if (r < 0) {
		t->chip = NULL;
		t->retry_ns = now_ns + t->backoff_ns;
		t->backoff_ns = t->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS
								    : t->backoff_ns * 2;
		return r;
	}
	t->backoff_ns = BACKOFF_MIN_NS;
	return 0;
}

int temp_input_req(struct temp_input *t, int64_t now_ns, struct hw_hwmon_read_req *req)
{
	int r;

	memset(req, 0, sizeof(*req));
	if (t->spec.file[0]) {
		req->file = t->spec.file;
		return 0;
	}
	r = chip_ensure(t, now_ns);
	if (r < 0)
		return r;
	req->chip = t->chip;
	req->kind = HW_HWMON_TEMP;
	req->label = t->spec.label;
	return 0;
}

int temp_input_take(struct temp_input *t, const struct hw_hwmon_read_req *req, double *celsius)
{
	double v;
	int r = req->err;

	*celsius = NAN;
	if (r < 0) {
		/* the chip may have gone (unbound, re-enumerated): resolve it afresh;
		 * not for a read past its deadline: the chip is there but wedged, and
		 * reopening it would only queue another read behind the stuck one */
		if (req->chip && t->chip && r != -ENODATA && r != -ETIMEDOUT) {
			hw_hwmon_chip_close(t->chip);
			t->chip = NULL;
		}
		return r;
	}
	v = req->chip ? req->value : (double)req->raw / 1000.0;
	if (!isfinite(v))
		return -ENODATA;
	v += t->spec.offset_c;
	*celsius = v;
	if (v < t->spec.min_c || v > t->spec.max_c)
		return -ERANGE;
	return 0;
}

int temp_input_read(struct temp_input *t, int64_t now_ns, double *celsius)
{
	struct hw_hwmon_read_req req;
	int r = temp_input_req(t, now_ns, &req);

	*celsius = NAN;
	if (r < 0)
		return r;
	(void)hw_hwmon_read_batch(t->hw, &req, 1);
	return temp_input_take(t, &req, celsius);
}
