/* test_ib_bench_oob.c - the benchmark's peer exchange: round trips, hostile peers rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/ib_bench.h"
#include "drivers/ib_bench_oob.h"

static struct ib_oob_msg qp_msg(void)
{
	struct ib_oob_msg m = {
		.type = IB_OOB_QP,
		.flags = IB_OOB_F_GLOBAL,
		.qpn = 0x000123,
		.psn = 0xabcdef,
		.rkey = 0xdeadbeef,
		.lid = 0,
		.mtu = 3,
		.gid = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 },
		.addr = 0x7f0000001000ULL,
		.len = 8u << 20,
	};
	return m;
}

static void test_round_trip(void **state)
{
	struct ib_oob_msg m = qp_msg(), d;
	uint8_t buf[IB_OOB_MSG_SIZE];
	char err[128] = "";

	(void)state;
	ib_oob_encode(&m, buf);
	assert_int_equal(ib_oob_decode(buf, sizeof(buf), &d, err, sizeof(err)), 0);
	assert_int_equal(d.type, IB_OOB_QP);
	assert_int_equal(d.qpn, 0x123);
	assert_int_equal(d.psn, 0xabcdef);
	assert_int_equal(d.rkey, 0xdeadbeef);
	assert_int_equal(d.mtu, 3);
	assert_memory_equal(d.gid, m.gid, 16);
	assert_true(d.addr == m.addr && d.len == m.len);

	struct ib_oob_msg h = { .type = IB_OOB_HELLO,
				.flags = IB_OOB_F_BIDIR,
				.size = 65536,
				.nsizes = 23,
				.iters = 5000 };
	ib_oob_encode(&h, buf);
	assert_int_equal(ib_oob_decode(buf, sizeof(buf), &d, err, sizeof(err)), 0);
	assert_int_equal(d.nsizes, 23);
	assert_true(d.iters == 5000);
	/* big-endian on the wire: the magic reads "H2IB" */
	assert_memory_equal(buf, "H2IB", 4);
}

/* Re-encode with one field changed, checksum valid: only the range checks remain. */
static int decode_modified(struct ib_oob_msg m)
{
	uint8_t buf[IB_OOB_MSG_SIZE];
	struct ib_oob_msg d;
	char err[128];

	ib_oob_encode(&m, buf);
	return ib_oob_decode(buf, sizeof(buf), &d, err, sizeof(err));
}

static void test_hostile_fields(void **state)
{
	struct ib_oob_msg m;

	(void)state;
	m = qp_msg();
	m.qpn = 0;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.qpn = 0x1000000;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.psn = 0xffffffff;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.mtu = 0;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.mtu = 6;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.addr = UINT64_MAX - 100; /* addr + len wraps */
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.len = 1ull << 40;
	assert_int_equal(decode_modified(m), -EPROTO);
	m = qp_msg();
	m.flags = 0; /* no GID and no LID */
	assert_int_equal(decode_modified(m), -EPROTO);
	m.lid = 0xc001; /* a multicast LID is no peer */
	assert_int_equal(decode_modified(m), -EPROTO);
	m.lid = 7;
	assert_int_equal(decode_modified(m), 0);
	m.flags = 0x80;
	assert_int_equal(decode_modified(m), -EPROTO);

	struct ib_oob_msg h = { .type = IB_OOB_HELLO, .size = 65536, .nsizes = 1, .iters = 10 };

	assert_int_equal(decode_modified(h), 0);
	h.size = 1;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.size = (8u << 20) + 1;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.size = 2;
	h.nsizes = 0;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.nsizes = 1000;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.nsizes = 1;
	h.iters = 0;
	h.duration_ns = 0;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.duration_ns = UINT64_MAX;
	assert_int_equal(decode_modified(h), -EPROTO);
	h.iters = UINT64_MAX;
	assert_int_equal(decode_modified(h), -EPROTO);

	struct ib_oob_msg e = { .type = IB_OOB_ERROR, .value = 0 };

	assert_int_equal(decode_modified(e), -EPROTO);
	e.value = EIO;
	assert_int_equal(decode_modified(e), 0);
	e.type = 77;
	assert_int_equal(decode_modified(e), -EPROTO);
	e.type = 0;
	assert_int_equal(decode_modified(e), -EPROTO);
}

