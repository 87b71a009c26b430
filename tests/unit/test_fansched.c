/* test_fansched.c - fan profiles and the local-time schedule across midnight and DST changes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/policy/fansched.h"

#define S INT64_C(1000000000)

/* Wall ns of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return (int64_t)timegm(&tm) * S;
}

static int paris_setup(void **state)
{
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return 0;
}

static void sched_quiet_nights(struct fansched *s)
{
	char err[160];
	int line = -1;

	fansched_defaults(s);
	assert_int_equal(fansched_entry_add(s, "quiet", "22:30-07:00", 10, err, sizeof(err)), 0);
	assert_int_equal(fansched_validate(s, &line, err, sizeof(err)), 0);
}

static const char *active(const struct fansched *s, int64_t wall)
{
	return s->profiles[fansched_active(s, wall)].name;
}

static void test_builtin_profiles(void **state)
{
	struct fansched s;
	int q, b, f;

	fansched_defaults(&s);
	q = fansched_profile_find(&s, "quiet");
	b = fansched_profile_find(&s, "balanced");
	f = fansched_profile_find(&s, "full");
	assert_true(q >= 0 && b >= 0 && f >= 0);
	assert_true(s.profiles[q].cap < 100);
	assert_false(isnan(s.profiles[q].override_temp));
	assert_float_equal(s.profiles[f].floor, 100, 1e-9);
	assert_int_equal(fansched_profile_find(&s, "nope"), -ENOENT);
	assert_string_equal(s.default_profile, "balanced");
	/* with no schedule the default applies all day */
	assert_string_equal(active(&s, utc(2026, 1, 15, 3, 0)), "balanced");
	/* a file section takes over a built-in profile, keeping unset values */
	struct fansched_profile *p = fansched_profile_get(&s, "quiet");

	assert_non_null(p);
	assert_false(p->builtin);
	assert_float_equal(p->cap, 40, 1e-9);
	p = fansched_profile_get(&s, "night");
	assert_non_null(p);
	assert_float_equal(p->cap, 100, 1e-9);
	assert_int_equal(fansched_profile_find(&s, "night"), s.nprofiles - 1);
}

static void test_across_midnight(void **state)
{
	struct fansched s;

	sched_quiet_nights(&s);
	/* January: Paris is UTC+1 */
	assert_string_equal(active(&s, utc(2026, 1, 15, 21, 29)), "balanced");
	assert_string_equal(active(&s, utc(2026, 1, 15, 21, 30)), "quiet");
	assert_string_equal(active(&s, utc(2026, 1, 15, 22, 59)), "quiet"); /* 23:59 */
	assert_string_equal(active(&s, utc(2026, 1, 15, 23, 0)), "quiet");  /* 00:00 */
	assert_string_equal(active(&s, utc(2026, 1, 16, 5, 59)), "quiet");  /* 06:59 */
	assert_string_equal(active(&s, utc(2026, 1, 16, 6, 0)), "balanced"); /* 07:00 */
	assert_string_equal(active(&s, utc(2026, 1, 16, 12, 0)), "balanced");
	assert_int_equal(fansched_entry_at(&s, utc(2026, 1, 16, 12, 0)), -1);
	assert_int_equal(fansched_entry_at(&s, utc(2026, 1, 16, 1, 0)), 0);
}

static void test_dst_spring_forward(void **state)
{
	struct fansched s;
	int m;

	sched_quiet_nights(&s);
	/* 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z; 07:00 local is 05:00Z that day */
	assert_int_equal(fansched_local_minute(utc(2026, 3, 29, 0, 59), &m), 0);
	assert_int_equal(m, 1 * 60 + 59);
	assert_int_equal(fansched_local_minute(utc(2026, 3, 29, 1, 0), &m), 0);
	assert_int_equal(m, 3 * 60);
	assert_string_equal(active(&s, utc(2026, 3, 29, 4, 59)), "quiet");
	assert_string_equal(active(&s, utc(2026, 3, 29, 5, 0)), "balanced");
	/* a fixed winter offset would still call 05:30Z (06:30) quiet */
	assert_string_equal(active(&s, utc(2026, 3, 29, 5, 30)), "balanced");
	/* the evening switch is at 20:30Z in summer time */
	assert_string_equal(active(&s, utc(2026, 3, 29, 20, 29)), "balanced");
	assert_string_equal(active(&s, utc(2026, 3, 29, 20, 30)), "quiet");

	/* --until 07:00 set the evening before lands on 05:00Z, not 24 h after 06:00Z */
	assert_true(fansched_next_local(utc(2026, 3, 28, 22, 0), 7 * 60) == utc(2026, 3, 29, 5, 0));
	/* a time the clock skips still resolves to a moment after the jump */
	int64_t gap = fansched_next_local(utc(2026, 3, 28, 12, 0), 2 * 60 + 30);

	assert_true(gap >= utc(2026, 3, 29, 1, 0) && gap <= utc(2026, 3, 29, 2, 0));
}

