/* test_knob_sim.c - throttle knobs and throttle actions on the simulated box. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "drivers/throttle.h"
#include "hw/hw.h"
#include "hw/knob.h"
#include "hw/sim/plant.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEC(x) ((int64_t)(x)*1000000000LL)
#define MS(x) ((int64_t)(x)*1000000LL)
#define FREQ(cpu) "/sys/devices/system/cpu/cpu" #cpu "/cpufreq/scaling_max_freq"
#define PSTATE "/sys/devices/system/cpu/intel_pstate/max_perf_pct"
#define RAPL "/sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"

struct fixture {
	struct sim_plant *plant;
	struct hw *hw;
	int64_t t;
};

static int setup(void **state)
{
	static struct fixture f;
	struct sim_plant_config cfg;

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	cfg.seed = 0;
	if (sim_plant_new(&cfg, &f.plant) < 0 || hw_sim_new(f.plant, &f.hw) < 0)
		return -1;
	sim_plant_line_set(f.plant, SIM_LINE_PSU_ON_N, 0);
	sim_plant_advance_to(f.plant, SEC(1));
	sim_plant_line_set(f.plant, SIM_LINE_H2_PWR_BTN, 1);
	sim_plant_advance_to(f.plant, SEC(1) + MS(300));
	sim_plant_line_set(f.plant, SIM_LINE_H2_PWR_BTN, 0);
	sim_plant_advance_to(f.plant, SEC(90)); /* booted, link up */
	f.t = SEC(90);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hw_knob_sim_forget(f->plant);
	hw_free(f->hw);
	sim_plant_free(f->plant);
	return 0;
}

static double tx_gbps(struct fixture *f)
{
	struct sim_plant_truth t;

	f->t += SEC(2);
	sim_plant_advance_to(f->plant, f->t);
	sim_plant_truth_get(f->plant, &t);
	return t.ib_tx_gbps;
}

static void test_tbf_on_ib0(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_plant_workload_set(f->plant, "iperf3-tx"), 0);
	assert_float_equal(tx_gbps(f), 11.1, 0.3);
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "ib0", UINT64_C(5000000000), 65536), 0);
	assert_float_equal(tx_gbps(f), 5.0, 0.2);
	assert_int_equal(hw_knob_qdisc_clear(f->hw, "ib0"), 0);
	assert_float_equal(tx_gbps(f), 11.1, 0.3);
	/* only ib0 exists in the sim; bad arguments never reach a backend */
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "ib1", 1000000, 65536), -ENODEV);
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "", 1000000, 65536), -EINVAL);
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "ib0", 0, 65536), -EINVAL);
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "a/b", 1000000, 65536), -EINVAL);

	/* NFS/RDMA is not shaped by a qdisc */
	assert_int_equal(sim_plant_workload_set(f->plant, "nfs-copy"), 0);
	assert_int_equal(hw_knob_qdisc_tbf_set(f->hw, "ib0", UINT64_C(2000000000), 65536), 0);
	assert_float_equal(tx_gbps(f), 10.71, 0.3);
	assert_int_equal(hw_knob_qdisc_clear(f->hw, "ib0"), 0);
}

