/* watts-svc.c - power service: profile keys, sampling, energy, record, budget, thermal alarms. */
#include "supervisor/services/watts-svc.h"

#include "hw/hw.h"
#include "hw/ib.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/policy/energy.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/services/wattlog.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#define NS_PER_S INT64_C(1000000000)
#define WATTS_RECORDS_MAX 8
#define WATTS_FOLLOWERS_MAX 16
#define WATTS_BASELINE_RING 2048
#define WATTS_IB_PORTS_MAX 8
#define WATTS_SENSOR_FAILS 3 /* consecutive failures before the sensor alarm */
#define WATTS_REOPEN_NS (10 * NS_PER_S)
#define THERMAL_STALE_NS \
	(10 *            \
	 NS_PER_S) /* an input silent this long counts as invalid */ /* retry a monitor that failed to open */

static int cfg_fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cfg_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ==== configuration ==== */

void watts_config_defaults(struct watts_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sample_hz = 1.0;
	snprintf(c->state_file, sizeof(c->state_file), "/var/lib/h2box/energy.state");
	c->save_interval_ns = 600 * NS_PER_S;
	c->log_interval_ns = NS_PER_S;
	c->log_max_bytes = 10u << 20;
	c->log_keep = 3;
	c->baseline_ns = 5 * NS_PER_S;
	c->max_gap_ns = 5 * NS_PER_S;

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

static bool name_ok(const char *s)
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
static int section_split(const char *section, char *kind, size_t klen, char *name, size_t nlen)
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

bool watts_config_owns_section(const char *section)
{
	char kind[32], name[64];

	if (section_split(section, kind, sizeof(kind), name, sizeof(name)) < 0)
		return false;
	return !strcmp(kind, "watts") || !strcmp(kind, "monitor") || !strcmp(kind, "budget") ||
	       !strcmp(kind, "throttle") || !strcmp(kind, "thermal") || !strcmp(kind, "alarm") ||
	       !strcmp(kind, "alerts");
}

static int path_set(const char *v, char *dst, size_t len, bool allow_empty, char *err,
		    size_t errlen)
{
	while (*v == ' ')
		v++;
	if (!*v) {
		if (!allow_empty)
			return cfg_fail(err, errlen, -EINVAL, "a path is required");
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/')
		return cfg_fail(err, errlen, -EINVAL, "\"%s\" is not an absolute path", v);
	return parse_string(v, dst, len, err, errlen);
}

/* A hook's command: split into words now (quotes, no shell), so a bad one is a profile error. */
static int hook_command_set(struct throttle_config *t, const char *v, char *err, size_t errlen)
{
	char buf[sizeof(t->command)], *argv[THROTTLE_HOOK_WORDS_MAX + 1];
	size_t off = 0;
	int n;

	if (parse_string(v, t->command, sizeof(t->command), err, errlen) < 0)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", t->command);
	n = parse_argv_split(buf, argv, THROTTLE_HOOK_WORDS_MAX + 1);
	if (n == -E2BIG)
		return cfg_fail(err, errlen, -EINVAL, "command has more than %d words",
				THROTTLE_HOOK_WORDS_MAX);
	if (n < 0)
		return cfg_fail(err, errlen, -EINVAL, "command has an unbalanced quote");
	if (n == 0 || argv[0][0] != '/')
		return cfg_fail(err, errlen, -EINVAL, "command must start with an absolute path");
	/* the words are no longer than the command they came from: they fit */
	for (int i = 0; i < n; i++) {
		size_t len = strlen(argv[i]) + 1;

		memcpy(t->hook_words + off, argv[i], len);
		off += len;
	}
	t->hook_nwords = n;
	return 0;
}

static int monitor_find(struct watts_config *c, const char *name, int line, char *err,
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
		return cfg_fail(err, errlen, -E2BIG, "at most %d monitors", WATTS_MONITORS_MAX);
	*out = &c->mon[c->nmonitors++];
	memset(*out, 0, sizeof(**out));
	snprintf((*out)->name, sizeof((*out)->name), "%.31s", name);
	ina2xx_config_defaults(&(*out)->ina);
	(*out)->line = line;
	return 0;
}

static int monitor_set(struct watts_config *c, const char *name, const char *key, const char *v,
		       int line, char *err, size_t errlen)
{
	struct watts_monitor_config *m = NULL;
	unsigned long ul;
	int64_t ns;
	long l;
	int r;

	r = monitor_find(c, name, line, err, errlen, &m);
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
		return cfg_fail(err, errlen, -EINVAL,
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

static int throttle_find(struct watts_config *c, const char *name, int line, char *err,
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
		return cfg_fail(err, errlen, -E2BIG, "at most %d throttles", WATTS_THROTTLES_MAX);
	*out = &c->thr[c->nthrottles++];
	throttle_config_defaults(*out, name);
	(*out)->line = line;
	return 0;
}

static int throttle_set(struct watts_config *c, const char *name, const char *key, const char *v,
			int line, char *err, size_t errlen)
{
	struct throttle_config *t = NULL;
	long l;
	int r;

	r = throttle_find(c, name, line, err, errlen, &t);
	if (r < 0)
		return r;
	if (!strcmp(key, "type")) {
		if (throttle_kind_parse(v, &t->kind) < 0)
			return cfg_fail(
				err, errlen, -EINVAL,
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
				return cfg_fail(err, errlen, -EINVAL, "bad interface list \"%s\"",
						v);
			snprintf(t->ifaces[t->nifaces++], sizeof(t->ifaces[0]), "%s", w);
		}
		return 0;
	}
	if (!strcmp(key, "rate")) {
		if (throttle_rate_parse(v, &t->rate_bps) < 0)
			return cfg_fail(err, errlen, -EINVAL,
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
		return path_set(v, t->rapl_path, sizeof(t->rapl_path), false, err, errlen);
	if (!strcmp(key, "command"))
		return hook_command_set(t, v, err, errlen);
	return -ENOENT;
}

static int thermal_find(struct watts_config *c, const char *name, int line, char *err,
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
		return cfg_fail(err, errlen, -E2BIG, "at most %d thermal inputs",
				WATTS_THERMALS_MAX);
	thermal_config_defaults(&c->thermal[c->nthermals], name);
	c->thermal_line[c->nthermals] = line;
	*out = &c->thermal[c->nthermals++];
	return 0;
}

static int temp_parse(const char *v, double *out, char *err, size_t errlen)
{
	if (!strcasecmp(v, "off") || !strcasecmp(v, "none")) {
		*out = NAN;
		return 0;
	}
	return parse_double(v, -50.0, 200.0, out, err, errlen);
}

static int thermal_set(struct watts_config *c, const char *name, const char *key, const char *v,
		       int line, char *err, size_t errlen)
{
	struct thermal_config *t = NULL;
	long l;
	int r;

	r = thermal_find(c, name, line, err, errlen, &t);
	if (r < 0)
		return r;
	if (!strcmp(key, "warn"))
		return temp_parse(v, &t->warn_c, err, errlen);
	if (!strcmp(key, "critical"))
		return temp_parse(v, &t->crit_c, err, errlen);
	if (!strcmp(key, "emergency"))
		return temp_parse(v, &t->emerg_c, err, errlen);
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
		int lvl = key[0] == 'w'   ? THERMAL_WARN
			  : key[0] == 'c' ? THERMAL_CRIT
					  : THERMAL_EMERG;

		if (thermal_actions_parse(v, &acts) < 0)
			return cfg_fail(
				err, errlen, -EINVAL,
				"actions are a list of alert, fan, throttle, poweroff (or none)");
		t->actions[lvl] = acts;
		return 0;
	}
	return -ENOENT;
}

static int budget_set(struct watts_config *c, const char *key, const char *v, int line, char *err,
		      size_t errlen)
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
		return parse_duration_ns(v, 0, 3600 * NS_PER_S, &b->critical_hold_ns, err, errlen);
	if (!strcmp(key, "window"))
		return parse_duration_ns(v, 100 * 1000 * 1000, 600 * NS_PER_S, &b->window_ns, err,
					 errlen);
	if (!strcmp(key, "hysteresis"))
		return parse_percent(v, 0.0, 50.0, &b->hysteresis_pct, err, errlen);
	if (!strcmp(key, "step_dwell"))
		return parse_duration_ns(v, 0, 3600 * NS_PER_S, &b->step_dwell_ns, err, errlen);
	if (!strcmp(key, "critical_dwell"))
		return parse_duration_ns(v, 0, 3600 * NS_PER_S, &b->critical_dwell_ns, err, errlen);
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
			if (c->nladder >= WATTS_THROTTLES_MAX || !name_ok(w))
				return cfg_fail(err, errlen, -EINVAL, "bad ladder entry \"%s\"", w);
			snprintf(c->ladder[c->nladder++], sizeof(c->ladder[0]), "%s", w);
		}
		return 0;
	}
	return -ENOENT;
}

static int watts_set(struct watts_config *c, const char *key, const char *v, char *err,
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
		return path_set(v, c->state_file, sizeof(c->state_file), true, err, errlen);
	if (!strcmp(key, "save_interval"))
		return parse_duration_ns(v, NS_PER_S, 86400 * NS_PER_S, &c->save_interval_ns, err,
					 errlen);
	if (!strcmp(key, "log"))
		return path_set(v, c->log_path, sizeof(c->log_path), true, err, errlen);
	if (!strcmp(key, "log_interval"))
		return parse_duration_ns(v, 10 * 1000 * 1000, 3600 * NS_PER_S, &c->log_interval_ns,
					 err, errlen);
	if (!strcmp(key, "log_max_size"))
		return parse_size(v, 4096, UINT64_C(1) << 40, &c->log_max_bytes, err, errlen);
	if (!strcmp(key, "log_keep")) {
		int r = parse_int(v, 0, 100, &l, err, errlen);

		if (r == 0)
			c->log_keep = (int)l;
		return r;
	}
	if (!strcmp(key, "baseline"))
		return parse_duration_ns(v, NS_PER_S / 10, 600 * NS_PER_S, &c->baseline_ns, err,
					 errlen);
	if (!strcmp(key, "max_gap"))
		return parse_duration_ns(v, NS_PER_S / 10, 3600 * NS_PER_S, &c->max_gap_ns, err,
					 errlen);
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

static int alerts_set(struct alarm_config *a, const char *key, const char *v, int line, char *err,
		      size_t errlen)
{
	long l;
	int r;

	if (!strcmp(key, "alert_command")) {
		a->line = line;
		return path_set(v, a->alert_command, sizeof(a->alert_command), true, err, errlen);
	}
	if (!strcmp(key, "rate_limit"))
		return parse_duration_ns(v, 0, 86400 * NS_PER_S, &a->rate_limit_ns, err, errlen);
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
	if (section_split(section, kind, sizeof(kind), name, sizeof(name)) < 0)
		return cfg_fail(err, errlen, -EINVAL, "bad section name [%s]", section);
	named = !strcmp(kind, "monitor") || !strcmp(kind, "throttle") || !strcmp(kind, "thermal") ||
		!strcmp(kind, "alarm");
	if (named && !name_ok(name))
		return cfg_fail(
			err, errlen, -EINVAL,
			"[%s] needs a name of letters, digits, '-', '_' or '.', e.g. [%s main]",
			section, kind);
	if (!named && name[0])
		return cfg_fail(err, errlen, -EINVAL, "[%s] takes no name", kind);
	if (!strcmp(kind, "watts"))
		return watts_set(c, key, value, err, errlen);
	if (!strcmp(kind, "monitor"))
		return monitor_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "budget"))
		return budget_set(c, key, value, line, err, errlen);
	if (!strcmp(kind, "throttle"))
		return throttle_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "thermal") || !strcmp(kind, "alarm"))
		return thermal_set(c, name, key, value, line, err, errlen);
	if (!strcmp(kind, "alerts"))
		return alerts_set(&c->alerts, key, value, line, err, errlen);
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
				return cfg_fail(
					err, errlen, -EINVAL,
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
				return cfg_fail(err, errlen, -EINVAL,
						"monitors %s and %s both use I2C %d/0x%02x",
						c->mon[j].name, m->name, m->ina.bus, m->ina.addr);
			}
		}
	}
	if (nbudget > 1) {
		*line = c->mon[c->nmonitors - 1].line;
		return cfg_fail(err, errlen, -EINVAL, "only one monitor can have budget = yes");
	}
	if (!(b->warn_pct < b->throttle_pct && b->throttle_pct <= b->critical_pct)) {
		*line = c->budget_line;
		return cfg_fail(
			err, errlen, -EINVAL,
			"budget levels must rise: warn %.0f%% < throttle %.0f%% <= critical "
			"%.0f%%",
			b->warn_pct, b->throttle_pct, b->critical_pct);
	}
	if (b->throttle_pct - b->hysteresis_pct <= 0) {
		*line = c->budget_line;
		return cfg_fail(err, errlen, -EINVAL,
				"budget hysteresis is larger than the levels");
	}
	for (i = 0; i < c->nthrottles; i++) {
		const struct throttle_config *t = &c->thr[i];

		*line = t->line;
		if (t->kind == THROTTLE_TBF && t->nifaces == 0)
			return cfg_fail(err, errlen, -EINVAL,
					"throttle %s: tbf needs interfaces =", t->name);
		if (t->kind == THROTTLE_HOOK && !t->command[0])
			return cfg_fail(err, errlen, -EINVAL,
					"throttle %s: hook needs command =", t->name);
	}
	for (i = 0; i < c->nladder; i++) {
		for (j = 0; j < c->nthrottles; j++)
			if (!strcmp(c->ladder[i], c->thr[j].name))
				break;
		if (j == c->nthrottles) {
			*line = c->ladder_line;
			return cfg_fail(err, errlen, -EINVAL,
					"ladder names \"%s\" but no [throttle %s]", c->ladder[i],
					c->ladder[i]);
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(c->ladder[i], c->ladder[j])) {
				*line = c->ladder_line;
				return cfg_fail(err, errlen, -EINVAL, "ladder lists \"%s\" twice",
						c->ladder[i]);
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
				return cfg_fail(err, errlen, -EINVAL,
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

struct monitor {
	struct watts_monitor_config cfg;
	struct ina2xx *dev;
	struct ina2xx_reading last;
	bool valid;
	int fails;
	int64_t reopen_ns;
	char alarm_id[48];
	char err[200];
	struct energy_counter energy;
};

struct ib_port_snap {
	char dev[HW_IB_NAME_MAX];
	int port;
	uint64_t tx, rx;
	int tx_bits, rx_bits;
	bool ok;
};

struct ib_snap {
	int n;
	struct ib_port_snap p[WATTS_IB_PORTS_MAX];
};

struct record {
	unsigned id;
	struct energy_record er;
	struct energy_baseline base;
	struct ib_snap ib0;
};

struct follower {
	struct ctl_stream *st;
	int64_t interval_ns, next_ns;
	bool json;
};

struct watts_svc {
	struct box *b;
	struct watts_config cfg;
	struct monitor mon[WATTS_MONITORS_MAX];
	int nmon;
	int main_idx;
	int64_t period_ns;
	struct loop_timer *timer;
	int64_t next_ns;
	int64_t last_ns;

	struct energy_state est;
	int64_t last_save_ns;

	struct {
		int64_t t;
		double w;
	} ring[WATTS_BASELINE_RING];
	int ring_head, ring_len;

	struct record rec[WATTS_RECORDS_MAX];
	int nrec;
	unsigned next_id;

	bool budget_on;
	struct budget budget;
	struct throttle *thr[WATTS_THROTTLES_MAX];
	int nthr;
	int ladder[WATTS_THROTTLES_MAX]; /* ladder step -> thr index */
	int nladder;

	struct thermal therm[WATTS_THERMALS_MAX];
	int64_t therm_seen[WATTS_THERMALS_MAX]; /* updated_ns of the last reading fed */
	int ntherm;
	bool fan_full, throttle_wanted, poweroff_sent;
	watts_poweroff_fn poweroff_fn;
	void *poweroff_ud;

	struct wattlog *log;
	int64_t last_log_ns;
	bool log_failed;

	struct follower fol[WATTS_FOLLOWERS_MAX];
	int nfol;
	bool registered;
	double poweron_j;
	bool was_off;
};

static struct monitor *main_mon(struct watts_svc *s)
{
	return &s->mon[s->main_idx];
}

static void fmt_iso(int64_t real_ns, char *buf, size_t len)
{
	time_t t = (time_t)(real_ns / NS_PER_S);
	struct tm tm;
	char base[32];

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", base,
		 (int)((real_ns % NS_PER_S + NS_PER_S) % NS_PER_S / 1000000));
}

/* ---- monitors ---- */

static void monitor_try_open(struct watts_svc *s, struct monitor *m, int64_t now)
{
	char err[200];
	int r;

	r = ina2xx_open(s->b->hw, &m->cfg.ina, &m->dev, err, sizeof(err));
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

static void monitor_sample(struct watts_svc *s, struct monitor *m, int64_t now)
{
	int r;

	if (!m->dev) {
		m->valid = false;
		if (now >= m->reopen_ns)
			monitor_try_open(s, m, now);
		if (!m->dev)
			return;
	}
	r = ina2xx_read(m->dev, &m->last);
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

/* ---- IB counters for records ---- */

static int counter(struct hw *hw, const char *dev, int port, const char *name, uint64_t *v,
		   int *bits)
{
	char n64[64];
	int r;

	snprintf(n64, sizeof(n64), "%s_64", name);
	r = hw_ib_counter_read(hw, dev, port, n64, v, bits);
	if (r == -ENOENT) {
		r = hw_ib_counter_read(hw, dev, port, name, v, bits);
		if (r == 0 && *bits != 64)
			*bits = 32;
	}
	return r;
}

static void ib_snapshot(struct watts_svc *s, struct ib_snap *snap)
{
	char names[4][HW_IB_NAME_MAX];
	int ndev, d, port, nports;

	memset(snap, 0, sizeof(*snap));
	if (s->cfg.ib_device[0]) {
		snprintf(names[0], sizeof(names[0]), "%s", s->cfg.ib_device);
		ndev = 1;
	} else {
		ndev = hw_ib_devices(s->b->hw, names, 4);
		if (ndev < 0)
			return;
		if (ndev > 4)
			ndev = 4;
	}
	for (d = 0; d < ndev; d++) {
		nports = hw_ib_port_count(s->b->hw, names[d]);
		for (port = 1; port <= nports && snap->n < WATTS_IB_PORTS_MAX; port++) {
			struct ib_port_snap *p = &snap->p[snap->n++];

			snprintf(p->dev, sizeof(p->dev), "%.63s", names[d]);
			p->port = port;
			p->ok = counter(s->b->hw, names[d], port, "port_xmit_data", &p->tx,
					&p->tx_bits) == 0 &&
				counter(s->b->hw, names[d], port, "port_rcv_data", &p->rx,
					&p->rx_bits) == 0;
		}
	}
}

/* Counter delta in words; NAN when unknown or when a 32-bit counter saturated (mlx4 sticks). */
static double counter_delta(uint64_t a, uint64_t b, int bits)
{
	if (bits == 32) {
		if (b == UINT32_MAX || a == UINT32_MAX)
			return NAN;
		return (double)((uint32_t)((uint32_t)b - (uint32_t)a));
	}
	return b >= a ? (double)(b - a) : NAN;
}

static void ib_bytes(const struct ib_snap *a, const struct ib_snap *b, double *tx, double *rx)
{
	*tx = *rx = 0;
	if (!a->n || a->n != b->n) {
		*tx = *rx = NAN;
		return;
	}
	for (int i = 0; i < a->n; i++) {
		if (!a->p[i].ok || !b->p[i].ok) {
			*tx = *rx = NAN;
			return;
		}
		/* port_xmit_data / port_rcv_data count 4-octet words */
		*tx += 4.0 * counter_delta(a->p[i].tx, b->p[i].tx, a->p[i].tx_bits);
		*rx += 4.0 * counter_delta(a->p[i].rx, b->p[i].rx, a->p[i].rx_bits);
	}
}

/* ---- budget and thermal ---- */

static void budget_event_handle(struct watts_svc *s, const struct budget_event *e)
{
	char f_state[48], f_w[48], f_tx[48], f_rx[48], f_act[64], traffic[96];
	struct throttle *t;
	int r;

	snprintf(f_w, sizeof(f_w), "H2BOX_WATTS=%.2f", e->avg_w);
	snprintf(f_tx, sizeof(f_tx), "H2BOX_IB_TX_GBPS=%.2f", e->ib_tx_gbps);
	snprintf(f_rx, sizeof(f_rx), "H2BOX_IB_RX_GBPS=%.2f", e->ib_rx_gbps);
	if (isfinite(e->ib_tx_gbps) || isfinite(e->ib_rx_gbps))
		snprintf(traffic, sizeof(traffic), "IB tx %.2f Gb/s, rx %.2f Gb/s", e->ib_tx_gbps,
			 e->ib_rx_gbps);
	else
		snprintf(traffic, sizeof(traffic), "IB traffic unknown");
	if (e->kind == BUDGET_EV_STATE) {
		snprintf(f_state, sizeof(f_state), "H2BOX_STATE=%s", budget_state_name(e->to));
		log_event(e->to > e->from ? (e->to >= BUDGET_CRITICAL ? LOG_CRIT : LOG_WARNING)
					  : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=budget", f_state, f_w, f_tx, f_rx, NULL },
			  "power budget %s -> %s: average %.1f W is %.0f%% of %.0f W (%s)",
			  budget_state_name(e->from), budget_state_name(e->to), e->avg_w, e->pct,
			  e->limit_w, traffic);
		if (e->to == BUDGET_OK && e->powered_off)
			alarm_clear_reason(s->b, "power-budget", "powered off");
		else if (e->to == BUDGET_OK)
			alarm_clear(s->b, "power-budget");
		else
			alarm_raise(s->b, "power-budget",
				    e->to == BUDGET_CRITICAL ? ALARM_CRIT : ALARM_WARN, e->avg_w,
				    "power budget %s: %.1f W average, %.0f%% of %.0f W (%s)",
				    budget_state_name(e->to), e->avg_w, e->pct, e->limit_w,
				    traffic);
		return;
	}
	if (e->step < 0 || e->step >= s->nladder)
		return;
	t = s->thr[s->ladder[e->step]];
	snprintf(f_act, sizeof(f_act), "H2BOX_ACTION=%s", throttle_name(t));
	if (e->kind == BUDGET_EV_APPLY) {
		r = throttle_apply(t);
		log_event(r < 0 ? LOG_WARNING : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=throttle-apply", f_act, f_w, f_tx, f_rx,
					    NULL },
			  "throttle step %d/%d %s: %s%s%s; average %.1f W of %.0f W%s, %s",
			  e->step + 1, s->nladder, throttle_name(t), throttle_describe(t),
			  r < 0 ? " FAILED: " : "", r < 0 ? throttle_strerror(t, r) : "", e->avg_w,
			  e->limit_w,
			  e->forced ? " (thermal)" : "", traffic);
	} else {
		r = throttle_undo(t);
		log_event(r < 0 ? LOG_WARNING : LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=throttle-undo", f_act, f_w, NULL },
			  "throttle step %d/%d %s undone%s%s%s; average %.1f W of %.0f W",
			  e->step + 1, s->nladder, throttle_name(t),
			  e->powered_off ? " (box powered off)" : "", r < 0 ? " FAILED: " : "",
			  r < 0 ? strerror(-r) : "", e->avg_w, e->limit_w);
	}
}

static void thermal_step(struct watts_svc *s, int64_t now)
{
	bool fan = false, thr = false, off = false;
	char id[48];
	int i;

	for (i = 0; i < s->ntherm; i++) {
		struct thermal *t = &s->therm[i];
		const struct box_temp *bt = box_temp_find(s->b, t->cfg.name);
		double c = NAN;
		unsigned acts;

		snprintf(id, sizeof(id), "temp-%s", t->cfg.name);
		if (bt && bt->off) {
			/* its part is unpowered: no heat, and its actions (fan, ladder, off) let go */
			if (thermal_power_off(t, NULL))
				alarm_clear_reason(s->b, id, "powered off");
			continue;
		}
		/*
		 * One reading counts once: inputs update at their own pace, and
		 * "consecutive agreeing readings" must not be samples of the same one.
		 */
		if (bt && bt->updated_ns != s->therm_seen[i]) {
			s->therm_seen[i] = bt->updated_ns;
			c = bt->celsius;
		} else if (bt && bt->updated_ns && now - bt->updated_ns < THERMAL_STALE_NS) {
			goto actions; /* no new reading yet: keep the level */
		}
		if (thermal_update(t, c, NULL)) {
			if (t->level == THERMAL_OK) {
				alarm_clear(s->b, id);
			} else {
				char a[64];

				thermal_actions_format(thermal_actions(t), a, sizeof(a));
				alarm_raise(
					s->b, id, (enum alarm_level)t->level, c,
					"%s temperature %.1f C: %s (threshold %.1f C; actions %s)",
					t->cfg.name, c, thermal_level_name(t->level),
					thermal_threshold(&t->cfg, t->level), a);
			}
		}
actions:
		acts = thermal_actions(t);
		fan |= acts & THERMAL_ACT_FAN;
		thr |= acts & THERMAL_ACT_THROTTLE;
		if ((acts & THERMAL_ACT_POWEROFF) && t->level == THERMAL_EMERG)
			off = true;
	}
	s->fan_full = fan;
	s->throttle_wanted = thr;
	if (off && !s->poweroff_sent) {
		s->poweroff_sent = true;
		log_event(LOG_ALERT, (const char *[]){ "H2BOX_EVENT=thermal-poweroff", NULL },
			  "thermal emergency: requesting an orderly power-off of the box");
		if (s->poweroff_fn)
			s->poweroff_fn(s->poweroff_ud, "thermal emergency");
		else
			log_crit("thermal emergency but no power sequencer to switch the box off");
	} else if (!off) {
		s->poweroff_sent = false;
	}
	(void)now;
}

/* ---- energy persistence ---- */

static void energy_save(struct watts_svc *s, int64_t now)
{
	int r;

	s->last_save_ns = now;
	if (!s->cfg.state_file[0])
		return;
	s->est.install_j = main_mon(s)->energy.install_j;
	s->est.saved_real_ns = s->b->loop ? loop_real_now(s->b->loop) : 0;
	r = energy_state_save(s->cfg.state_file, &s->est);
	if (r < 0)
		log_warn(r, "cannot save energy state to %s", s->cfg.state_file);
}

static void energy_load(struct watts_svc *s)
{
	int r = -ENOENT;

	if (s->cfg.state_file[0])
		r = energy_state_load(s->cfg.state_file, &s->est);
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

/* ---- per-sample output ---- */

static void csv_log(struct watts_svc *s, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct wattlog_row row;
	int r;

	if (!s->log || (s->last_log_ns && now - s->last_log_ns < s->cfg.log_interval_ns))
		return;
	s->last_log_ns = now;
	memset(&row, 0, sizeof(row));
	row.real_ns = s->b->loop ? loop_real_now(s->b->loop) : 0;
	row.mono_ns = now;
	row.volts = rd->volts;
	row.amps = rd->amps;
	row.watts = rd->watts;
	for (int i = 0; i < rd->ntemps && i < WATTLOG_TEMPS_MAX; i++) {
		row.temp_names[i] = rd->temps[i].name;
		row.temps[i] = rd->temps[i].celsius;
		row.ntemps++;
	}
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

static void num(char *buf, size_t len, double v, int dec)
{
	if (isfinite(v))
		snprintf(buf, len, "%.*f", dec, v);
	else
		snprintf(buf, len, "null");
}

/* One JSON line of a --json follower, through the one JSON writer (names escaped, UTF-8 kept). */
static int follower_json_line(struct watts_svc *s, struct follower *f, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct json *j = json_new();
	const char *doc;
	int r;

	if (!j)
		return -ENOMEM;
	json_object_begin(j, NULL);
	json_time(j, "time", s->b->loop ? loop_real_now(s->b->loop) : 0);
	json_number(j, "mono_s", (double)now / 1e9, 3);
	json_number(j, "watts", rd->watts, 3);
	json_number(j, "volts", rd->volts, 3);
	json_number(j, "amps", rd->amps, 4);
	json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
	json_string(j, "budget_state", rd->budget_state ? rd->budget_state : "off");
	json_number(j, "ib_tx_gbps", rd->ib_tx_gbps, 3);
	json_number(j, "ib_rx_gbps", rd->ib_rx_gbps, 3);
	json_number(j, "energy_j", main_mon(s)->energy.boot_j, 3);
	json_object_begin(j, "monitors");
	for (int i = 0; i < s->nmon; i++)
		json_number(j, s->mon[i].cfg.name, s->mon[i].valid ? s->mon[i].last.watts : NAN, 3);
	json_object_end(j);
	json_object_end(j);
	doc = json_finish(j, NULL);
	r = doc ? ctl_stream_printf(f->st, "%s\n", doc) : -ENOMEM;
	json_free(j);
	return r;
}

static int follower_line(struct watts_svc *s, struct follower *f, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	char ts[40], w[24], v[24], a[24], avg[24], tx[24], rx[24], extra[256] = "";
	size_t off = 0;
	int i;

	fmt_iso(s->b->loop ? loop_real_now(s->b->loop) : 0, ts, sizeof(ts));
	num(w, sizeof(w), rd->watts, 3);
	num(v, sizeof(v), rd->volts, 3);
	num(a, sizeof(a), rd->amps, 4);
	num(avg, sizeof(avg), s->budget_on ? budget_average(&s->budget) : NAN, 2);
	num(tx, sizeof(tx), rd->ib_tx_gbps, 3);
	num(rx, sizeof(rx), rd->ib_rx_gbps, 3);
	if (f->json)
		return follower_json_line(s, f, now);
	for (i = 0; i < s->nmon && off < sizeof(extra); i++) {
		if (i == s->main_idx)
			continue;
		off += (size_t)snprintf(
			extra + off, sizeof(extra) - off, "  %s %s W", s->mon[i].cfg.name,
			s->mon[i].valid ? (snprintf(w, sizeof(w), "%.2f", s->mon[i].last.watts), w)
					: "-");
	}
	return ctl_stream_printf(
		f->st, "%s %s W %s V %s A  avg %s W  %s%s\n", ts,
		isfinite(rd->watts) ? (snprintf(w, sizeof(w), "%7.2f", rd->watts), w) : "      -",
		isfinite(rd->volts) ? (snprintf(v, sizeof(v), "%6.3f", rd->volts), v) : "     -",
		isfinite(rd->amps) ? (snprintf(a, sizeof(a), "%6.3f", rd->amps), a) : "     -", avg,
		rd->budget_state ? rd->budget_state : "off", extra);
}

static void followers_feed(struct watts_svc *s, int64_t now)
{
	int i = 0;

	while (i < s->nfol) {
		struct follower *f = &s->fol[i];

		if (now >= f->next_ns) {
			f->next_ns += f->interval_ns;
			if (f->next_ns <= now)
				f->next_ns = now + f->interval_ns;
			if (follower_line(s, f, now) < 0) {
				ctl_stream_close(f->st);
				s->fol[i] = s->fol[--s->nfol];
				continue;
			}
		}
		i++;
	}
}

void watts_svc_sample(struct watts_svc *s, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct budget_event ev[BUDGET_EVENTS_MAX];
	struct budget_input in;
	struct monitor *mm;
	int i, n;

	if (now <= s->last_ns)
		return; /* one sample per instant keeps the integration honest */
	s->last_ns = now;
	/* "since power-on" restarts when the power service reports the box back on */
	if (s->was_off && !s->b->power_off)
		s->poweron_j = 0;
	s->was_off = s->b->power_off;
	for (i = 0; i < s->nmon; i++) {
		double inc;

		monitor_sample(s, &s->mon[i], now);
		inc = energy_counter_add(&s->mon[i].energy, now,
					 s->mon[i].valid ? s->mon[i].last.watts : NAN);
		if (i == s->main_idx)
			s->poweron_j += inc;
	}
	mm = main_mon(s);
	rd->watts = mm->valid ? mm->last.watts : NAN;
	rd->volts = mm->valid ? mm->last.volts : NAN;
	rd->amps = mm->valid ? mm->last.amps : NAN;
	if (mm->valid) {
		int slot = (s->ring_head + s->ring_len) % WATTS_BASELINE_RING;

		if (s->ring_len == WATTS_BASELINE_RING)
			s->ring_head = (s->ring_head + 1) % WATTS_BASELINE_RING;
		else
			s->ring_len++;
		s->ring[slot].t = now;
		s->ring[slot].w = mm->last.watts;
	}
	for (i = 0; i < s->nrec; i++)
		energy_record_add(&s->rec[i].er, now, rd->watts, s->cfg.max_gap_ns);

	thermal_step(s, now);
	if (s->budget_on) {
		in.watts = rd->watts;
		in.ib_tx_gbps = rd->ib_tx_gbps;
		in.ib_rx_gbps = rd->ib_rx_gbps;
		in.force_throttle = s->throttle_wanted;
		/* the ladder acts on the H2 (its IPoIB qdisc, its CPU): let go once it is down too */
		in.powered_off = s->b->power_off && s->b->host_off;
		n = budget_update(&s->budget, now, &in, ev, BUDGET_EVENTS_MAX);
		for (i = 0; i < n; i++)
			budget_event_handle(s, &ev[i]);
		rd->budget_state = budget_state_name(budget_state_get(&s->budget));
	} else {
		rd->budget_state = "off";
	}
	for (i = 0; i < s->nthr; i++)
		throttle_poll(s->thr[i]);
	csv_log(s, now);
	followers_feed(s, now);
	if (now - s->last_save_ns >= s->cfg.save_interval_ns)
		energy_save(s, now);
}

static void timer_fire(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct watts_svc *s = userdata;

	watts_svc_sample(s, now_ns);
	/* fixed cadence without drift; skip missed slots instead of bursting */
	s->next_ns += s->period_ns;
	if (s->next_ns <= now_ns)
		s->next_ns = now_ns + s->period_ns;
	loop_timer_arm_at(t, s->next_ns);
}

/* ---- ctl verbs ---- */

static void baseline_measure(struct watts_svc *s, int64_t now, struct energy_baseline *b)
{
	energy_baseline_begin(b, now, s->cfg.baseline_ns);
	for (int i = 0; i < s->ring_len; i++) {
		int slot = (s->ring_head + i) % WATTS_BASELINE_RING;

		energy_baseline_add(b, s->ring[slot].t, s->ring[slot].w);
	}
	energy_baseline_end(b);
}

/* Text: why the baseline is no settled idle figure, or "" when it is. */
static void baseline_note(const struct energy_baseline *b, char *buf, size_t len)
{
	if (b->settled || !isfinite(b->w))
		snprintf(buf, len, "%s", "");
	else if (isfinite(b->drift_w))
		snprintf(buf, len, " (not settled: moved %+.2f W within the window)", b->drift_w);
	else
		snprintf(buf, len, " (not settled: too few samples to tell)");
}

static void watts_json_body(struct watts_svc *s, struct json *j)
{
	struct box_readings *rd = &s->b->readings;
	struct monitor *mm = main_mon(s);

	json_number(j, "watts", rd->watts, 3);
	json_number(j, "volts", rd->volts, 3);
	json_number(j, "amps", rd->amps, 4);
	json_string(j, "budget_state", rd->budget_state ? rd->budget_state : "off");
	json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
	json_number(j, "limit_w", s->cfg.budget.limit_w, 1);
	/* joules in JSON, like the stream and the record (docs/JSON.md); Wh only in text */
	json_number(j, "energy_boot_j", mm->energy.boot_j, 3);
	json_number(j, "energy_poweron_j", s->poweron_j, 3);
	json_number(j, "energy_total_j", mm->energy.install_j, 3);
	json_time(j, "energy_since", s->est.since_real_ns);
	json_array_begin(j, "monitors");
	for (int i = 0; i < s->nmon; i++) {
		struct monitor *m = &s->mon[i];

		json_object_begin(j, NULL);
		json_string(j, "name", m->cfg.name);
		json_string(j, "chip", m->dev ? ina2xx_chip_name(ina2xx_chip_get(m->dev)) : NULL);
		json_string(j, "device", m->dev ? ina2xx_describe(m->dev) : NULL);
		json_bool(j, "budget", i == s->main_idx);
		json_bool(j, "valid", m->valid);
		json_number(j, "watts", m->valid ? m->last.watts : NAN, 3);
		json_number(j, "volts", m->valid ? m->last.volts : NAN, 3);
		json_number(j, "amps", m->valid ? m->last.amps : NAN, 4);
		json_number(j, "energy_boot_j", m->energy.boot_j, 3);
		if (!m->valid)
			json_string(j, "error", m->dev ? ina2xx_last_error(m->dev) : m->err);
		json_object_end(j);
	}
	json_array_end(j);
}

static void watts_text(struct watts_svc *s, struct ctl_reply *rep)
{
	for (int i = 0; i < s->nmon; i++) {
		struct monitor *m = &s->mon[i];

		if (m->valid)
			ctl_reply_printf(rep, "%-8s %7.2f W  %6.3f V  %6.3f A%s\n", m->cfg.name,
					 m->last.watts, m->last.volts, m->last.amps,
					 i == s->main_idx ? "  (budget)" : "");
		else
			ctl_reply_printf(rep, "%-8s no valid reading: %s\n", m->cfg.name,
					 m->dev ? ina2xx_last_error(m->dev) : m->err);
	}
	if (s->budget_on)
		ctl_reply_printf(rep, "budget   %s, average %.2f W of %.0f W\n",
				 budget_state_name(budget_state_get(&s->budget)),
				 budget_average(&s->budget), s->cfg.budget.limit_w);
	ctl_reply_printf(
		rep, "energy   %.3f Wh since power-on, %.3f Wh since start, %.3f kWh since %s\n",
		s->poweron_j / ENERGY_J_PER_WH, main_mon(s)->energy.boot_j / ENERGY_J_PER_WH,
		main_mon(s)->energy.install_j / ENERGY_J_PER_WH / 1000.0,
		s->cfg.state_file[0] ? "install" : "start");
}

static int cmd_watts(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct watts_svc *s = userdata;
	bool follow = false;
	double interval = NAN;
	char err[96];
	int i;

	for (i = 1; i < req->argc; i++) {
		if (!strcmp(req->argv[i], "--follow") || !strcmp(req->argv[i], "-f")) {
			follow = true;
		} else if (!strcmp(req->argv[i], "--interval") && i + 1 < req->argc) {
			if (parse_double(req->argv[++i], 0.001, 3600, &interval, err, sizeof(err)) <
			    0) {
				ctl_reply_error(rep, 2,
						"usage: watts [--follow] [--interval S]: %s", err);
				return 0;
			}
		} else {
			ctl_reply_error(rep, 2, "usage: watts [--follow] [--interval S]");
			return 0;
		}
	}
	if (!follow) {
		if (req->json)
			watts_json_body(s, ctl_reply_json(rep));
		else
			watts_text(s, rep);
		return 0;
	}
	if (s->nfol >= WATTS_FOLLOWERS_MAX) {
		ctl_reply_error(rep, 3, "too many watts --follow clients");
		return 0;
	}
	{
		struct follower *f = &s->fol[s->nfol];
		int64_t iv = isfinite(interval) ? (int64_t)(interval * 1e9) : NS_PER_S;
		int64_t now = loop_now(s->b->loop);

		if (iv < s->period_ns) {
			/* no faster than we sample: say so rather than stretch it silently */
			ctl_reply_error(rep, 2,
					"watts: --interval %g s is shorter than the sampling period: "
					"give %g to 3600 s",
					interval, (double)s->period_ns / 1e9);
			return 0;
		}
		f->st = ctl_reply_stream(rep);
		if (!f->st) {
			ctl_reply_error(rep, 1, "cannot stream");
			return 0;
		}
		f->interval_ns = iv;
		f->next_ns = now;
		f->json = req->json;
		s->nfol++;
		if (req->json)
			json_number(ctl_reply_json(rep), "interval_s", (double)iv / 1e9, 3);
		else
			ctl_reply_printf(rep,
					 "# every %.3f s: time, W, V, A, average W, budget state\n",
					 (double)iv / 1e9);
	}
	return 0;
}

static struct record *record_find(struct watts_svc *s, unsigned id)
{
	for (int i = 0; i < s->nrec; i++)
		if (s->rec[i].id == id)
			return &s->rec[i];
	return NULL;
}

static int record_begin(struct watts_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop);
	struct energy_baseline base;
	struct record *r;
	struct json *j;

	baseline_measure(s, now, &base); /* idle baseline before the sample the record starts with */
	watts_svc_sample(s, now);
	if (s->nrec == WATTS_RECORDS_MAX) {
		/* a client that never said `record end`: the oldest slot goes */
		log_info("record %u dropped: too many open records", s->rec[0].id);
		memmove(&s->rec[0], &s->rec[1], sizeof(s->rec[0]) * (WATTS_RECORDS_MAX - 1));
		s->nrec--;
	}
	r = &s->rec[s->nrec++];
	memset(r, 0, sizeof(*r));
	r->id = ++s->next_id;
	r->base = base;
	energy_record_begin(&r->er, now, base.w);
	energy_record_add(&r->er, now, s->b->readings.watts, s->cfg.max_gap_ns);
	ib_snapshot(s, &r->ib0);
	if (req->json) {
		j = ctl_reply_json(rep);
		json_uint(j, "id", r->id);
		json_number(j, "baseline_w", base.w, 3);
		json_number(j, "baseline_s", (double)s->cfg.baseline_ns / 1e9, 1);
		json_bool(j, "baseline_settled", base.settled);
		json_number(j, "baseline_drift_w", base.drift_w, 3);
		json_number(j, "start_mono_s", (double)now / 1e9, 3);
	} else {
		char bs[32], note[96];

		if (isfinite(base.w))
			snprintf(bs, sizeof(bs), "%.2f W", base.w);
		else
			snprintf(bs, sizeof(bs), "unknown");
		baseline_note(&base, note, sizeof(note));
		ctl_reply_printf(rep, "record %u started; idle baseline %s over the last %.0f s%s\n",
				 r->id, bs, (double)s->cfg.baseline_ns / 1e9, note);
	}
	return 0;
}

static int record_end(struct watts_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int64_t now = loop_now(s->b->loop);
	struct energy_summary sum;
	struct ib_snap ib1;
	struct record *r;
	double tx, rx, bytes, gbps, jpg, jpg_above;
	unsigned long id;
	char err[64], note[96];
	int idx;

	if (parse_uint_any_base(req->argv[2], 1, UINT32_MAX, &id, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2, "usage: record end ID");
		return 0;
	}
	r = record_find(s, (unsigned)id);
	if (!r) {
		ctl_reply_error(rep, 1, "no open record %lu", id);
		return 0;
	}
	watts_svc_sample(s, now);
	energy_record_summary(&r->er, now, &sum);
	ib_snapshot(s, &ib1);
	ib_bytes(&r->ib0, &ib1, &tx, &rx);
	bytes = tx + rx;
	gbps = sum.duration_s > 0 ? bytes * 8.0 / sum.duration_s / 1e9 : NAN;
	jpg = bytes > 0 ? sum.j / (bytes / 1e9) : NAN;
	jpg_above = bytes > 0 ? sum.above_baseline_j / (bytes / 1e9) : NAN;
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_uint(j, "id", r->id);
		json_number(j, "duration_s", sum.duration_s, 3);
		json_number(j, "avg_w", sum.avg_w, 3);
		json_number(j, "peak_w", sum.peak_w, 3);
		json_number(j, "min_w", sum.min_w, 3);
		json_number(j, "energy_j", sum.j, 3);
		json_number(j, "baseline_w", sum.baseline_w, 3);
		json_bool(j, "baseline_settled", r->base.settled);
		json_number(j, "baseline_drift_w", r->base.drift_w, 3);
		json_number(j, "above_baseline_j", sum.above_baseline_j, 3);
		json_bool(j, "below_baseline", sum.below_baseline);
		json_number(j, "ib_tx_bytes", tx, 0);
		json_number(j, "ib_rx_bytes", rx, 0);
		json_number(j, "ib_bytes", bytes, 0);
		json_number(j, "avg_gbps", gbps, 3);
		json_number(j, "j_per_gb", jpg, 3);
		json_number(j, "j_per_gb_above_baseline", jpg_above, 3);
		json_uint(j, "samples", sum.nsamples);
	} else {
		ctl_reply_printf(rep, "record %u\n", r->id);
		ctl_reply_printf(rep, "duration      %.3f s\n", sum.duration_s);
		if (isfinite(sum.avg_w) && isfinite(sum.j)) {
			ctl_reply_printf(rep, "power         avg %.2f W, peak %.2f W, min %.2f W\n",
					 sum.avg_w, sum.peak_w, sum.min_w);
			ctl_reply_printf(rep, "energy        %.4f Wh (%.1f J)\n", sum.wh, sum.j);
		} else {
			ctl_reply_printf(rep, "power         unknown (no valid monitor reading)\n");
			ctl_reply_printf(rep, "energy        unknown\n");
		}
		baseline_note(&r->base, note, sizeof(note));
		if (isfinite(sum.above_baseline_j) && sum.below_baseline)
			ctl_reply_printf(rep,
					 "above idle    0.0 J: the record averaged %.2f W, below the"
					 " %.2f W baseline%s, which was no idle figure\n",
					 sum.avg_w, sum.baseline_w, note);
		else if (isfinite(sum.above_baseline_j))
			ctl_reply_printf(rep, "above idle    %.1f J over a %.2f W baseline%s\n",
					 sum.above_baseline_j, sum.baseline_w, note);
		else
			ctl_reply_printf(rep, "above idle    unknown (no baseline)\n");
		if (isfinite(bytes)) {
			ctl_reply_printf(rep,
					 "IB moved      %.0f bytes (tx %.0f, rx %.0f), %.2f Gb/s\n",
					 bytes, tx, rx, gbps);
			if (isfinite(jpg))
				ctl_reply_printf(rep,
						 "energy/GB     %.2f J/GB (%.2f J/GB above idle)\n",
						 jpg, jpg_above);
		} else {
			ctl_reply_printf(rep, "IB moved      unknown (no usable port counters)\n");
		}
	}
	idx = (int)(r - s->rec);
	memmove(&s->rec[idx], &s->rec[idx + 1], sizeof(s->rec[0]) * (size_t)(s->nrec - idx - 1));
	s->nrec--;
	return 0;
}

static int cmd_record(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct watts_svc *s = userdata;

	if (req->argc == 2 && !strcmp(req->argv[1], "begin"))
		return record_begin(s, req, rep);
	if (req->argc == 3 && !strcmp(req->argv[1], "end"))
		return record_end(s, req, rep);
	ctl_reply_error(rep, 2, "usage: record begin | record end ID");
	return 0;
}

static int cmd_budget(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct watts_svc *s = userdata;
	const struct budget_config *c = &s->cfg.budget;
	int i;

	if (req->argc > 2 || (req->argc == 2 && strcmp(req->argv[1], "status"))) {
		ctl_reply_error(rep, 2, "usage: budget [status]");
		return 0;
	}
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_bool(j, "enabled", s->budget_on);
		json_string(j, "budget_state",
			    s->budget_on ? budget_state_name(budget_state_get(&s->budget)) : "off");
		json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
		json_number(j, "watts", s->b->readings.watts, 3);
		json_number(j, "limit_w", c->limit_w, 1);
		json_number(j, "warn_w", budget_threshold_w(c, BUDGET_WARN), 2);
		json_number(j, "throttle_w", budget_threshold_w(c, BUDGET_THROTTLE), 2);
		json_number(j, "critical_w", budget_threshold_w(c, BUDGET_CRITICAL), 2);
		json_number(j, "release_w",
			    budget_threshold_w(c, BUDGET_THROTTLE) -
				    c->limit_w * c->hysteresis_pct / 100.0,
			    2);
		json_number(j, "window_s", (double)c->window_ns / 1e9, 1);
		json_bool(j, "warn_only", c->warn_only);
		json_bool(j, "thermal_throttle", s->throttle_wanted);
		json_int(j, "applied", s->budget_on ? budget_applied(&s->budget) : 0);
		json_array_begin(j, "ladder");
		for (i = 0; i < s->nladder; i++) {
			struct throttle *t = s->thr[s->ladder[i]];

			json_object_begin(j, NULL);
			json_string(j, "name", throttle_name(t));
			json_string(j, "action", throttle_describe(t));
			json_bool(j, "applied", throttle_applied(t));
			json_object_end(j);
		}
		json_array_end(j);
		return 0;
	}
	if (!s->budget_on) {
		ctl_reply_printf(rep, "budget governor disabled\n");
		return 0;
	}
	ctl_reply_printf(rep, "state     %s%s\n", budget_state_name(budget_state_get(&s->budget)),
			 c->warn_only ? " (warn only)" : "");
	ctl_reply_printf(rep, "average   %.2f W over %.0f s (now %.2f W)\n",
			 budget_average(&s->budget), (double)c->window_ns / 1e9,
			 s->b->readings.watts);
	ctl_reply_printf(rep,
			 "limit     %.0f W: warn %.1f W, throttle %.1f W, critical %.1f W "
			 "(held %.0f s), release below %.1f W\n",
			 c->limit_w, budget_threshold_w(c, BUDGET_WARN),
			 budget_threshold_w(c, BUDGET_THROTTLE),
			 budget_threshold_w(c, BUDGET_CRITICAL), (double)c->critical_hold_ns / 1e9,
			 budget_threshold_w(c, BUDGET_THROTTLE) -
				 c->limit_w * c->hysteresis_pct / 100.0);
	if (s->throttle_wanted)
		ctl_reply_printf(rep,
				 "thermal   a temperature alarm asks for the throttle ladder\n");
	ctl_reply_printf(rep, "ladder    %d of %d steps applied\n", budget_applied(&s->budget),
			 s->nladder);
	for (i = 0; i < s->nladder; i++) {
		struct throttle *t = s->thr[s->ladder[i]];

		ctl_reply_printf(rep, "  %d. %-10s %-8s %s\n", i + 1, throttle_name(t),
				 throttle_applied(t) ? "applied" : "-", throttle_describe(t));
	}
	return 0;
}

/* ---- status ---- */

void watts_svc_status_json(struct watts_svc *s, struct json *j)
{
	json_object_begin(j, "watts");
	watts_json_body(s, j);
	json_int(j, "throttle_steps_applied", s->budget_on ? budget_applied(&s->budget) : 0);
	json_bool(j, "thermal_fan_full", s->fan_full);
	json_object_end(j);
}

void watts_svc_status_text(struct watts_svc *s, struct ctl_reply *rep)
{
	struct box_readings *rd = &s->b->readings;

	if (isfinite(rd->watts))
		ctl_reply_printf(rep, "watts: %.2f W (%.2f V, %.3f A), budget %s", rd->watts,
				 rd->volts, rd->amps, rd->budget_state ? rd->budget_state : "off");
	else
		ctl_reply_printf(rep, "watts: no valid reading, budget %s",
				 rd->budget_state ? rd->budget_state : "off");
	if (s->budget_on)
		ctl_reply_printf(rep, ", avg %.1f of %.0f W, %d/%d throttle steps",
				 budget_average(&s->budget), s->cfg.budget.limit_w,
				 budget_applied(&s->budget), s->nladder);
	ctl_reply_printf(rep, "\nenergy: %.3f Wh since start, %.3f kWh total\n",
			 main_mon(s)->energy.boot_j / ENERGY_J_PER_WH,
			 main_mon(s)->energy.install_j / ENERGY_J_PER_WH / 1000.0);
}

bool watts_svc_fan_full_wanted(const struct watts_svc *s)
{
	return s && s->fan_full;
}

void watts_svc_poweroff_handler_set(struct watts_svc *s, watts_poweroff_fn fn, void *userdata)
{
	s->poweroff_fn = fn;
	s->poweroff_ud = userdata;
}

/* ---- lifecycle ---- */

static int ladder_build(struct watts_svc *s)
{
	const struct watts_config *c = &s->cfg;
	int i, j;

	s->nladder = 0;
	if (c->nladder < 0)
		return 0;
	if (c->nladder == 0) {
		for (i = 0; i < s->nthr; i++)
			s->ladder[s->nladder++] = i;
		return 0;
	}
	for (i = 0; i < c->nladder; i++) {
		for (j = 0; j < s->nthr; j++)
			if (!strcmp(c->ladder[i], throttle_name(s->thr[j])))
				break;
		if (j == s->nthr)
			return -EINVAL;
		s->ladder[s->nladder++] = j;
	}
	return 0;
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
	if (s->period_ns < 1000000)
		s->period_ns = 1000000;

	energy_load(s);
	s->main_idx = 0;
	for (i = 0; i < cfg->nmonitors && i < WATTS_MONITORS_MAX; i++) {
		struct monitor *m = &s->mon[s->nmon++];

		m->cfg = cfg->mon[i];
		if (m->cfg.budget)
			s->main_idx = i;
		snprintf(m->alarm_id, sizeof(m->alarm_id), "sensor-%s", cfg->mon[i].name);
		energy_counter_init(&m->energy, 0.0, cfg->max_gap_ns);
		monitor_try_open(s, m, now);
	}
	if (!s->nmon) {
		r = -EINVAL;
		goto fail;
	}
	main_mon(s)->energy.install_j = s->est.install_j;
	s->last_save_ns = now;

	for (i = 0; i < cfg->nthrottles; i++) {
		r = throttle_new(b->hw, &cfg->thr[i], &s->thr[s->nthr]);
		if (r < 0)
			goto fail;
		s->nthr++;
	}
	r = ladder_build(s);
	if (r < 0)
		goto fail;
	for (i = 0; i < s->nladder; i++) {
		struct throttle *t = s->thr[s->ladder[i]];

		if (cfg->thr[s->ladder[i]].kind == THROTTLE_TBF)
			log_info("throttle %s: %s; NFS/RDMA and verbs traffic is not slowed by it",
				 throttle_name(t), throttle_describe(t));
	}
	s->budget_on = cfg->budget_enabled;
	s->cfg.budget.nsteps = s->nladder;
	budget_init(&s->budget, &s->cfg.budget, now);
	b->readings.budget_state = s->budget_on ? "ok" : "off";
	b->readings.watts = b->readings.volts = b->readings.amps = NAN;

	for (i = 0; i < cfg->nthermals && i < WATTS_THERMALS_MAX; i++)
		thermal_init(&s->therm[s->ntherm++], &cfg->thermal[i]);

	if (cfg->log_path[0]) {
		r = wattlog_open(cfg->log_path, cfg->log_max_bytes, cfg->log_keep, &s->log);
		if (r < 0) {
			log_warn(r, "watts log %s disabled", cfg->log_path);
			s->log = NULL;
		} else if (wattlog_repaired_bytes(s->log)) {
			log_notice("watts log %s: cut a torn last line (%" PRId64
				   " bytes) left by a "
				   "crash",
				   cfg->log_path, wattlog_repaired_bytes(s->log));
		}
	}

	r = loop_timer_new(b->loop, "watts-sample", timer_fire, s, &s->timer);
	if (r < 0)
		goto fail;
	s->next_ns = now + s->period_ns;
	loop_timer_arm_at(s->timer, s->next_ns);
	if (b->ctl) {
		r = ctl_command_register(b->ctl, "watts",
					 "power readings: watts [--follow] [--interval S]",
					 cmd_watts, s);
		if (r == 0)
			r = ctl_command_register(
				b->ctl, "record",
				"energy of a workload: record begin | record end ID", cmd_record,
				s);
		if (r == 0)
			r = ctl_command_register(b->ctl, "budget",
						 "power budget governor and throttle ladder",
						 cmd_budget, s);
		s->registered = true; /* unregistering all three is harmless if one failed */
		if (r < 0)
			goto fail;
	}
	log_info("watts: %d monitor(s), sampling at %.4g Hz, budget %s %.0f W, %d throttle step(s)",
		 s->nmon, 1e9 / (double)s->period_ns, s->budget_on ? "on" : "off",
		 cfg->budget.limit_w, s->nladder);
	*out = s;
	return 0;
fail:
	watts_svc_free(s);
	return r;
}

void watts_svc_free(struct watts_svc *s)
{
	int i;

	if (!s)
		return;
	if (s->b && s->b->ctl && s->registered) {
		ctl_command_unregister(s->b->ctl, "watts");
		ctl_command_unregister(s->b->ctl, "record");
		ctl_command_unregister(s->b->ctl, "budget");
	}
	for (i = 0; i < s->nfol; i++)
		ctl_stream_close(s->fol[i].st);
	s->nfol = 0;
	loop_timer_free(s->timer);
	if (s->nmon)
		energy_save(s, s->b->loop ? loop_now(s->b->loop) : 0);
	wattlog_close(s->log);
	/* leave the box unthrottled: undo the ladder in reverse order */
	for (i = s->nladder - 1; i >= 0; i--) {
		struct throttle *t = s->thr[s->ladder[i]];

		if (throttle_applied(t)) {
			int r = throttle_undo(t);

			if (r < 0)
				log_warn(r, "undoing throttle %s on exit", throttle_name(t));
			else
				log_notice("throttle %s undone on exit", throttle_name(t));
		}
	}
	for (i = s->nthr - 1; i >= 0; i--)
		throttle_free(s->thr[i]);
	for (i = s->nmon - 1; i >= 0; i--)
		ina2xx_close(s->mon[i].dev);
	if (s->b) {
		s->b->readings.budget_state = "off";
		s->b->readings.watts = s->b->readings.volts = s->b->readings.amps = NAN;
	}
	free(s);
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(watts_svc, "watts", watts, watts, true);
