/* fan-config.h - the fan's profile sections: defaults, key parsing, validation. */
#ifndef H2BOX_FAN_CONFIG_H
#define H2BOX_FAN_CONFIG_H

#include <stddef.h>

#include "supervisor/config/conf-keys.h"
#include "supervisor/policy/fanctl.h" /* struct fan_config and the sections' key list */

void fan_config_defaults(struct fan_config *c);
/* Sections: "fan", "input NAME", "curve NAME", "fanprofile NAME", "fanschedule", "schedule". */
int fan_config_set(struct fan_config *c, const char *section, const char *key, const char *value,
		   int line, char *err, size_t errlen);
/*
 * Every key of [fan], [input NAME], [curve NAME], [fanprofile NAME] and [fanschedule] (whose
 * other keys are profile names, not keys; [fan] profile is [fanschedule]'s default).
 */
void fan_config_keys_each(conf_keys_each_fn fn, void *ctx);
int fan_config_validate(const struct fan_config *c, int *line, char *err, size_t errlen);

#endif
