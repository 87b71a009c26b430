/* throttle-svc.c - a ladder step: the driver's knob, or a hook command started through spawn. */
#include "supervisor/services/throttle-svc.h"

#include "supervisor/config/watts-config.h"
#include "supervisor/util/log.h"
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

struct throttle_svc {
	struct throttle_config cfg;
	struct throttle *knob; /* NULL for a hook */
	bool applied;	       /* a hook's state (a knob keeps its own) */
	pid_t pid;	       /* the hook run not yet reaped, 0 = none */
	char desc[320];
};

int throttle_svc_new(struct hw *hw, const struct throttle_config *cfg, struct throttle_svc **out)
{
	struct throttle_svc *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
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

/* A state change, logged once: the hook run ended badly. */
static void throttle_svc_reap(struct throttle_svc *t, bool block)
{
	int st;

	if (t->pid <= 0 || waitpid(t->pid, &st, block ? 0 : WNOHANG) == 0)
		return;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_warnx("throttle %s: hook exited with status %d", t->cfg.name, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_warnx("throttle %s: hook killed by signal %d", t->cfg.name, WTERMSIG(st));
	t->pid = 0;
}

static int throttle_svc_hook_run(struct throttle_svc *t, const char *verb)
{
	/* the hook inherits the daemon's environment (spawn drops only systemd's variables) */
	static const struct spawn_opts opts = { .stdin_null = true };
	char buf[sizeof(t->cfg.command)], *argv[WATTS_COMMAND_WORDS_MAX + 2];
	int n, r;

	/* the previous run must be done so apply and undo never race */
	throttle_svc_reap(t, true);
	n = watts_config_command_split(t->cfg.command, buf, sizeof(buf), argv, NULL, 0);
	if (n < 0)
		return n; /* the profile checked it: not reached */
	argv[n++] = (char *)verb;
	argv[n] = NULL;
	r = spawn_start(argv, &opts, &t->pid);
	if (r < 0)
		t->pid = 0;
	return r;
}

int throttle_svc_apply(struct throttle_svc *t)
{
	int r;

	if (t->knob)
		return throttle_apply(t->knob);
	if (t->applied)
		return 0;
	r = throttle_svc_hook_run(t, "apply");
	if (r == 0)
		t->applied = true;
	return r;
}

int throttle_svc_undo(struct throttle_svc *t)
{
	int r;

	if (t->knob)
		return throttle_undo(t->knob);
	if (!t->applied)
		return 0;
	r = throttle_svc_hook_run(t, "undo");
	if (r == 0)
		t->applied = false;
	return r;
}

bool throttle_svc_applied(const struct throttle_svc *t)
{
	return t->knob ? throttle_applied(t->knob) : t->applied;
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

void throttle_svc_poll(struct throttle_svc *t)
{
	throttle_svc_reap(t, false);
}

void throttle_svc_free(struct throttle_svc *t)
{
	if (!t)
		return;
	if (t->knob) {
		throttle_free(t->knob);
	} else {
		throttle_svc_undo(t);
		throttle_svc_reap(t, true); /* the undo hook must finish: it restores the box */
	}
	free(t);
}