static void test_garbage(void **state)
{
	struct ib_oob_msg m = qp_msg(), d;
	uint8_t buf[IB_OOB_MSG_SIZE], g[IB_OOB_MSG_SIZE];
	char err[128];
	uint32_t x = 12345;

	(void)state;
	ib_oob_encode(&m, buf);
	assert_int_equal(ib_oob_decode(buf, sizeof(buf) - 1, &d, err, sizeof(err)), -EPROTO);
	assert_int_equal(ib_oob_decode(buf, sizeof(buf) + 1, &d, err, sizeof(err)), -EPROTO);
	assert_int_equal(ib_oob_decode(NULL, sizeof(buf), &d, err, sizeof(err)), -EPROTO);
	/* every single bit flip is caught (magic, version, checksum, reserved or CRC) */
	for (size_t i = 0; i < sizeof(buf) * 8; i++) {
		memcpy(g, buf, sizeof(g));
		g[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(ib_oob_decode(g, sizeof(g), &d, err, sizeof(err)), -EPROTO);
	}
	/* random bytes */
	for (int n = 0; n < 2000; n++) {
		for (size_t i = 0; i < sizeof(g); i++) {
			x = x * 1103515245u + 12345u;
			g[i] = (uint8_t)(x >> 16);
		}
		assert_int_equal(ib_oob_decode(g, sizeof(g), &d, err, sizeof(err)), -EPROTO);
	}
	/* a text protocol (perftest's "0000:000000:...") is no h2box peer */
	memset(g, 0, sizeof(g));
	memcpy(g, "0000:000123:abcdef:00000000:0000000000000000", 44);
	assert_int_equal(ib_oob_decode(g, sizeof(g), &d, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "magic"));
	/* right magic, wrong version */
	memcpy(g, buf, sizeof(g));
	g[5] = 2;
	assert_int_equal(ib_oob_decode(g, sizeof(g), &d, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version"));
}

static void test_socket_exchange(void **state)
{
	int sv[2];
	struct ib_oob_msg m = qp_msg(), d;
	uint8_t buf[IB_OOB_MSG_SIZE];
	char err[128] = "";

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(ib_oob_send(sv[0], &m, 1000000000LL), 0);
	assert_int_equal(ib_oob_expect(sv[1], IB_OOB_QP, &d, 1000000000LL, err, sizeof(err)), 0);
	assert_int_equal(d.qpn, m.qpn);
	/* wrong type where another was due */
	assert_int_equal(ib_oob_send(sv[0], &m, 1000000000LL), 0);
	assert_int_equal(ib_oob_expect(sv[1], IB_OOB_READY, &d, 1000000000LL, err, sizeof(err)),
			 -EPROTO);
	/* the peer's ERROR becomes ECONNABORTED with its reason */
	struct ib_oob_msg e = { .type = IB_OOB_ERROR, .value = ENODEV };

	assert_int_equal(ib_oob_send(sv[0], &e, 1000000000LL), 0);
	assert_int_equal(ib_oob_expect(sv[1], IB_OOB_READY, &d, 1000000000LL, err, sizeof(err)),
			 -ECONNABORTED);
	/* half a message, then silence: a timeout, not a hang */
	ib_oob_encode(&m, buf);
	assert_int_equal(write(sv[0], buf, 60), 60);
	assert_int_equal(ib_oob_recv(sv[1], &d, 20000000LL, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "60 of 128"));
	/* garbage on the wire (after a timeout the stream is abandoned; this is a fresh read) */
	memset(buf, 0x41, sizeof(buf));
	assert_int_equal(write(sv[0], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(ib_oob_recv(sv[1], &d, 1000000000LL, err, sizeof(err)), -EPROTO);
	/* the peer leaves */
	close(sv[0]);
	assert_int_equal(ib_oob_recv(sv[1], &d, 1000000000LL, err, sizeof(err)), -ECONNRESET);
	close(sv[1]);
}

static void test_tcp_timeouts(void **state)
{
	int lfd, fd;

	(void)state;
	assert_int_equal(ib_oob_connect("", 1, 1000000, &fd), -EINVAL);
	assert_int_equal(ib_oob_connect("localhost", 0, 1000000, &fd), -EINVAL);
	assert_int_equal(ib_oob_listen(70000, &lfd), -EINVAL);
	/* nobody connects: accept gives up */
	if (ib_oob_listen(0 + 18599, &lfd) == 0) {
		assert_int_equal(ib_oob_accept(lfd, 10000000LL, &fd), -ETIMEDOUT);
		close(lfd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_garbage),	     cmocka_unit_test(test_socket_exchange),
		cmocka_unit_test(test_tcp_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
