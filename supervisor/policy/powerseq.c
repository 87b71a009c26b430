/* powerseq.c - the power sequencer: (state, input, now) -> line levels, deadlines, transitions. */
#include "supervisor/policy/powerseq.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/util/parse.h"
#include "supervisor/util/statefile.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define NEVER INT64_MAX

/* Sub-steps of host_starting / host_stopping; not states of their own (not logged). */
enum {
	PHASE_SETTLE = 0, /* host_starting: PWR_OK up, letting the rails settle */
	PHASE_PULSE,      /* host button pressed */
	PHASE_WAIT,       /* waiting for host_alive to change */
};

/* ---- configuration ---- */

enum key_type {
	KT_DURATION,
	KT_BOOL,
	KT_LINE,
	KT_PATH,
	KT_TOPOLOGY,
	KT_HOST_SUPPLY,
	KT_RESTORE,
	KT_DROP,
};

struct key_desc {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset;
	int64_t min, max; /* durations */
};

#define OFF(field) offsetof(struct power_config, field)

static const struct key_desc keys[] = {
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

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= POWER_CONFIG_KEYS_MAX, "raise POWER_CONFIG_KEYS_MAX");

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

static int set_enum(const char *value, const char *const *names, int n, int *out)
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

static const char *const topology_names[] = { "controller", "self" };
static const char *const host_supply_names[] = { "psu", "own" };
static const char *const restore_names[] = { "off", "on", "last" };
static const char *const drop_names[] = { "poweroff", "ignore" };

const char *power_topology_name(enum power_topology t)
{
	return (unsigned)t < 2 ? topology_names[t] : "?";
}

const char *power_restore_name(enum power_restore r)
{
	return (unsigned)r < 3 ? restore_names[r] : "?";
}

const char *power_host_supply_name(enum power_host_supply h)
{
	return (unsigned)h < 2 ? host_supply_names[h] : "?";
}

int power_config_set(struct power_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen)
{
	char perr[128];
	size_t i;
	char *p;
	int v, r;
	bool bv;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(section, keys[i].section) == 0 && strcmp(key, keys[i].key) == 0)
			break;
	if (i == NKEYS)
		return -ENOENT;
	p = (char *)c + keys[i].offset;
	perr[0] = '\0';
	switch (keys[i].type) {
	case KT_DURATION:
		r = parse_duration_ns(value, keys[i].min, keys[i].max, (int64_t *)(void *)p, perr,
				      sizeof(perr));
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
			return cfg_fail(err, errlen, -EINVAL, "must be an absolute path");
		break;
	case KT_TOPOLOGY:
		r = set_enum(value, topology_names, 2, &v);
		if (r < 0)
			return cfg_fail(err, errlen, r, "expected controller or self, got '%s'",
					value);
		c->topology = (enum power_topology)v;
		break;
	case KT_HOST_SUPPLY:
		r = set_enum(value, host_supply_names, 2, &v);
		if (r < 0)
			return cfg_fail(err, errlen, r, "expected psu or own, got '%s'", value);
		c->host_supply = (enum power_host_supply)v;
		break;
	case KT_RESTORE:
		r = set_enum(value, restore_names, 3, &v);
		if (r < 0)
			return cfg_fail(err, errlen, r, "expected off, on or last, got '%s'",
					value);
		c->restore = (enum power_restore)v;
		break;
	case KT_DROP:
		r = set_enum(value, drop_names, 2, &v);
		if (r < 0)
			return cfg_fail(err, errlen, r, "expected poweroff or ignore, got '%s'",
					value);
		c->pwr_ok_drop_action = (enum power_drop_action)v;
		break;
	default:
		r = -EINVAL;
	}
	/* the profile loader puts the key in front of the message */
	if (r < 0)
		return cfg_fail(err, errlen, r, "%s", perr);
	c->lines[i] = line;
	return 0;
}

static int key_line(const struct power_config *c, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].key, key) == 0)
			return c->lines[i];
	return 0;
}

/* The line of the first of two keys that was set, preferring the first. */
static int line_of(const struct power_config *c, const char *a, const char *b)
{
	int l = key_line(c, a);

	return l ? l : key_line(c, b);
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
			*line = key_line(c, "topology");
			return cfg_fail(err, errlen, -EINVAL, "[gpio] %s is required", keyn[i]);
		}
	}
	if (c->topology == POWER_TOPOLOGY_CONTROLLER && (!c->host_button[0] || !c->host_alive[0])) {
		*line = line_of(c, "topology", c->host_button[0] ? "host_button" : "host_alive");
		return cfg_fail(err, errlen, -EINVAL,
				"topology = controller needs [gpio] host_button and host_alive");
	}
	for (int i = 0; i < 6; i++) {
		for (int j = i + 1; j < 6; j++) {
			if (names[i][0] && strcmp(names[i], names[j]) == 0) {
				*line = key_line(c, keyn[j]);
				return cfg_fail(err, errlen, -EINVAL,
						"[gpio] %s and %s name the same line '%s'", keyn[i],
						keyn[j], names[i]);
			}
		}
	}
	if (c->long_press_ns <= c->debounce_ns) {
		*line = line_of(c, "long_press", "debounce");
		return cfg_fail(err, errlen, -EINVAL,
				"long_press (%s) must be longer than debounce (%s)",
				parse_format_duration(c->long_press_ns, a, sizeof(a)),
				parse_format_duration(c->debounce_ns, b, sizeof(b)));
	}
	if (c->force_off_hold_ns <= c->host_button_pulse_ns) {
		*line = line_of(c, "force_off_hold", "host_button_pulse");
		return cfg_fail(err, errlen, -EINVAL,
				"force_off_hold (%s) must be longer than host_button_pulse (%s)",
				parse_format_duration(c->force_off_hold_ns, a, sizeof(a)),
				parse_format_duration(c->host_button_pulse_ns, b, sizeof(b)));
	}
	if (c->debounce_ns >= c->host_button_pulse_ns + c->settle_ns + c->host_boot_timeout_ns) {
		*line = key_line(c, "debounce");
		return cfg_fail(err, errlen, -EINVAL, "debounce is longer than the whole start-up");
	}
	return 0;
}

/* ---- names ---- */

static const char *const state_names[POWERSEQ_STATE_COUNT] = {
	[POWERSEQ_OFF] = "off",
	[POWERSEQ_PSU_STARTING] = "psu_starting",
	[POWERSEQ_NIC_WAIT] = "nic_wait",
	[POWERSEQ_IB_WAIT] = "ib_wait",
	[POWERSEQ_HOST_STARTING] = "host_starting",
	[POWERSEQ_ON] = "on",
	[POWERSEQ_HOST_STOPPING] = "host_stopping",
	[POWERSEQ_FORCE_OFF] = "force_off",
	[POWERSEQ_PSU_STOPPING] = "psu_stopping",
	[POWERSEQ_CYCLE_WAIT] = "cycle_wait",
	[POWERSEQ_FAULT] = "fault",
};

