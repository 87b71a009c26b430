/* clock.c - the sim clock backend: virtual monotonic and wall time owned by the plant. */
#include "hw/sim/sim-state.h"

static int64_t sim_clock_mono_ns(struct hw *hw)
{
	return sim_plant_now(hw_sim_state(hw)->plant);
}

static int64_t sim_clock_real_ns(struct hw *hw)
{
	return sim_plant_real_ns(hw_sim_state(hw)->plant);
}

static double sim_clock_speed(struct hw *hw)
{
	return sim_plant_speed(hw_sim_state(hw)->plant);
}

static int sim_clock_advance_to(struct hw *hw, int64_t mono_ns)
{
	return sim_plant_advance_to(hw_sim_state(hw)->plant, mono_ns);
}

static int sim_clock_set_speed(struct hw *hw, double speed)
{
	return sim_plant_set_speed(hw_sim_state(hw)->plant, speed);
}

static int sim_clock_set_real(struct hw *hw, int64_t real_ns)
{
	sim_plant_set_real_ns(hw_sim_state(hw)->plant, real_ns);
	return 0;
}

static int64_t sim_clock_next_event(struct hw *hw)
{
	return sim_plant_next_event(hw_sim_state(hw)->plant);
}

static void sim_clock_horizon_set(struct hw *hw, int64_t mono_ns)
{
	sim_plant_horizon_set(hw_sim_state(hw)->plant, mono_ns);
}

const struct hw_clock_ops hw_clock_sim_ops = {
	.mono_ns = sim_clock_mono_ns,
	.real_ns = sim_clock_real_ns,
	.speed = sim_clock_speed,
	.advance_to = sim_clock_advance_to,
	.set_speed = sim_clock_set_speed,
	.set_real = sim_clock_set_real,
	.next_event = sim_clock_next_event,
	.horizon_set = sim_clock_horizon_set,
};
