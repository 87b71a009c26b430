/* sim-state.h - the sim backend state behind a struct hw, shared by hw/sim/{state,gpio,...}.c. */
#ifndef H2BOX_SIM_STATE_H
#define H2BOX_SIM_STATE_H

#include "hw/hw-private.h"
#include "hw/sim/plant.h"

struct sim_gpio_line;

/* i2c.c: the kernel devices h2boxd asked the simulated box to create (new_device), in order. */
#define HW_SIM_I2C_CREATED_MAX 8
struct hw_sim_i2c_created {
	int bus;
	uint8_t addr;
	char name[24];
};

struct hw_sim_state {
	struct sim_plant *plant;
	struct hw_sim_i2c_created i2c_created[HW_SIM_I2C_CREATED_MAX];
	int ni2c_created;
	struct sim_gpio_line *lines; /* open lines, for edge fan-out */
	hw_sim_advance_fn advance_fn;
	void *advance_data;
};

static inline struct hw_sim_state *hw_sim_state(struct hw *hw)
{
	return hw->backend;
}

/* state.c: move the box's time forward by dt_ns through the hook (or the plant alone). */
int hw_sim_box_advance(struct hw *hw, int64_t dt_ns);

/* gpio.c: the plant's single edge listener, fanned out to every open line. */
void hw_sim_gpio_edge(void *userdata, enum sim_line line, int level, int64_t ts_ns);
/* gpio.c: forget the open lines when the hw goes away before them. */
void hw_sim_gpio_detach_all(struct hw_sim_state *st);

#endif
