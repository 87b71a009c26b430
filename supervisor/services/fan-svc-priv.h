/* fan-svc-priv.h - the fan service's state, shared by its wiring, status and verbs files. */
#ifndef H2BOX_FAN_SVC_PRIV_H
#define H2BOX_FAN_SVC_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/nic_fan.h"
#include "drivers/temp_input.h"
#include "supervisor/config/profile.h"
#include "supervisor/policy/fanctl.h"

struct box;
struct json;
struct ctl_request;
struct ctl_reply;
struct loop_timer;

/* An input whose part is unpowered ([input] powered_by): unknown, by design */
#define FAN_SVC_ERR_UNPOWERED (-EHOSTDOWN)

struct fan_svc {
	struct box *b;
	struct fan_config cfg;
	struct fanctl *ctl;
	struct loop_timer *timer;

	struct nic_fan *fan;
	int64_t chip_retry_ns, chip_backoff_ns;
	int chip_err;
	bool chip_alarm;
	bool chip_differs_logged; /* the chip's first quantised/clamped write was logged */

	struct temp_input *in[FAN_INPUTS_MAX];
	int in_err[FAN_INPUTS_MAX];
	struct fanctl_reading temps[FAN_INPUTS_MAX];

	double rpm;
	int tach_err;
	bool idle, have_out;
	int64_t cycle_cost_ns; /* real time the last control cycle took, 0 before the first */
	bool blind;              /* fan_svc_blind_get(): chip unreachable, a required input invalid */
	int64_t blind_since_ns;
	char blind_why[128];
	double floor_pct;        /* fan_svc_floor_set(): a minimum another service asks for */
	char floor_reason[96];   /* ... and why, "" without one */
	struct fanctl_output out;
	char cal_path[PROFILE_PATH_MAX + 200];
	char cal_msg[128];
};

/*
 * fan-svc-status.c: what `h2box fan status` and the status page show.  The
 * wiring (fan-svc.c) and the verbs (fan-svc-verbs.c) use these; status uses
 * neither, so the three objects link one way.
 */
/* "ok", "stale", "powered off", ... for an input's or the chip's -errno. */
const char *fan_svc_status_errname(int err);
const char *fan_svc_status_profile_name(const struct fan_svc *s, int p);
/* Why input i is not valid now: 0, FAN_SVC_ERR_UNPOWERED or fanctl_reading_check()'s. */
int fan_svc_status_input_error(const struct fan_svc *s, int i, int64_t now);
/* Which rule set the duty ("curve", "floor", "failsafe", ...), NULL while idle or disabled. */
const char *fan_svc_status_decided_by(const struct fan_svc *s);
/* The members of the fan's status object (`fan status --json`, replies of the verbs). */
void fan_svc_status_members(struct fan_svc *s, struct json *j);
/* The long text of `h2box fan status`. */
void fan_svc_status_full(struct fan_svc *s, struct ctl_reply *rep);

/* fan-svc-verbs.c: the ctl handler of `h2box fan ...` (userdata: the fan_svc). */
int fan_svc_verbs_run(const struct ctl_request *req, struct ctl_reply *rep, void *userdata);
extern const char fan_svc_verbs_help[];

#endif
