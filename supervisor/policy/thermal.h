/* thermal.h - per-input temperature levels (warn/critical/emergency), hysteresis, debouncing. */
#ifndef H2BOX_THERMAL_H
#define H2BOX_THERMAL_H

#include <stdbool.h>
#include <stdint.h>

enum thermal_level {
	THERMAL_OK = 0,
	THERMAL_WARN,
	THERMAL_CRIT,
	THERMAL_EMERG,
};

/* What a level asks for; a level also asks for everything its lower levels ask for. */
#define THERMAL_ACT_ALERT 0x1u    /* alarm + alert command */
#define THERMAL_ACT_FAN 0x2u      /* NIC fan to 100 % */
#define THERMAL_ACT_THROTTLE 0x4u /* the budget ladder */
#define THERMAL_ACT_POWEROFF 0x8u /* orderly power-off through the sequencer */

struct thermal_config {
	char name[32];                  /* input name in box readings, e.g. "nic" */
	double warn_c, crit_c, emerg_c; /* NAN disables a level */
	double hysteresis_c;            /* a level is left below its threshold minus this */
	int consecutive;                /* readings that must agree before the level changes */
	unsigned actions[4];            /* by level: [THERMAL_WARN] etc.; [THERMAL_OK] unused */
};

struct thermal {
	struct thermal_config cfg;
	enum thermal_level level;
	enum thermal_level candidate;
	int count;
	double last_c;
};

void thermal_config_defaults(struct thermal_config *c, const char *name);
void thermal_init(struct thermal *t, const struct thermal_config *cfg);
/*
 * Feed one reading (NAN = invalid: keeps the level, restarts the count).
 * Returns true when the level changed; *from gets the old level.
 */
bool thermal_update(struct thermal *t, double celsius, enum thermal_level *from);
/*
 * The input's part is powered off: no heat, no reading.  Back to OK at once (a powered-off
 * NIC cannot be hot, and its actions must let go: the fan, the ladder, the power-off), the
 * count restarts.  Unlike a NAN reading, which keeps the level.  True when the level changed.
 */
bool thermal_power_off(struct thermal *t, enum thermal_level *from);
/* The level a single reading points at, with hysteresis relative to `current` (pure). */
enum thermal_level thermal_classify(const struct thermal_config *c, enum thermal_level current,
				    double celsius);
/* Union of the actions of every level up to the current one. */
unsigned thermal_actions(const struct thermal *t);
double thermal_threshold(const struct thermal_config *c, enum thermal_level level);
const char *thermal_level_name(enum thermal_level l);
/* Parse "alert,fan,throttle,poweroff" (or "none"); 0 or -EINVAL. */
int thermal_actions_parse(const char *s, unsigned *out);
/* "alert,fan" into buf. */
const char *thermal_actions_format(unsigned acts, char *buf, int len);

#endif