static const char *const reason_names[POWERSEQ_R_COUNT] = {
	[POWERSEQ_R_NONE] = "none",
	[POWERSEQ_R_STARTUP] = "startup",
	[POWERSEQ_R_RESTORE] = "restore",
	[POWERSEQ_R_ADOPT] = "adopt",
	[POWERSEQ_R_FINISH_OFF] = "finish-off",
	[POWERSEQ_R_RESTORED_FAULT] = "restored-fault",
	[POWERSEQ_R_BUTTON] = "button",
	[POWERSEQ_R_LONG_PRESS] = "long-press",
	[POWERSEQ_R_CMD_ON] = "command-on",
	[POWERSEQ_R_CMD_OFF] = "command-off",
	[POWERSEQ_R_CMD_CYCLE] = "command-cycle",
	[POWERSEQ_R_CMD_FORCE_OFF] = "command-force-off",
	[POWERSEQ_R_CMD_CLEAR] = "command-clear",
	[POWERSEQ_R_PSU_OK] = "psu-ok",
	[POWERSEQ_R_PSU_OK_TIMEOUT] = "psu-ok-timeout",
	[POWERSEQ_R_PSU_OK_DROP] = "psu-ok-drop",
	[POWERSEQ_R_HOST_ALIVE] = "host-alive",
	[POWERSEQ_R_HOST_STARTED] = "host-started",
	[POWERSEQ_R_HOST_BOOT_TIMEOUT] = "host-boot-timeout",
	[POWERSEQ_R_HOST_OFF] = "host-off",
	[POWERSEQ_R_HOST_POWEROFF] = "host-poweroff",
	[POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT] = "host-shutdown-timeout",
	[POWERSEQ_R_FORCE_OFF_DONE] = "force-off-done",
	[POWERSEQ_R_PSU_OFF_DELAY] = "psu-off-delay",
	[POWERSEQ_R_CYCLE_DELAY] = "cycle-delay",
	[POWERSEQ_R_NIC_PRESENT] = "nic-present",
	[POWERSEQ_R_NIC_TIMEOUT] = "nic-timeout",
	[POWERSEQ_R_IB_ACTIVE] = "ib-active",
	[POWERSEQ_R_IB_TIMEOUT] = "ib-timeout",
	[POWERSEQ_R_THERMAL_EMERGENCY] = "thermal-emergency",
};

const char *powerseq_state_name(enum powerseq_state s)
{
	return (unsigned)s < POWERSEQ_STATE_COUNT ? state_names[s] : "?";
}

const char *powerseq_reason_name(enum powerseq_reason r)
{
	return (unsigned)r < POWERSEQ_R_COUNT && reason_names[r] ? reason_names[r] : "?";
}

const char *powerseq_fault_name(enum powerseq_fault f)
{
	switch (f) {
	case POWERSEQ_FAULT_NONE:
		return "none";
	case POWERSEQ_FAULT_PSU_OK_TIMEOUT:
		return "psu-ok-timeout";
	case POWERSEQ_FAULT_PSU_OK_DROP:
		return "psu-ok-drop";
	case POWERSEQ_FAULT_HOST_BOOT_TIMEOUT:
		return "host-boot-timeout";
	case POWERSEQ_FAULT_UNKNOWN:
		return "unknown";
	}
	return "?";
}

const char *powerseq_fault_describe(enum powerseq_fault f)
{
	switch (f) {
	case POWERSEQ_FAULT_NONE:
		return "no fault";
	case POWERSEQ_FAULT_PSU_OK_TIMEOUT:
		return "PWR_OK did not come up in time after PS_ON";
	case POWERSEQ_FAULT_PSU_OK_DROP:
		return "PWR_OK dropped while the box was on";
	case POWERSEQ_FAULT_HOST_BOOT_TIMEOUT:
		return "the H2 did not come up (power LED) in time";
	case POWERSEQ_FAULT_UNKNOWN:
		return "a fault latched before this start, its name unreadable in the state file";
	}
	return "?";
}

const char *powerseq_requested_name(enum powerseq_requested r)
{
	switch (r) {
	case POWERSEQ_REQUESTED_OFF:
		return "off";
	case POWERSEQ_REQUESTED_ON:
		return "on";
	default:
		return "unknown";
	}
}

int powerseq_requested_parse(const char *s, enum powerseq_requested *out)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "on") == 0)
		*out = POWERSEQ_REQUESTED_ON;
	else if (strcmp(s, "off") == 0)
		*out = POWERSEQ_REQUESTED_OFF;
	else
		return -EINVAL;
	return 0;
}

int powerseq_fault_parse(const char *s, enum powerseq_fault *out)
{
	static const enum powerseq_fault all[] = {
		POWERSEQ_FAULT_PSU_OK_TIMEOUT, POWERSEQ_FAULT_PSU_OK_DROP,
		POWERSEQ_FAULT_HOST_BOOT_TIMEOUT, POWERSEQ_FAULT_UNKNOWN,
	};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, powerseq_fault_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- the state file ---- */

int powerseq_saved_format(const struct powerseq_saved *sv, char *buf, size_t len)
{
	size_t n = 0;
	int w;

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (sv->requested != POWERSEQ_REQUESTED_UNKNOWN) {
		w = snprintf(buf, len, "requested=%s\n", powerseq_requested_name(sv->requested));
		if (w < 0 || (size_t)w >= len)
			return -ENOSPC;
		n = (size_t)w;
	}
	if (sv->fault != POWERSEQ_FAULT_NONE) {
		w = snprintf(buf + n, len - n, "fault=%s\n", powerseq_fault_name(sv->fault));
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
		if (sv->fault_at_known) {
			w = snprintf(buf + n, len - n, "fault_at=%lld\n",
				     (long long)sv->fault_at_s);
			if (w < 0 || (size_t)w >= len - n)
				return -ENOSPC;
			n += (size_t)w;
		}
	}
	return (int)n;
}

/* Copy a value for the log: bounded, anything but printable ASCII shown as '?'. */
static void copy_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	if (!dst || len == 0)
		return;
	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] >= ' ' && src[i] <= '~' ? src[i] : '?';
	dst[i] = '\0';
}

/* Seconds since the epoch: digits only, no sign, no blanks, small enough to be nanoseconds. */
static int parse_unix_seconds(const char *s, int64_t *out)
{
	long long v;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > INT64_MAX / INT64_C(1000000000))
		return -EINVAL;
	*out = v;
	return 0;
}

unsigned powerseq_saved_parse(const char *text, struct powerseq_saved *sv, char *bad_name,
			      size_t bad_len)
{
	char val[POWERSEQ_SAVED_NAME_MAX];
	unsigned bad = 0;
	int r;

	memset(sv, 0, sizeof(*sv));
	if (bad_name && bad_len)
		bad_name[0] = '\0';
	if (!text)
		return POWERSEQ_SAVED_BAD_REQUESTED;
	if (statefile_get(text, "requested", val, sizeof(val)) < 0 ||
	    powerseq_requested_parse(val, &sv->requested) < 0) {
		sv->requested = POWERSEQ_REQUESTED_UNKNOWN;
		bad |= POWERSEQ_SAVED_BAD_REQUESTED;
	}
	r = statefile_get(text, "fault", val, sizeof(val));
	if (r == -ENOENT || (r == 0 && strcmp(val, "none") == 0))
		return bad; /* an older file, or no fault: nothing latched */
	/*
	 * A fault line that does not parse still says a fault was latched: losing it would
	 * power the box back into whatever it was.  It latches as "unknown" until cleared.
	 */
	if (r < 0 || powerseq_fault_parse(val, &sv->fault) < 0) {
		sv->fault = POWERSEQ_FAULT_UNKNOWN;
		bad |= POWERSEQ_SAVED_BAD_FAULT;
		copy_printable(bad_name, bad_len, r < 0 ? "(too long)" : val);
	}
	if (statefile_get(text, "fault_at", val, sizeof(val)) == 0 &&
	    parse_unix_seconds(val, &sv->fault_at_s) == 0)
		sv->fault_at_known = true;
	else
		bad |= POWERSEQ_SAVED_BAD_FAULT_AT;
	return bad;
}

