/* atx_psu.h - an ATX/SFX supply through its breakout board: PS_ON# output, PWR_OK input. */
#ifndef H2BOX_ATX_PSU_H
#define H2BOX_ATX_PSU_H

#include <stdbool.h>

#include "hw/gpio.h"

struct hw;
struct atx_psu;

struct atx_psu_config {
	const char *psu_on; /* line names */
	const char *psu_ok;
	bool psu_on_active_low; /* PS_ON# is low = on on every ATX supply */
	bool psu_on_open_drain;
	bool psu_ok_active_low;
};

/* Open PS_ON asserted (on) or released, or following PWR_OK (a running box stays on). */
enum atx_psu_initial {
	ATX_PSU_INITIAL_OFF,
	ATX_PSU_INITIAL_ON,
	ATX_PSU_INITIAL_FOLLOW_OK,
};

/*
 * PWR_OK is opened first (input with edge events) so that with FOLLOW_OK the
 * PS_ON line is requested already at the level the box is in: a daemon
 * restart never glitches the supply.  0 or -errno.
 */
int atx_psu_open(struct hw *hw, const struct atx_psu_config *cfg, enum atx_psu_initial initial,
		 struct atx_psu **out);
void atx_psu_close(struct atx_psu *psu);
/* Drive PS_ON (true = supply on).  0 or -errno. */
int atx_psu_set_on(struct atx_psu *psu, bool on);
/* What we drive now. */
bool atx_psu_is_on(const struct atx_psu *psu);
/* PWR_OK level: 1, 0 or -errno. */
int atx_psu_ok_get(struct atx_psu *psu);
/* Pollable fd for PWR_OK edges, and reading them (1 = event, 0 = none, -errno). */
int atx_psu_ok_fd(struct atx_psu *psu);
int atx_psu_ok_event_read(struct atx_psu *psu, struct hw_gpio_event *ev);

#endif
