/* powerseq.c - the power sequencer: (state, input, now) -> line levels, deadlines, transitions. */
#include "supervisor/policy/powerseq.h"

#include <errno.h>
#include <string.h>

#include "supervisor/policy/powerseq-private.h"

static void powerseq_warn(struct powerseq *ps, struct powerseq_output *out, unsigned w)
{
	ps->warnings |= w;
	out->new_warnings |= w;
}

static void powerseq_short_press(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const enum powerseq_reason r = POWERSEQ_R_BUTTON;

	/* The press went to the dark H2's own power-button header, which boots it. */
	if (powerseq_self_dark(ps))
		return;
	if (ps->state == POWERSEQ_FAULT && powerseq_is_self(ps)) {
		/*
		 * The press acknowledges the fault, and it is the running H2's own button too:
		 * its OS powers off (ACPI), as after any press.  The next press boots it.
		 */
		ps->psu_drop_alarm = false;
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		return;
	}
	if (ps->state == POWERSEQ_FAULT) {
		/* The first press acknowledges the fault; the next one starts normally. */
		ps->psu_drop_alarm = false;
		powerseq_enter(ps, out, POWERSEQ_OFF, r, t);
		return;
	}
	if (powerseq_is_self(ps)) {
		if (ps->state != POWERSEQ_HOST_STOPPING) {
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		}
		return;
	}
	switch (ps->state) {
	case POWERSEQ_OFF:
	case POWERSEQ_CYCLE_WAIT:
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
		powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, r, t);
		break;
	case POWERSEQ_PSU_STARTING:
	case POWERSEQ_HOST_STARTING:
		/* Undo a start-up only while the host is untouched; a booting H2 is left alone. */
		if (powerseq_host_untouched(ps))
			powerseq_cut(ps, out, r, t);
		break;
	case POWERSEQ_ON:
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r, t);
		break;
	default:
		break; /* stopping: already on the way; a long press cuts */
	}
}

static void powerseq_long_press(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	ps->press_armed = false;
	/* A fault is latched, or is being latched with everything already cut. */
	if (ps->state == POWERSEQ_FAULT || ps->fault_pending)
		return;
	if (!ps->psu_on && !ps->host_button && !powerseq_host_needs_force(ps))
		return;
	out->requests |= POWERSEQ_REQ_EMERGENCY;
	powerseq_cut(ps, out, POWERSEQ_R_LONG_PRESS, t);
}

static void powerseq_button_changed(struct powerseq *ps, struct powerseq_output *out, bool pressed,
				    int64_t edge_ts, int64_t t)
{
	if (pressed) {
		ps->press_armed = true;
		ps->press_ts = edge_ts;
		return;
	}
	if (!ps->press_armed)
		return; /* held since start-up, or already used by a long press */
	ps->press_armed = false;
	powerseq_short_press(ps, out, t);
}

static void powerseq_alive_changed(struct powerseq *ps, struct powerseq_output *out, bool alive,
				   int64_t t)
{
	if (alive) {
		if (powerseq_is_self(ps)) {
			/* the dark H2 boots (its own button header): a fault latched stays */
			if (ps->state == POWERSEQ_OFF || ps->state == POWERSEQ_FAULT)
				powerseq_enter(ps, out, POWERSEQ_HOST_STARTING, POWERSEQ_R_HOST_STARTED, t);
			return;
		}
		switch (ps->state) {
		case POWERSEQ_HOST_STARTING:
			powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_HOST_ALIVE, t);
			break;
		case POWERSEQ_OFF:
			/* The H2 on its own supply came up by itself: bring the rest up. */
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_HOST_STARTED, t);
			break;
		default:
			break;
		}
		return;
	}
	if (powerseq_is_self(ps)) {
		/*
		 * Seen only in the simulator (or with host_alive wired on the H2): the OS
		 * finished shutting down, which is when the shutdown hook releases PS_ON, or
		 * the H2 was forced off.  A fault named before (PWR_OK drop) latches now.
		 */
		if (ps->state != POWERSEQ_OFF && ps->state != POWERSEQ_FAULT) {
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out,
				       ps->fault != POWERSEQ_FAULT_NONE ? POWERSEQ_FAULT : POWERSEQ_OFF,
				       POWERSEQ_R_HOST_OFF, t);
		}
		return;
	}
	switch (ps->state) {
	case POWERSEQ_ON:
		powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		powerseq_enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_HOST_POWEROFF, t);
		break;
	case POWERSEQ_HOST_STOPPING:
		powerseq_enter(ps, out, POWERSEQ_PSU_STOPPING, POWERSEQ_R_HOST_OFF, t);
		break;
	case POWERSEQ_FORCE_OFF:
		powerseq_force_off_done(ps, out, POWERSEQ_R_HOST_OFF, t);
		break;
	default:
		break;
	}
}

