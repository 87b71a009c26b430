/* gpio.c - the sim GPIO backend: plant lines by name, active low, edges queued on an eventfd. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define SIM_GPIO_QUEUE 64

struct sim_gpio_line {
	struct hw_gpio_line base; /* first: hw.c sees only this */
	struct hw_sim_state *st;
	struct sim_gpio_line *next;
	enum sim_line line;
	enum hw_gpio_dir dir;
	unsigned flags;
	int efd;
	struct hw_gpio_event queue[SIM_GPIO_QUEUE];
	unsigned head, count;
};

static struct sim_gpio_line *sim_line(struct hw_gpio_line *line)
{
	return (struct sim_gpio_line *)line;
}

static int sim_gpio_logical(const struct sim_gpio_line *l, int physical)
{
	return (physical ? 1 : 0) ^ ((l->flags & HW_GPIO_ACTIVE_LOW) ? 1 : 0);
}

static void sim_gpio_enqueue(struct sim_gpio_line *l, int level, int64_t ts_ns)
{
	uint64_t one = 1;
	unsigned slot;

	if (l->count == SIM_GPIO_QUEUE) {
		/* overflow: drop the oldest, the newest edges tell the current level */
		l->head = (l->head + 1) % SIM_GPIO_QUEUE;
		l->count--;
	}
	slot = (l->head + l->count) % SIM_GPIO_QUEUE;
	l->queue[slot].ts_ns = ts_ns;
	l->queue[slot].active = sim_gpio_logical(l, level);
	l->count++;
	if (write(l->efd, &one, sizeof(one)) < 0) {
		/* counter saturated: it is readable anyway */
	}
}

void hw_sim_gpio_edge(void *userdata, enum sim_line line, int level, int64_t ts_ns)
{
	struct hw_sim_state *st = userdata;

	for (struct sim_gpio_line *l = st->lines; l; l = l->next)
		if (l->line == line && (l->flags & HW_GPIO_EDGES))
			sim_gpio_enqueue(l, level, ts_ns);
}

void hw_sim_gpio_detach_all(struct hw_sim_state *st)
{
	while (st->lines) {
		struct sim_gpio_line *l = st->lines;

		st->lines = l->next;
		l->next = NULL;
		l->st = NULL;
	}
}

static int sim_gpio_open(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
			 int initial, const char *consumer, struct hw_gpio_line **out)
{
	struct hw_sim_state *st = hw_sim_state(hw);
	struct sim_gpio_line *l;
	int idx = sim_plant_line_lookup(name);
	int r;

	(void)consumer;
	if (idx < 0)
		return -ENOENT;
	for (l = st->lines; l; l = l->next)
		if ((int)l->line == idx)
			return -EBUSY; /* requested already, as the kernel says */
	if (dir == HW_GPIO_OUTPUT && !sim_plant_line_is_output((enum sim_line)idx))
		return -EPERM; /* the plant drives that line */
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->st = st;
	l->line = (enum sim_line)idx;
	l->dir = dir;
	l->flags = flags;
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0) {
		r = -errno;
		goto err_free;
	}
	if (dir == HW_GPIO_OUTPUT) {
		r = sim_plant_line_set(st->plant, l->line, sim_gpio_logical(l, initial));
		if (r < 0)
			goto err_close;
	}
	l->next = st->lines;
	st->lines = l;
	*out = &l->base;
	return 0;

err_close:
	close(l->efd);
err_free:
	free(l);
	return r;
}

static int sim_gpio_get(struct hw_gpio_line *line)
{
	struct sim_gpio_line *l = sim_line(line);
	int v;

	if (!l->st)
		return -ENODEV;
	v = sim_plant_line_get(l->st->plant, l->line);
	return v < 0 ? v : sim_gpio_logical(l, v);
}

static int sim_gpio_set(struct hw_gpio_line *line, int value)
{
	struct sim_gpio_line *l = sim_line(line);

	if (!l->st)
		return -ENODEV;
	if (l->dir != HW_GPIO_OUTPUT)
		return -EPERM;
	return sim_plant_line_set(l->st->plant, l->line, sim_gpio_logical(l, value));
}

static int sim_gpio_fd(struct hw_gpio_line *line)
{
	return sim_line(line)->efd;
}

static int sim_gpio_event_read(struct hw_gpio_line *line, struct hw_gpio_event *ev)
{
	struct sim_gpio_line *l = sim_line(line);
	uint64_t cnt;

	if (l->st)
		sim_plant_now(l->st->plant); /* a free-running plant may owe us edges */
	if (!l->count)
		return 0;
	*ev = l->queue[l->head];
	l->head = (l->head + 1) % SIM_GPIO_QUEUE;
	l->count--;
	if (!l->count && read(l->efd, &cnt, sizeof(cnt)) < 0) {
		/* already drained */
	}
	return 1;
}

static void sim_gpio_close(struct hw_gpio_line *line)
{
	struct sim_gpio_line *l = sim_line(line);

	if (l->st) {
		for (struct sim_gpio_line **pp = &l->st->lines; *pp; pp = &(*pp)->next) {
			if (*pp == l) {
				*pp = l->next;
				break;
			}
		}
	}
	close(l->efd);
	free(l);
}

/* The plant's lines, as one chip of named lines (what the rig's gpio-sim chip shows). */
#define SIM_GPIO_CHIP "gpiochip0"

static int sim_gpio_chips_list(struct hw *hw, struct hw_gpio_chip_info *out, int max)
{
	(void)hw;
	if (max > 0) {
		memset(&out[0], 0, sizeof(out[0]));
		snprintf(out[0].name, sizeof(out[0].name), "%s", SIM_GPIO_CHIP);
		snprintf(out[0].label, sizeof(out[0].label), "h2box-sim");
		out[0].lines = SIM_LINE_COUNT;
	}
	return 1;
}

static int sim_gpio_chip_lines(struct hw *hw, const char *chip, struct hw_gpio_line_info *out,
			       int max)
{
	struct hw_sim_state *st = hw_sim_state(hw);

	if (strcmp(chip, SIM_GPIO_CHIP) != 0)
		return -ENOENT;
	for (int i = 0; i < SIM_LINE_COUNT && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].offset = (unsigned)i;
		snprintf(out[i].name, sizeof(out[i].name), "%s", sim_plant_line_name((enum sim_line)i));
		for (struct sim_gpio_line *l = st->lines; l; l = l->next)
			if ((int)l->line == i)
				out[i].used = true;
		if (out[i].used)
			snprintf(out[i].consumer, sizeof(out[i].consumer), "h2boxd");
	}
	return SIM_LINE_COUNT;
}

const struct hw_gpio_ops hw_gpio_sim_ops = {
	.open = sim_gpio_open,
	.get = sim_gpio_get,
	.set = sim_gpio_set,
	.fd = sim_gpio_fd,
	.event_read = sim_gpio_event_read,
	.close = sim_gpio_close,
	.chips_list = sim_gpio_chips_list,
	.chip_lines = sim_gpio_chip_lines,
};
