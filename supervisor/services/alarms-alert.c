/* alarms-alert.c - the alarms' alert command: started without a shell, rate-limited per alarm, bounded at stop. */
#include "supervisor/services/alarms-priv.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/child.h"
#include "supervisor/util/log.h"
#include "supervisor/util/spawn.h"
#include "supervisor/config/profile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void alarm_alert_fields(struct alarm_fields *f, const char *id, enum alarm_level level,
			double value)
{
	snprintf(f->alarm, sizeof(f->alarm), "H2BOX_ALARM=%s", id);
	snprintf(f->level, sizeof(f->level), "H2BOX_LEVEL=%s", alarm_level_name(level));
	if (isfinite(value))
		snprintf(f->value, sizeof(f->value), "H2BOX_VALUE=%.3f", value);
	else
		snprintf(f->value, sizeof(f->value), "H2BOX_VALUE=");
}

/* An alert command ended (child.c logged how, if not a clean 0): forget it. */
static void alarm_alert_done(struct child *c, int status, void *userdata)
{
	struct alarm_svc *a = userdata;

	(void)status;
	for (int i = 0; i < a->nkids; i++) {
		if (a->kids[i] == c) {
			a->kids[i] = a->kids[--a->nkids];
			return;
		}
	}
}

/* Wait for the alert commands still running, within one bound: what is left running. */
int alarm_alert_wait(struct alarm_svc *a)
{
	int64_t budget;

	/* one bound for them all, the stop's if command_timeout is longer: not n times a bound */
	budget = a->cfg.command_timeout_ns < CHILD_STOP_WAIT_NS ? a->cfg.command_timeout_ns :
								 CHILD_STOP_WAIT_NS;
	while (a->nkids)
		child_wait(a->kids[0], &budget);
	return a->nkids;
}

/* The profile's command, split by its one rule; no shell, no expansion. */
static int alarm_alert_spawn(struct alarm_svc *a, const char *id, enum alarm_level level,
			     double value, const char *msg)
{
	char cmd[sizeof(a->cfg.alert_command)], *argv[WATTS_COMMAND_WORDS_MAX + 1];
	char e_msg[ALARM_MSG_MAX + 16];
	struct alarm_fields f;
	const char *add[] = { f.alarm, f.level, f.value, e_msg, NULL };
	/* the command hears our H2BOX_* about this alarm, never the daemon's own */
	const struct spawn_opts opts = { .stdin_null = true, .drop_prefix = "H2BOX_", .add = add };
	int r;

	if (!a->b || !a->b->loop)
		return -ENOTSUP; /* no loop to watch it by: never started unwatched */
	if (a->nkids >= ALARM_KIDS_MAX) {
		log_warnx("alert command for %s skipped: %d alert commands still running", id,
			  a->nkids);
		return -EBUSY;
	}
	r = watts_config_command_split(a->cfg.alert_command, cmd, sizeof(cmd), argv, NULL, 0);
	if (r < 0)
		return r;
	alarm_alert_fields(&f, id, level, value);
	snprintf(e_msg, sizeof(e_msg), "H2BOX_MESSAGE=%s", msg);
	r = child_start(a->b->loop, "alert command", argv, &opts, a->cfg.command_timeout_ns,
			alarm_alert_done, a, &a->kids[a->nkids]);
	if (r < 0) {
		log_warn(r, "cannot run alert command %s", argv[0]);
		return r;
	}
	a->nkids++;
	a->spawned++;
	return 0;
}

static struct alarm_limit *alarm_alert_limit(struct alarm_svc *a, const char *id)
{
	int i;

	for (i = 0; i < a->nlimits; i++)
		if (!strcmp(a->limits[i].id, id))
			return &a->limits[i];
	if (a->nlimits < ALARM_ACTIVE_MAX)
		i = a->nlimits++;
	else
		i = 0; /* table full: recycle the oldest slot */
	memset(&a->limits[i], 0, sizeof(a->limits[i]));
	snprintf(a->limits[i].id, sizeof(a->limits[i].id), "%s", id);
	a->limits[i].last_ns = INT64_MIN;
	return &a->limits[i];
}

/* Tell the alert command of an alarm change (now: the service's clock), unless the rate limit
 * holds it back. */
void alarm_alert_send(struct alarm_svc *a, const char *id, enum alarm_level level, double value,
		      const char *msg, int64_t now)
{
	struct alarm_limit *l;

	if (!a->cfg.alert_command[0])
		return;
	l = alarm_alert_limit(a, id);
	/* an escalation always goes out; repeats and de-escalations wait out the rate limit */
	if (l->last_ns != INT64_MIN && level <= l->level &&
	    now - l->last_ns < a->cfg.rate_limit_ns) {
		/* escalation is judged against what the command last heard */
		log_debug("alert command for %s %s rate-limited", id, alarm_level_name(level));
		return;
	}
	if (alarm_alert_spawn(a, id, level, value, msg) == 0) {
		l->last_ns = now;
		l->level = level;
	}
}
