/* throttle.c - reversible throttle actions that remember and restore what they replaced. */
#include "drivers/throttle.h"

#include "hw/knob.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define THROTTLE_CPUS_MAX 64
#define THROTTLE_VAL_MAX 32
#define CPU_PATH "/sys/devices/system/cpu/cpu%d/cpufreq/%s"
#define PSTATE_PATH "/sys/devices/system/cpu/intel_pstate/max_perf_pct"
#define RAPL_PATH "/sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"

struct throttle {
	struct hw *hw;
	struct throttle_config cfg;
	bool applied;
	bool if_done[THROTTLE_IFACES_MAX];
	int ncpus;
	char prev[THROTTLE_CPUS_MAX][THROTTLE_VAL_MAX]; /* what apply replaced, per file */
	char desc[320];
};

void throttle_config_defaults(struct throttle_config *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "throttle");
	c->kind = THROTTLE_TBF;
	snprintf(c->ifaces[0], sizeof(c->ifaces[0]), "ib0");
	c->nifaces = 1;
	c->rate_bps = UINT64_C(8000000000);
	c->cpu_pct = 60.0;
	c->rapl_w = 8.0;
	snprintf(c->rapl_path, sizeof(c->rapl_path), "%s", RAPL_PATH);
	c->hook_timeout_ns = INT64_C(10000000000); /* 10 s */
}

static const char *const kind_names[] = { "tbf", "cpufreq", "pstate", "rapl", "hook" };
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == THROTTLE_HOOK + 1,
	       "kind_names must list every enum throttle_kind");

int throttle_kind_parse(const char *s, enum throttle_kind *out)
{
	for (unsigned i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (!strcasecmp(s, kind_names[i])) {
			*out = (enum throttle_kind)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "intel_pstate")) {
		*out = THROTTLE_PSTATE;
		return 0;
	}
	return -EINVAL;
}

const char *throttle_kind_name(enum throttle_kind k)
{
	return (unsigned)k < 5 ? kind_names[k] : "?";
}

