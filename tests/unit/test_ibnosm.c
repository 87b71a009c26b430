/* test_ibnosm.c - a trained IB port without a subnet manager: alarm after the wait, clear on ACTIVE. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/clock.h"
#include "supervisor/policy/ibnosm.h"

#define S HW_NSEC_PER_SEC

static struct hw_ib_port_attr attr(int state, int phys, int layer)
{
	return (struct hw_ib_port_attr){ .state = state, .phys_state = phys, .link_layer = layer };
}

static void test_port_waiting(void **state)
{
	struct hw_ib_port_attr a = attr(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_LINK_UP,
					HW_IB_PORT_LINK_LAYER_INFINIBAND);

	assert_true(ibnosm_port_waiting(&a));
	a.link_layer = HW_IB_PORT_LINK_LAYER_UNKNOWN; /* old kernels: no link_layer file */
	assert_true(ibnosm_port_waiting(&a));
	a.link_layer = HW_IB_PORT_LINK_LAYER_ETHERNET; /* RoCE: no subnet manager */
	assert_false(ibnosm_port_waiting(&a));
	a = attr(HW_IB_PORT_STATE_ACTIVE, HW_IB_PORT_PHYS_LINK_UP, HW_IB_PORT_LINK_LAYER_INFINIBAND);
	assert_false(ibnosm_port_waiting(&a));
	/* INIT while still training or without a cable: not the SM's fault */
	a = attr(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_TRAINING, HW_IB_PORT_LINK_LAYER_INFINIBAND);
	assert_false(ibnosm_port_waiting(&a));
	a = attr(HW_IB_PORT_STATE_DOWN, HW_IB_PORT_PHYS_POLLING, HW_IB_PORT_LINK_LAYER_INFINIBAND);
	assert_false(ibnosm_port_waiting(&a));
}

static void test_raise_after_wait_clear_on_active(void **state)
{
	struct ibnosm s = { 0 };
	int64_t t = 100 * S;

	assert_int_equal(ibnosm_step(&s, false, t, IBNOSM_AFTER_NS), IBNOSM_NONE);
	/* INIT for less than the wait: a subnet manager may still sweep */
	for (int i = 0; i < 30; i++)
		assert_int_equal(ibnosm_step(&s, true, t + i * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	assert_int_equal(ibnosm_step(&s, true, t + 30 * S, IBNOSM_AFTER_NS), IBNOSM_RAISE);
	/* raised once, quiet while it lasts */
	assert_int_equal(ibnosm_step(&s, true, t + 31 * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	assert_int_equal(ibnosm_step(&s, true, t + 600 * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	/* ACTIVE: cleared once */
	assert_int_equal(ibnosm_step(&s, false, t + 601 * S, IBNOSM_AFTER_NS), IBNOSM_CLEAR);
	assert_int_equal(ibnosm_step(&s, false, t + 602 * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	/* a new wait starts its own clock */
	assert_int_equal(ibnosm_step(&s, true, t + 700 * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	assert_int_equal(ibnosm_step(&s, true, t + 729 * S, IBNOSM_AFTER_NS), IBNOSM_NONE);
	assert_int_equal(ibnosm_step(&s, true, t + 730 * S, IBNOSM_AFTER_NS), IBNOSM_RAISE);
}

static void test_short_waits_never_raise(void **state)
{
	struct ibnosm s = { 0 };
	int64_t t = 0;

	/* a port that flaps through INIT on its way to ACTIVE, again and again */
	for (int k = 0; k < 10; k++) {
		for (int i = 0; i < 20; i++, t += S)
			assert_int_equal(ibnosm_step(&s, true, t, IBNOSM_AFTER_NS), IBNOSM_NONE);
		assert_int_equal(ibnosm_step(&s, false, t, IBNOSM_AFTER_NS), IBNOSM_NONE);
		t += S;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_waiting),
		cmocka_unit_test(test_raise_after_wait_clear_on_active),
		cmocka_unit_test(test_short_waits_never_raise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
