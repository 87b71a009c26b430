/* test_ib_preflight.c - the pre-flight rules: no subnet manager, a VPI port in Ethernet mode, memlock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/ib_port.h"
#include "drivers/ib_preflight.h"

static struct hw_ib_port_attr port(int state, int phys, int layer, uint16_t sm_lid)
{
	struct hw_ib_port_attr a;

	memset(&a, 0, sizeof(a));
	a.state = state;
	a.phys_state = phys;
	a.link_layer = layer;
	a.sm_lid = sm_lid;
	return a;
}

#define IB  HW_IB_PORT_LINK_LAYER_INFINIBAND
#define ETH HW_IB_PORT_LINK_LAYER_ETHERNET

/* sm_lid == 0 or INIT on an InfiniBand port that has a link: no subnet manager */
static void test_no_sm_rule(void **state)
{
	struct hw_ib_port_attr a;

	(void)state;
	a = port(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_LINK_UP, IB, 0);
	assert_true(ib_preflight_no_sm(&a));
	/* INIT alone, even with a stale sm_lid left from an SM that went away */
	a = port(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_LINK_UP, IB, 7);
	assert_true(ib_preflight_no_sm(&a));
	/* sm_lid 0 alone: ARMED and ACTIVE ports an SM never reached */
	a = port(HW_IB_PORT_STATE_ARMED, HW_IB_PORT_PHYS_LINK_UP, IB, 0);
	assert_true(ib_preflight_no_sm(&a));
	a = port(HW_IB_PORT_STATE_ACTIVE, HW_IB_PORT_PHYS_LINK_UP, IB, 0);
	assert_true(ib_preflight_no_sm(&a));
	/* configured */
	a = port(HW_IB_PORT_STATE_ACTIVE, HW_IB_PORT_PHYS_LINK_UP, IB, 1);
	assert_false(ib_preflight_no_sm(&a));
	/* no link: the cable first, not the subnet manager */
	a = port(HW_IB_PORT_STATE_DOWN, HW_IB_PORT_PHYS_POLLING, IB, 0);
	assert_false(ib_preflight_no_sm(&a));
	/* RoCE (rxe, an mlx4 port in Ethernet mode) never has a subnet manager */
	a = port(HW_IB_PORT_STATE_ACTIVE, HW_IB_PORT_PHYS_LINK_UP, ETH, 0);
	assert_false(ib_preflight_no_sm(&a));
	a = port(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_LINK_UP, ETH, 0);
	assert_false(ib_preflight_no_sm(&a));

	assert_int_equal(strncmp(ib_preflight_no_sm_hint(), IB_PREFLIGHT_NO_SM,
				 strlen(IB_PREFLIGHT_NO_SM)),
			 0);
	assert_string_equal(IB_PREFLIGHT_NO_SM, "no subnet manager: run opensm");
}

/* ib_port_state_hint() says it by the same rule: an ARMED port without sm_lid, an INIT one */
static void test_state_hint_uses_the_rule(void **state)
{
	struct hw_ib_port_attr a;

	(void)state;
	a = port(HW_IB_PORT_STATE_ARMED, HW_IB_PORT_PHYS_LINK_UP, IB, 0);
	assert_string_equal(ib_port_state_hint(&a), ib_preflight_no_sm_hint());
	a = port(HW_IB_PORT_STATE_INIT, HW_IB_PORT_PHYS_LINK_UP, IB, 0);
	assert_string_equal(ib_port_state_hint(&a), ib_preflight_no_sm_hint());
	a = port(HW_IB_PORT_STATE_DOWN, HW_IB_PORT_PHYS_POLLING, IB, 0);
	assert_null(strstr(ib_port_state_hint(&a), "subnet"));
}

static void test_vpi_ethernet(void **state)
{
	struct hw_ib_port_attr a = port(HW_IB_PORT_STATE_ACTIVE, HW_IB_PORT_PHYS_LINK_UP, ETH, 0);
	char hint[512] = "untouched";

	(void)state;
	assert_true(ib_preflight_is_vpi("mlx4_0", NULL));
	assert_true(ib_preflight_is_vpi("ibp1s0", "mlx4_core")); /* a renamed device: its driver */
	assert_false(ib_preflight_is_vpi("mlx5_0", "mlx5_core"));
	assert_false(ib_preflight_is_vpi("rxe_lo", NULL));

	/* not VPI (rxe is Ethernet by nature): nothing to set */
	assert_false(ib_preflight_vpi_ethernet(&a, false, "", 1, hint, sizeof(hint)));
	assert_string_equal(hint, "untouched");
	/* the real bdf and port in the sysfs path, and the module parameter for every boot */
	assert_true(ib_preflight_vpi_ethernet(&a, true, "0000:01:00.0", 2, hint, sizeof(hint)));
	assert_non_null(strstr(hint, "echo ib > /sys/bus/pci/devices/0000:01:00.0/mlx4_port2"));
	assert_non_null(strstr(hint, "port_type_array=1,1"));
	assert_null(strstr(hint, "<bdf>"));
	/* slot unknown: says how to find it */
	assert_true(ib_preflight_vpi_ethernet(&a, true, "", 1, hint, sizeof(hint)));
	assert_non_null(strstr(hint, "/sys/bus/pci/devices/<bdf>/mlx4_port1"));
	assert_non_null(strstr(hint, "lspci"));
	/* an InfiniBand port of the same card: fine */
	a.link_layer = IB;
	assert_false(ib_preflight_vpi_ethernet(&a, true, "0000:01:00.0", 1, hint, sizeof(hint)));
}

static void test_memlock(void **state)
{
	struct hw_verbs_memlock m = { .limit = 8u << 20, .cap_ipc_lock = false };
	uint64_t need;
	char hint[512];

	(void)state;
	/* a loopback of 8 MiB messages: two ends of 16 MiB, a page and the queues each */
	need = ib_preflight_memlock_need(16u << 20, 2);
	assert_true(need == 2 * ((16u << 20) + 4096 + (256u << 10)));
	assert_true(ib_preflight_memlock_need(16u << 20, 1) * 2 == need);
	/* the default 8 MiB of a shell: refused before registration, with the exact figures */
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_FAIL);
	assert_non_null(strstr(hint, "RLIMIT_MEMLOCK is 8192 KiB"));
	assert_non_null(strstr(hint, "at least 33 MiB")); /* 32.5 MiB rounded up */
	assert_non_null(strstr(hint, "LimitMEMLOCK=33M"));
	assert_non_null(strstr(hint, "ulimit -l 33792"));
	/* a limit of 0 (can_do_mlock() refuses everything) */
	m.limit = 0;
	assert_int_equal(ib_preflight_memlock(4096, &m, hint, sizeof(hint)), IB_PREFLIGHT_FAIL);
	assert_non_null(strstr(hint, "at least 1 MiB"));
	/* enough, exactly enough, unlimited, CAP_IPC_LOCK (root): fine, no hint */
	m.limit = 64u << 20;
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_OK);
	assert_string_equal(hint, "");
	m.limit = need;
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_OK);
	m.limit = need - 1;
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_FAIL);
	m.limit = UINT64_MAX;
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_OK);
	m.limit = 0;
	m.cap_ipc_lock = true;
	assert_int_equal(ib_preflight_memlock(need, &m, hint, sizeof(hint)), IB_PREFLIGHT_OK);
	assert_string_equal(ib_preflight_level_name(IB_PREFLIGHT_WARN), "warn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_sm_rule),
		cmocka_unit_test(test_state_hint_uses_the_rule),
		cmocka_unit_test(test_vpi_ethernet),
		cmocka_unit_test(test_memlock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
