/* watts-svc.c - the power meter service's life cycle: its parts in order, timer, wrappers. */
#include "supervisor/services/watts-svc.h"
#include "supervisor/services/watts-priv.h"

#include "supervisor/config/profile.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/svc.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/thermal-svc.h"
#include "supervisor/services/wattlog.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(WATTS_LOG_TEMPS_MAX == WATTLOG_TEMPS_MAX, "one log column per wattlog slot");
_Static_assert(FAN_INPUTS_MAX <= WATTS_LOG_TEMPS_MAX, "every profile input has its log column");
_Static_assert(TEMP_INPUT_NAME_MAX <= WATTS_LOG_NAME_MAX, "an input's name fits its column");

/*
 * The log's temperature columns are the profile's inputs, whether or not they can be read yet
 * (the box may start off): a column set that followed the readings would change, and rotate
 * the file, at every power-on.
 */
static void watts_svc_log_columns(struct watts_svc *s)
{
	const struct fan_config *fc = s->b->profile ? &s->b->profile->fan : NULL;

	s->log_ntemps = 0;
	for (int i = 0; fc && i < fc->ninputs; i++)
		snprintf(s->log_temps[s->log_ntemps++], WATTS_LOG_NAME_MAX, "%s",
			 fc->inputs[i].spec.name);
}

static void watts_svc_timer_fire(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct watts_svc *s = userdata;

	if (s->batched) {
		/* the workers' samples since the last batch; a late batch loses none of them */
		watts_batch_run(s, now_ns);
		loop_timer_arm_next(t, s->batch_ns);
		return;
	}
	watts_svc_sample(s, now_ns);
	s->samples++;
	/* fixed cadence without drift, on the loop's grid; missed slots skipped, not burst */
	s->missed += (uint64_t)loop_timer_arm_next(t, s->period_ns);
}

/* The thermal service's throttle request: the budget ladder forces its steps while it holds. */
static void watts_svc_thermal_throttle(void *userdata, bool wanted)
{
	struct watts_svc *s = userdata;

	s->throttle_wanted = wanted;
}

bool watts_svc_fan_full_wanted(const struct watts_svc *s)
{
	return s && thermal_svc_fan_floor(s->thermal) >= 100.0;
}

void watts_svc_poweroff_handler_set(struct watts_svc *s, watts_poweroff_fn fn, void *userdata)
{
	thermal_svc_poweroff_handler_set(s->thermal, fn, userdata);
}

int watts_svc_new(struct box *b, const struct watts_config *cfg, struct watts_svc **out)
{
	struct watts_svc *s;
	int64_t now;
	int i, r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->cfg = *cfg;
	now = loop_now(b->loop);
	s->period_ns = (int64_t)(1e9 / (cfg->sample_hz > 0 ? cfg->sample_hz : 1.0));
	if (s->period_ns < HW_NSEC_PER_MSEC)
		s->period_ns = HW_NSEC_PER_MSEC;

	/*
	 * Without a power section (cfg->enabled) no meter is opened, loaded or sampled: the
	 * status reports unknown values.  The timer still steps the thermal alarm levels (an
	 * overheating card is watched whatever the profile), at the default 1 Hz on the loop's
	 * grid, so it shares the fan's wake-up instead of adding one.
	 */
	if (cfg->enabled)
		watts_energy_load(s);
	if (watts_batch_wanted(cfg)) {
		r = watts_batch_init(s);
		if (r < 0)
			goto fail;
	}
	s->main_idx = 0;
	for (i = 0; i < cfg->nmonitors && i < WATTS_MONITORS_MAX; i++) {
		struct watts_monitor *m = &s->mon[s->nmon++];

		m->cfg = cfg->mon[i];
		if (m->cfg.budget)
			s->main_idx = i;
		snprintf(m->alarm_id, sizeof(m->alarm_id), "sensor-%s", cfg->mon[i].name);
		energy_counter_init(&m->energy, 0.0, cfg->max_gap_ns);
		if (cfg->enabled)
			watts_monitor_open(s, m, now);
	}
	if (!s->nmon) {
		r = -EINVAL;
		goto fail;
	}
	watts_monitor_main(s)->energy.install_j = s->est.install_j;
	s->last_save_ns = now;

	r = watts_budget_init(s, now);
	if (r < 0)
		goto fail;
	b->readings.watts = b->readings.volts = b->readings.amps = NAN;

	r = thermal_svc_new(b, cfg->thermal, cfg->nthermals, &s->thermal);
	if (r < 0)
		goto fail;
	thermal_svc_throttle_handler_set(s->thermal, watts_svc_thermal_throttle, s);

	/* the profile's temperature inputs: the log's columns and every follower's "temps_c" */
	watts_svc_log_columns(s);
	if (cfg->log_path[0]) {
		const char *names[WATTS_LOG_TEMPS_MAX];

		for (i = 0; i < s->log_ntemps; i++)
			names[i] = s->log_temps[i];
		r = wattlog_open(cfg->log_path, names, s->log_ntemps, cfg->log_max_bytes,
				 cfg->log_keep, &s->log);
		if (r < 0) {
			log_warn(r, "watts log %s disabled", cfg->log_path);
			s->log = NULL;
		} else if (wattlog_repaired_bytes(s->log)) {
			log_notice("watts log %s: cut a torn last line (%" PRId64
				   " bytes) left by a crash",
				   cfg->log_path, wattlog_repaired_bytes(s->log));
		}
	}

	r = loop_timer_new(b->loop, "watts-sample", watts_svc_timer_fire, s, &s->timer);
	if (r < 0)
		goto fail;
	loop_timer_arm_first(s->timer, s->batched ? s->batch_ns : s->period_ns);
	r = watts_verbs_register(s);
	if (r < 0)
		goto fail;
	if (!cfg->enabled) {
		log_info("watts: no power section in the profile: no meter, thermal levels only");
		*out = s;
		return 0;
	}
	log_info("watts: %d monitor(s), sampling at %.4g Hz%s, budget %s %.0f W, %d throttle step(s)",
		 s->nmon, 1e9 / (double)s->period_ns,
		 s->batched ? " by the chips' workers, in batches" : "",
		 s->budget_on ? "on" : "off", cfg->budget.limit_w, s->nladder);
	*out = s;
	return 0;
fail:
	watts_svc_free(s);
	return r;
}

void watts_svc_free(struct watts_svc *s)
{
	if (!s)
		return;
	watts_verbs_unregister(s);
	watts_follow_close_all(s);
	loop_timer_free(s->timer);
	if (s->nmon && s->cfg.enabled)
		watts_energy_save(s, s->b->loop ? loop_now(s->b->loop) : 0);
	wattlog_close(s->log);
	thermal_svc_free(s->thermal);
	watts_budget_free(s);
	watts_monitor_close_all(s);
	watts_batch_free(s);
	if (s->b) {
		s->b->readings.budget_state = "off";
		s->b->readings.watts = s->b->readings.volts = s->b->readings.amps = NAN;
	}
	free(s);
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(watts_svc, "watts", watts, watts, true);
