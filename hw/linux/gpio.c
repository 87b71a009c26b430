/* gpio.c - the linux GPIO backend over libgpiod, for both the v1 (1.6) and the v2 API. */
#include "hw/linux/linux.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "hw/dlib.h"

/*
 * v1 and v2 share <gpiod.h> and its include guard.  Most v2 names are
 * enumerators, which #if cannot see, but the v1 header has macros v2
 * dropped with the bulk API: GPIOD_LINE_BULK_MAX_LINES is one.
 */
#ifdef GPIOD_LINE_BULK_MAX_LINES
#define HW_GPIOD_V1 1
#else
#define HW_GPIOD_V1 0
#endif

/*
 * libgpiod is loaded by the first line opened or chip listed (issue #16): a profile without
 * GPIO maps none of it.  Each API's soname and functions.
 */
#if HW_GPIOD_V1
#define HW_GPIO_LINUX_SONAME "libgpiod.so.2"
#define HW_GPIO_LINUX_DEB "libgpiod2"
#define HW_GPIO_LINUX_FUNCS(X, t)                                                               \
	X(t, gpiod_chip_close) X(t, gpiod_chip_get_line) X(t, gpiod_chip_label)                 \
	X(t, gpiod_chip_name) X(t, gpiod_chip_num_lines) X(t, gpiod_chip_open)                  \
	X(t, gpiod_chip_open_lookup) X(t, gpiod_line_consumer) X(t, gpiod_line_event_get_fd)    \
	X(t, gpiod_line_event_read) X(t, gpiod_line_event_wait) X(t, gpiod_line_find)           \
	X(t, gpiod_line_get_chip) X(t, gpiod_line_get_value) X(t, gpiod_line_is_used)           \
	X(t, gpiod_line_name) X(t, gpiod_line_release)                                          \
	X(t, gpiod_line_request_both_edges_events_flags)                                        \
	X(t, gpiod_line_request_input_flags) X(t, gpiod_line_request_output_flags)              \
	X(t, gpiod_line_set_value)
#else
#define HW_GPIO_LINUX_SONAME "libgpiod.so.3"
#define HW_GPIO_LINUX_DEB "libgpiod3"
#define HW_GPIO_LINUX_FUNCS(X, t)                                                               \
	X(t, gpiod_chip_close) X(t, gpiod_chip_get_info) X(t, gpiod_chip_get_line_info)         \
	X(t, gpiod_chip_get_line_offset_from_name) X(t, gpiod_chip_info_free)                   \
	X(t, gpiod_chip_info_get_label) X(t, gpiod_chip_info_get_name)                          \
	X(t, gpiod_chip_info_get_num_lines) X(t, gpiod_chip_open)                               \
	X(t, gpiod_chip_request_lines) X(t, gpiod_edge_event_buffer_free)                       \
	X(t, gpiod_edge_event_buffer_get_event) X(t, gpiod_edge_event_buffer_new)               \
	X(t, gpiod_edge_event_get_event_type) X(t, gpiod_edge_event_get_timestamp_ns)           \
	X(t, gpiod_is_gpiochip_device) X(t, gpiod_line_config_add_line_settings)                \
	X(t, gpiod_line_config_free) X(t, gpiod_line_config_new) X(t, gpiod_line_info_free)     \
	X(t, gpiod_line_info_get_consumer) X(t, gpiod_line_info_get_name)                       \
	X(t, gpiod_line_info_is_used) X(t, gpiod_line_request_get_fd)                           \
	X(t, gpiod_line_request_get_value) X(t, gpiod_line_request_read_edge_events)            \
	X(t, gpiod_line_request_release) X(t, gpiod_line_request_set_value)                     \
	X(t, gpiod_line_request_wait_edge_events) X(t, gpiod_line_settings_free)                \
	X(t, gpiod_line_settings_new) X(t, gpiod_line_settings_set_active_low)                  \
	X(t, gpiod_line_settings_set_bias) X(t, gpiod_line_settings_set_direction)              \
	X(t, gpiod_line_settings_set_drive) X(t, gpiod_line_settings_set_edge_detection)        \
	X(t, gpiod_line_settings_set_event_clock) X(t, gpiod_line_settings_set_output_value)    \
	X(t, gpiod_request_config_free) X(t, gpiod_request_config_new)                          \
	X(t, gpiod_request_config_set_consumer)
