/* watts-conf.c - the watts, monitor, budget, throttle, thermal and alerts profile keys. */
#include "supervisor/config/watts-conf.h"

#include "hw/clock.h"
#include "supervisor/util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static bool watts_conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= 32)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* "monitor h2" -> kind "monitor", name "h2" (name may be empty). */
static int watts_conf_section_split(const char *section, char *kind, size_t klen, char *name,
				    size_t nlen)
{
	const char *sp;
	size_t n;

	while (*section == ' ')
		section++;
	sp = strpbrk(section, " \t");
	n = sp ? (size_t)(sp - section) : strlen(section);
	if (n >= klen)
		return -EINVAL;
	memcpy(kind, section, n);
	kind[n] = '\0';
	name[0] = '\0';
	if (sp) {
		while (*sp == ' ' || *sp == '\t')
			sp++;
		n = strlen(sp);
		while (n && (sp[n - 1] == ' ' || sp[n - 1] == '\t' || sp[n - 1] == '"'))
			n--;
		if (*sp == '"') {
			sp++;
			n = n ? n - 1 : 0;
		}
		if (n >= nlen)
			return -EINVAL;
		memcpy(name, sp, n);
		name[n] = '\0';
	}
	return 0;
}

static int watts_conf_path_set(const char *v, char *dst, size_t len, bool allow_empty, char *err,
			       size_t errlen)
{
	while (*v == ' ')
		v++;
	if (!*v) {
		if (!allow_empty)
			return parse_error(-EINVAL, err, errlen, "a path is required");
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/')
		return parse_error(-EINVAL, err, errlen, "\"%s\" is not an absolute path", v);
	return parse_string(v, dst, len, err, errlen);
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
static int watts_conf_command_set(const char *v, char *dst, size_t len, bool allow_empty, char *err,
				  size_t errlen)
{
	char buf[512], *argv[WATTS_COMMAND_WORDS_MAX + 1];
	int r;

	while (*v == ' ')
		v++;
	if (!*v && allow_empty) {
		dst[0] = '\0';
		return 0;
	}
	r = watts_config_command_split(v, buf, sizeof(buf), argv, err, errlen);
	if (r < 0)
		return -EINVAL;
	return parse_string(v, dst, len, err, errlen);
}

static int watts_conf_monitor_find(struct watts_config *c, const char *name, int line, char *err,
				   size_t errlen, struct watts_monitor_config **out)
{
	int i;

	for (i = 0; i < c->nmonitors && !c->mon_defaulted; i++) {
		if (!strcmp(c->mon[i].name, name)) {
			*out = &c->mon[i];
			return 0;
		}
	}
	if (c->mon_defaulted) {
		c->nmonitors = 0;
		c->mon_defaulted = false;
	}
	if (c->nmonitors >= WATTS_MONITORS_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d monitors", WATTS_MONITORS_MAX);
	*out = &c->mon[c->nmonitors++];
	memset(*out, 0, sizeof(**out));
	snprintf((*out)->name, sizeof((*out)->name), "%.31s", name);
	ina2xx_config_defaults(&(*out)->ina);
	(*out)->line = line;
	return 0;
}

static int watts_conf_monitor_set(struct watts_config *c, const char *name, const char *key,
				  const char *v, int line, char *err, size_t errlen)
{
	struct watts_monitor_config *m = NULL;
	unsigned long ul;
	int64_t ns;
	long l;
	int r;

	r = watts_conf_monitor_find(c, name, line, err, errlen, &m);
	if (r < 0)
		return r;
	if (!strcmp(key, "type")) {
		static const char *const types[] = { "auto", "ina219", "ina226", "ina260" };

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
				   "type must be auto, ina219, ina226, ina260 or hwmon, not \"%s\"",
				   v);
	}
	if (!strcmp(key, "bus")) {
		r = parse_int(v, 0, 1023, &l, err, errlen);
		if (r == 0)
			m->ina.bus = (int)l;
		return r;
	}
	if (!strcmp(key, "address")) {
		r = parse_uint_any_base(v, 0x03, 0x77, &ul, err, errlen);
		if (r == 0)
			m->ina.addr = (uint8_t)ul;
		return r;
	}
	if (!strcmp(key, "shunt"))
		return parse_double(v, 1e-5, 100.0, &m->ina.shunt_ohm, err, errlen);
	if (!strcmp(key, "max_current"))
		return parse_double(v, 0.001, 1000.0, &m->ina.max_current_a, err, errlen);
	if (!strcmp(key, "averages")) {
		r = parse_int(v, 1, 1024, &l, err, errlen);
		if (r == 0)
			m->ina.averages = (int)l;
		return r;
	}
	if (!strcmp(key, "conversion_time")) {
		r = parse_duration_ns(v, 100 * 1000, 10 * 1000 * 1000, &ns, err, errlen);
		if (r == 0)
			m->ina.conv_us = (int)(ns / 1000);
		return r;
	}
	if (!strcmp(key, "hwmon_chip"))
		return parse_string(v, m->ina.hwmon_chip, sizeof(m->ina.hwmon_chip), err, errlen);
	if (!strcmp(key, "in_label"))
		return parse_string(v, m->ina.label_in, sizeof(m->ina.label_in), err, errlen);
	if (!strcmp(key, "curr_label"))
		return parse_string(v, m->ina.label_curr, sizeof(m->ina.label_curr), err, errlen);
	if (!strcmp(key, "power_label"))
		return parse_string(v, m->ina.label_power, sizeof(m->ina.label_power), err, errlen);
	if (!strcmp(key, "budget"))
		return parse_bool(v, &m->budget, err, errlen);
	return -ENOENT;
}

static int watts_conf_throttle_find(struct watts_config *c, const char *name, int line, char *err,
				    size_t errlen, struct throttle_config **out)
{
	int i;

	if (c->thr_defaulted) {
		c->nthrottles = 0;
		c->thr_defaulted = false;
	}
	for (i = 0; i < c->nthrottles; i++) {
		if (!strcmp(c->thr[i].name, name)) {
			*out = &c->thr[i];
			return 0;
		}
	}
	if (c->nthrottles >= WATTS_THROTTLES_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d throttles",
				   WATTS_THROTTLES_MAX);
	*out = &c->thr[c->nthrottles++];
	throttle_config_defaults(*out, name);
	(*out)->line = line;
	return 0;
}

static int watts_conf_throttle_set(struct watts_config *c, const char *name, const char *key,
				   const char *v, int line, char *err, size_t errlen)
{
	struct throttle_config *t = NULL;
	long l;
	int r;

	r = watts_conf_throttle_find(c, name, line, err, errlen, &t);
	if (r < 0)
		return r;
	if (!strcmp(key, "type")) {
		if (throttle_kind_parse(v, &t->kind) < 0)
			return parse_error(
				-EINVAL, err, errlen,
				"type must be tbf, cpufreq, pstate, rapl or hook, not \"%s\"", v);
		return 0;
	}
	if (!strcmp(key, "interfaces") || !strcmp(key, "interface")) {
		char buf[128], *save = NULL, *w;

		if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
			return -EINVAL;
		t->nifaces = 0;
		for (w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
			if (t->nifaces >= THROTTLE_IFACES_MAX ||
			    strlen(w) >= sizeof(t->ifaces[0]) || strchr(w, '/'))
				return parse_error(-EINVAL, err, errlen,
						   "bad interface list \"%s\"", v);
			snprintf(t->ifaces[t->nifaces++], sizeof(t->ifaces[0]), "%s", w);
		}
		return 0;
	}
	if (!strcmp(key, "rate")) {
		if (throttle_rate_parse(v, &t->rate_bps) < 0)
			return parse_error(-EINVAL, err, errlen,
					   "rate \"%s\" is not a rate like 8gbit or 500mbit", v);
		return 0;
	}
	if (!strcmp(key, "burst")) {
		r = parse_int(v, 0, 1L << 30, &l, err, errlen);
		if (r == 0)
			t->burst = (uint32_t)l;
		return r;
	}
	if (!strcmp(key, "max"))
		return parse_percent(v, 1.0, 100.0, &t->cpu_pct, err, errlen);
	if (!strcmp(key, "limit"))
		return parse_double(v, 0.5, 500.0, &t->rapl_w, err, errlen);
	if (!strcmp(key, "path"))
		return watts_conf_path_set(v, t->rapl_path, sizeof(t->rapl_path), false, err,
					   errlen);
	if (!strcmp(key, "command"))
		return watts_conf_command_set(v, t->command, sizeof(t->command), false, err,
					      errlen);
	if (!strcmp(key, "hook_timeout"))
		return parse_duration_ns(v, HW_NSEC_PER_SEC / 10, 3600 * HW_NSEC_PER_SEC,
					 &t->hook_timeout_ns, err, errlen);
	return -ENOENT;
}

static int watts_conf_thermal_find(struct watts_config *c, const char *name, int line, char *err,
				   size_t errlen, struct thermal_config **out)
{
	int i;

	for (i = 0; i < c->nthermals; i++) {
		if (!strcmp(c->thermal[i].name, name)) {
			/* the user now owns the default input */
			c->thermal_defaulted = false;
			c->thermal_line[i] = c->thermal_line[i] ? c->thermal_line[i] : line;
			*out = &c->thermal[i];
			return 0;
		}
	}
	if (c->nthermals >= WATTS_THERMALS_MAX)
		return parse_error(-E2BIG, err, errlen, "at most %d thermal inputs",
				   WATTS_THERMALS_MAX);
	thermal_config_defaults(&c->thermal[c->nthermals], name);
	c->thermal_line[c->nthermals] = line;
	*out = &c->thermal[c->nthermals++];
	return 0;
}

static int watts_conf_temp_parse(const char *v, double *out, char *err, size_t errlen)
{
	if (!strcasecmp(v, "off") || !strcasecmp(v, "none")) {
		*out = NAN;
		return 0;
	}
	return parse_double(v, -50.0, 200.0, out, err, errlen);
}

static int watts_conf_thermal_set(struct watts_config *c, const char *name, const char *key,
				  const char *v, int line, char *err, size_t errlen)
{
	struct thermal_config *t = NULL;
	long l;
	int r;

	r = watts_conf_thermal_find(c, name, line, err, errlen, &t);
	if (r < 0)
		return r;
	if (!strcmp(key, "warn"))
		return watts_conf_temp_parse(v, &t->warn_c, err, errlen);
	if (!strcmp(key, "critical"))
		return watts_conf_temp_parse(v, &t->crit_c, err, errlen);
	if (!strcmp(key, "emergency"))
		return watts_conf_temp_parse(v, &t->emerg_c, err, errlen);
	if (!strcmp(key, "hysteresis"))
		return parse_double(v, 0.0, 50.0, &t->hysteresis_c, err, errlen);
	if (!strcmp(key, "consecutive")) {
		r = parse_int(v, 1, 100, &l, err, errlen);
		if (r == 0)
			t->consecutive = (int)l;
		return r;
	}
	if (!strcmp(key, "warn_action") || !strcmp(key, "critical_action") ||
	    !strcmp(key, "emergency_action")) {
		unsigned acts;
		int lvl = key[0] == 'w'	  ? THERMAL_WARN
			  : key[0] == 'c' ? THERMAL_CRIT
					  : THERMAL_EMERG;

		if (thermal_actions_parse(v, &acts) < 0)
			return parse_error(
				-EINVAL, err, errlen,
				"actions are a list of alert, fan, throttle, poweroff (or none)");
		t->actions[lvl] = acts;
		return 0;
	}
	return -ENOENT;
}

static int watts_conf_budget_set(struct watts_config *c, const char *key, const char *v, int line,
				 char *err, size_t errlen)
{
	struct budget_config *b = &c->budget;

	c->budget_line = c->budget_line ? c->budget_line : line;
	if (!strcmp(key, "enabled"))
		return parse_bool(v, &c->budget_enabled, err, errlen);
	if (!strcmp(key, "limit"))
		return parse_double(v, 1.0, 10000.0, &b->limit_w, err, errlen);
	if (!strcmp(key, "warn"))
		return parse_percent(v, 1.0, 200.0, &b->warn_pct, err, errlen);
	if (!strcmp(key, "throttle"))
		return parse_percent(v, 1.0, 200.0, &b->throttle_pct, err, errlen);
	if (!strcmp(key, "critical"))
		return parse_percent(v, 1.0, 200.0, &b->critical_pct, err, errlen);
	if (!strcmp(key, "critical_hold"))
		return parse_duration_ns(v, 0, 3600 * HW_NSEC_PER_SEC, &b->critical_hold_ns, err,
					 errlen);
	if (!strcmp(key, "window"))
		return parse_duration_ns(v, 100 * 1000 * 1000, 600 * HW_NSEC_PER_SEC, &b->window_ns,
					 err, errlen);
	if (!strcmp(key, "hysteresis"))
		return parse_percent(v, 0.0, 50.0, &b->hysteresis_pct, err, errlen);
	if (!strcmp(key, "step_dwell"))
		return parse_duration_ns(v, 0, 3600 * HW_NSEC_PER_SEC, &b->step_dwell_ns, err,
					 errlen);
	if (!strcmp(key, "critical_dwell"))
		return parse_duration_ns(v, 0, 3600 * HW_NSEC_PER_SEC, &b->critical_dwell_ns, err,
					 errlen);
	if (!strcmp(key, "warn_only"))
		return parse_bool(v, &b->warn_only, err, errlen);
	if (!strcmp(key, "ladder")) {
		char buf[512], *save = NULL, *w;

		if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
			return -EINVAL;
		c->nladder = 0;
		c->ladder_line = line;
		if (!strcasecmp(buf, "none")) {
			c->nladder = -1;
			return 0;
		}
		for (w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
			if (c->nladder >= WATTS_THROTTLES_MAX || !watts_conf_name_ok(w))
				return parse_error(-EINVAL, err, errlen, "bad ladder entry \"%s\"",
						   w);
			snprintf(c->ladder[c->nladder++], sizeof(c->ladder[0]), "%s", w);
		}
		return 0;
	}
	return -ENOENT;
}

static int watts_conf_watts_set(struct watts_config *c, const char *key, const char *v, char *err,
				size_t errlen)
{
	long l;

	if (!strcmp(key, "sample_rate")) {
		char buf[32];
		size_t n;

		if (parse_string(v, buf, sizeof(buf), err, errlen) < 0)
			return -EINVAL;
		n = strlen(buf);
		if (n > 2 && !strcasecmp(buf + n - 2, "hz"))
			buf[n - 2] = '\0';
		return parse_double(buf, 0.1, 1000.0, &c->sample_hz, err, errlen);
	}
	if (!strcmp(key, "state_file"))
		return watts_conf_path_set(v, c->state_file, sizeof(c->state_file), true, err,
					   errlen);
	if (!strcmp(key, "save_interval"))
		return parse_duration_ns(v, HW_NSEC_PER_SEC, 86400 * HW_NSEC_PER_SEC,
					 &c->save_interval_ns, err, errlen);
	if (!strcmp(key, "log"))
		return watts_conf_path_set(v, c->log_path, sizeof(c->log_path), true, err, errlen);
	if (!strcmp(key, "log_interval"))
		return parse_duration_ns(v, 10 * 1000 * 1000, 3600 * HW_NSEC_PER_SEC,
					 &c->log_interval_ns, err, errlen);
	if (!strcmp(key, "log_max_size"))
		return parse_size(v, 4096, UINT64_C(1) << 40, &c->log_max_bytes, err,
					     errlen);
	if (!strcmp(key, "log_keep")) {
		int r = parse_int(v, 0, 100, &l, err, errlen);

		if (r == 0)
			c->log_keep = (int)l;
		return r;
	}
	if (!strcmp(key, "baseline"))
		return parse_duration_ns(v, HW_NSEC_PER_SEC / 10, 600 * HW_NSEC_PER_SEC,
					 &c->baseline_ns, err, errlen);
	if (!strcmp(key, "max_gap"))
		return parse_duration_ns(v, HW_NSEC_PER_SEC / 10, 3600 * HW_NSEC_PER_SEC,
					 &c->max_gap_ns, err, errlen);
	if (!strcmp(key, "ib_device")) {
		while (*v == ' ')
			v++;
		if (!*v) {
			c->ib_device[0] = '\0';
			return 0;
		}
		return parse_string(v, c->ib_device, sizeof(c->ib_device), err, errlen);
	}
	return -ENOENT;
}

static int watts_conf_alerts_set(struct alarm_config *a, const char *key, const char *v, int line,
				 char *err, size_t errlen)
{
	long l;
	int r;

	if (!strcmp(key, "alert_command")) {
		a->line = line;
		return watts_conf_command_set(v, a->alert_command, sizeof(a->alert_command), true,
					      err, errlen);
	}
	if (!strcmp(key, "rate_limit"))
		return parse_duration_ns(v, 0, 86400 * HW_NSEC_PER_SEC, &a->rate_limit_ns, err,
					 errlen);
	if (!strcmp(key, "command_timeout"))
		return parse_duration_ns(v, HW_NSEC_PER_SEC / 10, 3600 * HW_NSEC_PER_SEC,
					 &a->command_timeout_ns, err, errlen);
	if (!strcmp(key, "history")) {
		r = parse_int(v, 0, 4096, &l, err, errlen);
		if (r == 0)
			a->history = (int)l;
		return r;
	}
	return -ENOENT;
}

int watts_config_set(struct watts_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen)
{
	char kind[32], name[64];
	bool named;

	if (!section || !key || !value)
		return -EINVAL;
	if (watts_conf_section_split(section, kind, sizeof(kind), name, sizeof(name)) < 0)
		return parse_error(-EINVAL, err, errlen, "bad section name [%s]", section);
	named = !strcmp(kind, "monitor") || !strcmp(kind, "throttle") || !strcmp(kind, "thermal") ||
		!strcmp(kind, "alarm");
	if (named && !watts_conf_name_ok(name))
		return parse_error(
			-EINVAL, err, errlen,
			"[%s] needs a name of letters, digits, '-', '_' or '.', e.g. [%s main]",
			section, kind);
	if (!named && name[0])
		return parse_error(-EINVAL, err, errlen, "[%s] takes no name", kind);
	if (!strcmp(kind, "watts"))
		return watts_conf_watts_set(c, key, value, err, errlen);
	if (!strcmp(kind, "monitor"))
		return watts_conf_monitor_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "budget"))
		return watts_conf_budget_set(c, key, value, line, err, errlen);
	if (!strcmp(kind, "throttle"))
		return watts_conf_throttle_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "thermal") || !strcmp(kind, "alarm"))
		return watts_conf_thermal_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "alerts"))
		return watts_conf_alerts_set(&c->alerts, key, value, line, err, errlen);
	return -ENOENT;
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

/* ==== the service ==== */
