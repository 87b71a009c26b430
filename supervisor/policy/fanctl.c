/* fanctl.c - pure NIC fan controller: one control step, manual modes, calibration runs. */
#include "supervisor/policy/fanctl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hw/clock.h"

#define DEFAULT_KICK_DUTY 50.0

/* ---------------------------------------------------------------- config queries */

double fanctl_override_temp(const struct fan_config *c, int input, int profile)
{
	double in = c->inputs[input].override_temp, prof = c->sched.profiles[profile].override_temp;

	/*
	 * Both say "too hot to keep the fan capped": the input for its sensor,
	 * the profile for its time of day (quiet lifts its cap lower than
	 * balanced).  Honouring whichever is reached first means neither is
	 * ever silently shadowed, and lifting a cap is the safe direction.
	 * fmin() ignores a NAN (unset) side.
	 */
	return fmin(in, prof);
}

int fanctl_curve_find(const struct fan_config *c, const char *name)
{
	for (int i = 0; i < c->ncurves; i++)
		if (strcmp(c->curves[i].c.name, name) == 0)
			return i;
	return -ENOENT;
}

/* ---------------------------------------------------------------- controller */

struct fanctl {
	const struct fan_config *cfg;
	struct fan_calibration cal;
	int curve_of[FAN_INPUTS_MAX];
	struct fancurve_state cs[FAN_INPUTS_MAX];

	bool started;
	int64_t last_ns;
	bool failsafe, ever_valid;
	int good_cycles;
	unsigned input_bad;
	enum fanctl_mode mode;
	int profile;
	bool override;
	int override_input;

	bool manual;
	double manual_pct;
	int64_t manual_until_ns;
	bool forced;
	int forced_profile;
	int64_t force_until_wall_ns;

	bool calibrating;
	struct fancal run;

	double out; /* last commanded duty, NAN before the first step */
	bool out_forced; /* it was failsafe's or a stall's full duty, not the curve's */
	struct fancurve_kick kick;

	bool stalled, stall_timing, stall_ok_timing;
	int64_t stall_since, stall_ok_since;
	bool probing;             /* the stall probe holds probe_duty() (fanctl.h) */
	int64_t probe_since, probe_holdoff_until;
	bool rpm_warn, rpm_timing;
	int64_t rpm_since;
};

const char *fanctl_mode_name(enum fanctl_mode m)
{
	switch (m) {
	case FANCTL_FAILSAFE:
		return "failsafe";
	case FANCTL_AUTO:
		return "auto";
	case FANCTL_MANUAL:
		return "manual";
	case FANCTL_CALIBRATE:
		return "calibrate";
	case FANCTL_STALL:
		return "stall";
	}
	return "?";
}

const char *fanctl_why_name(enum fanctl_why w)
{
	static const char *const names[] = { "curve", "override", "manual", "calibrate",
					     "failsafe", "floor", "stall", "probe" };

	_Static_assert(sizeof(names) / sizeof(names[0]) == FANCTL_WHY_PROBE + 1,
		       "a name for every enum fanctl_why, in its order");
	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "?";
}

int fanctl_reading_check(const struct fan_config *cfg, int input, const struct fanctl_reading *r,
			 int64_t now_ns)
{
	const struct temp_input_spec *sp = &cfg->inputs[input].spec;

	if (!isfinite(r->celsius))
		return -ENODATA;
	if (r->celsius < sp->min_c || r->celsius > sp->max_c)
		return -ERANGE;
	/* a never-read input is NAN above; 0 is a valid box time in the simulator */
	if (now_ns - r->updated_ns > cfg->stale_after_ns)
		return -ESTALE;
	return 0;
}

void fanctl_reset(struct fanctl *c)
{
	const struct fan_config *cfg = c->cfg;
	struct fan_calibration cal = c->cal;
	int curve_of[FAN_INPUTS_MAX];

	memcpy(curve_of, c->curve_of, sizeof(curve_of));
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->cal = cal;
	memcpy(c->curve_of, curve_of, sizeof(curve_of));
	c->failsafe = true;
	c->mode = FANCTL_FAILSAFE;
	c->profile = -1;
	c->override_input = -1;
	c->manual_pct = NAN;
	c->out = NAN;
	c->out_forced = true; /* the driver holds full duty from open until the first step */
}

