/* conf-keys.c - table-driven profile keys: a section's keys, their types, bounds and where they go. */
#include "supervisor/config/conf-keys.h"

#include "supervisor/util/parse.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


const struct conf_key *conf_keys_find(const struct conf_key *table, const char *key)
{
	for (const struct conf_key *k = table; k->name; k++)
		if (!strcmp(k->name, key))
			return k;
	return NULL;
}

void conf_keys_each(const struct conf_key *table, const char *section, conf_keys_each_fn fn,
		    void *ctx)
{
	for (const struct conf_key *k = table; k->name; k++)
		fn(section, k->name, ctx);
}

static int conf_keys_enum(const struct conf_key *k, int *field, const char *value, char *err,
			  size_t errlen)
{
	char list[160] = "";
	size_t n = 0;

	for (const struct conf_enum *e = k->names; e->name; e++) {
		if (!strcmp(e->name, value)) {
			*field = e->value;
			return 0;
		}
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s'%s'",
				      e == k->names ? "" : (e[1].name ? ", " : " or "), e->name);
		if (n >= sizeof(list))
			n = sizeof(list) - 1;
	}
	/* the profile loader puts "key: " in front of every message */
	return parse_error(-EINVAL, err, errlen, "must be %s, got '%s'", list, value);
}

/*
 * A table's double bound as an unsigned long.  (double)ULONG_MAX, the natural "no limit", rounds
 * up to 2^64, which does not convert back (undefined; gcc on x86-64 made it 0): it saturates.
 */
static unsigned long conf_keys_ulong_bound(double v)
{
	if (!(v > 0))
		return 0;
	return v >= (double)ULONG_MAX ? ULONG_MAX : (unsigned long)v;
}

int conf_keys_set(const struct conf_key *table, void *obj, const char *key, const char *value,
		  char *err, size_t errlen)
{
	const struct conf_key *k = conf_keys_find(table, key);
	char *field;
	long l;
	int r;

	if (!k)
		return -ENOENT;
	field = (char *)obj + k->offset;
	switch (k->type) {
	case CONF_BOOL:
		return parse_bool(value, (bool *)field, err, errlen);
	case CONF_INT:
		if (k->size != sizeof(int))
			return parse_int(value, (long)k->min, (long)k->max, (long *)field, err,
					 errlen);
		assert(k->min >= INT_MIN && k->max <= INT_MAX);
		r = parse_int(value, (long)k->min, (long)k->max, &l, err, errlen);
		if (r == 0)
			*(int *)field = (int)l;
		return r;
	case CONF_UINT:
		return parse_uint_any_base(value, conf_keys_ulong_bound(k->min),
					   conf_keys_ulong_bound(k->max),
					   (unsigned long *)field, err, errlen);
	case CONF_DOUBLE:
		return parse_double(value, k->min, k->max, (double *)field, err, errlen);
	case CONF_DOUBLE_OFF:
		if (!strcasecmp(value, "off") || !strcasecmp(value, "none")) {
			*(double *)field = NAN;
			return 0;
		}
		return parse_double(value, k->min, k->max, (double *)field, err, errlen);
	case CONF_PERCENT:
		return parse_percent(value, k->min, k->max, (double *)field, err, errlen);
	case CONF_DURATION:
		return parse_duration_ns(value, (int64_t)k->min, (int64_t)k->max, (int64_t *)field,
					 err, errlen);
	case CONF_PATH:
		if (value[0] != '/')
			return parse_error(-EINVAL, err, errlen, "must be an absolute path");
		/* fall through */
	case CONF_STRING:
		return parse_string(value, field, k->size, err, errlen);
	case CONF_ENUM:
		return conf_keys_enum(k, (int *)field, value, err, errlen);
	case CONF_CUSTOM:
		assert(k->fn);
		return k->fn(obj, value, err, errlen);
	case CONF_PATH_OPT:
		if (!value[0]) {
			field[0] = '\0';
			return 0;
		}
		if (value[0] != '/')
			return parse_error(-EINVAL, err, errlen,
					   "must be an absolute path (or empty for none)");
		return parse_string(value, field, k->size, err, errlen);
	}
	return -EINVAL;
}
