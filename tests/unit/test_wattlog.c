/* test_wattlog.c - CSV watts log: header, NAN as empty fields, rotation, torn-line repair, fixed
 * columns, and never writing through a planted symlink, hard link or FIFO. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/services/wattlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[128];
static const char *const names[] = { "nic", "cpu" };

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/h2box-wattlog-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/watts.csv", dir);
	return 0;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	(void)state;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static void row_fill(struct wattlog_row *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->real_ns = 1700000000123000000LL + (int64_t)i * 1000000000LL;
	r->mono_ns = (int64_t)i * 1000000000LL;
	r->volts = 12.01;
	r->amps = 2.0;
	r->watts = 24.02;
	r->temps[0] = 48.5;
	r->temps[1] = NAN;
	r->fan_duty_pct = 35;
	r->fan_rpm = 4100;
	r->ib_tx_gbps = 11.1;
	r->ib_rx_gbps = NAN;
	r->budget_state = "ok";
}

static size_t slurp(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_header_and_fields(void **state)
{
	struct wattlog *w;
	struct wattlog_row r;
	char buf[4096];

	(void)state;
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), 0);
	row_fill(&r, 0);
	assert_int_equal(wattlog_write(w, &r), 0);
	row_fill(&r, 1);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "time,mono_s,volts,amps,watts,nic_temp_c,cpu_temp_c,"
				    "fan_duty_pct,fan_rpm,ib_tx_gbps,ib_rx_gbps,budget_state\n"));
	/* NAN is an empty field, never a number */
	assert_non_null(strstr(buf, "2023-11-14T22:13:20.123Z,0.000,12.010,2.0000,24.020,48.5,,"
				    "35.0,4100,11.100,,ok\n"));
	assert_int_equal(count_lines(buf), 3);

	/* reopening appends without a second header */
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), 0);
	row_fill(&r, 2);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_int_equal(count_lines(buf), 4);
	assert_null(strstr(strchr(buf, '\n'), "time,mono_s"));
}

static void test_torn_line_repair(void **state)
{
	struct wattlog *w;
	struct wattlog_row r;
	char buf[4096];
	int fd;

	(void)state;
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), 0);
	row_fill(&r, 0);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	/* a power cut in the middle of a line */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "2023-11-14T22:13:21.123Z,1.0,12.0", 33), 33);
	close(fd);

	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), 0);
	assert_int_equal(wattlog_repaired_bytes(w), 33);
	row_fill(&r, 5);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_int_equal(count_lines(buf), 3);
	assert_null(strstr(buf, ",1.0,12.0"));
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	/* every line has the header's column count */
	{
		char *line = buf, *nl;
		int cols0 = -1;

		while ((nl = strchr(line, '\n'))) {
			int cols = 1;

			for (char *c = line; c < nl; c++)
				cols += *c == ',';
			if (cols0 < 0)
				cols0 = cols;
			assert_int_equal(cols, cols0);
			line = nl + 1;
		}
	}

	/* a file that is only a fragment is emptied, then gets a header */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "garbage", 7), 7);
	close(fd);
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), 0);
	assert_int_equal(wattlog_repaired_bytes(w), 7);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "time,", 5), 0);
	assert_int_equal(count_lines(buf), 2);
}

static void test_rotation(void **state)
{
	struct wattlog *w;
	struct wattlog_row r;
	char buf[8192], p[160];
	struct stat st;
	int i;

	(void)state;
	assert_int_equal(wattlog_open(path, names, 2, 1000, 2, &w), 0);
	for (i = 0; i < 60; i++) {
		row_fill(&r, i);
		assert_int_equal(wattlog_write(w, &r), 0);
	}
	wattlog_close(w);
	/* current, .1 and .2 exist, .3 does not; none is over the limit; all start with a header */
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 1000);
	for (i = 1; i <= 2; i++) {
		snprintf(p, sizeof(p), "%s.%d", path, i);
		assert_int_equal(stat(p, &st), 0);
		assert_true(st.st_size <= 1000);
		slurp(p, buf, sizeof(buf));
		assert_int_equal(strncmp(buf, "time,", 5), 0);
		assert_int_equal(buf[strlen(buf) - 1], '\n');
	}
	snprintf(p, sizeof(p), "%s.3", path);
	assert_int_equal(stat(p, &st), -1);
	/* the newest row is in the current file, older ones rotated */
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, ",59.000,"));
	snprintf(p, sizeof(p), "%s.1", path);
	slurp(p, buf, sizeof(buf));
	assert_null(strstr(buf, ",59.000,"));

	/* changed temperature inputs start a new file rather than mixing columns */
	assert_int_equal(wattlog_open(path, names, 1, 0, 2, &w), 0);
	assert_int_equal(wattlog_rotations(w), 1);
	row_fill(&r, 100);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_null(strstr(buf, "cpu_temp_c"));
	assert_int_equal(count_lines(buf), 2);
}

