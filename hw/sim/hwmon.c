/* hwmon.c - the sim hwmon backend: libsensors-style chip patterns and labels over the plant. */
#include "hw/sim/sim-state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAT_ANY (-1L)

/* A parsed libsensors chip name: "prefix-bustype-busnr-addr"; any part may be "*". */
struct sim_chip_pattern {
	char prefix[64]; /* "" = any */
	int type;        /* index in bus_types, PAT_ANY */
	long nr, addr;
};

static const struct {
	const char *name;
	bool has_nr; /* i2c-1-48 has a bus number, isa-0000 does not */
} bus_types[] = {
	{ "isa", false }, { "pci", false }, { "virtual", false }, { "acpi", false },
	{ "i2c", true }, { "spi", true }, { "hid", true }, { "mdio", true }, { "scsi", true },
};

struct sim_hwmon_chip {
	struct hw_hwmon_chip base; /* first: hw.c sees only this */
	struct sim_plant *plant;
	/* periodic sampling: read inline at the drain, one sample per grid tick up to its now */
	struct {
		bool on;
		struct hw_hwmon_sampler_set set;
		int64_t period_ns, next_ns;
	} smp;
};

static int pattern_number(const char *s, int base, long *out)
{
	char *end;

	if (strcmp(s, "*") == 0) {
		*out = PAT_ANY;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	errno = 0;
	*out = strtol(s, &end, base);
	if (errno || *end || *out < 0)
		return -EINVAL;
	return 0;
}

static int pattern_parse(const char *s, struct sim_chip_pattern *pat)
{
	char buf[128];
	char *seg[4];
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	seg[n++] = buf;
	for (char *c = buf; *c; c++) {
		if (*c != '-')
			continue;
		if (n == 4)
			return -EINVAL;
		*c = '\0';
		seg[n++] = c + 1;
	}
	if (!*seg[0] || strlen(seg[0]) >= sizeof(pat->prefix))
		return -EINVAL;
	snprintf(pat->prefix, sizeof(pat->prefix), "%s", strcmp(seg[0], "*") ? seg[0] : "");
	pat->type = PAT_ANY;
	pat->nr = pat->addr = PAT_ANY;
	if (n < 2 || strcmp(seg[1], "*") == 0)
		return n <= 2 ? 0 : -EINVAL; /* any bus: nothing more may follow */
	for (size_t i = 0; i < sizeof(bus_types) / sizeof(bus_types[0]); i++)
		if (strcmp(seg[1], bus_types[i].name) == 0)
			pat->type = (int)i;
	if (pat->type == PAT_ANY)
		return -EINVAL;
	if (bus_types[pat->type].has_nr) {
		if (n > 2 && pattern_number(seg[2], 10, &pat->nr) < 0)
			return -EINVAL;
		if (n > 3 && pattern_number(seg[3], 16, &pat->addr) < 0)
			return -EINVAL;
	} else {
		if (n > 3)
			return -EINVAL;
		if (n > 2 && pattern_number(seg[2], 16, &pat->addr) < 0)
			return -EINVAL;
	}
	return 0;
}

static bool pattern_match(const struct sim_chip_pattern *pat, const struct sim_chip_pattern *chip)
{
	return (!pat->prefix[0] || strcmp(pat->prefix, chip->prefix) == 0) &&
	       (pat->type == PAT_ANY || pat->type == chip->type) &&
	       (pat->nr == PAT_ANY || pat->nr == chip->nr) &&
	       (pat->addr == PAT_ANY || pat->addr == chip->addr);
}

static int sim_hwmon_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out)
{
	struct sim_chip_pattern pat, chip;
	struct sim_hwmon_chip *c;
	const char *name = NULL;

	if (pattern_parse(pattern, &pat) < 0)
		return -EINVAL;
	for (int i = 0; i < sim_plant_hwmon_chip_count() && !name; i++) {
		const char *cand = sim_plant_hwmon_chip_name(i);

		if (pattern_parse(cand, &chip) == 0 && pattern_match(&pat, &chip))
			name = cand;
	}
	if (!name)
		return -ENOENT;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->plant = hw_sim_state(hw)->plant;
	snprintf(c->base.name, sizeof(c->base.name), "%s", name);
	*out = &c->base;
	return 0;
}

static struct sim_plant *sim_hwmon_plant(struct hw_hwmon_chip *chip)
{
	return ((struct sim_hwmon_chip *)chip)->plant;
}

/*
 * The sensor-hang fault: this read hangs like a sysfs read stuck in a driver, and the
 * single-threaded daemon with it (control socket, timers, the systemd watchdog's pings: that
 * is the point).  It blocks in real time on FIFOs the test holds open, since box time cannot
 * move while the daemon is stuck: it says "hung" on PATH.out, then waits for a line on PATH.in
 * (or its last writer closing).  No one holding the FIFOs means no hang, so a stray fault never
 * wedges a daemon.  The fault clears itself: one hang.
 */
