/* alarms.c - active alarms, bounded history, journal entries and the rate-limited alert command. */
#include "supervisor/services/alarm.h"
#include "supervisor/services/alarms-priv.h"

#include "hw/clock.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/prom.h"
#include "supervisor/util/timefmt.h"
#include "supervisor/config/profile.h"
#include "supervisor/runtime/svc.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/*
 * How long an alarm carried over a reload waits for a new service to raise or clear it again
 * before it is cleared as "not raised again": longer than any service's first verdict (a fan
 * stall is judged over [fan] stall_time, at most 10 min), short enough that an alarm whose
 * feature left the profile, or which ended while the services restarted, does not stay listed.
 */
#define ALARM_CARRY_GRACE_NS (15 * 60 * HW_NSEC_PER_SEC)

static int level_priority(enum alarm_level l)
{
	switch (l) {
	case ALARM_WARN:
		return LOG_WARNING;
	case ALARM_CRIT:
		return LOG_CRIT;
	case ALARM_EMERG:
		return LOG_ALERT; /* LOG_EMERG would wall every terminal */
	case ALARM_CLEAR:
		break;
	}
	return LOG_NOTICE;
}

static int64_t alarm_svc_now(struct alarm_svc *a)
{
	if (a->now_fn)
		return a->now_fn(a->now_ud);
	return a->b && a->b->loop ? loop_now(a->b->loop) : 0;
}

static int64_t svc_real(struct alarm_svc *a)
{
	return a->b && a->b->loop ? loop_real_now(a->b->loop) : 0;
}

static struct alarm_entry *find(struct alarm_svc *a, const char *id)
{
	for (int i = 0; i < a->nact; i++)
		if (!strcmp(a->act[i].id, id))
			return &a->act[i];
	return NULL;
}

static void history_add(struct alarm_svc *a, const struct alarm_entry *e)
{
	int slot;

	if (!a->hist_cap)
		return;
	slot = (a->hist_head + a->hist_len) % a->hist_cap;
	if (a->hist_len == a->hist_cap) {
		slot = a->hist_head;
		a->hist_head = (a->hist_head + 1) % a->hist_cap;
	} else {
		a->hist_len++;
	}
	a->hist[slot] = *e;
	a->hist[slot].carried_until_ns = 0;
}

static void journal(const char *id, enum alarm_level level, double value, const char *msg)
{
	struct alarm_fields f;

	alarm_alert_fields(&f, id, level, value);
	log_event(level_priority(level),
		  (const char *[]){ "H2BOX_EVENT=alarm", f.alarm, f.level, f.value, NULL },
		  "alarm %s %s: %s", id, alarm_level_name(level), msg);
}

int alarm_svc_wait(struct alarm_svc *a)
{
	return a ? alarm_alert_wait(a) : 0;
}

unsigned alarm_svc_spawned(const struct alarm_svc *a)
{
	return a ? a->spawned : 0;
}

int alarm_svc_history_len(const struct alarm_svc *a)
{
	return a ? a->hist_len : 0;
}

/* ---- alarm.h ---- */

static void change(struct box *b, const char *id, enum alarm_level level, double value,
		   const char *msg)
{
	struct alarm_svc *a = b ? b->alarms : NULL;
	struct alarm_entry *e, h;

	if (!a) {
		journal(id, level, value, msg);
		return;
	}
	/*
	 * An alarm carried over a reload (alarm_svc_adopt) goes on as the same alarm when a new
	 * service raises or clears it: raised at the same level it changes nothing (no journal
	 * entry, no history, no alert, its "since" kept); any other change is judged against it.
	 */
	e = find(a, id);
	if (e)
		e->carried_until_ns = 0;
	if (level == ALARM_CLEAR) {
		if (!e)
			return;
		h = *e;
		h.level = ALARM_CLEAR;
		h.value = value;
		snprintf(h.msg, sizeof(h.msg), "%s", msg);
		h.since_ns = alarm_svc_now(a);
		h.since_real_ns = svc_real(a);
		*e = a->act[--a->nact];
		journal(id, ALARM_CLEAR, value, msg);
		history_add(a, &h);
		alarm_alert_send(a, id, ALARM_CLEAR, value, msg, alarm_svc_now(a));
		return;
	}
	if (e && e->level == level) {
		e->value = value; /* same level: keep it current, quietly */
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
		return;
	}
	if (!e) {
		if (a->nact >= ALARM_ACTIVE_MAX) {
			log_warnx("too many active alarms; %s not tracked", id);
			journal(id, level, value, msg);
			return;
		}
		e = &a->act[a->nact++];
		memset(e, 0, sizeof(*e));
		snprintf(e->id, sizeof(e->id), "%s", id);
	}
	e->level = level;
	e->value = value;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	e->since_ns = alarm_svc_now(a);
	e->since_real_ns = svc_real(a);
	journal(id, level, value, msg);
	history_add(a, e);
	alarm_alert_send(a, id, level, value, msg, alarm_svc_now(a));
}

