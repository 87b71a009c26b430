/* test_ib_port.c - counter rates: the delta rule (32-bit wrap, 64-bit reset), stuck counters, rxe. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/ib_port.h"

#define S		       1000000000LL
#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* 1 s at QDR's 32 Gb/s of data in 4-octet words */
#define QDR_WORDS_PER_S (32000000000ULL / 32)

static void test_rate_basic(void **state)
{
	struct ib_port_rate r;
	enum ib_port_rate_status st;

	(void)state;
	ib_port_rate_init(&r, 0);
	assert_true(isnan(ib_port_rate_update(&r, 1000, 64, 1 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_FIRST);
	/* 14.4 Gb/s for 1 s: 14.4e9 / 32 words */
	assert_near(ib_port_rate_update(&r, 1000 + 450000000ULL, 64, 2 * S, &st), 14.4, 1e-9);
	assert_int_equal(st, IB_PORT_RATE_OK);
	/* idle is a real zero */
	assert_near(ib_port_rate_update(&r, 1000 + 450000000ULL, 64, 3 * S, &st), 0.0, 0);
	assert_int_equal(st, IB_PORT_RATE_OK);
	/* no time passed: unknown, and the previous reading is kept */
	assert_true(isnan(ib_port_rate_update(&r, 5, 64, 3 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_BAD_TIME);
	assert_near(ib_port_rate_update(&r, 1000 + 2 * 450000000ULL, 64, 4 * S, &st), 14.4, 1e-9);
}

/* The one rule for IB byte deltas (ib_port.h): watts and the rates both go through it. */
static void test_counter_delta_rule(void **state)
{
	enum ib_port_rate_status st;

	(void)state;
	/* 64-bit: forward is a count, backward was a reset (never a wrap past 2^64) */
	assert_near(ib_port_counter_delta(10, 110, 64, &st), 100, 0);
	assert_int_equal(st, IB_PORT_RATE_OK);
	assert_true(isnan(ib_port_counter_delta(UINT64_MAX - 5, 10, 64, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	assert_true(isnan(ib_port_counter_delta(5000000000ULL, 10, 0, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/* 32-bit: backward is a wrap modulo 2^32 ... */
	assert_near(ib_port_counter_delta(0xfffffff0ULL, 0x10, 32, &st), 0x20, 0);
	assert_int_equal(st, IB_PORT_RATE_OK);
	/* ... unless the counter sits at its stuck maximum, or leaves it (a reset) */
	assert_true(isnan(ib_port_counter_delta(0xfffffff0ULL, 0xffffffffULL, 32, &st)));
	assert_int_equal(st, IB_PORT_RATE_SATURATED);
	assert_true(isnan(ib_port_counter_delta(0xffffffffULL, 0xffffffffULL, 32, &st)));
	assert_int_equal(st, IB_PORT_RATE_SATURATED);
	assert_true(isnan(ib_port_counter_delta(0xffffffffULL, 100, 32, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/* ... or falls by less than half its range: a wrap would count ~4 GB, it was a reset */
	assert_true(isnan(ib_port_counter_delta(1000000, 10, 32, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	assert_true(isnan(ib_port_counter_delta(0x80000010ULL, 0x11, 32, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/* exactly half the range is still a wrap */
	assert_near(ib_port_counter_delta(0x80000010ULL, 0x10, 32, &st), 0x80000000ULL, 0);
	assert_int_equal(st, IB_PORT_RATE_OK);
	/* width unknown and both readings under 2^32: the 32-bit rule */
	assert_near(ib_port_counter_delta(0xfffffff0ULL, 0x10, 0, &st), 0x20, 0);
	assert_near(ib_port_counter_delta(7, 7, 0, NULL), 0, 0);
}

static void test_rate_64bit_fall_is_reset(void **state)
{
	struct ib_port_rate r;
	enum ib_port_rate_status st;
	uint64_t near_top = UINT64_MAX - QDR_WORDS_PER_S / 2;

	(void)state;
	ib_port_rate_init(&r, 44.0);
	ib_port_rate_update(&r, near_top, 64, 10 * S, &st);
	/* a 64-bit counter that goes down was reset, even where a wrap would give a sane rate */
	assert_true(isnan(ib_port_rate_update(&r, QDR_WORDS_PER_S / 2 - 1, 64, 11 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/* a drop to a small value after a modest count: a reset */
	ib_port_rate_update(&r, 5000000000ULL, 64, 12 * S, &st);
	assert_true(isnan(ib_port_rate_update(&r, 10, 64, 13 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/* and the next interval is measured from the reset value */
	assert_near(ib_port_rate_update(&r, 10 + QDR_WORDS_PER_S / 4, 64, 14 * S, &st), 8.0, 1e-6);
}

static void test_rate_32bit_wrap(void **state)
{
	struct ib_port_rate r;
	enum ib_port_rate_status st;

	(void)state;
	ib_port_rate_init(&r, 44.0);
	ib_port_rate_update(&r, 0x100000000ULL - QDR_WORDS_PER_S / 2, 32, 1 * S, &st);
	/* a 32-bit counter below its maximum that goes down wrapped: 32 Gb/s over the wrap */
	assert_near(ib_port_rate_update(&r, QDR_WORDS_PER_S / 2, 32, 2 * S, &st), 32.0, 1e-6);
	assert_int_equal(st, IB_PORT_RATE_OK);
	/* a wrap that would mean more than the link carries was a reset */
	ib_port_rate_update(&r, 0x80000000ULL, 32, 3 * S, &st);
	assert_true(isnan(ib_port_rate_update(&r, 0x10, 32, 4 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	/*
	 * A reset seen over a long interval under the default bound: as a wrap it would read
	 * 0.4 Gb/s, plausible; the small fall says reset.  Then numbers again.
	 */
	ib_port_rate_init(&r, 0);
	ib_port_rate_update(&r, 1000000, 32, 10 * S, &st);
	assert_true(isnan(ib_port_rate_update(&r, 10, 32, 310 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	assert_near(ib_port_rate_update(&r, 10 + QDR_WORDS_PER_S, 32, 311 * S, &st), 32.0, 1e-6);
}

static void test_rate_32bit_saturation(void **state)
{
	struct ib_port_rate r;
	enum ib_port_rate_status st;
	double g;

	(void)state;
	ib_port_rate_init(&r, 0);
	ib_port_rate_update(&r, 0xf0000000ULL, 32, 1 * S, &st);
	/* reaches the top within the interval: bytes were lost, unknown */
	g = ib_port_rate_update(&r, 0xffffffffULL, 32, 2 * S, &st);
	assert_true(isnan(g));
	assert_int_equal(st, IB_PORT_RATE_SATURATED);
	/* stuck: never 0 Gb/s although the value did not move */
	for (int i = 3; i < 10; i++) {
		g = ib_port_rate_update(&r, 0xffffffffULL, 32, i * S, &st);
		assert_true(isnan(g));
		assert_int_equal(st, IB_PORT_RATE_SATURATED);
	}
	/* someone ran perfquery -R: one unknown interval, then numbers again */
	assert_true(isnan(ib_port_rate_update(&r, 100, 32, 10 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_RESET);
	assert_near(ib_port_rate_update(&r, 100 + QDR_WORDS_PER_S, 32, 11 * S, &st), 32.0, 1e-6);
	assert_int_equal(st, IB_PORT_RATE_OK);
}

static void test_rate_unknown_width(void **state)
{
	struct ib_port_rate r;
	enum ib_port_rate_status st;

	(void)state;
	/* width unknown: exactly 2^32-1 reads as saturated */
	ib_port_rate_init(&r, 0);
	ib_port_rate_update(&r, 0xfffffff0ULL, 0, 1 * S, &st);
	assert_true(isnan(ib_port_rate_update(&r, 0xffffffffULL, 0, 2 * S, &st)));
	assert_int_equal(st, IB_PORT_RATE_SATURATED);
	/* ... until a larger value proves the counter is 64 bits wide */
	assert_near(ib_port_rate_update(&r, 0xffffffffULL + QDR_WORDS_PER_S, 0, 3 * S, &st), 32.0,
		    1e-6);
	assert_int_equal(st, IB_PORT_RATE_OK);
}

/* ---- a fake bus for the port object: mlx4-like (32 or 64 bits) or rxe-like ---- */

/*
 * group: the PortCounters group the kernel chose for counters/ (core
 * sysfs.c get_counter_table()), and the width a backend reports for it.
 */
enum fake_group {
	GROUP_NONE,	  /* counters/ not offered (have32 decides, old behaviour) */
	GROUP_PMA32,	  /* 32-bit PortCounters: sticks at 2^32-1, reported 32 */
	GROUP_EXT,	  /* PortCountersExtended with IETF: reported 64 */
	GROUP_EXT_NOIETF, /* extended without IETF: looks like 32-bit until a value shows more */
};

static struct {
	bool have64, have32, have_pkts;
	enum fake_group group;
	uint64_t xmit, rcv, pkts;
	int reads_64;
} bus;

static int fake_group_read(uint64_t raw, uint64_t *value, int *bits)
{
	switch (bus.group) {
	case GROUP_PMA32:
		*value = raw > 0xffffffffULL ? 0xffffffffULL : raw;
		*bits = 32;
		return 0;
	case GROUP_EXT:
		*value = raw;
		*bits = 64;
		return 0;
	case GROUP_EXT_NOIETF:
		/* a backend that cannot tell guesses from the value alone */
		*value = raw;
		*bits = raw > 0xffffffffULL ? 64 : 32;
		return 0;
	case GROUP_NONE:
		break;
	}
	return -ENOENT;
}

int hw_ib_port_count(struct hw *hw, const char *dev)
{
	(void)hw;
	return strcmp(dev, "mlx4_0") == 0 || strcmp(dev, "rxe_lo") == 0 ? 2 : -ENODEV;
}

int hw_ib_port_query(struct hw *hw, const char *dev, int port, struct hw_ib_port_attr *attr)
{
	(void)hw;
	(void)dev;
	(void)port;
	memset(attr, 0, sizeof(*attr));
	attr->state = 4;
	return 0;
}

int hw_ib_counter_read(struct hw *hw, const char *dev, int port, const char *name, uint64_t *value,
		       int *bits)
{
	(void)hw;
	(void)dev;
	(void)port;
	if (bus.group != GROUP_NONE && strcmp(name, "port_xmit_data") == 0)
		return fake_group_read(bus.xmit, value, bits);
	if (bus.group != GROUP_NONE && strcmp(name, "port_rcv_data") == 0)
		return fake_group_read(bus.rcv, value, bits);
	if (bus.have64 && strcmp(name, "port_xmit_data_64") == 0) {
		bus.reads_64++;
		*value = bus.xmit;
		*bits = 64;
		return 0;
	}
	if (bus.have64 && strcmp(name, "port_rcv_data_64") == 0) {
		*value = bus.rcv;
		*bits = 64;
		return 0;
	}
	if (bus.have32 && strcmp(name, "port_xmit_data") == 0) {
		*value = bus.xmit > 0xffffffffULL ? 0xffffffffULL : bus.xmit;
		*bits = 32;
		return 0;
	}
	if (bus.have32 && strcmp(name, "port_rcv_data") == 0) {
		*value = bus.rcv > 0xffffffffULL ? 0xffffffffULL : bus.rcv;
		*bits = 32;
		return 0;
	}
	if (bus.have_pkts && (strcmp(name, "sent_pkts") == 0 || strcmp(name, "rcvd_pkts") == 0)) {
		*value = bus.pkts;
		*bits = 64;
		return 0;
	}
	return -ENOENT;
}

static void test_port_prefers_64bit(void **state)
{
	struct ib_port *p;
	struct ib_port_sample s;

	(void)state;
	memset(&bus, 0, sizeof(bus));
	bus.have64 = bus.have32 = true;
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 1, &p), 0);
	assert_int_equal(ib_port_source(p), IB_PORT_SRC_DATA64);
	bus.xmit = 0xfffff000ULL;
	assert_int_equal(ib_port_sample(p, 1 * S, &s), 0);
	assert_true(isnan(s.tx_gbps));
	/* past 16 GiB the 32-bit counter would stick; the 64-bit one keeps counting */
	bus.xmit += 450000000ULL;
	bus.rcv += 350000000ULL;
	assert_int_equal(ib_port_sample(p, 2 * S, &s), 0);
	assert_int_equal(s.bits, 64);
	assert_near(s.tx_gbps, 14.4, 1e-9);
	assert_near(s.rx_gbps, 11.2, 1e-9);
	assert_true(s.bytes_known);
	assert_true(s.tx_bytes == (0xfffff000ULL + 450000000ULL) * 4);
	assert_false(s.saturated);
	assert_true(bus.reads_64 > 0);
	ib_port_free(p);
}

static void test_port_32bit_stuck_is_unknown(void **state)
{
	struct ib_port *p;
	struct ib_port_sample s;

	(void)state;
	memset(&bus, 0, sizeof(bus));
	bus.have32 = true;
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 2, &p), 0);
	assert_int_equal(ib_port_source(p), IB_PORT_SRC_DATA);
	bus.xmit = 0x10000000ULL;
	ib_port_sample(p, 1 * S, &s);
	bus.xmit += QDR_WORDS_PER_S;
	bus.rcv += QDR_WORDS_PER_S;
	ib_port_sample(p, 2 * S, &s);
	assert_near(s.tx_gbps, 32.0, 1e-6);
	/* about 4 s at QDR later the counter sits at 0xFFFFFFFF */
	for (int i = 3; i < 8; i++) {
		bus.xmit += QDR_WORDS_PER_S;
		assert_int_equal(ib_port_sample(p, i * S, &s), 0);
	}
	assert_true(isnan(s.tx_gbps));
	assert_int_equal(s.tx_status, IB_PORT_RATE_SATURATED);
	assert_true(s.saturated);
	assert_near(s.rx_gbps, 0.0, 0); /* the receive counter is fine and idle */
	ib_port_free(p);
}

/* one second of a one-way test on a port of the given group; returns the last sample */
static void one_way(enum fake_group group, uint64_t tx_start, int seconds, struct ib_port_sample *s)
{
	struct ib_port *p;

	memset(&bus, 0, sizeof(bus));
	bus.group = group;
	bus.xmit = tx_start;
	bus.rcv = 1000; /* the idle side: small for ever */
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 1, &p), 0);
	assert_int_equal(ib_port_source(p), IB_PORT_SRC_DATA);
	assert_int_equal(ib_port_sample(p, 1 * S, s), 0);
	for (int i = 2; i <= seconds + 1; i++) {
		bus.xmit += QDR_WORDS_PER_S;
		bus.rcv += 10; /* a few acknowledgements */
		assert_int_equal(ib_port_sample(p, i * S, s), 0);
	}
	ib_port_free(p);
}

static void test_port_groups_one_way(void **state)
{
	struct ib_port_sample s;

	(void)state;
	/* extended group: the busy side past 2^32 is counted, the idle side is a real ~0 */
	one_way(GROUP_EXT, 0xf0000000ULL, 3, &s);
	assert_near(s.tx_gbps, 32.0, 1e-6);
	assert_int_equal(s.tx_status, IB_PORT_RATE_OK);
	assert_true(s.rx_gbps >= 0.0 && s.rx_gbps < 0.001);
	assert_false(s.saturated);
	assert_int_equal(s.bits, 64);

	/* extended without IETF: the busy side proves 64 bits although the idle one looks 32 */
	one_way(GROUP_EXT_NOIETF, 0xf0000000ULL, 3, &s);
	assert_near(s.tx_gbps, 32.0, 1e-6);
	assert_int_equal(s.tx_status, IB_PORT_RATE_OK);
	assert_int_equal(s.rx_status, IB_PORT_RATE_OK);
	assert_true(s.rx_gbps >= 0.0 && s.rx_gbps < 0.001);
	assert_false(s.saturated);
	assert_int_equal(s.bits, 64);
	/* the tx total is the real one, not a 32-bit lower bound */
	assert_true(s.tx_bytes == (0xf0000000ULL + 3 * QDR_WORDS_PER_S) * 4);

	/* 32-bit group: the busy side sticks and is unknown; the idle side still reads */
	one_way(GROUP_PMA32, 0xf0000000ULL, 3, &s);
	assert_true(isnan(s.tx_gbps));
	assert_int_equal(s.tx_status, IB_PORT_RATE_SATURATED);
	assert_true(s.saturated);
	assert_int_equal(s.rx_status, IB_PORT_RATE_OK);
	assert_true(s.rx_gbps >= 0.0 && s.rx_gbps < 0.001);
	assert_int_equal(s.bits, 32);
}

static void test_port_wide_sticks(void **state)
{
	struct ib_port *p;
	struct ib_port_sample s;

	(void)state;
	/* once a counter passed 2^32, an exact 2^32-1 on the other one is a count, not stuck */
	memset(&bus, 0, sizeof(bus));
	bus.group = GROUP_EXT_NOIETF;
	bus.xmit = 0x100000000ULL + 5;
	bus.rcv = 0xffffffffULL - QDR_WORDS_PER_S;
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 1, &p), 0);
	assert_int_equal(ib_port_sample(p, 1 * S, &s), 0);
	bus.rcv = 0xffffffffULL;
	bus.xmit = 0x10; /* and the tx side falls back under 2^32 (reset): still 64-bit */
	assert_int_equal(ib_port_sample(p, 2 * S, &s), 0);
	assert_int_equal(s.rx_status, IB_PORT_RATE_OK);
	assert_near(s.rx_gbps, 32.0, 1e-6);
	assert_int_equal(s.tx_status, IB_PORT_RATE_RESET); /* a falling 64-bit counter: unknown */
	assert_true(isnan(s.tx_gbps));
	assert_false(s.saturated);
	ib_port_free(p);
}

static void test_port_rxe_packets_only(void **state)
{
	struct ib_port *p;
	struct ib_port_sample s;

	(void)state;
	memset(&bus, 0, sizeof(bus));
	bus.have_pkts = true;
	assert_int_equal(ib_port_open(NULL, "rxe_lo", 1, &p), 0);
	assert_int_equal(ib_port_source(p), IB_PORT_SRC_HW_PACKETS);
	bus.pkts = 1234;
	assert_int_equal(ib_port_sample(p, 1 * S, &s), 0);
	bus.pkts = 99999;
	assert_int_equal(ib_port_sample(p, 2 * S, &s), 0);
	assert_true(isnan(s.tx_gbps)); /* packets have no size: bytes unknown, not zero */
	assert_true(isnan(s.rx_gbps));
	assert_int_equal(s.tx_status, IB_PORT_RATE_NO_BYTES); /* not "first-sample" forever */
	assert_false(s.bytes_known);
	assert_true(s.packets_known);
	assert_true(s.tx_packets == 99999);
	ib_port_free(p);
}

static void test_port_no_counters_and_bad_args(void **state)
{
	struct ib_port *p;
	struct ib_port_sample s;

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 1, &p), 0);
	assert_int_equal(ib_port_source(p), IB_PORT_SRC_NONE);
	assert_int_equal(ib_port_sample(p, 1 * S, &s), 0);
	assert_true(isnan(s.tx_gbps));
	/* counters appear later (driver finished loading) */
	bus.have64 = true;
	assert_int_equal(ib_port_sample(p, 2 * S, &s), 0);
	assert_int_equal(s.source, IB_PORT_SRC_DATA64);
	ib_port_free(p);
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 3, &p), -ENODEV);
	assert_int_equal(ib_port_open(NULL, "mlx4_0", 0, &p), -EINVAL);
	assert_int_equal(ib_port_open(NULL, "nope", 1, &p), -ENODEV);
	assert_int_equal(ib_port_open(NULL, "", 1, &p), -EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ib_port_state_name(4), "ACTIVE");
	assert_string_equal(ib_port_state_name(99), "UNKNOWN");
	assert_string_equal(ib_port_phys_state_name(5), "LINK_UP");
	assert_string_equal(ib_port_phys_state_name(-1), "UNKNOWN");
	/* the enums carry the IBTA codes the kernel and libibverbs use (sysfs "4: ACTIVE") */
	assert_int_equal(HW_IB_PORT_STATE_ACTIVE, 4);
	assert_string_equal(ib_port_state_name(HW_IB_PORT_STATE_DOWN), "DOWN");
	assert_string_equal(ib_port_state_name(HW_IB_PORT_STATE_ACTIVE_DEFER), "ACTIVE_DEFER");
	assert_string_equal(ib_port_state_name(HW_IB_PORT_STATE_COUNT), "UNKNOWN");
	assert_int_equal(HW_IB_PORT_PHYS_LINK_UP, 5);
	assert_string_equal(ib_port_phys_state_name(HW_IB_PORT_PHYS_POLLING), "POLLING");
	assert_string_equal(ib_port_phys_state_name(HW_IB_PORT_PHYS_PHY_TEST), "PHY_TEST");
	assert_string_equal(ib_port_phys_state_name(HW_IB_PORT_PHYS_COUNT), "UNKNOWN");
	assert_string_equal(ib_port_link_layer_name(1), "InfiniBand");
	assert_string_equal(ib_port_link_layer_name(2), "Ethernet");
	assert_int_equal(ib_port_mtu_bytes(5), 4096);
	assert_int_equal(ib_port_mtu_bytes(1), 256);
	assert_int_equal(ib_port_mtu_bytes(6), 0);
}

/* Why a port is not ACTIVE, per IBTA state, physical state and link layer. */
static void test_state_hints(void **state)
{
	struct hw_ib_port_attr a = { .state = 4, .phys_state = 5, .link_layer = 1 };

	(void)state;
	assert_null(ib_port_state_hint(&a));
	a.state = 2; /* INIT on a trained link: the classic missing opensm */
	assert_non_null(strstr(ib_port_state_hint(&a), "no subnet manager"));
	a.state = 3; /* ARMED: the SM came but never activated it */
	assert_non_null(strstr(ib_port_state_hint(&a), "subnet manager"));
	a.state = 1;
	a.phys_state = 2;
	assert_non_null(strstr(ib_port_state_hint(&a), "cable"));
	a.phys_state = 3;
	assert_non_null(strstr(ib_port_state_hint(&a), "disabled"));
	a.phys_state = 4;
	assert_non_null(strstr(ib_port_state_hint(&a), "training"));
	a.link_layer = 2; /* RoCE: no subnet manager involved */
	a.phys_state = 5;
	assert_null(strstr(ib_port_state_hint(&a), "subnet"));
	assert_non_null(strstr(ib_port_state_hint(&a), "network interface"));
	a.state = 0;
	a.link_layer = 1;
	a.phys_state = 0;
	assert_string_equal(ib_port_state_hint(&a), "the port is not ACTIVE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_basic),
		cmocka_unit_test(test_counter_delta_rule),
		cmocka_unit_test(test_rate_64bit_fall_is_reset),
		cmocka_unit_test(test_rate_32bit_wrap),
		cmocka_unit_test(test_rate_32bit_saturation),
		cmocka_unit_test(test_rate_unknown_width),
		cmocka_unit_test(test_port_prefers_64bit),
		cmocka_unit_test(test_port_32bit_stuck_is_unknown),
		cmocka_unit_test(test_port_groups_one_way),
		cmocka_unit_test(test_port_wide_sticks),
		cmocka_unit_test(test_port_rxe_packets_only),
		cmocka_unit_test(test_port_no_counters_and_bad_args),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_state_hints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
