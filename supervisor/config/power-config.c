/* power-config.c - the [power] and [gpio] profile sections: keys, defaults, checks. */
#include "supervisor/config/power-config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hw/clock.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/util/parse.h"

#define MS HW_NSEC_PER_MSEC
#define SEC HW_NSEC_PER_SEC

/* The names of each enum, in its order: the lookup for CONF_ENUM and for the *_name() below. */
static const struct conf_enum power_config_topologies[] = {
	{ "controller", POWER_TOPOLOGY_CONTROLLER }, { "self", POWER_TOPOLOGY_SELF }, { NULL, 0 },
};
static const struct conf_enum power_config_host_supplies[] = {
	{ "psu", POWER_HOST_SUPPLY_PSU }, { "own", POWER_HOST_SUPPLY_OWN }, { NULL, 0 },
};
static const struct conf_enum power_config_restores[] = {
	{ "off", POWER_RESTORE_OFF }, { "on", POWER_RESTORE_ON }, { "last", POWER_RESTORE_LAST },
	{ NULL, 0 },
};
static const struct conf_enum power_config_drops[] = {
	{ "poweroff", POWER_DROP_POWEROFF }, { "ignore", POWER_DROP_IGNORE }, { NULL, 0 },
};

/* the rows of a table before its NULL-named end */
#define POWER_CONFIG_ROWS(t) (sizeof(t) / sizeof((t)[0]) - 1)
/* each name table lines up with its enum (CONF_ENUM fills an int) */
_Static_assert(POWER_CONFIG_ROWS(power_config_topologies) == POWER_TOPOLOGY_COUNT,
	       "a topology without a name");
_Static_assert(POWER_CONFIG_ROWS(power_config_host_supplies) == POWER_HOST_SUPPLY_COUNT,
	       "a host supply without a name");
_Static_assert(POWER_CONFIG_ROWS(power_config_restores) == POWER_RESTORE_COUNT,
	       "a restore policy without a name");
_Static_assert(POWER_CONFIG_ROWS(power_config_drops) == POWER_DROP_COUNT,
	       "a drop action without a name");
_Static_assert(sizeof(enum power_topology) == sizeof(int) &&
		       sizeof(enum power_host_supply) == sizeof(int) &&
		       sizeof(enum power_restore) == sizeof(int) &&
		       sizeof(enum power_drop_action) == sizeof(int),
	       "CONF_ENUM fills an int");

#define FIELD_SIZE(f) sizeof(((struct power_config *)0)->f)
#define POWER_KEY(n, t, f, ...) \
	{ .name = n, .type = t, .offset = offsetof(struct power_config, f), __VA_ARGS__ }
#define POWER_DURATION(n, f, lo, hi) \
	POWER_KEY(n, CONF_DURATION, f, .min = (double)(lo), .max = (double)(hi))
#define GPIO_LINE(n, f) POWER_KEY(n, CONF_STRING, f, .size = FIELD_SIZE(f))

/* [power] */
static const struct conf_key power_config_power_keys[] = {
	POWER_KEY("topology", CONF_ENUM, topology, .names = power_config_topologies),
	POWER_KEY("host_supply", CONF_ENUM, host_supply, .names = power_config_host_supplies),
	POWER_KEY("restore", CONF_ENUM, restore, .names = power_config_restores),
	POWER_KEY("pwr_ok_drop_action", CONF_ENUM, pwr_ok_drop_action, .names = power_config_drops),
	POWER_KEY("host_starts_on_power", CONF_BOOL, host_starts_on_power),
	POWER_KEY("state_file", CONF_PATH, state_file, .size = FIELD_SIZE(state_file)),
	POWER_DURATION("psu_ok_timeout", psu_ok_timeout_ns, 10 * MS, 2 * SEC),
	POWER_DURATION("settle", settle_ns, 0, 10 * SEC),
	POWER_DURATION("host_button_pulse", host_button_pulse_ns, 20 * MS, 2 * SEC),
	POWER_DURATION("host_boot_timeout", host_boot_timeout_ns, SEC, 3600 * SEC),
	POWER_DURATION("host_shutdown_timeout", host_shutdown_timeout_ns, SEC, 3600 * SEC),
	/*
	 * A stop or reload finishes a hold in progress without the loop running:
	 * at most 8 s keeps it inside the unit's WatchdogSec=10s and
	 * TimeoutStopSec=15s (boards force off after 4 s).
	 */
	POWER_DURATION("force_off_hold", force_off_hold_ns, SEC, 8 * SEC),
	POWER_DURATION("psu_off_delay", psu_off_delay_ns, 0, 600 * SEC),
	POWER_DURATION("long_press", long_press_ns, 500 * MS, 60 * SEC),
	POWER_DURATION("debounce", debounce_ns, 0, SEC),
	POWER_DURATION("cycle_delay", cycle_delay_ns, 0, 600 * SEC),
	POWER_DURATION("nic_timeout", nic_timeout_ns, SEC, 600 * SEC),
	POWER_DURATION("nic_poll", nic_poll_ns, 50 * MS, 60 * SEC),
	POWER_DURATION("ib_active_timeout", ib_active_timeout_ns, 0, 600 * SEC),
	POWER_DURATION("ib_poll", ib_poll_ns, 50 * MS, 60 * SEC),
	CONF_KEY_END,
};

