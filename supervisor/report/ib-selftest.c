/* ib-selftest.c - `h2box ib selftest`: device, ports, PCIe, counters, memlock, opensm and a short bench. */
#include "supervisor/report/ib-selftest.h"

#include "hw/pci.h"
#include "supervisor/policy/linkmath.h"
#include "supervisor/report/ib-report.h"
#include "supervisor/util/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The largest bench `h2box ib bench --sizes all` runs: a loopback of 8 MiB messages. */
#define IB_SELFTEST_MAX_BUF (2 * (size_t)IB_BENCH_SIZE_MAX)

static struct ib_selftest_check *ib_selftest_add(struct ib_selftest *st, const char *check,
						 enum ib_preflight_level level, const char *hint,
						 const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct ib_selftest_check *ib_selftest_add(struct ib_selftest *st, const char *check,
						 enum ib_preflight_level level, const char *hint,
						 const char *fmt, ...)
{
	struct ib_selftest_check *c;
	va_list ap;

	if (st->nchecks >= IB_SELFTEST_CHECKS_MAX)
		return NULL;
	c = &st->checks[st->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->check, sizeof(c->check), "%s", check);
	snprintf(c->subject, sizeof(c->subject), "%s", st->dev[0] ? st->dev : "-");
	c->level = level;
	snprintf(c->hint, sizeof(c->hint), "%s", hint ? hint : "");
	va_start(ap, fmt);
	vsnprintf(c->value, sizeof(c->value), fmt, ap);
	va_end(ap);
	st->count[level]++;
	return c;
}

static void ib_selftest_port_subject(struct ib_selftest_check *c, const struct ib_selftest *st,
				     int port)
{
	if (c)
		snprintf(c->subject, sizeof(c->subject), "%s port %d", st->dev, port);
}

static void ib_selftest_device(struct hw *hw, struct ib_selftest *st)
{
	const struct ib_probe_pcie *p = &st->pcie;
	char model[96] = "";

	st->info_r = hw_ib_device_info(hw, st->dev, &st->info);
	if (p->model)
		snprintf(model, sizeof(model), ", %s [%04x:%04x] at %s", p->model->family,
			 p->info.vendor, p->info.device, p->slot);
	else if (p->slot[0])
		snprintf(model, sizeof(model), ", at %s", p->slot);
	if (st->info_r < 0) {
		ib_selftest_add(st, "device", IB_PREFLIGHT_FAIL, NULL, "cannot read it: %s",
				strerror(-st->info_r));
		return;
	}
	ib_selftest_add(st, "device", IB_PREFLIGHT_OK, NULL, "firmware %s%s%s%s%s%s",
			st->info.fw_ver[0] ? st->info.fw_ver : "unknown",
			st->info.hca_type[0] ? ", " : "", st->info.hca_type,
			st->info.board_id[0] ? ", board " : "", st->info.board_id, model);
}

static void ib_selftest_pcie(struct ib_selftest *st, bool narrow_expected)
{
	const struct ib_probe_pcie *p = &st->pcie;
	struct linkmath_pcie_link l;
	struct linkmath_verdict v;
	char mps[64];

	if (p->slot_r == -ENODEV) {
		ib_selftest_add(st, "pcie-link", IB_PREFLIGHT_OK, NULL,
				"soft device: no PCIe function");
		return;
	}
	if (!ib_probe_pcie_link(p, &l)) {
		ib_selftest_add(st, "pcie-link", IB_PREFLIGHT_WARN,
				"run as root: the link registers sit past the 64 bytes of config"
				" space others may read, and the kernel published no link files",
				"unknown: %s",
				p->slot_r < 0 ? strerror(-p->slot_r) : nic_pcie_strerror(p->parse_r));
		return;
	}
	linkmath_assess(NULL, &l, narrow_expected, &v);
	if (l.mps > 0)
		snprintf(mps, sizeof(mps), "MaxPayload %d B (%.1f Gb/s of payload)", l.mps,
			 v.pcie_payload_gbps);
	else
		snprintf(mps, sizeof(mps), "MaxPayload unknown");
	ib_selftest_add(st, "pcie-link", v.warn ? IB_PREFLIGHT_WARN : IB_PREFLIGHT_OK,
			v.warn ? v.explain
			: l.mps > 0
				? NULL
				: "the link came from sysfs: MaxPayload needs the whole config space,"
				  " i.e. root (CAP_SYS_ADMIN)",
			"LnkSta %g GT/s x%d of LnkCap %g GT/s x%d (%.1f Gb/s of data), %s",
			linkmath_pcie_gts(l.sta_speed), l.sta_width, linkmath_pcie_gts(l.cap_speed),
			l.cap_width, linkmath_pcie_data_gbps(l.sta_speed, l.sta_width), mps);
}

static void ib_selftest_port(struct hw *hw, struct ib_selftest *st, int port)
{
	struct ib_selftest_port *sp = &st->ports[port - 1];
	const struct hw_ib_port_attr *a = &sp->attr;
	bool vpi = ib_preflight_is_vpi(st->dev, st->pcie.model ? st->pcie.model->driver : NULL);
	bool ib = a->link_layer != HW_IB_PORT_LINK_LAYER_ETHERNET;
	struct ib_selftest_check *c;
	struct ib_port *ip = NULL;
	char hint[640];

	sp->query_r = hw_ib_port_query(hw, st->dev, port, &sp->attr);
	if (sp->query_r < 0) {
		c = ib_selftest_add(st, "port-state", IB_PREFLIGHT_FAIL, NULL, "cannot query: %s",
				    strerror(-sp->query_r));
		ib_selftest_port_subject(c, st, port);
		return;
	}
	/* the bench's port must be ACTIVE; another one may just be unused */
	c = ib_selftest_add(st, "port-state",
			    a->state == HW_IB_PORT_STATE_ACTIVE ? IB_PREFLIGHT_OK
			    : port == st->port		       ? IB_PREFLIGHT_FAIL
							       : IB_PREFLIGHT_WARN,
			    ib_port_state_hint(a),
			    "%s (%s), %s, LID %u, MTU %d (max %d), rate \"%s\"",
			    ib_port_state_name(a->state), ib_port_phys_state_name(a->phys_state),
			    ib_port_link_layer_name(a->link_layer), a->lid,
			    ib_port_mtu_bytes(a->active_mtu), ib_port_mtu_bytes(a->max_mtu),
			    a->rate[0] ? a->rate : "?");
	ib_selftest_port_subject(c, st, port);
	if (vpi) {
		if (ib_preflight_vpi_ethernet(a, vpi, st->pcie.slot, port, hint, sizeof(hint)))
			c = ib_selftest_add(st, "port-type", IB_PREFLIGHT_WARN, hint, "Ethernet (VPI)");
		else
			c = ib_selftest_add(st, "port-type", IB_PREFLIGHT_OK, NULL, "InfiniBand");
		ib_selftest_port_subject(c, st, port);
	}
	if (ib && a->state >= HW_IB_PORT_STATE_INIT) {
		if (ib_preflight_no_sm(a))
			c = ib_selftest_add(st, "subnet-manager", IB_PREFLIGHT_FAIL,
					    ib_preflight_no_sm_hint(), "none (sm_lid %u, %s)%s",
					    a->sm_lid, ib_port_state_name(a->state),
					    st->sm_process > 0 ? "; an opensm runs here but has not"
								 " reached this port"
								 : "");
		else
			c = ib_selftest_add(st, "subnet-manager", IB_PREFLIGHT_OK, NULL,
					    "at LID %u%s", a->sm_lid,
					    st->sm_process > 0 ? " (opensm runs on this host)" : "");
		ib_selftest_port_subject(c, st, port);
	}
	/* counters: the group the kernel exposes, and the width as far as one reading tells */
	if (ib_port_open(hw, st->dev, port, &ip) == 0) {
		struct ib_port_sample s;

		if (ib_port_sample(ip, 0, &s) == 0) {
			sp->counter_source = s.source;
			sp->counter_bits = s.bits;
		}
		ib_port_free(ip);
	}
	if (sp->counter_source == IB_PORT_SRC_HW_PACKETS)
		c = ib_selftest_add(st, "counters", IB_PREFLIGHT_WARN,
				    "this device counts packets only (rxe): byte totals and rates"
				    " stay unknown, `h2box record` cannot give J/GB",
				    "%s", ib_port_source_name(sp->counter_source));
	else if (sp->counter_source == IB_PORT_SRC_NONE)
		c = ib_selftest_add(st, "counters", IB_PREFLIGHT_WARN,
				    "no traffic counters in sysfs: is the driver fully loaded?",
				    "none");
	else if (sp->counter_bits == 64)
		c = ib_selftest_add(st, "counters", IB_PREFLIGHT_OK, NULL, "%s, 64-bit",
				    ib_port_source_name(sp->counter_source));
	else {
		snprintf(hint, sizeof(hint),
			 "the width is proven only once a counter passes 2^32: `perfquery -x -C %s"
			 " -P %d` answers when the firmware has the extended (64-bit) counters;"
			 " 32-bit ones stick at 0xFFFFFFFF (16 GiB) until `perfquery -C %s -P %d -R`"
			 " resets them",
			 st->dev, port, st->dev, port);
		c = ib_selftest_add(st, "counters", IB_PREFLIGHT_WARN, hint,
				    "%s, 32-bit as far as known", ib_port_source_name(sp->counter_source));
	}
	ib_selftest_port_subject(c, st, port);
}

static void ib_selftest_memlock(struct hw *hw, struct ib_selftest *st)
{
	char hint[640], limit[64];
	enum ib_preflight_level lvl;

	st->memlock_need_selftest = ib_preflight_memlock_need(2 * (size_t)IB_SELFTEST_BENCH_SIZE, 2);
	st->memlock_need_max = ib_preflight_memlock_need(IB_SELFTEST_MAX_BUF, 2);
	st->memlock_r = hw_verbs_memlock_get(hw, &st->memlock);
	if (st->memlock_r < 0) {
		ib_selftest_add(st, "memlock", IB_PREFLIGHT_WARN, NULL, "unknown: %s",
				strerror(-st->memlock_r));
		return;
	}
	if (st->memlock.limit == UINT64_MAX)
		snprintf(limit, sizeof(limit), "unlimited");
	else
		snprintf(limit, sizeof(limit), "%llu KiB",
			 (unsigned long long)(st->memlock.limit / 1024));
	lvl = ib_preflight_memlock(st->memlock_need_selftest, &st->memlock, hint, sizeof(hint));
	if (lvl == IB_PREFLIGHT_OK &&
	    ib_preflight_memlock(st->memlock_need_max, &st->memlock, hint, sizeof(hint)) !=
		    IB_PREFLIGHT_OK)
		lvl = IB_PREFLIGHT_WARN; /* this bench runs, `--sizes all` would not */
	ib_selftest_add(st, "memlock", lvl, lvl == IB_PREFLIGHT_OK ? NULL : hint,
			"RLIMIT_MEMLOCK %s%s", limit,
			st->memlock.cap_ipc_lock ? " (CAP_IPC_LOCK: no limit applies)" : "");
}

/* The first ACTIVE port, else 1. */
static int ib_selftest_pick_port(const struct ib_selftest *st)
{
	for (int i = 0; i < st->nports && i < IB_SELFTEST_PORTS_MAX; i++)
		if (st->ports[i].query_r == 0 && st->ports[i].attr.state == HW_IB_PORT_STATE_ACTIVE)
			return i + 1;
	return 1;
}

int ib_selftest_args_parse(int argc, char *const *argv, char *dev, size_t devlen, int *port,
			   char *err, size_t errlen)
{
	struct ib_bench_opts o;

	dev[0] = '\0';
	*port = 0;
	if (argc == 0)
		return 0;
	if (argc != 2 || strcmp(argv[0], "--dev") != 0) {
		snprintf(err, errlen, "usage: " IB_SELFTEST_USAGE);
		return -EINVAL;
	}
	/* the bench's one NAME[:PORT] grammar */
	ib_bench_opts_defaults(&o);
	if (ib_bench_opts_parse(&o, argc, argv, err, errlen) < 0)
		return -EINVAL;
	snprintf(dev, devlen, "%s", o.dev);
	*port = strchr(argv[1], ':') ? o.port : 0;
	return 0;
}

void ib_selftest_collect(struct hw *hw, const char *dev, int port, bool narrow_expected,
			 bool may_bench, const char *no_bench_why, struct ib_selftest *st)
{
	char names[1][HW_IB_NAME_MAX];
	struct hw_ib_port_attr a;

	memset(st, 0, sizeof(*st));
	st->devices_r = hw_ib_devices(hw, names, 1);
	if (dev && *dev) {
		snprintf(st->dev, sizeof(st->dev), "%s", dev);
	} else if (st->devices_r > 0) {
		snprintf(st->dev, sizeof(st->dev), "%s", names[0]);
	} else {
		ib_selftest_add(st, "device", IB_PREFLIGHT_FAIL,
				"is the card powered and mlx4_ib (mlx4_core's InfiniBand half)"
				" loaded? `modprobe mlx4_ib`; rdma-core's ibv_devices lists what"
				" libibverbs sees",
				"no RDMA device%s%s", st->devices_r < 0 ? ": " : "",
				st->devices_r < 0 ? strerror(-st->devices_r) : "");
		return;
	}
	st->sm_process = hw_ib_sm_process(hw);
	ib_probe_pcie_read(hw, st->dev, &st->pcie);
	ib_selftest_device(hw, st);
	if (st->info_r < 0)
		return;
	ib_selftest_pcie(st, narrow_expected);
	st->nports = hw_ib_port_count(hw, st->dev);
	if (st->nports < 0) {
		ib_selftest_add(st, "port-state", IB_PREFLIGHT_FAIL, NULL, "cannot count ports: %s",
				strerror(-st->nports));
		return;
	}
	/* the port is picked before the checks so that its state decides fail or warn */
	for (int i = 1; i <= st->nports && i <= IB_SELFTEST_PORTS_MAX; i++)
		if (hw_ib_port_query(hw, st->dev, i, &a) == 0) {
			st->ports[i - 1].attr = a;
			st->ports[i - 1].query_r = 0;
		} else {
			st->ports[i - 1].query_r = -EIO;
		}
	st->port = port > 0 ? port : ib_selftest_pick_port(st);
	for (int i = 1; i <= st->nports && i <= IB_SELFTEST_PORTS_MAX; i++)
		ib_selftest_port(hw, st, i);
	ib_selftest_memlock(hw, st);

	ib_bench_opts_defaults(&st->bench_opts);
	snprintf(st->bench_opts.dev, sizeof(st->bench_opts.dev), "%s", st->dev);
	st->bench_opts.port = st->port;
	st->bench_opts.sizes[0] = IB_SELFTEST_BENCH_SIZE;
	st->bench_opts.nsizes = 1;
	st->bench_opts.iters = 0;
	st->bench_opts.duration_ns = IB_SELFTEST_BENCH_DURATION_NS;
	st->bench_opts.timeout_ns = IB_SELFTEST_BENCH_TIMEOUT_NS;
	st->bench_opts.ceiling_gbps = ib_probe_ceiling_gbps(hw, st->dev, st->port);
	if (!may_bench) {
		ib_selftest_port_subject(ib_selftest_add(st, "bench", IB_PREFLIGHT_WARN,
							 no_bench_why, "not run"),
					 st, st->port);
		return;
	}
	if (st->port > st->nports || st->port > IB_SELFTEST_PORTS_MAX ||
	    st->ports[st->port - 1].query_r < 0 ||
	    st->ports[st->port - 1].attr.state != HW_IB_PORT_STATE_ACTIVE) {
		ib_selftest_port_subject(ib_selftest_add(st, "bench", IB_PREFLIGHT_FAIL,
							 "see the port-state check",
							 "not run: the port is not ACTIVE"),
					 st, st->port);
		return;
	}
	st->bench_wanted = true;
}

void ib_selftest_bench_done(struct ib_selftest *st, int rc, const struct ib_bench_report *rep,
			    const char *err)
{
	struct ib_selftest_check *c;

	st->bench_ran = true;
	st->bench_rc = rc;
	snprintf(st->bench_err, sizeof(st->bench_err), "%s", err && *err ? err : "");
	if (rc < 0) {
		c = ib_selftest_add(st, "bench", IB_PREFLIGHT_FAIL, err && *err ? err : NULL,
				    "loopback RDMA WRITE failed: %s", strerror(-rc));
	} else {
		st->bench = *rep;
		if (rep->nrows > 0 && rep->ceiling_gbps > 0)
			c = ib_selftest_add(st, "bench", IB_PREFLIGHT_OK, NULL,
					    "loopback RDMA WRITE of %zu B x %llu: %.2f Gb/s"
					    " (%.0f%% of the probe's ceiling)",
					    rep->rows[0].size, (unsigned long long)rep->rows[0].iters,
					    rep->rows[0].gbps,
					    100.0 * rep->rows[0].gbps / rep->ceiling_gbps);
		else
			c = ib_selftest_add(st, "bench", IB_PREFLIGHT_OK, NULL,
					    "loopback RDMA WRITE of %zu B x %llu: %.2f Gb/s",
					    rep->nrows ? rep->rows[0].size : 0,
					    (unsigned long long)(rep->nrows ? rep->rows[0].iters : 0),
					    rep->nrows ? rep->rows[0].gbps : NAN);
	}
	if (c)
		ib_selftest_port_subject(c, st, st->port);
}

void ib_selftest_json(const struct ib_selftest *st, struct json *j)
{
	const struct ib_probe_pcie *p = &st->pcie;
	struct linkmath_pcie_link l;
	char id[16];

	json_object_begin(j, "selftest");
	json_string(j, "device", st->dev[0] ? st->dev : NULL);
	json_string(j, "fw_ver", st->info.fw_ver[0] ? st->info.fw_ver : NULL);
	json_string(j, "hca_type", st->info.hca_type[0] ? st->info.hca_type : NULL);
	json_string(j, "board_id", st->info.board_id[0] ? st->info.board_id : NULL);
	json_object_begin(j, "pci");
	json_string(j, "slot", p->slot[0] ? p->slot : NULL);
	snprintf(id, sizeof(id), "%04x:%04x", p->info.vendor, p->info.device);
	json_string(j, "id", p->config_r == 0 || p->config_r == -ENODATA ? id : NULL);
	json_string(j, "family", p->model ? p->model->family : NULL);
	if (ib_probe_pcie_link(p, &l)) {
		json_string(j, "link_source", p->link_from_sysfs ? "sysfs" : "config");
		json_number(j, "lnksta_gts", linkmath_pcie_gts(l.sta_speed), 1);
		json_int(j, "lnksta_width", l.sta_width);
		json_number(j, "lnkcap_gts", linkmath_pcie_gts(l.cap_speed), 1);
		json_int(j, "lnkcap_width", l.cap_width);
		if (l.mps > 0)
			json_int(j, "mps", l.mps);
		else
			json_null(j, "mps");
	}
	json_object_end(j);
	json_array_begin(j, "ports");
	for (int i = 0; i < st->nports && i < IB_SELFTEST_PORTS_MAX; i++) {
		const struct ib_selftest_port *sp = &st->ports[i];
		const struct hw_ib_port_attr *a = &sp->attr;

		json_object_begin(j, NULL);
		json_int(j, "port", i + 1);
		if (sp->query_r == 0) {
			json_string(j, "state", ib_port_state_name(a->state));
			json_string(j, "phys_state", ib_port_phys_state_name(a->phys_state));
			json_string(j, "link_layer", ib_port_link_layer_name(a->link_layer));
			json_int(j, "lid", a->lid);
			json_int(j, "sm_lid", a->sm_lid);
			json_int(j, "active_mtu", ib_port_mtu_bytes(a->active_mtu));
			json_int(j, "max_mtu", ib_port_mtu_bytes(a->max_mtu));
			json_string(j, "rate", a->rate[0] ? a->rate : NULL);
			json_string(j, "counter_source", ib_port_source_name(sp->counter_source));
			json_int(j, "counter_bits", sp->counter_bits);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_object_begin(j, "memlock");
	if (st->memlock_r == 0 && st->memlock.limit != UINT64_MAX)
		json_uint(j, "limit_bytes", st->memlock.limit);
	else
		json_null(j, "limit_bytes"); /* unlimited or unknown */
	json_bool(j, "cap_ipc_lock", st->memlock.cap_ipc_lock);
	json_uint(j, "need_bytes_selftest", st->memlock_need_selftest);
	json_uint(j, "need_bytes_max", st->memlock_need_max);
	json_object_end(j);
	json_bool(j, "opensm_running", st->sm_process > 0);
	json_array_begin(j, "checks");
	for (int i = 0; i < st->nchecks; i++) {
		const struct ib_selftest_check *c = &st->checks[i];

		json_object_begin(j, NULL);
		json_string(j, "check", c->check);
		json_string(j, "subject", c->subject);
		json_string(j, "level", ib_preflight_level_name(c->level));
		json_string(j, "value", c->value);
		json_string(j, "hint", c->hint[0] ? c->hint : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_begin(j, "summary");
	for (int l2 = 0; l2 < IB_PREFLIGHT_LEVEL_COUNT; l2++)
		json_int(j, ib_preflight_level_name((enum ib_preflight_level)l2), st->count[l2]);
	json_object_end(j);
	json_object_end(j);
	if (st->bench_ran && st->bench_rc == 0)
		ib_report_bench_json(&st->bench, j);
	else
		json_null(j, "bench");
}

void ib_selftest_text(const struct ib_selftest *st, FILE *f)
{
	fprintf(f, "h2box ib selftest on %s (attach this, or --json, to a bug report)\n",
		st->dev[0] ? st->dev : "no device");
	for (int i = 0; i < st->nchecks; i++) {
		const struct ib_selftest_check *c = &st->checks[i];

		fprintf(f, "[%-4s] %-15s %-16s %s\n", ib_preflight_level_name(c->level), c->check,
			c->subject, c->value);
		if (c->hint[0])
			fprintf(f, "       -> %s\n", c->hint);
	}
	fprintf(f, "%d ok, %d warn, %d fail\n", st->count[IB_PREFLIGHT_OK],
		st->count[IB_PREFLIGHT_WARN], st->count[IB_PREFLIGHT_FAIL]);
	if (st->bench_ran && st->bench_rc == 0)
		ib_report_bench_text(&st->bench, f);
}

static void ib_selftest_print(const void *st, FILE *f)
{
	ib_selftest_text(st, f);
}

char *ib_selftest_text_alloc(const struct ib_selftest *st)
{
	return ib_report_text_alloc(ib_selftest_print, st);
}