#endif
HW_DLIB_DEFINE(libgpiod, HW_GPIO_LINUX_SONAME, HW_GPIO_LINUX_DEB, HW_GPIO_LINUX_FUNCS);

/*
 * Both APIs report edges and values as logical levels once the line was
 * requested active-low, and timestamp edges on CLOCK_MONOTONIC (kernel >=
 * 5.7 for uAPI v1; older kernels used CLOCK_REALTIME there).
 */

/* "gpiochip0:17" -> chip "gpiochip0", offset 17; 0 or -EINVAL when name is not of that form. */
static int hw_gpio_linux_split(const char *name, char *chip, size_t chiplen, unsigned *offset)
{
	const char *colon = strrchr(name, ':');
	unsigned long v;
	char *end;
	size_t n;

	if (!colon || colon == name || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (*end || errno || v > UINT_MAX)
		return -EINVAL;
	n = (size_t)(colon - name);
	if (n >= chiplen)
		return -EINVAL;
	memcpy(chip, name, n);
	chip[n] = '\0';
	*offset = (unsigned)v;
	return 0;
}

static int hw_gpio_linux_chip_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0;
}

/* /dev/<name> opened (the same call in v1 and v2), or NULL with errno set. */
static struct gpiod_chip *hw_gpio_linux_chip_open_name(const char *name)
{
	char path[80];
	int r = hw_dlib_load(&libgpiod_lib);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (hw_linux_path(path, sizeof(path), "/dev/%s", name) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return libgpiod.gpiod_chip_open(path);
}

/* One line of a listing, from what either API says about it (NULL strings: none). */
static void hw_gpio_linux_info_fill(struct hw_gpio_line_info *o, const char *name,
				    const char *consumer, bool used)
{
	snprintf(o->name, sizeof(o->name), "%s", name ? name : "");
	snprintf(o->consumer, sizeof(o->consumer), "%s", consumer ? consumer : "");
	o->used = used;
}

#if HW_GPIOD_V1

struct hw_gpio_linux_line {
	struct hw_gpio_line base; /* first: hw.c sees only this */
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	bool events;
};

/* The line and the chip that owns it, by kernel line name or CHIP:OFFSET. */
static int hw_gpio_linux_find(const char *name, struct gpiod_chip **chipp, struct gpiod_line **linep)
{
	struct gpiod_chip *chip;
	struct gpiod_line *line;
	char chipname[64];
	unsigned offset;
	int r;

	errno = 0;
	line = libgpiod.gpiod_line_find(name);
	if (line) {
		*chipp = libgpiod.gpiod_line_get_chip(line);
		*linep = line;
		return 0;
	}
	r = errno ? -errno : -ENOENT;
	if (r != -ENOENT)
		return r;
	if (hw_gpio_linux_split(name, chipname, sizeof(chipname), &offset) < 0)
		return -ENOENT;
	chip = libgpiod.gpiod_chip_open_lookup(chipname);
	if (!chip)
		return -ENOENT;
	line = libgpiod.gpiod_chip_get_line(chip, offset);
	if (!line) {
		libgpiod.gpiod_chip_close(chip);
		return -ENOENT;
	}
	*chipp = chip;
	*linep = line;
	return 0;
}

static int hw_gpio_linux_open(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
			      int initial, const char *consumer, struct hw_gpio_line **out)
{
	struct hw_gpio_linux_line *l;
	int rflags = 0, r;

	(void)hw;
	r = hw_dlib_load(&libgpiod_lib);
	if (r < 0)
		return r;
	if ((flags & HW_GPIO_PULL_UP) && (flags & HW_GPIO_PULL_DOWN))
		return -EINVAL;
	if (dir == HW_GPIO_OUTPUT && (flags & HW_GPIO_EDGES))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	r = hw_gpio_linux_find(name, &l->chip, &l->line);
	if (r < 0)
		goto err_free;
	if (flags & HW_GPIO_ACTIVE_LOW)
		rflags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
	if (flags & HW_GPIO_OPEN_DRAIN)
		rflags |= GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN;
	if (flags & HW_GPIO_PULL_UP)
		rflags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	if (flags & HW_GPIO_PULL_DOWN)
		rflags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;

	if (dir == HW_GPIO_OUTPUT)
		r = libgpiod.gpiod_line_request_output_flags(l->line, consumer, rflags, initial);
	else if (flags & HW_GPIO_EDGES)
		r = libgpiod.gpiod_line_request_both_edges_events_flags(l->line, consumer, rflags);
	else
		r = libgpiod.gpiod_line_request_input_flags(l->line, consumer, rflags);
	if (r < 0) {
		r = -errno;
		goto err_chip;
	}
	l->events = dir == HW_GPIO_INPUT && (flags & HW_GPIO_EDGES);
	*out = &l->base;
	return 0;

err_chip:
	libgpiod.gpiod_chip_close(l->chip);
err_free:
	free(l);
	return r;
}

static int hw_gpio_linux_get(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	int v = libgpiod.gpiod_line_get_value(l->line);

	return v < 0 ? -errno : v;
}

static int hw_gpio_linux_set(struct hw_gpio_line *line, int value)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;

