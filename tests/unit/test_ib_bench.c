/* test_ib_bench.c - benchmark options, quantiles, loopback runs on the simulated box's verbs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "drivers/ib_bench.h"
#include "drivers/ib_bench_ep.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "tests/unit/sim-box.h"

#define S 1000000000LL

static int parse(struct ib_bench_opts *o, const char *line, char *err, size_t errlen)
{
	char buf[512], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 32; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	ib_bench_opts_defaults(o);
	return ib_bench_opts_parse(o, argc, argv, err, errlen);
}

static void test_options(void **state)
{
	struct ib_bench_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, "", err, sizeof(err)), 0);
	assert_int_equal(o.test, IB_BENCH_WRITE_BW);
	assert_int_equal(o.role, IB_BENCH_LOOPBACK);
	assert_int_equal(o.nsizes, 1);
	assert_int_equal(o.sizes[0], 65536);
	assert_true(o.iters == 5000);
	assert_true(o.warmup_iters == 500);

	assert_int_equal(parse(&o, "--sizes all --iters 100", err, sizeof(err)), 0);
	assert_int_equal(o.nsizes, 23);
	assert_int_equal(o.sizes[0], 2);
	assert_int_equal(o.sizes[22], 8u << 20);

	assert_int_equal(parse(&o, "--sizes 4K,64K,1M --iters 100", err, sizeof(err)), 0);
	assert_int_equal(o.nsizes, 3);
	assert_int_equal(o.sizes[0], 4096);
	assert_int_equal(o.sizes[2], 1u << 20);

	assert_int_equal(parse(&o, "--lat", err, sizeof(err)), 0);
	assert_int_equal(o.test, IB_BENCH_SEND_LAT);
	assert_int_equal(o.sizes[0], 2);
	assert_true(o.iters == 1000);

	assert_int_equal(parse(&o, "--size 4K --duration 2s --bidir", err, sizeof(err)), 0);
	assert_int_equal(o.sizes[0], 4096);
	assert_true(o.iters == 0);
	assert_true(o.duration_ns == 2 * S);
	assert_true(o.warmup_ns == S / 2 && o.cooldown_ns == S / 2);
	assert_true(o.bidir);

	assert_int_equal(parse(&o, "--duration 400ms", err, sizeof(err)), 0);
	assert_true(o.warmup_ns == 100000000LL); /* a quarter of a short run */

	/* the bounds are included: 1 h is "at most 1 hour", in any unit */
	assert_int_equal(parse(&o, "--duration 1h", err, sizeof(err)), 0);
	assert_true(o.duration_ns == 3600 * S);
	assert_int_equal(parse(&o, "--duration 60m", err, sizeof(err)), 0);
	assert_int_equal(parse(&o, "--duration 3600", err, sizeof(err)), 0);
	assert_int_equal(parse(&o, "--duration 1ms", err, sizeof(err)), 0);
	assert_int_equal(parse(&o, "--size 8M", err, sizeof(err)), 0);
	assert_int_equal(parse(&o, "--size 2", err, sizeof(err)), 0);
	assert_int_equal(parse(&o, "--iters 100000000", err, sizeof(err)), 0);

	assert_int_equal(parse(&o, "--client 10.10.10.70 --port 9999 --dev mlx4_0:2", err,
			       sizeof(err)),
			 0);
	assert_int_equal(o.role, IB_BENCH_CLIENT);
	assert_string_equal(o.host, "10.10.10.70");
	assert_int_equal(o.tcp_port, 9999);
	assert_string_equal(o.dev, "mlx4_0");
	assert_int_equal(o.port, 2);

	assert_int_equal(parse(&o, "--dev mlx4_0:1 --dev2 mlx4_0:2", err, sizeof(err)), 0);
	assert_string_equal(o.dev2, "mlx4_0");
	assert_int_equal(o.port2, 2);
	assert_int_equal(parse(&o, "--server", err, sizeof(err)), 0);
	assert_int_equal(o.role, IB_BENCH_SERVER);
}

