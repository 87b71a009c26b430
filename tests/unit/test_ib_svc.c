/* test_ib_svc.c - the [ib] profile section: defaults, every key, bad values, cross-key checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "supervisor/config/ib-config.h"

static int set(struct ib_config *c, const char *key, const char *value, char *err)
{
	err[0] = '\0';
	return ib_config_set(c, "ib", key, value, 7, err, 128);
}

static void test_defaults(void **state)
{
	struct ib_config c;
	char err[128];
	int line = -1;

	(void)state;
	ib_config_defaults(&c);
	assert_string_equal(c.device, "");
	assert_int_equal(c.ports_mask, 0);
	assert_false(c.pcie_narrow_expected);
	assert_true(c.sample_ns == 1000000000LL);
	assert_int_equal(c.bench_tcp_port, 18515);
	assert_int_equal(ib_config_validate(&c, &line, err, sizeof(err)), 0);
}

static void test_keys(void **state)
{
	struct ib_config c;
	char err[128];

	(void)state;
	ib_config_defaults(&c);
	assert_int_equal(set(&c, "device", "mlx4_0", err), 0);
	assert_string_equal(c.device, "mlx4_0");
	assert_int_equal(c.line_device, 7);
	assert_int_equal(set(&c, "device", "auto", err), 0);
	assert_string_equal(c.device, "");
	assert_int_equal(set(&c, "ports", "1,2", err), 0);
	assert_int_equal(c.ports_mask, (1u << 1) | (1u << 2));
	assert_int_equal(set(&c, "ports", "2", err), 0);
	assert_int_equal(c.ports_mask, 1u << 2);
	assert_int_equal(set(&c, "ports", "all", err), 0);
	assert_int_equal(c.ports_mask, 0);
	assert_int_equal(set(&c, "pcie_narrow_expected", "yes", err), 0);
	assert_true(c.pcie_narrow_expected);
	assert_int_equal(set(&c, "sample_period", "500ms", err), 0);
	assert_true(c.sample_ns == 500000000LL);
	assert_int_equal(set(&c, "bench_port", "9999", err), 0);
	assert_int_equal(c.bench_tcp_port, 9999);
	assert_int_equal(set(&c, "bench_timeout", "5s", err), 0);
	assert_int_equal(set(&c, "bench_max_duration", "2m", err), 0);
	assert_true(c.bench_max_ns == 120000000000LL);
	assert_int_equal(set(&c, "nonsense", "1", err), -ENOENT);
	assert_int_equal(ib_config_set(&c, "fan", "device", "x", 1, err, sizeof(err)), -ENOENT);
}

static void test_bad_values(void **state)
{
	struct ib_config c;
	char err[128];
	int line = 0;

	(void)state;
	ib_config_defaults(&c);
	assert_true(set(&c, "device", "../../etc", err) < 0);
	/* the profile loader puts "device: " in front, once */
	assert_string_equal(err, "'../../etc' is not an RDMA device name");
	assert_true(set(&c, "device", "", err) < 0);
	assert_true(set(&c, "ports", "0", err) < 0);
	assert_true(set(&c, "ports", "9", err) < 0);
	assert_string_equal(err, "'9' is not a port number 1..8 (or 'all')");
	assert_true(set(&c, "bench_port", "1.5", err) < 0);
	assert_int_equal(c.bench_tcp_port, 18515);
	assert_true(set(&c, "ports", "1,x", err) < 0);
	assert_true(set(&c, "ports", ",", err) < 0);
	assert_true(set(&c, "pcie_narrow_expected", "maybe", err) < 0);
	assert_true(set(&c, "sample_period", "10ms", err) < 0);
	assert_true(set(&c, "sample_period", "2h", err) < 0);
	assert_true(set(&c, "bench_port", "0", err) < 0);
	assert_true(set(&c, "bench_port", "65536", err) < 0);
	/* cross-key: a timeout as long as the longest run makes no sense */
	assert_int_equal(set(&c, "bench_timeout", "60s", err), 0);
	assert_int_equal(set(&c, "bench_max_duration", "30s", err), 0);
	assert_int_equal(ib_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bench_timeout"));
	assert_int_equal(line, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
