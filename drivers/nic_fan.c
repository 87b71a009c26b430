/* nic_fan.c - the NIC fan: hwmon pwmN (manual mode) + fanN_input tach on a chip found by name. */
#include "drivers/nic_fan.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/hwmon.h"

#define PWM_MAX 255
#define PWM_ENABLE_MANUAL 1

struct nic_fan {
	struct hw *hw;
	struct hw_hwmon_chip *chip;
	char attr_pwm[24], attr_enable[32], attr_fan[24];
	long saved_enable, saved_pwm; /* -1 = could not be read */
	bool has_enable;
	long last_pwm; /* the last pwm written, -1 none */
	long held_pwm; /* what pwmN read back at the last read, -1 unknown */
	long held_for; /* the last pwm written before that read: what the chip made of it */
	int read_err;  /* the last read's pwmN failure (or its posted write's), for duty_set */
	/* pwmN_enable read with the tach, for the duty_set that follows in the same cycle */
	long cycle_enable;
	bool cycle_enable_fresh;
};

int nic_fan_on_exit_parse(const char *s, enum nic_fan_on_exit *out)
{
	if (strcmp(s, "restore") == 0)
		*out = NIC_FAN_EXIT_RESTORE;
	else if (strcmp(s, "full") == 0)
		*out = NIC_FAN_EXIT_FULL;
	else if (strcmp(s, "keep") == 0)
		*out = NIC_FAN_EXIT_KEEP;
	else
		return -EINVAL;
	return 0;
}

const char *nic_fan_on_exit_name(enum nic_fan_on_exit e)
{
	switch (e) {
	case NIC_FAN_EXIT_RESTORE:
		return "restore";
	case NIC_FAN_EXIT_FULL:
		return "full";
	case NIC_FAN_EXIT_KEEP:
		return "keep";
	}
	return "?";
}

int nic_fan_full(struct nic_fan *f)
{
	int r = f->has_enable ? hw_hwmon_attr_write(f->chip, f->attr_enable, PWM_ENABLE_MANUAL) : 0;
	int r2 = hw_hwmon_attr_write(f->chip, f->attr_pwm, PWM_MAX);

	f->held_pwm = -1; /* a failure path: nobody reads it back */
	if (r2 == 0)
		f->last_pwm = PWM_MAX;
	return r2 < 0 ? r2 : r;
}

/*
 * What the chip made of the last write.  A failed or impossible read is an
 * error like a failed write: the duty on the fan is then unknown, and an
 * unknown duty is never reported as a number.  0 or -errno.
 */
static int pwm_held(struct nic_fan *f, int r, long v)
{
	f->held_pwm = -1;
	if (r < 0)
		return r;
	if (v < 0 || v > PWM_MAX)
		return -ERANGE;
	f->held_pwm = v;
	f->held_for = f->last_pwm;
	return 0;
}

static int pwm_readback(struct nic_fan *f)
{
	long v = 0;
	int r = hw_hwmon_attr_read(f->chip, f->attr_pwm, &v);

	return pwm_held(f, r, v);
}

int nic_fan_open(struct hw *hw, const char *pattern, int pwm, struct nic_fan **out)
{
	struct nic_fan *f;
	int r;

	if (pwm < 1 || pwm > 16)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	snprintf(f->attr_pwm, sizeof(f->attr_pwm), "pwm%d", pwm);
	snprintf(f->attr_enable, sizeof(f->attr_enable), "pwm%d_enable", pwm);
	snprintf(f->attr_fan, sizeof(f->attr_fan), "fan%d_input", pwm);
	f->hw = hw;
	f->last_pwm = -1;
	f->held_pwm = -1;
	f->held_for = -1;
	r = hw_hwmon_chip_open(hw, pattern, &f->chip);
	if (r < 0)
		goto err_free;
	r = hw_hwmon_attr_read(f->chip, f->attr_enable, &f->saved_enable);
	f->has_enable = r != -ENOENT;
	if (r < 0)
		f->saved_enable = -1;
	if (hw_hwmon_attr_read(f->chip, f->attr_pwm, &f->saved_pwm) < 0)
		f->saved_pwm = -1;
	/* manual mode at full duty until the controller has decided */
	r = nic_fan_full(f);
	/* a chip whose pwmN cannot be read back cannot tell what the fan gets */
	if (r == 0)
		r = pwm_readback(f);
	if (r < 0)
		goto err_close;
	*out = f;
	return 0;

err_close:
	hw_hwmon_chip_close(f->chip);
err_free:
	free(f);
	return r;
}

const char *nic_fan_chip_name(const struct nic_fan *f)
{
	return hw_hwmon_chip_name(f->chip);
}

