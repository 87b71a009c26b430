/* watts-batch.c - hwmon monitors sampled by their chips' workers, drained and run in batches. */
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/watts-svc.h"

#include "drivers/ina2xx.h"
#include "hw/hwmon.h"
#include "supervisor/util/log.h"

#include <stdlib.h>

/*
 * Why batches: a sample a wake-up of the loop plus a round trip to the chip's worker costs
 * three thread wake-ups, more than the reads themselves.  The worker samples on its own grid
 * instead and the loop wakes once a batch; every sample still runs the one per-sample path
 * (watts_svc_sample) at its own tick, in order, so energy, budget, thermal steps, log, records
 * and streams see the samples they saw before, at most one batch later.  Monitors read over
 * I2C by h2boxd itself keep a timer a sample: a profile mixing both stays unbatched.
 */
bool watts_batch_wanted(const struct watts_config *cfg)
{
	if (!cfg->enabled || cfg->nmonitors < 1)
		return false;
	for (int i = 0; i < cfg->nmonitors && i < WATTS_MONITORS_MAX; i++)
		if (cfg->mon[i].ina.mode != INA2XX_MODE_HWMON)
			return false;
	return true;
}

int watts_batch_init(struct watts_svc *s)
{
	int64_t per_batch;

	s->batched = true;
	s->batch_ns = s->cfg.batch_ns < s->period_ns ? s->period_ns : s->cfg.batch_ns;
	per_batch = (s->batch_ns + s->period_ns - 1) / s->period_ns;
	/* room for two batches: a drain late by a whole batch loses nothing */
	s->batch_cap = (unsigned)(2 * per_batch + 2);
	return 0;
}

void watts_batch_run(struct watts_svc *s, int64_t now)
{
	uint64_t missed = 0;
	bool any = false;
	int i;

	for (i = 0; i < s->nmon; i++) {
		struct watts_monitor *m = &s->mon[i];
		uint64_t mm = 0;
		int r;

		m->nbuf = m->pos = 0;
		m->cur = NULL;
		if (!m->dev || !m->buf)
			continue;
		r = ina2xx_sampler_drain(m->dev, now, m->buf, s->batch_cap, &mm);
		if (r < 0) {
			/*
			 * No schedule any more (its chip moved and lost a feature): no reading
			 * to keep; it is opened again at the next tick, and an open that fails
			 * raises the sensor alarm as at start.
			 */
			log_warn(r, "monitor %s: sampling stopped", m->cfg.name);
			ina2xx_close(m->dev);
			m->dev = NULL;
			m->valid = false;
			m->reopen_ns = now;
			continue;
		}
		any = true;
		m->nbuf = r;
		/* the monitors tick on one grid: a tick missed by several is one missed sample */
		if (mm > missed)
			missed = mm;
	}
	s->missed += missed;
	if (!any) {
		/*
		 * No meter sampling (none could be opened yet): the ticks of the last batch run
		 * unread as they did a sample a wake-up (thermal steps, streams, reopening).
		 */
		int64_t from = now - s->batch_ns > s->last_ns ? now - s->batch_ns : s->last_ns;

		for (int64_t t = watts_monitor_tick_after(s, from); t <= now; t += s->period_ns) {
			watts_svc_sample(s, t);
			s->samples++;
		}
		return;
	}
	/* every tick any monitor has, oldest first; a monitor without it keeps its last reading */
	for (;;) {
		int64_t t = INT64_MAX;

		for (i = 0; i < s->nmon; i++)
			if (s->mon[i].pos < s->mon[i].nbuf && s->mon[i].buf[s->mon[i].pos].t_ns < t)
				t = s->mon[i].buf[s->mon[i].pos].t_ns;
		if (t == INT64_MAX)
			break;
		for (i = 0; i < s->nmon; i++) {
			struct watts_monitor *m = &s->mon[i];

			m->cur = m->pos < m->nbuf && m->buf[m->pos].t_ns == t ? &m->buf[m->pos++] : NULL;
		}
		watts_svc_sample(s, t);
		s->samples++;
	}
	for (i = 0; i < s->nmon; i++)
		s->mon[i].cur = NULL;
}

void watts_batch_free(struct watts_svc *s)
{
	for (int i = 0; i < s->nmon; i++) {
		free(s->mon[i].buf);
		s->mon[i].buf = NULL;
	}
}
