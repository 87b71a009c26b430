/* gpio.h - GPIO lines found by name, with logical values and edge events. */
#ifndef H2BOX_HW_GPIO_H
#define H2BOX_HW_GPIO_H

#include <stdbool.h>
#include <stdint.h>

struct hw;
struct hw_gpio_line;

enum hw_gpio_dir {
	HW_GPIO_INPUT,
	HW_GPIO_OUTPUT,
};

enum hw_gpio_flag {
	HW_GPIO_ACTIVE_LOW = 1u << 0, /* logical 1 = physical low */
	HW_GPIO_OPEN_DRAIN = 1u << 1,
	HW_GPIO_EDGES = 1u << 2,      /* request both-edge events (inputs) */
	HW_GPIO_PULL_UP = 1u << 3,
	HW_GPIO_PULL_DOWN = 1u << 4,
};

struct hw_gpio_event {
	int64_t ts_ns; /* monotonic timestamp of the edge, same clock as hw_clock_mono_ns() */
	bool active;   /* logical level after the edge */
};

/*
 * Open the line called `name` (the kernel's line name, as gpioinfo shows it,
 * or "CHIP:OFFSET" such as "gpiochip0:17").  `initial` is the logical value
 * driven on an output from the moment it is requested.  Returns 0 or -errno
 * (-ENOENT: no line of that name).
 */
int hw_gpio_line_open(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
		      int initial, const char *consumer, struct hw_gpio_line **out);
/* Logical value 0/1, or -errno. */
int hw_gpio_line_get(struct hw_gpio_line *line);
/* Drive an output's logical value. 0 or -errno. */
int hw_gpio_line_set(struct hw_gpio_line *line, int value);
/* A pollable fd that becomes readable when edge events are queued, or -errno. */
int hw_gpio_line_fd(struct hw_gpio_line *line);
/* 1 and *ev filled when an event was read, 0 when none is queued, or -errno. */
int hw_gpio_line_event_read(struct hw_gpio_line *line, struct hw_gpio_event *ev);
const char *hw_gpio_line_name(const struct hw_gpio_line *line);
void hw_gpio_line_close(struct hw_gpio_line *line);

/* What gpiodetect / gpioinfo show, for a setup probe (nothing is requested). */
struct hw_gpio_chip_info {
	char name[32];  /* "gpiochip0" */
	char label[64]; /* "INT3450:00", "gpio-sim.0-node0" */
	int lines;
};

struct hw_gpio_line_info {
	unsigned offset;
	char name[64];     /* "" when the line has no name */
	char consumer[64]; /* "" when unused */
	bool used;
};

/* The GPIO chips into out[0..max), in name order.  The count (may exceed max) or -errno. */
int hw_gpio_chips_list(struct hw *hw, struct hw_gpio_chip_info *out, int max);
/* The lines of chip `chip` (a name hw_gpio_chips_list gave).  The count (may exceed max) or -errno. */
int hw_gpio_chip_lines(struct hw *hw, const char *chip, struct hw_gpio_line_info *out, int max);

#endif
