/* test_box.c - the box's upward calls: readiness holds and cycle-done reach the daemon's hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "supervisor/runtime/box.h"

struct hook_log {
	int ready;
	int cycles;
	int64_t last_ns;
};

static void on_ready(void *userdata)
{
	((struct hook_log *)userdata)->ready++;
}

static void on_cycle(void *userdata, int64_t now_ns)
{
	struct hook_log *h = userdata;

	h->cycles++;
	h->last_ns = now_ns;
}

/* READY=1 waits for the last hold; a release without a hold never goes below zero. */
static void test_ready_holds(void **state)
{
	struct box b = { 0 };
	struct hook_log log = { 0 };

	box_hooks_set(&b, &(struct box_hooks){ .ready = on_ready, .userdata = &log });
	assert_false(box_ready_held(&b));
	box_ready_hold(&b);
	box_ready_hold(&b);
	assert_true(box_ready_held(&b));
	box_ready_release(&b);
	assert_int_equal(log.ready, 0);
	assert_true(box_ready_held(&b));
	box_ready_release(&b);
	assert_int_equal(log.ready, 1);
	assert_false(box_ready_held(&b));
	box_ready_release(&b);
	assert_false(box_ready_held(&b));
	box_ready_hold(&b);
	assert_true(box_ready_held(&b));
}

static void test_cycle_done(void **state)
{
	struct box b = { 0 };
	struct hook_log log = { 0 };

	/* no hooks installed (unit tests of a single service): only the time is kept */
	box_cycle_done(&b, 5);
	assert_int_equal(b.cycle_ns, 5);
	box_ready_hold(&b);
	box_ready_release(&b);

	box_hooks_set(&b, &(struct box_hooks){ .cycle_done = on_cycle, .userdata = &log });
	box_cycle_done(&b, 42);
	assert_int_equal(b.cycle_ns, 42);
	assert_int_equal(log.cycles, 1);
	assert_int_equal(log.last_ns, 42);
}

static void test_temps(void **state)
{
	struct box b = { 0 };

	assert_true(isnan(box_temp_get(&b, "nic")));
	box_temp_set(&b, "nic", 61.5, 7);
	assert_true(box_temp_get(&b, "nic") == 61.5);
	assert_int_equal(box_temp_find(&b, "nic")->updated_ns, 7);
	box_temp_set_off(&b, "nic");
	assert_true(isnan(box_temp_get(&b, "nic")));
	assert_true(box_temp_find(&b, "nic")->off);
	assert_int_equal(b.readings.ntemps, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_holds),
		cmocka_unit_test(test_cycle_done),
		cmocka_unit_test(test_temps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
