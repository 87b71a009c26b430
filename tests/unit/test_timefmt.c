/* test_timefmt.c - the one ISO 8601 timestamp: milliseconds, seconds only, before the epoch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
