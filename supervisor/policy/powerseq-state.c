/* powerseq-state.c - the sequencer's states: entering one (outputs, deadlines), reading them. */
#include "supervisor/policy/powerseq.h"

#include <string.h>

#include "supervisor/policy/powerseq-private.h"

/* ---- accessors ---- */

/* ---- accessors ---- */

enum powerseq_state powerseq_state_get(const struct powerseq *ps)
{
	return ps->state;
}

int64_t powerseq_since(const struct powerseq *ps)
{
	return ps->since_ns;
}

enum powerseq_fault powerseq_fault_get(const struct powerseq *ps, int64_t *at_ns)
{
	if (at_ns)
		*at_ns = ps->fault_ns;
	return ps->fault;
}

enum powerseq_fault powerseq_last_fault_get(const struct powerseq *ps, int64_t *at_ns)
{
	if (at_ns)
		*at_ns = ps->last_fault_ns;
	return ps->last_fault;
}

bool powerseq_psu_drop_alarm(const struct powerseq *ps)
{
	return ps->psu_drop_alarm;
}

unsigned powerseq_warnings(const struct powerseq *ps)
{
	return ps->warnings;
}

enum powerseq_requested powerseq_requested_get(const struct powerseq *ps)
{
	return ps->requested;
}

bool powerseq_powered(const struct powerseq *ps)
{
	/* self: while the H2 boots the SFX (NIC, fan) stays off until h2boxd starts on it */
	if (ps->state == POWERSEQ_HOST_STARTING && ps->cfg.topology == POWER_TOPOLOGY_SELF)
		return false;
	return ps->state != POWERSEQ_OFF && ps->state != POWERSEQ_CYCLE_WAIT &&
	       ps->state != POWERSEQ_FAULT;
}

enum powerseq_host powerseq_host_get(const struct powerseq *ps)
{
	if (powerseq_is_self(ps) && ps->state == POWERSEQ_HOST_STOPPING && ps->alive.stable)
		return POWERSEQ_H2_STOPPING;
	if (!ps->has_host_alive)
		return powerseq_is_self(ps) ? POWERSEQ_H2_ON : POWERSEQ_H2_UNKNOWN;
	if (!ps->alive.stable)
		return POWERSEQ_H2_OFF;
	if (powerseq_is_self(ps) && ps->state == POWERSEQ_HOST_STARTING)
		return POWERSEQ_H2_BOOTING;
	if (ps->state == POWERSEQ_HOST_STOPPING || ps->state == POWERSEQ_FORCE_OFF)
		return POWERSEQ_H2_STOPPING;
	return POWERSEQ_H2_ON;
}

/* ---- entering states ---- */

void powerseq_init(struct powerseq *ps, const struct power_config *cfg)
{
	memset(ps, 0, sizeof(*ps));
	ps->cfg = *cfg;
	ps->state = POWERSEQ_OFF;
	ps->deadline_ns = POWERSEQ_NEVER;
	ps->poll_ns = POWERSEQ_NEVER;
	ps->lit_ns = INT64_MIN;
}

void powerseq_set_requested(struct powerseq *ps, struct powerseq_output *out,
			    enum powerseq_requested r)
{
	if (ps->requested == r)
		return;
	ps->requested = r;
	out->requests |= POWERSEQ_REQ_SAVE;
}

static void powerseq_record(struct powerseq_output *out, enum powerseq_state from,
			    enum powerseq_state to, enum powerseq_reason reason, int64_t t)
{
	int i = out->ntransitions;

	/* A step never legitimately makes this many; keep the newest so the end state is right. */
	if (i == POWERSEQ_TRANSITIONS_MAX)
		i = POWERSEQ_TRANSITIONS_MAX - 1;
	else
		out->ntransitions++;
	out->transitions[i] = (struct powerseq_transition){ from, to, reason, t };
}

void powerseq_enter_fault(struct powerseq *ps, struct powerseq_output *out, enum powerseq_fault f,
			enum powerseq_reason reason, int64_t t)
{
	ps->fault = f;
	ps->fault_ns = t;
	ps->last_fault = f;
	ps->last_fault_ns = t;
	/* Neither a restart nor restore = last may power the box straight back into the fault. */
	powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (powerseq_host_needs_force(ps)) {
		/* The PSU goes now; the H2 on its own supply is held off, then it latches. */
		ps->fault_pending = true;
		ps->psu_on = false;
		ps->cycle_pending = false;
		powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, reason, t);
		return;
	}
	powerseq_enter(ps, out, POWERSEQ_FAULT, reason, t);
}

/* The force-off hold ended (the H2's LED went out, or force_off_hold passed). */
void powerseq_force_off_done(struct powerseq *ps, struct powerseq_output *out,
			     enum powerseq_reason reason, int64_t t)
{
	if (ps->fault_pending)
		powerseq_enter(ps, out, POWERSEQ_FAULT, reason, t);
	else if (!ps->psu_on && !ps->cycle_pending)
		powerseq_enter(ps, out, POWERSEQ_OFF, reason, t); /* the PSU was cut already */
	else
		powerseq_enter(ps, out, POWERSEQ_PSU_STOPPING, reason, t);
}

/* The state after PWR_OK came up. */
void powerseq_psu_good(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	powerseq_enter(ps, out, powerseq_is_self(ps) ? POWERSEQ_NIC_WAIT : POWERSEQ_HOST_STARTING,
		       POWERSEQ_R_PSU_OK, t);
}

void powerseq_enter(struct powerseq *ps, struct powerseq_output *out, enum powerseq_state to,
		    enum powerseq_reason reason, int64_t t)
{
	const struct power_config *c = &ps->cfg;
	enum powerseq_state from = ps->state;

