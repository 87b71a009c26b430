/* daemon-metrics.h - Prometheus metrics and /api/status: HTTP routes, the metrics verb, the textfile. */
#ifndef H2BOX_DAEMON_METRICS_H
#define H2BOX_DAEMON_METRICS_H

#include <stddef.h>

struct box;
struct json;
struct daemon_services;
struct daemon_metrics;

/* The status verb's JSON members (the document of `h2box --json status`). */
typedef void (*daemon_metrics_status_fn)(void *userdata, struct json *j);

/*
 * Routes /metrics and /api/status on b->http when there is one, registers the `metrics` verb,
 * and writes [metrics] textfile every textfile_interval when set.  0 or -errno.
 */
int daemon_metrics_new(struct box *b, struct daemon_services *services,
		       daemon_metrics_status_fn status, void *userdata,
		       struct daemon_metrics **out);
void daemon_metrics_free(struct daemon_metrics *m);
/* The exposition text (malloc'd) or NULL when out of memory. */
char *daemon_metrics_render(struct daemon_metrics *m, size_t *len);

#endif