static void powerseq_psu_ok_changed(struct powerseq *ps, struct powerseq_output *out, bool ok,
				    int64_t t)
{
	ps->psu_ok = ok;
	if (ok) {
		if (ps->state == POWERSEQ_PSU_STARTING) {
			powerseq_psu_good(ps, out, t);
		} else if (ps->psu_drop_alarm && ps->fault == POWERSEQ_FAULT_NONE &&
			   ps->state != POWERSEQ_OFF) {
			ps->psu_drop_alarm = false; /* ignore mode: the rails came back */
			ps->warnings &= ~POWERSEQ_WARN_PSU_OK_LOST;
		}
		return;
	}
	/* A drop matters only while we hold PS_ON past start-up. */
	if (!ps->psu_on || ps->state == POWERSEQ_PSU_STARTING ||
	    ps->state == POWERSEQ_PSU_STOPPING)
		return;
	ps->psu_drop_alarm = true;
	ps->last_fault = POWERSEQ_FAULT_PSU_OK_DROP;
	ps->last_fault_ns = t;
	if (!powerseq_is_self(ps)) {
		powerseq_enter_fault(ps, out, POWERSEQ_FAULT_PSU_OK_DROP, POWERSEQ_R_PSU_OK_DROP, t);
		return;
	}
	if (ps->cfg.pwr_ok_drop_action == POWER_DROP_IGNORE) {
		powerseq_warn(ps, out, POWERSEQ_WARN_PSU_OK_LOST);
		return;
	}
	/*
	 * The OS powers off at once (h2boxd with it), so the fault is named and saved now and
	 * latches once the H2 is down: the next boot's h2boxd finds it in the state file.
	 */
	ps->fault = POWERSEQ_FAULT_PSU_OK_DROP;
	ps->fault_ns = t;
	ps->fault_pending = true;
	powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
	if (ps->state != POWERSEQ_HOST_STOPPING) {
		out->requests |= POWERSEQ_REQ_EMERGENCY;
		powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, POWERSEQ_R_PSU_OK_DROP, t);
	}
}

static void powerseq_state_timeout(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	const struct power_config *c = &ps->cfg;

	ps->deadline_ns = POWERSEQ_NEVER;
	switch (ps->state) {
	case POWERSEQ_PSU_STARTING:
		powerseq_enter_fault(ps, out, POWERSEQ_FAULT_PSU_OK_TIMEOUT, POWERSEQ_R_PSU_OK_TIMEOUT, t);
		break;
	case POWERSEQ_HOST_STARTING:
		if (ps->phase == POWERSEQ_PHASE_SETTLE) {
			if (ps->alive.stable) {
				powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_HOST_ALIVE, t);
			} else if (c->host_starts_on_power) {
				ps->phase = POWERSEQ_PHASE_WAIT;
				ps->deadline_ns = powerseq_add_sat(t, c->host_boot_timeout_ns);
			} else {
				ps->phase = POWERSEQ_PHASE_PULSE;
				ps->host_button = true;
				ps->deadline_ns = powerseq_add_sat(t, c->host_button_pulse_ns);
			}
		} else if (ps->phase == POWERSEQ_PHASE_PULSE) {
			ps->phase = POWERSEQ_PHASE_WAIT;
			ps->host_button = false;
			ps->deadline_ns = powerseq_add_sat(t, c->host_boot_timeout_ns);
		} else {
			powerseq_enter_fault(ps, out, POWERSEQ_FAULT_HOST_BOOT_TIMEOUT,
					     POWERSEQ_R_HOST_BOOT_TIMEOUT, t);
		}
		break;
	case POWERSEQ_HOST_STOPPING:
		if (powerseq_is_self(ps)) {
			/* The OS did not go down: stay on, the user may try again; after a
			 * PWR_OK drop the fault latches instead (the supply is gone). */
			powerseq_enter(ps, out, ps->fault_pending ? POWERSEQ_FAULT : POWERSEQ_ON,
				       POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT, t);
		} else if (ps->phase == POWERSEQ_PHASE_PULSE) {
			ps->phase = POWERSEQ_PHASE_WAIT;
			ps->host_button = false;
			ps->deadline_ns = powerseq_add_sat(t, c->host_shutdown_timeout_ns);
		} else if (ps->soft_off_again) {
			/* pressed while the H2 was still booting: once more, then force */
			ps->soft_off_again = false;
			out->requests |= POWERSEQ_REQ_SOFT_OFF_AGAIN;
			ps->phase = POWERSEQ_PHASE_PULSE;
			ps->host_button = true;
			ps->deadline_ns = powerseq_add_sat(t, c->host_button_pulse_ns);
		} else {
			powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT, t);
		}
		break;
	case POWERSEQ_FORCE_OFF:
		powerseq_force_off_done(ps, out, POWERSEQ_R_FORCE_OFF_DONE, t);
		break;
	case POWERSEQ_PSU_STOPPING:
		ps->psu_on = false;
		powerseq_enter(ps, out, ps->cycle_pending ? POWERSEQ_CYCLE_WAIT : POWERSEQ_OFF,
			       POWERSEQ_R_PSU_OFF_DELAY, t);
		break;
	case POWERSEQ_CYCLE_WAIT:
		powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, POWERSEQ_R_CYCLE_DELAY, t);
		break;
	case POWERSEQ_NIC_WAIT:
		powerseq_warn(ps, out, POWERSEQ_WARN_NIC_MISSING);
		powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_NIC_TIMEOUT, t);
		break;
	case POWERSEQ_IB_WAIT:
		powerseq_warn(ps, out, POWERSEQ_WARN_IB_DOWN);
		powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_TIMEOUT, t);
		break;
	default:
		break;
	}
}

