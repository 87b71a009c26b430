/* ib-svc.c - IB service: samples the link into the box's readings, owns its verbs and status. */
#include "supervisor/services/ib-svc.h"

#include "supervisor/policy/linkmath.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/ib-bench-job.h"
#include "supervisor/services/ib-verbs.h"
#include "supervisor/services/ib-watch.h"
#include "supervisor/util/json.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct ib_svc {
	struct box *b;
	struct ib_config cfg;
	struct loop_timer *timer;
	struct ib_watch watch;
	struct ib_bench_job *bench;
	struct ib_verbs verbs;
};

static void ib_svc_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct ib_svc *s = userdata;

	ib_watch_sample(&s->watch, now_ns);
	s->b->readings.ib_tx_gbps = s->watch.tx_gbps;
	s->b->readings.ib_rx_gbps = s->watch.rx_gbps;
	loop_timer_arm_next(t, s->cfg.sample_ns);
}

double ib_svc_ceiling_gbps(const struct ib_svc *s)
{
	return ib_watch_ceiling_gbps(&s->watch);
}

/* ---- lifecycle and status ---- */

int ib_svc_new(struct box *b, const struct ib_config *cfg, struct ib_svc **out)
{
	struct ib_svc *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->cfg = *cfg;
	ib_watch_init(&s->watch, b, &s->cfg);
	b->readings.ib_tx_gbps = NAN;
	b->readings.ib_rx_gbps = NAN;
	r = loop_timer_new(b->loop, "ib-sample", ib_svc_on_timer, s, &s->timer);
	if (r < 0)
		goto fail;
	r = ib_bench_job_new(b, &s->bench);
	if (r < 0)
		goto fail_timer;
	s->verbs =
		(struct ib_verbs){ .b = b, .cfg = &s->cfg, .watch = &s->watch, .bench = s->bench };
	r = ib_verbs_register(&s->verbs);
	if (r < 0)
		goto fail_bench;
	/*
	 * Without an [ib] section the link is not watched: no timer, no device lookup (the verbs
	 * stay).  A missing NIC is normal while the box is off: the timer keeps looking.
	 */
	if (s->cfg.enabled) {
		(void)ib_watch_resolve(&s->watch);
		loop_timer_arm_in(s->timer, 0);
	}
	*out = s;
	return 0;
fail_bench:
	ib_bench_job_free(s->bench);
fail_timer:
	loop_timer_free(s->timer);
fail:
	free(s);
	return r;
}

void ib_svc_free(struct ib_svc *s)
{
	if (!s)
		return;
	ctl_command_unregister(s->b->ctl, "ib");
	ib_bench_job_free(s->bench);
	loop_timer_free(s->timer);
	ib_watch_close(&s->watch);
	s->b->readings.ib_tx_gbps = NAN;
	s->b->readings.ib_rx_gbps = NAN;
	free(s);
}

void ib_svc_status_json(struct ib_svc *s, struct json *j)
{
	const struct ib_watch *w = &s->watch;

	json_object_begin(j, "ib");
	json_string(j, "device", w->dev[0] ? w->dev : NULL);
	json_number(j, "tx_gbps", w->tx_gbps, 3);
	json_number(j, "rx_gbps", w->rx_gbps, 3);
	json_number(j, "ceiling_gbps", ib_svc_ceiling_gbps(s), 3);
	json_string(j, "bottleneck",
		    w->verdict_ok ? linkmath_bottleneck_name(w->verdict.bottleneck) : NULL);
	json_bool(j, "link_warning", w->verdict_ok && w->verdict.warn);
	json_array_begin(j, "ports");
	for (int i = 0; i < w->nports; i++) {
		const struct ib_watch_port *sp = &w->ports[i];

		json_object_begin(j, NULL);
		json_int(j, "port", ib_port_num(sp->port));
		json_string(j, "state", sp->attr_ok ? ib_port_state_name(sp->attr.state) : NULL);
		json_string(j, "rate", sp->attr_ok && sp->attr.rate[0] ? sp->attr.rate : NULL);
		json_number(j, "tx_gbps", sp->sample.tx_gbps, 3);
		json_number(j, "rx_gbps", sp->sample.rx_gbps, 3);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static const char *ib_svc_gbps_str(double v, char *buf, size_t len)
{
	if (isfinite(v))
		snprintf(buf, len, "%.2f Gb/s", v);
	else
		snprintf(buf, len, "unknown");
	return buf;
}

void ib_svc_status_text(struct ib_svc *s, struct ctl_reply *rep)
{
	const struct ib_watch *w = &s->watch;
	char tx[24], rx[24];
	int active = 0;

	if (!w->dev[0]) {
		ctl_reply_printf(rep, "ib: no device\n");
		return;
	}
	for (int i = 0; i < w->nports; i++)
		active += ib_watch_port_active(&w->ports[i]);
	ctl_reply_printf(rep, "ib: %s, %d of %d ports active, tx %s, rx %s", w->dev, active,
			 w->nports, ib_svc_gbps_str(w->tx_gbps, tx, sizeof(tx)),
			 ib_svc_gbps_str(w->rx_gbps, rx, sizeof(rx)));
	if (w->verdict_ok && isfinite(w->verdict.ceiling_gbps))
		ctl_reply_printf(rep, " (ceiling %.1f Gb/s, %s-bound%s)", w->verdict.ceiling_gbps,
				 w->verdict.bottleneck == LINKMATH_BN_PCIE ? "PCIe" : "network",
				 w->verdict.warn ? ", link degraded!" : "");
	ctl_reply_printf(rep, "\n");
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(ib_svc, "ib", ib, ib, true);
