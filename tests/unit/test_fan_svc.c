/* test_fan_svc.c - the fan service on the simulated SFX box: curve, failsafe, pushed floor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "sim-box.h"
#include "supervisor/config/fan-config.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/thermal-svc.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"

#define SEC(x) ((int64_t)(x) * 1000000000LL)

/*
 * The fan loop reports each finished cycle with box_cycle_done(), which today
 * lives in daemon/daemon.c and reaches the daemon around the box (WATCHDOG=1):
 * a box made by hand has no daemon around it.  This weak copy stands in for it
 * only while the archive's definition is the daemon's (daemon.o is then not
 * linked in for it); once box_cycle_done() is the box's own (runtime/box.c,
 * calling a hook the daemon installs), that strong definition wins and this one
 * is unused.
 */
__attribute__((weak)) void box_cycle_done(struct box *b, int64_t now_ns)
{
	b->cycle_ns = now_ns;
}

struct fixture {
	struct sim_box sb;
	struct box b;
	struct fan_config cfg;
	char dir[64], sock[96], cal[96];
};

static void set(struct fan_config *c, const char *section, const char *key, const char *value)
{
	char err[200] = "";

	if (fan_config_set(c, section, key, value, 1, err, sizeof(err)) != 0)
		fail_msg("%s.%s = %s: %s", section, key, value, err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[200] = "";
	int line;

	if (!f)
		return -1;
	log_init(LOG_TARGET_NONE, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/h2box-fansvc-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/ctl.sock", f->dir);
	snprintf(f->cal, sizeof(f->cal), "%s/fan.cal", f->dir);
	if (sim_box_open(&f->sb, SIM_BOX_BOOTED) < 0)
		return -1;
	f->b.hw = f->sb.hw;
	if (loop_new(f->b.hw, &f->b.loop) < 0 || ctl_new(f->b.loop, f->sock, &f->b.ctl) < 0)
		return -1;
	f->b.readings.ib_tx_gbps = f->b.readings.ib_rx_gbps = NAN;

	/* a straight line, no hysteresis, slew or kick: the duty is the curve at the reading */
	fan_config_defaults(&f->cfg);
	set(&f->cfg, "fan", "calibration_file", f->cal);
	set(&f->cfg, "input nic", "chip", "lm75-*");
	set(&f->cfg, "input nic", "label", "temp1");
	set(&f->cfg, "curve default", "points", "20:20 60:100");
	set(&f->cfg, "curve default", "hysteresis", "0");
	set(&f->cfg, "curve default", "slew_up", "0");
	set(&f->cfg, "curve default", "slew_down", "0");
	set(&f->cfg, "curve default", "kick_time", "0");
	if (fan_config_validate(&f->cfg, &line, err, sizeof(err)) < 0)
		fail_msg("line %d: %s", line, err);
	if (fan_svc_new(&f->b, &f->cfg, &f->b.fan) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fan_svc_free(f->b.fan);
	ctl_free(f->b.ctl);
	loop_free(f->b.loop);
	sim_box_close(&f->sb);
	unlink(f->cal);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* `h2box --json fan status`'s members, as one document. */
static char *status_json(struct fixture *f)
{
	struct json *j = json_new();
	const char *doc;
	char *out;

	assert_non_null(j);
	json_object_begin(j, NULL);
	fan_svc_status_json(f->b.fan, j);
	json_object_end(j);
	doc = json_finish(j, NULL);
	assert_non_null(doc);
	out = strdup(doc);
	json_free(j);
	return out;
}

static void assert_status_has(struct fixture *f, const char *member)
{
	char *doc = status_json(f);

	if (!strstr(doc, member))
		fail_msg("fan status lacks %s: %s", member, doc);
	free(doc);
}

static double curve(double t)
{
	return fmin(100.0, fmax(20.0, 20.0 + (t - 20.0) * 2.0));
}

static void test_duty_follows_the_curve(void **state)
{
	struct fixture *f = *state;
	double t;

	loop_advance(f->b.loop, SEC(5));
	t = box_temp_get(&f->b, "nic");
	assert_true(isfinite(t));
	assert_float_equal(f->b.readings.fan_duty_pct, curve(t), 0.05);
	assert_status_has(f, "\"decided_by\":\"curve\"");
	assert_status_has(f, "\"floor_pct\":0,");
	assert_status_has(f, "\"floor_reason\":null");

	/* a hot room: the NIC warms, the duty climbs with it along the curve */
	sim_plant_ambient_set(f->sb.plant, 45.0);
	sim_plant_workload_set(f->sb.plant, "nfs-copy");
	loop_advance(f->b.loop, SEC(600));
	assert_true(box_temp_get(&f->b, "nic") > t + 5.0);
	t = box_temp_get(&f->b, "nic");
	assert_float_equal(f->b.readings.fan_duty_pct, curve(t), 0.05);
	assert_true(f->b.readings.fan_rpm > 300);
}

static void test_invalid_sensor_fails_to_full_speed(void **state)
{
	struct fixture *f = *state;
	struct sim_plant_truth truth;

	loop_advance(f->b.loop, SEC(5));
	assert_true(f->b.readings.fan_duty_pct < 100.0);
	sim_plant_fault_set(f->sb.plant, "sensor-nic", true);
	loop_advance(f->b.loop, SEC(1));
	assert_true(isnan(box_temp_get(&f->b, "nic")));
	assert_float_equal(f->b.readings.fan_duty_pct, 100.0, 0);
	sim_plant_truth_get(f->sb.plant, &truth);
	assert_float_equal(truth.fan_duty_pct, 100.0, 0.5);
	assert_status_has(f, "\"failsafe\":true");
	assert_status_has(f, "\"decided_by\":\"failsafe\"");

	/* valid readings again: the curve takes over */
	sim_plant_fault_set(f->sb.plant, "sensor-nic", false);
	loop_advance(f->b.loop, SEC(10));
	assert_status_has(f, "\"failsafe\":false");
	assert_float_equal(f->b.readings.fan_duty_pct, curve(box_temp_get(&f->b, "nic")), 0.05);
}

static void test_pushed_floor_raises_duty_and_shows(void **state)
{
	struct fixture *f = *state;
	double cool;

	loop_advance(f->b.loop, SEC(5));
	cool = f->b.readings.fan_duty_pct;
	assert_true(cool < 60.0);

	fan_svc_floor_set(f->b.fan, 100.0, "thermal alarm temp-nic critical");
	loop_advance(f->b.loop, SEC(1));
	assert_float_equal(f->b.readings.fan_duty_pct, 100.0, 0);
	assert_status_has(f, "\"floor_pct\":100,");
	assert_status_has(f, "\"floor_reason\":\"thermal alarm temp-nic critical\"");
	assert_status_has(f, "\"decided_by\":\"floor\"");

	/* a floor under the curve's duty holds nothing up */
	fan_svc_floor_set(f->b.fan, cool / 2, "a gentle minimum");
	loop_advance(f->b.loop, SEC(1));
	assert_float_equal(f->b.readings.fan_duty_pct, curve(box_temp_get(&f->b, "nic")), 0.05);
	assert_status_has(f, "\"decided_by\":\"curve\"");

	/* cleared: the reason goes with it */
	fan_svc_floor_set(f->b.fan, 0.0, NULL);
	loop_advance(f->b.loop, SEC(1));
	assert_float_equal(f->b.readings.fan_duty_pct, curve(box_temp_get(&f->b, "nic")), 0.05);
	assert_status_has(f, "\"floor_pct\":0,");
	assert_status_has(f, "\"floor_reason\":null");
}

/*
 * The I2C bus fails: the fan chip and the NIC sensor both unreachable.  The fan service reports
 * blind (a sensor alone, or the chip alone, is not), and the thermal service acts on it at once:
 * critical alarm nic-blind, the throttle request, and after [fan] blind_poweroff one power-off.
 */
struct blind_pushes {
	int throttle_calls, poweroff_calls;
	bool throttle;
	enum powerseq_reason cause;
};

static void blind_on_throttle(void *ud, bool wanted)
{
	struct blind_pushes *p = ud;

	p->throttle_calls++;
	p->throttle = wanted;
}

static void blind_on_poweroff(void *ud, enum powerseq_reason cause, const char *who)
{
	struct blind_pushes *p = ud;

	(void)who;
	p->poweroff_calls++;
	p->cause = cause;
}

/* Advance the fan loop in 1 s periods, a thermal step after each (the watts sampler's). */
static void blind_advance(struct fixture *f, struct thermal_svc *t, int seconds)
{
	for (int i = 0; i < seconds; i++) {
		loop_advance(f->b.loop, SEC(1));
		thermal_svc_step(t, loop_now(f->b.loop));
	}
}

static void test_blind_alarms_throttles_and_powers_off(void **state)
{
	struct fixture *f = *state;
	struct fan_svc_blind bl;
	struct thermal_config tc;
	struct alarm_config ac;
	struct thermal_svc *t;
	struct blind_pushes p = { 0 };

	fan_svc_free(f->b.fan);
	set(&f->cfg, "fan", "blind_poweroff", "2m");
	assert_int_equal(fan_svc_new(&f->b, &f->cfg, &f->b.fan), 0);
	alarm_config_defaults(&ac);
	assert_int_equal(alarm_svc_new(&f->b, &ac, &f->b.alarms), 0);
	thermal_config_defaults(&tc, "nic");
	assert_int_equal(thermal_svc_new(&f->b, &tc, 1, &t), 0);
	thermal_svc_throttle_handler_set(t, blind_on_throttle, &p);
	thermal_svc_poweroff_handler_set(t, blind_on_poweroff, &p);
	blind_advance(f, t, 5);
	fan_svc_blind_get(f->b.fan, &bl);
	assert_false(bl.blind);

	/* the sensor alone: failsafe, not blind (the fan is driven to full) */
	sim_plant_fault_set(f->sb.plant, "sensor-nic", true);
	blind_advance(f, t, 5);
	fan_svc_blind_get(f->b.fan, &bl);
	assert_false(bl.blind);
	assert_false(alarm_active(&f->b, "nic-blind"));
	sim_plant_fault_set(f->sb.plant, "sensor-nic", false);
	blind_advance(f, t, 10);

	sim_plant_fault_set(f->sb.plant, "i2c-error", true);
	blind_advance(f, t, 3);
	fan_svc_blind_get(f->b.fan, &bl);
	assert_true(bl.blind);
	assert_int_equal(bl.poweroff_after_ns, SEC(120));
	assert_non_null(strstr(bl.why, "input nic"));
	assert_int_equal(alarm_level_get(&f->b, "nic-blind"), ALARM_CRIT);
	assert_true(p.throttle);
	assert_true(thermal_svc_throttle_wanted(t));
	{
		bool temp, blind;

		thermal_svc_throttle_why(t, &temp, &blind);
		assert_true(blind); /* the budget's text says blind, not a temperature alarm */
		assert_false(temp);
	}
	assert_int_equal(p.poweroff_calls, 0);
	blind_advance(f, t, 110);
	assert_int_equal(p.poweroff_calls, 0);
	blind_advance(f, t, 15);
	assert_int_equal(p.poweroff_calls, 1);
	/* its own reason in the power history, not a thermal emergency's */
	assert_int_equal(p.cause, POWERSEQ_R_BLIND);
	assert_string_equal(powerseq_reason_name(p.cause), "blind");
	blind_advance(f, t, 60);
	assert_int_equal(p.poweroff_calls, 1); /* once per blind spell */

	/* the bus back: sight and the fan again, the requests let go */
	sim_plant_fault_set(f->sb.plant, "i2c-error", false);
	blind_advance(f, t, 70);
	fan_svc_blind_get(f->b.fan, &bl);
	assert_false(bl.blind);
	assert_false(alarm_active(&f->b, "nic-blind"));
	assert_false(p.throttle);
	thermal_svc_free(t);
	alarm_svc_free(f->b.alarms);
	f->b.alarms = NULL;
}

/* The thermal service pushes its floor to the fan on a change only, not every cycle. */
static void test_thermal_floor_pushed_on_change(void **state)
{
	struct fixture *f = *state;
	struct thermal_config tc;
	struct thermal_svc *t;
	int i;

	thermal_config_defaults(&tc, "hot"); /* 70 / 80 / 90 C; critical asks for full cooling */
	assert_int_equal(thermal_svc_new(&f->b, &tc, 1, &t), 0);
	for (i = 0; i < 10; i++) {
		loop_advance(f->b.loop, SEC(1));
		box_temp_set(&f->b, "hot", 50.0, loop_now(f->b.loop));
		thermal_svc_step(t, loop_now(f->b.loop));
	}
	assert_int_equal(thermal_svc_floor_pushes(t), 1); /* the first: no floor */
	for (i = 0; i < 20; i++) {
		loop_advance(f->b.loop, SEC(1));
		box_temp_set(&f->b, "hot", 85.0, loop_now(f->b.loop));
		thermal_svc_step(t, loop_now(f->b.loop));
	}
	assert_float_equal(thermal_svc_fan_floor(t), 100.0, 0);
	assert_int_equal(thermal_svc_floor_pushes(t), 2);
	loop_advance(f->b.loop, SEC(1));
	assert_float_equal(f->b.readings.fan_duty_pct, 100.0, 0);
	assert_status_has(f, "\"decided_by\":\"floor\"");
	for (i = 0; i < 60; i++) {
		loop_advance(f->b.loop, SEC(1));
		box_temp_set(&f->b, "hot", 40.0, loop_now(f->b.loop));
		thermal_svc_step(t, loop_now(f->b.loop));
	}
	assert_float_equal(thermal_svc_fan_floor(t), 0.0, 0);
	assert_int_equal(thermal_svc_floor_pushes(t), 3);
	assert_status_has(f, "\"floor_pct\":0,");
	thermal_svc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_duty_follows_the_curve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_sensor_fails_to_full_speed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pushed_floor_raises_duty_and_shows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blind_alarms_throttles_and_powers_off, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_thermal_floor_pushed_on_change, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
