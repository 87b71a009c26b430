/* history-svc.h - the history service: samples the readings into the ring, `history` verb. */
#ifndef H2BOX_HISTORY_SVC_H
#define H2BOX_HISTORY_SVC_H

struct box;
struct json;
struct svc_ops;
struct history;
struct history_svc;

/* Sample b->readings every HISTORY_PERIOD_NS of box time from now on; registers `history`. */
int history_svc_new(struct box *b, struct history_svc **out);
void history_svc_free(struct history_svc *s);
/* The ring (for tests and the page). */
const struct history *history_svc_ring(const struct history_svc *s);
/*
 * The one rendering of the history: `h2box --json history` and the page's /api/history both
 * write it, as members of the current object.
 */
void history_svc_json(const struct history_svc *s, struct json *j);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops history_svc_ops;

#endif
