/* h2_host.h - the ODROID-H2 seen from outside: its power-button header and its power LED. */
#ifndef H2BOX_H2_HOST_H
#define H2BOX_H2_HOST_H

#include <stdbool.h>

#include "hw/gpio.h"

struct hw;
struct h2_host;

struct h2_host_config {
	const char *host_button; /* output to the power-button header; NULL/"" = not wired */
	const char *host_alive;  /* input from the power LED; NULL/"" = not wired */
	bool host_button_active_low;
	bool host_button_open_drain;
	bool host_alive_active_low;
};

/* Opens the wired lines; the button starts released.  0 or -errno. */
int h2_host_open(struct hw *hw, const struct h2_host_config *cfg, struct h2_host **out);
/* Releases the button first: the header is never left pressed. */
void h2_host_close(struct h2_host *h);
bool h2_host_has_button(const struct h2_host *h);
bool h2_host_has_alive(const struct h2_host *h);
/*
 * Press (true) or release the power button.  Pulse and hold timing belong to
 * the sequencer (a short pulse = ACPI soft-off/on, a long hold = force-off).
 * 0, -ENODEV when not wired, or -errno.
 */
int h2_host_button_set(struct h2_host *h, bool pressed);
bool h2_host_button_pressed(const struct h2_host *h);
/* Power LED: 1 = running, 0, or -errno (-ENODEV when not wired). */
int h2_host_alive_get(struct h2_host *h);
int h2_host_alive_fd(struct h2_host *h);
int h2_host_alive_event_read(struct h2_host *h, struct hw_gpio_event *ev);

#endif
