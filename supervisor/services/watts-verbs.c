/* watts-verbs.c - the watts, record and budget verbs, `watts --follow` streams and status lines. */
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/watts-svc.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/thermal-svc.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void watts_verbs_json_body(struct watts_svc *s, struct json *j)
{
	struct box_readings *rd = &s->b->readings;
	struct watts_monitor *mm = watts_monitor_main(s);

	/* false: the profile has no power section, nothing is sampled (every value unknown) */
	json_bool(j, "enabled", s->cfg.enabled);
	json_number(j, "watts", rd->watts, 3);
	json_number(j, "volts", rd->volts, 3);
	json_number(j, "amps", rd->amps, 4);
	json_string(j, "budget_state", rd->budget_state ? rd->budget_state : "off");
	json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
	json_number(j, "limit_w", s->cfg.budget.limit_w, 1);
	json_number(j, "sample_hz", 1e9 / (double)s->period_ns, 3);
	json_uint(j, "samples", s->samples);
	json_uint(j, "missed", s->missed);
	/* joules in JSON, like the stream and the record (docs/JSON.md); Wh only in text */
	json_number(j, "energy_boot_j", mm->energy.boot_j, 3);
	json_number(j, "energy_poweron_j", s->poweron_j, 3);
	json_number(j, "energy_total_j", mm->energy.install_j, 3);
	json_time(j, "energy_since", s->est.since_real_ns);
	json_array_begin(j, "monitors");
	for (int i = 0; i < s->nmon; i++) {
		struct watts_monitor *m = &s->mon[i];

		json_object_begin(j, NULL);
		json_string(j, "name", m->cfg.name);
		json_string(j, "chip", m->dev ? ina2xx_chip_name(ina2xx_chip_get(m->dev)) : NULL);
		json_string(j, "device", m->dev ? ina2xx_describe(m->dev) : NULL);
		json_bool(j, "budget", i == s->main_idx);
		json_bool(j, "valid", m->valid);
		json_number(j, "watts", m->valid ? m->last.watts : NAN, 3);
		json_number(j, "volts", m->valid ? m->last.volts : NAN, 3);
		json_number(j, "amps", m->valid ? m->last.amps : NAN, 4);
		json_number(j, "energy_boot_j", m->energy.boot_j, 3);
		if (!m->valid)
			json_string(j, "error", m->dev ? ina2xx_last_error(m->dev) : m->err);
		json_object_end(j);
	}
	json_array_end(j);
}

static void watts_verbs_text(struct watts_svc *s, struct ctl_reply *rep)
{
	for (int i = 0; i < s->nmon; i++) {
		struct watts_monitor *m = &s->mon[i];

		if (m->valid)
			ctl_reply_printf(rep, "%-8s %7.2f W  %6.3f V  %6.3f A%s\n", m->cfg.name,
					 m->last.watts, m->last.volts, m->last.amps,
					 i == s->main_idx ? "  (budget)" : "");
		else
			ctl_reply_printf(rep, "%-8s no valid reading: %s\n", m->cfg.name,
					 m->dev ? ina2xx_last_error(m->dev) : m->err);
	}
	if (s->budget_on)
		ctl_reply_printf(rep, "budget   %s, average %.2f W of %.0f W\n",
				 budget_state_name(budget_state_get(&s->budget)),
				 budget_average(&s->budget), s->cfg.budget.limit_w);
	ctl_reply_printf(
		rep, "energy   %.3f Wh since power-on, %.3f Wh since start, %.3f kWh since %s\n",
		s->poweron_j / ENERGY_J_PER_WH,
		watts_monitor_main(s)->energy.boot_j / ENERGY_J_PER_WH,
		watts_monitor_main(s)->energy.install_j / ENERGY_J_PER_WH / 1000.0,
		s->cfg.state_file[0] ? "install" : "start");
}