void alarm_raise(struct box *b, const char *id, enum alarm_level level, double value,
		 const char *fmt, ...)
{
	char msg[ALARM_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	change(b, id, level, value, msg);
}

void alarm_clear(struct box *b, const char *id)
{
	change(b, id, ALARM_CLEAR, NAN, "cleared");
}

void alarm_clear_reason(struct box *b, const char *id, const char *reason)
{
	char msg[ALARM_MSG_MAX];

	snprintf(msg, sizeof(msg), "cleared: %s", reason);
	change(b, id, ALARM_CLEAR, NAN, msg);
}

bool alarm_active(const struct box *b, const char *id)
{
	return alarm_level_get(b, id) != ALARM_CLEAR;
}

enum alarm_level alarm_level_get(const struct box *b, const char *id)
{
	struct alarm_entry *e;

	if (!b || !b->alarms)
		return ALARM_CLEAR;
	e = find(b->alarms, id);
	return e ? e->level : ALARM_CLEAR;
}

/* ---- status and the `alarms` verb ---- */

/* Seconds are enough in the text listing; 0 = never. */
static const char *alarm_time_text(int64_t real_ns, char *buf, size_t len)
{
	if (real_ns <= 0)
		snprintf(buf, len, "-");
	else
		timefmt_iso(real_ns, false, buf, len);
	return buf;
}

static void entry_json(struct json *j, const struct alarm_entry *e)
{
	json_object_begin(j, NULL);
	json_string(j, "id", e->id);
	json_string(j, "level", alarm_level_name(e->level));
	json_number(j, "value", e->value, 3);
	json_string(j, "message", e->msg);
	json_number(j, "mono_s", (double)e->since_ns / 1e9, 3);
	json_time(j, "time", e->since_real_ns);
	if (e->carried_until_ns)
		json_bool(j, "carried", true);
	json_object_end(j);
}

static void entry_text(struct ctl_reply *rep, const char *prefix, const struct alarm_entry *e)
{
	char ts[32], val[32] = "";

	if (isfinite(e->value))
		snprintf(val, sizeof(val), " (%.2f)", e->value);
	ctl_reply_printf(rep, "%s%s  %-16s %-9s%s %s%s\n", prefix,
			 alarm_time_text(e->since_real_ns, ts, sizeof(ts)), e->id,
			 alarm_level_name(e->level), val, e->msg,
			 e->carried_until_ns ? " (from before the reload, not seen again yet)" : "");
}

void alarm_svc_status_json(struct alarm_svc *a, struct json *j)
{
	json_array_begin(j, "alarms");
	for (int i = 0; a && i < a->nact; i++)
		entry_json(j, &a->act[i]);
	json_array_end(j);
}

void alarm_svc_active_ids_json(const struct alarm_svc *a, struct json *j, const char *key)
{
	json_array_begin(j, key);
	for (int i = 0; a && i < a->nact; i++)
		json_string(j, NULL, a->act[i].id);
	json_array_end(j);
}

const char *alarm_svc_active_at(const struct alarm_svc *a, int i, enum alarm_level *level)
{
	if (!a || i < 0 || i >= a->nact)
		return NULL;
	if (level)
		*level = a->act[i].level;
	return a->act[i].id;
}

void alarm_svc_status_text(struct alarm_svc *a, struct ctl_reply *rep)
{
	if (!a || !a->nact) {
		ctl_reply_printf(rep, "alarms: none\n");
		return;
	}
	ctl_reply_printf(rep, "alarms: %d active\n", a->nact);
	for (int i = 0; i < a->nact; i++)
		entry_text(rep, "  ", &a->act[i]);
}

static int cmd_alarms(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct alarm_svc *a = userdata;
	struct json *j;
	int i;

	if (req->argc > 1) {
		ctl_reply_error(rep, 2, "usage: alarms");
		return 0;
	}
	if (req->json) {
		j = ctl_reply_json(rep);
		json_array_begin(j, "active");
		for (i = 0; i < a->nact; i++)
			entry_json(j, &a->act[i]);
		json_array_end(j);
		json_array_begin(j, "history");
		for (i = 0; i < a->hist_len; i++)
			entry_json(j, &a->hist[(a->hist_head + i) % a->hist_cap]);
		json_array_end(j);
		return 0;
	}
	if (!a->nact)
		ctl_reply_printf(rep, "active: none\n");
	else
		ctl_reply_printf(rep, "active:\n");
	for (i = 0; i < a->nact; i++)
		entry_text(rep, "  ", &a->act[i]);
	ctl_reply_printf(rep, "history (oldest first, %d kept):\n", a->hist_cap);
	if (!a->hist_len)
		ctl_reply_printf(rep, "  none\n");
	for (i = 0; i < a->hist_len; i++)
		entry_text(rep, "  ", &a->hist[(a->hist_head + i) % a->hist_cap]);
	return 0;
}

int alarm_svc_new(struct box *b, const struct alarm_config *cfg, struct alarm_svc **out)
{
	struct alarm_svc *a;
	int r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->b = b;
	if (cfg)
		a->cfg = *cfg;
	else
		alarm_config_defaults(&a->cfg);
	a->hist_cap = a->cfg.history > 0 ? a->cfg.history : 0;
	if (a->hist_cap > 4096)
		a->hist_cap = 4096;
	if (a->hist_cap) {
		a->hist = calloc((size_t)a->hist_cap, sizeof(*a->hist));
		if (!a->hist) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (b && b->ctl) {
		r = ctl_command_register(b->ctl, "alarms", "active alarms and their history",
					 cmd_alarms, a);
		if (r < 0)
			goto fail;
		a->registered = true;
	}
	*out = a;
	return 0;
fail:
	alarm_svc_free(a);
	return r;
}

void alarm_svc_free(struct alarm_svc *a)
{
	if (!a)
		return;
	if (a->b && a->registered)
		ctl_command_unregister(a->b->ctl, "alarms");
	alarm_svc_wait(a); /* an alert sent just before the end still goes out, within its bound */
	loop_timer_free(a->carry_timer);
	free(a->hist);
	free(a);
}

void alarm_svc_clock_set(struct alarm_svc *a, int64_t (*now)(void *userdata), void *userdata)
{
	a->now_fn = now;
	a->now_ud = userdata;
}

/* the daemon's entry points (runtime/svc.h) */
/* Every active alarm by name and level, and how many of each level (0 included: a quiet box). */
void alarm_svc_metrics(struct alarm_svc *a, struct prom *p)
{
	int warn = 0, crit = 0;

	prom_family(p, "h2box_alarm_active", PROM_GAUGE,
		    "An alarm is active (1), by alarm name and level.");
	prom_family(p, "h2box_alarms_active", PROM_GAUGE, "Number of active alarms by level.");
	for (int i = 0; a && i < a->nact; i++) {
		prom_sample(p, "h2box_alarm_active", 1, "alarm", a->act[i].id, "level",
			    alarm_level_name(a->act[i].level), NULL);
		warn += a->act[i].level == ALARM_WARN;
		crit += a->act[i].level == ALARM_CRIT;
	}
	prom_sample(p, "h2box_alarms_active", warn, "level", alarm_level_name(ALARM_WARN), NULL);
	prom_sample(p, "h2box_alarms_active", crit, "level", alarm_level_name(ALARM_CRIT), NULL);
}

/*
 * The grace of the alarms carried over a reload ends (the timer, or a test's clock): those no
 * new service raised or cleared since are cleared "not raised again", with their journal entry,
 * history and alert, so whoever heard them raised hears them end.
 */
static void alarm_svc_carry_sweep(struct alarm_svc *a, int64_t now)
{
	char id[ALARM_ID_MAX];
	int64_t next = 0;

	assert(a->b && a->b->alarms == a);

	for (int i = 0; i < a->nact;) {
		struct alarm_entry *e = &a->act[i];

		if (!e->carried_until_ns || e->carried_until_ns > now) {
			if (e->carried_until_ns && (!next || e->carried_until_ns < next))
				next = e->carried_until_ns;
			i++;
			continue;
		}
		/* the clear swaps the last active alarm into slot i (look at i again), over the id */
		snprintf(id, sizeof(id), "%s", e->id);
		alarm_clear_reason(a->b, id, "not raised again since the reload");
	}
	if (next && a->carry_timer)
		loop_timer_arm_at(a->carry_timer, next);
}

static void alarm_svc_carry_due(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct alarm_svc *a = userdata;

	(void)t;
	(void)now_ns; /* judged by the service's own clock, the one "since" is kept by */
	alarm_svc_carry_sweep(a, alarm_svc_now(a));
}

/*
 * Before the new services' first look: the alarms active before the reload stay listed (status,
 * metrics, alarm_active()) as they were.  One already carried keeps its grace: reloads in a row
 * do not keep an alarm nobody raises alive.
 */
static void alarm_svc_carry(struct alarm_svc *a, const struct alarm_entry *act, int n)
{
	int64_t until = alarm_svc_now(a) + ALARM_CARRY_GRACE_NS;

	for (int i = 0; i < n && a->nact < ALARM_ACTIVE_MAX; i++) {
		struct alarm_entry *e;

		if (find(a, act[i].id))
			continue; /* raised already by a service started before the alarms */
		e = &a->act[a->nact++];
		*e = act[i];
		if (!e->carried_until_ns)
			e->carried_until_ns = until;
	}
	if (!a->nact || !a->b || !a->b->loop)
		return;
	if (!a->carry_timer &&
	    loop_timer_new(a->b->loop, "alarm carry", alarm_svc_carry_due, a, &a->carry_timer) < 0) {
		log_warnx("alarms carried over the reload are kept until raised or cleared again");
		return;
	}
	alarm_svc_carry_sweep(a, alarm_svc_now(a));
}

/* A reload's hand-over: the history (oldest first), the active alarms (listed and carried until
 * the new services raise or clear them, or the grace ends) and the alert command's rate limits,
 * so a reload neither repeats an alert nor forgets one. */
struct alarm_svc_kept {
	struct alarm_entry act[ALARM_ACTIVE_MAX];
	int nact;
	struct alarm_limit limits[ALARM_ACTIVE_MAX];
	int nlimits;
	int len;
	struct alarm_entry e[];
};

static void *alarm_svc_keep(struct box *b)
{
	struct alarm_svc *a = b->alarms;
	struct alarm_svc_kept *k;

	if (!a || (!a->hist_len && !a->nact && !a->nlimits))
		return NULL;
	k = malloc(sizeof(*k) + (size_t)a->hist_len * sizeof(k->e[0]));
	if (!k)
		return NULL; /* lost, as before: the new services raise what still holds */
	memcpy(k->act, a->act, sizeof(k->act));
	k->nact = a->nact;
	memcpy(k->limits, a->limits, sizeof(k->limits));
	k->nlimits = a->nlimits;
	k->len = a->hist_len;
	for (int i = 0; i < a->hist_len; i++)
		k->e[i] = a->hist[(a->hist_head + i) % a->hist_cap];
	return k;
}

static void alarm_svc_adopt(struct box *b, void *kept)
{
	struct alarm_svc_kept *k = kept;
	struct alarm_svc *a = b->alarms;

	if (a) {
		/* the new profile's history size keeps the newest */
		for (int i = 0; i < k->len; i++)
			history_add(a, &k->e[i]);
		alarm_svc_carry(a, k->act, k->nact);
		memcpy(a->limits, k->limits, sizeof(a->limits));
		a->nlimits = k->nlimits;
	}
	free(k);
}

static int alarm_svc_ops_start(struct box *b)
{
	return alarm_svc_new(b, &b->profile->watts.alerts, &b->alarms);
}

static void alarm_svc_ops_stop(struct box *b)
{
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
}

static void alarm_svc_ops_status_json(struct box *b, struct json *j)
{
	alarm_svc_status_json(b->alarms, j);
}

static void alarm_svc_ops_metrics(struct box *b, struct prom *p)
{
	alarm_svc_metrics(b->alarms, p);
}

const struct svc_ops alarm_svc_ops = {
	.name = "alarms",
	.start = alarm_svc_ops_start,
	.stop = alarm_svc_ops_stop,
	.status_json = alarm_svc_ops_status_json,
	.metrics = alarm_svc_ops_metrics,
	.keep = alarm_svc_keep,
	.adopt = alarm_svc_adopt,
};
