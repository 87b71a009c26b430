/* fan-config.c - fan profile sections: [fan], [input], [curve], [fanprofile], [fanschedule]. */
#include "supervisor/config/fan-config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/config/conf-section.h"
#include "supervisor/util/parse.h"

static void fan_config_input_defaults(struct fan_input_config *in, const char *name)
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
	fan_config_input_defaults(in, "nic");
	snprintf(in->spec.chip, sizeof(in->spec.chip), "lm75-*");
	snprintf(in->spec.label, sizeof(in->spec.label), "temp1");
	in->builtin = true;

	fansched_defaults(&c->sched);
}

/* Instance names follow the one rule (conf_name_check); each buffer holds the longest. */
_Static_assert(TEMP_INPUT_NAME_MAX >= CONF_NAME_MAX && FANCURVE_NAME_MAX >= CONF_NAME_MAX &&
		       FANSCHED_NAME_MAX >= CONF_NAME_MAX,
	       "an instance name buffer shorter than CONF_NAME_MAX");

static struct fan_input_config *fan_config_input_get(struct fan_config *c, const char *name,
						     int line, char *err, size_t errlen)
{
	int i;

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
	fan_config_input_defaults(&c->inputs[c->ninputs], name);
	c->inputs[c->ninputs].line = line;
	return &c->inputs[c->ninputs++];
}

static struct fan_curve_config *fan_config_curve_get(struct fan_config *c, const char *name,
						     int line, char *err, size_t errlen)
{
	struct fan_curve_config *cv;
	int i;

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

/* [fan] on_exit: parsed here, not by the driver, so the controller links without hw */
static const struct conf_enum fan_config_on_exits[] = {
	{ "restore", NIC_FAN_EXIT_RESTORE }, { "full", NIC_FAN_EXIT_FULL },
	{ "keep", NIC_FAN_EXIT_KEEP },       { NULL, 0 },
};

static const struct conf_enum fan_config_powers[] = {
	{ "psu", FAN_INPUT_POWER_PSU }, { "host", FAN_INPUT_POWER_HOST },
	{ "always", FAN_INPUT_POWER_ALWAYS }, { NULL, 0 },
};
_Static_assert(sizeof(fan_config_powers) / sizeof(fan_config_powers[0]) ==
		       FAN_INPUT_POWER_ALWAYS + 2,
	       "a powered_by name for every enum fan_input_power");
_Static_assert(sizeof(enum nic_fan_on_exit) == sizeof(int) &&
		       sizeof(enum fan_input_power) == sizeof(int),
	       "CONF_ENUM fills an int");

#define NS_MS ((double)HW_NSEC_PER_MSEC)
#define NS_S ((double)HW_NSEC_PER_SEC)
#define FAN_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct fan_config, f), __VA_ARGS__ }
#define FAN_SIZE(f) sizeof(((struct fan_config *)0)->f)

/* [fan] blind_poweroff = DURATION | off: how long a blind box (no fan chip, no NIC reading) runs */
static int fan_config_blind_poweroff_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct fan_config *c = obj;

	if (strcmp(v, "off") == 0) {
		c->blind_poweroff_ns = 0;
		return 0;
	}
	return parse_duration_ns(v, HW_NSEC_PER_SEC, 24 * 3600 * HW_NSEC_PER_SEC,
				 &c->blind_poweroff_ns, err, errlen);
}

