/* watts-config.c - the watts, monitor, budget, throttle, thermal and alerts profile keys. */
#include "supervisor/config/watts-config.h"

#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/config/conf-section.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void alarm_config_defaults(struct alarm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->rate_limit_ns = 300 * HW_NSEC_PER_SEC;
	c->command_timeout_ns = 10 * HW_NSEC_PER_SEC;
	c->history = 64;
}

void watts_config_defaults(struct watts_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sample_hz = 1.0;
	snprintf(c->state_file, sizeof(c->state_file), "/var/lib/h2box/energy.state");
	c->save_interval_ns = 600 * HW_NSEC_PER_SEC;
	c->log_interval_ns = HW_NSEC_PER_SEC;
	c->log_max_bytes = 10u << 20;
	c->log_keep = 3;
	c->baseline_ns = 5 * HW_NSEC_PER_SEC;
	c->max_gap_ns = 5 * HW_NSEC_PER_SEC;
	c->batch_ns = HW_NSEC_PER_SEC;

	snprintf(c->mon[0].name, sizeof(c->mon[0].name), "main");
	ina2xx_config_defaults(&c->mon[0].ina);
	c->mon[0].budget = true;
	c->nmonitors = 1;
	c->mon_defaulted = true;

	c->budget_enabled = true;
	budget_config_defaults(&c->budget);

	throttle_config_defaults(&c->thr[0], "ipoib");
	throttle_config_defaults(&c->thr[1], "cpu");
	c->thr[1].kind = THROTTLE_CPUFREQ;
	c->thr[1].nifaces = 0;
	c->nthrottles = 2;
	c->thr_defaulted = true;

	thermal_config_defaults(&c->thermal[0], "nic");
	c->nthermals = 1;
	c->thermal_defaulted = true;

	alarm_config_defaults(&c->alerts);
}

int watts_config_command_split(const char *cmd, char *buf, size_t buflen, char **argv, char *err,
			       size_t errlen)
{
	int n;

	if (snprintf(buf, buflen, "%s", cmd) >= (int)buflen)
		return parse_error(-EINVAL, err, errlen, "command is longer than %zu characters",
				   buflen - 1);
	n = parse_argv_split(buf, argv, WATTS_COMMAND_WORDS_MAX + 1);
	if (n == -E2BIG)
		return parse_error(-E2BIG, err, errlen, "command has more than %d words",
				   WATTS_COMMAND_WORDS_MAX);
	if (n < 0)
		return parse_error(-EINVAL, err, errlen, "command has an unbalanced quote");
	if (n == 0 || argv[0][0] != '/')
		return parse_error(-EINVAL, err, errlen,
				   "command must start with an absolute path");
	return n;
}

/* A command from the profile: split now, so a bad one is a profile error, not a failed run. */
static int watts_config_command_check(const char *v, char *dst, size_t len, bool allow_empty,
				      char *err, size_t errlen)
{
	char buf[512], *argv[WATTS_COMMAND_WORDS_MAX + 1];

	if (!*v && allow_empty) {
		dst[0] = '\0';
		return 0;
	}
	if (watts_config_command_split(v, buf, sizeof(buf), argv, err, errlen) < 0)
		return -EINVAL;
	return parse_string(v, dst, len, err, errlen);
}

/* ---- [watts] (fills struct watts_config) ---- */

static int watts_config_sample_rate_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct watts_config *c = obj;
	char buf[32];
	size_t n;

	if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	n = strlen(buf);
	if (n > 2 && !strcasecmp(buf + n - 2, "hz"))
		buf[n - 2] = '\0';
	return parse_double(buf, 0.1, 1000.0, &c->sample_hz, err, errlen);
}

static int watts_config_log_max_size_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct watts_config *c = obj;

	return parse_size(v, 4096, UINT64_C(1) << 40, &c->log_max_bytes, err, errlen);
}

/* "" = every RDMA device */
static int watts_config_ib_device_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct watts_config *c = obj;

	if (!*v) {
		c->ib_device[0] = '\0';
		return 0;
	}
	return parse_string(v, c->ib_device, sizeof(c->ib_device), err, errlen);
}

