/* atx_psu.c - an ATX/SFX supply through its breakout board: PS_ON# output, PWR_OK input. */
#include "drivers/atx_psu.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct atx_psu {
	struct hw_gpio_line *on;
	struct hw_gpio_line *ok;
	bool driven_on;
};

int atx_psu_open(struct hw *hw, const struct atx_psu_config *cfg, enum atx_psu_initial initial,
		 struct atx_psu **out)
{
	struct atx_psu *psu;
	unsigned flags;
	int r, level = 0;

	assert(hw && cfg && out);
	if (!cfg->psu_on || !cfg->psu_on[0] || !cfg->psu_ok || !cfg->psu_ok[0])
		return -EINVAL;
	psu = calloc(1, sizeof(*psu));
	if (!psu)
		return -ENOMEM;
	flags = HW_GPIO_EDGES | (cfg->psu_ok_active_low ? HW_GPIO_ACTIVE_LOW : 0);
	r = hw_gpio_line_open(hw, cfg->psu_ok, HW_GPIO_INPUT, flags, 0, "h2box-psu-ok", &psu->ok);
	if (r < 0)
		goto fail;
	switch (initial) {
	case ATX_PSU_INITIAL_ON:
		level = 1;
		break;
	case ATX_PSU_INITIAL_FOLLOW_OK:
		level = hw_gpio_line_get(psu->ok);
		if (level < 0) {
			r = level;
			goto fail_ok;
		}
		break;
	default:
		level = 0;
	}
	flags = (cfg->psu_on_active_low ? HW_GPIO_ACTIVE_LOW : 0) |
		(cfg->psu_on_open_drain ? HW_GPIO_OPEN_DRAIN : 0);
	r = hw_gpio_line_open(hw, cfg->psu_on, HW_GPIO_OUTPUT, flags, level, "h2box-psu-on",
			      &psu->on);
	if (r < 0)
		goto fail_ok;
	psu->driven_on = level == 1;
	*out = psu;
	return 0;

fail_ok:
	hw_gpio_line_close(psu->ok);
fail:
	free(psu);
	return r;
}

void atx_psu_close(struct atx_psu *psu)
{
	if (!psu)
		return;
	/* Closing leaves PS_ON where it is: only an explicit set_on(false) powers the box off. */
	hw_gpio_line_close(psu->on);
	hw_gpio_line_close(psu->ok);
	free(psu);
}

int atx_psu_set_on(struct atx_psu *psu, bool on)
{
	int r = hw_gpio_line_set(psu->on, on ? 1 : 0);

	if (r == 0)
		psu->driven_on = on;
	return r;
}

bool atx_psu_is_on(const struct atx_psu *psu)
{
	return psu->driven_on;
}

int atx_psu_ok_get(struct atx_psu *psu)
{
	return hw_gpio_line_get(psu->ok);
}

int atx_psu_ok_fd(struct atx_psu *psu)
{
	return hw_gpio_line_fd(psu->ok);
}

int atx_psu_ok_event_read(struct atx_psu *psu, struct hw_gpio_event *ev)
{
	return hw_gpio_line_event_read(psu->ok, ev);
}
