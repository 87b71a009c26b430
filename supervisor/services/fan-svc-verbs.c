/* fan-svc-verbs.c - `h2box fan auto | set | profile | calibrate | status`: parse, check, act. */
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/fan-svc-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "hw/clock.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"

#define MANUAL_FOR_MAX_NS (7 * 24 * 3600 * HW_NSEC_PER_SEC)

static const char fan_usage[] =
	"usage: fan [status | auto | set PCT [--for DURATION] | profile NAME [--until HH:MM] | "
	"profile --list | calibrate]";

const char fan_svc_verbs_help[] =
	"status|auto|set PCT [--for D]|profile NAME [--until HH:MM]|profile --list|calibrate: "
	"the NIC fan";

/* "--opt VALUE" or "--opt=VALUE" at argv[i]; returns the value and advances *i. */
static const char *opt_value(const struct ctl_request *req, int *i, const char *opt)
{
	size_t n = strlen(opt);
	const char *a = req->argv[*i];

	if (strcmp(a, opt) == 0) {
		if (*i + 1 >= req->argc)
			return NULL;
		*i += 1;
		return req->argv[*i];
	}
	if (strncmp(a, opt, n) == 0 && a[n] == '=')
		return a + n + 1;
	return NULL;
}

static void reply_ok(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep,
		     const char *msg)
{
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_string(j, "message", msg); /* "ok" is the reply's own first member */
		fan_svc_status_members(s, j);
	} else {
		ctl_reply_printf(rep, "%s\n", msg);
	}
}

static int cmd_set(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int64_t for_ns = 0, now = loop_now(s->b->loop);
	char err[96], msg[160], d[32], who[48];
	double pct;
	const char *v;
	int i;

	if (req->argc < 3 || parse_percent(req->argv[2], 0, 100, &pct, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2, "fan set: %s\n%s",
				req->argc < 3 ? "missing PCT" : err, fan_usage);
		return 0;
	}
	for (i = 3; i < req->argc; i++) {
		v = opt_value(req, &i, "--for");
		if (!v || parse_duration_ns(v, HW_NSEC_PER_SEC, MANUAL_FOR_MAX_NS, &for_ns, err,
					    sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "fan set: %s\n%s", v ? err : "bad argument",
					fan_usage);
			return 0;
		}
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	fanctl_manual_set(s->ctl, pct, for_ns, now);
	if (for_ns)
		snprintf(msg, sizeof(msg), "fan: manual %.0f%% for %s (never below the critical "
			 "override)", pct, parse_format_duration(for_ns, d, sizeof(d)));
	else
		snprintf(msg, sizeof(msg), "fan: manual %.0f%% until `fan auto` (never below the "
			 "critical override)", pct);
	log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=fan-manual", "H2BOX_STATE=set", NULL },
		  "%s, by %s", msg, ctl_request_who(req, who, sizeof(who)));
	reply_ok(s, req, rep, msg);
	return 0;
}

/* `fan profile --list`: the profiles of this profile file, the running one marked (completion) */
static int cmd_profile_list(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	struct fanctl_status st;
	struct json *j = req->json ? ctl_reply_json(rep) : NULL;

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	if (j)
		json_array_begin(j, "profiles");
	for (int k = 0; k < s->cfg.sched.nprofiles; k++) {
		const struct fansched_profile *p = &s->cfg.sched.profiles[k];

		if (j) {
			json_object_begin(j, NULL);
			json_string(j, "name", p->name);
			json_number(j, "cap_pct", p->cap, 0);
			json_number(j, "floor_pct", p->floor, 0);
			json_bool(j, "active", k == st.profile);
			json_object_end(j);
		} else {
			ctl_reply_printf(rep, "%c %-20s cap %.0f%%, floor %.0f%%\n",
					 k == st.profile ? '*' : ' ', p->name, p->cap, p->floor);
		}
	}
	if (j)
		json_array_end(j);
	return 0;
}

