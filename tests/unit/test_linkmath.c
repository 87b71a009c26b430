/* test_linkmath.c - the article's rate table, PCIe generations, the H2's PCIe-bound verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "supervisor/policy/linkmath.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void rate4x(int speed, struct linkmath_rate *r)
{
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 2, speed, r), 0);
	assert_int_equal(r->lanes, 4);
}

/* Rows of the article's table whose arithmetic is right, to the article's precision. */
static void test_article_rows_8b10b(void **state)
{
	struct linkmath_rate r;

	(void)state;
	rate4x(1, &r);
	assert_string_equal(r.speed_name, "SDR");
	assert_int_equal(r.enc, LINKMATH_ENC_8B10B);
	assert_near(r.signal_gbps, 10.0, 1e-9);
	assert_near(r.data_gbps, 8.0, 1e-9);
	rate4x(2, &r);
	assert_string_equal(r.speed_name, "DDR");
	assert_near(r.signal_gbps, 20.0, 1e-9);
	assert_near(r.data_gbps, 16.0, 1e-9);
	/* "For QDR, the max bandwidth is 40 x 8 / 10 = 32 Gb/s." */
	rate4x(4, &r);
	assert_string_equal(r.speed_name, "QDR");
	assert_near(r.nominal_gbps, 40.0, 1e-9);
	assert_near(r.signal_gbps, 40.0, 1e-9);
	assert_near(r.data_gbps, 32.0, 1e-9);
}

static void test_article_rows_64b66b(void **state)
{
	struct linkmath_rate r;

	(void)state;
	/* FDR: "56 x 64 / 66 = 54.3"; the true lane rate is 14.0625 Gbaud, so 54.5 */
	rate4x(16, &r);
	assert_string_equal(r.speed_name, "FDR");
	assert_int_equal(r.enc, LINKMATH_ENC_64B66B);
	assert_near(r.nominal_gbps, 56.0, 1e-9);
	assert_near(r.signal_gbps, 56.25, 1e-9);
	assert_near(r.data_gbps, 54.3, 0.3);
	/*
	 * FDR10: the article computes 56 x 8/10 = 44.8, but FDR10 is a
	 * 10.3125 Gbaud lane with 64b/66b (the kernel's sysfs prints
	 * "40 Gb/sec (4X FDR10)"): 40 Gb/s of data, 25 % over QDR's 32.
	 */
	rate4x(8, &r);
	assert_string_equal(r.speed_name, "FDR10");
	assert_int_equal(r.enc, LINKMATH_ENC_64B66B);
	assert_near(r.nominal_gbps, 40.0, 1e-9);
	assert_near(r.signal_gbps, 41.25, 1e-9);
	assert_near(r.data_gbps, 40.0, 1e-9);
	/* EDR: the article's 100 x 64/66 = 97 applies 64b/66b to the data rate; lanes: 25.78125 */
	rate4x(32, &r);
	assert_string_equal(r.speed_name, "EDR");
	assert_near(r.nominal_gbps, 100.0, 1e-9);
	assert_near(r.signal_gbps, 103.125, 1e-9);
	assert_near(r.data_gbps, 100.0, 1e-9);
	assert_near(r.nominal_gbps * 64.0 / 66.0, 97.0,
		    0.05); /* the article's figure, for the record */
	rate4x(64, &r);
	assert_string_equal(r.speed_name, "HDR");
	assert_near(r.nominal_gbps, 200.0, 1e-9);
	assert_near(r.data_gbps, 200.0, 1e-9);
	assert_true(r.signal_gbps > r.data_gbps);
	rate4x(128, &r);
	assert_string_equal(r.speed_name, "NDR");
	assert_near(r.data_gbps, 400.0, 1e-9);
}

static void test_widths_and_bad_codes(void **state)
{
	struct linkmath_rate r;

	(void)state;
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 1, 4, &r), 0);
	assert_near(r.data_gbps, 8.0, 1e-9);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 8, 4, &r), 0);
	assert_int_equal(r.lanes, 12);
	assert_near(r.data_gbps, 96.0, 1e-9);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 16, 32, &r), 0);
	assert_int_equal(r.lanes, 2);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 2, 3, &r), -EINVAL);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 3, 4, &r), -EINVAL);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_IB, 0, 0, &r), -EINVAL);
	assert_int_equal(linkmath_port_rate((enum linkmath_layer)7, 2, 4, &r), -EINVAL);
}

