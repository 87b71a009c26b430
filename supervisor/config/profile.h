/* profile.h - a box profile: INI file (inih) -> validated configuration of every service. */
#ifndef H2BOX_PROFILE_H
#define H2BOX_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/sim/plant.h"
#include "supervisor/config/profile-sections.h"

#define PROFILE_PATH_MAX 256
#define PROFILE_ERRORS_MAX 16

/* [daemon] */
struct daemon_config {
	bool sim;                       /* backend = sim | linux */
	char socket[108];               /* control socket path ("" = the default for this user) */
	char state_dir[PROFILE_PATH_MAX];
	char name[64];                  /* a human name for the box, shown in status */
	int64_t status_period_ns;       /* STATUS= and the status line refresh */
	/*
	 * i2c_instantiate = yes: create the kernel devices of the I2C chips the profile names by
	 * bus and address ("emc2305-i2c-1-2e") when absent, at start and reload (config/i2c-plan.h)
	 */
	bool i2c_instantiate;
};

/* [sim] - only meaningful with backend = sim */
struct sim_config {
	struct sim_plant_config plant;
	char workload[32];
};

struct profile {
	char path[PROFILE_PATH_MAX];
	struct daemon_config daemon;
	struct sim_config sim;
	PROFILE_SERVICE_CONFIGS
};

/*
 * Errors as "file:line: message", one per line, at most PROFILE_ERRORS_MAX.
 * Warnings ("file:line: warning: message") name keys that load but can never
 * take effect (shadowed by another key, or irrelevant in this build); they do
 * not reject the profile.
 */
#define PROFILE_WARNINGS_MAX 16
struct profile_errors {
	int count;
	char msg[PROFILE_ERRORS_MAX][320];
	int nwarnings;
	char warning[PROFILE_WARNINGS_MAX][320];
};

/* Load and validate.  0, or -EINVAL with errs filled, or -errno when the file cannot be read. */
int profile_load_file(const char *path, struct profile *p, struct profile_errors *errs);
/* The same from text in memory (the built-in default profile); name is used in messages. */
int profile_load_string(const char *name, const char *text, struct profile *p,
			struct profile_errors *errs);
void profile_defaults(struct profile *p);
/* Every section and key a profile accepts: [daemon], [sim], then the services' (conf_keys_each()). */
void profile_keys_each(conf_keys_each_fn fn, void *ctx);

#endif
