/* thermal-svc.c - thermal levels: alarms, and the fan floor, throttle, power-off they ask. */
#include "supervisor/services/thermal-svc.h"

#include "hw/clock.h"
#include "supervisor/runtime/box.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/fan-svc.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* a thermal level is raised as the alarm level of the same number */
_Static_assert(THERMAL_OK == (int)ALARM_CLEAR && THERMAL_WARN == (int)ALARM_WARN &&
		       THERMAL_CRIT == (int)ALARM_CRIT && THERMAL_EMERG == (int)ALARM_EMERG,
	       "enum thermal_level and enum alarm_level must line up");

#define THERMAL_SVC_INPUTS_MAX 8
#define THERMAL_SVC_STALE_NS (10 * HW_NSEC_PER_SEC) /* an input silent this long is invalid */

struct thermal_svc {
	struct box *b;
	struct thermal therm[THERMAL_SVC_INPUTS_MAX];
	int64_t seen[THERMAL_SVC_INPUTS_MAX]; /* updated_ns of the last reading fed */
	int n;
	double floor_pct;
	struct fan_svc *floor_fan; /* the fan service the floor was last pushed to, NULL: none */
	char floor_why[80];        /* ... with this reason */
	unsigned floor_pushes;     /* thermal_svc_floor_pushes() */
	bool throttle, poweroff_sent;
	bool throttle_temp, throttle_blind; /* who asks for the throttle: a level, blindness */
	bool blind, blind_off_sent; /* the fan service's blind state, as last acted on */
	thermal_svc_poweroff_fn poweroff_fn;
	void *poweroff_ud;
	thermal_svc_throttle_fn throttle_fn;
	void *throttle_ud;
};

int thermal_svc_new(struct box *b, const struct thermal_config *cfg, int n,
		    struct thermal_svc **out)
{
	struct thermal_svc *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->b = b;
	for (int i = 0; i < n && i < THERMAL_SVC_INPUTS_MAX; i++)
		thermal_init(&t->therm[t->n++], &cfg[i]);
	*out = t;
	return 0;
}

void thermal_svc_free(struct thermal_svc *t)
{
	if (!t)
		return;
	/* our floor goes with us; the fan service may already be gone (b->fan is then NULL) */
	if (t->floor_pct > 0 && t->b->fan)
		fan_svc_floor_set(t->b->fan, 0.0, NULL);
	free(t);
}

/* One input's level from its latest reading; returns its actions. */
static unsigned thermal_svc_input_step(struct thermal_svc *s, int i, int64_t now)
{
	struct thermal *t = &s->therm[i];
	const struct box_temp *bt = box_temp_find(s->b, t->cfg.name);
	double c = NAN;
	char id[48];

	snprintf(id, sizeof(id), "temp-%s", t->cfg.name);
	if (bt && bt->off) {
		/* its part is unpowered: no heat, and its actions (fan, ladder, off) let go */
		if (thermal_power_off(t, NULL))
			alarm_clear_reason(s->b, id, "powered off");
		return 0;
	}
	/*
	 * One reading counts once: inputs update at their own pace, and
	 * "consecutive agreeing readings" must not be samples of the same one.
	 */
	if (bt && bt->updated_ns != s->seen[i]) {
		s->seen[i] = bt->updated_ns;
		c = bt->celsius;
	} else if (bt && bt->updated_ns && now - bt->updated_ns < THERMAL_SVC_STALE_NS) {
		return thermal_actions(t); /* no new reading yet: keep the level */
	}
	if (thermal_update(t, c, NULL)) {
		if (t->level == THERMAL_OK) {
			alarm_clear(s->b, id);
		} else {
			char a[64];

			thermal_actions_format(thermal_actions(t), a, sizeof(a));
			alarm_raise(s->b, id, (enum alarm_level)t->level, c,
				    "%s temperature %.1f C: %s (threshold %.1f C; actions %s)",
				    t->cfg.name, c, thermal_level_name(t->level),
				    thermal_threshold(&t->cfg, t->level), a);
		}
	}
	return thermal_actions(t);
}

/*
 * Blind (fan_svc_blind_get()): the card's temperature unseen and its fan not driven, so no
 * level above can rise and no floor can reach the fan.  Cut the heat at the source instead:
 * critical alarm nic-blind at once, the throttle ladder while it lasts, and after [fan]
 * blind_poweroff (off by default) one orderly power-off.  Returns whether to throttle.
 */
