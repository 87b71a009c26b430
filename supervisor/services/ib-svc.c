/* ib-svc.c - IB service: counter sampling into readings, `ib link`, `ib counters`, `ib bench`. */
#include "supervisor/services/ib-svc.h"

#include "drivers/ib_bench.h"
#include "drivers/ib_port.h"
#include "drivers/nic_pcie.h"
#include "hw/hw.h"
#include "hw/pci.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/report/ib-probe.h"
#include "supervisor/report/ib-report.h"
#include "supervisor/util/json.h"
#include "supervisor/policy/linkmath.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

#define IB_DEVICES_MAX 16
#define IB_ALARM_PCIE  "ib-pcie-link"

/* ---- configuration ---- */

void ib_config_defaults(struct ib_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ports_mask = 0;
	c->pcie_narrow_expected = false;
	c->sample_ns = 1000000000LL;
	c->bench_tcp_port = IB_BENCH_TCP_PORT_DEFAULT;
	c->bench_timeout_ns = 10000000000LL;
	c->bench_max_ns = 60000000000LL;
}

/* "all", "1", "1,2" -> bit mask of ports 1..IB_SVC_PORTS_MAX. */
static int ports_parse(const char *value, unsigned *mask, char *err, size_t errlen)
{
	char buf[64];
	char *tok, *save = NULL;
	unsigned m = 0;

	if (parse_string(value, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	if (strcmp(buf, "all") == 0) {
		*mask = 0;
		return 0;
	}
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long n;

		if (parse_int(tok, 1, IB_SVC_PORTS_MAX, &n, NULL, 0) < 0) {
			snprintf(err, errlen, "ports: '%s' is not a port number 1..%d (or 'all')",
				 tok, IB_SVC_PORTS_MAX);
			return -EINVAL;
		}
		m |= 1u << n;
	}
	if (!m) {
		snprintf(err, errlen, "ports: expected 'all' or a list such as 1,2");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

int ib_config_set(struct ib_config *c, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen)
{
	long n;
	int r;

	if (strcmp(section, "ib") != 0)
		return -ENOENT;
	if (strcmp(key, "device") == 0) {
		char buf[HW_IB_NAME_MAX];

		r = parse_string(value, buf, sizeof(buf), err, errlen);
		if (r < 0)
			return r;
		if (strchr(buf, '/') || strchr(buf, ' ')) {
			snprintf(err, errlen, "device: '%s' is not an RDMA device name", buf);
			return -EINVAL;
		}
		snprintf(c->device, sizeof(c->device), "%s", strcmp(buf, "auto") ? buf : "");
		c->line_device = line;
		return 0;
	}
	if (strcmp(key, "ports") == 0) {
		c->line_ports = line;
		return ports_parse(value, &c->ports_mask, err, errlen);
	}
	if (strcmp(key, "pcie_narrow_expected") == 0)
		return parse_bool(value, &c->pcie_narrow_expected, err, errlen);
	if (strcmp(key, "sample_period") == 0) {
		c->line_sample = line;
		return parse_duration_ns(value, 100000000LL, 60000000000LL, &c->sample_ns, err,
					 errlen);
	}
	if (strcmp(key, "bench_port") == 0) {
		r = parse_int(value, 1, 65535, &n, err, errlen);
		if (r == 0)
			c->bench_tcp_port = (int)n;
		return r;
	}
	if (strcmp(key, "bench_timeout") == 0 || strcmp(key, "bench_max_duration") == 0)
		c->line_bench = line;
	if (strcmp(key, "bench_timeout") == 0)
		return parse_duration_ns(value, 100000000LL, 600000000000LL, &c->bench_timeout_ns,
					 err, errlen);
	if (strcmp(key, "bench_max_duration") == 0)
		return parse_duration_ns(value, 1000000000LL, 3600000000000LL, &c->bench_max_ns,
					 err, errlen);
	return -ENOENT;
}

int ib_config_validate(const struct ib_config *c, int *line, char *err, size_t errlen)
{
	if (c->sample_ns < 100000000LL) {
		*line = c->line_sample;
		snprintf(err, errlen, "sample_period must be at least 100ms");
		return -EINVAL;
	}
	if (c->bench_timeout_ns >= c->bench_max_ns) {
		*line = c->line_bench;
		snprintf(err, errlen, "bench_timeout must be shorter than bench_max_duration");
		return -EINVAL;
	}
	return 0;
}

/* ---- the service ---- */

struct ib_svc_port {
	struct ib_port *port;
	struct hw_ib_port_attr attr;
	bool attr_ok;
	struct ib_port_sample sample;
	bool sampled;
};

struct bench_job;

struct ib_svc {
	struct box *b;
	struct ib_config cfg;
	struct loop_timer *timer;
	char dev[HW_IB_NAME_MAX]; /* resolved device, "" while none */
	int nports;
	struct ib_svc_port ports[IB_SVC_PORTS_MAX];
	double tx_gbps, rx_gbps;
	struct linkmath_verdict verdict; /* of the first active port, for status */
	bool verdict_ok;
	bool lost_logged;
	struct bench_job *job; /* a benchmark running in its worker thread */
	bool inline_bench;     /* a sim benchmark running on the loop (timers run inside it) */
	bool caps_logged;      /* the first bench of this run logged the device's QP caps */
	struct loop_timer *bench_timer;
};

static void svc_ports_close(struct ib_svc *s)
{
	for (int i = 0; i < s->nports; i++) {
		ib_port_free(s->ports[i].port);
		memset(&s->ports[i], 0, sizeof(s->ports[i]));
	}
	s->nports = 0;
	s->dev[0] = '\0';
	s->verdict_ok = false;
}

static bool svc_port_wanted(const struct ib_svc *s, int port)
{
	return s->cfg.ports_mask == 0 || (s->cfg.ports_mask & (1u << port));
}

static int svc_device_resolve(struct ib_svc *s)
{
	struct hw *hw = s->b->hw;
	char names[IB_DEVICES_MAX][HW_IB_NAME_MAX];
	const char *dev = NULL;
	int n, nports, r;

	if (s->cfg.device[0]) {
		dev = s->cfg.device;
	} else {
		n = hw_ib_devices(hw, names, IB_DEVICES_MAX);
		if (n < 0)
			return n;
		if (n == 0)
			return -ENODEV;
		dev = names[0];
	}
	nports = hw_ib_port_count(hw, dev);
	if (nports < 0)
		return nports;
	if (nports > IB_SVC_PORTS_MAX)
		nports = IB_SVC_PORTS_MAX;
	snprintf(s->dev, sizeof(s->dev), "%s", dev);
	for (int p = 1; p <= nports; p++) {
		if (!svc_port_wanted(s, p))
			continue;
		r = ib_port_open(hw, s->dev, p, &s->ports[s->nports].port);
		if (r < 0) {
			svc_ports_close(s);
			return r;
		}
		s->nports++;
	}
	if (s->nports == 0) {
		s->dev[0] = '\0';
		return -ENODEV;
	}
	return 0;
}

/* Link verdict of the resolved device, logged and alarmed only when it changes. */
static void svc_link_check(struct ib_svc *s)
{
	struct ib_probe_pcie p;
	struct linkmath_rate rate;
	struct linkmath_verdict v;
	bool rate_ok, was_ok = s->verdict_ok, was_warn = s->verdict.warn;
	int best = -1;

	for (int i = 0; i < s->nports; i++)
		if (s->ports[i].attr_ok && s->ports[i].attr.state == 4) {
			best = i;
			break;
		}
	if (best < 0)
		return;
	ib_probe_pcie_read(s->b->hw, s->dev, &p);
	ib_probe_port_verdict(&s->ports[best].attr, &p, s->cfg.pcie_narrow_expected, &rate, &rate_ok, &v);
	for (int i = 0; i < s->nports; i++)
		ib_port_set_max_gbps(s->ports[i].port, rate_ok ? rate.signal_gbps * 1.1 : 0.0);
	s->verdict = v;
	s->verdict_ok = true;
	/* repeating the same alarm level is quiet (alarm.h); the long story goes to `ib link` */
	if (v.warn)
		alarm_raise(s->b, IB_ALARM_PCIE, ALARM_WARN, v.pcie_data_gbps,
			    "%s: PCIe link trained %s (%.1f of %.1f Gb/s): see 'h2box ib link'",
			    s->dev, v.pcie_slow ? "below its speed" : "narrower than the card",
			    v.pcie_data_gbps, v.pcie_cap_data_gbps);
	else if (was_ok && was_warn)
		alarm_clear(s->b, IB_ALARM_PCIE);
	if (!was_ok) {
		char ceiling[32];

		snprintf(ceiling, sizeof(ceiling), "H2BOX_VALUE=%.2f", v.ceiling_gbps);
		log_event(LOG_INFO, (const char *[]){ "H2BOX_EVENT=ib-link", ceiling, NULL },
			  "%s: %s-bound, ceiling %.1f Gb/s per direction. %s", s->dev,
			  linkmath_bottleneck_name(v.bottleneck), v.ceiling_gbps, v.explain);
	}
}

static void svc_sample(struct ib_svc *s, int64_t now)
{
	double tx = 0.0, rx = 0.0;
	bool any_active = false;
	int r;

	if (!s->dev[0]) {
		r = svc_device_resolve(s);
		if (r < 0) {
			s->tx_gbps = s->rx_gbps = NAN;
			return;
		}
		if (s->lost_logged)
			log_event(LOG_NOTICE,
				  (const char *[]){ "H2BOX_EVENT=ib-device", "H2BOX_STATE=present",
						    NULL },
				  "IB device %s is back", s->dev);
		s->lost_logged = false;
	}
	for (int i = 0; i < s->nports; i++) {
		struct ib_svc_port *sp = &s->ports[i];
		struct hw_ib_port_attr a;
		int old = sp->attr_ok ? sp->attr.state : 0;

		r = ib_port_query(sp->port, &a);
		if (r == -ENODEV || r == -ENXIO) {
			/* the card lost power or the driver went away: forget it and rediscover */
			if (!s->lost_logged && !s->b->power_off)
				log_event(LOG_NOTICE,
					  (const char *[]){ "H2BOX_EVENT=ib-device",
							    "H2BOX_STATE=gone", NULL },
					  "IB device %s is gone", s->dev);
			s->lost_logged = true;
			/* a link that is not there has no verdict: it comes back with the card */
			if (alarm_active(s->b, IB_ALARM_PCIE))
				alarm_clear_reason(s->b, IB_ALARM_PCIE,
						   s->b->power_off ? "powered off" : "IB device gone");
			svc_ports_close(s);
			s->tx_gbps = s->rx_gbps = NAN;
			return;
		}
		sp->attr_ok = r == 0;
		if (r == 0)
			sp->attr = a;
		if (sp->attr_ok && a.state != old) {
			char st[48];

			/* a polling port is normal while links come up: only a stuck one gets the hint */
			const char *hint = a.phys_state == 5 || a.phys_state == 3
						   ? ib_port_state_hint(&a)
						   : NULL;

			snprintf(st, sizeof(st), "H2BOX_STATE=%s", ib_port_state_name(a.state));
			log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=ib-port", st, NULL },
				  "%s port %d: %s%s%s (%s)%s%s", s->dev, ib_port_num(sp->port),
				  old ? ib_port_state_name(old) : "", old ? " -> " : "",
				  ib_port_state_name(a.state), a.rate[0] ? a.rate : "rate unknown",
				  hint ? ": " : "", hint ? hint : "");
			if (a.state == 4)
				s->verdict_ok = false; /* re-derive the ceiling at the new rate */
		}
		sp->sampled = ib_port_sample(sp->port, now, &sp->sample) == 0;
		if (!sp->attr_ok || sp->attr.state != 4)
			continue;
		any_active = true;
		/* a single unknown port makes the sum unknown: never report part as the whole */
		tx += sp->sampled ? sp->sample.tx_gbps : NAN;
		rx += sp->sampled ? sp->sample.rx_gbps : NAN;
	}
	if (any_active && !s->verdict_ok)
		svc_link_check(s);
	/* no active port: nothing can flow, a true zero */
	s->tx_gbps = tx;
	s->rx_gbps = rx;
}

static void svc_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct ib_svc *s = userdata;

	svc_sample(s, now_ns);
	s->b->readings.ib_tx_gbps = s->tx_gbps;
	s->b->readings.ib_rx_gbps = s->rx_gbps;
	loop_timer_arm_in(t, s->cfg.sample_ns);
}

double ib_svc_ceiling_gbps(const struct ib_svc *s)
{
	return s->verdict_ok ? s->verdict.ceiling_gbps : NAN;
}

/* ---- `ib link` ---- */

static void link_port_json(struct json *j, int port, const struct hw_ib_port_attr *a, int qr,
			   const struct ib_probe_pcie *p, bool narrow_expected)
{
	struct linkmath_rate rate;
	struct linkmath_verdict v;
	bool rate_ok;

	json_object_begin(j, NULL);
	json_int(j, "port", port);
	if (qr < 0) {
		json_string(j, "error", strerror(-qr));
		json_object_end(j);
		return;
	}
	ib_probe_port_verdict(a, p, narrow_expected, &rate, &rate_ok, &v);
	json_string(j, "state", ib_port_state_name(a->state));
	json_string(j, "phys_state", ib_port_phys_state_name(a->phys_state));
	json_string(j, "hint", ib_port_state_hint(a));
	json_string(j, "link_layer", ib_port_link_layer_name(a->link_layer));
	json_int(j, "width_code", a->active_width);
	json_int(j, "speed_code", a->active_speed);
	json_int(j, "lanes", rate_ok ? rate.lanes : 0);
	json_string(j, "speed", rate_ok ? rate.speed_name : NULL);
	json_int(j, "active_mtu", ib_port_mtu_bytes(a->active_mtu));
	json_int(j, "max_mtu", ib_port_mtu_bytes(a->max_mtu));
	json_int(j, "lid", a->lid);
	json_string(j, "sysfs_rate", a->rate[0] ? a->rate : NULL);
	json_string(j, "encoding", rate_ok ? linkmath_enc_name(rate.enc) : NULL);
	json_number(j, "nominal_gbps", rate_ok ? rate.nominal_gbps : NAN, 2);
	json_number(j, "signal_gbps", rate_ok ? rate.signal_gbps : NAN, 3);
	json_number(j, "data_gbps", rate_ok ? rate.data_gbps : NAN, 3);
	json_string(j, "bottleneck", linkmath_bottleneck_name(v.bottleneck));
	json_number(j, "ceiling_gbps", v.ceiling_gbps, 3);
	json_bool(j, "warn", v.warn);
	json_string(j, "explain", v.explain);
	json_object_end(j);
}

static void link_pcie_json(struct json *j, const struct ib_probe_pcie *p, bool narrow_expected)
{
	const struct nic_pcie_info *in = &p->info;
	struct linkmath_pcie_link l;
	bool have = ib_probe_pcie_link(p, &l);
	char id[16];

	json_object_begin(j, "pci");
	json_string(j, "slot", p->slot[0] ? p->slot : NULL);
	if (p->slot_r < 0) {
		json_string(j, "error",
			    p->slot_r == -ENODEV ? "soft device: no PCI function"
						 : strerror(-p->slot_r));
		json_object_end(j);
		return;
	}
	if (p->parse_r == 0 || p->parse_r == -ENODATA) {
		snprintf(id, sizeof(id), "%04x:%04x", in->vendor, in->device);
		json_string(j, "id", id);
		json_string(j, "family", p->model ? p->model->family : NULL);
		json_string(j, "model", p->model ? p->model->name : NULL);
		json_string(j, "driver", p->model ? p->model->driver : NULL);
	}
	if (!have) {
		json_string(j, "error", nic_pcie_strerror(p->parse_r));
		json_object_end(j);
		return;
	}
	json_object_begin(j, "lnkcap");
	json_number(j, "gts", linkmath_pcie_gts(l.cap_speed), 1);
	json_int(j, "gen", linkmath_pcie_generation(l.cap_speed));
	json_int(j, "width", l.cap_width);
	json_object_end(j);
	json_object_begin(j, "lnksta");
	json_number(j, "gts", linkmath_pcie_gts(l.sta_speed), 1);
	json_int(j, "gen", linkmath_pcie_generation(l.sta_speed));
	json_int(j, "width", l.sta_width);
	json_object_end(j);
	json_string(j, "encoding", linkmath_enc_name(linkmath_pcie_encoding(l.sta_speed)));
	json_number(j, "data_gbps", linkmath_pcie_data_gbps(l.sta_speed, l.sta_width), 3);
	json_number(j, "cap_data_gbps", linkmath_pcie_data_gbps(l.cap_speed, l.cap_width), 3);
	json_int(j, "mps", in->devctl_mps);
	json_int(j, "devcap_mps", in->devcap_mps);
	json_int(j, "mrrs", in->devctl_mrrs);
	json_number(j, "tlp_efficiency", linkmath_pcie_tlp_efficiency(in->devctl_mps), 4);
	json_number(j, "payload_gbps",
		    linkmath_pcie_data_gbps(l.sta_speed, l.sta_width) *
			    linkmath_pcie_tlp_efficiency(in->devctl_mps),
		    3);
	json_bool(j, "narrow", l.sta_width < l.cap_width);
	json_bool(j, "narrow_expected", narrow_expected);
	json_object_end(j);
}

static void link_pcie_text(struct ctl_reply *rep, const struct ib_probe_pcie *p)
{
	const struct nic_pcie_info *in = &p->info;
	struct linkmath_pcie_link l;

	if (p->slot_r < 0) {
		ctl_reply_printf(rep, "  PCIe: %s\n",
				 p->slot_r == -ENODEV ? "none (soft device)"
						      : strerror(-p->slot_r));
		return;
	}
	if (p->parse_r == 0 || p->parse_r == -ENODATA)
		ctl_reply_printf(rep, "  %s [%04x:%04x] %s at %s\n",
				 p->model ? p->model->family : "unknown model", in->vendor,
				 in->device, p->model ? p->model->name : "", p->slot);
	if (!ib_probe_pcie_link(p, &l)) {
		ctl_reply_printf(rep, "  PCIe: %s\n", nic_pcie_strerror(p->parse_r));
		return;
	}
	ctl_reply_printf(rep,
			 "  PCIe: LnkCap %g GT/s x%d, LnkSta %g GT/s x%d (gen %d, %s): %.1f Gb/s"
			 " of data (%.1f at LnkCap)\n",
			 linkmath_pcie_gts(l.cap_speed), l.cap_width,
			 linkmath_pcie_gts(l.sta_speed), l.sta_width,
			 linkmath_pcie_generation(l.sta_speed),
			 linkmath_enc_name(linkmath_pcie_encoding(l.sta_speed)),
			 linkmath_pcie_data_gbps(l.sta_speed, l.sta_width),
			 linkmath_pcie_data_gbps(l.cap_speed, l.cap_width));
	if (linkmath_pcie_tlp_efficiency(in->devctl_mps) > 0.0)
		ctl_reply_printf(rep,
				 "  PCIe: MaxPayload %d B (DevCap %d B), MaxReadReq %d B: %d+%d B"
				 " per TLP, %.0f%% efficient -> %.1f Gb/s of payload\n",
				 in->devctl_mps, in->devcap_mps, in->devctl_mrrs, in->devctl_mps,
				 LINKMATH_TLP_OVERHEAD_BYTES,
				 100.0 * linkmath_pcie_tlp_efficiency(in->devctl_mps),
				 linkmath_pcie_data_gbps(l.sta_speed, l.sta_width) *
					 linkmath_pcie_tlp_efficiency(in->devctl_mps));
}

static void link_port_text(struct ctl_reply *rep, int port, const struct hw_ib_port_attr *a, int qr,
			   const struct ib_probe_pcie *p, bool narrow_expected)
{
	struct linkmath_rate rate;
	struct linkmath_verdict v;
	bool rate_ok;

	if (qr < 0) {
		ctl_reply_printf(rep, "  port %d: %s\n", port, strerror(-qr));
		return;
	}
	ib_probe_port_verdict(a, p, narrow_expected, &rate, &rate_ok, &v);
	ctl_reply_printf(rep, "  port %d: %s (%s), %s, MTU %d (max %d), LID %u, rate \"%s\"\n",
			 port, ib_port_state_name(a->state), ib_port_phys_state_name(a->phys_state),
			 ib_port_link_layer_name(a->link_layer), ib_port_mtu_bytes(a->active_mtu),
			 ib_port_mtu_bytes(a->max_mtu), a->lid, a->rate[0] ? a->rate : "?");
	if (ib_port_state_hint(a))
		ctl_reply_printf(rep, "    not ACTIVE: %s\n", ib_port_state_hint(a));
	if (!rate_ok) {
		ctl_reply_printf(rep, "    link not up: no rate\n");
		return;
	}
	ctl_reply_printf(rep, "    %dX %s: %g Gb/s signalling, %s -> %g Gb/s data\n", rate.lanes,
			 rate.speed_name, rate.signal_gbps, linkmath_enc_name(rate.enc),
			 rate.data_gbps);
	if (isfinite(v.ceiling_gbps))
		ctl_reply_printf(
			rep, "    bottleneck: %s, expected ceiling %.1f Gb/s per direction\n",
			v.bottleneck == LINKMATH_BN_PCIE ? "PCIe" : "network", v.ceiling_gbps);
	ctl_reply_printf(rep, "    %s%s\n", v.warn ? "WARNING: " : "", v.explain);
}

static int cmd_link(struct ib_svc *s, const struct ctl_request *req, struct ctl_reply *rep,
		    bool json)
{
	struct hw *hw = s->b->hw;
	char names[IB_DEVICES_MAX][HW_IB_NAME_MAX];
	struct json *j = json ? ctl_reply_json(rep) : NULL;
	int n = hw_ib_devices(hw, names, IB_DEVICES_MAX);

	(void)req;
	if (n < 0) {
		ctl_reply_error(rep, 1, "cannot list RDMA devices: %s", strerror(-n));
		return 0;
	}
	if (n > IB_DEVICES_MAX)
		n = IB_DEVICES_MAX;
	if (j)
		json_array_begin(j, "devices");
	else if (n == 0)
		ctl_reply_printf(rep,
				 "no RDMA devices (is the NIC powered and its driver loaded?)\n");
	for (int d = 0; d < n; d++) {
		struct ib_probe_pcie p;
		/* the profile's flag describes the box's slot, i.e. its own NIC */
		bool narrow_ok = s->cfg.pcie_narrow_expected &&
				 (s->dev[0] ? strcmp(s->dev, names[d]) == 0 : d == 0);
		int nports = hw_ib_port_count(hw, names[d]);

		ib_probe_pcie_read(hw, names[d], &p);
		if (j) {
			json_object_begin(j, NULL);
			json_string(j, "name", names[d]);
			link_pcie_json(j, &p, narrow_ok);
			json_array_begin(j, "ports");
		} else {
			ctl_reply_printf(rep, "%s:\n", names[d]);
			link_pcie_text(rep, &p);
		}
		if (nports < 0 && !j)
			ctl_reply_printf(rep, "  ports: %s\n", strerror(-nports));
		for (int port = 1; port <= nports && port <= IB_SVC_PORTS_MAX; port++) {
			struct hw_ib_port_attr a;
			int qr = hw_ib_port_query(hw, names[d], port, &a);

			if (j)
				link_port_json(j, port, &a, qr, &p, narrow_ok);
			else
				link_port_text(rep, port, &a, qr, &p, narrow_ok);
		}
		if (j) {
			json_array_end(j);
			json_object_end(j);
		}
	}
	if (j)
		json_array_end(j);
	return 0;
}

/* ---- `ib counters` ---- */

static int cmd_counters(struct ib_svc *s, struct ctl_reply *rep, bool json)
{
	struct json *j = json ? ctl_reply_json(rep) : NULL;

	if (!s->dev[0]) {
		ctl_reply_error(rep, 1, "no IB device%s%s", s->cfg.device[0] ? " " : "",
				s->cfg.device);
		return 0;
	}
	if (j) {
		json_string(j, "device", s->dev);
		json_number(j, "tx_gbps", s->tx_gbps, 3);
		json_number(j, "rx_gbps", s->rx_gbps, 3);
		json_array_begin(j, "ports");
	} else if (isfinite(s->tx_gbps) && isfinite(s->rx_gbps)) {
		ctl_reply_printf(rep, "%s: tx %.2f Gb/s, rx %.2f Gb/s (active ports)\n", s->dev,
				 s->tx_gbps, s->rx_gbps);
	} else {
		/* no byte counters (rxe) or no second sample yet: unknown, never "nan" or 0 */
		ctl_reply_printf(rep, "%s: rate unknown (active ports)\n", s->dev);
	}
	for (int i = 0; i < s->nports; i++) {
		const struct ib_svc_port *sp = &s->ports[i];
		const struct ib_port_sample *sm = &sp->sample;

		if (j) {
			json_object_begin(j, NULL);
			json_int(j, "port", ib_port_num(sp->port));
			json_string(j, "state",
				    sp->attr_ok ? ib_port_state_name(sp->attr.state) : NULL);
			json_string(j, "source", ib_port_source_name(sm->source));
			json_int(j, "bits", sm->bits);
			if (sm->bytes_known) {
				json_uint(j, "tx_bytes", sm->tx_bytes);
				json_uint(j, "rx_bytes", sm->rx_bytes);
			} else {
				json_null(j, "tx_bytes");
				json_null(j, "rx_bytes");
			}
			if (sm->packets_known) {
				json_uint(j, "tx_packets", sm->tx_packets);
				json_uint(j, "rx_packets", sm->rx_packets);
			}
			json_number(j, "tx_gbps", sm->tx_gbps, 3);
			json_number(j, "rx_gbps", sm->rx_gbps, 3);
			json_string(j, "tx_status", ib_port_rate_status_name(sm->tx_status));
			json_string(j, "rx_status", ib_port_rate_status_name(sm->rx_status));
			json_bool(j, "saturated", sm->saturated);
			json_object_end(j);
			continue;
		}
		ctl_reply_printf(rep, "  port %d (%s, %s%s):", ib_port_num(sp->port),
				 sp->attr_ok ? ib_port_state_name(sp->attr.state) : "?",
				 ib_port_source_name(sm->source), sm->bits == 32 ? ", 32-bit" : "");
		if (sm->bytes_known)
			ctl_reply_printf(rep, " tx %llu B, rx %llu B%s,",
					 (unsigned long long)sm->tx_bytes,
					 (unsigned long long)sm->rx_bytes,
					 sm->saturated ? " (stuck at the 32-bit maximum)" : "");
		else if (sm->packets_known)
			ctl_reply_printf(rep, " tx %llu pkts, rx %llu pkts (no byte counters),",
					 (unsigned long long)sm->tx_packets,
					 (unsigned long long)sm->rx_packets);
		if (isfinite(sm->tx_gbps) && isfinite(sm->rx_gbps))
			ctl_reply_printf(rep, " tx %.2f Gb/s, rx %.2f Gb/s\n", sm->tx_gbps,
					 sm->rx_gbps);
		else
			ctl_reply_printf(rep, " rate unknown (tx %s, rx %s)\n",
					 ib_port_rate_status_name(sm->tx_status),
					 ib_port_rate_status_name(sm->rx_status));
		if (sm->saturated)
			/* PMA 32-bit counters never wrap: only a reset makes them count again */
			ctl_reply_printf(rep,
					 "    a 32-bit counter is stuck at its maximum: reset it with"
					 " `perfquery -R %d` (port %d of %s; totals restart at 0)\n",
					 ib_port_num(sp->port), ib_port_num(sp->port), s->dev);
		if (sm->bytes_known && sm->bits != 64)
			ctl_reply_printf(rep,
					 "    counter width not proven 64-bit: if `perfquery -x` answers"
					 " on this port the card has extended (64-bit) counters, if it"
					 " fails they are 32-bit and stick at 16 GiB\n");
	}
	if (j)
		json_array_end(j);
	return 0;
}

/* ---- `ib bench` ---- */

/*
 * On real hardware a run takes seconds to minutes, so it goes to a worker
 * thread and the reply becomes a stream: the control loop (fan, budget,
 * watchdog) keeps running meanwhile.  The simulated box runs inline: its
 * fabric and plant live on the loop's thread and a run costs little real time;
 * the fabric hands its virtual time to the loop as it goes (sim-svc's advance
 * hook), so the box's timers, counters and power meter live through the run.
 */
struct bench_job {
	struct ib_svc *s;
	struct ib_bench_opts o;
	struct ib_bench_report rep;
	char err[256];
	int rc;
	bool json;
	int efd;
	pthread_t th;
	atomic_bool cancel;
	struct ctl_stream *st;
	struct loop_io *io;
};

static bool bench_job_cancelled(void *userdata)
{
	struct bench_job *job = userdata;

	return atomic_load(&job->cancel);
}

static void *bench_job_main(void *arg)
{
	struct bench_job *job = arg;
	uint64_t one = 1;

	job->rc = ib_bench_run(job->s->b->hw, &job->o, &job->rep, bench_job_cancelled, job,
			       job->err, sizeof(job->err));
	if (write(job->efd, &one, sizeof(one)) < 0) {
		/* the loop still joins us on shutdown */
	}
	return NULL;
}

/* Send a long text through the stream in pieces its line buffer takes. */
static void stream_put(struct ctl_stream *st, const char *text)
{
	size_t len = strlen(text);

	for (size_t off = 0; off < len;) {
		int n = (int)(len - off > 1500 ? 1500 : len - off);

		if (ctl_stream_printf(st, "%.*s", n, text + off) < 0)
			return;
		off += (size_t)n;
	}
}

/* Once per run: what the device granted for a QP, to diagnose the first run on a new card. */
static void bench_caps_log_once(struct ib_svc *s, const struct ib_bench_report *r)
{
	if (s->caps_logged)
		return;
	s->caps_logged = true;
	log_event(LOG_INFO, (const char *[]){ "H2BOX_EVENT=ib-qp-caps", NULL },
		  "%s: queue pair caps returned by the device: max_inline_data %u (inline up to"
		  " %u B used), max_send_wr %u, max_sge %u",
		  r->dev, r->qp_caps.max_inline_data,
		  hw_verbs_inline_size(HW_VERBS_INLINE_ASK, r->qp_caps.max_inline_data), r->qp_caps.max_send_wr,
		  r->qp_caps.max_sge);
}

static void bench_job_finish(struct bench_job *job)
{
	struct ib_svc *s = job->s;

	pthread_join(job->th, NULL);
	if (job->rc == 0)
		bench_caps_log_once(s, &job->rep);
	if (job->st) {
		char *text = NULL;

		if (job->json) {
			struct json *j = json_new();
			const char *doc;

			if (j) {
				json_object_begin(j, NULL);
				json_bool(j, "ok", job->rc == 0);
				if (job->rc == 0) {
					ib_report_bench_json(&job->rep, j);
				} else {
					json_int(j, "status", 1);
					json_string(j, "error",
						    job->err[0] ? job->err : strerror(-job->rc));
				}
				json_object_end(j);
				doc = json_finish(j, NULL);
				if (doc) {
					stream_put(job->st, doc);
					ctl_stream_printf(job->st, "\n");
				}
				json_free(j);
			}
		} else if (job->rc == 0) {
			text = ib_report_bench_text_alloc(&job->rep);
			if (text)
				stream_put(job->st, text);
		} else {
			ctl_stream_printf(job->st, "ib bench failed: %s\n",
					  job->err[0] ? job->err : strerror(-job->rc));
		}
		free(text);
		ctl_stream_close(job->st);
	}
	loop_io_free(job->io);
	close(job->efd);
	s->job = NULL;
	free(job);
}

/* The io watch must not free itself from its own callback: finish from a timer. */
static void bench_job_on_done(int fd, void *userdata)
{
	struct bench_job *job = userdata;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	loop_timer_arm_in(job->s->bench_timer, 0);
}

static void bench_job_on_timer(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct ib_svc *s = userdata;

	(void)t;
	(void)now_ns;
	if (s->job)
		bench_job_finish(s->job);
}

static int bench_job_start(struct ib_svc *s, const struct ib_bench_opts *o, bool json,
			   struct ctl_reply *rep)
{
	struct bench_job *job = calloc(1, sizeof(*job));
	int r;

	if (!job)
		return -ENOMEM;
	job->s = s;
	job->o = *o;
	job->json = json;
	atomic_init(&job->cancel, false);
	job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = loop_io_add(s->b->loop, job->efd, bench_job_on_done, job, &job->io);
	if (r < 0)
		goto fail_fd;
	r = pthread_create(&job->th, NULL, bench_job_main, job);
	if (r) {
		r = -r;
		goto fail_io;
	}
	s->job = job;
	job->st = ctl_reply_stream(rep);
	if (json)
		json_bool(ctl_reply_json(rep), "running", true);
	else
		ctl_reply_printf(rep, "running the benchmark...\n");
	return 0;
fail_io:
	loop_io_free(job->io);
fail_fd:
	close(job->efd);
fail:
	free(job);
	return r;
}

static int cmd_bench(struct ib_svc *s, const struct ctl_request *req, struct ctl_reply *rep,
		     int argc, char *const *argv, bool json)
{
	struct ib_bench_opts o;
	struct ib_bench_report *r;
	char err[256] = "";
	int64_t est;
	int rc;

	if (s->job || s->inline_bench) {
		ctl_reply_error(rep, 3, "a benchmark is already running");
		return 0;
	}
	ib_bench_opts_defaults(&o);
	o.tcp_port = s->cfg.bench_tcp_port;
	o.timeout_ns = s->cfg.bench_timeout_ns;
	if (s->dev[0])
		snprintf(o.dev, sizeof(o.dev), "%s", s->dev);
	if (ib_bench_opts_parse(&o, argc, argv, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2,
				"%s\nusage: ib bench " IB_BENCH_USAGE_OPTIONS, err);
		return 0;
	}
	/* RDMA traffic moves the power budget: the same privilege as the power commands */
	if (!ctl_require_privilege(req, rep))
		return 0;
	/* the measured time is what the user asked for and the profile bounds: a --duration
	 * equal to bench_max_duration is allowed (the warm-up and cool-down margins come on top) */
	est = o.iters ? 0 : o.duration_ns * o.nsizes;
	if (est > s->cfg.bench_max_ns) {
		ctl_reply_error(rep, 2,
				"the run would measure %.3gs, more than the profile's "
				"bench_max_duration (%.3gs)",
				(double)est / 1e9, (double)s->cfg.bench_max_ns / 1e9);
		return 0;
	}
	if (isnan(o.ceiling_gbps) && s->dev[0] && strcmp(o.dev, s->dev) == 0)
		o.ceiling_gbps = ib_svc_ceiling_gbps(s);
	if (hw_kind_get(s->b->hw) != HW_KIND_SIM)
		return bench_job_start(s, &o, json, rep);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->inline_bench = true;
	rc = ib_bench_run(s->b->hw, &o, r, NULL, NULL, err, sizeof(err));
	s->inline_bench = false;
	if (rc == 0)
		bench_caps_log_once(s, r);
	if (rc < 0) {
		ctl_reply_error(rep, rc == -EINVAL ? 2 : 1, "ib bench: %s",
				err[0] ? err : strerror(-rc));
	} else if (json) {
		ib_report_bench_json(r, ctl_reply_json(rep));
	} else {
		char *text = ib_report_bench_text_alloc(r);

		if (text)
			ctl_reply_printf(rep, "%s", text);
		free(text);
	}
	free(r);
	return 0;
}

static int ib_handler(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct ib_svc *s = userdata;
	char *args[CTL_ARGS_MAX + 1];
	bool json = req->json; /* the request header fixes the reply's format */
	int n = 0;

	/* the CLI strips --json; a stray one from another client is not an argument */
	for (int i = 1; i < req->argc && n < CTL_ARGS_MAX; i++)
		if (strcmp(req->argv[i], "--json") != 0 && strcmp(req->argv[i], "-j") != 0)
			args[n++] = req->argv[i];
	args[n] = NULL;
	if (n == 0) {
		ctl_reply_error(rep, 2, "usage: ib link | counters | bench [OPTIONS]");
		return 0;
	}
	if (strcmp(args[0], "link") == 0 && n == 1)
		return cmd_link(s, req, rep, json);
	if (strcmp(args[0], "counters") == 0 && n == 1)
		return cmd_counters(s, rep, json);
	if (strcmp(args[0], "bench") == 0)
		return cmd_bench(s, req, rep, n - 1, args + 1, json);
	ctl_reply_error(rep, 2, "usage: ib link | counters | bench [OPTIONS]");
	return 0;
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
	s->tx_gbps = s->rx_gbps = NAN;
	b->readings.ib_tx_gbps = NAN;
	b->readings.ib_rx_gbps = NAN;
	r = loop_timer_new(b->loop, "ib-sample", svc_on_timer, s, &s->timer);
	if (r < 0)
		goto fail;
	r = loop_timer_new(b->loop, "ib-bench-done", bench_job_on_timer, s, &s->bench_timer);
	if (r < 0)
		goto fail_timer;
	r = ctl_command_register(
		b->ctl, "ib",
		"ib link | counters | bench ...: IB/RoCE links, traffic, RDMA benchmark",
		ib_handler, s);
	if (r < 0)
		goto fail_bench_timer;
	/* a missing NIC is normal while the box is off: the timer keeps looking */
	(void)svc_device_resolve(s);
	loop_timer_arm_in(s->timer, 0);
	*out = s;
	return 0;
fail_bench_timer:
	loop_timer_free(s->bench_timer);
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
	if (s->b->ctl)
		ctl_command_unregister(s->b->ctl, "ib");
	if (s->job) {
		/* the worker checks the flag between batches and gives up its timeouts */
		atomic_store(&s->job->cancel, true);
		bench_job_finish(s->job);
	}
	loop_timer_free(s->bench_timer);
	loop_timer_free(s->timer);
	svc_ports_close(s);
	s->b->readings.ib_tx_gbps = NAN;
	s->b->readings.ib_rx_gbps = NAN;
	free(s);
}

void ib_svc_status_json(struct ib_svc *s, struct json *j)
{
	json_object_begin(j, "ib");
	json_string(j, "device", s->dev[0] ? s->dev : NULL);
	json_number(j, "tx_gbps", s->tx_gbps, 3);
	json_number(j, "rx_gbps", s->rx_gbps, 3);
	json_number(j, "ceiling_gbps", ib_svc_ceiling_gbps(s), 3);
	json_string(j, "bottleneck",
		    s->verdict_ok ? linkmath_bottleneck_name(s->verdict.bottleneck) : NULL);
	json_bool(j, "link_warning", s->verdict_ok && s->verdict.warn);
	json_array_begin(j, "ports");
	for (int i = 0; i < s->nports; i++) {
		const struct ib_svc_port *sp = &s->ports[i];

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

static const char *gbps_str(double v, char *buf, size_t len)
{
	if (isfinite(v))
		snprintf(buf, len, "%.2f Gb/s", v);
	else
		snprintf(buf, len, "unknown");
	return buf;
}

void ib_svc_status_text(struct ib_svc *s, struct ctl_reply *rep)
{
	char tx[24], rx[24];
	int active = 0;

	if (!s->dev[0]) {
		ctl_reply_printf(rep, "ib: no device\n");
		return;
	}
	for (int i = 0; i < s->nports; i++)
		active += s->ports[i].attr_ok && s->ports[i].attr.state == 4;
	ctl_reply_printf(rep, "ib: %s, %d of %d ports active, tx %s, rx %s", s->dev, active,
			 s->nports, gbps_str(s->tx_gbps, tx, sizeof(tx)),
			 gbps_str(s->rx_gbps, rx, sizeof(rx)));
	if (s->verdict_ok && isfinite(s->verdict.ceiling_gbps))
		ctl_reply_printf(rep, " (ceiling %.1f Gb/s, %s-bound%s)", s->verdict.ceiling_gbps,
				 s->verdict.bottleneck == LINKMATH_BN_PCIE ? "PCIe" : "network",
				 s->verdict.warn ? ", link degraded!" : "");
	ctl_reply_printf(rep, "\n");
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(ib_svc, "ib", ib, ib, true);
