/* ib_port.c - port attributes and traffic rates; a stuck 32-bit counter reads as unknown. */
#include "drivers/ib_port.h"

#include "drivers/ib_preflight.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *ib_port_rate_status_name(enum ib_port_rate_status st)
{
	switch (st) {
	case IB_PORT_RATE_OK:
		return "ok";
	case IB_PORT_RATE_FIRST:
		return "first-sample";
	case IB_PORT_RATE_SATURATED:
		return "saturated";
	case IB_PORT_RATE_RESET:
		return "reset";
	case IB_PORT_RATE_BAD_TIME:
		return "bad-time";
	case IB_PORT_RATE_NO_BYTES:
		return "no-byte-counters";
	}
	return "unknown";
}

void ib_port_rate_init(struct ib_port_rate *r, double max_gbps)
{
	memset(r, 0, sizeof(*r));
	r->max_gbps = max_gbps;
}

double ib_port_counter_delta(uint64_t last, uint64_t raw, int bits,
			     enum ib_port_rate_status *status)
{
	enum ib_port_rate_status dummy;
	uint32_t delta;
	bool wide = bits == 64 ||
		    (bits != 32 && (raw > IB_PORT_COUNTER32_MAX || last > IB_PORT_COUNTER32_MAX));

	if (!status)
		status = &dummy;
	if (wide) {
		if (raw < last) {
			*status = IB_PORT_RATE_RESET;
			return NAN;
		}
		*status = IB_PORT_RATE_OK;
		return (double)(raw - last);
	}
	if (raw >= IB_PORT_COUNTER32_MAX) {
		*status = IB_PORT_RATE_SATURATED;
		return NAN;
	}
	if (raw < last && last >= IB_PORT_COUNTER32_MAX) {
		/* it left its stuck maximum: only a reset does that */
		*status = IB_PORT_RATE_RESET;
		return NAN;
	}
	/* 32-bit unsigned subtraction is the modulo-2^32 wrap */
	delta = (uint32_t)raw - (uint32_t)last;
	if (raw < last && delta > IB_PORT_COUNTER32_MAX / 2 + 1) {
		/* it fell by less than half its range: a wrap would count ~4 GB, a reset did it */
		*status = IB_PORT_RATE_RESET;
		return NAN;
	}
	*status = IB_PORT_RATE_OK;
	return (double)delta;
}

double ib_port_rate_update(struct ib_port_rate *r, uint64_t raw, int bits, int64_t now_ns,
			   enum ib_port_rate_status *status)
{
	enum ib_port_rate_status dummy;
	double max = r->max_gbps > 0.0 ? r->max_gbps : IB_PORT_MAX_GBPS_DEFAULT;
	bool had = r->have;
	uint64_t last = r->last;
	int64_t dt = now_ns - r->last_ns;
	double words, gbps;

	if (!status)
		status = &dummy;
	if (had && dt <= 0) {
		*status = IB_PORT_RATE_BAD_TIME;
		return NAN;
	}
	r->have = true;
	r->last = raw;
	r->last_ns = now_ns;
	words = ib_port_counter_delta(had ? last : raw, raw, bits, status);
	if (isnan(words))
		return NAN;
	if (!had) {
		*status = IB_PORT_RATE_FIRST;
		return NAN;
	}
	gbps = words * 32.0 / (double)dt;
	if (gbps > max) {
		*status = IB_PORT_RATE_RESET;
		return NAN;
	}
	*status = IB_PORT_RATE_OK;
	return gbps;
}

/* ---- a port on the bus ---- */

struct ib_port {
	struct hw *hw;
	char dev[HW_IB_NAME_MAX];
	int port;
	enum ib_port_source source;
	struct ib_port_rate tx, rx;
	double max_gbps;
	bool wide; /* a counter of this port went past 2^32-1: all its counters are 64-bit */
};

const char *ib_port_source_name(enum ib_port_source src)
{
	switch (src) {
	case IB_PORT_SRC_DATA64:
		return "port_xmit_data_64";
	case IB_PORT_SRC_DATA:
		return "port_xmit_data";
	case IB_PORT_SRC_HW_PACKETS:
		return "hw_counters (packets only)";
	case IB_PORT_SRC_NONE:
		break;
	}
	return "none";
}

static enum ib_port_source source_probe(struct ib_port *p)
{
	uint64_t v;
	int bits = 0;

	if (hw_ib_counter_read(p->hw, p->dev, p->port, "port_xmit_data_64", &v, &bits) == 0)
		return IB_PORT_SRC_DATA64;
	if (hw_ib_counter_read(p->hw, p->dev, p->port, "port_xmit_data", &v, &bits) == 0)
		return IB_PORT_SRC_DATA;
	/* rxe keeps only packet counts (rxe_hw_counters.c): bytes stay unknown */
	if (hw_ib_counter_read(p->hw, p->dev, p->port, "sent_pkts", &v, &bits) == 0)
		return IB_PORT_SRC_HW_PACKETS;
	return IB_PORT_SRC_NONE;
}