int fanctl_new(const struct fan_config *cfg, struct fanctl **out)
{
	struct fanctl *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	c->cal.start_duty = cfg->start_duty;
	c->cal.min_duty = cfg->min_duty;
	c->cal.min_rpm = cfg->min_rpm;
	c->cal.max_rpm = cfg->max_rpm;
	for (int i = 0; i < cfg->ninputs; i++) {
		int k = fanctl_curve_find(cfg, cfg->inputs[i].curve);

		c->curve_of[i] = k >= 0 ? k : 0;
	}
	fanctl_reset(c);
	*out = c;
	return 0;
}

void fanctl_free(struct fanctl *c)
{
	free(c);
}

int fanctl_manual_set(struct fanctl *c, double pct, int64_t for_ns, int64_t now_ns)
{
	if (!(pct >= 0 && pct <= 100) || for_ns < 0)
		return -EINVAL;
	c->manual = true;
	c->manual_pct = pct;
	c->manual_until_ns = for_ns > 0 ? now_ns + for_ns : 0;
	c->calibrating = false;
	return 0;
}

int fanctl_profile_force(struct fanctl *c, const char *name, int until_min, int64_t wall_ns)
{
	int p = fansched_profile_find(&c->cfg->sched, name);
	int64_t until = 0;

	if (p < 0)
		return -ENOENT;
	if (until_min >= 0) {
		until = fansched_next_local(wall_ns, until_min);
		if (until < 0)
			return -EINVAL;
	}
	c->forced = true;
	c->forced_profile = p;
	c->force_until_wall_ns = until;
	/* choosing a profile means automatic duty again */
	c->manual = false;
	c->manual_pct = NAN;
	return 0;
}

void fanctl_auto(struct fanctl *c)
{
	c->manual = false;
	c->manual_pct = NAN;
	c->forced = false;
	c->calibrating = false;
}

int fanctl_calibrate_start(struct fanctl *c, int64_t now_ns)
{
	if (c->calibrating)
		return -EALREADY; /* a second request would restart it from the top */
	if (c->failsafe || c->stalled || c->override)
		return -EBUSY;
	/* settle over at least three periods so the tach has seen each duty */
	int64_t settle = 3 * c->cfg->period_ns;

	if (settle < 3 * HW_NSEC_PER_SEC)
		settle = 3 * HW_NSEC_PER_SEC;
	fancal_start(&c->run, 5.0, c->cfg->stall_rpm, settle, now_ns);
	c->calibrating = true;
	c->manual = false;
	return 0;
}

void fanctl_calibration_set(struct fanctl *c, const struct fan_calibration *cal)
{
	c->cal = *cal;
}

const struct fan_calibration *fanctl_calibration(const struct fanctl *c)
{
	return &c->cal;
}

const struct fancal *fanctl_calibration_run(const struct fanctl *c)
{
	return &c->run;
}

void fanctl_status_get(const struct fanctl *c, int64_t wall_ns, struct fanctl_status *st)
{
	st->mode = c->mode;
	/* what the next step will use, so a reply right after a command is current */
	st->profile = c->forced ? c->forced_profile : fansched_active(&c->cfg->sched, wall_ns);
	st->profile_forced = c->forced;
	st->force_until_wall_ns = c->forced ? c->force_until_wall_ns : 0;
	st->manual_pct = c->manual ? c->manual_pct : NAN;
	st->manual_until_ns = c->manual ? c->manual_until_ns : 0;
	st->duty = c->out;
	st->calibrating = c->calibrating;
}

static double expected_rpm(const struct fanctl *c, double duty)
{
	const struct fan_calibration *k = &c->cal;
	double lo = k->min_duty > 0 ? k->min_duty : 1.0;

	if (!(k->max_rpm > 0) || !(duty >= lo))
		return NAN;
	if (k->min_rpm > 0 && k->min_duty > 0 && k->min_duty < 100)
		return k->min_rpm + (duty - k->min_duty) / (100.0 - k->min_duty) *
					    (k->max_rpm - k->min_rpm);
	return k->max_rpm * duty / 100.0;
}

static double profile_shape(const struct fansched_profile *p, double d, bool override)
{
	if (d > 0)
		d = d * p->scale + p->offset;
	if (d < p->floor)
		d = p->floor;
	if (!override && d > p->cap)
		d = p->cap;
	return d < 0 ? 0 : d > 100 ? 100 : d;
}

