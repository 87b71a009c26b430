/* test_prom.c - the Prometheus text writer: families once, escaping, NaN, sorted stable output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/util/prom.h"

static void test_prom_families_once_sorted(void **state)
{
	struct prom *p = prom_new();
	char *t;

	prom_family(p, "h2box_temperature_celsius", PROM_GAUGE, "Temperature by input.");
	prom_family(p, "h2box_power_watts", PROM_GAUGE, "Power.");
	prom_family(p, "h2box_power_watts", PROM_COUNTER, "ignored");
	prom_family(p, "h2box_unused", PROM_GAUGE, "no samples");
	prom_sample(p, "h2box_temperature_celsius", 55, "input", "nic", NULL);
	prom_sample(p, "h2box_power_watts", 23.5, NULL);
	prom_sample(p, "h2box_temperature_celsius", 40.25, "input", "cpu", NULL);
	t = prom_render(p, NULL);
	assert_non_null(t);
	assert_string_equal(t, "# HELP h2box_power_watts Power.\n"
			       "# TYPE h2box_power_watts gauge\n"
			       "h2box_power_watts 23.5\n"
			       "# HELP h2box_temperature_celsius Temperature by input.\n"
			       "# TYPE h2box_temperature_celsius gauge\n"
			       "h2box_temperature_celsius{input=\"cpu\"} 40.25\n"
			       "h2box_temperature_celsius{input=\"nic\"} 55\n");
	free(t);
	prom_free(p);
}

static void test_prom_escaping(void **state)
{
	struct prom *p = prom_new();
	char *t;

	prom_family(p, "x_total", PROM_COUNTER, "back\\slash\nnewline \"quotes\" stay");
	prom_sample(p, "x_total", 3, "name", "a\"b\\c\nd", "skipped", NULL, "z", "1", NULL);
	t = prom_render(p, NULL);
	assert_string_equal(t, "# HELP x_total back\\\\slash\\nnewline \"quotes\" stay\n"
			       "# TYPE x_total counter\n"
			       "x_total{name=\"a\\\"b\\\\c\\nd\",z=\"1\"} 3\n");
	free(t);
	prom_free(p);
}

static void test_prom_nonfinite(void **state)
{
	struct prom *p = prom_new();
	size_t len;
	char *t;

	prom_family(p, "v", PROM_GAUGE, "h");
	prom_sample(p, "v", NAN, "k", "a", NULL);
	prom_sample(p, "v", INFINITY, "k", "b", NULL);
	prom_sample(p, "v", -INFINITY, "k", "c", NULL);
	prom_sample(p, "v", 1e15 + 1, "k", "d", NULL);
	prom_sample(p, "v", 0.1, "k", "e", NULL);
	t = prom_render(p, &len);
	assert_int_equal(len, strlen(t));
	assert_non_null(strstr(t, "v{k=\"a\"} NaN\n"));
	assert_non_null(strstr(t, "v{k=\"b\"} +Inf\n"));
	assert_non_null(strstr(t, "v{k=\"c\"} -Inf\n"));
	assert_non_null(strstr(t, "v{k=\"d\"} 1000000000000001\n"));
	assert_non_null(strstr(t, "v{k=\"e\"} 0.1\n"));
	free(t);
	prom_free(p);
}

/* The same figures added in another order render the same text. */
static void test_prom_stable(void **state)
{
	struct prom *a = prom_new(), *b = prom_new();
	char *ta, *tb;

	prom_family(a, "m", PROM_GAUGE, "h");
	prom_family(a, "l", PROM_GAUGE, "h");
	prom_sample(a, "m", 1, "port", "2", NULL);
	prom_sample(a, "l", 2, NULL);
	prom_sample(a, "m", 3, "port", "1", NULL);
	prom_family(b, "l", PROM_GAUGE, "h");
	prom_family(b, "m", PROM_GAUGE, "h");
	prom_sample(b, "m", 3, "port", "1", NULL);
	prom_sample(b, "m", 1, "port", "2", NULL);
	prom_sample(b, "l", 2, NULL);
	ta = prom_render(a, NULL);
	tb = prom_render(b, NULL);
	assert_string_equal(ta, tb);
	assert_true(strstr(ta, "m{port=\"1\"}") < strstr(ta, "m{port=\"2\"}"));
	free(ta);
	free(tb);
	prom_free(a);
	prom_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_families_once_sorted),
		cmocka_unit_test(test_prom_escaping),
		cmocka_unit_test(test_prom_nonfinite),
		cmocka_unit_test(test_prom_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
