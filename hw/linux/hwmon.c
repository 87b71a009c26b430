/* hwmon.c - the linux hwmon backend: chips and features resolved through libsensors once, samples through a reader. */
#include "hw/linux/linux.h"
#include "hw/linux/sensors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One feature as libsensors showed it at open: what a sample needs, no library call left. */
struct hw_hwmon_linux_feat {
	enum hw_hwmon_kind kind;
	char name[32];    /* "temp1" */
	char label[64];   /* sensors_get_label(): the _label file or a sensors.conf label */
	char sub[48];     /* the input attribute, "temp1_input" (or "power1_average") */
	double scale;     /* libsensors' unit scaling: raw / scale = natural units */
	int slot;         /* the reader's slot for sub, -1 until first read */
};

#define HW_HWMON_LINUX_KNOWN 8

struct hw_hwmon_linux_chip {
	struct hw_hwmon_chip base; /* first: hw.c sees only this; base.name is the resolved name */
	struct hw *hw;
	char path[HW_LINUX_PATH_MAX]; /* the hwmon device dir, e.g. /sys/class/hwmon/hwmon3 */
	int gone;                     /* -ENODEV: not in the last resolution's chip list; else 0 */
	struct hw_hwmon_linux_chip *next; /* hw_hwmon_linux_chips */
	struct hw_hwmon_linux_feat *feats;
	unsigned nfeats;
	struct hw_linux_reader *rd; /* the worker serving this directory */
	/* the write slot of each read slot written through this chip, -1 none (this rd's) */
	int wslot_of[HW_LINUX_READER_SLOTS];
	/* raw attributes already resolved to this rd's read slots: a cycle formats no path */
	struct {
		char attr[24];
		int slot;
	} known[HW_HWMON_LINUX_KNOWN];
	unsigned nknown;
	/* periodic sampling: what to read, and the reader holding the schedule (NULL: none yet) */
	struct {
		bool on;
		struct hw_hwmon_sampler_set set;
		double scale[HW_HWMON_SAMPLE_QUERIES];
		int64_t period_ns, first_ns;
		unsigned cap;
		struct hw_linux_reader *rd;
	} smp;
};

/*
 * Every open chip of the process: libsensors' chip list is per process, and each open reads a
 * fresh one, in which the chips already open are looked up again (a rebind may have moved one
 * to another hwmonN).  The loop's thread only.
 */
static struct hw_hwmon_linux_chip *hw_hwmon_linux_chips;

/* The first detected chip that matches `pattern`, or NULL. */
static const sensors_chip_name *hw_hwmon_linux_match(const char *pattern, int *err)
{
	sensors_chip_name match;
	const sensors_chip_name *sc;
	int nr = 0, r;

	r = libsensors.sensors_parse_chip_name(pattern, &match);
	if (r) {
		*err = -EINVAL;
		return NULL;
	}
	sc = libsensors.sensors_get_detected_chips(&match, &nr);
	libsensors.sensors_free_chip_name(&match);
	*err = sc ? 0 : -ENOENT;
	return sc;
}

static int hw_hwmon_linux_kind(enum hw_hwmon_kind kind, sensors_feature_type *ft,
			       sensors_subfeature_type *input, sensors_subfeature_type *alt)
{
	*alt = SENSORS_SUBFEATURE_UNKNOWN;
	switch (kind) {
	case HW_HWMON_TEMP:
		*ft = SENSORS_FEATURE_TEMP;
		*input = SENSORS_SUBFEATURE_TEMP_INPUT;
		return 0;
	case HW_HWMON_FAN:
		*ft = SENSORS_FEATURE_FAN;
		*input = SENSORS_SUBFEATURE_FAN_INPUT;
		return 0;
	case HW_HWMON_IN:
		*ft = SENSORS_FEATURE_IN;
		*input = SENSORS_SUBFEATURE_IN_INPUT;
		return 0;
	case HW_HWMON_CURR:
		*ft = SENSORS_FEATURE_CURR;
		*input = SENSORS_SUBFEATURE_CURR_INPUT;
		return 0;
	case HW_HWMON_POWER:
		*ft = SENSORS_FEATURE_POWER;
		*input = SENSORS_SUBFEATURE_POWER_INPUT;
		/* some power meters only publish power1_average */
		*alt = SENSORS_SUBFEATURE_POWER_AVERAGE;
		return 0;
	case HW_HWMON_KIND_COUNT:
		break;
	}
	return -EINVAL;
}

