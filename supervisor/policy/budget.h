/* budget.h - the power budget governor: moving average, warn/throttle/critical, the ladder. */
#ifndef H2BOX_BUDGET_H
#define H2BOX_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

enum budget_state {
	BUDGET_OK = 0,
	BUDGET_WARN,
	BUDGET_THROTTLE,
	BUDGET_CRITICAL,
};

struct budget_config {
	double limit_w;            /* 60 W: what the H2's supply line allows */
	double warn_pct;           /* 85 */
	double throttle_pct;       /* 95 */
	double critical_pct;       /* 100, must be held for critical_hold_ns */
	int64_t critical_hold_ns;  /* 10 s */
	int64_t window_ns;         /* moving average window, 10 s */
	double hysteresis_pct;     /* release = level - hysteresis (percent of the limit), 5 */
	int64_t step_dwell_ns;     /* minimum time between two ladder steps, 15 s */
	int64_t critical_dwell_ns; /* the same while critical, 2 s */
	bool warn_only;            /* report, never apply the ladder */
	int nsteps;                /* ladder length (the service fills it in) */
};

#define BUDGET_BUCKETS 64
#define BUDGET_EVENTS_MAX 4

struct budget {
	struct budget_config cfg;
	int64_t bucket_ns;
	struct {
		int64_t idx;
		double sum;
		uint32_t n;
	} bucket[BUDGET_BUCKETS];
	double avg_w;
	enum budget_state state;
	int64_t state_since_ns;
	bool over_crit;
	int64_t over_crit_since_ns;
	int applied; /* ladder steps currently applied: 0..nsteps */
	bool stepped;
	int64_t last_step_ns;
};

struct budget_input {
	double watts; /* NAN: no valid sample (the governor holds) */
	double ib_tx_gbps, ib_rx_gbps;
	bool force_throttle; /* thermal critical asks for the ladder */
	/*
	 * The box is powered off: the ladder lets go at once (no dwell; what it throttled is
	 * down, and a host that boots again starts unthrottled) and the state goes back to ok.
	 */
	bool powered_off;
};

enum budget_event_kind {
	BUDGET_EV_STATE, /* from -> to */
	BUDGET_EV_APPLY, /* apply ladder step `step` (0-based) */
	BUDGET_EV_UNDO,  /* undo ladder step `step` */
};

struct budget_event {
	enum budget_event_kind kind;
	enum budget_state from, to;
	int step;
	double avg_w, limit_w, pct;
	double ib_tx_gbps, ib_rx_gbps; /* IB traffic at that moment */
	bool forced;
	bool powered_off; /* caused by the box powering off */
};

void budget_config_defaults(struct budget_config *c);
void budget_init(struct budget *b, const struct budget_config *cfg, int64_t now_ns);
/* Feed one sample; fills up to max events (BUDGET_EVENTS_MAX is enough) and returns their count. */
int budget_update(struct budget *b, int64_t now_ns, const struct budget_input *in,
		  struct budget_event *ev, int max);
/* The moving average, NAN when the window holds no valid sample. */
double budget_average(const struct budget *b);
enum budget_state budget_state_get(const struct budget *b);
int budget_applied(const struct budget *b);
const char *budget_state_name(enum budget_state s);
/* Threshold in watts for entering a level (WARN, THROTTLE, CRITICAL). */
double budget_threshold_w(const struct budget_config *c, enum budget_state level);

#endif
