/* fanctl.c - pure NIC fan controller: config, one control step, manual modes, calibration. */
#include "supervisor/policy/fanctl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "supervisor/util/parse.h"

#define NSEC_PER_SEC INT64_C(1000000000)
#define DEFAULT_KICK_DUTY 50.0

/* ---------------------------------------------------------------- config */

static void input_defaults(struct fan_input_config *in, const char *name)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->spec.name, sizeof(in->spec.name), "%s", name);
	in->spec.min_c = -20.0;
	in->spec.max_c = 150.0;
	snprintf(in->curve, sizeof(in->curve), "default");
	in->override_temp = NAN;
	in->required = true;
}

void fan_config_defaults(struct fan_config *c)
{
	struct fan_input_config *in;
	struct fan_curve_config *cv;

	memset(c, 0, sizeof(*c));
	c->enabled = true;
	snprintf(c->chip, sizeof(c->chip), "emc2305-*");
	c->pwm = 1;
	c->period_ns = NSEC_PER_SEC;
	c->failsafe_duty = 100.0;
	c->stale_after_ns = 2 * NSEC_PER_SEC;
	c->recover_readings = 3;
	c->on_exit = NIC_FAN_EXIT_RESTORE;
	c->stall_duty = 30.0;
	c->stall_rpm = 300.0;
	c->stall_time_ns = 5 * NSEC_PER_SEC;
	c->rpm_tolerance = 35.0;
	c->rpm_warn_time_ns = 15 * NSEC_PER_SEC;
	c->override_hysteresis = 3.0;
	snprintf(c->calibration_file, sizeof(c->calibration_file), "fan.cal");

	cv = &c->curves[c->ncurves++];
	fancurve_config_defaults(&cv->c);
	snprintf(cv->c.name, sizeof(cv->c.name), "default");
	fancurve_points_parse(&cv->c, "30:20 45:35 55:60 65:100", NULL, 0);
	cv->builtin = true;

	/* a minimal profile still cools the NIC heatsink of the reference box */
	in = &c->inputs[c->ninputs++];
	input_defaults(in, "nic");
	snprintf(in->spec.chip, sizeof(in->spec.chip), "lm75-*");
	snprintf(in->spec.label, sizeof(in->spec.label), "temp1");
	in->builtin = true;

	fansched_defaults(&c->sched);
}

double fan_config_override_temp(const struct fan_config *c, int input, int profile)
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

int fan_config_curve_find(const struct fan_config *c, const char *name)
{
	for (int i = 0; i < c->ncurves; i++)
		if (strcmp(c->curves[i].c.name, name) == 0)
			return i;
	return -ENOENT;
}

/* "input nic" -> "nic"; NULL unless section is exactly "<kind> <name>". */
static const char *instance(const char *section, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(section, kind, n) != 0 || section[n] != ' ')
		return NULL;
	section += n;
	while (*section == ' ')
		section++;
	return *section ? section : NULL;
}

