/* profile-sections.h - which service owns which profile sections (the list grows with services). */
#ifndef H2BOX_PROFILE_SECTIONS_H
#define H2BOX_PROFILE_SECTIONS_H

/*
 * Each service keeps its configuration type in its own header and exposes
 * X_config_defaults/_set/_validate; the profile embeds one of each.  Adding
 * a service means one include and one line here plus one row in
 * profile-sections.c.
 */
#include "supervisor/policy/fanctl.h"
#include "supervisor/config/ib-config.h"
#include "supervisor/config/metrics-config.h"
#include "supervisor/config/mqtt-config.h"
#include "supervisor/config/power-config.h"
#include "supervisor/config/watts-config.h"

#define PROFILE_SERVICE_CONFIGS \
	struct power_config power; \
	struct fan_config fan; \
	struct watts_config watts; \
	struct ib_config ib; \
	struct metrics_config metrics; \
	struct mqtt_config mqtt;

#include <stdbool.h>
#include <stddef.h>

struct profile;

bool profile_sections_known(const char *section);
void profile_sections_defaults(struct profile *p);
int profile_sections_set(struct profile *p, const char *section, const char *key,
			 const char *value, int line, char *err, size_t errlen);
int profile_sections_validate(const struct profile *p, int *line, char *err, size_t errlen);
/*
 * A header in its one form, "kind" or "kind name" ([ input  "nic" ] is "input nic"): 0, or
 * -EINVAL with the reason in err (conf_section_parse()).
 */
int profile_sections_normalize(const char *section, char *norm, size_t normlen, char *err,
			       size_t errlen);
/*
 * The names a repeat is found by: whitespace inside the section name
 * collapsed to one space (norm), then the aliases resolved (canon):
 * [schedule] is [fanschedule], [alarm X] is [thermal X], [fan] profile and
 * [fanschedule] profile are [fanschedule] default, [throttle X] interface is
 * interfaces.  key may be NULL (a section header); *ckey is then "".
 */
void profile_sections_canonical(const char *section, const char *key, char *norm, size_t normlen,
				char *canon, size_t canonlen, const char **ckey);
/* Every key of the services' sections, by owner (conf_keys_each()). */
void profile_sections_keys_each(conf_keys_each_fn fn, void *ctx);
/* State files left at their /var/lib/h2box defaults move to the profile's state_dir. */
void profile_sections_finalize(struct profile *p);

#endif
