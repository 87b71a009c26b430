/* test_wire.c - the control protocol's format: escapes, limits, reply head, both ends agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util/json.h"
#include "supervisor/util/wire.h"

static void test_encode(void **state)
{
	char buf[256];
	char *argv[] = { "sim", "fault", "a b%c", "\n" };

	assert_int_equal(wire_request_encode(true, 2, argv, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "json sim fault\n");
	assert_true(wire_request_encode(false, 4, argv, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "text sim fault a%20b%25c %0A\n");
}

static void test_limits(void **state)
{
	char buf[16];
	char *argv[] = { "status", "" };
	char *many[WIRE_ARGS_MAX + 1];

	assert_int_equal(wire_request_encode(false, 1, argv, buf, 8), -E2BIG);
	assert_int_equal(wire_request_encode(false, 2, argv, buf, sizeof(buf)), -EINVAL);
	for (int i = 0; i <= WIRE_ARGS_MAX; i++)
		many[i] = "x";
	assert_int_equal(wire_request_encode(false, WIRE_ARGS_MAX + 1, many, buf, sizeof(buf)), -E2BIG);
}

/* What the client encodes, the daemon splits back into the same words. */
static void test_round_trip(void **state)
{
	char *words[] = { "sim", "fault", "a b%c", "\n\t", "100%", "x" };
	char buf[WIRE_REQUEST_MAX + 1], *argv[WIRE_ARGS_MAX + 2];
	int n;

	n = wire_request_encode(true, 6, words, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	buf[n - 1] = '\0';
	assert_int_equal(wire_request_split(buf, argv, WIRE_ARGS_MAX + 1), 7);
	assert_string_equal(argv[0], "json");
	for (int i = 0; i < 6; i++)
		assert_string_equal(argv[i + 1], words[i]);
}

static void test_split_refuses(void **state)
{
	char nul[] = "text a%00b", bad[] = "text a%zz", raw[] = "text a\tb", lower[] = "text %2f";
	char many[3 * 40 + 8], *argv[8];

	assert_int_equal(wire_request_split(nul, argv, 8), -EINVAL);
	assert_int_equal(wire_request_split(bad, argv, 8), -EINVAL);
	assert_int_equal(wire_request_split(raw, argv, 8), -EINVAL);
	assert_int_equal(wire_request_split(lower, argv, 8), 2);
	assert_string_equal(argv[1], "/");
	strcpy(many, "text");
	for (int i = 0; i < 8; i++)
		strcat(many, " x");
	assert_int_equal(wire_request_split(many, argv, 8), -E2BIG);
}

static void test_reply_head(void **state)
{
	char head[WIRE_HEAD_MAX];
	size_t off = 0;
	int status = -1;

	assert_int_equal(wire_reply_head_format(0, head, sizeof(head)), 3);
	assert_string_equal(head, "ok\n");
	assert_int_equal(wire_reply_head_format(4, head, sizeof(head)), 8);
	assert_string_equal(head, "error 4\n");
	assert_int_equal(wire_reply_head_parse("ok\nbody", 7, &status, &off), 0);
	assert_int_equal(status, 0);
	assert_int_equal(off, 3);
	assert_int_equal(wire_reply_head_parse("error 3\nbusy\n", 13, &status, &off), 0);
	assert_int_equal(status, 3);
	assert_int_equal(off, 8);
	assert_int_equal(wire_reply_head_parse("error 3", 7, &status, &off), -EAGAIN);
	assert_int_equal(wire_reply_head_parse("okay\n", 5, &status, &off), -EPROTO);
	assert_int_equal(wire_reply_head_parse("error 0\n", 8, &status, &off), -EPROTO);
	assert_int_equal(wire_reply_head_parse("error 126\n", 10, &status, &off), -EPROTO);
	/* the status comes from the head line alone: not from the body, nor from past len
	 * (found by tests/fuzz/fuzz_wire) */
	assert_int_equal(wire_reply_head_parse("error\n7 lines\n", 14, &status, &off), -EPROTO);
	assert_int_equal(wire_reply_head_parse("error \n7", 7, &status, &off), -EPROTO);
	assert_int_equal(wire_reply_head_parse("error 12345678901234567890123456 2\n", 35, &status,
						&off), -EPROTO);
}

static void test_error_json(void **state)
{
	struct json *j = json_new();

	assert_non_null(j);
	wire_error_json(j, 2, "usage: \"x\"");
	assert_string_equal(json_finish(j, NULL),
			    "{\"ok\":false,\"status\":2,\"error\":\"usage: \\\"x\\\"\"}");
	json_free(j);
}

static void test_default_socket(void **state)
{
	char buf[108];

	setenv("H2BOX_SOCKET", "/tmp/x.sock", 1);
	assert_string_equal(wire_default_socket(buf, sizeof(buf)), "/tmp/x.sock");
	setenv("H2BOX_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	if (geteuid() != 0)
		assert_string_equal(wire_default_socket(buf, sizeof(buf)), "/run/user/1000/h2box.sock");
	else
		assert_string_equal(wire_default_socket(buf, sizeof(buf)), "/run/h2box/h2box.sock");
	/* the client's search (cli-socket.c) and a root daemon's default move together, for tests */
	unsetenv("H2BOX_SYSTEM_SOCKET");
	assert_string_equal(wire_system_socket(), "/run/h2box/h2box.sock");
	setenv("H2BOX_SYSTEM_SOCKET", "/tmp/sys.sock", 1);
	assert_string_equal(wire_system_socket(), "/tmp/sys.sock");
	if (geteuid() == 0)
		assert_string_equal(wire_default_socket(buf, sizeof(buf)), "/tmp/sys.sock");
	unsetenv("H2BOX_SYSTEM_SOCKET");
	assert_string_equal(wire_user_socket(buf, sizeof(buf)), "/run/user/1000/h2box.sock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_split_refuses),
		cmocka_unit_test(test_reply_head),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_default_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
