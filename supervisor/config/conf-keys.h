/* conf-keys.h - table-driven profile keys: a section's keys, their types, bounds and where they go. */
#ifndef H2BOX_CONF_KEYS_H
#define H2BOX_CONF_KEYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A section's keys are a table, not a chain of strcmp: each row names the key, its type, its
 * bounds and the field it fills (an offset into the section's struct).  conf_keys_set() finds
 * the row and parses the value with the one parser of that type (util/parse.h), so every
 * section accepts durations, percentages and booleans the same way and says so the same way.
 * Keys that need more than a type and bounds (one value filling two fields, a cross-check) use
 * CONF_CUSTOM with a function of their own.
 */
enum conf_type {
	CONF_BOOL,     /* bool */
	CONF_INT,      /* long (an int when size is sizeof(int)), within [min, max] */
	CONF_UINT,     /* unsigned long, decimal or 0x hex, within [min, max] */
	CONF_DOUBLE,   /* double, within [min, max] */
	CONF_DOUBLE_OFF, /* double within [min, max], or "off"/"none" for NAN (no threshold) */
	CONF_PERCENT,  /* double, "35" or "35%", within [min, max] */
	CONF_DURATION, /* int64_t ns, within [min, max] (seconds given as ns) */
	CONF_STRING,   /* char[size], non-empty */
	CONF_PATH,     /* char[size], an absolute path */
	CONF_ENUM,     /* int, one of names[] */
	CONF_CUSTOM,   /* fn(obj, value, err, errlen) */
	CONF_PATH_OPT, /* char[size], an absolute path, or "" for none */
};

struct conf_enum {
	const char *name;
	int value;
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;                 /* of the field in the section's struct */
	size_t size;                   /* CONF_STRING / CONF_PATH: the buffer's; CONF_INT: the field's */
	double min, max;               /* numbers, durations (ns) */
	const struct conf_enum *names; /* CONF_ENUM: terminated by a NULL name */
	int (*fn)(void *obj, const char *value, char *err, size_t errlen); /* CONF_CUSTOM */
};

#define CONF_KEY_END { .name = NULL }

/* Set key of obj from value.  0, -ENOENT when the table has no such key, or -EINVAL/-ERANGE. */
int conf_keys_set(const struct conf_key *table, void *obj, const char *key, const char *value,
		  char *err, size_t errlen);
/* The row for key, NULL if none (to say which keys a section has, or to check a name). */
const struct conf_key *conf_keys_find(const struct conf_key *table, const char *key);

/*
 * Read-only walk of the keys a profile accepts, for the manual's check (tests/tools/conf-keys):
 * section is "kind" or "kind NAME" (NAME standing for any instance name), key a row's name.
 */
typedef void (*conf_keys_each_fn)(const char *section, const char *key, void *ctx);
void conf_keys_each(const struct conf_key *table, const char *section, conf_keys_each_fn fn,
		    void *ctx);

#endif
