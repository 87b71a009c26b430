/* test_cli.c - the client's exchange: a stream's late failure read from its last line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "supervisor/cli/cli.h"

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
		cmocka_unit_test(test_stream_tail_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
