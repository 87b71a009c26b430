/* test_cli.c - request encoding of the client: escapes, limits, empty words refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "supervisor/cli/cli.h"
#include "supervisor/runtime/ctl.h"

static void test_encode(void **state)
{
	char buf[256];
	char *argv[] = { "sim", "fault", "a b%c", "\n" };

	assert_int_equal(cli_request_encode(true, 2, argv, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "json sim fault\n");
	assert_true(cli_request_encode(false, 4, argv, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "text sim fault a%20b%25c %0A\n");
}

static void test_limits(void **state)
{
	char buf[16];
	char *argv[] = { "status", "" };
	char *many[CTL_ARGS_MAX + 1];

	assert_int_equal(cli_request_encode(false, 1, argv, buf, 8), -E2BIG);
	assert_int_equal(cli_request_encode(false, 2, argv, buf, sizeof(buf)), -EINVAL);
	for (int i = 0; i <= CTL_ARGS_MAX; i++)
		many[i] = "x";
	assert_int_equal(cli_request_encode(false, CTL_ARGS_MAX + 1, many, buf, sizeof(buf)), -E2BIG);
}

/* `ib bench` answers "ok" at once and fails later in its worker: the last line decides. */
static void test_stream_tail_status(void **state)
{
	char *const argv[] = { "ib", "bench", "--dev", "rxe_lo" };

	(void)state;
	assert_int_equal(cli_stream_tail_status(false, 4, argv, "ib bench failed: rxe_lo: gone"), 1);
	assert_int_equal(cli_stream_tail_status(false, 4, argv, "    65536   200   0.51"), 0);
	assert_int_equal(cli_stream_tail_status(false, 4, argv, ""), 0);
	assert_int_equal(cli_stream_tail_status(true, 4, argv,
						"{\"ok\":false,\"status\":1,\"error\":\"x\"}"),
			 1);
	assert_int_equal(cli_stream_tail_status(true, 4, argv, "{\"ok\":false,\"status\":3}"), 3);
	assert_int_equal(cli_stream_tail_status(true, 4, argv, "{\"ok\":false}"), 1);
	assert_int_equal(cli_stream_tail_status(true, 4, argv, "{\"ok\":true,\"bench\":{}}"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_stream_tail_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
