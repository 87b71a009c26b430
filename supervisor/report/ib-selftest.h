/* ib-selftest.h - `h2box ib selftest`: what a first run on a new card needs, as checks, text and JSON. */
#ifndef H2BOX_IB_SELFTEST_H
#define H2BOX_IB_SELFTEST_H

#include <stdbool.h>
#include <stdio.h>

#include "drivers/ib_bench.h"
#include "drivers/ib_port.h"
#include "drivers/ib_preflight.h"
#include "hw/ib.h"
#include "hw/verbs.h"
#include "supervisor/report/ib-probe.h"

struct hw;
struct json;

#define IB_SELFTEST_PORTS_MAX  4
#define IB_SELFTEST_CHECKS_MAX 32
/*
 * The short loopback bench: 64 KiB RDMA WRITEs for one measured second (plus
 * the bench's warm-up and cool-down margins), whatever the device's speed:
 * rxe under emulation moves a few MB/s, a card gigabytes.
 */
#define IB_SELFTEST_BENCH_SIZE	       (64u << 10)
#define IB_SELFTEST_BENCH_DURATION_NS  1000000000LL
#define IB_SELFTEST_BENCH_TIMEOUT_NS   (5 * 1000000000LL)

/* One line of the report: what was checked, what was found, and what to do when not ok. */
struct ib_selftest_check {
	char check[24];	  /* "device", "port-state", "subnet-manager", ... */
	char subject[HW_IB_NAME_MAX + 16]; /* "mlx4_0 port 1" */
	enum ib_preflight_level level;
	char value[192];
	char hint[640]; /* "" when there is nothing to do */
};

struct ib_selftest_port {
	int query_r;
	struct hw_ib_port_attr attr;
	enum ib_port_source counter_source;
	int counter_bits; /* 64, 32 or 0 (unknown) */
};

struct ib_selftest {
	char dev[HW_IB_NAME_MAX];
	int port; /* the port the bench runs on */
	int devices_r; /* hw_ib_devices() count or -errno */
	int info_r;
	struct hw_ib_device_info info;
	struct ib_probe_pcie pcie;
	int nports; /* or -errno */
	struct ib_selftest_port ports[IB_SELFTEST_PORTS_MAX];
	int memlock_r;
	struct hw_verbs_memlock memlock;
	uint64_t memlock_need_selftest, memlock_need_max;
	int sm_process; /* hw_ib_sm_process(): 1, 0, -errno */
	/* the bench: opts to run (when bench_wanted), then its outcome */
	bool bench_wanted;
	struct ib_bench_opts bench_opts;
	bool bench_ran;
	int bench_rc;
	char bench_err[256];
	struct ib_bench_report bench;
	int nchecks;
	struct ib_selftest_check checks[IB_SELFTEST_CHECKS_MAX];
	int count[IB_PREFLIGHT_LEVEL_COUNT];
};

#define IB_SELFTEST_USAGE "ib selftest [--dev NAME[:PORT]]"
/*
 * The selftest's arguments (after "selftest"): none, or --dev NAME[:PORT].
 * dev "" and *port 0 when not given (the first device, its first ACTIVE
 * port).  0 or -EINVAL with a message in err.
 */
int ib_selftest_args_parse(int argc, char *const *argv, char *dev, size_t devlen, int *port,
			   char *err, size_t errlen);

/*
 * Collect everything but the bench on dev:port ("" = the first device, port
 * 0 = the first ACTIVE port, else 1), and decide whether the short bench can
 * run (bench_wanted, bench_opts).  may_bench false: the caller may not
 * start traffic (the bench check says why).  narrow_expected: the profile's
 * pcie_narrow_expected.
 */
void ib_selftest_collect(struct hw *hw, const char *dev, int port, bool narrow_expected,
			 bool may_bench, const char *no_bench_why, struct ib_selftest *st);
/* The bench's outcome (rc from ib_bench_run, its report and message) as the last check. */
void ib_selftest_bench_done(struct ib_selftest *st, int rc, const struct ib_bench_report *rep,
			    const char *err);
/* The "selftest" object (facts, checks, summary, bench). */
void ib_selftest_json(const struct ib_selftest *st, struct json *j);
/* One line per check (and its hint), the summary, then the bench's table when it ran. */
void ib_selftest_text(const struct ib_selftest *st, FILE *f);
/* The text in a malloc'd string (NULL without memory). */
char *ib_selftest_text_alloc(const struct ib_selftest *st);

#endif
