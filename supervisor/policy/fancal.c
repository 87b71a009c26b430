/* fancal.c - NIC fan calibration: step the duty down and up, read the tach, note the limits. */
#include "supervisor/policy/fancal.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>


const char *fancal_phase_name(enum fancal_phase p)
{
	static const char *const names[] = { "idle", "max", "down", "stop", "up", "done",
					     "failed" };

	_Static_assert(sizeof(names) / sizeof(names[0]) == FANCAL_FAILED + 1,
		       "a name for every enum fancal_phase");

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

void fancal_start(struct fancal *k, double step, double spin_rpm, int64_t settle_ns,
		  int64_t now_ns)
{
	memset(k, 0, sizeof(*k));
	k->phase = FANCAL_MAX;
	k->duty = 100.0;
	k->phase_ns = now_ns;
	k->step = step > 0 ? step : 5.0;
	k->spin_rpm = spin_rpm > 0 ? spin_rpm : 1.0;
	k->settle_ns = settle_ns;
	k->max_settle_ns = 2 * settle_ns; /* from any speed up to full */
	k->result.min_duty = 100.0;
	k->result.start_duty = NAN;
}

static void cal_set(struct fancal *k, enum fancal_phase p, double duty, int64_t now_ns)
{
	k->phase = p;
	k->duty = duty;
	k->phase_ns = now_ns;
}

static void cal_finish(struct fancal *k, double start)
{
	k->result.start_duty = fmin(100.0, start + k->step);
	k->result.min_duty = fmin(100.0, k->result.min_duty + k->step);
	k->phase = FANCAL_DONE;
	k->duty = 100.0;
}

double fancal_step(struct fancal *k, double rpm, int64_t now_ns)
{
	int64_t wait = k->phase == FANCAL_MAX ? k->max_settle_ns : k->settle_ns;
	bool spinning = isfinite(rpm) && rpm >= k->spin_rpm;

	if (k->phase == FANCAL_IDLE || k->phase == FANCAL_DONE || k->phase == FANCAL_FAILED)
		return 100.0;
	if (now_ns - k->phase_ns < wait)
		return k->duty;
	if (isnan(rpm)) {
		k->phase = FANCAL_FAILED;
		k->error = "no tach reading";
		k->duty = 100.0;
		return k->duty;
	}
	switch (k->phase) {
	case FANCAL_MAX:
		if (!spinning) {
			k->phase = FANCAL_FAILED;
			k->error = "the fan does not turn at 100%";
			k->duty = 100.0;
			break;
		}
		k->result.max_rpm = rpm;
		k->result.min_rpm = rpm;
		cal_set(k, FANCAL_DOWN, 100.0 - k->step, now_ns);
		break;
	case FANCAL_DOWN:
		if (!spinning) {
			cal_set(k, FANCAL_STOP, 0.0, now_ns);
			break;
		}
		k->result.min_duty = k->duty;
		k->result.min_rpm = rpm;
		if (k->duty - k->step < k->step / 2)
			cal_set(k, FANCAL_STOP, 0.0, now_ns);
		else
			cal_set(k, FANCAL_DOWN, k->duty - k->step, now_ns);
		break;
	case FANCAL_STOP:
		if (!spinning) {
			cal_set(k, FANCAL_UP, k->step, now_ns);
		} else if (now_ns - k->phase_ns >= 4 * k->settle_ns) {
			/* it never stops, even at 0: any duty keeps it turning */
			cal_finish(k, 0.0);
			k->result.start_duty = k->result.min_duty;
		}
		break;
	case FANCAL_UP:
		if (spinning) {
			cal_finish(k, k->duty);
		} else if (k->duty + k->step > 100.0 + 1e-9) {
			k->phase = FANCAL_FAILED;
			k->error = "the fan does not start from stop";
			k->duty = 100.0;
		} else {
			cal_set(k, FANCAL_UP, k->duty + k->step, now_ns);
		}
		break;
	default:
		break;
	}
	return k->duty;
}