int ib_port_open(struct hw *hw, const char *dev, int port, struct ib_port **out)
{
	struct ib_port *p;
	int n;

	if (!dev || !*dev || strlen(dev) >= HW_IB_NAME_MAX || port < 1 || port > 255)
		return -EINVAL;
	n = hw_ib_port_count(hw, dev);
	if (n < 0)
		return n;
	if (port > n)
		return -ENODEV;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->hw = hw;
	strcpy(p->dev, dev);
	p->port = port;
	p->max_gbps = IB_PORT_MAX_GBPS_DEFAULT;
	ib_port_rate_init(&p->tx, p->max_gbps);
	ib_port_rate_init(&p->rx, p->max_gbps);
	p->source = source_probe(p);
	*out = p;
	return 0;
}

void ib_port_free(struct ib_port *p)
{
	free(p);
}

const char *ib_port_dev(const struct ib_port *p)
{
	return p->dev;
}

int ib_port_num(const struct ib_port *p)
{
	return p->port;
}

enum ib_port_source ib_port_source(const struct ib_port *p)
{
	return p->source;
}

void ib_port_set_max_gbps(struct ib_port *p, double gbps)
{
	p->max_gbps = gbps > 0.0 ? gbps : IB_PORT_MAX_GBPS_DEFAULT;
	p->tx.max_gbps = p->max_gbps;
	p->rx.max_gbps = p->max_gbps;
}

int ib_port_query(struct ib_port *p, struct hw_ib_port_attr *attr)
{
	return hw_ib_port_query(p->hw, p->dev, p->port, attr);
}

/*
 * One counter and its width.  The width is decided per counter, never per
 * pair: in a one-way test the idle side stays small for ever while the busy
 * side passes 2^32, and the idle side's width must not decide the busy
 * side's (nor the other way round).  The kernel exposes all traffic
 * counters of a port from one group, so once any of them exceeded 2^32-1
 * the port's counters are 64-bit from then on, whatever the backend guessed.
 */
static int read_counter(struct ib_port *p, const char *name, uint64_t *v, int *bits)
{
	int r;

	*bits = 0;
	r = hw_ib_counter_read(p->hw, p->dev, p->port, name, v, bits);
	if (r < 0)
		return r;
	if (*bits == 64 || *v > IB_PORT_COUNTER32_MAX)
		p->wide = true;
	if (p->wide)
		*bits = 64;
	return 0;
}

static int read_pair(struct ib_port *p, const char *tx_name, const char *rx_name, uint64_t *tx,
		     uint64_t *rx, int *btx, int *brx)
{
	int r = read_counter(p, tx_name, tx, btx);

	if (r == 0)
		r = read_counter(p, rx_name, rx, brx);
	/* the second read may have proved 64 bits for the first one too */
	if (r == 0 && p->wide)
		*btx = *brx = 64;
	return r;
}

int ib_port_sample(struct ib_port *p, int64_t now_ns, struct ib_port_sample *s)
{
	uint64_t tx = 0, rx = 0;
	int btx = 0, brx = 0, r;

	memset(s, 0, sizeof(*s));
	s->tx_gbps = NAN;
	s->rx_gbps = NAN;
	s->tx_status = s->rx_status = IB_PORT_RATE_FIRST;
	if (p->source == IB_PORT_SRC_NONE)
		p->source = source_probe(p); /* counters may appear once the driver finished */
	s->source = p->source;

	switch (p->source) {
	case IB_PORT_SRC_DATA64:
		r = read_pair(p, "port_xmit_data_64", "port_rcv_data_64", &tx, &rx, &btx, &brx);
		btx = btx ? btx : 64;
		brx = brx ? brx : 64;
		break;
	case IB_PORT_SRC_DATA:
		r = read_pair(p, "port_xmit_data", "port_rcv_data", &tx, &rx, &btx, &brx);
		break;
	case IB_PORT_SRC_HW_PACKETS:
		r = read_pair(p, "sent_pkts", "rcvd_pkts", &s->tx_packets, &s->rx_packets, &btx,
			      &brx);
		if (r == 0)
			s->packets_known = true;
		/* packets of unknown size give no Gb/s, however many samples follow */
		s->tx_status = s->rx_status = IB_PORT_RATE_NO_BYTES;
		return r == -ENOENT ? 0 : r;
	case IB_PORT_SRC_NONE:
	default:
		return 0;
	}
	if (r == -ENOENT) {
		/* the counter went away (driver reload): probe again next time */
		p->source = IB_PORT_SRC_NONE;
		ib_port_rate_init(&p->tx, p->max_gbps);
		ib_port_rate_init(&p->rx, p->max_gbps);
		p->wide = false;
		return 0;
	}
	if (r < 0)
		return r;
	s->bits = btx == brx ? btx : 0;
	s->tx_gbps = ib_port_rate_update(&p->tx, tx, btx, now_ns, &s->tx_status);
	s->rx_gbps = ib_port_rate_update(&p->rx, rx, brx, now_ns, &s->rx_status);
	s->saturated =
		s->tx_status == IB_PORT_RATE_SATURATED || s->rx_status == IB_PORT_RATE_SATURATED;
	s->bytes_known = true;
	s->tx_bytes = tx * 4;
	s->rx_bytes = rx * 4;
	/* packet counts are a bonus; absent ones are fine */
	if (read_pair(p,
		      p->source == IB_PORT_SRC_DATA64 ? "port_xmit_packets_64"
						      : "port_xmit_packets",
		      p->source == IB_PORT_SRC_DATA64 ? "port_rcv_packets_64" : "port_rcv_packets",
		      &s->tx_packets, &s->rx_packets, &btx, &brx) == 0)
		s->packets_known = true;
	return 0;
}