#define WATTS_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct watts_config, f), __VA_ARGS__ }
#define WATTS_SIZE(f) .size = sizeof(((struct watts_config *)0)->f)
static const struct conf_key watts_config_watts_keys[] = {
	{ .name = "sample_rate", .type = CONF_CUSTOM, .fn = watts_config_sample_rate_set },
	WATTS_KEY("state_file", CONF_PATH_OPT, state_file, WATTS_SIZE(state_file)),
	WATTS_KEY("save_interval", CONF_DURATION, save_interval_ns, .min = HW_NSEC_PER_SEC,
		  .max = 86400 * HW_NSEC_PER_SEC),
	WATTS_KEY("log", CONF_PATH_OPT, log_path, WATTS_SIZE(log_path)),
	WATTS_KEY("log_interval", CONF_DURATION, log_interval_ns, .min = 10 * HW_NSEC_PER_MSEC,
		  .max = 3600 * HW_NSEC_PER_SEC),
	{ .name = "log_max_size", .type = CONF_CUSTOM, .fn = watts_config_log_max_size_set },
	WATTS_KEY("log_keep", CONF_INT, log_keep, .size = sizeof(int), .min = 0, .max = 100),
	WATTS_KEY("baseline", CONF_DURATION, baseline_ns, .min = HW_NSEC_PER_SEC / 10,
		  .max = 600 * HW_NSEC_PER_SEC),
	WATTS_KEY("max_gap", CONF_DURATION, max_gap_ns, .min = HW_NSEC_PER_SEC / 10,
		  .max = 3600 * HW_NSEC_PER_SEC),
	WATTS_KEY("batch", CONF_DURATION, batch_ns, .min = HW_NSEC_PER_MSEC,
		  .max = 10 * HW_NSEC_PER_SEC),
	{ .name = "ib_device", .type = CONF_CUSTOM, .fn = watts_config_ib_device_set },
	CONF_KEY_END,
};

/* ---- [budget] (fills struct watts_config: ladder and enabled sit beside the policy's) ---- */

static int watts_config_ladder_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct watts_config *c = obj;
	char buf[512], why[96], *save = NULL, *w;

	if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	c->nladder = 0;
	if (!strcasecmp(buf, "none")) {
		c->nladder = -1;
		return 0;
	}
	for (w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
		if (c->nladder >= WATTS_THROTTLES_MAX)
			return parse_error(-EINVAL, err, errlen,
					   "bad ladder entry \"%s\": at most %d throttles", w,
					   WATTS_THROTTLES_MAX);
		if (conf_name_check(w, why, sizeof(why)) < 0)
			return parse_error(-EINVAL, err, errlen, "bad ladder entry \"%s\": %s", w,
					   why);
		snprintf(c->ladder[c->nladder++], sizeof(c->ladder[0]), "%s", w);
	}
	return 0;
}

static const struct conf_key watts_config_budget_keys[] = {
	WATTS_KEY("enabled", CONF_BOOL, budget_enabled),
	WATTS_KEY("limit", CONF_DOUBLE, budget.limit_w, .min = 1.0, .max = 10000.0),
	WATTS_KEY("warn", CONF_PERCENT, budget.warn_pct, .min = 1.0, .max = 200.0),
	WATTS_KEY("throttle", CONF_PERCENT, budget.throttle_pct, .min = 1.0, .max = 200.0),
	WATTS_KEY("critical", CONF_PERCENT, budget.critical_pct, .min = 1.0, .max = 200.0),
	WATTS_KEY("critical_hold", CONF_DURATION, budget.critical_hold_ns, .min = 0,
		  .max = 3600 * HW_NSEC_PER_SEC),
	WATTS_KEY("window", CONF_DURATION, budget.window_ns, .min = 100 * HW_NSEC_PER_MSEC,
		  .max = 600 * HW_NSEC_PER_SEC),
	WATTS_KEY("hysteresis", CONF_PERCENT, budget.hysteresis_pct, .min = 0.0, .max = 50.0),
	WATTS_KEY("step_dwell", CONF_DURATION, budget.step_dwell_ns, .min = 0,
		  .max = 3600 * HW_NSEC_PER_SEC),
	WATTS_KEY("critical_dwell", CONF_DURATION, budget.critical_dwell_ns, .min = 0,
		  .max = 3600 * HW_NSEC_PER_SEC),
	WATTS_KEY("warn_only", CONF_BOOL, budget.warn_only),
	{ .name = "ladder", .type = CONF_CUSTOM, .fn = watts_config_ladder_set },
	CONF_KEY_END,
};