/* ---- accessors ---- */

enum powerseq_state powerseq_state_get(const struct powerseq *ps)
{
	return ps->state;
}

int64_t powerseq_since(const struct powerseq *ps)
{
	return ps->since_ns;
}

enum powerseq_fault powerseq_fault_get(const struct powerseq *ps, int64_t *at_ns)
{
	if (at_ns)
		*at_ns = ps->fault_ns;
	return ps->fault;
}

enum powerseq_fault powerseq_last_fault_get(const struct powerseq *ps, int64_t *at_ns)
{
	if (at_ns)
		*at_ns = ps->last_fault_ns;
	return ps->last_fault;
}

bool powerseq_psu_drop_alarm(const struct powerseq *ps)
{
	return ps->psu_drop_alarm;
}

unsigned powerseq_warnings(const struct powerseq *ps)
{
	return ps->warnings;
}

enum powerseq_requested powerseq_requested_get(const struct powerseq *ps)
{
	return ps->requested;
}

bool powerseq_powered(const struct powerseq *ps)
{
	/* self: while the H2 boots the SFX (NIC, fan) stays off until h2boxd starts on it */
	if (ps->state == POWERSEQ_HOST_STARTING && ps->cfg.topology == POWER_TOPOLOGY_SELF)
		return false;
	return ps->state != POWERSEQ_OFF && ps->state != POWERSEQ_CYCLE_WAIT &&
	       ps->state != POWERSEQ_FAULT;
}

static bool is_self(const struct powerseq *ps);

enum powerseq_host powerseq_host_get(const struct powerseq *ps)
{
	if (is_self(ps) && ps->state == POWERSEQ_HOST_STOPPING && ps->alive.stable)
		return POWERSEQ_H2_STOPPING;
	if (!ps->has_host_alive)
		return is_self(ps) ? POWERSEQ_H2_ON : POWERSEQ_H2_UNKNOWN;
	if (!ps->alive.stable)
		return POWERSEQ_H2_OFF;
	if (is_self(ps) && ps->state == POWERSEQ_HOST_STARTING)
		return POWERSEQ_H2_BOOTING;
	if (ps->state == POWERSEQ_HOST_STOPPING || ps->state == POWERSEQ_FORCE_OFF)
		return POWERSEQ_H2_STOPPING;
	return POWERSEQ_H2_ON;
}

const char *powerseq_host_name(enum powerseq_host h)
{
	switch (h) {
	case POWERSEQ_H2_OFF:
		return "off";
	case POWERSEQ_H2_BOOTING:
		return "booting";
	case POWERSEQ_H2_ON:
		return "on";
	case POWERSEQ_H2_STOPPING:
		return "stopping";
	default:
		return "unknown";
	}
}

/* ---- the machine ---- */

void powerseq_init(struct powerseq *ps, const struct power_config *cfg)
{
	memset(ps, 0, sizeof(*ps));
	ps->cfg = *cfg;
	ps->state = POWERSEQ_OFF;
	ps->deadline_ns = NEVER;
	ps->poll_ns = NEVER;
}

static bool is_self(const struct powerseq *ps)
{
	return ps->cfg.topology == POWER_TOPOLOGY_SELF;
}

/* The H2's power LED as last seen, before its debounce: the only sign that the H2 runs. */
static bool host_lit(const struct powerseq *ps)
{
	return ps->alive.pending ? ps->alive.pending_level : ps->alive.stable;
}

/*
 * Self topology with the H2's LED watched (the simulator): the H2 is dark, or boots with its OS
 * not up yet.  A real h2boxd would not be running then, so the machine acts on nothing but the
 * H2 coming up (or going dark again); a press goes to the H2's own power-button header.  A
 * level change still in its debounce counts as dark: never act on a half-seen boot.
 */
static bool self_dark(const struct powerseq *ps)
{
	return is_self(ps) && ps->has_host_alive &&
	       (ps->state == POWERSEQ_HOST_STARTING || !ps->alive.stable || ps->alive.pending);
}

/*
 * Controller with the H2 on its own supply (brick build): releasing PS_ON leaves a running H2
 * running, so switching the box off at once means holding its power button too.  An H2 whose
 * LED is dark is left alone: pressing it would start it.
 */
static bool host_needs_force(const struct powerseq *ps)
{
	return !is_self(ps) && ps->cfg.host_supply == POWER_HOST_SUPPLY_OWN &&
	       ps->has_host_alive && host_lit(ps);
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > NEVER - b ? NEVER : a + b;
}

