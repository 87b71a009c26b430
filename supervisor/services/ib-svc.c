/* ib-svc.c - IB service: samples the link into the box's readings, owns its verbs and status. */
#include "supervisor/services/ib-svc.h"

#include "supervisor/policy/linkmath.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/prom.h"
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
		/* the hint `ib link` gives, so one status answers "is the link up, and if not why" */
		json_string(j, "hint", sp->attr_ok ? ib_port_state_hint(&sp->attr) : NULL);
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
#define IB_SVC_BYTES_PER_GBIT (1e9 / 8)

/*
 * Per port (labels device, port): the data counters as node_exporter's infiniband collector
 * names them, the sampled rate, the link's width and data rate; the device's expected ceiling
 * (the PCIe link or the port, whichever is lower).  Unknown figures are NaN or left out.
 */
void ib_svc_metrics(struct ib_svc *s, struct prom *p)
{
	const struct ib_watch *w = &s->watch;

	if (!w->dev[0])
		return;
	prom_family(p, "h2box_ib_port_data_transmitted_bytes_total", PROM_COUNTER,
		    "Data bytes sent by the IB port (port counters).");
	prom_family(p, "h2box_ib_port_data_received_bytes_total", PROM_COUNTER,
		    "Data bytes received by the IB port (port counters).");
	prom_family(p, "h2box_ib_port_transmit_rate_bytes_per_second", PROM_GAUGE,
		    "Send rate of the IB port over the last sampling period.");
	prom_family(p, "h2box_ib_port_receive_rate_bytes_per_second", PROM_GAUGE,
		    "Receive rate of the IB port over the last sampling period.");
	prom_family(p, "h2box_ib_port_active", PROM_GAUGE, "The IB port is ACTIVE (1) or not (0).");
	prom_family(p, "h2box_ib_port_link_width_lanes", PROM_GAUGE,
		    "Lanes the IB link trained to (4 for 4X).");
	prom_family(p, "h2box_ib_port_link_data_rate_bytes_per_second", PROM_GAUGE,
		    "Data rate of the trained IB link after its line code (4X QDR: 4 GB/s).");
	prom_family(p, "h2box_ib_ceiling_bytes_per_second", PROM_GAUGE,
		    "Expected ceiling of one direction: the lower of the IB link and the card's "
		    "PCIe link.");
	for (int i = 0; i < w->nports; i++) {
		const struct ib_watch_port *sp = &w->ports[i];
		struct linkmath_rate rate;
		char port[16];

		snprintf(port, sizeof(port), "%d", ib_port_num(sp->port));
		if (sp->sampled && sp->sample.bytes_known) {
			prom_sample(p, "h2box_ib_port_data_transmitted_bytes_total",
				    (double)sp->sample.tx_bytes, "device", w->dev, "port", port, NULL);
			prom_sample(p, "h2box_ib_port_data_received_bytes_total",
				    (double)sp->sample.rx_bytes, "device", w->dev, "port", port, NULL);
		}
		prom_sample(p, "h2box_ib_port_transmit_rate_bytes_per_second",
			    sp->sampled ? sp->sample.tx_gbps * IB_SVC_BYTES_PER_GBIT : NAN, "device",
			    w->dev, "port", port, NULL);
		prom_sample(p, "h2box_ib_port_receive_rate_bytes_per_second",
			    sp->sampled ? sp->sample.rx_gbps * IB_SVC_BYTES_PER_GBIT : NAN, "device",
			    w->dev, "port", port, NULL);
		if (!sp->attr_ok)
			continue;
		prom_sample(p, "h2box_ib_port_active", ib_watch_port_active(sp), "device", w->dev,
			    "port", port, NULL);
		if (linkmath_port_rate((enum linkmath_layer)sp->attr.link_layer,
				       sp->attr.active_width, sp->attr.active_speed, &rate) < 0)
			continue;
		prom_sample(p, "h2box_ib_port_link_width_lanes", rate.lanes, "device", w->dev,
			    "port", port, NULL);
		prom_sample(p, "h2box_ib_port_link_data_rate_bytes_per_second",
			    rate.data_gbps * IB_SVC_BYTES_PER_GBIT, "device", w->dev, "port", port,
			    NULL);
	}
	prom_sample(p, "h2box_ib_ceiling_bytes_per_second",
		    ib_svc_ceiling_gbps(s) * IB_SVC_BYTES_PER_GBIT, "device", w->dev, NULL);
}

SVC_OPS_DEFINE(ib_svc, "ib", ib, ib, true);