/* [fan] */
static const struct conf_key fan_config_fan_keys[] = {
	FAN_KEY("enabled", CONF_BOOL, enabled),
	FAN_KEY("chip", CONF_STRING, chip, .size = FAN_SIZE(chip)),
	FAN_KEY("pwm", CONF_INT, pwm, .size = FAN_SIZE(pwm), .min = 1, .max = 16),
	FAN_KEY("period", CONF_DURATION, period_ns, .min = 100 * NS_MS, .max = 10 * NS_S),
	FAN_KEY("failsafe_duty", CONF_PERCENT, failsafe_duty, .min = 20, .max = 100),
	FAN_KEY("stale_after", CONF_DURATION, stale_after_ns, .min = 100 * NS_MS,
		.max = 600 * NS_S),
	FAN_KEY("recover_readings", CONF_INT, recover_readings, .size = FAN_SIZE(recover_readings),
		.min = 1, .max = 100),
	FAN_KEY("on_exit", CONF_ENUM, on_exit, .names = fan_config_on_exits),
	FAN_KEY("stall_duty", CONF_PERCENT, stall_duty, .min = 1, .max = 100),
	FAN_KEY("stall_rpm", CONF_DOUBLE, stall_rpm, .min = 0, .max = 100000),
	FAN_KEY("stall_time", CONF_DURATION, stall_time_ns, .min = 0, .max = 600 * NS_S),
	FAN_KEY("rpm_tolerance", CONF_PERCENT, rpm_tolerance, .min = 1, .max = 1000),
	FAN_KEY("rpm_warn_time", CONF_DURATION, rpm_warn_time_ns, .min = 0, .max = 3600 * NS_S),
	{ .name = "blind_poweroff", .type = CONF_CUSTOM, .fn = fan_config_blind_poweroff_set },
	FAN_KEY("override_hysteresis", CONF_DOUBLE, override_hysteresis, .min = 0, .max = 50),
	FAN_KEY("start_duty", CONF_PERCENT, start_duty, .min = 0, .max = 100),
	FAN_KEY("min_duty", CONF_PERCENT, min_duty, .min = 0, .max = 100),
	FAN_KEY("min_rpm", CONF_DOUBLE, min_rpm, .min = 0, .max = 100000),
	FAN_KEY("max_rpm", CONF_DOUBLE, max_rpm, .min = 0, .max = 100000),
	FAN_KEY("calibration_file", CONF_STRING, calibration_file,
		.size = FAN_SIZE(calibration_file)),
	CONF_KEY_END,
};

#define INPUT_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct fan_input_config, f), __VA_ARGS__ }
#define INPUT_SIZE(f) sizeof(((struct fan_input_config *)0)->f)

/* [input NAME] */
static const struct conf_key fan_config_input_keys[] = {
	INPUT_KEY("chip", CONF_STRING, spec.chip, .size = INPUT_SIZE(spec.chip)),
	INPUT_KEY("label", CONF_STRING, spec.label, .size = INPUT_SIZE(spec.label)),
	INPUT_KEY("file", CONF_STRING, spec.file, .size = INPUT_SIZE(spec.file)),
	INPUT_KEY("offset", CONF_DOUBLE, spec.offset_c, .min = -50, .max = 50),
	INPUT_KEY("min", CONF_DOUBLE, spec.min_c, .min = -60, .max = 250),
	INPUT_KEY("max", CONF_DOUBLE, spec.max_c, .min = -60, .max = 250),
	INPUT_KEY("curve", CONF_STRING, curve, .size = INPUT_SIZE(curve)),
	INPUT_KEY("override_temp", CONF_DOUBLE_OFF, override_temp, .min = -50, .max = 200),
	INPUT_KEY("required", CONF_BOOL, required),
	INPUT_KEY("powered_by", CONF_ENUM, power, .names = fan_config_powers),
	CONF_KEY_END,
};

static int fan_config_points_set(void *obj, const char *value, char *err, size_t errlen)
{
	return fancurve_points_parse(obj, value, err, errlen);
}

#define CURVE_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct fancurve_config, f), __VA_ARGS__ }

/* [curve NAME] */
static const struct conf_key fan_config_curve_keys[] = {
	{ .name = "points", .type = CONF_CUSTOM, .fn = fan_config_points_set },
	CURVE_KEY("hysteresis", CONF_DOUBLE, hysteresis_c, .min = 0, .max = 30),
	CURVE_KEY("stop_below", CONF_DOUBLE_OFF, stop_below_c, .min = -50, .max = 200),
	CURVE_KEY("min_duty", CONF_PERCENT, min_duty, .min = 0, .max = 100),
	CURVE_KEY("kick_duty", CONF_PERCENT, kick_duty, .min = 0, .max = 100),
	CURVE_KEY("kick_time", CONF_DURATION, kick_ns, .min = 0, .max = 30 * NS_S),
	CURVE_KEY("slew_up", CONF_DOUBLE, slew_up, .min = 0, .max = 1000),
	CURVE_KEY("slew_down", CONF_DOUBLE, slew_down, .min = 0, .max = 1000),
	CURVE_KEY("pid_target", CONF_DOUBLE_OFF, pid_target_c, .min = -50, .max = 200),
	CURVE_KEY("pid_kp", CONF_DOUBLE, pid_kp, .min = 0, .max = 1000),
	CURVE_KEY("pid_ki", CONF_DOUBLE, pid_ki, .min = 0, .max = 1000),
	CURVE_KEY("pid_kd", CONF_DOUBLE, pid_kd, .min = 0, .max = 1000),
	CONF_KEY_END,
};

#define PROFILE_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct fansched_profile, f), __VA_ARGS__ }