/* RoCE: the kernel's ib_get_eth_speed() buckets; nominal figures are Ethernet data rates. */
static void test_roce_speeds(void **state)
{
	struct linkmath_rate r;

	(void)state;
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 1, 1, &r),
			 0); /* <= 1G, rxe on lo */
	assert_string_equal(r.speed_name, "1GbE");
	assert_near(r.data_gbps, 1.0, 1e-9);
	assert_near(r.signal_gbps, 1.25, 1e-9);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 1, 8, &r), 0);
	assert_string_equal(r.speed_name, "10GbE");
	assert_near(r.data_gbps, 10.0, 1e-9);
	assert_near(r.signal_gbps, 10.3125, 1e-9);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 1, 32, &r), 0);
	assert_string_equal(r.speed_name, "25GbE");
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 2, 8, &r), 0);
	assert_string_equal(r.speed_name, "40GbE");
	assert_near(r.data_gbps, 40.0, 1e-9);
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 2, 32, &r), 0);
	assert_string_equal(r.speed_name, "100GbE");
}

static void test_pcie_generations(void **state)
{
	(void)state;
	/* gen 1, 2: 8b/10b */
	assert_near(linkmath_pcie_gts(1), 2.5, 1e-9);
	assert_int_equal(linkmath_pcie_encoding(1), LINKMATH_ENC_8B10B);
	assert_near(linkmath_pcie_data_gbps(1, 1), 2.0, 1e-9);
	assert_near(linkmath_pcie_data_gbps(1, 16), 32.0, 1e-9);
	assert_near(linkmath_pcie_gts(2), 5.0, 1e-9);
	assert_int_equal(linkmath_pcie_encoding(2), LINKMATH_ENC_8B10B);
	/* "4 Gbit/s x 4 lanes = 16 Gbit/s" */
	assert_near(linkmath_pcie_data_gbps(2, 1), 4.0, 1e-9);
	assert_near(linkmath_pcie_data_gbps(2, 4), 16.0, 1e-9);
	assert_near(linkmath_pcie_data_gbps(2, 8), 32.0, 1e-9);
	/* gen 3-5: 128b/130b */
	assert_int_equal(linkmath_pcie_encoding(3), LINKMATH_ENC_128B130B);
	assert_near(linkmath_pcie_data_gbps(3, 1), 8.0 * 128 / 130, 1e-9);
	assert_near(linkmath_pcie_data_gbps(3, 8), 63.015, 0.001);
	assert_int_equal(linkmath_pcie_encoding(4), LINKMATH_ENC_128B130B);
	assert_near(linkmath_pcie_data_gbps(4, 4), 63.015, 0.001);
	assert_int_equal(linkmath_pcie_encoding(5), LINKMATH_ENC_128B130B);
	assert_near(linkmath_pcie_data_gbps(5, 16), 504.12, 0.01);
	/* gen 6: flit mode */
	assert_int_equal(linkmath_pcie_encoding(6), LINKMATH_ENC_FLIT);
	assert_near(linkmath_pcie_gts(6), 64.0, 1e-9);
	assert_near(linkmath_pcie_data_gbps(6, 1), 59.0, 1e-9);
	for (int g = 1; g <= 6; g++)
		assert_int_equal(linkmath_pcie_generation(g), g);
	/* reserved codes and silly widths */
	assert_int_equal(linkmath_pcie_generation(0), 0);
	assert_int_equal(linkmath_pcie_generation(7), 0);
	assert_near(linkmath_pcie_data_gbps(7, 4), 0.0, 0);
	assert_near(linkmath_pcie_data_gbps(2, 0), 0.0, 0);
	assert_near(linkmath_pcie_data_gbps(2, 64), 0.0, 0);
}

static void test_tlp_efficiency(void **state)
{
	(void)state;
	assert_near(linkmath_pcie_tlp_efficiency(128), 128.0 / 152.0, 1e-12);
	assert_near(linkmath_pcie_tlp_efficiency(256), 256.0 / 280.0, 1e-12);
	assert_near(linkmath_pcie_tlp_efficiency(4096), 4096.0 / 4120.0, 1e-12);
	assert_near(linkmath_pcie_tlp_efficiency(0), 0.0, 0);
	assert_near(linkmath_pcie_tlp_efficiency(64), 0.0, 0);
	assert_near(linkmath_pcie_tlp_efficiency(384), 0.0, 0);
	assert_near(linkmath_pcie_tlp_efficiency(8192), 0.0, 0);
}

