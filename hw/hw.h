/* hw.h - the bundle of bus backends (linux or sim) that drivers talk through. */
#ifndef H2BOX_HW_H
#define H2BOX_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A struct hw is one complete set of bus backends: either every bus goes to
 * the real kernel interfaces (libgpiod, i2c-dev/libi2c, libsensors + sysfs,
 * libibverbs + sysfs, libpci) or every bus goes to the simulated H2 box.
 * Drivers in drivers/ only ever see the per-bus interfaces declared in
 * hw/<bus>.h and never know which backend answers.
 */
struct hw;
struct sim_plant;

enum hw_kind {
	HW_KIND_LINUX,
	HW_KIND_SIM,
};

/* Real hardware.  Returns 0 or -errno. */
int hw_linux_new(struct hw **out);
/* The simulated box; the hw does not own the plant. */
int hw_sim_new(struct sim_plant *plant, struct hw **out);
void hw_free(struct hw *hw);

enum hw_kind hw_kind_get(const struct hw *hw);
/* The plant behind a sim hw, NULL on linux. */
struct sim_plant *hw_sim_plant(const struct hw *hw);
/*
 * How sim backends that keep their own virtual clock (the verbs fabric)
 * hand elapsed time to the box: the owner of the box's clock (the daemon's
 * loop) installs fn, which moves every timer and the plant forward by
 * dt_ns.  Without a hook the plant alone is advanced.  No-op on linux.
 */
typedef int (*hw_sim_advance_fn)(void *userdata, int64_t dt_ns);
void hw_sim_advance_hook_set(struct hw *hw, hw_sim_advance_fn fn, void *userdata);

#endif