/* libsensors' own scaling (lib/sysfs.c get_type_scaling) for the kinds we read. */
static double hw_hwmon_linux_scale(enum hw_hwmon_kind kind)
{
	switch (kind) {
	case HW_HWMON_FAN:
		return 1.0;
	case HW_HWMON_POWER:
		return 1000000.0;
	case HW_HWMON_TEMP:
	case HW_HWMON_IN:
	case HW_HWMON_CURR:
	case HW_HWMON_KIND_COUNT:
		break;
	}
	return 1000.0;
}

/* The input subfeature of f if it is of a kind we read (power: power1_average if no input). */
static const sensors_subfeature *hw_hwmon_linux_input(const sensors_chip_name *sc,
						      const sensors_feature *f,
						      enum hw_hwmon_kind *kind)
{
	for (enum hw_hwmon_kind k = 0; k < HW_HWMON_KIND_COUNT; k++) {
		const sensors_subfeature *sub;
		sensors_feature_type ft;
		sensors_subfeature_type input, alt;

		if (hw_hwmon_linux_kind(k, &ft, &input, &alt) < 0 || f->type != ft)
			continue;
		sub = libsensors.sensors_get_subfeature(sc, f, input);
		if (!sub && alt != SENSORS_SUBFEATURE_UNKNOWN)
			sub = libsensors.sensors_get_subfeature(sc, f, alt);
		*kind = k;
		return sub;
	}
	return NULL;
}

/*
 * The chip's features of the kinds we read, through libsensors once: names,
 * labels (a _label read each, here and not per sample), input attributes.
 * libsensors' `compute` statements from sensors.conf are not applied: none
 * of the chips h2box drives has one in Debian's sensors3.conf, and a
 * profile corrects a sensor with its input's `offset` key.
 */
static int hw_hwmon_linux_table(struct hw_hwmon_linux_chip *c, const sensors_chip_name *sc)
{
	struct hw_hwmon_linux_feat *t = NULL;
	const sensors_feature *f;
	unsigned n = 0, cap = 0;
	int nr = 0;

	while ((f = libsensors.sensors_get_features(sc, &nr))) {
		struct hw_hwmon_linux_feat *e;
		enum hw_hwmon_kind k;
		const sensors_subfeature *sub = hw_hwmon_linux_input(sc, f, &k);
		char *label;

		if (!sub || !f->name)
			continue;
		if (n == cap) {
			unsigned ncap = cap ? cap * 2 : 8;
			struct hw_hwmon_linux_feat *nt = realloc(t, ncap * sizeof(*t));

			if (!nt) {
				free(t);
				return -ENOMEM;
			}
			t = nt;
			cap = ncap;
		}
		e = &t[n];
		memset(e, 0, sizeof(*e));
		e->kind = k;
		e->scale = hw_hwmon_linux_scale(k);
		e->slot = -1;
		label = libsensors.sensors_get_label(sc, f);
		/* names and labels longer than the fields cannot match a profile's label anyway */
		if (snprintf(e->name, sizeof(e->name), "%s", f->name) >= (int)sizeof(e->name) ||
		    snprintf(e->sub, sizeof(e->sub), "%s", sub->name) >= (int)sizeof(e->sub) ||
		    snprintf(e->label, sizeof(e->label), "%s", label ? label : "") >=
			    (int)sizeof(e->label)) {
			free(label);
			continue;
		}
		free(label);
		n++;
	}
	free(c->feats);
	c->feats = t;
	c->nfeats = n;
	return 0;
}