static void reply(struct powerseq_output *out, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply(struct powerseq_output *out, int status, const char *fmt, ...)
{
	va_list ap;

	out->reply_status = status;
	va_start(ap, fmt);
	vsnprintf(out->reply, sizeof(out->reply), fmt, ap);
	va_end(ap);
}

static void set_requested(struct powerseq *ps, struct powerseq_output *out,
			  enum powerseq_requested r)
{
	if (ps->requested == r)
		return;
	ps->requested = r;
	out->requests |= POWERSEQ_REQ_SAVE;
}

static void warn(struct powerseq *ps, struct powerseq_output *out, unsigned w)
{
	ps->warnings |= w;
	out->new_warnings |= w;
}

static bool starting_state(enum powerseq_state s)
{
	return s == POWERSEQ_PSU_STARTING || s == POWERSEQ_NIC_WAIT || s == POWERSEQ_IB_WAIT ||
	       s == POWERSEQ_HOST_STARTING;
}

static bool stopping_state(enum powerseq_state s)
{
	return s == POWERSEQ_HOST_STOPPING || s == POWERSEQ_FORCE_OFF ||
	       s == POWERSEQ_PSU_STOPPING;
}

/* Before the host button was pressed, a start-up can be undone by simply releasing PS_ON. */
static bool host_untouched(const struct powerseq *ps)
{
	return ps->state == POWERSEQ_PSU_STARTING ||
	       (ps->state == POWERSEQ_HOST_STARTING && ps->phase == PHASE_SETTLE);
}

static void enter(struct powerseq *ps, struct powerseq_output *out, enum powerseq_state to,
		  enum powerseq_reason reason, int64_t t);

static void record(struct powerseq_output *out, enum powerseq_state from, enum powerseq_state to,
		   enum powerseq_reason reason, int64_t t)
{
	int i = out->ntransitions;

	/* A step never legitimately makes this many; keep the newest so the end state is right. */
	if (i == POWERSEQ_TRANSITIONS_MAX)
		i = POWERSEQ_TRANSITIONS_MAX - 1;
	else
		out->ntransitions++;
	out->transitions[i] = (struct powerseq_transition){ from, to, reason, t };
}

static void enter_fault(struct powerseq *ps, struct powerseq_output *out, enum powerseq_fault f,
			enum powerseq_reason reason, int64_t t)
{
	ps->fault = f;
	ps->fault_ns = t;
	ps->last_fault = f;
	ps->last_fault_ns = t;
	/* Neither a restart nor restore = last may power the box straight back into the fault. */
	set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (host_needs_force(ps)) {
		/* The PSU goes now; the H2 on its own supply is held off, then it latches. */
		ps->fault_pending = true;
		ps->psu_on = false;
		ps->cycle_pending = false;
		enter(ps, out, POWERSEQ_FORCE_OFF, reason, t);
		return;
	}
	enter(ps, out, POWERSEQ_FAULT, reason, t);
}

/* The force-off hold ended (the H2's LED went out, or force_off_hold passed). */
static void force_off_done(struct powerseq *ps, struct powerseq_output *out,
			   enum powerseq_reason reason, int64_t t)
{
	if (ps->fault_pending)
		enter(ps, out, POWERSEQ_FAULT, reason, t);
	else if (!ps->psu_on && !ps->cycle_pending)
		enter(ps, out, POWERSEQ_OFF, reason, t); /* the PSU was cut already */
	else
		enter(ps, out, POWERSEQ_PSU_STOPPING, reason, t);
}

/* The state after PWR_OK came up. */
static void psu_good(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	enter(ps, out, is_self(ps) ? POWERSEQ_NIC_WAIT : POWERSEQ_HOST_STARTING,
	      POWERSEQ_R_PSU_OK, t);
}

static void enter(struct powerseq *ps, struct powerseq_output *out, enum powerseq_state to,
		  enum powerseq_reason reason, int64_t t)
{
	const struct power_config *c = &ps->cfg;
	enum powerseq_state from = ps->state;

	record(out, from, to, reason, t);
	ps->state = to;
	ps->since_ns = t;
	ps->phase = 0;
	ps->deadline_ns = NEVER;
	ps->poll_ns = NEVER;
	if (to == POWERSEQ_FAULT) {
		ps->fault_pending = false;
	} else if (is_self(ps) && to == POWERSEQ_HOST_STARTING) {
		/* the H2 boots: a fault latched while it was dark stays, in the state file too */
	} else if (!ps->fault_pending ||
		   (to != POWERSEQ_FORCE_OFF && to != POWERSEQ_HOST_STOPPING)) {
		ps->fault = POWERSEQ_FAULT_NONE;
		ps->fault_pending = false;
	}
	if (!ps->ready_sent && !starting_state(to)) {
		ps->ready_sent = true;
		out->requests |= POWERSEQ_REQ_READY;
	}

	switch (to) {
	case POWERSEQ_OFF:
	case POWERSEQ_FAULT:
		ps->psu_on = false;
		ps->host_button = false;
		ps->cycle_pending = false;
		break;
	case POWERSEQ_CYCLE_WAIT:
		ps->psu_on = false;
		ps->host_button = false;
		ps->cycle_pending = false;
		ps->deadline_ns = add_sat(t, c->cycle_delay_ns);
		break;
	case POWERSEQ_PSU_STARTING:
		ps->host_button = false;
		ps->psu_just_on = !ps->psu_on || !ps->psu_ok;
		ps->psu_on = true;
		ps->warnings &= ~(POWERSEQ_WARN_NIC_MISSING | POWERSEQ_WARN_IB_DOWN);
		if (ps->psu_ok) {
			/* Already up (held through a latch, or the daemon restarted). */
			ps->psu_just_on = false;
			psu_good(ps, out, t);
			return;
		}
		ps->deadline_ns = add_sat(t, c->psu_ok_timeout_ns);
		break;
	case POWERSEQ_HOST_STARTING:
		if (is_self(ps)) {
			/* the H2 boots; h2boxd starts on it once its OS is up */
			ps->host_button = false;
			ps->poll_ns = add_sat(t, c->ib_poll_ns);
			break;
		}
		ps->phase = PHASE_SETTLE;
		ps->deadline_ns = add_sat(t, c->settle_ns);
		break;
	case POWERSEQ_NIC_WAIT:
		ps->deadline_ns = add_sat(t, c->nic_timeout_ns);
		if (ps->psu_just_on) {
			/* The card was just powered: it needs a rescan before it shows up. */
			out->requests |= POWERSEQ_REQ_PCI_RESCAN;
			ps->poll_ns = add_sat(t, c->nic_poll_ns);
		} else {
			out->requests |= POWERSEQ_REQ_NIC_CHECK;
		}
		break;
	case POWERSEQ_IB_WAIT:
		if (c->ib_active_timeout_ns == 0) {
			enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_TIMEOUT, t);
			return;
		}
		ps->deadline_ns = add_sat(t, c->ib_active_timeout_ns);
		out->requests |= POWERSEQ_REQ_IB_CHECK;
		break;
	case POWERSEQ_ON:
		ps->host_button = false;
		set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		break;
	case POWERSEQ_HOST_STOPPING:
		if (is_self(ps)) {
			out->requests |= POWERSEQ_REQ_LOGIND_POWEROFF;
			/* Normally SIGTERM comes first; this only catches a refused power-off. */
			ps->deadline_ns = add_sat(t, c->host_shutdown_timeout_ns);
			if (ps->has_host_alive && !ps->alive.stable) {
				enter(ps, out, ps->fault_pending ? POWERSEQ_FAULT : POWERSEQ_OFF,
				      POWERSEQ_R_HOST_OFF, t);
				return;
			}
		} else {
			ps->phase = PHASE_PULSE;
			ps->host_button = true;
			ps->deadline_ns = add_sat(t, c->host_button_pulse_ns);
		}
		break;
	case POWERSEQ_FORCE_OFF:
		ps->host_button = true;
		ps->deadline_ns = add_sat(t, c->force_off_hold_ns);
		break;
	case POWERSEQ_PSU_STOPPING:
		ps->host_button = false;
		if (!ps->psu_on) {
			enter(ps, out, ps->cycle_pending ? POWERSEQ_CYCLE_WAIT : POWERSEQ_OFF,
			      POWERSEQ_R_PSU_OFF_DELAY, t);
			return;
		}
		ps->deadline_ns = add_sat(t, c->psu_off_delay_ns);
		break;
	case POWERSEQ_STATE_COUNT:
		break;
	}
}

/*
 * Cut everything at once (long press, force-off before the host was started).  An H2 on its
 * own supply that is running is held off after the PSU is cut; true when that hold started.
 */
static bool cut(struct powerseq *ps, struct powerseq_output *out, enum powerseq_reason reason,
		int64_t t)
{
	set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (host_needs_force(ps)) {
		ps->psu_on = false;
		ps->cycle_pending = false;
		enter(ps, out, POWERSEQ_FORCE_OFF, reason, t);
		return true;
	}
	enter(ps, out, POWERSEQ_OFF, reason, t);
	return false;
}