/* [fanprofile NAME] */
static const struct conf_key fan_config_profile_keys[] = {
	PROFILE_KEY("cap", CONF_PERCENT, cap, .min = 0, .max = 100),
	PROFILE_KEY("floor", CONF_PERCENT, floor, .min = 0, .max = 100),
	PROFILE_KEY("scale", CONF_DOUBLE, scale, .min = 0, .max = 10),
	PROFILE_KEY("offset", CONF_PERCENT, offset, .min = -100, .max = 100),
	PROFILE_KEY("override_temp", CONF_DOUBLE_OFF, override_temp, .min = -50, .max = 200),
	CONF_KEY_END,
};

/* [fanschedule] default = NAME: a profile's name, by the one name rule */
static int fan_config_default_set(void *obj, const char *value, char *err, size_t errlen)
{
	struct fansched *s = obj;

	if (conf_name_check(value, err, errlen) < 0)
		return -EINVAL;
	return parse_string(value, s->default_profile, sizeof(s->default_profile), err, errlen);
}

/* [fanschedule]: default (profile is its other name), else NAME = HH:MM-HH:MM ranges */
static const struct conf_key fan_config_schedule_keys[] = {
	{ .name = "default", .type = CONF_CUSTOM, .fn = fan_config_default_set },
	{ .name = "profile", .type = CONF_CUSTOM, .fn = fan_config_default_set },
	CONF_KEY_END,
};

static int fan_config_schedule_set(struct fan_config *c, const char *key, const char *v,
				   int line, char *err, size_t errlen)
{
	struct fansched *s = &c->sched;

	if (conf_keys_find(fan_config_schedule_keys, key)) {
		s->default_line = line;
		return conf_keys_set(fan_config_schedule_keys, s, key, v, err, errlen);
	}
	if (conf_name_check(key, err, errlen) < 0)
		return -EINVAL;
	return fansched_entry_add(s, key, v, line, err, errlen);
}

int fan_config_set(struct fan_config *c, const char *section, const char *key, const char *value,
		   int line, char *err, size_t errlen)
{
	struct conf_section cs;
	struct fan_input_config *in;
	struct fan_curve_config *cv;
	struct fansched_profile *p;

	if (!section || !key || !value)
		return -EINVAL;
	/* "[input  \"nic\"]" and "input nic" are one section, and the name follows the one rule */
	if (conf_section_parse(section, &cs, err, errlen) < 0)
		return -EINVAL;
	if (strcmp(cs.kind, "fan") == 0 && !cs.name[0]) {
		if (strcmp(key, "profile") == 0)
			return fan_config_schedule_set(c, "default", value, line, err, errlen);
		if (!c->line || c->line > line)
			c->line = line;
		return conf_keys_set(fan_config_fan_keys, c, key, value, err, errlen);
	}
	if ((strcmp(cs.kind, "fanschedule") == 0 || strcmp(cs.kind, "schedule") == 0) &&
	    !cs.name[0])
		return fan_config_schedule_set(c, key, value, line, err, errlen);
	if (!cs.name[0])
		return -ENOENT;
	if (strcmp(cs.kind, "input") == 0) {
		in = fan_config_input_get(c, cs.name, line, err, errlen);
		if (!in)
			return -EINVAL;
		if (strcmp(key, "curve") == 0)
			in->curve_line = line;
		return conf_keys_set(fan_config_input_keys, in, key, value, err, errlen);
	}
	if (strcmp(cs.kind, "curve") == 0) {
		cv = fan_config_curve_get(c, cs.name, line, err, errlen);
		if (!cv)
			return -EINVAL;
		return conf_keys_set(fan_config_curve_keys, &cv->c, key, value, err, errlen);
	}
	if (strcmp(cs.kind, "fanprofile") == 0) {
		p = fansched_profile_get(&c->sched, cs.name);
		if (!p)
			return parse_error(-EINVAL, err, errlen, "more than %d fan profiles",
					   FANSCHED_PROFILES_MAX);
		if (!p->line)
			p->line = line;
		return conf_keys_set(fan_config_profile_keys, p, key, value, err, errlen);
	}
	return -ENOENT;
}

void fan_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(fan_config_fan_keys, "fan", fn, ctx);
	fn("fan", "profile", ctx); /* fan_config_set() sends it to the schedule's default */
	conf_keys_each(fan_config_input_keys, "input NAME", fn, ctx);
	conf_keys_each(fan_config_curve_keys, "curve NAME", fn, ctx);
	conf_keys_each(fan_config_profile_keys, "fanprofile NAME", fn, ctx);
	conf_keys_each(fan_config_schedule_keys, "fanschedule", fn, ctx);
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
