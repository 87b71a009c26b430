/* powerseq-command.c - the sequencer's commands: `h2box power ...` and other services' requests. */
#include "supervisor/policy/powerseq.h"

#include <stdarg.h>
#include <stdio.h>

#include "supervisor/policy/powerseq-private.h"
#include "supervisor/util/parse.h"

static void powerseq_reply(struct powerseq_output *out, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void powerseq_reply(struct powerseq_output *out, int status, const char *fmt, ...)
{
	va_list ap;

	out->reply_status = status;
	va_start(ap, fmt);
	vsnprintf(out->reply, sizeof(out->reply), fmt, ap);
	va_end(ap);
}

/* The reason a command's transitions carry: the automatic action that asked, else the command. */
static enum powerseq_reason powerseq_why(enum powerseq_reason cause, enum powerseq_reason own)
{
	return cause != POWERSEQ_R_NONE ? cause : own;
}

void powerseq_command_run(struct powerseq *ps, struct powerseq_output *out,
			  enum powerseq_command cmd, enum powerseq_reason cause, int64_t t)
{
	const char *fault = powerseq_fault_name(ps->fault);
	const enum powerseq_state s = ps->state;
	char d[32], h[32];
	const char *hold = parse_format_duration(ps->cfg.force_off_hold_ns, h, sizeof(h));
	const enum powerseq_reason r_on = powerseq_why(cause, POWERSEQ_R_CMD_ON);
	const enum powerseq_reason r_off = powerseq_why(cause, POWERSEQ_R_CMD_OFF);
	const enum powerseq_reason r_cycle = powerseq_why(cause, POWERSEQ_R_CMD_CYCLE);
	const enum powerseq_reason r_force = powerseq_why(cause, POWERSEQ_R_CMD_FORCE_OFF);

	if (powerseq_self_dark(ps)) {
		/* h2boxd runs on the H2: with the H2 dark or booting, there is no h2boxd yet */
		if (s == POWERSEQ_HOST_STARTING)
			powerseq_reply(out, 3, "the H2 is booting: h2boxd starts its work on it once it is up");
		else
			powerseq_reply(out, 3, "the H2 is off, and h2boxd runs on it: press the button to "
				       "boot it");
		return;
	}
	switch (cmd) {
	case POWERSEQ_CMD_CLEAR:
		if (ps->fault_pending) {
			powerseq_reply(out, 3,
				       powerseq_is_self(ps)
					       ? "busy: the H2 is powering off; fault %s latches next"
					       : "busy: forcing the H2 off; fault %s latches next",
				       fault);
			return;
		}
		ps->psu_drop_alarm = false;
		ps->warnings &= ~POWERSEQ_WARN_PSU_OK_LOST;
		if (s != POWERSEQ_FAULT) {
			powerseq_reply(out, 0, "no fault latched");
			return;
		}
		powerseq_reply(out, 0, "fault cleared: %s", fault);
		powerseq_enter(ps, out, POWERSEQ_OFF, POWERSEQ_R_CMD_CLEAR, t);
		return;
	case POWERSEQ_CMD_ON:
		if (s == POWERSEQ_FAULT)
			break;
		if (s == POWERSEQ_ON) {
			powerseq_reply(out, 0, "already on");
		} else if (powerseq_starting_state(s)) {
			powerseq_reply(out, 0, "already starting");
		} else if (powerseq_stopping_state(s)) {
			powerseq_reply(out, 3, "busy: stopping");
		} else {
			powerseq_reply(out, 0, s == POWERSEQ_CYCLE_WAIT ? "powering on (cycle delay skipped)"
							       : "powering on");
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			powerseq_enter(ps, out, POWERSEQ_PSU_STARTING, r_on, t);
		}
		return;
	case POWERSEQ_CMD_OFF:
		if (s == POWERSEQ_FAULT) {
			powerseq_reply(out, 0, "already off (fault latched: %s; h2box power clear)", fault);
		} else if (s == POWERSEQ_OFF) {
			powerseq_reply(out, 0, "already off");
		} else if (s == POWERSEQ_CYCLE_WAIT) {
			powerseq_reply(out, 0, "cycle cancelled: off");
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out, POWERSEQ_OFF, r_off, t);
		} else if (powerseq_stopping_state(s)) {
			powerseq_reply(out, 0, ps->cycle_pending ? "already stopping (cycle cancelled)"
							: "already stopping");
			ps->cycle_pending = false;
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
		} else if (powerseq_is_self(ps)) {
			powerseq_reply(out, 0, "powering off (asking the OS to power off)");
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r_off, t);
		} else if (s == POWERSEQ_ON) {
			powerseq_reply(out, 0, "powering off");
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r_off, t);
		} else if (powerseq_host_untouched(ps)) {
			powerseq_reply(out, 0, "start-up aborted: off");
			if (powerseq_cut(ps, out, r_off, t))
				powerseq_reply(out, 0, "start-up aborted: PSU cut, holding the H2 power "
					       "button for %s", hold);
		} else {
			powerseq_reply(out, 3, "busy: starting (the H2 is booting; "
				       "'h2box power force-off' cuts it now)");
		}
		return;
	case POWERSEQ_CMD_CYCLE:
		if (s == POWERSEQ_FAULT)
			break;
		if (powerseq_is_self(ps)) {
			powerseq_reply(out, 3, "cycle is not available in the self topology "
				       "(the H2 would cut its own power; use systemctl reboot)");
		} else if (s == POWERSEQ_ON) {
			powerseq_reply(out, 0, "power cycle: powering off, on again %s after off",
				       parse_format_duration(ps->cfg.cycle_delay_ns, d, sizeof(d)));
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_ON);
			powerseq_enter(ps, out, POWERSEQ_HOST_STOPPING, r_cycle, t);
			ps->cycle_pending = true;
		} else if (s == POWERSEQ_CYCLE_WAIT || (powerseq_stopping_state(s) && ps->cycle_pending)) {
			powerseq_reply(out, 0, "already cycling");
		} else if (powerseq_starting_state(s)) {
			powerseq_reply(out, 3, "busy: starting");
		} else if (powerseq_stopping_state(s)) {
			powerseq_reply(out, 3, "busy: stopping");
		} else {
			powerseq_reply(out, 3, "not on (use 'h2box power on')");
		}
		return;
	case POWERSEQ_CMD_FORCE_OFF:
		if (s == POWERSEQ_FAULT) {
			powerseq_reply(out, 0, "already off (fault latched: %s; h2box power clear)", fault);
		} else if (s == POWERSEQ_OFF) {
			powerseq_reply(out, 0, "already off");
		} else if (s == POWERSEQ_FORCE_OFF) {
			powerseq_reply(out, 0, "already forcing off");
		} else if (powerseq_is_self(ps) || s == POWERSEQ_CYCLE_WAIT || powerseq_host_untouched(ps) ||
			   s == POWERSEQ_PSU_STOPPING) {
			powerseq_reply(out, 0, "power cut");
			if (powerseq_cut(ps, out, r_force, t))
				powerseq_reply(out, 0, "PSU cut, holding the H2 power button for %s", hold);
		} else {
			powerseq_reply(out, 0,
				       "forcing off: holding the H2 power button for %s, then cutting the PSU",
				       parse_format_duration(ps->cfg.force_off_hold_ns, d, sizeof(d)));
			powerseq_set_requested(ps, out, POWERSEQ_REQUESTED_OFF);
			powerseq_enter(ps, out, POWERSEQ_FORCE_OFF, r_force, t);
		}
		return;
	default:
		powerseq_reply(out, 2, "unknown power command");
		return;
	}
	powerseq_reply(out, 3, "fault latched: %s (h2box power clear)", fault);
}