static int watts_verbs_cmd_watts(const struct ctl_request *req, struct ctl_reply *rep,
				 void *userdata)
{
	struct watts_svc *s = userdata;
	bool follow = false;
	double interval = NAN;
	char err[96];
	int i;

	for (i = 1; i < req->argc; i++) {
		if (!strcmp(req->argv[i], "--follow") || !strcmp(req->argv[i], "-f")) {
			follow = true;
		} else if (!strcmp(req->argv[i], "--interval") && i + 1 < req->argc) {
			if (parse_double(req->argv[++i], 0.001, 3600, &interval, err, sizeof(err)) <
			    0) {
				ctl_reply_error(rep, 2,
						"usage: watts [--follow] [--interval S]: %s", err);
				return 0;
			}
		} else {
			ctl_reply_error(rep, 2, "usage: watts [--follow] [--interval S]");
			return 0;
		}
	}
	if (!follow) {
		if (req->json)
			watts_verbs_json_body(s, ctl_reply_json(rep));
		else
			watts_verbs_text(s, rep);
		return 0;
	}
	watts_follow_add(s, interval, req->json, rep);
	return 0;
}

static int watts_verbs_cmd_record(const struct ctl_request *req, struct ctl_reply *rep,
				  void *userdata)
{
	struct watts_svc *s = userdata;

	int64_t now = loop_now(s->b->loop);

	if (req->argc == 2 && !strcmp(req->argv[1], "begin")) {
		struct energy_baseline base;

		/* batched: the samples the workers took up to now first; the baseline has them */
		if (s->batched)
			watts_batch_run(s, now);
		/* the idle baseline before the sample the record starts with */
		watts_baseline_measure(s, now, &base);
		if (!s->batched)
			watts_svc_sample(s, now);
		watts_record_begin(s, now, &base, req->uid, req->json, rep);
		return 0;
	}
	if (req->argc == 3 && !strcmp(req->argv[1], "end")) {
		struct watts_record *r = watts_record_lookup(s, req->argv[2], req->uid, rep);

		if (r) {
			if (s->batched)
				watts_batch_run(s, now);
			else
				watts_svc_sample(s, now);
			watts_record_end(s, r, now, req->json, rep);
		}
		return 0;
	}
	ctl_reply_error(rep, 2, "usage: record begin | record end ID");
	return 0;
}

static int watts_verbs_cmd_budget(const struct ctl_request *req, struct ctl_reply *rep,
				  void *userdata)
{
	struct watts_svc *s = userdata;
	const struct budget_config *c = &s->cfg.budget;
	int i;

	if (req->argc > 2 || (req->argc == 2 && strcmp(req->argv[1], "status"))) {
		ctl_reply_error(rep, 2, "usage: budget [status]");
		return 0;
	}
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_bool(j, "enabled", s->budget_on);
		json_string(j, "budget_state",
			    s->budget_on ? budget_state_name(budget_state_get(&s->budget)) : "off");
		json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
		json_number(j, "watts", s->b->readings.watts, 3);
		json_number(j, "limit_w", c->limit_w, 1);
		json_number(j, "warn_w", budget_threshold_w(c, BUDGET_WARN), 2);
		json_number(j, "throttle_w", budget_threshold_w(c, BUDGET_THROTTLE), 2);
		json_number(j, "critical_w", budget_threshold_w(c, BUDGET_CRITICAL), 2);
		json_number(j, "release_w",
			    budget_threshold_w(c, BUDGET_THROTTLE) -
				    c->limit_w * c->hysteresis_pct / 100.0,
			    2);
		json_number(j, "window_s", (double)c->window_ns / 1e9, 1);
		json_bool(j, "warn_only", c->warn_only);
		json_bool(j, "thermal_throttle", s->throttle_wanted);
		json_int(j, "applied", s->budget_on ? budget_applied(&s->budget) : 0);
		json_array_begin(j, "ladder");
		for (i = 0; i < s->nladder; i++) {
			json_object_begin(j, NULL);
			json_string(j, "name", watts_budget_step_name(s, i));
			json_string(j, "action", watts_budget_step_action(s, i));
			json_bool(j, "applied", watts_budget_step_applied(s, i));
			json_object_end(j);
		}
		json_array_end(j);
		return 0;
	}
	if (!s->budget_on) {
		ctl_reply_printf(rep, "budget governor disabled\n");
		return 0;
	}
	ctl_reply_printf(rep, "state     %s%s\n", budget_state_name(budget_state_get(&s->budget)),
			 c->warn_only ? " (warn only)" : "");
	ctl_reply_printf(rep, "average   %.2f W over %.0f s (now %.2f W)\n",
			 budget_average(&s->budget), (double)c->window_ns / 1e9,
			 s->b->readings.watts);
	ctl_reply_printf(rep,
			 "limit     %.0f W: warn %.1f W, throttle %.1f W, critical %.1f W "
			 "(held %.0f s), release below %.1f W\n",
			 c->limit_w, budget_threshold_w(c, BUDGET_WARN),
			 budget_threshold_w(c, BUDGET_THROTTLE),
			 budget_threshold_w(c, BUDGET_CRITICAL), (double)c->critical_hold_ns / 1e9,
			 budget_threshold_w(c, BUDGET_THROTTLE) -
				 c->limit_w * c->hysteresis_pct / 100.0);
	if (s->throttle_wanted) {
		bool temp, blind;

		thermal_svc_throttle_why(s->thermal, &temp, &blind);
		ctl_reply_printf(rep, "thermal   %s%s%s ask%s for the throttle ladder\n",
				 temp ? "a temperature alarm" : "", temp && blind ? " and " : "",
				 blind ? "blind (NIC temperature unseen, fan not driven)" : "",
				 temp && blind ? "" : "s");
	}
	ctl_reply_printf(rep, "ladder    %d of %d steps applied\n", budget_applied(&s->budget),
			 s->nladder);
	for (i = 0; i < s->nladder; i++)
		ctl_reply_printf(rep, "  %d. %-10s %-8s %s\n", i + 1, watts_budget_step_name(s, i),
				 watts_budget_step_applied(s, i) ? "applied" : "-",
				 watts_budget_step_action(s, i));
	return 0;
}

