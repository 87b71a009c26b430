/* test_json.c - the JSON writer: escaping, nesting, NAN as null, misuse detected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "supervisor/util/json.h"

static void test_json_object(void **state)
{
	struct json *j = json_new();
	const char *s;

	json_object_begin(j, NULL);
	json_string(j, "name", "a \"quoted\"\\ \n line");
	json_number(j, "watts", 24.0, 2);
	json_number(j, "nan", NAN, 2);
	json_int(j, "n", -3);
	json_bool(j, "on", true);
	json_array_begin(j, "list");
	json_uint(j, NULL, 7);
	json_null(j, NULL);
	json_array_end(j);
	json_object_end(j);
	s = json_finish(j, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"name\":\"a \\\"quoted\\\"\\\\ \\u000a line\",\"watts\":24.00,"
			       "\"nan\":null,\"n\":-3,\"on\":true,\"list\":[7,null]}");
	json_free(j);
}

static void test_json_misuse(void **state)
{
	struct json *j = json_new();

	json_object_begin(j, NULL);
	json_int(j, NULL, 1); /* a member without a key */
	json_object_end(j);
	assert_null(json_finish(j, NULL));
	json_free(j);

	j = json_new();
	json_object_begin(j, NULL);
	json_array_end(j); /* wrong closer */
	assert_null(json_finish(j, NULL));
	json_free(j);

	j = json_new();
	json_object_begin(j, NULL); /* never closed */
	assert_null(json_finish(j, NULL));
	json_free(j);
}

/* Strings are valid UTF-8 whatever they are given: bad bytes become U+FFFD, good ones stay. */
static void test_json_utf8(void **state)
{
	struct json *j = json_new();
	const char *s;

	json_object_begin(j, NULL);
	json_string(j, "bad", "a\xff\xfe b\xc3");           /* stray bytes, a truncated sequence */
	json_string(j, "good", "23 \xc2\xb0" "C \xe2\x82\xac \xf0\x9f\x94\x8c");
	json_string(j, "overlong", "\xc0\xaf\xed\xa0\x80");  /* overlong '/', a surrogate */
	json_object_end(j);
	s = json_finish(j, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"bad\":\"a\xef\xbf\xbd\xef\xbf\xbd b\xef\xbf\xbd\","
			       "\"good\":\"23 \xc2\xb0" "C \xe2\x82\xac \xf0\x9f\x94\x8c\","
			       "\"overlong\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	json_free(j);
}

/* Timestamps are ISO 8601 strings, never nanosecond integers that a double cannot hold. */
static void test_json_time(void **state)
{
	struct json *j = json_new();
	const char *s;

	json_object_begin(j, NULL);
	json_time(j, "t", 1796432406273896544LL);
	json_time(j, "unknown", 0);
	json_object_end(j);
	s = json_finish(j, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"t\":\"2026-12-05T01:00:06.273Z\",\"unknown\":null}");
	json_free(j);
}

/* A tiny negative rounds to zero without a sign; real negatives keep theirs. */
static void test_json_no_negative_zero(void **state)
{
	struct json *j = json_new();
	const char *s;

	json_object_begin(j, NULL);
	json_number(j, "a", -0.0001, 3);
	json_number(j, "b", -0.0, 0);
	json_number(j, "c", -0.5, 1);
	json_number(j, "d", -10.0, 0);
	json_object_end(j);
	s = json_finish(j, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"a\":0.000,\"b\":0,\"c\":-0.5,\"d\":-10}");
	json_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_object),
		cmocka_unit_test(test_json_misuse),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_time),
		cmocka_unit_test(test_json_no_negative_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