/* ---- [monitor NAME] (fills struct watts_monitor_config) ---- */

static int watts_config_monitor_type_set(void *obj, const char *v, char *err, size_t errlen)
{
	static const char *const types[] = { "auto", "ina219", "ina226", "ina260" };
	struct watts_monitor_config *m = obj;

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(v, types[i])) {
			m->ina.mode = INA2XX_MODE_I2C;
			m->ina.chip = (enum ina2xx_chip)i;
			return 0;
		}
	}
	if (!strcasecmp(v, "hwmon")) {
		m->ina.mode = INA2XX_MODE_HWMON;
		return 0;
	}
	return parse_error(-EINVAL, err, errlen,
			   "must be auto, ina219, ina226, ina260 or hwmon, not \"%s\"", v);
}

static int watts_config_monitor_address_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct watts_monitor_config *m = obj;
	unsigned long ul;
	int r = parse_uint_any_base(v, 0x03, 0x77, &ul, err, errlen);

	if (r == 0)
		m->ina.addr = (uint8_t)ul;
	return r;
}

/* given as a duration, kept in microseconds (the chip's unit) */
static int watts_config_monitor_conversion_set(void *obj, const char *v, char *err,
					       size_t errlen)
{
	struct watts_monitor_config *m = obj;
	int64_t ns;
	int r = parse_duration_ns(v, 100 * (HW_NSEC_PER_MSEC / 1000), 10 * HW_NSEC_PER_MSEC, &ns, err,
				  errlen);

	if (r == 0)
		m->ina.conv_us = (int)(ns / (HW_NSEC_PER_MSEC / 1000));
	return r;
}

#define MON_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct watts_monitor_config, f), __VA_ARGS__ }
#define MON_SIZE(f) .size = sizeof(((struct watts_monitor_config *)0)->f)
static const struct conf_key watts_config_monitor_keys[] = {
	{ .name = "type", .type = CONF_CUSTOM, .fn = watts_config_monitor_type_set },
	MON_KEY("bus", CONF_INT, ina.bus, .size = sizeof(int), .min = 0, .max = 1023),
	{ .name = "address", .type = CONF_CUSTOM, .fn = watts_config_monitor_address_set },
	MON_KEY("shunt", CONF_DOUBLE, ina.shunt_ohm, .min = 1e-5, .max = 100.0),
	MON_KEY("max_current", CONF_DOUBLE, ina.max_current_a, .min = 0.001, .max = 1000.0),
	MON_KEY("averages", CONF_INT, ina.averages, .size = sizeof(int), .min = 1, .max = 1024),
	{ .name = "conversion_time", .type = CONF_CUSTOM,
	  .fn = watts_config_monitor_conversion_set },
	MON_KEY("hwmon_chip", CONF_STRING, ina.hwmon_chip, MON_SIZE(ina.hwmon_chip)),
	MON_KEY("in_label", CONF_STRING, ina.label_in, MON_SIZE(ina.label_in)),
	MON_KEY("curr_label", CONF_STRING, ina.label_curr, MON_SIZE(ina.label_curr)),
	MON_KEY("power_label", CONF_STRING, ina.label_power, MON_SIZE(ina.label_power)),
	MON_KEY("budget", CONF_BOOL, budget),
	CONF_KEY_END,
};

/* ---- [throttle NAME] (fills struct throttle_config) ---- */

static int watts_config_throttle_type_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct throttle_config *t = obj;

	if (throttle_kind_parse(v, &t->kind) < 0)
		return parse_error(-EINVAL, err, errlen,
				   "must be tbf, cpufreq, pstate, rapl or hook, not \"%s\"", v);
	return 0;
}