static void short_press(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const enum powerseq_reason r = POWERSEQ_R_BUTTON;

	/* The press went to the dark H2's own power-button header, which boots it. */
	if (self_dark(ps))
		return;
	if (ps->state == POWERSEQ_FAULT && is_self(ps)) {
		/*
		 * The press acknowledges the fault, and it is the running H2's own button too:
		 * its OS powers off (ACPI), as after any press.  The next press boots it.
		 */
		ps->psu_drop_alarm = false;
		set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		return;
	}
	if (ps->state == POWERSEQ_FAULT) {
		/* The first press acknowledges the fault; the next one starts normally. */
		ps->psu_drop_alarm = false;
		enter(ps, out, POWERSEQ_OFF, r, t);
		return;
	}
	if (is_self(ps)) {
		if (ps->state != POWERSEQ_HOST_STOPPING) {
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		}
		return;
	}
	switch (ps->state) {
	case POWERSEQ_OFF:
	case POWERSEQ_CYCLE_WAIT:
		set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		enter(ps, out, POWERSEQ_PSU_STARTING, r, t);
		break;
	case POWERSEQ_PSU_STARTING:
	case POWERSEQ_HOST_STARTING:
		/* Undo a start-up only while the host is untouched; a booting H2 is left alone. */
		if (host_untouched(ps))
			cut(ps, out, r, t);
		break;
	case POWERSEQ_ON:
		set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		break;
	default:
		break; /* stopping: already on the way; a long press cuts */
	}
}

static void long_press(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	ps->press_armed = false;
	/* A fault is latched, or is being latched with everything already cut. */
	if (ps->state == POWERSEQ_FAULT || ps->fault_pending)
		return;
	if (!ps->psu_on && !ps->host_button && !host_needs_force(ps))
		return;
	out->requests |= POWERSEQ_REQ_EMERGENCY;
	cut(ps, out, POWERSEQ_R_LONG_PRESS, t);
}

static void button_changed(struct powerseq *ps, struct powerseq_output *out, bool pressed,
			   int64_t edge_ts, int64_t t)
{
	if (pressed) {
		ps->press_armed = true;
		ps->press_ts = edge_ts;
		return;
	}
	if (!ps->press_armed)
		return; /* held since start-up, or already used by a long press */
	ps->press_armed = false;
	short_press(ps, out, t);
}

static void alive_changed(struct powerseq *ps, struct powerseq_output *out, bool alive, int64_t t)
{
	if (alive) {
		if (is_self(ps)) {
			/* the dark H2 boots (its own button header): a fault latched stays */
			if (ps->state == POWERSEQ_OFF || ps->state == POWERSEQ_FAULT)
				enter(ps, out, POWERSEQ_HOST_STARTING, POWERSEQ_R_HOST_STARTED, t);
			return;
		}
		switch (ps->state) {
		case POWERSEQ_HOST_STARTING:
			enter(ps, out, POWERSEQ_ON, POWERSEQ_R_HOST_ALIVE, t);
			break;
		case POWERSEQ_OFF:
			/* The H2 on its own supply came up by itself: bring the rest up. */
			set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_HOST_STARTED, t);
			break;
		default:
			break;
		}
		return;
	}
	if (is_self(ps)) {
		/*
		 * Seen only in the simulator (or with host_alive wired on the H2): the OS
		 * finished shutting down, which is when the shutdown hook releases PS_ON, or
		 * the H2 was forced off.  A fault named before (PWR_OK drop) latches now.
		 */
		if (ps->state != POWERSEQ_OFF && ps->state != POWERSEQ_FAULT) {
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out,
			      ps->fault != POWERSEQ_FAULT_NONE ? POWERSEQ_FAULT : POWERSEQ_OFF,
			      POWERSEQ_R_HOST_OFF, t);
		}
		return;
	}
	switch (ps->state) {
	case POWERSEQ_ON:
		set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_HOST_POWEROFF, t);
		break;
	case POWERSEQ_HOST_STOPPING:
		enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_HOST_OFF, t);
		break;
	case POWERSEQ_FORCE_OFF:
		force_off_done(ps, out, POWERSEQ_R_HOST_OFF, t);
		break;
	default:
		break;
	}
}

static void psu_ok_changed(struct powerseq *ps, struct powerseq_output *out, bool ok, int64_t t)
{
	ps->psu_ok = ok;
	if (ok) {
		if (ps->state == POWERSEQ_PSU_STARTING) {
			psu_good(ps, out, t);
		} else if (ps->psu_drop_alarm && ps->fault == POWERSEQ_FAULT_NONE &&
			   ps->state != POWERSEQ_OFF) {
			ps->psu_drop_alarm = false; /* ignore mode: the rails came back */
			ps->warnings &= ~POWERSEQ_WARN_PSU_OK_LOST;
		}
		return;
	}
	/* A drop matters only while we hold PS_ON past start-up. */
	if (!ps->psu_on || ps->state == POWERSEQ_PSU_STARTING ||
	    ps->state == POWERSEQ_PSU_STOPPING)
		return;
	ps->psu_drop_alarm = true;
	ps->last_fault = POWERSEQ_FAULT_PSU_OK_DROP;
	ps->last_fault_ns = t;
	if (!is_self(ps)) {
		enter_fault(ps, out, POWERSEQ_FAULT_PSU_OK_DROP, POWERSEQ_R_PSU_OK_DROP, t);
		return;
	}
	if (ps->cfg.pwr_ok_drop_action == POWER_DROP_IGNORE) {
		warn(ps, out, POWERSEQ_WARN_PSU_OK_LOST);
		return;
	}
	/*
	 * The OS powers off at once (h2boxd with it), so the fault is named and saved now and
	 * latches once the H2 is down: the next boot's h2boxd finds it in the state file.
	 */
	ps->fault = POWERSEQ_FAULT_PSU_OK_DROP;
	ps->fault_ns = t;
	ps->fault_pending = true;
	set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (ps->state != POWERSEQ_HOST_STOPPING) {
		out->requests |= POWERSEQ_REQ_EMERGENCY;
		enter(ps, out, POWERSEQ_HOST_STOPPING, POWERSEQ_R_PSU_OK_DROP, t);
	}
}

