/* ib-watch.c - the IB link watch: device discovery, port states, counter rates, link verdict. */
#include "supervisor/services/ib-watch.h"

#include "hw/clock.h"
#include "hw/hw.h"
#include "supervisor/report/ib-probe.h"
#include "supervisor/runtime/box.h"
#include "supervisor/services/alarm.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#define IB_WATCH_DEVICES_MAX 16
#define IB_ALARM_PCIE	     "ib-pcie-link"
#define IB_ALARM_NO_SM	     "ib-no-sm"

void ib_watch_init(struct ib_watch *w, struct box *b, const struct ib_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->cfg = cfg;
	w->tx_gbps = w->rx_gbps = NAN;
}

bool ib_watch_port_active(const struct ib_watch_port *wp)
{
	return wp->attr_ok && wp->attr.state == HW_IB_PORT_STATE_ACTIVE;
}

void ib_watch_close(struct ib_watch *w)
{
	for (int i = 0; i < w->nports; i++) {
		ib_port_free(w->ports[i].port);
		memset(&w->ports[i], 0, sizeof(w->ports[i]));
	}
	w->nports = 0;
	w->dev[0] = '\0';
	w->verdict_ok = false;
}

static bool ib_watch_port_wanted(const struct ib_watch *w, int port)
{
	return w->cfg->ports_mask == 0 || (w->cfg->ports_mask & (1u << port));
}

int ib_watch_resolve(struct ib_watch *w)
{
	struct hw *hw = w->b->hw;
	char names[IB_WATCH_DEVICES_MAX][HW_IB_NAME_MAX];
	const char *dev = NULL;
	int n, nports, r;

	if (w->cfg->device[0]) {
		dev = w->cfg->device;
	} else {
		n = hw_ib_devices(hw, names, IB_WATCH_DEVICES_MAX);
		if (n < 0)
			return n;
		if (n == 0)
			return -ENODEV;
		dev = names[0];
	}
	nports = hw_ib_port_count(hw, dev);
	if (nports < 0)
		return nports;
	if (nports > IB_CONFIG_PORTS_MAX)
		nports = IB_CONFIG_PORTS_MAX;
	snprintf(w->dev, sizeof(w->dev), "%s", dev);
	for (int p = 1; p <= nports; p++) {
		if (!ib_watch_port_wanted(w, p))
			continue;
		r = ib_port_open(hw, w->dev, p, &w->ports[w->nports].port);
		if (r < 0) {
			ib_watch_close(w);
			return r;
		}
		w->nports++;
	}
	if (w->nports == 0) {
		w->dev[0] = '\0';
		return -ENODEV;
	}
	return 0;
}

/* Link verdict of the resolved device, logged and alarmed only when it changes. */
static void ib_watch_link_check(struct ib_watch *w)
{
	struct ib_probe_pcie p;
	struct linkmath_rate rate;
	struct linkmath_verdict v;
	bool rate_ok, was_ok = w->verdict_ok, was_warn = w->verdict.warn;
	int best = -1;

	for (int i = 0; i < w->nports; i++)
		if (ib_watch_port_active(&w->ports[i])) {
			best = i;
			break;
		}
	if (best < 0)
		return;
	ib_probe_pcie_read(w->b->hw, w->dev, &p);
	ib_probe_port_verdict(&w->ports[best].attr, &p, w->cfg->pcie_narrow_expected, &rate,
			      &rate_ok, &v);
	for (int i = 0; i < w->nports; i++)
		ib_port_set_max_gbps(w->ports[i].port, rate_ok ? rate.signal_gbps * 1.1 : 0.0);
	w->verdict = v;
	w->verdict_ok = true;
	/* repeating the same alarm level is quiet (alarm.h); the long story goes to `ib link` */
	if (v.warn)
		alarm_raise(w->b, IB_ALARM_PCIE, ALARM_WARN, v.pcie_data_gbps,
			    "%s: PCIe link trained %s (%.1f of %.1f Gb/s): see 'h2box ib link'",
			    w->dev, v.pcie_slow ? "below its speed" : "narrower than the card",
			    v.pcie_data_gbps, v.pcie_cap_data_gbps);
	else if (was_ok && was_warn)
		alarm_clear(w->b, IB_ALARM_PCIE);
	if (!was_ok) {
		char ceiling[32];

		snprintf(ceiling, sizeof(ceiling), "H2BOX_VALUE=%.2f", v.ceiling_gbps);
		log_event(LOG_INFO, (const char *[]){ "H2BOX_EVENT=ib-link", ceiling, NULL },
			  "%s: %s-bound, ceiling %.1f Gb/s per direction. %s", w->dev,
			  linkmath_bottleneck_name(v.bottleneck), v.ceiling_gbps, v.explain);
	}
}