static void test_dst_fall_back(void **state)
{
	struct fansched s;
	char err[160];
	int line;

	sched_quiet_nights(&s);
	/* 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z; 07:00 local is 06:00Z that day */
	assert_string_equal(active(&s, utc(2026, 10, 25, 5, 30)), "quiet"); /* 06:30 CET */
	assert_string_equal(active(&s, utc(2026, 10, 25, 5, 59)), "quiet");
	assert_string_equal(active(&s, utc(2026, 10, 25, 6, 0)), "balanced");
	assert_true(fansched_next_local(utc(2026, 10, 24, 21, 0), 7 * 60) ==
		    utc(2026, 10, 25, 6, 0));
	/* strictly after: at 07:00 the next 07:00 is tomorrow */
	assert_true(fansched_next_local(utc(2026, 10, 25, 6, 0), 7 * 60) ==
		    utc(2026, 10, 26, 6, 0));

	/* the repeated hour 02:00-03:00 happens twice and is covered both times */
	fansched_defaults(&s);
	assert_int_equal(fansched_entry_add(&s, "full", "02:00-03:00", 3, err, sizeof(err)), 0);
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), 0);
	assert_string_equal(active(&s, utc(2026, 10, 25, 0, 30)), "full"); /* 02:30 CEST */
	assert_string_equal(active(&s, utc(2026, 10, 25, 1, 30)), "full"); /* 02:30 CET */
	assert_string_equal(active(&s, utc(2026, 10, 25, 2, 0)), "balanced");
}

static void test_entry_parse_and_validate(void **state)
{
	struct fansched s;
	char err[200];
	int line = 0;

	fansched_defaults(&s);
	assert_int_equal(fansched_entry_add(&s, "quiet", "22:30-07:00, 12:00-13:30", 4, err,
					    sizeof(err)), 0);
	assert_int_equal(s.nentries, 2);
	assert_int_equal(s.entries[1].start_min, 12 * 60);
	assert_int_equal(s.entries[1].end_min, 13 * 60 + 30);
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), 0);
	assert_string_equal(active(&s, utc(2026, 1, 15, 11, 45)), "quiet"); /* 12:45 */

	assert_int_equal(fansched_entry_add(&s, "quiet", "7:00", 5, err, sizeof(err)), -EINVAL);
	assert_int_equal(fansched_entry_add(&s, "quiet", "25:00-07:00", 5, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(fansched_entry_add(&s, "quiet", "07:00-07:00", 5, err, sizeof(err)),
			 -EINVAL);

	/* overlap, also across midnight */
	assert_int_equal(fansched_entry_add(&s, "full", "06:00-08:00", 7, err, sizeof(err)), 0);
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 7);
	assert_non_null(strstr(err, "overlaps"));
	assert_non_null(strstr(err, "line 4"));

	/* unknown profile names the line of the entry */
	fansched_defaults(&s);
	assert_int_equal(fansched_entry_add(&s, "silent", "22:00-06:00", 9, err, sizeof(err)), 0);
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 9);
	assert_non_null(strstr(err, "unknown fan profile 'silent'"));

	/* adjacent ranges do not overlap (end is exclusive) */
	fansched_defaults(&s);
	assert_int_equal(fansched_entry_add(&s, "quiet", "22:00-06:00", 2, err, sizeof(err)), 0);
	assert_int_equal(fansched_entry_add(&s, "full", "06:00-07:00", 3, err, sizeof(err)), 0);
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), 0);
	assert_string_equal(active(&s, utc(2026, 1, 15, 5, 0)), "full");   /* 06:00 */
	assert_string_equal(active(&s, utc(2026, 1, 15, 4, 59)), "quiet"); /* 05:59 */

	/* cap below floor */
	struct fansched_profile *p = fansched_profile_get(&s, "odd");

	p->cap = 20;
	p->floor = 30;
	p->line = 12;
	assert_int_equal(fansched_validate(&s, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_profiles),
		cmocka_unit_test(test_across_midnight),
		cmocka_unit_test(test_dst_spring_forward),
		cmocka_unit_test(test_dst_fall_back),
		cmocka_unit_test(test_entry_parse_and_validate),
	};

	return cmocka_run_group_tests(tests, paris_setup, NULL);
}
