/* budget.c - pure budget governor: (state, sample, now) -> state changes and ladder steps. */
#include "supervisor/policy/budget.h"

#include "hw/clock.h"

#include <math.h>
#include <string.h>

void budget_config_defaults(struct budget_config *c)
{
	memset(c, 0, sizeof(*c));
	c->limit_w = 60.0;
	c->warn_pct = 85.0;
	c->throttle_pct = 95.0;
	c->critical_pct = 100.0;
	c->critical_hold_ns = 10 * HW_NSEC_PER_SEC;
	c->window_ns = 10 * HW_NSEC_PER_SEC;
	c->hysteresis_pct = 5.0;
	c->step_dwell_ns = 15 * HW_NSEC_PER_SEC;
	c->critical_dwell_ns = 2 * HW_NSEC_PER_SEC;
}

const char *budget_state_name(enum budget_state s)
{
	static const char *const names[] = { "ok", "warn", "throttle", "critical" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == BUDGET_CRITICAL + 1,
		       "names must list every enum budget_state");

	return (unsigned)s < 4 ? names[s] : "?";
}

double budget_threshold_w(const struct budget_config *c, enum budget_state level)
{
	switch (level) {
	case BUDGET_WARN:
		return c->limit_w * c->warn_pct / 100.0;
	case BUDGET_THROTTLE:
		return c->limit_w * c->throttle_pct / 100.0;
	case BUDGET_CRITICAL:
		return c->limit_w * c->critical_pct / 100.0;
	case BUDGET_OK:
		break;
	}
	return -INFINITY;
}

void budget_init(struct budget *b, const struct budget_config *cfg, int64_t now_ns)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	b->bucket_ns = cfg->window_ns / BUDGET_BUCKETS;
	if (b->bucket_ns < 1)
		b->bucket_ns = 1;
	for (int i = 0; i < BUDGET_BUCKETS; i++)
		b->bucket[i].idx = INT64_MIN;
	b->avg_w = NAN;
	b->state = BUDGET_OK;
	b->state_since_ns = now_ns;
}

static double window_average(const struct budget *b, int64_t now_ns)
{
	int64_t cur = now_ns / b->bucket_ns;
	double sum = 0;
	uint64_t n = 0;

	for (int i = 0; i < BUDGET_BUCKETS; i++) {
		if (b->bucket[i].idx > cur - BUDGET_BUCKETS && b->bucket[i].idx <= cur) {
			sum += b->bucket[i].sum;
			n += b->bucket[i].n;
		}
	}
	return n ? sum / (double)n : NAN;
}

static void window_add(struct budget *b, int64_t now_ns, double w)
{
	int64_t idx = now_ns / b->bucket_ns;
	int slot = (int)(((idx % BUDGET_BUCKETS) + BUDGET_BUCKETS) % BUDGET_BUCKETS);

	if (b->bucket[slot].idx != idx) {
		b->bucket[slot].idx = idx;
		b->bucket[slot].sum = 0;
		b->bucket[slot].n = 0;
	}
	b->bucket[slot].sum += w;
	b->bucket[slot].n++;
}

static enum budget_state next_state(struct budget *b, int64_t now_ns, double avg)
{
	const struct budget_config *c = &b->cfg;
	double hyst = c->limit_w * c->hysteresis_pct / 100.0;
	enum budget_state up = BUDGET_OK, down;

	if (avg >= budget_threshold_w(c, BUDGET_CRITICAL)) {
		if (!b->over_crit) {
			b->over_crit = true;
			b->over_crit_since_ns = now_ns;
		}
	} else {
		b->over_crit = false;
	}
	if (avg >= budget_threshold_w(c, BUDGET_WARN))
		up = BUDGET_WARN;
	if (avg >= budget_threshold_w(c, BUDGET_THROTTLE))
		up = BUDGET_THROTTLE;
	if (b->over_crit && now_ns - b->over_crit_since_ns >= c->critical_hold_ns)
		up = BUDGET_CRITICAL;
	if (up >= b->state)
		return up;
	/* leaving a level takes the hysteresis band below its entry threshold */
	down = b->state;
	while (down > BUDGET_OK && avg < budget_threshold_w(c, down) - hyst)
		down--;
	return down > up ? down : up;
}

