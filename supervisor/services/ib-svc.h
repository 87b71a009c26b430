/* ib-svc.h - the IB service: link probe (`ib link`), traffic counters and rates, `ib bench`. */
#ifndef H2BOX_IB_SVC_H
#define H2BOX_IB_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/ib.h"

struct svc_ops;
struct box;
struct json;
struct ctl_reply;
struct ib_svc;

#define IB_SVC_PORTS_MAX 8

/* [ib] */
struct ib_config {
	char device[HW_IB_NAME_MAX]; /* device = mlx4_0; "" = the first one found */
	unsigned ports_mask;	     /* ports = 1,2 | all; bit n = port n, 0 = all */
	bool pcie_narrow_expected;   /* pcie_narrow_expected = yes: the slot has fewer lanes
					than the card (the H2's M.2 x4 for an x8 card) */
	int64_t sample_ns;	     /* sample_period = 1s: counter sampling */
	int bench_tcp_port;	     /* bench_port = 18515: out-of-band exchange of `ib bench` */
	int64_t bench_timeout_ns;    /* bench_timeout = 10s: connect/exchange timeout */
	int64_t bench_max_ns; /* bench_max_duration = 60s: the longest run the daemon allows */
	int line_device, line_ports, line_sample, line_bench;
};

void ib_config_defaults(struct ib_config *c);
int ib_config_set(struct ib_config *c, const char *section, const char *key, const char *value,
		  int line, char *err, size_t errlen);
int ib_config_validate(const struct ib_config *c, int *line, char *err, size_t errlen);

int ib_svc_new(struct box *b, const struct ib_config *cfg, struct ib_svc **out);
void ib_svc_free(struct ib_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops ib_svc_ops;
void ib_svc_status_json(struct ib_svc *s, struct json *j);
void ib_svc_status_text(struct ib_svc *s, struct ctl_reply *rep);

/* The expected ceiling of one direction of the service's device (Gb/s), NAN unknown. */
double ib_svc_ceiling_gbps(const struct ib_svc *s);

#endif
