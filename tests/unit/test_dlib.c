/* test_dlib.c - optional libraries: a table resolved, a missing library or symbol fails cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/dlib.h"

static __typeof__(strlen) *fn_strlen;
static int reports;
static char report_last[512];

static void test_dlib_report(const char *msg)
{
	reports++;
	snprintf(report_last, sizeof(report_last), "%s", msg);
}
static __typeof__(strcmp) *fn_strcmp;

static void test_dlib_resolves(void **state)
{
	static const struct hw_dlib_sym syms[] = { { "strlen", (void **)&fn_strlen },
						{ "strcmp", (void **)&fn_strcmp } };
	struct hw_dlib lib = { .soname = "libc.so.6", .deb_pkg = "libc6", .syms = syms, .n_syms = 2 };

	(void)state;
	assert_int_equal(hw_dlib_load(&lib), 0);
	assert_non_null(fn_strlen);
	assert_int_equal(fn_strlen("h2box"), 5);
	assert_int_equal(fn_strcmp("a", "a"), 0);
	assert_int_equal(hw_dlib_load(&lib), 0); /* loaded once */
}

static void test_dlib_missing_library(void **state)
{
	static const struct hw_dlib_sym syms[] = { { "strlen", (void **)&fn_strlen } };
	struct hw_dlib lib = { .soname = "libh2box-nonexistent.so.9", .deb_pkg = "none",
			    .syms = syms, .n_syms = 1 };

	(void)state;
	reports = 0;
	hw_dlib_report_set(test_dlib_report);
	assert_int_equal(hw_dlib_load(&lib), -ELIBACC);
	assert_int_equal(hw_dlib_load(&lib), -ELIBACC); /* no second try, no second log */
	hw_dlib_report_set(NULL);
	/* the program's log gets one line naming the library and the package to install */
	assert_int_equal(reports, 1);
	assert_non_null(strstr(report_last, "cannot load libh2box-nonexistent.so.9"));
	assert_non_null(strstr(report_last, "install the Debian package none"));
}

static void test_dlib_missing_symbol(void **state)
{
	static const struct hw_dlib_sym syms[] = { { "strlen", (void **)&fn_strlen },
						{ "h2box_no_such_function", (void **)&fn_strcmp } };
	struct hw_dlib lib = { .soname = "libc.so.6", .deb_pkg = "libc6", .syms = syms, .n_syms = 2 };

	(void)state;
	assert_int_equal(hw_dlib_load(&lib), -ELIBACC);
	/* no half-filled table: the symbol found before the missing one is cleared too */
	assert_null(fn_strlen);
	assert_null(fn_strcmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlib_resolves),
		cmocka_unit_test(test_dlib_missing_library),
		cmocka_unit_test(test_dlib_missing_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
