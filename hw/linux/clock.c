/* clock.c - the linux clock backend: CLOCK_MONOTONIC and CLOCK_REALTIME, speed 1. */
#include "hw/linux/linux.h"

#include <time.h>

static int64_t hw_clock_linux_read(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these two clocks with a valid pointer. */
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t hw_clock_linux_mono_ns(struct hw *hw)
{
	(void)hw;
	return hw_clock_linux_read(CLOCK_MONOTONIC);
}

static int64_t hw_clock_linux_real_ns(struct hw *hw)
{
	(void)hw;
	return hw_clock_linux_read(CLOCK_REALTIME);
}

static double hw_clock_linux_speed(struct hw *hw)
{
	(void)hw;
	return 1.0;
}

/* Real time cannot be steered and has no events of its own: hw.c answers for the NULL entries. */
const struct hw_clock_ops hw_clock_linux_ops = {
	.mono_ns = hw_clock_linux_mono_ns,
	.real_ns = hw_clock_linux_real_ns,
	.speed = hw_clock_linux_speed,
	.advance_to = NULL,
	.set_speed = NULL,
	.set_real = NULL,
	.next_event = NULL,
	.horizon_set = NULL,
};