int nic_fan_duty_set(struct nic_fan *f, double pct)
{
	long enable, v;
	int r, reasserted = 0;

	if (isnan(pct))
		pct = 100.0;
	pct = pct < 0 ? 0 : pct > 100 ? 100 : pct;
	v = lround(pct * PWM_MAX / 100.0);
	/* the cycle's read found pwmN unreadable (or its last write failed): a chip failure */
	r = f->read_err;
	f->read_err = 0;
	if (r < 0)
		goto fail;
	enable = PWM_ENABLE_MANUAL;
	if (f->has_enable && f->cycle_enable_fresh) {
		enable = f->cycle_enable; /* read with this cycle's tach: one hand-off less */
	} else if (f->has_enable) {
		r = hw_hwmon_attr_read(f->chip, f->attr_enable, &enable);
		if (r < 0)
			goto fail;
	}
	f->cycle_enable_fresh = false;
	if (enable != PWM_ENABLE_MANUAL) {
		/* another tool or a resume reset the mode: our duty would be ignored */
		r = hw_hwmon_attr_write(f->chip, f->attr_enable, PWM_ENABLE_MANUAL);
		if (r < 0)
			goto fail;
		reasserted = 1;
	}
	/* posted, not waited for: its result comes with the next read of pwmN (nic_fan_read_take) */
	r = hw_hwmon_attr_post(f->chip, f->attr_pwm, v);
	if (r < 0)
		goto fail;
	f->last_pwm = v;
	return reasserted;

fail:
	nic_fan_full(f);
	return r;
}

double nic_fan_duty_held(const struct nic_fan *f)
{
	return f->held_pwm >= 0 ? (double)f->held_pwm * 100.0 / PWM_MAX : NAN;
}

bool nic_fan_duty_differs(const struct nic_fan *f)
{
	/* one step of slack: a chip may round where we rounded the other way */
	return f->held_for >= 0 && f->held_pwm >= 0 && labs(f->held_pwm - f->held_for) > 1;
}

unsigned nic_fan_read_reqs(struct nic_fan *f, struct hw_hwmon_read_req *req)
{
	const char *attrs[NIC_FAN_READ_REQS] = { f->attr_fan, f->attr_pwm, f->attr_enable };
	unsigned n = f->has_enable ? 3 : 2;

	for (unsigned i = 0; i < n; i++) {
		memset(&req[i], 0, sizeof(req[i]));
		req[i].chip = f->chip;
		req[i].attr = attrs[i];
	}
	return n;
}

int nic_fan_read_take(struct nic_fan *f, const struct hw_hwmon_read_req *req, double *rpm)
{
	f->read_err = pwm_held(f, req[1].err, req[1].raw);
	f->cycle_enable_fresh = f->has_enable && req[2].err == 0;
	f->cycle_enable = f->cycle_enable_fresh ? req[2].raw : 0;
	*rpm = NAN;
	if (req[0].err < 0)
		return req[0].err;
	if (req[0].raw < 0)
		return -ERANGE;
	*rpm = (double)req[0].raw;
	return 0;
}

int nic_fan_rpm_read(struct nic_fan *f, double *rpm)
{
	struct hw_hwmon_read_req req[NIC_FAN_READ_REQS];

	(void)hw_hwmon_read_batch(f->hw, req, nic_fan_read_reqs(f, req));
	return nic_fan_read_take(f, req, rpm);
}

void nic_fan_close(struct nic_fan *f, enum nic_fan_on_exit how)
{
	int r = 0;

	if (!f)
		return;
	switch (how) {
	case NIC_FAN_EXIT_RESTORE:
		if (!f->has_enable) {
			if (f->saved_pwm >= 0)
				r = hw_hwmon_attr_write(f->chip, f->attr_pwm, f->saved_pwm);
			break;
		}
		if (f->saved_enable < 0) {
			r = -ENODATA;
			break;
		}
		/* a manual previous mode also needs its duty back */
		if (f->saved_enable == PWM_ENABLE_MANUAL && f->saved_pwm >= 0)
			r = hw_hwmon_attr_write(f->chip, f->attr_pwm, f->saved_pwm);
		if (r == 0)
			r = hw_hwmon_attr_write(f->chip, f->attr_enable, f->saved_enable);
		break;
	case NIC_FAN_EXIT_FULL:
		r = nic_fan_full(f);
		break;
	case NIC_FAN_EXIT_KEEP:
		break;
	}
	if (r < 0)
		nic_fan_full(f);
	hw_hwmon_chip_close(f->chip);
	free(f);
}