	return libgpiod.gpiod_line_set_value(l->line, value) < 0 ? -errno : 0;
}

static int hw_gpio_linux_fd(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	int fd;

	if (!l->events)
		return -EINVAL;
	fd = libgpiod.gpiod_line_event_get_fd(l->line);
	return fd < 0 ? -errno : fd;
}

static int hw_gpio_linux_event_read(struct hw_gpio_line *line, struct hw_gpio_event *ev)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	const struct timespec zero = { 0, 0 };
	struct gpiod_line_event e;
	int r;

	if (!l->events)
		return -EINVAL;
	/* gpiod_line_event_read() blocks; the daemon only calls us when it may not. */
	r = libgpiod.gpiod_line_event_wait(l->line, &zero);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if (libgpiod.gpiod_line_event_read(l->line, &e) < 0)
		return errno == EAGAIN ? 0 : -errno;
	ev->ts_ns = (int64_t)e.ts.tv_sec * HW_NSEC_PER_SEC + e.ts.tv_nsec;
	ev->active = e.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
	return 1;
}

static void hw_gpio_linux_close(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;

	/* Closing the chip releases the line request as well. */
	libgpiod.gpiod_line_release(l->line);
	libgpiod.gpiod_chip_close(l->chip);
	free(l);
}

/* One chip's name, label and line count (v1: the chip object answers). */
static int hw_gpio_linux_chip_info(const char *path, struct hw_gpio_chip_info *ci)
{
	struct gpiod_chip *chip = libgpiod.gpiod_chip_open(path);

	if (!chip)
		return -errno;
	snprintf(ci->name, sizeof(ci->name), "%s", libgpiod.gpiod_chip_name(chip));
	snprintf(ci->label, sizeof(ci->label), "%s", libgpiod.gpiod_chip_label(chip));
	ci->lines = (int)libgpiod.gpiod_chip_num_lines(chip);
	libgpiod.gpiod_chip_close(chip);
	return 0;
}

static int hw_gpio_linux_chip_lines(struct hw *hw, const char *name, struct hw_gpio_line_info *out,
				    int max)
{
	struct gpiod_chip *chip = hw_gpio_linux_chip_open_name(name);
	int n;

	(void)hw;
	if (!chip)
		return -errno;
	n = (int)libgpiod.gpiod_chip_num_lines(chip);
	for (int i = 0; i < n && i < max; i++) {
		struct gpiod_line *line = libgpiod.gpiod_chip_get_line(chip, (unsigned)i);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].offset = (unsigned)i;
		if (line)
			hw_gpio_linux_info_fill(&out[i], libgpiod.gpiod_line_name(line),
						libgpiod.gpiod_line_consumer(line), libgpiod.gpiod_line_is_used(line));
	}
	libgpiod.gpiod_chip_close(chip);
	return n;
}

