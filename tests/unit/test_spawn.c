/* test_spawn.c - spawn_start: no shell, default signals, scrubbed environment, stdin /dev/null. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/util/spawn.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/h2box-spawn-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *argv[] = { "/bin/rm", "-rf", dir, NULL };
	pid_t pid;
	int st;

	if (spawn_start(argv, NULL, &pid) == 0)
		waitpid(pid, &st, 0);
	return 0;
}

static int run_wait(char *const argv[], const struct spawn_opts *o)
{
	pid_t pid;
	int st, r = spawn_start(argv, o, &pid);

	if (r < 0)
		return r;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *slurp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static char *slurp(const char *name)
{
	static char buf[16384];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The child's signal mask and ignored set are empty for the signals hooks rely on. */
static void test_signals_default(void **state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t block, oldmask;
	char script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	char *s;
	unsigned long long blk = ~0ULL, ig = ~0ULL;

	snprintf(script, sizeof(script), "exec cat /proc/self/status > %s/status", dir);
	sigaction(SIGPIPE, &ign, &old);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	assert_int_equal(run_wait(argv, &(struct spawn_opts){ .stdin_null = true }), 0);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGPIPE, &old, NULL);
	s = slurp("status");
	assert_non_null(strstr(s, "SigBlk:"));
	sscanf(strstr(s, "SigBlk:") + 7, "%llx", &blk);
	sscanf(strstr(s, "SigIgn:") + 7, "%llx", &ig);
	assert_int_equal(blk, 0);
	assert_int_equal(ig & (1ULL << (SIGPIPE - 1)), 0);
}

/* H2BOX_* from the caller and systemd's per-process variables do not reach the child; add does. */
static void test_environment(void **state)
{
	char script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *add[] = { "H2BOX_ALARM=temp-nic", NULL };
	char *s;

	snprintf(script, sizeof(script), "exec env > %s/env", dir);
	setenv("H2BOX_STALE", "1", 1);
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	setenv("WATCHDOG_USEC", "20000000", 1);
	setenv("KEEP_ME", "yes", 1);
	assert_int_equal(run_wait(argv, &(struct spawn_opts){ .drop_prefix = "H2BOX_", .add = add }),
			 0);
	s = slurp("env");
	assert_non_null(strstr(s, "H2BOX_ALARM=temp-nic\n"));
	assert_non_null(strstr(s, "KEEP_ME=yes\n"));
	assert_null(strstr(s, "H2BOX_STALE"));
	assert_null(strstr(s, "NOTIFY_SOCKET"));
	assert_null(strstr(s, "WATCHDOG_USEC"));
	unsetenv("H2BOX_STALE");
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}

/* stdin is /dev/null when asked: a hook never reads the daemon's stdin. */
static void test_stdin_null(void **state)
{
	char script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };

	snprintf(script, sizeof(script), "exec readlink /proc/self/fd/0 > %s/stdin", dir);
	assert_int_equal(run_wait(argv, &(struct spawn_opts){ .stdin_null = true }), 0);
	assert_string_equal(slurp("stdin"), "/dev/null\n");
}

/* No shell: metacharacters are plain bytes of one argument; relative names need search_path. */
static void test_no_shell(void **state)
{
	char out[128];
	char *echo_argv[] = { "/bin/sh", "-c", "printf '%s' \"$0\" > \"$1\"", "a;b $(x) *", out, NULL };
	char *rel[] = { "true", NULL };
	char *missing[] = { "/nonexistent/h2box-no-such-program", NULL };
	char *empty[] = { NULL };
	pid_t pid;

	snprintf(out, sizeof(out), "%s/arg", dir);
	assert_int_equal(run_wait(echo_argv, NULL), 0);
	assert_string_equal(slurp("arg"), "a;b $(x) *");
	assert_int_equal(spawn_start(rel, NULL, &pid), -EINVAL);
	assert_int_equal(run_wait(rel, &(struct spawn_opts){ .search_path = true }), 0);
	assert_int_equal(spawn_start(missing, NULL, &pid), -ENOENT);
	assert_int_equal(spawn_start(empty, NULL, &pid), -EINVAL);
}

/* own_group: the child leads a process group of its own (its pgid is its pid), so a timeout can
 * signal everything it started; without it the child stays in ours (the client's workload). */
static void test_own_group(void **state)
{
	char script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	long pid, pgid;
	FILE *f;

	(void)state;
	snprintf(script, sizeof(script), "echo $$ $(ps -o pgid= -p $$) > %s/pg", dir);
	assert_int_equal(run_wait(argv, &(struct spawn_opts){ .own_group = true }), 0);
	f = fopen(slurp_path("pg"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &pid, &pgid), 2);
	fclose(f);
	assert_int_equal(pgid, pid);
	assert_int_equal(run_wait(argv, NULL), 0);
	f = fopen(slurp_path("pg"), "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &pid, &pgid), 2);
	fclose(f);
	assert_int_equal(pgid, (long)getpgrp());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals_default),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_stdin_null),
		cmocka_unit_test(test_no_shell),
		cmocka_unit_test(test_own_group),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