/* The chip's directory, name and feature table from libsensors' entry `sc`; its reader. */
static int hw_hwmon_linux_bind(struct hw_hwmon_linux_chip *c, const sensors_chip_name *sc)
{
	struct hw_linux_reader *rd = c->rd;
	char path[HW_LINUX_PATH_MAX];
	int r;

	if (!sc->path || hw_linux_path(path, sizeof(path), "%s", sc->path) < 0)
		return -ENAMETOOLONG;
	if (!rd || strcmp(path, c->path) != 0) {
		/* a rebind may have moved the chip to another hwmonN: the new directory's worker */
		r = hw_linux_reader_get(c->hw, path, &rd);
		if (r < 0)
			return r;
		/* the schedule follows at the next drain (hw_hwmon_linux_sampler_drain) */
		if (c->smp.rd)
			hw_linux_reader_unschedule(c->smp.rd);
		c->smp.rd = NULL;
		hw_linux_reader_put(c->hw, c->rd);
		c->rd = rd;
		memcpy(c->path, path, sizeof(path));
		for (unsigned i = 0; i < HW_LINUX_READER_SLOTS; i++)
			c->wslot_of[i] = -1;
		c->nknown = 0;
	}
	return hw_hwmon_linux_table(c, sc);
}

/*
 * The open chips looked up in the fresh list: one whose directory changed is bound to the new
 * one (its table again), one not in the list reads -ENODEV until a later open's list has it.
 */
static void hw_hwmon_linux_rebind_all(void)
{
	char path[HW_LINUX_PATH_MAX];

	for (struct hw_hwmon_linux_chip *c = hw_hwmon_linux_chips; c; c = c->next) {
		const sensors_chip_name *sc = hw_hwmon_linux_match(c->base.name, &c->gone);

		if (c->gone < 0) {
			c->gone = -ENODEV;
			continue;
		}
		if (c->gone == 0 && sc->path &&
		    hw_linux_path(path, sizeof(path), "%s", sc->path) == 0 && strcmp(path, c->path) == 0)
			continue;
		c->gone = hw_hwmon_linux_bind(c, sc) < 0 ? -ENODEV : 0;
	}
}

static void hw_hwmon_linux_close(struct hw_hwmon_chip *chip);

static int hw_hwmon_linux_open(struct hw *hw, const char *pattern, struct hw_hwmon_chip **out)
{
	struct hw_hwmon_linux_chip *c = NULL;
	const sensors_chip_name *sc;
	int r;

	/* a fresh chip list each time: a chip bound since the last open is in it */
	r = hw_linux_sensors_begin();
	if (r < 0)
		return r;
	hw_hwmon_linux_rebind_all();
	sc = hw_hwmon_linux_match(pattern, &r);
	if (r < 0)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	c->hw = hw;
	if (libsensors.sensors_snprintf_chip_name(c->base.name, sizeof(c->base.name), sc) < 0) {
		r = -ENAMETOOLONG;
		goto out;
	}
	r = hw_hwmon_linux_bind(c, sc);
	if (r < 0)
		goto out;
	c->next = hw_hwmon_linux_chips;
	hw_hwmon_linux_chips = c;
	*out = &c->base;
	c = NULL;

out:
	if (c)
		hw_hwmon_linux_close(&c->base);
	hw_linux_sensors_end();
	return r;
}

/* 0, or -ENODEV for a chip the last open's chip list no longer had (hw_hwmon_linux_rebind_all). */
static int hw_hwmon_linux_resolve(struct hw_hwmon_linux_chip *c)
{
	return c->gone;
}

/* Errors as libsensors reported them: a file that cannot be opened is a chip gone. */
static int hw_hwmon_linux_errno(int r)
{
	switch (r) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return -ENODEV;
	case -EIO:
	case -ETIMEDOUT:
	case -ENOMEM:
		return r;
	}
	return -ENODATA;
}

