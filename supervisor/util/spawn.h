/* spawn.h - runs an external command without a shell: clean signals, stdin from /dev/null, scrubbed env. */
#ifndef H2BOX_SPAWN_H
#define H2BOX_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * The one way h2box starts another program (alert commands, throttle hooks, `h2box record`'s
 * workload).  argv[0] is run as is: no shell, no expansion; commands written in a profile are
 * split into words by parse_argv_split() first, so every command line follows one quoting rule.
 *
 * The child starts with an empty signal mask and SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP and
 * SIGCHLD at their defaults (the daemon blocks signals for sd-event and systemd may start it with
 * SIGPIPE ignored; a hook's pipelines expect neither).  Its environment is the caller's without
 * systemd's per-process variables (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*: a child that inherits
 * NOTIFY_SOCKET could speak for h2boxd), without variables starting with drop_prefix, plus add.
 */
struct spawn_opts {
	bool search_path;          /* look argv[0] up in PATH (the client); else it must be absolute */
	bool stdin_null;           /* stdin from /dev/null (daemon hooks have no terminal) */
	const char *drop_prefix;   /* e.g. "H2BOX_": the caller sets its own; NULL keeps all */
	const char *const *add;    /* NULL-terminated "NAME=value" list, or NULL */
	bool own_group;            /* its own process group, so a timeout can end all it started */
};

/* Start argv.  0 with *pid set, or -errno (-ENOENT: no such program, -EINVAL: not absolute). */
int spawn_start(char *const argv[], const struct spawn_opts *o, pid_t *pid);

#endif
