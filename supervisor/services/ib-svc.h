/* ib-svc.h - the IB service: link probe (`ib link`), traffic counters and rates, `ib bench`. */
#ifndef H2BOX_IB_SVC_H
#define H2BOX_IB_SVC_H

#include "supervisor/config/ib-config.h"

struct svc_ops;
struct box;
struct json;
struct prom;
struct ctl_reply;
struct ib_svc;

int ib_svc_new(struct box *b, const struct ib_config *cfg, struct ib_svc **out);
void ib_svc_free(struct ib_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops ib_svc_ops;
/* Its Prometheus families (GET /metrics, `h2box metrics`). */
void ib_svc_metrics(struct ib_svc *s, struct prom *p);
void ib_svc_status_json(struct ib_svc *s, struct json *j);
void ib_svc_status_text(struct ib_svc *s, struct ctl_reply *rep);

/* The expected ceiling of one direction of the service's device (Gb/s), NAN unknown. */
double ib_svc_ceiling_gbps(const struct ib_svc *s);

#endif
