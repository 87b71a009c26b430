/* ibnosm.c - pure decision: when a trained IB port that no subnet manager configures is an alarm. */
#include "supervisor/policy/ibnosm.h"

bool ibnosm_port_waiting(const struct hw_ib_port_attr *a)
{
	/* RoCE ports have no subnet manager: they follow their network interface */
	return a->link_layer != HW_IB_PORT_LINK_LAYER_ETHERNET &&
	       a->state == HW_IB_PORT_STATE_INIT && a->phys_state == HW_IB_PORT_PHYS_LINK_UP;
}

enum ibnosm_event ibnosm_step(struct ibnosm *s, bool waiting, int64_t now_ns, int64_t after_ns)
{
	if (!waiting) {
		bool was = s->raised;

		s->waiting = false;
		s->raised = false;
		return was ? IBNOSM_CLEAR : IBNOSM_NONE;
	}
	if (!s->waiting) {
		s->waiting = true;
		s->since_ns = now_ns;
	}
	if (!s->raised && now_ns - s->since_ns >= after_ns) {
		s->raised = true;
		return IBNOSM_RAISE;
	}
	return IBNOSM_NONE;
}
