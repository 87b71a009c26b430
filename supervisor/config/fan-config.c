/* fan-config.c - fan profile sections: [fan], [input], [curve], [fanprofile], [fanschedule]. */
#include "supervisor/config/fan-config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hw/clock.h"
#include "supervisor/util/parse.h"

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
	c->period_ns = HW_NSEC_PER_SEC;
	c->failsafe_duty = 100.0;
	c->stale_after_ns = 2 * HW_NSEC_PER_SEC;
	c->recover_readings = 3;
	c->on_exit = NIC_FAN_EXIT_RESTORE;
	c->stall_duty = 30.0;
	c->stall_rpm = 300.0;
	c->stall_time_ns = 5 * HW_NSEC_PER_SEC;
	c->rpm_tolerance = 35.0;
	c->rpm_warn_time_ns = 15 * HW_NSEC_PER_SEC;
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
	i = fanctl_curve_find(c, name);
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
		return parse_duration_ns(v, 100 * HW_NSEC_PER_MSEC, 10 * HW_NSEC_PER_SEC,
					 &c->period_ns, err, errlen);
	if (strcmp(key, "failsafe_duty") == 0)
		return parse_percent(v, 20, 100, &c->failsafe_duty, err, errlen);
	if (strcmp(key, "stale_after") == 0)
		return parse_duration_ns(v, 100 * HW_NSEC_PER_MSEC, 600 * HW_NSEC_PER_SEC,
					 &c->stale_after_ns, err, errlen);
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
		return parse_duration_ns(v, 0, 600 * HW_NSEC_PER_SEC, &c->stall_time_ns, err,
					 errlen);
	if (strcmp(key, "rpm_tolerance") == 0)
		return parse_percent(v, 1, 1000, &c->rpm_tolerance, err, errlen);
	if (strcmp(key, "rpm_warn_time") == 0)
		return parse_duration_ns(v, 0, 3600 * HW_NSEC_PER_SEC, &c->rpm_warn_time_ns,
					 err, errlen);
	if (strcmp(key, "blind_poweroff") == 0)
		return strcmp(v, "off") == 0 ? (c->blind_poweroff_ns = 0, 0)
					     : parse_duration_ns(v, HW_NSEC_PER_SEC, 24 * 3600 * HW_NSEC_PER_SEC,
								 &c->blind_poweroff_ns, err, errlen);
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
		_Static_assert(sizeof(names) / sizeof(names[0]) == FAN_INPUT_POWER_ALWAYS + 1,
			       "a powered_by name for every enum fan_input_power, in its order");

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
		return parse_duration_ns(v, 0, 30 * HW_NSEC_PER_SEC, &k->kick_ns, err, errlen);
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
		if (fanctl_curve_find(c, in->curve) < 0) {
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