static int name_check(const char *name, char *err, size_t errlen)
{
	if (strlen(name) >= FANCURVE_NAME_MAX)
		return parse_error(-EINVAL, err, errlen, "name '%s' is longer than %d characters", name,
			    FANCURVE_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return parse_error(-EINVAL, err, errlen, "name '%s': use letters, digits, '-', '_', '.'",
				    name);
	return 0;
}

static struct fan_input_config *input_get(struct fan_config *c, const char *name, int line,
					  char *err, size_t errlen)
{
	int i;

	if (name_check(name, err, errlen) < 0)
		return NULL;
	/* the first [input] of the file replaces the built-in one */
	if (c->ninputs == 1 && c->inputs[0].builtin)
		c->ninputs = 0;
	for (i = 0; i < c->ninputs; i++)
		if (strcmp(c->inputs[i].spec.name, name) == 0)
			return &c->inputs[i];
	if (c->ninputs == FAN_INPUTS_MAX) {
		parse_error(-EINVAL, err, errlen, "more than %d [input] sections", FAN_INPUTS_MAX);
		return NULL;
	}
	input_defaults(&c->inputs[c->ninputs], name);
	c->inputs[c->ninputs].line = line;
	return &c->inputs[c->ninputs++];
}

static struct fan_curve_config *curve_get(struct fan_config *c, const char *name, int line,
					  char *err, size_t errlen)
{
	struct fan_curve_config *cv;
	int i;

	if (name_check(name, err, errlen) < 0)
		return NULL;
	i = fan_config_curve_find(c, name);
	if (i >= 0) {
		cv = &c->curves[i];
		if (cv->builtin) {
			cv->builtin = false;
			cv->line = line;
		}
		return cv;
	}
	if (c->ncurves == FAN_CURVES_MAX) {
		parse_error(-EINVAL, err, errlen, "more than %d [curve] sections", FAN_CURVES_MAX);
		return NULL;
	}
	cv = &c->curves[c->ncurves++];
	fancurve_config_defaults(&cv->c);
	snprintf(cv->c.name, sizeof(cv->c.name), "%s", name);
	cv->line = line;
	return cv;
}

static int set_duration(const char *v, int64_t min, int64_t max, int64_t *out, char *err,
			size_t errlen)
{
	return parse_duration_ns(v, min, max, out, err, errlen);
}

/* A temperature, or "none"/"off" for NAN. */
static int set_temp_opt(const char *v, double *out, char *err, size_t errlen)
{
	if (strcasecmp(v, "none") == 0 || strcasecmp(v, "off") == 0) {
		*out = NAN;
		return 0;
	}
	return parse_double(v, -50, 200, out, err, errlen);
}

static int fan_set(struct fan_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	long l;
	int r;

	if (!c->line)
		c->line = 1;
	if (strcmp(key, "enabled") == 0)
		return parse_bool(v, &c->enabled, err, errlen);
	if (strcmp(key, "chip") == 0)
		return parse_string(v, c->chip, sizeof(c->chip), err, errlen);
	if (strcmp(key, "pwm") == 0) {
		r = parse_int(v, 1, 16, &l, err, errlen);
		if (r == 0)
			c->pwm = (int)l;
		return r;
	}
	if (strcmp(key, "period") == 0)
		return set_duration(v, 100 * 1000000LL, 10 * NSEC_PER_SEC, &c->period_ns, err,
				    errlen);
	if (strcmp(key, "failsafe_duty") == 0)
		return parse_percent(v, 20, 100, &c->failsafe_duty, err, errlen);
	if (strcmp(key, "stale_after") == 0)
		return set_duration(v, 100 * 1000000LL, 600 * NSEC_PER_SEC, &c->stale_after_ns,
				    err, errlen);
	if (strcmp(key, "recover_readings") == 0) {
		r = parse_int(v, 1, 100, &l, err, errlen);
		if (r == 0)
			c->recover_readings = (int)l;
		return r;
	}
	if (strcmp(key, "on_exit") == 0) {
		/* parsed here, not by the driver, so the controller links without hw */
		if (strcmp(v, "restore") == 0)
			c->on_exit = NIC_FAN_EXIT_RESTORE;
		else if (strcmp(v, "full") == 0)
			c->on_exit = NIC_FAN_EXIT_FULL;
		else if (strcmp(v, "keep") == 0)
			c->on_exit = NIC_FAN_EXIT_KEEP;
		else
			return parse_error(-EINVAL, err, errlen, "on_exit must be restore, full or keep, got '%s'",
				    v);
		return 0;
	}
	if (strcmp(key, "stall_duty") == 0)
		return parse_percent(v, 1, 100, &c->stall_duty, err, errlen);
	if (strcmp(key, "stall_rpm") == 0)
		return parse_double(v, 0, 100000, &c->stall_rpm, err, errlen);
	if (strcmp(key, "stall_time") == 0)
		return set_duration(v, 0, 600 * NSEC_PER_SEC, &c->stall_time_ns, err, errlen);
	if (strcmp(key, "rpm_tolerance") == 0)
		return parse_percent(v, 1, 1000, &c->rpm_tolerance, err, errlen);
	if (strcmp(key, "rpm_warn_time") == 0)
		return set_duration(v, 0, 3600 * NSEC_PER_SEC, &c->rpm_warn_time_ns, err,
				    errlen);
	if (strcmp(key, "override_hysteresis") == 0)
		return parse_double(v, 0, 50, &c->override_hysteresis, err, errlen);
	if (strcmp(key, "start_duty") == 0)
		return parse_percent(v, 0, 100, &c->start_duty, err, errlen);
	if (strcmp(key, "min_duty") == 0)
		return parse_percent(v, 0, 100, &c->min_duty, err, errlen);
	if (strcmp(key, "min_rpm") == 0)
		return parse_double(v, 0, 100000, &c->min_rpm, err, errlen);
	if (strcmp(key, "max_rpm") == 0)
		return parse_double(v, 0, 100000, &c->max_rpm, err, errlen);
	if (strcmp(key, "calibration_file") == 0)
		return parse_string(v, c->calibration_file, sizeof(c->calibration_file), err,
				    errlen);
	return -ENOENT;
}

static int input_set(struct fan_config *c, const char *name, const char *key, const char *v,
		     int line, char *err, size_t errlen)
{
	struct fan_input_config *in = input_get(c, name, line, err, errlen);

	if (!in)
		return -EINVAL;
	if (strcmp(key, "chip") == 0)
		return parse_string(v, in->spec.chip, sizeof(in->spec.chip), err, errlen);
	if (strcmp(key, "label") == 0)
		return parse_string(v, in->spec.label, sizeof(in->spec.label), err, errlen);
	if (strcmp(key, "file") == 0)
		return parse_string(v, in->spec.file, sizeof(in->spec.file), err, errlen);
	if (strcmp(key, "offset") == 0)
		return parse_double(v, -50, 50, &in->spec.offset_c, err, errlen);
	if (strcmp(key, "min") == 0)
		return parse_double(v, -60, 250, &in->spec.min_c, err, errlen);
	if (strcmp(key, "max") == 0)
		return parse_double(v, -60, 250, &in->spec.max_c, err, errlen);
	if (strcmp(key, "curve") == 0) {
		in->curve_line = line;
		return parse_string(v, in->curve, sizeof(in->curve), err, errlen);
	}
	if (strcmp(key, "override_temp") == 0)
		return set_temp_opt(v, &in->override_temp, err, errlen);
	if (strcmp(key, "required") == 0)
		return parse_bool(v, &in->required, err, errlen);
	if (strcmp(key, "powered_by") == 0) {
		static const char *const names[] = { "psu", "host", "always" };

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(v, names[i]) == 0) {
				in->power = (enum fan_input_power)i;
				return 0;
			}
		return parse_error(-EINVAL, err, errlen,
				   "powered_by must be psu, host or always, got '%s'", v);
	}
	return -ENOENT;
}

