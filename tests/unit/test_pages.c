/* test_pages.c - after pages_release_clean() the read-only file pages leave the RSS, and relocated data and code still work. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util/pages.h"

static char pages_test_buf[1 << 20];

/* the decimal number at p, moving p past it */
static long pages_test_num(const char **p)
{
	long v = 0;

	while (**p == ' ')
		(*p)++;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

/*
 * KiB of Rss in the process's read-only mappings of files (code, constants: what may go).
 * Read with read(2) and parsed by hand: stdio and sscanf would run (and map back) a good part
 * of libc's code between the release and the count.
 */
static long pages_test_clean_rss(void)
{
	long total = 0;
	bool take = false;
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/self/smaps", O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, pages_test_buf + len, sizeof(pages_test_buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	pages_test_buf[len] = '\0';
	for (const char *l = pages_test_buf; *l; ) {
		const char *nl = strchr(l, '\n'), *sp = strchr(l, ' ');

		if (!nl)
			break;
		if (l[0] == 'R' && l[1] == 's' && l[2] == 's' && l[3] == ':') {
			const char *p = l + 4;

			if (take)
				total += pages_test_num(&p);
		} else if (sp && sp < nl && memchr(l, '-', (size_t)(sp - l)) && sp[2] != 'w') {
			/* "start-end perms offset dev inode   path": a file's path starts with '/' */
			const char *path = sp;

			for (int field = 0; field < 4 && path && path < nl; field++)
				path = strchr(path + 1, ' ');
			while (path && *path == ' ')
				path++;
			take = path && *path == '/';
		} else if (sp && sp < nl && memchr(l, '-', (size_t)(sp - l))) {
			take = false;
		}
		l = nl + 1;
	}
	return total;
}

static int twice(int x) { return 2 * x; }
static int thrice(int x) { return 3 * x; }

/* a PIE's RELRO: pointers ld.so relocated, then protected read-only; they must survive */
static int (*const pages_test_fns[])(int) = { twice, thrice };
static const char *const pages_test_names[] = { "twice", "thrice" };

static void test_pages_release_drops_clean_pages(void **state)
{
	long before, after;
	size_t advised;

	(void)state;
	before = pages_test_clean_rss();
	advised = pages_release_clean();
	after = pages_test_clean_rss();
	print_message("read-only file pages: %ld KiB before, %ld KiB after (%zu KiB advised)\n",
		      before, after, advised / 1024);
	assert_true(advised > 0);
	/* what the reading above ran again comes back; the loader's and the libraries' start-up does not */
	assert_true(after * 2 < before);
}

static void test_pages_release_keeps_relocated_data(void **state)
{
	char *s;

	(void)state;
	pages_release_clean();
	assert_int_equal(pages_test_fns[0](7), 14);
	assert_int_equal(pages_test_fns[1](7), 21);
	assert_string_equal(pages_test_names[1], "thrice");
	/* the heap after its trim, and a libc call through the PLT/GOT */
	s = strdup("still here");
	assert_non_null(s);
	assert_int_equal(strlen(s), 10);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_release_drops_clean_pages),
		cmocka_unit_test(test_pages_release_keeps_relocated_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
