/* power-status.c - the power sequencer's status: `h2box status`, `power status` and their JSON. */
#include "supervisor/services/power-svc-private.h"

#include <stdio.h>
#include <time.h>

#include "drivers/atx_psu.h"
#include "drivers/h2_host.h"
#include "hw/clock.h"
#include "supervisor/config/power-config.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/timefmt.h"

static void power_status_fmt_ago(char *buf, size_t len, int64_t now, int64_t then)
{
	double sec = (double)(now - then) / 1e9;

	if (sec < 120)
		snprintf(buf, len, "%.1fs ago", sec);
	else if (sec < 7200)
		snprintf(buf, len, "%.0fm ago", sec / 60);
	else
		snprintf(buf, len, "%.1fh ago", sec / 3600);
}

void power_status_fmt_clock(char *buf, size_t len, int64_t real_ns)
{
	timefmt_local(real_ns, "%Y-%m-%d %H:%M:%S", buf, len);
}

static const struct power_event *power_status_hist_at(const struct power_svc *s, int i)
{
	int first = (s->hist_next - s->hist_count + POWER_HISTORY) % POWER_HISTORY;

	return &s->hist[(first + i) % POWER_HISTORY];
}

static int power_status_line_level(int v)
{
	return v < 0 ? -1 : v;
}

/* The fault latched now is the one restored at start-up (from before it). */
static bool power_status_fault_restored(const struct power_svc *s, enum powerseq_fault f,
					int64_t at)
{
	return f != POWERSEQ_FAULT_NONE && f == s->restored_fault && at == s->restored_fault_ns;
}

void power_status_members(struct power_svc *s, struct json *j, bool history)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	unsigned w = powerseq_warnings(&s->seq);
	int v;

	json_string(j, "state", powerseq_state_name(powerseq_state_get(&s->seq)));
	json_string(j, "topology", power_config_topology_name(s->cfg.topology));
	json_string(j, "host_supply", power_config_host_supply_name(s->cfg.host_supply));
	json_string(j, "host", powerseq_host_name(powerseq_host_get(&s->seq)));
	json_number(j, "since_s", (double)(now - powerseq_since(&s->seq)) / 1e9, 1);
	json_bool(j, "powered", powerseq_powered(&s->seq));
	json_string(j, "requested", powerseq_requested_name(powerseq_requested_get(&s->seq)));
	json_string(j, "restore", power_config_restore_name(s->cfg.restore));
	json_bool(j, "psu_on", atx_psu_is_on(s->psu));
	v = power_status_line_level(atx_psu_ok_get(s->psu));
	if (v < 0)
		json_null(j, "psu_ok");
	else
		json_bool(j, "psu_ok", v);
	if (s->host && h2_host_has_alive(s->host) && (v = h2_host_alive_get(s->host)) >= 0)
		json_bool(j, "host_alive", v);
	else
		json_null(j, "host_alive");
	if (f != POWERSEQ_FAULT_NONE) {
		json_object_begin(j, "fault");
		json_string(j, "reason", powerseq_fault_name(f));
		/* false while the H2 on its own supply is still being forced off */
		json_bool(j, "latched", powerseq_state_get(&s->seq) == POWERSEQ_FAULT);
		json_string(j, "description", powerseq_fault_describe(f));
		json_int(j, "blink_code", (int64_t)f);
		json_number(j, "age_s", (double)(now - at) / 1e9, 1);
		/* latched before this start and restored from the state file */
		json_bool(j, "restored", power_status_fault_restored(s, f, at));
		json_object_end(j);
	} else {
		json_null(j, "fault");
	}
	f = powerseq_last_fault_get(&s->seq, &at);
	if (f != POWERSEQ_FAULT_NONE) {
		json_object_begin(j, "last_fault");
		json_string(j, "reason", powerseq_fault_name(f));
		json_number(j, "age_s", (double)(now - at) / 1e9, 1);
		json_object_end(j);
	} else {
		json_null(j, "last_fault");
	}
	json_array_begin(j, "warnings");
	if (w & POWERSEQ_WARN_NIC_MISSING)
		json_string(j, NULL, "nic-missing");
	if (w & POWERSEQ_WARN_IB_DOWN)
		json_string(j, NULL, "ib-down");
	if (w & POWERSEQ_WARN_PSU_OK_LOST)
		json_string(j, NULL, "psu-ok-lost");
	json_array_end(j);
	if (s->last_error[0])
		json_string(j, "last_error", s->last_error);
	if (!history)
		return;
	json_array_begin(j, "history");
	for (int i = 0; i < s->hist_count; i++) {
		const struct power_event *e = power_status_hist_at(s, i);

		json_object_begin(j, NULL);
		json_number(j, "age_s", (double)(now - e->mono_ns) / 1e9, 1);
		json_time(j, "time", e->real_ns);
		json_string(j, "from", powerseq_state_name(e->from));
		json_string(j, "to", powerseq_state_name(e->to));
		json_string(j, "reason", powerseq_reason_name(e->reason));
		json_object_end(j);
	}
	json_array_end(j);
}