static int curve_set(struct fan_config *c, const char *name, const char *key, const char *v,
		     int line, char *err, size_t errlen)
{
	struct fan_curve_config *cv = curve_get(c, name, line, err, errlen);
	struct fancurve_config *k;

	if (!cv)
		return -EINVAL;
	k = &cv->c;
	if (strcmp(key, "points") == 0)
		return fancurve_points_parse(k, v, err, errlen);
	if (strcmp(key, "hysteresis") == 0)
		return parse_double(v, 0, 30, &k->hysteresis_c, err, errlen);
	if (strcmp(key, "stop_below") == 0)
		return set_temp_opt(v, &k->stop_below_c, err, errlen);
	if (strcmp(key, "min_duty") == 0)
		return parse_percent(v, 0, 100, &k->min_duty, err, errlen);
	if (strcmp(key, "kick_duty") == 0)
		return parse_percent(v, 0, 100, &k->kick_duty, err, errlen);
	if (strcmp(key, "kick_time") == 0)
		return set_duration(v, 0, 30 * NSEC_PER_SEC, &k->kick_ns, err, errlen);
	if (strcmp(key, "slew_up") == 0)
		return parse_double(v, 0, 1000, &k->slew_up, err, errlen);
	if (strcmp(key, "slew_down") == 0)
		return parse_double(v, 0, 1000, &k->slew_down, err, errlen);
	if (strcmp(key, "pid_target") == 0)
		return set_temp_opt(v, &k->pid_target_c, err, errlen);
	if (strcmp(key, "pid_kp") == 0)
		return parse_double(v, 0, 1000, &k->pid_kp, err, errlen);
	if (strcmp(key, "pid_ki") == 0)
		return parse_double(v, 0, 1000, &k->pid_ki, err, errlen);
	if (strcmp(key, "pid_kd") == 0)
		return parse_double(v, 0, 1000, &k->pid_kd, err, errlen);
	return -ENOENT;
}

