/* conf-section.h - one reading of a profile section header: its kind and its instance name. */
#ifndef H2BOX_CONF_SECTION_H
#define H2BOX_CONF_SECTION_H

#include <stdbool.h>
#include <stddef.h>

/* An instance name: 1..CONF_NAME_MAX-1 of letters, digits, '-', '_', '.'. */
#define CONF_NAME_MAX 32
#define CONF_KIND_MAX 32

struct conf_section {
	char kind[CONF_KIND_MAX]; /* "input", "monitor", "daemon" */
	char name[CONF_NAME_MAX]; /* "nic", "h2"; "" when the header has none */
};

/*
 * Every section header is read the same way, whichever service owns it: blanks around and
 * between the words do not matter, and the name may stand in double quotes, so [input nic],
 * [input "nic"] and [ input   "nic" ] are one section.  -EINVAL with a message in err for a
 * header of more than two words, an unbalanced quote, an empty or too long kind, or a name
 * conf_name_check() refuses.
 */
int conf_section_parse(const char *section, struct conf_section *out, char *err, size_t errlen);

/* The one rule for instance names (sections, curves, profiles, throttle steps). 0 or -EINVAL. */
int conf_name_check(const char *name, char *err, size_t errlen);

#endif
