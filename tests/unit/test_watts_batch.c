/* test_watts_batch.c - hwmon monitors sampled by the chip's worker and run in batches (sim, virtual time). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/clock.h"
#include "hw/hw.h"
#include "hw/hwmon.h"
#include "hw/knob.h"
#include "hw/sim/plant.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/watts-svc.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC(x) ((int64_t)(x) * 1000000000LL)
#define MS(x) ((int64_t)(x) * 1000000LL)

/* One simulated brick box (plant, hw, loop) with the alarms and, once started, the service. */
struct rig {
	struct sim_plant *plant;
	struct box b;
	char dir[64];
	char csv[128];
};

static void rig_new(struct rig *r)
{
	struct sim_plant_config pc;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/h2box-wbatch-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->csv, sizeof(r->csv), "%s/watts.csv", r->dir);
	sim_plant_config_defaults(&pc, SIM_BUILD_BRICK);
	pc.speed = 0;
	pc.seed = 7;
	assert_int_equal(sim_plant_new(&pc, &r->plant), 0);
	assert_int_equal(hw_sim_new(r->plant, &r->b.hw), 0);
	assert_int_equal(loop_new(r->b.hw, &r->b.loop), 0);
	r->b.readings.ib_tx_gbps = r->b.readings.ib_rx_gbps = NAN;
}

static void rig_boot(struct rig *r)
{
	sim_plant_line_set(r->plant, SIM_LINE_PSU_ON_N, 0);
	loop_advance(r->b.loop, SEC(1));
	sim_plant_line_set(r->plant, SIM_LINE_H2_PWR_BTN, 1);
	loop_advance(r->b.loop, MS(300));
	sim_plant_line_set(r->plant, SIM_LINE_H2_PWR_BTN, 0);
	loop_advance(r->b.loop, SEC(80));
}

/* The service with one hwmon monitor at 10 Hz, its samples drained every `batch`. */
static void rig_start(struct rig *r, const char *batch, bool log)
{
	struct watts_config c;
	char err[160];

	watts_config_defaults(&c);
#define SET(sec, k, v) assert_int_equal(watts_config_set(&c, sec, k, v, 1, err, sizeof(err)), 0)
	SET("watts", "sample_rate", "10");
	SET("watts", "batch", batch);
	SET("watts", "state_file", "");
	if (log) {
		SET("watts", "log", r->csv);
		SET("watts", "log_interval", "100ms");
	}
	SET("monitor main", "type", "hwmon");
	SET("monitor main", "hwmon_chip", "ina226-*");
	/* warn_only: the ladder never acts on the plant, both boxes stay alike */
	SET("budget", "limit", "60");
	SET("budget", "warn_only", "yes");
#undef SET
	assert_int_equal(alarm_svc_new(&r->b, &c.alerts, &r->b.alarms), 0);
	assert_int_equal(watts_svc_new(&r->b, &c, &r->b.watts), 0);
}

static void rig_free(struct rig *r)
{
	watts_svc_free(r->b.watts);
	alarm_svc_free(r->b.alarms);
	loop_free(r->b.loop);
	hw_free(r->b.hw);
	hw_knob_sim_forget(r->plant);
	sim_plant_free(r->plant);
	unlink(r->csv);
	rmdir(r->dir);
}

static long slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return (long)n;
}

/* The sim's hwmon sampler: every grid tick in (last drain, now], each with its own time. */
static void test_sim_sampler_ticks_in_virtual_time(void **state)
{
	struct rig r;
	struct hw_hwmon_chip *chip;
	struct hw_hwmon_sample smp[64];
	struct hw_hwmon_query q[3] = {
		{ .kind = HW_HWMON_IN, .label = "in1" },
		{ .kind = HW_HWMON_CURR, .label = "curr1" },
		{ .kind = HW_HWMON_POWER, .label = "power1" },
	};
	uint64_t missed = 99;
	int64_t first;
	int n;

	(void)state;
	rig_new(&r);
	rig_boot(&r);
	assert_int_equal(hw_hwmon_chip_open(r.b.hw, "ina226-*", &chip), 0);
	assert_string_equal(hw_hwmon_chip_name(chip), "ina226-i2c-1-40");
	assert_int_equal(hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 64, NULL), -ENOENT);
	first = (loop_now(r.b.loop) / MS(100) + 1) * MS(100);
	assert_int_equal(hw_hwmon_sampler_start(chip, q, 3, MS(100), first, 32), 0);
	loop_advance(r.b.loop, SEC(1));
	n = hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 64, &missed);
	assert_int_equal(n, 10);
	assert_int_equal(missed, 0);
	for (int i = 0; i < n; i++) {
		assert_true(smp[i].t_ns == first + i * MS(100));
		for (int k = 0; k < 3; k++)
			assert_int_equal(smp[i].err[k], 0);
		/* P = V x I, as the driver's attributes give them */
		assert_true(smp[i].value[0] > 10.0 && smp[i].value[2] > 1.0);
		assert_float_equal(smp[i].value[2], smp[i].value[0] * smp[i].value[1], 0.05);
	}
	/* nothing new without time passing; at most `max` at once, the rest next time, in order */
	assert_int_equal(hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 64, NULL), 0);
	loop_advance(r.b.loop, SEC(1));
	assert_int_equal(hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 4, NULL), 4);
	assert_true(smp[0].t_ns == first + 10 * MS(100));
	assert_int_equal(hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 64, NULL), 6);
	assert_true(smp[5].t_ns == first + 19 * MS(100));
	hw_hwmon_sampler_stop(chip);
	assert_int_equal(hw_hwmon_sampler_drain(chip, loop_now(r.b.loop), smp, 64, NULL), -ENOENT);
	hw_hwmon_chip_close(chip);
	r.b.watts = NULL;
	rig_free(&r);
}

