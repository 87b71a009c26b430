/* test_statefile.c - atomic state files: round trip, replacement, bounded reads, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/powerseq.h"
#include "supervisor/statefile.h"

struct dir {
	char path[256];
	char file[300];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/h2box-statefile-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/power.state", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void put_raw(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_round_trip_and_replace(void **state)
{
	struct dir *d = *state;
	char buf[256], tmp[320], val[16];
	struct stat st;

	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "requested=on\n");
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), 0);
	assert_string_equal(val, "on");

	/* replacing a longer file with a shorter one leaves no tail behind */
	assert_int_equal(statefile_write(d->file, "requested=off\nextra=1234567\n", 28), 0);
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
	assert_int_equal(statefile_get(buf, "extra", val, sizeof(val)), -ENOENT);
	/* the temporary file is gone after the rename */
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->file);
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_stale_tmp_does_not_matter(void **state)
{
	struct dir *d = *state;
	char buf[64], tmp[320];

	/* a power cut between write and rename leaves a tmp file: the real one is intact */
	assert_int_equal(statefile_write(d->file, "requested=off\n", 14), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->file);
	put_raw(tmp, "requested=o", 11);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "requested=off\n");
	/* and the next write simply replaces the stale tmp */
	assert_int_equal(statefile_write(d->file, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), 13);
}

static void test_creates_missing_directory(void **state)
{
	struct dir *d = *state;
	char path[400], buf[64];

	snprintf(path, sizeof(path), "%s/sub/power.state", d->path);
	assert_int_equal(statefile_write(path, "requested=on\n", 13), 0);
	assert_int_equal(statefile_read(path, buf, sizeof(buf)), 13);
	/* only one level is created */
	snprintf(path, sizeof(path), "%s/a/b/power.state", d->path);
	assert_int_equal(statefile_write(path, "x", 1), -ENOENT);
}

static void test_missing_and_bounded(void **state)
{
	struct dir *d = *state;
	char buf[32];
	char big[STATEFILE_MAX + 100];

	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -ENOENT);
	/* exactly fits */
	memset(big, 'a', sizeof(big));
	put_raw(d->file, big, sizeof(buf) - 1);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), (int)sizeof(buf) - 1);
	/* one byte more does not */
	put_raw(d->file, big, sizeof(buf));
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -EFBIG);
	/* nor does anything beyond STATEFILE_MAX, whatever the buffer */
	put_raw(d->file, big, sizeof(big));
	{
		static char huge[STATEFILE_MAX * 2];

		assert_int_equal(statefile_read(d->file, huge, sizeof(huge)), -EFBIG);
	}
	/* a directory is not a state file */
	assert_true(statefile_read(d->path, buf, sizeof(buf)) < 0);
}

static void test_garbage(void **state)
{
	struct dir *d = *state;
	char buf[256], val[16];
	enum powerseq_requested r;
	static const char nul[] = "requested=on\0junk";

	put_raw(d->file, nul, sizeof(nul) - 1);
	assert_int_equal(statefile_read(d->file, buf, sizeof(buf)), -EINVAL);

	put_raw(d->file, "\x7f" "ELF\x01\x02garbage", 13);
	assert_true(statefile_read(d->file, buf, sizeof(buf)) >= 0);
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), -ENOENT);

	/* values that parse as neither on nor off are rejected by the power service's parser */
	put_raw(d->file, "requested=maybe\n", 16);
	assert_true(statefile_read(d->file, buf, sizeof(buf)) > 0);
	assert_int_equal(statefile_get(buf, "requested", val, sizeof(val)), 0);
	assert_int_equal(powerseq_requested_parse(val, &r), -EINVAL);

	/* a prefix of the key is not the key; CRLF endings are tolerated */
	assert_int_equal(statefile_get("requested_x=on\r\nrequested=off\r\n", "requested", val,
				       sizeof(val)), 0);
	assert_string_equal(val, "off");
	assert_int_equal(powerseq_requested_parse(val, &r), 0);
	assert_int_equal(r, POWERSEQ_REQUESTED_OFF);
	/* a value too long for the buffer */
	assert_int_equal(statefile_get("requested=onnnnnnnnnnnnnnnnnnnnnnn\n", "requested", val,
				       sizeof(val)), -ERANGE);
	/* a truncated file without a newline still reads */
	assert_int_equal(statefile_get("requested=on", "requested", val, sizeof(val)), 0);
	assert_string_equal(val, "on");
	assert_int_equal(statefile_get("", "requested", val, sizeof(val)), -ENOENT);
}

static void test_bad_arguments(void **state)
{
	char buf[8];

	assert_int_equal(statefile_write("", "x", 1), -EINVAL);
	assert_int_equal(statefile_read("/nonexistent/h2box/x", buf, 1), -EINVAL);
	assert_int_equal(statefile_write("/proc/h2box-cannot-write/x", "x", 1) < 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_tmp_does_not_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creates_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
