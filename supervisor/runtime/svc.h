/* svc.h - what each service gives the daemon: start from the box's profile, stop, its status. */
#ifndef H2BOX_SVC_H
#define H2BOX_SVC_H

struct box;
struct json;
struct ctl_reply;
struct prom;

/*
 * One table per service, defined next to the service (fan_svc_ops in fan-svc.c); the daemon
 * lists them in start order.  start() creates the service from b->profile into its box slot
 * and registers its verbs; stop() frees it, clears the slot, and the service's free drops
 * its verbs (the owner registers and unregisters).  status_json writes the service's own
 * named object; status_text its lines of `h2box status`; metrics its Prometheus families and
 * samples (GET /metrics, `h2box metrics`; docs/h2box.1 lists them).  Any but start and stop may
 * be NULL.
 *
 * A reload (SIGHUP) stops every service and starts the new profile's.  What a user would lose
 * with it (the alarm history and active alarms, the status page's last hour) goes across: keep() hands it over
 * before stop() as one heap object, and adopt() takes it into the service's next instance right
 * after its start(), or frees it when the box has none (b's slot NULL).  Both NULL elsewhere.
 */
struct svc_ops {
	const char *name;
	int (*start)(struct box *b);
	void (*stop)(struct box *b);
	void (*status_json)(struct box *b, struct json *j);
	void (*status_text)(struct box *b, struct ctl_reply *rep);
	void (*metrics)(struct box *b, struct prom *p);
	void *(*keep)(struct box *b);
	void (*adopt)(struct box *b, void *kept);
};

/*
 * Defines PREFIX_ops for a service whose functions follow the house pattern:
 * PREFIX_new(b, &b->profile->CONFIG, &b->SLOT), PREFIX_free(), PREFIX_status_json(),
 * PREFIX_metrics() and, when WITH_TEXT, PREFIX_status_text().  Expanded in the service's own file, at its end.
 */
#define SVC_OPS_DEFINE(prefix, label, slot, config, with_text)                          \
	static int prefix##_ops_start(struct box *b)                                      \
	{                                                                                 \
		return prefix##_new(b, &b->profile->config, &b->slot);                    \
	}                                                                                 \
	static void prefix##_ops_stop(struct box *b)                                      \
	{                                                                                 \
		prefix##_free(b->slot);                                                   \
		b->slot = NULL;                                                           \
	}                                                                                 \
	static void prefix##_ops_status_json(struct box *b, struct json *j)               \
	{                                                                                 \
		prefix##_status_json(b->slot, j);                                         \
	}                                                                                 \
	static void prefix##_ops_metrics(struct box *b, struct prom *p)                   \
	{                                                                                 \
		prefix##_metrics(b->slot, p);                                             \
	}                                                                                 \
	static __attribute__((unused)) void prefix##_ops_status_text(struct box *b,       \
								      struct ctl_reply *rep) \
	{                                                                                 \
		prefix##_status_text(b->slot, rep);                                       \
	}                                                                                 \
	const struct svc_ops prefix##_ops = {                                             \
		.name = label,                                                            \
		.start = prefix##_ops_start,                                              \
		.stop = prefix##_ops_stop,                                                \
		.status_json = prefix##_ops_status_json,                                  \
		.status_text = (with_text) ? prefix##_ops_status_text : NULL,             \
		.metrics = prefix##_ops_metrics,                                          \
	}

#endif
