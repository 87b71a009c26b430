/* conf-section.c - one reading of a profile section header: its kind and its instance name. */
#include "supervisor/config/conf-section.h"

#include "supervisor/util/parse.h"

#include <errno.h>
#include <string.h>

static bool conf_blank(char c)
{
	return c == ' ' || c == '\t';
}

int conf_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (n == 0)
		return parse_error(-EINVAL, err, errlen, "empty name");
	if (n >= CONF_NAME_MAX)
		return parse_error(-EINVAL, err, errlen, "name '%s' is longer than %d characters",
				   name, CONF_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return parse_error(-EINVAL, err, errlen,
					   "name '%s': use letters, digits, '-', '_', '.'", name);
	return 0;
}

int conf_section_parse(const char *section, struct conf_section *out, char *err, size_t errlen)
{
	const char *p = section, *start;
	char why[96];
	size_t n;

	memset(out, 0, sizeof(*out));
	while (conf_blank(*p))
		p++;
	start = p;
	while (*p && !conf_blank(*p) && *p != '"')
		p++;
	n = (size_t)(p - start);
	if (n == 0 || n >= sizeof(out->kind))
		return parse_error(-EINVAL, err, errlen, "bad section name [%s]", section);
	memcpy(out->kind, start, n);
	while (conf_blank(*p))
		p++;
	if (!*p)
		return 0;
	if (*p == '"') {
		start = ++p;
		p = strchr(p, '"');
		if (!p)
			return parse_error(-EINVAL, err, errlen, "[%s]: unbalanced quote", section);
		n = (size_t)(p - start);
		p++;
	} else {
		start = p;
		while (*p && !conf_blank(*p))
			p++;
		n = (size_t)(p - start);
	}
	while (conf_blank(*p))
		p++;
	if (*p)
		return parse_error(-EINVAL, err, errlen,
				   "[%s]: a section is a kind and at most one name", section);
	if (n >= sizeof(out->name))
		return parse_error(-EINVAL, err, errlen, "[%s]: name longer than %d characters",
				   section, CONF_NAME_MAX - 1);
	memcpy(out->name, start, n);
	out->name[n] = '\0';
	if (conf_name_check(out->name, why, sizeof(why)) < 0)
		return parse_error(-EINVAL, err, errlen, "[%s]: %s", section, why);
	return 0;
}
