/* test_conf.c - the one section-header reader and the table-driven key setter of config/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "supervisor/config/conf-keys.h"
#include "supervisor/config/conf-section.h"

static void test_section_forms(void **state)
{
	struct conf_section s;
	char err[128];
	const char *same[] = { "input nic", "input \"nic\"", " input   \"nic\" ", "input\t nic\t" };

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(conf_section_parse(same[i], &s, err, sizeof(err)), 0);
		assert_string_equal(s.kind, "input");
		assert_string_equal(s.name, "nic");
	}
	assert_int_equal(conf_section_parse("daemon", &s, err, sizeof(err)), 0);
	assert_string_equal(s.kind, "daemon");
	assert_string_equal(s.name, "");
	assert_int_equal(conf_section_parse("monitor\"h2\"", &s, err, sizeof(err)), 0);
	assert_string_equal(s.kind, "monitor");
	assert_string_equal(s.name, "h2");
}

static void test_section_refusals(void **state)
{
	struct conf_section s;
	char err[128];

	assert_int_equal(conf_section_parse("input nic extra", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most one name"));
	assert_int_equal(conf_section_parse("input \"nic", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unbalanced quote"));
	assert_int_equal(conf_section_parse("input \"n c\"", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "letters, digits"));
	assert_int_equal(conf_section_parse("input \"\"", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_section_parse("   ", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_section_parse("input a2345678901234567890123456789012", &s, err,
					    sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "longer than 31"));
	assert_int_equal(conf_name_check("a23456789012345678901234567890a", err, sizeof(err)), 0);
}

struct thing {
	bool on;
	long count;
	unsigned long addr;
	double ratio, pct;
	int64_t period_ns;
	char label[8];
	char path[32];
	int mode;
	int custom_calls;
	int small[2]; /* small[0] is filled; small[1] shows a CONF_INT int row writes no further */
	double limit;
};

enum { MODE_A = 1, MODE_B = 2, MODE_C = 7 };
static const struct conf_enum modes[] = {
	{ "a", MODE_A }, { "b", MODE_B }, { "c", MODE_C }, { NULL, 0 },
};

static int thing_custom(void *obj, const char *value, char *err, size_t errlen)
{
	struct thing *t = obj;

	t->custom_calls++;
	if (strcmp(value, "yes"))
		return -EINVAL;
	return 0;
}

#define K(n, t, f, ...) { .name = n, .type = t, .offset = offsetof(struct thing, f), __VA_ARGS__ }
static const struct conf_key keys[] = {
	K("on", CONF_BOOL, on),
	K("count", CONF_INT, count, .min = -5, .max = 5),
	K("addr", CONF_UINT, addr, .min = 0x10, .max = 0x7f),
	K("ratio", CONF_DOUBLE, ratio, .min = 0, .max = 1),
	K("pct", CONF_PERCENT, pct, .min = 10, .max = 100),
	K("period", CONF_DURATION, period_ns, .min = 1e6, .max = 60e9),
	K("label", CONF_STRING, label, .size = sizeof(((struct thing *)0)->label)),
	K("path", CONF_PATH, path, .size = sizeof(((struct thing *)0)->path)),
	K("mode", CONF_ENUM, mode, .names = modes),
	{ .name = "custom", .type = CONF_CUSTOM, .fn = thing_custom },
	K("small", CONF_INT, small, .size = sizeof(int), .min = -10, .max = 10),
	K("limit", CONF_DOUBLE_OFF, limit, .min = -50, .max = 200),
	CONF_KEY_END,
};

