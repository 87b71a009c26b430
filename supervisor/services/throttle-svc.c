/* throttle-svc.c - a ladder step: the driver's knob, or a hook command run as a child of the loop. */
#include "supervisor/services/throttle-svc.h"

#include "supervisor/config/watts-config.h"
#include "supervisor/runtime/child.h"
#include "supervisor/util/log.h"
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct throttle_svc {
	struct throttle_config cfg;
	struct loop *loop;
	struct throttle *knob; /* NULL for a hook */
	bool applied;	       /* a hook: what the ladder asked for last (a knob keeps its own) */
	bool hook_state;       /* a hook: the verb of the last run started (true = apply) */
	struct child *run;     /* the hook run in progress, NULL = none */
	char desc[320];
};

int throttle_svc_new(struct loop *l, struct hw *hw, const struct throttle_config *cfg,
		     struct throttle_svc **out)
{
	struct throttle_svc *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->loop = l;
	if (cfg->kind == THROTTLE_HOOK) {
		snprintf(t->desc, sizeof(t->desc), "hook %s", cfg->command);
	} else {
		r = throttle_new(hw, cfg, &t->knob);
		if (r < 0) {
			free(t);
			return r;
		}
	}
	*out = t;
	return 0;
}

static int throttle_svc_hook_sync(struct throttle_svc *t);

/* A run ended (logged by child.c when not a clean 0): follow it with the verb wished since. */
static void throttle_svc_hook_done(struct child *c, int status, void *userdata)
{
	struct throttle_svc *t = userdata;
	int r;

	(void)c;
	(void)status;
	t->run = NULL;
	r = throttle_svc_hook_sync(t);
	if (r < 0) {
		log_warn(r, "throttle %s: cannot run hook %s", t->cfg.name,
			 t->applied ? "apply" : "undo");
		t->applied = t->hook_state; /* the wish could not be carried out */
	}
}

/* Start the run the last wish needs, unless one is in progress (its end starts it). */
static int throttle_svc_hook_sync(struct throttle_svc *t)
{
	/* the hook inherits the daemon's environment (spawn drops only systemd's variables) */
	static const struct spawn_opts opts = { .stdin_null = true };
	char buf[sizeof(t->cfg.command)], *argv[WATTS_COMMAND_WORDS_MAX + 2], what[96];
	const char *verb = t->applied ? "apply" : "undo";
	int n, r;

	if (t->run || t->hook_state == t->applied)
		return 0;
	n = watts_config_command_split(t->cfg.command, buf, sizeof(buf), argv, NULL, 0);
	if (n < 0)
		return n; /* the profile checked it: not reached */
	argv[n++] = (char *)verb;
	argv[n] = NULL;
	snprintf(what, sizeof(what), "throttle %s: hook %s", t->cfg.name, verb);
	r = child_start(t->loop, what, argv, &opts, t->cfg.hook_timeout_ns, throttle_svc_hook_done,
			t, &t->run);
	if (r < 0)
		return r;
	t->hook_state = t->applied;
	return 0;
}

int throttle_svc_apply(struct throttle_svc *t)
{
	int r;

	if (t->knob)
		return throttle_apply(t->knob);
	if (t->applied)
		return 0;
	t->applied = true;
	r = throttle_svc_hook_sync(t);
	if (r < 0)
		t->applied = false;
	return r;
}

int throttle_svc_undo(struct throttle_svc *t)
{
	int r;

	if (t->knob)
		return throttle_undo(t->knob);
	if (!t->applied)
		return 0;
	t->applied = false;
	r = throttle_svc_hook_sync(t);
	if (r < 0)
		t->applied = true;
	return r;
}

bool throttle_svc_applied(const struct throttle_svc *t)
{
	return t->knob ? throttle_applied(t->knob) : t->applied;
}

bool throttle_svc_running(const struct throttle_svc *t)
{
	return t->run != NULL;
}

enum throttle_kind throttle_svc_kind(const struct throttle_svc *t)
{
	return t->cfg.kind;
}

const char *throttle_svc_name(const struct throttle_svc *t)
{
	return t->cfg.name;
}

const char *throttle_svc_describe(const struct throttle_svc *t)
{
	return t->knob ? throttle_describe(t->knob) : t->desc;
}

const char *throttle_svc_strerror(const struct throttle_svc *t, int r)
{
	return t->knob ? throttle_strerror(t->knob, r) : strerror(-r);
}

void throttle_svc_free(struct throttle_svc *t)
{
	if (!t)
		return;
	if (t->knob) {
		throttle_free(t->knob);
	} else {
		throttle_svc_undo(t);
		/*
		 * An apply still running is ended now (the undo follows it); an undo is waited for
		 * (it restores the box), both within the stop's bound, not hook_timeout's.
		 */
		while (t->run) {
			int64_t budget = t->cfg.hook_timeout_ns < CHILD_STOP_WAIT_NS ?
						 t->cfg.hook_timeout_ns : CHILD_STOP_WAIT_NS;

			if (t->hook_state)
				budget = 0;
			child_wait(t->run, &budget);
		}
	}
	free(t);
}
