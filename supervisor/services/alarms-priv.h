/* alarms-priv.h - the alarm service's state, shared by its alarms and alert command files. */
#ifndef H2BOX_ALARMS_PRIV_H
#define H2BOX_ALARMS_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/config/watts-config.h"
#include "supervisor/services/alarm.h"

struct box;
struct child;
struct loop_timer;

#define ALARM_ID_MAX 32
#define ALARM_MSG_MAX 200
#define ALARM_ACTIVE_MAX 32
#define ALARM_KIDS_MAX 16

struct alarm_entry {
	char id[ALARM_ID_MAX];
	enum alarm_level level;
	double value;
	char msg[ALARM_MSG_MAX];
	int64_t since_ns, since_real_ns;
	/* active before a reload and not raised or cleared since: cleared when this passes */
	int64_t carried_until_ns; /* 0: not carried */
};

struct alarm_limit {
	char id[ALARM_ID_MAX];
	int64_t last_ns;
	enum alarm_level level;
};

struct alarm_svc {
	struct box *b;
	struct alarm_config cfg;
	struct alarm_entry act[ALARM_ACTIVE_MAX];
	int nact;
	struct alarm_entry *hist; /* ring */
	int hist_cap, hist_head, hist_len;
	struct alarm_limit limits[ALARM_ACTIVE_MAX];
	int nlimits;
	struct loop_timer *carry_timer; /* only after a reload that carried alarms */
	struct child *kids[ALARM_KIDS_MAX]; /* alert commands still running */
	int nkids;
	unsigned spawned;
	bool registered;
	int64_t (*now_fn)(void *);
	void *now_ud;
};

/* An alarm change as the journal's fields and the alert command's environment carry it. */
struct alarm_fields {
	char alarm[64]; /* H2BOX_ALARM=id */
	char level[32]; /* H2BOX_LEVEL=warn */
	char value[48]; /* H2BOX_VALUE=71.000, empty when unknown */
};

void alarm_alert_fields(struct alarm_fields *f, const char *id, enum alarm_level level,
			double value);

/* alarms-alert.c; now is the service's clock (the loop's, or a test's: alarm_svc_clock_set) */
void alarm_alert_send(struct alarm_svc *a, const char *id, enum alarm_level level, double value,
		      const char *msg, int64_t now);
int alarm_alert_wait(struct alarm_svc *a);

#endif