static int profile_set(struct fan_config *c, const char *name, const char *key, const char *v,
		       int line, char *err, size_t errlen)
{
	struct fansched_profile *p;

	if (name_check(name, err, errlen) < 0)
		return -EINVAL;
	p = fansched_profile_get(&c->sched, name);
	if (!p)
		return parse_error(-EINVAL, err, errlen, "more than %d fan profiles", FANSCHED_PROFILES_MAX);
	if (!p->line)
		p->line = line;
	if (strcmp(key, "cap") == 0)
		return parse_percent(v, 0, 100, &p->cap, err, errlen);
	if (strcmp(key, "floor") == 0)
		return parse_percent(v, 0, 100, &p->floor, err, errlen);
	if (strcmp(key, "scale") == 0)
		return parse_double(v, 0, 10, &p->scale, err, errlen);
	if (strcmp(key, "offset") == 0)
		return parse_percent(v, -100, 100, &p->offset, err, errlen);
	if (strcmp(key, "override_temp") == 0)
		return set_temp_opt(v, &p->override_temp, err, errlen);
	return -ENOENT;
}

static int schedule_set(struct fan_config *c, const char *key, const char *v, int line, char *err,
			size_t errlen)
{
	struct fansched *s = &c->sched;

	if (strcmp(key, "default") == 0 || strcmp(key, "profile") == 0) {
		s->default_line = line;
		if (name_check(v, err, errlen) < 0)
			return -EINVAL;
		return parse_string(v, s->default_profile, sizeof(s->default_profile), err,
				    errlen);
	}
	if (name_check(key, err, errlen) < 0)
		return -EINVAL;
	return fansched_entry_add(s, key, v, line, err, errlen);
}

int fan_config_set(struct fan_config *c, const char *section, const char *key, const char *value,
		   int line, char *err, size_t errlen)
{
	const char *name;

	if (!section || !key || !value)
		return -EINVAL;
	if (strcmp(section, "fan") == 0) {
		if (strcmp(key, "profile") == 0)
			return schedule_set(c, "default", value, line, err, errlen);
		if (!c->line || c->line > line)
			c->line = line;
		return fan_set(c, key, value, err, errlen);
	}
	if ((name = instance(section, "input")))
		return input_set(c, name, key, value, line, err, errlen);
	if ((name = instance(section, "curve")))
		return curve_set(c, name, key, value, line, err, errlen);
	if ((name = instance(section, "fanprofile")))
		return profile_set(c, name, key, value, line, err, errlen);
	if (strcmp(section, "fanschedule") == 0 || strcmp(section, "schedule") == 0)
		return schedule_set(c, key, value, line, err, errlen);
	return -ENOENT;
}

