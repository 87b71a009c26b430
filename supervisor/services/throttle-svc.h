/* throttle-svc.h - one step of the throttle ladder: a knob (drivers/throttle) or a hook command. */
#ifndef H2BOX_THROTTLE_SVC_H
#define H2BOX_THROTTLE_SVC_H

#include <stdbool.h>

#include "drivers/throttle.h"

struct hw;
struct throttle_svc;

/*
 * Knobs (tbf, cpufreq, pstate, rapl) go to the driver; a hook is a command this service starts
 * through spawn_start() with "apply" or "undo" appended, split by the profile's one rule
 * (watts_config_command_split).  A run waits for the previous one so apply and undo never race;
 * a non-zero exit is logged when the child is reaped.
 */
int throttle_svc_new(struct hw *hw, const struct throttle_config *cfg, struct throttle_svc **out);
/* Undoes an applied step first and waits for an undo hook: it restores the box. */
void throttle_svc_free(struct throttle_svc *t);
int throttle_svc_apply(struct throttle_svc *t);
int throttle_svc_undo(struct throttle_svc *t);
bool throttle_svc_applied(const struct throttle_svc *t);
enum throttle_kind throttle_svc_kind(const struct throttle_svc *t);
const char *throttle_svc_name(const struct throttle_svc *t);
const char *throttle_svc_describe(const struct throttle_svc *t);
const char *throttle_svc_strerror(const struct throttle_svc *t, int r);
/* Reap a finished hook without blocking (each sample). */
void throttle_svc_poll(struct throttle_svc *t);

#endif