/* The duty at and above which a fan must turn (fanctl.h: stall detection). */
static double stall_run_duty(const struct fanctl *c)
{
	double d = c->cfg->stall_duty;

	/* a calibrated fan keeps turning down to its min_duty */
	if (c->cal.min_duty > 0 && c->cal.min_duty < d)
		d = c->cal.min_duty;
	return d;
}

/* The probe's duty: what starts a healthy fan from a stop. */
static double probe_duty(const struct fanctl *c)
{
	double d = c->cal.start_duty > 0 ? c->cal.start_duty : DEFAULT_KICK_DUTY;

	return fmin(fmax(d, c->cfg->stall_duty), 100.0);
}

static void stall_enter(struct fanctl *c, unsigned *ev)
{
	c->probing = false;
	c->stalled = true;
	c->stall_ok_timing = false;
	*ev |= FANCTL_EV_STALL;
}

/* applied: the duty the fan got through the period the tach (rpm) reflects. */
static void stall_update(struct fanctl *c, double rpm, double applied, int64_t now, unsigned *ev)
{
	const struct fan_config *cfg = c->cfg;
	bool expect, low;

	if (c->calibrating || !isfinite(rpm) || !isfinite(applied)) {
		c->stall_timing = false;
		c->stall_ok_timing = false;
		c->probing = false;
		return;
	}
	if (!c->stalled && c->probing) {
		if (rpm >= cfg->stall_rpm) {
			/* it turns: healthy, merely below its running minimum */
			c->probing = false;
			c->stall_timing = false;
			c->probe_holdoff_until = now + FANCTL_PROBE_HOLDOFF_NS;
		} else if (now - c->probe_since >= cfg->stall_time_ns) {
			stall_enter(c, ev);
		}
		return;
	}
	if (!c->stalled) {
		expect = applied >= stall_run_duty(c);
		low = applied > 0 && !expect;
		if ((expect || low) && rpm < cfg->stall_rpm) {
			if (!c->stall_timing) {
				c->stall_timing = true;
				c->stall_since = now;
			}
			if (now - c->stall_since < cfg->stall_time_ns)
				return;
			if (expect) {
				stall_enter(c, ev);
			} else if (now >= c->probe_holdoff_until) {
				c->probing = true;
				c->probe_since = now;
				c->stall_timing = false;
			}
		} else {
			c->stall_timing = false;
		}
		return;
	}
	/* stalled: full duty until it has turned properly for stall_time */
	if (rpm >= cfg->stall_rpm) {
		if (!c->stall_ok_timing) {
			c->stall_ok_timing = true;
			c->stall_ok_since = now;
		}
		if (now - c->stall_ok_since >= cfg->stall_time_ns) {
			c->stalled = false;
			c->stall_timing = false;
			*ev |= FANCTL_EV_STALL_CLEAR;
		}
	} else {
		c->stall_ok_timing = false;
	}
}

static void rpm_update(struct fanctl *c, double rpm, int64_t now, double *expected, unsigned *ev)
{
	const struct fan_config *cfg = c->cfg;
	double e = isnan(c->out) ? NAN : expected_rpm(c, c->out);
	bool far;

	*expected = e;
	if (c->calibrating || c->stalled || c->probing || c->kick.running || !isfinite(rpm) ||
	    isnan(e)) {
		c->rpm_timing = false;
		return;
	}
	far = fabs(rpm - e) > cfg->rpm_tolerance / 100.0 * e;
	if (far == c->rpm_warn) {
		c->rpm_timing = false;
		return;
	}
	/* change state only after agreeing readings for rpm_warn_time */
	if (!c->rpm_timing) {
		c->rpm_timing = true;
		c->rpm_since = now;
	}
	if (now - c->rpm_since >= cfg->rpm_warn_time_ns) {
		c->rpm_warn = far;
		c->rpm_timing = false;
		*ev |= far ? FANCTL_EV_RPM_WARN : FANCTL_EV_RPM_OK;
	}
}

