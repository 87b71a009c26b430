/* knob.c (sim) - throttle knobs on the simulated box: tbf on ib0, CPU caps, readable values. */
#include "hw/knob.h"

#include "hw/hw-private.h"
#include "hw/sim/plant.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Written values live here, keyed by plant: the sim backend state is not
 * ours to extend, and a handful of control files per plant is all a box has.
 */
#define KNOB_SIM_SLOTS 32
#define KNOB_SIM_CPUS 4
#define KNOB_SIM_RAPL_DEFAULT_UW 10000000L /* J4105: 10 W PL1 */

struct knob_slot {
	const struct sim_plant *plant;
	char path[160];
	long value;
};

static struct knob_slot slots[KNOB_SIM_SLOTS];

enum knob_kind {
	K_SCALING_MAX,
	K_CPUINFO_MAX,
	K_SCALING_MIN,
	K_PSTATE_MAX,
	K_RAPL_LIMIT,
	K_RAPL_MAX,
	K_UNKNOWN,
};

static enum knob_kind classify(const char *path, long *def)
{
	int cpu, n = 0;
	char tail[64];

	if (sscanf(path, "/sys/devices/system/cpu/cpu%d/cpufreq/%63s%n", &cpu, tail, &n) == 2 &&
	    path[n] == '\0' && cpu >= 0 && cpu < KNOB_SIM_CPUS) {
		if (!strcmp(tail, "scaling_max_freq")) {
			*def = HW_KNOB_SIM_MAX_KHZ;
			return K_SCALING_MAX;
		}
		if (!strcmp(tail, "cpuinfo_max_freq")) {
			*def = HW_KNOB_SIM_MAX_KHZ;
			return K_CPUINFO_MAX;
		}
		if (!strcmp(tail, "scaling_min_freq") || !strcmp(tail, "cpuinfo_min_freq")) {
			*def = 800000;
			return K_SCALING_MIN;
		}
		return K_UNKNOWN;
	}
	if (!strcmp(path, "/sys/devices/system/cpu/intel_pstate/max_perf_pct")) {
		*def = 100;
		return K_PSTATE_MAX;
	}
	if (!strncmp(path, "/sys/class/powercap/intel-rapl:0/", 33) ||
	    !strncmp(path, "/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/", 54)) {
		const char *f = strrchr(path, '/') + 1;

		*def = KNOB_SIM_RAPL_DEFAULT_UW;
		if (!strcmp(f, "constraint_0_power_limit_uw"))
			return K_RAPL_LIMIT;
		if (!strcmp(f, "constraint_0_max_power_uw"))
			return K_RAPL_MAX;
	}
	return K_UNKNOWN;
}

static struct knob_slot *slot_find(const struct sim_plant *p, const char *path, bool create)
{
	struct knob_slot *free_slot = NULL;

	for (int i = 0; i < KNOB_SIM_SLOTS; i++) {
		if (slots[i].plant == p && !strcmp(slots[i].path, path))
			return &slots[i];
		if (!slots[i].plant && !free_slot)
			free_slot = &slots[i];
	}
	if (!create || !free_slot)
		return NULL;
	free_slot->plant = p;
	snprintf(free_slot->path, sizeof(free_slot->path), "%s", path);
	return free_slot;
}

static long value_of(const struct sim_plant *p, const char *path)
{
	long def = 0;
	struct knob_slot *s;

	classify(path, &def);
	s = slot_find(p, path, false);
	return s ? s->value : def;
}

/* The tightest of the three CPU limits becomes the plant's CPU cap. */
static void cpu_cap_update(struct sim_plant *p)
{
	double pct = 100.0, f = 0, v;
	char path[96];

	for (int c = 0; c < KNOB_SIM_CPUS; c++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_max_freq", c);
		v = (double)value_of(p, path);
		if (v > f)
			f = v; /* an uncapped core still runs at full speed */
	}
	v = f * 100.0 / (double)HW_KNOB_SIM_MAX_KHZ;
	if (v < pct)
		pct = v;
	v = (double)value_of(p, "/sys/devices/system/cpu/intel_pstate/max_perf_pct");
	if (v < pct)
		pct = v;
	v = (double)value_of(p, "/sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw") *
	    100.0 / (double)KNOB_SIM_RAPL_DEFAULT_UW;
	if (v < pct)
		pct = v;
	sim_plant_cpu_cap_pct(p, pct >= 100.0 ? 0.0 : pct);
}

static int sim_tbf_set(struct hw *hw, const char *ifname, uint64_t rate_bps, uint32_t burst)
{
	struct sim_plant *p = hw_sim_plant(hw);

	if (strcmp(ifname, "ib0"))
		return -ENODEV;
	return sim_plant_ipoib_rate_limit(p, (double)rate_bps / 1e9);
}

static int sim_qdisc_clear(struct hw *hw, const char *ifname)
{
	struct sim_plant *p = hw_sim_plant(hw);

	if (strcmp(ifname, "ib0"))
		return -ENODEV;
	return sim_plant_ipoib_rate_limit(p, 0.0);
}

static int sim_write(struct hw *hw, const char *path, const char *value)
{
	struct sim_plant *p = hw_sim_plant(hw);
	enum knob_kind k;
	struct knob_slot *s;
	long def = 0, v;
	char *end;

	k = classify(path, &def);
	if (k == K_UNKNOWN)
		return -ENOENT;
	if (k == K_CPUINFO_MAX || k == K_RAPL_MAX || k == K_SCALING_MIN)
		return -EACCES;
	errno = 0;
	v = strtol(value, &end, 10);
	while (*end == ' ' || *end == '\n')
		end++;
	if (errno || end == value || *end || v < 0)
		return -EINVAL;
	/* the kernel clamps to the hardware range the same way */
	if (k == K_SCALING_MAX && v > HW_KNOB_SIM_MAX_KHZ)
		v = HW_KNOB_SIM_MAX_KHZ;
	if (k == K_SCALING_MAX && v < 800000)
		v = 800000;
	if (k == K_PSTATE_MAX && (v < 1 || v > 100))
		return -EINVAL;
	s = slot_find(p, path, true);
	if (!s)
		return -ENOSPC;
	s->value = v;
	cpu_cap_update(p);
	return 0;
}

static int sim_read(struct hw *hw, const char *path, char *buf, size_t len)
{
	struct sim_plant *p = hw_sim_plant(hw);
	long def = 0;

	if (classify(path, &def) == K_UNKNOWN)
		return -ENOENT;
	if ((size_t)snprintf(buf, len, "%ld", value_of(p, path)) >= len)
		return -ERANGE;
	return 0;
}

void hw_knob_sim_forget(const struct sim_plant *plant)
{
	for (int i = 0; i < KNOB_SIM_SLOTS; i++)
		if (slots[i].plant == plant)
			memset(&slots[i], 0, sizeof(slots[i]));
}

const struct hw_knob_ops hw_knob_sim_ops = {
	.tbf_set = sim_tbf_set,
	.qdisc_clear = sim_qdisc_clear,
	.write = sim_write,
	.read = sim_read,
};