/* ---- names ---- */

static const char *const ib_port_state_names[] = {
	[HW_IB_PORT_STATE_NOP] = "NOP",	 [HW_IB_PORT_STATE_DOWN] = "DOWN",
	[HW_IB_PORT_STATE_INIT] = "INIT",	 [HW_IB_PORT_STATE_ARMED] = "ARMED",
	[HW_IB_PORT_STATE_ACTIVE] = "ACTIVE", [HW_IB_PORT_STATE_ACTIVE_DEFER] = "ACTIVE_DEFER",
};
_Static_assert(sizeof(ib_port_state_names) / sizeof(ib_port_state_names[0]) ==
		       HW_IB_PORT_STATE_COUNT,
	       "one name per IB port state");

static const char *const ib_port_phys_state_names[] = {
	[HW_IB_PORT_PHYS_NOP] = "NOP",
	[HW_IB_PORT_PHYS_SLEEP] = "SLEEP",
	[HW_IB_PORT_PHYS_POLLING] = "POLLING",
	[HW_IB_PORT_PHYS_DISABLED] = "DISABLED",
	[HW_IB_PORT_PHYS_TRAINING] = "PORT_CONFIGURATION_TRAINING",
	[HW_IB_PORT_PHYS_LINK_UP] = "LINK_UP",
	[HW_IB_PORT_PHYS_LINK_ERROR_RECOVERY] = "LINK_ERROR_RECOVERY",
	[HW_IB_PORT_PHYS_PHY_TEST] = "PHY_TEST",
};
_Static_assert(sizeof(ib_port_phys_state_names) / sizeof(ib_port_phys_state_names[0]) ==
		       HW_IB_PORT_PHYS_COUNT,
	       "one name per IB physical port state");

const char *ib_port_state_name(int state)
{
	return (state >= 0 && state < HW_IB_PORT_STATE_COUNT) ? ib_port_state_names[state]
							   : "UNKNOWN";
}

const char *ib_port_state_hint(const struct hw_ib_port_attr *a)
{
	if (a->state == HW_IB_PORT_STATE_ACTIVE)
		return NULL;
	/* the one subnet-manager rule (sm_lid 0 or INIT), before the physical state's guesses */
	if (ib_preflight_no_sm(a))
		return ib_preflight_no_sm_hint();
	if (a->link_layer == HW_IB_PORT_LINK_LAYER_ETHERNET) /* RoCE: follows its network interface */
		return "the network interface under this RoCE port is down or has no carrier";
	switch (a->phys_state) {
	case HW_IB_PORT_PHYS_POLLING:
		return "no link: check the cable and that the other end is powered and enabled";
	case HW_IB_PORT_PHYS_DISABLED:
		return "the port is disabled: enable it (ibportstate ... enable)";
	case HW_IB_PORT_PHYS_TRAINING:
	case HW_IB_PORT_PHYS_LINK_ERROR_RECOVERY:
		return "the link is still training or recovering: wait a few seconds";
	default:
		return "the port is not ACTIVE";
	}
}

const char *ib_port_phys_state_name(int phys_state)
{
	return (phys_state >= 0 && phys_state < HW_IB_PORT_PHYS_COUNT)
		       ? ib_port_phys_state_names[phys_state]
		       : "UNKNOWN";
}

const char *ib_port_link_layer_name(int link_layer)
{
	if (link_layer == HW_IB_PORT_LINK_LAYER_INFINIBAND)
		return "InfiniBand";
	if (link_layer == HW_IB_PORT_LINK_LAYER_ETHERNET)
		return "Ethernet";
	return "unknown";
}

int ib_port_mtu_bytes(int mtu_code)
{
	return (mtu_code >= 1 && mtu_code <= 5) ? 128 << mtu_code : 0;
}
