/* ib_port.h - one RDMA port: attributes and tx/rx rates from its sysfs traffic counters. */
#ifndef H2BOX_IB_PORT_H
#define H2BOX_IB_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/ib.h"

struct hw;

/*
 * ---- pure rate arithmetic on one counter ----
 * port_xmit_data/port_rcv_data count octets divided by 4.  Every IB byte
 * delta in h2box comes from ib_port_counter_delta(), with one rule:
 *  - a 64-bit counter that goes down was reset (perfquery -R, a driver
 *    reload; 2^64 words take centuries to wrap): the interval is unknown;
 *  - a 32-bit counter that reads 2^32-1 is stuck there (the IBA PMA
 *    counters stick at 16 GiB until reset): unknown, never 0 Gb/s;
 *  - a 32-bit counter that goes down wrapped modulo 2^32, unless it went
 *    down from its stuck maximum, or the wrap would count more than half
 *    the range (2^31 words, 8 GiB: it fell by less than half, as a reset
 *    to a small value does): then it was reset, and the interval is
 *    unknown.
 * A rate above the port's bound (ib_port_set_max_gbps) is a reset too.
 */
enum ib_port_rate_status {
	IB_PORT_RATE_OK,
	IB_PORT_RATE_FIRST,	/* first reading: no interval yet */
	IB_PORT_RATE_SATURATED, /* 32-bit counter stuck at its maximum */
	IB_PORT_RATE_RESET,	/* counter went back (reset or implausible wrap) */
	IB_PORT_RATE_BAD_TIME,	/* no time passed since the last reading */
	IB_PORT_RATE_NO_BYTES,	/* the port counts packets only (rxe): no rate ever */
};

#define IB_PORT_COUNTER32_MAX 0xffffffffULL
/* Default plausibility bound: above any IB/RoCE port's data rate (NDR 12X is 1.2 Tb/s). */
#define IB_PORT_MAX_GBPS_DEFAULT 2000.0

struct ib_port_rate {
	uint64_t last;
	int64_t last_ns;
	bool have;
	double max_gbps; /* bound for telling a wrap from a reset; <= 0 = the default */
};

const char *ib_port_rate_status_name(enum ib_port_rate_status st);
/*
 * The change of one counter from last to raw under the rule above, in the
 * counter's units; NAN with *status SATURATED or RESET when unknown (status
 * may be NULL).  bits: 32, 64, or 0 when unknown (then a reading above
 * 2^32-1 proves 64 bits).
 */
double ib_port_counter_delta(uint64_t last, uint64_t raw, int bits,
			     enum ib_port_rate_status *status);
void ib_port_rate_init(struct ib_port_rate *r, double max_gbps);
/*
 * Feed one raw reading (4-octet units) of width bits (32, 64, or 0 when
 * unknown: then a value above 2^32-1 proves 64 bits and exactly 2^32-1 is
 * taken as saturated).  Returns the rate in Gb/s over the interval since the
 * previous reading, or NAN with *status saying why.
 */
double ib_port_rate_update(struct ib_port_rate *r, uint64_t raw, int bits, int64_t now_ns,
			   enum ib_port_rate_status *status);

/* ---- a port on the bus ---- */

enum ib_port_source {
	IB_PORT_SRC_NONE,	/* no traffic counters at all */
	IB_PORT_SRC_DATA64,	/* port_xmit_data_64 / port_rcv_data_64 */
	IB_PORT_SRC_DATA,	/* counters/port_xmit_data (32 or 64 bits) */
	IB_PORT_SRC_HW_PACKETS, /* hw_counters sent_pkts/rcvd_pkts (rxe): packets, no bytes */
};
const char *ib_port_source_name(enum ib_port_source src);

struct ib_port_sample {
	enum ib_port_source source;
	int bits; /* data counters' width when both agree (each is decided alone), 0 unknown */
	double tx_gbps, rx_gbps; /* NAN when unknown */
	enum ib_port_rate_status tx_status, rx_status;
	bool bytes_known;
	uint64_t tx_bytes, rx_bytes; /* counter totals x 4; valid when bytes_known */
	bool saturated;		     /* a 32-bit counter is stuck: totals are lower bounds */
	bool packets_known;
	uint64_t tx_packets, rx_packets;
};

struct ib_port;

int ib_port_open(struct hw *hw, const char *dev, int port, struct ib_port **out);
void ib_port_free(struct ib_port *p);
const char *ib_port_dev(const struct ib_port *p);
int ib_port_num(const struct ib_port *p);
enum ib_port_source ib_port_source(const struct ib_port *p);
/* Bound used to tell a 64-bit wrap from a reset, e.g. 1.1 x the link's signalling rate. */
void ib_port_set_max_gbps(struct ib_port *p, double gbps);
int ib_port_query(struct ib_port *p, struct hw_ib_port_attr *attr);
/*
 * Read the counters at now_ns and update the rates.  Returns 0 (rates may
 * still be NAN, see the statuses) or -errno when the device is gone.
 */
int ib_port_sample(struct ib_port *p, int64_t now_ns, struct ib_port_sample *s);

/* IBTA state names for output ("ACTIVE"); "UNKNOWN" outside the table. */
const char *ib_port_state_name(int state);
/*
 * Why a port is not ACTIVE, in a sentence a user can act on ("the link is
 * up but no subnet manager ..."); NULL when it is ACTIVE.
 */
const char *ib_port_state_hint(const struct hw_ib_port_attr *a);
const char *ib_port_phys_state_name(int phys_state);
const char *ib_port_link_layer_name(int link_layer);
int ib_port_mtu_bytes(int mtu_code); /* 1..5 -> 256..4096, 0 unknown */

#endif