static void test_bad_options(void **state)
{
	static const char *const bad[] = {
		"--size 1", "--size 9M", "--size -5", "--size 12x", "--sizes some", "--sizes 4K,,1M",
		"--sizes 4K,16M", "--sizes ,", "--iters 0",
		"--iters 1000000000", "--duration 0", "--duration 2h", "--duration fast",
		"--iters 10 --duration 1s", "--lat --bidir", "--server --client h",
		"--client -rf", "--client a;b", "--port 0", "--port 70000", "--dev a/b",
		"--dev :1", "--dev mlx4_0:0", "--client h --dev2 mlx4_0", "--bogus", "--size",
		"--lat --iters 2000000",
	};
	struct ib_bench_opts o;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(&o, bad[i], err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void test_quantile(void **state)
{
	double v[100];

	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = (double)((i * 37) % 100); /* 0..99 shuffled */
	assert_true(ib_bench_quantile(v, 100, 0.5) == 49.0);
	assert_true(ib_bench_quantile(v, 100, 0.99) == 98.0);
	assert_true(ib_bench_quantile(v, 100, 1.0) == 99.0);
	assert_true(ib_bench_quantile(v, 100, 0.0) == 0.0);
	assert_true(isnan(ib_bench_quantile(v, 0, 0.5)));
	assert_true(isnan(ib_bench_quantile(v, 100, 1.5)));
}

/* the latency rows' median is perftest's t_typical: the mean of the middle two of an even count */
static void test_median_as_perftest(void **state)
{
	double even[] = { 4, 1, 3, 2 }, odd[] = { 5, 1, 4, 2, 3 }, copy[4];

	(void)state;
	memcpy(copy, even, sizeof(copy));
	assert_true(ib_bench_quantile(copy, 4, 0.5) == 2.0); /* nearest rank: the lower middle */
	assert_true(ib_bench_median(even, 4) == 2.5);
	assert_true(ib_bench_median(odd, 5) == 3.0);
	assert_true(isnan(ib_bench_median(odd, 0)));
}

/* latency sends: one signalled in min(32, half the send queue), never 0 */
static void test_lat_signal_every(void **state)
{
	(void)state;
	assert_int_equal(ib_bench_ep_lat_signal_every(128), 32); /* the default tx depth */
	assert_int_equal(ib_bench_ep_lat_signal_every(63), 32);
	assert_int_equal(ib_bench_ep_lat_signal_every(8), 4);
	assert_int_equal(ib_bench_ep_lat_signal_every(1), 1);
	assert_int_equal(ib_bench_ep_lat_signal_every(0), 1);
}

/* bandwidth posts: chains end at the first signalled WRITE, within the window and the total */
static void test_bw_batch(void **state)
{
	struct ib_bench_ep_stream st = { .sig_every = 32, .total = 1000, .mark_a = 100, .mark_b = 900 };
	bool sig;

	(void)state;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 32); /* 1..32, 32 signalled */
	assert_true(sig);
	st.posted = 96;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 4); /* 97..100: mark_a */
	assert_true(sig);
	st.posted = 100;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 28); /* 101..128 */
	assert_true(sig);
	st.posted = 130, st.completed = 10; /* 120 in flight of 128: the window cuts it */
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 8);
	assert_false(sig);
	st.completed = 2;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 0); /* window full */
	st.posted = 990, st.completed = 990;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 2); /* 991..992, 992 signalled */
	assert_true(sig);
	st.posted = 992, st.completed = 992;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 8); /* the last, signalled */
	assert_true(sig);
	st.posted = 1000;
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), 0);
	st = (struct ib_bench_ep_stream){ .sig_every = 100, .total = 1000 };
	assert_int_equal(ib_bench_ep_bw_batch(&st, 128, &sig), HW_VERBS_POST_LIST_MAX);
	assert_false(sig);
}

/* a waiting end yields only once a wait is far past a healthy round trip */
static void test_idle_yield(void **state)
{
	(void)state;
	assert_false(ib_bench_ep_idle_yield(0));
	assert_false(ib_bench_ep_idle_yield(255));
	assert_true(ib_bench_ep_idle_yield(256));
	assert_true(ib_bench_ep_idle_yield(100000));
}

/* the cycle-counter clock the linux backend times round trips with */
static void test_cycle_clock(void **state)
{
	struct hw_verbs_cycle_clock k = { 0 };
	const int64_t t0 = 5 * S;

	(void)state;
	/* 3 GHz: 30 M cycles in 10 ms */
	assert_int_equal(hw_verbs_cycle_clock_calibrate(&k, t0, 1000, t0 + S / 100, 1000 + 30000000),
			 0);
	assert_true(hw_verbs_cycle_clock_ns(&k, 1000) == t0);
	assert_true(hw_verbs_cycle_clock_ns(&k, 1000 + 3000) == t0 + 1000);
	assert_true(hw_verbs_cycle_clock_ns(&k, 1000 + 3000000000ULL) == t0 + S);
	assert_true(hw_verbs_cycle_clock_ns(&k, 1000 - 300) == t0 - 100); /* another CPU, behind */
	k.ns_per_cycle = 0;
	/* too short to tell, a counter that stood still, implausible rates: refused, k untouched */
	assert_int_equal(hw_verbs_cycle_clock_calibrate(&k, t0, 0, t0 + 1000, 3000), -ERANGE);
	assert_int_equal(hw_verbs_cycle_clock_calibrate(&k, t0, 7, t0 + S, 7), -ERANGE);
	assert_int_equal(hw_verbs_cycle_clock_calibrate(&k, t0, 0, t0 + S, 1000000), -ERANGE);
	assert_int_equal(hw_verbs_cycle_clock_calibrate(&k, t0, 0, t0 + S, 100000000000ULL), -ERANGE);
	assert_true(k.ns_per_cycle == 0);
}

