/* test_mutants.c - the `make mutate` list stays honest: well formed, each snippet once in the tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOOL "tests/mutate/mutants.py"
#define LIST "tests/mutate/mutants.txt"

extern char **environ;

/* Runs python3 TOOL args... without a shell; its exit status, or -1. quiet: output to /dev/null. */
static int tool(bool quiet, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = { "python3", TOOL, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	r = posix_spawnp(&pid, "python3", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* The real list against the real tree (the unit tier runs from the top of the tree). */
static void test_list_matches_tree(void **state)
{
	(void)state;
	if (access(LIST, R_OK) != 0 || access(TOOL, R_OK) != 0)
		fail_msg("%s or %s not found: run from the top of the source tree", LIST, TOOL);
	assert_int_equal(tool(false, "check", LIST, ".", NULL), 0);
}

#define BLOCK(id, from, why) \
	"[" id "]\nfile: src.c\nfrom: " from "\nto: CHANGED\nwhy: " why "\nscenarios: none\n\n"

/* The checker itself fails on what a stale or sloppy list looks like. */
static void test_checker_rejects_stale_entries(void **state)
{
	char dir[] = "/tmp/h2box-test-mutants.XXXXXX", path[256], buf[128] = "";
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "src.c", "a = b >= c;\nx = 1;\nx = 1;\n");
	snprintf(path, sizeof(path), "%s/list", dir);

	write_file(dir, "list", "# a comment\n" BLOCK("good", "a = b >= c;", "boundary"));
	assert_int_equal(tool(true, "check", path, dir, NULL), 0);
	/* the code changed under the mutant: its snippet no longer matches */
	write_file(dir, "list", BLOCK("gone", "a = b > c;", "boundary"));
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	/* ambiguous: matches twice */
	write_file(dir, "list", BLOCK("twice", "x = 1;", "constant"));
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	/* a key missing, an unknown key, an id used twice, no mutants at all */
	write_file(dir, "list", "[nowhy]\nfile: src.c\nfrom: a = b\nto: a = c\nscenarios: none\n");
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	write_file(dir, "list", BLOCK("good", "a = b >= c;", "x") "colour: red\n");
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	write_file(dir, "list", BLOCK("dup", "a = b", "x") BLOCK("dup", "a = b >= c;", "y"));
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	write_file(dir, "list", "# nothing\n");
	assert_int_equal(tool(true, "check", path, dir, NULL), 1);
	/* a snippet over two lines is applied in place */
	write_file(dir, "list", BLOCK("two", "a = b >= c;\nfrom: x = 1;", "multi-line"));
	assert_int_equal(tool(true, "check", path, dir, NULL), 0);
	assert_int_equal(tool(true, "apply", path, "two", dir), 0);
	snprintf(path, sizeof(path), "%s/src.c", dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, fp), strlen("CHANGED\nx = 1;\n"));
	fclose(fp);
	assert_string_equal(buf, "CHANGED\nx = 1;\n");

	unlink(path);
	snprintf(path, sizeof(path), "%s/list", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_matches_tree),
		cmocka_unit_test(test_checker_rejects_stale_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