/* [gpio]: the line names (CONF_STRING rows; an empty value unwires one) and their wiring */
static const struct conf_key power_config_gpio_keys[] = {
	GPIO_LINE("psu_on", psu_on),
	GPIO_LINE("psu_ok", psu_ok),
	GPIO_LINE("button", button),
	GPIO_LINE("button_led", button_led),
	GPIO_LINE("host_button", host_button),
	GPIO_LINE("host_alive", host_alive),
	POWER_KEY("psu_on_active_low", CONF_BOOL, psu_on_active_low),
	POWER_KEY("psu_on_open_drain", CONF_BOOL, psu_on_open_drain),
	POWER_KEY("psu_ok_active_low", CONF_BOOL, psu_ok_active_low),
	POWER_KEY("button_active_low", CONF_BOOL, button_active_low),
	POWER_KEY("button_pull_up", CONF_BOOL, button_pull_up),
	POWER_KEY("button_led_active_low", CONF_BOOL, button_led_active_low),
	POWER_KEY("host_button_active_low", CONF_BOOL, host_button_active_low),
	POWER_KEY("host_button_open_drain", CONF_BOOL, host_button_open_drain),
	POWER_KEY("host_alive_active_low", CONF_BOOL, host_alive_active_low),
	CONF_KEY_END,
};

#define POWER_CONFIG_NPOWER POWER_CONFIG_ROWS(power_config_power_keys)
#define POWER_CONFIG_NGPIO POWER_CONFIG_ROWS(power_config_gpio_keys)
/* lines[] holds the [power] rows, then the [gpio] rows */
_Static_assert(POWER_CONFIG_NPOWER + POWER_CONFIG_NGPIO <= POWER_CONFIG_KEYS_MAX,
	       "raise POWER_CONFIG_KEYS_MAX");

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

static const char *power_config_enum_name(const struct conf_enum *names, int v)
{
	for (; names->name; names++)
		if (names->value == v)
			return names->name;
	return "?";
}

const char *power_config_topology_name(enum power_topology t)
{
	return power_config_enum_name(power_config_topologies, (int)t);
}

const char *power_config_restore_name(enum power_restore r)
{
	return power_config_enum_name(power_config_restores, (int)r);
}

const char *power_config_host_supply_name(enum power_host_supply h)
{
	return power_config_enum_name(power_config_host_supplies, (int)h);
}

int power_config_set(struct power_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen)
{
	const struct conf_key *table, *k;
	size_t first;
	int r;

	if (strcmp(section, "power") == 0) {
		table = power_config_power_keys;
		first = 0;
	} else if (strcmp(section, "gpio") == 0) {
		table = power_config_gpio_keys;
		first = POWER_CONFIG_NPOWER;
	} else {
		return -ENOENT;
	}
	k = conf_keys_find(table, key);
	if (!k)
		return -ENOENT;
	/* An empty value unwires an optional line (e.g. button_led =); validate wants the rest. */
	if (table == power_config_gpio_keys && k->type == CONF_STRING && !value[0]) {
		((char *)c + k->offset)[0] = '\0';
		r = 0;
	} else {
		r = conf_keys_set(table, c, key, value, err, errlen);
	}
	if (r < 0)
		return r;
	c->lines[first + (size_t)(k - table)] = line;
	c->wired = true;
	return 0;
}

void power_config_keys_each(conf_keys_each_fn fn, void *ctx)
{
	conf_keys_each(power_config_power_keys, "power", fn, ctx);
	conf_keys_each(power_config_gpio_keys, "gpio", fn, ctx);
}

static int power_config_key_line(const struct power_config *c, const char *key)
{
	const struct conf_key *k = conf_keys_find(power_config_power_keys, key);

	if (k)
		return c->lines[k - power_config_power_keys];
	k = conf_keys_find(power_config_gpio_keys, key);
	return k ? c->lines[POWER_CONFIG_NPOWER + (size_t)(k - power_config_gpio_keys)] : 0;
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