/* The article's card on the H2: QDR 4X, LnkCap x8 5 GT/s, LnkSta x4 5 GT/s -> PCIe-bound at 16. */
static void test_h2_connectx2_pcie_bound(void **state)
{
	struct linkmath_rate r;
	struct linkmath_pcie_link p = {
		.cap_speed = 2,
		.cap_width = 8,
		.sta_speed = 2,
		.sta_width = 4,
		.mps = 0,
	};
	struct linkmath_verdict v;

	(void)state;
	rate4x(4, &r);
	linkmath_assess(&r, &p, false, &v);
	assert_near(v.net_data_gbps, 32.0, 1e-9);
	assert_near(v.pcie_cap_data_gbps, 32.0, 1e-9);
	assert_near(v.pcie_data_gbps, 16.0, 1e-9);
	assert_true(isnan(v.pcie_tlp_efficiency));
	assert_int_equal(v.bottleneck, LINKMATH_BN_PCIE);
	assert_near(v.ceiling_gbps, 16.0, 1e-9);
	assert_true(v.pcie_narrow);
	assert_false(v.pcie_slow);
	assert_true(v.warn); /* x4 of x8 on an unknown board is worth a warning */
	assert_non_null(strstr(v.explain, "x8 but trained at x4"));
	assert_non_null(strstr(v.explain, "check the slot"));
	assert_non_null(strstr(v.explain, "PCIe, not the network"));

	/* the H2 profile declares it: explained, not warned */
	p.mps = 128;
	linkmath_assess(&r, &p, true, &v);
	assert_false(v.warn);
	assert_true(v.pcie_narrow);
	assert_true(v.narrow_expected);
	assert_non_null(strstr(v.explain, "as expected for this board"));
	assert_near(v.pcie_tlp_efficiency, 128.0 / 152.0, 1e-12);
	assert_near(v.ceiling_gbps, 16.0 * 128.0 / 152.0, 1e-9);
	assert_true(v.ceiling_gbps > 13.0 && v.ceiling_gbps < 14.4);
	assert_int_equal(v.bottleneck, LINKMATH_BN_PCIE);
	assert_string_equal(linkmath_bottleneck_name(v.bottleneck), "pcie");
}

static void test_network_bound_and_slow_link(void **state)
{
	struct linkmath_rate r;
	struct linkmath_pcie_link p = {
		.cap_speed = 3,
		.cap_width = 8,
		.sta_speed = 3,
		.sta_width = 8,
		.mps = 256,
	};
	struct linkmath_verdict v;

	(void)state;
	/* ConnectX-3 FDR in a full gen3 x8 slot: the port caps it */
	rate4x(16, &r);
	linkmath_assess(&r, &p, false, &v);
	assert_int_equal(v.bottleneck, LINKMATH_BN_NETWORK);
	assert_near(v.ceiling_gbps, r.data_gbps, 1e-9);
	assert_false(v.warn);
	/* trained at gen2: a warning even when narrow links are expected */
	p.sta_speed = 2;
	linkmath_assess(&r, &p, true, &v);
	assert_true(v.pcie_slow);
	assert_true(v.warn);
	assert_int_equal(v.bottleneck, LINKMATH_BN_PCIE);
	assert_non_null(strstr(v.explain, "trained at 5 GT/s"));
	/* FDR10: the explanation says why it is not the article's 44.8 */
	rate4x(8, &r);
	p.sta_speed = 3;
	linkmath_assess(&r, &p, false, &v);
	assert_non_null(strstr(v.explain, "40.0 Gb/s of data"));
	assert_non_null(strstr(v.explain, "Not 56 x 8/10 = 44.8"));
	rate4x(16, &r);
	linkmath_assess(&r, &p, false, &v);
	assert_null(strstr(v.explain, "44.8"));
}

static void test_unknown_parts(void **state)
{
	struct linkmath_rate r;
	struct linkmath_pcie_link p = {
		.cap_speed = 2, .cap_width = 8, .sta_speed = 2, .sta_width = 4
	};
	struct linkmath_verdict v;

	(void)state;
	/* soft device: no PCIe */
	assert_int_equal(linkmath_port_rate(LINKMATH_LAYER_ETH, 1, 1, &r), 0);
	linkmath_assess(&r, NULL, false, &v);
	assert_int_equal(v.bottleneck, LINKMATH_BN_NETWORK);
	assert_near(v.ceiling_gbps, 1.0, 1e-9);
	assert_true(isnan(v.pcie_data_gbps));
	assert_false(v.warn);
	/* port unknown (down), PCIe known */
	linkmath_assess(NULL, &p, true, &v);
	assert_int_equal(v.bottleneck, LINKMATH_BN_PCIE);
	assert_true(isnan(v.net_data_gbps));
	assert_near(v.ceiling_gbps, 16.0, 1e-9);
	/* nothing known */
	linkmath_assess(NULL, NULL, false, &v);
	assert_int_equal(v.bottleneck, LINKMATH_BN_UNKNOWN);
	assert_true(isnan(v.ceiling_gbps));
	/* garbage PCIe fields are ignored, not turned into numbers */
	p.sta_speed = 9;
	linkmath_assess(NULL, &p, false, &v);
	assert_true(isnan(v.pcie_data_gbps));
	assert_true(isnan(v.ceiling_gbps));
	assert_false(v.pcie_narrow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_rows_8b10b),
		cmocka_unit_test(test_article_rows_64b66b),
		cmocka_unit_test(test_widths_and_bad_codes),
		cmocka_unit_test(test_roce_speeds),
		cmocka_unit_test(test_pcie_generations),
		cmocka_unit_test(test_tlp_efficiency),
		cmocka_unit_test(test_h2_connectx2_pcie_bound),
		cmocka_unit_test(test_network_bound_and_slow_link),
		cmocka_unit_test(test_unknown_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
