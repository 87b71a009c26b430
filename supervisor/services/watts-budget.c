/* watts-budget.c - the watts service's budget governor: throttle ladder steps and their journal. */
#include "supervisor/services/watts-priv.h"

#include "supervisor/runtime/box.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/throttle-svc.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static void watts_budget_event(struct watts_svc *s, const struct budget_event *e)
{
	char f_state[48], f_w[48], f_tx[48], f_rx[48], f_act[64], traffic[96];
	struct throttle_svc *t;
	int r;

	snprintf(f_w, sizeof(f_w), "H2BOX_WATTS=%.2f", e->avg_w);
	snprintf(f_tx, sizeof(f_tx), "H2BOX_IB_TX_GBPS=%.2f", e->ib_tx_gbps);
	snprintf(f_rx, sizeof(f_rx), "H2BOX_IB_RX_GBPS=%.2f", e->ib_rx_gbps);
	if (isfinite(e->ib_tx_gbps) || isfinite(e->ib_rx_gbps))
		snprintf(traffic, sizeof(traffic), "IB tx %.2f Gb/s, rx %.2f Gb/s", e->ib_tx_gbps,
			 e->ib_rx_gbps);
	else
		snprintf(traffic, sizeof(traffic), "IB traffic unknown");
	if (e->kind == BUDGET_EV_STATE) {
		snprintf(f_state, sizeof(f_state), "H2BOX_STATE=%s", budget_state_name(e->to));
		log_event(e->to > e->from ? (e->to >= BUDGET_CRITICAL ? LOG_CRIT : LOG_WARNING)
					  : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=budget", f_state, f_w, f_tx, f_rx, NULL },
			  "power budget %s -> %s: average %.1f W is %.0f%% of %.0f W (%s)",
			  budget_state_name(e->from), budget_state_name(e->to), e->avg_w, e->pct,
			  e->limit_w, traffic);
		if (e->to == BUDGET_OK && e->powered_off)
			alarm_clear_reason(s->b, "power-budget", "powered off");
		else if (e->to == BUDGET_OK)
			alarm_clear(s->b, "power-budget");
		else
			alarm_raise(s->b, "power-budget",
				    e->to == BUDGET_CRITICAL ? ALARM_CRIT : ALARM_WARN, e->avg_w,
				    "power budget %s: %.1f W average, %.0f%% of %.0f W (%s)",
				    budget_state_name(e->to), e->avg_w, e->pct, e->limit_w,
				    traffic);
		return;
	}
	if (e->step < 0 || e->step >= s->nladder)
		return;
	t = s->thr[s->ladder[e->step]];
	snprintf(f_act, sizeof(f_act), "H2BOX_ACTION=%s", throttle_svc_name(t));
	if (e->kind == BUDGET_EV_APPLY) {
		r = throttle_svc_apply(t);
		log_event(r < 0 ? LOG_WARNING : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=throttle-apply", f_act, f_w, f_tx, f_rx,
					    NULL },
			  "throttle step %d/%d %s: %s%s%s; average %.1f W of %.0f W%s, %s",
			  e->step + 1, s->nladder, throttle_svc_name(t), throttle_svc_describe(t),
			  r < 0 ? " FAILED: " : "", r < 0 ? throttle_svc_strerror(t, r) : "",
			  e->avg_w, e->limit_w, e->forced ? " (thermal)" : "", traffic);
	} else {
		r = throttle_svc_undo(t);
		log_event(r < 0 ? LOG_WARNING : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=throttle-undo", f_act, f_w, NULL },
			  "throttle step %d/%d %s undone%s%s%s; average %.1f W of %.0f W",
			  e->step + 1, s->nladder, throttle_svc_name(t),
			  e->powered_off ? " (box powered off)" : "", r < 0 ? " FAILED: " : "",
			  r < 0 ? strerror(-r) : "", e->avg_w, e->limit_w);
	}
}