	powerseq_record(out, from, to, reason, t);
	ps->state = to;
	ps->since_ns = t;
	ps->phase = 0;
	ps->deadline_ns = POWERSEQ_NEVER;
	ps->poll_ns = POWERSEQ_NEVER;
	if (to == POWERSEQ_FAULT) {
		ps->fault_pending = false;
	} else if (powerseq_is_self(ps) && to == POWERSEQ_HOST_STARTING) {
		/* the H2 boots: a fault latched while it was dark stays, in the state file too */
	} else if (!ps->fault_pending ||
		   (to != POWERSEQ_FORCE_OFF && to != POWERSEQ_HOST_STOPPING)) {
		ps->fault = POWERSEQ_FAULT_NONE;
		ps->fault_pending = false;
	}
	if (!ps->ready_sent && !powerseq_starting_state(to)) {
		ps->ready_sent = true;
		out->requests |= POWERSEQ_REQ_READY;
	}

	switch (to) {
	case POWERSEQ_OFF:
	case POWERSEQ_FAULT:
		ps->psu_on = false;
		ps->host_button = false;
		ps->cycle_pending = false;
		break;
	case POWERSEQ_CYCLE_WAIT:
		ps->psu_on = false;
		ps->host_button = false;
		ps->cycle_pending = false;
		ps->deadline_ns = powerseq_add_sat(t, c->cycle_delay_ns);
		break;
	case POWERSEQ_PSU_STARTING:
		ps->host_button = false;
		ps->psu_just_on = !ps->psu_on || !ps->psu_ok;
		ps->psu_on = true;
		ps->warnings &= ~(POWERSEQ_WARN_NIC_MISSING | POWERSEQ_WARN_IB_DOWN);
		if (ps->psu_ok) {
			/* Already up (held through a latch, or the daemon restarted). */
			ps->psu_just_on = false;
			powerseq_psu_good(ps, out, t);
			return;
		}
		ps->deadline_ns = powerseq_add_sat(t, c->psu_ok_timeout_ns);
		break;
	case POWERSEQ_HOST_STARTING:
		if (powerseq_is_self(ps)) {
			/* the H2 boots; h2boxd starts on it once its OS is up */
			ps->host_button = false;
			ps->poll_ns = powerseq_add_sat(t, c->ib_poll_ns);
			break;
		}
		ps->phase = POWERSEQ_PHASE_SETTLE;
		ps->deadline_ns = powerseq_add_sat(t, c->settle_ns);
		break;
	case POWERSEQ_NIC_WAIT:
		ps->deadline_ns = powerseq_add_sat(t, c->nic_timeout_ns);
		if (ps->psu_just_on) {
			/* The card was just powered: it needs a rescan before it shows up. */
			out->requests |= POWERSEQ_REQ_PCI_RESCAN;
			ps->poll_ns = powerseq_add_sat(t, c->nic_poll_ns);
		} else {
			out->requests |= POWERSEQ_REQ_NIC_CHECK;
		}
		break;
	case POWERSEQ_IB_WAIT:
		if (c->ib_active_timeout_ns == 0) {
			powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_TIMEOUT, t);
			return;
		}
		ps->deadline_ns = powerseq_add_sat(t, c->ib_active_timeout_ns);
		out->requests |= POWERSEQ_REQ_IB_CHECK;
		break;
	case POWERSEQ_ON:
		ps->host_button = false;
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		break;
	case POWERSEQ_HOST_STOPPING:
		if (powerseq_is_self(ps)) {
			out->requests |= POWERSEQ_REQ_LOGIND_POWEROFF;
			/* Normally SIGTERM comes first; this only catches a refused power-off. */
			ps->deadline_ns = powerseq_add_sat(t, c->host_shutdown_timeout_ns);
			if (ps->has_host_alive && !ps->alive.stable) {
				powerseq_enter(ps, out, ps->fault_pending ? POWERSEQ_FAULT : POWERSEQ_OFF,
					       POWERSEQ_R_HOST_OFF, t);
				return;
			}
		} else {
			/*
			 * The H2's LED lights as its firmware starts; its OS hears the button
			 * only once booted.  Pressed before host_boot_timeout has passed since,
			 * the press may go unheard: it is repeated once before forcing.
			 */
			ps->soft_off_again = ps->alive.stable && ps->lit_ns != INT64_MIN &&
					     t - ps->lit_ns < c->host_boot_timeout_ns;
			ps->phase = POWERSEQ_PHASE_PULSE;
			ps->host_button = true;
			ps->deadline_ns = powerseq_add_sat(t, c->host_button_pulse_ns);
		}
		break;
	case POWERSEQ_FORCE_OFF:
		ps->host_button = true;
		ps->deadline_ns = powerseq_add_sat(t, c->force_off_hold_ns);
		break;
	case POWERSEQ_PSU_STOPPING:
		ps->host_button = false;
		if (!ps->psu_on) {
			powerseq_enter(ps, out, ps->cycle_pending ? POWERSEQ_CYCLE_WAIT : POWERSEQ_OFF,
				       POWERSEQ_R_PSU_OFF_DELAY, t);
			return;
		}
		ps->deadline_ns = powerseq_add_sat(t, c->psu_off_delay_ns);
		break;
	case POWERSEQ_STATE_COUNT:
		break;
	}
}

/*
 * Cut everything at once (long press, force-off before the host was started).  An H2 on its
 * own supply that is running is held off after the PSU is cut; true when that hold started.
 */
bool powerseq_cut(struct powerseq *ps, struct powerseq_output *out, enum powerseq_reason reason,
		int64_t t)
{
	powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (powerseq_host_needs_force(ps)) {
		ps->psu_on = false;
		ps->cycle_pending = false;
		powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, reason, t);
		return true;
	}
	powerseq_enter(ps, out, POWERSEQ_OFF, reason, t);
	return false;
}
