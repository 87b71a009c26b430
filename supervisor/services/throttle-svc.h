/* throttle-svc.h - one step of the throttle ladder: a knob (drivers/throttle) or a hook command. */
#ifndef H2BOX_THROTTLE_SVC_H
#define H2BOX_THROTTLE_SVC_H

#include <stdbool.h>

#include "drivers/throttle.h"

struct hw;
struct loop;
struct throttle_svc;

/*
 * Knobs (tbf, cpufreq, pstate, rapl) go to the driver; a hook is a command this service starts
 * as a child of the loop (runtime/child.h) with "apply" or "undo" appended, split by the profile's
 * one rule (watts_config_command_split).  Nothing here waits for a hook: a run still going when
 * the other verb is asked for is followed by that verb once it ends (apply and undo never race;
 * asking back and forth in between leaves only the last wish), and a run past hook_timeout is
 * killed with its process group.  How a run ended is logged when it is not a clean 0.
 */
int throttle_svc_new(struct loop *l, struct hw *hw, const struct throttle_config *cfg,
		     struct throttle_svc **out);
/*
 * Undoes an applied step first and waits for an undo hook (it restores the box) at most
 * CHILD_STOP_WAIT_NS or hook_timeout if shorter, real time (the loop does not run at stop or
 * reload); an apply run still going is ended at once, since the undo follows it.
 */
void throttle_svc_free(struct throttle_svc *t);
int throttle_svc_apply(struct throttle_svc *t);
int throttle_svc_undo(struct throttle_svc *t);
bool throttle_svc_applied(const struct throttle_svc *t);
enum throttle_kind throttle_svc_kind(const struct throttle_svc *t);
const char *throttle_svc_name(const struct throttle_svc *t);
const char *throttle_svc_describe(const struct throttle_svc *t);
const char *throttle_svc_strerror(const struct throttle_svc *t, int r);
/* A hook run in progress (tests, status). */
bool throttle_svc_running(const struct throttle_svc *t);

#endif