/*
 * The box starts off: nothing can be read yet, so the first rows have empty temperature cells
 * under the columns the log opened with; power-on fills them without a new header or a
 * rotation, and every line of the history stays.
 */
static void test_columns_fixed_at_open(void **state)
{
	struct wattlog *w;
	struct wattlog_row r;
	char buf[16384], p[160];
	struct stat st;
	int i;

	(void)state;
	assert_int_equal(wattlog_open(path, names, 2, 1 << 20, 3, &w), 0);
	for (i = 0; i < 42; i++) {
		row_fill(&r, i);
		r.temps[0] = r.temps[1] = NAN;
		assert_int_equal(wattlog_write(w, &r), 0);
	}
	for (; i < 60; i++) {
		row_fill(&r, i);
		assert_int_equal(wattlog_write(w, &r), 0);
	}
	assert_int_equal(wattlog_rotations(w), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_int_equal(count_lines(buf), 61);
	assert_int_equal(strncmp(buf, "time,mono_s,volts,amps,watts,nic_temp_c,cpu_temp_c,", 51), 0);
	assert_null(strstr(buf + 1, "\ntime,"));
	assert_non_null(strstr(buf, ",0.000,12.010,2.0000,24.020,,,35.0,"));
	assert_non_null(strstr(buf, ",59.000,12.010,2.0000,24.020,48.5,,35.0,"));
	snprintf(p, sizeof(p), "%s.1", path);
	assert_int_equal(stat(p, &st), -1);

	/* the same columns after a restart: appended, still nothing rotated */
	assert_int_equal(wattlog_open(path, names, 2, 1 << 20, 0, &w), 0);
	assert_int_equal(wattlog_write(w, &r), 0);
	assert_int_equal(wattlog_rotations(w), 0);
	wattlog_close(w);
	slurp(path, buf, sizeof(buf));
	assert_int_equal(count_lines(buf), 62);

	/* other inputs (a profile change) rotate once, and even keep 0 leaves the history as .1 */
	assert_int_equal(wattlog_open(path, names + 1, 1, 1 << 20, 0, &w), 0);
	assert_int_equal(wattlog_rotations(w), 1);
	wattlog_close(w);
	slurp(p, buf, sizeof(buf));
	assert_int_equal(count_lines(buf), 62);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "time,mono_s,volts,amps,watts,cpu_temp_c,fan_duty_pct,fan_rpm,"
				 "ib_tx_gbps,ib_rx_gbps,budget_state\n");
}

static void put_file(const char *p, const char *text)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Something planted at the log's path is refused, never written through or truncated. */
static void test_planted_path_refused(void **state)
{
	struct wattlog *w = NULL;
	struct wattlog_row r;
	char victim[160], buf[256], p[160];

	(void)state;
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(victim, "precious\n"); /* no newline-less tail to repair either */

	/* a symlink to another file */
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), -ELOOP);
	assert_null(w);
	slurp(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	unlink(path);

	/* a hard link to another file (a header mismatch would have rotated it away) */
	assert_int_equal(link(victim, path), 0);
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), -EPERM);
	slurp(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	snprintf(p, sizeof(p), "%s.1", path);
	assert_int_equal(access(p, F_OK), -1);
	unlink(path);

	/* a FIFO: refused at once, the open does not wait for a reader */
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(wattlog_open(path, names, 2, 0, 3, &w), -EPERM);
	unlink(path);

	/* a symlink swapped in under an open log: a rotation moves the link, never writes through */
	assert_int_equal(wattlog_open(path, names, 2, 0, 0, &w), 0);
	row_fill(&r, 0);
	assert_int_equal(wattlog_write(w, &r), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(wattlog_rotate(w), 0);
	assert_int_equal(wattlog_write(w, &r), 0);
	wattlog_close(w);
	slurp(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	{
		struct stat st;

		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
	}
	unlink(path);
	unlink(victim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_and_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_columns_fixed_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_path_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
