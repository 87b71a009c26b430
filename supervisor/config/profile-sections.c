/* profile-sections.c - dispatch of profile sections to the services that own them. */
#include "supervisor/config/profile.h"
#include "supervisor/config/fan-config.h"

#include "supervisor/config/conf-section.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "input nic" -> matches prefix "input" with an instance name. */
static bool section_matches(const char *section, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(section, prefix, n) == 0 && (section[n] == '\0' || section[n] == ' ');
}

struct profile_section_owner {
	const char *prefixes[8];
	void (*defaults)(struct profile *p);
	int (*set)(struct profile *p, const char *section, const char *key, const char *value,
		   int line, char *err, size_t errlen);
	int (*validate)(const struct profile *p, int *line, char *err, size_t errlen);
	void (*keys_each)(conf_keys_each_fn fn, void *ctx);
};

/* ---- adapters from the profile to each service's config ---- */

static void power_defaults(struct profile *p)
{
	power_config_defaults(&p->power);
}

static int power_set(struct profile *p, const char *section, const char *key, const char *value,
		     int line, char *err, size_t errlen)
{
	return power_config_set(&p->power, section, key, value, line, err, errlen);
}

static int power_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	/* no [power] and no [gpio]: nothing to sequence, so no line is required */
	if (!p->power.wired)
		return 0;
	return power_config_validate(&p->power, line, err, errlen);
}

static void fan_defaults(struct profile *p)
{
	fan_config_defaults(&p->fan);
}

static int fan_set(struct profile *p, const char *section, const char *key, const char *value,
		   int line, char *err, size_t errlen)
{
	return fan_config_set(&p->fan, section, key, value, line, err, errlen);
}

static int fan_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	return fan_config_validate(&p->fan, line, err, errlen);
}

static void watts_defaults(struct profile *p)
{
	watts_config_defaults(&p->watts);
}

static int watts_set(struct profile *p, const char *section, const char *key, const char *value,
		     int line, char *err, size_t errlen)
{
	return watts_config_set(&p->watts, section, key, value, line, err, errlen);
}

static int watts_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	return watts_config_validate(&p->watts, line, err, errlen);
}

static void ib_defaults(struct profile *p)
{
	ib_config_defaults(&p->ib);
}

static int ib_set(struct profile *p, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen)
{
	return ib_config_set(&p->ib, section, key, value, line, err, errlen);
}

static int ib_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	return ib_config_validate(&p->ib, line, err, errlen);
}

static void metrics_defaults(struct profile *p)
{
	metrics_config_defaults(&p->metrics);
}

static int metrics_set(struct profile *p, const char *section, const char *key,
		       const char *value, int line, char *err, size_t errlen)
{
	return metrics_config_set(&p->metrics, section, key, value, line, err, errlen);
}

static void mqtt_defaults(struct profile *p)
{
	mqtt_config_defaults(&p->mqtt);
}

static int mqtt_set(struct profile *p, const char *section, const char *key, const char *value,
		    int line, char *err, size_t errlen)
{
	return mqtt_config_set(&p->mqtt, section, key, value, line, err, errlen);
}

static int mqtt_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	return mqtt_config_validate(&p->mqtt, line, err, errlen);
}

static const struct profile_section_owner owners[] = {
	{ .prefixes = { "power", "gpio", NULL }, power_defaults, power_set, power_validate,
	  power_config_keys_each },
	{ .prefixes = { "ib", NULL }, ib_defaults, ib_set, ib_validate, ib_config_keys_each },
	{ .prefixes = { "metrics", NULL }, metrics_defaults, metrics_set, NULL,
	  metrics_config_keys_each },
	{ .prefixes = { "watts", "monitor", "budget", "throttle", "thermal", "alarm", "alerts", NULL },
	  watts_defaults, watts_set, watts_validate, watts_config_keys_each },
	{ .prefixes = { "fan", "input", "curve", "fanprofile", "fanschedule", "schedule", NULL },
	  fan_defaults, fan_set, fan_validate, fan_config_keys_each },
	{ .prefixes = { "mqtt", NULL }, mqtt_defaults, mqtt_set, mqtt_validate,
	  mqtt_config_keys_each },
};

/* One section under two names; the second is the one the services document. */
static const struct {
	const char *kind, *canon;
} section_aliases[] = {
	{ "schedule", "fanschedule" },
	{ "alarm", "thermal" },
};

/* One setting under two names (section kinds after the aliases above). */
static const struct {
	const char *kind, *key, *canon_section, *canon_key;
} key_aliases[] = {
	{ "fan", "profile", "fanschedule", "default" },
	{ "fanschedule", "profile", "fanschedule", "default" },
	{ "throttle", "interface", NULL, "interfaces" },
};

