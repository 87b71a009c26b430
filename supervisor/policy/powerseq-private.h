/* powerseq-private.h - the sequencer's insides shared by its files (states, commands, start-up). */
#ifndef H2BOX_POWERSEQ_PRIVATE_H
#define H2BOX_POWERSEQ_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/policy/powerseq.h"

#define POWERSEQ_NEVER INT64_MAX

/* Sub-steps of host_starting / host_stopping; not states of their own (not logged). */
enum {
	POWERSEQ_PHASE_SETTLE = 0, /* host_starting: PWR_OK up, letting the rails settle */
	POWERSEQ_PHASE_PULSE,      /* host button pressed */
	POWERSEQ_PHASE_WAIT,       /* waiting for host_alive to change */
};

static inline bool powerseq_is_self(const struct powerseq *ps)
{
	return ps->cfg.topology == POWER_TOPOLOGY_SELF;
}

/* The H2's power LED as last seen, before its debounce: the only sign that the H2 runs. */
static inline bool powerseq_host_lit(const struct powerseq *ps)
{
	return ps->alive.pending ? ps->alive.pending_level : ps->alive.stable;
}

/*
 * Self topology with the H2's LED watched (the simulator): the H2 is dark, or boots with its OS
 * not up yet.  A real h2boxd would not be running then, so the machine acts on nothing but the
 * H2 coming up (or going dark again); a press goes to the H2's own power-button header.  A
 * level change still in its debounce counts as dark: never act on a half-seen boot.
 */
static inline bool powerseq_self_dark(const struct powerseq *ps)
{
	return powerseq_is_self(ps) && ps->has_host_alive &&
	       (ps->state == POWERSEQ_HOST_STARTING || !ps->alive.stable || ps->alive.pending);
}

/*
 * Controller with the H2 on its own supply (brick build): releasing PS_ON leaves a running H2
 * running, so switching the box off at once means holding its power button too.  An H2 whose
 * LED is dark is left alone: pressing it would start it.
 */
static inline bool powerseq_host_needs_force(const struct powerseq *ps)
{
	return !powerseq_is_self(ps) && ps->cfg.host_supply == POWER_HOST_SUPPLY_OWN &&
	       ps->has_host_alive && powerseq_host_lit(ps);
}

static inline int64_t powerseq_add_sat(int64_t a, int64_t b)
{
	return a > POWERSEQ_NEVER - b ? POWERSEQ_NEVER : a + b;
}

static inline bool powerseq_starting_state(enum powerseq_state s)
{
	return s == POWERSEQ_PSU_STARTING || s == POWERSEQ_NIC_WAIT || s == POWERSEQ_IB_WAIT ||
	       s == POWERSEQ_HOST_STARTING;
}

static inline bool powerseq_stopping_state(enum powerseq_state s)
{
	return s == POWERSEQ_HOST_STOPPING || s == POWERSEQ_FORCE_OFF ||
	       s == POWERSEQ_PSU_STOPPING;
}

/* Before the host button was pressed, a start-up can be undone by simply releasing PS_ON. */
static inline bool powerseq_host_untouched(const struct powerseq *ps)
{
	return ps->state == POWERSEQ_PSU_STARTING ||
	       (ps->state == POWERSEQ_HOST_STARTING && ps->phase == POWERSEQ_PHASE_SETTLE);
}

/* ---- powerseq-state.c: entering states ---- */

void powerseq_set_requested(struct powerseq *ps, struct powerseq_output *out,
			    enum powerseq_requested r);
void powerseq_enter(struct powerseq *ps, struct powerseq_output *out, enum powerseq_state to,
		    enum powerseq_reason reason, int64_t t);
void powerseq_enter_fault(struct powerseq *ps, struct powerseq_output *out, enum powerseq_fault f,
			  enum powerseq_reason reason, int64_t t);
/* The force-off hold ended (the H2's LED went out, or force_off_hold passed). */
void powerseq_force_off_done(struct powerseq *ps, struct powerseq_output *out,
			     enum powerseq_reason reason, int64_t t);
/* The state after PWR_OK came up. */
void powerseq_psu_good(struct powerseq *ps, struct powerseq_output *out, int64_t t);
/*
 * Cut everything at once (long press, force-off before the host was started).  An H2 on its
 * own supply that is running is held off after the PSU is cut; true when that hold started.
 */
bool powerseq_cut(struct powerseq *ps, struct powerseq_output *out, enum powerseq_reason reason,
		  int64_t t);

/* ---- powerseq-command.c: `h2box power ...` and other services' requests ---- */

void powerseq_command_run(struct powerseq *ps, struct powerseq_output *out,
			  enum powerseq_command cmd, enum powerseq_reason cause, int64_t t);

/* ---- powerseq-start.c: the first event, and the simulated H2's daemon starting over ---- */

void powerseq_startup(struct powerseq *ps, struct powerseq_output *out,
		      const struct powerseq_input *in, int64_t t);
void powerseq_self_daemon_starts(struct powerseq *ps, struct powerseq_output *out, int64_t t);

#endif
