/* throttle.h - reversible host throttle knobs: IPoIB tbf, CPU frequency caps, RAPL limit. */
#ifndef H2BOX_DRIVERS_THROTTLE_H
#define H2BOX_DRIVERS_THROTTLE_H

/*
 * Why it works this way (the decisions docs/ARCHITECTURE.md points to).
 *
 * Throttling IPoIB uses a tbf qdisc installed through rtnetlink, in place of the kernel's default
 * root qdisc only: a root qdisc someone configured (it has a handle; the default has none) is
 * left as it is and the step is logged as failed with that reason, since replacing it would lose
 * its setup and undoing the step could not bring it back. RDMA traffic (NFS over RDMA, verbs)
 * bypasses the qdisc: the ladder's CPU and RAPL steps are what slow it; the logs and `h2box
 * budget` say so.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hw;
struct throttle;

/*
 * Every action remembers what it replaced and its undo restores exactly
 * that.  Note on tbf: a qdisc only shapes traffic that goes through the
 * kernel's IP stack (IPoIB: iperf3, NFS over TCP).  RDMA traffic (NFS/RDMA,
 * verbs benchmarks) bypasses every qdisc and is not slowed by this action.
 */
enum throttle_kind {
	THROTTLE_TBF,     /* tbf root qdisc on named IPoIB interfaces (netlink) */
	THROTTLE_CPUFREQ, /* cpufreq scaling_max_freq on every CPU, as % of cpuinfo_max_freq */
	THROTTLE_PSTATE,  /* intel_pstate max_perf_pct */
	THROTTLE_RAPL,    /* powercap RAPL constraint_0_power_limit_uw */
	THROTTLE_HOOK,    /* user command run with "apply" or "undo" appended: not by this driver,
			     by the service layer (throttle_new gives -EOPNOTSUPP) */
};

#define THROTTLE_IFACES_MAX 4
#define THROTTLE_PATH_MAX 256

struct throttle_config {
	char name[32];
	enum throttle_kind kind;
	char ifaces[THROTTLE_IFACES_MAX][16]; /* tbf */
	int nifaces;
	uint64_t rate_bps; /* tbf: bits per second */
	uint32_t burst;    /* tbf: bytes, 0 = rate x 10 ms (at least 64 KiB) */
	double cpu_pct;    /* cpufreq/pstate: cap in % of the maximum */
	double rapl_w;     /* rapl: the limit in watts */
	char rapl_path[THROTTLE_PATH_MAX];
	/* hook: as written (absolute path + arguments); the service layer splits and runs it */
	char command[THROTTLE_PATH_MAX];
	int64_t hook_timeout_ns; /* hook: a run still going then is killed (its process group) */
	int line;
};

void throttle_config_defaults(struct throttle_config *c, const char *name);
int throttle_kind_parse(const char *s, enum throttle_kind *out);
const char *throttle_kind_name(enum throttle_kind k);
/* "5gbit", "500mbit", "8G", "1000000" (bits/s). 0 or -EINVAL. */
int throttle_rate_parse(const char *s, uint64_t *bps);

int throttle_new(struct hw *hw, const struct throttle_config *cfg, struct throttle **out);
void throttle_free(struct throttle *t); /* undoes an applied action first */
/* Apply once (idempotent while applied); remembers previous values. 0 or -errno. */
int throttle_apply(struct throttle *t);
/* Restore exactly what apply replaced. 0 or -errno. */
int throttle_undo(struct throttle *t);
bool throttle_applied(const struct throttle *t);
const char *throttle_name(const struct throttle *t);
/* One line: "tbf ib0 at 8.00 Gb/s (RDMA traffic bypasses a qdisc)". */
const char *throttle_describe(const struct throttle *t);
/* Why throttle_apply/undo returned r (< 0), in this action's terms. */
const char *throttle_strerror(const struct throttle *t, int r);

#endif
