/* svc.h - what each service gives the daemon: start from the box's profile, stop, its status. */
#ifndef H2BOX_SVC_H
#define H2BOX_SVC_H

struct box;
struct json;
struct ctl_reply;

/*
 * One table per service, defined next to the service (fan_svc_ops in fan-svc.c); the daemon
 * lists them in start order.  start() creates the service from b->profile into its box slot
 * and registers its verbs; stop() frees it, clears the slot, and the service's free drops
 * its verbs (the owner registers and unregisters).  status_json writes the service's own
 * named object; status_text its lines of `h2box status`.  Any but start and stop may be NULL.
 */
struct svc_ops {
	const char *name;
	int (*start)(struct box *b);
	void (*stop)(struct box *b);
	void (*status_json)(struct box *b, struct json *j);
	void (*status_text)(struct box *b, struct ctl_reply *rep);
};

#endif
