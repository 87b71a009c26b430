/* thermal.c - pure per-input temperature level tracking (sensorsd-style consecutive readings). */
#include "supervisor/policy/thermal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void thermal_config_defaults(struct thermal_config *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "nic");
	/* ConnectX-2 heatsink: "easily reaches 50+ C"; the ASIC is rated well above these */
	c->warn_c = 70.0;
	c->crit_c = 80.0;
	c->emerg_c = 90.0;
	c->hysteresis_c = 3.0;
	c->consecutive = 3;
	c->actions[THERMAL_WARN] = THERMAL_ACT_ALERT;
	c->actions[THERMAL_CRIT] = THERMAL_ACT_ALERT | THERMAL_ACT_FAN | THERMAL_ACT_THROTTLE;
	c->actions[THERMAL_EMERG] =
		THERMAL_ACT_ALERT | THERMAL_ACT_FAN | THERMAL_ACT_THROTTLE | THERMAL_ACT_POWEROFF;
}

void thermal_init(struct thermal *t, const struct thermal_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	if (t->cfg.consecutive < 1)
		t->cfg.consecutive = 1;
	t->last_c = NAN;
}

const char *thermal_level_name(enum thermal_level l)
{
	static const char *const names[] = { "ok", "warn", "critical", "emergency" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == THERMAL_EMERG + 1,
		       "names must list every enum thermal_level");

	return (unsigned)l < 4 ? names[l] : "?";
}

double thermal_threshold(const struct thermal_config *c, enum thermal_level level)
{
	switch (level) {
	case THERMAL_WARN:
		return c->warn_c;
	case THERMAL_CRIT:
		return c->crit_c;
	case THERMAL_EMERG:
		return c->emerg_c;
	case THERMAL_OK:
		break;
	}
	return -INFINITY;
}

enum thermal_level thermal_classify(const struct thermal_config *c, enum thermal_level current,
				    double celsius)
{
	enum thermal_level up = THERMAL_OK, down;
	int l;

	for (l = THERMAL_WARN; l <= THERMAL_EMERG; l++) {
		/* a NAN threshold compares false: that level is disabled */
		if (celsius >= thermal_threshold(c, (enum thermal_level)l))
			up = (enum thermal_level)l;
	}
	if (up >= current)
		return up;
	down = current;
	while (down > THERMAL_OK && !(celsius >= thermal_threshold(c, down) - c->hysteresis_c))
		down--;
	return down > up ? down : up;
}

bool thermal_update(struct thermal *t, double celsius, enum thermal_level *from)
{
	enum thermal_level raw;

	t->last_c = celsius;
	if (!isfinite(celsius)) {
		t->count = 0;
		return false;
	}
	raw = thermal_classify(&t->cfg, t->level, celsius);
	if (raw == t->level) {
		t->count = 0;
		return false;
	}
	if (t->count > 0 && raw == t->candidate) {
		t->count++;
	} else {
		t->candidate = raw;
		t->count = 1;
	}
	if (t->count < t->cfg.consecutive)
		return false;
	if (from)
		*from = t->level;
	t->level = raw;
	t->count = 0;
	return true;
}

bool thermal_power_off(struct thermal *t, enum thermal_level *from)
{
	enum thermal_level was = t->level;

	t->last_c = NAN;
	t->count = 0;
	t->level = THERMAL_OK;
	if (from)
		*from = was;
	return was != THERMAL_OK;
}

unsigned thermal_actions(const struct thermal *t)
{
	unsigned a = 0;
	int l;

	for (l = THERMAL_WARN; l <= (int)t->level; l++)
		a |= t->cfg.actions[l];
	return a;
}

int thermal_actions_parse(const char *s, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "alert", THERMAL_ACT_ALERT },
		{ "fan", THERMAL_ACT_FAN },
		{ "throttle", THERMAL_ACT_THROTTLE },
		{ "poweroff", THERMAL_ACT_POWEROFF },
		{ "none", 0 },
	};
	unsigned acts = 0;
	const char *p = s;

	while (*p) {
		size_t n, i;
		bool found = false;

		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '+')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t,+");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n)) {
				acts |= names[i].bit;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		p += n;
	}
	*out = acts;
	return 0;
}

const char *thermal_actions_format(unsigned acts, char *buf, int len)
{
	static const char *const names[] = { "alert", "fan", "throttle", "poweroff" };
	int off = 0, i;

	if (len <= 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < 4; i++) {
		if (acts & (1u << i))
			off += snprintf(buf + off, off < len ? (size_t)(len - off) : 0, "%s%s",
					off ? "," : "", names[i]);
	}
	if (!off)
		snprintf(buf, (size_t)len, "none");
	return buf;
}