/* ---- runs on the simulated H2 ---- */


static int run(struct sim_box *f, const char *line, struct ib_bench_report *rep, char *err,
	       size_t errlen)
{
	struct ib_bench_opts o;

	assert_int_equal(parse(&o, line, err, errlen), 0);
	return ib_bench_run(f->hw, &o, rep, NULL, NULL, err, errlen);
}

static void test_sim_write_bw_is_pcie_bound(void **state)
{
	struct sim_box *f = *state;
	struct ib_bench_report rep;
	char err[256];

	assert_int_equal(run(f, "--size 1M --iters 200", &rep, err, sizeof(err)), 0);
	assert_true(rep.simulated);
	assert_int_equal(rep.nrows, 1);
	assert_true(rep.rows[0].iters == 200); /* exactly the measured iterations */
	/* the QP caps the backend returned come back with the report (logged on the first run) */
	assert_true(rep.qp_caps.max_send_wr >= 2 && rep.qp_caps.max_sge == 1);
	/* PCIe 2.0 x4 after 8b/10b is 16 Gb/s; with TLP headers somewhat less, never QDR's 32 */
	assert_true(rep.rows[0].gbps > 12.5 && rep.rows[0].gbps < 16.0);
	/* small messages are message-rate bound */
	assert_int_equal(run(f, "--size 64 --iters 2000", &rep, err, sizeof(err)), 0);
	assert_true(rep.rows[0].gbps < 6.0);
	assert_true(rep.rows[0].msg_rate_mpps > 1.0);
}

static void test_sim_cabled_ports_bidir(void **state)
{
	struct sim_box *f = *state;
	struct ib_bench_report one, both;
	char err[256];

	/* the article's cabled-ports test: port 1 <-> port 2 of the same card */
	assert_int_equal(run(f, "--dev mlx4_0:1 --dev2 mlx4_0:2 --size 256K --iters 300", &one,
			     err, sizeof(err)),
			 0);
	assert_int_equal(one.port2, 2);
	assert_int_equal(run(f, "--dev mlx4_0:1 --dev2 mlx4_0 --size 256K --duration 100ms --bidir",
			     &both, err, sizeof(err)),
			 0);
	assert_int_equal(both.port2, 2);
	/* both directions cross the same x4 link: they share it (same time window: duration) */
	assert_true(isfinite(both.rows[0].gbps_reverse));
	assert_true(fabs(both.rows[0].gbps + both.rows[0].gbps_reverse - one.rows[0].gbps) <
		    0.05 * one.rows[0].gbps);
}