static int watts_budget_ladder_build(struct watts_svc *s)
{
	const struct watts_config *c = &s->cfg;
	int i, j;

	s->nladder = 0;
	if (c->nladder < 0)
		return 0;
	if (c->nladder == 0) {
		for (i = 0; i < s->nthr; i++)
			s->ladder[s->nladder++] = i;
		return 0;
	}
	for (i = 0; i < c->nladder; i++) {
		for (j = 0; j < s->nthr; j++)
			if (!strcmp(c->ladder[i], throttle_svc_name(s->thr[j])))
				break;
		if (j == s->nthr)
			return -EINVAL;
		s->ladder[s->nladder++] = j;
	}
	return 0;
}

int watts_budget_init(struct watts_svc *s, int64_t now)
{
	const struct watts_config *cfg = &s->cfg;
	int i, r;

	for (i = 0; i < cfg->nthrottles; i++) {
		r = throttle_svc_new(s->b->loop, s->b->hw, &cfg->thr[i], &s->thr[s->nthr]);
		if (r < 0)
			return r;
		s->nthr++;
	}
	r = watts_budget_ladder_build(s);
	if (r < 0)
		return r;
	for (i = 0; i < s->nladder; i++) {
		struct throttle_svc *t = s->thr[s->ladder[i]];

		if (throttle_svc_kind(t) == THROTTLE_TBF)
			log_info("throttle %s: %s; NFS/RDMA and verbs traffic is not slowed by it",
				 throttle_svc_name(t), throttle_svc_describe(t));
	}
	s->budget_on = cfg->budget_enabled && cfg->enabled;
	s->cfg.budget.nsteps = s->nladder;
	budget_init(&s->budget, &s->cfg.budget, now);
	s->b->readings.budget_state = s->budget_on ? "ok" : "off";
	return 0;
}

void watts_budget_step(struct watts_svc *s, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct budget_event ev[BUDGET_EVENTS_MAX];
	struct budget_input in;
	int i, n;

	if (s->budget_on) {
		in.watts = rd->watts;
		in.ib_tx_gbps = rd->ib_tx_gbps;
		in.ib_rx_gbps = rd->ib_rx_gbps;
		in.force_throttle = s->throttle_wanted;
		/* the ladder acts on the H2 (its IPoIB qdisc, its CPU): let go once it is down */
		in.powered_off = s->b->power_off && s->b->host_off;
		n = budget_update(&s->budget, now, &in, ev, BUDGET_EVENTS_MAX);
		for (i = 0; i < n; i++)
			watts_budget_event(s, &ev[i]);
		rd->budget_state = budget_state_name(budget_state_get(&s->budget));
	} else {
		rd->budget_state = "off";
	}
}

void watts_budget_free(struct watts_svc *s)
{
	int i;

	/* leave the box unthrottled: undo the ladder in reverse order */
	for (i = s->nladder - 1; i >= 0; i--) {
		struct throttle_svc *t = s->thr[s->ladder[i]];

		if (throttle_svc_applied(t)) {
			int r = throttle_svc_undo(t);

			if (r < 0)
				log_warn(r, "undoing throttle %s on exit", throttle_svc_name(t));
			else
				log_notice("throttle %s undone on exit", throttle_svc_name(t));
		}
	}
	for (i = s->nthr - 1; i >= 0; i--)
		throttle_svc_free(s->thr[i]);
	s->nthr = s->nladder = 0;
}

const char *watts_budget_step_name(const struct watts_svc *s, int step)
{
	return throttle_svc_name(s->thr[s->ladder[step]]);
}

const char *watts_budget_step_action(const struct watts_svc *s, int step)
{
	return throttle_svc_describe(s->thr[s->ladder[step]]);
}

bool watts_budget_step_applied(const struct watts_svc *s, int step)
{
	return throttle_svc_applied(s->thr[s->ladder[step]]);
}
