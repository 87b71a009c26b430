/* power-config.c - the [power] and [gpio] profile sections: keys, defaults, checks. */
#include "supervisor/config/power-config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hw/clock.h"
#include "supervisor/util/parse.h"

#define MS HW_NSEC_PER_MSEC
#define SEC HW_NSEC_PER_SEC

enum power_config_key_type {
	KT_DURATION,
	KT_BOOL,
	KT_LINE,
	KT_PATH,
	KT_TOPOLOGY,
	KT_HOST_SUPPLY,
	KT_RESTORE,
	KT_DROP,
};

struct power_config_key {
	const char *section;
	const char *key;
	enum power_config_key_type type;
	size_t offset;
	int64_t min, max; /* durations */
};

#define OFF(field) offsetof(struct power_config, field)

static const struct power_config_key power_config_keys[] = {
	{ "power", "topology", KT_TOPOLOGY, OFF(topology), 0, 0 },
	{ "power", "host_supply", KT_HOST_SUPPLY, OFF(host_supply), 0, 0 },
	{ "power", "restore", KT_RESTORE, OFF(restore), 0, 0 },
	{ "power", "pwr_ok_drop_action", KT_DROP, OFF(pwr_ok_drop_action), 0, 0 },
	{ "power", "host_starts_on_power", KT_BOOL, OFF(host_starts_on_power), 0, 0 },
	{ "power", "state_file", KT_PATH, OFF(state_file), 0, 0 },
	{ "power", "psu_ok_timeout", KT_DURATION, OFF(psu_ok_timeout_ns), 10 * MS, 2 * SEC },
	{ "power", "settle", KT_DURATION, OFF(settle_ns), 0, 10 * SEC },
	{ "power", "host_button_pulse", KT_DURATION, OFF(host_button_pulse_ns), 20 * MS, 2 * SEC },
	{ "power", "host_boot_timeout", KT_DURATION, OFF(host_boot_timeout_ns), SEC, 3600 * SEC },
	{ "power", "host_shutdown_timeout", KT_DURATION, OFF(host_shutdown_timeout_ns), SEC,
	  3600 * SEC },
	/*
	 * A stop or reload finishes a hold in progress without the loop running:
	 * at most 8 s keeps it inside the unit's WatchdogSec=10s and
	 * TimeoutStopSec=15s (boards force off after 4 s).
	 */
	{ "power", "force_off_hold", KT_DURATION, OFF(force_off_hold_ns), SEC, 8 * SEC },
	{ "power", "psu_off_delay", KT_DURATION, OFF(psu_off_delay_ns), 0, 600 * SEC },
	{ "power", "long_press", KT_DURATION, OFF(long_press_ns), 500 * MS, 60 * SEC },
	{ "power", "debounce", KT_DURATION, OFF(debounce_ns), 0, SEC },
	{ "power", "cycle_delay", KT_DURATION, OFF(cycle_delay_ns), 0, 600 * SEC },
	{ "power", "nic_timeout", KT_DURATION, OFF(nic_timeout_ns), SEC, 600 * SEC },
	{ "power", "nic_poll", KT_DURATION, OFF(nic_poll_ns), 50 * MS, 60 * SEC },
	{ "power", "ib_active_timeout", KT_DURATION, OFF(ib_active_timeout_ns), 0, 600 * SEC },
	{ "power", "ib_poll", KT_DURATION, OFF(ib_poll_ns), 50 * MS, 60 * SEC },
	{ "gpio", "psu_on", KT_LINE, OFF(psu_on), 0, 0 },
	{ "gpio", "psu_ok", KT_LINE, OFF(psu_ok), 0, 0 },
	{ "gpio", "button", KT_LINE, OFF(button), 0, 0 },
	{ "gpio", "button_led", KT_LINE, OFF(button_led), 0, 0 },
	{ "gpio", "host_button", KT_LINE, OFF(host_button), 0, 0 },
	{ "gpio", "host_alive", KT_LINE, OFF(host_alive), 0, 0 },
	{ "gpio", "psu_on_active_low", KT_BOOL, OFF(psu_on_active_low), 0, 0 },
	{ "gpio", "psu_on_open_drain", KT_BOOL, OFF(psu_on_open_drain), 0, 0 },
	{ "gpio", "psu_ok_active_low", KT_BOOL, OFF(psu_ok_active_low), 0, 0 },
	{ "gpio", "button_active_low", KT_BOOL, OFF(button_active_low), 0, 0 },
	{ "gpio", "button_pull_up", KT_BOOL, OFF(button_pull_up), 0, 0 },
	{ "gpio", "button_led_active_low", KT_BOOL, OFF(button_led_active_low), 0, 0 },
	{ "gpio", "host_button_active_low", KT_BOOL, OFF(host_button_active_low), 0, 0 },
	{ "gpio", "host_button_open_drain", KT_BOOL, OFF(host_button_open_drain), 0, 0 },
	{ "gpio", "host_alive_active_low", KT_BOOL, OFF(host_alive_active_low), 0, 0 },
};