static void test_sim_latency(void **state)
{
	struct sim_box *f = *state;
	struct ib_bench_report rep;
	char err[256];

	assert_int_equal(run(f, "--lat --iters 500", &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.test, IB_BENCH_SEND_LAT);
	assert_true(rep.rows[0].iters == 500);
	assert_true(rep.rows[0].lat_min_us > 1.0 && rep.rows[0].lat_min_us < 3.0);
	assert_true(rep.rows[0].lat_min_us <= rep.rows[0].lat_median_us);
	assert_true(rep.rows[0].lat_median_us <= rep.rows[0].lat_p99_us);
	assert_true(rep.rows[0].lat_p99_us <= rep.rows[0].lat_max_us);
	/* sends are signalled in batches: even a 2-entry send queue never overflows */
	assert_int_equal(run(f, "--lat --iters 300 --tx-depth 1", &rep, err, sizeof(err)), 0);
	assert_true(rep.rows[0].iters == 300);
	assert_int_equal(run(f, "--lat --iters 300 --tx-depth 5 --dev mlx4_0:1 --dev2 mlx4_0:2",
			     &rep, err, sizeof(err)),
			 0);
	/* growing sizes keep their receives usable across rounds */
	assert_int_equal(run(f, "--lat --sizes all --iters 20", &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.nrows, 23);
	assert_true(rep.rows[22].lat_median_us > rep.rows[0].lat_median_us * 100);
}

static double port_bytes(struct sim_box *f, int port, const char *ctr)
{
	uint64_t v = 0;
	int bits = 0;

	assert_int_equal(sim_plant_ib_counter(f->plant, port, ctr, &v, &bits), 0);
	assert_int_equal(bits, 64);
	return 4.0 * (double)v;
}

/* The fabric's time and traffic reach the box: port counters, clock and power meter. */
static void test_sim_bench_moves_the_box(void **state)
{
	struct sim_box *f = *state;
	struct sim_plant_truth t0, t1, t2;
	struct ib_bench_report rep;
	double tx0 = port_bytes(f, 1, "port_xmit_data_64");
	double rx0 = port_bytes(f, 2, "port_rcv_data_64");
	double moved, dt, avg_w;
	char err[256];

	sim_plant_truth_get(f->plant, &t0);
	assert_true(t0.rdma_gbps == 0.0);
	assert_int_equal(run(f, "--dev mlx4_0:1 --dev2 mlx4_0:2 --size 1M --iters 2000", &rep, err,
			     sizeof(err)),
			 0);
	sim_plant_truth_get(f->plant, &t1);
	/* every WRITE, warm-up and cool-down (iters / 10 each) included, left port 1 and entered 2 */
	moved = (double)(2000 + 2 * 200) * (1 << 20);
	assert_true(fabs(port_bytes(f, 1, "port_xmit_data_64") - tx0 - moved) < 0.001 * moved);
	assert_true(fabs(port_bytes(f, 2, "port_rcv_data_64") - rx0 - moved) < 0.001 * moved);
	/* the box lived through the run: at least the measured part of it */
	dt = (double)(t1.now_ns - t0.now_ns) / 1e9;
	assert_true(dt >= rep.rows[0].seconds);
	assert_true(dt < 1.5 * rep.rows[0].seconds);
	/* ... drawing idle + the busy-polling core + the NIC's traffic share (no fan: paused) */
	avg_w = (t1.energy_j - t0.energy_j) / dt;
	assert_true(avg_w > t0.monitored_w + 2.5 + 0.5);
	assert_true(avg_w < t0.monitored_w + 2.5 + 3.2);
	/* and it is over: no RDMA rate, idle power again */
	assert_true(t1.rdma_gbps == 0.0);
	assert_true(fabs(t1.monitored_w - t0.monitored_w) < 0.01);
	/* a second run continues from the box's time, not from where the fabric stopped */
	assert_int_equal(run(f, "--size 64K --iters 100", &rep, err, sizeof(err)), 0);
	sim_plant_truth_get(f->plant, &t2);
	assert_true(t2.now_ns > t1.now_ns);
	assert_true(t2.now_ns - t1.now_ns < 1000000000LL);
}

static void test_sim_refusals(void **state)
{
	struct sim_box *f = *state;
	struct ib_bench_report rep;
	char err[256];

	/* trained but never configured (no subnet manager): refused at once, with the remedy */
	assert_int_equal(sim_plant_fault_set(f->plant, "ib-no-sm", true), 0);
	assert_int_equal(run(f, "--size 64K --iters 10", &rep, err, sizeof(err)), -ENETDOWN);
	assert_non_null(strstr(err, "mlx4_0 port 1 is INIT"));
	assert_non_null(strstr(err, "opensm"));
	assert_int_equal(sim_plant_fault_set(f->plant, "ib-no-sm", false), 0);
	assert_int_equal(run(f, "--size 64K --iters 10", &rep, err, sizeof(err)), 0);

	assert_int_equal(run(f, "--client 127.0.0.1 --port 9", &rep, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "loopback"));
	assert_true(run(f, "--dev mlx9_0", &rep, err, sizeof(err)) < 0);
	assert_true(run(f, "--dev mlx4_0:3", &rep, err, sizeof(err)) < 0);
}

/* the inline clamp against what devices answer for 236 B asked */
static void test_inline_clamp(void **state)
{
	(void)state;
	assert_int_equal(hw_verbs_inline_size(HW_VERBS_INLINE_ASK, 448), 236); /* mlx4 rounds up */
	assert_int_equal(hw_verbs_inline_size(HW_VERBS_INLINE_ASK, 236), 236); /* rxe */
	assert_int_equal(hw_verbs_inline_size(HW_VERBS_INLINE_ASK, 128), 128); /* a smaller grant */
	assert_int_equal(hw_verbs_inline_size(0, 448), 0); /* none asked (the retry) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_inline_clamp),
		cmocka_unit_test(test_median_as_perftest),
		cmocka_unit_test(test_lat_signal_every),
		cmocka_unit_test(test_cycle_clock),
		cmocka_unit_test(test_bw_batch),
		cmocka_unit_test(test_idle_yield),
		cmocka_unit_test_setup_teardown(test_sim_write_bw_is_pcie_bound, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test_setup_teardown(test_sim_cabled_ports_bidir, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test_setup_teardown(test_sim_latency, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test_setup_teardown(test_sim_bench_moves_the_box, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test_setup_teardown(test_sim_refusals, sim_box_setup_booted,
						sim_box_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
