/* h2_host.c - the ODROID-H2 seen from outside: its power-button header and its power LED. */
#include "drivers/h2_host.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct h2_host {
	struct hw_gpio_line *button;
	struct hw_gpio_line *alive;
	bool pressed;
};

static bool wired(const char *name)
{
	return name && name[0];
}

int h2_host_open(struct hw *hw, const struct h2_host_config *cfg, struct h2_host **out)
{
	struct h2_host *h;
	unsigned flags;
	int r;

	assert(hw && cfg && out);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (wired(cfg->host_button)) {
		flags = (cfg->host_button_active_low ? HW_GPIO_ACTIVE_LOW : 0) |
			(cfg->host_button_open_drain ? HW_GPIO_OPEN_DRAIN : 0);
		r = hw_gpio_line_open(hw, cfg->host_button, HW_GPIO_OUTPUT, flags, 0,
				      "h2box-host-button", &h->button);
		if (r < 0)
			goto fail;
	}
	if (wired(cfg->host_alive)) {
		flags = HW_GPIO_EDGES | (cfg->host_alive_active_low ? HW_GPIO_ACTIVE_LOW : 0);
		r = hw_gpio_line_open(hw, cfg->host_alive, HW_GPIO_INPUT, flags, 0,
				      "h2box-host-alive", &h->alive);
		if (r < 0)
			goto fail_button;
	}
	*out = h;
	return 0;

fail_button:
	if (h->button)
		hw_gpio_line_close(h->button);
fail:
	free(h);
	return r;
}

void h2_host_close(struct h2_host *h)
{
	if (!h)
		return;
	if (h->button) {
		hw_gpio_line_set(h->button, 0);
		hw_gpio_line_close(h->button);
	}
	if (h->alive)
		hw_gpio_line_close(h->alive);
	free(h);
}

bool h2_host_has_button(const struct h2_host *h)
{
	return h->button != NULL;
}

bool h2_host_has_alive(const struct h2_host *h)
{
	return h->alive != NULL;
}

int h2_host_button_set(struct h2_host *h, bool pressed)
{
	int r;

	if (!h->button)
		return -ENODEV;
	r = hw_gpio_line_set(h->button, pressed ? 1 : 0);
	if (r == 0)
		h->pressed = pressed;
	return r;
}

bool h2_host_button_pressed(const struct h2_host *h)
{
	return h->pressed;
}

int h2_host_alive_get(struct h2_host *h)
{
	return h->alive ? hw_gpio_line_get(h->alive) : -ENODEV;
}

int h2_host_alive_fd(struct h2_host *h)
{
	return h->alive ? hw_gpio_line_fd(h->alive) : -ENODEV;
}

int h2_host_alive_event_read(struct h2_host *h, struct hw_gpio_event *ev)
{
	return h->alive ? hw_gpio_line_event_read(h->alive, ev) : -ENODEV;
}