/* The feature of that kind and label (no I/O): its table entry with its reader slot, or -errno. */
static int hw_hwmon_linux_feat(struct hw_hwmon_linux_chip *c, enum hw_hwmon_kind kind,
			       const char *label, struct hw_hwmon_linux_feat **out)
{
	struct hw_hwmon_linux_feat *e = NULL;
	int r;

	if ((unsigned)kind >= HW_HWMON_KIND_COUNT || !label)
		return -EINVAL;
	/* "Package id 0" as sensors shows it, or the raw feature name "temp1" */
	for (unsigned i = 0; i < c->nfeats && !e; i++)
		if (c->feats[i].kind == kind && (strcmp(c->feats[i].name, label) == 0 ||
						 strcmp(c->feats[i].label, label) == 0))
			e = &c->feats[i];
	if (!e)
		return -ENOENT;
	if (e->slot < 0) {
		char path[HW_LINUX_PATH_MAX];

		r = hw_linux_path(path, sizeof(path), "%s/%s", c->path, e->sub);
		if (r < 0)
			return r;
		r = hw_linux_reader_slot(c->rd, path);
		if (r < 0)
			return r;
		e->slot = r;
	}
	*out = e;
	return 0;
}

/* Every query's feature read in one hand-off to the chip's worker. */
static void hw_hwmon_linux_read_many(struct hw_hwmon_chip *chip, struct hw_hwmon_query *q,
				     unsigned n)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	struct hw_hwmon_linux_feat *feat[HW_HWMON_QUERIES_MAX];
	int idx[HW_HWMON_QUERIES_MAX], errs[HW_HWMON_QUERIES_MAX];
	long raw[HW_HWMON_QUERIES_MAX];
	unsigned nq = 0;
	int r = hw_hwmon_linux_resolve(c);

	for (unsigned i = 0; i < n; i++) {
		q[i].err = r < 0 ? r : hw_hwmon_linux_feat(c, q[i].kind, q[i].label, &feat[i]);
		if (q[i].err == 0)
			idx[nq++] = feat[i]->slot;
	}
	if (nq == 0)
		return;
	hw_linux_reader_read_many(c->rd, idx, nq, raw, errs);
	nq = 0;
	for (unsigned i = 0; i < n; i++) {
		if (q[i].err < 0)
			continue;
		q[i].err = errs[nq] < 0 ? hw_hwmon_linux_errno(errs[nq]) : 0;
		if (q[i].err == 0)
			q[i].value = (double)raw[nq] / feat[i]->scale;
		nq++;
	}
}

static int hw_hwmon_linux_read(struct hw_hwmon_chip *chip, enum hw_hwmon_kind kind,
			       const char *label, double *value)
{
	struct hw_hwmon_query q = { .kind = kind, .label = label };

	hw_hwmon_linux_read_many(chip, &q, 1);
	if (q.err == 0)
		*value = q.value;
	return q.err;
}

/* A plain attribute name inside the chip dir: no path tricks through the interface. */
static int hw_hwmon_linux_attr_path(struct hw_hwmon_linux_chip *c, const char *attr, char *path,
				    size_t len)
{
	if (!attr || !*attr || strchr(attr, '/') || strcmp(attr, ".") == 0 ||
	    strcmp(attr, "..") == 0)
		return -EINVAL;
	return hw_linux_path(path, len, "%s/%s", c->path, attr);
}

/* The reader's slot for a raw attribute of the chip (a name lookup, no I/O). */
static int hw_hwmon_linux_attr_slot(struct hw_hwmon_linux_chip *c, const char *attr)
{
	char path[HW_LINUX_PATH_MAX];
	int r = hw_hwmon_linux_resolve(c);

	if (r < 0)
		return r;
	for (unsigned i = 0; attr && i < c->nknown; i++)
		if (strcmp(c->known[i].attr, attr) == 0)
			return c->known[i].slot;
	r = hw_hwmon_linux_attr_path(c, attr, path, sizeof(path));
	if (r < 0)
		return r;
	r = hw_linux_reader_slot(c->rd, path);
	if (r >= 0 && c->nknown < HW_HWMON_LINUX_KNOWN && strlen(attr) < sizeof(c->known[0].attr)) {
		memcpy(c->known[c->nknown].attr, attr, strlen(attr) + 1);
		c->known[c->nknown++].slot = r;
	}
	return r;
}

static int hw_hwmon_linux_attr_read(struct hw_hwmon_chip *chip, const char *attr, long *value)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	int idx = hw_hwmon_linux_attr_slot(c, attr);

	if (idx < 0)
		return idx;
	return hw_linux_reader_read(c->rd, idx, value);
}