static int watts_config_throttle_interfaces_set(void *obj, const char *v, char *err,
						size_t errlen)
{
	struct throttle_config *t = obj;
	char buf[128], *save = NULL, *w;

	if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
		return -EINVAL;
	t->nifaces = 0;
	for (w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
		if (t->nifaces >= THROTTLE_IFACES_MAX || strlen(w) >= sizeof(t->ifaces[0]) ||
		    strchr(w, '/'))
			return parse_error(-EINVAL, err, errlen, "bad interface list \"%s\"", v);
		snprintf(t->ifaces[t->nifaces++], sizeof(t->ifaces[0]), "%s", w);
	}
	return 0;
}

static int watts_config_throttle_rate_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct throttle_config *t = obj;

	if (throttle_rate_parse(v, &t->rate_bps) < 0)
		return parse_error(-EINVAL, err, errlen,
				   "rate \"%s\" is not a rate like 8gbit or 500mbit", v);
	return 0;
}

static int watts_config_throttle_command_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct throttle_config *t = obj;

	return watts_config_command_check(v, t->command, sizeof(t->command), false, err, errlen);
}

/* CONF_INT (.size = sizeof(int)) fills burst through an int: same size, and 0..2^30 fits both */
_Static_assert(sizeof(((struct throttle_config *)0)->burst) == sizeof(int), "burst is an int");

#define THR_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct throttle_config, f), __VA_ARGS__ }
static const struct conf_key watts_config_throttle_keys[] = {
	{ .name = "type", .type = CONF_CUSTOM, .fn = watts_config_throttle_type_set },
	{ .name = "interfaces", .type = CONF_CUSTOM, .fn = watts_config_throttle_interfaces_set },
	{ .name = "interface", .type = CONF_CUSTOM, .fn = watts_config_throttle_interfaces_set },
	{ .name = "rate", .type = CONF_CUSTOM, .fn = watts_config_throttle_rate_set },
	THR_KEY("burst", CONF_INT, burst, .size = sizeof(int), .min = 0, .max = 1L << 30),
	THR_KEY("hook_timeout", CONF_DURATION, hook_timeout_ns, .min = HW_NSEC_PER_SEC / 10,
		.max = 3600 * HW_NSEC_PER_SEC),
	THR_KEY("max", CONF_PERCENT, cpu_pct, .min = 1.0, .max = 100.0),
	THR_KEY("limit", CONF_DOUBLE, rapl_w, .min = 0.5, .max = 500.0),
	THR_KEY("path", CONF_PATH, rapl_path, .size = sizeof(((struct throttle_config *)0)->rapl_path)),
	{ .name = "command", .type = CONF_CUSTOM, .fn = watts_config_throttle_command_set },
	CONF_KEY_END,
};

/* ---- [thermal NAME] / [alarm NAME] (fills struct thermal_config) ---- */

static int watts_config_actions_parse(const char *v, unsigned *out, char *err, size_t errlen)
{
	if (thermal_actions_parse(v, out) < 0)
		return parse_error(-EINVAL, err, errlen,
				   "actions are a list of alert, fan, throttle, poweroff (or none)");
	return 0;
}

#define WATTS_THERMAL_LEVEL(fname, level)                                                    \
	static int watts_config_##fname##_action_set(void *obj, const char *v, char *err,    \
						     size_t errlen)                           \
	{                                                                                     \
		return watts_config_actions_parse(                                            \
			v, &((struct thermal_config *)obj)->actions[level], err, errlen);     \
	}
WATTS_THERMAL_LEVEL(warn, THERMAL_WARN)
WATTS_THERMAL_LEVEL(critical, THERMAL_CRIT)
WATTS_THERMAL_LEVEL(emergency, THERMAL_EMERG)

