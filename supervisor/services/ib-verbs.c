/* ib-verbs.c - `ib link` (probe and verdict per port), `ib counters`, `ib bench` arguments. */
#include "supervisor/services/ib-verbs.h"

#include "drivers/ib_bench.h"
#include "drivers/ib_port.h"
#include "drivers/ib_preflight.h"
#include "drivers/nic_pcie.h"
#include "hw/hw.h"
#include "supervisor/config/ib-config.h"
#include "supervisor/policy/linkmath.h"
#include "supervisor/report/ib-probe.h"
#include "supervisor/report/ib-selftest.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/services/ib-bench-job.h"
#include "supervisor/services/ib-watch.h"
#include "supervisor/util/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IB_VERBS_DEVICES_MAX 16

/* ---- `ib link` ---- */

/* The VPI port-type hint of dev:port into buf; NULL when it does not apply. */
static const char *ib_verbs_vpi_hint(const char *dev, int port, const struct hw_ib_port_attr *a,
				     const struct ib_probe_pcie *p, char *buf, size_t len)
{
	bool vpi = ib_preflight_is_vpi(dev, p->model ? p->model->driver : NULL);

	return ib_preflight_vpi_ethernet(a, vpi, p->slot, port, buf, len) ? buf : NULL;
}

static void ib_verbs_link_port_json(struct json *j, const char *dev, int port,
				    const struct hw_ib_port_attr *a, int qr,
				    const struct ib_probe_pcie *p, bool narrow_expected)
{
	char vpi[512];

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
	json_int(j, "sm_lid", a->sm_lid);
	json_bool(j, "no_sm", ib_preflight_no_sm(a));
	json_string(j, "port_type_hint", ib_verbs_vpi_hint(dev, port, a, p, vpi, sizeof(vpi)));
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

static void ib_verbs_link_pcie_json(struct json *j, const struct ib_probe_pcie *p,
				    bool narrow_expected)
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
	if (p->config_r == 0 || p->config_r == -ENODATA) {
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
	/* from sysfs (config space past 64 bytes needs CAP_SYS_ADMIN): no payload size */
	json_string(j, "link_source", p->link_from_sysfs ? "sysfs" : "config");
	if (in->devctl_mps > 0) {
		json_int(j, "mps", in->devctl_mps);
		json_int(j, "devcap_mps", in->devcap_mps);
		json_int(j, "mrrs", in->devctl_mrrs);
	} else {
		json_null(j, "mps");
		json_null(j, "devcap_mps");
		json_null(j, "mrrs");
	}
	json_number(j, "tlp_efficiency",
		    in->devctl_mps > 0 ? linkmath_pcie_tlp_efficiency(in->devctl_mps) : NAN, 4);
	json_number(j, "payload_gbps",
		    in->devctl_mps > 0 ? linkmath_pcie_data_gbps(l.sta_speed, l.sta_width) *
						 linkmath_pcie_tlp_efficiency(in->devctl_mps)
				       : NAN,
		    3);
	json_bool(j, "narrow", l.sta_width < l.cap_width);
	json_bool(j, "narrow_expected", narrow_expected);
	json_object_end(j);
}

static void ib_verbs_link_pcie_text(struct ctl_reply *rep, const struct ib_probe_pcie *p)
{
	const struct nic_pcie_info *in = &p->info;
	struct linkmath_pcie_link l;

	if (p->slot_r < 0) {
		ctl_reply_printf(rep, "  PCIe: %s\n",
				 p->slot_r == -ENODEV ? "none (soft device)"
						      : strerror(-p->slot_r));
		return;
	}
	if (p->config_r == 0 || p->config_r == -ENODATA)
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
	else if (p->link_from_sysfs)
		ctl_reply_printf(rep, "  PCIe: link read from sysfs; MaxPayload unknown (config space"
				      " past 64 bytes needs CAP_SYS_ADMIN: run `h2box ib selftest`"
				      " as root for it)\n");
}

static void ib_verbs_link_port_text(struct ctl_reply *rep, const char *dev, int port,
				    const struct hw_ib_port_attr *a, int qr,
				    const struct ib_probe_pcie *p, bool narrow_expected)
{
	char vpi[512];

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
	else if (ib_preflight_no_sm(a)) /* ACTIVE, but sm_lid 0 */
		ctl_reply_printf(rep, "    %s\n", ib_preflight_no_sm_hint());
	if (ib_verbs_vpi_hint(dev, port, a, p, vpi, sizeof(vpi)))
		ctl_reply_printf(rep, "    %s\n", vpi);
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

static int ib_verbs_link(struct ib_verbs *v, const struct ctl_request *req, struct ctl_reply *rep,
			 bool json)
{
	const struct ib_watch *w = v->watch;
	struct hw *hw = v->b->hw;
	char names[IB_VERBS_DEVICES_MAX][HW_IB_NAME_MAX];
	struct json *j = json ? ctl_reply_json(rep) : NULL;
	int n = hw_ib_devices(hw, names, IB_VERBS_DEVICES_MAX);

	(void)req;
	if (n < 0) {
		ctl_reply_error(rep, 1, "cannot list RDMA devices: %s", strerror(-n));
		return 0;
	}
	if (n > IB_VERBS_DEVICES_MAX)
		n = IB_VERBS_DEVICES_MAX;
	if (j)
		json_array_begin(j, "devices");
	else if (n == 0)
		ctl_reply_printf(rep,
				 "no RDMA devices (is the NIC powered and its driver loaded?)\n");
	for (int d = 0; d < n; d++) {
		struct ib_probe_pcie p;
		/* the profile's flag describes the box's slot, i.e. its own NIC */
		bool narrow_ok = v->cfg->pcie_narrow_expected &&
				 (w->dev[0] ? strcmp(w->dev, names[d]) == 0 : d == 0);
		int nports = hw_ib_port_count(hw, names[d]);

		ib_probe_pcie_read(hw, names[d], &p);
		if (j) {
			json_object_begin(j, NULL);
			json_string(j, "name", names[d]);
			ib_verbs_link_pcie_json(j, &p, narrow_ok);
			json_array_begin(j, "ports");
		} else {
			ctl_reply_printf(rep, "%s:\n", names[d]);
			ib_verbs_link_pcie_text(rep, &p);
		}
		if (nports < 0 && !j)
			ctl_reply_printf(rep, "  ports: %s\n", strerror(-nports));
		for (int port = 1; port <= nports && port <= IB_CONFIG_PORTS_MAX; port++) {
			struct hw_ib_port_attr a;
			int qr = hw_ib_port_query(hw, names[d], port, &a);

			if (j)
				ib_verbs_link_port_json(j, names[d], port, &a, qr, &p, narrow_ok);
			else
				ib_verbs_link_port_text(rep, names[d], port, &a, qr, &p,
							narrow_ok);
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

static int ib_verbs_counters(struct ib_verbs *v, struct ctl_reply *rep, bool json)
{
	const struct ib_watch *w = v->watch;
	struct json *j = json ? ctl_reply_json(rep) : NULL;

	if (!w->dev[0]) {
		ctl_reply_error(rep, 1, "no IB device%s%s", v->cfg->device[0] ? " " : "",
				v->cfg->device);
		return 0;
	}
	if (j) {
		json_string(j, "device", w->dev);
		json_number(j, "tx_gbps", w->tx_gbps, 3);
		json_number(j, "rx_gbps", w->rx_gbps, 3);
		json_array_begin(j, "ports");
	} else if (isfinite(w->tx_gbps) && isfinite(w->rx_gbps)) {
		ctl_reply_printf(rep, "%s: tx %.2f Gb/s, rx %.2f Gb/s (active ports)\n", w->dev,
				 w->tx_gbps, w->rx_gbps);
	} else {
		/* no byte counters (rxe) or no second sample yet: unknown, never "nan" or 0 */
		ctl_reply_printf(rep, "%s: rate unknown (active ports)\n", w->dev);
	}
	for (int i = 0; i < w->nports; i++) {
		const struct ib_watch_port *sp = &w->ports[i];
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
					 " `perfquery -C %s -P %d -R` (totals restart at 0)\n",
					 w->dev, ib_port_num(sp->port));
		if (sm->bytes_known && sm->bits != 64)
			ctl_reply_printf(rep,
					 "    counter width not proven 64-bit: if `perfquery -x -C %s -P %d`"
					 " answers, the card has extended (64-bit) counters; if it fails"
					 " they are 32-bit and stick at 16 GiB\n",
					 w->dev, ib_port_num(sp->port));
	}
	if (j)
		json_array_end(j);
	return 0;
}

static int ib_verbs_bench(struct ib_verbs *v, const struct ctl_request *req, struct ctl_reply *rep,
			  int argc, char *const *argv, bool json)
{
	const struct ib_watch *w = v->watch;
	struct ib_bench_opts o;
	char err[256] = "";
	int64_t est;

	if (ib_bench_job_busy(v->bench)) {
		ctl_reply_error(rep, 3, "a benchmark is already running");
		return 0;
	}
	ib_bench_opts_defaults(&o);
	o.tcp_port = v->cfg->bench_tcp_port;
	o.timeout_ns = v->cfg->bench_timeout_ns;
	if (w->dev[0])
		snprintf(o.dev, sizeof(o.dev), "%s", w->dev);
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
	if (est > v->cfg->bench_max_ns) {
		ctl_reply_error(rep, 2,
				"the run would measure %.3gs, more than the profile's "
				"bench_max_duration (%.3gs)",
				(double)est / 1e9, (double)v->cfg->bench_max_ns / 1e9);
		return 0;
	}
	if (isnan(o.ceiling_gbps) && w->dev[0] && strcmp(o.dev, w->dev) == 0)
		o.ceiling_gbps = ib_watch_ceiling_gbps(w);
	return ib_bench_job_start(v->bench, &o, json, rep);
}

/*
 * `ib selftest`: the checks at once, then the short loopback bench through
 * the bench job (a worker thread on hardware), which answers with the whole
 * report.  Anyone may look; the bench's traffic needs the bench's privilege.
 */
static int ib_verbs_selftest(struct ib_verbs *v, const struct ctl_request *req,
			     struct ctl_reply *rep, int argc, char *const *argv, bool json)
{
	const struct ib_watch *w = v->watch;
	char dev[HW_IB_NAME_MAX], err[256] = "";
	struct ib_selftest *st;
	int port;

	if (ib_bench_job_busy(v->bench)) {
		ctl_reply_error(rep, 3, "a benchmark is already running");
		return 0;
	}
	if (ib_selftest_args_parse(argc, argv, dev, sizeof(dev), &port, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2, "%s", err);
		return 0;
	}
	if (!dev[0] && w->dev[0])
		snprintf(dev, sizeof(dev), "%s", w->dev);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ib_selftest_collect(v->b->hw, dev, port, v->cfg->pcie_narrow_expected, req->privileged,
			    "the loopback bench needs root or the h2box group (as `ib bench`)", st);
	if (st->bench_wanted)
		return ib_bench_job_start_selftest(v->bench, st, json, rep);
	ib_bench_job_selftest_reply(st, json, rep);
	free(st);
	return 0;
}

static int ib_verbs_handler(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct ib_verbs *v = userdata;
	char *args[CTL_ARGS_MAX + 1];
	bool json = req->json; /* the request header fixes the reply's format */
	int n = 0;

	/* the CLI strips --json; a stray one from another client is not an argument */
	for (int i = 1; i < req->argc && n < CTL_ARGS_MAX; i++)
		if (strcmp(req->argv[i], "--json") != 0 && strcmp(req->argv[i], "-j") != 0)
			args[n++] = req->argv[i];
	args[n] = NULL;
	if (n == 0) {
		ctl_reply_error(rep, 2, "usage: ib link | counters | selftest | bench [OPTIONS]");
		return 0;
	}
	if (strcmp(args[0], "link") == 0 && n == 1)
		return ib_verbs_link(v, req, rep, json);
	if (strcmp(args[0], "counters") == 0 && n == 1)
		return ib_verbs_counters(v, rep, json);
	if (strcmp(args[0], "bench") == 0)
		return ib_verbs_bench(v, req, rep, n - 1, args + 1, json);
	if (strcmp(args[0], "selftest") == 0)
		return ib_verbs_selftest(v, req, rep, n - 1, args + 1, json);
	ctl_reply_error(rep, 2, "usage: ib link | counters | selftest | bench [OPTIONS]");
	return 0;
}

int ib_verbs_register(struct ib_verbs *v)
{
	return ctl_command_register(
		v->b->ctl, "ib",
		"ib link | counters | selftest | bench ...: IB/RoCE links, traffic, first-run"
		" report, RDMA benchmark",
		ib_verbs_handler, v);
}