/* Every attribute read in one hand-off to the chip's worker (one wake-up each way). */
static void hw_hwmon_linux_attr_read_many(struct hw_hwmon_chip *chip, const char *const *attrs,
					  long *values, int *errs, unsigned n)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	int idx[HW_HWMON_QUERIES_MAX], rerrs[HW_HWMON_QUERIES_MAX];
	long raw[HW_HWMON_QUERIES_MAX];
	unsigned nq = 0;

	for (unsigned i = 0; i < n; i++) {
		int slot = hw_hwmon_linux_attr_slot(c, attrs[i]);

		errs[i] = slot < 0 ? slot : 0;
		if (slot >= 0)
			idx[nq++] = slot;
	}
	if (nq == 0)
		return;
	hw_linux_reader_read_many(c->rd, idx, nq, raw, rerrs);
	nq = 0;
	for (unsigned i = 0; i < n; i++) {
		if (errs[i] < 0)
			continue;
		errs[i] = rerrs[nq];
		if (errs[i] == 0)
			values[i] = raw[nq];
		nq++;
	}
}

/*
 * The write slot of a raw attribute (a name lookup, no I/O), remembered against its read slot
 * so that a batch read of the attribute can tell a posted write's failure.
 */
static int hw_hwmon_linux_attr_wslot(struct hw_hwmon_linux_chip *c, const char *attr)
{
	char path[HW_LINUX_PATH_MAX];
	int ridx = hw_hwmon_linux_attr_slot(c, attr), widx;

	if (ridx < 0)
		return ridx;
	if (c->wslot_of[ridx] >= 0)
		return c->wslot_of[ridx];
	/* attr_slot resolved the chip and checked the name: this path fits */
	(void)hw_hwmon_linux_attr_path(c, attr, path, sizeof(path));
	widx = hw_linux_reader_wslot(c->rd, path);
	if (widx >= 0)
		c->wslot_of[ridx] = widx;
	return widx;
}

/* A write through the attribute's write slot: waited for (at most the deadline) or posted. */
static int hw_hwmon_linux_attr_put(struct hw_hwmon_chip *chip, const char *attr, long value,
				   bool post)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	int idx = hw_hwmon_linux_attr_wslot(c, attr);

	if (idx < 0)
		return idx;
	return post ? hw_linux_reader_post(c->rd, idx, value)
		    : hw_linux_reader_write(c->rd, idx, value);
}

static int hw_hwmon_linux_attr_write(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	return hw_hwmon_linux_attr_put(chip, attr, value, false);
}

static int hw_hwmon_linux_attr_post(struct hw_hwmon_chip *chip, const char *attr, long value)
{
	return hw_hwmon_linux_attr_put(chip, attr, value, true);
}

/* One request of a batch as the reader sees it. */
struct hw_hwmon_linux_item {
	struct hw_linux_reader *rd;
	int idx;    /* the read slot */
	int wslot;  /* an attribute's write slot, -1 none */
	double scale; /* a feature's; 0 for a raw attribute or a file */
};

static int hw_hwmon_linux_item(struct hw *hw, const struct hw_hwmon_read_req *q,
			       struct hw_hwmon_linux_item *it)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)q->chip;
	struct hw_hwmon_linux_feat *feat;
	int r;

	it->wslot = -1;
	it->scale = 0;
	if (!c) {
		if (!q->file || !*q->file)
			return -EINVAL;
		it->idx = hw_linux_file_slot(hw, q->file, &it->rd);
		return it->idx < 0 ? it->idx : 0;
	}
	if (q->attr) {
		it->idx = hw_hwmon_linux_attr_slot(c, q->attr);
		if (it->idx < 0)
			return it->idx;
		it->rd = c->rd;
		it->wslot = c->wslot_of[it->idx];
		return 0;
	}
	r = hw_hwmon_linux_resolve(c);
	if (r == 0)
		r = hw_hwmon_linux_feat(c, q->kind, q->label, &feat);
	if (r < 0)
		return r;
	it->rd = c->rd;
	it->idx = feat->slot;
	it->scale = feat->scale;
	return 0;
}