static int cmd_profile(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int until = -1, i, r;
	char err[96], msg[160], who[48];
	const char *v;

	if (req->argc < 3) {
		ctl_reply_error(rep, 2, "fan profile: missing NAME\n%s", fan_usage);
		return 0;
	}
	for (i = 3; i < req->argc; i++) {
		v = opt_value(req, &i, "--until");
		if (!v || parse_time_of_day(v, &until, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "fan profile: %s\n%s", v ? err : "bad argument",
					fan_usage);
			return 0;
		}
	}
	if (fansched_profile_find(&s->cfg.sched, req->argv[2]) < 0) {
		char known[FANSCHED_PROFILES_MAX * (FANSCHED_NAME_MAX + 1)] = "";
		size_t n = 0;

		for (int k = 0; k < s->cfg.sched.nprofiles && n < sizeof(known); k++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k ? ", " : "",
					      s->cfg.sched.profiles[k].name);
		ctl_reply_error(rep, 2, "fan profile: unknown profile '%.40s' (known: %s)",
				req->argv[2], known);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	r = fanctl_profile_force(s->ctl, req->argv[2], until, loop_real_now(s->b->loop));
	if (r < 0) {
		ctl_reply_error(rep, 1, "fan profile: %s", fan_svc_status_errname(r));
		return 0;
	}
	if (until >= 0)
		snprintf(msg, sizeof(msg), "fan: profile %s until %02d:%02d", req->argv[2],
			 until / 60, until % 60);
	else
		snprintf(msg, sizeof(msg), "fan: profile %s until `fan auto`", req->argv[2]);
	log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=fan-profile", NULL },
		  "%s, by %s", msg, ctl_request_who(req, who, sizeof(who)));
	reply_ok(s, req, rep, msg);
	return 0;
}

int fan_svc_verbs_run(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct fan_svc *s = userdata;
	const char *sub = req->argc >= 2 ? req->argv[1] : "status";
	char msg[sizeof(s->cal_path) + 120], who[48];
	int r;

	if (strcmp(sub, "status") == 0) {
		if (req->argc > 2) {
			ctl_reply_error(rep, 2, "%s", fan_usage);
			return 0;
		}
		if (req->json)
			fan_svc_status_members(s, ctl_reply_json(rep));
		else if (!s->cfg.enabled)
			fan_svc_status_text(s, rep);
		else
			fan_svc_status_full(s, rep);
		return 0;
	}
	if (strcmp(sub, "auto") != 0 && strcmp(sub, "set") != 0 && strcmp(sub, "profile") != 0 &&
	    strcmp(sub, "calibrate") != 0) {
		ctl_reply_error(rep, 2, "%s", fan_usage);
		return 0;
	}
	if (!s->cfg.enabled) {
		ctl_reply_error(rep, 1, "fan control is disabled ([fan] enabled = no)");
		return 0;
	}
	if (strcmp(sub, "profile") == 0 && req->argc == 3 && strcmp(req->argv[2], "--list") == 0)
		return cmd_profile_list(s, req, rep);
	if (strcmp(sub, "set") == 0)
		return cmd_set(s, req, rep);
	if (strcmp(sub, "profile") == 0)
		return cmd_profile(s, req, rep);
	if (req->argc > 2) {
		ctl_reply_error(rep, 2, "%s", fan_usage);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	if (strcmp(sub, "auto") == 0) {
		fanctl_auto(s->ctl);
		snprintf(msg, sizeof(msg), "fan: automatic, profile from the schedule");
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=fan-manual", "H2BOX_STATE=auto", NULL },
			  "%s, by %s", msg, ctl_request_who(req, who, sizeof(who)));
		reply_ok(s, req, rep, msg);
		return 0;
	}
	/* calibrate */
	if (!s->fan) {
		ctl_reply_error(rep, 1, "fan calibrate: controller chip %s not available",
				s->cfg.chip);
		return 0;
	}
	if (s->idle) {
		ctl_reply_error(rep, 3, "fan calibrate: the box is powered off");
		return 0;
	}
	r = fanctl_calibrate_start(s->ctl, loop_now(s->b->loop));
	if (r == -EALREADY) {
		ctl_reply_error(rep, 3, "fan calibrate: a calibration is already running");
		return 0;
	}
	if (r < 0) {
		ctl_reply_error(rep, 3, "fan calibrate: refused while %s (cooling comes first)",
				s->out.failsafe ? "in failsafe"
				: s->out.stalled ? "stalled" : "a temperature override is active");
		return 0;
	}
	s->cal_msg[0] = '\0';
	snprintf(msg, sizeof(msg), "fan: calibration started (a few minutes; the fan stops once); "
		 "see `h2box fan status`; results go to %s", s->cal_path);
	log_event(LOG_NOTICE,
		  (const char *[]){ "H2BOX_EVENT=fan-calibration", "H2BOX_STATE=start", NULL },
		  "%s", msg);
	reply_ok(s, req, rep, msg);
	return 0;
}