void fanctl_step(struct fanctl *c, const struct fanctl_input *in, struct fanctl_output *out)
{
	const struct fan_config *cfg = c->cfg;
	const struct fansched *sched = &cfg->sched;
	const struct fansched_profile *prof;
	int64_t now = in->now_ns, dt = c->started ? now - c->last_ns : cfg->period_ns;
	/* before the first step the driver has the fan at full duty since open */
	double prev = isnan(c->out) ? cfg->failsafe_duty : c->out;
	unsigned bad = 0, off = 0, ev = 0;
	bool ok, hot = false, warm = false;
	double raw = 0, d, auto_out, duty, kick_duty;
	int win = -1, hot_input = -1, p, required_bad = 0, nvalid = 0;
	const struct fancurve_config *wc;
	enum fanctl_mode mode;
	enum fanctl_why why;

	memset(out, 0, sizeof(*out));
	out->override_input = -1;

	/* 1. readings */
	for (int i = 0; i < cfg->ninputs; i++) {
		if (in->temps[i].off) {
			off |= 1u << i; /* unpowered: expected, not a fault */
			continue;
		}
		if (fanctl_reading_check(cfg, i, &in->temps[i], now) < 0) {
			bad |= 1u << i;
			if (cfg->inputs[i].required)
				required_bad++;
		} else {
			nvalid++;
		}
	}
	out->input_changed = c->started ? bad ^ c->input_bad : bad;
	if (out->input_changed)
		ev |= FANCTL_EV_INPUT;
	c->input_bad = bad;
	out->input_bad = bad;

	/* 2. failsafe: never less cooling than failsafe_duty on a doubtful reading */
	ok = required_bad == 0 && nvalid > 0;
	c->good_cycles = ok ? c->good_cycles + 1 : 0;
	if (c->failsafe) {
		if (ok && c->good_cycles >= (c->ever_valid ? cfg->recover_readings : 1)) {
			c->failsafe = false;
			c->ever_valid = true;
			ev |= FANCTL_EV_FAILSAFE_EXIT;
		}
	} else if (!ok) {
		c->failsafe = true;
		ev |= FANCTL_EV_FAILSAFE_ENTER;
	}

	/* 3. profile: forced (until a local time) or scheduled */
	if (c->forced && c->force_until_wall_ns > 0 && in->wall_ns >= c->force_until_wall_ns) {
		c->forced = false;
		ev |= FANCTL_EV_FORCE_EXPIRED;
	}
	p = c->forced ? c->forced_profile : fansched_active(sched, in->wall_ns);
	if (p != c->profile)
		ev |= FANCTL_EV_PROFILE;
	c->profile = p;
	prof = &sched->profiles[p];

	/* 4. per-input demand and the temperature override */
	for (int i = 0; i < cfg->ninputs; i++) {
		double t = in->temps[i].celsius, ot;

		out->demand[i] = NAN;
		if ((bad | off) & (1u << i)) {
			fancurve_state_reset(&c->cs[i]);
			continue;
		}
		out->demand[i] = fancurve_demand(&cfg->curves[c->curve_of[i]].c, &c->cs[i], t, now);
		if (win < 0 || out->demand[i] > raw) {
			raw = out->demand[i];
			win = i;
		}
		ot = fanctl_override_temp(cfg, i, p);
		if (isnan(ot))
			continue;
		if (t >= ot && !hot) {
			hot = true;
			hot_input = i;
		}
		if (t >= ot - cfg->override_hysteresis)
			warm = true;
	}
	if (!c->override && hot) {
		c->override = true;
		c->override_input = hot_input;
		ev |= FANCTL_EV_OVERRIDE_ON;
	} else if (c->override && !warm) {
		c->override = false;
		c->override_input = -1;
		ev |= FANCTL_EV_OVERRIDE_OFF;
	}

	/* 5. automatic duty: profile shape, calibrated minimum, kick, slew */
	d = profile_shape(prof, raw, c->override);
	if (d > 0 && c->cal.min_duty > 0 && d < c->cal.min_duty)
		d = c->cal.min_duty; /* below it the fan stalls: cooling beats the cap */
	wc = &cfg->curves[c->curve_of[win >= 0 ? win : 0]].c;
	/*
	 * Slew limits smooth the curve's own changes.  Leaving failsafe or a
	 * stall's full duty is not one: the failsafe duty was a guess made
	 * without readings, and slewing down from it kept a box switched on at
	 * night loud for 20 s.  Entering either is immediate anyway (below), so
	 * this never cools less on a fault; upward changes stay limited.
	 */
	auto_out = fancurve_slew(prev, d, c->override ? 0 : wc->slew_up,
				 c->out_forced ? 0 : wc->slew_down, dt);
	kick_duty = !isnan(wc->kick_duty) ? wc->kick_duty
		    : c->cal.start_duty > 0 ? c->cal.start_duty : DEFAULT_KICK_DUTY;
	auto_out = fancurve_kick_apply(&c->kick, kick_duty, wc->kick_ns, prev, auto_out, now);

	/* 6. mode */
	if (c->calibrating && (c->failsafe || c->override || c->stalled || in->floor_pct > 0)) {
		c->calibrating = false;
		c->run.phase = FANCAL_FAILED;
		c->run.error = c->failsafe ? "aborted: sensor fault"
			       : c->override ? "aborted: temperature override"
			       : c->stalled ? "aborted: fan stall"
			       : "aborted: full cooling requested";
		ev |= FANCTL_EV_CAL_FAILED;
	}
	if (c->manual && c->manual_until_ns > 0 && now >= c->manual_until_ns) {
		c->manual = false;
		c->manual_pct = NAN;
		ev |= FANCTL_EV_MANUAL_EXPIRED;
	}
	if (c->failsafe) {
		mode = FANCTL_FAILSAFE;
		why = FANCTL_WHY_FAILSAFE;
		duty = fmax(cfg->failsafe_duty, raw);
		if (c->manual)
			duty = fmax(duty, c->manual_pct);
	} else if (c->calibrating) {
		mode = FANCTL_CALIBRATE;
		why = FANCTL_WHY_CALIBRATE;
		duty = fancal_step(&c->run, in->rpm, now);
		if (c->run.phase == FANCAL_DONE) {
			c->cal = c->run.result;
			c->calibrating = false;
			ev |= FANCTL_EV_CAL_DONE;
			mode = FANCTL_AUTO;
			why = c->override ? FANCTL_WHY_OVERRIDE : FANCTL_WHY_CURVE;
			duty = auto_out;
		} else if (c->run.phase == FANCAL_FAILED) {
			c->calibrating = false;
			ev |= FANCTL_EV_CAL_FAILED;
			mode = FANCTL_AUTO;
			duty = fmax(auto_out, c->run.duty);
			why = duty > auto_out ? FANCTL_WHY_CALIBRATE
			      : c->override ? FANCTL_WHY_OVERRIDE : FANCTL_WHY_CURVE;
		}
	} else if (c->manual) {
		mode = FANCTL_MANUAL;
		/* never below what the critical override demands */
		duty = fmax(c->manual_pct, c->override ? raw : 0.0);
		why = duty > c->manual_pct ? FANCTL_WHY_OVERRIDE : FANCTL_WHY_MANUAL;
	} else {
		mode = FANCTL_AUTO;
		why = c->override ? FANCTL_WHY_OVERRIDE : FANCTL_WHY_CURVE;
		duty = auto_out;
	}

	/* 7. tach supervision (the rpm reflects the duty of the last period) */
	stall_update(c, in->rpm, in->held ? in->held_pct : c->out, now, &ev);
	rpm_update(c, in->rpm, now, &out->expected_rpm, &ev);
	/* an external minimum (a thermal escalation elsewhere) always holds */
	if (in->floor_pct > 0 && !(duty >= in->floor_pct)) {
		duty = in->floor_pct;
		why = FANCTL_WHY_FLOOR;
	}
	if (c->probing && !(duty >= probe_duty(c))) {
		duty = probe_duty(c);
		why = FANCTL_WHY_PROBE;
	}
	if (c->stalled) {
		duty = 100.0;
		why = FANCTL_WHY_STALL;
		if (mode != FANCTL_FAILSAFE)
			mode = FANCTL_STALL;
	}
	if (!(duty >= 0)) {
		duty = 100.0; /* a NAN duty is a fault: fail to full speed */
		why = FANCTL_WHY_FAILSAFE;
	}
	duty = fmin(duty, 100.0);

	if (mode != c->mode)
		ev |= FANCTL_EV_MODE;
	c->mode = mode;
	c->out = duty;
	/* a probe is no curve change either: leaving it is not slewed down from */
	c->out_forced = mode == FANCTL_FAILSAFE || mode == FANCTL_STALL || c->probing;
	c->last_ns = now;
	c->started = true;

	out->duty = duty;
	out->mode = mode;
	out->why = why;
	out->profile = p;
	out->failsafe = c->failsafe;
	out->override = c->override;
	out->override_input = c->override_input;
	out->stalled = c->stalled;
	out->probing = c->probing;
	out->rpm_warn = c->rpm_warn;
	out->events = ev;
}