int fan_config_validate(const struct fan_config *c, int *line, char *err, size_t errlen)
{
	int r;

	for (int i = 0; i < c->ncurves; i++) {
		r = fancurve_config_check(&c->curves[i].c, err, errlen);
		if (r < 0) {
			*line = c->curves[i].line;
			return r;
		}
	}
	if (c->ninputs == 0) {
		*line = c->line;
		return parse_error(-EINVAL, err, errlen, "the fan has no temperature [input]");
	}
	for (int i = 0; i < c->ninputs; i++) {
		const struct fan_input_config *in = &c->inputs[i];

		*line = in->line;
		if (!in->spec.file[0] && (!in->spec.chip[0] || !in->spec.label[0]))
			return parse_error(-EINVAL, err, errlen,
				    "input '%s' needs chip + label, or file", in->spec.name);
		if (in->spec.min_c >= in->spec.max_c)
			return parse_error(-EINVAL, err, errlen, "input '%s': min %g is not below max %g",
				    in->spec.name, in->spec.min_c, in->spec.max_c);
		if (fan_config_curve_find(c, in->curve) < 0) {
			if (in->curve_line)
				*line = in->curve_line;
			return parse_error(-EINVAL, err, errlen, "input '%s': unknown curve '%s'", in->spec.name,
				    in->curve);
		}
	}
	r = fansched_validate(&c->sched, line, err, errlen);
	if (r < 0)
		return r;
	*line = 0;
	return 0;
}

/* ---------------------------------------------------------------- calibration */

