/* test_http.c - the HTTP listener on loopback: routes, 404, 405, 500, and clients that stall. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "sim-box.h"
#include "supervisor/runtime/http.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/log.h"

struct rig {
	struct sim_box sb;
	struct loop *loop;
	struct http *http;
	int calls;
};

static int rig_hello(void *userdata, const char *path, struct http_response *resp)
{
	struct rig *r = userdata;

	r->calls++;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	resp->body = strdup("hello\n");
	resp->len = 6;
	return 0;
}

static int rig_fail(void *userdata, const char *path, struct http_response *resp)
{
	return -EIO;
}

static int rig_setup(void **state)
{
	static struct rig r;

	memset(&r, 0, sizeof(r));
	log_init(LOG_TARGET_NONE, 0);
	if (sim_box_open(&r.sb, SIM_BOX_OFF) < 0 || loop_new(r.sb.hw, &r.loop) < 0 ||
	    http_new(r.loop, "127.0.0.1", 0, &r.http) < 0 ||
	    http_route_add(r.http, "/hello", rig_hello, &r) < 0 ||
	    http_route_add(r.http, "/fail", rig_fail, &r) < 0)
		return -1;
	*state = &r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	http_free(r->http);
	loop_free(r->loop);
	sim_box_close(&r->sb);
	return 0;
}

static int rig_connect(struct rig *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)http_port(r->http)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* loopback: the connection completes in the kernel's backlog, the loop accepts it later */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	return fd;
}

/*
 * Send req on a new connection and run the daemon's loop until the server closes it
 * (Connection: close): the whole response, or NULL after 500 loop turns of at most 10 ms.
 */
static char *rig_request(struct rig *r, const char *req)
{
	static char buf[4096];
	size_t n = 0;
	int fd = rig_connect(r);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	for (int i = 0; i < 500 && poll(&p, 1, 0) == 0; i++)
		sd_event_run(loop_event(r->loop), 10000);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < 500; i++) {
		ssize_t k;

		sd_event_run(loop_event(r->loop), 10000);
		k = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (k == 0) {
			close(fd);
			buf[n] = '\0';
			return buf;
		}
		if (k > 0)
			n += (size_t)k;
	}
	close(fd);
	return NULL;
}

static void test_http_get_routed(void **state)
{
	struct rig *r = *state;
	char *resp = rig_request(r, "GET /hello?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 200"));
	assert_non_null(strstr(resp, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(resp, "\r\n\r\nhello\n"));
}

static void test_http_head_has_no_body(void **state)
{
	struct rig *r = *state;
	char *resp = rig_request(r, "HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 200"));
	assert_null(strstr(resp, "hello"));
}

static void test_http_unknown_is_404(void **state)
{
	struct rig *r = *state;
	char *resp = rig_request(r, "GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 404"));
}

static void test_http_post_is_405(void **state)
{
	struct rig *r = *state;
	int before = r->calls;
	char *resp = rig_request(r, "POST /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
				    "Content-Length: 3\r\n\r\nabc");

	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 405"));
	assert_non_null(strstr(resp, "Allow: GET, HEAD"));
	assert_int_equal(r->calls, before);
}

static void test_http_handler_error_is_500(void **state)
{
	struct rig *r = *state;
	char *resp = rig_request(r, "GET /fail HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 500"));
}

static void test_http_route_twice(void **state)
{
	struct rig *r = *state;

	assert_int_equal(http_route_add(r->http, "/hello", rig_hello, r), -EEXIST);
	assert_int_equal(http_route_add(r->http, "/other", rig_hello, r), 0);
	http_route_remove(r->http, "/other");
	assert_non_null(strstr(rig_request(r, "GET /other HTTP/1.1\r\nHost: t\r\n"
					      "Connection: close\r\n\r\n"), "HTTP/1.1 404"));
}

/* A client that sends half a request and waits, and one that sends garbage, hold nothing up. */
static void test_http_stalled_clients(void **state)
{
	struct rig *r = *state;
	int slow[4], junk = rig_connect(r);
	char *resp;

	for (int i = 0; i < 4; i++) {
		slow[i] = rig_connect(r);
		sd_event_run(loop_event(r->loop), 10000);
		(void)!write(slow[i], "GET /hello HTTP/1.1\r\nHo", 23);
	}
	sd_event_run(loop_event(r->loop), 10000);
	(void)!write(junk, "\x01\x02\xff garbage\r\n\r\n", 15);
	resp = rig_request(r, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_non_null(resp);
	assert_non_null(strstr(resp, "HTTP/1.1 200"));
	for (int i = 0; i < 4; i++)
		close(slow[i]);
	close(junk);
}

static void test_http_bad_address(void **state)
{
	struct rig *r = *state;
	struct http *h = NULL;

	assert_int_equal(http_new(r->loop, "localhost.example", 0, &h), -EINVAL);
	assert_int_equal(http_new(r->loop, "127.0.0.1", 70000, &h), -EINVAL);
	/* the bound port is taken */
	assert_true(http_new(r->loop, "127.0.0.1", http_port(r->http), &h) < 0);
	assert_int_equal(http_new(r->loop, "::1", 0, &h), 0);
	assert_true(http_port(h) > 0);
	http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_get_routed),
		cmocka_unit_test(test_http_head_has_no_body),
		cmocka_unit_test(test_http_unknown_is_404),
		cmocka_unit_test(test_http_post_is_405),
		cmocka_unit_test(test_http_handler_error_is_500),
		cmocka_unit_test(test_http_route_twice),
		cmocka_unit_test(test_http_stalled_clients),
		cmocka_unit_test(test_http_bad_address),
	};

	return cmocka_run_group_tests(tests, rig_setup, rig_teardown);
}
