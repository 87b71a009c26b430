/* test_ib_selftest.c - `ib selftest` on the simulated box: the checks, their levels and hints, its JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim-box.h"
#include "supervisor/report/ib-selftest.h"
#include "supervisor/util/json.h"

static const struct ib_selftest_check *find(const struct ib_selftest *st, const char *check,
					    const char *subject)
{
	for (int i = 0; i < st->nchecks; i++)
		if (strcmp(st->checks[i].check, check) == 0 &&
		    (!subject || strcmp(st->checks[i].subject, subject) == 0))
			return &st->checks[i];
	return NULL;
}


static void test_healthy_box(void **state)
{
	struct sim_box *f = *state;
	struct ib_selftest *st = calloc(1, sizeof(*st));
	struct ib_bench_report *rep = calloc(1, sizeof(*rep));
	struct json *j = json_new();
	char err[256] = "";
	const char *doc;
	int r;

	assert_non_null(st);
	assert_non_null(rep);
	ib_selftest_collect(f->hw, "", 0, true, true, NULL, st);
	assert_string_equal(st->dev, "mlx4_0");
	assert_int_equal(st->port, 1);
	assert_int_equal(st->nports, 2);
	assert_string_equal(st->info.fw_ver, "2.9.1000");
	assert_int_equal(st->count[IB_PREFLIGHT_FAIL], 0);
	assert_int_equal(st->count[IB_PREFLIGHT_WARN], 0);
	assert_non_null(find(st, "subnet-manager", "mlx4_0 port 2"));
	assert_int_equal(find(st, "port-type", "mlx4_0 port 1")->level, IB_PREFLIGHT_OK);
	assert_non_null(strstr(find(st, "counters", "mlx4_0 port 1")->value, "64-bit"));
	assert_non_null(strstr(find(st, "pcie-link", NULL)->value, "x4 of LnkCap 5 GT/s x8"));
	/* the short, bounded bench */
	assert_true(st->bench_wanted);
	assert_int_equal(st->bench_opts.role, IB_BENCH_LOOPBACK);
	assert_int_equal(st->bench_opts.nsizes, 1);
	assert_true(st->bench_opts.iters == 0); /* bounded by time, not by the device's speed */
	assert_true(st->bench_opts.duration_ns == IB_SELFTEST_BENCH_DURATION_NS);
	r = ib_bench_run(f->hw, &st->bench_opts, rep, NULL, NULL, err, sizeof(err));
	assert_int_equal(r, 0);
	ib_selftest_bench_done(st, r, rep, err);
	assert_int_equal(find(st, "bench", NULL)->level, IB_PREFLIGHT_OK);
	assert_non_null(strstr(find(st, "bench", NULL)->value, "of the probe's ceiling"));

	json_object_begin(j, NULL);
	ib_selftest_json(st, j);
	json_object_end(j);
	doc = json_finish(j, NULL);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "\"summary\":{\"ok\":12,\"warn\":0,\"fail\":0}"));
	assert_non_null(strstr(doc, "\"sm_lid\":3"));
	assert_non_null(strstr(doc, "\"link_source\":\"config\""));
	assert_non_null(strstr(doc, "\"bench\":{\"test\":\"write_bw\""));
	json_free(j);
	free(rep);
	free(st);
}

static void test_no_sm_and_no_privilege(void **state)
{
	struct sim_box *f = *state;
	struct ib_selftest *st = calloc(1, sizeof(*st));
	const struct ib_selftest_check *c;

	assert_non_null(st);
	assert_int_equal(sim_plant_fault_set(f->plant, "ib-no-sm", true), 0);
	ib_selftest_collect(f->hw, "mlx4_0", 0, true, true, NULL, st);
	c = find(st, "subnet-manager", "mlx4_0 port 1");
	assert_non_null(c);
	assert_int_equal(c->level, IB_PREFLIGHT_FAIL);
	assert_int_equal(strncmp(c->hint, IB_PREFLIGHT_NO_SM, strlen(IB_PREFLIGHT_NO_SM)), 0);
	/* the bench's port must be ACTIVE (fail); the other one only warns */
	assert_int_equal(find(st, "port-state", "mlx4_0 port 1")->level, IB_PREFLIGHT_FAIL);
	assert_int_equal(find(st, "port-state", "mlx4_0 port 2")->level, IB_PREFLIGHT_WARN);
	assert_false(st->bench_wanted);
	assert_int_equal(find(st, "bench", NULL)->level, IB_PREFLIGHT_FAIL);
	assert_int_equal(sim_plant_fault_set(f->plant, "ib-no-sm", false), 0);

	ib_selftest_collect(f->hw, "mlx4_0", 2, true, false, "needs root", st);
	assert_int_equal(st->port, 2);
	assert_false(st->bench_wanted);
	c = find(st, "bench", "mlx4_0 port 2");
	assert_non_null(c);
	assert_int_equal(c->level, IB_PREFLIGHT_WARN);
	assert_string_equal(c->hint, "needs root");
	free(st);
}

static void test_no_device(void **state)
{
	struct sim_box off;
	struct ib_selftest *st = calloc(1, sizeof(*st));

	(void)state;
	assert_non_null(st);
	assert_int_equal(sim_box_open(&off, SIM_BOX_OFF), 0);
	ib_selftest_collect(off.hw, "", 0, false, true, NULL, st);
	assert_int_equal(st->nchecks, 1);
	assert_int_equal(st->checks[0].level, IB_PREFLIGHT_FAIL);
	assert_non_null(strstr(st->checks[0].hint, "mlx4_ib"));
	assert_false(st->bench_wanted);
	sim_box_close(&off);
	free(st);
}

static void test_args(void **state)
{
	char dev[HW_IB_NAME_MAX], err[128];
	char *a1[] = { "--dev", "mlx4_0:2" }, *a2[] = { "--dev", "mlx4_0" }, *a3[] = { "--lat" };
	int port;

	(void)state;
	assert_int_equal(ib_selftest_args_parse(0, NULL, dev, sizeof(dev), &port, err, sizeof(err)), 0);
	assert_string_equal(dev, "");
	assert_int_equal(port, 0);
	assert_int_equal(ib_selftest_args_parse(2, a1, dev, sizeof(dev), &port, err, sizeof(err)), 0);
	assert_string_equal(dev, "mlx4_0");
	assert_int_equal(port, 2);
	assert_int_equal(ib_selftest_args_parse(2, a2, dev, sizeof(dev), &port, err, sizeof(err)), 0);
	assert_int_equal(port, 0); /* no port given: the first ACTIVE one */
	assert_int_equal(ib_selftest_args_parse(1, a3, dev, sizeof(dev), &port, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "usage: ib selftest"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy_box, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test_setup_teardown(test_no_sm_and_no_privilege, sim_box_setup_booted,
						sim_box_teardown),
		cmocka_unit_test(test_no_device),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