static void state_timeout(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const struct power_config *c = &ps->cfg;

	ps->deadline_ns = NEVER;
	switch (ps->state) {
	case POWERSEQ_PSU_STARTING:
		enter_fault(ps, out, POWERSEQ_FAULT_PSU_OK_TIMEOUT, POWERSEQ_R_PSU_OK_TIMEOUT, t);
		break;
	case POWERSEQ_HOST_STARTING:
		if (ps->phase == PHASE_SETTLE) {
			if (ps->alive.stable) {
				enter(ps, out, POWERSEQ_ON, POWERSEQ_R_HOST_ALIVE, t);
			} else if (c->host_starts_on_power) {
				ps->phase = PHASE_WAIT;
				ps->deadline_ns = add_sat(t, c->host_boot_timeout_ns);
			} else {
				ps->phase = PHASE_PULSE;
				ps->host_button = true;
				ps->deadline_ns = add_sat(t, c->host_button_pulse_ns);
			}
		} else if (ps->phase == PHASE_PULSE) {
			ps->phase = PHASE_WAIT;
			ps->host_button = false;
			ps->deadline_ns = add_sat(t, c->host_boot_timeout_ns);
		} else {
			enter_fault(ps, out, POWERSEQ_FAULT_HOST_BOOT_TIMEOUT,
				    POWERSEQ_R_HOST_BOOT_TIMEOUT, t);
		}
		break;
	case POWERSEQ_HOST_STOPPING:
		if (is_self(ps)) {
			/* The OS did not go down: stay on, the user may try again; after a
			 * PWR_OK drop the fault latches instead (the supply is gone). */
			enter(ps, out, ps->fault_pending ? POWERSEQ_FAULT : POWERSEQ_ON,
			      POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT, t);
		} else if (ps->phase == PHASE_PULSE) {
			ps->phase = PHASE_WAIT;
			ps->host_button = false;
			ps->deadline_ns = add_sat(t, c->host_shutdown_timeout_ns);
		} else {
			enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT, t);
		}
		break;
	case POWERSEQ_FORCE_OFF:
		force_off_done(ps, out, POWERSEQ_R_FORCE_OFF_DONE, t);
		break;
	case POWERSEQ_PSU_STOPPING:
		ps->psu_on = false;
		enter(ps, out, ps->cycle_pending ? POWERSEQ_CYCLE_WAIT : POWERSEQ_OFF,
		      POWERSEQ_R_PSU_OFF_DELAY, t);
		break;
	case POWERSEQ_CYCLE_WAIT:
		enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_CYCLE_DELAY, t);
		break;
	case POWERSEQ_NIC_WAIT:
		warn(ps, out, POWERSEQ_WARN_NIC_MISSING);
		enter(ps, out, POWERSEQ_ON, POWERSEQ_R_NIC_TIMEOUT, t);
		break;
	case POWERSEQ_IB_WAIT:
		warn(ps, out, POWERSEQ_WARN_IB_DOWN);
		enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_TIMEOUT, t);
		break;
	default:
		break;
	}
}

static void poll_due(struct powerseq *ps, struct powerseq_output *out)
{
	ps->poll_ns = NEVER;
	if (ps->state == POWERSEQ_NIC_WAIT)
		out->requests |= POWERSEQ_REQ_NIC_CHECK;
	else if (ps->state == POWERSEQ_IB_WAIT)
		out->requests |= POWERSEQ_REQ_IB_CHECK;
	else if (ps->state == POWERSEQ_HOST_STARTING && is_self(ps))
		out->requests |= POWERSEQ_REQ_HOST_CHECK;
}

static int64_t debounce_due(const struct powerseq *ps, const struct powerseq_debounce *d)
{
	return d->pending ? add_sat(d->pending_since, ps->cfg.debounce_ns) : NEVER;
}

static int64_t long_press_due(const struct powerseq *ps)
{
	return ps->press_armed && ps->button.stable ? add_sat(ps->press_ts, ps->cfg.long_press_ns)
						    : NEVER;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t next_due(const struct powerseq *ps)
{
	int64_t d = min64(debounce_due(ps, &ps->button), debounce_due(ps, &ps->alive));

	d = min64(d, long_press_due(ps));
	d = min64(d, ps->deadline_ns);
	return min64(d, ps->poll_ns);
}

/* Run every internal deadline up to t, in time order. */
static void advance(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	for (int guard = 0; guard < 256; guard++) {
		int64_t d = next_due(ps);

		if (d > t)
			break;
		if (d > ps->now_ns)
			ps->now_ns = d;
		if (debounce_due(ps, &ps->button) == d) {
			ps->button.pending = false;
			ps->button.stable = ps->button.pending_level;
			button_changed(ps, out, ps->button.stable, ps->button.pending_since, d);
		} else if (debounce_due(ps, &ps->alive) == d) {
			ps->alive.pending = false;
			ps->alive.stable = ps->alive.pending_level;
			alive_changed(ps, out, ps->alive.stable, d);
		} else if (long_press_due(ps) == d) {
			long_press(ps, out, d);
		} else if (ps->deadline_ns == d) {
			state_timeout(ps, out, d);
		} else {
			poll_due(ps, out);
		}
	}
	if (t > ps->now_ns)
		ps->now_ns = t;
}

/* A raw edge: a level must hold for `debounce` to count; shorter glitches vanish. */
static void debounce_edge(struct powerseq_debounce *d, bool level, int64_t ts)
{
	if (d->pending) {
		if (level == d->stable)
			d->pending = false;
		return;
	}
	if (level != d->stable) {
		d->pending = true;
		d->pending_level = level;
		d->pending_since = ts;
	}
}

/* The reason a command's transitions carry: the automatic action that asked, else the command. */
static enum powerseq_reason why(enum powerseq_reason cause, enum powerseq_reason own)
{
	return cause != POWERSEQ_R_NONE ? cause : own;
}

static void command(struct powerseq *ps, struct powerseq_output *out, enum powerseq_command cmd,
		    enum powerseq_reason cause, int64_t t)
{
	const char *fault = powerseq_fault_name(ps->fault);
	const enum powerseq_state s = ps->state;
	char d[32], h[32];
	const char *hold = parse_format_duration(ps->cfg.force_off_hold_ns, h, sizeof(h));
	const enum powerseq_reason r_on = why(cause, POWERSEQ_R_CMD_ON);
	const enum powerseq_reason r_off = why(cause, POWERSEQ_R_CMD_OFF);
	const enum powerseq_reason r_cycle = why(cause, POWERSEQ_R_CMD_CYCLE);
	const enum powerseq_reason r_force = why(cause, POWERSEQ_R_CMD_FORCE_OFF);

	if (self_dark(ps)) {
		/* h2boxd runs on the H2: with the H2 dark or booting, there is no h2boxd yet */
		if (s == POWERSEQ_HOST_STARTING)
			reply(out, 3, "the H2 is booting: h2boxd starts its work on it once it is up");
		else
			reply(out, 3, "the H2 is off, and h2boxd runs on it: press the button to "
				      "boot it");
		return;
	}
	switch (cmd) {
	case POWERSEQ_CMD_CLEAR:
		if (ps->fault_pending) {
			reply(out, 3, is_self(ps) ? "busy: the H2 is powering off; fault %s latches next"
						  : "busy: forcing the H2 off; fault %s latches next",
			      fault);
			return;
		}
		ps->psu_drop_alarm = false;
		ps->warnings &= ~POWERSEQ_WARN_PSU_OK_LOST;
		if (s != POWERSEQ_FAULT) {
			reply(out, 0, "no fault latched");
			return;
		}
		reply(out, 0, "fault cleared: %s", fault);
		enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_CMD_CLEAR, t);
		return;
	case POWERSEQ_CMD_ON:
		if (s == POWERSEQ_FAULT)
			break;
		if (s == POWERSEQ_ON) {
			reply(out, 0, "already on");
		} else if (starting_state(s)) {
			reply(out, 0, "already starting");
		} else if (stopping_state(s)) {
			reply(out, 3, "busy: stopping");
		} else {
			reply(out, 0, s == POWERSEQ_CYCLE_WAIT ? "powering on (cycle delay skipped)"
							       : "powering on");
			set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			enter(ps, out, POWERSEQ_PSU_STARTING, r_on, t);
		}
		return;
	case POWERSEQ_CMD_OFF:
		if (s == POWERSEQ_FAULT) {
			reply(out, 0, "already off (fault latched: %s; h2box power clear)", fault);
		} else if (s == POWERSEQ_OFF) {
			reply(out, 0, "already off");
		} else if (s == POWERSEQ_CYCLE_WAIT) {
			reply(out, 0, "cycle cancelled: off");
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out, POWERSEQ_OFF, r_off, t);
		} else if (stopping_state(s)) {
			reply(out, 0, ps->cycle_pending ? "already stopping (cycle cancelled)"
							: "already stopping");
			ps->cycle_pending = false;
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		} else if (is_self(ps)) {
			reply(out, 0, "powering off (asking the OS to power off)");
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out, POWERSEQ_HOST_STOPPING, r_off, t);
		} else if (s == POWERSEQ_ON) {
			reply(out, 0, "powering off");
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out, POWERSEQ_HOST_STOPPING, r_off, t);
		} else if (host_untouched(ps)) {
			reply(out, 0, "start-up aborted: off");
			if (cut(ps, out, r_off, t))
				reply(out, 0, "start-up aborted: PSU cut, holding the H2 power "
					      "button for %s", hold);
		} else {
			reply(out, 3, "busy: starting (the H2 is booting; "
				      "'h2box power force-off' cuts it now)");
		}
		return;
	case POWERSEQ_CMD_CYCLE:
		if (s == POWERSEQ_FAULT)
			break;
		if (is_self(ps)) {
			reply(out, 3, "cycle is not available in the self topology "
				      "(the H2 would cut its own power; use systemctl reboot)");
		} else if (s == POWERSEQ_ON) {
			reply(out, 0, "power cycle: powering off, on again %s after off",
			      parse_format_duration(ps->cfg.cycle_delay_ns, d, sizeof(d)));
			set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			enter(ps, out, POWERSEQ_HOST_STOPPING, r_cycle, t);
			ps->cycle_pending = true;
		} else if (s == POWERSEQ_CYCLE_WAIT || (stopping_state(s) && ps->cycle_pending)) {
			reply(out, 0, "already cycling");
		} else if (starting_state(s)) {
			reply(out, 3, "busy: starting");
		} else if (stopping_state(s)) {
			reply(out, 3, "busy: stopping");
		} else {
			reply(out, 3, "not on (use 'h2box power on')");
		}
		return;
	case POWERSEQ_CMD_FORCE_OFF:
		if (s == POWERSEQ_FAULT) {
			reply(out, 0, "already off (fault latched: %s; h2box power clear)", fault);
		} else if (s == POWERSEQ_OFF) {
			reply(out, 0, "already off");
		} else if (s == POWERSEQ_FORCE_OFF) {
			reply(out, 0, "already forcing off");
		} else if (is_self(ps) || s == POWERSEQ_CYCLE_WAIT || host_untouched(ps) ||
			   s == POWERSEQ_PSU_STOPPING) {
			reply(out, 0, "power cut");
			if (cut(ps, out, r_force, t))
				reply(out, 0, "PSU cut, holding the H2 power button for %s", hold);
		} else {
			reply(out, 0,
			      "forcing off: holding the H2 power button for %s, then cutting the PSU",
			      parse_format_duration(ps->cfg.force_off_hold_ns, d, sizeof(d)));
			set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			enter(ps, out, POWERSEQ_FORCE_OFF, r_force, t);
		}
		return;
	default:
		reply(out, 2, "unknown power command");
		return;
	}
	reply(out, 3, "fault latched: %s (h2box power clear)", fault);
}