static void sim_hwmon_hang(struct sim_plant *p)
{
	char out[256], in[256], c;
	ssize_t n;
	int fd;

	if (!sim_plant_fault_get(p, "sensor-hang"))
		return;
	sim_plant_fault_set(p, "sensor-hang", false);
	if (snprintf(out, sizeof(out), "%s.out", sim_plant_hang_fifo(p)) >= (int)sizeof(out) ||
	    snprintf(in, sizeof(in), "%s.in", sim_plant_hang_fifo(p)) >= (int)sizeof(in))
		return;
	/* O_NONBLOCK: ENXIO at once when no one reads the announcement */
	fd = open(out, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	n = write(fd, "hung\n", 5);
	close(fd);
	if (n != 5)
		return;
	fd = open(in, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	/* blocking from here on: a read with a writer present waits for its data */
	if (fcntl(fd, F_SETFL, 0) == 0)
		while ((n = read(fd, &c, 1)) > 0 && c != '\n')
			;
	close(fd);
}

static int sim_hwmon_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind, const char *label,
			  double *value)
{
	static const struct {
		const char *prefix;
		double scale; /* sysfs units per natural unit */
	} kinds[] = {
		[HW_HWMON_TEMP] = { "temp", 1000.0 },
		[HW_HWMON_FAN] = { "fan", 1.0 },
		[HW_HWMON_IN] = { "in", 1000.0 },
		[HW_HWMON_CURR] = { "curr", 1000.0 },
		[HW_HWMON_POWER] = { "power", 1e6 },
	};
	_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == HW_HWMON_KIND_COUNT,
		       "one row per enum hw_hwmon_kind");
	char feature[32], attr[48];

	if ((unsigned)kind >= sizeof(kinds) / sizeof(kinds[0]) || !label)
		return -EINVAL;
	sim_hwmon_hang(sim_hwmon_plant(chip));
	for (int n = 0; n <= 16; n++) {
		const char *lab;
		long raw;
		int r;

		snprintf(feature, sizeof(feature), "%s%d", kinds[kind].prefix, n);
		lab = sim_plant_hwmon_label(chip->name, feature);
		if (!lab || strcmp(lab, label) != 0)
			continue;
		snprintf(attr, sizeof(attr), "%s_input", feature);
		r = sim_plant_hwmon_attr_read(sim_hwmon_plant(chip), chip->name, attr, &raw);
		if (r < 0)
			return r;
		*value = (double)raw / kinds[kind].scale;
		return 0;
	}
	return -ENOENT;
}

static int sim_hwmon_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value)
{
	sim_hwmon_hang(sim_hwmon_plant(chip));
	return sim_plant_hwmon_attr_read(sim_hwmon_plant(chip), chip->name, attr, value);
}

/* "pwm1".."pwm5" exactly: not pwm1_enable. */
static bool is_pwm_input(const char *attr)
{
	return strncmp(attr, "pwm", 3) == 0 && attr[3] >= '1' && attr[3] <= '5' && !attr[4];
}

/*
 * Linux 6.1's emc2305 driver (THERMAL=y, as Debian builds it) turns a pwmN
 * write into one of its 10 cooling states and stores that state's duty:
 * state = DIV_ROUND_CLOSEST(pwm * 10, 255), drive = DIV_ROUND_CLOSEST(state *
 * 255, 10), so 120 -> 128 and 163 -> 153, and pwmN reads that back (see
 * tests/kernel/README.md).  This backend stands in for the driver, so the
 * quantising happens here; the plant's chip keeps any drive byte it is given
 * (the kernel rig mirrors the real register into it).
 */
static long emc2305_pwm_quantise(long pwm)
{
	long state = (pwm * 10 + 127) / 255;

	return (state * 255 + 5) / 10;
}

static int sim_hwmon_attr_write(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	if (attr && strncmp(chip->name, "emc2305-", 8) == 0 && is_pwm_input(attr) &&
	    value >= 0 && value <= 255)
		value = emc2305_pwm_quantise(value);
	return sim_plant_hwmon_attr_write(sim_hwmon_plant(chip), chip->name, attr, value);
}

static int sim_hwmon_sampler_start(struct hw_hwmon_chip *chip,
				   const struct hw_hwmon_sampler_set *set, int64_t period_ns,
				   int64_t first_ns, unsigned capacity)
{
	struct sim_hwmon_chip *c = (struct sim_hwmon_chip *)chip;

	(void)capacity; /* nothing is kept: the drain reads */
	c->smp.set = *set;
	c->smp.period_ns = period_ns;
	c->smp.next_ns = first_ns;
	c->smp.on = true;
	return 0;
}

/* Virtual time: every tick in (last drain, now] is read now, from the plant as it is now. */
static int sim_hwmon_sampler_drain(struct hw_hwmon_chip *chip, int64_t now_ns,
				   struct hw_hwmon_sample *out, unsigned max, uint64_t *missed)
{
	struct sim_hwmon_chip *c = (struct sim_hwmon_chip *)chip;
	unsigned n = 0;

	if (!c->smp.on)
		return -ENOENT;
	*missed = 0;
	for (; n < max && c->smp.next_ns <= now_ns; n++, c->smp.next_ns += c->smp.period_ns) {
		out[n].t_ns = c->smp.next_ns;
		for (unsigned i = 0; i < c->smp.set.n; i++) {
			out[n].value[i] = 0.0;
			out[n].err[i] = sim_hwmon_read(chip, c->smp.set.kind[i], c->smp.set.label[i],
						       &out[n].value[i]);
		}
	}
	return (int)n;
}

static void sim_hwmon_sampler_stop(struct hw_hwmon_chip *chip)
{
	((struct sim_hwmon_chip *)chip)->smp.on = false;
}

static void sim_hwmon_close(struct hw_hwmon_chip *chip)
{
	free(chip);
}

static int sim_hwmon_file_read(struct hw *hw, const char *path, long *value)
{
	(void)hw;
	(void)path;
	(void)value;
	return -ENOENT; /* the sim has no sysfs tree; name chips by pattern instead */
}

const struct hw_hwmon_ops hw_hwmon_sim_ops = {
	.open = sim_hwmon_open,
	.read = sim_hwmon_read,
	.attr_read = sim_hwmon_attr_read,
	.attr_write = sim_hwmon_attr_write,
	.close = sim_hwmon_close,
	.file_read = sim_hwmon_file_read,
	.sampler_start = sim_hwmon_sampler_start,
	.sampler_drain = sim_hwmon_sampler_drain,
	.sampler_stop = sim_hwmon_sampler_stop,
};