static void test_files_readable_and_cpu_cap(void **state)
{
	struct fixture *f = *state;
	char buf[32];

	assert_int_equal(hw_knob_read(f->hw, FREQ(0), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2500000");
	assert_int_equal(hw_knob_read(f->hw,
				      "/sys/devices/system/cpu/cpu2/cpufreq/cpuinfo_max_freq", buf,
				      sizeof(buf)),
			 0);
	assert_string_equal(buf, "2500000");
	assert_int_equal(hw_knob_read(f->hw, PSTATE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "100");
	assert_int_equal(hw_knob_read(f->hw, "/sys/nonexistent", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(hw_knob_write(f->hw, "/sys/nonexistent", "1"), -ENOENT);
	assert_int_equal(hw_knob_write(f->hw, FREQ(0), "fast"), -EINVAL);
	assert_int_equal(hw_knob_write(f->hw, "relative/path", "1"), -EINVAL);

	assert_int_equal(sim_plant_workload_set(f->plant, "iperf3-tx"), 0);
	/* 1.5 GHz on every core = a 60 % CPU cap: iperf3 over IPoIB is CPU bound */
	assert_int_equal(hw_knob_write(f->hw, FREQ(0), "1500000"), 0);
	assert_int_equal(hw_knob_write(f->hw, FREQ(1), "1500000"), 0);
	assert_float_equal(tx_gbps(f), 11.1, 0.3); /* two cores still run at full speed */
	assert_int_equal(hw_knob_write(f->hw, FREQ(2), "1500000"), 0);
	assert_int_equal(hw_knob_write(f->hw, FREQ(3), "1500000"), 0);
	assert_float_equal(tx_gbps(f), 11.1 * 0.6, 0.3);
	assert_int_equal(hw_knob_read(f->hw, FREQ(3), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1500000");
	assert_int_equal(hw_knob_write(f->hw, PSTATE, "50"), 0);
	assert_float_equal(tx_gbps(f), 11.1 * 0.5, 0.3);
	assert_int_equal(hw_knob_write(f->hw, PSTATE, "100"), 0);
	for (int c = 0; c < 4; c++) {
		char p[80];

		snprintf(p, sizeof(p), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_max_freq", c);
		assert_int_equal(hw_knob_write(f->hw, p, "2500000"), 0);
	}
	assert_float_equal(tx_gbps(f), 11.1, 0.3);
}

static void test_throttle_actions_restore_exactly(void **state)
{
	struct fixture *f = *state;
	struct throttle_config c;
	struct throttle *tbf, *cpu, *rapl;
	char buf[32];

	assert_int_equal(sim_plant_workload_set(f->plant, "iperf3-tx"), 0);
	/* a user cap that was there before must come back, not the maximum */
	assert_int_equal(hw_knob_write(f->hw, FREQ(1), "2000000"), 0);

	throttle_config_defaults(&c, "ipoib");
	assert_int_equal(throttle_rate_parse("4gbit", &c.rate_bps), 0);
	assert_int_equal(throttle_new(f->hw, &c, &tbf), 0);
	assert_non_null(strstr(throttle_describe(tbf), "RDMA traffic bypasses a qdisc"));
	throttle_config_defaults(&c, "cpu");
	c.kind = THROTTLE_CPUFREQ;
	c.cpu_pct = 60;
	assert_int_equal(throttle_new(f->hw, &c, &cpu), 0);
	throttle_config_defaults(&c, "rapl");
	c.kind = THROTTLE_RAPL;
	c.rapl_w = 6;
	assert_int_equal(throttle_new(f->hw, &c, &rapl), 0);

	assert_int_equal(throttle_apply(tbf), 0);
	assert_true(throttle_applied(tbf));
	assert_float_equal(tx_gbps(f), 4.0, 0.2);
	assert_int_equal(throttle_apply(cpu), 0);
	assert_int_equal(throttle_apply(cpu), 0); /* idempotent */
	assert_int_equal(hw_knob_read(f->hw, FREQ(1), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1500000");
	assert_int_equal(throttle_apply(rapl), 0);
	assert_int_equal(hw_knob_read(f->hw, RAPL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6000000");

	/* reverse order */
	assert_int_equal(throttle_undo(rapl), 0);
	assert_int_equal(hw_knob_read(f->hw, RAPL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10000000");
	assert_int_equal(throttle_undo(cpu), 0);
	assert_int_equal(hw_knob_read(f->hw, FREQ(0), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2500000");
	assert_int_equal(hw_knob_read(f->hw, FREQ(1), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2000000");
	assert_int_equal(throttle_undo(tbf), 0);
	assert_false(throttle_applied(tbf));
	assert_float_equal(tx_gbps(f), 11.1, 0.3);
	assert_int_equal(throttle_undo(tbf), 0); /* nothing to undo */

	/* free undoes what is still applied */
	assert_int_equal(throttle_apply(tbf), 0);
	throttle_free(tbf);
	assert_float_equal(tx_gbps(f), 11.1, 0.3);
	throttle_free(cpu);
	throttle_free(rapl);
}

static void test_rate_parse(void **state)
{
	uint64_t v;
	enum throttle_kind k;

	(void)state;
	assert_int_equal(throttle_rate_parse("8gbit", &v), 0);
	assert_true(v == UINT64_C(8000000000));
	assert_int_equal(throttle_rate_parse("500mbit", &v), 0);
	assert_true(v == UINT64_C(500000000));
	assert_int_equal(throttle_rate_parse("1.5G", &v), 0);
	assert_true(v == UINT64_C(1500000000));
	assert_int_equal(throttle_rate_parse("100mbps", &v), 0); /* bytes */
	assert_true(v == UINT64_C(800000000));
	assert_int_equal(throttle_rate_parse("fast", &v), -EINVAL);
	assert_int_equal(throttle_rate_parse("-5gbit", &v), -EINVAL);
	assert_int_equal(throttle_rate_parse("5 furlongs", &v), -EINVAL);
	assert_int_equal(throttle_kind_parse("cpufreq", &k), 0);
	assert_int_equal(k, THROTTLE_CPUFREQ);
	assert_int_equal(throttle_kind_parse("intel_pstate", &k), 0);
	assert_int_equal(k, THROTTLE_PSTATE);
	assert_int_equal(throttle_kind_parse("nuke", &k), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tbf_on_ib0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_readable_and_cpu_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttle_actions_restore_exactly, setup,
						teardown),
		cmocka_unit_test(test_rate_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
