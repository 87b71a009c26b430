/* test_parse.c - profile value parsers: whole-string, bounded, ranges, clear messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "supervisor/util/parse.h"

static void test_durations(void **state)
{
	int64_t v;
	char err[128];

	assert_int_equal(parse_duration_ns("500ms", 0, INT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 500000000);
	assert_int_equal(parse_duration_ns(" 2s ", 0, INT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2000000000);
	assert_int_equal(parse_duration_ns("1.5", 0, INT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1500000000);
	assert_int_equal(parse_duration_ns("5m", 0, INT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 300 * INT64_C(1000000000));
	assert_int_equal(parse_duration_ns("5 parsecs", 0, INT64_MAX, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown duration unit"));
	assert_int_equal(parse_duration_ns("-1s", 0, INT64_MAX, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_duration_ns("3s", 0, 2000000000, &v, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(parse_duration_ns("", 0, INT64_MAX, &v, err, sizeof(err)), -EINVAL);
}

static void test_numbers(void **state)
{
	double d;
	long l;
	unsigned long u;
	bool b;
	int m;
	char err[128];

	assert_int_equal(parse_double("12.5", 0, 100, &d, err, sizeof(err)), 0);
	assert_true(d == 12.5);
	assert_int_equal(parse_double("12.5x", 0, 100, &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_double("nan", 0, 100, &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_percent("35%", 0, 100, &d, err, sizeof(err)), 0);
	assert_true(d == 35);
	assert_int_equal(parse_percent("135%", 0, 100, &d, err, sizeof(err)), -ERANGE);
	assert_int_equal(parse_int("-4", -10, 10, &l, err, sizeof(err)), 0);
	assert_int_equal(l, -4);
	assert_int_equal(parse_uint_any_base("0x40", 3, 0x77, &u, err, sizeof(err)), 0);
	assert_int_equal(u, 0x40);
	assert_int_equal(parse_uint_any_base("-1", 0, 10, &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_bool("On", &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(parse_bool("maybe", &b, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_time_of_day("22:30", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 22 * 60 + 30);
	assert_int_equal(parse_time_of_day("24:00", &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_time_of_day("7:5x", &m, err, sizeof(err)), -EINVAL);
}

/* Sizes in binary units, as log_max_size takes them; the messages are what profiles print. */
static void test_sizes(void **state)
{
	uint64_t v;
	char err[128];

	assert_int_equal(parse_size("4096", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("512k", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(parse_size("2MB", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2 * 1024 * 1024);
	assert_int_equal(parse_size("1.5G ", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, UINT64_C(3) << 29);
	assert_int_equal(parse_size("2x", 0, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "\"2x\" is not a size");
	assert_int_equal(parse_size("-1", 0, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_size("1k", 4096, 1 << 20, &v, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "size out of range 4096..1048576");
}

static void test_bounded(void **state)
{
	char big[200], dst[8], err[128];
	double d;

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* a value longer than the parser's buffer is refused, not cut */
	assert_int_equal(parse_double(big, 0, 1e300, &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_string("toolongvalue", dst, sizeof(dst), err, sizeof(err)), -ERANGE);
	assert_int_equal(parse_string("short", dst, sizeof(dst), err, sizeof(err)), 0);
	assert_string_equal(dst, "short");
}

/* a reading for text: its decimals, or the caller's word for unknown, never a number */
static void test_format_number(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(parse_format_number(buf, sizeof(buf), 1, 24.04, "-"), "24.0");
	assert_string_equal(parse_format_number(buf, sizeof(buf), 0, 0.0, "-"), "0");
	assert_string_equal(parse_format_number(buf, sizeof(buf), 2, NAN, "--"), "--");
	assert_string_equal(parse_format_number(buf, sizeof(buf), 3, INFINITY, "null"), "null");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_format_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