#define POWER_CONFIG_NKEYS (sizeof(power_config_keys) / sizeof(power_config_keys[0]))
_Static_assert(POWER_CONFIG_NKEYS <= POWER_CONFIG_KEYS_MAX, "raise POWER_CONFIG_KEYS_MAX");

void power_config_defaults(struct power_config *c)
{
	memset(c, 0, sizeof(*c));
	c->topology = POWER_TOPOLOGY_CONTROLLER;
	c->host_supply = POWER_HOST_SUPPLY_PSU;
	c->restore = POWER_RESTORE_LAST;
	c->pwr_ok_drop_action = POWER_DROP_POWEROFF;
	c->host_starts_on_power = false;
	snprintf(c->state_file, sizeof(c->state_file), "/var/lib/h2box/power.state");
	c->psu_ok_timeout_ns = 500 * MS;
	c->settle_ns = 100 * MS;
	c->host_button_pulse_ns = 200 * MS;
	c->host_boot_timeout_ns = 60 * SEC;
	c->host_shutdown_timeout_ns = 60 * SEC;
	c->force_off_hold_ns = 6 * SEC;
	c->psu_off_delay_ns = 2 * SEC;
	c->long_press_ns = 4 * SEC;
	c->debounce_ns = 30 * MS;
	c->cycle_delay_ns = 5 * SEC;
	c->nic_timeout_ns = 30 * SEC;
	c->nic_poll_ns = 500 * MS;
	c->ib_active_timeout_ns = 30 * SEC;
	c->ib_poll_ns = SEC;
	/* The usual wiring: PS_ON# and the button pull low; the rest are active-high. */
	c->psu_on_active_low = true;
	c->psu_on_open_drain = true;
	c->button_active_low = true;
}