const char *fancal_phase_name(enum fancal_phase p)
{
	static const char *const names[] = { "idle", "max", "down", "stop", "up", "done",
					     "failed" };

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

void fancal_start(struct fancal *k, double step, double spin_rpm, int64_t settle_ns,
		  int64_t now_ns)
{
	memset(k, 0, sizeof(*k));
	k->phase = FANCAL_MAX;
	k->duty = 100.0;
	k->phase_ns = now_ns;
	k->step = step > 0 ? step : 5.0;
	k->spin_rpm = spin_rpm > 0 ? spin_rpm : 1.0;
	k->settle_ns = settle_ns;
	k->max_settle_ns = 2 * settle_ns; /* from any speed up to full */
	k->result.min_duty = 100.0;
	k->result.start_duty = NAN;
}

static void cal_set(struct fancal *k, enum fancal_phase p, double duty, int64_t now_ns)
{
	k->phase = p;
	k->duty = duty;
	k->phase_ns = now_ns;
}

static void cal_finish(struct fancal *k, double start)
{
	k->result.start_duty = fmin(100.0, start + k->step);
	k->result.min_duty = fmin(100.0, k->result.min_duty + k->step);
	k->phase = FANCAL_DONE;
	k->duty = 100.0;
}

double fancal_step(struct fancal *k, double rpm, int64_t now_ns)
{
	int64_t wait = k->phase == FANCAL_MAX ? k->max_settle_ns : k->settle_ns;
	bool spinning = isfinite(rpm) && rpm >= k->spin_rpm;

	if (k->phase == FANCAL_IDLE || k->phase == FANCAL_DONE || k->phase == FANCAL_FAILED)
		return 100.0;
	if (now_ns - k->phase_ns < wait)
		return k->duty;
	if (isnan(rpm)) {
		k->phase = FANCAL_FAILED;
		k->error = "no tach reading";
		k->duty = 100.0;
		return k->duty;
	}
	switch (k->phase) {
	case FANCAL_MAX:
		if (!spinning) {
			k->phase = FANCAL_FAILED;
			k->error = "the fan does not turn at 100%";
			k->duty = 100.0;
			break;
		}
		k->result.max_rpm = rpm;
		k->result.min_rpm = rpm;
		cal_set(k, FANCAL_DOWN, 100.0 - k->step, now_ns);
		break;
	case FANCAL_DOWN:
		if (!spinning) {
			cal_set(k, FANCAL_STOP, 0.0, now_ns);
			break;
		}
		k->result.min_duty = k->duty;
		k->result.min_rpm = rpm;
		if (k->duty - k->step < k->step / 2)
			cal_set(k, FANCAL_STOP, 0.0, now_ns);
		else
			cal_set(k, FANCAL_DOWN, k->duty - k->step, now_ns);
		break;
	case FANCAL_STOP:
		if (!spinning) {
			cal_set(k, FANCAL_UP, k->step, now_ns);
		} else if (now_ns - k->phase_ns >= 4 * k->settle_ns) {
			/* it never stops, even at 0: any duty keeps it turning */
			cal_finish(k, 0.0);
			k->result.start_duty = k->result.min_duty;
		}
		break;
	case FANCAL_UP:
		if (spinning) {
			cal_finish(k, k->duty);
		} else if (k->duty + k->step > 100.0 + 1e-9) {
			k->phase = FANCAL_FAILED;
			k->error = "the fan does not start from stop";
			k->duty = 100.0;
		} else {
			cal_set(k, FANCAL_UP, k->duty + k->step, now_ns);
		}
		break;
	default:
		break;
	}
	return k->duty;
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
		int k = fan_config_curve_find(cfg, cfg->inputs[i].curve);

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

	if (settle < 3 * NSEC_PER_SEC)
		settle = 3 * NSEC_PER_SEC;
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

static void stall_update(struct fanctl *c, double rpm, int64_t now, unsigned *ev)
{
	const struct fan_config *cfg = c->cfg;

	if (c->calibrating || !isfinite(rpm) || isnan(c->out)) {
		c->stall_timing = false;
		c->stall_ok_timing = false;
		return;
	}
	if (!c->stalled) {
		if (c->out >= cfg->stall_duty && rpm < cfg->stall_rpm) {
			if (!c->stall_timing) {
				c->stall_timing = true;
				c->stall_since = now;
			}
			if (now - c->stall_since >= cfg->stall_time_ns) {
				c->stalled = true;
				c->stall_ok_timing = false;
				*ev |= FANCTL_EV_STALL;
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
	if (c->calibrating || c->stalled || c->kick.running || !isfinite(rpm) || isnan(e)) {
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
		ot = fan_config_override_temp(cfg, i, p);
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
		duty = fmax(cfg->failsafe_duty, raw);
		if (c->manual)
			duty = fmax(duty, c->manual_pct);
	} else if (c->calibrating) {
		mode = FANCTL_CALIBRATE;
		duty = fancal_step(&c->run, in->rpm, now);
		if (c->run.phase == FANCAL_DONE) {
			c->cal = c->run.result;
			c->calibrating = false;
			ev |= FANCTL_EV_CAL_DONE;
			mode = FANCTL_AUTO;
			duty = auto_out;
		} else if (c->run.phase == FANCAL_FAILED) {
			c->calibrating = false;
			ev |= FANCTL_EV_CAL_FAILED;
			mode = FANCTL_AUTO;
			duty = fmax(auto_out, c->run.duty);
		}
	} else if (c->manual) {
		mode = FANCTL_MANUAL;
		/* never below what the critical override demands */
		duty = fmax(c->manual_pct, c->override ? raw : 0.0);
	} else {
		mode = FANCTL_AUTO;
		duty = auto_out;
	}

	/* 7. tach supervision (the rpm reflects the duty of the last period) */
	stall_update(c, in->rpm, now, &ev);
	rpm_update(c, in->rpm, now, &out->expected_rpm, &ev);
	/* an external minimum (a thermal escalation elsewhere) always holds */
	if (in->floor_pct > 0 && !(duty >= in->floor_pct))
		duty = in->floor_pct;
	if (c->stalled) {
		duty = 100.0;
		if (mode != FANCTL_FAILSAFE)
			mode = FANCTL_STALL;
	}
	if (!(duty >= 0))
		duty = 100.0;
	duty = fmin(duty, 100.0);

	if (mode != c->mode)
		ev |= FANCTL_EV_MODE;
	c->mode = mode;
	c->out = duty;
	c->out_forced = mode == FANCTL_FAILSAFE || mode == FANCTL_STALL;
	c->last_ns = now;
	c->started = true;

	out->duty = duty;
	out->mode = mode;
	out->profile = p;
	out->failsafe = c->failsafe;
	out->override = c->override;
	out->override_input = c->override_input;
	out->stalled = c->stalled;
	out->rpm_warn = c->rpm_warn;
	out->events = ev;
}
