/* test_timefmt.c - timestamps: ISO 8601 (milliseconds, seconds, before the epoch) and local time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/util/timefmt.h"

static void test_iso(void **state)
{
	char b[48];

	(void)state;
	/* 2023-11-14T22:13:20 UTC, 123.9 ms: milliseconds are cut, never rounded up */
	assert_int_equal(timefmt_iso(INT64_C(1700000000123900000), true, b, sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20.123Z");
	assert_int_equal(timefmt_iso(INT64_C(1700000000123900000), false, b, sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20Z");
	assert_int_equal(timefmt_iso(0, true, b, sizeof(b)), 0);
	assert_string_equal(b, "1970-01-01T00:00:00.000Z");
	/* before the epoch: the second before, and its milliseconds */
	assert_int_equal(timefmt_iso(-INT64_C(500000000), true, b, sizeof(b)), 0);
	assert_string_equal(b, "1969-12-31T23:59:59.500Z");
}

/* Local time for texts: the zone's offset and DST applied, 0 is "never". */
static void test_local(void **state)
{
	char b[48];

	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1); /* POSIX rule: no tzdata needed */
	tzset();
	/* 22:13:20 UTC in November is 23:13:20 CET; in July (CEST) 12:00 UTC is 14:00 */
	assert_int_equal(timefmt_local(INT64_C(1700000000123900000), "%Y-%m-%d %H:%M:%S", b,
				       sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14 23:13:20");
	assert_int_equal(timefmt_local(INT64_C(1688212800) * 1000000000, "%H:%M %Z", b, sizeof(b)), 0);
	assert_string_equal(b, "14:00 CEST");
	assert_int_equal(timefmt_local(0, "%H:%M", b, sizeof(b)), -EINVAL);
	assert_string_equal(b, "?");
	/* a result that does not fit is no half timestamp */
	assert_int_equal(timefmt_local(INT64_C(1700000000) * 1000000000, "%Y-%m-%d", b, 4), -EINVAL);
	assert_string_equal(b, "?");
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