/* Ports trained but INIT (no subnet manager): the ib-no-sm warning once it lasts. */
static void ib_watch_nosm_check(struct ib_watch *w, int64_t now)
{
	const struct hw_ib_port_attr *first = NULL;
	bool any_active = false;
	char ports[64] = "";
	size_t n = 0;

	for (int i = 0; i < w->nports; i++) {
		const struct ib_watch_port *wp = &w->ports[i];

		any_active |= ib_watch_port_active(wp);
		if (!wp->attr_ok || !ibnosm_port_waiting(&wp->attr))
			continue;
		if (!first)
			first = &wp->attr;
		if (n < sizeof(ports))
			n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%d", n ? "," : "",
					      ib_port_num(wp->port));
	}
	switch (ibnosm_step(&w->nosm, first != NULL, now, IBNOSM_AFTER_NS)) {
	case IBNOSM_RAISE:
		alarm_raise(w->b, IB_ALARM_NO_SM, ALARM_WARN, NAN, "%s port %s INIT for %.0f s: %s",
			    w->dev, ports, (double)(now - w->nosm.since_ns) / HW_NSEC_PER_SEC,
			    ib_port_state_hint(first));
		break;
	case IBNOSM_CLEAR:
		if (any_active)
			alarm_clear(w->b, IB_ALARM_NO_SM);
		else
			alarm_clear_reason(w->b, IB_ALARM_NO_SM, "no port trained");
		break;
	case IBNOSM_NONE:
		break;
	}
}

void ib_watch_sample(struct ib_watch *w, int64_t now)
{
	double tx = 0.0, rx = 0.0;
	bool any_active = false;
	int r;

	if (!w->dev[0]) {
		r = ib_watch_resolve(w);
		if (r < 0) {
			w->tx_gbps = w->rx_gbps = NAN;
			return;
		}
		if (w->lost_logged)
			log_event(LOG_NOTICE,
				  (const char *[]){ "H2BOX_EVENT=ib-device", "H2BOX_STATE=present",
						    NULL },
				  "IB device %s is back", w->dev);
		w->lost_logged = false;
	}
	for (int i = 0; i < w->nports; i++) {
		struct ib_watch_port *sp = &w->ports[i];
		struct hw_ib_port_attr a;
		int old = sp->attr_ok ? sp->attr.state : 0;

		r = ib_port_query(sp->port, &a);
		if (r == -ENODEV || r == -ENXIO) {
			/* the card lost power or the driver went away: forget it and rediscover */
			if (!w->lost_logged && !w->b->power_off)
				log_event(LOG_NOTICE,
					  (const char *[]){ "H2BOX_EVENT=ib-device",
							    "H2BOX_STATE=gone", NULL },
					  "IB device %s is gone", w->dev);
			w->lost_logged = true;
			/* a link that is not there has no verdict: it comes back with the card */
			if (alarm_active(w->b, IB_ALARM_PCIE))
				alarm_clear_reason(w->b, IB_ALARM_PCIE,
						   w->b->power_off ? "powered off"
								   : "IB device gone");
			if (ibnosm_step(&w->nosm, false, now, IBNOSM_AFTER_NS) == IBNOSM_CLEAR)
				alarm_clear_reason(w->b, IB_ALARM_NO_SM,
						   w->b->power_off ? "powered off"
								   : "IB device gone");
			ib_watch_close(w);
			w->tx_gbps = w->rx_gbps = NAN;
			return;
		}
		sp->attr_ok = r == 0;
		if (r == 0)
			sp->attr = a;
		if (sp->attr_ok && a.state != old) {
			char st[48];

			/* a polling port is normal while links come up: only a stuck one gets a hint */
			bool stuck = a.phys_state == HW_IB_PORT_PHYS_LINK_UP ||
				     a.phys_state == HW_IB_PORT_PHYS_DISABLED;
			const char *hint = stuck ? ib_port_state_hint(&a) : NULL;

			snprintf(st, sizeof(st), "H2BOX_STATE=%s", ib_port_state_name(a.state));
			log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=ib-port", st, NULL },
				  "%s port %d: %s%s%s (%s)%s%s", w->dev, ib_port_num(sp->port),
				  old ? ib_port_state_name(old) : "", old ? " -> " : "",
				  ib_port_state_name(a.state), a.rate[0] ? a.rate : "rate unknown",
				  hint ? ": " : "", hint ? hint : "");
			if (a.state == HW_IB_PORT_STATE_ACTIVE)
				w->verdict_ok = false; /* re-derive the ceiling at the new rate */
		}
		sp->sampled = ib_port_sample(sp->port, now, &sp->sample) == 0;
		if (!ib_watch_port_active(sp))
			continue;
		any_active = true;
		/* a single unknown port makes the sum unknown: never report part as the whole */
		tx += sp->sampled ? sp->sample.tx_gbps : NAN;
		rx += sp->sampled ? sp->sample.rx_gbps : NAN;
	}
	if (any_active && !w->verdict_ok)
		ib_watch_link_check(w);
	ib_watch_nosm_check(w, now);
	/* no active port: nothing can flow, a true zero */
	w->tx_gbps = tx;
	w->rx_gbps = rx;
}

double ib_watch_ceiling_gbps(const struct ib_watch *w)
{
	return w->verdict_ok ? w->verdict.ceiling_gbps : NAN;
}
