/* cli-hw.c - h2box's hand-over to h2box-hw for the commands that open the hardware (probe, --local). */
#include "supervisor/cli/cli-hw.h"
#include "supervisor/cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_HW_PROGRAM "h2box-hw"

bool cli_hw_is_bench_local(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "ib") != 0 ||
	    (strcmp(argv[1], "bench") != 0 && strcmp(argv[1], "selftest") != 0))
		return false;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--local") == 0)
			return true;
	return false;
}

bool cli_hw_wants(int argc, char **argv)
{
	return (argc >= 1 && strcmp(argv[0], "probe") == 0) || cli_hw_is_bench_local(argc, argv);
}

/*
 * The folder of the running executable (/proc/self/exe, symlinks resolved) into dir; 0 or
 * -errno.  Relative to the binary rather than a path compiled in, so the build tree's h2box
 * finds the build tree's h2box-hw and an installed one its own PREFIX's (as git finds its
 * exec-path with RUNTIME_PREFIX).
 */
static int cli_hw_self_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

int cli_hw_exec(bool json, int argc, char **argv)
{
	char dir[PATH_MAX], paths[2][PATH_MAX + 32], what[64];
	char **args;
	char *slash;
	int r, e = ENOENT, i, n = 0;

	/* the command as the messages name it: "probe", "ib bench --local" */
	if (cli_hw_is_bench_local(argc, argv))
		snprintf(what, sizeof(what), "%s %.16s --local", argv[0], argv[1]);
	else
		snprintf(what, sizeof(what), "%.16s", argv[0]);
	r = cli_hw_self_dir(dir, sizeof(dir));
	if (r < 0)
		return cli_fail(json, 1, "%s: cannot find %s: /proc/self/exe: %s", what,
				CLI_HW_PROGRAM, strerror(-r));
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return cli_fail(json, 1, "%s: out of memory", what);
	/* the build tree: next to h2box; installed: PREFIX/bin/h2box -> PREFIX/lib/h2box/ */
	snprintf(paths[0], sizeof(paths[0]), "%s/%s", dir, CLI_HW_PROGRAM);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	snprintf(paths[1], sizeof(paths[1]), "%s/lib/h2box/%s", dir, CLI_HW_PROGRAM);
	args[n++] = CLI_HW_PROGRAM;
	if (json)
		args[n++] = "--json";
	for (i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	for (i = 0; i < 2; i++) {
		execv(paths[i], args);
		e = errno;
		if (e != ENOENT) /* there but not runnable: that is the error to report */
			break;
	}
	free(args);
	if (e == ENOENT)
		return cli_fail(json, 1,
				"%s needs %s, the client's hardware program, which is not installed"
				" (looked for %s and %s)", what, CLI_HW_PROGRAM, paths[0], paths[1]);
	return cli_fail(json, 1, "%s: cannot run %s: %s", what, paths[i], strerror(e));
}