static void test_keys_each_type(void **state)
{
	struct thing t = { 0 };
	char err[160];

	assert_int_equal(conf_keys_set(keys, &t, "on", "yes", err, sizeof(err)), 0);
	assert_true(t.on);
	assert_int_equal(conf_keys_set(keys, &t, "count", "-3", err, sizeof(err)), 0);
	assert_int_equal(t.count, -3);
	assert_int_equal(conf_keys_set(keys, &t, "count", "6", err, sizeof(err)), -ERANGE);
	assert_int_equal(t.count, -3);
	assert_int_equal(conf_keys_set(keys, &t, "addr", "0x40", err, sizeof(err)), 0);
	assert_int_equal(t.addr, 0x40);
	assert_int_equal(conf_keys_set(keys, &t, "ratio", "0.25", err, sizeof(err)), 0);
	assert_true(t.ratio == 0.25);
	assert_int_equal(conf_keys_set(keys, &t, "pct", "35%", err, sizeof(err)), 0);
	assert_true(t.pct == 35.0);
	assert_int_equal(conf_keys_set(keys, &t, "pct", "5%", err, sizeof(err)), -ERANGE);
	assert_int_equal(conf_keys_set(keys, &t, "period", "250ms", err, sizeof(err)), 0);
	assert_int_equal(t.period_ns, 250000000);
	assert_int_equal(conf_keys_set(keys, &t, "period", "2m", err, sizeof(err)), -ERANGE);
	assert_int_equal(conf_keys_set(keys, &t, "label", "box", err, sizeof(err)), 0);
	assert_string_equal(t.label, "box");
	assert_int_equal(conf_keys_set(keys, &t, "label", "far-too-long", err, sizeof(err)), -ERANGE);
	assert_int_equal(conf_keys_set(keys, &t, "path", "/run/x", err, sizeof(err)), 0);
	assert_string_equal(t.path, "/run/x");
	assert_int_equal(conf_keys_set(keys, &t, "path", "run/x", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "must be an absolute path");
	assert_int_equal(conf_keys_set(keys, &t, "mode", "c", err, sizeof(err)), 0);
	assert_int_equal(t.mode, MODE_C);
	assert_int_equal(conf_keys_set(keys, &t, "custom", "yes", err, sizeof(err)), 0);
	assert_int_equal(t.custom_calls, 1);
	assert_int_equal(conf_keys_set(keys, &t, "custom", "no", err, sizeof(err)), -EINVAL);
}

static void test_keys_unknown_and_enum_message(void **state)
{
	struct thing t = { 0 };
	char err[160] = "";

	assert_int_equal(conf_keys_set(keys, &t, "colour", "red", err, sizeof(err)), -ENOENT);
	assert_null(conf_keys_find(keys, "colour"));
	assert_non_null(conf_keys_find(keys, "mode"));
	assert_int_equal(conf_keys_set(keys, &t, "mode", "d", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "must be 'a', 'b' or 'c', got 'd'");
	assert_int_equal(t.mode, 0);
}

/* The types added for the watts sections: an int field, a path that may be empty (none). */
struct small {
	int n;
	char path[16];
};

#define S(n, t, f, ...) { .name = n, .type = t, .offset = offsetof(struct small, f), __VA_ARGS__ }
static const struct conf_key small_keys[] = {
	S("n", CONF_INT, n, .size = sizeof(int), .min = -2, .max = 1000),
	S("log", CONF_PATH_OPT, path, .size = sizeof(((struct small *)0)->path)),
	CONF_KEY_END,
};

static void test_keys_int_and_optional_path(void **state)
{
	struct small s = { .n = 7, .path = "/old" };
	char err[160] = "";

	assert_int_equal(conf_keys_set(small_keys, &s, "n", "1000", err, sizeof(err)), 0);
	assert_int_equal(s.n, 1000);
	assert_int_equal(conf_keys_set(small_keys, &s, "n", "-2", err, sizeof(err)), 0);
	assert_int_equal(s.n, -2);
	assert_int_equal(conf_keys_set(small_keys, &s, "n", "1001", err, sizeof(err)), -ERANGE);
	assert_int_equal(s.n, -2);
	assert_int_equal(conf_keys_set(small_keys, &s, "log", "/var/x.csv", err, sizeof(err)), 0);
	assert_string_equal(s.path, "/var/x.csv");
	assert_int_equal(conf_keys_set(small_keys, &s, "log", "", err, sizeof(err)), 0);
	assert_string_equal(s.path, "");
	assert_int_equal(conf_keys_set(small_keys, &s, "log", "x.csv", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "must be an absolute path (or empty for none)");
	assert_int_equal(conf_keys_set(small_keys, &s, "log", "/a/very/long/path", err, sizeof(err)),
			 -ERANGE);
}

/* an int field is filled as an int; "off"/"none" is NAN for a threshold that may be absent */
static void test_keys_int_field_and_off(void **state)
{
	struct thing t = { .small = { 0, 77 }, .limit = 1 };
	char err[160];

	assert_int_equal(conf_keys_set(keys, &t, "small", "-7", err, sizeof(err)), 0);
	assert_int_equal(t.small[0], -7);
	assert_int_equal(t.small[1], 77);
	assert_int_equal(conf_keys_set(keys, &t, "small", "11", err, sizeof(err)), -ERANGE);
	assert_int_equal(t.small[0], -7);
	assert_int_equal(conf_keys_set(keys, &t, "limit", "85.5", err, sizeof(err)), 0);
	assert_true(t.limit == 85.5);
	assert_int_equal(conf_keys_set(keys, &t, "limit", "Off", err, sizeof(err)), 0);
	assert_true(isnan(t.limit));
	assert_int_equal(conf_keys_set(keys, &t, "limit", "none", err, sizeof(err)), 0);
	assert_true(isnan(t.limit));
	assert_int_equal(conf_keys_set(keys, &t, "limit", "250", err, sizeof(err)), -ERANGE);
	assert_int_equal(conf_keys_set(keys, &t, "limit", "never", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section_forms),
		cmocka_unit_test(test_section_refusals),
		cmocka_unit_test(test_keys_each_type),
		cmocka_unit_test(test_keys_unknown_and_enum_message),
		cmocka_unit_test(test_keys_int_and_optional_path),
		cmocka_unit_test(test_keys_int_field_and_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
