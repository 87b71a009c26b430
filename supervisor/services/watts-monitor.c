/* watts-monitor.c - the power meters: sampling, reopening, energy and its state file. */
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/watts-svc.h"

#include "hw/hwmon.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/util/log.h"
#include "supervisor/util/statefile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* consecutive failures before the sensor alarm */
#define WATTS_SENSOR_FAILS 3
/* retry a monitor that failed to open */
#define WATTS_REOPEN_NS (10 * HW_NSEC_PER_SEC)

struct watts_monitor *watts_monitor_main(struct watts_svc *s)
{
	return &s->mon[s->main_idx];
}

int64_t watts_monitor_tick_after(const struct watts_svc *s, int64_t t)
{
	/* the loop's grid, as loop_timer_arm_first() lays it: multiples of the period */
	return (t >= 0 ? t / s->period_ns + 1 : 0) * s->period_ns;
}

/* Batched: the chip's worker samples the monitor from the next tick on (watts-batch.c). */
static int watts_monitor_sampler_start(struct watts_svc *s, struct watts_monitor *m, int64_t now)
{
	int64_t first = watts_monitor_tick_after(s, now > s->last_ns ? now : s->last_ns);

	if (!m->buf) {
		m->buf = calloc(s->batch_cap, sizeof(*m->buf));
		if (!m->buf)
			return -ENOMEM;
	}
	m->nbuf = m->pos = 0;
	m->cur = NULL;
	return ina2xx_sampler_start(m->dev, s->period_ns, first, s->batch_cap);
}

void watts_monitor_open(struct watts_svc *s, struct watts_monitor *m, int64_t now)
{
	char err[200];
	int r;

	r = ina2xx_open(s->b->hw, &m->cfg.ina, &m->dev, err, sizeof(err));
	if (r == 0 && s->batched) {
		/* its chip's worker samples from the next tick on */
		r = watts_monitor_sampler_start(s, m, s->b->loop ? loop_now(s->b->loop) : now);
		if (r < 0) {
			snprintf(err, sizeof(err), "%s: cannot sample: %s", ina2xx_describe(m->dev),
				 strerror(-r));
			ina2xx_close(m->dev);
			m->dev = NULL;
		}
	}
	if (r == 0) {
		log_info("monitor %s: %s", m->cfg.name, ina2xx_describe(m->dev));
		m->err[0] = '\0';
		return;
	}
	m->dev = NULL;
	m->reopen_ns = now + WATTS_REOPEN_NS;
	if (strcmp(err, m->err)) {
		snprintf(m->err, sizeof(m->err), "%s", err);
		log_warnx("monitor %s: %s", m->cfg.name, err);
	}
	if (!s->b->power_off)
		alarm_raise(s->b, m->alarm_id, ALARM_WARN, NAN, "power monitor %s: %s", m->cfg.name,
			    err);
}

void watts_monitor_sample(struct watts_svc *s, struct watts_monitor *m, int64_t now)
{
	int r;

	if (!m->dev) {
		m->valid = false;
		if (now >= m->reopen_ns)
			watts_monitor_open(s, m, now);
		if (!m->dev)
			return;
	}
	if (s->batched) {
		/* a tick its worker missed: the last reading stands, nothing new to judge */
		if (!m->cur)
			return;
		r = ina2xx_sample_reading(m->dev, m->cur, &m->last);
	} else {
		r = ina2xx_read(m->dev, &m->last);
	}
	if (r == -EAGAIN) {
		m->valid = false;
		return;
	}
	if (r < 0) {
		m->valid = false;
		m->fails++;
		if (m->fails == WATTS_SENSOR_FAILS && !s->b->power_off)
			alarm_raise(s->b, m->alarm_id, ALARM_WARN, NAN,
				    "power monitor %s gives no valid reading: %s", m->cfg.name,
				    ina2xx_last_error(m->dev));
		return;
	}
	m->valid = true;
	if (m->fails >= WATTS_SENSOR_FAILS || alarm_active(s->b, m->alarm_id))
		alarm_clear(s->b, m->alarm_id);
	m->fails = 0;
}

void watts_monitor_close_all(struct watts_svc *s)
{
	for (int i = s->nmon - 1; i >= 0; i--) {
		ina2xx_close(s->mon[i].dev);
		s->mon[i].dev = NULL;
	}
}

/* ---- energy state ---- */

int watts_energy_state_save(const char *path, const struct energy_state *st)
{
	char body[512];
	int n = energy_state_format(st, body, sizeof(body));

	return n < 0 ? n : statefile_write(path, body, (size_t)n);
}

int watts_energy_state_load(const char *path, struct energy_state *st)
{
	char buf[1024];
	int n;

	memset(st, 0, sizeof(*st));
	n = statefile_read(path, buf, sizeof(buf));
	if (n == -EINVAL || n == -EFBIG)
		return -EBADMSG; /* a NUL byte or too long: not a file we wrote */
	if (n < 0)
		return n;
	return energy_state_parse(buf, st);
}

void watts_energy_save(struct watts_svc *s, int64_t now)
{
	int r;

	s->last_save_ns = now;
	if (!s->cfg.state_file[0])
		return;
	s->est.install_j = watts_monitor_main(s)->energy.install_j;
	s->est.saved_real_ns = s->b->loop ? loop_real_now(s->b->loop) : 0;
	r = watts_energy_state_save(s->cfg.state_file, &s->est);
	if (r < 0)
		log_warn(r, "cannot save energy state to %s", s->cfg.state_file);
}

void watts_energy_load(struct watts_svc *s)
{
	int r = -ENOENT;

	if (s->cfg.state_file[0])
		r = watts_energy_state_load(s->cfg.state_file, &s->est);
	if (r == -EBADMSG)
		log_warnx("energy state %s is corrupt; energy since install starts again at 0",
			  s->cfg.state_file);
	else if (r < 0 && r != -ENOENT)
		log_warn(r, "cannot read energy state %s", s->cfg.state_file);
	if (r < 0) {
		memset(&s->est, 0, sizeof(s->est));
		s->est.since_real_ns = s->b->loop ? loop_real_now(s->b->loop) : 0;
	}
}

/* ---- the idle baseline a record starts from ---- */

void watts_baseline_push(struct watts_svc *s, int64_t now, double w)
{
	int slot = (s->ring_head + s->ring_len) % WATTS_BASELINE_RING;

	if (s->ring_len == WATTS_BASELINE_RING)
		s->ring_head = (s->ring_head + 1) % WATTS_BASELINE_RING;
	else
		s->ring_len++;
	s->ring[slot].t = now;
	s->ring[slot].w = w;
}

void watts_baseline_measure(struct watts_svc *s, int64_t now, struct energy_baseline *b)
{
	energy_baseline_begin(b, now, s->cfg.baseline_ns);
	for (int i = 0; i < s->ring_len; i++) {
		int slot = (s->ring_head + i) % WATTS_BASELINE_RING;

		energy_baseline_add(b, s->ring[slot].t, s->ring[slot].w);
	}
	energy_baseline_end(b);
}
