/* test_group.c - group lookups read the group file without NSS, and fall back to NSS for the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util/group.h"

static char group_file[64];

/* true when an NSS module (libnss_systemd, libnss_sss...) is mapped into this process */
static bool nss_module_mapped(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "libnss_"))
			found = true;
	fclose(f);
	return found;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(group_file, sizeof(group_file), "/tmp/h2box-group-XXXXXX");
	fd = mkstemp(group_file);
	if (fd < 0)
		return -1;
	/* "root" with a gid NSS would never answer: the file's line wins */
	dprintf(fd, "# a comment\nwheel:x:10:alice\nroot:x:4242:\nh2box:x:991:h2box\n");
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(group_file);
	return 0;
}

/* first: nothing has loaded an NSS module yet in this process */
static void test_group_from_file_loads_no_nss(void **state)
{
	char name[64];
	gid_t gid = 0;

	(void)state;
	assert_int_equal(group_gid_lookup(group_file, "h2box", &gid), 0);
	assert_int_equal(gid, 991);
	assert_int_equal(group_gid_lookup(group_file, "root", &gid), 0);
	assert_int_equal(gid, 4242);
	assert_int_equal(group_name_lookup(group_file, 10, name, sizeof(name)), 0);
	assert_string_equal(name, "wheel");
	assert_false(nss_module_mapped());
}

static void test_group_falls_back_to_nss(void **state)
{
	char name[64];
	gid_t gid = 4242;

	(void)state;
	/* not in the file: getgrnam()/getgrgid() answer (root is gid 0 on every system) */
	assert_int_equal(group_gid_lookup("/nonexistent/h2box-group", "root", &gid), 0);
	assert_int_equal(gid, 0);
	assert_int_equal(group_name_lookup(group_file, 0, name, sizeof(name)), 0);
	assert_string_equal(name, "root");
	assert_int_equal(group_gid_lookup(group_file, "h2box-no-such-group", &gid), -ENOENT);
	assert_int_equal(group_name_lookup(group_file, 4000000000u, name, sizeof(name)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_from_file_loads_no_nss),
		cmocka_unit_test(test_group_falls_back_to_nss),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