#else /* libgpiod v2 */

struct hw_gpio_linux_line {
	struct hw_gpio_line base; /* first: hw.c sees only this */
	struct gpiod_line_request *req;
	struct gpiod_edge_event_buffer *evbuf; /* NULL unless edges were requested */
	unsigned offset;
};

/*
 * v2 has no global line lookup: walk /dev/gpiochip* in name order (as v1's
 * gpiod_line_find did) and ask each chip for the name.
 */
static int hw_gpio_linux_find_by_name(const char *name, struct gpiod_chip **chipp, unsigned *offset)
{
	struct dirent **ents = NULL;
	int n, i, r = -ENOENT;

	n = scandir("/dev", &ents, hw_gpio_linux_chip_filter, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		struct gpiod_chip *chip;
		char path[300];
		int off;

		if (r != -ENOENT)
			break;
		if (hw_linux_path(path, sizeof(path), "/dev/%s", ents[i]->d_name) < 0 ||
		    !libgpiod.gpiod_is_gpiochip_device(path))
			continue;
		chip = libgpiod.gpiod_chip_open(path);
		if (!chip)
			continue;
		off = libgpiod.gpiod_chip_get_line_offset_from_name(chip, name);
		if (off >= 0) {
			*chipp = chip;
			*offset = (unsigned)off;
			r = 0;
		} else {
			libgpiod.gpiod_chip_close(chip);
		}
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

static int hw_gpio_linux_find(const char *name, struct gpiod_chip **chipp, unsigned *offset)
{
	struct gpiod_chip *chip;
	struct gpiod_chip_info *info;
	char chipname[64], path[80];
	unsigned off;
	size_t nlines;
	int r;

	r = hw_gpio_linux_find_by_name(name, chipp, offset);
	if (r != -ENOENT)
		return r;
	if (hw_gpio_linux_split(name, chipname, sizeof(chipname), &off) < 0)
		return -ENOENT;
	if (strchr(chipname, '/'))
		return -ENOENT;
	if (hw_linux_path(path, sizeof(path), "/dev/%s", chipname) < 0)
		return -ENOENT;
	chip = libgpiod.gpiod_chip_open(path);
	if (!chip)
		return -ENOENT;
	info = libgpiod.gpiod_chip_get_info(chip);
	if (!info) {
		r = -errno;
		libgpiod.gpiod_chip_close(chip);
		return r;
	}
	nlines = libgpiod.gpiod_chip_info_get_num_lines(info);
	libgpiod.gpiod_chip_info_free(info);
	if (off >= nlines) {
		libgpiod.gpiod_chip_close(chip);
		return -ENOENT;
	}
	*chipp = chip;
	*offset = off;
	return 0;
}

static int hw_gpio_linux_open(struct hw *hw, const char *name, enum hw_gpio_dir dir, unsigned flags,
			      int initial, const char *consumer, struct hw_gpio_line **out)
{
	struct gpiod_line_settings *settings = NULL;
	struct gpiod_line_config *lcfg = NULL;
	struct gpiod_request_config *rcfg = NULL;
	struct gpiod_chip *chip = NULL;
	struct hw_gpio_linux_line *l;
	int r;

	(void)hw;
	r = hw_dlib_load(&libgpiod_lib);
	if (r < 0)
		return r;
	if ((flags & HW_GPIO_PULL_UP) && (flags & HW_GPIO_PULL_DOWN))
		return -EINVAL;
	if (dir == HW_GPIO_OUTPUT && (flags & HW_GPIO_EDGES))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	r = hw_gpio_linux_find(name, &chip, &l->offset);
	if (r < 0)
		goto out_free;

	r = -ENOMEM;
	settings = libgpiod.gpiod_line_settings_new();
	lcfg = libgpiod.gpiod_line_config_new();
	rcfg = libgpiod.gpiod_request_config_new();
	if (!settings || !lcfg || !rcfg)
		goto out;
	if (dir == HW_GPIO_OUTPUT) {
		libgpiod.gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
		libgpiod.gpiod_line_settings_set_output_value(settings, initial ? GPIOD_LINE_VALUE_ACTIVE :
									 GPIOD_LINE_VALUE_INACTIVE);
		if (flags & HW_GPIO_OPEN_DRAIN)
			libgpiod.gpiod_line_settings_set_drive(settings, GPIOD_LINE_DRIVE_OPEN_DRAIN);
	} else {
		libgpiod.gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
		if (flags & HW_GPIO_EDGES) {
			libgpiod.gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH);
			libgpiod.gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
		}
	}
	libgpiod.gpiod_line_settings_set_active_low(settings, (flags & HW_GPIO_ACTIVE_LOW) != 0);
	if (flags & HW_GPIO_PULL_UP)
		libgpiod.gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_PULL_UP);
	else if (flags & HW_GPIO_PULL_DOWN)
		libgpiod.gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_PULL_DOWN);
	if (libgpiod.gpiod_line_config_add_line_settings(lcfg, &l->offset, 1, settings) < 0) {
		r = -errno;
		goto out;
	}
	libgpiod.gpiod_request_config_set_consumer(rcfg, consumer);
	if (flags & HW_GPIO_EDGES) {
		l->evbuf = libgpiod.gpiod_edge_event_buffer_new(1);
		if (!l->evbuf)
			goto out;
	}
	l->req = libgpiod.gpiod_chip_request_lines(chip, rcfg, lcfg);
	if (!l->req) {
		r = -errno;
		goto out;
	}
	r = 0;
	*out = &l->base;
