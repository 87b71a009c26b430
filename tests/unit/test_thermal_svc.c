/* test_thermal_svc.c - the thermal service on a bare box: levels, and what it pushes to others. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/runtime/box.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/thermal-svc.h"
#include "supervisor/util/log.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS(x) ((int64_t)(x)*1000000LL)

struct pushes {
	int throttle_calls, poweroff_calls;
	bool throttle;
	enum powerseq_reason cause;
	char reason[64];
};

static void on_throttle(void *ud, bool wanted)
{
	struct pushes *p = ud;

	p->throttle_calls++;
	p->throttle = wanted;
}

static void on_poweroff(void *ud, enum powerseq_reason cause, const char *who)
{
	struct pushes *p = ud;

	p->poweroff_calls++;
	p->cause = cause;
	snprintf(p->reason, sizeof(p->reason), "%s", who);
}

/* n fresh readings of c, one step each, 100 ms apart */
static void feed(struct box *b, struct thermal_svc *t, int64_t *now, double c, int n)
{
	for (int i = 0; i < n; i++) {
		*now += MS(100);
		box_temp_set(b, "nic", c, *now);
		thermal_svc_step(t, *now);
	}
}

static void test_levels_push_floor_throttle_poweroff(void **state)
{
	struct thermal_config cfg;
	struct thermal_svc *t;
	struct pushes p = { 0 };
	struct box b;
	int64_t now = MS(1000);

	(void)state;
	log_init(LOG_TARGET_NONE, 0);
	memset(&b, 0, sizeof(b));
	thermal_config_defaults(&cfg, "nic"); /* 70 / 80 / 90 C, 3 agreeing readings */
	assert_int_equal(thermal_svc_new(&b, &cfg, 1, &t), 0);
	thermal_svc_throttle_handler_set(t, on_throttle, &p);
	thermal_svc_poweroff_handler_set(t, on_poweroff, &p);
	assert_int_equal(p.throttle_calls, 1); /* told the state at once: not wanted */
	assert_false(p.throttle);

	feed(&b, t, &now, 75.0, 3);
	assert_float_equal(thermal_svc_fan_floor(t), 0.0, 0);
	assert_false(thermal_svc_throttle_wanted(t));
	assert_int_equal(p.throttle_calls, 1);

	/* one reading read many times is one reading: no level change without fresh ones */
	box_temp_set(&b, "nic", 85.0, now + MS(100));
	for (int i = 0; i < 10; i++)
		thermal_svc_step(t, now + MS(100 + 100 * i));
	assert_float_equal(thermal_svc_fan_floor(t), 0.0, 0);
	now += MS(1000);

	feed(&b, t, &now, 85.0, 3);
	assert_float_equal(thermal_svc_fan_floor(t), 100.0, 0);
	assert_true(thermal_svc_throttle_wanted(t));
	assert_int_equal(p.throttle_calls, 2); /* pushed on the change only */
	assert_true(p.throttle);
	assert_int_equal(p.poweroff_calls, 0);

	feed(&b, t, &now, 95.0, 3);
	assert_int_equal(p.poweroff_calls, 1);
	assert_string_equal(p.reason, "thermal emergency");
	assert_int_equal(p.cause, POWERSEQ_R_THERMAL_EMERGENCY);
	feed(&b, t, &now, 95.0, 5);
	assert_int_equal(p.poweroff_calls, 1); /* once per emergency */
	assert_int_equal(p.throttle_calls, 2);

	/* a failed sensor keeps the level: cooling never drops on a lost reading */
	feed(&b, t, &now, NAN, 5);
	assert_float_equal(thermal_svc_fan_floor(t), 100.0, 0);

	/* the NIC is unpowered: every request lets go */
	box_temp_set_off(&b, "nic");
	thermal_svc_step(t, now + MS(100));
	assert_float_equal(thermal_svc_fan_floor(t), 0.0, 0);
	assert_false(thermal_svc_throttle_wanted(t));
	assert_int_equal(p.throttle_calls, 3);
	assert_false(p.throttle);
	thermal_svc_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_push_floor_throttle_poweroff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