static void powerseq_poll_due(struct powerseq *ps, struct powerseq_output *out)
{
	ps->poll_ns = POWERSEQ_NEVER;
	if (ps->state == POWERSEQ_NIC_WAIT)
		out->requests |= POWERSEQ_REQ_NIC_CHECK;
	else if (ps->state == POWERSEQ_IB_WAIT)
		out->requests |= POWERSEQ_REQ_IB_CHECK;
	else if (ps->state == POWERSEQ_HOST_STARTING && powerseq_is_self(ps))
		out->requests |= POWERSEQ_REQ_HOST_CHECK;
}

static int64_t powerseq_debounce_due(const struct powerseq *ps, const struct powerseq_debounce *d)
{
	return d->pending ? powerseq_add_sat(d->pending_since, ps->cfg.debounce_ns) : POWERSEQ_NEVER;
}

static int64_t powerseq_long_press_due(const struct powerseq *ps)
{
	return ps->press_armed && ps->button.stable ? powerseq_add_sat(ps->press_ts, ps->cfg.long_press_ns)
						    : POWERSEQ_NEVER;
}

static int64_t powerseq_min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t powerseq_next_due(const struct powerseq *ps)
{
	int64_t d = powerseq_min64(powerseq_debounce_due(ps, &ps->button),
				   powerseq_debounce_due(ps, &ps->alive));

	d = powerseq_min64(d, powerseq_long_press_due(ps));
	d = powerseq_min64(d, ps->deadline_ns);
	return powerseq_min64(d, ps->poll_ns);
}

/* Run every internal deadline up to t, in time order. */
static void powerseq_advance(struct powerseq *ps, struct powerseq_output *out, int64_t t)
{
	for (int guard = 0; guard < 256; guard++) {
		int64_t d = powerseq_next_due(ps);

		if (d > t)
			break;
		if (d > ps->now_ns)
			ps->now_ns = d;
		if (powerseq_debounce_due(ps, &ps->button) == d) {
			ps->button.pending = false;
			ps->button.stable = ps->button.pending_level;
			powerseq_button_changed(ps, out, ps->button.stable, ps->button.pending_since, d);
		} else if (powerseq_debounce_due(ps, &ps->alive) == d) {
			ps->alive.pending = false;
			ps->alive.stable = ps->alive.pending_level;
			if (ps->alive.stable)
				ps->lit_ns = ps->alive.pending_since;
			powerseq_alive_changed(ps, out, ps->alive.stable, d);
		} else if (powerseq_long_press_due(ps) == d) {
			powerseq_long_press(ps, out, d);
		} else if (ps->deadline_ns == d) {
			powerseq_state_timeout(ps, out, d);
		} else {
			powerseq_poll_due(ps, out);
		}
	}
	if (t > ps->now_ns)
		ps->now_ns = t;
}

/* A raw edge: a level must hold for `debounce` to count; shorter glitches vanish. */
static void powerseq_debounce_edge(struct powerseq_debounce *d, bool level, int64_t ts)
{
	if (d->pending) {
		if (level == d->stable)
			d->pending = false;
		return;
	}
	if (level != d->stable) {
		d->pending = true;
		d->pending_level = level;
		d->pending_since = ts;
	}
}

/*
 * The fault goes into the state file from the moment it is named (with an own-supply H2, before
 * it latches) until it is cleared, so a reload, restart or mains loss brings it back.
 */