static bool thermal_svc_blind_step(struct thermal_svc *s, int64_t now)
{
	struct fan_svc_blind bl;
	char d[32];

	fan_svc_blind_get(s->b->fan, &bl);
	if (bl.blind && !s->blind) {
		if (bl.poweroff_after_ns > 0)
			parse_format_duration(bl.poweroff_after_ns, d, sizeof(d));
		alarm_raise(s->b, "nic-blind", ALARM_CRIT, NAN,
			    "blind: cannot see the NIC's temperature nor drive its fan: %s; throttle "
			    "ladder applied%s%s",
			    bl.why, bl.poweroff_after_ns > 0 ? ", orderly power-off after " : "",
			    bl.poweroff_after_ns > 0 ? d : "");
	} else if (!bl.blind && s->blind) {
		s->blind_off_sent = false;
		if (s->b->power_off)
			alarm_clear_reason(s->b, "nic-blind", "powered off");
		else
			alarm_clear(s->b, "nic-blind");
	}
	s->blind = bl.blind;
	if (bl.blind && bl.poweroff_after_ns > 0 && !s->blind_off_sent &&
	    now - bl.since_ns >= bl.poweroff_after_ns) {
		s->blind_off_sent = true;
		parse_format_duration(bl.poweroff_after_ns, d, sizeof(d));
		log_event(LOG_ALERT, (const char *[]){ "H2BOX_EVENT=nic-blind-poweroff", NULL },
			  "NIC blind for %s (blind_poweroff): requesting an orderly power-off of "
			  "the box", d);
		if (s->poweroff_fn)
			s->poweroff_fn(s->poweroff_ud, POWERSEQ_R_BLIND, "NIC blind");
		else
			log_crit("NIC blind but no power sequencer to switch the box off");
	}
	return bl.blind;
}

void thermal_svc_step(struct thermal_svc *s, int64_t now)
{
	bool fan = false, thr = false, off = false;
	char why[80] = "";
	double floor_pct;

	for (int i = 0; i < s->n; i++) {
		unsigned acts = thermal_svc_input_step(s, i, now);

		/* the first input asking for full cooling names the floor's reason */
		if ((acts & THERMAL_ACT_FAN) && !why[0])
			snprintf(why, sizeof(why), "thermal alarm temp-%s %s", s->therm[i].cfg.name,
				 thermal_level_name(s->therm[i].level));
		fan |= acts & THERMAL_ACT_FAN;
		thr |= acts & THERMAL_ACT_THROTTLE;
		if ((acts & THERMAL_ACT_POWEROFF) && s->therm[i].level == THERMAL_EMERG)
			off = true;
	}
	s->throttle_temp = thr;
	s->throttle_blind = thermal_svc_blind_step(s, now);
	thr |= s->throttle_blind;
	floor_pct = fan ? 100.0 : 0.0;
	/* push on a change of floor, reason or fan service (the first push included) */
	if (s->b->fan && (s->b->fan != s->floor_fan || floor_pct != s->floor_pct ||
			  strcmp(why, s->floor_why) != 0)) {
		fan_svc_floor_set(s->b->fan, floor_pct, fan ? why : NULL);
		s->floor_fan = s->b->fan;
		snprintf(s->floor_why, sizeof(s->floor_why), "%s", why);
		s->floor_pushes++;
	}
	s->floor_pct = floor_pct;
	if (thr != s->throttle) {
		s->throttle = thr;
		if (s->throttle_fn)
			s->throttle_fn(s->throttle_ud, thr);
	}
	if (off && !s->poweroff_sent) {
		s->poweroff_sent = true;
		log_event(LOG_ALERT, (const char *[]){ "H2BOX_EVENT=thermal-poweroff", NULL },
			  "thermal emergency: requesting an orderly power-off of the box");
		if (s->poweroff_fn)
			s->poweroff_fn(s->poweroff_ud, POWERSEQ_R_THERMAL_EMERGENCY,
				       "thermal emergency");
		else
			log_crit("thermal emergency but no power sequencer to switch the box off");
	} else if (!off) {
		s->poweroff_sent = false;
	}
}

void thermal_svc_poweroff_handler_set(struct thermal_svc *t, thermal_svc_poweroff_fn fn,
				      void *userdata)
{
	t->poweroff_fn = fn;
	t->poweroff_ud = userdata;
}

void thermal_svc_throttle_handler_set(struct thermal_svc *t, thermal_svc_throttle_fn fn,
				      void *userdata)
{
	t->throttle_fn = fn;
	t->throttle_ud = userdata;
	if (fn)
		fn(userdata, t->throttle);
}

double thermal_svc_fan_floor(const struct thermal_svc *t)
{
	return t ? t->floor_pct : 0.0;
}

void thermal_svc_throttle_why(const struct thermal_svc *t, bool *temp, bool *blind)
{
	*temp = t && t->throttle_temp;
	*blind = t && t->throttle_blind;
}

unsigned thermal_svc_floor_pushes(const struct thermal_svc *t)
{
	return t ? t->floor_pushes : 0;
}

bool thermal_svc_throttle_wanted(const struct thermal_svc *t)
{
	return t && t->throttle;
}