static int power_config_enum_parse(const char *value, const char *const *names, int n, int *out)
{
	char b[32];
	size_t len;
	const char *s = value;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strnlen(s, sizeof(b));
	if (len >= sizeof(b))
		return -EINVAL;
	memcpy(b, s, len);
	b[len] = '\0';
	while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t'))
		b[--len] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(b, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const power_config_topology_names[] = { "controller", "self" };
static const char *const power_config_host_supply_names[] = { "psu", "own" };
static const char *const power_config_restore_names[] = { "off", "on", "last" };
static const char *const power_config_drop_names[] = { "poweroff", "ignore" };

#define POWER_CONFIG_NAMES(t) ((int)(sizeof(t) / sizeof((t)[0])))
/* each name table lines up with its enum */
_Static_assert(POWER_CONFIG_NAMES(power_config_topology_names) == POWER_TOPOLOGY_COUNT,
	       "a topology without a name");
_Static_assert(POWER_CONFIG_NAMES(power_config_host_supply_names) == POWER_HOST_SUPPLY_COUNT,
	       "a host supply without a name");
_Static_assert(POWER_CONFIG_NAMES(power_config_restore_names) == POWER_RESTORE_COUNT,
	       "a restore policy without a name");
_Static_assert(POWER_CONFIG_NAMES(power_config_drop_names) == POWER_DROP_COUNT,
	       "a drop action without a name");

const char *power_config_topology_name(enum power_topology t)
{
	return (unsigned)t < POWER_TOPOLOGY_COUNT ? power_config_topology_names[t] : "?";
}

const char *power_config_restore_name(enum power_restore r)
{
	return (unsigned)r < POWER_RESTORE_COUNT ? power_config_restore_names[r] : "?";
}

const char *power_config_host_supply_name(enum power_host_supply h)
{
	return (unsigned)h < POWER_HOST_SUPPLY_COUNT ? power_config_host_supply_names[h] : "?";
}

int power_config_set(struct power_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen)
{
	char perr[128];
	size_t i;
	char *p;
	int v, r;
	bool bv;

	for (i = 0; i < POWER_CONFIG_NKEYS; i++)
		if (strcmp(section, power_config_keys[i].section) == 0 &&
		    strcmp(key, power_config_keys[i].key) == 0)
			break;
	if (i == POWER_CONFIG_NKEYS)
		return -ENOENT;
	p = (char *)c + power_config_keys[i].offset;
	perr[0] = '\0';
	switch (power_config_keys[i].type) {
	case KT_DURATION:
		r = parse_duration_ns(value, power_config_keys[i].min, power_config_keys[i].max,
				      (int64_t *)(void *)p, perr, sizeof(perr));
		break;
	case KT_BOOL:
		r = parse_bool(value, &bv, perr, sizeof(perr));
		if (r == 0)
			*(bool *)p = bv;
		break;
	case KT_LINE:
		/* An empty value unwires an optional line (e.g. button_led =). */
		if (!value[0]) {
			p[0] = '\0';
			r = 0;
		} else {
			r = parse_string(value, p, POWER_LINE_NAME_MAX, perr, sizeof(perr));
		}
		break;
	case KT_PATH:
		r = parse_string(value, p, POWER_PATH_MAX, perr, sizeof(perr));
		if (r == 0 && p[0] != '/')
			return parse_error(-EINVAL, err, errlen, "must be an absolute path");
		break;
	case KT_TOPOLOGY:
		r = power_config_enum_parse(value, power_config_topology_names, POWER_TOPOLOGY_COUNT, &v);
		if (r < 0)
			return parse_error(r, err, errlen, "expected controller or self, got '%s'",
					value);
		c->topology = (enum power_topology)v;
		break;
	case KT_HOST_SUPPLY:
		r = power_config_enum_parse(value, power_config_host_supply_names, POWER_HOST_SUPPLY_COUNT, &v);
		if (r < 0)
			return parse_error(r, err, errlen, "expected psu or own, got '%s'", value);
		c->host_supply = (enum power_host_supply)v;
		break;
	case KT_RESTORE:
		r = power_config_enum_parse(value, power_config_restore_names, POWER_RESTORE_COUNT, &v);
		if (r < 0)
			return parse_error(r, err, errlen, "expected off, on or last, got '%s'",
					value);
		c->restore = (enum power_restore)v;
		break;
	case KT_DROP:
		r = power_config_enum_parse(value, power_config_drop_names, POWER_DROP_COUNT, &v);
		if (r < 0)
			return parse_error(r, err, errlen, "expected poweroff or ignore, got '%s'",
					value);
		c->pwr_ok_drop_action = (enum power_drop_action)v;
		break;
	default:
		r = -EINVAL;
	}
	/* the profile loader puts the key in front of the message */
	if (r < 0)
		return parse_error(r, err, errlen, "%s", perr);
	c->lines[i] = line;
	return 0;
}

static int power_config_key_line(const struct power_config *c, const char *key)
{
	for (size_t i = 0; i < POWER_CONFIG_NKEYS; i++)
		if (strcmp(power_config_keys[i].key, key) == 0)
			return c->lines[i];
	return 0;
}

/* The line of the first of two power_config_keys that was set, preferring the first. */
static int power_config_line_of(const struct power_config *c, const char *a, const char *b)
{
	int l = power_config_key_line(c, a);

	return l ? l : power_config_key_line(c, b);
}

int power_config_validate(const struct power_config *c, int *line, char *err, size_t errlen)
{
	const char *names[6] = { c->psu_on, c->psu_ok, c->button, c->button_led, c->host_button,
				 c->host_alive };
	static const char *const keyn[6] = { "psu_on", "psu_ok", "button", "button_led",
					     "host_button", "host_alive" };
	char a[32], b[32];

	*line = 0;
	for (int i = 0; i < 3; i++) {
		if (!names[i][0]) {
			*line = power_config_key_line(c, "topology");
			return parse_error(-EINVAL, err, errlen, "[gpio] %s is required", keyn[i]);
		}
	}
	if (c->topology == POWER_TOPOLOGY_CONTROLLER && (!c->host_button[0] || !c->host_alive[0])) {
		*line = power_config_line_of(c, "topology", c->host_button[0] ? "host_button" : "host_alive");
		return parse_error(-EINVAL, err, errlen,
				"topology = controller needs [gpio] host_button and host_alive");
	}
	for (int i = 0; i < 6; i++) {
		for (int j = i + 1; j < 6; j++) {
			if (names[i][0] && strcmp(names[i], names[j]) == 0) {
				*line = power_config_key_line(c, keyn[j]);
				return parse_error(-EINVAL, err, errlen,
						"[gpio] %s and %s name the same line '%s'", keyn[i],
						keyn[j], names[i]);
			}
		}
	}
	if (c->long_press_ns <= c->debounce_ns) {
		*line = power_config_line_of(c, "long_press", "debounce");
		return parse_error(-EINVAL, err, errlen,
				"long_press (%s) must be longer than debounce (%s)",
				parse_format_duration(c->long_press_ns, a, sizeof(a)),
				parse_format_duration(c->debounce_ns, b, sizeof(b)));
	}
	if (c->force_off_hold_ns <= c->host_button_pulse_ns) {
		*line = power_config_line_of(c, "force_off_hold", "host_button_pulse");
		return parse_error(-EINVAL, err, errlen,
				"force_off_hold (%s) must be longer than host_button_pulse (%s)",
				parse_format_duration(c->force_off_hold_ns, a, sizeof(a)),
				parse_format_duration(c->host_button_pulse_ns, b, sizeof(b)));
	}
	if (c->debounce_ns >= c->host_button_pulse_ns + c->settle_ns + c->host_boot_timeout_ns) {
		*line = power_config_key_line(c, "debounce");
		return parse_error(-EINVAL, err, errlen, "debounce is longer than the whole start-up");
	}
	return 0;
}