int profile_sections_normalize(const char *section, char *norm, size_t normlen, char *err,
			       size_t errlen)
{
	struct conf_section cs;
	int n;

	if (conf_section_parse(section, &cs, err, errlen) < 0)
		return -EINVAL;
	n = snprintf(norm, normlen, "%s%s%s", cs.kind, cs.name[0] ? " " : "", cs.name);
	return n >= 0 && (size_t)n < normlen ? 0 : -ERANGE;
}

void profile_sections_canonical(const char *section, const char *key, char *norm, size_t normlen,
				char *canon, size_t canonlen, const char **ckey)
{
	size_t n = 0, kl;
	const char *p;

	assert(normlen > 0 && canonlen > 0);
	if (profile_sections_normalize(section, norm, normlen, NULL, 0) < 0) {
		/* not a header conf_section_parse takes (reported elsewhere): blanks collapsed */
		for (p = section; *p == ' ' || *p == '\t'; p++)
			;
		for (; *p && n + 1 < normlen; p++) {
			bool ws = *p == ' ' || *p == '\t';

			if (ws && (n == 0 || norm[n - 1] == ' '))
				continue;
			norm[n++] = ws ? ' ' : *p;
		}
		while (n > 0 && norm[n - 1] == ' ')
			n--;
		norm[n] = '\0';
	}
	snprintf(canon, canonlen, "%s", norm);
	for (size_t i = 0; i < sizeof(section_aliases) / sizeof(section_aliases[0]); i++) {
		kl = strlen(section_aliases[i].kind);
		if (strncmp(norm, section_aliases[i].kind, kl) == 0 &&
		    (norm[kl] == '\0' || norm[kl] == ' '))
			snprintf(canon, canonlen, "%s%s", section_aliases[i].canon, norm + kl);
	}
	*ckey = key ? key : "";
	if (!key)
		return;
	for (size_t i = 0; i < sizeof(key_aliases) / sizeof(key_aliases[0]); i++) {
		if (!section_matches(canon, key_aliases[i].kind) || strcmp(key, key_aliases[i].key))
			continue;
		if (key_aliases[i].canon_section)
			snprintf(canon, canonlen, "%s", key_aliases[i].canon_section);
		*ckey = key_aliases[i].canon_key;
		return;
	}
}

#define DEFAULT_STATE_DIR "/var/lib/h2box/"

static void relocate(char *path, size_t len, const char *dir)
{
	char tmp[2 * PROFILE_PATH_MAX + 2];
	int n;

	if (strncmp(path, DEFAULT_STATE_DIR, strlen(DEFAULT_STATE_DIR)) != 0)
		return;
	n = snprintf(tmp, sizeof(tmp), "%s/%s", dir, path + strlen(DEFAULT_STATE_DIR));
	if (n > 0 && (size_t)n < len)
		memcpy(path, tmp, (size_t)n + 1);
}

void profile_sections_finalize(struct profile *p)
{
	const char *dir = p->daemon.state_dir;

	if (strcmp(dir, "/var/lib/h2box") == 0)
		return;
	relocate(p->power.state_file, sizeof(p->power.state_file), dir);
	relocate(p->watts.state_file, sizeof(p->watts.state_file), dir);
}

bool profile_sections_known(const char *section)
{
	char norm[CONF_KIND_MAX + CONF_NAME_MAX + 1];

	if (profile_sections_normalize(section, norm, sizeof(norm), NULL, 0) < 0)
		return false;
	section = norm;
	if (strcmp(section, "daemon") == 0 || strcmp(section, "sim") == 0)
		return true;
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		for (int k = 0; owners[i].prefixes[k]; k++)
			if (section_matches(section, owners[i].prefixes[k]))
				return true;
	return false;
}

void profile_sections_defaults(struct profile *p)
{
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		if (owners[i].defaults)
			owners[i].defaults(p);
}

int profile_sections_set(struct profile *p, const char *section, const char *key,
			 const char *value, int line, char *err, size_t errlen)
{
	char norm[CONF_KIND_MAX + CONF_NAME_MAX + 1];

	/* every owner sees the header in one form: "kind" or "kind name" */
	if (profile_sections_normalize(section, norm, sizeof(norm), err, errlen) < 0)
		return -EINVAL;
	section = norm;
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		for (int k = 0; owners[i].prefixes[k]; k++)
			if (section_matches(section, owners[i].prefixes[k]))
				return owners[i].set(p, section, key, value, line, err, errlen);
	return -ENOENT;
}

void profile_sections_keys_each(conf_keys_each_fn fn, void *ctx)
{
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		owners[i].keys_each(fn, ctx);
}

int profile_sections_validate(const struct profile *p, int *line, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		int r = owners[i].validate ? owners[i].validate(p, line, err, errlen) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}