static void powerseq_sync_saved(struct powerseq *ps, struct powerseq_output *out)
{
	if (ps->fault == ps->saved_fault &&
	    (ps->fault == POWERSEQ_FAULT_NONE || ps->fault_ns == ps->saved_fault_ns))
		return;
	ps->saved_fault = ps->fault;
	ps->saved_fault_ns = ps->fault == POWERSEQ_FAULT_NONE ? 0 : ps->fault_ns;
	out->requests |= POWERSEQ_REQ_SAVE;
}

static void powerseq_fill_levels(const struct powerseq *ps, struct powerseq_output *out)
{
	out->psu_on = ps->psu_on;
	out->host_button = ps->host_button;
	out->led_code = 0;
	switch (ps->state) {
	case POWERSEQ_OFF:
		out->led = POWERSEQ_LED_OFF;
		break;
	case POWERSEQ_ON:
		out->led = POWERSEQ_LED_ON;
		break;
	case POWERSEQ_FAULT:
		out->led = POWERSEQ_LED_BLINK_CODE;
		out->led_code = (int)ps->fault;
		break;
	case POWERSEQ_FORCE_OFF:
		/* The fault shows from the start, not only once the H2 is off. */
		out->led = ps->fault_pending ? POWERSEQ_LED_BLINK_CODE : POWERSEQ_LED_BLINK;
		out->led_code = ps->fault_pending ? (int)ps->fault : 0;
		break;
	default:
		out->led = POWERSEQ_LED_BLINK;
		break;
	}
	out->next_deadline_ns = ps->started ? powerseq_next_due(ps) : POWERSEQ_NEVER;
}

int powerseq_step(struct powerseq *ps, const struct powerseq_input *in, int64_t now_ns,
		  struct powerseq_output *out)
{
	int64_t ts;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->requested = ps->requested;
	if (now_ns < ps->now_ns)
		now_ns = ps->now_ns; /* time never runs backwards inside the machine */
	if (!ps->started && in->event != POWERSEQ_EV_STARTUP) {
		r = -EINVAL;
		goto done;
	}
	if (ps->started && in->event == POWERSEQ_EV_STARTUP) {
		r = -EALREADY;
		goto done;
	}
	ts = in->stamped ? in->ts_ns : now_ns;
	if (ts > now_ns) {
		r = -EINVAL;
		goto done;
	}
	if (ts < ps->now_ns)
		ts = ps->now_ns;

	if (in->event == POWERSEQ_EV_STARTUP) {
		ps->now_ns = now_ns;
		powerseq_startup(ps, out, in, now_ns);
		powerseq_advance(ps, out, now_ns);
		goto done;
	}
	/* Whatever was due before the edge happened first. */
	powerseq_advance(ps, out, ts);
	switch (in->event) {
	case POWERSEQ_EV_BUTTON:
		powerseq_debounce_edge(&ps->button, in->level, ts);
		break;
	case POWERSEQ_EV_HOST_ALIVE:
		ps->has_host_alive = true;
		powerseq_debounce_edge(&ps->alive, in->level, ts);
		break;
	case POWERSEQ_EV_PSU_OK:
		if (in->level != ps->psu_ok)
			powerseq_psu_ok_changed(ps, out, in->level, ts);
		break;
	case POWERSEQ_EV_COMMAND:
		powerseq_command_run(ps, out, in->command, in->cause, ts);
		break;
	case POWERSEQ_EV_NIC:
		if (ps->state != POWERSEQ_NIC_WAIT)
			break;
		if (in->level) {
			powerseq_enter(ps, out, POWERSEQ_IB_WAIT, POWERSEQ_R_NIC_PRESENT, ts);
		} else {
			out->requests |= POWERSEQ_REQ_PCI_RESCAN;
			ps->poll_ns = powerseq_add_sat(ts, ps->cfg.nic_poll_ns);
		}
		break;
	case POWERSEQ_EV_HOST_UP:
		if (ps->state != POWERSEQ_HOST_STARTING || !powerseq_is_self(ps))
			break;
		if (in->level)
			powerseq_self_daemon_starts(ps, out, ts);
		else
			ps->poll_ns = powerseq_add_sat(ts, ps->cfg.ib_poll_ns);
		break;
	case POWERSEQ_EV_IB:
		if (ps->state != POWERSEQ_IB_WAIT)
			break;
		if (in->level)
			powerseq_enter(ps, out, POWERSEQ_ON, POWERSEQ_R_IB_ACTIVE, ts);
		else
			ps->poll_ns = powerseq_add_sat(ts, ps->cfg.ib_poll_ns);
		break;
	default:
		break;
	}
	powerseq_advance(ps, out, now_ns);
done:
	if (ps->started)
		powerseq_sync_saved(ps, out);
	out->requested = ps->requested;
	out->fault = ps->saved_fault;
	out->fault_ns = ps->saved_fault_ns;
	powerseq_fill_levels(ps, out);
	return r;
}
