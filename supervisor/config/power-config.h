/* power-config.h - the [power] and [gpio] profile sections; the struct is policy/powerseq.h's. */
#ifndef H2BOX_POWER_CONFIG_H
#define H2BOX_POWER_CONFIG_H

#include <stddef.h>

#include "supervisor/config/conf-keys.h"

#include "supervisor/policy/powerseq.h"

void power_config_defaults(struct power_config *c);
/* Sections "power" and "gpio".  0, -ENOENT for an unknown key, or -errno with err set. */
int power_config_set(struct power_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen);
/* Every [power] and [gpio] key (conf_keys_each()). */
void power_config_keys_each(conf_keys_each_fn fn, void *ctx);
int power_config_validate(const struct power_config *c, int *line, char *err, size_t errlen);
const char *power_config_topology_name(enum power_topology t);
const char *power_config_restore_name(enum power_restore r);
const char *power_config_host_supply_name(enum power_host_supply h);

#endif
