/* host.c - the sim host backend: the plant's H2 runs its OS's shutdown. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int sim_host_poweroff(struct hw *hw, char *err, size_t errlen)
{
	int r = sim_plant_host_poweroff(hw_sim_state(hw)->plant);

	/* the H2's LED then goes out and PS_ON# is released as the shutdown hook would */
	if (r == -EALREADY)
		snprintf(err, errlen, "the simulated H2's OS is not running");
	else if (r == -EBUSY)
		snprintf(err, errlen, "the simulated H2 is still booting");
	else if (r < 0)
		snprintf(err, errlen, "simulated host power-off: %s", strerror(-r));
	return r;
}

static bool sim_host_os_up(struct hw *hw)
{
	struct sim_plant_truth t;

	sim_plant_truth_get(hw_sim_state(hw)->plant, &t);
	return t.host_on && !t.host_booting;
}

/* The h2boxd the sim stands for runs on the H2, yet the plant shows the H2's LED from outside. */
static const char *sim_host_alive_line(struct hw *hw)
{
	(void)hw;
	return sim_plant_line_name(SIM_LINE_H2_PWR_LED);
}

const struct hw_host_ops hw_host_sim_ops = {
	.poweroff = sim_host_poweroff,
	.os_up = sim_host_os_up,
	.alive_line = sim_host_alive_line,
};
