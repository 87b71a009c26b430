/* profile-sections.c - dispatch of profile sections to the services that own them. */
#include "supervisor/profile.h"

#include <errno.h>
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
};

static const struct profile_section_owner owners[] = {
	{ .prefixes = { NULL } },
};

bool profile_sections_known(const char *section)
{
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
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		for (int k = 0; owners[i].prefixes[k]; k++)
			if (section_matches(section, owners[i].prefixes[k]))
				return owners[i].set(p, section, key, value, line, err, errlen);
	return -ENOENT;
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
