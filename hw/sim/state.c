/* state.c - creates and frees the sim backend state that ties a struct hw to a plant. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdlib.h>

int hw_sim_state_new(struct hw *hw, struct sim_plant *plant)
{
	struct hw_sim_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->plant = plant;
	hw->backend = st;
	/* one listener per plant: the newest sim hw receives the edges */
	sim_plant_edge_listener_set(plant, hw_sim_gpio_edge, st);
	return 0;
}

void hw_sim_state_free(struct hw *hw)
{
	struct hw_sim_state *st = hw->backend;

	if (!st)
		return;
	sim_plant_edge_listener_set(st->plant, NULL, NULL);
	hw_sim_gpio_detach_all(st);
	free(st);
	hw->backend = NULL;
}

void hw_sim_advance_hook_set(struct hw *hw, hw_sim_advance_fn fn, void *userdata)
{
	struct hw_sim_state *st;

	if (!hw || hw->kind != HW_KIND_SIM || !hw->backend)
		return;
	st = hw->backend;
	st->advance_fn = fn;
	st->advance_data = userdata;
}

int hw_sim_box_advance(struct hw *hw, int64_t dt_ns)
{
	struct hw_sim_state *st = hw_sim_state(hw);

	if (dt_ns <= 0)
		return 0;
	if (st->advance_fn)
		return st->advance_fn(st->advance_data, dt_ns);
	return sim_plant_advance_to(st->plant, sim_plant_now(st->plant) + dt_ns);
}

struct sim_plant *hw_sim_plant(const struct hw *hw)
{
	const struct hw_sim_state *st;

	if (!hw || hw->kind != HW_KIND_SIM)
		return NULL;
	st = hw->backend;
	return st ? st->plant : NULL;
}