out:
	/* The request keeps its own fd: the chip and the config objects can go. */
	if (rcfg)
		libgpiod.gpiod_request_config_free(rcfg);
	if (lcfg)
		libgpiod.gpiod_line_config_free(lcfg);
	if (settings)
		libgpiod.gpiod_line_settings_free(settings);
	libgpiod.gpiod_chip_close(chip);
	if (r == 0)
		return 0;
	if (l->evbuf)
		libgpiod.gpiod_edge_event_buffer_free(l->evbuf);
out_free:
	free(l);
	return r;
}

static int hw_gpio_linux_get(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	/* v2.0 returns int, v2.1+ an enum with ERROR = -1: compare as int */
	int v = (int)libgpiod.gpiod_line_request_get_value(l->req, l->offset);

	return v < 0 ? -errno : v;
}

static int hw_gpio_linux_set(struct hw_gpio_line *line, int value)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	int r = libgpiod.gpiod_line_request_set_value(l->req, l->offset,
					     value ? GPIOD_LINE_VALUE_ACTIVE :
						     GPIOD_LINE_VALUE_INACTIVE);

	return r < 0 ? -errno : 0;
}

static int hw_gpio_linux_fd(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;

	if (!l->evbuf)
		return -EINVAL;
	return libgpiod.gpiod_line_request_get_fd(l->req);
}

static int hw_gpio_linux_event_read(struct hw_gpio_line *line, struct hw_gpio_event *ev)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;
	struct gpiod_edge_event *e;
	int r;

	if (!l->evbuf)
		return -EINVAL;
	/* read_edge_events() blocks when nothing is queued: look first. */
	r = libgpiod.gpiod_line_request_wait_edge_events(l->req, 0);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	r = libgpiod.gpiod_line_request_read_edge_events(l->req, l->evbuf, 1);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (r == 0)
		return 0;
	e = libgpiod.gpiod_edge_event_buffer_get_event(l->evbuf, 0);
	if (!e)
		return -EIO;
	ev->ts_ns = (int64_t)libgpiod.gpiod_edge_event_get_timestamp_ns(e);
	ev->active = libgpiod.gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE;
	return 1;
}