/*
 * Every chip's share handed to its worker first, then collected under one deadline: the
 * workers read in parallel, the loop waits once for the slowest, never a deadline per chip.
 */
static void hw_hwmon_linux_read_batch(struct hw *hw, struct hw_hwmon_read_req *req, unsigned n)
{
	struct hw_hwmon_linux_item it[HW_HWMON_QUERIES_MAX];
	unsigned order[HW_HWMON_QUERIES_MAX], first[HW_HWMON_QUERIES_MAX + 1], ngroups = 0, m = 0;
	int idx[HW_HWMON_QUERIES_MAX], errs[HW_HWMON_QUERIES_MAX];
	uint64_t seqs[HW_HWMON_QUERIES_MAX];
	int64_t end[HW_HWMON_QUERIES_MAX];
	long raw[HW_HWMON_QUERIES_MAX];
	unsigned queued[HW_HWMON_QUERIES_MAX];

	for (unsigned i = 0; i < n; i++)
		req[i].err = hw_hwmon_linux_item(hw, &req[i], &it[i]);
	/* the valid requests grouped by reader, in list order within each */
	for (unsigned i = 0; i < n; i++) {
		bool seen = false;

		if (req[i].err < 0)
			continue;
		for (unsigned k = 0; k < i && !seen; k++)
			seen = req[k].err == 0 && it[k].rd == it[i].rd;
		if (seen)
			continue;
		first[ngroups++] = m;
		for (unsigned k = i; k < n; k++)
			if (req[k].err == 0 && it[k].rd == it[i].rd) {
				order[m] = k;
				idx[m++] = it[k].idx;
			}
	}
	first[ngroups] = m;
	for (unsigned g = 0; g < ngroups; g++)
		queued[g] = hw_linux_reader_submit(it[order[first[g]]].rd, &idx[first[g]],
						   first[g + 1] - first[g], false, 0,
						   &seqs[first[g]], &errs[first[g]], &end[g]);
	for (unsigned g = 0; g < ngroups; g++)
		if (queued[g])
			hw_linux_reader_collect(it[order[first[g]]].rd, &idx[first[g]],
						first[g + 1] - first[g], &seqs[first[g]], end[g],
						&raw[first[g]], &errs[first[g]]);
	for (unsigned j = 0; j < m; j++) {
		struct hw_hwmon_read_req *q = &req[order[j]];
		const struct hw_hwmon_linux_item *e = &it[order[j]];
		int w;

		q->err = errs[j];
		if (e->scale > 0) {
			q->err = q->err < 0 ? hw_hwmon_linux_errno(q->err) : 0;
			if (q->err == 0)
				q->value = (double)raw[j] / e->scale;
			continue;
		}
		if (q->err == 0)
			q->raw = raw[j];
		/* a posted write that failed is told with the next read of its attribute */
		w = e->wslot >= 0 ? hw_linux_reader_post_result(e->rd, e->wslot) : 0;
		if (w < 0 && w != -EINPROGRESS)
			q->err = w;
	}
}

static void hw_hwmon_linux_close(struct hw_hwmon_chip *chip)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;

	for (struct hw_hwmon_linux_chip **p = &hw_hwmon_linux_chips; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	if (c->smp.rd)
		hw_linux_reader_unschedule(c->smp.rd);
	hw_linux_reader_put(c->hw, c->rd);
	free(c->feats);
	free(c);
}

static int hw_hwmon_linux_file_read(struct hw *hw, const char *path, long *value)
{
	if (!path || !*path)
		return -EINVAL;
	return hw_linux_file_read_bounded(hw, path, value);
}

/* ---- periodic sampling: the chip's worker reads on its own grid, the loop drains ---- */

