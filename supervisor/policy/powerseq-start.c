/* powerseq-start.c - the sequencer's first event: restore, adopt, or latch a saved fault again. */
#include "supervisor/policy/powerseq.h"

#include "supervisor/policy/powerseq-private.h"

/*
 * A fault saved before this start (reload, restart, mains loss) latches again, whatever
 * restore says: outputs as the fault left them, PS_ON released, and an H2 on its own supply
 * found running held off first (the off the fault began is finished, then it latches).  Only
 * `h2box power clear` or the first press clears it, as if it had never stopped.
 */
static void powerseq_restore_fault(struct powerseq *ps, struct powerseq_output *out,
				   const struct powerseq_input *in, int64_t t)
{
	ps->fault = in->saved_fault;
	ps->fault_ns = in->saved_fault_ns < t ? in->saved_fault_ns : t;
	ps->last_fault = ps->fault;
	ps->last_fault_ns = ps->fault_ns;
	/* the file holds it already: nothing to write unless requested was not off */
	ps->saved_fault = ps->fault;
	ps->saved_fault_ns = ps->fault_ns;
	ps->psu_drop_alarm = ps->fault == POWERSEQ_FAULT_PSU_OK_DROP;
	powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (powerseq_host_needs_force(ps)) {
		ps->fault_pending = true;
		ps->psu_on = false;
		powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_FINISH_OFF, t);
		return;
	}
	powerseq_enter(ps, out, POWERSEQ_FAULT, POWERSEQ_R_RESTORED_FAULT, t);
}

void powerseq_startup(struct powerseq *ps, struct powerseq_output *out,
		      const struct powerseq_input *in, int64_t t)
{
	const struct power_config *c = &ps->cfg;
	bool on;

	ps->started = true;
	ps->psu_ok = in->psu_ok;
	ps->has_host_alive = in->has_host_alive;
	ps->alive.stable = in->has_host_alive && in->host_alive;
	ps->button.stable = in->button;
	ps->press_armed = false; /* a button held (or stuck) at start-up is not a press */
	ps->requested = in->last_requested;
	ps->since_ns = t;

	if (in->saved_fault != POWERSEQ_FAULT_NONE) {
		if (!powerseq_is_self(ps) || !in->psu_ok) {
			/* controller: PS_ON was opened following PWR_OK; self: not asserted */
			ps->psu_on = !powerseq_is_self(ps) && in->psu_ok;
			powerseq_restore_fault(ps, out, in, t);
			return;
		}
		/*
		 * Self with the supply up: h2boxd runs on the H2, which the SFX may feed, so
		 * releasing PS_ON could cut the very host that was just powered on by hand.  The
		 * fault is not latched again; it stays the last fault, and leaves the state file.
		 */
		ps->last_fault = in->saved_fault;
		ps->last_fault_ns = in->saved_fault_ns < t ? in->saved_fault_ns : t;
		ps->saved_fault = in->saved_fault;
		ps->saved_fault_ns = ps->last_fault_ns;
	}
	if (powerseq_is_self(ps) && in->has_host_alive && !in->host_alive) {
		/* The simulator's H2 is dark: no h2boxd would run; wait for the H2 to boot. */
		ps->psu_on = false;
		powerseq_enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_STARTUP, t);
		return;
	}
	if (powerseq_is_self(ps)) {
		/* We run on the H2: it is up, so the box is meant to be on. */
		ps->psu_on = in->psu_ok; /* the service opens PS_ON asserted; see PSU_STARTING */
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_STARTUP, t);
		return;
	}
	/* The service opens PS_ON following PWR_OK, so a daemon restart never cuts the box. */
	ps->psu_on = in->psu_ok;
	if (in->psu_ok) {
		if (ps->alive.stable)
			powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_ADOPT, t);
		else if (in->last_requested == POWERSEQ_REQUESTED_ON)
			powerseq_enter(ps, out, POWERSEQ_HOST_STARTING, POWERSEQ_R_ADOPT, t);
		else
			powerseq_enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_ADOPT, t);
		return;
	}
	if (ps->alive.stable) {
		/*
		 * The H2 runs with the PSU off.  With its own supply (brick build) an off or a
		 * fault was cut short (daemon stopped or killed during the force-off hold, or the
		 * hold ran out), or the H2 was started by hand or by its firmware while no daemon
		 * watched.  Only the saved request tells these apart.  Off: finish the off (PSU
		 * left off, the H2 held off) rather than power the NIC up under it.  On or
		 * unknown: join it, whatever restore says: restore decides whether a dark box
		 * starts, and a force-off is a hard power cut for a running OS, never taken on a
		 * guess.  restore = on joins even after an off, as it starts a dark box after one.
		 * A PSU-fed H2 cannot run with PWR_OK down; there a lit LED brings the PSU up.
		 */
		if (c->host_supply == POWER_HOST_SUPPLY_OWN && c->restore != POWER_RESTORE_ON &&
		    in->last_requested == POWERSEQ_REQUESTED_OFF) {
			powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_FINISH_OFF, t);
			return;
		}
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_ADOPT, t);
		return;
	}
	on = c->restore == POWER_RESTORE_ON ||
	     (c->restore == POWER_RESTORE_LAST && in->last_requested == POWERSEQ_REQUESTED_ON);
	if (on) {
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_RESTORE, t);
	} else {
		powerseq_enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_STARTUP, t);
	}
}

/*
 * Self topology, the simulator: the H2 booted and its OS is up.  h2boxd starts over as a
 * daemon started at this boot would, from what it would find: the lines as they are, the
 * state file's requested state and fault.
 */
void powerseq_self_daemon_starts(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const struct powerseq_input in = {
		.event = POWERSEQ_EV_STARTUP,
		.psu_ok = ps->psu_ok,
		.host_alive = true,
		.has_host_alive = true,
		.button = ps->button.stable,
		.last_requested = ps->requested,
		.saved_fault = ps->saved_fault,
		.saved_fault_ns = ps->saved_fault_ns,
	};

	ps->fault = POWERSEQ_FAULT_NONE;
	ps->fault_pending = false;
	ps->cycle_pending = false;
	ps->psu_drop_alarm = false;
	ps->warnings = 0;
	powerseq_startup(ps, out, &in, t);
}
