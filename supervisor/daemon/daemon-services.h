/* daemon-services.h - the list of services h2boxd runs, started in order and stopped in reverse. */
#ifndef H2BOX_DAEMON_SERVICES_H
#define H2BOX_DAEMON_SERVICES_H

struct box;
struct json;
struct ctl_reply;
struct prom;

#define DAEMON_SERVICES_MAX 16

struct daemon_services {
	int started; /* how many of the table's services are running */
	void *kept[DAEMON_SERVICES_MAX]; /* a reload's hand-over (svc_ops.keep), until adopted */
};

int daemon_services_start(struct daemon_services *s, struct box *b);
void daemon_services_stop(struct daemon_services *s, struct box *b);
/*
 * Before a reload's stop: each running service's hand-over (svc_ops.keep), adopted by the
 * service's next start; kept_free (after the last stop) frees what no start took.
 */
void daemon_services_keep(struct daemon_services *s, struct box *b);
void daemon_services_kept_free(struct daemon_services *s, struct box *b);
void daemon_services_status_json(struct daemon_services *s, struct box *b, struct json *j);
/* Each running service's Prometheus families. */
void daemon_services_metrics(struct daemon_services *s, struct box *b, struct prom *p);
void daemon_services_status_text(struct daemon_services *s, struct box *b, struct ctl_reply *rep);

#endif