#define THERM_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct thermal_config, f), __VA_ARGS__ }
#define THERM_FN(n, f) { .name = n, .type = CONF_CUSTOM, .fn = watts_config_##f##_set }
static const struct conf_key watts_config_thermal_keys[] = {
	/* a level in degrees C, or "off" / "none" to leave the level out */
	THERM_KEY("warn", CONF_DOUBLE_OFF, warn_c, .min = -50.0, .max = 200.0),
	THERM_KEY("critical", CONF_DOUBLE_OFF, crit_c, .min = -50.0, .max = 200.0),
	THERM_KEY("emergency", CONF_DOUBLE_OFF, emerg_c, .min = -50.0, .max = 200.0),
	THERM_KEY("hysteresis", CONF_DOUBLE, hysteresis_c, .min = 0.0, .max = 50.0),
	THERM_KEY("consecutive", CONF_INT, consecutive, .size = sizeof(int), .min = 1, .max = 100),
	THERM_FN("warn_action", warn_action),
	THERM_FN("critical_action", critical_action),
	THERM_FN("emergency_action", emergency_action),
	CONF_KEY_END,
};

/* ---- [alerts] (fills struct alarm_config) ---- */

static int watts_config_alert_command_set(void *obj, const char *v, char *err, size_t errlen)
{
	struct alarm_config *a = obj;

	return watts_config_command_check(v, a->alert_command, sizeof(a->alert_command), true, err,
					  errlen);
}

#define ALERT_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct alarm_config, f), __VA_ARGS__ }
static const struct conf_key watts_config_alerts_keys[] = {
	{ .name = "alert_command", .type = CONF_CUSTOM, .fn = watts_config_alert_command_set },
	ALERT_KEY("rate_limit", CONF_DURATION, rate_limit_ns, .min = 0,
		  .max = 86400 * HW_NSEC_PER_SEC),
	ALERT_KEY("history", CONF_INT, history, .size = sizeof(int), .min = 0, .max = 4096),
	ALERT_KEY("command_timeout", CONF_DURATION, command_timeout_ns, .min = HW_NSEC_PER_SEC / 10,
		  .max = 3600 * HW_NSEC_PER_SEC),
	CONF_KEY_END,
};

/* ---- which struct a section's keys fill ---- */

/*
 * Each finds (or makes, on first use) the struct the section's keys fill and notes the line
 * the validation errors point at.  -E2BIG when a named section is one too many.
 */
static int watts_config_watts_target(struct watts_config *c, const char *name, const char *key,
				     int line, void **obj, char *err, size_t errlen)
{
	(void)name, (void)key, (void)line, (void)err, (void)errlen;
	*obj = c;
	return 0;
}

static int watts_config_budget_target(struct watts_config *c, const char *name, const char *key,
				      int line, void **obj, char *err, size_t errlen)
{
	(void)name, (void)err, (void)errlen;
	c->budget_line = c->budget_line ? c->budget_line : line;
	if (!strcmp(key, "ladder"))
		c->ladder_line = line;
	*obj = c;
	return 0;
}

static int watts_config_alerts_target(struct watts_config *c, const char *name, const char *key,
				      int line, void **obj, char *err, size_t errlen)
{
	(void)name, (void)err, (void)errlen;
	if (!strcmp(key, "alert_command"))
		c->alerts.line = line;
	*obj = &c->alerts;
	return 0;
}