void power_status_json(struct power_svc *s, struct json *j)
{
	json_object_begin(j, "power");
	power_status_members(s, j, false);
	json_object_end(j);
}

void power_status_text(struct power_svc *s, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	char ago[32];

	power_status_fmt_ago(ago, sizeof(ago), now, powerseq_since(&s->seq));
	ctl_reply_printf(rep, "power: %s since %s (%s; H2 %s, on %s)\n",
			 powerseq_state_name(powerseq_state_get(&s->seq)), ago,
			 power_config_topology_name(s->cfg.topology),
			 powerseq_host_name(powerseq_host_get(&s->seq)),
			 s->cfg.host_supply == POWER_HOST_SUPPLY_OWN ? "its own supply" : "the PSU");
	if (f != POWERSEQ_FAULT_NONE)
		ctl_reply_printf(rep, "power fault: %s: %s (h2box power clear)\n",
				 powerseq_fault_name(f), powerseq_fault_describe(f));
}

void power_status_text_full(struct power_svc *s, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop), at;
	enum powerseq_fault f = powerseq_fault_get(&s->seq, &at);
	unsigned w = powerseq_warnings(&s->seq);
	char ago[32], clk[32];
	int ok = atx_psu_ok_get(s->psu);
	int alive = s->host && h2_host_has_alive(s->host) ? h2_host_alive_get(s->host) : -1;

	power_status_fmt_ago(ago, sizeof(ago), now, powerseq_since(&s->seq));
	power_status_fmt_clock(clk, sizeof(clk), s->state_since_real);
	ctl_reply_printf(rep, "state:      %s since %s (%s)\n",
			 powerseq_state_name(powerseq_state_get(&s->seq)), clk, ago);
	ctl_reply_printf(rep, "topology:   %s (H2 supply: %s)\n",
			 power_config_topology_name(s->cfg.topology),
			 power_config_host_supply_name(s->cfg.host_supply));
	ctl_reply_printf(rep, "H2:         %s\n", powerseq_host_name(powerseq_host_get(&s->seq)));
	ctl_reply_printf(rep, "requested:  %s (restore = %s)\n",
			 powerseq_requested_name(powerseq_requested_get(&s->seq)),
			 power_config_restore_name(s->cfg.restore));
	ctl_reply_printf(rep, "lines:      psu_on=%d psu_ok=%s host_alive=%s\n",
			 atx_psu_is_on(s->psu), ok < 0 ? "?" : ok ? "1" : "0",
			 alive < 0 ? "-" : alive ? "1" : "0");
	if (f != POWERSEQ_FAULT_NONE) {
		power_status_fmt_ago(ago, sizeof(ago), now, at);
		ctl_reply_printf(rep, "fault:      %s: %s (latched %s%s; blink code %d; "
				      "h2box power clear)\n",
				 powerseq_fault_name(f), powerseq_fault_describe(f), ago,
				 power_status_fault_restored(s, f, at) ? ", before this start" : "", (int)f);
	} else {
		ctl_reply_printf(rep, "fault:      none\n");
	}
	f = powerseq_last_fault_get(&s->seq, &at);
	if (f != POWERSEQ_FAULT_NONE) {
		power_status_fmt_ago(ago, sizeof(ago), now, at);
		ctl_reply_printf(rep, "last fault: %s (%s)\n", powerseq_fault_name(f), ago);
	}
	if (w)
		ctl_reply_printf(rep, "warnings:  %s%s%s\n",
				 w & POWERSEQ_WARN_NIC_MISSING ? " nic-missing" : "",
				 w & POWERSEQ_WARN_IB_DOWN ? " ib-down" : "",
				 w & POWERSEQ_WARN_PSU_OK_LOST ? " psu-ok-lost" : "");
	if (s->last_error[0])
		ctl_reply_printf(rep, "last error: %s\n", s->last_error);
	ctl_reply_printf(rep, "history (oldest first):\n");
	for (int i = 0; i < s->hist_count; i++) {
		const struct power_event *e = power_status_hist_at(s, i);

		power_status_fmt_clock(clk, sizeof(clk), e->real_ns);
		power_status_fmt_ago(ago, sizeof(ago), now, e->mono_ns);
		ctl_reply_printf(rep, "  %s (%s)  %s -> %s  [%s]\n", clk, ago,
				 powerseq_state_name(e->from), powerseq_state_name(e->to),
				 powerseq_reason_name(e->reason));
	}
}
