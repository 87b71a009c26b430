/* sim-box.h - unit-test fixture: the simulated SFX box (plant + sim hw), paused, optionally booted. */
#ifndef H2BOX_TEST_SIM_BOX_H
#define H2BOX_TEST_SIM_BOX_H

#include "hw/hw.h"
#include "hw/sim/plant.h"

struct sim_box {
	struct sim_plant *plant;
	struct hw *hw;
};

enum sim_box_start {
	SIM_BOX_OFF,    /* mains on, PSU off */
	SIM_BOX_BOOTED, /* PSU on, the H2 booted and the IB ports ACTIVE (60 s of box time) */
};

/* Virtual time moves only by explicit advances; no measurement noise.  0 or -1. */
static inline int sim_box_open(struct sim_box *b, enum sim_box_start start)
{
	struct sim_plant_config cfg;

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	cfg.seed = 0;
	cfg.host_starts_on_power = start == SIM_BOX_BOOTED;
	if (sim_plant_new(&cfg, &b->plant) < 0)
		return -1;
	if (hw_sim_new(b->plant, &b->hw) < 0) {
		sim_plant_free(b->plant);
		return -1;
	}
	if (start == SIM_BOX_BOOTED) {
		sim_plant_line_set(b->plant, SIM_LINE_PSU_ON_N, 0);
		sim_plant_advance_to(b->plant, sim_plant_now(b->plant) + 60000000000LL);
	}
	return 0;
}

static inline void sim_box_close(struct sim_box *b)
{
	hw_free(b->hw);
	sim_plant_free(b->plant);
}

/* cmocka setup/teardown: one booted box for a test (state: struct sim_box *). */
static inline int sim_box_setup_booted(void **state)
{
	static struct sim_box f;

	if (sim_box_open(&f, SIM_BOX_BOOTED) < 0)
		return -1;
	*state = &f;
	return 0;
}

static inline int sim_box_teardown(void **state)
{
	sim_box_close(*state);
	return 0;
}

#endif