/* the first [monitor] replaces the built-in "main" */
static int watts_config_monitor_target(struct watts_config *c, const char *name, const char *key,
				       int line, void **obj, char *err, size_t errlen)
{
	struct watts_monitor_config *m;

	(void)key;
	for (int i = 0; i < c->nmonitors && !c->mon_defaulted; i++) {
		if (!strcmp(c->mon[i].name, name)) {
			*obj = &c->mon[i];
			return 0;
		}
	}
	if (c->mon_defaulted) {
		c->nmonitors = 0;
		c->mon_defaulted = false;
	}
	if (c->nmonitors >= WATTS_MONITORS_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d monitors", WATTS_MONITORS_MAX);
	m = &c->mon[c->nmonitors++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	ina2xx_config_defaults(&m->ina);
	m->line = line;
	*obj = m;
	return 0;
}

/* the first [throttle] replaces the built-in ladder steps */
static int watts_config_throttle_target(struct watts_config *c, const char *name,
					const char *key, int line, void **obj, char *err,
					size_t errlen)
{
	(void)key;
	if (c->thr_defaulted) {
		c->nthrottles = 0;
		c->thr_defaulted = false;
	}
	for (int i = 0; i < c->nthrottles; i++) {
		if (!strcmp(c->thr[i].name, name)) {
			*obj = &c->thr[i];
			return 0;
		}
	}
	if (c->nthrottles >= WATTS_THROTTLES_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d throttles",
				   WATTS_THROTTLES_MAX);
	throttle_config_defaults(&c->thr[c->nthrottles], name);
	c->thr[c->nthrottles].line = line;
	*obj = &c->thr[c->nthrottles++];
	return 0;
}

/* the built-in "nic" input stays, now the user's, when a section names it */
static int watts_config_thermal_target(struct watts_config *c, const char *name, const char *key,
				       int line, void **obj, char *err, size_t errlen)
{
	(void)key;
	for (int i = 0; i < c->nthermals; i++) {
		if (!strcmp(c->thermal[i].name, name)) {
			c->thermal_defaulted = false;
			c->thermal_line[i] = c->thermal_line[i] ? c->thermal_line[i] : line;
			*obj = &c->thermal[i];
			return 0;
		}
	}
	if (c->nthermals >= WATTS_THERMALS_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d thermal inputs",
				   WATTS_THERMALS_MAX);
	thermal_config_defaults(&c->thermal[c->nthermals], name);
	c->thermal_line[c->nthermals] = line;
	*obj = &c->thermal[c->nthermals++];
	return 0;
}

static const struct watts_config_section {
	const char *kind;
	bool named; /* [kind NAME], else [kind] alone */
	const struct conf_key *keys;
	int (*target)(struct watts_config *c, const char *name, const char *key, int line,
		      void **obj, char *err, size_t errlen);
} watts_config_sections[] = {
	{ "watts", false, watts_config_watts_keys, watts_config_watts_target },
	{ "monitor", true, watts_config_monitor_keys, watts_config_monitor_target },
	{ "budget", false, watts_config_budget_keys, watts_config_budget_target },
	{ "throttle", true, watts_config_throttle_keys, watts_config_throttle_target },
	{ "thermal", true, watts_config_thermal_keys, watts_config_thermal_target },
	{ "alarm", true, watts_config_thermal_keys, watts_config_thermal_target },
	{ "alerts", false, watts_config_alerts_keys, watts_config_alerts_target },
};

int watts_config_set(struct watts_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen)
{
	const struct watts_config_section *s = NULL;
	struct conf_section cs;
	void *obj = NULL;
	int r;

	if (!section || !key || !value)
		return -EINVAL;
	if (conf_section_parse(section, &cs, err, errlen) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(watts_config_sections) / sizeof(watts_config_sections[0]); i++)
		if (!strcmp(cs.kind, watts_config_sections[i].kind))
			s = &watts_config_sections[i];
	if (!s)
		return -ENOENT;
	if (s->named && !cs.name[0])
		return parse_error(-EINVAL, err, errlen, "[%s] needs a name, e.g. [%s main]",
				   cs.kind, cs.kind);
	if (!s->named && cs.name[0])
		return parse_error(-EINVAL, err, errlen, "[%s] takes no name", cs.kind);
	r = s->target(c, cs.name, key, line, &obj, err, errlen);
	if (r < 0)
		return r;
	/* [alerts] alone is every alarm's command, not a reason to sample a meter */
	if (strcmp(cs.kind, "alerts") != 0)
		c->enabled = true;
	return conf_keys_set(s->keys, obj, key, value, err, errlen);
}

void watts_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	char section[CONF_KIND_MAX + 8];

	for (size_t i = 0; i < sizeof(watts_config_sections) / sizeof(watts_config_sections[0]); i++) {
		snprintf(section, sizeof(section), "%s%s", watts_config_sections[i].kind,
			 watts_config_sections[i].named ? " NAME" : "");
		conf_keys_each(watts_config_sections[i].keys, section, fn, ctx);
	}
}

int watts_config_validate(const struct watts_config *c, int *line, char *err, size_t errlen)
{
	const struct budget_config *b = &c->budget;
	int i, j, nbudget = 0;

	for (i = 0; i < c->nmonitors; i++) {
		const struct watts_monitor_config *m = &c->mon[i];

		if (m->budget)
			nbudget++;
		if (m->ina.mode == INA2XX_MODE_I2C && m->ina.chip != INA2XX_INA260) {
			double lsb = ina2xx_current_lsb_for(m->ina.max_current_a);
			uint16_t cal;
			enum ina2xx_chip chip =
				m->ina.chip == INA2XX_INA219 ? INA2XX_INA219 : INA2XX_INA226;

			if (ina2xx_calibration_for(chip, lsb, m->ina.shunt_ohm, &cal) < 0) {
				*line = m->line;
				return parse_error(
					-EINVAL, err, errlen,
					"monitor %s: shunt %g ohm with max_current %g A gives a "
					"calibration the %s cannot hold",
					m->name, m->ina.shunt_ohm, m->ina.max_current_a,
					ina2xx_chip_name(chip));
			}
		}
		for (j = 0; j < i; j++) {
			if (c->mon[j].ina.mode == INA2XX_MODE_I2C &&
			    m->ina.mode == INA2XX_MODE_I2C && c->mon[j].ina.bus == m->ina.bus &&
			    c->mon[j].ina.addr == m->ina.addr) {
				*line = m->line;
				return parse_error(-EINVAL, err, errlen,
						   "monitors %s and %s both use I2C %d/0x%02x",
						   c->mon[j].name, m->name, m->ina.bus,
						   m->ina.addr);
			}
		}
	}
	if (nbudget > 1) {
		*line = c->mon[c->nmonitors - 1].line;
		return parse_error(-EINVAL, err, errlen, "only one monitor can have budget = yes");
	}
	if (!(b->warn_pct < b->throttle_pct && b->throttle_pct <= b->critical_pct)) {
		*line = c->budget_line;
		return parse_error(
			-EINVAL, err, errlen,
			"budget levels must rise: warn %.0f%% < throttle %.0f%% <= critical "
			"%.0f%%",
			b->warn_pct, b->throttle_pct, b->critical_pct);
	}
	if (b->throttle_pct - b->hysteresis_pct <= 0) {
		*line = c->budget_line;
		return parse_error(-EINVAL, err, errlen,
				   "budget hysteresis is larger than the levels");
	}
	for (i = 0; i < c->nthrottles; i++) {
		const struct throttle_config *t = &c->thr[i];

		*line = t->line;
		if (t->kind == THROTTLE_TBF && t->nifaces == 0)
			return parse_error(-EINVAL, err, errlen,
					   "throttle %s: tbf needs interfaces =", t->name);
		if (t->kind == THROTTLE_HOOK && !t->command[0])
			return parse_error(-EINVAL, err, errlen,
					   "throttle %s: hook needs command =", t->name);
	}
	for (i = 0; i < c->nladder; i++) {
		for (j = 0; j < c->nthrottles; j++)
			if (!strcmp(c->ladder[i], c->thr[j].name))
				break;
		if (j == c->nthrottles) {
			*line = c->ladder_line;
			return parse_error(-EINVAL, err, errlen,
					   "ladder names \"%s\" but no [throttle %s]", c->ladder[i],
					   c->ladder[i]);
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(c->ladder[i], c->ladder[j])) {
				*line = c->ladder_line;
				return parse_error(-EINVAL, err, errlen,
						   "ladder lists \"%s\" twice", c->ladder[i]);
			}
		}
	}
	for (i = 0; i < c->nthermals; i++) {
		const struct thermal_config *t = &c->thermal[i];
		double prev = -INFINITY;
		double lv[3] = { t->warn_c, t->crit_c, t->emerg_c };

		for (j = 0; j < 3; j++) {
			if (isnan(lv[j]))
				continue;
			if (!(lv[j] > prev)) {
				*line = c->thermal_line[i];
				return parse_error(
					-EINVAL, err, errlen,
					"thermal %s: warn < critical < emergency required",
					t->name);
			}
			prev = lv[j];
		}
	}
	*line = 0;
	return 0;
}
