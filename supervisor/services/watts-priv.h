/* watts-priv.h - the watts service's state, shared by its files (watts-*.c) and no one else. */
#ifndef H2BOX_WATTS_PRIV_H
#define H2BOX_WATTS_PRIV_H

#include "hw/clock.h"
#include "hw/ib.h"
#include "supervisor/config/watts-config.h"
#include "supervisor/policy/budget.h"
#include "supervisor/policy/energy.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct box;
struct ctl_reply;
struct ctl_request;
struct ctl_stream;
struct hw_hwmon_sample;
struct json;
struct loop_timer;
struct thermal_svc;
struct throttle_svc;
struct wattlog;

#define WATTS_RECORDS_MAX 8
#define WATTS_FOLLOWERS_MAX 16
#define WATTS_BASELINE_RING 2048
#define WATTS_IB_PORTS_MAX 8
#define WATTS_LOG_TEMPS_MAX 8
#define WATTS_LOG_NAME_MAX 32

struct watts_monitor {
	struct watts_monitor_config cfg;
	struct ina2xx *dev;
	struct ina2xx_reading last;
	bool valid;
	int fails;
	int64_t reopen_ns;
	char alarm_id[48];
	char err[200];
	struct energy_counter energy;
	/* batched (hwmon) sampling: the drained samples, and the one of the tick being run */
	struct hw_hwmon_sample *buf;
	int nbuf, pos;
	const struct hw_hwmon_sample *cur;
};

struct watts_ib_port_snap {
	char dev[HW_IB_NAME_MAX];
	int port;
	uint64_t tx, rx;
	int tx_bits, rx_bits;
	bool ok;
};

struct watts_ib_snap {
	int n;
	struct watts_ib_port_snap p[WATTS_IB_PORTS_MAX];
};

struct watts_record {
	unsigned id;
	uid_t owner; /* who began it: only they (and root) may end it */
	struct energy_record er;
	struct energy_baseline base;
	struct watts_ib_snap ib0;
};

struct watts_follower {
	struct ctl_stream *st;
	int64_t interval_ns, next_ns;
	bool json;
};

struct watts_svc {
	struct box *b;
	struct watts_config cfg;
	struct watts_monitor mon[WATTS_MONITORS_MAX];
	int nmon;
	int main_idx;
	int64_t period_ns;
	struct loop_timer *timer;
	uint64_t samples; /* sample slots run since start */
	uint64_t missed;  /* sample slots skipped: the loop came back after the next one was due */
	int64_t last_ns;
	/*
	 * Batched sampling (every monitor of type hwmon): the chips' workers sample on the
	 * period_ns grid, the timer drains them every batch_ns and runs each sample in order.
	 */
	bool batched;
	int64_t batch_ns;
	unsigned batch_cap; /* samples a monitor keeps between drains: two batches and more */

	struct energy_state est;
	int64_t last_save_ns;

	struct {
		int64_t t;
		double w;
	} ring[WATTS_BASELINE_RING];
	int ring_head, ring_len;

	struct watts_record rec[WATTS_RECORDS_MAX];
	int nrec;
	unsigned next_id;

	bool budget_on;
	struct budget budget;
	struct throttle_svc *thr[WATTS_THROTTLES_MAX];
	int nthr;
	int ladder[WATTS_THROTTLES_MAX]; /* ladder step -> thr index */
	int nladder;
	bool throttle_wanted; /* pushed by the thermal service */

	struct thermal_svc *thermal;

	struct wattlog *log;
	/* the log's temperature columns: the profile's [input] names, fixed when it opens */
	char log_temps[WATTS_LOG_TEMPS_MAX][WATTS_LOG_NAME_MAX];
	int log_ntemps;
	int64_t last_log_ns;
	bool log_failed;

	struct watts_follower fol[WATTS_FOLLOWERS_MAX];
	int nfol;
	bool registered;
	double poweron_j;
	bool was_off;
};

/* watts-monitor.c: the monitors, the energy counters and their state file, the baseline ring */
struct watts_monitor *watts_monitor_main(struct watts_svc *s);
/* Opens the monitor; batched, its chip's worker samples it from the next tick on. */
void watts_monitor_open(struct watts_svc *s, struct watts_monitor *m, int64_t now);
/* The first sample tick after t: the loop's grid of period_ns. */
int64_t watts_monitor_tick_after(const struct watts_svc *s, int64_t t);
void watts_monitor_sample(struct watts_svc *s, struct watts_monitor *m, int64_t now);
void watts_monitor_close_all(struct watts_svc *s);
void watts_energy_load(struct watts_svc *s);
void watts_energy_save(struct watts_svc *s, int64_t now);
void watts_baseline_push(struct watts_svc *s, int64_t now, double w);
void watts_baseline_measure(struct watts_svc *s, int64_t now, struct energy_baseline *b);

/* watts-batch.c: batched sampling of hwmon monitors (the chips' workers sample, we drain) */
bool watts_batch_wanted(const struct watts_config *cfg);
int watts_batch_init(struct watts_svc *s);
/* Run every sample the workers have taken up to now, in order, each at its own tick. */
void watts_batch_run(struct watts_svc *s, int64_t now);
void watts_batch_free(struct watts_svc *s);

/* watts-record.c: `record begin` / `record end ID` (the verb samples first, at now) */
void watts_record_begin(struct watts_svc *s, int64_t now, const struct energy_baseline *base,
			uid_t owner, bool json, struct ctl_reply *rep);
/* The open record the argument names, or NULL with the error replied (status 4 when it is
 * another user's: only its owner and root may end a record). */
struct watts_record *watts_record_lookup(struct watts_svc *s, const char *arg, uid_t asker,
					 struct ctl_reply *rep);
void watts_record_end(struct watts_svc *s, struct watts_record *r, int64_t now, bool json,
		      struct ctl_reply *rep);
void watts_record_feed(struct watts_svc *s, int64_t now, double watts);

/* watts-budget.c: the throttles and the budget ladder */
int watts_budget_init(struct watts_svc *s, int64_t now);
void watts_budget_step(struct watts_svc *s, int64_t now);
void watts_budget_free(struct watts_svc *s);
const char *watts_budget_step_name(const struct watts_svc *s, int step);
const char *watts_budget_step_action(const struct watts_svc *s, int step);
bool watts_budget_step_applied(const struct watts_svc *s, int step);

/* watts-follow.c: the `watts --follow` streams */
void watts_follow_add(struct watts_svc *s, double interval_s, bool json, struct ctl_reply *rep);
void watts_follow_feed(struct watts_svc *s, int64_t now);
void watts_follow_close_all(struct watts_svc *s);

/* watts-verbs.c: the watts, record and budget verbs and the status lines */
int watts_verbs_register(struct watts_svc *s);
void watts_verbs_unregister(struct watts_svc *s);

#endif