int throttle_rate_parse(const char *s, uint64_t *bps)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "gbit", 1e9 }, { "mbit", 1e6 }, { "kbit", 1e3 }, { "bit", 1 },
		{ "gbps", 8e9 }, { "mbps", 8e6 }, { "kbps", 8e3 }, { "bps", 8 },
		{ "g", 1e9 },    { "m", 1e6 },    { "k", 1e3 },    { "", 1 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0) || !isfinite(v))
		return -EINVAL;
	while (*end == ' ')
		end++;
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].suffix);

		if (!strncasecmp(end, units[i].suffix, n)) {
			const char *t = end + n;

			while (*t == ' ')
				t++;
			if (*t)
				continue;
			v *= units[i].mult;
			if (v < 8 || v > 1e13)
				return -EINVAL;
			*bps = (uint64_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

int throttle_new(struct hw *hw, const struct throttle_config *cfg, struct throttle **out)
{
	struct throttle *t = calloc(1, sizeof(*t));
	int off = 0;

	if (!t)
		return -ENOMEM;
	t->hw = hw;
	t->cfg = *cfg;
	switch (cfg->kind) {
	case THROTTLE_TBF:
		off = snprintf(t->desc, sizeof(t->desc), "tbf");
		for (int i = 0; i < cfg->nifaces; i++)
			off += snprintf(t->desc + off, sizeof(t->desc) - (size_t)off, " %s",
					cfg->ifaces[i]);
		snprintf(t->desc + off, sizeof(t->desc) - (size_t)off,
			 " at %.2f Gb/s (IPoIB only: RDMA traffic bypasses a qdisc)",
			 (double)cfg->rate_bps / 1e9);
		break;
	case THROTTLE_CPUFREQ:
		snprintf(t->desc, sizeof(t->desc), "cpufreq scaling_max_freq at %.0f%% of maximum",
			 cfg->cpu_pct);
		break;
	case THROTTLE_PSTATE:
		snprintf(t->desc, sizeof(t->desc), "intel_pstate max_perf_pct %.0f", cfg->cpu_pct);
		break;
	case THROTTLE_RAPL:
		snprintf(t->desc, sizeof(t->desc), "RAPL package limit %.1f W", cfg->rapl_w);
		break;
	case THROTTLE_HOOK:
		/* a command is no knob: the service layer runs hooks (services/throttle-svc.c) */
		free(t);
		return -EOPNOTSUPP;
	}
	*out = t;
	return 0;
}

bool throttle_applied(const struct throttle *t)
{
	return t->applied;
}

const char *throttle_name(const struct throttle *t)
{
	return t->cfg.name;
}

const char *throttle_describe(const struct throttle *t)
{
	return t->desc;
}

static int read_long(struct hw *hw, const char *path, long *v)
{
	char buf[THROTTLE_VAL_MAX], *end;
	int r = hw_knob_read(hw, path, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int write_long(struct hw *hw, const char *path, long v)
{
	char buf[THROTTLE_VAL_MAX];

	snprintf(buf, sizeof(buf), "%ld", v);
	return hw_knob_write(hw, path, buf);
}

static int cpufreq_apply(struct throttle *t)
{
	char path[128];
	long max, min, cap;
	int cpu, r = 0;

	t->ncpus = 0;
	for (cpu = 0; cpu < THROTTLE_CPUS_MAX; cpu++) {
		snprintf(path, sizeof(path), CPU_PATH, cpu, "cpuinfo_max_freq");
		r = read_long(t->hw, path, &max);
		if (r == -ENOENT && cpu > 0) {
			r = 0;
			break;
		}
		if (r < 0)
			goto rollback;
		snprintf(path, sizeof(path), CPU_PATH, cpu, "scaling_min_freq");
		if (read_long(t->hw, path, &min) < 0)
			min = 0;
		snprintf(path, sizeof(path), CPU_PATH, cpu, "scaling_max_freq");
		r = hw_knob_read(t->hw, path, t->prev[cpu], sizeof(t->prev[cpu]));
		if (r < 0)
			goto rollback;
		cap = (long)((double)max * t->cfg.cpu_pct / 100.0);
		if (cap < min)
			cap = min; /* the kernel refuses a max below the min */
		r = write_long(t->hw, path, cap);
		if (r < 0)
			goto rollback;
		t->ncpus = cpu + 1;
	}
	return 0;
rollback:
	for (cpu = 0; cpu < t->ncpus; cpu++) {
		snprintf(path, sizeof(path), CPU_PATH, cpu, "scaling_max_freq");
		hw_knob_write(t->hw, path, t->prev[cpu]);
	}
	t->ncpus = 0;
	return r;
}

static int cpufreq_undo(struct throttle *t)
{
	char path[128];
	int cpu, r, ret = 0;

	for (cpu = 0; cpu < t->ncpus; cpu++) {
		snprintf(path, sizeof(path), CPU_PATH, cpu, "scaling_max_freq");
		r = hw_knob_write(t->hw, path, t->prev[cpu]);
		if (r < 0 && !ret)
			ret = r;
	}
	return ret;
}

static int file_apply(struct throttle *t, const char *path, long value)
{
	int r = hw_knob_read(t->hw, path, t->prev[0], sizeof(t->prev[0]));

	if (r < 0)
		return r;
	return write_long(t->hw, path, value);
}

int throttle_apply(struct throttle *t)
{
	uint32_t burst;
	int r = 0, i;

	if (t->applied)
		return 0;
	switch (t->cfg.kind) {
	case THROTTLE_TBF:
		burst = t->cfg.burst;
		if (!burst) {
			uint64_t b = t->cfg.rate_bps / 8 / 100; /* 10 ms worth */

			burst = b < 65536 ? 65536 : b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
		}
		for (i = 0; i < t->cfg.nifaces; i++) {
			r = hw_knob_qdisc_tbf_set(t->hw, t->cfg.ifaces[i], t->cfg.rate_bps, burst);
			if (r < 0)
				break;
			t->if_done[i] = true;
		}
		if (r < 0) {
			for (i = 0; i < t->cfg.nifaces; i++) {
				if (t->if_done[i])
					hw_knob_qdisc_clear(t->hw, t->cfg.ifaces[i]);
				t->if_done[i] = false;
			}
		}
		break;
	case THROTTLE_CPUFREQ:
		r = cpufreq_apply(t);
		break;
	case THROTTLE_PSTATE:
		r = file_apply(t, PSTATE_PATH, lround(t->cfg.cpu_pct));
		break;
	case THROTTLE_RAPL:
		r = file_apply(t, t->cfg.rapl_path, lround(t->cfg.rapl_w * 1e6));
		break;
	case THROTTLE_HOOK:
		r = -EOPNOTSUPP;
		break;
	}
	if (r == 0)
		t->applied = true;
	return r;
}

int throttle_undo(struct throttle *t)
{
	int r = 0, e, i;

	if (!t->applied)
		return 0;
	switch (t->cfg.kind) {
	case THROTTLE_TBF:
		for (i = 0; i < t->cfg.nifaces; i++) {
			if (!t->if_done[i])
				continue;
			e = hw_knob_qdisc_clear(t->hw, t->cfg.ifaces[i]);
			if (e < 0 && !r)
				r = e;
			else
				t->if_done[i] = false;
		}
		break;
	case THROTTLE_CPUFREQ:
		r = cpufreq_undo(t);
		break;
	case THROTTLE_PSTATE:
		r = hw_knob_write(t->hw, PSTATE_PATH, t->prev[0]);
		break;
	case THROTTLE_RAPL:
		r = hw_knob_write(t->hw, t->cfg.rapl_path, t->prev[0]);
		break;
	case THROTTLE_HOOK:
		r = -EOPNOTSUPP;
		break;
	}
	if (r == 0)
		t->applied = false;
	return r;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	throttle_undo(t);
	free(t);
}

const char *throttle_strerror(const struct throttle *t, int r)
{
	if (t->cfg.kind == THROTTLE_TBF && r == -EBUSY)
		return "an interface has a root qdisc configured by someone else, left in place";
	return strerror(-r);
}