/*
 * A fault saved before this start (reload, restart, mains loss) latches again, whatever
 * restore says: outputs as the fault left them, PS_ON released, and an H2 on its own supply
 * found running held off first (the off the fault began is finished, then it latches).  Only
 * `h2box power clear` or the first press clears it, as if it had never stopped.
 */
static void restore_fault(struct powerseq *ps, struct powerseq_output *out,
			  const struct powerseq_input *in, int64_t t)
{
	ps->fault = in->saved_fault;
	ps->fault_ns = in->saved_fault_ns < t ? in->saved_fault_ns : t;
	ps->last_fault = ps->fault;
	ps->last_fault_ns = ps->fault_ns;
	/* the file holds it already: nothing to write unless requested was not off */
	ps->saved_fault = ps->fault;
	ps->saved_fault_ns = ps->fault_ns;
	ps->psu_drop_alarm = ps->fault == POWERSEQ_FAULT_PSU_OK_DROP;
	set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (host_needs_force(ps)) {
		ps->fault_pending = true;
		ps->psu_on = false;
		enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_FINISH_OFF, t);
		return;
	}
	enter(ps, out, POWERSEQ_FAULT, POWERSEQ_R_RESTORED_FAULT, t);
}

static void startup(struct powerseq *ps, struct powerseq_output *out,
		    const struct powerseq_input *in, int64_t t)
{
	const struct power_config *c = &ps->cfg;
	bool on;

	ps->started = true;
	ps->psu_ok = in->psu_ok;
	ps->has_host_alive = in->has_host_alive;
	ps->alive.stable = in->has_host_alive && in->host_alive;
	ps->button.stable = in->button;
	ps->press_armed = false; /* a button held (or stuck) at start-up is not a press */
	ps->requested = in->last_requested;
	ps->since_ns = t;

	if (in->saved_fault != POWERSEQ_FAULT_NONE) {
		if (!is_self(ps) || !in->psu_ok) {
			/* controller: PS_ON was opened following PWR_OK; self: not asserted */
			ps->psu_on = !is_self(ps) && in->psu_ok;
			restore_fault(ps, out, in, t);
			return;
		}
		/*
		 * Self with the supply up: h2boxd runs on the H2, which the SFX may feed, so
		 * releasing PS_ON could cut the very host that was just powered on by hand.  The
		 * fault is not latched again; it stays the last fault, and leaves the state file.
		 */
		ps->last_fault = in->saved_fault;
		ps->last_fault_ns = in->saved_fault_ns < t ? in->saved_fault_ns : t;
		ps->saved_fault = in->saved_fault;
		ps->saved_fault_ns = ps->last_fault_ns;
	}
	if (is_self(ps) && in->has_host_alive && !in->host_alive) {
		/* The simulator's H2 is dark: no h2boxd would run; wait for the H2 to boot. */
		ps->psu_on = false;
		enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_STARTUP, t);
		return;
	}
	if (is_self(ps)) {
		/* We run on the H2: it is up, so the box is meant to be on. */
		ps->psu_on = in->psu_ok; /* the service opens PS_ON asserted; see PSU_STARTING */
		set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_STARTUP, t);
		return;
	}
	/* The service opens PS_ON following PWR_OK, so a daemon restart never cuts the box. */
	ps->psu_on = in->psu_ok;
	if (in->psu_ok) {
		if (ps->alive.stable)
			enter(ps, out, POWERSEQ_ON, POWERSEQ_R_ADOPT, t);
		else if (in->last_requested == POWERSEQ_REQUESTED_ON)
			enter(ps, out, POWERSEQ_HOST_STARTING, POWERSEQ_R_ADOPT, t);
		else
			enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_ADOPT, t);
		return;
	}
	if (ps->alive.stable) {
		/*
		 * The H2 runs with the PSU off.  With its own supply (brick build) an off or a
		 * fault was cut short (daemon stopped or killed during the force-off hold, or the
		 * hold ran out), or the H2 was started by hand or by its firmware while no daemon
		 * watched.  Only the saved request tells these apart.  Off: finish the off (PSU
		 * left off, the H2 held off) rather than power the NIC up under it.  On or
		 * unknown: join it, whatever restore says: restore decides whether a dark box
		 * starts, and a force-off is a hard power cut for a running OS, never taken on a
		 * guess.  restore = on joins even after an off, as it starts a dark box after one.
		 * A PSU-fed H2 cannot run with PWR_OK down; there a lit LED brings the PSU up.
		 */
		if (c->host_supply == POWER_HOST_SUPPLY_OWN && c->restore != POWER_RESTORE_ON &&
		    in->last_requested == POWERSEQ_REQUESTED_OFF) {
			enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_FINISH_OFF, t);
			return;
		}
		set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_ADOPT, t);
		return;
	}
	on = c->restore == POWER_RESTORE_ON ||
	     (c->restore == POWER_RESTORE_LAST && in->last_requested == POWERSEQ_REQUESTED_ON);
	if (on) {
		set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_RESTORE, t);
	} else {
		enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_STARTUP, t);
	}
}

