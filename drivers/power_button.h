/* power_button.h - the box's front button (input with edge events) and its LED (output). */
#ifndef H2BOX_POWER_BUTTON_H
#define H2BOX_POWER_BUTTON_H

#include <stdbool.h>

#include "hw/gpio.h"

struct hw;
struct power_button;

struct power_button_config {
	const char *button; /* required */
	const char *led;    /* NULL/"" = no LED */
	bool button_active_low;
	bool button_pull_up;
	bool led_active_low;
};

/* 0 or -errno; the LED starts dark. */
int power_button_open(struct hw *hw, const struct power_button_config *cfg,
		      struct power_button **out);
void power_button_close(struct power_button *pb);
/* 1 while pressed, 0, or -errno.  Debouncing is the sequencer's job (edge timestamps). */
int power_button_get(struct power_button *pb);
int power_button_fd(struct power_button *pb);
int power_button_event_read(struct power_button *pb, struct hw_gpio_event *ev);
bool power_button_has_led(const struct power_button *pb);
/* 0, or -errno; a missing LED is not an error. */
int power_button_led_set(struct power_button *pb, bool lit);

#endif
