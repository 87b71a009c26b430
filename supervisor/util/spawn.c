/* spawn.c - runs an external command without a shell: clean signals, stdin from /dev/null, scrubbed env. */
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* systemd's variables addressed to h2boxd itself: a child must not act on them */
static const char *const spawn_private_env[] = {
	"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=", "LISTEN_FDS=", "LISTEN_PID=",
	"LISTEN_FDNAMES=", NULL,
};

static bool spawn_env_dropped(const char *var, const char *prefix)
{
	if (prefix && *prefix && !strncmp(var, prefix, strlen(prefix)))
		return true;
	for (int i = 0; spawn_private_env[i]; i++)
		if (!strncmp(var, spawn_private_env[i], strlen(spawn_private_env[i])))
			return true;
	return false;
}

int spawn_start(char *const argv[], const struct spawn_opts *o, pid_t *pid)
{
	static const struct spawn_opts none;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t empty, dfl;
	size_t nenv = 0, nadd = 0, k = 0;
	char **envp;
	int r;

	if (!o)
		o = &none;
	if (!argv || !argv[0] || !argv[0][0])
		return -EINVAL;
	if (!o->search_path && argv[0][0] != '/')
		return -EINVAL;
	while (environ && environ[nenv])
		nenv++;
	while (o->add && o->add[nadd])
		nadd++;
	envp = calloc(nenv + nadd + 1, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	for (size_t i = 0; i < nenv; i++)
		if (!spawn_env_dropped(environ[i], o->drop_prefix))
			envp[k++] = environ[i];
	for (size_t i = 0; i < nadd; i++)
		envp[k++] = (char *)o->add[i];
	envp[k] = NULL;

	posix_spawn_file_actions_init(&fa);
	if (o->stdin_null)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&empty);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGQUIT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	/* pgroup 0: the child leads a group of its own (the daemon's children; never the client's
	 * workload, which must stay in the terminal's foreground group for ^C) */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						(o->own_group ? POSIX_SPAWN_SETPGROUP : 0));
	if (o->search_path)
		r = posix_spawnp(pid, argv[0], &fa, &attr, argv, envp);
	else
		r = posix_spawn(pid, argv[0], &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	return -r;
}