static void hw_gpio_linux_close(struct hw_gpio_line *line)
{
	struct hw_gpio_linux_line *l = (struct hw_gpio_linux_line *)line;

	libgpiod.gpiod_line_request_release(l->req);
	if (l->evbuf)
		libgpiod.gpiod_edge_event_buffer_free(l->evbuf);
	free(l);
}

/* One chip's name, label and line count (v2: through its chip info). */
static int hw_gpio_linux_chip_info(const char *path, struct hw_gpio_chip_info *ci)
{
	struct gpiod_chip *chip = libgpiod.gpiod_chip_open(path);
	struct gpiod_chip_info *info;
	int r = 0;

	if (!chip)
		return -errno;
	info = libgpiod.gpiod_chip_get_info(chip);
	if (info) {
		snprintf(ci->name, sizeof(ci->name), "%s", libgpiod.gpiod_chip_info_get_name(info));
		snprintf(ci->label, sizeof(ci->label), "%s", libgpiod.gpiod_chip_info_get_label(info));
		ci->lines = (int)libgpiod.gpiod_chip_info_get_num_lines(info);
		libgpiod.gpiod_chip_info_free(info);
	} else {
		r = -errno;
	}
	libgpiod.gpiod_chip_close(chip);
	return r;
}

static int hw_gpio_linux_chip_lines(struct hw *hw, const char *name, struct hw_gpio_line_info *out,
				    int max)
{
	struct gpiod_chip *chip = hw_gpio_linux_chip_open_name(name);
	struct gpiod_chip_info *info;
	int n, r;

	(void)hw;
	if (!chip)
		return -errno;
	info = libgpiod.gpiod_chip_get_info(chip);
	if (!info) {
		r = -errno;
		libgpiod.gpiod_chip_close(chip);
		return r;
	}
	n = (int)libgpiod.gpiod_chip_info_get_num_lines(info);
	libgpiod.gpiod_chip_info_free(info);
	for (int i = 0; i < n && i < max; i++) {
		struct gpiod_line_info *li = libgpiod.gpiod_chip_get_line_info(chip, (unsigned)i);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].offset = (unsigned)i;
		if (!li)
			continue;
		hw_gpio_linux_info_fill(&out[i], libgpiod.gpiod_line_info_get_name(li),
					libgpiod.gpiod_line_info_get_consumer(li), libgpiod.gpiod_line_info_is_used(li));
		libgpiod.gpiod_line_info_free(li);
	}
	libgpiod.gpiod_chip_close(chip);
	return n;
}

#endif

/* Every /dev/gpiochip* in name order, as gpiodetect lists them. */
static int hw_gpio_linux_chips_list(struct hw *hw, struct hw_gpio_chip_info *out, int max)
{
	struct dirent **ents = NULL;
	int n, i, count = 0;

	(void)hw;
	n = hw_dlib_load(&libgpiod_lib);
	if (n < 0)
		return n;
	n = scandir("/dev", &ents, hw_gpio_linux_chip_filter, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct hw_gpio_chip_info ci;
		char path[300];

		memset(&ci, 0, sizeof(ci));
		if (hw_linux_path(path, sizeof(path), "/dev/%s", ents[i]->d_name) < 0 ||
		    hw_gpio_linux_chip_info(path, &ci) < 0)
			continue; /* not a chip we may open: gpiodetect skips it too */
		if (count < max)
			out[count] = ci;
		count++;
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return count;
}

const struct hw_gpio_ops hw_gpio_linux_ops = {
	.open = hw_gpio_linux_open,
	.get = hw_gpio_linux_get,
	.set = hw_gpio_linux_set,
	.fd = hw_gpio_linux_fd,
	.event_read = hw_gpio_linux_event_read,
	.close = hw_gpio_linux_close,
	.chips_list = hw_gpio_linux_chips_list,
	.chip_lines = hw_gpio_linux_chip_lines,
};
