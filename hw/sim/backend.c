/* backend.c - builds a struct hw whose every bus goes to a simulated box (a plant). */
#include "hw/sim/sim-state.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int hw_sim_new(struct sim_plant *plant, struct hw **out)
{
	struct hw *hw;
	int r;

	assert(plant);
	hw = hw_alloc(HW_KIND_SIM);
	if (!hw)
		return -ENOMEM;
	hw->clock = &hw_clock_sim_ops;
	hw->gpio = &hw_gpio_sim_ops;
	hw->i2c = &hw_i2c_sim_ops;
	hw->hwmon = &hw_hwmon_sim_ops;
	hw->pci = &hw_pci_sim_ops;
	hw->ib = &hw_ib_sim_ops;
	hw->host = &hw_host_sim_ops;
	hw->knob = &hw_knob_sim_ops;
	hw->verbs = &hw_verbs_sim_ops;
	r = hw_sim_state_new(hw, plant);
	if (r < 0) {
		free(hw);
		return r;
	}
	hw->backend_free = hw_sim_state_free;
	*out = hw;
	return 0;
}