/* ---- status ---- */

void watts_svc_status_json(struct watts_svc *s, struct json *j)
{
	json_object_begin(j, "watts");
	watts_verbs_json_body(s, j);
	json_int(j, "throttle_steps_applied", s->budget_on ? budget_applied(&s->budget) : 0);
	json_bool(j, "thermal_fan_full", thermal_svc_fan_floor(s->thermal) >= 100.0);
	json_object_end(j);
}

void watts_svc_status_text(struct watts_svc *s, struct ctl_reply *rep)
{
	struct box_readings *rd = &s->b->readings;

	if (isfinite(rd->watts))
		ctl_reply_printf(rep, "watts: %.2f W (%.2f V, %.3f A), budget %s", rd->watts,
				 rd->volts, rd->amps, rd->budget_state ? rd->budget_state : "off");
	else
		ctl_reply_printf(rep, "watts: no valid reading, budget %s",
				 rd->budget_state ? rd->budget_state : "off");
	if (s->budget_on)
		ctl_reply_printf(rep, ", avg %.1f of %.0f W, %d/%d throttle steps",
				 budget_average(&s->budget), s->cfg.budget.limit_w,
				 budget_applied(&s->budget), s->nladder);
	ctl_reply_printf(rep, "\nenergy: %.3f Wh since start, %.3f kWh total\n",
			 watts_monitor_main(s)->energy.boot_j / ENERGY_J_PER_WH,
			 watts_monitor_main(s)->energy.install_j / ENERGY_J_PER_WH / 1000.0);
}

int watts_verbs_register(struct watts_svc *s)
{
	struct ctl *ctl = s->b->ctl;
	int r;

	if (!ctl)
		return 0;
	r = ctl_command_register(ctl, "watts", "power readings: watts [--follow] [--interval S]",
				 watts_verbs_cmd_watts, s);
	if (r == 0)
		r = ctl_command_register(ctl, "record",
					 "energy of a workload: record begin | record end ID",
					 watts_verbs_cmd_record, s);
	if (r == 0)
		r = ctl_command_register(ctl, "budget", "power budget governor and throttle ladder",
					 watts_verbs_cmd_budget, s);
	s->registered = true; /* unregistering all three is harmless if one failed */
	return r;
}

void watts_verbs_unregister(struct watts_svc *s)
{
	if (s->b && s->registered) {
		ctl_command_unregister(s->b->ctl, "watts");
		ctl_command_unregister(s->b->ctl, "record");
		ctl_command_unregister(s->b->ctl, "budget");
	}
	s->registered = false;
}
