/* power_button.c - the box's front button (input with edge events) and its LED (output). */
#include "drivers/power_button.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct power_button {
	struct hw_gpio_line *button;
	struct hw_gpio_line *led;
	int lit; /* -1 = never driven */
};

int power_button_open(struct hw *hw, const struct power_button_config *cfg,
		      struct power_button **out)
{
	struct power_button *pb;
	unsigned flags;
	int r;

	assert(hw && cfg && out);
	if (!cfg->button || !cfg->button[0])
		return -EINVAL;
	pb = calloc(1, sizeof(*pb));
	if (!pb)
		return -ENOMEM;
	flags = HW_GPIO_EDGES | (cfg->button_active_low ? HW_GPIO_ACTIVE_LOW : 0) |
		(cfg->button_pull_up ? HW_GPIO_PULL_UP : 0);
	r = hw_gpio_line_open(hw, cfg->button, HW_GPIO_INPUT, flags, 0, "h2box-button",
			      &pb->button);
	if (r < 0)
		goto fail;
	if (cfg->led && cfg->led[0]) {
		flags = cfg->led_active_low ? HW_GPIO_ACTIVE_LOW : 0;
		r = hw_gpio_line_open(hw, cfg->led, HW_GPIO_OUTPUT, flags, 0, "h2box-button-led",
				      &pb->led);
		if (r < 0)
			goto fail_button;
	}
	pb->lit = 0;
	*out = pb;
	return 0;

fail_button:
	hw_gpio_line_close(pb->button);
fail:
	free(pb);
	return r;
}

void power_button_close(struct power_button *pb)
{
	if (!pb)
		return;
	if (pb->led)
		hw_gpio_line_close(pb->led);
	hw_gpio_line_close(pb->button);
	free(pb);
}

int power_button_get(struct power_button *pb)
{
	return hw_gpio_line_get(pb->button);
}

int power_button_fd(struct power_button *pb)
{
	return hw_gpio_line_fd(pb->button);
}

int power_button_event_read(struct power_button *pb, struct hw_gpio_event *ev)
{
	return hw_gpio_line_event_read(pb->button, ev);
}

bool power_button_has_led(const struct power_button *pb)
{
	return pb->led != NULL;
}

int power_button_led_set(struct power_button *pb, bool lit)
{
	int r;

	if (!pb->led || pb->lit == (int)lit)
		return 0;
	r = hw_gpio_line_set(pb->led, lit ? 1 : 0);
	if (r == 0)
		pb->lit = lit;
	return r;
}