/*
 * The batch timer wakes once a second, yet every 100 ms sample runs, at its own tick: between
 * batches nothing changes, at the batch all ten are counted.
 */
static void test_batch_runs_every_sample_at_its_tick(void **state)
{
	struct rig r;
	struct watts_svc *s;

	(void)state;
	rig_new(&r);
	rig_start(&r, "1s", true);
	rig_boot(&r);
	s = r.b.watts;
	assert_true(s->batched);
	assert_true(isfinite(r.b.readings.watts));
	/* to a batch boundary, then half a batch: no sample runs in between */
	loop_advance(r.b.loop, SEC(1) - loop_now(r.b.loop) % SEC(1));
	{
		uint64_t n0 = s->samples;
		int64_t last = s->last_ns;

		assert_true(last == loop_now(r.b.loop));
		loop_advance(r.b.loop, MS(500));
		assert_true(s->samples == n0);
		assert_true(s->last_ns == last);
		loop_advance(r.b.loop, MS(500));
		assert_true(s->samples == n0 + 10);
		assert_true(s->last_ns == last + SEC(1));
	}
	/* what status shows as .watts.samples/missed/sample_hz */
	assert_true(s->missed == 0);
	assert_true(s->period_ns == MS(100));
	rig_free(&r);
}

/*
 * The same box sampled a batch per tick (100 ms, today's cadence) and in 1 s batches: the same
 * energy, the same CSV rows (every sample's time, watts and budget state), the budget's warn at
 * the very sample that crosses it; the batched box only learns it at the batch.
 */
static void test_batch_sees_what_per_sample_saw(void **state)
{
	static char a_csv[1 << 16], b_csv[1 << 16];
	struct rig a, b;
	bool lagged = false;

	(void)state;
	rig_new(&a);
	rig_new(&b);
	/* one wall clock for both: the CSV rows' first column is the wall time of each sample */
	sim_plant_set_real_ns(b.plant, sim_plant_real_ns(a.plant));
	rig_start(&a, "100ms", true);
	rig_start(&b, "1s", true);
	rig_boot(&a);
	rig_boot(&b);
	assert_true(a.b.watts->batched && b.b.watts->batched);
	assert_true(a.b.watts->batch_ns == MS(100) && b.b.watts->batch_ns == SEC(1));
	/* the load steps exactly at a batch boundary: the sim reads at the drain */
	loop_advance(a.b.loop, SEC(1) - loop_now(a.b.loop) % SEC(1));
	loop_advance(b.b.loop, SEC(1) - loop_now(b.b.loop) % SEC(1));
	assert_true(loop_now(a.b.loop) == loop_now(b.b.loop));
	assert_string_equal(a.b.readings.budget_state, "ok");
	sim_plant_workload_set(a.plant, "iperf3-tx");
	sim_plant_workload_set(b.plant, "iperf3-tx");
	sim_plant_load_set(a.plant, 12.0);
	sim_plant_load_set(b.plant, 12.0);
	for (int i = 0; i < 300; i++) {
		loop_advance(a.b.loop, MS(100));
		loop_advance(b.b.loop, MS(100));
		if (strcmp(a.b.readings.budget_state, b.b.readings.budget_state) != 0) {
			/* only ever behind, and only between batches */
			assert_true(loop_now(b.b.loop) % SEC(1) != 0);
			lagged = true;
		}
	}
	assert_true(lagged);
	/* at a batch boundary again: the same state, past warn */
	assert_string_equal(b.b.readings.budget_state, a.b.readings.budget_state);
	assert_string_not_equal(b.b.readings.budget_state, "ok");
	assert_true(a.b.watts->samples == b.b.watts->samples);
	assert_true(a.b.watts->mon[0].energy.boot_j > 1000.0);
	assert_float_equal(a.b.watts->mon[0].energy.boot_j, b.b.watts->mon[0].energy.boot_j, 1e-6);
	slurp(a.csv, a_csv, sizeof(a_csv));
	slurp(b.csv, b_csv, sizeof(b_csv));
	assert_non_null(strstr(a_csv, ",warn"));
	assert_string_equal(a_csv, b_csv);
	rig_free(&a);
	rig_free(&b);
}

/* `batch` is a duration, bounded, and never shorter than a sample period. */
static void test_batch_key(void **state)
{
	struct watts_config c;
	char err[160];
	struct rig r;

	(void)state;
	watts_config_defaults(&c);
	assert_true(c.batch_ns == SEC(1));
	assert_int_equal(watts_config_set(&c, "watts", "batch", "250ms", 1, err, sizeof(err)), 0);
	assert_true(c.batch_ns == MS(250));
	assert_int_equal(watts_config_set(&c, "watts", "batch", "1h", 1, err, sizeof(err)),
			 -ERANGE);
	assert_int_equal(watts_config_set(&c, "watts", "batch", "0", 1, err, sizeof(err)), -ERANGE);
	rig_new(&r);
	rig_start(&r, "1ms", false);
	assert_true(r.b.watts->batch_ns == MS(100));
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_sampler_ticks_in_virtual_time),
		cmocka_unit_test(test_batch_key),
		cmocka_unit_test(test_batch_runs_every_sample_at_its_tick),
		cmocka_unit_test(test_batch_sees_what_per_sample_saw),
	};

	log_init(LOG_TARGET_NONE, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