/*
 * Self topology, the simulator: the H2 booted and its OS is up.  h2boxd starts over as a
 * daemon started at this boot would, from what it would find: the lines as they are, the
 * state file's requested state and fault.
 */
static void self_daemon_starts(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const struct powerseq_input in = {
		.event = POWERSEQ_EV_STARTUP,
		.psu_ok = ps->psu_ok,
		.host_alive = true,
		.has_host_alive = true,
		.button = ps->button.stable,
		.last_requested = ps->requested,
		.saved_fault = ps->saved_fault,
		.saved_fault_ns = ps->saved_fault_ns,
	};

	ps->fault = POWERSEQ_FAULT_NONE;
	ps->fault_pending = false;
	ps->cycle_pending = false;
	ps->psu_drop_alarm = false;
	ps->warnings = 0;
	startup(ps, out, &in, t);
}

/*
 * The fault goes into the state file from the moment it is named (with an own-supply H2, before
 * it latches) until it is cleared, so a reload, restart or mains loss brings it back.
 */
static void sync_saved(struct powerseq *ps, struct powerseq_output *out)
{
	if (ps->fault == ps->saved_fault &&
	    (ps->fault == POWERSEQ_FAULT_NONE || ps->fault_ns == ps->saved_fault_ns))
		return;
	ps->saved_fault = ps->fault;
	ps->saved_fault_ns = ps->fault == POWERSEQ_FAULT_NONE ? 0 : ps->fault_ns;
	out->requests |= POWERSEQ_REQ_SAVE;
}

static void fill_levels(const struct powerseq *ps, struct powerseq_output *out)
{
	out->psu_on = ps->psu_on;
	out->host_button = ps->host_button;
	out->led_code = 0;
	switch (ps->state) {
	case POWERSEQ_OFF:
		out->led = POWERSEQ_LED_OFF;
		break;
	case POWERSEQ_ON:
		out->led = POWERSEQ_LED_ON;
		break;
	case POWERSEQ_FAULT:
		out->led = POWERSEQ_LED_BLINK_CODE;
		out->led_code = (int)ps->fault;
		break;
	case POWERSEQ_FORCE_OFF:
		/* The fault shows from the start, not only once the H2 is off. */
		out->led = ps->fault_pending ? POWERSEQ_LED_BLINK_CODE : POWERSEQ_LED_BLINK;
		out->led_code = ps->fault_pending ? (int)ps->fault : 0;
		break;
	default:
		out->led = POWERSEQ_LED_BLINK;
		break;
	}
	out->next_deadline_ns = ps->started ? next_due(ps) : NEVER;
}

int powerseq_step(struct powerseq *ps, const struct powerseq_input *in, int64_t now_ns,
		  struct powerseq_output *out)
{
	int64_t ts;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->requested = ps->requested;
	if (now_ns < ps->now_ns)
		now_ns = ps->now_ns; /* time never runs backwards inside the machine */
	if (!ps->started && in->event != POWERSEQ_EV_STARTUP) {
		r = -EINVAL;
		goto done;
	}
	if (ps->started && in->event == POWERSEQ_EV_STARTUP) {
		r = -EALREADY;
		goto done;
	}
	ts = in->stamped ? in->ts_ns : now_ns;
	if (ts > now_ns) {
		r = -EINVAL;
		goto done;
	}
	if (ts < ps->now_ns)
		ts = ps->now_ns;

	if (in->event == POWERSEQ_EV_STARTUP) {
		ps->now_ns = now_ns;
		startup(ps, out, in, now_ns);
		advance(ps, out, now_ns);
		goto done;
	}
	/* Whatever was due before the edge happened first. */
	advance(ps, out, ts);
	switch (in->event) {
	case POWERSEQ_EV_BUTTON:
		debounce_edge(&ps->button, in->level, ts);
		break;
	case POWERSEQ_EV_HOST_ALIVE:
		ps->has_host_alive = true;
		debounce_edge(&ps->alive, in->level, ts);
		break;
	case POWERSEQ_EV_PSU_OK:
		if (in->level != ps->psu_ok)
			psu_ok_changed(ps, out, in->level, ts);
		break;
	case POWERSEQ_EV_COMMAND:
		command(ps, out, in->command, in->cause, ts);
		break;
	case POWERSEQ_EV_NIC:
		if (ps->state != POWERSEQ_NIC_WAIT)
			break;
		if (in->level) {
			enter(ps, out, POWERSEQ_IB_WAIT, POWERSEQ_R_NIC_PRESENT, ts);
		} else {
			out->requests |= POWERSEQ_REQ_PCI_RESCAN;
			ps->poll_ns = add_sat(ts, ps->cfg.nic_poll_ns);
		}
		break;
	case POWERSEQ_EV_HOST_UP:
		if (ps->state != POWERSEQ_HOST_STARTING || !is_self(ps))
			break;
		if (in->level)
			self_daemon_starts(ps, out, ts);
		else
			ps->poll_ns = add_sat(ts, ps->cfg.ib_poll_ns);
		break;
	case POWERSEQ_EV_IB:
		if (ps->state != POWERSEQ_IB_WAIT)
			break;
		if (in->level)
			enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_ACTIVE, ts);
		else
			ps->poll_ns = add_sat(ts, ps->cfg.ib_poll_ns);
		break;
	default:
		break;
	}
	advance(ps, out, now_ns);
done:
	if (ps->started)
		sync_saved(ps, out);
	out->requested = ps->requested;
	out->fault = ps->saved_fault;
	out->fault_ns = ps->saved_fault_ns;
	fill_levels(ps, out);
	return r;
}