/* The schedule on the chip's current reader, its first tick at first_ns. */
static int hw_hwmon_linux_sampler_arm(struct hw_hwmon_linux_chip *c, int64_t first_ns)
{
	int idx[HW_HWMON_SAMPLE_QUERIES];
	int r = hw_hwmon_linux_resolve(c);

	for (unsigned i = 0; i < c->smp.set.n && r == 0; i++) {
		struct hw_hwmon_linux_feat *e;

		r = hw_hwmon_linux_feat(c, c->smp.set.kind[i], c->smp.set.label[i], &e);
		if (r == 0) {
			idx[i] = e->slot;
			c->smp.scale[i] = e->scale;
		}
	}
	if (r == 0)
		r = hw_linux_reader_schedule(c->rd, idx, c->smp.set.n, c->smp.period_ns, first_ns,
					     c->smp.cap);
	if (r < 0)
		return r;
	c->smp.rd = c->rd;
	return 0;
}

static int hw_hwmon_linux_sampler_start(struct hw_hwmon_chip *chip,
					const struct hw_hwmon_sampler_set *set, int64_t period_ns,
					int64_t first_ns, unsigned capacity)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	int r;

	c->smp.set = *set;
	c->smp.period_ns = period_ns;
	c->smp.first_ns = first_ns;
	c->smp.cap = capacity;
	r = hw_hwmon_linux_sampler_arm(c, first_ns);
	c->smp.on = r == 0;
	return r;
}

static int hw_hwmon_linux_sampler_drain(struct hw_hwmon_chip *chip, int64_t now_ns,
					struct hw_hwmon_sample *out, unsigned max,
					uint64_t *missed)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;
	struct hw_linux_tick tk[32];
	unsigned n = 0;
	int r;

	if (!c->smp.on)
		return -ENOENT;
	*missed = 0;
	if (hw_hwmon_linux_resolve(c) == 0 && c->smp.rd != c->rd) {
		/* rebound to another hwmonN: the schedule moves there, on the same grid */
		int64_t p = c->smp.period_ns, first = c->smp.first_ns;

		if (now_ns >= first)
			first += ((now_ns - first) / p + 1) * p;
		r = hw_hwmon_linux_sampler_arm(c, first);
		if (r < 0)
			return r;
	}
	if (!c->smp.rd)
		return 0; /* the chip is gone: nothing read, its reads fail elsewhere */
	while (n < max) {
		unsigned want = max - n < 32 ? max - n : 32;
		uint64_t m = 0;

		r = hw_linux_reader_drain(c->smp.rd, now_ns, tk, want, &m);
		if (r < 0)
			return r;
		*missed += m;
		for (int k = 0; k < r; k++, n++) {
			out[n].t_ns = tk[k].t_ns;
			for (unsigned i = 0; i < c->smp.set.n; i++) {
				out[n].err[i] = tk[k].errs[i] < 0 ? hw_hwmon_linux_errno(tk[k].errs[i])
								  : 0;
				out[n].value[i] = out[n].err[i] ? 0.0
								: (double)tk[k].values[i] / c->smp.scale[i];
			}
		}
		if ((unsigned)r < want)
			break;
	}
	return (int)n;
}

static void hw_hwmon_linux_sampler_stop(struct hw_hwmon_chip *chip)
{
	struct hw_hwmon_linux_chip *c = (struct hw_hwmon_linux_chip *)chip;

	if (c->smp.rd)
		hw_linux_reader_unschedule(c->smp.rd);
	c->smp.rd = NULL;
	c->smp.on = false;
}

const struct hw_hwmon_ops hw_hwmon_linux_ops = {
	.open = hw_hwmon_linux_open,
	.read = hw_hwmon_linux_read,
	.read_many = hw_hwmon_linux_read_many,
	.attr_read = hw_hwmon_linux_attr_read,
	.attr_read_many = hw_hwmon_linux_attr_read_many,
	.attr_write = hw_hwmon_linux_attr_write,
	.close = hw_hwmon_linux_close,
	.file_read = hw_hwmon_linux_file_read,
	.attr_post = hw_hwmon_linux_attr_post,
	.read_batch = hw_hwmon_linux_read_batch,
	.sampler_start = hw_hwmon_linux_sampler_start,
	.sampler_drain = hw_hwmon_linux_sampler_drain,
	.sampler_stop = hw_hwmon_linux_sampler_stop,
};
