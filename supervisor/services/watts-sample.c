/* watts-sample.c - one sample: meters, energy, thermal step, budget, CSV log, streams. */
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/watts-svc.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/thermal-svc.h"
#include "supervisor/services/wattlog.h"
#include "supervisor/util/log.h"

#include <math.h>
#include <string.h>

static void watts_sample_csv_log(struct watts_svc *s, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct wattlog_row row;
	int r;

	if (!s->log || (s->last_log_ns && now - s->last_log_ns < s->cfg.log_interval_ns))
		return;
	s->last_log_ns = now;
	memset(&row, 0, sizeof(row));
	/* the wall clock of the sample's own tick: a batch runs its samples up to one batch late */
	row.real_ns = s->b->loop ? loop_real_now(s->b->loop) - (loop_now(s->b->loop) - now) : 0;
	row.mono_ns = now;
	row.volts = rd->volts;
	row.amps = rd->amps;
	row.watts = rd->watts;
	/* the columns the log opened with; an input not read (yet) is an empty cell */
	for (int i = 0; i < s->log_ntemps; i++)
		row.temps[i] = box_temp_get(s->b, s->log_temps[i]);
	row.fan_duty_pct = rd->fan_duty_pct;
	row.fan_rpm = rd->fan_rpm;
	row.ib_tx_gbps = rd->ib_tx_gbps;
	row.ib_rx_gbps = rd->ib_rx_gbps;
	row.budget_state = rd->budget_state;
	r = wattlog_write(s->log, &row);
	if (r < 0 && !s->log_failed)
		log_warn(r, "watts log %s", s->cfg.log_path);
	s->log_failed = r < 0;
}

void watts_svc_sample(struct watts_svc *s, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct watts_monitor *mm;
	int i;

	if (now <= s->last_ns)
		return; /* one sample per instant keeps the integration honest */
	s->last_ns = now;
	if (!s->cfg.enabled) {
		/* no meter: the thermal levels alone (watts-svc.c), and streams of unknowns */
		thermal_svc_step(s->thermal, now);
		watts_follow_feed(s, now);
		return;
	}
	/* "since power-on" restarts when the power sequencer reports the box back on */
	if (s->was_off && !s->b->power_off)
		s->poweron_j = 0;
	s->was_off = s->b->power_off;
	for (i = 0; i < s->nmon; i++) {
		double inc;

		watts_monitor_sample(s, &s->mon[i], now);
		inc = energy_counter_add(&s->mon[i].energy, now,
					 s->mon[i].valid ? s->mon[i].last.watts : NAN);
		if (i == s->main_idx)
			s->poweron_j += inc;
	}
	mm = watts_monitor_main(s);
	rd->watts = mm->valid ? mm->last.watts : NAN;
	rd->volts = mm->valid ? mm->last.volts : NAN;
	rd->amps = mm->valid ? mm->last.amps : NAN;
	if (mm->valid)
		watts_baseline_push(s, now, mm->last.watts);
	watts_record_feed(s, now, rd->watts);

	/* the thermal levels first: a throttle request they push counts in this very step */
	thermal_svc_step(s->thermal, now);
	watts_budget_step(s, now);
	watts_sample_csv_log(s, now);
	watts_follow_feed(s, now);
	if (now - s->last_save_ns >= s->cfg.save_interval_ns)
		watts_energy_save(s, now);
}
