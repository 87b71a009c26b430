/* daemon-services.c - the list of services h2boxd runs, started in order and stopped in reverse. */
#include "supervisor/daemon/daemon-services.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/svc.h"
#include "supervisor/util/log.h"
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/history-svc.h"
#include "supervisor/services/ib-svc.h"
#include "supervisor/services/mqtt-svc.h"
#include "supervisor/services/power-svc.h"
#include "supervisor/policy/powerseq.h"
#include "supervisor/services/watts-svc.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Started in this order, stopped in reverse: alarms first so every other service can raise them,
 * history last (it only reads what the others publish).
 */
static const struct svc_ops *const daemon_services_table[] = {
	&alarm_svc_ops, &ib_svc_ops, &watts_svc_ops, &fan_svc_ops, &power_svc_ops,
	&history_svc_ops,
	&mqtt_svc_ops, /* last: its state and commands reach every other service */
};

#define NSERVICES ((int)(sizeof(daemon_services_table) / sizeof(daemon_services_table[0])))
_Static_assert(NSERVICES <= DAEMON_SERVICES_MAX, "daemon_services.kept holds every service");

/* A thermal emergency or a blind box powers the box off through the sequencer, in order. */
static void daemon_services_emergency_off(void *userdata, enum powerseq_reason cause,
					  const char *who)
{
	struct box *b = userdata;

	if (b->power)
		power_svc_request_off(b->power, cause, who);
}

/* The one link between two services that the daemon wires: watts' alarms -> the sequencer. */
static void daemon_services_wire(struct box *b, bool on)
{
	if (b->watts)
		watts_svc_poweroff_handler_set(b->watts, on ? daemon_services_emergency_off : NULL,
					       on ? b : NULL);
}

int daemon_services_start(struct daemon_services *s, struct box *b)
{
	for (s->started = 0; s->started < NSERVICES; s->started++) {
		const struct svc_ops *ops = daemon_services_table[s->started];
		int r = ops->start(b);

		if (r < 0) {
			log_warn(r, "service %s failed to start", ops->name);
			return r;
		}
		if (s->kept[s->started] && ops->adopt) {
			ops->adopt(b, s->kept[s->started]);
			s->kept[s->started] = NULL;
		}
		if (ops == &power_svc_ops)
			daemon_services_wire(b, true);
	}
	return 0;
}

void daemon_services_stop(struct daemon_services *s, struct box *b)
{
	while (s->started > 0) {
		const struct svc_ops *ops = daemon_services_table[--s->started];

		if (ops == &power_svc_ops)
			daemon_services_wire(b, false);
		ops->stop(b);
	}
}

void daemon_services_keep(struct daemon_services *s, struct box *b)
{
	for (int i = 0; i < s->started; i++)
		if (daemon_services_table[i]->keep && !s->kept[i])
			s->kept[i] = daemon_services_table[i]->keep(b);
}

void daemon_services_kept_free(struct daemon_services *s, struct box *b)
{
	for (int i = 0; i < NSERVICES; i++)
		if (s->kept[i]) {
			/* the services are stopped: adopt() sees no instance and frees it */
			daemon_services_table[i]->adopt(b, s->kept[i]);
			s->kept[i] = NULL;
		}
}

void daemon_services_status_json(struct daemon_services *s, struct box *b, struct json *j)
{
	for (int i = 0; i < s->started; i++)
		if (daemon_services_table[i]->status_json)
			daemon_services_table[i]->status_json(b, j);
}

void daemon_services_status_text(struct daemon_services *s, struct box *b, struct ctl_reply *rep)
{
	for (int i = 0; i < s->started; i++)
		if (daemon_services_table[i]->status_text)
			daemon_services_table[i]->status_text(b, rep);
}

void daemon_services_metrics(struct daemon_services *s, struct box *b, struct prom *p)
{
	for (int i = 0; i < s->started; i++)
		if (daemon_services_table[i]->metrics)
			daemon_services_table[i]->metrics(b, p);
}
