/* alarm.h - active alarms and their history, shared by every service; journal + alert command. */
#ifndef H2BOX_ALARM_H
#define H2BOX_ALARM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "supervisor/config/watts-config.h"

struct box;
struct svc_ops;
struct json;
struct ctl_reply;
struct alarm_svc;

enum alarm_level {
	ALARM_CLEAR = 0,
	ALARM_WARN,
	ALARM_CRIT,
	ALARM_EMERG,
};

/*
 * Raise or update the alarm `id` (stable, e.g. "fan-stall", "temp-nic",
 * "sensor-ina", "psu-ok-drop").  Level changes are logged to the journal
 * once, with H2BOX_ALARM=, H2BOX_LEVEL=, H2BOX_VALUE= fields, and run the
 * profile's alert_command (rate-limited); repeating the same level is quiet.
 * value may be NAN.
 */
void alarm_raise(struct box *b, const char *id, enum alarm_level level, double value,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void alarm_clear(struct box *b, const char *id);
/*
 * Clear with the reason in the history and the journal ("cleared: powered off"): an alarm of a
 * part that lost its power is not a fault that went away, and the history says which it was.
 */
void alarm_clear_reason(struct box *b, const char *id, const char *reason);
bool alarm_active(const struct box *b, const char *id);
enum alarm_level alarm_level_get(const struct box *b, const char *id);
/* "clear", "warn", "critical", "emergency" (journal fields, alert command, JSON). */
static inline const char *alarm_level_name(enum alarm_level level)
{
	static const char *const names[] = { "clear", "warn", "critical", "emergency" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == ALARM_EMERG + 1,
		       "names must list every enum alarm_level");

	return (unsigned)level < 4 ? names[level] : "?";
}

/* ---- the alarm service (alarms.c): its config is [alerts] (struct alarm_config, watts-config.h) ---- */
int alarm_svc_new(struct box *b, const struct alarm_config *cfg, struct alarm_svc **out);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops alarm_svc_ops;
void alarm_svc_free(struct alarm_svc *a);
struct prom;
/* Prometheus: h2box_alarm_active{alarm,level}, h2box_alarms_active{level}. */
void alarm_svc_metrics(struct alarm_svc *a, struct prom *p);
void alarm_svc_status_json(struct alarm_svc *a, struct json *j);
/* key: [the ids of the active alarms] (a follower's line; empty array when none). */
void alarm_svc_active_ids_json(const struct alarm_svc *a, struct json *j, const char *key);
void alarm_svc_status_text(struct alarm_svc *a, struct ctl_reply *rep);
/* The i-th active alarm's id and level (0 <= i); NULL past the last one (a may be NULL). */
const char *alarm_svc_active_at(const struct alarm_svc *a, int i, enum alarm_level *level);
/* Time source override for tests (default: loop_now(b->loop)). */
void alarm_svc_clock_set(struct alarm_svc *a, int64_t (*now)(void *userdata), void *userdata);
/*
 * Alert commands run as children of the loop (runtime/child.h), killed at [alerts]
 * command_timeout.  Wait for those still running, all within one command_timeout or
 * CHILD_STOP_WAIT_NS if shorter (+ the kill's grace), real time: for stop and tests.  Returns 0.
 */
int alarm_svc_wait(struct alarm_svc *a);
/* How many alert commands were started (tests). */
unsigned alarm_svc_spawned(const struct alarm_svc *a);
/* How many entries the history holds (tests). */
int alarm_svc_history_len(const struct alarm_svc *a);

#endif
