/* daemon-services.c - the list of services h2boxd runs, started in order and stopped in reverse. */
#include "supervisor/daemon/daemon-services.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/ib-svc.h"
#include "supervisor/services/power-svc.h"
#include "supervisor/policy/powerseq.h"
#include "supervisor/services/watts-svc.h"
#include "supervisor/config/profile.h"

#include <errno.h>
#include <stddef.h>

struct daemon_service {
	const char *name;
	const char *json_key;
	const char *verbs[4];
	int (*start)(struct box *b);
	void (*stop)(struct box *b);
	void (*status_json)(struct box *b, struct json *j);
	void (*status_text)(struct box *b, struct ctl_reply *rep);
};

/* A thermal emergency powers the box off through the sequencer, in order. */
static void power_emergency_off(void *userdata, const char *reason)
{
	struct box *b = userdata;

	if (b->power)
		power_svc_request_off(b->power, POWERSEQ_R_THERMAL_EMERGENCY, reason);
}

static int power_start(struct box *b)
{
	int r = power_svc_new(b, &b->profile->power, &b->power);

	if (r == 0 && b->watts)
		watts_svc_poweroff_handler_set(b->watts, power_emergency_off, b);
	return r;
}

static void power_stop(struct box *b)
{
	if (b->watts)
		watts_svc_poweroff_handler_set(b->watts, NULL, NULL);
	power_svc_free(b->power);
	b->power = NULL;
}

static int alarms_start(struct box *b)
{
	return alarm_svc_new(b, &b->profile->watts.alerts, &b->alarms);
}

static void alarms_stop(struct box *b)
{
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
}

static void alarms_json(struct box *b, struct json *j)
{
	alarm_svc_status_json(b->alarms, j);
}

static int ib_start(struct box *b)
{
	return ib_svc_new(b, &b->profile->ib, &b->ib);
}

static void ib_stop(struct box *b)
{
	ib_svc_free(b->ib);
	b->ib = NULL;
}

static void ib_json(struct box *b, struct json *j)
{
	ib_svc_status_json(b->ib, j);
}

static void ib_text(struct box *b, struct ctl_reply *rep)
{
	ib_svc_status_text(b->ib, rep);
}

static int watts_start(struct box *b)
{
	return watts_svc_new(b, &b->profile->watts, &b->watts);
}

static void watts_stop(struct box *b)
{
	watts_svc_free(b->watts);
	b->watts = NULL;
}

static void watts_json(struct box *b, struct json *j)
{
	watts_svc_status_json(b->watts, j);
}

static void watts_text(struct box *b, struct ctl_reply *rep)
{
	watts_svc_status_text(b->watts, rep);
}

static void power_json(struct box *b, struct json *j)
{
	power_svc_status_json(b->power, j);
}

static void power_text(struct box *b, struct ctl_reply *rep)
{
	power_svc_status_text(b->power, rep);
}

static int fan_start(struct box *b)
{
	return fan_svc_new(b, &b->profile->fan, &b->fan);
}

static void fan_stop(struct box *b)
{
	fan_svc_free(b->fan);
	b->fan = NULL;
}

static void fan_json(struct box *b, struct json *j)
{
	fan_svc_status_json(b->fan, j);
}

static void fan_text(struct box *b, struct ctl_reply *rep)
{
	fan_svc_status_text(b->fan, rep);
}

/* Started in this order, stopped in reverse: alarms first so every other service can raise them. */
static const struct daemon_service services[] = {
	{ "alarms", NULL, { "alarms", NULL }, alarms_start, alarms_stop, alarms_json, NULL },
	{ "ib", NULL, { "ib", NULL }, ib_start, ib_stop, ib_json, ib_text },
	{ "watts", NULL, { "watts", "record", "budget", NULL }, watts_start, watts_stop, watts_json,
	  watts_text },
	{ "fan", NULL, { "fan", NULL }, fan_start, fan_stop, fan_json, fan_text },
	{ "power", NULL, { "power", NULL }, power_start, power_stop, power_json, power_text },
};

#define NSERVICES ((int)(sizeof(services) / sizeof(services[0])))

int daemon_services_start(struct daemon_services *s, struct box *b)
{
	for (s->started = 0; s->started < NSERVICES; s->started++) {
		const struct daemon_service *sv = &services[s->started];
		int r;

		if (!sv->start)
			continue;
		r = sv->start(b);
		if (r < 0) {
			log_warn(r, "service %s failed to start", sv->name);
			return r;
		}
	}
	return 0;
}

void daemon_services_stop(struct daemon_services *s, struct box *b)
{
	while (s->started > 0) {
		const struct daemon_service *sv = &services[--s->started];

		if (sv->stop)
			sv->stop(b);
		for (int k = 0; sv->verbs[k]; k++)
			ctl_command_unregister(b->ctl, sv->verbs[k]);
	}
}

void daemon_services_status_json(struct daemon_services *s, struct box *b, struct json *j)
{
	for (int i = 0; i < s->started; i++) {
		if (!services[i].status_json)
			continue;
		/* a NULL key: the service writes its own named object */
		if (services[i].json_key)
			json_object_begin(j, services[i].json_key);
		services[i].status_json(b, j);
		if (services[i].json_key)
			json_object_end(j);
	}
}

void daemon_services_status_text(struct daemon_services *s, struct box *b, struct ctl_reply *rep)
{
	for (int i = 0; i < s->started; i++)
		if (services[i].status_text)
			services[i].status_text(b, rep);
}
