/* ib-watch.h - the IB link watch: finds the device, samples its ports, judges the link once. */
#ifndef H2BOX_IB_WATCH_H
#define H2BOX_IB_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/ib_port.h"
#include "hw/ib.h"
#include "supervisor/config/ib-config.h"
#include "supervisor/policy/ibnosm.h"
#include "supervisor/policy/linkmath.h"

struct box;

struct ib_watch_port {
	struct ib_port *port;
	struct hw_ib_port_attr attr;
	bool attr_ok;
	struct ib_port_sample sample;
	bool sampled;
};

/*
 * Embedded in the IB service; its verbs and status read the fields, only
 * ib-watch.c writes them.
 */
struct ib_watch {
	struct box *b;
	const struct ib_config *cfg;
	char dev[HW_IB_NAME_MAX]; /* resolved device, "" while none */
	int nports;
	struct ib_watch_port ports[IB_CONFIG_PORTS_MAX];
	double tx_gbps, rx_gbps;	 /* sum of the active ports, NAN unknown */
	struct linkmath_verdict verdict; /* of the first active port, for status */
	bool verdict_ok;
	bool lost_logged;
	struct ibnosm nosm; /* ports trained but INIT: alarm ib-no-sm (policy/ibnosm.h) */
};

void ib_watch_init(struct ib_watch *w, struct box *b, const struct ib_config *cfg);
/* Look for the configured (or first) device and open its wanted ports: 0 or -errno. */
int ib_watch_resolve(struct ib_watch *w);
/* One sampling period at now: rediscovers a lost device, logs state changes, sums the rates. */
void ib_watch_sample(struct ib_watch *w, int64_t now);
void ib_watch_close(struct ib_watch *w);
/* The expected ceiling of one direction of the device (Gb/s), NAN unknown. */
double ib_watch_ceiling_gbps(const struct ib_watch *w);
bool ib_watch_port_active(const struct ib_watch_port *wp);

#endif