static void fill(struct budget_event *e, const struct budget *b, enum budget_event_kind kind,
		 const struct budget_input *in)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->from = e->to = b->state;
	e->avg_w = b->avg_w;
	e->limit_w = b->cfg.limit_w;
	e->pct = b->avg_w / b->cfg.limit_w * 100.0;
	e->ib_tx_gbps = in->ib_tx_gbps;
	e->ib_rx_gbps = in->ib_rx_gbps;
	e->forced = in->force_throttle;
	e->powered_off = in->powered_off;
}

/* Powered off: every applied step undone (as many as fit in ev; the rest next call), state ok. */
static int power_off_release(struct budget *b, int64_t now_ns, const struct budget_input *in,
			     struct budget_event *ev, int max)
{
	int n = 0;

	b->over_crit = false;
	if (b->state != BUDGET_OK && n < max) {
		fill(&ev[n], b, BUDGET_EV_STATE, in);
		ev[n].to = BUDGET_OK;
		n++;
		b->state = BUDGET_OK;
		b->state_since_ns = now_ns;
	}
	while (b->applied > 0 && n < max) {
		b->applied--;
		fill(&ev[n], b, BUDGET_EV_UNDO, in);
		ev[n].step = b->applied;
		n++;
	}
	b->stepped = false;
	return n;
}

int budget_update(struct budget *b, int64_t now_ns, const struct budget_input *in,
		  struct budget_event *ev, int max)
{
	const struct budget_config *c = &b->cfg;
	double hyst = c->limit_w * c->hysteresis_pct / 100.0;
	double thr = budget_threshold_w(c, BUDGET_THROTTLE);
	enum budget_state ns;
	bool known, demand, release;
	int64_t dwell;
	int n = 0;

	if (isfinite(in->watts))
		window_add(b, now_ns, in->watts);
	b->avg_w = window_average(b, now_ns);
	if (in->powered_off)
		return power_off_release(b, now_ns, in, ev, max);
	known = isfinite(b->avg_w);
	if (known) {
		ns = next_state(b, now_ns, b->avg_w);
		if (ns != b->state && n < max) {
			fill(&ev[n], b, BUDGET_EV_STATE, in);
			ev[n].to = ns;
			n++;
		}
		if (ns != b->state) {
			b->state = ns;
			b->state_since_ns = now_ns;
		}
	}
	if (c->warn_only || c->nsteps <= 0)
		return n;
	/*
	 * More steps only while the state says throttle and the average is at or over its level
	 * (not in the band), or while critical.  The state decides: the ladder never climbs while
	 * status reports warn.
	 */
	demand = in->force_throttle ||
		 (known && (b->state == BUDGET_CRITICAL ||
			    (b->state == BUDGET_THROTTLE && b->avg_w >= thr)));
	/* without a valid average the ladder holds: a lost sensor never undoes a throttle */
	release =
		!in->force_throttle && known && b->avg_w < thr - hyst && b->state < BUDGET_THROTTLE;
	dwell = b->state == BUDGET_CRITICAL ? c->critical_dwell_ns : c->step_dwell_ns;
	if (b->stepped && now_ns - b->last_step_ns < dwell)
		return n;
	if (demand && b->applied < c->nsteps && n < max) {
		fill(&ev[n], b, BUDGET_EV_APPLY, in);
		ev[n].step = b->applied;
		n++;
		b->applied++;
		b->stepped = true;
		b->last_step_ns = now_ns;
	} else if (release && b->applied > 0 && n < max) {
		b->applied--;
		fill(&ev[n], b, BUDGET_EV_UNDO, in);
		ev[n].step = b->applied;
		n++;
		b->stepped = true;
		b->last_step_ns = now_ns;
	}
	return n;
}

double budget_average(const struct budget *b)
{
	return b->avg_w;
}

enum budget_state budget_state_get(const struct budget *b)
{
	return b->state;
}

int budget_applied(const struct budget *b)
{
	return b->applied;
}
