/* ibnosm.h - pure decision: when a trained IB port that no subnet manager configures is an alarm. */
#ifndef H2BOX_IBNOSM_H
#define H2BOX_IBNOSM_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/clock.h"
#include "hw/ib.h"

/*
 * A port whose link trained (phys LinkUp) but that stays INIT has no subnet manager: no LID,
 * no traffic, until opensm runs somewhere on the fabric.  A running SM moves a fresh port to
 * ACTIVE within a sweep or two (opensm sweeps every 10 s), so INIT that long is no transient:
 * after IBNOSM_AFTER_NS the IB service raises the warning alarm "ib-no-sm" with the hint of
 * ib_port_state_hint(); it clears when no watched port waits any more (ACTIVE: cleared;
 * down or gone: cleared with that reason).
 */
#define IBNOSM_AFTER_NS (30 * HW_NSEC_PER_SEC)

struct ibnosm {
	bool waiting, raised;
	int64_t since_ns; /* when the current wait began */
};

enum ibnosm_event {
	IBNOSM_NONE,
	IBNOSM_RAISE, /* waited after_ns: raise the alarm */
	IBNOSM_CLEAR, /* no port waits any more: clear it */
};

/* The port trained on an InfiniBand link but no subnet manager configured it (INIT). */
bool ibnosm_port_waiting(const struct hw_ib_port_attr *a);
/* One sample at now: waiting = some watched port waits.  Events fire on changes only. */
enum ibnosm_event ibnosm_step(struct ibnosm *s, bool waiting, int64_t now_ns, int64_t after_ns);

#endif
